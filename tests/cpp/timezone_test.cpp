// TimeZone (importers' internal --tz resolution): fixed offsets, IANA zones
// from the system tz database, DST gaps and repeats, bad names. ClockResolver
// (the one rule every importer uses) and, per importer that reads local
// times, --tz Europe/Berlin across the 2025 spring (30 March, 01:00 UTC) and
// autumn (26 October, 01:00 UTC) changes, Europe/Berlin against +01:00 on a
// winter night, and the no-offset-no-tz case (UTC, one warning per file).
// The expected instants are worked out by hand from the CET/CEST rules.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "../../importers/src/timezone.hpp"
#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/importers/intake_log.hpp"
#include "sleeparch/time.hpp"

namespace {

using sleeparch::ImportBatch;
using sleeparch::Record;
using sleeparch::UtcSeconds;
using sleeparch::importers::ClockResolver;
using sleeparch::importers::import_buffer;
using sleeparch::importers::ImportOptions;
using sleeparch::importers::kNoOffsetWarning;
using sleeparch::importers::set_time_zone;
using sleeparch::importers::TimeZone;

sleeparch::UtcSeconds at(const char* iso) {
    sleeparch::ParsedTime t = sleeparch::parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.has_offset ? t.utc() : t.local;
}

std::string usage_message(const std::string& text) {
    try {
        TimeZone::parse(text);
    } catch (const sleeparch::UsageError& e) {
        return e.what();
    }
    return "no error";
}

TEST(TimeZone, FixedOffsets) {
    TimeZone tz = TimeZone::parse("+05:30");
    EXPECT_TRUE(tz.is_fixed());
    EXPECT_EQ(tz.offset_at_utc(0), 330);
    EXPECT_EQ(tz.offset_at_local(at("2024-07-01T12:00:00")), 330);
    EXPECT_EQ(tz.name(), "+05:30");
    EXPECT_EQ(TimeZone::parse("-0800").offset_at_utc(0), -480);
    EXPECT_EQ(TimeZone::parse("UTC+0200").offset_at_utc(0), 120);
    EXPECT_EQ(TimeZone::parse("Z").offset_at_utc(0), 0);
    EXPECT_EQ(TimeZone::fixed(-90).to_utc(at("2024-01-01T00:00:00")), at("2024-01-01T01:30:00Z"));
}

TEST(TimeZone, IanaZoneAtUtcInstants) {
    TimeZone berlin = TimeZone::named("Europe/Berlin");
    EXPECT_FALSE(berlin.is_fixed());
    EXPECT_EQ(berlin.name(), "Europe/Berlin");
    EXPECT_EQ(berlin.offset_at_utc(at("2024-01-15T12:00:00Z")), 60);
    EXPECT_EQ(berlin.offset_at_utc(at("2024-07-15T12:00:00Z")), 120);
    // The change happens at 01:00 UTC on 2024-03-31.
    EXPECT_EQ(berlin.offset_at_utc(at("2024-03-31T00:59:59Z")), 60);
    EXPECT_EQ(berlin.offset_at_utc(at("2024-03-31T01:00:00Z")), 120);
    EXPECT_EQ(TimeZone::named("America/St_Johns").offset_at_utc(at("2024-01-15T12:00:00Z")), -210);
    EXPECT_EQ(TimeZone::named("UTC").offset_at_utc(at("2024-01-15T12:00:00Z")), 0);
}

TEST(TimeZone, LocalTimesAroundDstChanges) {
    TimeZone ny = TimeZone::named("America/New_York");
    EXPECT_EQ(ny.offset_at_local(at("2024-03-10T01:30:00")), -300);
    // 02:30 does not exist on 2024-03-10: the offset before the change.
    EXPECT_EQ(ny.offset_at_local(at("2024-03-10T02:30:00")), -300);
    EXPECT_EQ(ny.offset_at_local(at("2024-03-10T03:30:00")), -240);
    // 01:30 happens twice on 2024-11-03: the first (EDT) reading.
    EXPECT_EQ(ny.offset_at_local(at("2024-11-03T01:30:00")), -240);
    EXPECT_EQ(ny.offset_at_local(at("2024-11-03T02:30:00")), -300);
    EXPECT_EQ(ny.to_utc(at("2024-11-03T01:30:00")), at("2024-11-03T05:30:00Z"));
}

TEST(TimeZone, HostileInstantsStayInRange) {
    TimeZone berlin = TimeZone::named("Europe/Berlin");
    EXPECT_EQ(berlin.offset_at_utc(std::int64_t{1} << 53), 60);
    EXPECT_EQ(berlin.offset_at_local(-(std::int64_t{1} << 53)), 53);  // local mean time before 1893
}

TEST(TimeZone, FromOptions) {
    ImportOptions none;
    EXPECT_FALSE(TimeZone::from_options(none).has_value());
    ImportOptions both;
    both.tz_offset_min = 120;
    both.tz_name = "America/New_York";
    EXPECT_EQ(TimeZone::from_options(both)->offset_at_utc(0), 120);
    ImportOptions named;
    named.tz_name = "Asia/Tokyo";
    EXPECT_EQ(TimeZone::from_options(named)->offset_at_utc(0), 540);
}

TEST(TimeZone, BadNamesAndOffsets) {
    EXPECT_EQ(usage_message("Mars/Olympus"),
              "unknown time zone \"Mars/Olympus\": give an IANA name such as Europe/Berlin or an offset such as "
              "+01:00");
    EXPECT_EQ(usage_message("../../etc/passwd"),
              "unknown time zone \"../../etc/passwd\": give an IANA name such as Europe/Berlin or an offset such "
              "as +01:00");
    EXPECT_EQ(usage_message("+25:00"), "malformed time zone offset \"+25:00\": write it as +HH:MM or -HHMM");
    EXPECT_EQ(usage_message("+1:0x"), "malformed time zone offset \"+1:0x\": write it as +HH:MM or -HHMM");
    EXPECT_EQ(usage_message(""),
              "empty time zone: give an IANA name such as Europe/Berlin or an offset such as +01:00");
    try {
        TimeZone::fixed(20 * 60);
        FAIL() << "no error";
    } catch (const sleeparch::UsageError& e) {
        EXPECT_STREQ(e.what(), "time zone offset 1200 min is outside -18:00..+18:00");
    }
}

ImportOptions tz(const char* text) {
    ImportOptions o;
    set_time_zone(o, text);
    return o;
}

std::size_t utc_warnings(const std::vector<sleeparch::Warning>& warnings) {
    std::size_t n = 0;
    for (const auto& w : warnings) n += w.message == kNoOffsetWarning;
    return n;
}

TEST(SetTimeZone, OffsetsAndNamesFillTheOptions) {
    ImportOptions o = tz("+01:00");
    EXPECT_EQ(o.tz_offset_min, 60);
    EXPECT_TRUE(o.tz_name.empty());
    o = tz("UTC-0330");
    EXPECT_EQ(o.tz_offset_min, -210);
    set_time_zone(o, "Europe/Berlin");  // replaces the earlier value
    EXPECT_FALSE(o.tz_offset_min.has_value());
    EXPECT_EQ(o.tz_name, "Europe/Berlin");
    try {
        set_time_zone(o, "Europe/Atlantis");
        FAIL() << "no error";
    } catch (const sleeparch::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("\"Europe/Atlantis\""), std::string::npos) << e.what();
    }
    EXPECT_THROW(set_time_zone(o, "+1:0x"), sleeparch::UsageError);
}

