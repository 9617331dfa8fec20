// `sleeparch compare`: before/after comparison of the nights around the
// magnesium period (METRICS.md §5).
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "comparison_view.hpp"
#include "output.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/comparison_json.hpp"
#include "sleeparch/comparison_text.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::cli {

namespace {

struct CompareArgs {
    ImportFlags import;
    CompareFlags compare;
    Format format = Format::Table;
    std::string output;
    std::string design, key;  // --design plan.json, --key plan-key.json
};

std::string wrap(const std::string& text, std::size_t width, const std::string& indent = "") {
    std::istringstream words(text);
    std::string word, line, out;
    while (words >> word) {
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = indent;
        }
        if (!line.empty() && line != indent) line += " ";
        line += word;
    }
    if (!line.empty()) out += line + "\n";
    return out;
}

std::string range_text(const PeriodInfo& p) {
    if (!p.dates) return "-";
    auto side = [](const boost::gregorian::date& d) {
        return d.is_special() ? std::string("...") : format_date(d);
    };
    return side(p.dates->first) + " .. " + side(p.dates->last);
}

std::string metric_label(const MetricComparison& m) {
    std::string unit = m.unit == "count" || m.unit == "fraction" ? "" : " (" + m.unit + ")";
    return m.metric + unit + (m.primary ? " *" : "");
}

}  // namespace

api::Intake load_intake(const std::string& path, const ImportFlags& flags) {
    api::Intake intake = api::read_intake(path, flags.load.tz);
    for (const std::string& line : api::intake_notes(intake)) std::cerr << line << "\n";
    return intake;
}

ComparisonResult compare_loaded(const api::Session& session, const std::string& intake_path,
                                const ImportFlags& flags, const CompareOptions& options) {
    if (intake_path.empty()) return api::compare(session, nullptr, options);
    const api::Intake intake = load_intake(intake_path, flags);
    return api::compare(session, &intake, options);
}

