// Fitbit importer: the four real Web API samples checked against Fitbit's own
// minutesAsleep and levels.summary, project fixtures for the export shape and
// the traps in FORMATS.md, --tz handling, a golden file and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

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

const char* kSamples[] = {"fitbit/fitbit_sleep_response_1_item.json", "fitbit/fitbit_sleep_response_2_items.json",
                          "fitbit/fitbit_sleep_response_classic.json",
                          "fitbit/fitbit_sleep_response_no_main_sleep_item.json"};

sleeparch::UtcSeconds utc(const std::string& iso) {
    sleeparch::ParsedTime t = sleeparch::parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

std::string message_of(const std::string& content, const std::string& name, const ImportOptions& options = {}) {
    try {
        import_buffer(content, name, options, "fitbit");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

const Night* night_starting(const sleeparch::AssemblyResult& r, sleeparch::UtcSeconds start) {
    for (const Night& n : r.nights) {
        if (n.window_start == start) return &n;
    }
    return nullptr;
}

// --- real samples ------------------------------------------------------------

// TST and stage minutes from the hypnogram (data with shortData laid over
// it) agree with the log's own minutesAsleep and levels.summary within the
// minute Fitbit truncates.
TEST(FitbitImporter, SamplesAgreeWithFitbitTotals) {
    for (const char* rel : kSamples) {
        auto path = st::sample(rel);
        if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
        SCOPED_TRACE(rel);
        ImportBatch batch = sleeparch::importers::import_paths({path.string()}, ImportOptions{});
        sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
        json doc = json::parse(st::read_file(path));
        ASSERT_EQ(r.nights.size(), doc["sleep"].size());
        for (const json& log : doc["sleep"]) {
            const Night* n = night_starting(r, utc(log["startTime"].get<std::string>()));
            ASSERT_NE(n, nullptr);
            sleeparch::NightMetrics m = sleeparch::compute_metrics(*n);
            const json& summary = log["levels"]["summary"];
            EXPECT_NEAR(m.tst_min, log["minutesAsleep"].get<double>(), 1.0);
            EXPECT_EQ(n->source.format, "fitbit");
            EXPECT_EQ(sleeparch::format_date(n->label_date), log["dateOfSleep"].get<std::string>());
            if (log["type"] == "stages") {
                EXPECT_EQ(n->epoch_s, 30);
                EXPECT_NEAR(m.light_min, summary["light"]["minutes"].get<double>(), 1.0);
                EXPECT_NEAR(m.deep_min, summary["deep"]["minutes"].get<double>(), 1.0);
                EXPECT_NEAR(m.rem_min, summary["rem"]["minutes"].get<double>(), 1.0);
                EXPECT_NEAR(m.wake_min, summary["wake"]["minutes"].get<double>(), 1.0);
                // minutesAwake is all wake in the log (= levels.summary.wake), not wake inside SPT.
                EXPECT_NEAR(m.wake_min, log["minutesAwake"].get<double>(), 1.0);
            } else {
                EXPECT_EQ(n->epoch_s, 60);
                EXPECT_NEAR(m.asleep_unstaged_min, summary["asleep"]["minutes"].get<double>(), 1.0);
                EXPECT_NEAR(m.wake_min,
                            summary["awake"]["minutes"].get<double>() + summary["restless"]["minutes"].get<double>(),
                            1.0);
            }
            // The window is startTime..endTime, not startTime + duration (30 s shorter).
            EXPECT_DOUBLE_EQ(n->tib_min(), log["timeInBed"].get<double>() + 0.5);
        }
    }
}

TEST(FitbitImporter, SampleNapAndMainSleepOnOneDate) {
    auto path = st::sample("fitbit/fitbit_sleep_response_2_items.json");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch batch = sleeparch::importers::import_paths({path.string()}, ImportOptions{});
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 2u);
    const Night* main = night_starting(r, utc("2023-05-14T01:51:00"));
    const Night* nap = night_starting(r, utc("2023-05-14T15:26:00"));
    ASSERT_NE(main, nullptr);
    ASSERT_NE(nap, nullptr);
    EXPECT_FALSE(main->is_nap);
    EXPECT_TRUE(nap->is_nap);
    EXPECT_EQ(main->label_date, nap->label_date);
}

// The same log as fitbit_sleep_response_1_item.json flagged not-main: alone
// it is a nap, though it is the only log of its date (METRICS.md §1.7).
TEST(FitbitImporter, SampleNotMainSleepIsANapEvenAlone) {
    auto path = st::sample("fitbit/fitbit_sleep_response_no_main_sleep_item.json");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch batch = sleeparch::importers::import_paths({path.string()}, ImportOptions{});
    for (const sleeparch::Record& r : batch.records) EXPECT_EQ(r.sleep_kind, sleeparch::SleepKind::Nap);
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_TRUE(r.nights[0].is_nap);
    EXPECT_EQ(sleeparch::format_date(r.nights[0].label_date), "2023-05-13");
    // Beside the main-sleep copy of the same log it is one night, the main sleep.
    auto main_path = st::sample("fitbit/fitbit_sleep_response_1_item.json");
    batch = sleeparch::importers::import_paths({path.string(), main_path.string()}, ImportOptions{});
    r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_FALSE(r.nights[0].is_nap);
}

// Takeout (`mainSleep`) and API (`isMainSleep`) flags, hypnogram and
// summary-only logs: a flagged nap is a nap even alone on its date, a
// flagged main sleep beats a longer log of its date, and a log without the
// flag follows the longest-TST rule.
TEST(FitbitImporter, MainSleepFlagDecides) {
    const char* doc = R"([
{"logId": 1, "dateOfSleep": "2024-05-01", "startTime": "2024-05-01T12:30:00.000",
 "endTime": "2024-05-01T13:10:00.000", "type": "stages", "mainSleep": false,
 "levels": {"data": [{"dateTime": "2024-05-01T12:30:00.000", "level": "light", "seconds": 2400}]}},
{"logId": 2, "dateOfSleep": "2024-05-03", "startTime": "2024-05-02T23:00:00.000",
 "endTime": "2024-05-03T03:00:00.000", "type": "stages", "mainSleep": true,
 "levels": {"data": [{"dateTime": "2024-05-02T23:00:00.000", "level": "deep", "seconds": 14400}]}},
{"logId": 3, "dateOfSleep": "2024-05-03", "startTime": "2024-05-03T08:00:00.000",
 "endTime": "2024-05-03T14:00:00.000", "type": "stages", "mainSleep": false,
 "levels": {"data": [{"dateTime": "2024-05-03T08:00:00.000", "level": "light", "seconds": 21600}]}},
{"logId": 4, "dateOfSleep": "2024-05-04", "startTime": "2024-05-04T13:00:00.000",
 "endTime": "2024-05-04T13:30:00.000", "logType": "manual", "minutesAsleep": 28, "mainSleep": false},
{"logId": 5, "dateOfSleep": "2024-05-05", "startTime": "2024-05-05T14:00:00.000",
 "endTime": "2024-05-05T14:20:00.000", "type": "stages",
 "levels": {"data": [{"dateTime": "2024-05-05T14:00:00.000", "level": "light", "seconds": 1200}]}}
])";
    ImportOptions options;
    options.tz_offset_min = 0;
    for (bool api : {false, true}) {
        SCOPED_TRACE(api ? "API shape" : "export shape");
        std::string text = doc;
        if (api) {
            json j = json::parse(doc);
            for (json& log : j) {
                if (log.contains("mainSleep")) {
                    log["isMainSleep"] = log["mainSleep"];
                    log.erase("mainSleep");
                }
            }
            text = json({{"sleep", j}}).dump();
        }
        ImportBatch batch = import_buffer(text, "s.json", options, "fitbit");
        sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
        ASSERT_EQ(r.nights.size(), 5u);
        std::map<std::string, bool> nap;
        for (const Night& n : r.nights) nap[n.provenance.record_ids.front()] = n.is_nap;
        EXPECT_TRUE(nap["1"]);   // alone on 2024-05-01, flagged false
        EXPECT_FALSE(nap["2"]);  // flagged main, 240 min
        EXPECT_TRUE(nap["3"]);   // 360 min, but flagged false
        EXPECT_TRUE(nap["4"]);   // summary-only, flagged false
        EXPECT_FALSE(nap["5"]);  // no flag: alone on its date, the main sleep
    }
    EXPECT_EQ(message_of(R"([{"logId": 7, "dateOfSleep": "2024-05-01", "startTime": "2024-05-01T12:30:00.000",
      "endTime": "2024-05-01T13:10:00.000", "type": "stages", "mainSleep": true, "isMainSleep": false,
      "levels": {"data": [{"dateTime": "2024-05-01T12:30:00.000", "level": "light", "seconds": 2400}]}}])",
                         "s.json", options),
              "s.json:record 1 (logId 7): isMainSleep: contradicts mainSleep");
    EXPECT_EQ(message_of(R"([{"logId": 7, "dateOfSleep": "2024-05-01", "startTime": "2024-05-01T12:30:00.000",
      "endTime": "2024-05-01T13:10:00.000", "type": "stages", "mainSleep": "no",
      "levels": {"data": [{"dateTime": "2024-05-01T12:30:00.000", "level": "light", "seconds": 2400}]}}])",
                         "s.json", options),
              "s.json:record 1 (logId 7): mainSleep: expected true or false, got a string");
}