TEST(ClockResolver, OwnOffsetThenStatedZoneThenTzThenUtcOnce) {
    ImportBatch out;
    const TimeZone tokyo = TimeZone::named("Asia/Tokyo");
    ClockResolver berlin(tz("Europe/Berlin"), "f", out);
    const auto own = sleeparch::parse_iso_datetime("2025-03-29T23:00:00-05:00");
    const auto bare = sleeparch::parse_iso_datetime("2025-03-29T23:00:00");
    EXPECT_EQ(berlin.offset_of(own, &tokyo), -300);
    EXPECT_EQ(berlin.offset_of(bare, &tokyo), 540);
    EXPECT_EQ(berlin.offset_of(bare), 60);
    EXPECT_EQ(berlin.utc_of(bare), at("2025-03-29T22:00:00Z"));
    EXPECT_EQ(berlin.offset_at_utc(at("2025-03-30T01:00:00Z")), 120);
    EXPECT_TRUE(out.warnings.empty());

    ClockResolver none(ImportOptions{}, "g", out);
    EXPECT_EQ(none.offset_of(own), -300);
    EXPECT_FALSE(none.read_as_utc());
    EXPECT_EQ(none.offset_of(bare, nullptr, 7), 0);
    EXPECT_EQ(none.offset_at_utc(at("2025-03-30T01:00:00Z")), 0);
    EXPECT_EQ(none.known_offset_at_local(bare.local), std::nullopt);
    EXPECT_TRUE(none.read_as_utc());
    ASSERT_EQ(out.warnings.size(), 1u);
    EXPECT_EQ(out.warnings[0].file, "g");
    EXPECT_EQ(out.warnings[0].line, 7u);
    EXPECT_EQ(out.warnings[0].message, kNoOffsetWarning);

    // A zone the file names that the tz database lacks falls through to --tz.
    EXPECT_EQ(berlin.named_zone("Mars/Olympus"), nullptr);
    ASSERT_NE(berlin.named_zone("Asia/Tokyo"), nullptr);
    EXPECT_EQ(berlin.named_zone("Asia/Tokyo")->name(), "Asia/Tokyo");
}

