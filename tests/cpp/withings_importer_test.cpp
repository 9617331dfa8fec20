// Withings importers: raw sleep states (JSON arrays in cells, unsorted rows,
// duplicates, DST) and sleep.csv summaries, on the project's fixtures and the
// real BioPsyKit samples, with night assembly and the golden nights.
#include <gtest/gtest.h>
#include <zip.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"
#include "../../importers/src/timezone.hpp"

namespace sleeparch {
namespace {

using importers::import_buffer;
using importers::import_paths;
using importers::ImportReport;
using importers::ImportOptions;

const ImportOptions kOptions;

std::string error_of(const std::string& content, const std::string& name,
                     const std::string& format = "withings") {
    try {
        import_buffer(content, name, kOptions, format);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

UtcSeconds utc(const std::string& iso) {
    ParsedTime t = parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

double minutes_of(const ImportBatch& b, Stage s) {
    double m = 0;
    for (const Record& r : b.records) {
        if (r.kind == RecordKind::Stage && r.stage == s) m += static_cast<double>(r.end - r.start) / 60.0;
    }
    return m;
}

// Rows out of order, an exact duplicate row, a row overlapping the previous
// one by two epochs with the same states, and the offset changing at the end
// of DST (Europe, 2021-10-31 01:00 UTC).
const std::string kRawFixture =
    "start,duration,value\n"
    "2021-10-31T02:40:00+01:00,\"[60,60,60]\",\"[2,2,1]\"\n"   // line 2, after the change
    "2021-10-31T02:30:00+02:00,\"[60,60,60]\",\"[0,1,1]\"\n"   // line 3, before it
    "2021-10-31T02:30:00+02:00,\"[60,60,60]\",\"[0,1,1]\"\n"   // line 4, duplicate of 3
    "2021-10-31T02:31:00+02:00,\"[60,60,60]\",\"[1,1,3]\"\n"   // line 5, overlaps 3 by two epochs
    "2021-10-31T02:30:00+01:00,[60],[3]\n";                    // line 6, unquoted one-element arrays

TEST(WithingsRaw, RecognisedByHeaderNotName) {
    ImportBatch b = import_buffer(kRawFixture, "export/some_name.csv", kOptions);
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, "withings");
    EXPECT_EQ(b.sources[0].name, "Withings");
    EXPECT_EQ(b.sources[0].device, "");
}

TEST(WithingsRaw, RawAndSummaryDoNotClaimEachOther) {
    const auto* raw = importers::find_importer("withings");
    const auto* summary = importers::find_importer("withings_summary");
    ASSERT_NE(raw, nullptr);
    ASSERT_NE(summary, nullptr);
    const std::string summary_head = "von,bis,\"leicht (s)\",\"tief (s)\",\"rem (s)\",\"wach (s)\"\n";
    EXPECT_TRUE(raw->recognises("x.csv", "\xEF\xBB\xBFstart,duration,value\r\n"));
    EXPECT_FALSE(summary->recognises("x.csv", kRawFixture));
    EXPECT_TRUE(summary->recognises("x.csv", summary_head));
    EXPECT_FALSE(raw->recognises("x.csv", summary_head));
}

TEST(WithingsRaw, DeviceFromFileName) {
    ImportBatch b = import_buffer(kRawFixture, "data/raw_tracker_sleep-state.csv", kOptions);
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].name, "Withings tracker");
    EXPECT_EQ(b.sources[0].device, "tracker");
}

TEST(WithingsRaw, DuplicatesOverlapsAndDstCountOnce) {
    ImportBatch b = import_buffer(kRawFixture, "raw_bed_sleep-state.csv", kOptions);
    ASSERT_EQ(b.files.size(), 1u);
    // Distinct epochs: 00:30 W, 00:31 L, 00:32 L, 00:33 REM (line 5), 01:30
    // REM, 01:40 D, 01:41 D, 01:42 L (UTC).
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Wake), 1);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Light), 3);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::REM), 2);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Deep), 2);
    ASSERT_FALSE(b.records.empty());
    EXPECT_EQ(b.records.front().start, utc("2021-10-31T00:30:00Z"));
    EXPECT_EQ(b.records.front().line, 3u);
    for (const Record& r : b.records) {
        EXPECT_EQ(r.epoch_s, 60);
        EXPECT_EQ(r.utc_offset_min, r.start < utc("2021-10-31T01:00:00Z") ? 120 : 60);
        EXPECT_TRUE(std::is_sorted(b.records.begin(), b.records.end(),
                                   [](const Record& x, const Record& y) { return x.start < y.start; }));
    }
    // Two duplicate epochs from line 4 and two overlapping ones from line 5.
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].line, 4u);
    EXPECT_EQ(b.warnings[0].message,
              "5 duplicate epochs (same start, length and state as an earlier row) dropped");
}

