#include "sleeparch/stats.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include <cstdlib>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "sleeparch/random.hpp"

namespace sleeparch {

namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
// Below this expected block length a resample walks value by value.
constexpr double per_value_below_block = 8.0;
// A start in [0, n) from the high 32 bits of a random word (32.32 fixed point).
inline std::size_t per_value_start(std::uint64_t r, std::size_t n) {
    return static_cast<std::size_t>(((r >> 32) * static_cast<std::uint64_t>(n)) >> 32);
}
// Andrews & Monahan's cap on the prewhitening coefficient.
constexpr double max_prewhitening = 0.97;

// Sum of e[t] * e[t - l] for t in [l, n), as eight interleaved partial sums
// (two-lane vectors where SSE2 exists, the same additions in the same order
// without it, so results do not depend on the instruction set).
inline double lagged_products(const double* e, std::size_t n, std::size_t l) {
    std::size_t t = l;
#if defined(__SSE2__)
    __m128d v0 = _mm_setzero_pd(), v1 = v0, v2 = v0, v3 = v0;
    for (; t + 8 <= n; t += 8) {
        v0 = _mm_add_pd(v0, _mm_mul_pd(_mm_loadu_pd(e + t), _mm_loadu_pd(e + t - l)));
        v1 = _mm_add_pd(v1, _mm_mul_pd(_mm_loadu_pd(e + t + 2), _mm_loadu_pd(e + t + 2 - l)));
        v2 = _mm_add_pd(v2, _mm_mul_pd(_mm_loadu_pd(e + t + 4), _mm_loadu_pd(e + t + 4 - l)));
        v3 = _mm_add_pd(v3, _mm_mul_pd(_mm_loadu_pd(e + t + 6), _mm_loadu_pd(e + t + 6 - l)));
    }
    alignas(16) double s[8];
    _mm_store_pd(s, v0);
    _mm_store_pd(s + 2, v1);
    _mm_store_pd(s + 4, v2);
    _mm_store_pd(s + 6, v3);
#else
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (; t + 8 <= n; t += 8)
        for (std::size_t j = 0; j < 8; ++j) s[j] += e[t + j] * e[t + j - l];
#endif
    for (std::size_t j = 0; t < n; ++t, ++j) s[j] += e[t] * e[t - l];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

struct MeanAndLrv {
    double mean, lrv;
};

// long_run_variance on n values, with their mean; `e` is scratch for n values.
MeanAndLrv long_run_variance_into(const double* x, std::size_t n, int lags, double* e) {
    if (n == 0) return {nan_v, nan_v};
    double p[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t j = 0; j < 4; ++j) p[j] += x[i + j];
    for (std::size_t j = 0; i < n; ++i, ++j) p[j] += x[i];
    const double m = ((p[0] + p[1]) + (p[2] + p[3])) / static_cast<double>(n);
    if (n < 3) {
        double v = 0;
        for (std::size_t i = 0; i < n; ++i) v += (x[i] - m) * (x[i] - m);
        return {m, v / static_cast<double>(n)};
    }
    double num2[2] = {0, 0}, den2[2] = {0, 0};
    std::size_t t = 1;
    for (; t + 2 <= n; t += 2)
        for (std::size_t j = 0; j < 2; ++j) {
            const double a = x[t + j] - m, b = x[t + j - 1] - m;
            num2[j] += a * b;
            den2[j] += b * b;
        }
    if (t < n) {
        const double a = x[t] - m, b = x[t - 1] - m;
        num2[0] += a * b;
        den2[0] += b * b;
    }
    const double num = num2[0] + num2[1], den = den2[0] + den2[1];
    if (!(den > 0)) return {m, 0.0};
    const double r = std::clamp(num / den, -max_prewhitening, max_prewhitening);
    const std::size_t ne = n - 1;
    // The deviations sum to 0, so the residuals' mean is
    // (sum_{t>=1} d_t - r sum_{t<=n-2} d_t) / (n - 1) = (r d_{n-1} - d_0) / (n - 1).
    const double em = (r * (x[n - 1] - m) - (x[0] - m)) / static_cast<double>(ne);
    const double shift = m - r * m + em;  // e_t = x_t - r x_{t-1} - shift
    for (t = 1; t < n; ++t) e[t - 1] = x[t] - r * x[t - 1] - shift;
    const std::size_t L = std::min<std::size_t>(static_cast<std::size_t>(std::max(lags, 0)), ne - 1);
    double lr = lagged_products(e, ne, 0);
    for (std::size_t l = 1; l <= L; ++l)
        lr += 2.0 * (1.0 - static_cast<double>(l) / static_cast<double>(L + 1)) * lagged_products(e, ne, l);
    lr /= static_cast<double>(ne);
    // The Bartlett kernel keeps the estimate non-negative; rounding may not.
    return {m, std::max(lr, 0.0) / ((1.0 - r) * (1.0 - r))};
}
}  // namespace

double long_run_variance(std::span<const double> x, int lags) {
    std::vector<double> scratch(x.size());
    return long_run_variance_into(x.data(), x.size(), lags, scratch.data()).lrv;
}


double mean(std::span<const double> x) {
    if (x.empty()) return nan_v;
    double s = 0;
    for (double v : x) s += v;
    return s / static_cast<double>(x.size());
}

double sample_sd(std::span<const double> x) {
    if (x.size() < 2) return nan_v;
    const double m = mean(x);
    double ss = 0;
    for (double v : x) ss += (v - m) * (v - m);
    return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

double quantile_sorted(std::span<const double> sorted, double q) {
    if (sorted.empty() || !(q >= 0.0 && q <= 1.0)) return nan_v;
    const double h = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double quantile(std::span<const double> x, double q) {
    std::vector<double> v(x.begin(), x.end());
    std::sort(v.begin(), v.end());
    return quantile_sorted(v, q);
}

double median(std::span<const double> x) { return quantile(x, 0.5); }

double lag1_autocorrelation(std::span<const double> x) {
    if (x.size() < 3) return nan_v;
    const double m = mean(x);
    double num = 0, den = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        den += (x[i] - m) * (x[i] - m);
        if (i + 1 < x.size()) num += (x[i] - m) * (x[i + 1] - m);
    }
    if (den <= 0) return nan_v;
    return num / den;
}

double hedges_g(double mean_b, double sd_b, std::size_t n_b, double mean_t, double sd_t,
                std::size_t n_t) {
    const double n = static_cast<double>(n_b + n_t);
    if (n_b < 1 || n_t < 1 || n < 3) return nan_v;
    const double vb = n_b > 1 ? sd_b * sd_b * static_cast<double>(n_b - 1) : 0.0;
    const double vt = n_t > 1 ? sd_t * sd_t * static_cast<double>(n_t - 1) : 0.0;
    const double pooled = std::sqrt((vb + vt) / (n - 2));
    if (!(pooled > 0) || !std::isfinite(pooled)) return nan_v;
    const double d = (mean_t - mean_b) / pooled;
    return d * (1.0 - 3.0 / (4.0 * n - 9.0));
}

std::vector<double> holm_adjust(std::span<const double> p) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (!std::isnan(p[i])) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
    std::vector<double> out(p.size(), nan_v);
    const std::size_t m = idx.size();
    double running = 0;
    for (std::size_t r = 0; r < m; ++r) {
        const double adj = std::min(1.0, p[idx[r]] * static_cast<double>(m - r));
        running = std::max(running, adj);
        out[idx[r]] = running;
    }
    return out;
}

double normal_cdf(double z) {
    if (std::isnan(z)) return nan_v;
    if (std::isinf(z)) return z > 0 ? 1.0 : 0.0;
    return boost::math::cdf(boost::math::normal_distribution<double>(), z);
}

double normal_quantile(double p) {
    if (!(p > 0 && p < 1)) return nan_v;
    return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

double student_t_cdf(double t, double df) {
    if (std::isnan(t) || !(df > 0)) return nan_v;
    if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
    return boost::math::cdf(boost::math::students_t_distribution<double>(df), t);
}

double two_sided_p_t(double t, double df) {
    if (std::isnan(t) || !(df > 0)) return nan_v;
    if (std::isinf(t)) return 0.0;
    return 2.0 * boost::math::cdf(boost::math::complement(
                     boost::math::students_t_distribution<double>(df), std::fabs(t)));
}

int newey_west_lag(std::size_t n) {
    return static_cast<int>(std::floor(4.0 * std::pow(static_cast<double>(n) / 100.0, 2.0 / 9.0)));
}

OlsHacResult ols_hac(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int maxlags) {
    OlsHacResult r;
    const auto n = static_cast<std::size_t>(X.rows());
    const auto k = static_cast<std::size_t>(X.cols());
    r.n = n;
    r.maxlags = maxlags;
    if (n <= k || static_cast<std::size_t>(y.size()) != n || k == 0) return r;
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    if (static_cast<std::size_t>(qr.rank()) < k) return r;
    r.beta = qr.solve(y);
    const Eigen::VectorXd u = y - X * r.beta;
    const Eigen::MatrixXd xtx_inv = (X.transpose() * X).inverse();
    // Scores x_t u_t, one row per observation.
    const Eigen::MatrixXd xu = X.array().colwise() * u.array();
    Eigen::MatrixXd S = xu.transpose() * xu;
    const int L = std::max(0, std::min<int>(maxlags, static_cast<int>(n) - 1));
    for (int l = 1; l <= L; ++l) {
        const double w = 1.0 - static_cast<double>(l) / static_cast<double>(L + 1);
        const auto rows = static_cast<Eigen::Index>(n) - l;
        const Eigen::MatrixXd g = xu.bottomRows(rows).transpose() * xu.topRows(rows);
        S += w * (g + g.transpose());
    }
    r.df = static_cast<double>(n - k);
    r.cov = xtx_inv * S * xtx_inv * (static_cast<double>(n) / r.df);
    r.se = r.cov.diagonal().cwiseMax(0.0).cwiseSqrt();
    r.t = r.beta.cwiseQuotient(r.se);
    r.p.resize(static_cast<Eigen::Index>(k));
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(k); ++i)
        r.p(i) = r.se(i) > 0 ? two_sided_p_t(r.t(i), r.df) : nan_v;
    r.ok = true;
    return r;
}

double optimal_block_length(std::span<const double> x) {
    const std::size_t n = x.size();
    if (n < 8) return 1.0;
    const double nd = static_cast<double>(n);
    const double m0 = mean(x);
    std::vector<double> e(n);
    for (std::size_t i = 0; i < n; ++i) e[i] = x[i] - m0;

    const int kn = std::max(5, static_cast<int>(std::log10(nd)));
    const int mmax = std::min(static_cast<int>(std::ceil(std::sqrt(nd))) + kn, static_cast<int>(n) - 2);
    const double bmax = std::ceil(std::min(3.0 * std::sqrt(nd), nd / 3.0));
    const double cv = 2.0 * std::sqrt(std::log10(nd) / nd);

    // Autocovariances (1/n) and absolute autocorrelations, the latter each
    // normalised by the two overlapping sums of squares (arch's estimator).
    std::vector<double> acv(static_cast<std::size_t>(mmax) + 1, 0.0);
    std::vector<double> acorr(static_cast<std::size_t>(mmax) + 1, 0.0);
    int opt_m = -1;
    for (int i = 0; i <= mmax; ++i) {
        const auto iu = static_cast<std::size_t>(i);
        double v1 = 0, v2 = 0, cross = 0;
        for (std::size_t t = iu + 1; t < n; ++t) v1 += e[t] * e[t];
        for (std::size_t t = 0; t + iu + 1 < n; ++t) v2 += e[t] * e[t];
        for (std::size_t t = iu; t < n; ++t) cross += e[t] * e[t - iu];
        acv[iu] = cross / nd;
        acorr[iu] = (v1 > 0 && v2 > 0) ? std::fabs(cross) / std::sqrt(v1 * v2) : 0.0;
        if (i >= kn && opt_m < 0) {
            bool quiet = true;
            for (int j = i - kn; j < i && quiet; ++j) quiet = acorr[static_cast<std::size_t>(j)] < cv;
            if (quiet) opt_m = i - kn;
        }
    }
    if (!(acv[0] > 0)) return 1.0;
    int M = opt_m >= 0 ? 2 * std::max(opt_m, 1) : mmax;
    M = std::min(M, mmax);

    double g = 0, lr = acv[0];
    for (int k = 1; k <= M; ++k) {
        const double s = static_cast<double>(k) / M;
        const double w = s <= 0.5 ? 1.0 : 2.0 * (1.0 - s);
        g += 2.0 * w * k * acv[static_cast<std::size_t>(k)];
        lr += 2.0 * w * acv[static_cast<std::size_t>(k)];
    }
    const double d_sb = 2.0 * lr * lr;
    if (!(d_sb > 0)) return 1.0;
    const double b = std::cbrt(2.0 * g * g / d_sb) * std::cbrt(nd);
    if (!std::isfinite(b)) return 1.0;
    return std::clamp(b, 1.0, std::max(1.0, bmax));
}

StationaryBootstrap::StationaryBootstrap(std::span<const double> x, double block_length)
    : n_(x.size()), block_length_(std::max(1.0, block_length)) {
    prefix_.assign(2 * n_ + 1, 0.0);
    for (std::size_t i = 0; i < 2 * n_; ++i) prefix_[i + 1] = prefix_[i] + x[i % n_];
    const double p = 1.0 / block_length_;
    log_continue_ = p >= 1.0 ? 0.0 : std::log1p(-p);
    // The per-value walk's 32-bit arithmetic holds for n < 2^17.
    per_value_ = block_length_ < per_value_below_block && n_ > 0 && n_ < (std::size_t{1} << 17);
    values_.assign(x.begin(), x.end());
    shift_ = mean(x);
    c0_.assign(2 * n_ + 1, 0.0);
    c2_.assign(2 * n_ + 1, 0.0);
    r1_.assign(2 * n_ + 1, 0.0);
    r2_.assign(2 * n_ + 1, 0.0);
    centred_.resize(2 * n_);
    for (std::size_t i = 0; i < 2 * n_; ++i) centred_[i] = x[i % n_] - shift_;
    for (std::size_t i = 0; i < 2 * n_; ++i) {
        const double y = centred_[i];
        c0_[i + 1] = c0_[i] + y;
        c2_[i + 1] = c2_[i] + y * y;
        r1_[i + 1] = r1_[i] + (i >= 1 ? y * centred_[i - 1] : 0.0);
        r2_[i + 1] = r2_[i] + (i >= 2 ? y * centred_[i - 2] : 0.0);
    }
    if (per_value_) {
        // p * 2^32 rounded; 2^32 (every value starts a block) when p is 1.
        new_block_below_ = static_cast<std::uint64_t>(std::llround(std::ldexp(p, 32)));
        // ceil(n 2^44 / below): below >= 2^29 keeps it under 2^32, and
        // u * scale (u < below) under 2^64.
        const unsigned __int128 num = static_cast<unsigned __int128>(n_) << 44;
        jump_scale_ = static_cast<std::uint64_t>((num + new_block_below_ - 1) / new_block_below_);
        return;
    }
    if (log_continue_ < 0) {
        // Enough thresholds that the log-based tail is needed with
        // probability below 1e-4; at most one per value.
        const double q = 1.0 - p;
        const auto k_max = static_cast<std::size_t>(std::min<double>(
            std::ceil(std::log(1e-4) / log_continue_), static_cast<double>(std::max<std::size_t>(n_, 1))));
        double tail = 1.0;
        for (std::size_t k = 1; k <= k_max; ++k) {
            tail *= q;
            continue_thresholds_.push_back(static_cast<std::uint64_t>(std::ldexp(tail, 64) >= 0x1p64
                                                                          ? 0xFFFFFFFFFFFFF800ULL
                                                                          : std::ldexp(tail, 64)));
        }
    }
}

// One resample: calls value(i) for each value drawn one at a time (short
// blocks), or block(start, len) for a run of len values from start, which may
// wrap past the end of the series (long blocks).
template <class Value, class Block>
void StationaryBootstrap::walk(Xoshiro256ss& rng, Value&& value, Block&& block) const {
    if (per_value_) {
        // Locals, so that the generator's state and the bounds stay in
        // registers instead of being stored back every value.
        Xoshiro256ss g = rng;
        const std::size_t n = n_;
        const std::uint64_t below = new_block_below_, scale = jump_scale_;
        std::size_t idx = per_value_start(g.next(), n);
        std::uint64_t word = 0;
        for (std::size_t i = 0; i < n; ++i) {
            value(idx);
            if ((i & 1) == 0) word = g.next();
            const std::uint64_t u = (i & 1) != 0 ? word >> 32 : word & 0xFFFFFFFFULL;
            const auto jump = static_cast<std::size_t>(std::min((u * scale) >> 44, std::uint64_t{n - 1}));
            std::size_t next = idx + 1;
            next = next == n ? 0 : next;
            // Selects, not branches: a branch here would be mispredicted at
            // every block start.
            idx = u < below ? jump : next;
        }
        rng = g;
        return;
    }
    std::size_t filled = 0;
    const std::uint64_t* thr = continue_thresholds_.data();
    const std::size_t k_max = continue_thresholds_.size();
    while (filled < n_) {
        const auto start = static_cast<std::size_t>(rng.bounded(n_));
        // Geometric length: P(L > k) = (1 - p)^k.
        std::size_t len = 1;
        if (k_max > 0) {
            const std::uint64_t r = rng.next();
            while (len <= k_max && r < thr[len - 1]) ++len;
            if (len > k_max) {
                // Beyond the table: memoryless, so add a fresh geometric draw.
                const double extra = std::floor(std::log(rng.uniform_open0()) / log_continue_);
                len += extra < static_cast<double>(n_) ? static_cast<std::size_t>(extra) : n_;
            }
        }
        len = std::min(len, n_ - filled);
        block(start, len);
        filled += len;
    }
}

void StationaryBootstrap::resample(Xoshiro256ss& rng, std::span<double> out) const {
    if (n_ == 0) return;
    const double* x = values_.data();
    double* y = out.data();
    walk(
        rng, [&](std::size_t idx) { *y++ = x[idx]; },
        [&](std::size_t start, std::size_t len) {
            // The block wraps around the end of the series at most once.
            const std::size_t first = std::min(len, n_ - start);
            y = std::copy_n(x + start, first, y);
            y = std::copy_n(x, len - first, y);
        });
}

SeriesMoments series_moments(std::span<const double> x, double shift) {
    SeriesMoments m;
    m.n = x.size();
    m.shift = shift;
    double last = 0, prev = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double y = x[i] - shift;
        m.s += y;
        m.s2 += y * y;
        m.l1 += y * last;
        m.l2 += y * prev;
        prev = last;
        last = y;
        if (i == 0) m.head0 = y;
        if (i == 1) m.head1 = y;
    }
    m.tail1 = last;
    m.tail0 = prev;
    return m;
}

