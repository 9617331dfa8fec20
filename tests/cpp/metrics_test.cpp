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

// NREM-REM cycles: known answers from Luna itself (lunapi 1.7.0, HYPNO on the
// same 30-s hypnograms, NREMC / NREMC_MINS and the per-cycle table C:
// NREMC_START, NREMC_NREM_MINS, NREMC_REM_MINS).
namespace {

struct ExpectedCycle {
    int start_epoch;  // 0-based (Luna's NREMC_START - 1)
    int epochs;
    double nrem_min, rem_min;
    bool complete;
};

void expect_cycles(const Night& n, const NightMetrics& m, const std::vector<ExpectedCycle>& expected) {
    ASSERT_EQ(m.cycles.size(), expected.size());
    EXPECT_DOUBLE_EQ(m.nrem_cycles, static_cast<double>(expected.size()));
    double total = 0;
    int complete = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const Cycle& c = m.cycles[i];
        const ExpectedCycle& e = expected[i];
        EXPECT_EQ(c.start, n.window_start + 30 * e.start_epoch) << "cycle " << i;
        EXPECT_EQ(c.end, n.window_start + 30 * (e.start_epoch + e.epochs)) << "cycle " << i;
        EXPECT_DOUBLE_EQ(c.nrem_min, e.nrem_min) << "cycle " << i;
        EXPECT_DOUBLE_EQ(c.rem_min, e.rem_min) << "cycle " << i;
        EXPECT_EQ(c.complete, e.complete) << "cycle " << i;
        total += e.epochs / 2.0;
        complete += e.complete;
    }
    EXPECT_DOUBLE_EQ(m.complete_cycles, complete);
    if (expected.empty()) EXPECT_TRUE(std::isnan(m.mean_cycle_min));
    else EXPECT_DOUBLE_EQ(m.mean_cycle_min, total / static_cast<double>(expected.size()));
    EXPECT_TRUE(m.notes.empty());
}

}  // namespace

TEST(MetricsCycles, TheLastNremPeriodIsACycle) {
    // N2 20 min, R 10, N2 20, R 10, N2 20: Luna 3 cycles of 30, 30, 20 min.
    const Night n = night_from_epochs(cat({repeat(Stage::N2, 40), repeat(Stage::REM, 20), repeat(Stage::N2, 40),
                                           repeat(Stage::REM, 20), repeat(Stage::N2, 40)}));
    expect_cycles(n, compute_metrics(n), {{0, 60, 20, 10, true}, {60, 60, 20, 10, true}, {120, 40, 20, 0, false}});
}

TEST(MetricsCycles, ALaterShortRemPeriodStaysInTheNremPeriod) {
    // The second REM period is 2 min (< 5): its REM joins the second NREM period.
    const Night n = night_from_epochs(cat({repeat(Stage::N2, 40), repeat(Stage::REM, 20), repeat(Stage::N2, 40),
                                           repeat(Stage::REM, 4), repeat(Stage::N2, 40)}));
    expect_cycles(n, compute_metrics(n), {{0, 60, 20, 10, true}, {60, 84, 40, 2, false}});
}

TEST(MetricsCycles, RemRecurringWithin15MinIsOneRemPeriod) {
    // R 5, N2 5, R 5: one REM period of 15 min, then a last NREM period.
    const Night n = night_from_epochs(cat({repeat(Stage::N2, 40), repeat(Stage::REM, 10), repeat(Stage::N2, 10),
                                           repeat(Stage::REM, 10), repeat(Stage::N2, 40)}));
    expect_cycles(n, compute_metrics(n), {{0, 70, 25, 10, true}, {70, 40, 20, 0, false}});
}

TEST(MetricsCycles, FifteenMinutesOfWakeEndAnNremPeriod) {
    // W 5, N2 30, R 10, N2 20, W 20, N2 20, R 10, W 2: the 20 min of wake close
    // the second (REM-less) cycle and belong to no cycle.
    const Night n = night_from_epochs(cat({repeat(Stage::Wake, 10), repeat(Stage::N2, 60), repeat(Stage::REM, 20),
                                           repeat(Stage::N2, 40), repeat(Stage::Wake, 40), repeat(Stage::N2, 40),
                                           repeat(Stage::REM, 20), repeat(Stage::Wake, 4)}));
    expect_cycles(n, compute_metrics(n), {{10, 80, 30, 10, true}, {90, 40, 20, 0, false}, {170, 60, 20, 10, true}});
}

