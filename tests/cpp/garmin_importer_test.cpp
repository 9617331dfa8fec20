// Garmin importer: the two real Connect API samples (summary-only nights),
// a project fixture with filled sleepLevels, the account export's
// *_sleepData.json summaries, offsets, a golden file and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"
#include "../../importers/src/timezone.hpp"

namespace {

using nlohmann::json;
using sleeparch::ImportBatch;
using sleeparch::Night;
using sleeparch::ParseError;
using sleeparch::RecordKind;
using sleeparch::Stage;
using sleeparch::importers::import_buffer;
using sleeparch::importers::ImportOptions;
namespace st = sleeparch::testing;
using st::check_golden;
using st::night_json;

const char* kSamples[] = {"garmin/garth_dailySleepData_2021-07-20.json", "garmin/garth_dailySleepData_2025-07-07.json"};

sleeparch::UtcSeconds utc(const std::string& iso) {
    sleeparch::ParsedTime t = sleeparch::parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

std::string message_of(const std::string& content, const std::string& name = "garmin.json") {
    try {
        import_buffer(content, name, ImportOptions{}, "garmin");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}


TEST(GarminImporter, SamplesAreSummaryOnlyNights) {
    for (const char* rel : kSamples) {
        auto path = st::sample(rel);
        if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
        SCOPED_TRACE(rel);
        ImportBatch batch = sleeparch::importers::import_paths({path.string()}, ImportOptions{});
        json doc = json::parse(st::read_file(path));
        const json& dto = doc["dailySleepDTO"];
        EXPECT_TRUE(batch.records.empty());
        EXPECT_TRUE(batch.warnings.empty());
        ASSERT_EQ(batch.summaries.size(), 1u);
        const auto& s = batch.summaries[0];
        EXPECT_EQ(s.start, dto["sleepStartTimestampGMT"].get<std::int64_t>() / 1000);
        EXPECT_EQ(s.end, dto["sleepEndTimestampGMT"].get<std::int64_t>() / 1000);
        EXPECT_EQ(s.utc_offset_min,
                  (dto["sleepStartTimestampLocal"].get<std::int64_t>() - dto["sleepStartTimestampGMT"].get<std::int64_t>()) /
                      60000);
        EXPECT_EQ(s.id, dto["id"].dump());
        EXPECT_DOUBLE_EQ(s.totals.deep_min, dto["deepSleepSeconds"].get<double>() / 60);
        EXPECT_DOUBLE_EQ(s.totals.light_min, dto["lightSleepSeconds"].get<double>() / 60);
        EXPECT_DOUBLE_EQ(s.totals.rem_min, dto["remSleepSeconds"].get<double>() / 60);
        EXPECT_DOUBLE_EQ(s.totals.wake_min, dto["awakeSleepSeconds"].get<double>() / 60);
        ASSERT_EQ(batch.sources.size(), 1u);
        EXPECT_EQ(batch.sources[0].format, "garmin");
        EXPECT_EQ(batch.sources[0].version, dto["sleepVersion"].dump());

        sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
        ASSERT_EQ(r.nights.size(), 1u);
        const Night& n = r.nights[0];
        EXPECT_TRUE(n.summary_only);
        EXPECT_EQ(sleeparch::format_date(n.label_date), dto["calendarDate"].get<std::string>());
        sleeparch::NightMetrics m = sleeparch::compute_metrics(n);
        EXPECT_DOUBLE_EQ(m.tst_min, dto["sleepTimeSeconds"].get<double>() / 60);
        EXPECT_TRUE(std::isnan(m.sfi_per_h));  // sequence metrics need a hypnogram
    }
}

// API dailySleepData with filled sleepLevels, and sleepMovement that reuses
// activityLevel for movement (must be ignored).
json api_night() {
    return {{"dailySleepDTO",
             {{"id", 1714602660000},
              {"calendarDate", "2024-05-02"},
              {"sleepTimeSeconds", 26400},
              {"sleepStartTimestampGMT", 1714602660000},  // 2024-05-01T22:31:00Z
              {"sleepEndTimestampGMT", 1714630260000},    // 2024-05-02T06:11:00Z
              {"sleepStartTimestampLocal", 1714609860000},  // +02:00
              {"sleepEndTimestampLocal", 1714637460000},
              {"deepSleepSeconds", 5400},
              {"lightSleepSeconds", 15600},
              {"remSleepSeconds", 5400},
              {"awakeSleepSeconds", 1200},
              {"sleepVersion", 2}}},
            {"sleepMovement",
             {{{"startGMT", "2024-05-01T22:31:00.0"}, {"endGMT", "2024-05-01T22:32:00.0"}, {"activityLevel", 5.7}}}},
            {"sleepLevels",
             {{{"startGMT", "2024-05-01T22:31:00.0"}, {"endGMT", "2024-05-01T22:41:00.0"}, {"activityLevel", 3.0}},
              {{"startGMT", "2024-05-01T22:41:00.0"}, {"endGMT", "2024-05-02T00:41:00.0"}, {"activityLevel", 1.0}},
              {{"startGMT", "2024-05-02T00:41:00.0"}, {"endGMT", "2024-05-02T02:11:00.0"}, {"activityLevel", 0.0}},
              {{"startGMT", "2024-05-02T02:11:00.0"}, {"endGMT", "2024-05-02T02:21:00.0"}, {"activityLevel", 3.0}},
              {{"startGMT", "2024-05-02T02:21:00.0"}, {"endGMT", "2024-05-02T03:51:00.0"}, {"activityLevel", 2.0}},
              {{"startGMT", "2024-05-02T03:51:00.0"}, {"endGMT", "2024-05-02T06:11:00.0"}, {"activityLevel", 1.0}}}}};
}

TEST(GarminImporter, SleepLevelsBecomeAHypnogram) {
    ImportBatch batch = import_buffer(api_night().dump(), "sleep.json", ImportOptions{}, "garmin");
    EXPECT_TRUE(batch.warnings.empty());
    EXPECT_TRUE(batch.summaries.empty());
    ASSERT_EQ(batch.records.size(), 7u);  // in bed + six levels, no movement
    EXPECT_EQ(batch.records[0].kind, RecordKind::InBed);
    for (const auto& r : batch.records) {
        EXPECT_EQ(r.session, "1714602660000");
        EXPECT_EQ(r.utc_offset_min, 120);
        EXPECT_EQ(r.epoch_s, 60);
    }
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_FALSE(n.summary_only);
    EXPECT_EQ(n.window_start, utc("2024-05-01T22:31:00Z"));
    EXPECT_EQ(sleeparch::format_date(n.label_date), "2024-05-02");
    sleeparch::NightMetrics m = sleeparch::compute_metrics(n);
    // Agrees with the DTO's own totals.
    EXPECT_DOUBLE_EQ(m.deep_min, 90.0);
    EXPECT_DOUBLE_EQ(m.light_min, 260.0);
    EXPECT_DOUBLE_EQ(m.rem_min, 90.0);
    EXPECT_DOUBLE_EQ(m.wake_min, 20.0);
    EXPECT_DOUBLE_EQ(m.tst_min, 440.0);
    EXPECT_DOUBLE_EQ(m.sol_min, 10.0);
}

TEST(GarminImporter, ArrayOfApiNights) {
    json second = api_night();
    second["dailySleepDTO"]["id"] = 2;
    second["dailySleepDTO"]["calendarDate"] = "2024-05-03";
    for (const char* key : {"sleepStartTimestampGMT", "sleepEndTimestampGMT", "sleepStartTimestampLocal",
                            "sleepEndTimestampLocal"}) {
        second["dailySleepDTO"][key] = second["dailySleepDTO"][key].get<std::int64_t>() + 86'400'000;
    }
    second["sleepLevels"] = nullptr;
    ImportBatch batch = import_buffer(json::array({api_night(), second}).dump(), "s.json", ImportOptions{}, "garmin");
    EXPECT_EQ(batch.records.size(), 7u);
    ASSERT_EQ(batch.summaries.size(), 1u);
    EXPECT_EQ(batch.summaries[0].line, 2u);
    EXPECT_EQ(batch.summaries[0].id, "2");
}

// Account export: DI_CONNECT/DI-Connect-Wellness/*_sleepData.json.
const char* kExport = R"([
  {"calendarDate": "2023-01-10", "sleepStartTimestampGMT": "2023-01-09T22:40:00.0",
   "sleepEndTimestampGMT": "2023-01-10T06:10:00.0", "sleepWindowConfirmationType": "ENHANCED_CONFIRMED_FINAL",
   "deepSleepSeconds": 4800, "lightSleepSeconds": 15600, "remSleepSeconds": 5400, "awakeSleepSeconds": 1200,
   "unmeasurableSeconds": 0, "retro": false},
  {"calendarDate": "2023-01-11", "sleepStartTimestampGMT": "2023-01-10T23:00:00.0",
   "sleepEndTimestampGMT": "2023-01-11T06:00:00.0", "sleepTimeSeconds": 24000},
  {"calendarDate": "2023-01-12", "retro": false}
])";

TEST(GarminImporter, AccountExportSummaries) {
    ImportOptions options;
    options.tz_name = "Europe/Berlin";
    ImportBatch batch = import_buffer(kExport, "user_sleepData.json", options, "garmin");
    ASSERT_EQ(batch.summaries.size(), 2u);
    EXPECT_EQ(batch.summaries[0].start, utc("2023-01-09T22:40:00Z"));
    EXPECT_EQ(batch.summaries[0].utc_offset_min, 60);
    EXPECT_EQ(batch.summaries[0].id, "2023-01-10");
    EXPECT_DOUBLE_EQ(batch.summaries[0].totals.light_min, 260.0);
    EXPECT_DOUBLE_EQ(batch.summaries[1].totals.asleep_unstaged_min, 400.0);
    ASSERT_EQ(batch.warnings.size(), 1u);
    EXPECT_EQ(batch.warnings[0].line, 3u);
    EXPECT_EQ(batch.warnings[0].message,
              "no sleep recorded for 2023-01-12 (no sleepStartTimestampGMT/sleepEndTimestampGMT): skipped");

    // Without --tz and without Local fields: UTC, said once.
    ImportBatch plain = import_buffer(kExport, "user_sleepData.json", ImportOptions{}, "garmin");
    ASSERT_EQ(plain.warnings.size(), 2u);
    EXPECT_EQ(plain.warnings[0].line, 1u);  // the first night read as UTC
    EXPECT_EQ(plain.warnings[0].message, std::string(sleeparch::importers::kNoOffsetWarning));
    EXPECT_EQ(plain.summaries[0].utc_offset_min, 0);
}

// A night in Tokyo in the account export (GMT only): 23:00-07:00 JST is
// 14:00-22:00 UTC on the day before calendarDate.
const char* kTokyoExport = R"([
  {"calendarDate": "2025-07-07", "sleepStartTimestampGMT": "2025-07-06T14:00:00.0",
   "sleepEndTimestampGMT": "2025-07-06T22:00:00.0", "deepSleepSeconds": 5400, "lightSleepSeconds": 18000,
   "remSleepSeconds": 5400, "awakeSleepSeconds": 0}])";

