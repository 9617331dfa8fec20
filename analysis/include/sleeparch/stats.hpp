// Statistics for the before/after comparison (METRICS.md §5): descriptive
// helpers, Hedges' g, Holm adjustment, distributions (Boost.Math), OLS with
// Newey–West errors (Eigen), the Politis–White block length and the
// stationary bootstrap of a difference of means.
//
// The descriptive helpers take finite values only (callers drop NaN first)
// and return NaN when the statistic is undefined (sd of fewer than 2 values).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

namespace sleeparch {

class Xoshiro256ss;

double mean(std::span<const double> x);
// Sample standard deviation (n - 1).
double sample_sd(std::span<const double> x);
double median(std::span<const double> x);
// Quantile with linear interpolation between order statistics (numpy's
// default, Hyndman & Fan type 7); q in [0, 1].
double quantile(std::span<const double> x, double q);
// Quantile of values already sorted ascending.
double quantile_sorted(std::span<const double> sorted, double q);
// Lag-1 autocorrelation as the ACF estimates it:
// sum (x_t - m)(x_{t+1} - m) / sum (x_t - m)^2. NaN for n < 3 or constant x.
double lag1_autocorrelation(std::span<const double> x);

// Hedges' g of (treatment - baseline): Cohen's d with the pooled SD times
// J = 1 - 3 / (4 (n_b + n_t) - 9). NaN when n_b + n_t < 3 or the pooled SD is 0.
double hedges_g(double mean_b, double sd_b, std::size_t n_b, double mean_t, double sd_t,
                std::size_t n_t);

// Holm's step-down adjustment: sort p ascending, p_(i) * (m - i + 1) made
// monotone non-decreasing and capped at 1; returned in input order. NaN
// entries stay NaN and do not count in m.
std::vector<double> holm_adjust(std::span<const double> p);

double normal_cdf(double z);
double normal_quantile(double p);
double student_t_cdf(double t, double df);
// Two-sided p-value of a t statistic with `df` degrees of freedom.
double two_sided_p_t(double t, double df);

// Newey–West lag rule of thumb floor(4 (n / 100)^(2/9)) (METRICS.md §5.4).
int newey_west_lag(std::size_t n);

// OLS with Newey–West (Bartlett kernel) HAC covariance.
//
// Convention (matches statsmodels
// `OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": L, "use_correction": True}, use_t=True)`):
// cov = (X'X)^-1 S (X'X)^-1 * n / (n - k), S = sum over lags l = -L..L of
// (1 - |l| / (L + 1)) * sum_t x_t u_t u_{t-l} x_{t-l}'; p-values from Student's
// t with n - k degrees of freedom. The small-sample factor and the t
// reference make the test a little more conservative for the short series
// one person has.
struct OlsHacResult {
    Eigen::VectorXd beta;
    Eigen::VectorXd se;
    Eigen::VectorXd t;
    Eigen::VectorXd p;
    Eigen::MatrixXd cov;
    std::size_t n = 0;
    int maxlags = 0;
    double df = 0;  // n - k
    bool ok = false;  // false when X is rank deficient or n <= k
};
OlsHacResult ols_hac(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int maxlags);

// Expected block length for the stationary bootstrap: Politis & White (2004)
// with the Patton, Politis & White (2009) correction, flat-top lag window and
// automatic bandwidth, computed as arch.bootstrap.optimal_block_length
// (arch 8) does: m is the first lag from which K_n = max(5, floor(log10 n))
// absolute autocorrelations all stay below 2 sqrt(log10 n / n); M = 2 max(m, 1),
// or ceil(sqrt n) + K_n when there is no such lag; b = (2 G^2 / D_SB)^(1/3)
// n^(1/3), capped at ceil(min(3 sqrt n, n / 3)). Floored at 1 (a block length
// of 1 is the ordinary bootstrap), where arch may return less.
double optimal_block_length(std::span<const double> x);

// Long-run variance of a series (the variance of sqrt(n) times its mean):
// AR(1) prewhitening then the Newey–West Bartlett kernel with `lags` lags,
// recoloured (Andrews & Monahan 1992). With d_t = x_t - mean(x),
// r = sum d_t d_{t-1} / sum d_{t-1}^2 capped at +-0.97, e_t = d_t - r d_{t-1}
// (t = 1..n-1), returns LRV_Bartlett(e) / (1 - r)^2, where LRV_Bartlett(e) =
// g_0 + 2 sum_{l=1..L} (1 - l / (L + 1)) g_l with g_l = sum (e_t - e_bar)
// (e_{t-l} - e_bar) / (n - 1) and L = min(lags, n - 2). Prewhitening removes
// most of the kernel's downward bias for the positively correlated series
// nightly metrics are. Series of fewer than 3 values get the plain variance
// (divided by n); a constant series gives 0.
double long_run_variance(std::span<const double> x, int lags);

// Stationary bootstrap (Politis & Romano 1994) of one series: blocks start at
// uniform positions, have geometric lengths with mean `block_length`, wrap
// circularly, and are joined until n values are drawn.
// resample_mean sums long blocks from prefix sums (O(n / block_length) per
// resample); short blocks are walked value by value without branches.
// resample writes the resampled series itself; from the same generator state
// it draws the same resample as resample_mean.
// The object is read-only after construction; share it across threads and
// give each thread its own generator.
// The sums of a series y = x - shift that diff_of_means_test's variance
// needs: n, sum y, sum y^2, the lag-1 and lag-2 products, and the first and
// last two values (for centring the lag products on the series' own mean).
struct SeriesMoments {
    std::size_t n = 0;
    double shift = 0;
    double s = 0, s2 = 0, l1 = 0, l2 = 0;
    double head0 = 0, head1 = 0, tail0 = 0, tail1 = 0;  // y_0, y_1, y_{n-2}, y_{n-1}
    double mean() const { return shift + s / static_cast<double>(n); }
};
SeriesMoments series_moments(std::span<const double> x, double shift);

// Resamples drawn side by side by resample_moments_lanes: one generator each.
inline constexpr std::size_t bootstrap_lanes = 8;

class StationaryBootstrap {
public:
    StationaryBootstrap(std::span<const double> x, double block_length);
    double resample_mean(Xoshiro256ss& rng) const;
    // The moments of one resample (shift: the series' own mean), from prefix
    // sums per block: O(blocks), the same resample as resample() draws.
    SeriesMoments resample_moments(Xoshiro256ss& rng) const;
    // bootstrap_lanes resamples at once, lane k drawn from lanes[k]: the
    // moments equal, bit for bit, those resample_moments(lanes[k]) gives, and
    // each generator ends where it would. With short blocks the eight walks
    // run in the lanes of one AVX-512 vector (two AVX2 vectors without it),
    // unless allow_simd is false or SLEEPARCH_BOOTSTRAP_SIMD=0
    // (SLEEPARCH_BOOTSTRAP_SIMD=avx2: AVX2 even where AVX-512 exists).
    void resample_moments_lanes(std::span<Xoshiro256ss, bootstrap_lanes> lanes,
                                std::span<SeriesMoments, bootstrap_lanes> out, bool allow_simd = true) const;
    // The walk resample_moments_lanes uses on this machine for short
    // blocks: "avx512", "avx2" or "scalar".
    static std::string_view lanes_isa();
    // `out` must hold size() values.
    void resample(Xoshiro256ss& rng, std::span<double> out) const;
    std::size_t size() const { return n_; }
    double block_length() const { return block_length_; }

private:
    template <class Value, class Block>
    void walk(Xoshiro256ss& rng, Value&& value, Block&& block) const;

