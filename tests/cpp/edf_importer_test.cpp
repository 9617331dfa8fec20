// EDF+ hypnograms: the real Sleep-EDF sample against its golden stage
// minutes (cropped and not), EDF+ files the tests build (3+4 -> Deep, missing
// durations, movement time, several annotations per TAL, cropping, year
// rules) and hostile headers that must be ParseErrors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
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
using importers::ImportOptions;

std::string pad(const std::string& s, std::size_t width) {
    std::string out = s.substr(0, width);
    out.resize(width, ' ');
    return out;
}

// An EDF+ file with one annotation signal holding `tals` (each a whole TAL
// without its closing zero byte), one data record, plus optional changes.
struct EdfBuilder {
    std::string startdate = "24.04.89";
    std::string starttime = "22.00.00";
    std::string recording = "Startdate 24-APR-1989 X X X";
    std::string reserved = "EDF+C";
    std::string label = "EDF Annotations";
    std::vector<std::string> tals = {"+0\x14\x14"};
    std::string records;       // empty: "1"
    std::string signals;       // empty: "1"
    std::string header_bytes;  // empty: "512"
    std::string samples;       // empty: from the TALs

    std::string build() const {
        std::string data;
        for (const std::string& t : tals) data += t + std::string(1, '\0');
        if (data.size() % 2) data += '\0';
        std::string h;
        h += pad("0", 8) + pad("X X X X", 80) + pad(recording, 80) + startdate + starttime;
        h += pad(header_bytes.empty() ? "512" : header_bytes, 8) + pad(reserved, 44);
        h += pad(records.empty() ? "1" : records, 8) + pad("0", 8) + pad(signals.empty() ? "1" : signals, 4);
        h += pad(label, 16) + pad("", 80) + pad("", 8) + pad("0", 8) + pad("1", 8) + pad("-32768", 8) +
             pad("32767", 8) + pad("", 80);
        h += pad(samples.empty() ? std::to_string(data.size() / 2) : samples, 8) + pad("", 32);
        return h + data;
    }
};

std::string tal(int onset, int duration, const std::string& text) {
    return "+" + std::to_string(onset) + "\x15" + std::to_string(duration) + "\x14" + text + "\x14";
}

ImportOptions with_keep(int minutes) {
    ImportOptions o;
    o.edf_keep_wake_min = minutes;
    return o;
}

std::string error_of(const std::string& content) {
    try {
        import_buffer(content, "x.edf", ImportOptions{}, "edf_hypnogram");
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

UtcSeconds utc(const std::string& iso) { return parse_iso_datetime(iso).utc(); }

double minutes_of(const ImportBatch& b, Stage s) {
    double m = 0;
    for (const Record& r : b.records) {
        if (r.stage == s) m += static_cast<double>(r.end - r.start) / 60.0;
    }
    return m;
}

class EdfSample : public ::testing::TestWithParam<std::pair<const char*, int>> {};

TEST_P(EdfSample, MatchesGolden) {
    auto path = testing::sample("sleep_edf/SC4001EC-Hypnogram.edf");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    const auto golden = nlohmann::json::parse(
        testing::read_file(testing::source_dir() / "tests/golden/edf_hypnogram_sc4001ec.json"));
    const auto& [key, keep] = GetParam();
    const auto& e = golden[key];
    ImportBatch b = import_buffer(testing::read_file(path), path.filename().string(), with_keep(keep));
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, golden["source"]["format"]);
    EXPECT_EQ(b.sources[0].name, golden["source"]["name"]);
    EXPECT_EQ(b.sources[0].device, golden["source"]["device"]);
    EXPECT_EQ(b.sources[0].version, golden["source"]["version"]);
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].message, std::string(sleeparch::importers::kNoOffsetWarning));

    const UtcSeconds t0 = utc(golden["recording_start"].get<std::string>());
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.window_start, t0 + e["window_start_s"].get<UtcSeconds>());
    EXPECT_EQ(n.window_end, t0 + e["window_end_s"].get<UtcSeconds>());
    EXPECT_EQ(n.epoch_s, 30);
    NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.wake_min, e["wake_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.n1_min, e["n1_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.n2_min, e["n2_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.deep_min, e["deep_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.rem_min, e["rem_min"].get<double>());
    EXPECT_DOUBLE_EQ(m.unscored_min, e["unscored_min"].get<double>());
}

