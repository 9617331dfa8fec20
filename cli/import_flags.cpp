// Options shared by the subcommands that import files, and the import itself.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::cli {

void add_import_flags(CLI::App& sub, ImportFlags& flags) {
    api::LoadOptions& o = flags.load;
    sub.add_option("paths", o.paths, "Export files, folders or zip archives")->required();
    sub.add_option("--tz", o.tz,
                   "Time zone for times that carry no UTC offset in files that state no zone (Fitbit, EDF+, "
                   "NSRR, plain hypnograms, ...): "
                   "an IANA name (Europe/Berlin) or an offset (+01:00)");
    sub.add_option("--input-format", o.input_format,
                   "Read every file with this importer instead of detecting (see `sleeparch formats`)");
    sub.add_option("--epoch", o.epoch_s, "Plain hypnograms: epoch length in seconds, 1 to 3600 (default: a '# epoch:' line, else 30)");
    sub.add_option("--start", o.start,
                   "Plain hypnograms: start time, ISO 8601 (default: a '# start:' line, else "
                   "2000-01-01T23:00:00)");
    sub.add_option("--column", o.column, "Plain hypnogram CSV: the column holding the stage");
    sub.add_option("--stage-map", flags.stage_map,
                   "Plain hypnograms: integer codes, e.g. \"0=W,1=N1,2=N2,3=N3,5=R,9=?\" (default: YASA's "
                   "0 W, 1 N1, 2 N2, 3 N3, 4 REM)");
    sub.add_flag("--restless-as-asleep", o.restless_as_asleep,
                 "Fitbit classic logs: count 'restless' as sleep (default: Wake, as Fitbit's minutesAsleep)");
    sub.add_option("--source", o.prefer,
                   "Preferred sources when several recorded the same night, most preferred first "
                   "(matched against the source name or format)");
    sub.add_option("--session-gap", o.session_gap_min,
                   "Minutes of gap that split one source's records into sessions, 1 to 1440 (default " +
                       std::to_string(api::LoadOptions{}.session_gap_min) + ")");
    sub.add_flag("-v,--verbose", flags.verbose, "List imported and skipped files and every warning");
}

namespace {

class ProgressBar {
public:
    explicit ProgressBar(bool enabled) : enabled_(enabled) {}
    ~ProgressBar() { finish(); }
    void update(std::uint64_t done, std::uint64_t total) {
        if (!enabled_ || total < (64ull << 20)) return;  // small inputs: no bar
        const auto now = std::chrono::steady_clock::now();
        if (shown_ && now - last_ < std::chrono::milliseconds(100) && done < total) return;
        last_ = now;
        shown_ = true;
        const int width = 30;
        const double f = total ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
        const int fill = static_cast<int>(f * width);
        std::fprintf(stderr, "\r[%s%s] %3d%% %.0f/%.0f MB", std::string(fill, '#').c_str(),
                     std::string(width - fill, ' ').c_str(), static_cast<int>(f * 100), done / 1e6,
                     total / 1e6);
        std::fflush(stderr);
    }
    void finish() {
        if (shown_) std::fprintf(stderr, "\r%60s\r", "");
        shown_ = false;
    }

private:
    bool enabled_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point last_;
};

}  // namespace

api::Session load_nights(const ImportFlags& flags) {
    api::LoadOptions opts = flags.load;
    if (!flags.stage_map.empty()) opts.stage_map = api::parse_stage_map(flags.stage_map);
    ProgressBar bar(::isatty(2) != 0);
    opts.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
    api::Session s = api::load(opts);
    bar.finish();

    if (flags.verbose) {
        for (const auto& [file, id] : s.report.imported) std::cerr << "imported " << file << " (" << id << ")\n";
        for (const auto& sk : s.report.skipped) std::cerr << "skipped " << sk.name << ": " << sk.reason << "\n";
        for (const Warning& n : s.notes) std::cerr << "note: " << api::warning_text(n) << "\n";
    } else if (!s.report.skipped.empty()) {
        std::cerr << "note: skipped " << s.report.skipped.size()
                  << " file(s) in folders/zips that no importer recognised (--verbose lists them)\n";
    }
    for (const std::string& line : api::warning_lines(s.warnings, flags.verbose)) std::cerr << "warning: " << line << "\n";
    return s;
}

}  // namespace sleeparch::cli
