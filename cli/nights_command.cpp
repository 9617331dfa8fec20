// `sleeparch nights`: one row per night with the METRICS.md §2 metrics.
#include <boost/date_time/gregorian/gregorian.hpp>

#include "commands.hpp"
#include "comparison_view.hpp"
#include "nights_view.hpp"
#include "output.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/summary.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::cli {

namespace {

struct NightsArgs {
    ImportFlags import;
    Format format = Format::Table;
    std::string output;
    bool naps = false;
    bool summary = false;
    std::string from, to;
    std::string intake;
};

}  // namespace

std::vector<NightRow> select_nights(const api::Session& session, bool naps, const std::string& from,
                                    const std::string& to) {
    api::NightFilter filter;
    filter.naps = naps;
    if (!from.empty()) filter.from = api::parse_day(from, "--from");
    if (!to.empty()) filter.to = api::parse_day(to, "--to");
    std::vector<NightRow> rows;
    for (std::size_t i : api::select_nights(session, filter)) rows.push_back(NightRow{&session.nights[i], &session.metrics[i]});
    return rows;
}

std::string render_nights(const std::vector<NightRow>& rows, Format format, const IntakeColumns* intake) {
    if (format == Format::Json) {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < rows.size(); ++i) {
            nlohmann::ordered_json o = api::night_row_json(*rows[i].night, *rows[i].metrics);
            if (intake)
                for (auto it = intake->json[i].begin(); it != intake->json[i].end(); ++it) o[it.key()] = it.value();
            arr.push_back(std::move(o));
        }
        return arr.dump(2) + "\n";
    }
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> table;
    if (format == Format::Csv) {
        header = api::csv_night_header();
        if (intake) header.insert(header.end(), intake->header.begin(), intake->header.end());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            std::vector<std::string> row = api::night_row_csv(*rows[i].night, *rows[i].metrics);
            if (intake) row.insert(row.end(), intake->cells[i].begin(), intake->cells[i].end());
            table.push_back(std::move(row));
        }
        return render_csv(header, table);
    }
    // The metric columns and their decimals come from the metric table.
    const std::vector<const MetricInfo*> columns = table_metrics();
    header = {"date", "source", "onset", "wake"};
    for (const MetricInfo* info : columns) header.emplace_back(info->header);
    if (intake) header.insert(header.end(), intake->header.begin(), intake->header.end());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const NightRow& r = rows[i];
        const NightMetrics& m = *r.metrics;
        auto clock = [](const std::string& iso) { return iso.size() >= 16 ? iso.substr(11, 5) : std::string("-"); };
        std::string date = format_date(r.night->label_date);
        if (r.night->is_nap) date += " nap";
        if (r.night->summary_only) date += " (summary)";
        std::vector<std::string> row = {date, r.night->source.label(), clock(onset_local(m)), clock(final_wake_local(m))};
        for (const MetricInfo* info : columns) row.push_back(fmt_number(m.*(info->member), info->decimals));
        if (intake) row.insert(row.end(), intake->cells[i].begin(), intake->cells[i].end());
        table.push_back(std::move(row));
    }
    return render_table(header, table) + std::to_string(rows.size()) + " night(s); minutes unless marked\n";
}

std::string render_summary(const std::vector<NightRow>& rows, Format format) {
    std::vector<NightMetrics> metrics;
    std::vector<Night> nights;
    for (const NightRow& r : rows) {
        metrics.push_back(*r.metrics);
        nights.push_back(*r.night);
    }
    const auto sums = summarize(metrics);
    const Regularity reg = regularity(nights, metrics);
    if (format == Format::Json) {
        nlohmann::json o;
        for (const MetricSummary& s : sums)
            o["metrics"][s.metric] = {{"n", s.n},          {"mean", json_number(s.mean)},
                                      {"sd", json_number(s.sd)}, {"median", json_number(s.median)},
                                      {"q1", json_number(s.q1)}, {"q3", json_number(s.q3)},
                                      {"iqr", json_number(s.iqr)}};
        o["transitions"] = pooled_transitions(metrics);
        o["sri"] = json_number(reg.sri.sri);
        o["sri_day_pairs"] = reg.sri.day_pairs;
        o["onset_sd_min"] = json_number(reg.onset_sd_min);
        o["midpoint_sd_min"] = json_number(reg.midpoint_sd_min);
        o["social_jetlag_h"] = json_number(reg.social_jetlag_h);
        return o.dump(2) + "\n";
    }
    std::vector<std::string> header = {"metric", "n", "mean", "sd", "median", "q1", "q3", "iqr"};
    std::vector<std::vector<std::string>> table;
    for (const MetricSummary& s : sums)
        table.push_back({s.metric, std::to_string(s.n), fmt_number(s.mean, 2), fmt_number(s.sd, 2),
                         fmt_number(s.median, 2), fmt_number(s.q1, 2), fmt_number(s.q3, 2), fmt_number(s.iqr, 2)});
    table.push_back({"sri", std::to_string(reg.sri.day_pairs), fmt_number(reg.sri.sri, 2), "", "", "", "", ""});
    table.push_back({"onset_sd_min", "", fmt_number(reg.onset_sd_min, 2), "", "", "", "", ""});
    table.push_back({"midpoint_sd_min", "", fmt_number(reg.midpoint_sd_min, 2), "", "", "", "", ""});
    table.push_back({"social_jetlag_h", "", fmt_number(reg.social_jetlag_h, 2), "", "", "", "", ""});
    if (format == Format::Csv) return render_csv(header, table);
    return render_table(header, table) + "(sri: n is the number of day pairs compared)\n";
}

void set_nights_command(CLI::App& app) {
    auto args = std::make_shared<NightsArgs>();
    CLI::App* sub = app.add_subcommand("nights", "One row per night with its sleep-architecture metrics");
    add_import_flags(*sub, args->import);
    sub->add_option("-f,--format", args->format, "table, csv or json")
        ->transform(CLI::CheckedTransformer(format_names(), CLI::ignore_case));
    sub->add_option("-o,--output", args->output, "Write to this file (written whole, then renamed)");
    sub->add_flag("--naps", args->naps, "Include naps (marked)");
    sub->add_flag("--summary", args->summary,
                  "Per-metric summaries (mean, SD, median, IQR, n), pooled transitions and regularity "
                  "(SRI, onset/midpoint SD, social jetlag) instead of one row per night");
    sub->add_option("--from", args->from, "First label date, YYYY-MM-DD");
    sub->add_option("--to", args->to, "Last label date, YYYY-MM-DD");
    sub->add_option("--intake", args->intake,
                    "Magnesium intake log (CSV/JSON) or an Apple Health export: adds mg_elemental, "
                    "dose_to_onset_min, mg_7d_mean, tags and the 350 mg/day flag per night");
    // nights options (keep this line: more options above it)
    sub->callback([args]() {
        const api::Session session = load_nights(args->import);
        const auto rows = select_nights(session, args->naps, args->from, args->to);
        std::optional<IntakeColumns> intake;
        if (!args->intake.empty() && !args->summary)
            intake = intake_columns(rows, session, args->intake, args->import);
        const std::string text = args->summary ? render_summary(rows, args->format)
                                               : render_nights(rows, args->format, intake ? &*intake : nullptr);
        write_output(args->output, text);
    });
}

}  // namespace sleeparch::cli
