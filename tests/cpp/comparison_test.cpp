#include <gtest/gtest.h>

#include <boost/date_time/gregorian/gregorian.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include "sleeparch/comparison.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/stats.hpp"
#include "sleeparch/time.hpp"
#include <nlohmann/json.hpp>

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

TEST(Comparison, ExplicitPeriodsAndNotEnoughNights) {
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
    EXPECT_EQ(m.verdict, Verdict::NotEnoughNights);
    EXPECT_EQ(verdict_name(m.verdict), "not_enough_nights");
    EXPECT_EQ(verdict_sentence(m), "Sleep-onset latency: not enough nights (20 baseline, 12 treatment; 14 each needed).");
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
    EXPECT_EQ(m.verdict, Verdict::Changed);
    EXPECT_LT(m.ci_high, 0);
    EXPECT_NEAR(m.diff, -8, 1.5);
    EXPECT_LT(m.hedges_g, -1.5);
    EXPECT_EQ(m.covariates, std::vector<std::string>{"weekend"});
    const std::string sentence = verdict_sentence(m);
    EXPECT_NE(sentence.find("associated with"), std::string::npos) << sentence;
    EXPECT_EQ(sentence.find("caused"), std::string::npos);
    const std::string closing = closing_paragraph(r);
    EXPECT_NE(closing.find("not proof"), std::string::npos);
    EXPECT_NE(closing.find("Menghini"), std::string::npos);  // deep_pct compared
    // Same seed, same interval; another seed, another interval.
    const auto again = compare_periods(s.nights, s.metrics, s.doses, opt);
    EXPECT_EQ(metric(again, "sol_min").ci_low, m.ci_low);
    opt.threads = 1;
    EXPECT_EQ(metric(compare_periods(s.nights, s.metrics, s.doses, opt), "sol_min").ci_low, m.ci_low);
    opt.seed = 7;
    EXPECT_NE(metric(compare_periods(s.nights, s.metrics, s.doses, opt), "sol_min").ci_low, m.ci_low);
}

TEST(Comparison, MdeFollowsMetricsFormula) {
    Xoshiro256ss g(5);
    auto v = ar1(100, 0.5, g);
    Series s = make_series(v);
    CompareOptions opt;
    opt.metrics = {"tst_min"};
    opt.resamples = 200;
    opt.baseline = parse_date_range("2024-01-01..2024-02-09");   // 40
    opt.treatment = parse_date_range("2024-02-20..2024-04-09");  // 50
    const auto r = compare_periods(s.nights, s.metrics, {}, opt);
    const auto& m = metric(r, "tst_min");
    const std::vector<double> base(v.begin(), v.begin() + 40);
    const double rho = lag1_autocorrelation(base);
    EXPECT_NEAR(m.rho_baseline, rho, 1e-12);
    const double expected = 2.80 * sample_sd(base) * std::sqrt((1.0 / 40 + 1.0 / 50) * (1 + rho) / (1 - rho));
    EXPECT_NEAR(m.mde, expected, 1e-12);
}

TEST(Comparison, HolmAcrossMetricsAndPrimaryUnadjusted) {
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
    std::vector<double> p;
    for (const auto& m : r.metrics) p.push_back(m.p);
    const auto adj = holm_adjust(p);
    for (std::size_t k = 0; k < r.metrics.size(); ++k) EXPECT_DOUBLE_EQ(r.metrics[k].p_holm, adj[k]);
    opt.primary = "se_pct";
    const auto rp = compare_periods(s.nights, s.metrics, {}, opt);
    EXPECT_TRUE(metric(rp, "se_pct").primary);
    EXPECT_DOUBLE_EQ(metric(rp, "se_pct").p_holm, metric(rp, "se_pct").p);
    const auto adj2 = holm_adjust(std::vector<double>{metric(rp, "sol_min").p, metric(rp, "tst_min").p});
    EXPECT_DOUBLE_EQ(metric(rp, "sol_min").p_holm, adj2[0]);
    // A primary metric outside the list is compared too, unadjusted.
    opt.primary = "waso_min";
    const auto rw = compare_periods(s.nights, s.metrics, {}, opt);
    ASSERT_EQ(rw.metrics.size(), 4u);
    EXPECT_TRUE(metric(rw, "waso_min").primary);
    EXPECT_DOUBLE_EQ(metric(rw, "waso_min").p_holm, metric(rw, "waso_min").p);
    opt.primary = "deep_percent";
    EXPECT_THROW(compare_periods(s.nights, s.metrics, {}, opt), UsageError);
}

