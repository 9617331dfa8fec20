// Oura importer: project fixtures written from FORMATS.md (no public Oura
// export exists): API v2 with 5-min and 30-s phases, rest/deleted periods
// dropped, v1 hypnogram_5min, summary-only periods, bad input, and nights
// from Oura and Fitbit going through one assembly.
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

sleeparch::UtcSeconds utc(const std::string& iso) {
    sleeparch::ParsedTime t = sleeparch::parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

std::string rep(char c, int n) { return std::string(static_cast<std::size_t>(n), c); }

std::string message_of(const std::string& content, const std::string& name = "oura.json") {
    try {
        import_buffer(content, name, ImportOptions{}, "oura");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

// 93 five-minute epochs: light 290, deep 60, REM 90, wake 25 min.
const std::string kPhases5 = rep('4', 2) + rep('2', 12) + rep('1', 12) + rep('3', 6) + rep('2', 30) + rep('4', 1) +
                             rep('3', 12) + rep('2', 16) + rep('4', 2);
// 120 thirty-second epochs: wake 5, light 25, deep 20, REM 10 min.
const std::string kPhases30 = rep('4', 10) + rep('2', 50) + rep('1', 40) + rep('3', 20);

json v2_document() {
    json periods = json::array();
    periods.push_back({{"id", "p-1"},
                       {"day", "2024-03-02"},
                       {"type", "long_sleep"},
                       {"bedtime_start", "2024-03-01T23:10:00+01:00"},
                       {"bedtime_end", "2024-03-02T06:55:00+01:00"},
                       {"sleep_phase_5_min", kPhases5},
                       {"sleep_algorithm_version", "v2"},
                       {"deep_sleep_duration", 3600},
                       {"light_sleep_duration", 17400},
                       {"rem_sleep_duration", 5400},
                       {"awake_time", 1500}});
    periods.push_back({{"id", "p-2"},
                       {"day", "2024-03-03"},
                       {"type", "long_sleep"},
                       {"bedtime_start", "2024-03-02T23:00:00+01:00"},
                       {"bedtime_end", "2024-03-03T00:00:00+01:00"},
                       {"sleep_phase_5_min", rep('2', 12)},
                       {"sleep_phase_30_sec", kPhases30},
                       {"sleep_algorithm_version", "v2"}});
    periods.push_back({{"id", "p-rest"},
                       {"type", "rest"},
                       {"bedtime_start", "2024-03-03T13:00:00+01:00"},
                       {"bedtime_end", "2024-03-03T14:00:00+01:00"},
                       {"sleep_phase_5_min", rep('2', 12)}});
    periods.push_back({{"id", "p-deleted"},
                       {"type", "deleted"},
                       {"bedtime_start", "2024-03-03T15:00:00+01:00"},
                       {"bedtime_end", "2024-03-03T16:00:00+01:00"},
                       {"sleep_phase_5_min", rep('2', 12)}});
    periods.push_back({{"id", "p-nap"},
                       {"day", "2024-03-03"},
                       {"type", "late_nap"},
                       {"bedtime_start", "2024-03-03T17:00:00+01:00"},
                       {"bedtime_end", "2024-03-03T17:40:00+01:00"},
                       {"sleep_phase_5_min", nullptr},
                       {"deep_sleep_duration", 0},
                       {"light_sleep_duration", 1800},
                       {"rem_sleep_duration", 300},
                       {"awake_time", 300}});
    return {{"data", periods}, {"next_token", nullptr}};
}

TEST(OuraImporter, V2FiveMinutePhases) {
    ImportBatch batch = import_buffer(v2_document().dump(), "sleep.json", ImportOptions{}, "oura");
    EXPECT_TRUE(batch.warnings.empty());
    // The nap states no algorithm version: a second Source with the same key.
    ASSERT_EQ(batch.sources.size(), 2u);
    EXPECT_EQ(batch.sources[0].key(), batch.sources[1].key());
    EXPECT_EQ(batch.sources[0].format, "oura");
    EXPECT_EQ(batch.sources[0].name, "Oura");
    EXPECT_EQ(batch.sources[0].version, "v2");
    for (const auto& r : batch.records) {
        EXPECT_NE(r.session, "p-rest");
        EXPECT_NE(r.session, "p-deleted");
        EXPECT_EQ(r.utc_offset_min, 60);
    }
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 3u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.window_start, utc("2024-03-01T23:10:00+01:00"));
    EXPECT_EQ(n.window_end, utc("2024-03-02T06:55:00+01:00"));
    EXPECT_EQ(n.epoch_s, 300);
    EXPECT_EQ(sleeparch::format_date(n.label_date), "2024-03-02");
    sleeparch::NightMetrics m = sleeparch::compute_metrics(n);
    // The hypnogram agrees with Oura's own durations.
    EXPECT_DOUBLE_EQ(m.light_min, 17400 / 60.0);
    EXPECT_DOUBLE_EQ(m.deep_min, 3600 / 60.0);
    EXPECT_DOUBLE_EQ(m.rem_min, 5400 / 60.0);
    EXPECT_DOUBLE_EQ(m.wake_min, 1500 / 60.0);
    EXPECT_DOUBLE_EQ(m.sol_min, 10.0);
}

TEST(OuraImporter, ThirtySecondPhasesPreferred) {
    ImportBatch batch = import_buffer(v2_document().dump(), "sleep.json", ImportOptions{}, "oura");
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 3u);
    const Night& n = r.nights[1];
    EXPECT_EQ(n.epoch_s, 30);
    sleeparch::NightMetrics m = sleeparch::compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.wake_min, 5.0);
    EXPECT_DOUBLE_EQ(m.light_min, 25.0);
    EXPECT_DOUBLE_EQ(m.deep_min, 20.0);
    EXPECT_DOUBLE_EQ(m.rem_min, 10.0);
}