SeriesMoments StationaryBootstrap::resample_moments(Xoshiro256ss& rng) const {
    SeriesMoments m;
    m.n = n_;
    m.shift = shift_;
    if (n_ == 0) return m;
    const double* y = centred_.data();
    double s = 0, s2 = 0, l1 = 0, l2 = 0, last = 0, prev = 0;
    std::size_t count = 0;
    double head0 = 0, head1 = 0;
    walk(
        rng,
        [&](std::size_t idx) {
            // Products with the zero-initialised last/prev add nothing for
            // the first two values, as in series_moments.
            const double v = y[idx];
            s += v;
            s2 += v * v;
            l1 += v * last;
            l2 += v * prev;
            prev = last;
            last = v;
            if (count < 2) (count == 0 ? head0 : head1) = v;
            ++count;
        },
        [&](std::size_t a, std::size_t len) {
            const std::size_t b = a + len;  // a < n and len <= n: inside the doubled series
            s += c0_[b] - c0_[a];
            s2 += c2_[b] - c2_[a];
            if (len >= 2) l1 += r1_[b] - r1_[a + 1];
            if (len >= 3) l2 += r2_[b] - r2_[a + 2];
            // Pairs across the join with what came before.
            l1 += last * y[a];
            l2 += prev * y[a] + (len >= 2 ? last * y[a + 1] : 0.0);
            if (count == 0) {
                head0 = y[a];
                if (len >= 2) head1 = y[a + 1];
            } else if (count == 1) {
                head1 = y[a];
            }
            if (len >= 2) {
                prev = y[b - 2];
                last = y[b - 1];
            } else {
                prev = last;
                last = y[a];
            }
            count += len;
        });
    m.s = s;
    m.s2 = s2;
    m.l1 = l1;
    m.l2 = l2;
    m.head0 = head0;
    m.head1 = head1;
    m.tail0 = prev;
    m.tail1 = last;
    return m;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SLEEPARCH_LANES_AVX512 1
namespace {
// The per-value walk of resample_moments for eight generators at once, one
// per 64-bit lane: xoshiro256** with shifts and adds (no 64-bit multiply),
// the same 32-bit split of each word, and the same additions in the same
// order as the scalar loop (the file is built without contraction into fused
// multiply-adds), so every lane is bit-identical to its scalar walk.
// state[j][k] is word j of lane k's generator.
// GCC 12's AVX-512 headers start some intrinsics from _mm512_undefined_*,
// which its flow analysis reports as uninitialised once inlined here; 512-bit
// values passed between these internal functions trip the ABI note.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define SLEEPARCH_AVX512 __attribute__((target("avx512f,avx512dq")))
// One xoshiro256** step in each lane.
SLEEPARCH_AVX512 inline __m512i xoshiro_next8(__m512i& s0, __m512i& s1, __m512i& s2, __m512i& s3) {
    const __m512i x5 = _mm512_add_epi64(s1, _mm512_slli_epi64(s1, 2));
    const __m512i rot = _mm512_rol_epi64(x5, 7);
    const __m512i result = _mm512_add_epi64(rot, _mm512_slli_epi64(rot, 3));
    const __m512i t = _mm512_slli_epi64(s1, 17);
    s2 = _mm512_xor_si512(s2, s0);
    s3 = _mm512_xor_si512(s3, s1);
    s1 = _mm512_xor_si512(s1, s2);
    s0 = _mm512_xor_si512(s0, s3);
    s2 = _mm512_xor_si512(s2, t);
    s3 = _mm512_rol_epi64(s3, 45);
    return result;
}
// per_value_start in each lane.
SLEEPARCH_AVX512 inline __m512i per_value_start8(__m512i r, __m512i n) {
    return _mm512_srli_epi64(_mm512_mul_epu32(_mm512_srli_epi64(r, 32), n), 32);
}

// The scalar loop's state in the lanes.
struct Walk8 {
    __m512i idx;
    __m512d s, sq, l1, l2, last, prev;
};

// One value of each lane's walk: add y[idx] to the sums, then step idx with
// the 32 random bits u (new block when u < below, at min(u scale >> 44, n - 1)).
SLEEPARCH_AVX512 inline __m512d walk_step8(Walk8& w, const double* y, __m512i u, __m512i below, __m512i scale,
                                           __m512i n, __m512i n_minus_1) {
    const __m512d v = _mm512_i64gather_pd(w.idx, y, 8);
    w.s = _mm512_add_pd(w.s, v);
    w.sq = _mm512_add_pd(w.sq, _mm512_mul_pd(v, v));
    w.l1 = _mm512_add_pd(w.l1, _mm512_mul_pd(v, w.last));
    w.l2 = _mm512_add_pd(w.l2, _mm512_mul_pd(v, w.prev));
    w.prev = w.last;
    w.last = v;
    const __m512i jump = _mm512_min_epu64(_mm512_srli_epi64(_mm512_mul_epu32(u, scale), 44), n_minus_1);
    __m512i nxt = _mm512_add_epi64(w.idx, _mm512_set1_epi64(1));
    nxt = _mm512_mask_mov_epi64(nxt, _mm512_cmpeq_epu64_mask(nxt, n), _mm512_setzero_si512());
    w.idx = _mm512_mask_mov_epi64(nxt, _mm512_cmplt_epu64_mask(u, below), jump);
    return v;
}

SLEEPARCH_AVX512 void per_value_moments_avx512(const double* y, std::size_t n, std::uint64_t below,
                                               std::uint64_t scale, std::uint64_t (&state)[4][bootstrap_lanes],
                                               double (&acc)[8][bootstrap_lanes]) {
    __m512i s0 = _mm512_loadu_si512(state[0]);
    __m512i s1 = _mm512_loadu_si512(state[1]);
    __m512i s2 = _mm512_loadu_si512(state[2]);
    __m512i s3 = _mm512_loadu_si512(state[3]);
    const __m512i nv = _mm512_set1_epi64(static_cast<long long>(n));
    const __m512i n1 = _mm512_set1_epi64(static_cast<long long>(n - 1));
    const __m512i belowv = _mm512_set1_epi64(static_cast<long long>(below));
    const __m512i scalev = _mm512_set1_epi64(static_cast<long long>(scale));
    const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFFLL);
    Walk8 w;
    w.idx = per_value_start8(xoshiro_next8(s0, s1, s2, s3), nv);
    w.s = w.sq = w.l1 = w.l2 = w.last = w.prev = _mm512_setzero_pd();
    __m512d head0 = _mm512_setzero_pd(), head1 = head0;
    // Values in pairs: one word each, the low half for the first.
    std::size_t i = 0;
    for (; i + 1 < n; i += 2) {
        const __m512i r = xoshiro_next8(s0, s1, s2, s3);
        const __m512d a = walk_step8(w, y, _mm512_and_si512(r, low32), belowv, scalev, nv, n1);
        const __m512d b = walk_step8(w, y, _mm512_srli_epi64(r, 32), belowv, scalev, nv, n1);
        if (i == 0) {
            head0 = a;
            head1 = b;
        }
    }
    if (i < n) {
        const __m512i r = xoshiro_next8(s0, s1, s2, s3);
        const __m512d a = walk_step8(w, y, _mm512_and_si512(r, low32), belowv, scalev, nv, n1);
        if (i == 0) head0 = a;
    }
    _mm512_storeu_si512(state[0], s0);
    _mm512_storeu_si512(state[1], s1);
    _mm512_storeu_si512(state[2], s2);
    _mm512_storeu_si512(state[3], s3);
    _mm512_storeu_pd(acc[0], w.s);
    _mm512_storeu_pd(acc[1], w.sq);
    _mm512_storeu_pd(acc[2], w.l1);
    _mm512_storeu_pd(acc[3], w.l2);
    _mm512_storeu_pd(acc[4], head0);
    _mm512_storeu_pd(acc[5], head1);
    _mm512_storeu_pd(acc[6], w.prev);
    _mm512_storeu_pd(acc[7], w.last);
}

#define SLEEPARCH_AVX2 __attribute__((target("avx2")))
// The same walk, four lanes in a 256-bit vector (lanes first..first + 3),
// for machines without AVX-512: no rotate, unsigned compare or 64-bit min,
// so shifts and signed compares of values below 2^63.
SLEEPARCH_AVX2 inline __m256i rotl4(__m256i x, int k) {
    return _mm256_or_si256(_mm256_slli_epi64(x, k), _mm256_srli_epi64(x, 64 - k));
}
SLEEPARCH_AVX2 inline __m256i xoshiro_next4(__m256i& s0, __m256i& s1, __m256i& s2, __m256i& s3) {
    const __m256i x5 = _mm256_add_epi64(s1, _mm256_slli_epi64(s1, 2));
    const __m256i rot = rotl4(x5, 7);
    const __m256i result = _mm256_add_epi64(rot, _mm256_slli_epi64(rot, 3));
    const __m256i t = _mm256_slli_epi64(s1, 17);
    s2 = _mm256_xor_si256(s2, s0);
    s3 = _mm256_xor_si256(s3, s1);
    s1 = _mm256_xor_si256(s1, s2);
    s0 = _mm256_xor_si256(s0, s3);
    s2 = _mm256_xor_si256(s2, t);
    s3 = rotl4(s3, 45);
    return result;
}

struct Walk4 {
    __m256i idx;
    __m256d s, sq, l1, l2, last, prev;
};

SLEEPARCH_AVX2 inline __m256d walk_step4(Walk4& w, const double* y, __m256i u, __m256i below, __m256i scale,
                                         __m256i n, __m256i n_minus_1) {
    const __m256d v = _mm256_i64gather_pd(y, w.idx, 8);
    w.s = _mm256_add_pd(w.s, v);
    w.sq = _mm256_add_pd(w.sq, _mm256_mul_pd(v, v));
    w.l1 = _mm256_add_pd(w.l1, _mm256_mul_pd(v, w.last));
    w.l2 = _mm256_add_pd(w.l2, _mm256_mul_pd(v, w.prev));
    w.prev = w.last;
    w.last = v;
    __m256i jump = _mm256_srli_epi64(_mm256_mul_epu32(u, scale), 44);
    jump = _mm256_blendv_epi8(jump, n_minus_1, _mm256_cmpgt_epi64(jump, n_minus_1));
    __m256i nxt = _mm256_add_epi64(w.idx, _mm256_set1_epi64x(1));
    nxt = _mm256_andnot_si256(_mm256_cmpeq_epi64(nxt, n), nxt);
    w.idx = _mm256_blendv_epi8(nxt, jump, _mm256_cmpgt_epi64(below, u));
    return v;
}

SLEEPARCH_AVX2 void per_value_moments_avx2(const double* y, std::size_t n, std::uint64_t below,
                                           std::uint64_t scale, std::uint64_t (&state)[4][bootstrap_lanes],
                                           double (&acc)[8][bootstrap_lanes], std::size_t first) {
    auto load = [&](std::size_t j) SLEEPARCH_AVX2 {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(state[j] + first));
    };
    __m256i s0 = load(0), s1 = load(1), s2 = load(2), s3 = load(3);
    const __m256i nv = _mm256_set1_epi64x(static_cast<long long>(n));
    const __m256i n1 = _mm256_set1_epi64x(static_cast<long long>(n - 1));
    const __m256i belowv = _mm256_set1_epi64x(static_cast<long long>(below));
    const __m256i scalev = _mm256_set1_epi64x(static_cast<long long>(scale));
    const __m256i low32 = _mm256_set1_epi64x(0xFFFFFFFFLL);
    Walk4 w;
    {
        const __m256i r = xoshiro_next4(s0, s1, s2, s3);
        w.idx = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(r, 32), nv), 32);
    }
    w.s = w.sq = w.l1 = w.l2 = w.last = w.prev = _mm256_setzero_pd();
    __m256d head0 = _mm256_setzero_pd(), head1 = head0;
    std::size_t i = 0;
    for (; i + 1 < n; i += 2) {
        const __m256i r = xoshiro_next4(s0, s1, s2, s3);
        const __m256d a = walk_step4(w, y, _mm256_and_si256(r, low32), belowv, scalev, nv, n1);
        const __m256d b = walk_step4(w, y, _mm256_srli_epi64(r, 32), belowv, scalev, nv, n1);
        if (i == 0) {
            head0 = a;
            head1 = b;
        }
    }
    if (i < n) {
        const __m256i r = xoshiro_next4(s0, s1, s2, s3);
        const __m256d a = walk_step4(w, y, _mm256_and_si256(r, low32), belowv, scalev, nv, n1);
        if (i == 0) head0 = a;
    }
    auto store = [&](std::size_t j, __m256i v) SLEEPARCH_AVX2 {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(state[j] + first), v);
    };
    store(0, s0);
    store(1, s1);
    store(2, s2);
    store(3, s3);
    const __m256d out[8] = {w.s, w.sq, w.l1, w.l2, head0, head1, w.prev, w.last};
    for (std::size_t j = 0; j < 8; ++j) _mm256_storeu_pd(acc[j] + first, out[j]);
}

