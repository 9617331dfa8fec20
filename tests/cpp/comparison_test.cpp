#include <gtest/gtest.h>

#include <boost/date_time/gregorian/gregorian.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numbers>

#include "sleeparch/comparison.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/stats.hpp"
#include "sleeparch/time.hpp"
#include <nlohmann/json.hpp>

#include "support/night_simulator.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;
using boost::gregorian::date;
using boost::gregorian::date_duration;

namespace {

// Repetitions of the simulation tests; SLEEPARCH_SIM_REPS overrides (CI under
// sanitizers may lower it, a thorough local run raise it).
int sim_reps(int fallback) {
    if (const char* env = std::getenv("SLEEPARCH_SIM_REPS")) {
        const int v = std::atoi(env);
        if (v > 0) return v;
    }
    return fallback;
}

double normal(Xoshiro256ss& g) {
    const double u1 = g.uniform_open0(), u2 = g.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

constexpr UtcSeconds day0 = 1704063600;  // 2023-12-31T23:00:00Z: onset of the night labelled 2024-01-01

struct Series {
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    std::vector<Dose> doses;
};

// Nights labelled 2024-01-01 + i, onset 23:00 UTC the evening before, every
// default metric set to `values[i]` (share metrics too), staged_fraction 1.
Series make_series(const std::vector<double>& values) {
    Series s;
    for (std::size_t i = 0; i < values.size(); ++i) {
        Night n;
        const UtcSeconds onset = day0 + static_cast<UtcSeconds>(i) * 86400;
        n.window_start = onset - 600;
        n.window_end = onset + 8 * 3600;
        n.label_date = date(2024, 1, 1) + date_duration(static_cast<long>(i));
        n.source = Source{"hypnogram", "Ring", "", ""};
        NightMetrics m{};
        for (auto name : default_comparison_metrics()) m.*(find_metric(name)->member) = values[i];
        m.staged_fraction = 1.0;
        m.onset = onset;
        s.nights.push_back(n);
        s.metrics.push_back(m);
    }
    return s;
}

// Supplement doses at 21:00 UTC before nights [first, last].
void dose_nights(Series& s, std::size_t first, std::size_t last, double mg = 200) {
    for (std::size_t i = first; i <= last; ++i) {
        Dose d;
        d.time = day0 + static_cast<UtcSeconds>(i) * 86400 - 2 * 3600;
        d.mg_elemental = mg;
        s.doses.push_back(d);
    }
}

std::vector<double> ar1(std::size_t n, double phi, Xoshiro256ss& g) {
    std::vector<double> x(n);
    double prev = normal(g) / std::sqrt(1 - phi * phi);
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = prev;
        prev = phi * prev + normal(g);
    }
    return x;
}

const MetricComparison& metric(const ComparisonResult& r, const std::string& name) {
    for (const auto& m : r.metrics)
        if (m.metric == name) return m;
    throw std::runtime_error("metric not compared: " + name);
}

}  // namespace

TEST(Comparison, PeriodsFromTheLog) {
    // 40 baseline nights, doses on nights 40..99: washout 40..46, treatment 47..99, post 100..119.
    std::vector<double> v(120, 10.0);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] += (i % 3);
    Series s = make_series(v);
    dose_nights(s, 40, 99);
    CompareOptions opt;
    opt.resamples = 500;
    const auto r = compare_periods(s.nights, s.metrics, s.doses, opt);
    EXPECT_TRUE(r.periods_from_log);
    EXPECT_EQ(r.baseline.nights, 40u);
    EXPECT_EQ(format_date(r.baseline.dates->first), "2024-01-01");
    EXPECT_EQ(format_date(r.baseline.dates->last), "2024-02-09");
    EXPECT_EQ(r.washout.nights, 7u);
    EXPECT_EQ(format_date(r.washout.dates->first), "2024-02-10");
    EXPECT_EQ(r.treatment.nights, 53u);
    EXPECT_EQ(format_date(r.treatment.dates->first), "2024-02-17");
    EXPECT_EQ(format_date(r.treatment.dates->last), "2024-04-09");
    EXPECT_EQ(r.post.nights, 20u);
    EXPECT_EQ(r.metrics.size(), 10u);
    const auto& sol = metric(r, "sol_min");
    EXPECT_EQ(sol.n_baseline, 40u);
    EXPECT_EQ(sol.n_treatment, 53u);
    EXPECT_EQ(sol.n_post, 20u);
    EXPECT_EQ(sol.verdict, Verdict::NoChange);
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();

    CompareOptions w3 = opt;
    w3.washout_nights = 3;
    EXPECT_EQ(compare_periods(s.nights, s.metrics, s.doses, w3).treatment.nights, 57u);
}

TEST(Comparison, ExplicitPeriodsAndTooFewNights) {
    Series s = make_series(std::vector<double>(60, 5.0));
    CompareOptions opt;
    opt.resamples = 200;
    opt.metrics = {"sol_min"};
    opt.baseline = parse_date_range("2024-01-01..2024-01-20");
    opt.treatment = parse_date_range("2024-01-25..2024-02-05");  // 12 nights
    const auto r = compare_periods(s.nights, s.metrics, {}, opt);
    EXPECT_FALSE(r.periods_from_log);
    EXPECT_EQ(r.washout.nights, 4u);
    const auto& m = metric(r, "sol_min");
    EXPECT_EQ(m.n_treatment, 12u);
    EXPECT_EQ(m.verdict, Verdict::TooFewNights);
    EXPECT_EQ(verdict_name(m.verdict), "too_few_nights");
    EXPECT_EQ(verdict_sentence(m), "Sleep-onset latency: too few nights (20 baseline, 12 treatment; 14 each needed).");
    // The sentence and the closing paragraph follow the option, not a constant.
    opt.min_nights = 10;
    opt.treatment = parse_date_range("2024-01-25..2024-02-02");  // 9 nights
    const auto r10 = compare_periods(s.nights, s.metrics, {}, opt);
    EXPECT_EQ(verdict_sentence(r10.metrics[0]),
              "Sleep-onset latency: too few nights (20 baseline, 9 treatment; 10 each needed).");
    EXPECT_NE(closing_paragraph(r10).find("at least 10 usable nights"), std::string::npos) << closing_paragraph(r10);
}