std::string label_of(const ImportBatch& batch) {
    const auto nights = sleeparch::assemble_nights(batch).nights;
    EXPECT_EQ(nights.size(), 1u);
    return nights.empty() ? "" : sleeparch::format_date(nights[0].label_date);
}

TEST(GarminImporter, CalendarDateLabelsTheNightEastOfUtc) {
    // Without --tz the times are UTC (wake 22:00 on the 6th) but the night
    // keeps its calendarDate.
    ImportBatch plain = import_buffer(kTokyoExport, "x_sleepData.json", ImportOptions{}, "garmin");
    ASSERT_EQ(plain.summaries.size(), 1u);
    EXPECT_EQ(plain.summaries[0].utc_offset_min, 0);
    ASSERT_EQ(plain.warnings.size(), 1u);
    EXPECT_EQ(plain.warnings[0].message, std::string(sleeparch::importers::kNoOffsetWarning));
    EXPECT_EQ(label_of(plain), "2025-07-07");

    ImportOptions tokyo;
    sleeparch::importers::set_time_zone(tokyo, "Asia/Tokyo");
    ImportBatch right = import_buffer(kTokyoExport, "x_sleepData.json", tokyo, "garmin");
    EXPECT_TRUE(right.warnings.empty());
    EXPECT_EQ(right.summaries[0].utc_offset_min, 540);
    EXPECT_EQ(label_of(right), "2025-07-07");
}

