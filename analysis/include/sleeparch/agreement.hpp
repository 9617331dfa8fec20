// Device-vs-reference agreement (METRICS.md §6), as YASA's
// EpochByEpochAgreement / SleepStatsAgreement and the Menghini et al. (2021)
// pipeline do it: epoch-by-epoch statistics per pair of nights, the group
// over pairs, and Bland–Altman on the per-night metrics.
//
//   NightPairing p = pair_by_overlap(reference_nights, device_nights);
//   AgreementPair a = agree_pair("s01", ref, compute_metrics(ref), dev, compute_metrics(dev));
//   AgreementResult r;  r.pairs = {a, ...};  r.group = agreement_group(r.pairs, options);
//   nlohmann::ordered_json j = agreement_json(r);
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch {

// The four classes compared epoch by epoch: wake, light (N1 + N2 + Light),
// deep, REM. Asleep (sleep without a stage) and Unscored have no class: such
// epochs are dropped and counted.
inline constexpr int kAgreeClasses = 4;
inline constexpr std::array<std::string_view, kAgreeClasses> kAgreeClassNames = {"wake", "light", "deep", "rem"};
std::optional<int> agree_class(Stage s);

// Rows: the reference's class, columns: the device's (epoch counts).
using Confusion = std::array<std::array<std::int64_t, kAgreeClasses>, kAgreeClasses>;

// One-vs-rest statistics of one class, in percent except kappa and PABAK
// (2 p_o - 1); NaN where a denominator is zero (e.g. sensitivity of a class
// the reference never scored).
struct ClassStats {
    double accuracy, sensitivity, specificity, ppv, npv, kappa, pabak;
};
inline constexpr std::array<std::string_view, 7> kClassStatNames = {"accuracy", "sensitivity", "specificity", "ppv",
                                                                    "npv",      "kappa",       "pabak"};
double class_stat(const ClassStats& s, std::size_t i);
ClassStats class_stats(const Confusion& c, int cls);

// Sleep (positive) against wake: sensitivity = sleep detected, specificity
// = wake detected; percent.
struct SleepWakeStats {
    double accuracy, sensitivity, specificity;
};
inline constexpr std::array<std::string_view, 3> kSleepWakeStatNames = {"accuracy", "sensitivity", "specificity"};
double sleep_wake_stat(const SleepWakeStats& s, std::size_t i);
SleepWakeStats sleep_wake_stats(const Confusion& c);

// The reference's epochs (its native epoch, 30 s when unknown) from its
// window start; each is compared with the device stage in force at the
// epoch's middle, so one 5-min device epoch covers the ten 30-s reference
// epochs inside it.
struct EpochAlignment {
    Confusion confusion{};
    std::int64_t epochs = 0;       // compared (a class on both sides)
    std::int64_t unscored = 0;     // Unscored or Asleep in either
    std::int64_t non_overlap = 0;  // reference epochs outside the device's window
    std::int64_t excluded() const { return unscored + non_overlap; }
};
EpochAlignment align_epochs(const Night& reference, const Night& device);

// The per-night metrics compared (device - reference): minutes, and points
// for the percentages.
inline constexpr std::size_t kDiscrepancyCount = 10;
inline constexpr std::array<std::string_view, kDiscrepancyCount> kDiscrepancyMetrics = {
    "tst_min", "se_pct", "sol_min", "waso_total_min", "light_min",
    "deep_min", "rem_min", "light_pct", "deep_pct", "rem_pct"};
double discrepancy_metric(const NightMetrics& m, std::size_t i);

struct AgreementPair {
    std::string id;
    EpochAlignment alignment;
    std::array<ClassStats, kAgreeClasses> per_stage{};
    SleepWakeStats sleep_wake{};
    std::array<double, kDiscrepancyCount> reference{}, device{}, discrepancy{};
};
AgreementPair agree_pair(std::string id, const Night& reference, const NightMetrics& reference_metrics,
                         const Night& device, const NightMetrics& device_metrics);

// Mean and sample SD over the pairs where the statistic is defined, with a
// percentile bootstrap CI of the mean (pairs resampled with replacement).
struct MeanCi {
    double mean, sd, ci_low, ci_high;
};

// Bland & Altman (1999) on device - reference against the pair mean
// (device + reference) / 2, over the pairs where both are defined.
struct BlandAltman {
    std::size_t n = 0;
    double bias = 0, sd = 0, loa_low = 0, loa_high = 0;
    double slope = 0, slope_p = 0;  // OLS slope of the difference on the mean, two-sided t test
    // When slope_p < alpha: the difference's regression on the mean,
    // bias(A) = bias_intercept + bias_slope A, and the SD as a line in A
    // from the absolute residuals, sd(A) = sqrt(pi/2) (c0 + c1 A);
    // limits bias(A) ± 1.96 sd(A). NaN otherwise.
    bool proportional = false;
    double bias_intercept = 0, bias_slope = 0, sd_intercept = 0, sd_slope = 0;
};
BlandAltman bland_altman(std::span<const double> reference, std::span<const double> device, double alpha = 0.05);

struct AgreementOptions {
    std::uint64_t seed = 20240301;
    std::size_t resamples = 2000;  // bootstrap B
    double confidence = 0.95;      // of the bootstrap CI
    double alpha = 0.05;           // significance of the proportional-bias slope
};

struct AgreementGroup {
    std::size_t pairs = 0;
    std::array<std::array<MeanCi, kClassStatNames.size()>, kAgreeClasses> per_stage_mean{};
    std::array<MeanCi, kSleepWakeStatNames.size()> sleep_wake_mean{};
    std::array<ClassStats, kAgreeClasses> pooled{};  // on confusion_sum
    SleepWakeStats sleep_wake_pooled{};
    Confusion confusion_sum{};
    // The mean over pairs of each pair's row-proportional matrix (percent of
    // the reference's epochs of that class; pairs without the class are left
    // out of that row's mean).
    std::array<std::array<double, kAgreeClasses>, kAgreeClasses> confusion_prop_mean{};
    std::array<BlandAltman, kDiscrepancyCount> bland_altman{};
};
AgreementGroup agreement_group(const std::vector<AgreementPair>& pairs, const AgreementOptions& options);

struct AgreementResult {
    std::vector<AgreementPair> pairs;
    AgreementGroup group;
    AgreementOptions options;
    std::vector<std::string> skipped;  // nights or rows left out, and why
};

// Reference night i with the device night it overlaps most; one device night
// per reference night, the largest overlaps matched first.
struct NightPairing {
    std::vector<std::pair<std::size_t, std::size_t>> pairs;  // (reference, device), by reference
    std::vector<std::size_t> unpaired_reference, unpaired_device;
};
NightPairing pair_by_overlap(const std::vector<Night>& reference, const std::vector<Night>& device);

// The JSON of `sleeparch agree --format json` and `sa.agree(...).to_dict()`:
//   {"pairs": [{id, epochs, excluded_epochs, per_stage: {wake|light|deep|rem:
//      {accuracy, sensitivity, specificity, ppv, npv, kappa, pabak}},
//      sleep_wake: {accuracy, sensitivity, specificity}, confusion: 4×4,
//      discrepancy: {tst_min, ...}, reference: {tst_min, ...}, device: {...}}],
//    "group": {per_stage_mean: {<stage>: {<stat>: {mean, sd, ci_low, ci_high}}},
//      pooled: {<stage>: {<stat>: value}}, confusion_sum, confusion_prop_mean,
//      bland_altman: {<metric>: {bias, sd, loa_low, loa_high, slope, slope_p,
//      n, proportional, regression: null | {bias_intercept, bias_slope,
//      sd_intercept, sd_slope}}}, sleep_wake: {mean: {...}, pooled: {...}},
//      pairs, bootstrap: {resamples, seed, confidence}},
//    "skipped": [...]}
// Non-finite numbers are null.
nlohmann::ordered_json agreement_json(const AgreementResult& r);

}  // namespace sleeparch