TEST(Comparison, WarningsForDeviceChangeDosesAboveLimitMissingIntakeAndLowStaging) {
    std::vector<double> v(100);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 10 + (i * 7 % 5);
    Series s = make_series(v);
    for (std::size_t i = 50; i < 100; ++i) s.nights[i].source.version = "2.0";
    dose_nights(s, 30, 90, 200);
    // Nights 60..79 without intake; one day above the limit.
    s.doses.erase(std::remove_if(s.doses.begin(), s.doses.end(), [](const Dose& d) {
                      const auto i = (*d.time - day0 + 2 * 3600) / 86400;
                      return i >= 60 && i < 80;
                  }), s.doses.end());
    s.doses[0].mg_elemental = 500;
    for (std::size_t i = 0; i < 5; ++i) s.metrics[i + 40].staged_fraction = 0.5;
    std::vector<SerumResult> serum(1);
    serum[0].date = date(2024, 1, 20);
    serum[0].reading = interpret_serum(0.80, SerumUnit::MmolPerL);
    CompareOptions opt;
    opt.resamples = 200;
    opt.metrics = {"sol_min", "deep_pct"};
    const auto r = compare_periods(s.nights, s.metrics, s.doses, opt, serum);
    auto has = [&](const std::string& needle) {
        for (const auto& w : r.warnings)
            if (w.find(needle) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(has("source or algorithm version differs between periods (treatment only: Ring (hypnogram) "
                    "version 2.0): a difference may come from the device rather than from sleep"));
    EXPECT_TRUE(has("20 of 54 treatment nights have no dose logged"));
    EXPECT_TRUE(has("supplemental magnesium was above 350 mg/day (the US tolerable upper limit for supplements) "
                    "on 1 day(s), up to 500 mg"));
    EXPECT_TRUE(has("5 of 84 nights have staged_fraction below 0.8"));
    ASSERT_EQ(r.serum.size(), 1u);  // reported beside the warnings, not among them
    EXPECT_EQ(r.serum[0].reading.band, SerumBand::LowNormal);
    EXPECT_FALSE(has("serum"));
    EXPECT_EQ(metric(r, "deep_pct").skipped_low_staged, 5u);
    EXPECT_EQ(metric(r, "deep_pct").n_treatment + 5, metric(r, "sol_min").n_treatment);
}

TEST(Comparison, BaselineTrendIsWarned) {
    std::vector<double> v(100);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 30 - 0.3 * static_cast<double>(i) + ((i * 7) % 3);
    Series s = make_series(v);
    CompareOptions opt;
    opt.resamples = 200;
    opt.metrics = {"sol_min"};
    opt.baseline = parse_date_range("2024-01-01..2024-02-09");
    opt.treatment = parse_date_range("2024-02-17..2024-04-09");
    const auto r = compare_periods(s.nights, s.metrics, {}, opt);
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_EQ(r.warnings[0].rfind("sol_min: the baseline already trends (p = ", 0), 0u) << r.warnings[0];
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
    EXPECT_EQ(message(bad, {}), "unknown metric \"deep_percent\" (see `sleeparch nights --help` for names)");
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

// Simulation checks on AR(1) series: baseline, 7 washout nights and
// treatment, unit innovations, phi 0.3 (the lag-1 autocorrelation typical of
// nightly sleep metrics).
//
// Coverage of the 95 % interval (studentised stationary bootstrap, see
// bootstrap_diff_ci), measured on 2000 pairs of series per cell, B = 1000:
//   phi 0.3: n 14 -> 0.911, 30 -> 0.928, 60 -> 0.939, 120 -> 0.945, 365 -> 0.947
//   phi 0:   n 30 -> 0.933, 120 -> 0.948;  phi 0.5: n 30 -> 0.924, 120 -> 0.943
//   phi 0.7, n 120 -> 0.936; MA(1) 0.3 -> 0.951; AR(1) + weekly cycle -> 0.948
// The percentile interval it replaced gave 0.779, 0.857, 0.879, 0.908, 0.923
// on the phi 0.3 row and 0.796 at phi 0.5, n 30.
struct CoverageCell {
    std::size_t nights;  // per period
    double effect;
};

double simulated_coverage(const CoverageCell& cell, int reps, std::uint64_t stream) {
    int covered = 0;
    const std::size_t total = 2 * cell.nights + 7;
    const date first(2024, 1, 1);
    const date last_baseline = first + date_duration(static_cast<long>(cell.nights) - 1);
    const date first_treatment = last_baseline + date_duration(8);
    const date last = first + date_duration(static_cast<long>(total) - 1);
    for (int rep = 0; rep < reps; ++rep) {
        Xoshiro256ss g = Xoshiro256ss::for_stream(stream, static_cast<std::uint64_t>(rep));
        auto v = ar1(total, 0.3, g);
        for (std::size_t i = cell.nights + 7; i < v.size(); ++i) v[i] += cell.effect;
        Series s = make_series(v);
        CompareOptions opt;
        opt.metrics = {"sol_min"};
        opt.resamples = 1000;
        opt.threads = 1;
        opt.seed = static_cast<std::uint64_t>(rep);
        opt.baseline = parse_date_range(format_date(first) + ".." + format_date(last_baseline));
        opt.treatment = parse_date_range(format_date(first_treatment) + ".." + format_date(last));
        const auto r = compare_periods(s.nights, s.metrics, {}, opt);
        const auto& m = r.metrics[0];
        EXPECT_EQ(m.n_baseline, cell.nights);
        EXPECT_EQ(m.n_treatment, cell.nights);
        if (m.ci_low <= cell.effect && cell.effect <= m.ci_high) ++covered;
    }
    return static_cast<double>(covered) / reps;
}

// 1000 series: the binomial SE at 0.95 is 0.7 points; the bounds allow
// about 3 SEs around the measured 0.945.
TEST(ComparisonSimulation, CoverageNearNominalWithKnownEffect) {
    const int reps = sim_reps(1000);
    const double coverage = simulated_coverage({120, 0.8}, reps, 1001);
    std::printf("bootstrap CI coverage %.3f over %d series of 120 + 120 nights (nominal 0.95)\n", coverage,
                reps);
    EXPECT_GE(coverage, 0.925);
    EXPECT_LE(coverage, 0.97);
}

// A month per period, where the percentile interval fell to 0.86.
TEST(ComparisonSimulation, CoverageHoldsForAMonthPerPeriod) {
    const int reps = sim_reps(1000);
    const double coverage = simulated_coverage({30, -0.5}, reps, 1003);
    std::printf("bootstrap CI coverage %.3f over %d series of 30 + 30 nights (nominal 0.95)\n", coverage, reps);
    EXPECT_GE(coverage, 0.905);
    EXPECT_LE(coverage, 0.97);
}

// Null series: the interval alone excludes 0 about 5 % of the time. The
// "changed" verdict needs Holm p < 0.05 and such an interval, so it is
// rarer still. The Newey-West t-test alone over-rejects a little in series
// this short (Andrews 1991), so its own rate gets a looser bound.
TEST(ComparisonSimulation, FalseChangedRateNearFivePercentOnNullSeries) {
    const int reps = sim_reps(1000);
    int changed = 0, p_below = 0, excludes = 0;
    for (int rep = 0; rep < reps; ++rep) {
        Xoshiro256ss g = Xoshiro256ss::for_stream(2002, static_cast<std::uint64_t>(rep));
        Series s = make_series(ar1(247, 0.3, g));
        CompareOptions opt;
        opt.metrics = {"sol_min"};
        opt.resamples = 1000;
        opt.threads = 1;
        opt.seed = static_cast<std::uint64_t>(rep);
        opt.baseline = parse_date_range("2024-01-01..2024-04-29");
        opt.treatment = parse_date_range("2024-05-07..2024-09-03");
        const auto r = compare_periods(s.nights, s.metrics, {}, opt);
        const auto& m = r.metrics[0];
        if (m.verdict == Verdict::Changed) ++changed;
        if (m.p < 0.05) ++p_below;
        if (m.ci_low > 0 || m.ci_high < 0) ++excludes;
    }
    const double rate = static_cast<double>(changed) / reps;
    const double p_rate = static_cast<double>(p_below) / reps;
    const double ci_rate = static_cast<double>(excludes) / reps;
    std::printf("null series (%d): CI excludes 0 in %.3f, p < 0.05 in %.3f, verdict 'changed' in %.3f "
                "(nominal 0.05)\n",
                reps, ci_rate, p_rate, rate);
    EXPECT_GE(ci_rate, 0.03);
    EXPECT_LE(ci_rate, 0.075);
    EXPECT_LE(rate, 0.065);
    EXPECT_LE(p_rate, 0.11);
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
        EXPECT_TRUE(v == "changed" || v == "no_change" || v == "not_enough_nights") << v;
    }
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