TEST(Comparison, KnownShiftIsChangedAndWordedAsAssociation) {
    Xoshiro256ss g(2024);
    auto v = ar1(150, 0.3, g);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 20 + 3 * v[i] - (i >= 60 ? 8.0 : 0.0);
    Series s = make_series(v);
    dose_nights(s, 60, 149);
    CompareOptions opt;
    opt.metrics = {"sol_min", "deep_pct"};
    opt.resamples = 2000;
    const auto r = compare_periods(s.nights, s.metrics, s.doses, opt);
    const auto& m = metric(r, "sol_min");
    EXPECT_TRUE(m.primary);  // sol_min is the default primary metric
    EXPECT_EQ(m.verdict, Verdict::Changed);
    EXPECT_LT(m.ci_high, 0);
    EXPECT_LT(m.p, 0.05);
    EXPECT_NEAR(m.diff, -8, 1.5);
    EXPECT_DOUBLE_EQ(m.diff, m.mean_treatment - m.mean_baseline);
    EXPECT_LT(m.hedges_g, -1.5);
    EXPECT_EQ(r.source, "Ring (hypnogram)");
    EXPECT_EQ(r.nights_left_out, 0u);
    const std::string sentence = verdict_sentence(m);
    EXPECT_EQ(sentence.rfind("Sleep-onset latency was ", 0), 0u) << sentence;
    EXPECT_NE(sentence.find(" min lower in the magnesium period (95 % CI "), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("): a change associated with the magnesium period."), std::string::npos) << sentence;
    EXPECT_EQ(sentence.find("caused"), std::string::npos);
    const std::string closing = closing_paragraph(r);
    EXPECT_NE(closing.find("not proof"), std::string::npos);
    EXPECT_NE(closing.find("Menghini"), std::string::npos);  // deep_pct compared
    // The sensitivity block: trend-adjusted and bootstrap, never the verdict.
    std::set<std::string> names;
    for (const auto& x : m.sensitivity) names.insert(x.name);
    EXPECT_EQ(names, (std::set<std::string>{"trend_adjusted", "bootstrap"}));
    // Same seed, same bootstrap interval; another seed, another one.
    auto boot = [](const ComparisonResult& res) {
        for (const auto& x : metric(res, "sol_min").sensitivity)
            if (x.name == "bootstrap") return x.ci_low;
        return nan("");
    };
    const double b0 = boot(r);
    EXPECT_LT(b0, 0);
    EXPECT_EQ(boot(compare_periods(s.nights, s.metrics, s.doses, opt)), b0);
    opt.threads = 1;
    EXPECT_EQ(boot(compare_periods(s.nights, s.metrics, s.doses, opt)), b0);
    opt.seed = 7;
    EXPECT_NE(boot(compare_periods(s.nights, s.metrics, s.doses, opt)), b0);
}

// The estimator against an independent computation of its formula
// (stats.hpp diff_of_means_test) and the MDE = (t.975 + t.80) SE rule.
TEST(Comparison, OneEstimatorGivesCiPAndMde) {
    Xoshiro256ss g(5);
    auto v = ar1(100, 0.5, g);
    Series s = make_series(v);
    CompareOptions opt;
    opt.metrics = {"tst_min"};
    opt.primary = "tst_min";
    opt.resamples = 200;
    opt.baseline = parse_date_range("2024-01-01..2024-02-09");   // 40
    opt.treatment = parse_date_range("2024-02-20..2024-04-09");  // 50
    const auto r = compare_periods(s.nights, s.metrics, {}, opt);
    const auto& m = metric(r, "tst_min");
    const std::vector<double> base(v.begin(), v.begin() + 40), treat(v.begin() + 50, v.end());
    auto var_mean = [](const std::vector<double>& x, double& df) {
        const double n = static_cast<double>(x.size());
        const double rc = std::clamp(lag1_autocorrelation(x) + (1 + 4 * lag1_autocorrelation(x)) / n, -0.5, 0.9);
        const double f = (1 + rc) / (1 - rc) - 2 * rc * (1 - std::pow(rc, n)) / (n * (1 - rc) * (1 - rc));
        const double s2 = sample_sd(x) * sample_sd(x);
        df = n / f - 1;
        return s2 * (n - 1) / (n - f) * f / n;
    };
    double dfb, dft;
    const double vb = var_mean(base, dfb), vt = var_mean(treat, dft);
    double se = std::sqrt(vb + vt);
    double df = (vb + vt) * (vb + vt) / (vb * vb / dfb + vt * vt / dft);
    // The pooled decay-aware branch; the larger variance wins.
    auto gamma = [&](std::size_t k) {
        double sum = 0;
        for (const auto* x : {&base, &treat}) {
            const double mu = mean(*x);
            for (std::size_t i = k; i < x->size(); ++i) sum += ((*x)[i] - mu) * ((*x)[i - k] - mu);
        }
        return sum / 90.0;
    };
    double adj = 0, lrv = 0, g0 = 0;
    for (int it = 0; it < 3; ++it) {
        g0 = gamma(0) + adj;
        const double g1 = gamma(1) + adj, g2 = gamma(2) + adj;
        const double phi = g1 > 0 ? std::clamp(g2 / g1, 0.0, 0.9) : 0.0;
        lrv = std::max(g0 + 2 * std::max(g1, 0.0) / (1 - phi), 0.5 * g0);
        adj = 2 * lrv / 90.0;
    }
    const double pooled = lrv * (1.0 / 40 + 1.0 / 50);
    if (pooled > vb + vt) {
        se = std::sqrt(pooled);
        df = std::max(90.0 / (lrv / g0) - 2, 2.0);
    }
    EXPECT_NEAR(m.se_diff, se, 1e-12);
    EXPECT_NEAR(m.df, df, 1e-9);
    const double q = student_t_quantile(0.975, df);
    EXPECT_NEAR(m.ci_low, m.diff - q * se, 1e-9);
    EXPECT_NEAR(m.ci_high, m.diff + q * se, 1e-9);
    EXPECT_NEAR(m.p, two_sided_p_t(m.diff / se, df), 1e-12);
    EXPECT_NEAR(m.mde, (q + student_t_quantile(0.80, df)) * se, 1e-9);
    EXPECT_GT(m.mde / se, 2.80);  // 2.80 for large df; more for few effective nights
}

