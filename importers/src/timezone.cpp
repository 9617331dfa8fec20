#include "timezone.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>

#include <date/tz.h>

#include "sleeparch/error.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::int32_t kMaxOffsetMin = 18 * 60;

std::int32_t minutes_of(std::chrono::seconds offset) {
    return static_cast<std::int32_t>(offset.count() / 60);
}

// The date library's year is a short: keep instants from hostile input
// inside 1800..2200, where every zone's rules are settled anyway.
UtcSeconds clamp_instant(UtcSeconds t) {
    constexpr UtcSeconds kLow = -5'364'662'400;   // 1800-01-01
    constexpr UtcSeconds kHigh = 7'258'118'400;   // 2200-01-01
    return t < kLow ? kLow : (t > kHigh ? kHigh : t);
}

}  // namespace

TimeZone TimeZone::fixed(std::int32_t offset_min) {
    if (offset_min < -kMaxOffsetMin || offset_min > kMaxOffsetMin) {
        throw UsageError("time zone offset " + std::to_string(offset_min) +
                         " min is outside -18:00..+18:00");
    }
    TimeZone tz;
    tz.fixed_min_ = offset_min;
    return tz;
}

TimeZone TimeZone::named(std::string_view name) {
    TimeZone tz;
    try {
        tz.zone_ = date::locate_zone(name);
    } catch (const std::exception&) {
        // The library says "<name> not found in timezone database"; a missing
        // database (no tzdata package) fails the same way.
        throw UsageError("unknown time zone \"" + std::string(name) +
                         "\": give an IANA name such as Europe/Berlin or an offset such as +01:00");
    }
    return tz;
}

TimeZone TimeZone::parse(std::string_view text) {
    if (text.empty()) {
        throw UsageError("empty time zone: give an IANA name such as Europe/Berlin or an offset such as +01:00");
    }
    char c = text.front();
    if (c == '+' || c == '-' || text == "Z" || text.starts_with("UTC+") || text.starts_with("UTC-")) {
        if (auto offset = parse_utc_offset(text)) return fixed(*offset);
        throw UsageError("malformed time zone offset \"" + std::string(text) +
                         "\": write it as +HH:MM or -HHMM");
    }
    return named(text);
}

std::optional<TimeZone> TimeZone::from_options(const ImportOptions& options) {
    if (options.tz_offset_min) return fixed(*options.tz_offset_min);
    if (!options.tz_name.empty()) return parse(options.tz_name);
    return std::nullopt;
}

std::int32_t TimeZone::offset_at_utc(UtcSeconds utc) const {
    if (zone_ == nullptr) return fixed_min_;
    date::sys_seconds t{std::chrono::seconds{clamp_instant(utc)}};
    return minutes_of(zone_->get_info(t).offset);
}

std::int32_t TimeZone::offset_at_local(UtcSeconds local) const {
    if (zone_ == nullptr) return fixed_min_;
    date::local_seconds t{std::chrono::seconds{clamp_instant(local)}};
    date::local_info info = zone_->get_info(t);
    // unique and ambiguous: `first` is the (earlier) reading; nonexistent:
    // `first` is the offset in force before the skipped hour.
    return minutes_of(info.first.offset);
}

std::string TimeZone::name() const {
    if (zone_ != nullptr) return std::string(zone_->name());
    return format_offset(fixed_min_);
}

void set_time_zone(ImportOptions& options, std::string_view text) {
    const TimeZone tz = TimeZone::parse(text);
    options.tz_offset_min.reset();
    options.tz_name.clear();
    if (tz.is_fixed()) options.tz_offset_min = tz.offset_at_utc(0);
    else options.tz_name = std::string(text);
}

}  // namespace sleeparch::importers
