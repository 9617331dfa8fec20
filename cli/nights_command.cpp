// `sleeparch nights`: one row per night with the METRICS.md §2 metrics.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

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
    std::string participants;
    unsigned jobs = 1;
    bool strict = false;
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
            nlohmann::ordered_json o;
            if (!rows[i].participant.empty()) o["participant"] = std::string(rows[i].participant);
            o.update(api::night_row_json(*rows[i].night, *rows[i].metrics));
            if (intake)
                for (auto it = intake->json[i].begin(); it != intake->json[i].end(); ++it) o[it.key()] = it.value();
            arr.push_back(std::move(o));
        }
        return arr.dump(2) + "\n";
    }
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> table;
    const bool cohort = !rows.empty() && !rows.front().participant.empty();
    if (format == Format::Csv) {
        header = api::csv_night_header();
        if (cohort) header.insert(header.begin(), "participant");
        if (intake) header.insert(header.end(), intake->header.begin(), intake->header.end());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            std::vector<std::string> row = api::night_row_csv(*rows[i].night, *rows[i].metrics);
            if (cohort) row.insert(row.begin(), std::string(rows[i].participant));
            if (intake) row.insert(row.end(), intake->cells[i].begin(), intake->cells[i].end());
            table.push_back(std::move(row));
        }
        return render_csv(header, table);
    }
    std::vector<char> present;
    std::vector<std::vector<std::string>> cells;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        cells.push_back(night_table_row(rows[i], present));
        if (intake) cells.back().insert(cells.back().end(), intake->cells[i].begin(), intake->cells[i].end());
    }
    return render_night_table(std::move(cells), present, cohort, intake ? &intake->header : nullptr) +
           std::to_string(rows.size()) + " night(s); minutes unless marked\n";
}

std::vector<std::string> night_table_row(const NightRow& r, std::vector<char>& present) {
    static const std::vector<const MetricInfo*> columns = table_metrics();
    present.resize(columns.size(), 0);
    const NightMetrics& m = *r.metrics;
    auto clock = [](const std::string& iso) { return iso.size() >= 16 ? iso.substr(11, 5) : std::string("-"); };
    std::string date = format_date(r.night->label_date);
    if (r.night->is_nap) date += " nap";
    if (r.night->summary_only) date += " (summary)";
    std::vector<std::string> row = {date, r.night->source.label(), clock(onset_local(m)), clock(final_wake_local(m))};
    if (!r.participant.empty()) row.insert(row.begin(), std::string(r.participant));
    for (std::size_t c = 0; c < columns.size(); ++c) {
        const double v = m.*(columns[c]->member);
        if (std::isfinite(v)) present[c] = 1;
        row.push_back(fmt_number(v, columns[c]->decimals));
    }
    return row;
}

std::string render_night_table(std::vector<std::vector<std::string>> cells, const std::vector<char>& present,
                               bool cohort, const std::vector<std::string>* extra_header) {
    // The metric columns and their decimals come from the metric table; HRV
    // and resting HR only when some night carries them (most files have none).
    const std::vector<const MetricInfo*> all = table_metrics();
    std::vector<std::string> header = {"date", "source", "onset", "wake"};
    if (cohort) header.insert(header.begin(), "participant");
    const std::size_t first = header.size();
    std::vector<std::size_t> dropped;
    for (std::size_t c = 0; c < all.size(); ++c) {
        if (is_vital_metric(all[c]->name) && (c >= present.size() || !present[c])) dropped.push_back(first + c);
        else header.emplace_back(all[c]->header);
    }
    if (extra_header) header.insert(header.end(), extra_header->begin(), extra_header->end());
    for (auto& row : cells)
        for (auto it = dropped.rbegin(); it != dropped.rend(); ++it) row.erase(row.begin() + static_cast<std::ptrdiff_t>(*it));
    return render_table(header, cells);
}