TEST(OuraImporter, PeriodWithoutPhasesIsSummaryOnly) {
    ImportBatch batch = import_buffer(v2_document().dump(), "sleep.json", ImportOptions{}, "oura");
    ASSERT_EQ(batch.summaries.size(), 1u);
    const auto& s = batch.summaries[0];
    EXPECT_EQ(s.id, "p-nap");
    EXPECT_EQ(s.start, utc("2024-03-03T17:00:00+01:00"));
    EXPECT_EQ(s.utc_offset_min, 60);
    EXPECT_DOUBLE_EQ(s.totals.light_min, 30.0);
    EXPECT_DOUBLE_EQ(s.totals.rem_min, 5.0);
    EXPECT_DOUBLE_EQ(s.totals.deep_min, 0.0);
    EXPECT_DOUBLE_EQ(s.totals.wake_min, 5.0);
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 3u);
    EXPECT_TRUE(r.nights[2].summary_only);
    EXPECT_TRUE(r.nights[2].is_nap);
}

// API v1 / old export: hypnogram_5min, summary_date, timezone in minutes.
const std::string kV1 = json{{"sleep",
                              {{{"summary_date", "2017-11-05"},
                                {"period_id", 0},
                                {"is_longest", 1},
                                {"timezone", 120},
                                {"bedtime_start", "2017-11-05T23:21:40+02:00"},
                                {"bedtime_end", "2017-11-06T07:01:40+02:00"},
                                {"hypnogram_5min", "4" + rep('2', 30) + rep('1', 20) + rep('3', 10) + rep('2', 30) +
                                                       "4"}},
                               {{"summary_date", "2017-11-06"},
                                {"period_id", 1},
                                {"timezone", 120},
                                {"bedtime_start", "2017-11-06T23:00:00"},
                                {"bedtime_end", "2017-11-07T00:00:00"},
                                {"hypnogram_5min", "ALLLDDDDRRRA"}}}}}
                            .dump();

TEST(OuraImporter, V1Hypnogram5Min) {
    ImportBatch batch = import_buffer(kV1, "oura_v1.json", ImportOptions{}, "oura");
    EXPECT_TRUE(batch.warnings.empty());
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 2u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.window_start, utc("2017-11-05T23:21:40+02:00"));
    EXPECT_EQ(n.utc_offset_min, 120);
    EXPECT_EQ(n.epoch_s, 300);
    sleeparch::NightMetrics m = sleeparch::compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.light_min, 300.0);
    EXPECT_DOUBLE_EQ(m.deep_min, 100.0);
    EXPECT_DOUBLE_EQ(m.rem_min, 50.0);
    EXPECT_DOUBLE_EQ(m.wake_min, 10.0);
    // No offset in the time stamps: the v1 `timezone` field gives it; letters read as digits.
    const Night& letters = r.nights[1];
    EXPECT_EQ(letters.window_start, utc("2017-11-06T23:00:00+02:00"));
    sleeparch::NightMetrics lm = sleeparch::compute_metrics(letters);
    EXPECT_DOUBLE_EQ(lm.light_min, 15.0);
    EXPECT_DOUBLE_EQ(lm.deep_min, 20.0);
    EXPECT_DOUBLE_EQ(lm.rem_min, 15.0);
    EXPECT_DOUBLE_EQ(lm.wake_min, 10.0);
    bool session_seen = false;
    for (const auto& rec : batch.records) session_seen |= rec.session == "2017-11-05/0";
    EXPECT_TRUE(session_seen);
}

