// Fitbit Takeout import benchmark driver: imports the given files/folders with
// sleeparch (and assembles the nights), best of --repeat runs, and prints one
// JSON line with the timings and counts. bench_fitbit_takeout.py generates the
// folder, times Python's json.load on the same files and prints the ratio.
//
//   bench_fitbit_takeout [--repeat N] [--tz ZONE] PATH...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/importers/import.hpp"

int main(int argc, char** argv) {
    int repeat = 5;
    sleeparch::importers::ImportOptions options;
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--repeat" && i + 1 < argc) {
            repeat = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--tz" && i + 1 < argc) {
            options.tz_name = argv[++i];
        } else {
            paths.push_back(arg);
        }
    }
    if (paths.empty()) {
        std::fprintf(stderr, "usage: bench_fitbit_takeout [--repeat N] [--tz ZONE] PATH...\n");
        return 2;
    }
    try {
        using clock = std::chrono::steady_clock;
        double best_import = 1e300, best_total = 1e300;
        std::size_t records = 0, nights = 0, summaries = 0, warnings = 0;
        std::map<std::string, int> by_source;
        for (int r = 0; r < repeat; ++r) {
            auto t0 = clock::now();
            sleeparch::ImportBatch batch = sleeparch::importers::import_paths(paths, options);
            auto t1 = clock::now();
            sleeparch::AssemblyResult result = sleeparch::assemble_nights(batch);
            auto t2 = clock::now();
            best_import = std::min(best_import, std::chrono::duration<double>(t1 - t0).count());
            best_total = std::min(best_total, std::chrono::duration<double>(t2 - t0).count());
            records = batch.records.size();
            summaries = batch.summaries.size();
            warnings = batch.warnings.size();
            nights = result.nights.size();
            by_source.clear();
            for (const auto& n : result.nights) ++by_source[n.source.format];
        }
        std::printf("{\"import_s\": %.6f, \"import_assemble_s\": %.6f, \"records\": %zu, \"summaries\": %zu, "
                    "\"warnings\": %zu, \"nights\": %zu, \"nights_by_source\": {",
                    best_import, best_total, records, summaries, warnings, nights);
        bool first = true;
        for (const auto& [format, count] : by_source) {
            std::printf("%s\"%s\": %d", first ? "" : ", ", format.c_str(), count);
            first = false;
        }
        std::printf("}}\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_fitbit_takeout: %s\n", e.what());
        return 1;
    }
    return 0;
}
