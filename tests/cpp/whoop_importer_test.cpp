// WHOOP sleeps.csv importer on fixtures written from FORMATS.md ("WHOOP
// export"): summary-only nights with the cycle's offset (kept across a DST
// change), naps from the Nap column even when longer than the main sleep,
// empty rows skipped and counted, a localised (Spanish) header read by
// position, and file:line:column errors. The expected values are worked out
// by hand from the fixture rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

namespace sleeparch {
namespace {

using importers::import_buffer;
using importers::ImportOptions;

const ImportOptions kOptions;

std::string fixture(const std::string& name) {
    return testing::read_file(testing::source_dir() / "tests" / "fixtures" / "whoop" / name);
}

UtcSeconds utc(const std::string& iso) {
    ParsedTime t = parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

std::string error_of(const std::string& content, const std::string& name = "sleeps.csv") {
    try {
        import_buffer(content, name, kOptions, "whoop");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

const std::string kHeader =
    "Cycle start time,Cycle end time,Cycle timezone,Sleep onset,Wake onset,Sleep performance %,"
    "Respiratory rate (rpm),Asleep duration (min),In bed duration (min),Light sleep duration (min),"
    "Deep (SWS) duration (min),REM duration (min),Awake duration (min),Sleep need (min),"
    "Sleep debt (min),Sleep efficiency %,Sleep consistency %,Nap\n";

void expect_fixture_nights(const ImportBatch& b) {
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, "whoop");
    EXPECT_EQ(b.sources[0].name, "WHOOP");
    EXPECT_TRUE(b.records.empty());
    ASSERT_EQ(b.summaries.size(), 5u);
    // Line 4: the night across the US DST change (2024-03-10 02:00): WHOOP
    // keeps the cycle's UTC-05:00, so 07:20 is 12:20 UTC.
    const SummaryRecord& dst = b.summaries[1];
    EXPECT_EQ(dst.line, 4u);
    EXPECT_EQ(dst.start, utc("2024-03-10T04:05:00Z"));
    EXPECT_EQ(dst.end, utc("2024-03-10T12:20:00Z"));
    EXPECT_EQ(dst.utc_offset_min, -300);
    EXPECT_DOUBLE_EQ(dst.totals.light_min, 240);
    EXPECT_DOUBLE_EQ(dst.totals.deep_min, 90);
    EXPECT_DOUBLE_EQ(dst.totals.rem_min, 110);
    EXPECT_DOUBLE_EQ(dst.totals.wake_min, 55);
    EXPECT_EQ(dst.sleep_kind, sleeparch::SleepKind::Main);
    EXPECT_EQ(b.summaries[0].sleep_kind, sleeparch::SleepKind::Nap);
    // Lines 2 and 6 have no sleep: one warning counts both.
    int skipped = 0;
    for (const Warning& w : b.warnings) {
        if (w.message.find("2 rows without a sleep") != std::string::npos) {
            ++skipped;
            EXPECT_EQ(w.line, 2u);
        }
    }
    EXPECT_EQ(skipped, 1);
}

TEST(Whoop, FixtureGivesSummaryNightsWithTheCyclesOffset) {
    expect_fixture_nights(import_buffer(fixture("sleeps.csv"), "export/any_name.csv", kOptions));
}

TEST(Whoop, SpanishHeaderIsReadByPosition) {
    const std::string es = fixture("sueño.csv");
    const auto* imp = importers::find_importer("whoop");
    ASSERT_NE(imp, nullptr);
    EXPECT_TRUE(imp->recognises("sueño.csv", es));
    expect_fixture_nights(import_buffer(es, "sueño.csv", kOptions));
}

TEST(Whoop, NapFlagWinsOverLongestSleep) {
    ImportBatch b = import_buffer(fixture("sleeps.csv"), "sleeps.csv", kOptions);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 5u);
    // By window start: 03-07 00:30 main, 03-07 13:00 nap (longer TST 180 >
    // 150, still a nap), 03-08 main, 03-09 main, 03-10 14:00 nap.
    const std::vector<bool> naps = {false, true, false, false, true};
    const std::vector<std::string> labels = {"2024-03-07", "2024-03-07", "2024-03-09", "2024-03-10",
                                             "2024-03-10"};
    const std::vector<double> tst = {150, 180, 380, 440, 20};
    const std::vector<double> tib = {180, 190, 430, 495, 25};
    for (std::size_t i = 0; i < r.nights.size(); ++i) {
        const Night& n = r.nights[i];
        SCOPED_TRACE(i);
        EXPECT_TRUE(n.summary_only);
        EXPECT_EQ(n.is_nap, naps[i]);
        EXPECT_EQ(format_date(n.label_date), labels[i]);
        const NightMetrics m = compute_metrics(n);
        EXPECT_DOUBLE_EQ(m.tst_min, tst[i]);
        EXPECT_DOUBLE_EQ(m.tib_min, tib[i]);
    }
}

TEST(Whoop, RecognisedByHeaderOnly) {
    const auto* imp = importers::find_importer("whoop");
    ASSERT_NE(imp, nullptr);
    EXPECT_TRUE(imp->recognises("x.csv", kHeader));
    EXPECT_TRUE(imp->recognises("x.csv", "\xEF\xBB\xBF" + kHeader));
    EXPECT_FALSE(imp->recognises("sleeps.csv", "Cycle start time,Cycle end time\n"));
    EXPECT_FALSE(imp->recognises("sleeps.csv", "start,duration,value\n"));
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) return;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

TEST(Whoop, AsleepThatDisagreesWithTheStagesWarns) {
    ImportBatch b = import_buffer(kHeader +
                                      "2024-03-08 23:10:00,2024-03-09 22:30:00,UTC+01:00,2024-03-08 "
                                      "23:40:00,2024-03-09 06:50:00,85,15,300,430,200,80,100,50,,,,,false\n",
                                  "sleeps.csv", kOptions);
    ASSERT_EQ(b.summaries.size(), 1u);
    EXPECT_EQ(b.summaries[0].start, utc("2024-03-08T22:40:00Z"));
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].line, 2u);
    EXPECT_NE(b.warnings[0].message.find("differs from light + deep + REM 380 min"), std::string::npos);
}

TEST(Whoop, BadValuesNameLineAndColumn) {
    const std::string good_start = "2024-03-08 23:10:00,2024-03-09 22:30:00,UTC-05:00,2024-03-08 23:40:00,";
    EXPECT_EQ(error_of(kHeader + good_start + "2024-03-09 06:50:00,85,15,380,430,200,abc,100,50,,,,,false\n"),
              "sleeps.csv:2: Deep (SWS) duration (min) \"abc\": expected minutes between 0 and 10080");
    EXPECT_EQ(error_of(kHeader + good_start + "2024-03-09 06:50:00,85,15,380,430,200,80,100,50,,,,,maybe\n"),
              "sleeps.csv:2: Nap \"maybe\": expected true or false");
    EXPECT_EQ(error_of(kHeader + good_start + "2024-03-08 06:50:00,85,15,380,430,200,80,100,50,,,,,false\n"),
              "sleeps.csv:2: Wake onset \"2024-03-08 06:50:00\": not after Sleep onset");
    EXPECT_EQ(error_of(kHeader + "2024-03-08 23:10:00,,EST,2024-03-08 23:40:00,2024-03-09 06:50:00,,,,,,,,,,,,,\n"),
              "sleeps.csv:2: Cycle timezone \"EST\": expected an offset like UTC-04:00");
    EXPECT_EQ(error_of(kHeader + "2024-03-08 23:10:00,,UTC-05:00,2024-03-08 23:40:00,,,,,,,,,,,,,,\n"),
              "sleeps.csv:2: Wake onset \"\": missing time");
    EXPECT_EQ(error_of(kHeader + "2024-03-08 23:10:00,,UTC-05:00,2024-13-08 23:40:00,2024-03-09 06:50:00,,,,,,,,,,,,,\n"),
              "sleeps.csv:2: Sleep onset \"2024-13-08 23:40:00\": month 13 out of range");
    EXPECT_EQ(error_of(kHeader + "1,2,3\n"), "sleeps.csv:2: row: 3 fields, the header has 18");
}

}  // namespace
}  // namespace sleeparch
