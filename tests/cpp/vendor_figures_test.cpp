// The file's own totals and scores (Night::vendor), importer by importer on
// real samples and project fixtures, with the values each file states as
// the known answers; the night-row schema's vendor fields; the warning
// where our figures and the vendor's differ by more than 5 min.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "sleeparch/api.hpp"
#include "sleeparch/assembly.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/vendor_figures.hpp"
#include "support/test_support.hpp"

namespace st = sleeparch::testing;
using sleeparch::AssemblyResult;
using sleeparch::ImportBatch;
using sleeparch::Night;
using sleeparch::VendorFigures;
using sleeparch::importers::ImportOptions;

namespace {

AssemblyResult nights_of(const std::filesystem::path& path, const ImportOptions& options = {}) {
    return sleeparch::assemble_nights(sleeparch::importers::import_paths({path.string()}, options));
}

void expect_figures(const VendorFigures& f, std::vector<double> want) {
    const std::vector<double> got = {f.tst_min, f.deep_min, f.light_min, f.rem_min,
                                     f.wake_min, f.sol_min, f.se_pct, f.score};
    const char* names[] = {"tst_min", "deep_min", "light_min", "rem_min", "wake_min", "sol_min", "se_pct", "score"};
    ASSERT_EQ(want.size(), got.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(got[i])) << names[i] << " = " << got[i];
        else EXPECT_DOUBLE_EQ(got[i], want[i]) << names[i];
    }
}

constexpr double kNo = VendorFigures::kNone;

}  // namespace

TEST(VendorFigures, FitbitApiLog) {
    const auto path = st::sample("fitbit/fitbit_sleep_response_1_item.json");
    if (path.empty()) GTEST_SKIP();
    AssemblyResult r = nights_of(path);
    ASSERT_EQ(r.nights.size(), 1u);
    // minutesAsleep 465, levels.summary deep 88 / light 258 / rem 119,
    // minutesAwake 62, minutesToFallAsleep 0, efficiency 95.
    expect_figures(r.nights[0].vendor, {465, 88, 258, 119, 62, 0, 95, kNo});
}

TEST(VendorFigures, GarminApiNightAndScore) {
    const auto path = st::sample("garmin/garth_dailySleepData_2025-07-07.json");
    if (path.empty()) GTEST_SKIP();
    AssemblyResult r = nights_of(path);
    ASSERT_EQ(r.nights.size(), 1u);
    // sleepTimeSeconds 24180, deep 5280, light 13440, REM 5460, awake 420;
    // sleepScores.overall.value 83.
    expect_figures(r.nights[0].vendor, {403, 88, 224, 91, 7, kNo, kNo, 83});
}

TEST(VendorFigures, OuraV2Durations) {
    AssemblyResult r = nights_of(st::source_dir() / "tests/fuzz/corpus/oura/v2.json");
    ASSERT_GE(r.nights.size(), 1u);
    // total 25770 s, deep 4530, light 14340, REM 6900, awake 1890.
    expect_figures(r.nights[0].vendor, {429.5, 75.5, 239, 115, 31.5, kNo, kNo, kNo});
    // The 5-min phase string gives other minutes than Oura's own totals.
    const auto m = sleeparch::compute_metrics(r.nights[0]);
    EXPECT_NE(m.tst_min, r.nights[0].vendor.tst_min);
}

TEST(VendorFigures, OuraLatencyEfficiencyAndV1Names) {
    const std::string v2 =
        R"({"data":[{"id":"a","type":"long_sleep","bedtime_start":"2024-02-23T23:00:00+01:00",)"
        R"("bedtime_end":"2024-02-24T00:00:00+01:00","sleep_phase_5_min":"422222222224",)"
        R"("total_sleep_duration":3000,"latency":300,"efficiency":83,"awake_time":600}]})";
    AssemblyResult r = sleeparch::assemble_nights(sleeparch::importers::import_buffer(v2, "sleep.json", {}));
    ASSERT_EQ(r.nights.size(), 1u);
    expect_figures(r.nights[0].vendor, {50, kNo, kNo, kNo, 10, 5, 83, kNo});
    const std::string v1 =
        R"([{"summary_date":"2020-01-01","bedtime_start":"2020-01-01T23:00:00+00:00",)"
        R"("bedtime_end":"2020-01-02T07:00:00+00:00","total":25200,"deep":3600,"rem":5400,"light":16200,)"
        R"("awake":3600,"onset_latency":600,"efficiency":88,"score":79}])";
    r = sleeparch::assemble_nights(sleeparch::importers::import_buffer(v1, "oura.json", {}));
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_TRUE(r.nights[0].summary_only);
    expect_figures(r.nights[0].vendor, {420, 60, 270, 90, 60, 10, 88, 79});
}

