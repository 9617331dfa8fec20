// The project's seeded random numbers: xoshiro256** (Blackman & Vigna 2018)
// seeded through splitmix64, bounded integers by Lemire's multiply-shift
// rejection method and 53-bit uniform doubles. The same seed gives the same
// stream on every platform and standard library (std::uniform_int_distribution
// does not), so bootstrap results repeat exactly.
//
//   Xoshiro256ss rng(42);
//   std::uint64_t i = rng.bounded(365);   // uniform in [0, 365)
//   double u = rng.uniform();             // uniform in [0, 1)
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace sleeparch {

// splitmix64 step: advances `state` and returns the next output.
std::uint64_t splitmix64(std::uint64_t& state) noexcept;

class Xoshiro256ss {
public:
    using result_type = std::uint64_t;

    // Seeds the 256-bit state with four splitmix64 outputs of `seed`.
    explicit Xoshiro256ss(std::uint64_t seed = 0) noexcept;

    // An independent stream per (seed, stream) pair, e.g. one per metric so
    // results do not depend on the order or number of threads.
    static Xoshiro256ss for_stream(std::uint64_t seed, std::uint64_t stream) noexcept;

    // A generator with this exact state (reference vectors); not all zero.
    static Xoshiro256ss from_state(const std::array<std::uint64_t, 4>& state) noexcept {
        Xoshiro256ss g;
        g.s_ = state;
        return g;
    }

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    std::uint64_t operator()() noexcept { return next(); }
    static constexpr std::uint64_t min() noexcept { return 0; }
    static constexpr std::uint64_t max() noexcept {
        return std::numeric_limits<std::uint64_t>::max();
    }

    // Uniform integer in [0, n) without modulo bias (Lemire 2019); n > 0.
    std::uint64_t bounded(std::uint64_t n) noexcept {
        unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<unsigned __int128>(next()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

    // Uniform double in [0, 1) with 53 random bits.
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // Uniform double in (0, 1]: safe to take the logarithm of.
    double uniform_open0() noexcept {
        return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53;
    }

    // The long jump: advances the state by 2^192 steps.
    void long_jump() noexcept;

    const std::array<std::uint64_t, 4>& state() const noexcept { return s_; }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    std::array<std::uint64_t, 4> s_{};
};

}  // namespace sleeparch
