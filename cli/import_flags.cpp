// Options shared by the subcommands that import files, and the import itself.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::cli {

void add_import_flags(CLI::App& sub, ImportFlags& flags) {
    sub.add_option("paths", flags.paths, "Export files, folders or zip archives")->required();
    sub.add_option("--tz", flags.tz,
                   "Time zone for formats without offsets (Fitbit, EDF+, plain hypnograms): "
                   "an IANA name (Europe/Berlin) or an offset (+01:00)");
    sub.add_option("--input-format", flags.format,
                   "Read every file with this importer instead of detecting (see `sleeparch formats`)");
    sub.add_option("--epoch", flags.epoch_s, "Plain hypnograms: epoch length in seconds (default: a '# epoch:' line, else 30)")
        ->check(CLI::Range(1, 3600));
    sub.add_option("--start", flags.start,
                   "Plain hypnograms: start time, ISO 8601 (default: a '# start:' line, else "
                   "2000-01-01T23:00:00)");
    sub.add_option("--column", flags.column, "Plain hypnogram CSV: the column holding the stage");
    sub.add_option("--stage-map", flags.stage_map,
                   "Plain hypnograms: integer codes, e.g. \"0=W,1=N1,2=N2,3=N3,5=R,9=?\" (default: YASA's "
                   "0 W, 1 N1, 2 N2, 3 N3, 4 REM)");
    sub.add_flag("--restless-as-asleep", flags.restless_as_asleep,
                 "Fitbit classic logs: count 'restless' as sleep (default: Wake, as Fitbit's minutesAsleep)");
    sub.add_option("--source", flags.prefer,
                   "Preferred sources when several recorded the same night, most preferred first "
                   "(matched against the source name or format)");
    sub.add_option("--session-gap", flags.session_gap_min,
                   "Minutes of gap that split one source's records into sessions (default 60)")
        ->check(CLI::Range(1, 24 * 60));
    sub.add_flag("-v,--verbose", flags.verbose, "List imported and skipped files and every warning");
}

namespace {

std::map<std::string, Stage> parse_stage_map(const std::string& text) {
    std::map<std::string, Stage> map;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        const std::string item = text.substr(pos, comma - pos);
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos) throw UsageError("--stage-map: expected CODE=STAGE, got \"" + item + "\"");
        std::string code = item.substr(0, eq), label = item.substr(eq + 1);
        auto stage = parse_stage_label(label);
        if (!stage) throw UsageError("--stage-map: \"" + label + "\" is not a stage label");
        map[code] = *stage;
        pos = comma + 1;
    }
    return map;
}

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

Loaded load_nights(const ImportFlags& flags) {
    importers::ImportOptions opts;
    if (!flags.tz.empty()) importers::set_time_zone(opts, flags.tz);
    opts.epoch_s = flags.epoch_s;
    opts.start = flags.start;
    opts.column = flags.column;
    if (!flags.stage_map.empty()) opts.integer_map = parse_stage_map(flags.stage_map);
    opts.fitbit_restless_as_asleep = flags.restless_as_asleep;
    ProgressBar bar(::isatty(2) != 0);
    opts.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };

    Loaded l;
    l.batch = importers::import_paths(flags.paths, opts, &l.report, flags.format);
    bar.finish();
    AssemblyOptions aopts;
    aopts.session_gap_min = flags.session_gap_min;
    aopts.source_preference = flags.prefer;
    l.assembly = assemble_nights(l.batch, aopts);

    if (flags.verbose) {
        for (const auto& [file, id] : l.report.imported) std::cerr << "imported " << file << " (" << id << ")\n";
        for (const auto& s : l.report.skipped) std::cerr << "skipped " << s.name << ": " << s.reason << "\n";
    } else if (!l.report.skipped.empty()) {
        std::cerr << "note: skipped " << l.report.skipped.size()
                  << " file(s) in folders/zips that no importer recognised (--verbose lists them)\n";
    }
    std::vector<Warning> all = l.batch.warnings;
    all.insert(all.end(), l.assembly.warnings.begin(), l.assembly.warnings.end());
    // The same message from many files (one per Takeout file, say) is said
    // once, unless --verbose asks for every one.
    std::map<std::string, std::size_t> repeats;
    std::vector<const Warning*> distinct;
    for (const Warning& w : all) {
        if (flags.verbose || repeats[w.message]++ == 0) distinct.push_back(&w);
    }
    const std::size_t limit = flags.verbose ? distinct.size() : 10;
    for (std::size_t i = 0; i < distinct.size() && i < limit; ++i) {
        const Warning& w = *distinct[i];
        std::cerr << "warning: ";
        if (!w.file.empty()) std::cerr << w.file << (w.line ? ":" + std::to_string(w.line) : "") << ": ";
        std::cerr << w.message;
        if (const std::size_t more = flags.verbose ? 0 : repeats[w.message] - 1; more > 0)
            std::cerr << " (and " << more << " more like it)";
        std::cerr << "\n";
    }
    if (distinct.size() > limit)
        std::cerr << "warning: " << distinct.size() - limit << " more warning(s) (--verbose shows all)\n";
    return l;
}

}  // namespace sleeparch::cli