INSTANTIATE_TEST_SUITE_P(Crops, EdfSample,
                         ::testing::Values(std::make_pair("cropped_30", 30), std::make_pair("cropped_0", 0),
                                           std::make_pair("uncropped", 24 * 60)));

TEST(Edf, SampleWithTimeZone) {
    auto path = testing::sample("sleep_edf/SC4001EC-Hypnogram.edf");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportOptions opts;
    opts.tz_offset_min = 120;
    ImportBatch b = import_buffer(testing::read_file(path), "SC4001EC-Hypnogram.edf", opts);
    EXPECT_TRUE(b.warnings.empty());
    ASSERT_FALSE(b.records.empty());
    // 16:13:00 local + 28830 s = 00:13:30 local on the 25th, 22:13:30 UTC on the 24th.
    EXPECT_EQ(b.records.front().start, utc("1989-04-24T22:13:30Z"));
    EXPECT_EQ(b.records.front().utc_offset_min, 120);
    EXPECT_EQ(b.records.front().session, "SC4001EC-Hypnogram.edf");
}

// --tz Europe/Berlin across the 2025 changes: the header's clock is local;
// later instants are the start plus elapsed seconds, and each record carries
// the offset in force at its start (CET before 01:00 UTC on 30 March and
// from 01:00 UTC on 26 October, else CEST).
TEST(Edf, BerlinAcrossTheSpringAndAutumnChanges) {
    struct Case {
        const char *date, *recording, *start_utc, *change_utc;
        int before, after;
    };
    for (const Case& c : {Case{"29.03.25", "Startdate 29-MAR-2025 X X X", "2025-03-29T22:00:00Z",
                               "2025-03-30T01:00:00Z", 60, 120},
                          Case{"25.10.25", "Startdate 25-OCT-2025 X X X", "2025-10-25T21:00:00Z",
                               "2025-10-26T01:00:00Z", 120, 60}}) {
        SCOPED_TRACE(c.date);
        EdfBuilder e;
        e.startdate = c.date;
        e.starttime = "23.00.00";
        e.recording = c.recording;
        for (int i = 0; i < 8; ++i) e.tals.push_back(tal(i * 3600, 3600, i % 2 ? "Sleep stage R" : "Sleep stage 2"));
        ImportOptions berlin;
        importers::set_time_zone(berlin, "Europe/Berlin");
        ImportBatch b = import_buffer(e.build(), "n.edf", berlin);
        EXPECT_TRUE(b.warnings.empty());
        ASSERT_EQ(b.records.size(), 8u);
        EXPECT_EQ(b.records.front().start, utc(c.start_utc));
        EXPECT_EQ(b.records.back().end, utc(c.start_utc) + 8 * 3600);
        for (const Record& r : b.records) {
            EXPECT_EQ(r.utc_offset_min, r.start < utc(c.change_utc) ? c.before : c.after);
        }
        // No --tz: UTC, one warning.
        ImportBatch plain = import_buffer(e.build(), "n.edf", ImportOptions{});
        ASSERT_EQ(plain.warnings.size(), 1u);
        EXPECT_EQ(plain.warnings[0].message, std::string(importers::kNoOffsetWarning));
        EXPECT_EQ(plain.records.front().start, utc(c.start_utc) + c.before * 60);
    }
    // Winter: Europe/Berlin and +01:00 give the same records.
    EdfBuilder w;
    w.startdate = "10.01.25";
    w.starttime = "23.00.00";
    w.recording = "Startdate 10-JAN-2025 X X X";
    w.tals.push_back(tal(0, 7200, "Sleep stage 2"));
    ImportOptions named, fixed;
    importers::set_time_zone(named, "Europe/Berlin");
    importers::set_time_zone(fixed, "+01:00");
    const ImportBatch a = import_buffer(w.build(), "w.edf", named), f = import_buffer(w.build(), "w.edf", fixed);
    ASSERT_EQ(a.records.size(), 1u);
    ASSERT_EQ(f.records.size(), 1u);
    EXPECT_EQ(a.records[0].start, utc("2025-01-10T22:00:00Z"));
    EXPECT_EQ(a.records[0].start, f.records[0].start);
    EXPECT_EQ(a.records[0].utc_offset_min, f.records[0].utc_offset_min);
}