TEST(MetricsCycles, AWholeNight) {
    // Luna: NREMC 4, NREMC_MINS 55 (the first three end in REM: 3 complete).
    const Night n = night_from_epochs(cat({repeat(Stage::Wake, 20), repeat(Stage::N1, 6), repeat(Stage::N2, 40),
                                           repeat(Stage::Deep, 60), repeat(Stage::N2, 20), repeat(Stage::REM, 10),
                                           repeat(Stage::N2, 50), repeat(Stage::Deep, 30), repeat(Stage::N2, 20),
                                           repeat(Stage::REM, 30), repeat(Stage::Wake, 4), repeat(Stage::N2, 80),
                                           repeat(Stage::REM, 40), repeat(Stage::N2, 60), repeat(Stage::Wake, 30)}));
    const NightMetrics m = compute_metrics(n);
    expect_cycles(n, m, {{26, 130, 60, 5, true}, {156, 130, 50, 15, true}, {290, 120, 40, 20, true},
                         {410, 60, 30, 0, false}});
    EXPECT_DOUBLE_EQ(m.mean_cycle_min, 55);
}

TEST(MetricsCycles, UnscoredInsideAndAtTheEdges) {
    // ? 3, N2 25, ? 2, R 10, N2 25, W 1.5, ? 2.5: Luna 2 cycles (37 and 25 min);
    // the unscored minutes inside the first cycle count in its length.
    const Night n = night_from_epochs(cat({repeat(Stage::Unscored, 6), repeat(Stage::N2, 50),
                                           repeat(Stage::Unscored, 4), repeat(Stage::REM, 20), repeat(Stage::N2, 50),
                                           repeat(Stage::Wake, 3), repeat(Stage::Unscored, 5)}));
    expect_cycles(n, compute_metrics(n), {{6, 74, 25, 10, true}, {80, 50, 25, 0, false}});
}

TEST(MetricsCycles, N1CannotOpenANremPeriod) {
    // Luna: NREMC 0 for N1 20, R 10, N1 20, R 10, W 1; Light counts as N2 instead.
    const NightMetrics m = compute_metrics(night_from_epochs(cat({repeat(Stage::N1, 40), repeat(Stage::REM, 20),
                                                                  repeat(Stage::N1, 40), repeat(Stage::REM, 20),
                                                                  repeat(Stage::Wake, 2)})));
    EXPECT_DOUBLE_EQ(m.nrem_cycles, 0);
    EXPECT_TRUE(std::isnan(m.mean_cycle_min));
    EXPECT_TRUE(m.cycles.empty());
    const Night light = night_from_epochs(cat({repeat(Stage::Light, 40), repeat(Stage::REM, 20), repeat(Stage::Light, 40),
                                               repeat(Stage::REM, 20), repeat(Stage::Light, 40)}));
    expect_cycles(light, compute_metrics(light),
                  {{0, 60, 20, 10, true}, {60, 60, 20, 10, true}, {120, 40, 20, 0, false}});
}

