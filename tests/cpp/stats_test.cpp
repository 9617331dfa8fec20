#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <iostream>
#include <vector>

#include "sleeparch/random.hpp"
#include "sleeparch/stats.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;

TEST(Stats, DescriptiveAsNumpy) {
    const std::vector<double> x = {2, 4, 4, 4, 5, 5, 7, 9};
    EXPECT_DOUBLE_EQ(mean(x), 5.0);
    EXPECT_NEAR(sample_sd(x), std::sqrt(32.0 / 7.0), 1e-12);
    EXPECT_DOUBLE_EQ(median(x), 4.5);
    const std::vector<double> y = {1, 2, 3, 4, 10};
    // numpy.quantile([1,2,3,4,10], [0.25, 0.9]) -> [2.0, 7.6]
    EXPECT_DOUBLE_EQ(quantile(y, 0.25), 2.0);
    EXPECT_NEAR(quantile(y, 0.9), 7.6, 1e-12);
    EXPECT_TRUE(std::isnan(sample_sd(std::vector<double>{1.0})));
    EXPECT_TRUE(std::isnan(mean(std::vector<double>{})));
}

TEST(Stats, Lag1Autocorrelation) {
    // x = 1..5: m = 3, num = (-2)(-1) + (-1)(0) + 0*1 + 1*2 = 4, den = 10.
    EXPECT_NEAR(lag1_autocorrelation(std::vector<double>{1, 2, 3, 4, 5}), 0.4, 1e-12);
    EXPECT_TRUE(std::isnan(lag1_autocorrelation(std::vector<double>{3, 3, 3, 3})));
}

// Hand-worked: means 10 and 12, SDs 2 and 3, n 10 and 12.
// pooled = sqrt((9*4 + 11*9) / 20) = sqrt(6.75); d = 2 / sqrt(6.75) = 0.7698004;
// J = 1 - 3 / (4*22 - 9) = 1 - 3/79; g = 0.7405674.
TEST(Stats, HedgesGHandWorked) {
    EXPECT_NEAR(hedges_g(10, 2, 10, 12, 3, 12), 0.7405674338972416, 1e-12);
    EXPECT_NEAR(hedges_g(12, 3, 12, 10, 2, 10), -0.7405674338972416 * (1 - 3.0 / 79) / (1 - 3.0 / 79), 1e-12);
    EXPECT_TRUE(std::isnan(hedges_g(1, 0, 5, 1, 0, 5)));
}

// Hand-worked: p = (0.01, 0.04, 0.03, 0.005), m = 4. Sorted: 0.005*4 = 0.02,
// 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> max(0.06, 0.04) = 0.06.
TEST(Stats, HolmHandWorked) {
    const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
    const auto a = holm_adjust(p);
    ASSERT_EQ(a.size(), 4u);
    EXPECT_NEAR(a[0], 0.03, 1e-15);
    EXPECT_NEAR(a[1], 0.06, 1e-15);
    EXPECT_NEAR(a[2], 0.06, 1e-15);
    EXPECT_NEAR(a[3], 0.02, 1e-15);
    // NaN is left out of m; values cap at 1.
    const auto b = holm_adjust(std::vector<double>{0.02, std::nan(""), 0.7});
    EXPECT_NEAR(b[0], 0.04, 1e-15);
    EXPECT_TRUE(std::isnan(b[1]));
    EXPECT_NEAR(b[2], 0.7, 1e-15);
    EXPECT_DOUBLE_EQ(holm_adjust(std::vector<double>{0.6, 0.9})[0], 1.0);
}

// Values from scipy.stats 1.17.
TEST(Stats, Distributions) {
    EXPECT_NEAR(normal_cdf(1.96), 0.9750021048517795, 1e-14);
    EXPECT_NEAR(two_sided_p_t(2.0, 10), 0.07338803477074037, 1e-13);
    EXPECT_NEAR(student_t_cdf(-1.5, 7), 0.088649243494985, 1e-13);
    EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-12);
}

TEST(Stats, NeweyWestLagRule) {
    EXPECT_EQ(newey_west_lag(100), 4);
    EXPECT_EQ(newey_west_lag(730), 6);   // 4 * 7.3^(2/9) = 6.22
    EXPECT_EQ(newey_west_lag(28), 3);
}