// A latent AR(1) plus as much measurement noise (lag-1 autocorrelation
// 0.3, but persistence 0.6): the per-period AR(1) variance alone rejects a
// true null in ~9 % at 120 nights per period; with the pooled decay-aware
// branch, ~5 %.
TEST(Comparison, EstimatorKeepsItsSizeWithMeasurementNoise) {
    const int reps = 2000;
    int rejected = 0;
    for (int rep = 0; rep < reps; ++rep) {
        Xoshiro256ss g = Xoshiro256ss::for_stream(777, static_cast<std::uint64_t>(rep));
        auto noisy = [&](std::size_t n) {
            auto x = ar1(n, 0.6, g);
            for (double& v : x) v = std::sqrt(0.5 * 0.64) * v + std::sqrt(0.5) * normal(g);
            return x;
        };
        const auto a = noisy(120), b = noisy(120);
        rejected += diff_of_means_test(a, b).p < 0.05;
    }
    const double rate = static_cast<double>(rejected) / reps;
    std::printf("AR(1) + noise, 120 nights/period: rejection %.3f\n", rate);
    EXPECT_LE(rate, 0.05 + 2.5 * std::sqrt(0.05 * 0.95 / reps));
    EXPECT_GE(rate, 0.05 - 2.5 * std::sqrt(0.05 * 0.95 / reps));
}

// p < 0.05 exactly when the 95 % CI excludes 0, and no row contradicts
// itself, over many random series (property test).
TEST(Comparison, PValueAndIntervalNeverDisagree) {
    int disagreements = 0, excluded = 0;
    for (int rep = 0; rep < 400; ++rep) {
        Xoshiro256ss g = Xoshiro256ss::for_stream(4242, static_cast<std::uint64_t>(rep));
        const std::size_t nb = 5 + g.bounded(80), nt = 5 + g.bounded(80);
        const double phi = 0.9 * g.uniform() - 0.2;
        auto a = ar1(nb, phi, g), b = ar1(nt, phi, g);
        const double shift = g.uniform() * 1.5;
        for (double& x : b) x = x * (0.5 + g.uniform()) + shift;
        const DiffTest t = diff_of_means_test(a, b);
        const bool excludes = t.ci_low > 0 || t.ci_high < 0;
        excluded += excludes;
        if ((t.p < 0.05) != excludes) ++disagreements;
        if (!excludes) {
            EXPECT_LT(std::fabs(t.diff), t.mde) << "CI includes 0 but |diff| >= MDE";
        }
    }
    EXPECT_EQ(disagreements, 0);
    EXPECT_GT(excluded, 50);  // both outcomes were exercised
}

TEST(Comparison, HolmAcrossSecondariesAndPrimaryUnadjusted) {
    Xoshiro256ss g(8);
    auto v = ar1(120, 0.2, g);
    Series s = make_series(v);
    // Give each metric its own series so p-values differ.
    for (std::size_t i = 0; i < s.metrics.size(); ++i) {
        s.metrics[i].tst_min = v[(i + 17) % v.size()];
        s.metrics[i].se_pct = v[(i + 41) % v.size()] + (i >= 60 ? 0.6 : 0.0);
    }
    CompareOptions opt;
    opt.metrics = {"sol_min", "tst_min", "se_pct"};
    opt.resamples = 500;
    opt.baseline = parse_date_range("2024-01-01..2024-02-29");
    opt.treatment = parse_date_range("2024-03-01..2024-04-29");
    const auto r = compare_periods(s.nights, s.metrics, {}, opt);
    EXPECT_TRUE(metric(r, "sol_min").primary);
    EXPECT_DOUBLE_EQ(metric(r, "sol_min").p_holm, metric(r, "sol_min").p);
    const auto adj = holm_adjust(std::vector<double>{metric(r, "tst_min").p, metric(r, "se_pct").p});
    // Serial gatekeeping: a secondary's adjusted p is max(p_primary, Holm).
    const double gate = metric(r, "sol_min").p;
    EXPECT_DOUBLE_EQ(metric(r, "tst_min").p_holm_within, adj[0]);
    EXPECT_DOUBLE_EQ(metric(r, "se_pct").p_holm_within, adj[1]);
    EXPECT_DOUBLE_EQ(metric(r, "tst_min").p_holm, std::max(gate, adj[0]));
    EXPECT_DOUBLE_EQ(metric(r, "se_pct").p_holm, std::max(gate, adj[1]));
    EXPECT_EQ(metric(r, "se_pct").gated, gate > adj[1]);
    EXPECT_EQ(metric(r, "se_pct").holm_family, 2u);
    for (const auto& m : r.metrics)
        EXPECT_EQ(m.verdict == Verdict::Changed, m.p_holm < 0.05) << m.metric;
    opt.primary = "se_pct";
    const auto rp = compare_periods(s.nights, s.metrics, {}, opt);
    EXPECT_TRUE(metric(rp, "se_pct").primary);
    EXPECT_FALSE(metric(rp, "sol_min").primary);
    EXPECT_DOUBLE_EQ(metric(rp, "se_pct").p_holm, metric(rp, "se_pct").p);
    const auto adj2 = holm_adjust(std::vector<double>{metric(rp, "sol_min").p, metric(rp, "tst_min").p});
    EXPECT_DOUBLE_EQ(metric(rp, "sol_min").p_holm, std::max(metric(rp, "se_pct").p, adj2[0]));
    // A primary metric outside the list is compared too, unadjusted.
    opt.primary = "waso_min";
    const auto rw = compare_periods(s.nights, s.metrics, {}, opt);
    ASSERT_EQ(rw.metrics.size(), 4u);
    EXPECT_TRUE(metric(rw, "waso_min").primary);
    EXPECT_DOUBLE_EQ(metric(rw, "waso_min").p_holm, metric(rw, "waso_min").p);
    opt.primary = "deep_percent";
    EXPECT_THROW(compare_periods(s.nights, s.metrics, {}, opt), UsageError);
}