TEST(MetricsCycles, SixtySecondEpochsUseTheSameMinutes) {
    // The first known answer at 60-s native epochs (laid on the 30-s grid).
    Night n = night_from_epochs(cat({repeat(Stage::N2, 20), repeat(Stage::REM, 10), repeat(Stage::N2, 20),
                                     repeat(Stage::REM, 10), repeat(Stage::N2, 20)}),
                                1'700'000'000, 60);
    expect_cycles(n, compute_metrics(n), {{0, 60, 20, 10, true}, {60, 60, 20, 10, true}, {120, 40, 20, 0, false}});
}

TEST(MetricsCycles, UndefinedWithTheReasonInTheNotes) {
    auto has_note = [](const NightMetrics& m, const std::string& text) {
        for (const std::string& note : m.notes)
            if (note.find(text) != std::string::npos) return true;
        return false;
    };
    // No REM at all: Luna would count the NREM periods; we call it undefined.
    const NightMetrics no_rem = compute_metrics(night_from_epochs(cat({repeat(Stage::N2, 200), repeat(Stage::Deep, 100)})));
    EXPECT_TRUE(std::isnan(no_rem.nrem_cycles));
    EXPECT_TRUE(std::isnan(no_rem.mean_cycle_min));
    EXPECT_TRUE(std::isnan(no_rem.complete_cycles));
    EXPECT_TRUE(no_rem.cycles.empty());
    EXPECT_TRUE(has_note(no_rem, "nrem_cycles: no REM in the night")) << ::testing::PrintToString(no_rem.notes);
    // Coarser than 60-s epochs.
    const NightMetrics coarse = compute_metrics(night_from_epochs(
        cat({repeat(Stage::Light, 4), repeat(Stage::REM, 2), repeat(Stage::Light, 4)}), 1'700'000'000, 300));
    EXPECT_TRUE(std::isnan(coarse.nrem_cycles));
    EXPECT_TRUE(has_note(coarse, "nrem_cycles: native epoch of 300 s is coarser than 60 s"));
    // Sleep without stages.
    const NightMetrics unstaged = compute_metrics(night_from_epochs(repeat(Stage::Asleep, 600)));
    EXPECT_TRUE(std::isnan(unstaged.nrem_cycles));
    EXPECT_TRUE(has_note(unstaged, "nrem_cycles: no staged sleep"));
    // A night with cycles has no note.
    EXPECT_TRUE(compute_metrics(night_from_epochs(cat({repeat(Stage::N2, 40), repeat(Stage::REM, 20)}))).notes.empty());
}

// METRICS.md §2: stage shares are NaN, never 0, when nothing is staged.
TEST(Metrics, StageSharesAreUndefinedWithoutStagedSleep) {
    const NightMetrics m = compute_metrics(
        night_from_epochs(cat({repeat(Stage::Wake, 20), repeat(Stage::Asleep, 800), repeat(Stage::Wake, 10)})));
    EXPECT_DOUBLE_EQ(m.tst_min, 400);
    EXPECT_DOUBLE_EQ(m.staged_fraction, 0);
    EXPECT_DOUBLE_EQ(m.deep_min, 0);  // minutes stay: none was scored
    for (double share : {m.light_pct, m.deep_pct, m.rem_pct, m.n1_pct, m.n2_pct}) EXPECT_TRUE(std::isnan(share));
    EXPECT_TRUE(std::isnan(m.nrem_cycles));
    EXPECT_TRUE(std::isnan(m.mean_cycle_min));
    EXPECT_DOUBLE_EQ(m.sol_min, 10);  // the rest is defined
    EXPECT_DOUBLE_EQ(m.se_pct, 100.0 * 400 / 415);
    // One staged minute among the unstaged ones makes the shares defined again.
    const NightMetrics some = compute_metrics(night_from_epochs(cat({repeat(Stage::Asleep, 118), repeat(Stage::Deep, 2)})));
    EXPECT_NEAR(some.deep_pct, 100.0 / 60, 1e-12);
    EXPECT_DOUBLE_EQ(some.rem_pct, 0);
    // Summary-only nights (totals) follow the same rule.
    Night totals;
    totals.summary_only = true;
    totals.window_start = 0;
    totals.window_end = 8 * 3600;
    totals.totals.asleep_unstaged_min = 420;
    totals.totals.wake_min = 60;
    const NightMetrics t = compute_metrics(totals);
    EXPECT_DOUBLE_EQ(t.tst_min, 420);
    EXPECT_DOUBLE_EQ(t.staged_fraction, 0);
    EXPECT_TRUE(std::isnan(t.deep_pct));
    EXPECT_TRUE(std::isnan(t.rem_pct));
    EXPECT_TRUE(std::isnan(t.light_pct));
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
    EXPECT_EQ(scalar_metrics().size(), 43u);  // 40 sleep metrics + HRV (RMSSD, SDNN) and resting HR
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

TEST(MetricsProperties, CyclesLieInTheSleepPeriodInOrder) {
    std::mt19937_64 rng(17);
    for (int i = 0; i < 300; ++i) {
        const Night n = night_from_epochs(random_epochs(rng, 100 + i * 4));
        const NightMetrics m = compute_metrics(n);
        if (!m.onset) continue;
        // Undefined exactly when a note says why.
        EXPECT_EQ(std::isnan(m.nrem_cycles), !m.notes.empty());
        if (std::isnan(m.nrem_cycles)) continue;
        EXPECT_EQ(m.cycles.size(), static_cast<std::size_t>(m.nrem_cycles));
        EXPECT_LE(m.complete_cycles, m.nrem_cycles);
        UtcSeconds last_end = *m.onset;
        double total = 0;
        for (const Cycle& c : m.cycles) {
            EXPECT_GE(c.start, last_end);
            EXPECT_LT(c.start, c.end);
            // Not final_wake: Luna lets a cycle run on through unscored epochs after the last sleep.
            EXPECT_LE(c.end, n.window_end);
            // 15 min of NREM up to the first epoch after the NREM period, which Luna counts too.
            EXPECT_GE(c.nrem_min, 14.5);
            EXPECT_LE(c.nrem_min + c.rem_min, (c.end - c.start) / 60.0 + 1e-9);
            total += (c.end - c.start) / 60.0;
            last_end = c.end;
        }
        if (!m.cycles.empty()) EXPECT_NEAR(m.mean_cycle_min, total / m.nrem_cycles, 1e-9);
    }
}
