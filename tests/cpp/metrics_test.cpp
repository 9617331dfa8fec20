// Known answers (METRICS.md §2: YASA and Luna), definitions on hand-built
// hypnograms, and property tests.
#include "sleeparch/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "support/test_support.hpp"

using namespace sleeparch;
using sleeparch::testing::night_from_epochs;
using sleeparch::testing::night_from_yasa;

namespace {

std::vector<Stage> repeat(Stage s, int n) { return std::vector<Stage>(static_cast<std::size_t>(n), s); }
std::vector<Stage> cat(std::initializer_list<std::vector<Stage>> parts) {
    std::vector<Stage> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

// METRICS.md: the YASA example hypnogram, 30-s epochs, 0 W 1 N1 2 N2 3 N3 4 REM.
TEST(MetricsKnownAnswers, YasaExample) {
    const Night n = night_from_yasa({0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 2, 3, 3, 4, 4, 4, 4, 0, 0});
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.tib_min, 10);
    EXPECT_DOUBLE_EQ(m.spt_min, 8);
    EXPECT_DOUBLE_EQ(m.waso_min, 0);
    EXPECT_DOUBLE_EQ(m.tst_min, 8);
    EXPECT_DOUBLE_EQ(m.sol_min, 1);
    EXPECT_DOUBLE_EQ(m.rem_latency_from_bed_min, 7);
    EXPECT_DOUBLE_EQ(m.rem_latency_min, 6);
    EXPECT_DOUBLE_EQ(m.n1_pct, 18.75);
    EXPECT_DOUBLE_EQ(m.n2_pct, 25);
    EXPECT_DOUBLE_EQ(m.deep_pct, 31.25);
    EXPECT_DOUBLE_EQ(m.rem_pct, 25);
    EXPECT_DOUBLE_EQ(m.se_pct, 80);
    EXPECT_DOUBLE_EQ(m.sme_pct, 100);
    // Hand-counted from the same sequence.
    EXPECT_DOUBLE_EQ(m.deep_latency_min, 3);
    EXPECT_DOUBLE_EQ(m.stage_shifts, 5);   // N1 N2 N3 N2 N3 R
    EXPECT_DOUBLE_EQ(m.sfi_per_h, 7.5);    // one R -> W in 8 min of sleep
    EXPECT_DOUBLE_EQ(m.deep_bouts, 2);
    EXPECT_DOUBLE_EQ(m.longest_deep_bout_min, 1.5);
    EXPECT_DOUBLE_EQ(m.wake_after_final_min, 1);
    EXPECT_DOUBLE_EQ(m.waso_total_min, 1);  // 10 - 1 - 8
}

// Luna's HYPNO checks (METRICS.md §2).
TEST(MetricsKnownAnswers, LunaAllN2) {
    const NightMetrics m = compute_metrics(night_from_epochs(repeat(Stage::N2, 720)));
    EXPECT_DOUBLE_EQ(m.tst_min, 360);
    EXPECT_DOUBLE_EQ(m.se_pct, 100);
}

TEST(MetricsKnownAnswers, LunaHalfWake) {
    const NightMetrics m = compute_metrics(night_from_epochs(cat({repeat(Stage::Wake, 360), repeat(Stage::N2, 360)})));
    EXPECT_DOUBLE_EQ(m.tst_min, 180);
    EXPECT_DOUBLE_EQ(m.sol_min, 180);
}

TEST(MetricsKnownAnswers, LunaWakeBothEnds) {
    const NightMetrics m = compute_metrics(
        night_from_epochs(cat({repeat(Stage::Wake, 60), repeat(Stage::N2, 600), repeat(Stage::Wake, 60)})));
    EXPECT_NEAR(m.se_pct, 83.3, 0.05);
    EXPECT_DOUBLE_EQ(m.tst_min, 300);
    EXPECT_DOUBLE_EQ(m.sme_pct, 100);
}

TEST(Metrics, WakeRunsAreNotSplitByUnscored) {
    // N2 10 min, W 3 min, ? 2 min, W 3 min, N2 10 min, W 6 min, R 10 min, W 1 min.
    const Night n = night_from_epochs(cat({repeat(Stage::N2, 20), repeat(Stage::Wake, 6), repeat(Stage::Unscored, 4),
                                           repeat(Stage::Wake, 6), repeat(Stage::N2, 20), repeat(Stage::Wake, 12),
                                           repeat(Stage::REM, 20), repeat(Stage::Wake, 2)}));
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.awakenings, 2);
    EXPECT_DOUBLE_EQ(m.awakenings_5min, 2);  // 3+3 of Wake, and 6
    EXPECT_DOUBLE_EQ(m.longest_wake_min, 6);
    EXPECT_DOUBLE_EQ(m.mean_wake_episode_min, 6);
    EXPECT_DOUBLE_EQ(m.waso_min, 12);
    EXPECT_DOUBLE_EQ(m.unscored_min, 2);
    EXPECT_DOUBLE_EQ(m.waso_total_min, 15);  // tib 45 - sol 0 - tst 30: final wake included
    // sleep -> Wake: N2->W, N2->W, R->W (the final awakening counts).
    EXPECT_DOUBLE_EQ(m.tst_min, 30);
    EXPECT_DOUBLE_EQ(m.sfi_per_h, 6);
    // Stage shifts skip Unscored: N2 W (?) W N2 W R -> N2>W, W>N2, N2>W, W>R = 4.
    EXPECT_DOUBLE_EQ(m.stage_shifts, 4);
    EXPECT_DOUBLE_EQ(m.wake_after_final_min, 1);
}