#pragma GCC diagnostic pop
#undef SLEEPARCH_AVX512
#undef SLEEPARCH_AVX2

// "0": the scalar walk; "avx2": AVX2 even where AVX-512 exists (tests).
enum class LaneIsa { Scalar, Avx2, Avx512 };
LaneIsa lanes_isa() {
    const char* v = std::getenv("SLEEPARCH_BOOTSTRAP_SIMD");
    const std::string_view want = v ? v : "";
    if (want == "0") return LaneIsa::Scalar;
    if (want != "avx2" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
        return LaneIsa::Avx512;
    if (__builtin_cpu_supports("avx2")) return LaneIsa::Avx2;
    return LaneIsa::Scalar;
}
const LaneIsa kLaneIsa = lanes_isa();
}  // namespace
#endif

std::string_view StationaryBootstrap::lanes_isa() {
#ifdef SLEEPARCH_LANES_AVX512
    return kLaneIsa == LaneIsa::Avx512 ? "avx512" : kLaneIsa == LaneIsa::Avx2 ? "avx2" : "scalar";
#else
    return "scalar";
#endif
}

void StationaryBootstrap::resample_moments_lanes(std::span<Xoshiro256ss, bootstrap_lanes> lanes,
                                                 std::span<SeriesMoments, bootstrap_lanes> out,
                                                 bool allow_simd) const {
#ifdef SLEEPARCH_LANES_AVX512
    if (allow_simd && kLaneIsa != LaneIsa::Scalar && per_value_ && n_ > 0) {
        std::uint64_t state[4][bootstrap_lanes];
        for (std::size_t k = 0; k < bootstrap_lanes; ++k)
            for (std::size_t j = 0; j < 4; ++j) state[j][k] = lanes[k].state()[j];
        double acc[8][bootstrap_lanes];
        if (kLaneIsa == LaneIsa::Avx512) {
            per_value_moments_avx512(centred_.data(), n_, new_block_below_, jump_scale_, state, acc);
        } else {
            for (std::size_t first = 0; first < bootstrap_lanes; first += 4)
                per_value_moments_avx2(centred_.data(), n_, new_block_below_, jump_scale_, state, acc, first);
        }
        for (std::size_t k = 0; k < bootstrap_lanes; ++k) {
            lanes[k] = Xoshiro256ss::from_state({state[0][k], state[1][k], state[2][k], state[3][k]});
            SeriesMoments& m = out[k];
            m = SeriesMoments{};
            m.n = n_;
            m.shift = shift_;
            m.s = acc[0][k];
            m.s2 = acc[1][k];
            m.l1 = acc[2][k];
            m.l2 = acc[3][k];
            m.head0 = acc[4][k];
            m.head1 = acc[5][k];
            m.tail0 = acc[6][k];
            m.tail1 = acc[7][k];
        }
        return;
    }
#endif
    (void)allow_simd;
    for (std::size_t k = 0; k < bootstrap_lanes; ++k) out[k] = resample_moments(lanes[k]);
}

