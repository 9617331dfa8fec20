// Power of a planned self-trial from the person's own past nights
// (METRICS.md §7): stationary-bootstrap series of the history, the effect
// sought added to the magnesium nights of a freshly drawn plan, through the
// same randomisation test.
#include <cmath>

#include "sleeparch/error.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/stats.hpp"
#include "sleeparch/trial.hpp"

namespace sleeparch {

void PowerOptions::validate() const {
    if (weeks.empty()) throw UsageError("power: give at least one plan length");
    if (simulations < 50 || simulations > 100000) throw UsageError("power: simulations must be 50 to 100,000");
    if (!std::isfinite(effect)) throw UsageError("power: the effect sought must be a number");
}

std::vector<PowerRow> trial_power(const std::vector<double>& history, const TrialScheme& base,
                                  const PowerOptions& options) {
    options.validate();
    if (history.size() < 14)
        throw UsageError("power: the history holds " + std::to_string(history.size()) +
                         " nights with a value; at least 14 are needed to simulate the trial");
    const StationaryBootstrap boot(history, optimal_block_length(history));
    std::vector<PowerRow> rows;
    for (int w : options.weeks) {
        TrialScheme s = base;
        if (w * 7 % (2 * s.period_nights) != 0) continue;
        s.pairs = w * 7 / (2 * s.period_nights);
        PowerRow row;
        row.weeks = w;
        row.pairs = s.pairs;
        row.nights = s.nights();
        row.smallest_p = 2.0 / static_cast<double>(std::uint64_t{1} << std::min(s.pairs, 62));
        if (s.pairs < 1 || s.pairs > 20) continue;
        Xoshiro256ss rng = Xoshiro256ss::for_stream(options.seed, static_cast<std::uint64_t>(w));
        std::size_t hits = 0;
        double sd_sum = 0;
        std::size_t sd_n = 0;
        const auto n = static_cast<std::size_t>(s.nights());
        std::vector<double> series(n);
        std::vector<double> chunk(boot.size());
        for (std::size_t sim = 0; sim < options.simulations; ++sim) {
            for (std::size_t k = 0; k < n; k += chunk.size()) {
                boot.resample(rng, chunk);
                for (std::size_t q = 0; q < chunk.size() && k + q < n; ++q) series[k + q] = chunk[q];
            }
            std::vector<bool> mf(static_cast<std::size_t>(s.pairs));
            for (std::size_t i = 0; i < mf.size(); ++i) mf[i] = rng.bounded(2) == 1;
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t period = k / static_cast<std::size_t>(s.period_nights);
                const bool mag = (period % 2 == 0) == mf[period / 2];
                if (mag) series[k] += options.effect;
            }
            const RandomisationTest t = randomisation_test(series, s, mf, rng.next(), 1 << 12, 2000, false);
            if (t.p < 0.05) ++hits;
            if (std::isfinite(t.sd)) {
                sd_sum += t.sd;
                ++sd_n;
            }
        }
        row.power = static_cast<double>(hits) / static_cast<double>(options.simulations);
        row.mde = sd_n ? 2.80 * sd_sum / static_cast<double>(sd_n) : std::nan("");
        rows.push_back(row);
    }
    return rows;
}

}  // namespace sleeparch