TEST(VendorFigures, WhoopRows) {
    AssemblyResult r = nights_of(st::source_dir() / "tests/fixtures/whoop/sleeps.csv");
    ASSERT_GE(r.nights.size(), 2u);
    const Night* main = nullptr;
    for (const Night& n : r.nights)
        if (sleeparch::format_date(n.label_date) == "2024-03-10" && !n.is_nap) main = &n;
    ASSERT_NE(main, nullptr);
    // Asleep 440, deep 90, light 240, REM 110, awake 55, efficiency 89,
    // performance 91.
    expect_figures(main->vendor, {440, 90, 240, 110, 55, kNo, 89, 91});
}

TEST(VendorFigures, WithingsSummary) {
    const auto path = st::sample("withings/sleep.csv");
    if (path.empty()) GTEST_SKIP();
    AssemblyResult r = nights_of(path);
    ASSERT_GE(r.nights.size(), 1u);
    // First row: light 15780 s, deep 5340, rem 4920, awake 2460, latency 1320.
    expect_figures(r.nights[0].vendor, {kNo, 89, 263, 82, 41, 22, kNo, kNo});
}

TEST(VendorFigures, TakeoutUserSleepsMinutes) {
    // Each night keeps the figures of the copy kept (sleep_session_v2).
    AssemblyResult r = nights_of(st::source_dir() / "tests/fixtures/fitbit_takeout_2026/Takeout");
    ASSERT_EQ(r.nights.size(), 2u);
    expect_figures(r.nights[0].vendor, {420, kNo, kNo, kNo, 20, 0, kNo, kNo});
    expect_figures(r.nights[1].vendor, {40, kNo, kNo, kNo, 0, 0, kNo, kNo});
}

TEST(VendorFigures, SchemaJsonObjectAndCsvColumns) {
    Night n = st::night_from_yasa({0, 0, 2, 2, 2, 2, 3, 3, 4, 4});
    n.vendor.tst_min = 4;
    n.vendor.score = 71;
    const auto m = sleeparch::compute_metrics(n);
    const nlohmann::ordered_json row = sleeparch::api::night_row_json(n, m);
    ASSERT_TRUE(row.contains("vendor"));
    EXPECT_EQ(row["vendor"]["tst_min"], 4.0);
    EXPECT_EQ(row["vendor"]["score"], 71.0);
    EXPECT_TRUE(row["vendor"]["deep_min"].is_null());
    EXPECT_FALSE(row.contains("vendor_tst_min"));
    const std::vector<std::string> header = sleeparch::api::csv_night_header();
    const std::vector<std::string> cells = sleeparch::api::night_row_csv(n, m);
    ASSERT_EQ(header.size(), cells.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == "vendor_tst_min") EXPECT_EQ(cells[i], "4.0000");
        if (header[i] == "vendor_deep_min") EXPECT_EQ(cells[i], "");
    }
    const auto pairs = sleeparch::api::vendor_figures(n);
    ASSERT_EQ(pairs.size(), 8u);
    EXPECT_EQ(pairs.front().first, "tst_min");
    EXPECT_EQ(pairs.back().first, "score");
}

TEST(VendorFigures, DifferenceWarningNamesTheNights) {
    // 10 epochs of 30 s: wake 1 min, then 4 min of sleep.
    Night a = st::night_from_yasa({0, 0, 2, 2, 2, 2, 3, 3, 4, 4});
    a.label_date = boost::gregorian::date(2024, 1, 15);
    a.source = sleeparch::Source{"oura", "Oura", "", ""};
    a.vendor.tst_min = 10.5;  // 6.5 min more than ours: named
    a.vendor.deep_min = 5;    // exactly 4 more than ours (1): within
    a.vendor.score = 40;      // scores are not minutes: not compared
    Night b = a;
    b.label_date = boost::gregorian::date(2024, 1, 16);
    b.vendor.tst_min = 8;  // 4 more: within
    Night c = a;
    c.summary_only = true;  // totals only: the minutes are the file's
    const std::vector<Night> nights = {a, b, c};
    std::vector<sleeparch::NightMetrics> metrics;
    for (const Night& n : nights) metrics.push_back(sleeparch::compute_metrics(n));
    EXPECT_EQ(sleeparch::vendor_differences(b, metrics[1]).size(), 0u);
    const auto d = sleeparch::vendor_differences(a, metrics[0]);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].name, "tst_min");
    const auto w = sleeparch::vendor_difference_warning(nights, metrics);
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->message,
              "1 night where a figure from the hypnogram differs from the file's own by more than 5 min: "
              "2024-01-15 Oura: tst_min 4.0 (file 10.5). The file's figures are in the vendor_* "
              "columns; they differ for the vendor's reasons (a finer grid than the stages it exports, its own "
              "latency and awake definitions, rounding)");
    EXPECT_FALSE(sleeparch::vendor_difference_warning({b}, {metrics[1]}).has_value());
}
