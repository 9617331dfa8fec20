// The randomised self-trial (METRICS.md §7): a plan of magnesium and control
// periods drawn with a seed, and its analysis by a randomisation test.
//
//   PlanOptions po;  po.start = date(2027, 1, 4);  po.seed = 7;
//   TrialPlan plan = make_plan(po);            // 14 weeks: 7 pairs of 7-night periods
//   TrialResult r = analyse_trial(nights, metrics, doses, plan, TrialOptions{});
//   r.metrics[0].p ...                         // over the 2^7 orders the scheme could draw
//
// The scheme ("paired periods"): the plan is `pairs` pairs of periods of
// `period_nights` nights each; within each pair the order (magnesium then
// control, or control then magnesium) is drawn with probability 1/2,
// independently. So the design is balanced (one period of each per pair),
// no more than 2 periods of one condition follow each other, and there are
// 2^pairs possible assignments; the two-sided randomisation p cannot be
// smaller than 2 / 2^pairs (the drawn order and its mirror image give the
// same |effect|), which is below 0.05 from 6 pairs on. Washout: the first
// `washout_nights` nights of every period that follows a switch of
// condition (the trial's start counts as coming from control) are planned
// with the new condition but left out of the analysis. Periods of one week
// also balance the days of the week between the conditions.
//
// Nights are label dates (the wake-up date, METRICS.md §1.5): the evening of
// `start - 1` is the first planned evening.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <nlohmann/json.hpp>

#include "sleeparch/comparison.hpp"
#include "sleeparch/intake.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch {

enum class TrialCondition { Magnesium, Control, Washout };
// "magnesium", "control", "washout".
std::string_view condition_name(TrialCondition c);

inline constexpr std::uint64_t default_plan_seed = 20270101;

struct TrialScheme {
    int pairs = 7;           // 2^pairs assignments; >= 6 so that p < 0.05 is attainable
    int period_nights = 7;   // nights per period
    int washout_nights = 3;  // first nights of a period after a switch, left out
    std::uint64_t assignments() const { return std::uint64_t{1} << pairs; }
    // Two-sided: the drawn order and its mirror image tie.
    double smallest_p() const { return 2.0 / static_cast<double>(assignments()); }
    int max_run() const { return 2; }
    int nights() const { return 2 * pairs * period_nights; }
    // Throws UsageError: pairs 6..20, period 2..60 nights, washout 0..period-1.
    void validate() const;
};

// One row of the plan: label dates, inclusive.
struct TrialPeriod {
    boost::gregorian::date first_night, last_night;
    TrialCondition condition;
    int period = 0;  // 1-based index of the period it belongs to (washouts: the period they open)
};

struct TrialPlan {
    boost::gregorian::date start;    // first night (label date)
    TrialScheme scheme;
    std::uint64_t seed = default_plan_seed;
    std::vector<bool> magnesium_first;  // per pair
    bool blind = false;
    std::string magnesium_code = "A", control_code = "B";  // blinded copies
    bool key_known = true;  // false: a blinded copy read without its key

    // Condition per period (2 * pairs entries).
    std::vector<TrialCondition> period_conditions() const;
    // The plan's rows in date order, washouts split out of their periods.
    std::vector<TrialPeriod> periods() const;
    boost::gregorian::date last_night() const;
    // The planned condition of a night; nullopt outside the plan.
    std::optional<TrialCondition> condition_on(const boost::gregorian::date& night) const;
};

struct PlanOptions {
    boost::gregorian::date start;  // first night (label date)
    int weeks = 14;                // total length; with 7-night periods, 2 weeks per pair
    int period_nights = 7;
    int washout_nights = 3;
    std::uint64_t seed = default_plan_seed;
    bool blind = false;
    // Throws UsageError naming the option: no start, weeks that are not a
    // whole number of pairs, or a scheme TrialScheme::validate rejects.
    void validate() const;
    TrialScheme scheme() const;
};

// Draws the plan (the same seed gives the same plan on every platform).
TrialPlan make_plan(const PlanOptions& options);

// plan.json. `person_copy` of a blinded plan writes codes A/B instead of the
// conditions (the key goes to plan_key_json).
nlohmann::ordered_json plan_json(const TrialPlan& plan, bool person_copy = true);
nlohmann::ordered_json plan_key_json(const TrialPlan& plan);
// Reads plan.json (and the key of a blinded plan, when given). Throws
// ParseError naming `file`, the period ("periods[3]") and the field when the
// document is not a plan or its periods do not follow its scheme.
TrialPlan read_plan_json(const nlohmann::json& doc, const std::string& file,
                         const nlohmann::json* key = nullptr, const std::string& key_file = {});

// ---- analysis -----------------------------------------------------------------

struct TrialOptions {
    std::vector<std::string> metrics;  // empty: default_comparison_metrics()
    std::string primary = "sol_min";
    std::size_t min_nights = 14;        // analysed nights per condition, else too_few_nights
    double staged_fraction_min = kStagedFractionMin;
    std::string compare_source;         // as CompareOptions::compare_source
    std::uint64_t seed = default_compare_seed;  // Monte Carlo draws
    std::size_t exact_limit = 1 << 16;  // enumerate every assignment up to this many
    std::size_t monte_carlo = 20000;    // draws beyond it
    void validate() const;
};