TEST(Edf, Stages3And4AreDeepAndLabelsMapExplicitly) {
    EdfBuilder e;
    e.tals.push_back(tal(0, 60, "Sleep stage W"));
    e.tals.push_back(tal(60, 30, "Sleep stage 1"));
    e.tals.push_back(tal(90, 60, "Sleep stage 2"));
    e.tals.push_back(tal(150, 30, "Sleep stage 3"));
    e.tals.push_back(tal(180, 60, "Sleep stage 4"));
    e.tals.push_back(tal(240, 30, "Movement time"));
    e.tals.push_back(tal(270, 90, "Sleep stage R"));
    e.tals.push_back(tal(360, 30, "Sleep stage ?"));
    e.tals.push_back(tal(390, 30, "Lights on"));
    ImportBatch b = import_buffer(e.build(), "n.edf", ImportOptions{});
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Wake), 1);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::N1), 0.5);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::N2), 1);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Deep), 1.5);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::REM), 1.5);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Unscored), 1);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Light), 0);
    EXPECT_EQ(b.records.front().start, utc("1989-04-24T22:00:00Z"));
    EXPECT_EQ(b.records.front().epoch_s, 30);
}

TEST(Edf, MissingDurationsRunToTheNextStageAndSeveralTextsPerTal) {
    EdfBuilder e;
    e.tals.push_back("+0\x14Sleep stage W\x14");
    e.tals.push_back("+120\x14Sleep stage 2\x14Lights off\x14");
    e.tals.push_back("+300\x14Sleep stage R\x14");
    ImportBatch b = import_buffer(e.build(), "n.edf", ImportOptions{});
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Wake), 2);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::N2), 3);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::REM), 0.5);
}

TEST(Edf, CropKeepsTheSleepPeriodPlusWake) {
    EdfBuilder e;
    e.tals.push_back(tal(0, 3600, "Sleep stage W"));
    e.tals.push_back(tal(3600, 600, "Sleep stage 2"));
    e.tals.push_back(tal(4200, 7200, "Sleep stage W"));
    e.tals.push_back(tal(11400, 600, "Sleep stage ?"));
    ImportBatch b = import_buffer(e.build(), "n.edf", with_keep(10));
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Wake), 20);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::N2), 10);
    EXPECT_DOUBLE_EQ(minutes_of(b, Stage::Unscored), 0);
    EXPECT_EQ(b.records.front().start, utc("1989-04-24T22:50:00Z"));
    EXPECT_EQ(b.records.back().end, utc("1989-04-24T23:20:00Z"));
}

TEST(Edf, NoSleepGivesAWarningAndNoRecords) {
    EdfBuilder e;
    e.tals.push_back(tal(0, 600, "Sleep stage W"));
    ImportBatch b = import_buffer(e.build(), "n.edf", ImportOptions{});
    EXPECT_TRUE(b.records.empty());
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].message,
              "no sleep epoch in the recording (only Wake, ? and movement): nothing imported");
}

TEST(Edf, YearFromRecordingFieldOrClippingRule) {
    EdfBuilder e;
    e.tals.push_back(tal(0, 30, "Sleep stage 2"));
    e.startdate = "02.03.21";
    e.recording = "Startdate X X X X";
    ImportBatch b = import_buffer(e.build(), "n.edf", ImportOptions{});
    EXPECT_EQ(b.records.front().start, utc("2021-03-02T22:00:00Z"));
    e.startdate = "02.03.85";
    b = import_buffer(e.build(), "n.edf", ImportOptions{});
    EXPECT_EQ(b.records.front().start, utc("1985-03-02T22:00:00Z"));
    // A recording-field year outside 1985-2200 is not believed (fuzzing found
    // "0085" reaching the calendar code).
    e.recording = "Startdate 02-FEB-0085 X X X";
    e.startdate = "02.02.85";
    b = import_buffer(e.build(), "n.edf", ImportOptions{});
    EXPECT_EQ(b.records.front().start, utc("1985-02-02T22:00:00Z"));
    e.startdate = "02.03.85";
    e.recording = "Startdate 02-MAR-2085 X X PSG-9";
    b = import_buffer(e.build(), "n.edf", ImportOptions{});
    EXPECT_EQ(b.records.front().start, utc("2085-03-02T22:00:00Z"));
    EXPECT_EQ(b.sources[0].device, "PSG-9");
    EXPECT_EQ(b.sources[0].name, "PSG-9");
}