// One night from 23:00 local on `d1` to 07:00 local on `d2`, per format,
// written without UTC offsets, as each format writes local times.
struct Night {
    std::string d1, d2;
};
const Night kSpring{"2025-03-29", "2025-03-30"};
const Night kAutumn{"2025-10-25", "2025-10-26"};
const Night kWinter{"2025-01-10", "2025-01-11"};

struct Case {
    const char* format;
    std::function<std::string(const Night&)> document;
};

std::string hypnogram(const Night& n) {
    std::string s = "# start: " + n.d1 + "T23:00:00\n# epoch: 3600\n";
    for (int i = 0; i < 4; ++i) s += "N2\nR\n";  // eight one-hour records
    return s;
}

std::string nsrr(const Night& n) {
    // Recording Start Time with a de-identified date; --start gives the real one.
    std::string s = "<PSGAnnotation><ScoredEvents>"
                    "<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>"
                    "<Duration>28800</Duration><ClockTime>00.00.00 23.00.00</ClockTime></ScoredEvent>";
    for (int i = 0; i < 8; ++i) {
        s += "<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>" +
             std::string(i % 2 ? "REM sleep|5" : "Stage 2 sleep|2") + "</EventConcept><Start>" +
             std::to_string(i * 3600) + "</Start><Duration>3600</Duration></ScoredEvent>";
    }
    (void)n;
    return s + "</ScoredEvents></PSGAnnotation>";
}

std::string fitbit(const Night& n) {
    return R"([{"logId": 1, "dateOfSleep": ")" + n.d2 + R"(", "startTime": ")" + n.d1 +
           R"(T23:00:00.000", "endTime": ")" + n.d2 +
           R"(T07:00:00.000", "type": "stages", "mainSleep": true, "levels": {"data": [
             {"dateTime": ")" + n.d1 + R"(T23:00:00.000", "level": "light", "seconds": 14400},
             {"dateTime": ")" + n.d2 + R"(T03:00:00.000", "level": "deep", "seconds": 14400}]}}])";
}

std::string oura(const Night& n) {
    return R"({"data": [{"id": "o1", "day": ")" + n.d2 + R"(", "type": "long_sleep", "bedtime_start": ")" + n.d1 +
           R"(T23:00:00", "bedtime_end": ")" + n.d2 + R"(T07:00:00", "sleep_phase_5_min": ")" +
           std::string(48, '2') + std::string(48, '3') + R"("}]})";
}

