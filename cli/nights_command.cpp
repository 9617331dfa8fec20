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

boost::gregorian::date parse_day(const std::string& text, const char* flag) {
    const ParsedTime t = parse_iso_datetime(text);
    if (!t.ok || text.size() != 10) throw UsageError(std::string(flag) + ": expected YYYY-MM-DD, got \"" + text + "\"");
    return local_date(t.local, 0);
}

}  // namespace

std::vector<NightRow> select_nights(const Loaded& loaded, bool naps, const std::string& from,
                                    const std::string& to) {
    std::optional<boost::gregorian::date> lo, hi;
    if (!from.empty()) lo = parse_day(from, "--from");
    if (!to.empty()) hi = parse_day(to, "--to");
    std::vector<NightRow> rows;
    for (const Night& n : loaded.assembly.nights) {
        if (n.is_nap && !naps) continue;
        if (lo && n.label_date < *lo) continue;
        if (hi && n.label_date > *hi) continue;
        rows.push_back(NightRow{&n, compute_metrics(n)});
    }
    return rows;
}

std::string render_nights(const std::vector<NightRow>& rows, Format format, const IntakeColumns* intake) {
    if (format == Format::Json) {
        using ordered = nlohmann::ordered_json;
        auto num = [](double v) { return std::isfinite(v) ? ordered(v) : ordered(nullptr); };
        ordered arr = ordered::array();
        for (const NightRow& r : rows) {
            ordered o;
            o["date"] = format_date(r.night->label_date);
            o["source"] = r.night->source.label();
            o["source_version"] = r.night->source.version;
            o["is_nap"] = r.night->is_nap;
            o["summary_only"] = r.night->summary_only;
            o["utc_offset"] = format_offset(r.night->utc_offset_min);
            o["window_start_local"] = format_local_iso(r.night->window_start, r.night->utc_offset_min);
            o["window_end_local"] = format_local_iso(r.night->window_end, r.night->utc_offset_min);
            for (const MetricInfo& info : scalar_metrics()) o[std::string(info.name)] = num(r.metrics.*(info.member));
            auto opt = [](const std::string& s) { return s.empty() ? ordered(nullptr) : ordered(s); };
            o["onset_local"] = opt(onset_local(r.metrics));
            o["final_wake_local"] = opt(final_wake_local(r.metrics));
            o["midpoint_local"] = opt(midpoint_local(r.metrics));
            o["transitions"] = r.night->summary_only ? ordered(nullptr) : ordered(r.metrics.transitions);
            ordered cycles = std::isnan(r.metrics.nrem_cycles) ? ordered(nullptr) : ordered::array();
            for (const Cycle& c : r.metrics.cycles)
                cycles.push_back({{"start", format_local_iso(c.start, r.night->utc_offset_min)},
                                  {"end", format_local_iso(c.end, r.night->utc_offset_min)},
                                  {"nrem_min", c.nrem_min},
                                  {"rem_min", c.rem_min},
                                  {"complete", c.complete}});
            o["cycles"] = std::move(cycles);
            o["notes"] = r.metrics.notes;
            o["dropped_sources"] = r.night->provenance.dropped_sources;
            if (intake) {
                const std::size_t i = static_cast<std::size_t>(&r - rows.data());
                for (auto it = intake->json[i].begin(); it != intake->json[i].end(); ++it) o[it.key()] = it.value();
            }
            arr.push_back(std::move(o));
        }
        return arr.dump(2) + "\n";
    }
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> table;
    if (format == Format::Csv) {
        header = {"date", "source", "is_nap", "summary_only"};
        for (const MetricInfo& info : scalar_metrics()) header.emplace_back(info.name);
        header.insert(header.end(), {"onset_local", "final_wake_local", "midpoint_local"});
        if (intake) header.insert(header.end(), intake->header.begin(), intake->header.end());
        for (const NightRow& r : rows) {
            std::vector<std::string> row = {format_date(r.night->label_date), r.night->source.label(),
                                            r.night->is_nap ? "true" : "false",
                                            r.night->summary_only ? "true" : "false"};
            for (const MetricInfo& info : scalar_metrics()) row.push_back(fmt_number(r.metrics.*(info.member), 4));
            row.push_back(onset_local(r.metrics));
            row.push_back(final_wake_local(r.metrics));
            row.push_back(midpoint_local(r.metrics));
            if (intake) {
                const auto& extra = intake->cells[static_cast<std::size_t>(&r - rows.data())];
                row.insert(row.end(), extra.begin(), extra.end());
            }
            table.push_back(std::move(row));
        }
        return render_csv(header, table);
    }
    header = {"date", "source", "onset", "wake", "TIB", "TST", "SE%", "SOL", "WASO", "deep%", "REM%", "light%",
              "awak5", "SFI/h", "cycles"};
    if (intake) header.insert(header.end(), intake->header.begin(), intake->header.end());
    for (const NightRow& r : rows) {
        const NightMetrics& m = r.metrics;
        auto clock = [](const std::string& iso) { return iso.size() >= 16 ? iso.substr(11, 5) : std::string("-"); };
        std::string date = format_date(r.night->label_date);
        if (r.night->is_nap) date += " nap";
        if (r.night->summary_only) date += " (summary)";
        table.push_back({date, r.night->source.label(), clock(onset_local(m)), clock(final_wake_local(m)),
                         fmt_number(m.tib_min, 0), fmt_number(m.tst_min, 0), fmt_number(m.se_pct, 1),
                         fmt_number(m.sol_min, 0), fmt_number(m.waso_min, 0), fmt_number(m.deep_pct, 1),
                         fmt_number(m.rem_pct, 1), fmt_number(m.light_pct, 1), fmt_number(m.awakenings_5min, 0),
                         fmt_number(m.sfi_per_h, 1), fmt_number(m.nrem_cycles, 0)});
        if (intake) {
            const auto& extra = intake->cells[static_cast<std::size_t>(&r - rows.data())];
            table.back().insert(table.back().end(), extra.begin(), extra.end());
        }
    }
    return render_table(header, table) + std::to_string(rows.size()) + " night(s); minutes unless marked\n";
}

std::string render_summary(const std::vector<NightRow>& rows, Format format) {
    std::vector<NightMetrics> metrics;
    std::vector<Night> nights;
    for (const NightRow& r : rows) {
        metrics.push_back(r.metrics);
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
        const Loaded loaded = load_nights(args->import);
        const auto rows = select_nights(loaded, args->naps, args->from, args->to);
        std::optional<IntakeColumns> intake;
        if (!args->intake.empty() && !args->summary)
            intake = intake_columns(rows, loaded, args->intake, args->import);
        const std::string text = args->summary ? render_summary(rows, args->format)
                                               : render_nights(rows, args->format, intake ? &*intake : nullptr);
        write_output(args->output, text);
    });
}

}  // namespace sleeparch::cli
