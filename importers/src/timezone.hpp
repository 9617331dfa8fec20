// UTC offsets for formats whose times carry none (Fitbit, EDF+, plain
// hypnograms, and Garmin or Oura documents missing an offset): a fixed
// offset or an IANA zone read from the system's tz database
// (/usr/share/zoneinfo, via Howard Hinnant's date library), and the one rule
// every importer resolves offsets by (ClockResolver). Internal to the
// importers.
//
//   TimeZone tz = TimeZone::parse("Europe/Berlin");
//   std::int32_t offset = tz.offset_at_local(local_wall_clock_seconds);
//
//   ClockResolver clock(options, display_name, out);   // once per file
//   UtcSeconds utc = clock.utc_of(parsed_time, stated_zone, line);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sleeparch/importers/import.hpp"
#include "sleeparch/model.hpp"
#include "sleeparch/time.hpp"

namespace date {
class time_zone;
}

namespace sleeparch::importers {

class TimeZone {
public:
    // A fixed offset in minutes east of UTC (-18:00 .. +18:00).
    static TimeZone fixed(std::int32_t offset_min);
    // An IANA zone ("Europe/Berlin", "UTC"). Throws UsageError naming the
    // zone when the tz database does not know it.
    static TimeZone named(std::string_view name);
    // A --tz value: an offset ("+01:00", "-0500", "UTC+0200", "Z") or an
    // IANA name. Throws UsageError.
    static TimeZone parse(std::string_view text);
    // The zone the options ask for (tz_offset_min wins over tz_name), or
    // nullopt when neither is set. Throws UsageError for an unknown name.
    static std::optional<TimeZone> from_options(const ImportOptions& options);

    // Offset in force at a UTC instant.
    std::int32_t offset_at_utc(UtcSeconds utc) const;
    // Offset for a local wall-clock time (read as if it were UTC). In the
    // hour a DST change repeats, the first (earlier) reading is taken; in
    // the hour it skips, the offset before the change, as a clock that was
    // not yet moved forward would read.
    std::int32_t offset_at_local(UtcSeconds local) const;
    // UTC instant of a local wall-clock time (same rules).
    UtcSeconds to_utc(UtcSeconds local) const {
        return local - static_cast<UtcSeconds>(offset_at_local(local)) * 60;
    }

    // "Europe/Berlin" or "+01:00".
    std::string name() const;
    bool is_fixed() const { return zone_ == nullptr; }

private:
    TimeZone() = default;
    const date::time_zone* zone_ = nullptr;  // owned by the tz database (process lifetime)
    std::int32_t fixed_min_ = 0;
};

// The warning for a file whose times were read as UTC: one text for every
// importer, given at most once per file.
inline constexpr std::string_view kNoOffsetWarning =
    "times have no UTC offset and no --tz was given: read as UTC, so nights from other devices will not "
    "line up with these (pass --tz, an IANA name such as Europe/Berlin or an offset such as +01:00)";

// The offset of a time stamp, by one rule for every importer:
//   1. the time stamp's own offset ("2025-03-01T23:00:00+01:00");
//   2. else the zone the format states (Apple HKTimeZone metadata, Oura v1
//      `timezone`, Garmin's Local/GMT pair, Withings and Samsung offset
//      columns), passed as `stated`;
//   3. else --tz (an IANA name or a fixed offset: the same result where they
//      agree);
//   4. else UTC, with kNoOffsetWarning once per file.
// Made once per file, so the warning is counted per file.
class ClockResolver {
public:
    // Throws UsageError when --tz names an unknown zone. The warning goes to
    // `warnings` (out.warnings).
    ClockResolver(const ImportOptions& options, std::string file, std::vector<Warning>& warnings);
    ClockResolver(const ImportOptions& options, std::string file, ImportBatch& out)
        : ClockResolver(options, std::move(file), out.warnings) {}

    // The --tz zone, if one was given.
    const std::optional<TimeZone>& user_zone() const { return user_; }
    // A zone a file names (Apple HKTimeZone), looked up once per name;
    // nullptr when the tz database does not know it (the rule then goes on
    // to --tz).
    const TimeZone* named_zone(const std::string& name);

    // Offset for a local wall-clock time (read as if it were UTC) that
    // carries none: steps 2-4 above. `line` places the warning.
    std::int32_t offset_at_local(UtcSeconds local, const TimeZone* stated = nullptr, std::uint32_t line = 0);
    // Offset in force at a UTC instant whose zone the file does not give
    // (Garmin GMT stamps, Samsung UTC times): steps 2-4.
    std::int32_t offset_at_utc(UtcSeconds utc, const TimeZone* stated = nullptr, std::uint32_t line = 0);
    // Offset of a parsed time stamp: its own, else offset_at_local.
    std::int32_t offset_of(const ParsedTime& t, const TimeZone* stated = nullptr, std::uint32_t line = 0) {
        return t.has_offset ? t.offset_min : offset_at_local(t.local, stated, line);
    }
    // UTC instant of a parsed time stamp by the same rule.
    UtcSeconds utc_of(const ParsedTime& t, const TimeZone* stated = nullptr, std::uint32_t line = 0) {
        return t.local - static_cast<UtcSeconds>(offset_of(t, stated, line)) * 60;
    }
    // Steps 2-3 only, without the warning: nullopt when no zone is known
    // (a placeholder start the importer already warns about).
    std::optional<std::int32_t> known_offset_at_local(UtcSeconds local, const TimeZone* stated = nullptr) const;
    // Step 4 by itself: gives the warning (once per file) and returns 0, for
    // a reader that resolves with known_offset_at_local while it may still
    // give up, and commits its result later (Fitbit's fast path).
    std::int32_t as_utc(std::uint32_t line = 0);
    // Whether some time of this file was read as UTC (the warning was given).
    bool read_as_utc() const { return warned_; }

private:
    std::string file_;
    std::vector<Warning>& warnings_;
    std::optional<TimeZone> user_;
    std::map<std::string, std::optional<TimeZone>, std::less<>> named_;
    bool warned_ = false;
};

}  // namespace sleeparch::importers