TEST(Stats, OlsHacLagZeroIsHc1) {
    // y = 1 + 2x + e with known residuals; with L = 0 the HAC covariance is
    // White's HC0 times n / (n - k) (HC1).
    const int n = 6;
    Eigen::MatrixXd X(n, 2);
    Eigen::VectorXd y(n);
    const double e[n] = {0.5, -0.3, 0.1, -0.4, 0.2, -0.1};
    for (int i = 0; i < n; ++i) {
        X(i, 0) = 1;
        X(i, 1) = i;
        y(i) = 1 + 2 * i + e[i];
    }
    const auto r = ols_hac(X, y, 0);
    ASSERT_TRUE(r.ok);
    const Eigen::MatrixXd inv = (X.transpose() * X).inverse();
    const Eigen::VectorXd u = y - X * r.beta;
    Eigen::MatrixXd meat = Eigen::MatrixXd::Zero(2, 2);
    for (int i = 0; i < n; ++i) meat += u(i) * u(i) * X.row(i).transpose() * X.row(i);
    const Eigen::MatrixXd hc1 = inv * meat * inv * (6.0 / 4.0);
    EXPECT_NEAR(r.cov(0, 0), hc1(0, 0), 1e-12);
    EXPECT_NEAR(r.cov(1, 1), hc1(1, 1), 1e-12);
    EXPECT_NEAR(r.cov(0, 1), hc1(0, 1), 1e-12);
    EXPECT_EQ(r.df, 4.0);
    EXPECT_NEAR(r.p(1), two_sided_p_t(r.beta(1) / std::sqrt(hc1(1, 1)), 4), 1e-12);
}

TEST(Stats, OlsHacRefusesSingularDesign) {
    Eigen::MatrixXd X(5, 2);
    X << 1, 2, 1, 2, 1, 2, 1, 2, 1, 2;
    Eigen::VectorXd y(5);
    y << 1, 2, 3, 4, 5;
    EXPECT_FALSE(ols_hac(X, y, 1).ok);
}

namespace {
std::vector<double> ar1(std::size_t n, double phi, Xoshiro256ss& g) {
    std::vector<double> x(n);
    double prev = 0;
    for (std::size_t i = 0; i < n + 100; ++i) {
        const double z = normal_quantile(g.uniform_open0() * 0.999999 + 0.0000005);
        prev = phi * prev + z;
        if (i >= 100) x[i - 100] = prev;
    }
    return x;
}
}  // namespace

TEST(Stats, BlockLengthGrowsWithAutocorrelation) {
    Xoshiro256ss g(11);
    const auto white = ar1(500, 0.0, g);
    const auto strong = ar1(500, 0.8, g);
    const double bw = optimal_block_length(white);
    const double bs = optimal_block_length(strong);
    EXPECT_GE(bw, 1.0);
    EXPECT_LT(bw, 4.0);
    EXPECT_GT(bs, 5.0);
    EXPECT_LE(bs, std::ceil(std::min(3 * std::sqrt(500.0), 500.0 / 3)));
    EXPECT_EQ(optimal_block_length(std::vector<double>{1, 2, 3}), 1.0);
    EXPECT_EQ(optimal_block_length(std::vector<double>(50, 2.0)), 1.0);
}

TEST(Stats, StationaryBootstrapMeanIsUnbiasedAndSeeded) {
    std::vector<double> x(100);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i % 7);
    const StationaryBootstrap sb(x, 5.0);
    Xoshiro256ss g(3), g2(3);
    double sum = 0;
    for (int i = 0; i < 20000; ++i) sum += sb.resample_mean(g);
    EXPECT_NEAR(sum / 20000, mean(x), 0.02);
    // The same seed gives the same resamples.
    Xoshiro256ss a(5), b(5);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(sb.resample_mean(a), sb.resample_mean(b));
    // Block length 1: an ordinary bootstrap, every mean is of 100 draws from x.
    const StationaryBootstrap iid(x, 1.0);
    EXPECT_EQ(iid.block_length(), 1.0);
    const double m = iid.resample_mean(g2);
    EXPECT_GE(m, 0.0);
    EXPECT_LE(m, 6.0);
}

