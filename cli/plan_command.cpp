// `sleeparch plan`: a randomised self-trial (METRICS.md §7), and the
// rendering of `compare --design`.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "comparison_view.hpp"
#include "output.hpp"
#include "sleeparch/comparison_text.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/trial.hpp"

namespace sleeparch::cli {

namespace {

struct PlanArgs {
    std::string start;
    int weeks = PlanOptions{}.weeks;
    int washout = PlanOptions{}.washout_nights;
    std::uint64_t seed = default_plan_seed;
    bool blind = false;
    double dose_mg = api::PlanRequest{}.dose_mg;
    double effect = PowerOptions{}.effect;
    std::vector<std::string> history;
    std::string tz;
    std::string output = "plan.json";
};

// "plan.json" -> "plan" + suffix, next to it.
std::string sibling(const std::string& path, const std::string& suffix) {
    std::filesystem::path p(path);
    return (p.parent_path() / (p.stem().string() + suffix)).string();
}

}  // namespace

std::string render_trial(const TrialResult& r, Format format) {
    if (format == Format::Json) return trial_json(r).dump(2) + "\n";
    if (format == Format::Csv) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& m : r.metrics)
            rows.push_back({m.metric, m.unit, std::to_string(m.n_magnesium), std::to_string(m.n_control),
                            fmt_number(m.mean_magnesium, 4), fmt_number(m.mean_control, 4), fmt_number(m.diff, 4),
                            fmt_number(m.ci_low, 4), fmt_number(m.ci_high, 4), fmt_number(m.p, 6),
                            fmt_number(m.p_holm, 6), std::string(verdict_name(m.verdict)), m.primary ? "true" : "false",
                            fmt_number(m.effect_first_half, 4), fmt_number(m.effect_second_half, 4),
                            fmt_number(m.carryover_p, 6)});
        return render_csv({"metric", "unit", "n_magnesium", "n_control", "mean_magnesium", "mean_control", "diff",
                           "ci_low", "ci_high", "p", "p_holm", "verdict", "primary", "effect_first_half",
                           "effect_second_half", "carryover_p"},
                          rows);
    }
    std::ostringstream out;
    const TrialPlan& plan = r.plan;
    out << "Randomised self-trial " << format_date(plan.start) << " .. " << format_date(plan.last_night()) << ": "
        << 2 * plan.scheme.pairs << " periods of " << plan.scheme.period_nights << " nights, seed " << plan.seed
        << ", " << (plan.blind ? (plan.key_known ? "blinded (key opened)" : "blinded (no key)") : "open label")
        << "\n";
    out << "Source compared: " << (r.source.empty() ? std::string("none") : r.source) << "; nights in the plan "
        << r.nights_in_plan << ", of them washout (left out) " << r.washout_nights << "\n";
    out << "p: " << (r.method == "exact" ? "exact" : "Monte Carlo") << " randomisation test over "
        << r.assignments_used << " of " << plan.scheme.assignments()
        << " possible assignments; CI by inverting the test\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : r.metrics) {
        auto p = [](double v) { return !std::isfinite(v) ? std::string() : v < 0.001 ? std::string("<0.001") : fmt_number(v, 3); };
        rows.push_back({m.metric + (m.primary ? " *" : ""), std::to_string(m.n_magnesium) + "/" + std::to_string(m.n_control),
                        fmt_number(m.mean_magnesium, 1), fmt_number(m.mean_control, 1), fmt_number(m.diff, 1),
                        std::isfinite(m.ci_low) && std::isfinite(m.ci_high) ? fmt_number(m.ci_low, 1) + " to " + fmt_number(m.ci_high, 1) : "",
                        p(m.p_holm), fmt_number(m.effect_first_half, 1) + " / " + fmt_number(m.effect_second_half, 1),
                        std::string(verdict_name(m.verdict))});
    }
    out << render_table({"metric", "nights M/C", "magnesium", "control", "diff", "95% CI", "p (adj.)",
                         "1st/2nd half", "verdict"},
                        rows);
    out << "* primary metric (unadjusted); secondaries Holm-adjusted. 1st/2nd half: the effect over the first and\n"
           "second halves of the analysed nights of each period (carry-over check)\n\n";
    for (const auto& m : r.metrics)
        if (m.primary) out << "- Primary: " << trial_sentence(m, r) << "\n";
    const auto& a = r.adherence;
    if (a.has_log)
        out << "\nAdherence: doses logged on " << a.magnesium_with_dose << " of " << a.planned_magnesium
            << " magnesium nights (" << fmt_number(a.adherence_pct, 0) << " %), on " << a.control_with_dose << " of "
            << a.planned_control << " control nights\n";
    if (!r.warnings.empty()) {
        out << "\nWarnings:\n";
        for (const auto& w : r.warnings) out << "- " << w << "\n";
    }
    out << "\n" << trial_summary(r) << "\n";
    return out.str();
}