TEST(WithingsRaw, AssembledNightHasNoDoubleCounting) {
    ImportBatch b = import_buffer(kRawFixture, "raw_bed_sleep-state.csv", kOptions);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.window_start, utc("2021-10-31T00:30:00Z"));
    EXPECT_EQ(n.window_end, utc("2021-10-31T01:43:00Z"));
    EXPECT_EQ(n.utc_offset_min, 120);
    EXPECT_EQ(n.epoch_s, 60);
    NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.light_min, 3);
    EXPECT_DOUBLE_EQ(m.deep_min, 2);
    EXPECT_DOUBLE_EQ(m.rem_min, 2);
    EXPECT_DOUBLE_EQ(m.wake_min, 1);
    EXPECT_DOUBLE_EQ(m.unscored_min, 73 - 8);
}

TEST(WithingsRaw, RealDuplicateSample) {
    auto path = testing::sample("withings/raw_bed_sleep-state_duplicate_fixture.csv");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch b = import_buffer(testing::read_file(path), path.filename().string(), kOptions);
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].device, "bed");
    // Two identical rows of 18 epochs: 5 awake, 13 light, counted once.
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Wake), 5);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Light), 13);
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].message,
              "18 duplicate epochs (same start, length and state as an earlier row) dropped");
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_DOUBLE_EQ(compute_metrics(r.nights[0]).tst_min, 13);
}

TEST(WithingsRaw, RealDstSampleKeepsEachRowsOffset) {
    auto path = testing::sample("withings/raw_bed_sleep-state_DST_fixture.csv");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch b = import_buffer(testing::read_file(path), path.filename().string(), kOptions);
    // Line 2 is after the change (+01:00), lines 3 and 4 before it (+02:00).
    for (const Record& r : b.records) {
        EXPECT_EQ(r.utc_offset_min, r.line == 2 ? 60 : 120) << "line " << r.line;
    }
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Wake), 54);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Light), 105);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Deep), 41);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::REM), 28);
    // The 03:31+01:00 row starts 2021-11-01 02:31 UTC.
    auto first_of_line2 = std::find_if(b.records.begin(), b.records.end(),
                                       [](const Record& r) { return r.line == 2; });
    ASSERT_NE(first_of_line2, b.records.end());
    EXPECT_EQ(first_of_line2->start, utc("2021-11-01T02:31:00Z"));
}