std::string render_comparison(const ComparisonResult& r, Format format) {
    if (format == Format::Json) {
        const nlohmann::json o = comparison_json(r);
        return o.dump(2) + "\n";
    }
    if (format == Format::Csv) {
        const std::vector<std::string> header = {
            "metric", "unit", "n_baseline", "n_treatment", "mean_baseline", "mean_treatment",
            "sd_baseline", "sd_treatment", "median_baseline", "median_treatment", "diff", "ci_low",
            "ci_high", "hedges_g", "p", "p_holm", "mde", "verdict", "primary", "se_diff", "df"};
        std::vector<std::vector<std::string>> rows;
        for (const auto& m : r.metrics)
            rows.push_back({m.metric, m.unit, std::to_string(m.n_baseline), std::to_string(m.n_treatment),
                            fmt_number(m.mean_baseline, 4), fmt_number(m.mean_treatment, 4),
                            fmt_number(m.sd_baseline, 4), fmt_number(m.sd_treatment, 4),
                            fmt_number(m.median_baseline, 4), fmt_number(m.median_treatment, 4),
                            fmt_number(m.diff, 4), fmt_number(m.ci_low, 4), fmt_number(m.ci_high, 4),
                            fmt_number(m.hedges_g, 4), fmt_number(m.p, 6), fmt_number(m.p_holm, 6),
                            fmt_number(m.mde, 4), std::string(verdict_name(m.verdict)),
                            m.primary ? "true" : "false", fmt_number(m.se_diff, 4), fmt_number(m.df, 2)});
        return render_csv(header, rows);
    }

    std::ostringstream out;
    out << "Before/after magnesium: " << (r.periods_from_log ? "periods from the intake log" : "periods as given")
        << "\n\n";
    std::vector<std::vector<std::string>> prow;
    for (const PeriodInfo* p : {&r.baseline, &r.washout, &r.treatment, &r.post}) {
        if (!p->dates && p->nights == 0) continue;
        std::string note;
        if (p->name == "washout") note = "shown, not compared";
        if (p->name == "post") note = "after the last dose, not compared";
        prow.push_back({p->name, range_text(*p), std::to_string(p->nights), note});
    }
    out << render_table({"period", "label dates", "nights", ""}, prow) << "\n";
    if (r.all_sources) {
        out << "Sources: all kept (--all-sources); estimates adjusted for source and epoch length\n";
    } else if (!r.comparable) {
        out << "Sources: none recorded nights in both periods: not comparable\n";
    } else {
        out << "Source compared: " << r.source << "\n";
    }
    if (r.nights_left_out > 0) {
        out << "Nights left out (other sources):\n";
        for (const auto& s : r.sources)
            if (!s.compared)
                out << "  " << s.source << ": " << s.baseline << " baseline, " << s.treatment << " treatment\n";
    }
    out << "\n";

    std::vector<std::vector<std::string>> rows;
    bool any_primary = false;
    for (const auto& m : r.metrics) {
        any_primary = any_primary || m.primary;
        auto p = [](double v) {
            if (!std::isfinite(v)) return std::string();
            if (v < 0.001) return std::string("<0.001");
            return fmt_number(v, 3);
        };
        rows.push_back({metric_label(m), std::to_string(m.n_baseline) + "/" + std::to_string(m.n_treatment),
                        fmt_number(m.mean_baseline, 1), fmt_number(m.mean_treatment, 1), fmt_number(m.diff, 1),
                        std::isfinite(m.ci_low) ? fmt_number(m.ci_low, 1) + " to " + fmt_number(m.ci_high, 1) : "",
                        fmt_number(m.hedges_g, 2), p(m.p_holm), fmt_number(m.mde, 1), std::string(verdict_phrase(m))});
    }
    out << render_table({"metric", "nights", "before", "after", "diff", "95% CI", "g", "p (adj.)", "MDE", "verdict"},
                        rows);
    if (any_primary) out << "* primary metric: its p-value is not adjusted for the others (secondaries: Holm)\n";
    out << "before/after: means; diff = after - before; g: Hedges' g; MDE: smallest difference these nights\n"
           "could detect (80 % power); CI, p and MDE come from one estimator that allows for night-to-night\n"
           "correlation\n\n";

    out << "In plain words:\n";
    for (const auto& m : r.metrics)
        if (m.primary) out << wrap("- Primary: " + verdict_sentence(m), 96, "  ");
    for (const auto& m : r.metrics)
        if (!m.primary) out << wrap("- " + verdict_sentence(m), 96, "  ");

    std::vector<std::vector<std::string>> sens_rows;
    auto ci_text = [](const Sensitivity& x) {
        return x.ok ? fmt_number(x.estimate, 1) + " (" + fmt_number(x.ci_low, 1) + " to " + fmt_number(x.ci_high, 1) + ")"
                    : std::string("-");
    };
    bool has_tags = false, has_all = false;
    for (const auto& m : r.metrics)
        for (const auto& x : m.sensitivity) {
            has_tags = has_tags || x.name == "tag_adjusted";
            has_all = has_all || x.name == "all_sources";
        }
    for (const auto& m : r.metrics) {
        if (m.sensitivity.empty()) continue;
        std::vector<std::string> row = {m.metric, fmt_number(m.diff, 1)};
        for (const char* name : {"trend_adjusted", "tag_adjusted", "all_sources", "bootstrap"}) {
            if ((std::string_view(name) == "tag_adjusted" && !has_tags) ||
                (std::string_view(name) == "all_sources" && !has_all))
                continue;
            std::string cell = "-";
            for (const auto& x : m.sensitivity)
                if (x.name == name) cell = ci_text(x);
            row.push_back(cell);
        }
        sens_rows.push_back(std::move(row));
    }
    if (!sens_rows.empty()) {
        std::vector<std::string> header = {"metric", "diff", "trend-adjusted"};
        if (has_tags) header.push_back("tag-adjusted");
        if (has_all) header.push_back("all sources");
        header.push_back("bootstrap CI");
        out << "\nSensitivity (estimate and 95% CI under other assumptions; not the verdict):\n"
            << render_table(header, sens_rows);
        if (!r.tags.empty()) {
            std::string t = "tags adjusted for (nights baseline/treatment):";
            for (const auto& tag : r.tags)
                t += " " + tag.tag + " " + std::to_string(tag.baseline) + "/" + std::to_string(tag.treatment);
            out << wrap(t, 96, "  ");
        }
    }
    std::vector<std::vector<std::string>> dose_rows;
    for (const auto& m : r.metrics)
        for (const auto& d : m.dose_response)
            if (d.predictor == "mg_elemental")
                dose_rows.push_back({m.metric, fmt_number(d.slope_per_100mg, 2),
                                     fmt_number(d.ci_low, 2) + " to " + fmt_number(d.ci_high, 2),
                                     std::to_string(d.n)});
    if (!dose_rows.empty()) {
        out << "\nDose-response within the treatment period: change per 100 mg elemental on the night\n"
               "(the same against mg_7d_mean is in --format json):\n"
            << render_table({"metric", "per 100 mg", "95% CI", "nights"}, dose_rows);
    }
    if (!r.serum.empty()) {
        out << "\nSerum magnesium:\n";
        for (const auto& s : r.serum) out << wrap("- " + format_date(s.date) + ": " + s.reading.interpretation, 96, "  ");
    }
    if (!r.warnings.empty()) {
        out << "\nWarnings:\n";
        for (const auto& w : r.warnings) out << wrap("- " + w, 96, "  ");
    }
    out << "\n" << wrap(closing_paragraph(r), 96);
    return out.str();
}