TEST(OuraImporter, PhasesPastBedtimeEndAndUnknownCharacters) {
    json doc = json::array({{{"id", "x"},
                             {"bedtime_start", "2024-01-01T23:00:00Z"},
                             {"bedtime_end", "2024-01-01T23:12:00Z"},
                             {"sleep_phase_5_min", "2992222"}}});
    ImportBatch batch = import_buffer(doc.dump(), "o.json", ImportOptions{}, "oura");
    ASSERT_EQ(batch.warnings.size(), 2u);
    EXPECT_EQ(batch.warnings[0].message,
              "unknown phase \"9\" in sleep_phase_5_min, counted as Unscored (expected 1 deep, 2 light, 3 REM, 4 "
              "awake)");
    EXPECT_EQ(batch.warnings[1].message, "period x: sleep_phase_5_min runs 4 epochs past bedtime_end; they were dropped");
    sleeparch::UtcSeconds last_end = 0;
    for (const auto& r : batch.records) last_end = std::max(last_end, r.end);
    EXPECT_EQ(last_end, utc("2024-01-01T23:12:00Z"));
}

TEST(OuraImporter, RecognisesByContent) {
    const sleeparch::importers::Importer* oura = sleeparch::importers::find_importer("oura");
    ASSERT_NE(oura, nullptr);
    EXPECT_TRUE(oura->recognises("x.json", v2_document().dump(2)));
    EXPECT_TRUE(oura->recognises("x.json", kV1));
    EXPECT_FALSE(oura->recognises("x.json", R"({"sleep": [{"dateOfSleep": "2023-05-13", "logId": 1}]})"));
    EXPECT_FALSE(oura->recognises("x.json", R"({"dailySleepDTO": {}})"));
    EXPECT_FALSE(oura->recognises("x.txt", "bedtime_start,bedtime_end\n"));
    // Detection through the registry picks Oura for both shapes.
    for (const std::string& doc : {v2_document().dump(2), kV1}) {
        ImportBatch batch = import_buffer(doc, "export.json", ImportOptions{});
        ASSERT_FALSE(batch.sources.empty());
        EXPECT_EQ(batch.sources[0].format, "oura");
    }
}

TEST(OuraImporter, MalformedInput) {
    EXPECT_EQ(message_of("{\"data\": [\n{\"id\": \"x\",}]}"),
              "oura.json:2: JSON: syntax error while parsing object key - unexpected '}'; expected string literal "
              "(column 12)");
    EXPECT_EQ(message_of("true"),
              "oura.json: JSON: expected an Oura sleep document (an object or an array of periods), got a boolean");
    EXPECT_EQ(message_of(R"({"readiness": []})"),
              "oura.json: data: missing: expected Oura sleep periods under \"data\" or \"sleep\"");
    EXPECT_EQ(message_of(R"({"data": [7]})"), "oura.json:record 1: period: expected an object, got a number");
    EXPECT_EQ(message_of(R"({"data": [{"id": "x", "bedtime_start": "2024-03-01T23:10:00+01:00"}]})"),
              "oura.json:record 1 (id x): bedtime_end: missing");
    EXPECT_EQ(message_of(R"({"data": [{"id": "x", "bedtime_start": "2024-03-01T23:10:00+01:00",
                                       "bedtime_end": "2024-03-01T22:10:00+01:00"}]})"),
              "oura.json:record 1 (id x): bedtime_end: before bedtime_start");
    EXPECT_EQ(message_of(R"({"data": [{"id": "x", "bedtime_start": "2024-02-30T23:10:00+01:00",
                                       "bedtime_end": "2024-03-01T22:10:00+01:00"}]})"),
              "oura.json:record 1 (id x): bedtime_start \"2024-02-30T23:10:00+01:00\": " +
                  sleeparch::parse_iso_datetime("2024-02-30T23:10:00+01:00").error);
    EXPECT_EQ(message_of(R"({"data": [{"id": "x", "bedtime_start": "2024-03-01T23:10:00+01:00",
                                       "bedtime_end": "2024-03-02T06:10:00+01:00", "sleep_phase_5_min": 4422}]})"),
              "oura.json:record 1 (id x): sleep_phase_5_min: expected a string, got a number");
    EXPECT_EQ(message_of(R"({"sleep": [{"summary_date": "2017-11-05", "period_id": 0, "timezone": 5000,
                                        "bedtime_start": "2017-11-05T23:00:00", "bedtime_end": "2017-11-06T06:00:00"}]})"),
              "oura.json:record 1 (2017-11-05/0): timezone: 5000 min is outside -18:00..+18:00");
    EXPECT_EQ(message_of(R"({"data": [{"id": "x", "bedtime_start": "2024-03-01T23:10:00+01:00",
                                       "bedtime_end": "2024-03-02T06:10:00+01:00", "deep_sleep_duration": -5}]})"),
              "oura.json:record 1 (id x): deep_sleep_duration: out of range");
}

