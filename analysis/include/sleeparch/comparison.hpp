// Before/after comparison of one person's nightly series (METRICS.md §5).
//
//   CompareOptions opt;                 // periods from the doses, B = 10,000
//   ComparisonResult r = compare_periods(nights, metrics, doses, opt);
//   for (const MetricComparison& m : r.metrics) ... m.verdict ...
//
// Per metric: n, mean, SD and median of baseline and treatment; diff and
// Hedges' g; a stationary-bootstrap CI of the diff (block length by Politis
// & White with the 2009 correction, per period; studentised by a prewhitened
// Newey–West standard error, see bootstrap_diff_ci); the p-value of the level
// shift b2 in y_t = b0 + b1 t + b2 D_t (+ weekend, + intake tags present in
// both periods) with Newey–West errors (see ols_hac for the convention);
// Holm adjustment across the compared metrics; the minimum detectable effect
// from the baseline SD and lag-1 autocorrelation; a verdict; and a dose–response
// slope when doses vary. compare_periods is a pure function: it is safe to
// call from several threads, and results depend only on the inputs and the
// seed (not on the number of threads).
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

struct CompareOptions {
    std::vector<std::string> metrics;  // empty: default_comparison_metrics()
    std::optional<DateRange> baseline;   // --baseline; with treatment, overrides the log
    std::optional<DateRange> treatment;  // --treatment
    std::optional<DateRange> post;       // --post; default: nights after the last dose
    int washout_nights = 7;              // --washout (first dosed night + 6 after it)
    std::size_t resamples = 10000;       // bootstrap B
    std::uint64_t seed = 20240301;
    std::string primary;                 // reported unadjusted, left out of Holm
    std::size_t min_nights = 14;         // per period, else "not enough nights"
    double staged_fraction_min = kStagedFractionMin;
    unsigned threads = 0;                // 0: hardware concurrency
};

struct PeriodInfo {
    std::string name;  // "baseline", "washout", "treatment", "post"
    std::optional<DateRange> dates;
    std::size_t nights = 0;  // main sleeps labelled inside
};

enum class Verdict { Changed, NoChange, NotEnoughNights };
// "changed", "no_change", "not_enough_nights".
std::string_view verdict_name(Verdict v);

struct DoseResponse {
    std::string predictor;  // "mg_elemental" or "mg_7d_mean"
    std::size_t n = 0;
    double slope_per_100mg, ci_low, ci_high, p;
};

struct MetricComparison {
    std::string metric;
    std::string unit;
    bool primary = false;
    std::size_t n_baseline = 0, n_treatment = 0, n_post = 0;
    std::size_t skipped_low_staged = 0;  // share metrics: nights left out
    double mean_baseline, mean_treatment, mean_post;
    double sd_baseline, sd_treatment;
    double median_baseline, median_treatment;
    double diff;                 // mean_treatment - mean_baseline
    double ci_low, ci_high;      // studentised stationary bootstrap interval, 95 %
    double se_diff;              // long-run standard error of diff scaling that interval
    double block_baseline, block_treatment;  // expected block lengths used
    double hedges_g;
    double shift, shift_se;      // b2 and its Newey–West SE
    int hac_lag = 0;
    std::vector<std::string> covariates;  // besides intercept, t, D
    double p;                    // of b2 (two-sided, t reference)
    double p_holm;               // Holm-adjusted (= p for the primary metric)
    double rho_baseline;         // lag-1 autocorrelation used by the MDE
    double mde;                  // METRICS.md §5.5
    double baseline_trend_p;     // slope of the baseline alone, HAC
    Verdict verdict = Verdict::NotEnoughNights;
    std::vector<DoseResponse> dose_response;
};

struct ComparisonResult {
    PeriodInfo baseline, washout, treatment, post;
    std::vector<MetricComparison> metrics;
    std::vector<std::string> warnings;
    std::vector<SerumResult> serum;
    std::size_t resamples = 0;
    std::uint64_t seed = 0;
    bool periods_from_log = false;
};

// `metrics[i]` belongs to `nights[i]`; naps are ignored. Throws UsageError
// when the periods cannot be formed (no dose on a recorded night and no
// explicit periods, overlapping periods, an unknown metric name).
ComparisonResult compare_periods(const std::vector<Night>& nights,
                                 const std::vector<NightMetrics>& metrics,
                                 const std::vector<Dose>& doses, const CompareOptions& options,
                                 const std::vector<SerumResult>& serum = {});

// One line in plain words for a metric ("Sleep-onset latency was 6.2 min
// shorter during treatment (95 % CI ...): a change associated with the
// magnesium period.").
std::string verdict_sentence(const MetricComparison& m);

// The verdict in the table's words: "changed: lower", "changed: higher", "no
// change detected" or "not enough nights".
std::string_view verdict_phrase(const MetricComparison& m);

// A metric's name in words ("Sleep-onset latency" for sol_min); the metric
// name itself for metrics without one.
std::string metric_display_name(std::string_view metric);

// The closing paragraph: association, not proof; what the data cannot show;
// what to do next.
std::string closing_paragraph(const ComparisonResult& r);

}  // namespace sleeparch
