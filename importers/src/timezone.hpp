// UTC offsets for formats whose times carry none (Fitbit, and Garmin or
// Oura documents missing an offset): a fixed offset or an IANA zone read
// from the system's tz database (/usr/share/zoneinfo, via Howard Hinnant's
// date library). Internal to the importers.
//
//   TimeZone tz = TimeZone::parse("Europe/Berlin");
//   std::int32_t offset = tz.offset_at_local(local_wall_clock_seconds);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sleeparch/importers/import.hpp"
#include "sleeparch/model.hpp"

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

}  // namespace sleeparch::importers
