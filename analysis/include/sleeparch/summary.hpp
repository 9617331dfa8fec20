// Across nights (METRICS.md §3): period summaries, pooled transitions, the
// Sleep Regularity Index and clock-time regularity.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch {

// Mean, SD (n-1), median, quartiles (linear interpolation, as numpy's
// default) and n of one metric over nights; NaN values are left out.
struct MetricSummary {
    std::string metric;
    std::size_t n = 0;
    double mean, sd, median, q1, q3, iqr;
};

MetricSummary summarize_values(std::string metric, const std::vector<double>& values);

// One summary per scalar metric, in scalar_metrics() order.
std::vector<MetricSummary> summarize(const std::vector<NightMetrics>& nights);

// Sum of the nights' transition matrices.
TransitionMatrix pooled_transitions(const std::vector<NightMetrics>& nights);

// Sleep Regularity Index (Phillips et al. 2017) on a 30-s grid of local clock
// time: -100 + 200 * P(same sleep/wake state at the same clock time on
// consecutive days), over the day pairs where both days are covered.
// A local day D is covered when main sleeps labelled D and D+1 exist (so the
// night before and the night after it were recorded); time outside every
// night's window is Wake, Unscored epochs are left out. DST days (23 h, 25 h)
// compare by clock time. NaN with day_pairs 0 when no pair is covered.
struct SriResult {
    double sri;
    std::size_t day_pairs;
};
SriResult sleep_regularity_index(const std::vector<Night>& nights);

// Circular standard deviation, in minutes, of clock times given as minutes
// after local midnight: sqrt(-2 ln R) * 1440 / 2pi.
double circular_sd_minutes(const std::vector<double>& clock_minutes);

// Circular mean clock time in minutes after midnight [0, 1440).
double circular_mean_minutes(const std::vector<double>& clock_minutes);

struct Regularity {
    SriResult sri;
    double onset_sd_min;     // circular SD of local onset clock times
    double midpoint_sd_min;  // circular SD of local sleep midpoints
    // Free-day minus work-day mean midpoint, hours, in (-12, 12]; free days
    // are the wake dates whose weekday is in `free_days` (0 = Sunday .. 6).
    double social_jetlag_h;
    std::size_t free_nights, work_nights;
};

// Over main sleeps only (naps are skipped); `metrics[i]` belongs to `nights[i]`.
Regularity regularity(const std::vector<Night>& nights, const std::vector<NightMetrics>& metrics,
                      const std::vector<int>& free_days = {0, 6});

}  // namespace sleeparch