double StationaryBootstrap::resample_mean(Xoshiro256ss& rng) const {
    if (n_ == 0) return std::numeric_limits<double>::quiet_NaN();
    const double* x = values_.data();
    const double* prefix = prefix_.data();
    double sum = 0;
    walk(
        rng, [&](std::size_t idx) { sum += x[idx]; },
        [&](std::size_t start, std::size_t len) { sum += prefix[start + len] - prefix[start]; });
    return sum / static_cast<double>(n_);
}

namespace {
struct PeriodVariance {
    double mean, var_mean, df, rho;
};

// Centred sums of one period: sum of squares and the lag-1, lag-2 products
// about the period's own mean.
struct Centred {
    double n, mean, ss, c1, c2;
};

Centred centred(const SeriesMoments& x) {
    const double n = static_cast<double>(x.n);
    const double m = x.s / n;
    Centred c{n, x.shift + m, x.s2 - n * m * m, 0, 0};
    if (x.n >= 2) c.c1 = x.l1 - m * (2.0 * x.s - x.head0 - x.tail1) + (n - 1.0) * m * m;
    if (x.n >= 3) c.c2 = x.l2 - m * (2.0 * x.s - x.head0 - x.head1 - x.tail0 - x.tail1) + (n - 2.0) * m * m;
    return c;
}

PeriodVariance ar1_period_variance(const Centred& c) {
    const double nd = c.n;
    if (!(c.ss > 0)) return {c.mean, 0.0, nd - 1, 0.0};
    const double r = c.c1 / c.ss;
    const double rc = std::clamp(r + (1.0 + 4.0 * r) / nd, -0.5, 0.9);
    const double f = (1.0 + rc) / (1.0 - rc) -
                     2.0 * rc * (1.0 - std::pow(rc, nd)) / (nd * (1.0 - rc) * (1.0 - rc));
    const double s2 = c.ss / (nd - 1.0);
    // n - f > 0 needs f < n: with r_c <= 0.9, f < 19, so for n < 20 cap the
    // inflation where the formula would blow up.
    const double denom = std::max(nd - f, 1.0);
    return {c.mean, s2 * (nd - 1.0) / denom * f / nd, std::max(nd / f - 1.0, 1.0), rc};
}

// The decay-aware branch: pooled over both periods (each centred on its own
// mean), gamma_0..gamma_2; the autocorrelation decays like gamma_2 / gamma_1
// (phi) from lag 1 on, as for a latent AR(1) plus measurement noise, whose
// lag-1 autocorrelation understates the persistence an AR(1) fit assumes.
// LRV = gamma_0 + 2 gamma_1 / (1 - phi). Centring biases each gamma_k by
// about -LRV / n per period; three fixed-point steps add it back.
struct PooledVariance {
    double var_diff, df;
};

PooledVariance arma_pooled_variance(const Centred& b, const Centred& t) {
    const double n = b.n + t.n;
    const double g[3] = {(b.ss + t.ss) / n, (b.c1 + t.c1) / n, (b.c2 + t.c2) / n};
    if (!(g[0] > 0)) return {0.0, n - 2};
    double adj = 0, lrv = g[0], g0 = g[0];
    for (int it = 0; it < 3; ++it) {
        g0 = g[0] + adj;
        const double g1 = g[1] + adj, g2 = g[2] + adj;
        const double phi = g1 > 0 ? std::clamp(g2 / g1, 0.0, 0.9) : 0.0;
        lrv = std::max(g0 + 2.0 * std::max(g1, 0.0) / (1.0 - phi), 0.5 * g0);
        adj = 2.0 * lrv / n;
    }
    const double f = lrv / g0;
    return {lrv * (1.0 / b.n + 1.0 / t.n), std::max(n / f - 2.0, 2.0)};
}

// Var(diff) and its df: the larger of the per-period AR(1) variances' sum
// (Welch–Satterthwaite df) and the pooled decay-aware one (its own df).
struct DiffVariance {
    double diff, var, df, rho_b, rho_t;
};

DiffVariance diff_variance(const SeriesMoments& mb, const SeriesMoments& mt) {
    const Centred cb = centred(mb), ct = centred(mt);
    const PeriodVariance b = ar1_period_variance(cb);
    const PeriodVariance t = ar1_period_variance(ct);
    DiffVariance out{t.mean - b.mean, b.var_mean + t.var_mean, b.df + t.df, b.rho, t.rho};
    if (!(out.var > 0)) return out;
    const double wb = b.var_mean > 0 ? b.var_mean * b.var_mean / b.df : 0.0;
    const double wt = t.var_mean > 0 ? t.var_mean * t.var_mean / t.df : 0.0;
    out.df = out.var * out.var / (wb + wt);
    const PooledVariance pooled = arma_pooled_variance(cb, ct);
    if (pooled.var_diff > out.var) {
        out.var = pooled.var_diff;
        out.df = pooled.df;
    }
    return out;
}
}  // namespace

