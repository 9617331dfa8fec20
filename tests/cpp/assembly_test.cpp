// Night assembly (METRICS.md §1) on hand-built records.
#include "sleeparch/assembly.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;
using sleeparch::testing::in_bed_record;
using sleeparch::testing::stage_record;

namespace {

// 2024-03-01T22:00:00Z.
const UtcSeconds kT0 = seconds_from_civil(2024, 3, 1, 22, 0, 0);

ImportBatch batch_with_sources(std::initializer_list<const char*> names) {
    ImportBatch b;
    b.add_file("test");
    for (const char* n : names) b.add_source(Source{"test", n, "", ""});
    return b;
}

}  // namespace

TEST(Assembly, OneSourceOneNightWithInBedWindow) {
    ImportBatch b = batch_with_sources({"watch"});
    b.records.push_back(in_bed_record(kT0, -10, 490));
    b.records.push_back(stage_record(kT0, 0, 100, Stage::Light));
    b.records.push_back(stage_record(kT0, 100, 160, Stage::Deep));
    b.records.push_back(stage_record(kT0, 200, 480, Stage::REM));  // 160-200 uncovered
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    n.validate();
    EXPECT_EQ(n.window_start, kT0 - 600);
    EXPECT_EQ(n.window_end, kT0 + 490 * 60);
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.tib_min, 500);
    EXPECT_DOUBLE_EQ(m.sol_min, 10);
    EXPECT_DOUBLE_EQ(m.unscored_min, 40 + 10 + 10);  // gap inside + in-bed-only ends
    EXPECT_DOUBLE_EQ(m.tst_min, 440);
    EXPECT_EQ(format_date(n.label_date), "2024-03-02");
    EXPECT_FALSE(n.is_nap);
}

TEST(Assembly, GenericAsleepOverStagedRecordsFromOneSourceDoesNotDoubleSleep) {
    ImportBatch b = batch_with_sources({"watch"});
    b.records.push_back(stage_record(kT0, 0, 480, Stage::Asleep));
    b.records.push_back(stage_record(kT0, 0, 200, Stage::Light));
    b.records.push_back(stage_record(kT0, 200, 260, Stage::Deep));
    b.records.push_back(stage_record(kT0, 260, 270, Stage::Wake));
    b.records.push_back(stage_record(kT0, 270, 400, Stage::REM));
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const NightMetrics m = compute_metrics(r.nights[0]);
    EXPECT_DOUBLE_EQ(m.tst_min, 470);  // 400 - 10 wake + 80 unstaged tail
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 80);
    EXPECT_DOUBLE_EQ(m.wake_min, 10);  // a specific Wake beats Asleep
}

TEST(Assembly, ExactDuplicatesAreDropped) {
    ImportBatch b = batch_with_sources({"watch"});
    for (int k = 0; k < 3; ++k) b.records.push_back(stage_record(kT0, 0, 300, Stage::Light));
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(r.stats.duplicates, 2u);
    EXPECT_DOUBLE_EQ(compute_metrics(r.nights[0]).tst_min, 300);
}

TEST(Assembly, ConflictingStagesKeepTheRecordCreatedLaterAndWarn) {
    ImportBatch b = batch_with_sources({"watch"});
    Record early = stage_record(kT0, 0, 60, Stage::Deep);
    early.created = 100;
    early.line = 7;
    Record late = stage_record(kT0, 30, 90, Stage::REM);
    late.created = 200;
    late.line = 9;
    b.records.push_back(late);
    b.records.push_back(early);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const NightMetrics m = compute_metrics(r.nights[0]);
    EXPECT_DOUBLE_EQ(m.deep_min, 30);
    EXPECT_DOUBLE_EQ(m.rem_min, 60);
    EXPECT_EQ(r.stats.defects, 1u);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0].message,
              "records at test:9 (REM) and test:7 (Deep) give different stages for the same time; kept the one "
              "created later");
}

TEST(Assembly, HigherLayerReplacesWhatItCoversWithoutWarning) {
    ImportBatch b = batch_with_sources({"fitbit"});
    b.records.push_back(stage_record(kT0, 0, 60, Stage::Light));
    Record bout = stage_record(kT0, 20, 22, Stage::Wake);
    bout.layer = 1;
    b.records.push_back(bout);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_TRUE(r.warnings.empty());
    const NightMetrics m = compute_metrics(r.nights[0]);
    EXPECT_DOUBLE_EQ(m.light_min, 58);
    EXPECT_DOUBLE_EQ(m.waso_min, 2);
    EXPECT_DOUBLE_EQ(m.awakenings, 1);
}

