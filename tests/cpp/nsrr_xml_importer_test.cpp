// NSRR XML in both dialects (PSGAnnotation ScoredEvents, Compumedics
// Profusion per-epoch SleepStage): the project's fixtures against their
// golden nights, N1/N2 resolution, the start option, malformed input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

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
    return testing::read_file(testing::source_dir() / "tests/fixtures/nsrr_xml" / name);
}

UtcSeconds utc(const std::string& iso) { return parse_iso_datetime(iso).utc(); }

std::string error_of(const std::string& content) {
    try {
        import_buffer(content, "study.xml", kOptions, "nsrr_xml");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

void expect_golden_night(const std::string& file, const std::string& key) {
    const auto golden = nlohmann::json::parse(
        testing::read_file(testing::source_dir() / "tests/golden/nsrr_xml_fixtures.json"));
    const auto& e = golden[key];
    ImportBatch b = import_buffer(fixture(file), file, kOptions);
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, e["source"]["format"]);
    EXPECT_EQ(b.sources[0].name, e["source"]["name"]);
    EXPECT_EQ(b.sources[0].device, e["source"]["device"]);
    EXPECT_EQ(b.sources[0].version, e["source"]["version"]);
    std::vector<std::string> warnings;
    for (const Warning& w : b.warnings) warnings.push_back(w.message);
    EXPECT_EQ(warnings, e["warnings"].get<std::vector<std::string>>());

    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.window_start, utc(e["window_start"].get<std::string>()));
    EXPECT_EQ(n.window_end, utc(e["window_end"].get<std::string>()));
    EXPECT_EQ(n.epoch_s, e["epoch_s"].get<int>());
    NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.wake_min, e["wake_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.n1_min, e["n1_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.n2_min, e["n2_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.light_min, e["light_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.deep_min, e["deep_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.rem_min, e["rem_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.unscored_min, e["unscored_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.tst_min, e["tst_min"].get<double>());
}

TEST(NsrrXml, PsgAnnotationMatchesGolden) { expect_golden_night("psg_annotation-nsrr.xml", "psg_annotation"); }

TEST(NsrrXml, PsgAnnotationClockTimeMatchesGolden) {
    expect_golden_night("psg_annotation-clocktime.xml", "psg_annotation_clocktime");
}

// The Recording Start Time's ClockTime is local: --tz places it (an IANA
// zone and the equal fixed offset alike), on the placeholder date.
TEST(NsrrXml, ClockTimeWithTz) {
    for (const char* zone : {"Europe/Berlin", "+01:00"}) {
        SCOPED_TRACE(zone);
        ImportOptions opts;
        importers::set_time_zone(opts, zone);
        ImportBatch b = import_buffer(fixture("psg_annotation-clocktime.xml"), "c.xml", opts);
        ASSERT_EQ(b.warnings.size(), 1u);
        EXPECT_EQ(b.warnings[0].message,
                  "NSRR XML states the start's clock time (ClockTime 00.00.00 23.00.00) but not its date: placed "
                  "on 2000-01-01 (clock times hold, dates do not; give --start)");
        ASSERT_FALSE(b.records.empty());
        EXPECT_EQ(b.records[0].start, utc("2000-01-01T22:00:00Z"));
        EXPECT_EQ(b.records[0].utc_offset_min, 60);
        AssemblyResult r = assemble_nights(b);
        ASSERT_EQ(r.nights.size(), 1u);
        EXPECT_EQ(format_local_iso(r.nights[0].window_start, r.nights[0].utc_offset_min), "2000-01-01T23:00:00+01:00");
    }
    // --start wins over ClockTime and gives the date.
    ImportOptions start;
    start.start = "2023-05-01T22:30:00+02:00";
    ImportBatch b = import_buffer(fixture("psg_annotation-clocktime.xml"), "c.xml", start);
    EXPECT_TRUE(b.warnings.empty());
    EXPECT_EQ(b.records[0].start, utc("2023-05-01T20:30:00Z"));
}

TEST(NsrrXml, ClockTimeNotAClockIsAnError) {
    const std::string doc =
        "<PSGAnnotation><ScoredEvents><ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept>"
        "<Start>0</Start><Duration>60</Duration><ClockTime>00.00.00 25.00.00</ClockTime></ScoredEvent>"
        "</ScoredEvents></PSGAnnotation>";
    EXPECT_EQ(error_of(doc),
              "study.xml:1: ClockTime \"00.00.00 25.00.00\": expected dd.mm.yy HH.MM.SS such as 00.00.00 23.00.00");
}

TEST(NsrrXml, ProfusionMatchesGolden) { expect_golden_night("profusion.xml", "profusion"); }

TEST(NsrrXml, PsgAnnotationRecordsKeepN1N2AndIgnoreOtherEvents) {
    ImportBatch b = import_buffer(fixture("psg_annotation-nsrr.xml"), "a.xml", kOptions);
    // Nine stage events; the recording-start and arousal events are not stages.
    ASSERT_EQ(b.records.size(), 9u);
    EXPECT_EQ(b.records[1].stage, Stage::N1);
    EXPECT_EQ(b.records[1].line, 19u);
    EXPECT_EQ(b.records[2].stage, Stage::N2);
    EXPECT_EQ(b.records[3].stage, Stage::Deep);
    EXPECT_EQ(b.records[4].stage, Stage::Deep);
    EXPECT_EQ(b.records[6].stage, Stage::REM);
    EXPECT_EQ(b.records[7].stage, Stage::Unscored);
    EXPECT_EQ(b.records[0].session, "a.xml");
}

TEST(NsrrXml, StartOption) {
    ImportOptions opts;
    opts.start = "2023-05-01T22:30:00+02:00";
    ImportBatch b = import_buffer(fixture("profusion.xml"), "p.xml", opts);
    EXPECT_TRUE(b.warnings.empty());
    ASSERT_FALSE(b.records.empty());
    EXPECT_EQ(b.records[0].start, utc("2023-05-01T20:30:00Z"));
    EXPECT_EQ(b.records[0].utc_offset_min, 120);
    EXPECT_EQ(b.records[0].epoch_s, 30);
}

TEST(NsrrXml, RecognisedByRootElement) {
    const auto* imp = importers::find_importer("nsrr_xml");
    ASSERT_NE(imp, nullptr);
    EXPECT_TRUE(imp->recognises("x.xml", fixture("profusion.xml")));
    EXPECT_TRUE(imp->recognises("x.xml", fixture("psg_annotation-nsrr.xml")));
    EXPECT_FALSE(imp->recognises("x.xml", "<?xml version=\"1.0\"?><HealthData>"));
    EXPECT_FALSE(imp->recognises("x.csv", "a,b\n<PSGAnnotation>"));
}

TEST(NsrrXml, BadProfusionStageNamesItsLine) {
    EXPECT_EQ(error_of("<CMPStudyConfig>\n<EpochLength>30</EpochLength>\n<SleepStages>\n"
                       "<SleepStage>0</SleepStage>\n<SleepStage>7</SleepStage>\n</SleepStages>\n"
                       "</CMPStudyConfig>\n"),
              "study.xml:5: SleepStage \"7\": unknown stage code (expected 0 W, 1 N1, 2 N2, 3 N3, 4 N4, "
              "5 REM, 9 unscored)");
}

TEST(NsrrXml, BadPsgAnnotationEvent) {
    const std::string head = "<PSGAnnotation>\n<ScoredEvents>\n";
    EXPECT_EQ(error_of(head +
                       "<ScoredEvent>\n<EventType>Stages|Stages</EventType>\n"
                       "<EventConcept>Stage 7 sleep|7</EventConcept>\n<Start>0</Start>\n"
                       "<Duration>30</Duration>\n</ScoredEvent>\n</ScoredEvents>\n</PSGAnnotation>\n"),
              "study.xml:3: EventConcept \"Stage 7 sleep|7\": unknown stage (expected Wake|0, Stage 1 "
              "sleep|1 ... Stage 4 sleep|4, REM sleep|5, Unscored|9)");
    EXPECT_EQ(error_of(head +
                       "<ScoredEvent>\n<EventType>Stages|Stages</EventType>\n"
                       "<EventConcept>Wake|0</EventConcept>\n<Start>abc</Start>\n"
                       "<Duration>30</Duration>\n</ScoredEvent>\n</ScoredEvents>\n</PSGAnnotation>\n"),
              "study.xml:3: Start \"abc\": not a number of seconds");
}

TEST(NsrrXml, MalformedDocuments) {
    EXPECT_EQ(error_of("<PSGAnnotation>\n<ScoredEvents>\n</PSGAnnotation>\n"),
              "study.xml:3: XML: mismatched tag");
    EXPECT_EQ(error_of("<CMPStudyConfig>\n<SleepStages>\n"),
              "study.xml:3: XML: no element found");
    EXPECT_EQ(error_of("<?xml version=\"1.0\"?>\n<Other/>\n"),
              "study.xml:2: root element <Other>: expected <PSGAnnotation> or <CMPStudyConfig>");
    EXPECT_EQ(error_of("<CMPStudyConfig><SleepStages><SleepStage>0</SleepStage></SleepStages></CMPStudyConfig>"),
              "study.xml: EpochLength: missing (Profusion files state the epoch length in seconds)");
}


// Each file of the other formats' samples is left to its own importer.
TEST(NsrrXml, DoesNotClaimOtherFormatsSamples) {
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) {
        GTEST_SKIP() << "../shared/samples absent";
    }
    const auto* imp = importers::find_importer("nsrr_xml");
    ASSERT_NE(imp, nullptr);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        const std::string folder = entry.path().parent_path().filename().string();
        if (folder == "nsrr_xml") continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

}  // namespace
}  // namespace sleeparch
