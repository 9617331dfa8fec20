// The HTML page of `sleeparch report` (see report_view.hpp).
#include "sleeparch/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "sleeparch/number_format.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::report {

namespace bg = boost::gregorian;

// ---- helpers -----------------------------------------------------------------

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            switch (c) {
                case '&': out += "&amp;"; break;
                case '<': out += "&lt;"; break;
                case '>': out += "&gt;"; break;
                case '"': out += "&quot;"; break;
                case '\'': out += "&#39;"; break;
                default:
                    if (c >= 0x20 || c == '\t' || c == '\n') out += static_cast<char>(c);
                    else if (c == '\r') out += ' ';
            }
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence (no overlongs, surrogates or > U+10FFFF).
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
        bool ok = len > 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) ok = false;
            else cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (ok && ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)) ||
                   (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
            ok = false;
        if (ok) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

std::string svg_num(double v) {
    if (!std::isfinite(v)) v = 0;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    if (std::string_view(buf) == "-0.0") return "0.0";
    return buf;
}

double LinearScale::operator()(double v) const {
    if (d1 == d0) return (r0 + r1) / 2;
    return r0 + (v - d0) * (r1 - r0) / (d1 - d0);
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) return {0, 1};
    if (hi < lo) std::swap(lo, hi);
    if (hi - lo < 1e-9) {
        const double pad = std::max(1.0, std::fabs(lo) * 0.1);
        lo -= pad;
        hi += pad;
    }
    target = std::max(target, 2);
    const double raw = (hi - lo) / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        step = f * mag;
        if (step >= raw) break;
    }
    const double first = std::floor(lo / step + 1e-9) * step;
    const double last = std::ceil(hi / step - 1e-9) * step;
    std::vector<double> ticks;
    for (int k = 0;; ++k) {
        double t = first + k * step;
        if (std::fabs(t) < step * 1e-9) t = 0;
        ticks.push_back(t);
        if (t >= last - step * 1e-9 || k > 1000) break;
    }
    return ticks;
}

DayAxis::DayAxis(bg::date f, bg::date l, double x0, double x1) : first(f), last(l) {
    x = LinearScale{-0.5, static_cast<double>((l - f).days()) + 0.5, x0, x1};
}

long DayAxis::index(const bg::date& d) const { return static_cast<long>((d - first).days()); }

double DayAxis::center(const bg::date& d) const { return x(static_cast<double>(index(d))); }

std::optional<Span> period_span(const DateRange& period, const DayAxis& axis) {
    const double lo = axis.x.d0, hi = axis.x.d1;
    const double a = period.first.is_special() ? lo : static_cast<double>(axis.index(period.first)) - 0.5;
    const double b = period.last.is_special() ? hi : static_cast<double>(axis.index(period.last)) + 0.5;
    const double ca = std::max(a, lo), cb = std::min(b, hi);
    if (cb <= ca) return std::nullopt;
    return Span{axis.x(ca), axis.x(cb)};
}

int hypnogram_level(Stage s) {
    switch (s) {
        case Stage::Wake: return 0;
        case Stage::REM: return 1;
        case Stage::N1:
        case Stage::Light: return 2;
        case Stage::N2: return 3;
        case Stage::Deep: return 4;
        case Stage::Asleep:
        case Stage::Unscored: break;
    }
    return -1;
}

std::vector<std::vector<Point>> step_polylines(const std::vector<Segment>& segments, const LinearScale& x,
                                               const LinearScale& y) {
    std::vector<std::vector<Point>> lines;
    std::vector<Point> cur;
    std::optional<UtcSeconds> prev_end;
    for (const Segment& s : segments) {
        const int level = hypnogram_level(s.stage);
        if (level < 0 || (prev_end && *prev_end != s.start)) {
            if (!cur.empty()) lines.push_back(std::move(cur));
            cur.clear();
        }
        prev_end = s.end;
        if (level < 0) continue;
        const double yy = y(static_cast<double>(level));
        cur.push_back({x(static_cast<double>(s.start)), yy});
        cur.push_back({x(static_cast<double>(s.end)), yy});
    }
    if (!cur.empty()) lines.push_back(std::move(cur));
    return lines;
}

// ---- page pieces -------------------------------------------------------------