TEST(Assembly, GapsSplitSessionsAtTheConfiguredLength) {
    ImportBatch b = batch_with_sources({"watch"});
    b.records.push_back(stage_record(kT0, 0, 200, Stage::Light));
    b.records.push_back(stage_record(kT0, 250, 450, Stage::Light));  // 50-min gap: same session
    b.records.push_back(stage_record(kT0, 900, 960, Stage::Light));  // 7.5 h later: a new session
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_DOUBLE_EQ(compute_metrics(r.nights[0]).unscored_min, 50);
    AssemblyOptions opts;
    opts.session_gap_min = 30;
    r = assemble_nights(b, opts);
    EXPECT_EQ(r.nights.size(), 3u);
}

TEST(Assembly, InBedOnlySessionIsNotANight) {
    ImportBatch b = batch_with_sources({"phone"});
    b.records.push_back(in_bed_record(kT0, 0, 480));
    const AssemblyResult r = assemble_nights(b);
    EXPECT_TRUE(r.nights.empty());
    EXPECT_EQ(r.stats.sessions_without_sleep, 1u);
}

TEST(Assembly, OverlappingSourcesNeverMixAndTheMostStagedWins) {
    ImportBatch b = batch_with_sources({"watch", "phone", "sleepapp"});
    b.records.push_back(stage_record(kT0, 0, 200, Stage::Light, 0));
    b.records.push_back(stage_record(kT0, 200, 300, Stage::REM, 0));
    b.records.push_back(in_bed_record(kT0, -30, 500, 1));
    b.records.push_back(stage_record(kT0, -20, 490, Stage::Asleep, 2));  // more sleep, no stages
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.source.name, "watch");
    EXPECT_EQ(n.window_start, kT0);
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 0);
    EXPECT_DOUBLE_EQ(m.tst_min, 300);
    ASSERT_EQ(n.provenance.dropped_sources.size(), 1u);  // the phone had no sleep: never competed
    EXPECT_EQ(n.provenance.dropped_sources[0], "sleepapp (test)");
    EXPECT_EQ(r.stats.sessions_dropped, 1u);
}

TEST(Assembly, PreferenceOverridesTheDefaultWinner) {
    ImportBatch b = batch_with_sources({"watch", "sleepapp"});
    b.records.push_back(stage_record(kT0, 0, 300, Stage::Light, 0));
    b.records.push_back(stage_record(kT0, 0, 400, Stage::Asleep, 1));
    AssemblyOptions opts;
    opts.source_preference = {"SleepApp"};
    const AssemblyResult r = assemble_nights(b, opts);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(r.nights[0].source.name, "sleepapp");
}

TEST(Assembly, NapOnTheSameLabelDate) {
    ImportBatch b = batch_with_sources({"watch"});
    b.records.push_back(stage_record(kT0, 0, 480, Stage::Light));      // ends 2024-03-02 06:00Z
    b.records.push_back(stage_record(kT0, 900, 940, Stage::Light));    // 13:00-13:40Z on 03-02
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_FALSE(r.nights[0].is_nap);
    EXPECT_TRUE(r.nights[1].is_nap);
    EXPECT_EQ(r.nights[0].label_date, r.nights[1].label_date);
}

TEST(Assembly, NightAcrossADstChangeUsesTheOffsetAtItsStart) {
    // Europe/Berlin, 2024-03-31: 02:00 CET (+01:00) becomes 03:00 CEST (+02:00).
    const UtcSeconds start = seconds_from_civil(2024, 3, 30, 22, 0, 0);  // 23:00 local, +01:00
    ImportBatch b = batch_with_sources({"watch"});
    b.records.push_back(stage_record(start, 0, 120, Stage::Light, 0, 60));
    b.records.push_back(stage_record(start, 120, 480, Stage::Light, 0, 120));  // after the change
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.utc_offset_min, 60);
    EXPECT_EQ(format_date(n.label_date), "2024-03-31");
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.tib_min, 480);  // 8 real hours, though the clock moved 9
    EXPECT_EQ(onset_local(m), "2024-03-30T23:00:00+01:00");
}

