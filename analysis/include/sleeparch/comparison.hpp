// Before/after comparison of one person's nightly series (METRICS.md §5).
//
//   CompareOptions opt;                 // periods from the doses, one source
//   opt.validate();                     // UsageError for bad ranges/combinations
//   ComparisonResult r = compare_periods(nights, metrics, doses, opt);
//   for (const MetricComparison& m : r.metrics) ... m.verdict ...
//
// One estimand per metric, the difference of period means, and one estimator
// (diff_of_means_test in stats.hpp: the larger of an AR(1) plug-in long-run
// variance per period and a pooled decay-aware one, with small-sample
// corrections and Student t critical values with an effective df) gives the
// CI, p and MDE, so p < 0.05 exactly when the 95 % CI excludes 0. The nights
// compared come from one source (§5.2). The primary metric is reported
// unadjusted, the others Holm-adjusted behind the primary as a gate (serial
// gatekeeping), so that any false "changed" stays at 5 %. Trend,
// tag and all-source adjustments and a studentised stationary-bootstrap
// interval are sensitivity analyses in their own block, never the verdict.
// compare_periods is a pure function: it is safe to call from several
// threads, and results depend only on the inputs and the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include "sleeparch/intake.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch {

// Inclusive range of label dates.
struct DateRange {
    boost::gregorian::date first, last;
    bool contains(const boost::gregorian::date& d) const { return d >= first && d <= last; }
};

// "2024-01-01..2024-02-15" (either side may be empty for open ends:
// "..2024-02-15", "2024-03-01.."). Throws UsageError naming the problem.
DateRange parse_date_range(std::string_view text);

// sol_min, tst_min, se_pct, waso_min, deep_pct, rem_pct, awakenings_5min,
// sfi_per_h, stage_shift_index, rem_latency_min.
std::span<const std::string_view> default_comparison_metrics();

// Stage-share metrics (the metric table's share flag): nights with
// staged_fraction < CompareOptions::staged_fraction_min are skipped for them.
bool is_share_metric(std::string_view metric);

// The bootstrap seed every front end defaults to.
inline constexpr std::uint64_t default_compare_seed = 20240301;

struct CompareOptions {
    std::vector<std::string> metrics;  // empty: default_comparison_metrics()
    std::optional<DateRange> baseline;   // --baseline; with treatment, overrides the log
    std::optional<DateRange> treatment;  // --treatment
    std::optional<DateRange> post;       // --post; default: nights after the last dose
    int washout_nights = 7;              // --washout (first dosed night + 6 after it)
    std::size_t resamples = 10000;       // bootstrap B (the bootstrap sensitivity interval)
    std::uint64_t seed = default_compare_seed;
    std::string primary = "sol_min";     // reported unadjusted, left out of Holm
    std::size_t min_nights = 14;         // usable nights per period, else too_few_nights
    double staged_fraction_min = kStagedFractionMin;
    // Source compared (§5.2): matched against a source's label, name, format
    // or key; empty: the source with the most main sleeps over both periods
    // among those present in both.
    std::string compare_source;
    bool all_sources = false;            // keep every source, adjust for source and epoch
    unsigned threads = 0;                // 0: hardware concurrency

    // Throws UsageError for out-of-range values (washout 0..365, resamples
    // 100..10^7, min_nights >= 2), a baseline without a treatment (or the
    // reverse), unknown metric names, compare_source with all_sources.
    void validate() const;
};

struct PeriodInfo {
    std::string name;  // "baseline", "washout", "treatment", "post"
    std::optional<DateRange> dates;
    std::size_t nights = 0;  // main sleeps labelled inside (all sources)
};

enum class Verdict { Changed, NoChange, TooFewNights, NotComparable };
// "changed", "no_change", "too_few_nights", "not_comparable".
std::string_view verdict_name(Verdict v);

struct DoseResponse {
    std::string predictor;  // "mg_elemental" or "mg_7d_mean"
    std::size_t n = 0;
    double slope_per_100mg, ci_low, ci_high, p;
};

