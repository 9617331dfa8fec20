// The randomised self-trial (METRICS.md §7): plans, the randomisation test
// against brute-force enumeration, plan files, the analysis and its
// calibration on simulated trials.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "sleeparch/error.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/trial.hpp"
#include "support/night_simulator.hpp"

namespace sleeparch {
namespace {

using boost::gregorian::date;
using boost::gregorian::date_duration;

PlanOptions options(date start, std::uint64_t seed, int weeks = 14) {
    PlanOptions o;
    o.start = start;
    o.seed = seed;
    o.weeks = weeks;
    return o;
}

TEST(TrialPlan, SameSeedSamePlanDifferentSeedsDifferentAssignments) {
    const date start(2027, 1, 4);
    EXPECT_EQ(make_plan(options(start, 11)).magnesium_first, make_plan(options(start, 11)).magnesium_first);
    std::set<std::vector<bool>> seen;
    for (std::uint64_t s = 1; s <= 60; ++s) seen.insert(make_plan(options(start, s)).magnesium_first);
    // 60 draws from 128 equally likely orders: about 14 collide on average.
    EXPECT_GT(seen.size(), 35u);
    EXPECT_NE(make_plan(options(start, 1)).magnesium_first, make_plan(options(start, 2)).magnesium_first);
}

TEST(TrialPlan, BalancedRunsCappedWashoutAtEverySwitch) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        const TrialPlan p = make_plan(options(date(2027, 1, 4), seed, 24));
        const auto conds = p.period_conditions();
        ASSERT_EQ(conds.size(), 24u);
        int mag = 0, run = 1, max_run = 1;
        for (std::size_t j = 0; j < conds.size(); ++j) {
            mag += conds[j] == TrialCondition::Magnesium;
            if (j % 2 == 1) EXPECT_NE(conds[j], conds[j - 1]) << "pair " << j / 2;
            if (j > 0) run = conds[j] == conds[j - 1] ? run + 1 : 1;
            max_run = std::max(max_run, run);
        }
        EXPECT_EQ(mag, 12);
        EXPECT_LE(max_run, p.scheme.max_run());
        // Washout: the first 3 nights of every period whose condition differs
        // from the one before (the start counts as coming from control), nowhere else.
        for (std::size_t j = 0; j < conds.size(); ++j) {
            const bool sw = conds[j] != (j == 0 ? TrialCondition::Control : conds[j - 1]);
            for (int k = 0; k < 7; ++k) {
                const date night = p.start + date_duration(static_cast<long>(j) * 7 + k);
                const auto c = p.condition_on(night);
                ASSERT_TRUE(c);
                EXPECT_EQ(*c == TrialCondition::Washout, sw && k < 3) << format_date(night);
                if (*c != TrialCondition::Washout) EXPECT_EQ(*c, conds[j]);
            }
        }
    }
}

TEST(TrialPlan, DatesAreCalendarDatesAcrossDaylightSavingChanges) {
    // Europe/Berlin changes on 28 March and 31 October 2027; label dates are
    // calendar dates, so every night appears once and periods stay 7 dates long.
    for (const date start : {date(2027, 3, 1), date(2027, 10, 4)}) {
        const TrialPlan p = make_plan(options(start, 3));
        date expected = start;
        for (const TrialPeriod& row : p.periods()) {
            EXPECT_EQ(row.first_night, expected);
            expected = row.last_night + date_duration(1);
        }
        EXPECT_EQ(expected, start + date_duration(98));
        EXPECT_EQ(p.last_night(), start + date_duration(97));
        const date dst = start.month() == 3 ? date(2027, 3, 29) : date(2027, 11, 1);  // first night after the change
        const long k = (dst - start).days();
        EXPECT_TRUE(p.condition_on(dst));
        const auto conds = p.period_conditions();
        const auto c = *p.condition_on(dst);
        if (c != TrialCondition::Washout) EXPECT_EQ(c, conds[static_cast<std::size_t>(k / 7)]);
    }
}

TEST(TrialPlan, FewerThanSixPairsIsRefused) {
    PlanOptions o = options(date(2027, 1, 4), 1, 10);
    EXPECT_THROW(o.validate(), UsageError);
    o.weeks = 13;
    EXPECT_THROW(o.validate(), UsageError);
}

std::vector<double> random_values(std::size_t n, std::uint64_t seed, double missing = 0.1) {
    Xoshiro256ss g(seed);
    std::vector<double> v(n);
    for (double& x : v) x = g.uniform() < missing ? std::nan("") : 20 + 10 * testing::sim_normal(g);
    return v;
}