TEST(Assembly, LabelDateIsTheLocalWakeUpDate) {
    // Ends 2024-03-01 23:30Z = 2024-03-02 08:30 at +09:00.
    ImportBatch b = batch_with_sources({"watch"});
    b.records.push_back(stage_record(kT0, -420, 90, Stage::Light, 0, 540));
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(format_date(r.nights[0].label_date), "2024-03-02");
}

TEST(Assembly, StatedSessionsAreKeptEvenWhenClose) {
    ImportBatch b = batch_with_sources({"fitbit"});
    Record a = stage_record(kT0, 300, 400, Stage::Light);
    a.session = "log1";
    Record c = stage_record(kT0, 410, 450, Stage::Light);
    c.session = "log2";
    b.records.push_back(a);
    b.records.push_back(c);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_TRUE(r.nights[1].is_nap);
}

// METRICS.md §1.7: the format's own main/nap flag decides over the
// longest-TST rule.
TEST(Assembly, StatedNapIsNeverTheMainSleepEvenAlone) {
    ImportBatch b = batch_with_sources({"fitbit"});
    Record nap = stage_record(kT0, 900, 940, Stage::Light);  // 13:00-13:40Z, the only session of 03-02
    nap.session = "log1";
    nap.sleep_kind = SleepKind::Nap;
    b.records.push_back(nap);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_TRUE(r.nights[0].is_nap);
    // Without the flag the same session is the date's main sleep.
    b.records[0].sleep_kind = SleepKind::Unstated;
    r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_FALSE(r.nights[0].is_nap);
}

TEST(Assembly, StatedMainSleepBeatsALongerSessionWithoutAFlag) {
    ImportBatch b = batch_with_sources({"fitbit"});
    Record night = stage_record(kT0, 0, 300, Stage::Light);  // 22:00-03:00Z, TST 300
    night.session = "main";
    night.sleep_kind = SleepKind::Main;
    Record other = stage_record(kT0, 600, 1000, Stage::Light);  // 08:00-14:40Z, TST 400, no flag
    other.session = "other";
    b.records.push_back(night);
    b.records.push_back(other);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_EQ(r.nights[0].label_date, r.nights[1].label_date);
    EXPECT_FALSE(r.nights[0].is_nap);
    EXPECT_TRUE(r.nights[1].is_nap);
    // Two sessions flagged main on one date: the longer is the main sleep,
    // so a date never has two.
    b.records[1].sleep_kind = SleepKind::Main;
    r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_TRUE(r.nights[0].is_nap);
    EXPECT_FALSE(r.nights[1].is_nap);
}

TEST(Assembly, StatedFlagOnSummaryOnlyNightsAndConflictingCopies) {
    ImportBatch b = batch_with_sources({"fitbit"});
    SummaryRecord s;
    s.start = kT0 + 900 * 60;
    s.end = kT0 + 940 * 60;
    s.totals.asleep_unstaged_min = 35;
    s.sleep_kind = SleepKind::Nap;
    b.summaries.push_back(s);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_TRUE(r.nights[0].is_nap);
    // One log arriving twice, flagged main in one copy and nap in the other:
    // main sleep wins, whichever copy comes first.
    for (bool main_first : {true, false}) {
        ImportBatch c = batch_with_sources({"fitbit"});
        Record a = stage_record(kT0, 0, 300, Stage::Light);
        a.session = "41314291715";
        Record d = a;
        a.sleep_kind = main_first ? SleepKind::Main : SleepKind::Nap;
        d.sleep_kind = main_first ? SleepKind::Nap : SleepKind::Main;
        c.records.push_back(a);
        c.records.push_back(d);
        r = assemble_nights(c);
        ASSERT_EQ(r.nights.size(), 1u);
        EXPECT_FALSE(r.nights[0].is_nap) << main_first;
    }
}