TEST(Stats, BootstrapIntervalRepeatsForTheSeed) {
    Xoshiro256ss g(1);
    const auto b = ar1(60, 0.4, g);
    auto t = ar1(60, 0.4, g);
    for (double& v : t) v += 1.0;
    Xoshiro256ss r1(99), r2(99);
    const auto c1 = bootstrap_diff_ci(b, t, 2000, r1);
    const auto c2 = bootstrap_diff_ci(b, t, 2000, r2);
    EXPECT_EQ(c1.low, c2.low);
    EXPECT_EQ(c1.high, c2.high);
    EXPECT_LT(c1.low, mean(t) - mean(b));
    EXPECT_GT(c1.high, mean(t) - mean(b));
}

TEST(Stats, LongRunVarianceHandWorked) {
    // x = 1 3 2 5 4 6: mean 3.5, deviations -2.5 -0.5 -1.5 1.5 0.5 2.5;
    // r = sum d_t d_{t-1} / sum d_{t-1}^2 = 1.75 / 11.25 = 7/45; the five
    // residuals e_t = d_t - r d_{t-1}, demeaned, have g0 = 1.86173 and
    // g1 = -0.37333 (divided by 5); Bartlett with one lag: g0 + 2 (1/2) g1;
    // recoloured by 1 / (1 - 7/45)^2: exactly 1507/722.
    const std::vector<double> x{1, 3, 2, 5, 4, 6};
    EXPECT_NEAR(long_run_variance(x, 1), 1507.0 / 722.0, 1e-12);
    // Lag 0: the residual variance recoloured, g0 / (38/45)^2.
    EXPECT_NEAR(long_run_variance(x, 0), 1.8617283950617285 * (45.0 * 45.0) / (38.0 * 38.0), 1e-12);
    // Lags beyond the series are capped at n - 2 residual lags.
    EXPECT_EQ(long_run_variance(x, 50), long_run_variance(x, 4));
}

TEST(Stats, LongRunVarianceEdgeCasesAndLargeSamples) {
    EXPECT_EQ(long_run_variance(std::vector<double>(40, 3.0), 3), 0.0);
    // Fewer than 3 values: the plain variance (divided by n).
    EXPECT_DOUBLE_EQ(long_run_variance(std::vector<double>{1.0, 3.0}, 2), 1.0);
    EXPECT_EQ(long_run_variance(std::vector<double>{4.0}, 2), 0.0);
    EXPECT_TRUE(std::isnan(long_run_variance(std::vector<double>{}, 2)));
    // Long AR(1) series with unit innovations: the long-run variance is
    // 1 / (1 - phi)^2 (1 for white noise, 4 at phi 0.5, 0.444 at phi -0.5).
    Xoshiro256ss g(21);
    for (double phi : {0.0, 0.5, -0.5}) {
        const auto x = ar1(200000, phi, g);
        const double expected = 1.0 / ((1 - phi) * (1 - phi));
        EXPECT_NEAR(long_run_variance(x, newey_west_lag(x.size())) / expected, 1.0, 0.03) << "phi " << phi;
    }
    // Shift-invariant, scales with the square.
    auto x = ar1(300, 0.3, g);
    const double v = long_run_variance(x, 4);
    for (double& e : x) e = 420 + 35 * e;
    EXPECT_NEAR(long_run_variance(x, 4), 35 * 35 * v, 1e-9 * 35 * 35 * v);
}