// The §5.6 sentence for a secondary whose CI excludes 0 but whose Holm p
// does not: "does not survive the adjustment for k metrics".
TEST(Comparison, SentencesFollowTheSpecification) {
    MetricComparison m;
    m.metric = "se_pct";
    m.unit = "%";
    m.verdict = Verdict::NoChange;
    m.diff = 2.9;
    m.ci_low = 1.4;
    m.ci_high = 4.4;
    m.mde = 2.1;
    m.holm_family = 9;
    EXPECT_EQ(verdict_sentence(m), "Sleep efficiency: a difference of 2.9 points was seen (95 % CI 1.4 to 4.4) but "
                                   "does not survive the adjustment for 9 metrics.");
    m.ci_low = -0.2;
    m.diff = 1.0;
    EXPECT_EQ(verdict_sentence(m), "Sleep efficiency: no change detected; changes smaller than 2.1 points could not be seen.");
    m.diff = 2.2;
    m.ci_high = 4.6;
    EXPECT_EQ(verdict_sentence(m), "Sleep efficiency: no change detected (difference 2.2 points, 95 % CI -0.2 to 4.6).");
    m.verdict = Verdict::NotComparable;
    EXPECT_EQ(verdict_sentence(m),
              "Sleep efficiency: not comparable: no source recorded nights in both periods (the device changed).");
    EXPECT_EQ(verdict_phrase(m), "not comparable");
    // Holm alone would have it, the primary's gate does not.
    m.verdict = Verdict::NoChange;
    m.ci_low = 1.4;
    m.ci_high = 4.4;
    m.diff = 2.9;
    m.gated = true;
    m.p_holm_within = 0.01;
    m.p_holm = 0.3;
    EXPECT_EQ(verdict_sentence(m), "Sleep efficiency: a difference of 2.9 points was seen (95 % CI 1.4 to 4.4) but "
                                   "does not survive the adjustment for 9 metrics (the other metrics count only once "
                                   "the primary metric has changed, and it did not).");
}

TEST(Comparison, DoseResponseWhenDosesVary) {
    Xoshiro256ss g(77);
    auto noise = ar1(120, 0.2, g);
    Series s = make_series(std::vector<double>(120, 0.0));
    dose_nights(s, 30, 119);
    for (std::size_t k = 0; k < s.doses.size(); ++k) s.doses[k].mg_elemental = 100.0 * static_cast<double>(1 + k % 4);
    // sol falls 3 min per 100 mg on the night.
    for (std::size_t i = 0; i < 120; ++i) {
        const double mg = i >= 30 ? 100.0 * static_cast<double>(1 + (i - 30) % 4) : 0.0;
        s.metrics[i].sol_min = 20 - 3 * mg / 100 + noise[i];
    }
    CompareOptions opt;
    opt.resamples = 200;
    opt.metrics = {"sol_min"};
    const auto r = compare_periods(s.nights, s.metrics, s.doses, opt);
    const auto& m = metric(r, "sol_min");
    ASSERT_FALSE(m.dose_response.empty());
    EXPECT_EQ(m.dose_response[0].predictor, "mg_elemental");
    EXPECT_NEAR(m.dose_response[0].slope_per_100mg, -3, 0.4);
    EXPECT_LT(m.dose_response[0].ci_low, -3);
    EXPECT_GT(m.dose_response[0].ci_high, -3);
}

TEST(Comparison, UsageErrors) {
    Series s = make_series(std::vector<double>(30, 1.0));
    CompareOptions opt;
    auto message = [&](const CompareOptions& o, const std::vector<Dose>& d) {
        try {
            compare_periods(s.nights, s.metrics, d, o);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_EQ(message(opt, {}), "no magnesium dose in the intake log falls on a recorded night: check the log's "
                                "dates and time zone, or give --baseline and --treatment");
    CompareOptions bad = opt;
    bad.metrics = {"deep_percent"};
    EXPECT_EQ(message(bad, {}), "--metrics: unknown metric \"deep_percent\" (see `sleeparch nights --help` for names)");
    CompareOptions washout = opt;
    washout.washout_nights = 366;
    EXPECT_EQ(message(washout, {}), "--washout must be 0 to 365 nights");
    CompareOptions few = opt;
    few.resamples = 99;
    EXPECT_EQ(message(few, {}), "--resamples must be 100 to 10,000,000");
    CompareOptions both = opt;
    both.all_sources = true;
    both.compare_source = "Ring";
    EXPECT_EQ(message(both, {}), "give --compare-source or --all-sources, not both");
    CompareOptions nosuch = opt;
    nosuch.compare_source = "Oura";
    EXPECT_EQ(message(nosuch, {}), "--compare-source \"Oura\" matches no source; present: Ring (hypnogram)");
    CompareOptions half = opt;
    half.baseline = parse_date_range("2024-01-01..2024-01-10");
    EXPECT_EQ(message(half, {}), "give both --baseline and --treatment, or neither (periods then come from the intake log)");
    CompareOptions overlap = half;
    overlap.treatment = parse_date_range("2024-01-05..2024-01-20");
    EXPECT_EQ(message(overlap, {}), "--baseline and --treatment overlap");
    try {
        parse_date_range("2024-01-01");
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "date range \"2024-01-01\" must look like 2024-01-01..2024-02-15");
    }
    try {
        parse_date_range("2024-02-30..");
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "date range \"2024-02-30..\": \"2024-02-30\" is not a date (YYYY-MM-DD)");
    }
}

