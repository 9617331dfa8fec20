// HRV and resting heart rate per night (METRICS.md §8): every format's
// fixture in tests/fixtures/vitals/ (and the Garmin FIT one) with the values
// worked out by hand from the files, the matching rule of night assembly
// (vendor nightly value, else the mean of the samples in the window, else the
// daily value of the wake date; one maker's readings for its nights only),
// the plausibility screen, and the comparison's use of the new metrics.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <boost/date_time/gregorian/gregorian.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sleeparch/api.hpp"
#include "sleeparch/assembly.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/report.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

namespace sleeparch {
namespace {

using boost::gregorian::date;
using importers::import_buffer;
using importers::import_paths;
using importers::ImportOptions;

const ImportOptions kOptions;

std::string fixture(const std::string& name) { return (testing::source_dir() / "tests/fixtures/vitals" / name).string(); }

AssemblyResult load(const std::vector<std::string>& paths, ImportBatch* batch_out = nullptr,
                    const ImportOptions& options = kOptions) {
    ImportBatch b = import_paths(paths, options);
    AssemblyResult r = assemble_nights(b);
    if (batch_out) *batch_out = std::move(b);
    return r;
}

const Night& night_of(const AssemblyResult& r, const std::string& label, bool nap = false) {
    for (const Night& n : r.nights)
        if (format_date(n.label_date) == label && n.is_nap == nap) return n;
    throw std::runtime_error("no night " + label);
}

std::vector<std::string> warnings_with(const std::vector<Warning>& ws, const std::string& part) {
    std::vector<std::string> out;
    for (const Warning& w : ws)
        if (w.message.find(part) != std::string::npos) out.push_back(w.file + ": " + w.message);
    return out;
}

TEST(Vitals, AppleSdnnSamplesInsideTheWindowOnly) {
    ImportBatch b;
    const AssemblyResult r = load({fixture("apple_export.xml")}, &b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(format_date(n.label_date), "2024-03-02");
    // 40, 50 and 63 ms inside 23:00-07:00; 90 (15:00) and 20 (12:00 next day) outside.
    EXPECT_DOUBLE_EQ(n.vitals.hrv_sdnn_ms, (40.0 + 50.0 + 63.0) / 3.0);
    EXPECT_TRUE(std::isnan(n.vitals.hrv_rmssd_ms));  // SDNN never fills RMSSD
    EXPECT_DOUBLE_EQ(n.vitals.rhr_bpm, 54.0);        // the wake date's, not 61 of 1 March
    ASSERT_EQ(n.vitals.provenance.size(), 2u);
    EXPECT_EQ(n.vitals.provenance[0],
              "hrv_sdnn_ms: mean of 3 readings inside the night's window, Apple "
              "HKQuantityTypeIdentifierHeartRateVariabilitySDNN samples (first " +
                  fixture("apple_export.xml") + ":25)");
    EXPECT_EQ(n.vitals.provenance[1], "rhr_bpm: daily value stamped on the wake date 2024-03-02, Apple "
                                      "HKQuantityTypeIdentifierRestingHeartRate (" +
                                          fixture("apple_export.xml") + ":35)");
    // The 400 ms value and the one in seconds: one warning for both.
    const auto w = warnings_with(b.warnings, "HRV/heart-rate");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0], fixture("apple_export.xml") +
                        ": 2 HRV/heart-rate readings skipped: 1 outside 1-300 ms (HRV) or 20-250 bpm (heart rate), "
                        "first hrv_sdnn_ms 400 ms at line/record 32; 1 in a unit other than ms (HRV) or count/min "
                        "(heart rate), first hrv_sdnn_ms in \"s\" at line/record 31");
    // The metrics and the night row carry them.
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.hrv_sdnn_ms, 51.0);
    EXPECT_DOUBLE_EQ(m.rhr_bpm, 54.0);
    const auto row = api::night_row_json(n, m);
    EXPECT_EQ(row["hrv_sdnn_ms"], 51.0);
    EXPECT_TRUE(row["hrv_rmssd_ms"].is_null());
    EXPECT_EQ(row["vitals_source"].size(), 2u);
}

