// Across nights, METRICS.md §3.
#include "sleeparch/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <set>

#include "sleeparch/time.hpp"

namespace sleeparch {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// numpy's default (linear) quantile of sorted values.
double quantile_sorted(const std::vector<double>& v, double p) {
    if (v.empty()) return kNaN;
    const double h = (static_cast<double>(v.size()) - 1.0) * p;
    const std::size_t lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}
}  // namespace

MetricSummary summarize_values(std::string metric, const std::vector<double>& values) {
    std::vector<double> v;
    v.reserve(values.size());
    for (double x : values)
        if (std::isfinite(x)) v.push_back(x);
    MetricSummary s{std::move(metric), v.size(), kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
    if (v.empty()) return s;
    double sum = 0;
    for (double x : v) sum += x;
    s.mean = sum / static_cast<double>(v.size());
    if (v.size() > 1) {
        double ss = 0;
        for (double x : v) ss += (x - s.mean) * (x - s.mean);
        s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
    }
    std::sort(v.begin(), v.end());
    s.median = quantile_sorted(v, 0.5);
    s.q1 = quantile_sorted(v, 0.25);
    s.q3 = quantile_sorted(v, 0.75);
    s.iqr = s.q3 - s.q1;
    return s;
}

std::vector<MetricSummary> summarize(const std::vector<NightMetrics>& nights) {
    std::vector<MetricSummary> out;
    std::vector<double> values(nights.size());
    for (const MetricInfo& info : scalar_metrics()) {
        for (std::size_t i = 0; i < nights.size(); ++i) values[i] = nights[i].*(info.member);
        out.push_back(summarize_values(std::string(info.name), values));
    }
    return out;
}

TransitionMatrix pooled_transitions(const std::vector<NightMetrics>& nights) {
    TransitionMatrix m{};
    for (const NightMetrics& n : nights)
        for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) m[i][j] += n.transitions[i][j];
    return m;
}

SriResult sleep_regularity_index(const std::vector<Night>& nights) {
    constexpr std::int64_t kSlots = 2880;  // 30-s slots in a clock day
    std::set<std::int64_t> labelled;
    for (const Night& n : nights) {
        if (!n.is_nap && !n.summary_only)
            labelled.insert((n.label_date - boost::gregorian::date(1970, 1, 1)).days());
    }
    std::set<std::int64_t> covered;
    for (std::int64_t d : labelled)
        if (labelled.count(d + 1)) covered.insert(d);
    if (covered.empty()) return {kNaN, 0};

    // State per covered day and clock slot: 0 wake, 1 sleep, -1 unscored.
    std::map<std::int64_t, std::vector<signed char>> days;
    for (std::int64_t d : covered) days[d].assign(kSlots, 0);
    auto floor_div = [](std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
    auto ceil_div = [&](std::int64_t a, std::int64_t b) { return -floor_div(-a, b); };
    for (const Night& n : nights) {
        if (n.summary_only) continue;
        const std::int64_t off = static_cast<std::int64_t>(n.utc_offset_min) * 60;
        for (const Segment& s : n.segments) {
            const signed char state = s.stage == Stage::Unscored ? -1 : (is_sleep(s.stage) ? 1 : 0);
            if (state == 0) continue;
            // Local 30-s slots whose midpoint lies inside the segment.
            const std::int64_t g0 = ceil_div(s.start + off - 15, 30), g1 = ceil_div(s.end + off - 15, 30);
            for (std::int64_t g = g0; g < g1; ++g) {
                auto it = days.find(floor_div(g, kSlots));
                if (it == days.end()) continue;
                it->second[static_cast<std::size_t>(g - floor_div(g, kSlots) * kSlots)] = state;
            }
        }
    }
    std::int64_t agree = 0, total = 0;
    std::size_t pairs = 0;
    for (std::int64_t d : covered) {
        auto next = days.find(d + 1);
        if (next == days.end()) continue;
        ++pairs;
        const auto& a = days[d];
        const auto& b = next->second;
        for (std::int64_t k = 0; k < kSlots; ++k) {
            if (a[k] < 0 || b[k] < 0) continue;
            ++total;
            agree += a[k] == b[k];
        }
    }
    if (total == 0) return {kNaN, pairs};
    return {-100.0 + 200.0 * static_cast<double>(agree) / static_cast<double>(total), pairs};
}

namespace {
void circular_moments(const std::vector<double>& clock_minutes, double& mean_angle, double& r) {
    double c = 0, s = 0;
    for (double m : clock_minutes) {
        const double a = 2.0 * std::numbers::pi * m / 1440.0;
        c += std::cos(a);
        s += std::sin(a);
    }
    const double n = static_cast<double>(clock_minutes.size());
    mean_angle = std::atan2(s, c);
    r = std::hypot(c, s) / n;
}
}  // namespace

double circular_sd_minutes(const std::vector<double>& clock_minutes) {
    if (clock_minutes.size() < 2) return kNaN;
    double mean = 0, r = 0;
    circular_moments(clock_minutes, mean, r);
    if (r <= 0) return kNaN;
    return std::sqrt(-2.0 * std::log(std::min(r, 1.0))) * 1440.0 / (2.0 * std::numbers::pi);
}

double circular_mean_minutes(const std::vector<double>& clock_minutes) {
    if (clock_minutes.empty()) return kNaN;
    double mean = 0, r = 0;
    circular_moments(clock_minutes, mean, r);
    double m = mean * 1440.0 / (2.0 * std::numbers::pi);
    if (m < 0) m += 1440.0;
    return m;
}

Regularity regularity(const std::vector<Night>& nights, const std::vector<NightMetrics>& metrics,
                      const std::vector<int>& free_days) {
    Regularity r{};
    r.sri = sleep_regularity_index(nights);
    std::vector<double> onsets, mids, free_mids, work_mids;
    for (std::size_t i = 0; i < nights.size() && i < metrics.size(); ++i) {
        const Night& n = nights[i];
        const NightMetrics& m = metrics[i];
        if (n.is_nap || !m.onset || !m.midpoint) continue;
        onsets.push_back(local_clock_minutes(*m.onset, m.utc_offset_min));
        const double mid = local_clock_minutes(*m.midpoint, m.utc_offset_min);
        mids.push_back(mid);
        const int wd = n.label_date.day_of_week().as_number();
        if (std::find(free_days.begin(), free_days.end(), wd) != free_days.end()) free_mids.push_back(mid);
        else work_mids.push_back(mid);
    }
    r.onset_sd_min = circular_sd_minutes(onsets);
    r.midpoint_sd_min = circular_sd_minutes(mids);
    r.free_nights = free_mids.size();
    r.work_nights = work_mids.size();
    r.social_jetlag_h = kNaN;
    if (!free_mids.empty() && !work_mids.empty()) {
        double diff = circular_mean_minutes(free_mids) - circular_mean_minutes(work_mids);
        while (diff > 720) diff -= 1440;
        while (diff <= -720) diff += 1440;
        r.social_jetlag_h = diff / 60.0;
    }
    return r;
}

}  // namespace sleeparch