// A night that arrives more than once from one source (formats or algorithm
// versions of one vendor) is kept once, whole: the newest version.
TEST(Assembly, CopiesOfANightFromOneSourceKeepTheNewestVersion) {
    ImportBatch b;
    b.add_file("test");
    auto source = [&](const char* format, const char* version) {
        Source s{format, "Band", "", version};
        s.vendor = "band";
        return b.add_source(s);
    };
    const int legacy = source("band_json", ""), v2 = source("band_csv", "v2"), v10 = source("band_csv", "v10");
    auto session = [&](int src, double start, double end, Stage stage, const char* id) {
        Record r = stage_record(kT0, start, end, stage, src);
        r.session = id;
        b.records.push_back(r);
    };
    session(legacy, 0, 480, Stage::Light, "1");
    session(v2, 5, 470, Stage::Deep, "1");  // the same id in another format says nothing
    session(v10, 10, 400, Stage::REM, "2");
    session(v2, 900, 940, Stage::Light, "3");  // a nap only v2 has
    AssemblyResult r = assemble_nights(b);
    EXPECT_EQ(r.stats.copies_dropped, 2u);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_EQ(r.nights[0].source.version, "v10");  // v10 is newer than v2 (natural order)
    const NightMetrics m = compute_metrics(r.nights[0]);
    EXPECT_DOUBLE_EQ(m.rem_min, 390);  // one copy whole, never a mix
    EXPECT_DOUBLE_EQ(m.light_min, 0);
    EXPECT_DOUBLE_EQ(m.deep_min, 0);
    EXPECT_TRUE(r.nights[1].is_nap);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0].message,
              "2 copies of nights that Band (band_csv) gives more than once dropped: each night keeps one copy, "
              "the newest algorithm version (a copy without a version, such as Fitbit's legacy JSON, counts as the "
              "oldest)");
}

TEST(Assembly, OverlappingSessionsOfOneFormatAndVersionAreNotCopies) {
    // Plain hypnogram files share a placeholder source and may overlap.
    ImportBatch b = batch_with_sources({"hypnogram"});
    Record a = stage_record(kT0, 0, 300, Stage::N2);
    a.session = "a.txt";
    Record c = stage_record(kT0, 10, 200, Stage::N2);
    c.session = "b.txt";
    b.records.push_back(a);
    b.records.push_back(c);
    const AssemblyResult r = assemble_nights(b);
    EXPECT_EQ(r.stats.copies_dropped, 0u);
    EXPECT_EQ(r.nights.size(), 2u);
}

// Sessions that only touch are not copies (less than half of the shorter).
TEST(Assembly, SessionsOverlappingLittleAreNotCopies) {
    ImportBatch b;
    b.add_file("test");
    Source s1{"band_json", "Band", "", ""}, s2{"band_csv", "Band", "", "v1"};
    s1.vendor = s2.vendor = "band";
    const int a = b.add_source(s1), c = b.add_source(s2);
    Record x = stage_record(kT0, 0, 300, Stage::Light, a);
    x.session = "x";
    Record y = stage_record(kT0, 250, 900, Stage::Light, c);
    y.session = "y";
    b.records.push_back(x);
    b.records.push_back(y);
    const AssemblyResult r = assemble_nights(b);
    EXPECT_EQ(r.stats.copies_dropped, 0u);
    EXPECT_EQ(r.nights.size(), 2u);
}

TEST(Assembly, SummaryOnlyNightsCompeteWithHypnograms) {
    ImportBatch b = batch_with_sources({"watch", "garmin"});
    b.records.push_back(stage_record(kT0, 0, 300, Stage::Light, 0));
    SummaryRecord s;
    s.start = kT0 - 600;
    s.end = kT0 + 6 * 3600;
    s.source = 1;
    s.totals.light_min = 200;
    s.totals.deep_min = 60;
    b.summaries.push_back(s);
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(r.nights[0].source.name, "watch");  // 300 staged min beat 260
    // On a full tie the night with a hypnogram wins.
    b.records.clear();
    b.records.push_back(stage_record(kT0, -10, 250, Stage::Light, 0));
    b.summaries[0].start = kT0 - 600;
    b.summaries[0].end = kT0 + 250 * 60;
    b.summaries[0].totals = StageTotals{};
    b.summaries[0].totals.light_min = 260;
    r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_FALSE(r.nights[0].summary_only);
    // Without the hypnogram the summary night stands alone.
    b.summaries[0].totals.deep_min = 0;
    b.records.clear();
    r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_TRUE(r.nights[0].summary_only);
    EXPECT_DOUBLE_EQ(compute_metrics(r.nights[0]).tst_min, 260);
}