TEST(Vitals, AppleHrvRecordsAcrossChunkBoundariesAreAllFound) {
    // Many SDNN records around a night, enough to span several read chunks:
    // every one inside the window counts, none outside.
    std::string xml = "<?xml version=\"1.0\"?>\n<HealthData locale=\"en\">\n";
    xml += R"(<Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="W" startDate="2024-03-01 23:00:00 +0000" endDate="2024-03-02 07:00:00 +0000" value="HKCategoryValueSleepAnalysisAsleepCore"/>)";
    xml += "\n";
    const std::string pad(1200, ' ');
    double sum = 0;
    int inside = 0;
    for (int i = 0; i < 24 * 60; i += 1) {  // one a minute from 2024-03-01 12:00 for 24 h
        const UtcSeconds t = parse_iso_datetime("2024-03-01T12:00:00Z").utc() + i * 60;
        const std::string stamp = format_local_iso(t, 0);  // 2024-03-01T12:00:00+00:00
        const std::string apple = stamp.substr(0, 10) + " " + stamp.substr(11, 8) + " +0000";
        const double v = 20 + (i % 50);
        xml += "<Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"W\" unit=\"count/min\" startDate=\"" +
               apple + "\" endDate=\"" + apple + "\" value=\"70\"/>" + pad + "\n";
        xml += "<Record type=\"HKQuantityTypeIdentifierHeartRateVariabilitySDNN\" sourceName=\"W\" unit=\"ms\" "
               "startDate=\"" + apple + "\" endDate=\"" + apple + "\" value=\"" + std::to_string(static_cast<int>(v)) +
               "\">\n <HeartRateVariabilityMetadataList>\n  <InstantaneousBeatsPerMinute bpm=\"61\" time=\"1:00:00.00 "
               "AM\"/>\n </HeartRateVariabilityMetadataList>\n</Record>\n";
        if (t >= parse_iso_datetime("2024-03-01T23:00:00Z").utc() && t < parse_iso_datetime("2024-03-02T07:00:00Z").utc()) {
            sum += v;
            ++inside;
        }
    }
    xml += "</HealthData>\n";
    ASSERT_GT(xml.size(), std::size_t{2} << 20);
    const AssemblyResult r = assemble_nights(import_buffer(xml, "export.xml", kOptions));
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(inside, 480);
    EXPECT_DOUBLE_EQ(r.nights[0].vitals.hrv_sdnn_ms, sum / inside);
    EXPECT_NE(r.nights[0].vitals.provenance[0].find("mean of 480 readings"), std::string::npos);
}

TEST(Vitals, WhoopCyclesWithEmptyRows) {
    ImportBatch b;
    const AssemblyResult r = load({fixture("sleeps.csv"), fixture("physiological_cycles.csv")}, &b);
    ASSERT_EQ(r.nights.size(), 3u);
    const Night& n = night_of(r, "2024-03-03");
    EXPECT_DOUBLE_EQ(n.vitals.hrv_rmssd_ms, 61.5);
    EXPECT_DOUBLE_EQ(n.vitals.rhr_bpm, 53.0);
    EXPECT_EQ(n.vitals.provenance[0], "hrv_rmssd_ms: vendor nightly value, WHOOP physiological_cycles.csv Heart rate "
                                      "variability (ms) (" +
                                          fixture("physiological_cycles.csv") + ":3)");
    // No values on the cycle without them; 251 bpm and 0.5 ms skipped.
    for (const char* d : {"2024-03-01", "2024-03-02"}) {
        EXPECT_TRUE(std::isnan(night_of(r, d).vitals.hrv_rmssd_ms)) << d;
        EXPECT_TRUE(std::isnan(night_of(r, d).vitals.rhr_bpm)) << d;
    }
    EXPECT_EQ(warnings_with(b.warnings, "cycles without"),
              std::vector<std::string>{fixture("physiological_cycles.csv") +
                                       ": 2 cycles without a sleep or without HRV and resting heart rate skipped"});
    const auto w = warnings_with(b.warnings, "HRV/heart-rate");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("2 HRV/heart-rate readings skipped: 2 outside 1-300 ms"), std::string::npos) << w[0];
    // physiological_cycles.csv alone: no nights, no error.
    EXPECT_TRUE(load({fixture("physiological_cycles.csv")}).nights.empty());
}