TEST(WithingsRaw, RealSleepMonitorSampleMatchesGolden) {
    auto path = testing::sample("withings/raw_sleep-monitor_sleep-state.csv");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    const auto golden = nlohmann::json::parse(
        testing::read_file(testing::source_dir() / "tests/golden/withings_raw_sleep_monitor.json"));
    ImportBatch b = import_buffer(testing::read_file(path), path.filename().string(), kOptions);
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, golden["source"]["format"]);
    EXPECT_EQ(b.sources[0].name, golden["source"]["name"]);
    EXPECT_EQ(b.sources[0].device, golden["source"]["device"]);

    AssemblyResult r = assemble_nights(b);
    const auto& expected = golden["nights"];
    ASSERT_EQ(r.nights.size(), expected.size());
    for (std::size_t i = 0; i < r.nights.size(); ++i) {
        const Night& n = r.nights[i];
        const auto& e = expected[i];
        SCOPED_TRACE("night " + std::to_string(i));
        EXPECT_EQ(n.window_start, utc(e["window_start"].get<std::string>()));
        EXPECT_EQ(n.window_end, utc(e["window_end"].get<std::string>()));
        EXPECT_EQ(n.epoch_s, golden["epoch_s"].get<int>());
        EXPECT_EQ(n.utc_offset_min, 120);
        NightMetrics m = compute_metrics(n);
        EXPECT_DOUBLE_EQ(m.wake_min, e["wake_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.light_min, e["light_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.deep_min, e["deep_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.rem_min, e["rem_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.unscored_min, e["unscored_min"].get<double>());
    }
}

// Withings' own nightly totals (sleep.csv) agree with the raw states of the
// same nights: an independent check of the raw importer.
TEST(WithingsRaw, RealSampleAgreesWithWithingsSummary) {
    auto raw = testing::sample("withings/raw_sleep-monitor_sleep-state.csv");
    auto summary = testing::sample("withings/sleep.csv");
    if (raw.empty() || summary.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch b = import_buffer(testing::read_file(raw), raw.filename().string(), kOptions);
    ImportBatch s = import_buffer(testing::read_file(summary), summary.filename().string(), kOptions);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(s.summaries.size(), 8u);
    std::size_t matched = 0;
    for (const SummaryRecord& sum : s.summaries) {
        for (const Night& n : r.nights) {
            if (n.window_start < sum.end && sum.start < n.window_end) {
                NightMetrics m = compute_metrics(n);
                EXPECT_DOUBLE_EQ(m.light_min, sum.totals.light_min) << format_local_iso(sum.start, 120);
                EXPECT_DOUBLE_EQ(m.deep_min, sum.totals.deep_min) << format_local_iso(sum.start, 120);
                EXPECT_DOUBLE_EQ(m.rem_min, sum.totals.rem_min) << format_local_iso(sum.start, 120);
                ++matched;
            }
        }
    }
    EXPECT_EQ(matched, 8u);
}

// An account export in miniature (tests/fixtures/withings_export, README
// there): sleep states beside heart-rate, steps and location series under
// the same header.
const std::filesystem::path kExport = "tests/fixtures/withings_export";

std::string reason_for(const ImportReport& report, const std::string& suffix) {
    for (const auto& s : report.skipped) {
        if (s.name.size() >= suffix.size() && s.name.compare(s.name.size() - suffix.size(), suffix.size(), suffix) == 0)
            return s.reason;
    }
    return "not skipped";
}

constexpr const char* kNotSleepByName =
    "a Withings raw data series, not sleep states (only raw_<device>_sleep-state.csv files hold them)";

void expect_export_night(const ImportBatch& b) {
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.window_start, utc("2024-03-01T23:30:00+01:00"));
    EXPECT_EQ(n.window_end, utc("2024-03-02T00:20:00+01:00"));
    EXPECT_EQ(format_date(n.label_date), "2024-03-02");
    EXPECT_EQ(n.source.device, "bed");
    NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.wake_min, 5);
    EXPECT_DOUBLE_EQ(m.light_min, 7);
    EXPECT_DOUBLE_EQ(m.deep_min, 6);
    EXPECT_DOUBLE_EQ(m.rem_min, 2);
    EXPECT_DOUBLE_EQ(m.tst_min, 15);
    EXPECT_DOUBLE_EQ(m.unscored_min, 30);
}

TEST(WithingsExport, FolderReadsSleepStatesAndSkipsTheOtherSeries) {
    ImportReport report;
    const std::string dir = (testing::source_dir() / kExport).string();
    ImportBatch b = import_paths({dir}, kOptions, &report);
    ASSERT_EQ(report.imported.size(), 1u);
    EXPECT_EQ(report.imported[0].first, dir + "/raw_bed_sleep-state.csv");
    EXPECT_EQ(report.imported[0].second, "withings");
    ASSERT_EQ(report.skipped.size(), 4u);
    EXPECT_EQ(reason_for(report, "/raw_bed_hr.csv"), kNotSleepByName);
    EXPECT_EQ(reason_for(report, "/raw_tracker_steps.csv"), kNotSleepByName);
    EXPECT_EQ(reason_for(report, "/raw_location.csv"), kNotSleepByName);
    EXPECT_EQ(reason_for(report, "/README.md"), "not a recognised format");
    expect_export_night(b);
}