TEST(FitbitImporter, SampleClassicRestlessOption) {
    auto path = st::sample("fitbit/fitbit_sleep_response_classic.json");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportOptions options;
    options.fitbit_restless_as_asleep = true;
    ImportBatch batch = sleeparch::importers::import_paths({path.string()}, options);
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 1u);
    sleeparch::NightMetrics m = sleeparch::compute_metrics(r.nights[0]);
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 439.0 + 11.0);
    EXPECT_DOUBLE_EQ(m.wake_min, 2.0);
}

TEST(FitbitImporter, SamplesGolden) {
    json nights = json::array();
    for (const char* rel : kSamples) {
        auto path = st::sample(rel);
        if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
        ImportOptions options;
        options.tz_name = "America/New_York";
        ImportBatch batch = sleeparch::importers::import_paths({path.string()}, options);
        for (const Night& n : sleeparch::assemble_nights(batch).nights) {
            json j = night_json(n);
            j["file"] = rel;
            nights.push_back(j);
        }
    }
    check_golden("fitbit_samples.json",
                 "Metrics per night of the four Fitbit Web API samples in ../shared/samples/fitbit, read with "
                 "--tz America/New_York, as compute_metrics produced them when the importer was written "
                 "(regenerate with SLEEPARCH_UPDATE_GOLDEN=1). Independent check: TST and stage minutes agree "
                 "with each log's minutesAsleep and levels.summary within 1 min "
                 "(FitbitImporter.SamplesAgreeWithFitbitTotals). Not covered: export-shape files, DST nights, "
                 "logs without levels.",
                 nights);
}

// --- project fixtures ----------------------------------------------------------