std::string withings(const Night& n) {
    // Two rows, each with its own start: before and after the change. The
    // first row's hourly epochs run up to the second row's start (04:00
    // local), which is 4, 6 or 5 hours of UTC time in spring, autumn, winter.
    const int hours = n.d1 == kSpring.d1 ? 4 : n.d1 == kAutumn.d1 ? 6 : 5;
    std::string durations, values;
    for (int i = 0; i < hours; ++i) {
        durations += (i ? ",3600" : "3600");
        values += (i ? (i % 2 ? ",2" : ",1") : "1");
    }
    return "start,duration,value\n" + n.d1 + "T23:00:00,\"[" + durations + "]\",\"[" + values + "]\"\n" + n.d2 +
           "T04:00:00,\"[3600,3600,3600]\",\"[3,1,0]\"\n";
}

std::string apple(const Night& n) {
    auto rec = [](const std::string& a, const std::string& b, const char* v) {
        return " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"Watch\" startDate=\"" + a +
               "\" endDate=\"" + b + "\" value=\"HKCategoryValueSleepAnalysis" + v + "\"/>\n";
    };
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<HealthData locale=\"en_US\">\n" +
           rec(n.d1 + " 23:00:00", n.d2 + " 03:00:00", "AsleepCore") +
           rec(n.d2 + " 04:00:00", n.d2 + " 07:00:00", "AsleepREM") + "</HealthData>\n";
}

const std::vector<Case>& local_time_cases() {
    static const std::vector<Case> cases = {
        {"hypnogram", hypnogram}, {"nsrr_xml", nsrr},      {"fitbit", fitbit},
        {"oura", oura},           {"withings", withings}, {"apple_health", apple},
    };
    return cases;
}

ImportBatch read(const Case& c, const Night& n, ImportOptions options) {
    if (std::string(c.format) == "nsrr_xml") options.start = n.d1 + "T23:00:00";
    return import_buffer(c.document(n), std::string("night.") + c.format, options, c.format);
}

// The UTC instant of local `clock` on `day` in Berlin, by hand: CET +01:00
// before 2025-03-30T01:00Z and from 2025-10-26T01:00Z, else CEST +02:00.
UtcSeconds berlin(const std::string& day, const std::string& clock, int offset_min) {
    return at((day + "T" + clock + ":00Z").c_str()) - offset_min * 60LL;
}

TEST(EveryImporter, BerlinAcrossTheSpringChange) {
    const Night& n = kSpring;
    for (const Case& c : local_time_cases()) {
        SCOPED_TRACE(c.format);
        ImportBatch b = read(c, n, tz("Europe/Berlin"));
        EXPECT_TRUE(b.warnings.empty()) << b.warnings.front().message;
        ASSERT_FALSE(b.records.empty());
        const std::string f = c.format;
        // 23:00 CET is 22:00 UTC for every format.
        EXPECT_EQ(b.records.front().start, berlin(n.d1, "23:00", 60));
        EXPECT_EQ(b.records.front().utc_offset_min, 60);
        const Record& last = b.records.back();
        if (f == "fitbit" || f == "oura") {
            // Fitbit (and Oura without offsets) keep the start's offset for the
            // whole session, as Fitbit writes its clock times.
            EXPECT_EQ(last.utc_offset_min, 60);
            EXPECT_EQ(last.end, berlin(n.d2, "07:00", 60));
        } else if (f == "withings" || f == "apple_health") {
            // Each stamp read at its own offset: 04:00 CEST is 02:00 UTC.
            EXPECT_EQ(last.utc_offset_min, 120);
            EXPECT_EQ(last.end, berlin(n.d2, "07:00", 120));
            bool found = false;
            for (const Record& r : b.records) found |= r.start == berlin(n.d2, "04:00", 120);
            EXPECT_TRUE(found);
        } else {
            // Start plus elapsed seconds; each record carries the offset in force.
            EXPECT_EQ(last.end, b.records.front().start + 8 * 3600);
            EXPECT_EQ(last.utc_offset_min, 120);
            for (const Record& r : b.records) {
                EXPECT_EQ(r.utc_offset_min, r.start < at("2025-03-30T01:00:00Z") ? 60 : 120);
            }
        }
        const auto nights = sleeparch::assemble_nights(b).nights;
        ASSERT_EQ(nights.size(), 1u);
        EXPECT_EQ(sleeparch::format_date(nights[0].label_date), n.d2);
        EXPECT_EQ(nights[0].utc_offset_min, 60);
    }
}