TEST(GarminImporter, TzContradictingCalendarDateWarnsOncePerFile) {
    // New York puts the Tokyo night at 10:00-18:00 on the 6th: another
    // date and an afternoon "night".
    ImportOptions ny;
    sleeparch::importers::set_time_zone(ny, "America/New_York");
    std::string two = kTokyoExport;
    two.pop_back();  // the closing ]
    two += R"(, {"calendarDate": "2025-07-08", "sleepStartTimestampGMT": "2025-07-07T14:00:00.0",
       "sleepEndTimestampGMT": "2025-07-07T22:00:00.0", "sleepTimeSeconds": 28800}])";
    ImportBatch wrong = import_buffer(two, "x_sleepData.json", ny, "garmin");
    ASSERT_EQ(wrong.summaries.size(), 2u);
    EXPECT_EQ(wrong.summaries[0].utc_offset_min, -240);
    ASSERT_EQ(wrong.warnings.size(), 1u);
    EXPECT_EQ(wrong.warnings[0].line, 1u);
    EXPECT_EQ(wrong.warnings[0].message,
              "--tz America/New_York contradicts calendarDate on 2 of 2 nights (first: calendarDate 2025-07-07 "
              "becomes 10:00-18:00 local, waking on 2025-07-06, an afternoon night): check --tz; the nights keep "
              "calendarDate as their date");
    const auto nights = sleeparch::assemble_nights(wrong).nights;
    ASSERT_EQ(nights.size(), 2u);
    EXPECT_EQ(sleeparch::format_date(nights[0].label_date), "2025-07-07");
    EXPECT_EQ(sleeparch::format_date(nights[1].label_date), "2025-07-08");

    // A --tz one hour off moves neither the date nor the night into the
    // afternoon: no warning.
    ImportOptions seoul_like;
    sleeparch::importers::set_time_zone(seoul_like, "+08:00");
    EXPECT_TRUE(import_buffer(kTokyoExport, "x_sleepData.json", seoul_like, "garmin").warnings.empty());

    // A calendarDate that is no date is an error naming it.
    std::string bad = kTokyoExport;
    bad.replace(bad.find("2025-07-07"), 10, "2025-13-07");
    try {
        import_buffer(bad, "x_sleepData.json", ImportOptions{}, "garmin");
        FAIL() << "no error";
    } catch (const ParseError& e) {
        EXPECT_NE(std::string(e.what()).find("calendarDate \"2025-13-07\""), std::string::npos) << e.what();
    }
}

