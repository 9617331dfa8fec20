#include "sleeparch/time.hpp"

#include <gtest/gtest.h>

using namespace sleeparch;

TEST(Time, ParsesIsoVariants) {
    ParsedTime t = parse_iso_datetime("2025-01-18 08:03:53 +0900");
    ASSERT_TRUE(t.ok) << t.error;
    EXPECT_TRUE(t.has_offset);
    EXPECT_EQ(t.offset_min, 540);
    EXPECT_EQ(t.utc(), seconds_from_civil(2025, 1, 17, 23, 3, 53));
    t = parse_iso_datetime("2023-05-13T00:40:00.000");
    ASSERT_TRUE(t.ok);
    EXPECT_FALSE(t.has_offset);
    EXPECT_EQ(t.local, seconds_from_civil(2023, 5, 13, 0, 40, 0));
    t = parse_iso_datetime("2024-05-01T22:31:00.5Z");
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.millis, 500);
    t = parse_iso_datetime("2024-03-31T03:00:00-05:30");
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.offset_min, -330);
    EXPECT_TRUE(parse_iso_datetime("2024-02-29").ok);
}

TEST(Time, RejectsWithReasons) {
    EXPECT_EQ(parse_iso_datetime("2023-13-05 23:14:00 -0800").error, "month 13 out of range");
    EXPECT_EQ(parse_iso_datetime("2023-02-29").error, "day 29 out of range for month 2");
    EXPECT_EQ(parse_iso_datetime("2023-02-01T25:00").error, "hour 25 out of range");
    EXPECT_EQ(parse_iso_datetime("2023-02-01T10:61").error, "minute 61 out of range");
    EXPECT_EQ(parse_iso_datetime("yesterday").error, "expected YYYY-MM-DD");
    EXPECT_EQ(parse_iso_datetime("2023-02-01T10:00:00+25:00").error, "UTC offset out of range");
    EXPECT_EQ(parse_iso_datetime("2023-02-01T10:00:00 xyz").error, "expected a UTC offset (+HH:MM)");
    EXPECT_EQ(parse_iso_datetime("").error, "empty time");
    EXPECT_EQ(parse_iso_datetime("0100-02-01").error, "year 100 out of range");  // never a Boost exception
}

TEST(Time, OffsetsAndFormatting) {
    EXPECT_EQ(parse_utc_offset("UTC+0200"), 120);
    EXPECT_EQ(parse_utc_offset("-03:30"), -210);
    EXPECT_EQ(parse_utc_offset("Z"), 0);
    EXPECT_FALSE(parse_utc_offset("Europe/Berlin").has_value());
    const UtcSeconds t = seconds_from_civil(2024, 3, 1, 23, 30, 0);
    EXPECT_EQ(format_local_iso(t, 60), "2024-03-02T00:30:00+01:00");
    EXPECT_EQ(format_date(local_date(t, 60)), "2024-03-02");
    EXPECT_EQ(format_date(local_date(t, -600)), "2024-03-01");
    EXPECT_DOUBLE_EQ(local_clock_minutes(t, 60), 30);
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
    EXPECT_EQ(format_date(local_date(-1, 0)), "1969-12-31");
}
