#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>

#include "sleeparch/random.hpp"
#include "support/test_support.hpp"

using sleeparch::splitmix64;
using sleeparch::Xoshiro256ss;

// Reference outputs from the authors' C code (prng.di.unimi.it): xoshiro256**
// from state {1, 2, 3, 4}, and splitmix64 from 1234567.
TEST(Random, XoshiroReferenceVector) {
    auto g = Xoshiro256ss::from_state({1, 2, 3, 4});
    EXPECT_EQ(g.next(), 11520u);
    EXPECT_EQ(g.next(), 0u);
    EXPECT_EQ(g.next(), 1509978240u);
    EXPECT_EQ(g.next(), 1215971899390074240u);
}

TEST(Random, SplitmixReferenceVector) {
    std::uint64_t s = 1234567;
    EXPECT_EQ(splitmix64(s), 6457827717110365317u);
    EXPECT_EQ(splitmix64(s), 3203168211198807973u);
    EXPECT_EQ(splitmix64(s), 9817491932198370423u);
}

TEST(Random, SeedingIsSplitmixOfTheSeed) {
    std::uint64_t s = 42;
    const std::array<std::uint64_t, 4> expected = {splitmix64(s), splitmix64(s), splitmix64(s), splitmix64(s)};
    EXPECT_EQ(Xoshiro256ss(42).state(), expected);
}

TEST(Random, SameSeedSameStreamDifferentSeedsDiffer) {
    Xoshiro256ss a(7), b(7), c(8);
    for (int i = 0; i < 100; ++i) {
        const auto x = a.next();
        EXPECT_EQ(x, b.next());
        EXPECT_NE(x, c.next());
    }
    auto s1 = Xoshiro256ss::for_stream(7, 1), s1b = Xoshiro256ss::for_stream(7, 1);
    auto s2 = Xoshiro256ss::for_stream(7, 2);
    EXPECT_EQ(s1.next(), s1b.next());
    EXPECT_NE(s1.state(), s2.state());
}

TEST(Random, BoundedStaysInRangeAndIsUniform) {
    Xoshiro256ss g(123);
    EXPECT_EQ(g.bounded(1), 0u);
    constexpr int buckets = 10, draws = 200000;
    std::array<int, buckets> counts{};
    for (int i = 0; i < draws; ++i) {
        const auto v = g.bounded(buckets);
        ASSERT_LT(v, static_cast<std::uint64_t>(buckets));
        ++counts[v];
    }
    double chi2 = 0;
    const double e = draws / static_cast<double>(buckets);
    for (int c : counts) chi2 += (c - e) * (c - e) / e;
    EXPECT_LT(chi2, 27.88);  // chi-square 9 df, p = 0.001
    // A bound that is not a power of two and near 2^63 exercises rejection.
    const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;
    for (int i = 0; i < 1000; ++i) ASSERT_LT(g.bounded(big), big);
}

TEST(Random, UniformDoublesInUnitInterval) {
    Xoshiro256ss g(9);
    double sum = 0;
    for (int i = 0; i < 100000; ++i) {
        const double u = g.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        const double v = g.uniform_open0();
        ASSERT_GT(v, 0.0);
        ASSERT_LE(v, 1.0);
        sum += u;
    }
    EXPECT_NEAR(sum / 100000, 0.5, 0.005);
}

TEST(Random, LongJumpMovesToAnotherStream) {
    Xoshiro256ss a(5), b(5);
    b.long_jump();
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(a.next());
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen.count(b.next()), 0u);
}
