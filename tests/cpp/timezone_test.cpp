// TimeZone (importers' internal --tz resolution): fixed offsets, IANA zones
// from the system tz database, DST gaps and repeats, bad names.
#include <gtest/gtest.h>

#include "../../importers/src/timezone.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/time.hpp"

namespace {

using sleeparch::importers::ImportOptions;
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

}  // namespace
