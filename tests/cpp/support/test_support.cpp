#include "support/test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "sleeparch/time.hpp"

namespace sleeparch::testing {

namespace fs = std::filesystem;

fs::path source_dir() { return fs::path(SLEEPARCH_SOURCE_DIR); }
fs::path samples_dir() { return fs::path(SLEEPARCH_SAMPLES_DIR); }

fs::path sample(const std::string& relative) {
    fs::path p = samples_dir() / relative;
    if (!fs::exists(p)) return {};
    return p;
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

}  // namespace sleeparch::testing