TEST(WithingsExport, ZipReadsSleepStatesAndSkipsTheOtherSeries) {
    testing::TempDir tmp;
    const std::string zip_path = (tmp.path() / "withings-export.zip").string();
    int err = 0;
    zip_t* z = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    std::vector<std::string> contents;
    contents.reserve(8);
    for (const char* name : {"raw_bed_hr.csv", "raw_bed_sleep-state.csv", "raw_location.csv", "raw_tracker_steps.csv"}) {
        contents.push_back(testing::read_file(testing::source_dir() / kExport / name));
        zip_source_t* src = zip_source_buffer(z, contents.back().data(), contents.back().size(), 0);
        ASSERT_GE(zip_file_add(z, (std::string("data_export/") + name).c_str(), src, ZIP_FL_ENC_UTF_8), 0);
    }
    ASSERT_EQ(zip_close(z), 0);
    ImportReport report;
    ImportBatch b = import_paths({zip_path}, kOptions, &report);
    ASSERT_EQ(report.imported.size(), 1u);
    EXPECT_EQ(report.imported[0].first, zip_path + ":data_export/raw_bed_sleep-state.csv");
    ASSERT_EQ(report.skipped.size(), 3u);
    EXPECT_EQ(reason_for(report, ":data_export/raw_bed_hr.csv"), kNotSleepByName);
    expect_export_night(b);

    // The same zip without its sleep states holds nothing sleeparch reads.
    const std::string only_series = (tmp.path() / "series.zip").string();
    z = zip_open(only_series.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    for (std::size_t i : {std::size_t{0}, std::size_t{3}}) {
        zip_source_t* src = zip_source_buffer(z, contents[i].data(), contents[i].size(), 0);
        ASSERT_GE(zip_file_add(z, i == 0 ? "raw_bed_hr.csv" : "raw_tracker_steps.csv", src, ZIP_FL_ENC_UTF_8), 0);
    }
    ASSERT_EQ(zip_close(z), 0);
    try {
        import_paths({only_series}, kOptions);
        FAIL() << "expected a ParseError";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()),
                  only_series + ": no file in this zip archive is a format sleeparch reads (see `sleeparch formats`); "
                                "skipped 2 files: " +
                      only_series + ":raw_bed_hr.csv (" + kNotSleepByName + "); " + only_series +
                      ":raw_tracker_steps.csv (" + kNotSleepByName + ")");
    }
}

TEST(WithingsExport, NotSleepByValueWhenTheNameSaysNothing) {
    const auto* imp = importers::find_importer("withings");
    const std::string hr = testing::read_file(testing::source_dir() / kExport / "raw_bed_hr.csv");
    EXPECT_FALSE(imp->recognises("heart.csv", hr));
    EXPECT_EQ(imp->declines("heart.csv", hr),
              "start,duration,value file whose values are not Withings sleep states 0-3 (65 on line 2): heart "
              "rate, steps or another raw series");
    const std::string location = testing::read_file(testing::source_dir() / kExport / "raw_location.csv");
    EXPECT_FALSE(imp->recognises("where.csv", location));
    EXPECT_NE(imp->declines("where.csv", location).find("(52.5200 on line 2)"), std::string::npos);
    // The name decides for the export's own raw_ names: steps 0-3 are not states.
    EXPECT_FALSE(imp->recognises("raw_tracker_steps.csv", "start,duration,value\n2024-03-01T18:00:00Z,[60],[2]\n"));
    // A sleep-state name is read even where a value is out of range: that
    // file is damaged, and read() says where.
    const std::string bad = "start,duration,value\n2024-03-01T23:00:00Z,[60],[7]\n";
    EXPECT_TRUE(imp->recognises("raw_bed_sleep-state.csv", bad));
    EXPECT_EQ(imp->declines("raw_bed_sleep-state.csv", bad), "");
    EXPECT_EQ(error_of(bad, "raw_bed_sleep-state.csv", ""),
              "raw_bed_sleep-state.csv:2: value \"[7]\": unknown sleep state 7 (expected 0 awake, 1 light, 2 "
              "deep, 3 REM)");
    // Given directly, a heart-rate file is refused with the reason.
    EXPECT_EQ(error_of(hr, "export/raw_bed_hr.csv", ""),
              "export/raw_bed_hr.csv: not a format sleeparch reads (see `sleeparch formats`): a Withings raw data "
              "series, not sleep states (only raw_<device>_sleep-state.csv files hold them)");
    // Other formats' files are not Withings' to decline.
    EXPECT_EQ(imp->declines("sleep.csv", "von,bis,\"leicht (s)\"\n"), "");
}