// One source per comparison (§5.2).
TEST(Comparison, OneSourceByDefaultOthersLeftOutAndCounted) {
    Xoshiro256ss g(31);
    Series s = make_series(ar1(100, 0.3, g));
    dose_nights(s, 40, 99);
    // A second device on 30 of the nights, most of them in the treatment period.
    for (std::size_t i = 30; i < 100; i += 2) {
        if (i < 80 && i % 4 == 0) continue;
        s.nights[i].source = Source{"oura", "Oura", "", ""};
        s.nights[i].epoch_s = 300;
    }
    CompareOptions opt;
    opt.resamples = 200;
    const auto r = compare_periods(s.nights, s.metrics, s.doses, opt);
    EXPECT_EQ(r.source, "Ring (hypnogram)");
    std::size_t ring_b = 0, ring_t = 0, oura_b = 0, oura_t = 0;
    for (std::size_t i = 0; i < 100; ++i) {
        const bool oura = s.nights[i].source.name == "Oura";
        if (i < 40) ++(oura ? oura_b : ring_b);
        else if (i >= 47) ++(oura ? oura_t : ring_t);
    }
    ASSERT_EQ(r.sources.size(), 2u);
    for (const auto& src : r.sources) {
        if (src.source == (Source{"oura", "Oura", "", ""}.label())) {
            EXPECT_FALSE(src.compared);
            EXPECT_EQ(src.baseline, oura_b);
            EXPECT_EQ(src.treatment, oura_t);
        } else {
            EXPECT_TRUE(src.compared);
            EXPECT_EQ(src.baseline, ring_b);
            EXPECT_EQ(src.treatment, ring_t);
        }
    }
    EXPECT_EQ(r.nights_left_out, oura_b + oura_t);
    EXPECT_EQ(metric(r, "sol_min").n_baseline, ring_b);
    EXPECT_EQ(metric(r, "sol_min").n_treatment, ring_t);
    bool left_out_said = false;
    for (const auto& w : r.warnings) left_out_said = left_out_said || w.find("nights of other sources left out") != std::string::npos;
    EXPECT_TRUE(left_out_said);
    // All-sources sensitivity is there when more than one source is.
    bool has_all = false;
    for (const auto& x : metric(r, "sol_min").sensitivity) has_all = has_all || x.name == "all_sources";
    EXPECT_TRUE(has_all);

    // --source picks the other one (matched by name, case-insensitively).
    CompareOptions o2 = opt;
    o2.compare_source = "oura";
    const auto r2 = compare_periods(s.nights, s.metrics, s.doses, o2);
    EXPECT_EQ(r2.source, (Source{"oura", "Oura", "", ""}.label()));
    EXPECT_EQ(metric(r2, "sol_min").n_treatment, oura_t);

    // --all-sources keeps every night, adjusts for source and epoch, and
    // warns about shares (not sets) of sources.
    CompareOptions o3 = opt;
    o3.all_sources = true;
    const auto r3 = compare_periods(s.nights, s.metrics, s.doses, o3);
    EXPECT_EQ(r3.nights_left_out, 0u);
    EXPECT_EQ(metric(r3, "sol_min").n_treatment, ring_t + oura_t);
    bool share = false;
    for (const auto& w : r3.warnings) share = share || w.find("% of baseline nights and") != std::string::npos;
    EXPECT_TRUE(share);
}

// Ratings are compared like metrics: one secondary row per rating name.
TEST(Comparison, RatingsComparedLikeMetrics) {
    Xoshiro256ss g(12);
    Series s = make_series(ar1(100, 0.3, g));
    dose_nights(s, 40, 99);
    // The primary changes too, so the secondaries' gate is open.
    for (std::size_t i = 47; i < 100; ++i) s.metrics[i].sol_min -= 3.0;
    std::vector<Rating> ratings;
    std::vector<double> before, after;
    for (std::size_t i = 0; i < 100; ++i) {
        if (i % 5 == 0) continue;  // not rated every morning
        Rating r;
        r.name = "sleep_quality";
        r.night = s.nights[i].label_date;
        r.value = std::clamp(std::round(3 + normal(g) + (i >= 47 ? 1.0 : 0.0)), 1.0, 5.0);
        r.scale_min = 1;
        r.scale_max = 5;
        ratings.push_back(r);
        if (i < 40) before.push_back(r.value);
        else if (i >= 47) after.push_back(r.value);
    }
    CompareOptions opt;
    opt.resamples = 200;
    opt.metrics = {"sol_min", "tst_min"};
    const auto r = compare_periods(s.nights, s.metrics, s.doses, opt, {}, ratings);
    const auto& q = metric(r, "rating:sleep_quality");
    EXPECT_FALSE(q.primary);
    EXPECT_EQ(q.n_baseline, before.size());
    EXPECT_EQ(q.n_treatment, after.size());
    EXPECT_NEAR(q.diff, mean(after) - mean(before), 1e-12);
    const DiffTest t = diff_of_means_test(before, after);
    EXPECT_NEAR(q.p, t.p, 1e-12);
    EXPECT_EQ(q.holm_family, 2u);  // tst_min and the rating
    EXPECT_EQ(q.verdict, Verdict::Changed);
    EXPECT_EQ(verdict_sentence(q).rfind("Self-rated sleep quality was ", 0), 0u) << verdict_sentence(q);
}

TEST(Comparison, NoSourceInBothPeriodsIsNotComparable) {
    Series s = make_series(std::vector<double>(100, 10.0));
    dose_nights(s, 40, 99);
    for (std::size_t i = 40; i < 100; ++i) s.nights[i].source = Source{"oura", "Oura", "", ""};
    CompareOptions opt;
    opt.resamples = 200;
    const auto r = compare_periods(s.nights, s.metrics, s.doses, opt);
    EXPECT_FALSE(r.comparable);
    for (const auto& m : r.metrics) {
        EXPECT_EQ(m.verdict, Verdict::NotComparable) << m.metric;
        EXPECT_EQ(verdict_name(m.verdict), "not_comparable");
    }
    EXPECT_NE(closing_paragraph(r).find("nothing was compared"), std::string::npos);
}