    std::size_t n_ = 0;
    double block_length_ = 1;
    double log_continue_ = 0;   // log(1 - 1 / block_length), 0 when blocks are single values
    std::vector<double> prefix_;  // prefix sums over x repeated twice
    // P(L > k) = (1 - p)^k as 64-bit thresholds for k = 1..size: a block
    // length is 1 + the number of thresholds above one random word, so most
    // blocks need no logarithm (the tail beyond the table uses one).
    std::vector<std::uint64_t> continue_thresholds_;
    // Short blocks: 32 random bits u per value (the halves of one word per
    // two values, low half first). u < new_block_below_ (probability
    // 1/block_length to 2^-32) starts a new block, at u * n / below in fixed
    // point: min(u * jump_scale_ >> 44, n - 1), a uniform start to 1e-6;
    // the first start is floor(hi * n / 2^32) of a word of its own.
    // Branch-free, so cheaper than a block sum, and the same integer steps in
    // a vector lane as in a scalar loop.
    bool per_value_ = false;
    std::uint64_t new_block_below_ = 0;
    std::uint64_t jump_scale_ = 0;
    std::vector<double> values_;
    // For resample_moments, over y = x - mean(x) repeated twice: prefix sums
    // of y, y^2, y_j y_{j-1} and y_j y_{j-2}, and y itself.
    double shift_ = 0;
    std::vector<double> c0_, c2_, r1_, r2_, centred_;
};

// Confidence interval of diff = mean(t) - mean(b): a studentised (bootstrap-t)
// stationary bootstrap. The comparison shows it in its sensitivity block (a
// resampling check of diff_of_means_test's interval, with the same standard
// error); it is not the verdict's estimator. Each period is resampled with
// its own automatic block length; se is diff_of_means_test's.
// For every resample, t* = (diff* - diff) / se*, se* computed the same way
// from the resampled series (floored at se / 10 so that a resample that
// happens to be nearly constant cannot blow the interval up); the interval is
// [diff - q*(1 - a/2) se, diff - q*(a/2) se] with q* the quantiles of t*
// (numpy's linear rule). The percentile interval of diff* would undercover:
// the stationary bootstrap's variance is biased low for short autocorrelated
// series (about 0.89 coverage for a nominal 0.95 at 120 nights and
// lag-1 autocorrelation 0.3). `B` resamples.
struct BootstrapInterval {
    double low, high;
    double block_baseline, block_treatment;
    double se;  // the standard error of diff used to scale the interval
};
BootstrapInterval bootstrap_diff_ci(std::span<const double> baseline,
                                    std::span<const double> treatment, std::size_t B,
                                    Xoshiro256ss& rng, double level = 0.95);

// The comparison's one estimator of diff = mean(t) - mean(b) (METRICS.md
// §5.4). Per period, an AR(1) plug-in long-run variance with small-sample
// corrections:
//   r  = lag1_autocorrelation(x), bias-corrected r_c = r + (1 + 4 r) / n
//        (the first-order bias of the ACF estimate with an estimated mean),
//        clamped to [-0.5, 0.9];
//   f  = (1 + r_c) / (1 - r_c) - 2 r_c (1 - r_c^n) / (n (1 - r_c)^2)
//        (n Var(mean) / sigma^2 of an AR(1) series of length n);
//   Var(mean) = s^2 (n - 1) / (n - f) * f / n (s^2 is biased low by
//        (n - f) / (n - 1) for such a series);
//   effective size n / f, so df_period = max(n / f - 1, 1).
// se = sqrt(Var_b + Var_t); df by Welch–Satterthwaite from the two periods;
// CI = diff -+ t_{df, 1 - a/2} se; p two-sided from t = diff / se on df;
// MDE = (t_{df, .975} + t_{df, .80}) se, which is 2.80 se for large df. So
// p < 0.05 exactly when the 95 % CI excludes 0.
// A nightly metric is often a persistent latent state plus night-to-night
// measurement noise: its lag-1 autocorrelation understates the persistence,
// and the AR(1) extrapolation above understates Var(mean) (a 5 % test
// rejects ~9 % at persistence 0.6 with half the variance noise, at any n).
// So a second, decay-aware variance is computed, pooled over both periods
// (each centred on its own mean): gamma_0..2, phi = clamp(gamma_2 / gamma_1,
// 0, 0.9), LRV = max(gamma_0 + 2 max(gamma_1, 0) / (1 - phi), gamma_0 / 2),
// each gamma_k raised by 2 LRV / (n_b + n_t) for the centring bias (three
// fixed-point steps); Var = LRV (1/n_b + 1/n_t), df = max(n / f - 2, 2)
// with f = LRV / gamma_0. The larger of the two variances is used, with its
// own df. On Gaussian AR(1) series and AR(1) + noise (phi 0 to 0.6, 14 to
// 120 nights per period, 20,000 pairs per cell) the 5 % test rejects in
// 3.0 to 5.0 % for pure AR(1) and up to 6.8 % at 14 nights with half noise
// (the AR(1) variance alone: 5.1 to 9.3 %).
// Periods of fewer than 2 values give NaN.
struct DiffTest {
    double diff, se, df, ci_low, ci_high, p, mde;
    double rho_baseline, rho_treatment;  // r_c of each period
};
DiffTest diff_of_means_test(std::span<const double> baseline, std::span<const double> treatment,
                            double level = 0.95);

// Student t quantile (NaN for df <= 0).
double student_t_quantile(double q, double df);

}  // namespace sleeparch
