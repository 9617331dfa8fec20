// The shared test helpers: a missing sample skips a test only when the whole
// ../shared/samples folder is absent.
#include "support/test_support.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace st = sleeparch::testing;

TEST(TestSupport, MissingSampleFailsWhenTheFolderExists) {
    if (!std::filesystem::is_directory(st::samples_dir())) {
        EXPECT_TRUE(st::sample("no/such/sample.json").empty());  // a clone without shared/: callers skip
        return;
    }
    EXPECT_NONFATAL_FAILURE(EXPECT_TRUE(st::sample("no/such/sample.json").empty()),
                            "sample no/such/sample.json is missing from");
}

TEST(TestSupport, PresentSampleIsReturned) {
    if (!std::filesystem::is_directory(st::samples_dir())) return;
    const auto p = st::sample("SOURCES.md");
    EXPECT_EQ(p, st::samples_dir() / "SOURCES.md");
}
