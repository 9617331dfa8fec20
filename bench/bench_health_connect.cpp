// Health Connect import benchmark driver: imports the given export (zip or
// .db) with sleeparch, best of --repeat runs, optionally assembles the
// nights, and prints one JSON line with the timings, counts and the
// process's peak resident set size. bench_health_connect.py generates the
// export and times Python's sqlite3 on the same query.
//
//   bench_health_connect [--repeat N] [--no-assembly] PATH...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/importers/import.hpp"

// Peak resident set of this process image in kB: VmHWM, not getrusage's
// ru_maxrss, which keeps the parent's size when a big process forks and
// execs the driver.
long peak_rss_kb() {
    std::ifstream status("/proc/self/status");
    std::string key;
    long value = 0;
    while (status >> key) {
        if (key == "VmHWM:") {
            status >> value;
            return value;
        }
        status.ignore(1 << 12, '\n');
    }
    return -1;
}

int main(int argc, char** argv) {
    int repeat = 5;
    bool assemble = true;
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--repeat" && i + 1 < argc) {
            repeat = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--no-assembly") {
            assemble = false;
        } else {
            paths.push_back(arg);
        }
    }
    if (paths.empty()) {
        std::fprintf(stderr, "usage: bench_health_connect [--repeat N] [--no-assembly] PATH...\n");
        return 2;
    }
    try {
        using clock = std::chrono::steady_clock;
        double best_import = 1e300, best_total = 1e300;
        std::size_t records = 0, nights = 0, sources = 0;
        for (int r = 0; r < repeat; ++r) {
            const auto t0 = clock::now();
            sleeparch::ImportBatch batch = sleeparch::importers::import_paths(paths, {});
            const auto t1 = clock::now();
            best_import = std::min(best_import, std::chrono::duration<double>(t1 - t0).count());
            records = batch.records.size();
            sources = batch.sources.size();
            if (assemble) {
                sleeparch::AssemblyResult result = sleeparch::assemble_nights(batch);
                const auto t2 = clock::now();
                best_total = std::min(best_total, std::chrono::duration<double>(t2 - t0).count());
                nights = result.nights.size();
            }
        }
        std::printf("{\"import_s\": %.6f, \"import_assemble_s\": %.6f, \"records\": %zu, \"sources\": %zu, "
                    "\"nights\": %zu, \"max_rss_kb\": %ld}\n",
                    best_import, assemble ? best_total : 0.0, records, sources, nights, peak_rss_kb());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_health_connect: %s\n", e.what());
        return 1;
    }
    return 0;
}