TEST(Metrics, NoSleepGivesNaNForOnsetMetrics) {
    const NightMetrics m = compute_metrics(night_from_epochs(repeat(Stage::Wake, 10)));
    EXPECT_DOUBLE_EQ(m.tst_min, 0);
    EXPECT_DOUBLE_EQ(m.se_pct, 0);
    EXPECT_TRUE(std::isnan(m.sol_min));
    EXPECT_TRUE(std::isnan(m.rem_latency_min));
    EXPECT_TRUE(std::isnan(m.deep_pct));
    EXPECT_FALSE(m.onset.has_value());
}

TEST(Metrics, WearableLightLeavesN1N2Undefined) {
    const NightMetrics m = compute_metrics(night_from_epochs(cat({repeat(Stage::Light, 10), repeat(Stage::Deep, 10)})));
    EXPECT_TRUE(std::isnan(m.n1_min));
    EXPECT_TRUE(std::isnan(m.n2_pct));
    EXPECT_DOUBLE_EQ(m.light_pct, 50);
    EXPECT_DOUBLE_EQ(m.staged_fraction, 1);
}

TEST(Metrics, StagedFractionCountsUnstagedSleep) {
    const NightMetrics m = compute_metrics(night_from_epochs(cat({repeat(Stage::Asleep, 30), repeat(Stage::Light, 10)})));
    EXPECT_DOUBLE_EQ(m.staged_fraction, 0.25);
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 15);
}

TEST(Metrics, TransitionMatrixMatchesEpochCounts) {
    const Night n = night_from_yasa({0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 2, 3, 3, 4, 4, 4, 4, 0, 0});
    const NightMetrics m = compute_metrics(n);
    // Categories: 0 Wake, 1 Light-family, 2 Deep, 3 REM.
    EXPECT_EQ(m.transitions[0][0], 2);
    EXPECT_EQ(m.transitions[0][1], 1);
    EXPECT_EQ(m.transitions[1][1], 5);  // N1 N1 N1 N2 N2 N2: 5 stays in Light-family
    EXPECT_EQ(m.transitions[1][2], 2);
    EXPECT_EQ(m.transitions[2][1], 1);
    EXPECT_EQ(m.transitions[2][2], 3);
    EXPECT_EQ(m.transitions[2][3], 1);
    EXPECT_EQ(m.transitions[3][3], 3);
    EXPECT_EQ(m.transitions[3][0], 1);
    std::int64_t total = 0;
    for (const auto& row : m.transitions)
        for (auto v : row) total += v;
    EXPECT_EQ(total, 19);  // 20 epochs, 19 consecutive pairs
}

TEST(Metrics, CyclesFollowTheFeinbergFloydRules) {
    // 20 N2, 10 REM, 20 N2, 10 REM, 20 N2 (minutes) -> two complete cycles of 30 min.
    const Night n = night_from_epochs(cat({repeat(Stage::N2, 40), repeat(Stage::REM, 20), repeat(Stage::N2, 40),
                                           repeat(Stage::REM, 20), repeat(Stage::N2, 40)}));
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.nrem_cycles, 2);
    EXPECT_DOUBLE_EQ(m.mean_cycle_min, 30);
    // A later REM period shorter than 5 min does not close a cycle.
    const Night short_rem = night_from_epochs(cat({repeat(Stage::N2, 40), repeat(Stage::REM, 20), repeat(Stage::N2, 40),
                                                   repeat(Stage::REM, 4), repeat(Stage::N2, 40)}));
    EXPECT_DOUBLE_EQ(compute_metrics(short_rem).nrem_cycles, 1);
    // REM bouts less than 15 min apart form one REM period.
    const Night split = night_from_epochs(cat({repeat(Stage::N2, 40), repeat(Stage::REM, 10), repeat(Stage::N2, 10),
                                               repeat(Stage::REM, 10), repeat(Stage::N2, 40)}));
    const NightMetrics ms = compute_metrics(split);
    EXPECT_DOUBLE_EQ(ms.nrem_cycles, 1);
    EXPECT_DOUBLE_EQ(ms.mean_cycle_min, 35);
    // Coarser than 60-s epochs: undefined.
    Night coarse = night_from_epochs(cat({repeat(Stage::Light, 4), repeat(Stage::REM, 2), repeat(Stage::Light, 4)}),
                                     1'700'000'000, 300);
    EXPECT_TRUE(std::isnan(compute_metrics(coarse).nrem_cycles));
}