// The real samples sit beside the fixture's non-sleep series in one folder:
// every real file is read, the series are skipped, the nights are those of
// the real files alone.
TEST(WithingsExport, RealSamplesAmongNonSleepSeries) {
    auto dir = testing::sample("withings");
    if (dir.empty()) GTEST_SKIP() << "../shared/samples absent";
    testing::TempDir tmp;
    std::size_t real_files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        tmp.write("export/" + entry.path().filename().string(), testing::read_file(entry.path()));
        ++real_files;
    }
    ImportReport alone;
    AssemblyResult expected = assemble_nights(import_paths({dir.string()}, kOptions, &alone));
    EXPECT_EQ(alone.imported.size(), real_files);
    EXPECT_TRUE(alone.skipped.empty());
    for (const char* name : {"raw_bed_hr.csv", "raw_tracker_steps.csv", "raw_location.csv"})
        tmp.write(std::string("export/") + name, testing::read_file(testing::source_dir() / kExport / name));
    ImportReport report;
    AssemblyResult r = assemble_nights(import_paths({(tmp.path() / "export").string()}, kOptions, &report));
    EXPECT_EQ(report.imported.size(), real_files);
    EXPECT_EQ(report.skipped.size(), 3u);
    ASSERT_EQ(r.nights.size(), expected.nights.size());
    for (std::size_t i = 0; i < r.nights.size(); ++i) {
        EXPECT_EQ(r.nights[i].window_start, expected.nights[i].window_start);
        EXPECT_EQ(r.nights[i].segments, expected.nights[i].segments);
    }
}

TEST(WithingsRaw, BadJsonArrayInACell) {
    EXPECT_EQ(error_of("start,duration,value\n2021-10-31T02:40:00+01:00,\"[60,6x]\",\"[1,2]\"\n",
                       "raw_bed_sleep-state.csv"),
              "raw_bed_sleep-state.csv:2: duration \"[60,6x]\": not a JSON array of integers: "
              "expected ',' or ']' at character 6");
    EXPECT_EQ(error_of("start,duration,value\n2021-10-31T02:40:00+01:00,\"[60]\",\"1\"\n",
                       "raw_bed_sleep-state.csv"),
              "raw_bed_sleep-state.csv:2: value \"1\": not a JSON array of integers: expected '[' at "
              "character 1");
}

TEST(WithingsRaw, MismatchedArraysAndBadValues) {
    const std::string head = "start,duration,value\n";
    EXPECT_EQ(error_of(head + "2021-10-31T02:40:00+01:00,\"[60,60]\",\"[1]\"\n", "r.csv"),
              "r.csv:2: value \"[1]\": 1 states for 2 durations");
    EXPECT_EQ(error_of(head + "2021-10-31T02:40:00+01:00,[60],[7]\n", "r.csv"),
              "r.csv:2: value \"[7]\": unknown sleep state 7 (expected 0 awake, 1 light, 2 deep, 3 REM)");
    EXPECT_EQ(error_of(head + "2021-10-31T02:40:00+01:00,[0],[1]\n", "r.csv"),
              "r.csv:2: duration \"[0]\": epoch length 0 s out of range (1 to 86400)");
    EXPECT_EQ(error_of(head + "2021-13-31T02:40:00+01:00,[60],[1]\n", "r.csv"),
              "r.csv:2: start \"2021-13-31T02:40:00+01:00\": month 13 out of range");
    // Years before 1400 once escaped as a Boost.Date_Time exception (fuzzing).
    EXPECT_EQ(error_of(head + "0100-02-01T02:40:00+01:00,[60],[1]\n", "r.csv"),
              "r.csv:2: start \"0100-02-01T02:40:00+01:00\": year 100 out of range");
    EXPECT_EQ(error_of(head + "2021-10-31T02:40:00+01:00,[60]\n", "r.csv"),
              "r.csv:2: row: 2 fields, the header has 3");
    EXPECT_EQ(error_of("start,duration\n", "r.csv"), "r.csv:1: header: missing column \"value\"");
}

TEST(WithingsRaw, TimeWithoutOffsetUsesTzOrWarns) {
    const std::string csv = "start,duration,value\n2021-10-31T02:40:00,[60],[1]\n";
    ImportBatch b = import_buffer(csv, "r.csv", kOptions, "withings");
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_EQ(b.records[0].start, utc("2021-10-31T02:40:00Z"));
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].message, std::string(sleeparch::importers::kNoOffsetWarning));
    ImportOptions tz;
    tz.tz_offset_min = 60;
    b = import_buffer(csv, "r.csv", tz, "withings");
    EXPECT_EQ(b.records[0].start, utc("2021-10-31T01:40:00Z"));
    EXPECT_TRUE(b.warnings.empty());
}