// resample_moments (prefix sums per block, or one pass value by value)
// gives the moments of the very resample resample() draws, and
// series_moments' centred sums are those of the series.
TEST(Stats, ResampleMomentsAreThoseOfTheResample) {
    Xoshiro256ss g(5);
    const auto x = ar1(83, 0.5, g);
    const double shift = mean(x);
    for (double block : {1.0, 2.5, 7.5, 8.0, 13.0, 40.0, 500.0}) {
        const StationaryBootstrap sb(x, block);
        Xoshiro256ss a(21), b(21);
        std::vector<double> y(x.size());
        for (int rep = 0; rep < 100; ++rep) {
            sb.resample(a, y);
            const SeriesMoments want = series_moments(y, shift);
            const SeriesMoments got = sb.resample_moments(b);
            ASSERT_EQ(got.n, want.n);
            EXPECT_NEAR(got.s, want.s, 1e-9) << block;
            EXPECT_NEAR(got.s2, want.s2, 1e-9) << block;
            EXPECT_NEAR(got.l1, want.l1, 1e-9) << block;
            EXPECT_NEAR(got.l2, want.l2, 1e-9) << block;
            EXPECT_NEAR(got.head0, want.head0, 1e-12) << block;
            EXPECT_NEAR(got.head1, want.head1, 1e-12) << block;
            EXPECT_NEAR(got.tail0, want.tail0, 1e-12) << block;
            EXPECT_NEAR(got.tail1, want.tail1, 1e-12) << block;
        }
    }
    // Hand-worked: y = 1 3 2 with shift 0.
    const SeriesMoments m = series_moments(std::vector<double>{1, 3, 2}, 0.0);
    EXPECT_EQ(m.s, 6.0);
    EXPECT_EQ(m.s2, 14.0);
    EXPECT_EQ(m.l1, 3.0 + 6.0);
    EXPECT_EQ(m.l2, 2.0);
    EXPECT_EQ(m.head0, 1.0);
    EXPECT_EQ(m.head1, 3.0);
    EXPECT_EQ(m.tail0, 3.0);
    EXPECT_EQ(m.tail1, 2.0);
}

// The lanes (vector walk where the machine has AVX-512) give, bit for bit,
// the moments of each lane's scalar walk, and leave each generator where the
// scalar walk leaves it; short and long blocks, tiny series included.
TEST(Stats, ResampleMomentsLanesEqualTheScalarWalks) {
    Xoshiro256ss g(12);
    for (std::size_t n : {1u, 2u, 3u, 17u, 365u}) {
        const auto x = ar1(n, 0.4, g);
        for (double block : {1.0, 2.0, 3.7, 7.9, 8.0, 30.0}) {
            const StationaryBootstrap sb(x, block);
            std::array<Xoshiro256ss, bootstrap_lanes> lanes, scalar;
            for (std::size_t k = 0; k < bootstrap_lanes; ++k) lanes[k] = scalar[k] = Xoshiro256ss::for_stream(7, k);
            std::array<SeriesMoments, bootstrap_lanes> got;
            for (int rep = 0; rep < 20; ++rep) {
                sb.resample_moments_lanes(lanes, got);
                for (std::size_t k = 0; k < bootstrap_lanes; ++k) {
                    const SeriesMoments want = sb.resample_moments(scalar[k]);
                    ASSERT_EQ(got[k].n, want.n);
                    ASSERT_EQ(got[k].shift, want.shift);
                    ASSERT_EQ(got[k].s, want.s) << n << " " << block << " lane " << k;
                    ASSERT_EQ(got[k].s2, want.s2) << n << " " << block;
                    ASSERT_EQ(got[k].l1, want.l1) << n << " " << block;
                    ASSERT_EQ(got[k].l2, want.l2) << n << " " << block;
                    ASSERT_EQ(got[k].head0, want.head0) << n << " " << block;
                    ASSERT_EQ(got[k].head1, want.head1) << n << " " << block;
                    ASSERT_EQ(got[k].tail0, want.tail0) << n << " " << block;
                    ASSERT_EQ(got[k].tail1, want.tail1) << n << " " << block;
                    ASSERT_EQ(lanes[k].state(), scalar[k].state());
                }
            }
            // Forcing the scalar path gives the same again.
            std::array<Xoshiro256ss, bootstrap_lanes> a, b;
            for (std::size_t k = 0; k < bootstrap_lanes; ++k) a[k] = b[k] = Xoshiro256ss::for_stream(9, k);
            std::array<SeriesMoments, bootstrap_lanes> va, vb;
            sb.resample_moments_lanes(a, va, true);
            sb.resample_moments_lanes(b, vb, false);
            for (std::size_t k = 0; k < bootstrap_lanes; ++k) {
                ASSERT_EQ(va[k].s, vb[k].s);
                ASSERT_EQ(va[k].l2, vb[k].l2);
            }
        }
    }
    std::cout << "[ INFO     ] bootstrap lanes: " << StationaryBootstrap::lanes_isa() << "\n";
}