namespace {

using sleeparch::testing::DeviceScenario;
using sleeparch::testing::SimConfig;
using sleeparch::testing::simulate_series;

// The options the calibration uses: periods from the doses, default rules,
// a small B (the bootstrap only feeds the sensitivity block).
CompareOptions calibration_options(std::uint64_t seed) {
    CompareOptions opt;
    opt.resamples = 100;
    opt.threads = 1;
    opt.seed = seed;
    return opt;
}

// A row contradicts itself when its verdict, p, CI and sentence disagree.
bool self_contradicting(const MetricComparison& m) {
    const bool excludes = m.ci_low > 0 || m.ci_high < 0;
    if (m.verdict == Verdict::Changed && !excludes) return true;
    if (m.verdict == Verdict::Changed && !(m.p_holm < 0.05)) return true;
    if ((m.verdict == Verdict::Changed || m.verdict == Verdict::NoChange) && (m.p < 0.05) != excludes) return true;
    if (m.verdict == Verdict::NoChange && m.primary && excludes) return true;
    const std::string s = verdict_sentence(m);
    if (s.find("could not be seen") != std::string::npos && !(std::fabs(m.diff) < m.mde)) return true;
    return s.find("caused") != std::string::npos;
}

struct Tally {
    int reps = 0, any = 0, covered = 0, contradicting = 0;
    std::map<std::string, int> changed;
};

Tally run_null(std::size_t nights, double phi, int reps, std::uint64_t stream, DeviceScenario devices) {
    Tally t;
    for (int rep = 0; rep < reps; ++rep) {
        SimConfig c;
        c.baseline_nights = c.treatment_nights = nights;
        c.phi = phi;
        c.devices = devices;
        c.seed = stream * 100000 + static_cast<std::uint64_t>(rep);
        const auto s = simulate_series(c);
        const auto r = compare_periods(s.nights, s.metrics, s.doses, calibration_options(c.seed));
        ++t.reps;
        bool any = false;
        for (const auto& m : r.metrics) {
            if (m.verdict == Verdict::Changed) {
                ++t.changed[m.metric];
                any = true;
            }
            if (self_contradicting(m)) ++t.contradicting;
        }
        t.any += any;
    }
    return t;
}

}  // namespace

// Calibration on simulated hypnograms under the null (METRICS.md §5.11).
// Few series per cell so that the test runs on every CI build; the bounds
// allow 2.5 binomial SEs for that many series (bench/calibrate_compare.py
// prints the longer table). SLEEPARCH_SIM_REPS scales the repetitions.
//
// The estimator is the larger of the per-period AR(1) variance and the
// pooled decay-aware one (stats.hpp); the secondaries sit behind the
// primary's gate, so any-metric is the primary's rate. Measured with 600
// series per cell (sol_min = any-metric): 14 nights phi 0.6: 0.053;
// 30 phi 0.6: 0.050; 120 phi 0.6: 0.050; 14 phi 0: 0.020.
TEST(ComparisonCalibration, FalseChangedRatesUnderTheNull) {
    const int reps = sim_reps(150);
    int total_any = 0, total = 0;
    for (const auto& [nights, phi] : std::vector<std::pair<std::size_t, double>>{{14, 0.6}, {30, 0.3}, {60, 0.0}, {120, 0.6}}) {
        const Tally t = run_null(nights, phi, reps, 11 + nights, DeviceScenario::OneDevice);
        std::printf("null %zu nights/period phi %.1f: any-metric 'changed' %.3f;", nights, phi,
                    static_cast<double>(t.any) / t.reps);
        for (const auto& [metric, k] : t.changed) std::printf(" %s %d", metric.c_str(), k);
        std::printf("\n");
        const double nominal = 0.05;
        for (const auto& [metric, k] : t.changed)
            EXPECT_LE(static_cast<double>(k) / t.reps, nominal + 2.5 * std::sqrt(nominal * (1 - nominal) / t.reps))
                << metric << " at " << nights << " nights";
        EXPECT_EQ(t.contradicting, 0);
        total_any += t.any;
        total += t.reps;
    }
    const double any = static_cast<double>(total_any) / total;
    std::printf("any-metric false 'changed' over %d null series: %.3f\n", total, any);
    EXPECT_LE(any, 0.05 + 2.5 * std::sqrt(0.05 * 0.95 / total));
}

// 95 % CI coverage of a known SOL effect, and power for a 10-min shorter
// SOL with 60 nights per period at phi 0.3 (§5.11: >= 70 %).
TEST(ComparisonCalibration, CoverageAndPower) {
    const int reps = sim_reps(200);
    int changed = 0, contradicting = 0, n = 0;
    for (int rep = 0; rep < reps; ++rep) {
        SimConfig c;
        c.phi = 0.3;
        c.sol_effect_min = -10;
        c.seed = 900000 + static_cast<std::uint64_t>(rep);
        const auto s = simulate_series(c);
        const auto r = compare_periods(s.nights, s.metrics, s.doses, calibration_options(c.seed));
        const auto& m = metric(r, "sol_min");
        ++n;
        changed += m.verdict == Verdict::Changed;
        for (const auto& x : r.metrics) contradicting += self_contradicting(x);
    }
    const double power = static_cast<double>(changed) / n;
    std::printf("power for SOL -10 min, 60 nights/period, phi 0.3: %.3f\n", power);
    EXPECT_GE(power, 0.70);
    EXPECT_EQ(contradicting, 0);

    // Coverage: the null series' true difference is 0 for every metric.
    int cov = 0, rows = 0;
    for (int rep = 0; rep < reps; ++rep) {
        SimConfig c;
        c.baseline_nights = c.treatment_nights = 30;
        c.phi = 0.3;
        c.seed = 700000 + static_cast<std::uint64_t>(rep);
        const auto s = simulate_series(c);
        const auto r = compare_periods(s.nights, s.metrics, s.doses, calibration_options(c.seed));
        for (const auto& m : r.metrics) {
            ++rows;
            cov += m.ci_low <= 0 && 0 <= m.ci_high;
        }
    }
    const double coverage = static_cast<double>(cov) / rows;
    std::printf("95%% CI coverage over all metrics, 30 nights/period, phi 0.3: %.3f (%d rows)\n", coverage, rows);
    // Rows of one series are correlated: allow the binomial noise of reps
    // series rather than of rows.
    const double slack = 2.5 * std::sqrt(0.05 * 0.95 / reps);
    EXPECT_GE(coverage, 0.93 - slack);
    EXPECT_LE(coverage, 0.97 + slack);
}