TEST(Metrics, SummaryOnlyNightHasTotalsButNoSequence) {
    Night n;
    n.summary_only = true;
    n.window_start = 0;
    n.window_end = 8 * 3600;
    n.totals.light_min = 240;
    n.totals.deep_min = 60;
    n.totals.rem_min = 90;
    n.totals.wake_min = 30;
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.tst_min, 390);
    EXPECT_NEAR(m.deep_pct, 100.0 * 60 / 390, 1e-12);
    EXPECT_DOUBLE_EQ(m.unscored_min, 60);
    EXPECT_TRUE(std::isnan(m.sol_min));
    EXPECT_TRUE(std::isnan(m.awakenings));
    EXPECT_TRUE(std::isnan(m.nrem_cycles));
}

TEST(Metrics, CatalogueNamesEveryScalar) {
    EXPECT_NE(find_metric("deep_pct"), nullptr);
    EXPECT_NE(find_metric("sfi_per_h"), nullptr);
    EXPECT_EQ(find_metric("nonsense"), nullptr);
    EXPECT_EQ(scalar_metrics().size(), 39u);
}

// Property tests over random hypnograms.
namespace {

std::vector<Stage> random_epochs(std::mt19937_64& rng, int n) {
    std::vector<Stage> out;
    std::uniform_int_distribution<int> stage(0, kStageCount - 1), run(1, 40);
    while (static_cast<int>(out.size()) < n) {
        const Stage s = kAllStages[static_cast<std::size_t>(stage(rng))];
        for (int k = run(rng); k > 0 && static_cast<int>(out.size()) < n; --k) out.push_back(s);
    }
    return out;
}

void expect_same(const NightMetrics& a, const NightMetrics& b) {
    for (const MetricInfo& info : scalar_metrics()) {
        const double x = a.*(info.member), y = b.*(info.member);
        if (std::isnan(x)) {
            EXPECT_TRUE(std::isnan(y)) << info.name;
        } else {
            EXPECT_NEAR(x, y, 1e-9) << info.name;
        }
    }
    EXPECT_EQ(a.transitions, b.transitions);
}

}  // namespace

TEST(MetricsProperties, StageMinutesPlusWakePlusUnscoredEqualTib) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 300; ++i) {
        const NightMetrics m = compute_metrics(night_from_epochs(random_epochs(rng, 50 + i * 3)));
        EXPECT_NEAR(m.light_min + m.deep_min + m.rem_min + m.asleep_unstaged_min + m.wake_min + m.unscored_min,
                    m.tib_min, 1e-9);
        if (!std::isnan(m.sol_min)) {
            EXPECT_NEAR(m.sol_min + m.spt_min + m.wake_after_final_min, m.tib_min, 1e-9);
            EXPECT_LE(m.waso_min, m.waso_total_min + 1e-9);
        }
    }
}

TEST(MetricsProperties, ShiftingAllTimesChangesNothing) {
    std::mt19937_64 rng(11);
    for (int i = 0; i < 100; ++i) {
        const auto epochs = random_epochs(rng, 400);
        const NightMetrics a = compute_metrics(night_from_epochs(epochs, 1'700'000'000));
        const NightMetrics b = compute_metrics(night_from_epochs(epochs, 1'700'000'000 + 86400 * 37 + 30 * 17));
        expect_same(a, b);
    }
}

TEST(MetricsProperties, SplittingASegmentChangesNothing) {
    std::mt19937_64 rng(13);
    for (int i = 0; i < 100; ++i) {
        const Night n = night_from_epochs(random_epochs(rng, 300));
        Night split = n;
        // Split every segment longer than one epoch at its middle epoch
        // boundary: metrics work on runs, so this must change nothing (the
        // segments are then not merged, which metrics must tolerate).
        std::vector<Segment> segs;
        for (const Segment& s : n.segments) {
            const UtcSeconds len = s.end - s.start;
            if (len >= 60) {
                const UtcSeconds mid = s.start + (len / 60) * 30;
                segs.push_back(Segment{s.start, mid, s.stage});
                segs.push_back(Segment{mid, s.end, s.stage});
            } else {
                segs.push_back(s);
            }
        }
        split.segments = segs;
        expect_same(compute_metrics(n), compute_metrics(split));
    }
}