TEST(Vitals, OuraSleepDocument) {
    ImportBatch b;
    const AssemblyResult r = load({fixture("oura_sleep.json")}, &b);
    ASSERT_EQ(r.nights.size(), 3u);
    EXPECT_DOUBLE_EQ(night_of(r, "2024-03-02").vitals.hrv_rmssd_ms, 45.0);
    EXPECT_DOUBLE_EQ(night_of(r, "2024-03-02").vitals.rhr_bpm, 52.0);  // lowest_heart_rate, not the average
    EXPECT_TRUE(std::isnan(night_of(r, "2024-03-03").vitals.hrv_rmssd_ms));  // null
    EXPECT_DOUBLE_EQ(night_of(r, "2024-03-03").vitals.rhr_bpm, 49.0);
    EXPECT_TRUE(std::isnan(night_of(r, "2024-03-04").vitals.hrv_rmssd_ms));  // 301 ms
    EXPECT_TRUE(std::isnan(night_of(r, "2024-03-04").vitals.rhr_bpm));       // 12 bpm
    EXPECT_EQ(warnings_with(b.warnings, "HRV/heart-rate"),
              std::vector<std::string>{fixture("oura_sleep.json") +
                                       ": 2 HRV/heart-rate readings skipped: 2 outside 1-300 ms (HRV) or 20-250 bpm "
                                       "(heart rate), first hrv_rmssd_ms 301 ms at line/record 3"});
    // A value of the wrong type names the period and field.
    try {
        import_buffer(R"({"bedtime_start":"2024-03-01T23:00:00+01:00","bedtime_end":"2024-03-02T07:00:00+01:00",)"
                      R"("sleep_phase_5_min":"22","average_hrv":"high"})",
                      "oura.json", kOptions);
        ADD_FAILURE() << "no error";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()), "oura.json:record 1: average_hrv: expected a number, got a string");
    }
}

TEST(Vitals, FitbitTakeoutDailyHrvAndRestingHeartRate) {
    ImportOptions opt;
    importers::set_time_zone(opt, "+00:00");
    const AssemblyResult r = load({fixture("fitbit")}, nullptr, opt);
    const Night& main = night_of(r, "2026-04-12");
    EXPECT_DOUBLE_EQ(main.vitals.hrv_rmssd_ms, 34.876);
    EXPECT_DOUBLE_EQ(main.vitals.rhr_bpm, 57.25);
    EXPECT_EQ(main.vitals.provenance[1].rfind("rhr_bpm: daily value stamped on the wake date 2026-04-12, Fitbit "
                                              "resting_heart_rate value",
                                              0),
              0u);
    // The nap gets neither: a daily value describes the day's main sleep.
    const Night& nap = night_of(r, "2026-04-12", true);
    EXPECT_TRUE(std::isnan(nap.vitals.hrv_rmssd_ms));
    EXPECT_TRUE(std::isnan(nap.vitals.rhr_bpm));
    // A bad number names the file, line and column.
    try {
        import_buffer("timestamp,rmssd,nremhr,entropy\n2026-04-12T00:00:00,abc,55,2\n", "hrv.csv", kOptions);
        ADD_FAILURE() << "no error";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()), "hrv.csv:2: rmssd \"abc\": expected a number (ms)");
    }
}