// Pure device artefacts: no sleep change, only the device.
TEST(ComparisonCalibration, DeviceArtefactsAreNeverChanges) {
    const int reps = sim_reps(60);
    // A 5-min device replaces the 30-s one at the first dose: no source spans
    // both periods, so every row is not_comparable.
    int changed = 0, not_comparable = 0, rows = 0;
    for (int rep = 0; rep < reps; ++rep) {
        SimConfig c;
        c.devices = DeviceScenario::ReplacedAtDose;
        c.seed = 500000 + static_cast<std::uint64_t>(rep);
        const auto s = simulate_series(c);
        const auto r = compare_periods(s.nights, s.metrics, s.doses, calibration_options(c.seed));
        for (const auto& m : r.metrics) {
            ++rows;
            changed += m.verdict == Verdict::Changed;
            not_comparable += m.verdict == Verdict::NotComparable;
        }
    }
    EXPECT_EQ(changed, 0);
    EXPECT_EQ(not_comparable, rows);

    // Two devices mixing, the 5-min one's share growing from 20 % to 60 %:
    // the default rule compares one device alone (the one with more nights),
    // so the verdicts are exactly those of that device's nights (the
    // artefact contributes nothing), and the pooled comparison, which the
    // artefact drives, is what --all-sources adjusts.
    int mixed_changed = 0, pooled_changed = 0, differing = 0;
    for (int rep = 0; rep < reps; ++rep) {
        SimConfig c;
        c.devices = DeviceScenario::TwoDevicesMixing;
        c.seed = 600000 + static_cast<std::uint64_t>(rep);
        const auto s = simulate_series(c);
        const auto opt = calibration_options(c.seed);
        const auto r = compare_periods(s.nights, s.metrics, s.doses, opt);
        ASSERT_FALSE(r.source.empty());
        sleeparch::testing::SimSeries alone;
        for (std::size_t i = 0; i < s.nights.size(); ++i)
            if (s.nights[i].source.label() == r.source) {
                alone.nights.push_back(s.nights[i]);
                alone.metrics.push_back(s.metrics[i]);
            }
        CompareOptions fixed = opt;  // the same periods as the mixed run
        fixed.baseline = r.baseline.dates;
        fixed.treatment = r.treatment.dates;
        const auto ra = compare_periods(alone.nights, alone.metrics, {}, fixed);
        for (std::size_t k = 0; k < r.metrics.size(); ++k) {
            mixed_changed += r.metrics[k].verdict == Verdict::Changed;
            differing += r.metrics[k].verdict != ra.metrics[k].verdict;
        }
        // What a pooled comparison would have said.
        CompareOptions pooled = fixed;
        std::vector<Night> relabelled = s.nights;
        for (auto& n : relabelled) n.source = Source{"hypnogram", "Any", "", ""};
        const auto rp = compare_periods(relabelled, s.metrics, {}, pooled);
        // Counted before the primary's gate, which would hide secondaries.
        for (const auto& m : rp.metrics) pooled_changed += m.primary ? m.p < 0.05 : m.p_holm_within < 0.05;
    }
    std::printf("two devices mixing (%d series): 'changed' rows with one source %d, if pooled %d\n", reps,
                mixed_changed, pooled_changed);
    EXPECT_EQ(differing, 0);
    EXPECT_GT(pooled_changed, reps);  // the artefact is real: pooling would call it a change
    EXPECT_LE(mixed_changed, reps / 4);  // only the null rate of the one-source series remains
}

namespace {

// 40 one-night hypnogram files (30-s epochs, nights labelled 2024-03-02 ..
// 2024-04-10) and an intake log with doses from the 16th night on.
struct CliFixture {
    sleeparch::testing::TempDir dir;
    std::vector<std::string> args;
    CliFixture() {
        for (int i = 0; i < 40; ++i) {
            const date d = date(2024, 3, 1) + date_duration(i);
            std::string text = "# start: " + format_date(d) + "T23:00:00+01:00\n";
            auto put = [&](const char* stage, int count) {
                for (int k = 0; k < count; ++k) text += std::string(stage) + "\n";
            };
            const int sol = i >= 15 ? 10 + i % 4 : 30 + i % 5;
            put("W", sol);
            put("N2", 300);
            put("N3", 60 + (i * 7) % 11);
            put("R", 80 + (i * 3) % 13);
            put("N2", 250);
            put("W", 6);
            args.push_back(dir.write("night" + std::to_string(i) + ".txt", text).string());
        }
        std::string log = "date,time,mg_elemental,form,tags\n";
        for (int i = 15; i < 40; ++i)
            log += format_date(date(2024, 3, 1) + date_duration(i)) + ",21:30+01:00,200,glycinate," +
                   (i % 6 == 0 ? "alcohol" : "") + "\n";
        intake = dir.write("intake.csv", "# log\n" + log).string();
    }
    std::string intake;
};

}  // namespace

