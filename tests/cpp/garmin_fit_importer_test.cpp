// Garmin FIT sleep importer and the FIT decoder, on files written byte by
// byte by data/writers/garmin_fit.py (tests/fixtures/garmin_fit/): the
// hypnogram within the event-74 window with hand-worked minutes, compressed
// time stamps giving the same night as full ones, a big-endian definition,
// a skipped developer field, the sleep_assessment scores, and truncated or
// damaged files named by offset. The CRC here is a bitwise CRC-16/ARC,
// independent of the decoder's table-driven one. tests/python/
// test_garmin_fit.py checks the same files against Garmin's own decoder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/fit.hpp"
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
    return testing::read_file(testing::source_dir() / "tests" / "fixtures" / "garmin_fit" / name);
}

UtcSeconds utc(const std::string& iso) {
    ParsedTime t = parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

// CRC-16/ARC bit by bit (the FIT CRC).
std::uint16_t crc_arc(const std::string& data, std::size_t n) {
    std::uint16_t crc = 0;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= static_cast<unsigned char>(data[i]);
        for (int k = 0; k < 8; ++k) crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
    }
    return crc;
}

// Rewrites the file CRC after an edit.
std::string with_crc(std::string file) {
    const std::uint16_t crc = crc_arc(file, file.size() - 2);
    file[file.size() - 2] = static_cast<char>(crc & 0xFF);
    file[file.size() - 1] = static_cast<char>(crc >> 8);
    return file;
}

std::string error_of(const std::string& bytes, const std::string& format = "garmin_fit") {
    try {
        import_buffer(bytes, "sleep.fit", kOptions, format);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

TEST(Fit, CrcAgreesWithAnIndependentImplementation) {
    const std::string f = fixture("sleep.fit");
    const auto stated = static_cast<std::uint16_t>(static_cast<unsigned char>(f[f.size() - 2]) |
                                                   (static_cast<unsigned char>(f[f.size() - 1]) << 8));
    EXPECT_EQ(crc_arc(f, f.size() - 2), stated);
    EXPECT_EQ(crc_arc(f, f.size()), 0);  // a CRC over data plus its own CRC is 0
    EXPECT_NO_THROW(importers::decode_fit(f, "sleep.fit"));
}

TEST(Fit, DecodesMessagesDeveloperFieldsAndBothByteOrders) {
    const importers::FitFile f = importers::decode_fit(fixture("sleep_full_timestamps.fit"), "sleep.fit");
    EXPECT_EQ(f.chained_files, 1);
    EXPECT_EQ(f.profile_version, 2132);
    std::vector<int> globals;
    for (const auto& m : f.messages) globals.push_back(m.global);
    // file_id, developer_data_id, field_description, event, sleep_data_info,
    // 16 sleep_level, event, sleep_assessment.
    ASSERT_EQ(globals.size(), 23u);
    EXPECT_EQ(globals[0], 0);
    EXPECT_EQ(globals[3], 21);
    EXPECT_EQ(globals[4], 273);
    EXPECT_EQ(globals[5], 275);
    EXPECT_EQ(globals[22], 346);
    const auto& start = f.messages[3];  // big-endian, with a developer field
    EXPECT_EQ(start.unsigned_value(0), 74u);
    EXPECT_EQ(start.unsigned_value(1), 0u);
    EXPECT_EQ(*start.timestamp + importers::kFitEpochOffset, utc("2024-01-14T22:10:00Z"));
    EXPECT_EQ(f.messages[0].unsigned_value(3), 3456789012u);  // uint32z serial
    EXPECT_EQ(f.messages[22].unsigned_value(15), 1750u);
}

TEST(Fit, CompressedTimestampsGiveTheSameMessages) {
    const auto a = importers::decode_fit(fixture("sleep.fit"), "a.fit");
    const auto b = importers::decode_fit(fixture("sleep_full_timestamps.fit"), "b.fit");
    ASSERT_EQ(a.messages.size(), b.messages.size());
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
        EXPECT_EQ(a.messages[i].global, b.messages[i].global) << i;
        EXPECT_EQ(a.messages[i].timestamp, b.messages[i].timestamp) << i;
    }
}

void expect_sample_night(const ImportBatch& b) {
    ASSERT_EQ(b.sources.size(), 1u);
    EXPECT_EQ(b.sources[0].format, "garmin_fit");
    EXPECT_EQ(b.sources[0].device, "product 3291");
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.window_start, utc("2024-01-14T22:10:00Z"));
    EXPECT_EQ(n.window_end, utc("2024-01-15T05:58:00Z"));
    EXPECT_EQ(n.utc_offset_min, 60);
    EXPECT_EQ(format_date(n.label_date), "2024-01-15");
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.tib_min, 468);
    EXPECT_DOUBLE_EQ(m.wake_min, 23.5);
    EXPECT_DOUBLE_EQ(m.light_min, 269.5);
    EXPECT_DOUBLE_EQ(m.deep_min, 70);
    EXPECT_DOUBLE_EQ(m.rem_min, 100);
    EXPECT_DOUBLE_EQ(m.unscored_min, 5);
    EXPECT_DOUBLE_EQ(m.tst_min, 439.5);
    EXPECT_DOUBLE_EQ(m.sol_min, 10);
    ASSERT_EQ(n.provenance.record_ids.size(), 1u);
    EXPECT_EQ(n.provenance.record_ids[0], "fit:" + std::to_string(utc("2024-01-14T22:10:00Z")));
    // sleep_assessment's overall_sleep_score is the night's vendor score;
    // a FIT sleep file states no totals.
    EXPECT_DOUBLE_EQ(n.vendor.score, 82);
    EXPECT_TRUE(std::isnan(n.vendor.tst_min));
    EXPECT_TRUE(std::isnan(n.vendor.deep_min));
}