// Takeout shape (array, mainSleep). Traps: duration is 30 s shorter than
// endTime - startTime; shortData lies inside data segments; an "unknown"
// segment; local times without offset; the night crosses the spring DST
// change in Europe.
const char* kTakeout = R"([
{"logId": 101, "dateOfSleep": "2024-03-31", "startTime": "2024-03-30T23:00:00.000",
 "endTime": "2024-03-31T07:00:30.000", "duration": 28800000, "minutesAsleep": 458, "minutesAwake": 12,
 "timeInBed": 480, "type": "stages", "logType": "auto_detected", "mainSleep": true,
 "levels": {
  "summary": {"wake": {"count": 3, "minutes": 12}, "light": {"count": 2, "minutes": 369},
              "deep": {"count": 1, "minutes": 59}, "rem": {"count": 1, "minutes": 30}},
  "data": [
   {"dateTime": "2024-03-30T23:00:00.000", "level": "wake", "seconds": 600},
   {"dateTime": "2024-03-30T23:10:00.000", "level": "light", "seconds": 3600},
   {"dateTime": "2024-03-31T00:10:00.000", "level": "deep", "seconds": 3600},
   {"dateTime": "2024-03-31T01:10:00.000", "level": "unknown", "seconds": 600},
   {"dateTime": "2024-03-31T01:20:00.000", "level": "rem", "seconds": 1800},
   {"dateTime": "2024-03-31T01:50:00.000", "level": "light", "seconds": 18630}],
  "shortData": [
   {"dateTime": "2024-03-31T02:30:00.000", "level": "wake", "seconds": 90},
   {"dateTime": "2024-03-31T00:30:00.000", "level": "wake", "seconds": 60}]}},
{"logId": 102, "dateOfSleep": "2024-03-31", "startTime": "2024-03-31T14:00:00.000",
 "endTime": "2024-03-31T14:40:00.000", "duration": 2400000, "minutesAsleep": 35, "minutesAwake": 5,
 "type": "classic", "mainSleep": false,
 "levels": {"data": [
   {"dateTime": "2024-03-31T14:00:00.000", "level": "awake", "seconds": 300},
   {"dateTime": "2024-03-31T14:05:00.000", "level": "asleep", "seconds": 1200},
   {"dateTime": "2024-03-31T14:25:00.000", "level": "restless", "seconds": 120},
   {"dateTime": "2024-03-31T14:27:00.000", "level": "asleep", "seconds": 780}]}}
])";

TEST(FitbitImporter, TakeoutShapeWithoutTz) {
    ImportBatch batch = import_buffer(kTakeout, "sleep-2024-03-31.json", ImportOptions{}, "fitbit");
    ASSERT_EQ(batch.sources.size(), 1u);
    EXPECT_EQ(batch.sources[0].format, "fitbit");
    EXPECT_EQ(batch.sources[0].name, "Fitbit");
    // One warning per file, not per log.
    ASSERT_EQ(batch.warnings.size(), 1u);
    EXPECT_EQ(batch.warnings[0].file, "sleep-2024-03-31.json");
    EXPECT_EQ(batch.warnings[0].message, std::string(sleeparch::importers::kNoOffsetWarning));

    std::size_t in_bed = 0, layer1 = 0;
    for (const auto& r : batch.records) {
        EXPECT_EQ(r.utc_offset_min, 0);
        EXPECT_EQ(r.line, r.session == "101" ? 1u : 2u);
        if (r.kind == RecordKind::InBed) ++in_bed;
        if (r.layer == 1) {
            ++layer1;
            EXPECT_EQ(r.stage, Stage::Wake);
        }
    }
    EXPECT_EQ(in_bed, 2u);
    EXPECT_EQ(layer1, 2u);
    EXPECT_EQ(batch.records.size(), 2u + 6u + 2u + 4u);

    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 2u);
    const Night& main = r.nights[0];
    EXPECT_EQ(main.window_start, utc("2024-03-30T23:00:00Z"));
    EXPECT_EQ(main.window_end, utc("2024-03-31T07:00:30Z"));
    EXPECT_EQ(main.epoch_s, 30);
    EXPECT_FALSE(main.is_nap);
    sleeparch::NightMetrics m = sleeparch::compute_metrics(main);
    EXPECT_DOUBLE_EQ(m.tib_min, 480.5);
    EXPECT_DOUBLE_EQ(m.wake_min, 10.0 + 1.0 + 1.5);
    EXPECT_DOUBLE_EQ(m.light_min, 60.0 + 310.5 - 1.5);
    EXPECT_DOUBLE_EQ(m.deep_min, 60.0 - 1.0);
    EXPECT_DOUBLE_EQ(m.rem_min, 30.0);
    EXPECT_DOUBLE_EQ(m.unscored_min, 10.0);
    EXPECT_DOUBLE_EQ(m.tst_min, 458.0);

    const Night& nap = r.nights[1];
    EXPECT_TRUE(nap.is_nap);
    EXPECT_EQ(nap.epoch_s, 60);
    sleeparch::NightMetrics nm = sleeparch::compute_metrics(nap);
    EXPECT_DOUBLE_EQ(nm.asleep_unstaged_min, 33.0);  // restless is Wake, as Fitbit's minutesAsleep counts it
    EXPECT_DOUBLE_EQ(nm.wake_min, 7.0);
}

TEST(FitbitImporter, IanaZoneUsesTheOffsetAtTheStartForTheWholeLog) {
    ImportOptions options;
    options.tz_name = "Europe/Berlin";
    ImportBatch batch = import_buffer(kTakeout, "sleep-2024-03-31.json", options, "fitbit");
    EXPECT_TRUE(batch.warnings.empty());
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 2u);
    // 23:00 CET; Fitbit keeps +01:00 through the 02:00 -> 03:00 change.
    EXPECT_EQ(r.nights[0].window_start, utc("2024-03-30T23:00:00+01:00"));
    EXPECT_EQ(r.nights[0].window_end, utc("2024-03-31T07:00:30+01:00"));
    EXPECT_EQ(r.nights[0].utc_offset_min, 60);
    EXPECT_EQ(sleeparch::format_date(r.nights[0].label_date), "2024-03-31");
    // The afternoon nap starts after the change: +02:00.
    EXPECT_EQ(r.nights[1].window_start, utc("2024-03-31T14:00:00+02:00"));
    EXPECT_EQ(r.nights[1].utc_offset_min, 120);
}

