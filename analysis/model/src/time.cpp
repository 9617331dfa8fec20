#include "sleeparch/time.hpp"

#include <cmath>
#include <cstdio>

#include <boost/date_time/gregorian/gregorian.hpp>

namespace sleeparch {

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
    // Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

UtcSeconds seconds_from_civil(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

namespace {

struct Cursor {
    std::string_view s;
    std::size_t i = 0;
    bool done() const { return i >= s.size(); }
    char peek() const { return done() ? '\0' : s[i]; }
    // Reads exactly n digits.
    bool digits(int n, int& out) {
        if (i + static_cast<std::size_t>(n) > s.size()) return false;
        int v = 0;
        for (int k = 0; k < n; ++k) {
            char c = s[i + k];
            if (c < '0' || c > '9') return false;
            v = v * 10 + (c - '0');
        }
        i += n;
        out = v;
        return true;
    }
};

ParsedTime fail(std::string why) {
    ParsedTime p;
    p.error = std::move(why);
    return p;
}

int days_in_month(int y, int m) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && boost::gregorian::gregorian_calendar::is_leap_year(static_cast<unsigned short>(y)))
        return 29;
    return dim[m - 1];
}

bool parse_offset_at(Cursor& c, std::int32_t& out, std::string& why) {
    char sign = c.peek();
    if (sign == 'Z' || sign == 'z') {
        ++c.i;
        out = 0;
        return true;
    }
    if (sign != '+' && sign != '-') {
        why = "expected a UTC offset (+HH:MM)";
        return false;
    }
    ++c.i;
    int hh = 0, mm = 0;
    if (!c.digits(2, hh)) {
        why = "malformed UTC offset";
        return false;
    }
    if (c.peek() == ':') ++c.i;
    if (!c.done() && !c.digits(2, mm)) {
        why = "malformed UTC offset";
        return false;
    }
    if (hh > 18 || mm > 59) {
        why = "UTC offset out of range";
        return false;
    }
    out = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
    return true;
}

}  // namespace

ParsedTime parse_iso_datetime(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    if (text.empty()) return fail("empty time");
    Cursor c{text};
    int y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
    if (!c.digits(4, y) || c.peek() != '-') return fail("expected YYYY-MM-DD");
    ++c.i;
    if (!c.digits(2, mo) || c.peek() != '-') return fail("expected YYYY-MM-DD");
    ++c.i;
    if (!c.digits(2, d)) return fail("expected YYYY-MM-DD");
    // The year first: Boost's leap-year check throws outside 1400-9999.
    if (y < 1900 || y > 2200) return fail("year " + std::to_string(y) + " out of range");
    if (mo < 1 || mo > 12) return fail("month " + std::to_string(mo) + " out of range");
    if (d < 1 || d > days_in_month(y, mo))
        return fail("day " + std::to_string(d) + " out of range for month " + std::to_string(mo));
    ParsedTime p;
    if (!c.done()) {
        if (c.peek() != 'T' && c.peek() != 't' && c.peek() != ' ') return fail("expected 'T' after the date");
        ++c.i;
        if (!c.digits(2, hh) || c.peek() != ':') return fail("expected HH:MM");
        ++c.i;
        if (!c.digits(2, mi)) return fail("expected HH:MM");
        if (c.peek() == ':') {
            ++c.i;
            if (!c.digits(2, ss)) return fail("expected HH:MM:SS");
            if (c.peek() == '.' || c.peek() == ',') {
                ++c.i;
                int frac_digits = 0, ms = 0;
                while (!c.done() && c.peek() >= '0' && c.peek() <= '9') {
                    if (frac_digits < 3) ms = ms * 10 + (c.peek() - '0');
                    ++frac_digits;
                    ++c.i;
                }
                if (frac_digits == 0) return fail("expected digits after the decimal point");
                for (int k = frac_digits; k < 3; ++k) ms *= 10;
                p.millis = ms;
            }
        }
        if (hh > 24 || (hh == 24 && (mi != 0 || ss != 0)))
            return fail("hour " + std::to_string(hh) + " out of range");
        if (mi > 59) return fail("minute " + std::to_string(mi) + " out of range");
        if (ss > 60) return fail("second " + std::to_string(ss) + " out of range");
        if (ss == 60) ss = 59;  // leap second: clamp
        if (c.peek() == ' ') ++c.i;
        if (!c.done()) {
            std::string why;
            std::int32_t off = 0;
            if (!parse_offset_at(c, off, why)) return fail(why);
            if (!c.done()) return fail("unexpected text after the time");
            p.has_offset = true;
            p.offset_min = off;
        }
    }
    p.ok = true;
    p.local = seconds_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), hh, mi, ss);
    return p;
}

std::optional<std::int32_t> parse_utc_offset(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
    if (text.size() >= 3 && (text.substr(0, 3) == "UTC" || text.substr(0, 3) == "GMT")) {
        text.remove_prefix(3);
        if (text.empty()) return 0;
    }
    if (text.empty()) return std::nullopt;
    Cursor c{text};
    std::int32_t off = 0;
    std::string why;
    if (!parse_offset_at(c, off, why) || !c.done()) return std::nullopt;
    return off;
}

boost::gregorian::date local_date(UtcSeconds utc, std::int32_t offset_min) {
    const UtcSeconds local = utc + static_cast<UtcSeconds>(offset_min) * 60;
    UtcSeconds days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    return boost::gregorian::date(1970, 1, 1) + boost::gregorian::days(static_cast<long>(days));
}

double local_clock_minutes(UtcSeconds utc, std::int32_t offset_min) {
    const UtcSeconds local = utc + static_cast<UtcSeconds>(offset_min) * 60;
    UtcSeconds r = local % 86400;
    if (r < 0) r += 86400;
    return static_cast<double>(r) / 60.0;
}

std::string format_date(const boost::gregorian::date& d) {
    if (d.is_special()) return "";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(d.year()),
                  static_cast<int>(d.month()), static_cast<int>(d.day()));
    return buf;
}

std::string format_offset(std::int32_t offset_min) {
    char buf[16];
    const int a = offset_min < 0 ? -offset_min : offset_min;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60, a % 60);
    return buf;
}

std::string format_local_iso(UtcSeconds utc, std::int32_t offset_min) {
    const UtcSeconds local = utc + static_cast<UtcSeconds>(offset_min) * 60;
    const boost::gregorian::date d = local_date(utc, offset_min);
    UtcSeconds r = local % 86400;
    if (r < 0) r += 86400;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d%s", format_date(d).c_str(),
                  static_cast<int>(r / 3600), static_cast<int>(r / 60 % 60), static_cast<int>(r % 60),
                  format_offset(offset_min).c_str());
    return buf;
}

}  // namespace sleeparch