namespace {

const std::vector<std::string> kSummaryHeader = {"metric", "n", "mean", "sd", "median", "q1", "q3", "iqr"};

// METRICS.md §3 over the rows: the JSON object and the table rows.
std::pair<nlohmann::json, std::vector<std::vector<std::string>>> summary_parts(const std::vector<NightRow>& rows) {
    std::vector<NightMetrics> metrics;
    std::vector<Night> nights;
    for (const NightRow& r : rows) {
        metrics.push_back(*r.metrics);
        nights.push_back(*r.night);
    }
    const auto sums = summarize(metrics);
    const Regularity reg = regularity(nights, metrics);
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
    std::vector<std::vector<std::string>> table;
    for (const MetricSummary& s : sums)
        table.push_back({s.metric, std::to_string(s.n), fmt_number(s.mean, 2), fmt_number(s.sd, 2),
                         fmt_number(s.median, 2), fmt_number(s.q1, 2), fmt_number(s.q3, 2), fmt_number(s.iqr, 2)});
    table.push_back({"sri", std::to_string(reg.sri.day_pairs), fmt_number(reg.sri.sri, 2), "", "", "", "", ""});
    table.push_back({"onset_sd_min", "", fmt_number(reg.onset_sd_min, 2), "", "", "", "", ""});
    table.push_back({"midpoint_sd_min", "", fmt_number(reg.midpoint_sd_min, 2), "", "", "", "", ""});
    table.push_back({"social_jetlag_h", "", fmt_number(reg.social_jetlag_h, 2), "", "", "", "", ""});
    return {std::move(o), std::move(table)};
}

}  // namespace

std::string render_summary(const std::vector<NightRow>& rows, Format format) {
    auto [json, table] = summary_parts(rows);
    if (format == Format::Json) return json.dump(2) + "\n";
    if (format == Format::Csv) return render_csv(kSummaryHeader, table);
    return render_table(kSummaryHeader, table) + "(sri: n is the number of day pairs compared)\n";
}

std::string render_cohort_summary(const std::vector<std::pair<std::string, std::vector<NightRow>>>& groups,
                                  Format format) {
    nlohmann::json arr = nlohmann::json::array();
    std::vector<std::vector<std::string>> table;
    for (const auto& [participant, rows] : groups) {
        auto [json, part] = summary_parts(rows);
        nlohmann::json o = {{"participant", participant}};
        o.update(json);
        arr.push_back(std::move(o));
        for (auto& row : part) {
            row.insert(row.begin(), participant);
            table.push_back(std::move(row));
        }
    }
    if (format == Format::Json) return arr.dump(2) + "\n";
    std::vector<std::string> header = kSummaryHeader;
    header.insert(header.begin(), "participant");
    if (format == Format::Csv) return render_csv(header, table);
    return render_table(header, table) + "(sri: n is the number of day pairs compared)\n";
}

