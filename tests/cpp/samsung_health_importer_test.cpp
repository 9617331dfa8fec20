// Samsung Health sleep_stage CSV: metadata line, trailing commas, stage
// codes, sleep_id sessions, another app's rows as another source; the
// project's fixture against its golden nights, and malformed input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

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
using importers::ImportOptions;

const ImportOptions kOptions;
const std::string kFixture = "tests/fixtures/samsung_health/com.samsung.health.sleep_stage.20210305101500.csv";
const std::string kHeader =
    "com.samsung.health.sleep_stage,6313002,1\n"
    "create_sh_ver,start_time,sleep_id,custom,modify_sh_ver,update_time,create_time,stage,"
    "time_offset,deviceuuid,pkg_name,end_time,datauuid\n";

std::string row(const std::string& stage, const std::string& offset = "UTC+0200",
                const std::string& start = "2021-03-02 21:10:00.000",
                const std::string& end = "2021-03-02 21:20:00.000") {
    return "6313002," + start + ",s1,,6313002," + end + "," + end + "," + stage + "," + offset +
           ",dev,com.sec.android.app.shealth," + end + ",uuid1,\n";
}

std::string error_of(const std::string& content) {
    try {
        import_buffer(content, "sleep_stage.csv", kOptions, "samsung_health");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

UtcSeconds utc(const std::string& iso) { return parse_iso_datetime(iso).utc(); }

ImportBatch read_fixture() {
    return import_paths({(testing::source_dir() / kFixture).string()}, kOptions);
}

TEST(SamsungHealth, RecognisedByMetadataLine) {
    ImportBatch b = import_buffer(kHeader + row("40002"), "whatever.csv", kOptions);
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_EQ(b.sources[0].format, "samsung_health");
    EXPECT_FALSE(importers::find_importer("samsung_health")->recognises("x.csv", "create_sh_ver,start_time\n"));
}

TEST(SamsungHealth, FixtureRecordsSourcesAndSessions) {
    ImportBatch b = read_fixture();
    ASSERT_EQ(b.records.size(), 16u);
    const auto golden = nlohmann::json::parse(
        testing::read_file(testing::source_dir() / "tests/golden/samsung_health_fixture.json"));
    ASSERT_EQ(b.sources.size(), golden["sources"].size());
    for (std::size_t i = 0; i < b.sources.size(); ++i) {
        EXPECT_EQ(b.sources[i].format, golden["sources"][i]["format"]);
        EXPECT_EQ(b.sources[i].name, golden["sources"][i]["name"]);
        EXPECT_EQ(b.sources[i].device, golden["sources"][i]["device"]);
        EXPECT_EQ(b.sources[i].version, golden["sources"][i]["version"]);
    }
    const Record& first = b.records[0];
    EXPECT_EQ(first.start, utc("2021-03-02T21:10:00Z"));
    EXPECT_EQ(first.end, utc("2021-03-02T21:20:00Z"));
    EXPECT_EQ(first.stage, Stage::Wake);
    EXPECT_EQ(first.utc_offset_min, 120);
    EXPECT_EQ(first.session, "a1");
    EXPECT_EQ(first.id, "u-a01");
    EXPECT_EQ(first.line, 3u);
    EXPECT_EQ(first.created, utc("2021-03-02T21:20:00Z"));
    // Line 6 is a Sleep as Android row.
    EXPECT_EQ(b.sources[b.records[3].source].name, "com.urbandroid.sleep");
    EXPECT_EQ(b.records[3].session, "b1");
    // The "2021-03-03T21:00:00" form reads the same way.
    EXPECT_EQ(b.records[12].start, utc("2021-03-03T21:00:00Z"));
    EXPECT_TRUE(b.warnings.empty());
}

TEST(SamsungHealth, FixtureNightsMatchGolden) {
    const auto golden = nlohmann::json::parse(
        testing::read_file(testing::source_dir() / "tests/golden/samsung_health_fixture.json"));
    AssemblyResult r = assemble_nights(read_fixture());
    const auto& expected = golden["nights"];
    ASSERT_EQ(r.nights.size(), expected.size());
    for (std::size_t i = 0; i < r.nights.size(); ++i) {
        SCOPED_TRACE("night " + std::to_string(i));
        const Night& n = r.nights[i];
        const auto& e = expected[i];
        EXPECT_EQ(n.window_start, utc(e["window_start"].get<std::string>()));
        EXPECT_EQ(n.window_end, utc(e["window_end"].get<std::string>()));
        EXPECT_EQ(n.utc_offset_min, e["utc_offset_min"].get<int>());
        EXPECT_EQ(format_date(n.label_date), e["label_date"].get<std::string>());
        EXPECT_EQ(n.source.name, e["source"].get<std::string>());
        NightMetrics m = compute_metrics(n);
        EXPECT_DOUBLE_EQ(m.wake_min, e["wake_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.light_min, e["light_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.deep_min, e["deep_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.rem_min, e["rem_min"].get<double>());
        EXPECT_DOUBLE_EQ(m.tst_min, e["tst_min"].get<double>());
    }
    // The Sleep as Android session competed for the first night and lost.
    ASSERT_FALSE(r.nights[0].provenance.dropped_sources.empty());
    EXPECT_NE(r.nights[0].provenance.dropped_sources[0].find("com.urbandroid.sleep"), std::string::npos);
}

TEST(SamsungHealth, HeaderWithTrailingCommaAndPrefixedNames) {
    const std::string csv =
        "com.samsung.health.sleep_stage,6313002,1\n"
        "com.samsung.health.sleep_stage.start_time,com.samsung.health.sleep_stage.sleep_id,"
        "com.samsung.health.sleep_stage.stage,com.samsung.health.sleep_stage.end_time,\n"
        "2021-03-02 21:10:00.000,s9,40003,2021-03-02 21:40:00.000,\n";
    ImportBatch b = import_buffer(csv, "x.csv", kOptions);
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_EQ(b.records[0].stage, Stage::Deep);
    EXPECT_EQ(b.records[0].session, "s9");
    EXPECT_EQ(b.sources[0].name, "Samsung Health");
    // No time_offset column: UTC with a warning.
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].message, std::string(sleeparch::importers::kNoOffsetWarning));
}

TEST(SamsungHealth, BadStageCodeNamesItsLine) {
    EXPECT_EQ(error_of(kHeader + row("40002") + row("40005")),
              "sleep_stage.csv:4: stage \"40005\": unknown stage code (expected 40001 awake, 40002 "
              "light, 40003 deep, 40004 REM)");
}

TEST(SamsungHealth, MalformedInput) {
    EXPECT_EQ(error_of("create_sh_ver,start_time\n"),
              "sleep_stage.csv:1: metadata line: expected \"com.samsung.health.sleep_stage,<version>,"
              "<rows>\", found \"create_sh_ver,start_time\"");
    EXPECT_EQ(error_of("com.samsung.health.sleep_stage,1,0\n"),
              "sleep_stage.csv: header: missing (the file ends after the metadata line)");
    EXPECT_EQ(error_of("com.samsung.health.sleep_stage,1,0\nstart_time,sleep_id,end_time\n"),
              "sleep_stage.csv:2: header: missing column \"stage\"");
    EXPECT_EQ(error_of(kHeader + row("40002", "UTC+02x0")),
              "sleep_stage.csv:3: time_offset \"UTC+02x0\": expected an offset like \"UTC+0200\"");
    EXPECT_EQ(error_of(kHeader + row("40002", "UTC+0200", "2021-02-30 21:10:00.000")),
              "sleep_stage.csv:3: start_time \"2021-02-30 21:10:00.000\": day 30 out of range for month 2");
    EXPECT_EQ(error_of(kHeader + "6313002,2021-03-02 21:10:00.000,s1\n"),
              "sleep_stage.csv:3: row: 3 fields, the header has 13 (plus the trailing comma)");
}

TEST(SamsungHealth, EndBeforeStartIsSkippedWithAWarning) {
    ImportBatch b = import_buffer(kHeader + row("40002", "UTC+0200", "2021-03-02 21:10:00.000",
                                                "2021-03-02 21:00:00.000"),
                                  "s.csv", kOptions, "samsung_health");
    EXPECT_TRUE(b.records.empty());
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].line, 3u);
    EXPECT_EQ(b.warnings[0].message,
              "end_time \"2021-03-02 21:00:00.000\" is not after start_time \"2021-03-02 "
              "21:10:00.000\": row skipped");
}

// FORMATS.md "Samsung Health (details)": a BOM before the header line as well
// as before the file, codes 40001-40004, sleep_id sessions, time_offset.
TEST(SamsungHealth, ByteOrderMarksBeforeTheFileAndTheHeader) {
    const std::string bom = "\xEF\xBB\xBF";
    const std::string csv = bom + "com.samsung.health.sleep_stage,7006011,7\n" + bom +
                            "create_sh_ver,start_time,sleep_id,custom,modify_sh_ver,update_time,create_time,stage,"
                            "time_offset,deviceuuid,pkg_name,end_time,datauuid\n" +
                            row("40001") + row("40002", "UTC+0200", "2021-03-02 21:20:00.000", "2021-03-02 22:00:00.000") +
                            row("40003", "UTC+0200", "2021-03-02 22:00:00.000", "2021-03-02 22:30:00.000") +
                            row("40004", "UTC+0200", "2021-03-02 22:30:00.000", "2021-03-02 22:50:00.000");
    EXPECT_TRUE(importers::find_importer("samsung_health")->recognises("x.csv", csv));
    ImportBatch b = import_buffer(csv, "x.csv", kOptions);
    ASSERT_EQ(b.records.size(), 4u);
    // The first column is found despite its BOM: the version is kept.
    EXPECT_EQ(b.sources[0].version, "6313002");
    EXPECT_EQ(b.sources[0].device, "dev");
    EXPECT_EQ(b.records[0].id, "uuid1");
    EXPECT_EQ(b.records[0].session, "s1");
    EXPECT_EQ(b.records[0].utc_offset_min, 120);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const NightMetrics m = compute_metrics(r.nights[0]);
    EXPECT_DOUBLE_EQ(m.wake_min, 10);
    EXPECT_DOUBLE_EQ(m.light_min, 40);
    EXPECT_DOUBLE_EQ(m.deep_min, 30);
    EXPECT_DOUBLE_EQ(m.rem_min, 20);
    // Local bedtime: 21:10 UTC at UTC+0200.
    EXPECT_EQ(format_local_iso(r.nights[0].window_start, r.nights[0].utc_offset_min), "2021-03-02T23:10:00+02:00");
}

// That the times are UTC is reported, not confirmed: a note (--verbose)
// shows the first bedtime as read, for the user to check.
TEST(SamsungHealth, NoteShowsTheFirstBedtimeAsRead) {
    ImportBatch b = import_buffer(kHeader + row("40002", "UTC+0200", "2021-03-02 22:10:00.000", "2021-03-02 22:20:00.000") +
                                      row("40001"),
                                  "s.csv", kOptions);
    EXPECT_TRUE(b.warnings.empty());
    ASSERT_EQ(b.notes.size(), 1u);
    EXPECT_EQ(b.notes[0].line, 4u);
    EXPECT_EQ(b.notes[0].message,
              "start_time read as UTC (reported for this export, not confirmed): \"2021-03-02 21:10:00.000\" with "
              "time_offset \"UTC+0200\" is the local bedtime 2021-03-02T23:10:00+02:00; if your bedtimes look "
              "shifted by the offset, the file holds local times");
}

TEST(SamsungHealth, RowsWithoutSleepIdAreGroupedByGapsWithAWarning) {
    std::string a = row("40002"), c = row("40003", "UTC+0200", "2021-03-02 21:20:00.000", "2021-03-02 21:50:00.000");
    a.replace(a.find(",s1,"), 4, ",,");
    c.replace(c.find(",s1,"), 4, ",,");
    ImportBatch b = import_buffer(kHeader + a + c, "s.csv", kOptions);
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].line, 3u);
    EXPECT_EQ(b.warnings[0].message, "2 rows without sleep_id: grouped into sessions by gaps");
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_DOUBLE_EQ(compute_metrics(r.nights[0]).tst_min, 40);
}