TEST(FitbitImporter, FixedOffsetOption) {
    ImportOptions options;
    options.tz_offset_min = -300;
    ImportBatch batch = import_buffer(kTakeout, "sleep-2024-03-31.json", options, "fitbit");
    EXPECT_TRUE(batch.warnings.empty());
    ASSERT_FALSE(batch.records.empty());
    EXPECT_EQ(batch.records[0].start, utc("2024-03-30T23:00:00-05:00"));
    EXPECT_EQ(batch.records[0].utc_offset_min, -300);

    ImportOptions text;
    text.tz_name = "+05:30";
    batch = import_buffer(kTakeout, "sleep-2024-03-31.json", text, "fitbit");
    EXPECT_EQ(batch.records[0].start, utc("2024-03-30T23:00:00+05:30"));
}

TEST(FitbitImporter, UnknownZoneIsAUsageError) {
    ImportOptions options;
    options.tz_name = "Europe/Atlantis";
    try {
        import_buffer(kTakeout, "sleep-2024-03-31.json", options, "fitbit");
        FAIL() << "no error";
    } catch (const sleeparch::UsageError& e) {
        EXPECT_STREQ(e.what(),
                     "unknown time zone \"Europe/Atlantis\": give an IANA name such as Europe/Berlin or an "
                     "offset such as +01:00");
    }
}

TEST(FitbitImporter, ApiAndExportShapesReadAlike) {
    json logs = json::parse(kTakeout);
    json api = {{"sleep", logs}};
    ImportBatch a = import_buffer(kTakeout, "a.json", ImportOptions{}, "fitbit");
    ImportBatch b = import_buffer(api.dump(), "b.json", ImportOptions{}, "fitbit");
    ASSERT_EQ(a.records.size(), b.records.size());
    for (std::size_t i = 0; i < a.records.size(); ++i) {
        EXPECT_EQ(a.records[i].start, b.records[i].start);
        EXPECT_EQ(a.records[i].end, b.records[i].end);
        EXPECT_EQ(a.records[i].stage, b.records[i].stage);
        EXPECT_EQ(a.records[i].layer, b.records[i].layer);
    }
}

// Well-formed logs go through a simdjson fast path; anything it does not
// take (here a logId written as a string) sends the whole document through
// the checked nlohmann path. Both must give the same batch.
TEST(FitbitImporter, FastAndCheckedPathsAgree) {
    std::vector<std::string> docs = {kTakeout};
    for (const char* rel : kSamples) {
        auto path = st::sample(rel);
        if (!path.empty()) docs.push_back(st::read_file(path));
    }
    for (const std::string& doc : docs) {
        json slow_doc = json::parse(doc);
        json& logs = slow_doc.is_array() ? slow_doc : slow_doc["sleep"];
        logs[0]["logId"] = logs[0]["logId"].dump();
        for (const char* tz : {"", "Europe/Berlin"}) {
            ImportOptions options;
            options.tz_name = tz;
            ImportBatch fast = import_buffer(doc, "a.json", options, "fitbit");
            ImportBatch slow = import_buffer(slow_doc.dump(), "a.json", options, "fitbit");
            ASSERT_EQ(fast.records.size(), slow.records.size());
            for (std::size_t i = 0; i < fast.records.size(); ++i) {
                const auto& a = fast.records[i];
                const auto& b = slow.records[i];
                EXPECT_EQ(std::tie(a.start, a.end, a.kind, a.stage, a.utc_offset_min, a.source, a.session, a.layer,
                                   a.sleep_kind, a.file, a.line, a.id, a.epoch_s),
                          std::tie(b.start, b.end, b.kind, b.stage, b.utc_offset_min, b.source, b.session, b.layer,
                                   b.sleep_kind, b.file, b.line, b.id, b.epoch_s))
                    << i;
            }
            EXPECT_EQ(fast.sources, slow.sources);
            EXPECT_EQ(fast.files, slow.files);
            ASSERT_EQ(fast.warnings.size(), slow.warnings.size());
            for (std::size_t i = 0; i < fast.warnings.size(); ++i) {
                EXPECT_EQ(fast.warnings[i].message, slow.warnings[i].message);
            }
        }
    }
}

TEST(FitbitImporter, UnknownLevelWarnsOnceAndIsUnscored) {
    const char* doc = R"([{"logId": 5, "dateOfSleep": "2024-01-02", "startTime": "2024-01-01T23:00:00.000",
      "endTime": "2024-01-02T01:00:00.000", "type": "stages", "levels": {"data": [
      {"dateTime": "2024-01-01T23:00:00.000", "level": "light", "seconds": 3600},
      {"dateTime": "2024-01-02T00:00:00.000", "level": "snoring", "seconds": 1800},
      {"dateTime": "2024-01-02T00:30:00.000", "level": "snoring", "seconds": 1800}]}}])";
    ImportOptions options;
    options.tz_offset_min = 0;
    ImportBatch batch = import_buffer(doc, "s.json", options, "fitbit");
    ASSERT_EQ(batch.warnings.size(), 1u);
    EXPECT_EQ(batch.warnings[0].line, 1u);
    EXPECT_EQ(batch.warnings[0].message,
              "unknown sleep level \"snoring\" in a stages log, counted as Unscored (expected wake, light, deep, "
              "rem or unknown)");
    EXPECT_EQ(batch.records.back().stage, Stage::Unscored);
}