namespace {

// One participant's share of `nights --participants`, made on the thread that
// loaded it (the session is released there too); the main thread only joins
// the pieces in participant order.
struct CohortPiece {
    bool loaded = false;
    std::vector<Warning> warnings;
    std::vector<std::string> skipped;             // --verbose lines
    std::string text;                             // CSV records, or JSON array elements
    std::vector<std::vector<std::string>> cells;  // table rows
    std::vector<char> present;                    // table: columns with a number
    std::size_t nights = 0;
};

// The records of a CSV (its header line dropped) and the elements of a JSON
// array as dump(2) writes them ("[\n  {...},\n  {...}\n]\n" -> "  {...},\n  {...}").
std::string csv_records(const std::string& csv) { return csv.substr(csv.find('\n') + 1); }
std::string json_elements(const std::string& json) {
    return json.size() > 5 ? json.substr(2, json.size() - 5) : std::string();
}

void render_piece(const api::CohortMember& m, const NightsArgs& args, CohortPiece& piece) {
    piece.loaded = true;
    piece.warnings = m.session.warnings;
    for (const auto& sk : m.session.report.skipped)
        piece.skipped.push_back("skipped " + sk.name + ": " + sk.reason + " (participant " + m.participant + ")");
    std::vector<NightRow> rows = select_nights(m.session, args.naps, args.from, args.to);
    for (NightRow& r : rows) r.participant = m.participant;
    piece.nights = rows.size();
    if (args.summary) {
        if (args.format == Format::Table) {
            piece.cells = summary_parts(rows).second;
            for (auto& row : piece.cells) row.insert(row.begin(), m.participant);
            return;
        }
        const std::string text = render_cohort_summary({{m.participant, rows}}, args.format);
        piece.text = args.format == Format::Csv ? csv_records(text) : json_elements(text);
        return;
    }
    if (args.format == Format::Table) {
        for (const NightRow& r : rows) piece.cells.push_back(night_table_row(r, piece.present));
        return;
    }
    const std::string text = render_nights(rows, args.format);
    piece.text = args.format == Format::Csv ? csv_records(text) : json_elements(text);
}

// `nights --participants`: every participant loaded with the same flags and
// rendered, `--jobs` at a time; failures reported on stderr (the rest go on
// unless --strict). The same text as rendering all the rows at once.
std::string cohort_nights(const NightsArgs& args) {
    api::CohortOptions co;
    co.load = args.import.load;
    if (!args.import.stage_map.empty()) co.load.stage_map = api::parse_stage_map(args.import.stage_map);
    co.jobs = args.jobs;
    co.strict = args.strict;
    const auto participants = api::list_participants(args.participants);
    const bool tty = ::isatty(2) != 0;
    auto progress = [tty](std::size_t done, std::size_t total, std::size_t failed) {
        if (!tty || total < 20) return;
        std::fprintf(stderr, "\rparticipants %zu/%zu, %zu failed", done, total, failed);
        if (done == total) std::fprintf(stderr, "\r%60s\r", "");
        std::fflush(stderr);
    };
    std::vector<CohortPiece> pieces(participants.size());
    const std::vector<api::ParticipantError> errors = api::for_each_participant(
        participants, co, [&](std::size_t i, api::CohortMember&& m) { render_piece(m, args, pieces[i]); }, progress);
    for (const api::ParticipantError& e : errors)
        std::cerr << "error: participant " << e.participant << ": " << e.message << "\n";
    std::erase_if(pieces, [](const CohortPiece& p) { return !p.loaded; });
    if (pieces.empty())
        throw ParseError(args.participants, 0, "participants",
                         "none of the " + std::to_string(participants.size()) + " participant(s) could be read");
    std::vector<Warning> warnings;
    for (const CohortPiece& p : pieces) warnings.insert(warnings.end(), p.warnings.begin(), p.warnings.end());
    for (const std::string& line : api::warning_lines(warnings, args.import.verbose))
        std::cerr << "warning: " << line << "\n";
    if (args.import.verbose)
        for (const CohortPiece& p : pieces)
            for (const std::string& line : p.skipped) std::cerr << line << "\n";

    std::size_t nights = 0, size = 0;
    for (const CohortPiece& p : pieces) nights += p.nights, size += p.text.size() + 2;
    std::string text;
    if (args.format == Format::Table) {
        std::vector<std::vector<std::string>> cells;
        std::vector<char> present;
        for (CohortPiece& p : pieces) {
            std::move(p.cells.begin(), p.cells.end(), std::back_inserter(cells));
            present.resize(std::max(present.size(), p.present.size()), 0);
            for (std::size_t c = 0; c < p.present.size(); ++c) present[c] |= p.present[c];
        }
        if (args.summary) {
            std::vector<std::string> header = kSummaryHeader;
            header.insert(header.begin(), "participant");
            text = render_table(header, cells) + "(sri: n is the number of day pairs compared)\n";
        } else {
            text = render_night_table(std::move(cells), present, true) + std::to_string(nights) +
                   " night(s); minutes unless marked\n";
        }
        text += std::to_string(pieces.size()) + " participant(s)" +
                (errors.empty() ? std::string() : ", " + std::to_string(errors.size()) + " failed (see above)") + "\n";
    } else if (args.format == Format::Csv) {
        std::vector<std::string> header = args.summary ? kSummaryHeader : api::csv_night_header();
        header.insert(header.begin(), "participant");
        text = render_csv(header, {});
        text.reserve(text.size() + size);
        for (const CohortPiece& p : pieces) text += p.text;
    } else {
        text.reserve(size + 8);
        for (const CohortPiece& p : pieces) {
            if (p.text.empty()) continue;
            text += text.empty() ? "[\n" : ",\n";
            text += p.text;
        }
        text += text.empty() ? "[]\n" : "\n]\n";
    }
    return text;
}

}  // namespace

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
    sub->add_option("--participants", args->participants,
                    "A cohort: a folder whose entries (subfolders or files) are one participant each, or a CSV "
                    "with the columns participant,path; adds a participant column (instead of PATHS)");
    sub->add_option("-j,--jobs", args->jobs, "Participants read at once with --participants (0: one per core)");
    sub->add_flag("--strict", args->strict, "With --participants: stop at the first participant that fails");
    // nights options (keep this line: more options above it)
    sub->get_option("paths")->required(false);
    sub->callback([args]() {
        if (args->participants.empty() == args->import.load.paths.empty())
            throw UsageError(args->participants.empty() ? "nights needs PATHS, or --participants DIR|MAP.csv"
                                                        : "nights takes PATHS or --participants, not both");
        if (!args->participants.empty()) {
            if (!args->intake.empty()) throw UsageError("--intake is for one person; it does not go with --participants");
            write_output(args->output, cohort_nights(*args));
            return;
        }
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