TEST(RandomisationTest, PEqualsBruteForceEnumeration) {
    TrialScheme s;
    s.pairs = 6;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const auto values = random_values(static_cast<std::size_t>(s.nights()), seed);
        Xoshiro256ss g(seed + 100);
        std::vector<bool> obs(6);
        for (std::size_t i = 0; i < 6; ++i) obs[i] = g.bounded(2);
        const double t_obs = trial_effect(values, s, obs);
        std::size_t count = 0;
        for (int b = 0; b < 64; ++b) {
            std::vector<bool> a(6);
            for (int i = 0; i < 6; ++i) a[static_cast<std::size_t>(i)] = (b >> i) & 1;
            if (std::fabs(trial_effect(values, s, a)) >= std::fabs(t_obs) - 1e-9) ++count;
        }
        const RandomisationTest t = randomisation_test(values, s, obs, 1);
        EXPECT_NEAR(t.observed, t_obs, 1e-9);
        EXPECT_DOUBLE_EQ(t.p, static_cast<double>(count) / 64.0);
        EXPECT_TRUE(t.exact);
        EXPECT_EQ(t.assignments, 64u);
        EXPECT_GE(t.p, s.smallest_p());
        // The interval holds the estimate, and excludes 0 exactly when p < 0.05.
        EXPECT_LE(t.ci_low, t.observed);
        EXPECT_GE(t.ci_high, t.observed);
        EXPECT_EQ(t.p < 0.05, t.ci_low > 0 || t.ci_high < 0) << seed;
    }
}

TEST(RandomisationTest, MonteCarloAgreesWithExact) {
    TrialScheme s;
    s.pairs = 10;
    const auto values = random_values(static_cast<std::size_t>(s.nights()), 9, 0);
    std::vector<bool> obs = {true, false, false, true, true, false, true, false, true, true};
    const RandomisationTest exact = randomisation_test(values, s, obs, 1);
    const RandomisationTest mc = randomisation_test(values, s, obs, 1, 100, 20000);
    EXPECT_FALSE(mc.exact);
    EXPECT_NEAR(mc.p, exact.p, 0.015);
}

TEST(RandomisationTest, LargeShiftIsFoundAndCovered) {
    TrialScheme s;
    s.pairs = 8;
    auto values = random_values(static_cast<std::size_t>(s.nights()), 4, 0);
    std::vector<bool> obs = {true, false, true, true, false, false, true, false};
    const auto conds = TrialPlan{date(2027, 1, 4), s, 1, obs}.period_conditions();
    for (std::size_t k = 0; k < values.size(); ++k)
        if (conds[k / 7] == TrialCondition::Magnesium) values[k] -= 15;
    const RandomisationTest t = randomisation_test(values, s, obs, 1);
    EXPECT_LT(t.p, 0.05);
    EXPECT_LT(t.ci_low, -15 + 0.1);  // loose: one draw; the calibration test checks coverage in bulk
    EXPECT_LT(t.ci_high, 0);
}

TEST(PlanJson, RoundTripsAndBlindCopyNeedsItsKey) {
    PlanOptions o = options(date(2027, 3, 1), 8);
    o.blind = true;
    const TrialPlan p = make_plan(o);
    const nlohmann::json copy = plan_json(p, true), key = plan_key_json(p);
    for (const auto& row : copy["periods"]) {
        const std::string c = row["condition"];
        EXPECT_TRUE(c == "A" || c == "B" || c == "washout") << c;
    }
    const TrialPlan back = read_plan_json(copy, "plan.json", &key, "plan-key.json");
    EXPECT_EQ(back.magnesium_first, p.magnesium_first);
    EXPECT_EQ(back.start, p.start);
    EXPECT_TRUE(back.key_known);
    EXPECT_FALSE(read_plan_json(copy, "plan.json").key_known);
    const TrialPlan open = make_plan(options(date(2027, 3, 1), 8));
    EXPECT_EQ(read_plan_json(plan_json(open), "plan.json").magnesium_first, open.magnesium_first);
}

TEST(PlanJson, NotAPlanNamesFileAndField) {
    try {
        read_plan_json(nlohmann::json::parse(R"({"nights": []})"), "x.json");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(), "x.json: sleeparch_plan: missing: this is not a plan written by `sleeparch plan`");
    }
    nlohmann::json doc = plan_json(make_plan(options(date(2027, 3, 1), 8)));
    doc["periods"][2]["first_night"] = "2027-13-01";
    try {
        read_plan_json(doc, "plan.json");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(), "plan.json:periods[2]: first_night: \"2027-13-01\" is not a date (YYYY-MM-DD)");
    }
    doc = plan_json(make_plan(options(date(2027, 3, 1), 8)));
    for (auto& row : doc["periods"])
        if (row["period"] == 2 && row["condition"] != "washout")
            row["condition"] = row["condition"] == "magnesium" ? "control" : "magnesium";
    EXPECT_THROW(read_plan_json(doc, "plan.json"), ParseError);
}

// A simulated trial: the simulator's nights over the plan, the effect on the
// plan's magnesium nights.
testing::SimSeries simulate_trial(const TrialPlan& plan, double phi, double effect, double season, std::uint64_t seed) {
    testing::SimConfig c;
    c.baseline_nights = static_cast<std::size_t>(plan.scheme.nights());
    c.treatment_nights = 0;
    c.washout_nights = 0;
    c.phi = phi;
    c.sol_effect_min = effect;
    c.sol_season_amplitude_min = season;
    c.sol_season_phase = static_cast<double>(seed % 7);
    c.seed = seed;
    const auto conds = plan.period_conditions();
    for (int k = 0; k < plan.scheme.nights(); ++k)
        c.effect_nights.push_back(conds[static_cast<std::size_t>(k / plan.scheme.period_nights)] == TrialCondition::Magnesium);
    return testing::simulate_series(c);
}