TEST(GarminImporter, RealSamplesAreLabelledByCalendarDateWhateverTheTz) {
    // The API samples state their zone (Local - GMT: -05:00 and -06:00); it
    // wins over --tz, and their labels are their calendarDate.
    ImportOptions tokyo;
    sleeparch::importers::set_time_zone(tokyo, "Asia/Tokyo");
    for (const char* name : kSamples) {
        SCOPED_TRACE(name);
        const auto path = st::sample(name);
        if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
        const std::string text = st::read_file(path);
        const std::string calendar_date = json::parse(text)["dailySleepDTO"]["calendarDate"];
        for (const ImportOptions& options : {ImportOptions{}, tokyo}) {
            ImportBatch b = import_buffer(text, path.filename().string(), options, "garmin");
            EXPECT_TRUE(b.warnings.empty()) << b.warnings.front().message;
            ASSERT_EQ(b.summaries.size(), 1u);
            EXPECT_EQ(b.summaries[0].utc_offset_min, std::string(name).find("2021") != std::string::npos ? -300 : -360);
            EXPECT_EQ(label_of(b), calendar_date);
        }
    }
}

TEST(GarminImporter, OffsetAppliedTwiceIsHalved) {
    json night = api_night();
    // +13:00 written twice: 26 h apart.
    night["dailySleepDTO"]["sleepStartTimestampLocal"] = 1714602660000 + 26LL * 3'600'000;
    ImportBatch batch = import_buffer(night.dump(), "s.json", ImportOptions{}, "garmin");
    ASSERT_EQ(batch.warnings.size(), 1u);
    EXPECT_EQ(batch.warnings[0].message, "sleepStartTimestampLocal holds the UTC offset twice; used +13:00");
    EXPECT_EQ(batch.records[0].utc_offset_min, 13 * 60);

    // With --tz the doubled +02:00 (+04:00) is recognised too.
    night = api_night();
    night["dailySleepDTO"]["sleepStartTimestampLocal"] = 1714602660000 + 4LL * 3'600'000;
    ImportOptions options;
    options.tz_name = "Europe/Paris";
    batch = import_buffer(night.dump(), "s.json", options, "garmin");
    ASSERT_EQ(batch.warnings.size(), 1u);
    EXPECT_EQ(batch.records[0].utc_offset_min, 120);
}