TEST(Vitals, GarminDailySleepDataAndHealthStatus) {
    const auto sample = testing::sample("garmin/garth_dailySleepData_2025-07-07.json");
    if (sample.empty()) GTEST_SKIP();
    ImportBatch b;
    const AssemblyResult r = load({sample.string(), fixture("garmin")}, &b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    // The sample's restingHeartRate 44 (the night's own value) wins over the
    // health status HR 45 of that date; HRV from the first record of the date.
    EXPECT_DOUBLE_EQ(n.vitals.rhr_bpm, 44.0);
    EXPECT_DOUBLE_EQ(n.vitals.hrv_rmssd_ms, 48.0);
    // The not-measured 0 of 8 July is no bad value.
    EXPECT_TRUE(warnings_with(b.warnings, "HRV/heart-rate").empty());
}

TEST(Vitals, GarminFitHrvStatusSummary) {
    const auto path = testing::source_dir() / "tests/fixtures/garmin_fit/sleep_hrv.fit";
    const AssemblyResult r = load({path.string()});
    ASSERT_EQ(r.nights.size(), 1u);
    // last_night_average 5440 / 128 (data/writers/garmin_fit.py --hrv 42.5).
    EXPECT_DOUBLE_EQ(r.nights[0].vitals.hrv_rmssd_ms, 42.5);
}

// A small Health Connect database: one session, HRV records inside and
// outside it, resting heart rate on its local date and another.
std::string health_connect_db() {
    testing::TempDir dir;
    const auto path = dir.path() / "health_connect_export.db";
    auto ms = [](const char* iso) { return std::to_string(parse_iso_datetime(iso).utc() * 1000); };
    const std::string sql =
        std::string(R"sql(
CREATE TABLE application_info_table (row_id INTEGER PRIMARY KEY, package_name TEXT, app_name TEXT);
CREATE TABLE sleep_session_record_table (row_id INTEGER PRIMARY KEY, uuid BLOB, last_modified_time INTEGER,
  app_info_id INTEGER, start_time INTEGER, start_zone_offset INTEGER, end_time INTEGER, end_zone_offset INTEGER);
CREATE TABLE sleep_stages_table (row_id INTEGER PRIMARY KEY, stage_start_time INTEGER, stage_end_time INTEGER,
  stage_type INTEGER, parent_key INTEGER);
CREATE TABLE heart_rate_variability_rmssd_record_table (row_id INTEGER PRIMARY KEY, app_info_id INTEGER,
  time INTEGER, zone_offset INTEGER, local_date INTEGER, heart_rate_variability_millis REAL);
CREATE TABLE resting_heart_rate_record_table (row_id INTEGER PRIMARY KEY, app_info_id INTEGER,
  time INTEGER, zone_offset INTEGER, local_date INTEGER, beats_per_minute INTEGER);
INSERT INTO application_info_table VALUES (1, 'com.sec.android.app.shealth', 'Samsung Health');
)sql") +
        "INSERT INTO sleep_session_record_table VALUES (1, randomblob(16), 0, 1, " + ms("2024-03-30T22:00:00Z") +
        ", 3600, " + ms("2024-03-31T06:00:00Z") + ", 3600);\n" +
        "INSERT INTO sleep_stages_table VALUES (1, " + ms("2024-03-30T22:00:00Z") + ", " + ms("2024-03-31T06:00:00Z") +
        ", 4, 1);\n" +
        // 38.25 and 41.75 inside (mean 40), 70 in the afternoon, -3 (skipped).
        "INSERT INTO heart_rate_variability_rmssd_record_table VALUES (1, 1, " + ms("2024-03-31T03:00:00Z") +
        ", 3600, 19813, 38.25), (2, 1, " + ms("2024-03-31T05:59:00Z") + ", 3600, 19813, 41.75), (3, 1, " +
        ms("2024-03-31T15:00:00Z") + ", 3600, 19813, 70), (4, 1, " + ms("2024-03-31T04:00:00Z") +
        ", 3600, 19813, -3);\n" +
        // local_date 19813 = 2024-03-31 (the wake date), 19812 = 30 March.
        "INSERT INTO resting_heart_rate_record_table VALUES (1, 1, " + ms("2024-03-31T08:00:00Z") +
        ", 3600, 19813, 52), (2, 1, " + ms("2024-03-30T08:00:00Z") + ", 3600, 19812, 58);\n";
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
    return testing::read_file(path);
}

TEST(Vitals, HealthConnectTables) {
    ImportBatch b = import_buffer(health_connect_db(), "health_connect_export.db", kOptions);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(format_date(n.label_date), "2024-03-31");
    EXPECT_DOUBLE_EQ(n.vitals.hrv_rmssd_ms, 40.0);
    EXPECT_DOUBLE_EQ(n.vitals.rhr_bpm, 52.0);
    EXPECT_EQ(n.vitals.provenance[0].rfind("hrv_rmssd_ms: mean of 2 readings inside the night's window, Health "
                                           "Connect heart_rate_variability_rmssd_record_table",
                                           0),
              0u)
        << n.vitals.provenance[0];
    EXPECT_EQ(warnings_with(b.warnings, "HRV/heart-rate"),
              std::vector<std::string>{"health_connect_export.db: 1 HRV/heart-rate reading skipped: 1 outside 1-300 "
                                       "ms (HRV) or 20-250 bpm (heart rate), first hrv_rmssd_ms -3 ms at line/record 4"});
}

// Hand-made batches for the matching rule.
struct Built {
    ImportBatch batch;
    UtcSeconds t0 = parse_iso_datetime("2024-05-01T22:00:00Z").utc();  // night labelled 2 May
};

Built one_night(const Source& night_source) {
    Built b;
    b.batch.add_file("f");
    b.batch.add_source(night_source);
    b.batch.records.push_back(testing::stage_record(b.t0, 0, 480, Stage::Light));
    b.batch.records.push_back(testing::stage_record(b.t0, 14 * 60, 14 * 60 + 40, Stage::Light));  // a nap next day
    return b;
}

VitalReading reading(VitalKind kind, VitalBasis basis, double value, int source) {
    VitalReading r;
    r.kind = kind;
    r.basis = basis;
    r.value = value;
    r.source = source;
    r.origin = "test";
    return r;
}

TEST(Vitals, NightlyBeatsSamplesBeatDaily) {
    Built b = one_night(Source{"oura", "Ring", "", ""});
    auto add = [&](VitalKind k, VitalBasis basis, double v, UtcSeconds s, UtcSeconds e, const char* day) {
        VitalReading r = reading(k, basis, v, 0);
        r.start = s;
        r.end = e;
        if (day) r.date = boost::gregorian::from_simple_string(day);
        b.batch.vitals.push_back(r);
    };
    // RMSSD: a daily value, samples and a nightly value: the nightly one wins.
    add(VitalKind::HrvRmssd, VitalBasis::Daily, 10, 0, 0, "2024-05-02");
    add(VitalKind::HrvRmssd, VitalBasis::Sample, 20, b.t0 + 60, b.t0 + 60, nullptr);
    add(VitalKind::HrvRmssd, VitalBasis::Nightly, 30, b.t0, b.t0 + 8 * 3600, nullptr);
    // SDNN: samples and a daily value: the samples' mean (window is half-open).
    add(VitalKind::HrvSdnn, VitalBasis::Sample, 20, b.t0, b.t0, nullptr);
    add(VitalKind::HrvSdnn, VitalBasis::Sample, 40, b.t0 + 8 * 3600 - 1, 0, nullptr);
    add(VitalKind::HrvSdnn, VitalBasis::Sample, 90, b.t0 + 8 * 3600, 0, nullptr);
    add(VitalKind::HrvSdnn, VitalBasis::Daily, 70, 0, 0, "2024-05-02");
    // Resting HR: only a daily value.
    add(VitalKind::RestingHr, VitalBasis::Daily, 55, 0, 0, "2024-05-02");
    const AssemblyResult r = assemble_nights(b.batch);
    ASSERT_EQ(r.nights.size(), 2u);
    const Night& main = night_of(r, "2024-05-02");
    EXPECT_DOUBLE_EQ(main.vitals.hrv_rmssd_ms, 30);
    EXPECT_DOUBLE_EQ(main.vitals.hrv_sdnn_ms, 30);
    EXPECT_DOUBLE_EQ(main.vitals.rhr_bpm, 55);
    EXPECT_EQ(main.vitals.provenance[0], "hrv_rmssd_ms: vendor nightly value, test (f)");
    EXPECT_EQ(main.vitals.provenance[2], "rhr_bpm: daily value stamped on the wake date 2024-05-02, test (f)");
    const Night& nap = night_of(r, "2024-05-02", true);
    EXPECT_TRUE(std::isnan(nap.vitals.rhr_bpm));
    EXPECT_TRUE(nap.vitals.provenance.empty());
}

TEST(Vitals, ReadingsServeTheirOwnMakerOnly) {
    Built b = one_night(Source{"apple_health", "Watch", "", ""});
    const int other = b.batch.add_source(Source{"oura", "Ring", "", ""});
    const int same_maker = b.batch.add_source(Source{"apple_health", "iPhone", "", ""});
    VitalReading foreign = reading(VitalKind::RestingHr, VitalBasis::Daily, 50, other);
    foreign.date = date(2024, 5, 2);
    b.batch.vitals.push_back(foreign);
    VitalReading own = reading(VitalKind::HrvSdnn, VitalBasis::Sample, 44, same_maker);
    own.start = own.end = b.t0 + 3600;
    b.batch.vitals.push_back(own);
    const AssemblyResult r = assemble_nights(b.batch);
    const Night& main = night_of(r, "2024-05-02");
    EXPECT_TRUE(std::isnan(main.vitals.rhr_bpm));
    EXPECT_DOUBLE_EQ(main.vitals.hrv_sdnn_ms, 44);
}

TEST(Vitals, ScreenBoundariesAndUnits) {
    EXPECT_TRUE(vital_in_range(VitalKind::HrvRmssd, 1.0));
    EXPECT_TRUE(vital_in_range(VitalKind::HrvSdnn, 300.0));
    EXPECT_FALSE(vital_in_range(VitalKind::HrvRmssd, 0.999));
    EXPECT_FALSE(vital_in_range(VitalKind::HrvSdnn, 300.001));
    EXPECT_TRUE(vital_in_range(VitalKind::RestingHr, 20.0));
    EXPECT_TRUE(vital_in_range(VitalKind::RestingHr, 250.0));
    EXPECT_FALSE(vital_in_range(VitalKind::RestingHr, 19.9));
    EXPECT_FALSE(vital_in_range(VitalKind::RestingHr, 250.1));
    EXPECT_FALSE(vital_in_range(VitalKind::RestingHr, std::nan("")));
    ImportBatch b;
    VitalScreen s(b, "x.csv");
    EXPECT_TRUE(s.add(reading(VitalKind::RestingHr, VitalBasis::Daily, 60, 0)));
    EXPECT_FALSE(s.add(reading(VitalKind::RestingHr, VitalBasis::Daily, 300, 0)));
    s.wrong_unit(VitalKind::RestingHr, "Hz", 9);
    s.finish();
    s.finish();  // once
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].message,
              "2 HRV/heart-rate readings skipped: 1 outside 1-300 ms (HRV) or 20-250 bpm (heart rate), first rhr_bpm "
              "300 bpm at the file; 1 in a unit other than ms (HRV) or count/min (heart rate), first rhr_bpm in "
              "\"Hz\" at line/record 9");
    EXPECT_EQ(b.vitals.size(), 1u);
    EXPECT_EQ(s.kept(), 1u);
}