TEST(FitbitImporter, LogWithoutLevelsIsSummaryOnly) {
    const char* doc = R"([{"logId": 9, "dateOfSleep": "2024-01-02", "startTime": "2024-01-01T23:00:00.000",
      "endTime": "2024-01-02T06:00:00.000", "logType": "manual", "minutesAsleep": 400, "minutesAwake": 20},
      {"logId": 10, "dateOfSleep": "2024-01-03", "startTime": "2024-01-02T23:00:00.000",
      "endTime": "2024-01-03T06:00:00.000", "type": "stages", "minutesAsleep": 390,
      "levels": {"summary": {"light": {"minutes": 200}, "deep": {"minutes": 90}, "rem": {"minutes": 100},
                 "wake": {"minutes": 30}}, "data": []}}])";
    ImportOptions options;
    options.tz_offset_min = 60;
    ImportBatch batch = import_buffer(doc, "s.json", options, "fitbit");
    EXPECT_TRUE(batch.records.empty());
    ASSERT_EQ(batch.summaries.size(), 2u);
    EXPECT_EQ(batch.summaries[0].start, utc("2024-01-01T23:00:00+01:00"));
    EXPECT_EQ(batch.summaries[0].utc_offset_min, 60);
    EXPECT_DOUBLE_EQ(batch.summaries[0].totals.asleep_unstaged_min, 400.0);
    EXPECT_DOUBLE_EQ(batch.summaries[0].totals.wake_min, 20.0);
    EXPECT_EQ(batch.summaries[0].id, "9");
    EXPECT_DOUBLE_EQ(batch.summaries[1].totals.light_min, 200.0);
    EXPECT_DOUBLE_EQ(batch.summaries[1].totals.deep_min, 90.0);
    EXPECT_DOUBLE_EQ(batch.summaries[1].totals.rem_min, 100.0);
    EXPECT_DOUBLE_EQ(batch.summaries[1].totals.wake_min, 30.0);
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_TRUE(r.nights[0].summary_only);
}

TEST(FitbitImporter, RecognisesByContent) {
    const sleeparch::importers::Importer* fitbit = sleeparch::importers::find_importer("fitbit");
    ASSERT_NE(fitbit, nullptr);
    EXPECT_TRUE(fitbit->recognises("anything.json", kTakeout));
    EXPECT_TRUE(fitbit->recognises("x.json", R"({"sleep": [{"dateOfSleep": "2023-05-13", "duration": 1, "logId": 1)"));
    EXPECT_TRUE(fitbit->recognises("sleep-2020-01-31.json", "[]"));
    EXPECT_FALSE(fitbit->recognises("other.json", "[]"));
    EXPECT_FALSE(fitbit->recognises("x.json", R"({"data": [{"bedtime_start": "2024-01-01T23:00:00+01:00"}]})"));
    EXPECT_FALSE(fitbit->recognises("x.csv", "dateOfSleep,startTime\n"));
    EXPECT_FALSE(fitbit->recognises("x.json", R"({"note": "dateOfSleep startTime"})"));
    EXPECT_FALSE(fitbit->recognises("x.json", ""));
    // An empty Takeout day reads as nothing, without error.
    ImportBatch empty = import_buffer("[]", "sleep-2020-01-31.json", ImportOptions{}, "fitbit");
    EXPECT_TRUE(empty.records.empty());
    EXPECT_TRUE(empty.warnings.empty());
}

// --- bad input: whole messages --------------------------------------------------

TEST(FitbitImporter, MalformedDocuments) {
    EXPECT_EQ(message_of("", "sleep-2024-01-01.json"), "sleep-2024-01-01.json: file is empty");
    EXPECT_EQ(message_of(" \n\n", "sleep-2024-01-01.json"), "sleep-2024-01-01.json: JSON: the file is empty");
    EXPECT_EQ(message_of("[{\"logId\": 1,\n \"startTime\": ", "t.json"),
              "t.json:2: JSON: syntax error while parsing value - unexpected end of input; expected '[', '{', or "
              "a literal (column 15)");
    EXPECT_EQ(message_of("42", "n.json"),
              "n.json: JSON: expected a Fitbit sleep log array or an object with a \"sleep\" array, got a number");
    EXPECT_EQ(message_of(R"({"summary": {}})", "o.json"),
              "o.json: sleep: missing: expected a Fitbit sleep log array or an object with a \"sleep\" array");
    EXPECT_EQ(message_of(R"({"sleep": {}})", "o.json"), "o.json: sleep: expected an array, got an object");
}

