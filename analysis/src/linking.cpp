#include "sleeparch/linking.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

namespace sleeparch {

namespace {

using boost::gregorian::date;
using boost::gregorian::date_duration;

constexpr UtcSeconds day_s = 86400;

// not_a_date_time outside Boost's calendar (years 1400-9999) instead of a throw.
date date_from_days(std::int64_t days) {
    static const std::int64_t lo = (date(1400, 1, 1) - date(1970, 1, 1)).days();
    static const std::int64_t hi = (date(9999, 12, 31) - date(1970, 1, 1)).days();
    if (days < lo || days > hi) return date(boost::gregorian::not_a_date_time);
    return date(1970, 1, 1) + date_duration(static_cast<long>(days));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

UtcSeconds onset_of(const Night& night, const NightMetrics& m) {
    return m.onset ? *m.onset : night.window_start;
}

}  // namespace

date dose_label_date(const Dose& dose) {
    if (!dose.time) {
        if (dose.date && !dose.date->is_special() && dose.date->year() < 9999)
            return *dose.date + date_duration(1);
        return date(boost::gregorian::not_a_date_time);
    }
    const std::int64_t local = *dose.time + static_cast<std::int64_t>(dose.utc_offset_min) * 60;
    const std::int64_t days = floor_div(local, day_s);
    const std::int64_t sec_of_day = local - days * day_s;
    return date_from_days(days + (sec_of_day >= 12 * 3600 ? 1 : 0));
}

LinkResult link_nights(const std::vector<Night>& nights, const std::vector<NightMetrics>& metrics,
                       const std::vector<Dose>& doses) {
    LinkResult out;
    out.nights.resize(nights.size());
    for (auto& l : out.nights) l.dose_to_onset_min = std::numeric_limits<double>::quiet_NaN();

    std::vector<std::size_t> mains;
    for (std::size_t i = 0; i < nights.size() && i < metrics.size(); ++i)
        if (!nights[i].is_nap) mains.push_back(i);
    std::sort(mains.begin(), mains.end(), [&](std::size_t a, std::size_t b) {
        return onset_of(nights[a], metrics[a]) < onset_of(nights[b], metrics[b]);
    });
    std::map<date, std::size_t> by_label;
    for (std::size_t i : mains) by_label.emplace(nights[i].label_date, i);

    std::vector<std::size_t> order(doses.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto ka = doses[a].time ? *doses[a].time : std::numeric_limits<UtcSeconds>::min();
        const auto kb = doses[b].time ? *doses[b].time : std::numeric_limits<UtcSeconds>::min();
        return ka < kb;
    });

    for (std::size_t di : order) {
        const Dose& d = doses[di];
        std::size_t night = nights.size();
        if (d.time) {
            const UtcSeconds t = *d.time;
            auto it = std::lower_bound(mains.begin(), mains.end(), t, [&](std::size_t i, UtcSeconds v) {
                return onset_of(nights[i], metrics[i]) < v;
            });
            if (it != mains.end() && onset_of(nights[*it], metrics[*it]) - t <= day_s) night = *it;
        } else {
            const date label = dose_label_date(d);
            if (!label.is_special()) {
                auto it = by_label.find(label);
                if (it != by_label.end()) night = it->second;
            }
        }
        date label = night < nights.size() ? nights[night].label_date : dose_label_date(d);
        if (d.mg_elemental > 0 && !label.is_special()) {
            out.mg_by_date[label] += d.mg_elemental;
            if (d.kind == IntakeKind::Supplement) out.supplement_mg_by_date[label] += d.mg_elemental;
        }
        if (night >= nights.size()) {
            if (d.mg_elemental > 0) out.unattributed.push_back(di);
            continue;
        }
        NightLink& link = out.nights[night];
        link.doses.push_back(di);
        link.mg_elemental += d.mg_elemental;
        if (d.kind == IntakeKind::Supplement) link.mg_supplement += d.mg_elemental;
        if (d.time && d.mg_elemental > 0)
            link.dose_to_onset_min =
                static_cast<double>(onset_of(nights[night], metrics[night]) - *d.time) / 60.0;
        for (const auto& tag : d.tags)
            if (std::find(link.tags.begin(), link.tags.end(), tag) == link.tags.end())
                link.tags.push_back(tag);
    }
    std::sort(out.unattributed.begin(), out.unattributed.end());

    for (std::size_t i : mains) {
        NightLink& link = out.nights[i];
        std::sort(link.tags.begin(), link.tags.end());
        const date label = nights[i].label_date;
        if (label.is_special()) continue;
        double sum = 0;
        const date from = label.year() > 1400 ? label - date_duration(6) : label;
        for (auto it = out.mg_by_date.lower_bound(from);
             it != out.mg_by_date.end() && it->first <= label; ++it)
            sum += it->second;
        link.mg_7d_mean = sum / 7.0;
        auto s = out.supplement_mg_by_date.find(label);
        link.above_upper_limit = s != out.supplement_mg_by_date.end() && s->second > 350.0;
    }
    return out;
}

void assume_night_offsets(std::vector<Dose>& doses, const std::vector<std::size_t>& local_indices,
                          const std::vector<Night>& nights) {
    for (std::size_t di : local_indices) {
        if (di >= doses.size() || !doses[di].time) continue;
        const UtcSeconds local = *doses[di].time;
        std::int32_t offset = 0;
        UtcSeconds best = std::numeric_limits<UtcSeconds>::max();
        for (const Night& n : nights) {
            const UtcSeconds n_local = n.window_start + static_cast<UtcSeconds>(n.utc_offset_min) * 60;
            const UtcSeconds dist = n_local > local ? n_local - local : local - n_local;
            if (dist < best) {
                best = dist;
                offset = n.utc_offset_min;
            }
        }
        doses[di].utc_offset_min = offset;
        doses[di].time = local - static_cast<UtcSeconds>(offset) * 60;
    }
}

}  // namespace sleeparch