BootstrapInterval bootstrap_diff_ci(std::span<const double> baseline,
                                    std::span<const double> treatment, std::size_t B,
                                    Xoshiro256ss& rng, double level) {
    BootstrapInterval out{nan_v, nan_v, nan_v, nan_v, nan_v};
    if (baseline.size() < 2 || treatment.size() < 2 || B == 0) return out;
    out.block_baseline = optimal_block_length(baseline);
    out.block_treatment = optimal_block_length(treatment);
    // diff_of_means_test's variance, from each resample's moments (O(blocks)
    // per resample for long blocks, one pass without a copy for short ones).
    const DiffVariance d0 = diff_variance(series_moments(baseline, mean(baseline)),
                                          series_moments(treatment, mean(treatment)));
    const double diff = d0.diff;
    const double se = std::sqrt(d0.var);
    out.se = se;
    if (!(se > 0)) {
        // Both periods constant: every resample repeats the difference.
        out.low = out.high = diff;
        return out;
    }
    const double se_floor = se / 10.0;
    const StationaryBootstrap sb(baseline, out.block_baseline);
    const StationaryBootstrap st(treatment, out.block_treatment);
    std::vector<double> tstar(B);
    // Resamples in groups of bootstrap_lanes, lane k from a stream of its
    // own (one word of rng seeds them all); the last group's surplus is
    // dropped, so the interval depends on the seed and B alone.
    std::array<Xoshiro256ss, bootstrap_lanes> lanes;
    const std::uint64_t lane_seed = rng.next();
    for (std::size_t k = 0; k < bootstrap_lanes; ++k) lanes[k] = Xoshiro256ss::for_stream(lane_seed, k);
    std::array<SeriesMoments, bootstrap_lanes> mb, mt;
    for (std::size_t b = 0; b < B; b += bootstrap_lanes) {
        sb.resample_moments_lanes(lanes, mb);
        st.resample_moments_lanes(lanes, mt);
        for (std::size_t k = 0; k < bootstrap_lanes && b + k < B; ++k) {
            const DiffVariance d = diff_variance(mb[k], mt[k]);
            tstar[b + k] = (d.diff - diff) / std::max(std::sqrt(d.var), se_floor);
        }
    }
    const double alpha = (1.0 - level) / 2.0;
    auto at = [&](double q) {
        // numpy's linear percentile from the two order statistics around q.
        const double h = q * static_cast<double>(B - 1);
        const auto lo = static_cast<std::size_t>(std::floor(h));
        std::nth_element(tstar.begin(), tstar.begin() + static_cast<std::ptrdiff_t>(lo), tstar.end());
        const double vlo = tstar[lo];
        double vhi = vlo;
        if (lo + 1 < B) vhi = *std::min_element(tstar.begin() + static_cast<std::ptrdiff_t>(lo) + 1, tstar.end());
        return vlo + (h - static_cast<double>(lo)) * (vhi - vlo);
    };
    out.low = diff - at(1.0 - alpha) * se;
    out.high = diff - at(alpha) * se;
    return out;
}