struct TrialMetric {
    std::string metric, unit;
    bool primary = false;
    std::size_t n_magnesium = 0, n_control = 0;  // analysed nights with a value
    double mean_magnesium, mean_control, sd_magnesium, sd_control;
    double diff;                 // mean(magnesium) - mean(control)
    double ci_low, ci_high;      // 95 %, by inverting the randomisation test
    double p;                    // randomisation p, two-sided
    double p_holm;               // Holm over the secondaries (= p for the primary)
    std::size_t holm_family = 0;
    double randomisation_sd;     // SD of the statistic over the assignments
    double mde;                  // 2.80 x randomisation_sd (normal approximation)
    // Carry-over check: the effect over the first and second halves of the
    // analysed nights of each period, and the randomisation p of their difference.
    double effect_first_half, effect_second_half, carryover_p;
    std::size_t min_nights = 0;
    Verdict verdict = Verdict::TooFewNights;
};

struct TrialAdherence {
    bool has_log = false;
    std::size_t planned_magnesium = 0;        // magnesium nights (washout included) in the plan
    std::size_t magnesium_with_dose = 0;      // of which with a logged supplement dose
    std::size_t planned_control = 0;
    std::size_t control_with_dose = 0;        // control nights with a logged supplement dose
    std::size_t doses_outside_plan = 0;       // label dates outside the plan
    double adherence_pct;                     // 100 magnesium_with_dose / planned_magnesium
};

struct TrialResult {
    TrialPlan plan;
    std::string source;                  // compared; "" when none
    bool comparable = true;
    std::vector<SourceNights> sources;   // baseline = control, treatment = magnesium nights
    std::size_t nights_left_out = 0;     // other sources' nights inside the plan
    std::size_t nights_in_plan = 0;      // main sleeps of the compared source in the plan
    std::size_t washout_nights = 0;      // of them, left out as washout (observed assignment)
    std::string method;                  // "exact" or "monte_carlo"
    std::size_t assignments_used = 0;    // enumerated or drawn (plus the observed)
    std::uint64_t seed = 0;
    std::string primary;
    std::vector<TrialMetric> metrics;
    std::vector<double> distribution;    // the primary metric's statistic over the assignments
    TrialAdherence adherence;
    std::vector<std::string> warnings;
};

// Nights of one source (§5.2) grouped by the plan's assignment, washouts out.
// Throws UsageError when no main sleep of the nights falls inside the plan's
// periods (the message names the periods).
TrialResult analyse_trial(const std::vector<Night>& nights, const std::vector<NightMetrics>& metrics,
                          const std::vector<Dose>& doses, const TrialPlan& plan, const TrialOptions& options,
                          bool has_log = true);

// The §7 sentence of one row.
std::string trial_sentence(const TrialMetric& m, const TrialResult& r);
// The closing paragraph (design, blinding, what the result may say).
std::string trial_summary(const TrialResult& r);
// `compare --design --format json` and Comparison.to_dict() with a design.
nlohmann::ordered_json trial_json(const TrialResult& r);

// ---- the randomisation test (exposed for tests and the power simulation) ------

// One value per plan night (NaN: no usable value), the plan's scheme and
// the observed per-pair orders. Every assignment of the scheme is a bit
// pattern over the pairs (bit i set: pair i starts with magnesium).
struct RandomisationTest {
    double observed;       // effect under the observed assignment
    double p;              // two-sided
    double ci_low, ci_high;
    double sd;             // SD of the statistic over the assignments
    double first_half, second_half, carryover_p;
    std::size_t n_magnesium = 0, n_control = 0;
    std::size_t assignments = 0;
    bool exact = true;
    std::vector<double> distribution;
};
RandomisationTest randomisation_test(const std::vector<double>& values, const TrialScheme& scheme,
                                     const std::vector<bool>& magnesium_first, std::uint64_t seed,
                                     std::size_t exact_limit = 1 << 16, std::size_t monte_carlo = 20000,
                                     bool with_ci = true);

// The effect (mean magnesium - mean control over analysed nights) under one
// assignment, straight from the definition: the reference the fast
// enumeration is tested against.
double trial_effect(const std::vector<double>& values, const TrialScheme& scheme,
                    const std::vector<bool>& magnesium_first);

// ---- power before starting (trial_power.cpp) ------------------------------------

struct PowerOptions {
    std::vector<int> weeks = {8, 12, 16, 24};
    double effect = -10;            // added to magnesium nights (the primary's unit)
    std::size_t simulations = 400;
    std::uint64_t seed = default_plan_seed;
    void validate() const;
};
struct PowerRow {
    int weeks = 0;
    int pairs = 0;
    int nights = 0;
    double smallest_p;
    double power;   // share of simulated trials with p < 0.05
    double mde;     // 2.80 x the mean SD of the randomisation distribution
};
// Stationary-bootstrap series of `history` (past nights of the primary, in
// date order, finite values) as long as each plan, plus `effect` on its
// magnesium nights, through randomisation_test. Throws UsageError when
// history has fewer than 14 values.
std::vector<PowerRow> trial_power(const std::vector<double>& history, const TrialScheme& base,
                                  const PowerOptions& options);

}  // namespace sleeparch
