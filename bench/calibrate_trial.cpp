// The self-trial's calibration (METRICS.md §7) on simulated hypnograms
// (tests/cpp/support/night_simulator.hpp): the randomisation test's size
// under a null with AR(1) dependence and a seasonal SOL drift, its power for
// a 10-min shorter SOL, and the 95 % CI coverage of the true effect.
//
//   calibrate_trial REPS WEEKS PHI EFFECT SEASON_AMPLITUDE
// prints one JSON object: rejected share (p < 0.05 with the sign of the
// effect when EFFECT != 0), coverage, mean randomisation SD.
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "../tests/cpp/support/night_simulator.hpp"
#include "sleeparch/trial.hpp"

using namespace sleeparch;

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: calibrate_trial REPS WEEKS PHI EFFECT SEASON_AMPLITUDE\n";
        return 2;
    }
    const int reps = std::atoi(argv[1]), weeks = std::atoi(argv[2]);
    const double phi = std::atof(argv[3]), effect = std::atof(argv[4]), season = std::atof(argv[5]);
    TrialOptions opt;
    opt.metrics = {"sol_min"};
    int rejected = 0, covered = 0, with_ci = 0;
    double sd = 0;
    for (int s = 0; s < reps; ++s) {
        PlanOptions po;
        po.start = boost::gregorian::date(2024, 1, 1);
        po.weeks = weeks;
        po.seed = 100000 + static_cast<std::uint64_t>(s);
        const TrialPlan plan = make_plan(po);
        testing::SimConfig c;
        c.baseline_nights = static_cast<std::size_t>(plan.scheme.nights());
        c.treatment_nights = 0;
        c.washout_nights = 0;
        c.phi = phi;
        c.sol_effect_min = effect;
        c.sol_season_amplitude_min = season;
        c.sol_season_phase = 2 * std::numbers::pi * (s % 12) / 12.0;  // the trial starts in any month
        c.seed = 900000 + static_cast<std::uint64_t>(s);
        const auto conds = plan.period_conditions();
        for (int k = 0; k < plan.scheme.nights(); ++k)
            c.effect_nights.push_back(conds[static_cast<std::size_t>(k / plan.scheme.period_nights)] ==
                                      TrialCondition::Magnesium);
        const auto sim = testing::simulate_series(c);
        const TrialResult r = analyse_trial(sim.nights, sim.metrics, {}, plan, opt, false);
        const TrialMetric& m = r.metrics[0];
        if (m.p < 0.05 && (effect == 0 || (m.diff < 0) == (effect < 0))) ++rejected;
        if (std::isfinite(m.ci_low) && std::isfinite(m.ci_high)) {
            ++with_ci;
            // The simulator's effect is on latent latency; measured SOL follows it
            // except where it is floored at 1 min.
            if (m.ci_low <= effect && effect <= m.ci_high) ++covered;
        }
        sd += m.randomisation_sd;
    }
    nlohmann::json out = {{"reps", reps}, {"weeks", weeks}, {"phi", phi}, {"effect", effect}, {"season", season},
                          {"rejected", static_cast<double>(rejected) / reps},
                          {"coverage", with_ci ? static_cast<double>(covered) / with_ci : std::nan("")},
                          {"mde", 2.80 * sd / reps}};
    std::cout << out.dump() << "\n";
    return 0;
}