void add_compare_flags(CLI::App& sub, CompareFlags& flags, const CompareFlagHelp& help) {
    sub.add_option("--intake", flags.intake, help.intake);
    sub.add_option("--metrics", flags.metrics, help.metrics)->delimiter(',');
    sub.add_option("--baseline", flags.baseline, "Baseline label dates, e.g. 2024-01-01..2024-02-29");
    sub.add_option("--treatment", flags.treatment, "Treatment label dates, e.g. 2024-03-08..2024-05-31");
    sub.add_option("--post", flags.post, "Post period label dates (default: nights after the last dose)");
    sub.add_option("--washout", flags.washout,
                   "Nights from the first dose left out before the treatment period (default " +
                       std::to_string(CompareOptions{}.washout_nights) + ", 0 to 365)");
    sub.add_option("--primary", flags.primary,
                   "The primary metric, reported without multiplicity adjustment (default " +
                       CompareOptions{}.primary + ")");
    sub.add_option("--compare-source", flags.source,
                   "Compare only this source's nights (name, label or format; default: the source with "
                   "the most nights among those in both periods)");
    sub.add_flag("--all-sources", flags.all_sources,
                 "Keep every source's nights and adjust the estimate for source and epoch length");
    sub.add_option("--seed", flags.seed, help.seed);
    sub.add_option("-B,--resamples", flags.resamples,
                   "Resamples of the bootstrap sensitivity interval (default " +
                       std::to_string(CompareOptions{}.resamples) + ", 100 to 10,000,000)");
}

CompareOptions compare_options(const CompareFlags& f, std::string_view command) {
    CompareOptions opt;
    opt.metrics = f.metrics;
    if (!f.baseline.empty()) opt.baseline = parse_date_range(f.baseline);
    if (!f.treatment.empty()) opt.treatment = parse_date_range(f.treatment);
    if (!f.post.empty()) opt.post = parse_date_range(f.post);
    try {
        opt.washout_nights = f.washout;
        opt.seed = f.seed;
        opt.resamples = f.resamples;
        opt.primary = f.primary;
        opt.compare_source = f.source;
        opt.all_sources = f.all_sources;
        opt.validate();
    } catch (const UsageError& e) {
        throw UsageError(std::string(command) + ": " + e.what());
    }
    return opt;
}

void set_compare_command(CLI::App& app) {
    auto args = std::make_shared<CompareArgs>();
    CLI::App* sub = app.add_subcommand(
        "compare", "Did sleep architecture change after starting magnesium? Before/after comparison");
    add_import_flags(*sub, args->import);
    add_compare_flags(*sub, args->compare,
                      {"Intake log (CSV or JSON, see README) or an export holding magnesium records "
                       "(Apple Health); periods come from it unless --baseline/--treatment are given",
                       "Metrics to compare (default: sol_min tst_min se_pct waso_min deep_pct rem_pct "
                       "awakenings_5min sfi_per_h stage_shift_index rem_latency_min, then hrv_rmssd_ms "
                       "hrv_sdnn_ms rhr_bpm where the compared nights carry them)",
                       "Bootstrap seed (results repeat for the same seed)"});
    sub->add_option("-f,--format", args->format, "table, csv or json")
        ->transform(CLI::CheckedTransformer(format_names(), CLI::ignore_case));
    sub->add_option("-o,--output", args->output, "Write to this file (written whole, then renamed)");
    sub->add_option("--design", args->design,
                    "A plan from `sleeparch plan`: analyse the randomised trial (METRICS.md §7) instead of before/after");
    sub->add_option("--key", args->key, "The key of a blinded plan (PLAN-key.json)");
    sub->callback([args]() {
        const CompareFlags& f = args->compare;
        if (!args->design.empty()) {
            TrialOptions topt;
            topt.metrics = f.metrics;
            topt.primary = f.primary;
            topt.compare_source = f.source;
            topt.seed = f.seed;
            topt.validate();
            const TrialPlan design = api::read_plan(args->design, args->key);
            const api::Session session = load_nights(args->import);
            std::optional<api::Intake> intake;
            if (!f.intake.empty()) intake = load_intake(f.intake, args->import);
            TrialResult r;
            try {
                r = api::compare_design(session, intake ? &*intake : nullptr, design, topt);
            } catch (const UsageError& e) {
                // The export and the plan do not meet: bad input, not a usage error.
                throw ParseError(args->design, static_cast<std::uint64_t>(0), "periods", e.what());
            }
            write_output(args->output, render_trial(r, args->format));
            return;
        }
        if (f.intake.empty() && (f.baseline.empty() || f.treatment.empty()))
            throw UsageError("compare needs --intake LOG, or both --baseline and --treatment");
        const CompareOptions opt = compare_options(f, "compare");

        const api::Session session = load_nights(args->import);
        const ComparisonResult result = compare_loaded(session, f.intake, args->import, opt);
        write_output(args->output, render_comparison(result, args->format));
    });
}

}  // namespace sleeparch::cli