TEST(Vitals, NightRowSchemaAndMetricTable) {
    for (const char* name : {"hrv_rmssd_ms", "hrv_sdnn_ms", "rhr_bpm"}) {
        const MetricInfo* info = find_metric(name);
        ASSERT_NE(info, nullptr) << name;
        EXPECT_TRUE(is_vital_metric(name));
        EXPECT_EQ(info->compare_default, 0) << "added to the defaults only when the nights carry them";
    }
    EXPECT_EQ(find_metric("hrv_sdnn_ms")->unit, "ms");
    EXPECT_EQ(find_metric("rhr_bpm")->unit, "bpm");
    const auto header = api::csv_night_header();
    EXPECT_NE(std::find(header.begin(), header.end(), "vitals_source"), header.end());
    EXPECT_NE(std::find(header.begin(), header.end(), "rhr_bpm"), header.end());
    // A night without readings: null in JSON, blank in CSV.
    Night n = testing::night_from_epochs(std::vector<Stage>(20, Stage::N2));
    const auto row = api::night_row_json(n, compute_metrics(n));
    EXPECT_TRUE(row["rhr_bpm"].is_null());
    EXPECT_TRUE(row["vitals_source"].empty());
}

// Nights with a resting heart rate that falls by exactly 1 bpm per 100 mg
// of the evening's magnesium, plus noise; doses vary from night to night.
struct DoseSeries {
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    std::vector<Dose> doses;
};

