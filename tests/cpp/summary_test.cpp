// Across-night summaries, SRI and clock-time regularity (METRICS.md §3).
#include "sleeparch/summary.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;

namespace {

// A main sleep of `hours` of N2 starting at local `start_h` o'clock on 2024-01-`day`, offset +60.
Night night_at(int day, double start_h, double hours, std::int32_t offset = 60) {
    const UtcSeconds start = seconds_from_civil(2024, 1, day, 0, 0, 0) +
                             static_cast<UtcSeconds>(start_h * 3600) - offset * 60;
    std::vector<Stage> epochs(static_cast<std::size_t>(hours * 120), Stage::N2);
    return sleeparch::testing::night_from_epochs(epochs, start, 30, offset);
}

}  // namespace

TEST(Summary, NumpyStyleQuantilesAndSampleSd) {
    const MetricSummary s = summarize_values("x", {4, 1, NAN, 3, 2});
    EXPECT_EQ(s.n, 4u);
    EXPECT_DOUBLE_EQ(s.mean, 2.5);
    EXPECT_NEAR(s.sd, 1.2909944487358056, 1e-12);
    EXPECT_DOUBLE_EQ(s.median, 2.5);
    EXPECT_DOUBLE_EQ(s.q1, 1.75);
    EXPECT_DOUBLE_EQ(s.q3, 3.25);
    EXPECT_DOUBLE_EQ(s.iqr, 1.5);
    const MetricSummary empty = summarize_values("x", {NAN});
    EXPECT_EQ(empty.n, 0u);
    EXPECT_TRUE(std::isnan(empty.mean));
}

TEST(Summary, SriIsHundredForIdenticalDays) {
    std::vector<Night> nights = {night_at(1, 23, 8), night_at(2, 23, 8), night_at(3, 23, 8)};
    // Labelled 2, 3, 4 January: covered days 2 and 3 -> one pair.
    const SriResult r = sleep_regularity_index(nights);
    EXPECT_EQ(r.day_pairs, 1u);
    EXPECT_DOUBLE_EQ(r.sri, 100);
}

TEST(Summary, SriCountsDisagreeingClockSlots) {
    // The middle night starts two hours later: 480 of 2880 slots differ.
    std::vector<Night> nights = {night_at(1, 23, 8), night_at(3, 1, 8), night_at(3, 23, 8)};
    const SriResult r = sleep_regularity_index(nights);
    EXPECT_EQ(r.day_pairs, 1u);
    EXPECT_NEAR(r.sri, -100 + 200.0 * 2400 / 2880, 1e-9);
}

TEST(Summary, SriNeedsConsecutiveCoveredDays) {
    std::vector<Night> nights = {night_at(1, 23, 8), night_at(5, 23, 8)};
    const SriResult r = sleep_regularity_index(nights);
    EXPECT_EQ(r.day_pairs, 0u);
    EXPECT_TRUE(std::isnan(r.sri));
}

TEST(Summary, CircularStatisticsWrapAroundMidnight) {
    EXPECT_NEAR(circular_mean_minutes({1430, 10}), 0, 1e-9);
    EXPECT_NEAR(circular_sd_minutes({1430, 10}), 10.0, 0.01);
    EXPECT_NEAR(circular_sd_minutes({600, 600, 600}), 0, 1e-6);
}

TEST(Summary, SocialJetlagIsFreeMinusWorkMidpoint) {
    // Wake dates 2024-01-02 (Tue) .. 2024-01-08 (Mon); the Sat 6th and Sun 7th
    // nights start at 01:00 instead of 23:00.
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    for (int day = 2; day <= 8; ++day) {
        const bool weekend_wake = day == 6 || day == 7;
        Night n = night_at(day, weekend_wake ? 1 : -1, 7);
        n.label_date = local_date(n.window_end, n.utc_offset_min);
        nights.push_back(n);
        metrics.push_back(compute_metrics(n));
    }
    const Regularity reg = regularity(nights, metrics);
    EXPECT_EQ(reg.free_nights, 2u);
    EXPECT_EQ(reg.work_nights, 5u);
    EXPECT_NEAR(reg.social_jetlag_h, 2.0, 1e-6);
    EXPECT_GT(reg.midpoint_sd_min, 0);
}

TEST(Summary, PooledTransitionsAddUp) {
    std::vector<NightMetrics> m = {compute_metrics(night_at(1, 23, 1)), compute_metrics(night_at(2, 23, 1))};
    const TransitionMatrix t = pooled_transitions(m);
    EXPECT_EQ(t[1][1], 2 * 119);
}