TEST(Stats, ResampledSeriesIsTheResampledMeanAndCircularRuns) {
    std::vector<double> x(97);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
    // Below 8 the resample walks value by value; from 8 it copies blocks.
    for (double block : {1.0, 3.0, 7.5, 8.0, 20.0, 200.0}) {
        const StationaryBootstrap sb(x, block);
        Xoshiro256ss a(17), b(17);
        std::vector<double> y(x.size());
        std::size_t runs = 0;
        for (int rep = 0; rep < 200; ++rep) {
            sb.resample(a, y);
            double sum = 0;
            for (double v : y) sum += v;
            EXPECT_NEAR(sum / static_cast<double>(y.size()), sb.resample_mean(b), 1e-9) << "block " << block;
            // Every value comes from x; a value either continues the previous
            // one circularly or starts a new block.
            for (std::size_t i = 0; i < y.size(); ++i) {
                ASSERT_EQ(y[i], std::floor(y[i]));
                ASSERT_GE(y[i], 0.0);
                ASSERT_LT(y[i], 97.0);
                if (i == 0 || y[i] != std::fmod(y[i - 1] + 1.0, 97.0)) ++runs;
            }
        }
        if (block == 1.0) {
            // Every value is a fresh start: uniform over the 97 positions
            // (chi-square with 96 df; 140 is its 0.999 quantile).
            std::vector<double> count(97, 0.0);
            Xoshiro256ss c(23);
            for (int rep = 0; rep < 400; ++rep) {
                sb.resample(c, y);
                for (double v : y) count[static_cast<std::size_t>(v)] += 1;
            }
            double chi2 = 0;
            for (double k : count) chi2 += (k - 400.0) * (k - 400.0) / 400.0;
            EXPECT_LT(chi2, 140.0);
        }
        // Mean run length near the block length (runs can also join by
        // chance; long blocks are cut at the end of the resample).
        const double mean_run = 200.0 * 97.0 / static_cast<double>(runs);
        if (block <= 8.0) EXPECT_NEAR(mean_run / block, 1.0, 0.15) << "block " << block;
        else EXPECT_GT(mean_run, std::min(0.6 * block, 40.0)) << "block " << block;
    }
}

TEST(Stats, StudentisedIntervalScalesWithTheEstimatorsStandardError) {
    Xoshiro256ss g(8);
    const auto b = ar1(120, 0.3, g);
    auto t = ar1(120, 0.3, g);
    for (double& v : t) v += 0.5;
    Xoshiro256ss r(4);
    const auto ci = bootstrap_diff_ci(b, t, 4000, r);
    // The same standard error as the verdict's estimator.
    const double se = diff_of_means_test(b, t).se;
    EXPECT_NEAR(ci.se, se, 1e-12 * se);
    // Roughly diff -+ 1.96 se (the bootstrap-t quantiles are near normal
    // here), and wider than the plain sd-based interval that ignores the
    // correlation.
    const double diff = mean(t) - mean(b);
    EXPECT_NEAR((ci.high - ci.low) / (2 * 1.96 * se), 1.0, 0.2);
    EXPECT_LT(ci.low, diff);
    EXPECT_GT(ci.high, diff);
    const double naive = std::sqrt(sample_sd(b) * sample_sd(b) / 120 + sample_sd(t) * sample_sd(t) / 120);
    EXPECT_GT(ci.high - ci.low, 2 * 1.96 * naive);
    // Affine: shifting the treatment period moves the interval by the shift;
    // scaling both periods scales it.
    auto t2 = t;
    for (double& v : t2) v += 10;
    Xoshiro256ss r2(4);
    const auto ci2 = bootstrap_diff_ci(b, t2, 4000, r2);
    EXPECT_NEAR(ci2.low, ci.low + 10, 1e-9);
    EXPECT_NEAR(ci2.high, ci.high + 10, 1e-9);
    auto b3 = b, t3 = t;
    for (double& v : b3) v *= 60;
    for (double& v : t3) v *= 60;
    Xoshiro256ss r3(4);
    const auto ci3 = bootstrap_diff_ci(b3, t3, 4000, r3);
    EXPECT_NEAR(ci3.low, 60 * ci.low, 1e-7);
    EXPECT_NEAR(ci3.high, 60 * ci.high, 1e-7);
    // Both periods constant: the interval is the difference itself.
    Xoshiro256ss r4(4);
    const auto flat = bootstrap_diff_ci(std::vector<double>(30, 2.0), std::vector<double>(30, 5.0), 500, r4);
    EXPECT_EQ(flat.low, 3.0);
    EXPECT_EQ(flat.high, 3.0);
}