DoseSeries dose_series(bool with_vitals) {
    DoseSeries s;
    const UtcSeconds day0 = parse_iso_datetime("2023-12-31T23:00:00Z").utc();
    Xoshiro256ss g(11);
    for (int i = 0; i < 100; ++i) {
        const UtcSeconds onset = day0 + i * 86400;
        Night n = testing::night_from_epochs(std::vector<Stage>(2 * 60 * 7, Stage::N2), onset);
        n.source = Source{"oura", "Ring", "", ""};
        const double mg = i >= 30 ? 100.0 * (1 + i % 4) : 0.0;  // 100..400 mg from night 30 on
        if (mg > 0) {
            Dose d;
            d.time = onset - 2 * 3600;
            d.mg_elemental = mg;
            s.doses.push_back(d);
        }
        if (with_vitals) {
            n.vitals.rhr_bpm = 60.0 - mg / 100.0 + 0.2 * (g.uniform() - 0.5);
            n.vitals.provenance.push_back("rhr_bpm: vendor nightly value, Oura sleep document lowest_heart_rate (f:1)");
        }
        NightMetrics m = compute_metrics(n);
        m.sol_min = 10 + (i % 5);  // something to compare besides
        s.nights.push_back(std::move(n));
        s.metrics.push_back(m);
    }
    return s;
}

