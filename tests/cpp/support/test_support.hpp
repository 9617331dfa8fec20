// Helpers shared by the C++ tests.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch::testing {

// The project's root and the third-party samples folder (../shared/samples).
std::filesystem::path source_dir();
std::filesystem::path samples_dir();

// Path of a sample, or empty when it is absent: tests call GTEST_SKIP() then
// (a user's clone has no shared/). When ../shared/samples exists but the file
// does not, the test has already failed (ADD_FAILURE), so the skip cannot
// hide it; .ci/test fails on any skip while the folder exists.
std::filesystem::path sample(const std::string& relative);

std::string read_file(const std::filesystem::path& path);

// A temporary directory removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& content) const;

private:
    std::filesystem::path path_;
};

// Result of running the sleeparch CLI (SLEEPARCH_CLI in the environment).
struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};
// Empty path when SLEEPARCH_CLI is not set.
std::string cli_path();
CliResult run_cli(const std::vector<std::string>& args);

// Builds a stage record for hand-made batches: times in minutes from `t0`.
Record stage_record(UtcSeconds t0, double start_min, double end_min, Stage stage, int source = 0,
                    std::int32_t offset_min = 0);
Record in_bed_record(UtcSeconds t0, double start_min, double end_min, int source = 0,
                     std::int32_t offset_min = 0);

// A night from 30-s epochs laid from `start`, through assembly's invariants
// (for metric tests): window = the epochs.
Night night_from_epochs(const std::vector<Stage>& epochs, UtcSeconds start = 1'700'000'000,
                        std::int32_t epoch_s = 30, std::int32_t offset_min = 0);
// YASA integer codes 0 W, 1 N1, 2 N2, 3 N3, 4 REM.
Night night_from_yasa(const std::vector<int>& codes, UtcSeconds start = 1'700'000'000);

// One night's window start, label, flags, source and every scalar metric
// (NaN as null), for golden files.
nlohmann::json night_json(const Night& night);

// Recursive comparison: numbers within 1e-6, everything else equal; keys of
// `expected` must be in `actual`.
void expect_matches(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& where);

// Compares `nights` with tests/golden/<name> ({"_comment", "nights"});
// SLEEPARCH_UPDATE_GOLDEN=1 rewrites the file with `comment` first.
void check_golden(const std::string& name, const std::string& comment, const nlohmann::json& nights);

}  // namespace sleeparch::testing