TEST(GarminFit, SampleNight) {
    expect_sample_night(import_buffer(fixture("sleep.fit"), "any.bin", kOptions));  // recognised by content
    expect_sample_night(import_buffer(fixture("sleep_full_timestamps.fit"), "sleep.fit", kOptions));
}

TEST(GarminFit, TruncatedOrDamagedFilesNameTheOffset) {
    const std::string f = fixture("sleep.fit");
    EXPECT_EQ(error_of(f.substr(0, f.size() - 10)),
              "sleep.fit:offset 313: data: truncated: the header at offset 0 states 307 data bytes and a 2-byte "
              "CRC, 299 bytes follow it");
    std::string damaged = f;
    damaged[100] = static_cast<char>(damaged[100] ^ 0x01);
    const std::string message = error_of(damaged);
    EXPECT_EQ(message.rfind("sleep.fit:offset 321: file CRC: 0x", 0), 0u) << message;
    EXPECT_NE(message.find("(damaged file)"), std::string::npos);
    std::string header = f;
    header[2] = 0x55;  // profile version: the header CRC no longer matches
    EXPECT_EQ(error_of(header).rfind("sleep.fit:offset 12: header CRC: 0x", 0), 0u) << error_of(header);
    EXPECT_EQ(error_of(f.substr(0, 5)), "sleep.fit:offset 0: header: truncated: 5 bytes, the header has 14");
    EXPECT_EQ(error_of(""), "sleep.fit: file is empty");
    EXPECT_THROW(importers::decode_fit("", "x.fit"), ParseError);
    EXPECT_EQ(error_of("\x0e" + f.substr(1, 7) + ".FXT" + f.substr(12)), "sleep.fit:offset 8: header: no \".FIT\" signature");
}

TEST(GarminFit, OtherFitFilesAndBadValues) {
    const std::string f = fixture("sleep_full_timestamps.fit");
    const auto* imp = importers::find_importer("garmin_fit");
    ASSERT_NE(imp, nullptr);
    EXPECT_TRUE(imp->recognises("x", f));
    // file_id.type at byte 36 (14-byte header, 21-byte definition, record
    // header): 4 is an activity file.
    std::string activity = f;
    activity[36] = 4;
    activity = with_crc(activity);
    EXPECT_FALSE(imp->recognises("x", activity));
    EXPECT_EQ(error_of(activity), "sleep.fit:offset 35: file_id type 4: not a sleep (49) or HRV (68) file");
    // The first sleep_level's level: the level byte of the message at the
    // offset the decoder reports.
    const auto decoded = importers::decode_fit(f, "x");
    const auto& level = decoded.messages[5];
    ASSERT_EQ(level.global, 275);
    std::string bad = f;
    bad[level.offset + 5] = 9;  // header byte, 4-byte timestamp, level
    bad = with_crc(bad);
    EXPECT_EQ(error_of(bad), "sleep.fit:offset " + std::to_string(level.offset) +
                                 ": sleep_level 9: unknown level (expected 0 unmeasurable, 1 awake, 2 light, 3 "
                                 "deep, 4 REM)");
    // A data message whose local type was never defined.
    std::string undefined = f;
    undefined[level.offset] = 0x0F;
    undefined = with_crc(undefined);
    EXPECT_EQ(error_of(undefined), "sleep.fit:offset " + std::to_string(level.offset) +
                                       ": record header: data message of local type 15 without a definition");
}

TEST(GarminFit, ChainedFilesAndNotClaimingOthers) {
    const std::string f = fixture("sleep_full_timestamps.fit");
    EXPECT_EQ(importers::decode_fit(f + f, "x").chained_files, 2);
    const auto* imp = importers::find_importer("garmin_fit");
    EXPECT_FALSE(imp->recognises("x.fit", "not fit"));
    if (testing::samples_dir().empty() || !std::filesystem::exists(testing::samples_dir())) return;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::samples_dir())) {
        if (!entry.is_regular_file()) continue;
        std::string head = testing::read_file(entry.path()).substr(0, 64 * 1024);
        EXPECT_FALSE(imp->recognises(entry.path().filename().string(), head)) << entry.path();
    }
}

}  // namespace
}  // namespace sleeparch