TEST(Vitals, ComparisonAddsThemWhenCarriedWithDoseResponse) {
    CompareOptions opt;
    opt.resamples = 200;
    DoseSeries with = dose_series(true);
    const auto r = compare_periods(with.nights, with.metrics, with.doses, opt);
    const MetricComparison* rhr = nullptr;
    for (const auto& m : r.metrics) {
        EXPECT_NE(m.metric, "hrv_rmssd_ms");  // not carried: not added
        if (m.metric == "rhr_bpm") rhr = &m;
    }
    ASSERT_NE(rhr, nullptr);
    EXPECT_FALSE(rhr->primary);
    EXPECT_EQ(rhr->unit, "bpm");
    // Dose-response within the treatment period: -1 bpm per 100 mg.
    ASSERT_FALSE(rhr->dose_response.empty());
    EXPECT_EQ(rhr->dose_response[0].predictor, "mg_elemental");
    EXPECT_NEAR(rhr->dose_response[0].slope_per_100mg, -1.0, 0.05);
    EXPECT_LT(rhr->dose_response[0].ci_low, -0.9);
    EXPECT_GT(rhr->dose_response[0].ci_high, -1.1);
    // The comparison's own default list stays the sleep metrics.
    EXPECT_EQ(rhr - &r.metrics[0], static_cast<std::ptrdiff_t>(default_comparison_metrics().size()));

    DoseSeries without = dose_series(false);
    for (const auto& m : compare_periods(without.nights, without.metrics, without.doses, opt).metrics)
        EXPECT_FALSE(is_vital_metric(m.metric)) << m.metric;
    // Asked for by name, it is compared even where no night carries it (the
    // primary, sol_min, is always compared too).
    opt.metrics = {"hrv_rmssd_ms", "rhr_bpm"};
    const auto named = compare_periods(with.nights, with.metrics, with.doses, opt);
    ASSERT_EQ(named.metrics.size(), 3u);
    EXPECT_EQ(named.metrics[1].metric, "rhr_bpm");
    EXPECT_EQ(named.metrics[0].metric, "hrv_rmssd_ms");
    EXPECT_EQ(named.metrics[0].verdict, Verdict::TooFewNights);
}