TEST(EveryImporter, BerlinAcrossTheAutumnChange) {
    const Night& n = kAutumn;
    for (const Case& c : local_time_cases()) {
        SCOPED_TRACE(c.format);
        ImportBatch b = read(c, n, tz("Europe/Berlin"));
        EXPECT_TRUE(b.warnings.empty());
        ASSERT_FALSE(b.records.empty());
        const std::string f = c.format;
        EXPECT_EQ(b.records.front().start, berlin(n.d1, "23:00", 120));  // 21:00 UTC
        EXPECT_EQ(b.records.front().utc_offset_min, 120);
        const Record& last = b.records.back();
        if (f == "fitbit" || f == "oura") {
            EXPECT_EQ(last.utc_offset_min, 120);
            EXPECT_EQ(last.end, berlin(n.d2, "07:00", 120));
        } else if (f == "withings" || f == "apple_health") {
            EXPECT_EQ(last.utc_offset_min, 60);
            EXPECT_EQ(last.end, berlin(n.d2, "07:00", 60));  // 06:00 UTC: nine hours in bed
        } else {
            EXPECT_EQ(last.end, b.records.front().start + 8 * 3600);
            for (const Record& r : b.records) {
                EXPECT_EQ(r.utc_offset_min, r.start < at("2025-10-26T01:00:00Z") ? 120 : 60);
            }
        }
        const auto nights = sleeparch::assemble_nights(b).nights;
        ASSERT_EQ(nights.size(), 1u);
        EXPECT_EQ(sleeparch::format_date(nights[0].label_date), n.d2);
    }
}

std::vector<std::tuple<UtcSeconds, UtcSeconds, std::int32_t>> instants(const ImportBatch& b) {
    std::vector<std::tuple<UtcSeconds, UtcSeconds, std::int32_t>> v;
    for (const Record& r : b.records) v.emplace_back(r.start, r.end, r.utc_offset_min);
    for (const auto& s : b.summaries) v.emplace_back(s.start, s.end, s.utc_offset_min);
    return v;
}

TEST(EveryImporter, BerlinEqualsPlusOneInWinter) {
    for (const Case& c : local_time_cases()) {
        SCOPED_TRACE(c.format);
        const ImportBatch named = read(c, kWinter, tz("Europe/Berlin"));
        const ImportBatch fixed = read(c, kWinter, tz("+01:00"));
        ASSERT_FALSE(named.records.empty());
        EXPECT_EQ(instants(named), instants(fixed));
        EXPECT_EQ(named.records.front().start, berlin(kWinter.d1, "23:00", 60));
        EXPECT_TRUE(named.warnings.empty());
        EXPECT_TRUE(fixed.warnings.empty());
    }
}

TEST(EveryImporter, NoOffsetNoTzIsUtcWithOneWarningPerFile) {
    for (const Case& c : local_time_cases()) {
        SCOPED_TRACE(c.format);
        ImportBatch b = read(c, kSpring, ImportOptions{});
        b.append(read(c, kAutumn, ImportOptions{}));  // same name, but each read is one file
        ASSERT_FALSE(b.records.empty());
        EXPECT_EQ(b.records.front().start, at("2025-03-29T23:00:00Z"));
        for (const Record& r : b.records) EXPECT_EQ(r.utc_offset_min, 0);
        EXPECT_EQ(utc_warnings(b.warnings), 2u);
        EXPECT_EQ(b.warnings.size(), 2u);
    }
}

