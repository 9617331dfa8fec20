// Per-night metrics throughput. Reads nights written by bench_metrics.py
// (uint32 count, then per night uint32 epochs + one YASA code byte per 30-s
// epoch), builds the Nights, then times compute_metrics over all of them.
// Prints one JSON line.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

using namespace sleeparch;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_metrics NIGHTS.bin [repeats]\n";
        return 2;
    }
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
    std::ifstream in(argv[1], std::ios::binary);
    std::uint32_t count = 0;
    in.read(reinterpret_cast<char*>(&count), 4);
    static const Stage map[] = {Stage::Wake, Stage::N1, Stage::N2, Stage::Deep, Stage::REM};
    std::vector<Night> nights;
    nights.reserve(count);
    std::vector<char> codes;
    UtcSeconds start = 1'700'000'000;
    for (std::uint32_t i = 0; i < count && in; ++i) {
        std::uint32_t n = 0;
        in.read(reinterpret_cast<char*>(&n), 4);
        codes.resize(n);
        in.read(codes.data(), n);
        std::vector<Stage> epochs(n);
        for (std::uint32_t k = 0; k < n; ++k) epochs[k] = map[static_cast<unsigned char>(codes[k]) % 5];
        Night night;
        night.segments = segments_from_epochs(start, 30, epochs);
        night.window_start = start;
        night.window_end = start + 30 * static_cast<UtcSeconds>(n);
        night.epoch_s = 30;
        nights.push_back(std::move(night));
        start += 86400;
    }
    double best = 1e300, checksum = 0;
    for (int r = 0; r < repeats; ++r) {
        checksum = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (const Night& n : nights) {
            const NightMetrics m = compute_metrics(n);
            checksum += m.tst_min + m.sfi_per_h + static_cast<double>(m.transitions[1][1]);
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s);
    }
    std::printf("{\"nights\": %zu, \"seconds\": %.6f, \"nights_per_second\": %.1f, \"checksum\": %.3f}\n",
                nights.size(), best, static_cast<double>(nights.size()) / best, checksum);
    return 0;
}
