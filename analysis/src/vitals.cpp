// HRV and resting heart rate per night (METRICS.md §8): the batch's
// readings onto the assembled nights.
//
// A reading only serves nights of its own maker: its source's family (the
// vendor, else the format's first word) must be the night's. Within that, per kind and
// night, the vendor's nightly value wins; else the mean of the samples
// inside the night's window; else the daily value stamped on the night's
// label date (main sleeps only: a daily value describes the day's night).
#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch {

namespace {

// The maker: the vendor, else the format's first word, so that one maker's
// importers meet (garmin and garmin_fit; apple_health's sources, whichever
// app or watch wrote the sleep and the HRV).
std::string family(const Source& s) {
    if (!s.vendor.empty()) return s.vendor;
    return s.format.substr(0, s.format.find('_'));
}

std::string where(const ImportBatch& batch, const VitalReading& r) {
    std::string f = r.file < batch.files.size() ? batch.files[r.file] : std::string("<input>");
    return r.line ? f + ":" + std::to_string(r.line) : f;
}

constexpr VitalKind kKinds[] = {VitalKind::HrvRmssd, VitalKind::HrvSdnn, VitalKind::RestingHr};

}  // namespace

void attach_vitals(const ImportBatch& batch, std::vector<Night>& nights) {
    if (batch.vitals.empty() || nights.empty()) return;
    std::vector<std::string> night_family(nights.size());
    for (std::size_t i = 0; i < nights.size(); ++i) night_family[i] = family(nights[i].source);
    auto reading_family = [&](const VitalReading& r) {
        return r.source >= 0 && static_cast<std::size_t>(r.source) < batch.sources.size()
                   ? family(batch.sources[static_cast<std::size_t>(r.source)])
                   : std::string();
    };
    // Main sleeps by (family, label date), for date-stamped readings.
    std::map<std::pair<std::string, boost::gregorian::date>, std::size_t> main_of;
    for (std::size_t i = 0; i < nights.size(); ++i)
        if (!nights[i].is_nap && !nights[i].label_date.is_special())
            main_of.emplace(std::make_pair(night_family[i], nights[i].label_date), i);

    // Nightly values: the best-overlapping night (a main sleep on a tie), or
    // the main sleep of the stated date; of several for one night, the one
    // overlapping it most (the first on a tie: copies in overlapping exports).
    struct Pick {
        const VitalReading* reading = nullptr;
        std::int64_t overlap = -1;
    };
    std::vector<std::array<Pick, 3>> nightly(nights.size());
    // Samples per family, sorted by time; daily values per (family, date).
    std::map<std::string, std::vector<const VitalReading*>> samples;
    std::map<std::pair<std::string, boost::gregorian::date>, std::array<const VitalReading*, 3>> daily;
    for (const VitalReading& r : batch.vitals) {
        const std::string fam = reading_family(r);
        const auto k = static_cast<std::size_t>(r.kind);
        if (r.basis == VitalBasis::Sample) {
            samples[fam].push_back(&r);
        } else if (r.basis == VitalBasis::Daily) {
            auto& slot = daily[{fam, r.date}];
            if (!slot[k]) slot[k] = &r;
        } else if (r.end > r.start) {
            std::size_t best = nights.size();
            std::int64_t best_overlap = 0;
            for (std::size_t i = 0; i < nights.size(); ++i) {
                if (night_family[i] != fam) continue;
                const std::int64_t ov = std::min(r.end, nights[i].window_end) - std::max(r.start, nights[i].window_start);
                if (ov <= 0) continue;
                if (ov > best_overlap || (ov == best_overlap && best < nights.size() && nights[best].is_nap &&
                                          !nights[i].is_nap)) {
                    best = i;
                    best_overlap = ov;
                }
            }
            if (best < nights.size() && best_overlap > nightly[best][k].overlap)
                nightly[best][k] = Pick{&r, best_overlap};
        } else if (!r.date.is_special()) {
            auto it = main_of.find({fam, r.date});
            // A dated value overlaps its night "completely": it loses only to
            // an earlier dated value, never to a timed one that overlaps less.
            constexpr std::int64_t kWhole = std::numeric_limits<std::int64_t>::max();
            if (it != main_of.end() && !nightly[it->second][k].reading) nightly[it->second][k] = Pick{&r, kWhole};
        }
    }
    for (auto& [fam, list] : samples)
        std::stable_sort(list.begin(), list.end(),
                         [](const VitalReading* a, const VitalReading* b) { return a->start < b->start; });

    for (std::size_t i = 0; i < nights.size(); ++i) {
        Night& n = nights[i];
        for (VitalKind kind : kKinds) {
            const auto k = static_cast<std::size_t>(kind);
            const std::string name(vital_metric_name(kind));
            if (const VitalReading* r = nightly[i][k].reading) {
                n.vitals.value(kind) = r->value;
                n.vitals.provenance.push_back(name + ": vendor nightly value, " + r->origin + " (" + where(batch, *r) +
                                              ")");
                continue;
            }
            auto s = samples.find(night_family[i]);
            if (s != samples.end()) {
                const auto& list = s->second;
                auto it = std::lower_bound(list.begin(), list.end(), n.window_start,
                                           [](const VitalReading* a, std::int64_t t) { return a->start < t; });
                double sum = 0;
                std::size_t count = 0;
                const VitalReading* first = nullptr;
                for (; it != list.end() && (*it)->start < n.window_end; ++it) {
                    if ((*it)->kind != kind) continue;
                    if (!first) first = *it;
                    sum += (*it)->value;
                    ++count;
                }
                if (count > 0) {
                    n.vitals.value(kind) = sum / static_cast<double>(count);
                    n.vitals.provenance.push_back(name + ": mean of " + std::to_string(count) + " reading" +
                                                  (count == 1 ? "" : "s") + " inside the night's window, " +
                                                  first->origin + " (first " + where(batch, *first) + ")");
                    continue;
                }
            }
            if (n.is_nap || n.label_date.is_special()) continue;
            auto d = daily.find({night_family[i], n.label_date});
            if (d != daily.end() && d->second[k]) {
                const VitalReading* r = d->second[k];
                n.vitals.value(kind) = r->value;
                n.vitals.provenance.push_back(name + ": daily value stamped on the wake date " + format_date(n.label_date) +
                                              ", " + r->origin + " (" + where(batch, *r) + ")");
            }
        }
    }
}

}  // namespace sleeparch