// Devices switched over time: a Fitbit period, an overlap where both devices
// were worn, then an Oura period. One source per night, the winner visible.
TEST(OuraImporter, NightsFromOuraAndFitbitGoThroughOneAssembly) {
    auto fitbit_log = [](int id, const std::string& day, const std::string& start, const std::string& end,
                         int light_s, int deep_s) {
        return json{{"logId", id},
                    {"dateOfSleep", day},
                    {"startTime", start},
                    {"endTime", end},
                    {"type", "stages"},
                    {"levels",
                     {{"data",
                       {{{"dateTime", start}, {"level", "light"}, {"seconds", light_s}},
                        {{"dateTime", start.substr(0, 11) + "23:30:00.000"}, {"level", "deep"}, {"seconds", deep_s}}}}}}};
    };
    json fitbit = json::array({fitbit_log(1, "2024-03-02", "2024-03-01T23:00:00.000", "2024-03-02T01:30:00.000", 1800, 7200),
                               fitbit_log(2, "2024-03-03", "2024-03-02T23:00:00.000", "2024-03-03T00:00:00.000", 1800, 1800)});
    json oura = json{{"data",
                      {{{"id", "o-2"},
                        {"type", "long_sleep"},
                        {"bedtime_start", "2024-03-02T23:00:00+01:00"},
                        {"bedtime_end", "2024-03-03T00:00:00+01:00"},
                        {"sleep_phase_30_sec", kPhases30}},
                       {{"id", "o-3"},
                        {"type", "long_sleep"},
                        {"bedtime_start", "2024-03-03T23:10:00+01:00"},
                        {"bedtime_end", "2024-03-04T06:55:00+01:00"},
                        {"sleep_phase_5_min", kPhases5}}}}};
    ImportOptions options;
    options.tz_name = "Europe/Berlin";
    ImportBatch batch = import_buffer(fitbit.dump(), "sleep-2024-03-02.json", options, "fitbit");
    batch.append(import_buffer(oura.dump(), "oura_sleep.json", options, "oura"));
    sleeparch::AssemblyResult r = sleeparch::assemble_nights(batch);
    ASSERT_EQ(r.nights.size(), 3u);
    EXPECT_EQ(r.nights[0].source.format, "fitbit");
    // Both worn on the second night: Fitbit has 60 staged minutes, Oura 55 (5 of its 60 are wake).
    EXPECT_EQ(r.nights[1].source.format, "fitbit");
    ASSERT_EQ(r.nights[1].provenance.dropped_sources.size(), 1u);
    EXPECT_NE(r.nights[1].provenance.dropped_sources[0].find("Oura"), std::string::npos);
    EXPECT_EQ(r.nights[2].source.format, "oura");

    sleeparch::AssemblyOptions prefer_oura;
    prefer_oura.source_preference = {"oura"};
    sleeparch::AssemblyResult p = sleeparch::assemble_nights(batch, prefer_oura);
    ASSERT_EQ(p.nights.size(), 3u);
    EXPECT_EQ(p.nights[1].source.format, "oura");
}

TEST(OuraImporter, FixturesGolden) {
    json nights = json::array();
    for (const std::string& doc : {v2_document().dump(), kV1}) {
        ImportBatch batch = import_buffer(doc, "oura.json", ImportOptions{}, "oura");
        for (const Night& n : sleeparch::assemble_nights(batch).nights) {
            nights.push_back(night_json(n));
        }
    }
    check_golden("oura_fixtures.json",
                 "Metrics per night of the Oura fixtures in oura_importer_test.cpp (API v2 with 5-min and 30-s phases "
                 "and a summary-only nap; v1 hypnogram_5min with digits and letters), as compute_metrics produced them "
                 "when the importer was written (regenerate with SLEEPARCH_UPDATE_GOLDEN=1). The fixtures are written "
                 "from FORMATS.md, not taken from a real export: stage minutes are checked by hand in the other tests; "
                 "sequence metrics here only pin behaviour. Not covered: real Oura exports (none in ../shared/samples).",
                 nights);
}

}  // namespace