namespace {

const char* kPeriodNames[] = {"baseline", "washout", "treatment", "post"};

std::string short_date(const bg::date& d) {
    return std::string(d.month().as_short_string()) + " " + std::to_string(d.day());
}

std::string p_text(double v) {
    if (!std::isfinite(v)) return "";
    if (v < 0.001) return "<0.001";
    return fmt_number(v, 3);
}

std::string cell(const std::string& s) { return s.empty() ? std::string("\xE2\x80\x93") : html_escape(s); }

std::string unit_text(std::string_view unit) {
    return unit == "count" || unit == "fraction" ? std::string() : std::string(unit);
}

std::string range_text(const PeriodInfo& p) {
    if (!p.dates) return "";
    auto side = [](const bg::date& d) { return d.is_special() ? std::string("\xE2\x80\xA6") : format_date(d); };
    return side(p.dates->first) + " to " + side(p.dates->last);
}

// Shading patterns, one set per SVG (ids prefixed by the chart's id) so that
// every chart stands alone.
std::string period_defs(const std::string& id) {
    std::ostringstream o;
    o << "<defs>"
      << "<pattern id=\"" << id << "-washout\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
         "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fbf1dc\"/>"
         "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c8a464\" stroke-width=\"1.5\"/></pattern>"
      << "<pattern id=\"" << id << "-treatment\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\">"
         "<rect width=\"5\" height=\"5\" fill=\"#dde9f5\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"0.8\" fill=\"#6f93b6\"/>"
         "</pattern>"
      << "<pattern id=\"" << id << "-post\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
         "<rect width=\"6\" height=\"6\" fill=\"#f3f3f3\"/><line x1=\"0\" y1=\"3\" x2=\"6\" y2=\"3\" "
         "stroke=\"#b5b5b5\" stroke-width=\"1\"/></pattern>"
      << "</defs>";
    return o.str();
}

std::string period_fill(const std::string& id, std::string_view name) {
    if (name == "baseline") return "#ececec";
    return "url(#" + id + "-" + std::string(name) + ")";
}

// Chart titles in words (the metric's definition follows in the caption).
std::string readable(const MetricInfo& info) {
    std::string name = metric_display_name(info.name);
    return name == info.name ? std::string(info.description) : name;
}

struct Frame {
    double width = 900, height = 210;
    double left = 58, right = 14, top = 24, bottom = 30;
    double x0() const { return left; }
    double x1() const { return width - right; }
    double y0() const { return top; }
    double y1() const { return height - bottom; }
};

const PeriodInfo* period_of(const ComparisonResult& r, int k) {
    switch (k) {
        case 0: return &r.baseline;
        case 1: return &r.washout;
        case 2: return &r.treatment;
        default: return &r.post;
    }
}

// Shaded period bands with their labels along the top.
std::string period_bands(const std::string& id, const ComparisonResult* r, const DayAxis& axis, const Frame& f) {
    if (!r) return "";
    std::ostringstream o;
    for (int k = 0; k < 4; ++k) {
        const PeriodInfo* p = period_of(*r, k);
        if (!p->dates) continue;
        const auto span = period_span(*p->dates, axis);
        if (!span) continue;
        o << "<rect x=\"" << svg_num(span->x0) << "\" y=\"" << svg_num(f.y0()) << "\" width=\""
          << svg_num(span->x1 - span->x0) << "\" height=\"" << svg_num(f.y1() - f.y0()) << "\" fill=\""
          << period_fill(id, kPeriodNames[k]) << "\" class=\"period " << kPeriodNames[k] << "\"/>";
        const double w = span->x1 - span->x0;
        const std::string label = w >= 52 ? kPeriodNames[k] : std::string(kPeriodNames[k]).substr(0, 1) + ".";
        o << "<text x=\"" << svg_num((span->x0 + span->x1) / 2) << "\" y=\"" << svg_num(f.y0() - 6)
          << "\" text-anchor=\"middle\" class=\"plabel\">" << label << "</text>";
    }
    return o.str();
}

// Date ticks along the bottom: weekly on short axes, the 1st and 15th of
// each month on longer ones, the 1st only on long ones.
std::string date_axis(const DayAxis& axis, const Frame& f) {
    std::ostringstream o;
    const long days = axis.index(axis.last) + 1;
    o << "<line x1=\"" << svg_num(f.x0()) << "\" y1=\"" << svg_num(f.y1()) << "\" x2=\"" << svg_num(f.x1())
      << "\" y2=\"" << svg_num(f.y1()) << "\" class=\"axis\"/>";
    for (bg::date d = axis.first; d <= axis.last; d += bg::days(1)) {
        bool tick;
        if (days <= 60) tick = axis.index(d) % 7 == 0;
        else if (days <= 200) tick = d.day() == 1 || d.day() == 15;
        else tick = d.day() == 1;
        if (!tick) continue;
        const double x = axis.center(d);
        o << "<line x1=\"" << svg_num(x) << "\" y1=\"" << svg_num(f.y1()) << "\" x2=\"" << svg_num(x) << "\" y2=\""
          << svg_num(f.y1() + 4) << "\" class=\"axis\"/><text x=\"" << svg_num(x) << "\" y=\""
          << svg_num(f.y1() + 16) << "\" text-anchor=\"middle\">" << short_date(d) << "</text>";
    }
    return o.str();
}

// Horizontal grid and labels of a value axis.
std::string value_axis(const std::vector<double>& ticks, const LinearScale& y, const Frame& f, int decimals,
                       const std::string& unit) {
    std::ostringstream o;
    for (double t : ticks) {
        const double yy = y(t);
        o << "<line x1=\"" << svg_num(f.x0()) << "\" y1=\"" << svg_num(yy) << "\" x2=\"" << svg_num(f.x1())
          << "\" y2=\"" << svg_num(yy) << "\" class=\"grid\"/><text x=\"" << svg_num(f.x0() - 5) << "\" y=\""
          << svg_num(yy + 4) << "\" text-anchor=\"end\">" << fmt_number(t, decimals) << "</text>";
    }
    if (!unit.empty())
        o << "<text x=\"12\" y=\"" << svg_num((f.y0() + f.y1()) / 2) << "\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
          << svg_num((f.y0() + f.y1()) / 2) << ")\">" << html_escape(unit) << "</text>";
    return o.str();
}

int tick_decimals(const std::vector<double>& ticks) {
    if (ticks.size() < 2) return 0;
    const double step = ticks[1] - ticks[0];
    if (step >= 1) return 0;
    if (step >= 0.1) return 1;
    return 2;
}

struct Value {
    bg::date date;
    double v;
    bool left_out;  // share metric on a night with a low staged fraction
};

std::string svg_open(const std::string& id, const std::string& cls, const Frame& f, const std::string& title,
                     const std::string& desc) {
    std::ostringstream o;
    o << "<svg class=\"" << cls << "\" id=\"" << id << "\" width=\"" << svg_num(f.width) << "\" height=\""
      << svg_num(f.height) << "\" viewBox=\"0 0 " << svg_num(f.width) << " " << svg_num(f.height)
      << "\" role=\"img\" aria-labelledby=\"" << id << "-title " << id << "-desc\">"
      << "<title id=\"" << id << "-title\">" << html_escape(title) << "</title>"
      << "<desc id=\"" << id << "-desc\">" << html_escape(desc) << "</desc>";
    return o.str();
}

std::string trend_svg(const std::string& id, const MetricInfo& info, const std::vector<Value>& values,
                      const DayAxis& axis, const ComparisonResult* r, const MetricComparison* mc) {
    Frame f;
    // Means per period: the comparison's for baseline, treatment and post,
    // the plain mean of the charted nights for the washout.
    double means[4] = {NAN, NAN, NAN, NAN};
    if (r) {
        if (mc) {
            means[0] = mc->mean_baseline;
            means[2] = mc->mean_treatment;
            means[3] = mc->n_post > 0 ? mc->mean_post : NAN;
        }
        if (r->washout.dates) {
            double sum = 0;
            int n = 0;
            for (const Value& v : values)
                if (!v.left_out && std::isfinite(v.v) && r->washout.dates->contains(v.date)) sum += v.v, ++n;
            if (n) means[1] = sum / n;
        }
    }
    double lo = INFINITY, hi = -INFINITY;
    std::size_t finite = 0;
    for (const Value& v : values)
        if (std::isfinite(v.v)) lo = std::min(lo, v.v), hi = std::max(hi, v.v), ++finite;
    for (double m : means)
        if (std::isfinite(m)) lo = std::min(lo, m), hi = std::max(hi, m);
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    auto ticks = nice_ticks(lo, hi, 4);
    if (lo >= 0)  // no negative axis for a metric that cannot be negative here
        while (ticks.size() > 2 && ticks.front() < 0) ticks.erase(ticks.begin());
    const LinearScale y{ticks.front(), ticks.back(), f.y1(), f.y0()};
    const std::string unit = unit_text(info.unit);

    std::string desc = std::to_string(finite) + " nights with a value";
    if (r && mc)
        desc += "; mean " + fmt_number(mc->mean_baseline, 1) + " before and " + fmt_number(mc->mean_treatment, 1) +
                " during treatment";
    std::ostringstream o;
    o << svg_open(id, "trend", f, std::string(info.name) + ": " + std::string(info.description) + ", per night", desc);
    o << period_defs(id);
    o << period_bands(id, r, axis, f);
    o << value_axis(ticks, y, f, tick_decimals(ticks), unit);
    o << date_axis(axis, f);
    // Lines between nights on consecutive dates; a missing night is a gap.
    std::vector<std::vector<Point>> runs;
    long prev = -2;
    for (const Value& v : values) {
        if (v.left_out || !std::isfinite(v.v)) {
            prev = -2;
            continue;
        }
        const long i = axis.index(v.date);
        if (i == prev) continue;  // a second night on one date: point only
        if (i != prev + 1 || runs.empty()) runs.emplace_back();
        runs.back().push_back({axis.center(v.date), y(v.v)});
        prev = i;
    }
    for (const auto& run : runs) {
        if (run.size() < 2) continue;
        o << "<polyline class=\"series\" points=\"";
        for (std::size_t k = 0; k < run.size(); ++k) o << (k ? " " : "") << svg_num(run[k].x) << "," << svg_num(run[k].y);
        o << "\"/>";
    }
    for (const Value& v : values) {
        if (!std::isfinite(v.v)) continue;
        o << "<circle cx=\"" << svg_num(axis.center(v.date)) << "\" cy=\"" << svg_num(y(v.v)) << "\" r=\"2.3\" class=\""
          << (v.left_out ? "pt out" : "pt") << "\"><title>" << format_date(v.date) << ": " << fmt_number(v.v, 1)
          << (unit.empty() ? "" : " " + html_escape(unit)) << (v.left_out ? " (left out: staged fraction below 80 %)" : "")
          << "</title></circle>";
    }
    if (r) {
        for (int k = 0; k < 4; ++k) {
            const PeriodInfo* p = period_of(*r, k);
            if (!p->dates || !std::isfinite(means[k])) continue;
            const auto span = period_span(*p->dates, axis);
            if (!span) continue;
            const double yy = y(means[k]);
            o << "<line x1=\"" << svg_num(span->x0) << "\" y1=\"" << svg_num(yy) << "\" x2=\"" << svg_num(span->x1)
              << "\" y2=\"" << svg_num(yy) << "\" class=\"mean " << kPeriodNames[k] << "\"><title>" << kPeriodNames[k]
              << " mean " << fmt_number(means[k], 1) << "</title></line>";
            if (span->x1 - span->x0 >= 40)
                o << "<text x=\"" << svg_num(span->x0 + 3) << "\" y=\"" << svg_num(yy - 3) << "\" class=\"mlabel\">"
                  << fmt_number(means[k], 1) << "</text>";
        }
    }
    o << "</svg>";
    return o.str();
}

std::string dose_svg(const std::map<bg::date, double>& mg, const DayAxis& axis, const ComparisonResult* r) {
    Frame f;
    f.height = 170;
    const std::string id = "doses";
    double hi = 400;
    for (const auto& [d, v] : mg) hi = std::max(hi, v);
    const auto ticks = nice_ticks(0, hi, 4);
    const LinearScale y{ticks.front(), ticks.back(), f.y1(), f.y0()};
    std::size_t days = 0;
    for (const auto& [d, v] : mg) days += v > 0;
    std::ostringstream o;
    o << svg_open(id, "doses", f, "Elemental magnesium per label date (mg)",
                  std::to_string(days) + " dates with magnesium; dashed line: 350 mg/day, the upper limit for supplements");
    o << period_defs(id) << period_bands(id, r, axis, f) << value_axis(ticks, y, f, 0, "mg") << date_axis(axis, f);
    const double colw = std::max(1.0, (axis.x(0.5) - axis.x(-0.5)) * 0.7);
    for (const auto& [d, v] : mg) {
        if (v <= 0 || d < axis.first || d > axis.last) continue;
        const double x = axis.center(d);
        o << "<rect x=\"" << svg_num(x - colw / 2) << "\" y=\"" << svg_num(y(v)) << "\" width=\"" << svg_num(colw)
          << "\" height=\"" << svg_num(y(0) - y(v)) << "\" class=\"bar\"><title>" << format_date(d) << ": "
          << fmt_number(v, 0) << " mg</title></rect>";
    }
    const double yl = y(350);
    o << "<line x1=\"" << svg_num(f.x0()) << "\" y1=\"" << svg_num(yl) << "\" x2=\"" << svg_num(f.x1()) << "\" y2=\""
      << svg_num(yl) << "\" class=\"limit\"/><text x=\"" << svg_num(f.x1() - 4) << "\" y=\"" << svg_num(yl - 4)
      << "\" text-anchor=\"end\" class=\"mlabel\">350 mg/day supplement upper limit</text>";
    o << "</svg>";
    return o.str();
}

std::string hypnogram_defs(const std::string& id) {
    return "<defs><pattern id=\"" + id +
           "-asleep\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
           "<rect width=\"6\" height=\"6\" fill=\"#e4eef8\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
           "stroke=\"#5f87ad\" stroke-width=\"2\"/></pattern>"
           "<pattern id=\"" + id +
           "-unscored\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
           "<rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/><path d=\"M0 0L6 6M6 0L0 6\" stroke=\"#a0a0a0\" "
           "stroke-width=\"0.8\"/></pattern></defs>";
}

std::string local_clock(UtcSeconds t, std::int32_t offset_min) {
    const long long local = t + static_cast<long long>(offset_min) * 60;
    long long sec = ((local % 86400) + 86400) % 86400;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", sec / 3600, (sec / 60) % 60);
    return buf;
}

std::string hypnogram_svg(const std::string& id, const Night& n, const NightMetrics& m) {
    Frame f;
    f.height = 150;
    f.left = 70;
    f.top = 10;
    f.bottom = 24;
    const LinearScale x{static_cast<double>(n.window_start), static_cast<double>(n.window_end), f.x0(), f.x1()};
    const LinearScale y{-0.5, 4.5, f.y0(), f.y1()};
    const std::string title = "Hypnogram of the night to " + format_date(n.label_date) + " (" + n.source.label() +
                              "), " + local_clock(n.window_start, n.utc_offset_min) + " to " +
                              local_clock(n.window_end, n.utc_offset_min);
    const std::string desc = "Total sleep " + fmt_number(m.tst_min, 0) + " min, deep " + fmt_number(m.deep_pct, 1) +
                             " %, REM " + fmt_number(m.rem_pct, 1) + " %, " + fmt_number(m.awakenings, 0) +
                             " awakenings";
    std::ostringstream o;
    o << svg_open(id, "hypnogram", f, title, desc) << hypnogram_defs(id);
    static const char* rows[] = {"Wake", "REM", "N1/Light", "N2", "Deep"};
    for (int k = 0; k < 5; ++k) {
        const double yy = y(k);
        o << "<line x1=\"" << svg_num(f.x0()) << "\" y1=\"" << svg_num(yy) << "\" x2=\"" << svg_num(f.x1()) << "\" y2=\""
          << svg_num(yy) << "\" class=\"grid\"/><text x=\"" << svg_num(f.x0() - 6) << "\" y=\"" << svg_num(yy + 4)
          << "\" text-anchor=\"end\">" << rows[k] << "</text>";
    }
    // Asleep (stage not given) spans the sleep rows; Unscored the whole height.
    for (const Segment& s : n.segments) {
        if (s.stage != Stage::Asleep && s.stage != Stage::Unscored) continue;
        const bool asleep = s.stage == Stage::Asleep;
        const double ya = asleep ? y(1.6) : f.y0(), yb = asleep ? y(4.4) : f.y1();
        o << "<rect x=\"" << svg_num(x(s.start)) << "\" y=\"" << svg_num(ya) << "\" width=\""
          << svg_num(std::max(0.5, x(s.end) - x(s.start))) << "\" height=\"" << svg_num(yb - ya) << "\" fill=\"url(#" << id
          << (asleep ? "-asleep" : "-unscored") << ")\" class=\"" << (asleep ? "asleep" : "unscored") << "\"><title>"
          << (asleep ? "Asleep, stage not given" : "Unscored") << " " << local_clock(s.start, n.utc_offset_min) << " to "
          << local_clock(s.end, n.utc_offset_min) << "</title></rect>";
    }
    // REM and Deep as thick bars under the step line.
    for (const Segment& s : n.segments) {
        if (s.stage != Stage::REM && s.stage != Stage::Deep) continue;
        const double yy = y(hypnogram_level(s.stage));
        o << "<line x1=\"" << svg_num(x(s.start)) << "\" y1=\"" << svg_num(yy) << "\" x2=\"" << svg_num(x(s.end))
          << "\" y2=\"" << svg_num(yy) << "\" class=\"" << (s.stage == Stage::REM ? "rem" : "deep") << "\"/>";
    }
    for (const auto& line : step_polylines(n.segments, x, y)) {
        o << "<polyline class=\"step\" points=\"";
        for (std::size_t k = 0; k < line.size(); ++k) o << (k ? " " : "") << svg_num(line[k].x) << "," << svg_num(line[k].y);
        o << "\"/>";
    }
    // Local clock hours along the bottom.
    o << "<line x1=\"" << svg_num(f.x0()) << "\" y1=\"" << svg_num(f.y1()) << "\" x2=\"" << svg_num(f.x1()) << "\" y2=\""
      << svg_num(f.y1()) << "\" class=\"axis\"/>";
    const long long off = static_cast<long long>(n.utc_offset_min) * 60;
    const long long hours = (n.window_end - n.window_start) / 3600;
    const long long every = hours > 14 ? 3 : hours > 8 ? 2 : 1;
    long long t = ((n.window_start + off) / 3600 + 1) * 3600 - off;
    for (; t < n.window_end; t += 3600) {
        const long long h = (((t + off) / 3600) % 24 + 24) % 24;
        if (h % every) continue;
        const double xx = x(static_cast<double>(t));
        o << "<line x1=\"" << svg_num(xx) << "\" y1=\"" << svg_num(f.y1()) << "\" x2=\"" << svg_num(xx) << "\" y2=\""
          << svg_num(f.y1() + 4) << "\" class=\"axis\"/><text x=\"" << svg_num(xx) << "\" y=\"" << svg_num(f.y1() + 16)
          << "\" text-anchor=\"middle\">" << local_clock(t, n.utc_offset_min) << "</text>";
    }
    o << "</svg>";
    return o.str();
}

std::string hypnogram_legend() {
    const std::string id = "legend";
    std::ostringstream o;
    o << "<svg class=\"legend\" width=\"640\" height=\"26\" viewBox=\"0 0 640 26\" role=\"img\" aria-labelledby=\"legend-title\">"
      << "<title id=\"legend-title\">Legend of the hypnograms</title>" << hypnogram_defs(id)
      << "<line x1=\"4\" y1=\"13\" x2=\"28\" y2=\"13\" class=\"deep\"/><text x=\"34\" y=\"17\">Deep (thick dark bar)</text>"
      << "<line x1=\"170\" y1=\"13\" x2=\"194\" y2=\"13\" class=\"rem\"/><text x=\"200\" y=\"17\">REM (thick red bar)</text>"
      << "<rect x=\"330\" y=\"4\" width=\"24\" height=\"18\" fill=\"url(#legend-asleep)\"/>"
         "<text x=\"360\" y=\"17\">asleep, stage not given</text>"
      << "<rect x=\"505\" y=\"4\" width=\"24\" height=\"18\" fill=\"url(#legend-unscored)\"/>"
         "<text x=\"535\" y=\"17\">unscored</text>"
      << "</svg>";
    return o.str();
}

const char* kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;max-width:980px;margin:0 auto;padding:1em 1.5em 3em;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #bbb;padding-bottom:.2em}h3{font-size:1.05em;margin:1.4em 0 .3em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #c8c8c8;padding:.25em .5em;vertical-align:top}
thead th{background:#f0f0f0}th[scope=row]{text-align:left;font-weight:600;background:#fafafa}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.changed td.verdict{font-weight:700}
.note{color:#444;font-size:.92em}.closing{border-left:4px solid #777;padding:.4em .8em;background:#f6f6f6}
.warn li{margin:.2em 0}
svg{display:block;max-width:100%;height:auto;font-size:11px;font-family:inherit}
svg text{fill:#222}svg .plabel{font-size:11px;font-weight:600}svg .mlabel{font-size:10px}
svg .axis{stroke:#555;stroke-width:1}svg .grid{stroke:#ddd;stroke-width:1}
svg .series{fill:none;stroke:#777;stroke-width:1}svg .pt{fill:#222}svg .pt.out{fill:#fff;stroke:#222;stroke-width:1}
svg .mean{stroke:#111;stroke-width:2}svg .mean.baseline{stroke-dasharray:7 4}svg .mean.washout{stroke:#8a6d2f;stroke-dasharray:2 3}
svg .mean.treatment{stroke:#17406b;stroke-width:2.5}svg .mean.post{stroke:#555;stroke-dasharray:1 3}
svg .bar{fill:#3d6d99;stroke:#17406b;stroke-width:.5}svg .limit{stroke:#b03a2e;stroke-width:1.2;stroke-dasharray:6 3}
svg .step{fill:none;stroke:#222;stroke-width:1.2}svg .rem{stroke:#b03a2e;stroke-width:5}svg .deep{stroke:#17406b;stroke-width:6}
figure{margin:1em 0 1.6em}figcaption{font-size:.9em;color:#333;margin-top:.2em}
footer{margin-top:3em;font-size:.85em;color:#555;border-top:1px solid #ccc;padding-top:.5em}
)";

// Heart-rate variability and resting heart rate (METRICS.md §8): where the
// nightly values came from, the before/after rows with their dose-response,
// and a trend per metric with the periods shaded. Empty when no main sleep
// carries one (most sleep files have none).
std::string vitals_section(const std::vector<Night>& nights, const std::vector<NightMetrics>& metrics,
                           const std::vector<std::size_t>& mains, const std::optional<bg::date>& first,
                           const std::optional<bg::date>& last, const ComparisonResult* r) {
    std::vector<const MetricInfo*> carried;
    for (const MetricInfo& info : scalar_metrics()) {
        if (!is_vital_metric(info.name)) continue;
        for (std::size_t i : mains)
            if (i < metrics.size() && std::isfinite(metrics[i].*(info.member))) {
                carried.push_back(&info);
                break;
            }
    }
    if (carried.empty() || !first) return {};
    std::ostringstream o;
    o << "<section id=\"vitals\">\n<h2>Heart-rate variability and resting heart rate</h2>\n";
    o << "<p class=\"note\">The device's nightly HRV and resting heart rate: the vendor's value for the night "
         "where the file states one, else the mean of the readings inside the night (Apple), else the day's value "
         "stamped on the wake date. RMSSD and SDNN are different statistics and are never mixed.</p>\n";
    // Provenance: how many nights took their value which way.
    o << "<ul class=\"provenance\">\n";
    for (const MetricInfo* info : carried) {
        std::map<std::string, std::size_t> ways;
        for (std::size_t i : mains) {
            if (i >= nights.size()) continue;
            for (const std::string& line : nights[i].vitals.provenance) {
                if (!line.starts_with(std::string(info->name) + ": ")) continue;
                // "name: how, what (file:line)": the way without the file.
                std::string way = line.substr(info->name.size() + 2);
                if (const auto paren = way.rfind(" ("); paren != std::string::npos) way.resize(paren);
                if (way.starts_with("mean of ")) way = "mean of the readings inside the night" +
                                                       way.substr(way.find(','));
                if (way.starts_with("daily value stamped on the wake date "))
                    way = "daily value of the wake date" + way.substr(way.find(','));
                ++ways[way];
            }
        }
        o << "<li><code>" << html_escape(info->name) << "</code>: ";
        bool first_way = true;
        for (const auto& [way, n] : ways) {
            o << (first_way ? "" : "; ") << n << " night" << (n == 1 ? "" : "s") << ", " << html_escape(way);
            first_way = false;
        }
        o << "</li>\n";
    }
    o << "</ul>\n";
    if (r) {
        o << "<table class=\"comparison vitals\">\n<caption>Before (baseline) and after (treatment), diff = after "
             "\xE2\x88\x92 before; dose-response: slope per 100 mg of the evening's elemental magnesium and of its "
             "7-day mean, within the treatment period</caption>\n<thead><tr>";
        for (const char* h : {"metric", "nights (before/after)", "before", "after", "diff", "95 % CI", "p (adj.)",
                              "verdict", "per 100 mg (95 % CI)", "per 100 mg 7-day mean (95 % CI)"})
            o << "<th scope=\"col\">" << h << "</th>";
        o << "</tr></thead>\n<tbody>\n";
        for (const MetricInfo* info : carried) {
            const MetricComparison* m = nullptr;
            for (const auto& c : r->metrics)
                if (c.metric == info->name) m = &c;
            o << "<tr id=\"vitals-" << html_escape(info->name) << "\"><th scope=\"row\">" << html_escape(info->name)
              << " (" << html_escape(unit_text(info->unit)) << ")</th>";
            if (!m) {
                o << "<td colspan=\"9\">not compared (not in --metrics)</td></tr>\n";
                continue;
            }
            auto slope = [&](std::string_view predictor) {
                for (const DoseResponse& dr : m->dose_response)
                    if (dr.predictor == predictor)
                        return fmt_number(dr.slope_per_100mg, 2) + " (" + fmt_number(dr.ci_low, 2) + " to " +
                               fmt_number(dr.ci_high, 2) + ")";
                return std::string();
            };
            const std::string ci =
                std::isfinite(m->ci_low) ? fmt_number(m->ci_low, 1) + " to " + fmt_number(m->ci_high, 1) : "";
            o << "<td class=\"num\">" << m->n_baseline << "/" << m->n_treatment << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m->mean_baseline, 1)) << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m->mean_treatment, 1)) << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m->diff, 1)) << "</td>"
              << "<td class=\"num\">" << cell(ci) << "</td>"
              << "<td class=\"num\">" << cell(p_text(m->p_holm)) << "</td>"
              << "<td class=\"verdict\">" << verdict_phrase(*m) << "</td>"
              << "<td class=\"num\">" << cell(slope("mg_elemental")) << "</td>"
              << "<td class=\"num\">" << cell(slope("mg_7d_mean")) << "</td></tr>\n";
        }
        o << "</tbody>\n</table>\n";
    }
    const DayAxis axis(*first, *last, Frame{}.x0(), Frame{}.x1());
    for (std::size_t k = 0; k < carried.size(); ++k) {
        const MetricInfo& info = *carried[k];
        const MetricComparison* mc = nullptr;
        if (r)
            for (const auto& c : r->metrics)
                if (c.metric == info.name) mc = &c;
        std::vector<Value> values;
        for (std::size_t i : mains)
            if (i < metrics.size()) values.push_back({nights[i].label_date, metrics[i].*(info.member), false});
        o << "<figure>\n<h3 id=\"vitals-trend-" << html_escape(info.name) << "-h\">" << html_escape(readable(info))
          << " (<code>" << html_escape(info.name) << "</code>, " << html_escape(unit_text(info.unit)) << ")</h3>\n"
          << trend_svg("vitals-trend-" + std::to_string(k), info, values, axis, r, mc) << "\n"
          << "<figcaption>Definition: " << html_escape(info.description) << ".";
        if (!info.caveat.empty()) o << " " << html_escape(info.caveat) << ".";
        o << "</figcaption>\n</figure>\n";
    }
    o << "</section>\n";
    return o.str();
}

}  // namespace

// ---- selection ---------------------------------------------------------------

std::vector<std::size_t> hypnogram_selection(const ReportData& d) {
    std::vector<std::size_t> out;
    if (!d.nights || d.hypnograms <= 0) return out;
    const auto& nights = *d.nights;
    std::vector<std::size_t> mains;
    for (std::size_t i = 0; i < nights.size(); ++i)
        if (!nights[i].is_nap && !nights[i].summary_only && !nights[i].segments.empty()) mains.push_back(i);
    std::stable_sort(mains.begin(), mains.end(), [&](std::size_t a, std::size_t b) {
        return nights[a].label_date < nights[b].label_date;
    });
    const std::size_t want = static_cast<std::size_t>(d.hypnograms);
    const ComparisonResult* r = d.comparison ? &*d.comparison : nullptr;
    if (!r || !r->baseline.dates || !r->treatment.dates) {
        const std::size_t k = std::min(want, mains.size());
        out.assign(mains.end() - static_cast<std::ptrdiff_t>(k), mains.end());
        return out;
    }
    std::vector<std::size_t> base, treat;
    for (std::size_t i : mains) {
        if (r->baseline.dates->contains(nights[i].label_date)) base.push_back(i);
        else if (r->treatment.dates->contains(nights[i].label_date)) treat.push_back(i);
    }
    std::size_t nb = (want + 1) / 2, nt = want - nb;
    if (nb > base.size()) nt += nb - base.size(), nb = base.size();
    if (nt > treat.size()) nb = std::min(base.size(), nb + (nt - treat.size())), nt = treat.size();
    out.assign(base.end() - static_cast<std::ptrdiff_t>(nb), base.end());
    out.insert(out.end(), treat.end() - static_cast<std::ptrdiff_t>(nt), treat.end());
    return out;
}

// ---- the page ----------------------------------------------------------------

std::string render_report(const ReportData& d) {
    static const std::vector<Night> none;
    const auto& nights = d.nights ? *d.nights : none;
    const ComparisonResult* r = d.comparison ? &*d.comparison : nullptr;

    std::vector<std::size_t> mains;
    std::size_t naps = 0, summary_only = 0;
    std::map<std::string, std::size_t> by_source;
    for (std::size_t i = 0; i < nights.size(); ++i) {
        if (nights[i].is_nap) {
            ++naps;
            continue;
        }
        mains.push_back(i);
        summary_only += nights[i].summary_only;
        ++by_source[nights[i].source.label()];
    }
    std::stable_sort(mains.begin(), mains.end(),
                     [&](std::size_t a, std::size_t b) { return nights[a].label_date < nights[b].label_date; });

    std::ostringstream o;
    const std::string heading = r ? "Sleep architecture before and after magnesium" : "Sleep architecture report";
    o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
      << "<meta name=\"generator\" content=\"sleeparch " << html_escape(d.version) << "\"/>\n"
      << "<title>" << heading << " (sleeparch report)</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n";
    o << "<header>\n<h1>" << heading << "</h1>\n";
    o << "<p class=\"note\">Associations in your own data, with their uncertainty. Nothing here shows that "
         "magnesium, or anything else, changed your sleep.</p>\n";

    // Inputs.
    o << "<table class=\"inputs\">\n<tbody>\n<tr><th scope=\"row\">Inputs</th><td>";
    for (std::size_t k = 0; k < d.inputs.size(); ++k) o << (k ? "<br/>" : "") << "<code>" << html_escape(d.inputs[k]) << "</code>";
    o << "</td></tr>\n";
    o << "<tr><th scope=\"row\">Intake log</th><td>"
      << (d.intake_path.empty() ? std::string("none") : "<code>" + html_escape(d.intake_path) + "</code>") << "</td></tr>\n";
    o << "<tr><th scope=\"row\">Sources</th><td>";
    {
        std::size_t k = 0;
        for (const auto& [label, count] : by_source)
            o << (k++ ? "<br/>" : "") << html_escape(label) << ": " << count << (count == 1 ? " night" : " nights");
        if (by_source.empty()) o << "none";
    }
    o << "</td></tr>\n";
    o << "<tr><th scope=\"row\">Label dates</th><td>";
    if (mains.empty()) o << "no nights";
    else o << format_date(nights[mains.front()].label_date) << " to " << format_date(nights[mains.back()].label_date);
    o << "</td></tr>\n<tr><th scope=\"row\">Nights</th><td>" << mains.size() << (mains.size() == 1 ? " main sleep" : " main sleeps");
    if (summary_only) o << " (" << summary_only << " with totals only, no hypnogram)";
    o << ", " << naps << (naps == 1 ? " nap" : " naps") << "</td></tr>\n";
    if (d.skipped_files)
        o << "<tr><th scope=\"row\">Skipped files</th><td>" << d.skipped_files
          << " file(s) in folders or archives that no importer recognised</td></tr>\n";
    o << "</tbody>\n</table>\n";
    if (!d.warnings.empty()) {
        o << "<h2 id=\"import-warnings\">Import warnings</h2>\n<ul class=\"warn\">\n";
        const std::size_t limit = 20;
        for (std::size_t k = 0; k < d.warnings.size() && k < limit; ++k) {
            const Warning& w = d.warnings[k];
            o << "<li>";
            if (!w.file.empty())
                o << "<code>" << html_escape(w.file + (w.line ? ":" + std::to_string(w.line) : "")) << "</code>: ";
            o << html_escape(w.message) << "</li>\n";
        }
        if (d.warnings.size() > limit) o << "<li>and " << d.warnings.size() - limit << " more (run with --verbose)</li>\n";
        o << "</ul>\n";
    }
    o << "</header>\n<main>\n";

    if (d.trial) o << render_trial_section(*d.trial);
    // The comparison.
    o << "<section id=\"comparison\">\n<h2>Before and after</h2>\n";
    if (!r) {
        o << "<p>" << html_escape(d.no_comparison.empty()
                                     ? "No comparison: it needs an intake log (--intake LOG) or both --baseline and "
                                       "--treatment periods. The nights are shown below."
                                     : d.no_comparison)
          << "</p>\n";
    } else {
        o << "<p>Periods " << (r->periods_from_log ? "from the intake log" : "as given") << ".</p>\n";
        o << "<table class=\"periods\">\n<thead><tr><th scope=\"col\">period</th><th scope=\"col\">label dates</th>"
             "<th scope=\"col\">nights</th><th scope=\"col\">note</th></tr></thead>\n<tbody>\n";
        for (int k = 0; k < 4; ++k) {
            const PeriodInfo* p = period_of(*r, k);
            if (!p->dates && p->nights == 0) continue;
            std::string note;
            if (k == 1) note = "shown, not compared";
            if (k == 3) note = "after the last dose, not compared";
            o << "<tr><th scope=\"row\">" << kPeriodNames[k] << "</th><td>" << cell(range_text(*p)) << "</td><td class=\"num\">"
              << p->nights << "</td><td>" << html_escape(note) << "</td></tr>\n";
        }
        o << "</tbody>\n</table>\n";

        bool any_primary = false;
        o << "<table class=\"comparison\">\n<caption>One row per metric: means before (baseline) and after "
             "(treatment), diff = after \xE2\x88\x92 before</caption>\n<thead><tr>";
        for (const char* h : {"metric", "nights (before/after)", "before", "after", "diff", "95 % CI", "g", "p (adj.)",
                              "MDE", "verdict"})
            o << "<th scope=\"col\">" << h << "</th>";
        o << "</tr></thead>\n<tbody>\n";
        for (const auto& m : r->metrics) {
            any_primary = any_primary || m.primary;
            const std::string unit = unit_text(m.unit);
            const std::string ci =
                std::isfinite(m.ci_low) ? fmt_number(m.ci_low, 1) + " to " + fmt_number(m.ci_high, 1) : "";
            o << "<tr id=\"metric-" << html_escape(m.metric) << "\" class=\"" << verdict_name(m.verdict) << "\">"
              << "<th scope=\"row\">" << html_escape(m.metric) << (unit.empty() ? "" : " (" + html_escape(unit) + ")")
              << (m.primary ? " *" : "") << "</th>"
              << "<td class=\"num\">" << m.n_baseline << "/" << m.n_treatment << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m.mean_baseline, 1)) << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m.mean_treatment, 1)) << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m.diff, 1)) << "</td>"
              << "<td class=\"num\">" << cell(ci) << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m.hedges_g, 2)) << "</td>"
              << "<td class=\"num\">" << cell(p_text(m.p_holm)) << "</td>"
              << "<td class=\"num\">" << cell(fmt_number(m.mde, 1)) << "</td>"
              << "<td class=\"verdict\">" << verdict_phrase(m) << "</td></tr>\n";
        }
        o << "</tbody>\n</table>\n<p class=\"note\">";
        if (any_primary) o << "* primary metric: its p-value is not adjusted for the others. ";
        o << "g: Hedges&#39; g. p (adj.): Holm-adjusted across the secondary metrics. MDE: the smallest difference "
             "these nights could have detected (80 % power). Interval, p and MDE come from one estimator that "
             "allows for night-to-night correlation. "
          << (r->all_sources ? std::string("All sources kept, adjusted for source and epoch length.")
                             : r->comparable ? "Nights compared: " + html_escape(r->source) + " only."
                                             : std::string("No source recorded both periods: not comparable."))
          << "</p>\n";

        o << "<h3>In plain words</h3>\n<ul class=\"sentences\">\n";
        for (const auto& m : r->metrics) o << "<li>" << html_escape(verdict_sentence(m)) << "</li>\n";
        o << "</ul>\n";
        // Sensitivity analyses (METRICS.md §5.7): shown, never the verdict.
        o << "<h3>Sensitivity (not the verdict)</h3>\n<table class=\"sensitivity\">\n<thead><tr>"
             "<th scope=\"col\">metric</th><th scope=\"col\">analysis</th><th scope=\"col\">estimate</th>"
             "<th scope=\"col\">95 % CI</th></tr></thead>\n<tbody>\n";
        for (const auto& m : r->metrics)
            for (const auto& x : m.sensitivity)
                if (x.ok)
                    o << "<tr><th scope=\"row\">" << html_escape(m.metric) << "</th><td>" << html_escape(x.name)
                      << "</td><td class=\"num\">" << cell(fmt_number(x.estimate, 1)) << "</td><td class=\"num\">"
                      << cell(fmt_number(x.ci_low, 1) + " to " + fmt_number(x.ci_high, 1)) << "</td></tr>\n";
        o << "</tbody>\n</table>\n";

        bool dose_rows = false;
        for (const auto& m : r->metrics)
            for (const auto& dr : m.dose_response) dose_rows = dose_rows || dr.predictor == "mg_elemental";
        if (dose_rows) {
            o << "<h3>Dose\xE2\x80\x93response within the treatment period</h3>\n<table class=\"dose-response\">\n"
                 "<thead><tr><th scope=\"col\">metric</th><th scope=\"col\">change per 100 mg</th>"
                 "<th scope=\"col\">95 % CI</th><th scope=\"col\">nights</th></tr></thead>\n<tbody>\n";
            for (const auto& m : r->metrics)
                for (const auto& dr : m.dose_response) {
                    if (dr.predictor != "mg_elemental") continue;
                    o << "<tr><th scope=\"row\">" << html_escape(m.metric) << "</th><td class=\"num\">"
                      << cell(fmt_number(dr.slope_per_100mg, 2)) << "</td><td class=\"num\">"
                      << cell(std::isfinite(dr.ci_low) ? fmt_number(dr.ci_low, 2) + " to " + fmt_number(dr.ci_high, 2) : "")
                      << "</td><td class=\"num\">" << dr.n << "</td></tr>\n";
                }
            o << "</tbody>\n</table>\n<p class=\"note\">Elemental magnesium on the night; an association "
                 "across nights, like everything above.</p>\n";
        }
        if (!r->warnings.empty()) {
            o << "<h3>Warnings</h3>\n<ul class=\"warn\">\n";
            for (const auto& w : r->warnings) o << "<li>" << html_escape(w) << "</li>\n";
            o << "</ul>\n";
        }
    }
    const auto& serum = r ? r->serum : d.serum;
    if (!serum.empty()) {
        o << "<h3>Serum magnesium</h3>\n<ul class=\"serum\">\n";
        for (const auto& s : serum)
            o << "<li>" << format_date(s.date) << ": " << html_escape(s.reading.interpretation) << "</li>\n";
        o << "</ul>\n";
    }
    if (r) o << "<p class=\"closing\">" << html_escape(closing_paragraph(*r)) << "</p>\n";
    o << "</section>\n";

    // The shared day axis: every main sleep's label date and every dose date.
    std::optional<bg::date> first, last;
    auto widen = [&](const bg::date& dt) {
        if (dt.is_special()) return;
        if (!first || dt < *first) first = dt;
        if (!last || dt > *last) last = dt;
    };
    for (std::size_t i : mains) widen(nights[i].label_date);
    for (const auto& [dt, v] : d.mg_by_date)
        if (v > 0) widen(dt);

    // Trends.
    std::vector<std::string> names;
    if (r)
        for (const auto& m : r->metrics) names.push_back(m.metric);
    else
        names = d.trend_metrics;
    o << "<section id=\"trends\">\n<h2>Night by night</h2>\n";
    if (!first) {
        o << "<p>No nights to chart.</p>\n";
    } else {
        const DayAxis axis(*first, *last, Frame{}.x0(), Frame{}.x1());
        o << "<p class=\"note\">One point per night (hollow: left out of the comparison because too little of the "
             "night was staged); gaps are dates without a night.";
        if (r)
            o << " Shaded: baseline (plain grey), washout (diagonal hatching), treatment (dotted blue), post (lines); "
                 "horizontal lines: period means (baseline dashed, treatment solid).";
        o << "</p>\n";
        for (std::size_t k = 0; k < names.size(); ++k) {
            const MetricInfo* info = find_metric(names[k]);
            if (!info || is_vital_metric(info->name)) continue;  // charted in their own section
            const MetricComparison* mc = nullptr;
            if (r)
                for (const auto& m : r->metrics)
                    if (m.metric == names[k]) mc = &m;
            std::vector<Value> values;
            for (std::size_t i : mains) {
                if (i >= d.metrics.size()) continue;
                const NightMetrics& nm = d.metrics[i];
                const bool out = info->share && !(nm.staged_fraction >= d.staged_fraction_min);
                values.push_back({nights[i].label_date, nm.*(info->member), out});
            }
            const std::string unit = unit_text(info->unit);
            o << "<figure>\n<h3 id=\"trend-" << html_escape(names[k]) << "-h\">" << html_escape(readable(*info))
              << " (<code>" << html_escape(names[k]) << "</code>" << (unit.empty() ? "" : ", " + html_escape(unit))
              << ")</h3>\n"
              << trend_svg("trend-" + std::to_string(k), *info, values, axis, r, mc) << "\n";
            o << "<figcaption>Definition: " << html_escape(info->description) << ".";
            if (!info->caveat.empty()) o << " " << html_escape(info->caveat) << ": read this chart with caution.";
            o << "</figcaption>\n";
            o << "</figure>\n";
        }
    }
    o << "</section>\n";
    o << vitals_section(nights, d.metrics, mains, first, last, r);

    // Hypnograms.
    const auto chosen = hypnogram_selection(d);
    o << "<section id=\"hypnograms\">\n<h2>Hypnograms</h2>\n";
    if (chosen.empty()) {
        o << "<p>No hypnograms drawn" << (d.hypnograms <= 0 ? " (--hypnograms 0)" : ": no night with stages") << ".</p>\n";
    } else {
        o << "<p class=\"note\">";
        if (r && r->baseline.dates && r->treatment.dates)
            o << "The last nights of the baseline and of the treatment period";
        else
            o << "The last nights recorded";
        o << " (" << chosen.size() << "). Stages from the top: Wake, REM, N1/Light, N2, Deep; local clock time.</p>\n"
          << hypnogram_legend() << "\n";
        for (std::size_t k = 0; k < chosen.size(); ++k) {
            const Night& n = nights[chosen[k]];
            std::string period;
            if (r && r->baseline.dates && r->baseline.dates->contains(n.label_date)) period = "baseline";
            else if (r && r->treatment.dates && r->treatment.dates->contains(n.label_date)) period = "treatment";
            o << "<figure>\n<h3>" << format_date(n.label_date) << (period.empty() ? "" : " (" + period + ")") << ": "
              << html_escape(n.source.label());
            if (!n.source.version.empty()) o << ", version " << html_escape(n.source.version);
            o << "</h3>\n"
              << hypnogram_svg("hypnogram-" + std::to_string(k), n,
                               chosen[k] < d.metrics.size() ? d.metrics[chosen[k]] : compute_metrics(n))
              << "\n</figure>\n";
        }
    }
    o << "</section>\n";

    // Dose timeline.
    if (d.has_intake) {
        o << "<section id=\"doses\">\n<h2>Magnesium per night</h2>\n";
        if (!first) {
            o << "<p>No dates to chart.</p>\n";
        } else {
            const DayAxis axis(*first, *last, Frame{}.x0(), Frame{}.x1());
            o << "<figure>\n" << dose_svg(d.mg_by_date, axis, r)
              << "\n<figcaption>Elemental magnesium (mg) from all logged intake, per label date (the date a night "
                 "ends): a dose taken in the evening counts for the night after it.</figcaption>\n</figure>\n";
        }
        o << "</section>\n";
    }

    o << "</main>\n<footer>\n<p>Made by sleeparch " << html_escape(d.version)
      << ". A self-contained page: no scripts, nothing loaded from the network.";
    if (!d.stamp.empty()) o << " Generated " << html_escape(d.stamp) << ".";
    o << "</p>\n</footer>\n</body>\n</html>\n";
    return o.str();
}

}  // namespace sleeparch::report