TEST(GarminImporter, UnknownActivityLevelIsUnscored) {
    json night = api_night();
    night["sleepLevels"][1]["activityLevel"] = -1.0;
    ImportBatch batch = import_buffer(night.dump(), "s.json", ImportOptions{}, "garmin");
    ASSERT_EQ(batch.warnings.size(), 1u);
    EXPECT_EQ(batch.warnings[0].message,
              "unknown sleepLevels activityLevel -1.0, counted as Unscored (expected 0 deep, 1 light, 2 REM, 3 awake)");
    EXPECT_EQ(batch.records[2].stage, Stage::Unscored);
}

TEST(GarminImporter, RecognisesByContent) {
    const sleeparch::importers::Importer* garmin = sleeparch::importers::find_importer("garmin");
    ASSERT_NE(garmin, nullptr);
    EXPECT_TRUE(garmin->recognises("x.json", api_night().dump(2)));
    EXPECT_TRUE(garmin->recognises("x_sleepData.json", kExport));
    EXPECT_FALSE(garmin->recognises("x.json", R"({"sleep": [{"dateOfSleep": "2023-05-13", "logId": 1}]})"));
    EXPECT_FALSE(garmin->recognises("x.json", R"({"data": [{"bedtime_start": "x", "bedtime_end": "y"}]})"));
    EXPECT_FALSE(garmin->recognises("x.csv", "calendarDate,sleepStartTimestampGMT\n"));
    // Detection through the registry picks Garmin for both shapes.
    for (const std::string& doc : {api_night().dump(2), std::string(kExport)}) {
        ImportBatch batch = import_buffer(doc, "export.json", ImportOptions{});
        ASSERT_FALSE(batch.sources.empty());
        EXPECT_EQ(batch.sources[0].format, "garmin");
    }
}