// The sessions file (com.samsung.shealth.sleep.*.csv) is skipped with the
// reason: its datauuid is the stages' sleep_id, the stages hold the hypnogram.
TEST(SamsungHealth, SessionsFileIsSkippedWithTheReason) {
    const std::string sessions =
        "com.samsung.shealth.sleep,6313002,2\n"
        "start_time,end_time,time_offset,datauuid,deviceuuid,pkg_name,\n"
        "2021-03-02 21:10:00.000,2021-03-03 05:00:00.000,UTC+0200,s1,dev,com.sec.android.app.shealth,\n";
    const auto* imp = importers::find_importer("samsung_health");
    EXPECT_FALSE(imp->recognises("com.samsung.shealth.sleep.20210305101500.csv", sessions));
    EXPECT_EQ(imp->declines("com.samsung.shealth.sleep.20210305101500.csv", sessions),
              "Samsung Health sleep sessions: the hypnogram is read from com.samsung.health.sleep_stage.*.csv, "
              "whose sleep_id is this file's datauuid");
    testing::TempDir tmp;
    tmp.write("export/com.samsung.shealth.sleep.20210305101500.csv", sessions);
    tmp.write("export/com.samsung.health.sleep_stage.20210305101500.csv",
              testing::read_file(testing::source_dir() / kFixture));
    importers::ImportReport report;
    import_paths({(tmp.path() / "export").string()}, kOptions, &report);
    ASSERT_EQ(report.imported.size(), 1u);
    ASSERT_EQ(report.skipped.size(), 1u);
    EXPECT_EQ(report.skipped[0].reason, imp->declines("", sessions));
}

// Each file of the other formats' samples is left to its own importer.
TEST(SamsungHealth, DoesNotClaimOtherFormatsSamples) {
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) {
        GTEST_SKIP() << "../shared/samples absent";
    }
    const auto* imp = importers::find_importer("samsung_health");
    ASSERT_NE(imp, nullptr);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        const std::string folder = entry.path().parent_path().filename().string();
        if (folder == "samsung_health") continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

}  // namespace
}  // namespace sleeparch