TEST(FitbitImporter, MalformedLogs) {
    const std::string head = R"([{"logId": 7, "dateOfSleep": "2024-01-02", "type": "stages", )";
    EXPECT_EQ(message_of(R"([{"logId": 7}, 3])", "f.json"),
              "f.json:record 1 (logId 7): startTime: missing");
    EXPECT_EQ(message_of(R"([3])", "f.json"), "f.json:record 1: log: expected an object, got a number");
    EXPECT_EQ(message_of(R"([{"dateOfSleep": "2024-01-02"}])", "f.json"), "f.json:record 1: logId: missing");
    EXPECT_EQ(message_of(R"([{"logId": [1]}])", "f.json"), "f.json:record 1: logId: expected an integer, got an array");
    EXPECT_EQ(message_of(head + R"("startTime": "2024-13-01T23:00:00.000", "endTime": "2024-01-02T06:00:00.000"}])",
                         "f.json"),
              "f.json:record 1 (logId 7): startTime \"2024-13-01T23:00:00.000\": month 13 out of range");
    EXPECT_EQ(message_of(head + R"("startTime": "2024-01-02T23:00:00.000", "endTime": "2024-01-02T06:00:00.000"}])",
                         "f.json"),
              "f.json:record 1 (logId 7): endTime: before startTime");
    EXPECT_EQ(message_of(R"([{"logId": 7, "type": "deluxe", "startTime": "2024-01-01T23:00:00"}])", "f.json"),
              "f.json:record 1 (logId 7): type: unknown log type \"deluxe\" (expected \"stages\" or \"classic\")");

    const std::string times = R"("startTime": "2024-01-01T23:00:00.000", "endTime": "2024-01-02T06:00:00.000", )";
    auto with_data = [&](const std::string& data) { return head + times + R"("levels": {"data": [)" + data + "]}}]"; };
    EXPECT_EQ(message_of(with_data(R"({"dateTime": "2024-01-01T23:00:00.000", "level": "light", "seconds": 60},
                                       {"dateTime": "2024-01-01T23:01:00.000", "level": "deep", "seconds": -30})"),
                         "f.json"),
              "f.json:record 1 (logId 7): levels.data[1].seconds: -30 is not a duration between 0 and 7 days");
    EXPECT_EQ(message_of(with_data(R"({"dateTime": "2024-01-01T23:00:00.000", "level": "light", "seconds": "60"})"),
                         "f.json"),
              "f.json:record 1 (logId 7): levels.data[0].seconds: expected an integer, got a string");
    EXPECT_EQ(message_of(with_data(R"({"dateTime": "2024-01-01T23:00:00.000", "level": "light", "seconds": 1e300})"),
                         "f.json"),
              "f.json:record 1 (logId 7): levels.data[0].seconds: expected an integer, got 1e+300");
    EXPECT_EQ(message_of(with_data(R"({"dateTime": "yesterday", "level": "light", "seconds": 60})"), "f.json"),
              "f.json:record 1 (logId 7): levels.data[0].dateTime \"yesterday\": " +
                  sleeparch::parse_iso_datetime("yesterday").error);
    EXPECT_EQ(message_of(with_data(R"({"dateTime": "2200-06-01T23:00:00.000", "level": "light", "seconds": 60})"),
                         "f.json"),
              "f.json:record 1 (logId 7): levels.data[0].dateTime: time outside the years 1900-2199");
    EXPECT_EQ(message_of(with_data(R"({"level": "light", "seconds": 60})"), "f.json"),
              "f.json:record 1 (logId 7): levels.data[0].dateTime: missing");
    EXPECT_EQ(message_of(with_data(R"({"dateTime": "2024-01-01T23:00:00.000", "seconds": 60})"), "f.json"),
              "f.json:record 1 (logId 7): levels.data[0].level: missing");
    EXPECT_EQ(message_of(with_data(R"("light")"), "f.json"),
              "f.json:record 1 (logId 7): levels.data[0]: expected an object, got a string");
    EXPECT_EQ(message_of(head + times + R"("levels": {"data": [{"dateTime": "2024-01-01T23:00:00.000", "level": "light", "seconds": 60}], "shortData": 5}}])", "f.json"),
              "f.json:record 1 (logId 7): levels.shortData: expected an array, got a number");
}

}  // namespace

// --- Takeout CSVs (UserSleepStages / UserSleeps) --------------------------------