TEST(Edf, Recognition) {
    const auto* imp = importers::find_importer("edf_hypnogram");
    ASSERT_NE(imp, nullptr);
    EdfBuilder e;
    EXPECT_TRUE(imp->recognises("a.edf", e.build()));
    e.reserved = "";
    EXPECT_FALSE(imp->recognises("a.edf", e.build()));
    e.reserved = "EDF+C";
    e.label = "EEG Fpz-Cz";
    EXPECT_FALSE(imp->recognises("a.edf", e.build()));
    EXPECT_FALSE(imp->recognises("a.edf", "0       short"));
}

TEST(Edf, TruncatedAndHostileHeaders) {
    EdfBuilder good;
    good.tals.push_back(tal(0, 30, "Sleep stage 2"));
    const std::string file = good.build();
    EXPECT_EQ(error_of(file.substr(0, 100)),
              "x.edf:header: EDF header: truncated: 100 bytes, the fixed header alone has 256");
    EXPECT_EQ(error_of(file.substr(0, 300)),
              "x.edf:header: EDF header: truncated: 300 bytes, the header of 1 signals has 512");

    EdfBuilder e = good;
    e.signals = "9999";
    EXPECT_EQ(error_of(e.build()), "x.edf:header: number of signals \"9999\": out of range (1 to 4096)");
    e = good;
    e.signals = "-1";
    EXPECT_EQ(error_of(e.build()), "x.edf:header: number of signals \"-1\": out of range (1 to 4096)");
    e = good;
    e.header_bytes = "768";
    EXPECT_EQ(error_of(e.build()), "x.edf:header: header bytes \"768\": expected 512 for 1 signals");
    e = good;
    e.samples = "99999999";
    EXPECT_EQ(error_of(e.build()),
              "x.edf:header: signal 1 samples per record \"99999999\": out of range (0 to 16777216)");
    e = good;
    e.records = "5";
    EXPECT_EQ(error_of(e.build()),
              "x.edf:header: number of data records \"5\": the file is truncated: it holds 26 bytes of "
              "data records, 5 records need 130");
    e = good;
    e.records = "x";
    EXPECT_EQ(error_of(e.build()), "x.edf:header: number of data records \"x\": not an integer");
    e = good;
    e.startdate = "24.13.89";
    EXPECT_EQ(error_of(e.build()), "x.edf:header: startdate \"24.13.89\": month 13 out of range");
    e = good;
    e.starttime = "25.00.00";
    EXPECT_EQ(error_of(e.build()), "x.edf:header: starttime \"25.00.00\": expected hh.mm.ss");
    e = good;
    e.label = "EEG Fpz-Cz";
    EXPECT_EQ(error_of(e.build()),
              "x.edf:header: signal labels: no \"EDF Annotations\" signal: this EDF file holds signals, "
              "not a hypnogram (Sleep-EDF keeps the stages in the matching *-Hypnogram.edf)");
    std::string binary = file;
    binary[10] = '\x01';
    EXPECT_EQ(error_of(binary), "x.edf:header: EDF header: byte 10 is not printable ASCII");
}

TEST(Edf, MalformedAnnotations) {
    EdfBuilder e;
    e.tals.push_back("+abc\x14Sleep stage W\x14");
    EXPECT_EQ(error_of(e.build()),
              "x.edf:data record 1: annotation \"+abc\\x14Sleep stage W\\x14\": onset is not a signed "
              "number of seconds");
    e.tals = {"+0\x14\x14", "+30\x15-5\x14Sleep stage W\x14"};
    EXPECT_EQ(error_of(e.build()),
              "x.edf:data record 1: annotation \"+30\\x15-5\\x14Sleep stage W\\x14\": duration is not a "
              "number of seconds");
    e.tals = {"+0\x14\x14", "+30\x15\x33\x30Sleep stage W"};
    EXPECT_EQ(error_of(e.build()),
              "x.edf:data record 1: annotation \"+30\\x1530Sleep stage W\": TAL without the closing \\x14");
}


// Each file of the other formats' samples is left to its own importer.
TEST(Edf, DoesNotClaimOtherFormatsSamples) {
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) {
        GTEST_SKIP() << "../shared/samples absent";
    }
    const auto* imp = importers::find_importer("edf_hypnogram");
    ASSERT_NE(imp, nullptr);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        const std::string folder = entry.path().parent_path().filename().string();
        if (folder == "sleep_edf") continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

}  // namespace
}  // namespace sleeparch