TEST(AnalyseTrial, NoNightsInThePlanNamesThePeriods) {
    const TrialPlan plan = make_plan(options(date(2024, 1, 1), 2, 12));
    const auto sim = simulate_trial(plan, 0.3, 0, 0, 1);
    const TrialPlan later = make_plan(options(date(2025, 1, 1), 2, 12));
    try {
        analyse_trial(sim.nights, sim.metrics, {}, later, TrialOptions{}, false);
        FAIL();
    } catch (const UsageError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("no main sleep of the export falls inside the plan's periods (2025-01-01..2025-03-25"), std::string::npos) << m;
        EXPECT_NE(m.find("1 2025-01-01.."), std::string::npos) << m;
    }
}

TEST(AnalyseTrial, DosesOnControlNightsWarnWithCounts) {
    const TrialPlan plan = make_plan(options(date(2024, 1, 1), 2, 12));
    const auto sim = simulate_trial(plan, 0.3, 0, 0, 1);
    std::vector<Dose> doses;
    const auto conds = plan.period_conditions();
    std::size_t on_control = 0;
    for (int k = 0; k < plan.scheme.nights(); ++k) {
        const bool mag = conds[static_cast<std::size_t>(k / 7)] == TrialCondition::Magnesium;
        if (!mag && k % 7 != 6) continue;  // one control night a week gets a dose too
        on_control += !mag;
        Dose d;
        d.date = plan.start + date_duration(k - 1);  // the evening before
        d.mg_elemental = 300;
        doses.push_back(d);
    }
    const TrialResult r = analyse_trial(sim.nights, sim.metrics, doses, plan, TrialOptions{});
    EXPECT_EQ(r.adherence.planned_magnesium, 42u);
    EXPECT_EQ(r.adherence.magnesium_with_dose, 42u);
    EXPECT_EQ(r.adherence.control_with_dose, on_control);
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_EQ(r.warnings[0].rfind("doses logged on " + std::to_string(on_control) + " of 42 control nights", 0), 0u)
        << r.warnings[0];
    EXPECT_EQ(r.metrics[0].metric, "sol_min");
    EXPECT_TRUE(r.metrics[0].primary);
    EXPECT_EQ(r.method, "exact");
}

// Calibration (small seeded versions; bench/calibrate_trial.py prints the
// full numbers): size under a null with AR(1) phi 0.6 and a seasonal drift,
// and power for SOL -10 min in a 24-week plan.
TEST(TrialCalibration, NullWithAutocorrelationAndSeasonalDriftKeepsItsSize) {
    std::size_t rejected = 0;
    const std::size_t sims = 150;
    TrialOptions opt;
    opt.metrics = {"sol_min"};
    for (std::size_t s = 0; s < sims; ++s) {
        const TrialPlan plan = make_plan(options(date(2024, 1, 1), 1000 + s, 14));
        const auto sim = simulate_trial(plan, 0.6, 0, 5, 5000 + s);
        const TrialResult r = analyse_trial(sim.nights, sim.metrics, {}, plan, opt, false);
        rejected += r.metrics[0].p < 0.05;
    }
    EXPECT_LE(static_cast<double>(rejected) / sims, 0.075) << rejected << " of " << sims;
}

TEST(TrialCalibration, PowerForTenMinutesInTwentyFourWeeks) {
    std::size_t found = 0;
    const std::size_t sims = 60;
    TrialOptions opt;
    opt.metrics = {"sol_min"};
    for (std::size_t s = 0; s < sims; ++s) {
        const TrialPlan plan = make_plan(options(date(2024, 1, 1), 2000 + s, 24));
        const auto sim = simulate_trial(plan, 0.6, -10, 5, 7000 + s);
        const TrialResult r = analyse_trial(sim.nights, sim.metrics, {}, plan, opt, false);
        found += r.metrics[0].p < 0.05 && r.metrics[0].diff < 0;
    }
    EXPECT_GE(static_cast<double>(found) / sims, 0.70) << found << " of " << sims;
}

TEST(TrialPower, HistoryGivesMorePowerForLongerPlans) {
    Xoshiro256ss g(3);
    std::vector<double> history;
    double z = 0;
    for (int i = 0; i < 90; ++i) {
        z = 0.5 * z + std::sqrt(0.75) * testing::sim_normal(g);
        history.push_back(22 + 9 * z);
    }
    PowerOptions po;
    po.simulations = 200;
    const auto rows = trial_power(history, TrialScheme{}, po);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].power, 0.0);  // 8 weeks: 4 pairs, smallest p 0.125
    EXPECT_DOUBLE_EQ(rows[0].smallest_p, 0.125);
    EXPECT_GT(rows[3].power, 0.8);
    EXPECT_GT(rows[1].mde, rows[3].mde);
    EXPECT_THROW(trial_power(std::vector<double>(10, 1.0), TrialScheme{}, po), UsageError);
}

}  // namespace
}  // namespace sleeparch