TEST(Garmin, ExportWithoutLocalFieldsUsesTzAcrossTheChanges) {
    // The account export states GMT only; --tz gives the offset in force.
    const std::string doc = R"([
      {"calendarDate": "2025-03-30", "sleepStartTimestampGMT": "2025-03-29T22:00:00.0",
       "sleepEndTimestampGMT": "2025-03-30T05:00:00.0", "deepSleepSeconds": 3600, "lightSleepSeconds": 18000},
      {"calendarDate": "2025-10-26", "sleepStartTimestampGMT": "2025-10-25T21:00:00.0",
       "sleepEndTimestampGMT": "2025-10-26T06:00:00.0", "deepSleepSeconds": 3600, "lightSleepSeconds": 18000}])";
    ImportBatch b = import_buffer(doc, "x_sleepData.json", tz("Europe/Berlin"), "garmin");
    EXPECT_TRUE(b.warnings.empty());
    ASSERT_EQ(b.summaries.size(), 2u);
    EXPECT_EQ(b.summaries[0].utc_offset_min, 60);
    EXPECT_EQ(b.summaries[1].utc_offset_min, 120);
    const auto nights = sleeparch::assemble_nights(b).nights;
    ASSERT_EQ(nights.size(), 2u);
    EXPECT_EQ(sleeparch::format_date(nights[0].label_date), "2025-03-30");
    EXPECT_EQ(sleeparch::format_date(nights[1].label_date), "2025-10-26");
    ImportBatch plain = import_buffer(doc, "x_sleepData.json", ImportOptions{}, "garmin");
    EXPECT_EQ(plain.summaries[0].utc_offset_min, 0);
    ASSERT_EQ(plain.warnings.size(), 1u);
    EXPECT_EQ(plain.warnings[0].message, kNoOffsetWarning);
    const ImportBatch fixed = import_buffer(doc, "x_sleepData.json", tz("+01:00"), "garmin");
    EXPECT_EQ(fixed.summaries[0].utc_offset_min, b.summaries[0].utc_offset_min);  // winter time: they agree
}

TEST(Samsung, RowsWithoutTimeOffsetUseTzAtTheirUtcStart) {
    // Samsung's times are UTC; --tz only gives the offset in force.
    const std::string csv =
        "com.samsung.health.sleep_stage,6313002,1\n"
        "start_time,sleep_id,stage,end_time,\n"
        "2025-03-29 22:00:00.000,s1,40002,2025-03-30 01:00:00.000,\n"
        "2025-03-30 01:00:00.000,s1,40004,2025-03-30 05:00:00.000,\n"
        "2025-10-25 21:00:00.000,s2,40002,2025-10-26 01:00:00.000,\n"
        "2025-10-26 01:00:00.000,s2,40003,2025-10-26 06:00:00.000,\n";
    ImportBatch b = import_buffer(csv, "s.csv", tz("Europe/Berlin"), "samsung_health");
    ASSERT_EQ(b.records.size(), 4u);
    EXPECT_TRUE(b.warnings.empty());
    EXPECT_EQ(b.records[0].utc_offset_min, 60);
    EXPECT_EQ(b.records[1].utc_offset_min, 120);
    EXPECT_EQ(b.records[2].utc_offset_min, 120);
    EXPECT_EQ(b.records[3].utc_offset_min, 60);
    EXPECT_EQ(b.records[0].start, at("2025-03-29T22:00:00Z"));
    ImportBatch plain = import_buffer(csv, "s.csv", ImportOptions{}, "samsung_health");
    EXPECT_EQ(utc_warnings(plain.warnings), 1u);
    EXPECT_EQ(plain.records[0].start, at("2025-03-29T22:00:00Z"));
}

TEST(FitbitCsv, RowsWithoutOffsetColumnUseTz) {
    const std::string csv =
        "sleep_id,sleep_stage_type,sleep_stage_start,sleep_stage_end\n"
        "7,LIGHT,2025-03-29T22:00:00Z,2025-03-30T01:00:00Z\n"
        "7,DEEP,2025-03-30T01:00:00Z,2025-03-30T05:00:00Z\n";
    ImportBatch b = import_buffer(csv, "UserSleepStages_1.csv", tz("Europe/Berlin"), "fitbit_csv");
    ASSERT_EQ(b.records.size(), 2u);
    EXPECT_EQ(b.records[0].utc_offset_min, 60);
    EXPECT_EQ(b.records[1].utc_offset_min, 120);
    ImportBatch plain = import_buffer(csv, "UserSleepStages_1.csv", ImportOptions{}, "fitbit_csv");
    EXPECT_EQ(utc_warnings(plain.warnings), 1u);
}

