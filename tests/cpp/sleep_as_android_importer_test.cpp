// Sleep as Android importer: a fixture written from FORMATS.md ("Sleep as
// Android": a tracked night across the end of DST with every kind of stage
// event and a pause, a manual record, a nap, a damaged record, a header whose
// column count differs from its values line) with hand-worked answers, and
// the real app backups in ../shared/samples/sleep_as_android/ (values checked
// against the rows as Python's csv module reads them).
#include <gtest/gtest.h>

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

namespace sleeparch {
namespace {

using importers::import_buffer;
using importers::import_paths;
using importers::ImportOptions;

const ImportOptions kOptions;

std::string fixture() {
    return testing::read_file(testing::source_dir() / "tests" / "fixtures" / "sleep_as_android" /
                              "sleep-export.csv");
}

UtcSeconds utc(const std::string& iso) {
    ParsedTime t = parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

bool has_warning(const ImportBatch& b, std::uint32_t line, const std::string& text) {
    for (const Warning& w : b.warnings) {
        if (w.line == line && w.message.find(text) != std::string::npos) return true;
    }
    return false;
}

const std::string kHeader =
    "Id,Tz,From,To,Sched,Hours,Rating,Comment,Framerate,Snore,Noise,Cycles,DeepSleep,LenAdjust,Geo,"
    "\"7:00\"\n";

std::string error_of(const std::string& values) {
    try {
        import_buffer(kHeader + values, "sleep-export.csv", kOptions, "sleep_as_android");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

TEST(SleepAsAndroid, RecognisedByContent) {
    ImportBatch b = import_buffer(fixture(), "backup/whatever.csv", kOptions);
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, "sleep_as_android");
    EXPECT_EQ(b.sources[0].name, "Sleep as Android");
}

TEST(SleepAsAndroid, FixtureNights) {
    ImportBatch b = import_buffer(fixture(), "sleep-export.csv", kOptions, "sleep_as_android");
    EXPECT_TRUE(has_warning(b, 9, "1 record with fewer than the 15 fixed columns"));
    EXPECT_TRUE(has_warning(b, 5, "1 manual record"));
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 3u);

    // Line 2: 00:00 CEST to 07:00 CET on 29 Oct 2023 (8 h in bed).
    const Night& dst = r.nights[0];
    EXPECT_EQ(dst.window_start, utc("2023-10-28T22:00:00Z"));
    EXPECT_EQ(dst.window_end, utc("2023-10-29T06:00:00Z"));
    EXPECT_EQ(dst.utc_offset_min, 120);
    EXPECT_EQ(format_date(dst.label_date), "2023-10-29");
    EXPECT_FALSE(dst.is_nap);
    const NightMetrics m = compute_metrics(dst);
    EXPECT_DOUBLE_EQ(m.tib_min, 480);
    EXPECT_DOUBLE_EQ(m.light_min, 70);
    EXPECT_DOUBLE_EQ(m.deep_min, 70);
    EXPECT_DOUBLE_EQ(m.rem_min, 30);
    EXPECT_DOUBLE_EQ(m.wake_min, 10);
    EXPECT_DOUBLE_EQ(m.unscored_min, 30);  // TRACKING_PAUSED .. RESUMED
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 270);
    EXPECT_DOUBLE_EQ(m.tst_min, 440);
    // The offset follows Tz within the night: the record after the pause
    // (04:30 UTC, after the change at 01:00 UTC) is at +01:00.
    bool saw_cet = false;
    for (const Record& rec : b.records) {
        if (rec.start == utc("2023-10-29T04:30:00Z")) {
            saw_cet = true;
            EXPECT_EQ(rec.utc_offset_min, 60);
            EXPECT_EQ(rec.tz_name, "Europe/Berlin");
        }
    }
    EXPECT_TRUE(saw_cet);

    // Line 5: the manual record, unstaged sleep for its whole window.
    const Night& manual = r.nights[1];
    EXPECT_EQ(manual.window_start, utc("2023-11-01T21:00:00Z"));
    EXPECT_EQ(manual.window_end, utc("2023-11-02T05:30:00Z"));
    EXPECT_DOUBLE_EQ(compute_metrics(manual).asleep_unstaged_min, 510);
    EXPECT_FALSE(manual.is_nap);

    // Line 7: an afternoon record on the same label date is a nap.
    const Night& nap = r.nights[2];
    EXPECT_TRUE(nap.is_nap);
    EXPECT_EQ(format_date(nap.label_date), "2023-11-02");
    const NightMetrics mn = compute_metrics(nap);
    EXPECT_DOUBLE_EQ(mn.light_min, 20);
    EXPECT_DOUBLE_EQ(mn.asleep_unstaged_min, 10);
}

TEST(SleepAsAndroid, BadValuesNameLineAndColumn) {
    const std::string rest = "\"10007\",\"-1\",\"-1.0\",\"-1\",\"-1.0\",\"0\",\"\",\"0.0\"\n";
    EXPECT_EQ(error_of("\"abc\",\"Europe/London\",\"01. 12. 2020 20:00\",\"02. 12. 2020 7:00\",\"\",\"11.000\","
                       "\"0.0\",\"\"," + rest),
              "sleep-export.csv:2: Id \"abc\": expected the start in epoch milliseconds (2000 to 2100)");
    EXPECT_EQ(error_of("\"1606852800000\",\"Mars/Olympus\",\"01. 12. 2020 20:00\",\"02. 12. 2020 7:00\",\"\","
                       "\"11.000\",\"0.0\",\"\"," + rest),
              "sleep-export.csv:2: Tz \"Mars/Olympus\": not a time zone the tz database knows");
    EXPECT_EQ(error_of("\"1606852800000\",\"Europe/London\",\"01. 12. 2020 20:00\",\"02. 12. 2020 7:00\",\"\","
                       "\"eleven\",\"0.0\",\"\"," + rest),
              "sleep-export.csv:2: Hours \"eleven\": expected a number between 0 and 48");
    EXPECT_EQ(error_of("\"1606852800000\",\"Europe/London\",\"01. 12. 2020 20:00\",\"2020-12-02 07:00\",\"\","
                       "\"11.000\",\"0.0\",\"\"," + rest),
              "sleep-export.csv:2: To \"2020-12-02 07:00\": expected dd. MM. yyyy H:mm");
    // A To that disagrees with Id + Hours is a warning, Id + Hours wins.
    ImportBatch b = import_buffer(kHeader +
                                      "\"1606852800000\",\"Europe/London\",\"01. 12. 2020 20:00\",\"02. 12. 2020 "
                                      "9:00\",\"\",\"11.000\",\"0.0\",\"\"," + rest,
                                  "sleep-export.csv", kOptions, "sleep_as_android");
    EXPECT_TRUE(has_warning(b, 2, "1 record whose To differs from Id + Hours"));
    // A manual record (Cycles -1, DeepSleep -1): a summary-only night.
    EXPECT_TRUE(b.records.empty());
    ASSERT_EQ(b.summaries.size(), 1u);
    EXPECT_EQ(b.summaries[0].end, utc("2020-12-02T07:00:00Z"));
}

TEST(SleepAsAndroid, UnpairedEventsAreCountedNotGuessed) {
    const std::string csv =
        "Id,Tz,From,To,Sched,Hours,Rating,Comment,Framerate,Snore,Noise,Cycles,DeepSleep,LenAdjust,Geo,"
        "\"Event\",\"Event\",\"Event\"\n"
        "\"1606852800000\",\"UTC\",\"01. 12. 2020 20:00\",\"02. 12. 2020 0:00\",\"\",\"4.000\",\"0.0\",\"\","
        "\"10007\",\"-1\",\"-1.0\",\"2\",\"0.3\",\"0\",\"\",\"DEEP_END-1606856400000\","
        "\"REM_START-1606860000000\",\"NOT-AN-EVENT\"\n";
    ImportBatch b = import_buffer(csv, "sleep-export.csv", kOptions, "sleep_as_android");
    EXPECT_TRUE(has_warning(b, 2, "2 events without a START/END partner"));
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const NightMetrics m = compute_metrics(r.nights[0]);
    EXPECT_DOUBLE_EQ(m.deep_min, 0);        // the lone END is ignored
    EXPECT_DOUBLE_EQ(m.rem_min, 120);       // the open REM span (from 22:00) ends with the record
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 120);
}

struct RealBackup {
    const char* file;
    std::size_t nights;
    std::size_t manual;   // Cycles -1 and DeepSleep -1
    std::size_t aborted;  // tracked for less than 10 min
};

// Independent counts: every values line of sleep-export.csv is one record
// (Python's csv module: 12, 11 and 8 records). Of them, manual records
// (Cycles -1, DeepSleep -1: 4, 2 and 2) are summary-only nights; tracking
// started and stopped within 10 min (Hours 0.010 and 0.030: 8, 8 and 6) is
// dropped and counted; the one record tracked for 36 min stays.
TEST(SleepAsAndroid, RealBackups) {
    for (const RealBackup& backup : {RealBackup{"saa_sleep-export.1606907034.zip", 4, 4, 8},
                                     RealBackup{"sleep-export.1606738537.zip", 3, 2, 8},
                                     RealBackup{"sleep-export.4.zip", 2, 2, 6}}) {
        const auto path = testing::sample(std::string("sleep_as_android/") + backup.file);
        if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
        SCOPED_TRACE(backup.file);
        importers::ImportReport report;
        ImportBatch b = import_paths({path.string()}, kOptions, &report);
        ASSERT_EQ(report.imported.size(), 1u);
        EXPECT_EQ(report.imported[0].second, "sleep_as_android");
        EXPECT_NE(report.imported[0].first.find("sleep-export.csv"), std::string::npos);
        EXPECT_EQ(b.summaries.size(), backup.manual);
        bool counted_manual = false, counted_aborted = false;
        for (const auto& w : b.warnings) {
            if (w.message == std::to_string(backup.manual) +
                                 " manual records (no tracking): summary-only nights, the stated window counted "
                                 "as unstaged sleep")
                counted_manual = true;
            if (w.message == std::to_string(backup.aborted) +
                                 " tracked records shorter than 10 min (tracking started and stopped at once) "
                                 "dropped")
                counted_aborted = true;
        }
        EXPECT_TRUE(counted_manual);
        EXPECT_TRUE(counted_aborted);
        AssemblyResult r = assemble_nights(b);
        EXPECT_EQ(r.nights.size(), backup.nights);
        for (const Night& n : r.nights) {
            n.validate();
            // A manual night is its stated window of unstaged sleep, no hypnogram.
            if (n.summary_only) EXPECT_DOUBLE_EQ(n.totals.asleep_unstaged_min, n.tib_min());
            else EXPECT_GE(n.tib_min(), 10);
            EXPECT_EQ(n.utc_offset_min, 0);  // Europe/London in November
        }
    }
}

// The one tracked record with stage events in the real backups: Id
// 1606734191337 (30 Nov 2020 11:03 UTC), Hours 0.610 (2196 s), LIGHT_START at
// Id, a pause 1606734825924..1606734876008 and LIGHT_END after the window.
TEST(SleepAsAndroid, RealTrackedRecordWithEvents) {
    const auto path = testing::sample("sleep_as_android/sleep-export.1606738537.zip");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch b = import_paths({path.string()}, kOptions);
    AssemblyResult r = assemble_nights(b);
    const Night* tracked = nullptr;
    for (const Night& n : r.nights) {
        if (n.window_start == 1606734191) tracked = &n;
    }
    ASSERT_NE(tracked, nullptr);
    EXPECT_EQ(tracked->window_end, 1606736388);  // (Id ms + 2196000) rounded up to the second
    const NightMetrics m = compute_metrics(*tracked);
    EXPECT_DOUBLE_EQ(m.unscored_min, 51.0 / 60.0);  // 1606734825 .. 1606734876
    EXPECT_DOUBLE_EQ(m.light_min, (2197.0 - 51.0) / 60.0);
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 0);
    // The 11-hour manual record (the app's default 20:00-07:00) that ends on
    // 27 Nov is that date's main sleep, the 6.5-hour manual record of that
    // day (08:54-15:25) its nap; the aborted starts of that morning are gone.
    std::size_t mains_27 = 0, naps_27 = 0;
    for (const Night& n : r.nights) {
        if (format_date(n.label_date) != "2020-11-27") continue;
        if (n.is_nap) ++naps_27;
        else {
            ++mains_27;
            EXPECT_EQ(n.window_start, 1606420800);
            EXPECT_TRUE(n.summary_only);
            const NightMetrics mm = compute_metrics(n);
            EXPECT_DOUBLE_EQ(mm.tst_min, 660);
            EXPECT_TRUE(std::isnan(mm.sol_min));  // nothing was measured inside the window
        }
    }
    EXPECT_EQ(mains_27, 1u);
    EXPECT_EQ(naps_27, 1u);
}

TEST(SleepAsAndroid, DoesNotClaimOtherFormatsSamples) {
    const auto* imp = importers::find_importer("sleep_as_android");
    ASSERT_NE(imp, nullptr);
    EXPECT_FALSE(imp->recognises("sleep-export.csv", "Id,Tz,From\n"));
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) {
        GTEST_SKIP() << "../shared/samples absent";
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

}  // namespace
}  // namespace sleeparch
