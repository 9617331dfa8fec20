#include "support/test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::testing {

namespace fs = std::filesystem;

fs::path source_dir() { return fs::path(SLEEPARCH_SOURCE_DIR); }
fs::path samples_dir() { return fs::path(SLEEPARCH_SAMPLES_DIR); }

fs::path sample(const std::string& relative) {
    fs::path p = samples_dir() / relative;
    if (fs::exists(p)) return p;
    // Without ../shared/samples (a user's clone) the caller skips; with the
    // folder there, a missing file is a renamed sample or a typo, and a skip
    // would hide it.
    if (fs::is_directory(samples_dir()))
        ADD_FAILURE() << "sample " << relative << " is missing from " << samples_dir().string()
                      << " (the folder exists, so the test cannot be skipped)";
    return {};
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "sleeparch-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}
TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}
fs::path TempDir::write(const std::string& name, const std::string& content) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
}

std::string cli_path() {
    const char* p = std::getenv("SLEEPARCH_CLI");
    return p ? std::string(p) : std::string();
}

CliResult run_cli(const std::vector<std::string>& args) {
    CliResult r;
    std::string cli = cli_path();
    if (cli.empty()) return r;
    TempDir tmp;
    fs::path out = tmp.path() / "out", err = tmp.path() / "err";
    pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> argv;
        argv.push_back(cli.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(127);
        if (!freopen("/dev/null", "r", stdin)) _exit(127);
        execv(cli.c_str(), argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

static UtcSeconds at(UtcSeconds t0, double minutes) {
    return t0 + static_cast<UtcSeconds>(minutes * 60.0 + (minutes >= 0 ? 0.5 : -0.5));
}

Record stage_record(UtcSeconds t0, double start_min, double end_min, Stage stage, int source,
                    std::int32_t offset_min) {
    Record r;
    r.start = at(t0, start_min);
    r.end = at(t0, end_min);
    r.kind = RecordKind::Stage;
    r.stage = stage;
    r.source = source;
    r.utc_offset_min = offset_min;
    return r;
}

Record in_bed_record(UtcSeconds t0, double start_min, double end_min, int source,
                     std::int32_t offset_min) {
    Record r = stage_record(t0, start_min, end_min, Stage::Unscored, source, offset_min);
    r.kind = RecordKind::InBed;
    return r;
}

Night night_from_epochs(const std::vector<Stage>& epochs, UtcSeconds start, std::int32_t epoch_s,
                        std::int32_t offset_min) {
    Night n;
    n.segments = segments_from_epochs(start, epoch_s, epochs);
    n.window_start = start;
    n.window_end = start + static_cast<UtcSeconds>(epochs.size()) * epoch_s;
    n.utc_offset_min = offset_min;
    n.epoch_s = epoch_s;
    n.source.format = "test";
    n.label_date = local_date(n.window_end, offset_min);
    return n;
}

Night night_from_yasa(const std::vector<int>& codes, UtcSeconds start) {
    static const std::array<Stage, 5> map = {Stage::Wake, Stage::N1, Stage::N2, Stage::Deep,
                                             Stage::REM};
    std::vector<Stage> epochs;
    for (int c : codes) epochs.push_back(c >= 0 && c < 5 ? map[c] : Stage::Unscored);
    return night_from_epochs(epochs, start);
}

nlohmann::json night_json(const Night& n) {
    const NightMetrics m = compute_metrics(n);
    nlohmann::json j;
    j["window_start"] = format_local_iso(n.window_start, n.utc_offset_min);
    j["label_date"] = format_date(n.label_date);
    j["is_nap"] = n.is_nap;
    j["summary_only"] = n.summary_only;
    j["source"] = n.source.label();
    for (const MetricInfo& info : scalar_metrics()) {
        double v = m.*info.member;
        j["metrics"][std::string(info.name)] = std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
    }
    return j;
}

void expect_matches(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& where) {
    if (expected.is_object()) {
        ASSERT_TRUE(actual.is_object()) << where;
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            ASSERT_TRUE(actual.contains(it.key())) << where << "." << it.key();
            expect_matches(it.value(), actual[it.key()], where + "." + it.key());
        }
    } else if (expected.is_array()) {
        ASSERT_TRUE(actual.is_array()) << where;
        ASSERT_EQ(expected.size(), actual.size()) << where;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            expect_matches(expected[i], actual[i], where + "[" + std::to_string(i) + "]");
        }
    } else if (expected.is_number()) {
        ASSERT_TRUE(actual.is_number()) << where;
        EXPECT_NEAR(expected.get<double>(), actual.get<double>(), 1e-6) << where;
    } else {
        EXPECT_EQ(expected, actual) << where;
    }
}

void check_golden(const std::string& name, const std::string& comment, const nlohmann::json& nights) {
    auto path = source_dir() / "tests" / "golden" / name;
    if (std::getenv("SLEEPARCH_UPDATE_GOLDEN")) {
        nlohmann::json doc;
        doc["_comment"] = comment;
        doc["nights"] = nights;
        std::ofstream(path) << doc.dump(2) << "\n";
    }
    nlohmann::json golden = nlohmann::json::parse(read_file(path));
    expect_matches(golden["nights"], nights, name);
}

}  // namespace sleeparch::testing