TEST(GarminImporter, MalformedInput) {
    EXPECT_EQ(message_of("{\"dailySleepDTO\": {\"id\": 1"),
              "garmin.json:1: JSON: syntax error while parsing object - unexpected end of input; expected '}' "
              "(column 27)");
    EXPECT_EQ(message_of(R"({"sleepLevels": []})"),
              "garmin.json: dailySleepDTO: missing: expected a Garmin dailySleepData document");
    EXPECT_EQ(message_of(R"("night")"),
              "garmin.json: JSON: expected a Garmin dailySleepData document or an array of sleep summaries, got a "
              "string");
    EXPECT_EQ(message_of(R"({"dailySleepDTO": null})"), "garmin.json:dailySleepDTO: dailySleepDTO: null");
    EXPECT_EQ(message_of(R"([1])"), "garmin.json:record 1: night: expected an object, got a number");
    EXPECT_EQ(message_of(R"({"dailySleepDTO": {"sleepStartTimestampGMT": "soon", "sleepEndTimestampGMT": 5}})"),
              "garmin.json:dailySleepDTO: sleepStartTimestampGMT \"soon\": " +
                  sleeparch::parse_iso_datetime("soon").error);
    EXPECT_EQ(message_of(R"({"dailySleepDTO": {"sleepStartTimestampGMT": 10000, "sleepEndTimestampGMT": 5000}})"),
              "garmin.json:dailySleepDTO: sleepEndTimestampGMT: before sleepStartTimestampGMT");
    EXPECT_EQ(message_of(R"({"dailySleepDTO": {"sleepStartTimestampGMT": 1e300, "sleepEndTimestampGMT": 5}})"),
              "garmin.json:dailySleepDTO: sleepStartTimestampGMT: expected an integer, got 1e+300");
    EXPECT_EQ(message_of(R"({"dailySleepDTO": {"sleepStartTimestampGMT": 8000000000000000, "sleepEndTimestampGMT": 5}})"),
              "garmin.json:dailySleepDTO: sleepStartTimestampGMT: time outside the years 1900-2199");
    EXPECT_EQ(message_of(R"({"dailySleepDTO": {"sleepStartTimestampGMT": 0, "sleepEndTimestampGMT": 60000,
                             "sleepStartTimestampLocal": 360000000}})"),
              "garmin.json:dailySleepDTO: sleepStartTimestampLocal: differs from sleepStartTimestampGMT by 6000 "
              "min, more than any UTC offset");
    json night = api_night();
    night["sleepLevels"][2].erase("endGMT");
    EXPECT_EQ(message_of(night.dump()), "garmin.json:dailySleepDTO: sleepLevels[2].endGMT: missing");
    night = api_night();
    night["sleepLevels"][0]["activityLevel"] = "deep";
    EXPECT_EQ(message_of(night.dump()),
              "garmin.json:dailySleepDTO: sleepLevels[0].activityLevel: expected a number, got a string");
    night = api_night();
    night["dailySleepDTO"]["sleepLevels"] = 1;
    night["sleepLevels"] = "none";
    EXPECT_EQ(message_of(night.dump()), "garmin.json:dailySleepDTO: sleepLevels: expected an array, got a string");
    EXPECT_EQ(message_of(std::string(R"([{"calendarDate": "2023-01-10", "sleepStartTimestampGMT": 0,
                                          "sleepEndTimestampGMT": 60000, "deepSleepSeconds": -1}])")),
              "garmin.json:record 1 (calendarDate 2023-01-10): deepSleepSeconds: out of range");
}

TEST(GarminImporter, Golden) {
    json nights = json::array();
    for (const char* rel : kSamples) {
        auto path = st::sample(rel);
        if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
        ImportBatch batch = sleeparch::importers::import_paths({path.string()}, ImportOptions{});
        for (const Night& n : sleeparch::assemble_nights(batch).nights) {
            json j = night_json(n);
            j["file"] = rel;
            nights.push_back(j);
        }
    }
    ImportBatch fixture = import_buffer(api_night().dump(), "fixture", ImportOptions{}, "garmin");
    for (const Night& n : sleeparch::assemble_nights(fixture).nights) {
        json j = night_json(n);
        j["file"] = "garmin_importer_test.cpp api_night()";
        nights.push_back(j);
    }
    check_golden("garmin_nights.json",
                 "Metrics per night of the two Garmin Connect API samples in ../shared/samples/garmin (summary-only: "
                 "totals from dailySleepDTO, sequence metrics null) and of the project's sleepLevels fixture, as "
                 "compute_metrics produced them when the importer was written (regenerate with "
                 "SLEEPARCH_UPDATE_GOLDEN=1). Totals are checked against the DTO fields in "
                 "GarminImporter.SamplesAreSummaryOnlyNights. Not covered: a real night with filled sleepLevels (none "
                 "is public).",
                 nights);
}

}  // namespace