TEST(CompareCli, JsonHasTheDocumentedShape) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    CliFixture f;
    std::vector<std::string> args = {"compare"};
    args.insert(args.end(), f.args.begin(), f.args.end());
    args.insert(args.end(), {"--intake", f.intake, "--format", "json", "-B", "500"});
    const auto r = sleeparch::testing::run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["baseline"]["nights"], 15);
    EXPECT_EQ(j["baseline"]["first"], "2024-03-02");
    EXPECT_EQ(j["treatment"]["first"], "2024-03-24");
    EXPECT_EQ(j["treatment"]["nights"], 18);
    ASSERT_EQ(j["metrics"].size(), 10u);
    for (const auto& m : j["metrics"]) {
        for (const char* key : {"metric", "n_baseline", "n_treatment", "mean_baseline", "mean_treatment",
                                "sd_baseline", "sd_treatment", "diff", "ci_low", "ci_high", "hedges_g", "p",
                                "p_holm", "mde", "verdict"})
            EXPECT_TRUE(m.contains(key)) << key;
        const std::string v = m["verdict"];
        EXPECT_TRUE(v == "changed" || v == "no_change" || v == "too_few_nights" || v == "not_comparable") << v;
        EXPECT_TRUE(m["sensitivity"].contains("trend_adjusted")) << m["metric"];
        EXPECT_TRUE(m["sensitivity"].contains("bootstrap")) << m["metric"];
        // One estimator: p < 0.05 exactly when the CI excludes 0.
        if (m["p"].is_number()) {
            EXPECT_EQ(m["p"].get<double>() < 0.05,
                      m["ci_low"].get<double>() > 0 || m["ci_high"].get<double>() < 0) << m["metric"];
        }
    }
    EXPECT_EQ(j["primary"], "sol_min");
    EXPECT_EQ(j["secondary"].size(), 9u);
    EXPECT_TRUE(j["metrics"][0]["primary"].get<bool>());
    EXPECT_TRUE(j["comparable"].get<bool>());
    EXPECT_EQ(j["nights_left_out"], 0);
    ASSERT_EQ(j["sources"].size(), 1u);
    EXPECT_EQ(j["sources"][0]["baseline"], 15);
    EXPECT_EQ(j["sources"][0]["treatment"], 18);
    EXPECT_EQ(j["source"], j["sources"][0]["source"]);
    EXPECT_TRUE(j["sensitivity"]["tags"].is_array());
    EXPECT_EQ(j["metrics"][0]["metric"], "sol_min");
    EXPECT_EQ(j["metrics"][0]["verdict"], "changed");
    EXPECT_LT(j["metrics"][0]["diff"].get<double>(), -5);
    EXPECT_TRUE(j["warnings"].is_array());
}

TEST(CompareCli, TableSpeaksPlainWords) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    CliFixture f;
    std::vector<std::string> args = {"compare"};
    args.insert(args.end(), f.args.begin(), f.args.end());
    args.insert(args.end(), {"--intake", f.intake, "-B", "500", "--metrics", "sol_min,deep_pct"});
    const auto r = sleeparch::testing::run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("changed: lower"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("associated with the magnesium period"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("not proof"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("caused by"), std::string::npos) << r.out;
}

TEST(CompareCli, ErrorMessages) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    CliFixture f;
    const std::string night = f.args.front();
    auto bad = f.dir.write("bad.csv", "date,mg_elemental\n2024-03-01,abc\n").string();
    auto r = sleeparch::testing::run_cli({"compare", night, "--intake", bad});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + bad + ":2: mg_elemental: \"abc\" is not a number\n");
    r = sleeparch::testing::run_cli({"compare", night});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "sleeparch: compare needs --intake LOG, or both --baseline and --treatment\n");
    const auto missing = (f.dir.path() / "absent.csv").string();
    r = sleeparch::testing::run_cli({"compare", night, "--intake", missing});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + missing + ": cannot open the file\n");
    r = sleeparch::testing::run_cli({"compare", night, "--baseline", "2024-03-01", "--treatment", "2024-04-01.."});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "sleeparch: date range \"2024-03-01\" must look like 2024-01-01..2024-02-15\n");
    std::vector<std::string> all = {"compare"};
    all.insert(all.end(), f.args.begin(), f.args.end());
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = all;
        a.insert(a.end(), {"--intake", f.intake, "-B", "100"});
        a.insert(a.end(), extra.begin(), extra.end());
        return sleeparch::testing::run_cli(a);
    };
    r = with({"--compare-source", "Oura"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err.rfind("sleeparch: --compare-source \"Oura\" matches no source; present: ", 0), 0u) << r.err;
    r = with({"--washout", "400"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "sleeparch: compare: --washout must be 0 to 365 nights\n");
    r = with({"--primary", "deep_percent"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err.rfind("sleeparch: compare: --primary: unknown metric \"deep_percent\"", 0), 0u) << r.err;
}

TEST(SerumCli, PrintsTheInterpretation) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    auto r = sleeparch::testing::run_cli({"serum", "1.9", "mg/dL"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out,
              "Serum magnesium 1.9 mg/dL = 0.78 mmol/L\n"
              "0.78 mmol/L is low-normal, in the lower part of the range: worth discussing with a doctor. "
              "Rosanoff et al. (2022) propose 0.85 mmol/L as the cut-off for adequate magnesium status.\n"
              "This reads one number against reference values; it is not a diagnosis.\n");
    r = sleeparch::testing::run_cli({"serum", "0.9", "mmol/L", "--format", "json"});
    EXPECT_EQ(nlohmann::json::parse(r.out)["band"], "adequate");
    r = sleeparch::testing::run_cli({"serum", "0.7", "mmol/L"});
    EXPECT_NE(r.out.find("0.70 mmol/L is below common reference ranges"), std::string::npos);
    r = sleeparch::testing::run_cli({"serum", "abc", "mmol/L"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "sleeparch: serum: \"abc\" is not a number\n");
    r = sleeparch::testing::run_cli({"serum", "0.8", "g/L"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "sleeparch: serum: unknown unit \"g/L\"; expected mmol/L, mg/dL or mEq/L\n");
    r = sleeparch::testing::run_cli({"serum", "-1", "mmol/L"});
    EXPECT_EQ(r.exit_code, 2);
}
