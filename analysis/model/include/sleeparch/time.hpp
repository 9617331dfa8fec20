// Time helpers shared by importers and analysis: civil <-> UTC seconds,
// ISO 8601 parsing with explicit errors, local dates and formatting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include "sleeparch/model.hpp"

namespace sleeparch {

// Days since 1970-01-01 of a proleptic Gregorian date (no validation).
std::int64_t days_from_civil(int y, unsigned m, unsigned d);

// Seconds since the epoch of a civil date-time read as UTC (no validation).
UtcSeconds seconds_from_civil(int y, unsigned m, unsigned d, int hh, int mm, int ss);

// A parsed time stamp: `local` is the wall clock read as if it were UTC;
// `utc = local - offset` when `has_offset`.
struct ParsedTime {
    bool ok = false;
    std::string error;  // set when !ok: "month 13 out of range", ...
    UtcSeconds local = 0;
    bool has_offset = false;
    std::int32_t offset_min = 0;
    int millis = 0;
    UtcSeconds utc() const { return local - static_cast<UtcSeconds>(offset_min) * 60; }
};

// Parses "YYYY-MM-DD[T| ]HH:MM[:SS[.fff...]][ ][Z|+HH:MM|+HHMM|+HH]" and a
// bare "YYYY-MM-DD" (midnight). Fields are range-checked (month 1-12, day
// valid for the month, hour 0-23 (24:00:00 accepted), minute/second 0-59).
ParsedTime parse_iso_datetime(std::string_view text);

// Parses "+HH:MM", "-HHMM", "+HH", "UTC+0200", "Z". nullopt when malformed.
std::optional<std::int32_t> parse_utc_offset(std::string_view text);

// Local calendar date of a UTC instant at an offset.
boost::gregorian::date local_date(UtcSeconds utc, std::int32_t offset_min);

// Minutes after local midnight (0..1439.99) of a UTC instant at an offset.
double local_clock_minutes(UtcSeconds utc, std::int32_t offset_min);

// "2024-03-02T07:14:00+01:00".
std::string format_local_iso(UtcSeconds utc, std::int32_t offset_min);

// "2024-03-02".
std::string format_date(const boost::gregorian::date& d);

// "+01:00".
std::string format_offset(std::int32_t offset_min);

}  // namespace sleeparch
