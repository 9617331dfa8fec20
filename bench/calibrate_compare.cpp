// Calibration of the before/after comparison on simulated hypnograms
// (METRICS.md §5.11; the simulator is tests/cpp/support/night_simulator.hpp).
// One cell per run; bench/calibrate_compare.py runs the grid and prints the
// table. Prints one JSON line:
//   null:    per-metric and any-metric false "changed", 95 % CI coverage of 0
//   power:   sol_min "changed" with a 10-min shorter SOL in the treatment period
//   replaced / mixing: "changed" and "not_comparable" rows for pure device artefacts
//   contradicting: rows whose verdict, p, CI and sentence disagree (all runs)
//
//   calibrate_compare REPS NIGHTS_PER_PERIOD PHI [SEED]
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "../tests/cpp/support/night_simulator.hpp"
#include "sleeparch/comparison.hpp"

using namespace sleeparch;
using sleeparch::testing::DeviceScenario;
using sleeparch::testing::SimConfig;

namespace {

bool self_contradicting(const MetricComparison& m) {
    const bool excludes = m.ci_low > 0 || m.ci_high < 0;
    if (m.verdict == Verdict::Changed && (!excludes || !(m.p_holm < 0.05))) return true;
    if ((m.verdict == Verdict::Changed || m.verdict == Verdict::NoChange) && (m.p < 0.05) != excludes) return true;
    if (m.verdict == Verdict::NoChange && m.primary && excludes) return true;
    const std::string s = verdict_sentence(m);
    if (s.find("could not be seen") != std::string::npos && !(std::fabs(m.diff) < m.mde)) return true;
    return s.find("caused") != std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: calibrate_compare REPS NIGHTS_PER_PERIOD PHI [SEED]\n";
        return 2;
    }
    const int reps = std::atoi(argv[1]);
    const auto nights = static_cast<std::size_t>(std::atoi(argv[2]));
    const double phi = std::atof(argv[3]);
    const std::uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1;

    CompareOptions opt;
    opt.resamples = 100;  // the bootstrap only feeds the sensitivity block
    opt.threads = 1;
    std::map<std::string, int> changed, covered, rows;
    int any = 0, power = 0, contradicting = 0, replaced_changed = 0, replaced_nc = 0, replaced_rows = 0,
        mixing_changed = 0, mixing_rows = 0;
    auto run = [&](DeviceScenario devices, double effect, std::uint64_t stream, int rep) {
        SimConfig c;
        c.baseline_nights = c.treatment_nights = nights;
        c.phi = phi;
        c.devices = devices;
        c.sol_effect_min = effect;
        c.seed = seed * 1'000'003 + stream * 100'000 + static_cast<std::uint64_t>(rep);
        const auto s = sleeparch::testing::simulate_series(c);
        CompareOptions o = opt;
        o.seed = c.seed;
        ComparisonResult r = compare_periods(s.nights, s.metrics, s.doses, o);
        for (const auto& m : r.metrics) contradicting += self_contradicting(m);
        return r;
    };
    for (int rep = 0; rep < reps; ++rep) {
        const auto null = run(DeviceScenario::OneDevice, 0, 1, rep);
        bool some = false;
        for (const auto& m : null.metrics) {
            ++rows[m.metric];
            if (m.verdict == Verdict::Changed) {
                ++changed[m.metric];
                some = true;
            }
            if (m.ci_low <= 0 && 0 <= m.ci_high) ++covered[m.metric];
        }
        any += some;
        for (const auto& m : run(DeviceScenario::OneDevice, -10, 2, rep).metrics)
            if (m.primary) power += m.verdict == Verdict::Changed;
        for (const auto& m : run(DeviceScenario::ReplacedAtDose, 0, 3, rep).metrics) {
            ++replaced_rows;
            replaced_changed += m.verdict == Verdict::Changed;
            replaced_nc += m.verdict == Verdict::NotComparable;
        }
        for (const auto& m : run(DeviceScenario::TwoDevicesMixing, 0, 4, rep).metrics) {
            ++mixing_rows;
            mixing_changed += m.verdict == Verdict::Changed;
        }
    }
    nlohmann::json per_metric = nlohmann::json::object(), coverage = nlohmann::json::object();
    for (const auto& [metric, n] : rows) {
        per_metric[metric] = static_cast<double>(changed[metric]) / n;
        coverage[metric] = static_cast<double>(covered[metric]) / n;
    }
    std::cout << nlohmann::json({{"reps", reps},
                                 {"nights", nights},
                                 {"phi", phi},
                                 {"false_changed", per_metric},
                                 {"any_metric", static_cast<double>(any) / reps},
                                 {"coverage", coverage},
                                 {"power_sol_minus_10", static_cast<double>(power) / reps},
                                 {"replaced_changed", replaced_changed},
                                 {"replaced_not_comparable", replaced_nc},
                                 {"replaced_rows", replaced_rows},
                                 {"mixing_changed", mixing_changed},
                                 {"mixing_rows", mixing_rows},
                                 {"contradicting", contradicting}})
                     .dump()
              << "\n";
    return 0;
}