// One sensitivity estimate of the level shift (§5.7), never the verdict.
struct Sensitivity {
    std::string name;  // "trend_adjusted", "tag_adjusted", "all_sources", "bootstrap"
    bool ok = false;   // false when the design was singular or too few nights
    std::size_t n = 0;
    double estimate, ci_low, ci_high, p;
    std::vector<std::string> covariates;  // besides the intercept and D
};

struct MetricComparison {
    std::string metric;
    std::string unit;
    bool primary = false;
    std::size_t n_baseline = 0, n_treatment = 0, n_post = 0;  // usable nights compared
    std::size_t skipped_low_staged = 0;  // share metrics: nights left out
    double mean_baseline, mean_treatment, mean_post;
    double sd_baseline, sd_treatment;
    double median_baseline, median_treatment;
    double diff;                 // the estimate: mean_treatment - mean_baseline
                                 // (source-adjusted with all_sources)
    double ci_low, ci_high;      // 95 %, from the one estimator
    double se_diff;              // its standard error
    double df;                   // Student t degrees of freedom of the interval and p
    double hedges_g;
    double p;                    // diff = 0, two-sided
    // The p the verdict uses. Primary: p. Secondary: Holm over the
    // secondaries, then raised to the primary's p (serial gatekeeping: the
    // secondaries are tested only once the primary has changed), so that the
    // chance of any false "changed" stays at 5 % (METRICS.md §5.11).
    double p_holm;
    double p_holm_within;        // Holm over the secondaries alone (= p for the primary)
    bool gated = false;          // the primary's p raised p_holm above p_holm_within
    std::size_t holm_family = 0; // secondaries in the Holm family
    std::size_t min_nights = 0;  // CompareOptions::min_nights the verdict used
    double rho_baseline, rho_treatment;  // lag-1 autocorrelation (bias-corrected)
    double mde;                  // (t_.975 + t_.80) SE: 2.80 SE for large df
    Verdict verdict = Verdict::TooFewNights;
    std::vector<Sensitivity> sensitivity;
    std::vector<DoseResponse> dose_response;
};

// Main sleeps per source in the comparison's periods.
struct SourceNights {
    std::string source;  // label
    std::size_t baseline = 0, treatment = 0;
    bool compared = false;
};

struct TagCount {
    std::string tag;
    std::size_t baseline = 0, treatment = 0;
};

struct ComparisonResult {
    PeriodInfo baseline, washout, treatment, post;
    std::vector<MetricComparison> metrics;
    std::vector<std::string> warnings;
    std::vector<SerumResult> serum;
    std::size_t resamples = 0;
    std::uint64_t seed = 0;
    std::size_t min_nights = 0;     // CompareOptions::min_nights
    bool periods_from_log = false;
    std::string primary;            // the primary metric's name
    std::string source;             // the source compared ("" with all_sources or none)
    bool all_sources = false;
    bool comparable = true;         // false: no source spans both periods
    std::vector<SourceNights> sources;  // every source with nights in baseline or treatment
    std::size_t nights_left_out = 0;    // baseline + treatment nights of other sources
    std::vector<TagCount> tags;     // tags used by the tag-adjusted sensitivity analysis
    std::string drift_warning;      // primary metric only; empty when none (§5.7)
};

// `metrics[i]` belongs to `nights[i]`; naps are ignored. `ratings` are
// compared like metrics, one row per rating name ("rating:sleep_quality",
// a secondary), over the compared nights that have one. Throws UsageError
// when the periods cannot be formed (no dose on a recorded night and no
// explicit periods, overlapping periods, an unknown metric name).
ComparisonResult compare_periods(const std::vector<Night>& nights,
                                 const std::vector<NightMetrics>& metrics,
                                 const std::vector<Dose>& doses, const CompareOptions& options,
                                 const std::vector<SerumResult>& serum = {},
                                 const std::vector<Rating>& ratings = {});

// The sentences, phrases and names are in comparison_text.hpp.

}  // namespace sleeparch

#include "sleeparch/comparison_text.hpp"