TEST(Vitals, CliNightsTableCsvAndSummary) {
    if (testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    const auto table = testing::run_cli({"nights", fixture("oura_sleep.json")});
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("RMSSD"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("RHR"), std::string::npos);
    EXPECT_EQ(table.out.find("SDNN"), std::string::npos) << "no night carries SDNN";
    EXPECT_NE(table.err.find("2 HRV/heart-rate readings skipped"), std::string::npos) << table.err;
    const auto summary = testing::run_cli({"nights", fixture("oura_sleep.json"), "--summary", "--format", "json"});
    ASSERT_EQ(summary.exit_code, 0) << summary.err;
    const auto j = nlohmann::json::parse(summary.out);
    EXPECT_EQ(j["metrics"]["rhr_bpm"]["n"], 2);
    EXPECT_DOUBLE_EQ(j["metrics"]["rhr_bpm"]["mean"].get<double>(), 50.5);
    EXPECT_EQ(j["metrics"]["hrv_rmssd_ms"]["n"], 1);
    // Without readings the table has no such columns.
    const auto plain = testing::run_cli({"nights", fixture("sleeps.csv")});
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_EQ(plain.out.find("RMSSD"), std::string::npos);
}

}  // namespace
}  // namespace sleeparch

namespace sleeparch {
namespace {

TEST(Vitals, ReportSectionOnlyWhenCarried) {
    CompareOptions opt;
    opt.resamples = 200;
    for (bool with : {false, true}) {
        DoseSeries s = dose_series(with);
        report::ReportData d;
        d.nights = &s.nights;
        d.metrics = s.metrics;
        d.comparison = compare_periods(s.nights, s.metrics, s.doses, opt);
        const std::string html = report::render_report(d);
        EXPECT_EQ(html.find("id=\"vitals\"") != std::string::npos, with);
        if (!with) continue;
        EXPECT_NE(html.find("<tr id=\"vitals-rhr_bpm\">"), std::string::npos);
        EXPECT_NE(html.find("<td class=\"num\">-1.01 (-1.02 to -0.99)</td>"), std::string::npos)
            << "the dose-response slope per 100 mg";
        EXPECT_NE(html.find("id=\"vitals-trend-0\""), std::string::npos);
        EXPECT_EQ(html.find("id=\"trend-rhr_bpm-h\""), std::string::npos) << "charted once, in its own section";
        EXPECT_NE(html.find("<code>rhr_bpm</code>: 100 nights, vendor nightly value, Oura sleep document "
                            "lowest_heart_rate</li>"),
                  std::string::npos);
    }
}

}  // namespace
}  // namespace sleeparch