double student_t_quantile(double q, double df) {
    if (!(df > 0) || !(q > 0 && q < 1)) return nan_v;
    return boost::math::quantile(boost::math::students_t_distribution<double>(df), q);
}

DiffTest diff_of_means_test(std::span<const double> baseline, std::span<const double> treatment,
                            double level) {
    DiffTest out{nan_v, nan_v, nan_v, nan_v, nan_v, nan_v, nan_v, nan_v, nan_v};
    if (baseline.size() < 2 || treatment.size() < 2) {
        if (!baseline.empty() && !treatment.empty()) out.diff = mean(treatment) - mean(baseline);
        return out;
    }
    const DiffVariance d = diff_variance(series_moments(baseline, mean(baseline)),
                                         series_moments(treatment, mean(treatment)));
    out.diff = d.diff;
    out.rho_baseline = d.rho_b;
    out.rho_treatment = d.rho_t;
    out.se = std::sqrt(d.var);
    out.df = d.df;
    if (!(d.var > 0)) {
        // Both periods constant: the difference is exact.
        out.ci_low = out.ci_high = out.diff;
        out.p = out.diff == 0 ? 1.0 : 0.0;
        out.mde = 0;
        return out;
    }
    const double q = student_t_quantile(1.0 - (1.0 - level) / 2.0, out.df);
    out.ci_low = out.diff - q * out.se;
    out.ci_high = out.diff + q * out.se;
    out.p = two_sided_p_t(out.diff / out.se, out.df);
    out.mde = (student_t_quantile(0.975, out.df) + student_t_quantile(0.80, out.df)) * out.se;
    return out;
}

}  // namespace sleeparch