TEST(Apple, RecordWithoutOffsetUsesHkTimeZoneBeforeTz) {
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<HealthData locale=\"en_US\">\n"
        " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"Watch\" startDate=\"2025-03-29 "
        "23:00:00\" endDate=\"2025-03-30 06:00:00\" value=\"HKCategoryValueSleepAnalysisAsleepCore\">\n"
        "  <MetadataEntry key=\"HKTimeZone\" value=\"Asia/Tokyo\"/>\n </Record>\n</HealthData>\n";
    ImportBatch b = import_buffer(xml, "export.xml", tz("Europe/Berlin"), "apple_health");
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_EQ(b.records[0].utc_offset_min, 540);
    EXPECT_EQ(b.records[0].start, at("2025-03-29T14:00:00Z"));
    EXPECT_TRUE(b.warnings.empty());
    // Stated zone, no --tz: still placed, no warning.
    ImportBatch stated = import_buffer(xml, "export.xml", ImportOptions{}, "apple_health");
    EXPECT_EQ(stated.records[0].start, at("2025-03-29T14:00:00Z"));
    EXPECT_TRUE(stated.warnings.empty());
}

TEST(Oura, V1TimezoneFieldBeatsTz) {
    const std::string doc = R"({"sleep": [{"summary_date": "2025-01-10", "period_id": 0, "timezone": 120,
        "bedtime_start": "2025-01-10T23:00:00", "bedtime_end": "2025-01-11T00:00:00",
        "hypnogram_5min": "222222222222"}]})";
    ImportBatch b = import_buffer(doc, "oura.json", tz("Europe/Berlin"), "oura");
    ASSERT_FALSE(b.records.empty());
    EXPECT_EQ(b.records[0].utc_offset_min, 120);
    EXPECT_EQ(b.records[0].start, at("2025-01-10T21:00:00Z"));
}

TEST(WithingsSummary, FromAndToEachAtTheirOwnOffset) {
    const std::string csv = "from,to,\"light (s)\",\"deep (s)\",\"rem (s)\",\"awake (s)\"\n"
                            "2025-03-29T23:00:00,2025-03-30T07:00:00,14400,3600,3600,3600\n"
                            "2025-10-25T23:00:00,2025-10-26T07:00:00,14400,3600,3600,3600\n";
    ImportBatch b = import_buffer(csv, "sleep.csv", tz("Europe/Berlin"), "withings_summary");
    ASSERT_EQ(b.summaries.size(), 2u);
    EXPECT_TRUE(b.warnings.empty());
    EXPECT_EQ(b.summaries[0].start, at("2025-03-29T22:00:00Z"));
    EXPECT_EQ(b.summaries[0].end, at("2025-03-30T05:00:00Z"));  // 07:00 CEST
    EXPECT_EQ(b.summaries[0].utc_offset_min, 60);
    EXPECT_EQ(b.summaries[1].start, at("2025-10-25T21:00:00Z"));
    EXPECT_EQ(b.summaries[1].end, at("2025-10-26T06:00:00Z"));  // 07:00 CET
    EXPECT_EQ(b.summaries[1].utc_offset_min, 120);
    ImportBatch plain = import_buffer(csv, "sleep.csv", ImportOptions{}, "withings_summary");
    EXPECT_EQ(utc_warnings(plain.warnings), 1u);
    EXPECT_EQ(plain.summaries[0].end, at("2025-03-30T07:00:00Z"));
}

TEST(IntakeLog, ClockTimesUseTzAcrossTheSpringChange) {
    const std::string text = "date,time,mg_elemental\n2025-03-29,23:00,200\n2025-03-30,04:00,100\n";
    const auto log = sleeparch::importers::read_intake_log_text(text, "log.csv", tz("Europe/Berlin"));
    ASSERT_EQ(log.doses.size(), 2u);
    EXPECT_EQ(log.doses[0].utc_offset_min, 60);
    EXPECT_EQ(log.doses[0].time, at("2025-03-29T22:00:00Z"));
    EXPECT_EQ(log.doses[1].utc_offset_min, 120);
    EXPECT_EQ(log.doses[1].time, at("2025-03-30T02:00:00Z"));
    EXPECT_TRUE(log.local_time_doses.empty());
    const auto fixed = sleeparch::importers::read_intake_log_text(text, "log.csv", tz("+01:00"));
    EXPECT_EQ(fixed.doses[0].time, log.doses[0].time);
}

}  // namespace
