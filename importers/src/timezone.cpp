#include "timezone.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>
#include <utility>

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

ClockResolver::ClockResolver(const ImportOptions& options, std::string file, std::vector<Warning>& warnings)
    : file_(std::move(file)), warnings_(warnings), user_(TimeZone::from_options(options)) {}

const TimeZone* ClockResolver::named_zone(const std::string& name) {
    if (name.empty()) return nullptr;
    auto it = named_.find(name);
    if (it == named_.end()) {
        std::optional<TimeZone> zone;
        try {
            zone = TimeZone::named(name);
        } catch (const UsageError&) {
            // A zone the file names but this tz database lacks is no reason to
            // stop: the rule goes on to --tz.
        }
        it = named_.emplace(name, zone).first;
    }
    return it->second ? &*it->second : nullptr;
}

std::int32_t ClockResolver::as_utc(std::uint32_t line) {
    if (!warned_) {
        warned_ = true;
        warnings_.push_back(Warning{file_, line, std::string(kNoOffsetWarning)});
    }
    return 0;
}

std::optional<std::int32_t> ClockResolver::known_offset_at_local(UtcSeconds local, const TimeZone* stated) const {
    if (stated != nullptr) return stated->offset_at_local(local);
    if (user_) return user_->offset_at_local(local);
    return std::nullopt;
}

std::int32_t ClockResolver::offset_at_local(UtcSeconds local, const TimeZone* stated, std::uint32_t line) {
    if (auto known = known_offset_at_local(local, stated)) return *known;
    return as_utc(line);
}

std::int32_t ClockResolver::offset_at_utc(UtcSeconds utc, const TimeZone* stated, std::uint32_t line) {
    if (stated != nullptr) return stated->offset_at_utc(utc);
    if (user_) return user_->offset_at_utc(utc);
    return as_utc(line);
}

void set_time_zone(ImportOptions& options, std::string_view text) {
    // Parsed (and an IANA name looked up) here, so a bad --tz fails before
    // any file is read.
    const TimeZone zone = TimeZone::parse(text);
    options.tz_offset_min.reset();
    options.tz_name.clear();
    if (zone.is_fixed()) options.tz_offset_min = zone.offset_at_utc(0);
    else options.tz_name = zone.name();
}

}  // namespace sleeparch::importers
