#include "sleeparch/random.hpp"

namespace sleeparch {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Xoshiro256ss::Xoshiro256ss(std::uint64_t seed) noexcept {
    std::uint64_t sm = seed;
    for (auto& word : s_) word = splitmix64(sm);
}

Xoshiro256ss Xoshiro256ss::for_stream(std::uint64_t seed, std::uint64_t stream) noexcept {
    // Mixing the stream number through splitmix64 gives unrelated seeds for
    // neighbouring streams; the state space makes overlap negligible.
    std::uint64_t sm = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    const std::uint64_t mixed = splitmix64(sm);
    return Xoshiro256ss(mixed ^ stream);
}

void Xoshiro256ss::long_jump() noexcept {
    static constexpr std::uint64_t jump[] = {0x76e15d3efefdcbbfULL, 0xc5004e441c522fb3ULL,
                                             0x77710069854ee241ULL, 0x39109bb02acbe635ULL};
    std::array<std::uint64_t, 4> t{};
    for (std::uint64_t word : jump) {
        for (int b = 0; b < 64; ++b) {
            if (word & (std::uint64_t{1} << b)) {
                for (int i = 0; i < 4; ++i) t[i] ^= s_[i];
            }
            next();
        }
    }
    s_ = t;
}

}  // namespace sleeparch
