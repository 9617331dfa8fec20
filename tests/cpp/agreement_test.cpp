// METRICS.md §6 on small pairs computed by hand.
#include <cmath>

#include <gtest/gtest.h>

#include "sleeparch/agreement.hpp"
#include "sleeparch/metrics.hpp"
#include "support/test_support.hpp"

namespace sleeparch {
namespace {

using testing::night_from_epochs;

constexpr Stage W = Stage::Wake, L = Stage::Light, N2 = Stage::N2, D = Stage::Deep, R = Stage::REM,
                U = Stage::Unscored, A = Stage::Asleep;

AgreementPair pair_of(const Night& r, const Night& d, std::string id = "p") {
    return agree_pair(std::move(id), r, compute_metrics(r), d, compute_metrics(d));
}

TEST(Agreement, HandComputedPair) {
    // reference W W L L D D R R, device W L N2 L D R R W
    const Night ref = night_from_epochs({W, W, L, L, D, D, R, R});
    const Night dev = night_from_epochs({W, L, N2, L, D, R, R, W});
    const AgreementPair p = pair_of(ref, dev);
    const Confusion expected = {{{1, 1, 0, 0}, {0, 2, 0, 0}, {0, 0, 1, 1}, {1, 0, 0, 1}}};
    EXPECT_EQ(p.alignment.confusion, expected);
    EXPECT_EQ(p.alignment.epochs, 8);
    EXPECT_EQ(p.alignment.excluded(), 0);

    const ClassStats& w = p.per_stage[0];  // TP 1, FN 1, FP 1, TN 5
    EXPECT_DOUBLE_EQ(w.accuracy, 75.0);
    EXPECT_DOUBLE_EQ(w.sensitivity, 50.0);
    EXPECT_NEAR(w.specificity, 500.0 / 6, 1e-12);
    EXPECT_DOUBLE_EQ(w.ppv, 50.0);
    EXPECT_NEAR(w.npv, 500.0 / 6, 1e-12);
    EXPECT_NEAR(w.kappa, 1.0 / 3, 1e-12);  // p_o 0.75, p_e 40/64
    EXPECT_DOUBLE_EQ(w.pabak, 0.5);

    const ClassStats& l = p.per_stage[1];  // TP 2, FN 0, FP 1, TN 5
    EXPECT_DOUBLE_EQ(l.accuracy, 87.5);
    EXPECT_DOUBLE_EQ(l.sensitivity, 100.0);
    EXPECT_NEAR(l.ppv, 200.0 / 3, 1e-12);
    EXPECT_DOUBLE_EQ(l.npv, 100.0);
    EXPECT_NEAR(l.kappa, (0.875 - 0.5625) / 0.4375, 1e-12);
    EXPECT_DOUBLE_EQ(l.pabak, 0.75);

    // Sleep positive: wake-wake 1, wake-sleep 1, sleep-wake 1, sleep-sleep 5.
    EXPECT_DOUBLE_EQ(p.sleep_wake.accuracy, 75.0);
    EXPECT_NEAR(p.sleep_wake.sensitivity, 500.0 / 6, 1e-12);
    EXPECT_DOUBLE_EQ(p.sleep_wake.specificity, 50.0);

    // TST 3 min on both sides (6 sleep epochs); light 1 vs 1.5 min, deep 1 vs 0.5; onset after 1 vs 0.5 min.
    EXPECT_DOUBLE_EQ(p.discrepancy[0], 0.0);             // tst_min
    EXPECT_DOUBLE_EQ(p.discrepancy[4], 1.5 - 1.0);       // light_min
    EXPECT_DOUBLE_EQ(p.discrepancy[5], 0.5 - 1.0);       // deep_min
    EXPECT_DOUBLE_EQ(p.discrepancy[2], -0.5);            // sol_min
    EXPECT_NEAR(p.discrepancy[8], 100.0 / 6 - 100.0 / 3, 1e-12);  // deep_pct
}

TEST(Agreement, AbsentClassIsUndefinedNotZero) {
    const AgreementPair p = pair_of(night_from_epochs({W, L, L, W}), night_from_epochs({W, L, L, W}));
    EXPECT_TRUE(std::isnan(p.per_stage[2].sensitivity));  // no deep in the reference
    EXPECT_TRUE(std::isnan(p.per_stage[2].ppv));          // nor in the device
    EXPECT_DOUBLE_EQ(p.per_stage[2].specificity, 100.0);
    EXPECT_TRUE(std::isnan(p.per_stage[2].kappa));        // p_e = 1
    EXPECT_DOUBLE_EQ(p.per_stage[2].pabak, 1.0);
    EXPECT_DOUBLE_EQ(p.per_stage[0].kappa, 1.0);
}

TEST(Agreement, FiveMinuteDeviceCoversTenReferenceEpochs) {
    std::vector<Stage> ref(20, L);
    for (int i = 0; i < 4; ++i) ref[i] = W;
    const Night r = night_from_epochs(ref);
    const Night d = night_from_epochs({W, L}, 1'700'000'000, 300);
    const EpochAlignment a = align_epochs(r, d);
    EXPECT_EQ(a.epochs, 20);
    EXPECT_EQ(a.confusion[0][0], 4);   // reference wake under the device's wake epoch
    EXPECT_EQ(a.confusion[1][0], 6);   // reference light under it
    EXPECT_EQ(a.confusion[1][1], 10);  // the second device epoch
    EXPECT_EQ(a.excluded(), 0);
}

TEST(Agreement, DifferentLengthsAlignedByTimeAndCounted) {
    // The device starts two epochs late and runs past the reference's end.
    const Night r = night_from_epochs(std::vector<Stage>(10, N2));
    const Night d = night_from_epochs(std::vector<Stage>(12, L), 1'700'000'000 + 60);
    const EpochAlignment a = align_epochs(r, d);
    EXPECT_EQ(a.non_overlap, 2);
    EXPECT_EQ(a.epochs, 8);
    EXPECT_EQ(a.confusion[1][1], 8);
}

TEST(Agreement, UnscoredAndUnstagedDroppedAndCounted) {
    const Night r = night_from_epochs({W, U, L, D, R, R});
    const Night d = night_from_epochs({W, L, A, D, R, U});
    const EpochAlignment a = align_epochs(r, d);
    EXPECT_EQ(a.unscored, 3);
    EXPECT_EQ(a.epochs, 3);
    EXPECT_EQ(a.confusion[0][0] + a.confusion[2][2] + a.confusion[3][3], 3);
}

TEST(Agreement, BlandAltmanKnownAnswer) {
    const std::vector<double> ref = {1, 2, 3, 4}, dev = {2, 2, 5, 4};
    const BlandAltman b = bland_altman(ref, dev);
    EXPECT_EQ(b.n, 4u);
    EXPECT_DOUBLE_EQ(b.bias, 0.75);
    EXPECT_NEAR(b.sd, std::sqrt(2.75 / 3), 1e-12);
    EXPECT_NEAR(b.loa_low, 0.75 - 1.96 * std::sqrt(2.75 / 3), 1e-12);
    EXPECT_NEAR(b.loa_high, 0.75 + 1.96 * std::sqrt(2.75 / 3), 1e-12);
    EXPECT_NEAR(b.slope, 0.875 / 5.1875, 1e-12);  // Sxy / Sxx of the difference on the mean
    EXPECT_GT(b.slope_p, 0.05);
    EXPECT_FALSE(b.proportional);
    EXPECT_TRUE(std::isnan(b.bias_slope));
}

TEST(Agreement, ProportionalBiasGivesRegressionLimits) {
    // The device reads 20 % high plus noise that grows with the value.
    std::vector<double> ref, dev;
    for (int i = 0; i < 40; ++i) {
        const double x = 100 + 10 * i;
        ref.push_back(x);
        dev.push_back(1.2 * x + ((i % 2) ? 1 : -1) * 0.02 * x);
    }
    const BlandAltman b = bland_altman(ref, dev);
    EXPECT_TRUE(b.proportional);
    EXPECT_LT(b.slope_p, 1e-6);
    EXPECT_NEAR(b.bias_slope, b.slope, 1e-12);
    // D = 0.2 x ± 0.02 x and A = 1.1 x ± 0.01 x: the slope is about 0.2 / 1.1.
    EXPECT_NEAR(b.bias_slope, 0.2 / 1.1, 0.01);
    EXPECT_GT(b.sd_slope, 0);  // the spread grows with the mean
}

TEST(Agreement, GroupPooledSummedAndRowProportional) {
    std::vector<AgreementPair> pairs;
    pairs.push_back(pair_of(night_from_epochs({W, W, L, L, D, D, R, R}), night_from_epochs({W, L, N2, L, D, R, R, W}), "a"));
    pairs.push_back(pair_of(night_from_epochs({W, L, L, L}), night_from_epochs({W, L, L, W}), "b"));
    AgreementOptions opt;
    opt.resamples = 500;
    const AgreementGroup g = agreement_group(pairs, opt);
    EXPECT_EQ(g.pairs, 2u);
    EXPECT_EQ(g.confusion_sum[0][0], 2);
    EXPECT_EQ(g.confusion_sum[1][0], 1);
    EXPECT_EQ(g.confusion_sum[1][1], 4);
    // Wake row: pair a 50 % / 50 %, pair b 100 % / 0 %.
    EXPECT_DOUBLE_EQ(g.confusion_prop_mean[0][0], 75.0);
    EXPECT_DOUBLE_EQ(g.confusion_prop_mean[0][1], 25.0);
    // Deep row: only pair a has reference deep.
    EXPECT_DOUBLE_EQ(g.confusion_prop_mean[2][2], 50.0);
    // Wake sensitivity: mean of 50 and 100, sample SD.
    EXPECT_DOUBLE_EQ(g.per_stage_mean[0][1].mean, 75.0);
    EXPECT_NEAR(g.per_stage_mean[0][1].sd, std::sqrt(1250.0), 1e-12);
    EXPECT_GE(g.per_stage_mean[0][1].ci_low, 50.0);
    EXPECT_LE(g.per_stage_mean[0][1].ci_high, 100.0);
    // Pooled on the summed matrix: wake TP 2, FN 1 -> 66.7 %.
    EXPECT_NEAR(g.pooled[0].sensitivity, 200.0 / 3, 1e-12);
    // Deep sensitivity is NaN for pair b: its mean is pair a's alone.
    EXPECT_DOUBLE_EQ(g.per_stage_mean[2][1].mean, 50.0);
    // The same seed repeats exactly; another seed need not.
    const AgreementGroup again = agreement_group(pairs, opt);
    EXPECT_EQ(again.per_stage_mean[0][1].ci_low, g.per_stage_mean[0][1].ci_low);
    EXPECT_EQ(again.per_stage_mean[1][5].ci_high, g.per_stage_mean[1][5].ci_high);
}

TEST(Agreement, PairingByLargestOverlap) {
    const UtcSeconds day = 86400, t0 = 1'700'000'000;
    const std::vector<Night> ref = {night_from_epochs(std::vector<Stage>(100, L), t0),
                                    night_from_epochs(std::vector<Stage>(100, L), t0 + day)};
    const std::vector<Night> dev = {night_from_epochs(std::vector<Stage>(100, L), t0 + day + 600),
                                    night_from_epochs(std::vector<Stage>(100, L), t0 + 5 * day)};
    const NightPairing p = pair_by_overlap(ref, dev);
    ASSERT_EQ(p.pairs.size(), 1u);
    EXPECT_EQ(p.pairs[0], (std::pair<std::size_t, std::size_t>{1, 0}));
    EXPECT_EQ(p.unpaired_reference, std::vector<std::size_t>{0});
    EXPECT_EQ(p.unpaired_device, std::vector<std::size_t>{1});
}

TEST(Agreement, JsonHasTheIssuesKeys) {
    AgreementResult r;
    r.pairs.push_back(pair_of(night_from_epochs({W, W, L, L, D, D, R, R}), night_from_epochs({W, L, N2, L, D, R, R, W})));
    r.options.resamples = 100;
    r.group = agreement_group(r.pairs, r.options);
    const nlohmann::ordered_json j = agreement_json(r);
    const auto& p = j["pairs"][0];
    for (const char* k : {"id", "epochs", "excluded_epochs", "per_stage", "sleep_wake", "confusion", "discrepancy"})
        EXPECT_TRUE(p.contains(k)) << k;
    for (const char* s : {"wake", "light", "deep", "rem"})
        for (const char* k : {"accuracy", "sensitivity", "specificity", "ppv", "npv", "kappa", "pabak"})
            EXPECT_TRUE(p["per_stage"][s].contains(k)) << s << " " << k;
    EXPECT_EQ(p["confusion"][3][0], 1);
    for (const char* k : {"per_stage_mean", "pooled", "confusion_sum", "confusion_prop_mean", "bland_altman"})
        EXPECT_TRUE(j["group"].contains(k)) << k;
    for (const char* k : {"mean", "sd", "ci_low", "ci_high"}) EXPECT_TRUE(j["group"]["per_stage_mean"]["deep"]["kappa"].contains(k));
    for (const char* k : {"bias", "sd", "loa_low", "loa_high", "slope", "slope_p"})
        EXPECT_TRUE(j["group"]["bland_altman"]["tst_min"].contains(k)) << k;
    EXPECT_TRUE(j["group"]["per_stage_mean"]["wake"]["sensitivity"]["sd"].is_null());  // one pair
}

}  // namespace
}  // namespace sleeparch