void set_plan_command(CLI::App& app) {
    auto args = std::make_shared<PlanArgs>();
    CLI::App* sub = app.add_subcommand(
        "plan", "Plan a randomised self-trial of magnesium: periods on and off in random order (METRICS.md §7)");
    sub->add_option("--start", args->start, "First night of the trial (label date: the wake-up date), YYYY-MM-DD")
        ->required();
    sub->add_option("--weeks", args->weeks,
                    "Length in weeks: pairs of 7-night periods, so an even number, 12 to 40 (default 14: 98 nights)");
    sub->add_option("--washout", args->washout, "Washout nights opening every period after a switch (default 3)");
    sub->add_option("--seed", args->seed, "Seed of the randomisation (the same seed gives the same plan)");
    sub->add_flag("--blind", args->blind,
                  "Write codes A/B in the person's copy and the key to PLAN-key.json (for a helper with capsules)");
    sub->add_option("--dose-mg", args->dose_mg, "Planned elemental magnesium per evening in the intake template (default 300)");
    sub->add_option("--history", args->history,
                    "Past nights (exports) to simulate the trial on: prints power and MDE for 8/12/16/24 weeks");
    sub->add_option("--effect", args->effect, "Effect sought for the power table, sol_min minutes (default -10)");
    sub->add_option("--tz", args->tz, "Time zone for the history's times without an offset");
    sub->add_option("-o,--output", args->output,
                    "plan.json to write; PLAN.ics, PLAN-intake.csv (and PLAN-key.json with --blind) go beside it");
    sub->callback([args]() {
        api::PlanRequest req;
        req.plan.start = api::parse_day(args->start, "--start");
        req.plan.weeks = args->weeks;
        req.plan.washout_nights = args->washout;
        req.plan.seed = args->seed;
        req.plan.blind = args->blind;
        req.dose_mg = args->dose_mg;
        req.power.effect = args->effect;
        req.validate();
        std::optional<api::Session> history;
        if (!args->history.empty()) {
            api::LoadOptions lo;
            lo.paths = args->history;
            lo.tz = args->tz;
            history = api::load(lo);
        }
        const api::PlanFiles f = api::plan(req, history ? &*history : nullptr);
        if (args->output.empty() || args->output == "-") throw UsageError("plan: -o needs a file name (plan.json)");
        write_output(args->output, f.plan_json);
        write_output(sibling(args->output, ".ics"), f.ics);
        write_output(sibling(args->output, "-intake.csv"), f.intake_template);
        if (!f.key_json.empty()) write_output(sibling(args->output, "-key.json"), f.key_json);
        std::cout << "Plan " << format_date(f.plan.start) << " .. " << format_date(f.plan.last_night()) << " ("
                  << f.plan.scheme.nights() << " nights, " << 2 * f.plan.scheme.pairs << " periods of "
                  << f.plan.scheme.period_nights << " nights; " << f.plan.scheme.assignments()
                  << " possible assignments, smallest attainable p " << fmt_number(f.plan.scheme.smallest_p(), 4)
                  << ")\n";
        for (const TrialPeriod& p : f.plan.periods()) {
            std::string c(condition_name(p.condition));
            if (f.plan.blind && p.condition != TrialCondition::Washout)
                c = p.condition == TrialCondition::Magnesium ? f.plan.magnesium_code : f.plan.control_code;
            std::cout << "  " << format_date(p.first_night) << " .. " << format_date(p.last_night) << "  " << c << "\n";
        }
        std::cout << "Written: " << args->output << ", " << sibling(args->output, ".ics") << ", "
                  << sibling(args->output, "-intake.csv")
                  << (f.key_json.empty() ? "" : ", " + sibling(args->output, "-key.json") + " (keep it from the person)")
                  << "\n";
        if (!f.power.empty()) {
            std::cout << "\nPower for sol_min " << fmt_number(req.power.effect, 1) << " min, from " << f.history_nights
                      << " past nights of " << f.power_source << " (block bootstrap, " << req.power.simulations
                      << " simulated trials per length):\n";
            std::vector<std::vector<std::string>> rows;
            for (const PowerRow& r : f.power)
                rows.push_back({std::to_string(r.weeks), std::to_string(r.nights), fmt_number(r.smallest_p, 4),
                                fmt_number(100 * r.power, 0) + " %", fmt_number(r.mde, 1)});
            std::cout << render_table({"weeks", "nights", "smallest p", "power", "MDE (min)"}, rows)
                      << "power: share of simulated trials with p < 0.05; MDE: the effect with about 80 % power\n";
        }
    });
}

}  // namespace sleeparch::cli