namespace {

const char* kStagesCsv =
    "sleep_id,sleep_stage_id,sleep_stage_type,start_utc_offset,sleep_stage_start,end_utc_offset,sleep_stage_end,"
    "data_source,algorithm_version,sleep_stage_created,sleep_stage_last_updated\n"
    "111,0,AWAKE,+05:30,2026-09-11T17:30:00Z,+05:30,2026-09-11T17:45:00Z,GOOGLE_FITBIT_AIR,3,,\n"
    "111,1,LIGHT,+05:30,2026-09-11T17:45:00Z,+05:30,2026-09-11T19:15:00Z,GOOGLE_FITBIT_AIR,3,,\n"
    "111,2,DEEP,+05:30,2026-09-11T19:15:00Z,+05:30,2026-09-11T20:30:00Z,GOOGLE_FITBIT_AIR,3,,\n"
    "111,3,REM,+05:30,2026-09-11T20:30:00Z,+05:30,2026-09-11T22:00:00Z,GOOGLE_FITBIT_AIR,3,,\n"
    "111,4,LIGHT,+05:30,2026-09-11T22:00:00Z,+05:30,2026-09-11T23:55:00Z,GOOGLE_FITBIT_AIR,3,,\n"
    "111,5,AWAKE,+05:30,2026-09-11T23:55:00Z,+05:30,2026-09-12T00:20:00Z,GOOGLE_FITBIT_AIR,3,,\n"
    "111,6,REM,+05:30,2026-09-12T00:20:00Z,+05:30,2026-09-12T01:00:00Z,GOOGLE_FITBIT_AIR,3,,\n";

const char* kSleepsCsv =
    "sleep_id,sleep_type,minutes_in_sleep_period,minutes_after_wake_up,minutes_to_fall_asleep,minutes_asleep,"
    "minutes_awake,minutes_longest_awakening,minutes_to_persistent_sleep,start_utc_offset,sleep_start,"
    "end_utc_offset,sleep_end,data_source,algorithm_version,sleep_created,sleep_last_updated\n"
    "111,STAGES,450,0,5,410,40,12,9,+05:30,2026-09-11T17:30:00Z,+05:30,2026-09-12T01:00:00Z,GOOGLE_FITBIT_AIR,3,"
    "2026-09-12T01:05:00Z,2026-09-12T01:05:00Z\n";

std::string csv_message(const std::string& content) {
    try {
        import_buffer(content, "UserSleepStages_2026-09-01.csv", ImportOptions{}, "fitbit_csv");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

TEST(FitbitCsvImporter, StagesAndSleepsAssembleIntoOneNight) {
    ImportBatch batch = import_buffer(kStagesCsv, "UserSleepStages_2026-09-01.csv", ImportOptions{}, "fitbit_csv");
    batch.append(import_buffer(kSleepsCsv, "UserSleeps_2026-09-01.csv", ImportOptions{}, "fitbit_csv"));
    EXPECT_TRUE(batch.warnings.empty());
    ASSERT_EQ(batch.records.size(), 8u);
    EXPECT_EQ(batch.records[0].utc_offset_min, 330);
    EXPECT_EQ(batch.records[0].session, "111 @3");  // sleep_id within its algorithm version
    EXPECT_EQ(batch.records[0].id, "111");
    EXPECT_EQ(batch.records[0].line, 2u);
    EXPECT_EQ(batch.sources[batch.records[0].source].device, "GOOGLE_FITBIT_AIR");
    EXPECT_EQ(batch.sources[batch.records[0].source].version, "3");
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.source.format, "fitbit_csv");
    EXPECT_EQ(n.window_start, utc("2026-09-11T23:00:00+05:30"));
    EXPECT_EQ(sleeparch::format_date(n.label_date), "2026-09-12");
    sleeparch::NightMetrics m = sleeparch::compute_metrics(n);
    // The UserSleeps row's own totals: 410 asleep, 40 awake, 450 in the period.
    EXPECT_DOUBLE_EQ(m.tst_min, 410.0);
    EXPECT_DOUBLE_EQ(m.wake_min, 40.0);
    EXPECT_DOUBLE_EQ(m.tib_min, 450.0);
    EXPECT_DOUBLE_EQ(m.deep_min, 75.0);
    EXPECT_DOUBLE_EQ(m.rem_min, 130.0);
    EXPECT_DOUBLE_EQ(m.light_min, 205.0);
}

// --- a 2026 Takeout: JSON and CSVs are one source, one copy per night ---------

const std::filesystem::path kTakeout2026 = "tests/fixtures/fitbit_takeout_2026/Takeout";

ImportOptions utc_minus_4() {
    ImportOptions options;
    options.tz_offset_min = -240;
    return options;
}

TEST(FitbitTakeout2026, EachNightOnceFromTheNewestAlgorithmVersion) {
    sleeparch::importers::ImportReport report;
    ImportBatch batch =
        sleeparch::importers::import_paths({(st::source_dir() / kTakeout2026).string()}, utc_minus_4(), &report);
    ASSERT_EQ(report.imported.size(), 3u);
    // One account, one source, whichever file a night came from.
    for (const sleeparch::Source& s : batch.sources) EXPECT_EQ(s.key(), batch.sources.front().key()) << s.label();
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    EXPECT_EQ(r.stats.copies_dropped, 3u);
    ASSERT_EQ(r.nights.size(), 2u);
    const Night& main = r.nights[0];
    EXPECT_EQ(main.source.format, "fitbit_csv");
    EXPECT_EQ(main.source.version, "sleep_session_v2");
    EXPECT_FALSE(main.is_nap);
    EXPECT_EQ(main.window_start, utc("2026-04-12T03:45:30Z"));
    EXPECT_EQ(main.window_end, utc("2026-04-12T11:05:30Z"));
    EXPECT_EQ(main.utc_offset_min, -240);
    EXPECT_EQ(sleeparch::format_date(main.label_date), "2026-04-12");
    sleeparch::NightMetrics m = sleeparch::compute_metrics(main);
    EXPECT_DOUBLE_EQ(m.tib_min, 440);
    EXPECT_DOUBLE_EQ(m.tst_min, 420);
    EXPECT_DOUBLE_EQ(m.wake_min, 20);
    EXPECT_DOUBLE_EQ(m.light_min, 250);
    EXPECT_DOUBLE_EQ(m.deep_min, 60);
    EXPECT_DOUBLE_EQ(m.rem_min, 110);
    // The nap: only the JSON states the flag; the kept CSV copy takes it.
    const Night& nap = r.nights[1];
    EXPECT_EQ(nap.source.version, "sleep_session_v2");
    EXPECT_TRUE(nap.is_nap);
    EXPECT_DOUBLE_EQ(sleeparch::compute_metrics(nap).light_min, 40);
    std::size_t copies_warnings = 0;
    for (const auto& w : r.warnings) {
        if (w.message.find("gives more than once") == std::string::npos) continue;
        ++copies_warnings;
        EXPECT_EQ(w.message,
                  "3 copies of nights that Fitbit (fitbit_csv) gives more than once dropped: each night keeps one "
                  "copy, the newest algorithm version (a copy without a version, such as Fitbit's legacy JSON, "
                  "counts as the oldest)");
    }
    EXPECT_EQ(copies_warnings, 1u);
}

// Without --tz the JSON's local times are read as UTC, 4 h off the CSVs'
// instants: its copies are matched on local clock time and still dropped,
// so the nights keep the CSVs' instants and offsets.
TEST(FitbitTakeout2026, WithoutTzTheJsonStillMatchesItsCsvCopiesOnLocalTime) {
    ImportBatch batch = sleeparch::importers::import_paths({(st::source_dir() / kTakeout2026).string()}, {});
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    EXPECT_EQ(r.stats.copies_dropped, 3u);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_EQ(r.nights[0].source.version, "sleep_session_v2");
    EXPECT_EQ(r.nights[0].window_start, utc("2026-04-12T03:45:30Z"));
    EXPECT_EQ(r.nights[0].utc_offset_min, -240);
    EXPECT_FALSE(r.nights[0].is_nap);
    EXPECT_EQ(r.nights[1].window_start, utc("2026-04-12T17:00:00Z"));
    EXPECT_TRUE(r.nights[1].is_nap);  // the JSON's flag, passed on from the dropped copy
}

// Two sessions read as UTC (no offset anywhere) are compared as they are:
// local-time matching is only between a copy read as UTC and one whose file
// states its offset.
TEST(FitbitTakeout2026, LocalTimeMatchingNeedsOneSideWithAStatedOffset) {
    const auto root = st::source_dir() / kTakeout2026 / "Fitbit";
    ImportBatch json_only = sleeparch::importers::import_paths({(root / "Global Export Data").string()}, {});
    for (const auto& rec : json_only.records) EXPECT_TRUE(rec.offset_assumed);
    EXPECT_EQ(sleeparch::assemble_nights(json_only).nights.size(), 2u);
    ImportBatch with_tz = sleeparch::importers::import_paths({(root / "Global Export Data").string()}, utc_minus_4());
    for (const auto& rec : with_tz.records) EXPECT_FALSE(rec.offset_assumed);
}

TEST(FitbitTakeout2026, LegacyJsonAloneAndOlderVersionsStillGiveTheirNights) {
    const auto root = st::source_dir() / kTakeout2026 / "Fitbit";
    // The JSON alone: its own two logs.
    ImportBatch json_only =
        sleeparch::importers::import_paths({(root / "Global Export Data").string()}, utc_minus_4());
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(json_only);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_EQ(r.stats.copies_dropped, 0u);
    EXPECT_DOUBLE_EQ(sleeparch::compute_metrics(r.nights[0]).deep_min, 45);
    EXPECT_TRUE(r.nights[1].is_nap);
    // JSON and v1 only: v1 is newer than the version-less JSON.
    const std::string stages = st::read_file(root / "Health Fitness Data_GoogleData/UserSleepStages_2026-04.csv");
    std::string v1_only;
    std::size_t pos = 0;
    while (pos < stages.size()) {
        std::size_t nl = stages.find('\n', pos);
        const std::string line = stages.substr(pos, nl - pos + 1);
        if (pos == 0 || line.find("sleep_session_v1") != std::string::npos) v1_only += line;
        pos = nl + 1;
    }
    ImportBatch batch = json_only;
    batch.append(import_buffer(v1_only, "UserSleepStages_2026-04.csv", utc_minus_4(), "fitbit_csv"));
    r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_EQ(r.stats.copies_dropped, 1u);
    EXPECT_EQ(r.nights[0].source.version, "sleep_session_v1");
    EXPECT_DOUBLE_EQ(sleeparch::compute_metrics(r.nights[0]).deep_min, 50);
    EXPECT_EQ(r.nights[1].source.format, "fitbit");  // the nap has no CSV copy here
}

TEST(FitbitCsvImporter, RecognisesByHeader) {
    const sleeparch::importers::Importer* csv = sleeparch::importers::find_importer("fitbit_csv");
    ASSERT_NE(csv, nullptr);
    EXPECT_TRUE(csv->recognises("x.csv", kStagesCsv));
    EXPECT_TRUE(csv->recognises("x.csv", kSleepsCsv));
    EXPECT_FALSE(csv->recognises("x.csv", "sleep_id,stage,start\n1,LIGHT,x\n"));
    EXPECT_FALSE(csv->recognises("x.json", kTakeout));
    // Detection through the registry: the JSON and the CSV reach their importers.
    EXPECT_EQ(import_buffer(kTakeout, "export.json", ImportOptions{}).sources.at(0).format, "fitbit");
    EXPECT_EQ(import_buffer(kStagesCsv, "x.csv", ImportOptions{}).sources.at(0).format, "fitbit_csv");
}

TEST(FitbitCsvImporter, BadRowsAndUnknownTypes) {
    const std::string header =
        "sleep_id,sleep_stage_type,start_utc_offset,sleep_stage_start,sleep_stage_end\n";
    EXPECT_EQ(csv_message(header + "1,LIGHT,+01:00,2026-09-11T17:30:00Z,2026-09-11T17:00:00Z\n"),
              "UserSleepStages_2026-09-01.csv:2: sleep_stage_end: before sleep_stage_start");
    EXPECT_EQ(csv_message(header + "1,LIGHT,+01:00,2026-09-11T17:30:00Z,\n"),
              "UserSleepStages_2026-09-01.csv:2: sleep_stage_end: missing");
    EXPECT_EQ(csv_message(header + ",LIGHT,+01:00,2026-09-11T17:30:00Z,2026-09-11T18:00:00Z\n"),
              "UserSleepStages_2026-09-01.csv:2: sleep_id: missing");
    EXPECT_EQ(csv_message(header + "1,LIGHT,+1h,2026-09-11T17:30:00Z,2026-09-11T18:00:00Z\n"),
              "UserSleepStages_2026-09-01.csv:2: start_utc_offset \"+1h\": not a UTC offset such as +05:30");
    EXPECT_EQ(csv_message(header + "1,LIGHT,+01:00,2026-09-31T17:30:00Z,2026-09-11T18:00:00Z\n"),
              "UserSleepStages_2026-09-01.csv:2: sleep_stage_start \"2026-09-31T17:30:00Z\": " +
                  sleeparch::parse_iso_datetime("2026-09-31T17:30:00Z").error);
    EXPECT_EQ(csv_message("sleep_id,value\n1,2\n"),
              "UserSleepStages_2026-09-01.csv:1: header: expected a Fitbit UserSleepStages or UserSleeps header "
              "(sleep_id, sleep_stage_type, sleep_stage_start, sleep_stage_end or sleep_start, sleep_end)");
    ImportBatch batch = import_buffer(header + "1,SNORING,+01:00,2026-09-11T17:30:00Z,2026-09-11T18:00:00Z\n"
                                               "1,SNORING,+01:00,2026-09-11T18:00:00Z,2026-09-11T18:30:00Z\n",
                                      "s.csv", ImportOptions{}, "fitbit_csv");
    ASSERT_EQ(batch.warnings.size(), 1u);
    EXPECT_EQ(batch.warnings[0].message,
              "unknown sleep_stage_type \"SNORING\", counted as Unscored (expected LIGHT, DEEP, REM or AWAKE)");
    EXPECT_EQ(batch.records[0].stage, Stage::Unscored);
}

}  // namespace
