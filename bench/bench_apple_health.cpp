// Times the Apple Health import of an export.xml or export.zip.
//
//   bench_apple_health export.xml [--repeat N]
//   bench_apple_health export.zip [--repeat N]
//
// Prints one JSON object: the input size, the best and median import times,
// the CPU time per import (user + system of both threads, and that of the
// reading and scanning thread alone), MB/s, the records, doses and HRV/resting-HR readings kept, and
// the peak RSS (getrusage). For a zip it also times zlib alone inflating the
// same XML entry in the same process (raw compressed bytes read through
// libzip, inflated into a discarded buffer), the floor any streaming import
// of that zip has. The Python driver bench_apple_health.py generates the
// inputs and compares with xml.etree.ElementTree.iterparse.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zip.h>
#include <zlib.h>

#include "sleeparch/importers/import.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU time of the calling thread: the import's reading and scanning, without
// the parser thread it starts on large inputs (which has the rest of the
// process's CPU time). On an idle machine the import takes about as long as
// the busier of the two.
double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

bool is_zip(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    char magic[4] = {};
    const std::size_t n = std::fread(magic, 1, 4, f);
    std::fclose(f);
    return n == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

struct ZipClose {
    void operator()(zip_t* z) const { zip_discard(z); }
};

// Reads the largest entry's compressed bytes and inflates them with zlib,
// discarding the output. Returns {seconds, uncompressed bytes, entry name}.
struct InflateResult {
    double seconds = 0;
    std::uint64_t bytes = 0;
    std::string entry;
};

InflateResult zlib_inflate_largest_entry(const std::string& path) {
    int err = 0;
    std::unique_ptr<zip_t, ZipClose> z(zip_open(path.c_str(), ZIP_RDONLY, &err));
    if (!z) throw std::runtime_error("cannot open zip " + path);
    zip_int64_t best = -1;
    zip_uint64_t best_size = 0;
    for (zip_int64_t i = 0; i < zip_get_num_entries(z.get(), 0); ++i) {
        zip_stat_t st;
        if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) == 0 && st.size > best_size) {
            best = i;
            best_size = st.size;
        }
    }
    if (best < 0) throw std::runtime_error("empty zip " + path);
    InflateResult r;
    r.entry = zip_get_name(z.get(), static_cast<zip_uint64_t>(best), 0);

    const auto t0 = Clock::now();
    zip_file_t* f = zip_fopen_index(z.get(), static_cast<zip_uint64_t>(best), ZIP_FL_COMPRESSED);
    if (!f) throw std::runtime_error("cannot open entry " + r.entry);
    z_stream s{};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2 failed");
    std::vector<unsigned char> in(std::size_t{1} << 20), out(std::size_t{1} << 20);
    int ret = Z_OK;
    while (ret != Z_STREAM_END) {
        const zip_int64_t got = zip_fread(f, in.data(), in.size());
        if (got <= 0) break;
        s.next_in = in.data();
        s.avail_in = static_cast<uInt>(got);
        while (s.avail_in > 0 && ret != Z_STREAM_END) {
            s.next_out = out.data();
            s.avail_out = static_cast<uInt>(out.size());
            ret = inflate(&s, Z_NO_FLUSH);
            if (ret != Z_OK && ret != Z_STREAM_END) throw std::runtime_error("inflate failed");
            r.bytes += out.size() - s.avail_out;
        }
    }
    inflateEnd(&s);
    zip_fclose(f);
    r.seconds = seconds_since(t0);
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_apple_health export.xml|export.zip [--repeat N]\n");
        return 2;
    }
    const std::string path = argv[1];
    int repeat = 3;
    for (int i = 2; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--repeat") repeat = std::max(1, std::atoi(argv[i + 1]));
    try {
        using sleeparch::importers::ImportOptions;
        std::vector<double> times;
        std::size_t records = 0, doses = 0, vitals = 0, warnings = 0;
        std::uint64_t bytes = 0;
        const double cpu0 = cpu_seconds();
        const double thread_cpu0 = thread_cpu_seconds();
        for (int k = 0; k < repeat; ++k) {
            ImportOptions options;
            options.progress = [&](std::uint64_t, std::uint64_t total) { bytes = total; };
            const auto t0 = Clock::now();
            const sleeparch::ImportBatch batch =
                sleeparch::importers::import_paths({path}, options, nullptr);
            times.push_back(seconds_since(t0));
            records = batch.records.size();
            doses = batch.doses.size();
            vitals = batch.vitals.size();
            warnings = batch.warnings.size();
        }
        const double cpu_per_import = (cpu_seconds() - cpu0) / repeat;
        const double scan_cpu_per_import = (thread_cpu_seconds() - thread_cpu0) / repeat;
        const long rss_import = peak_rss_kib();
        nlohmann::json out;
        out["input"] = path;
        out["bytes"] = bytes;
        out["records"] = records;
        out["doses"] = doses;
        out["vitals"] = vitals;  // HRV (SDNN) and resting heart-rate readings
        out["warnings"] = warnings;
        out["import_s_best"] = *std::min_element(times.begin(), times.end());
        out["import_s_median"] = median(times);
        out["import_mb_s"] = static_cast<double>(bytes) / 1e6 / median(times);
        out["import_cpu_s"] = cpu_per_import;
        out["import_scan_cpu_s"] = scan_cpu_per_import;
        out["peak_rss_mib"] = static_cast<double>(rss_import) / 1024.0;
        if (is_zip(path)) {
            std::vector<double> inflate;
            InflateResult r;
            const double inflate_cpu0 = cpu_seconds();
            for (int k = 0; k < repeat; ++k) {
                r = zlib_inflate_largest_entry(path);
                inflate.push_back(r.seconds);
            }
            const double inflate_cpu = (cpu_seconds() - inflate_cpu0) / repeat;
            out["zlib_inflate_cpu_s"] = inflate_cpu;
            out["import_over_inflate_cpu"] = cpu_per_import / inflate_cpu;
            out["zlib_entry"] = r.entry;
            out["zlib_bytes"] = r.bytes;
            out["zlib_inflate_s_median"] = median(inflate);
            out["zlib_inflate_mb_s"] = static_cast<double>(r.bytes) / 1e6 / median(inflate);
            out["import_over_inflate"] = median(times) / median(inflate);
        }
        std::printf("%s\n", out.dump().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_apple_health: %s\n", e.what());
        return 1;
    }
    return 0;
}