const std::string kSummaryGerman =
    "von,bis,\"leicht (s)\",\"tief (s)\",\"rem (s)\",\"wach (s)\",Aufwachen,\"Duration to sleep (s)\"\n"
    "2020-10-11T02:04:00+02:00,2020-10-11T09:59:00+02:00,15780,5340,4920,2460,1,1320\n";

TEST(WithingsSummary, GermanHeaderGivesSummaryOnlyNights) {
    ImportBatch b = import_buffer(kSummaryGerman, "sleep.csv", kOptions);
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, "withings_summary");
    EXPECT_TRUE(b.records.empty());
    ASSERT_EQ(b.summaries.size(), 1u);
    const SummaryRecord& s = b.summaries[0];
    EXPECT_EQ(s.start, utc("2020-10-11T00:04:00Z"));
    EXPECT_EQ(s.end, utc("2020-10-11T07:59:00Z"));
    EXPECT_EQ(s.utc_offset_min, 120);
    EXPECT_EQ(s.line, 2u);
    EXPECT_DOUBLE_EQ(s.totals.light_min, 263);
    EXPECT_DOUBLE_EQ(s.totals.deep_min, 89);
    EXPECT_DOUBLE_EQ(s.totals.rem_min, 82);
    EXPECT_DOUBLE_EQ(s.totals.wake_min, 41);

    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_TRUE(r.nights[0].summary_only);
    EXPECT_TRUE(r.nights[0].segments.empty());
}

TEST(WithingsSummary, EnglishHeader) {
    const std::string csv =
        "from,to,light (s),deep (s),rem (s),awake (s),wake up\n"
        "2020-10-12T00:22:00+02:00,2020-10-12T07:15:00+02:00,7200,9900,5760,1800,1\n";
    ImportBatch b = import_buffer(csv, "sleep.csv", kOptions);
    ASSERT_EQ(b.summaries.size(), 1u);
    EXPECT_DOUBLE_EQ(b.summaries[0].totals.deep_min, 165);
}

TEST(WithingsSummary, RealSample) {
    auto path = testing::sample("withings/sleep.csv");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch b = import_buffer(testing::read_file(path), "sleep.csv", kOptions);
    ASSERT_EQ(b.summaries.size(), 8u);
    EXPECT_EQ(b.summaries.back().start, utc("2020-10-23T21:07:00Z"));
    EXPECT_DOUBLE_EQ(b.summaries.back().totals.light_min, 347);
    EXPECT_DOUBLE_EQ(b.summaries.back().totals.rem_min, 142);
}

TEST(WithingsSummary, BadValues) {
    const std::string head = "von,bis,\"leicht (s)\",\"tief (s)\",\"rem (s)\",\"wach (s)\"\n";
    EXPECT_EQ(error_of(head + "2020-10-11T02:04:00+02:00,2020-10-11T09:59:00+02:00,15780,-5,0,0\n",
                       "sleep.csv", "withings_summary"),
              "sleep.csv:2: tief (s) \"-5\": expected a whole number of seconds between 0 and 604800");
    EXPECT_EQ(error_of(head + "2020-10-11T09:59:00+02:00,2020-10-11T02:04:00+02:00,1,1,1,1\n",
                       "sleep.csv", "withings_summary"),
              "sleep.csv:2: bis \"2020-10-11T02:04:00+02:00\": not after von \"2020-10-11T09:59:00+02:00\"");
    EXPECT_EQ(error_of("a,b\n1,2\n", "sleep.csv", "withings_summary"),
              "sleep.csv:1: header: not a Withings sleep.csv header (expected von,bis,\"leicht (s)\",... "
              "or from,to,\"light (s)\",...)");
}


// Each file of the other formats' samples is left to its own importer.
TEST(WithingsRaw, DoesNotClaimOtherFormatsSamples) {
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) {
        GTEST_SKIP() << "../shared/samples absent";
    }
    const auto* imp = importers::find_importer("withings");
    ASSERT_NE(imp, nullptr);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        const std::string folder = entry.path().parent_path().filename().string();
        if (folder == "withings") continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

// Each file of the other formats' samples is left to its own importer.
TEST(WithingsSummary, DoesNotClaimOtherFormatsSamples) {
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) {
        GTEST_SKIP() << "../shared/samples absent";
    }
    const auto* imp = importers::find_importer("withings_summary");
    ASSERT_NE(imp, nullptr);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        const std::string folder = entry.path().parent_path().filename().string();
        if (folder == "withings") continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

}  // namespace
}  // namespace sleeparch
