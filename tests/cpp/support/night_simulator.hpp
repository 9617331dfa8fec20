// A seeded simulator of one person's nightly hypnograms for calibrating the
// before/after comparison (METRICS.md §5.11). Header-only so that tests and
// bench/calibrate_compare link it without a library of their own.
//
// Each night: latent AR(1) deviations (lag-1 autocorrelation phi, unit
// variance) drive sleep-onset latency, time in bed, wake propensity and deep
// propensity; the hypnogram is then drawn on 30-s epochs from a stage Markov
// chain (wake for the latency, then N1/N2/Deep/REM/Wake transitions with
// deep sleep early and REM late in the night). A device scores that truth:
// the 30-s device reports it as is, a 5-min device takes the most common
// stage of each 10 epochs (short awakenings vanish, latency rounds to 5 min,
// fewer stage shifts), as coarse consumer hypnograms do. Effects (SOL
// shift in the treatment period) and a linear SOL drift are added to the
// latent latency, so the truth is known.
//
//   SimConfig c;  c.phi = 0.3;  c.sol_effect_min = -10;  c.seed = 7;
//   SimSeries s = simulate_series(c);
//   compare_periods(s.nights, s.metrics, s.doses, CompareOptions{});
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"
#include "sleeparch/random.hpp"

namespace sleeparch::testing {

enum class DeviceScenario {
    OneDevice,         // a 30-s device throughout
    ReplacedAtDose,    // a 5-min device replaces the 30-s one at the first dose
    TwoDevicesMixing,  // each night from one of two devices; the 5-min one's share grows
};

struct SimConfig {
    std::size_t baseline_nights = 60, treatment_nights = 60;
    int washout_nights = 7;
    double phi = 0.3;
    double sol_effect_min = 0;      // added to latency in the treatment period
    double sol_drift_per_night = 0; // added to latency per night since the first
    DeviceScenario devices = DeviceScenario::OneDevice;
    double mixing_share_baseline = 0.2, mixing_share_treatment = 0.6;  // 5-min device's share
    std::uint64_t seed = 1;
    // Randomised trials (METRICS.md §7): when not empty, the effect applies
    // on the nights marked here instead of after the washout, and no doses
    // are made; a sinusoidal seasonal SOL drift (period 365 nights).
    std::vector<bool> effect_nights;
    double sol_season_amplitude_min = 0, sol_season_phase = 0;
};

struct SimSeries {
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    std::vector<Dose> doses;
};

inline double sim_normal(Xoshiro256ss& g) {
    const double u1 = g.uniform_open0(), u2 = g.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// One night's true hypnogram on 30-s epochs.
inline std::vector<Stage> sim_hypnogram(double sol_min, double tib_min, double wake_z, double deep_z,
                                        Xoshiro256ss& g) {
    const auto n = static_cast<std::size_t>(std::max(120.0, std::round(tib_min * 2.0)));
    const auto sol = std::min(n - 60, static_cast<std::size_t>(std::max(1.0, std::round(sol_min * 2.0))));
    std::vector<Stage> e(n, Stage::Wake);
    // Transition probabilities per 30 s, by the current stage.
    const double to_wake = 0.006 * std::exp(0.35 * wake_z);
    const double deep_boost = std::exp(0.3 * deep_z);
    Stage s = Stage::N1;
    for (std::size_t i = sol; i < n; ++i) {
        const double frac = static_cast<double>(i - sol) / static_cast<double>(n - sol);
        const double deep_w = deep_boost * std::max(0.0, 1.0 - 1.6 * frac);  // early deep
        const double rem_w = 0.4 + 1.2 * frac;                               // late REM
        const double u = g.uniform();
        switch (s) {
            case Stage::Wake:
                s = u < 0.25 ? Stage::N1 : Stage::Wake;
                break;
            case Stage::N1:
                s = u < to_wake * 2 ? Stage::Wake : u < 0.12 ? Stage::N2 : Stage::N1;
                break;
            case Stage::N2:
                s = u < to_wake ? Stage::Wake
                    : u < to_wake + 0.012 * deep_w ? Stage::Deep
                    : u < to_wake + 0.012 * deep_w + 0.008 * rem_w ? Stage::REM
                    : u < to_wake + 0.012 * deep_w + 0.008 * rem_w + 0.004 ? Stage::N1
                                                                        : Stage::N2;
                break;
            case Stage::Deep:
                s = u < to_wake * 0.5 ? Stage::Wake : u < 0.025 ? Stage::N2 : Stage::Deep;
                break;
            default:  // REM
                s = u < to_wake * 1.5 ? Stage::Wake : u < 0.05 ? Stage::N2 : Stage::REM;
                break;
        }
        e[i] = s;
    }
    for (std::size_t i = n - 4; i < n; ++i) e[i] = Stage::Wake;  // wake before getting up
    return e;
}

// The most common stage of each `k` epochs (ties: the earlier stage in
// kAllStages, so Wake wins a tie), repeated k times: a coarser device.
inline std::vector<Stage> rescore(const std::vector<Stage>& e, std::size_t k) {
    std::vector<Stage> out;
    for (std::size_t i = 0; i < e.size(); i += k) {
        std::array<int, kStageCount> count{};
        const std::size_t end = std::min(e.size(), i + k);
        for (std::size_t j = i; j < end; ++j) ++count[static_cast<std::size_t>(e[j])];
        const auto best = static_cast<Stage>(std::max_element(count.begin(), count.end()) - count.begin());
        out.push_back(best);
    }
    return out;
}

inline SimSeries simulate_series(const SimConfig& c) {
    SimSeries out;
    Xoshiro256ss g = Xoshiro256ss::for_stream(c.seed, 0x51eedULL);
    const std::size_t washout = static_cast<std::size_t>(std::max(c.washout_nights, 0));
    const std::size_t total = c.baseline_nights + washout + c.treatment_nights;
    const double innov = std::sqrt(1.0 - c.phi * c.phi);
    std::array<double, 4> z{};  // sol, tib, wake, deep
    for (double& v : z) v = sim_normal(g);
    const UtcSeconds day0 = 1704063600;  // 2023-12-31T23:00Z: the evening before 2024-01-01
    const boost::gregorian::date first(2024, 1, 1);
    for (std::size_t i = 0; i < total; ++i) {
        if (i > 0)
            for (double& v : z) v = c.phi * v + innov * sim_normal(g);
        const bool masked = !c.effect_nights.empty();
        const bool treated = masked ? (i < c.effect_nights.size() && c.effect_nights[i]) : i >= c.baseline_nights + washout;
        const bool dosed = !masked && i >= c.baseline_nights;
        double sol = 22.0 + 9.0 * z[0] + c.sol_drift_per_night * static_cast<double>(i) +
                     (treated ? c.sol_effect_min : 0.0) +
                     c.sol_season_amplitude_min *
                         std::sin(2.0 * std::numbers::pi * static_cast<double>(i) / 365.0 + c.sol_season_phase);
        sol = std::max(sol, 1.0);
        const double tib = 470.0 + 35.0 * z[1];
        const std::vector<Stage> truth = sim_hypnogram(sol, tib, z[2], z[3], g);

        bool coarse = false;
        switch (c.devices) {
            case DeviceScenario::OneDevice: break;
            case DeviceScenario::ReplacedAtDose: coarse = dosed; break;
            case DeviceScenario::TwoDevicesMixing:
                coarse = g.uniform() < (dosed ? c.mixing_share_treatment : c.mixing_share_baseline);
                break;
        }
        Night n;
        n.window_start = day0 + static_cast<UtcSeconds>(i) * 86400;
        n.label_date = first + boost::gregorian::date_duration(static_cast<long>(i));
        if (coarse) {
            n.source = Source{"hypnogram", "Ring", "", ""};
            n.epoch_s = 300;
            n.segments = segments_from_epochs(n.window_start, 300, rescore(truth, 10));
        } else {
            n.source = Source{"hypnogram", "Watch", "", ""};
            n.epoch_s = 30;
            n.segments = segments_from_epochs(n.window_start, 30, truth);
        }
        n.window_end = n.segments.back().end;
        out.metrics.push_back(compute_metrics(n));
        out.nights.push_back(std::move(n));
        if (dosed) {
            Dose d;
            d.time = out.nights.back().window_start - 2 * 3600;
            d.mg_elemental = 200;
            out.doses.push_back(d);
        }
    }
    return out;
}

}  // namespace sleeparch::testing