TEST(Assembly, AppendRemapsSourcesAndFiles) {
    ImportBatch a = batch_with_sources({"watch"});
    ImportBatch b;
    b.add_file("other");
    b.add_source(Source{"test", "ring", "", ""});
    b.add_source(Source{"test", "watch", "", ""});
    Record r = stage_record(kT0, 0, 10, Stage::Light, 1);
    r.file = 0;
    b.records.push_back(r);
    a.append(std::move(b));
    ASSERT_EQ(a.sources.size(), 2u);
    ASSERT_EQ(a.records.size(), 1u);
    EXPECT_EQ(a.sources[static_cast<std::size_t>(a.records[0].source)].name, "watch");
    EXPECT_EQ(a.files[a.records[0].file], "other");
}

// Provenance names each record id, or file:line, once per night: a session's
// records mostly share one (a Fitbit logId, a Health Connect session row).
TEST(Assembly, ProvenanceNamesEachIdOnce) {
    ImportBatch b = batch_with_sources({"watch"});
    Record bed = in_bed_record(kT0, 0, 480);
    bed.id = "session-uuid";
    bed.line = 7;
    b.records.push_back(bed);
    for (int k = 0; k < 16; ++k) {
        Record r = stage_record(kT0, k * 30, k * 30 + 30, k % 2 ? Stage::Deep : Stage::Light);
        r.line = 7;  // the session's row: no id of their own
        b.records.push_back(r);
    }
    Record other = stage_record(kT0, 480, 490, Stage::Wake);
    other.line = 9;
    b.records.push_back(other);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(r.nights[0].provenance.record_ids, (std::vector<std::string>{"test:7", "session-uuid", "test:9"}));
}

// The night takes the vendor figures of its session's first record that
// carries them; a summary-only night its summary's.
TEST(Assembly, VendorFiguresComeWithTheNight) {
    ImportBatch b = batch_with_sources({"watch"});
    VendorFigures f;
    f.tst_min = 470;
    f.score = 80;
    Record bed = in_bed_record(kT0, 0, 480);
    bed.figures = b.add_figures(f);
    b.records.push_back(bed);
    b.records.push_back(stage_record(kT0, 0, 480, Stage::Light));
    SummaryRecord s;
    s.start = kT0 + 86400;
    s.end = s.start + 3600;
    s.totals.light_min = 50;
    s.vendor.deep_min = 12;
    b.summaries.push_back(s);
    EXPECT_EQ(b.add_figures(VendorFigures{}), -1);  // states nothing: no entry
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_DOUBLE_EQ(r.nights[0].vendor.tst_min, 470);
    EXPECT_DOUBLE_EQ(r.nights[0].vendor.score, 80);
    EXPECT_TRUE(std::isnan(r.nights[0].vendor.deep_min));
    EXPECT_DOUBLE_EQ(r.nights[1].vendor.deep_min, 12);
    // Appending a batch remaps the figure indices.
    ImportBatch all = batch_with_sources({"watch"});
    VendorFigures g;
    g.score = 1;
    all.figures.push_back(g);
    all.append(std::move(b));
    EXPECT_DOUBLE_EQ(assemble_nights(all).nights[0].vendor.score, 80);
}

// One summary record read from two overlapping backups (same source, id and
// window) is one night, both files named; a different id is another night.
TEST(Assembly, SummaryReadTwiceIsOneNight) {
    ImportBatch b = batch_with_sources({"watch"});
    b.files = {"backup-1.zip", "backup-2.zip"};
    SummaryRecord s;
    s.start = kT0;
    s.end = kT0 + 11 * 3600;
    s.totals.asleep_unstaged_min = 660;
    s.id = "1606510800000";
    s.file = 0;
    b.summaries.push_back(s);
    s.file = 1;
    b.summaries.push_back(s);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(r.nights[0].provenance.files, (std::vector<std::string>{"backup-1.zip", "backup-2.zip"}));
    SummaryRecord other = s;
    other.id = "1606510800001";
    b.summaries.push_back(other);
    EXPECT_EQ(assemble_nights(b).nights.size(), 2u);
}
