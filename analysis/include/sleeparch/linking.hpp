// Linking doses to nights (METRICS.md §4).
//
// A dose with a time goes to the first main sleep whose onset follows it
// within 24 h; a dose with only a date D goes to the main sleep labelled D+1
// (taken on the evening of D). Per night: mg_elemental, dose_to_onset_min,
// mg_7d_mean, tags, and the 350 mg/day supplement flag.
//
//   std::vector<NightMetrics> m = ...;  // m[i] belongs to nights[i]
//   LinkResult links = link_nights(nights, m, doses);
//   links.nights[i].mg_elemental ...
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch {

// Intake linked to one night (one per input night; naps get no doses).
struct NightLink {
    std::vector<std::size_t> doses;  // indices into the dose list, in time order
    double mg_elemental = 0;         // sum of the attributed doses (all intake kinds)
    double mg_supplement = 0;        // of which supplements
    // Last timed dose to onset, minutes; NaN when no timed dose was attributed.
    double dose_to_onset_min;
    // Mean elemental mg per label date over the 7 dates ending at this night's
    // label date (dates without doses count as 0).
    double mg_7d_mean = 0;
    std::vector<std::string> tags;  // union of the attributed doses' tags, sorted
    bool above_upper_limit = false; // supplements of this label date > 350 mg
};

struct LinkResult {
    std::vector<NightLink> nights;  // parallel to the input nights
    // Doses with magnesium that no main sleep took (no night recorded then);
    // indices into the dose list.
    std::vector<std::size_t> unattributed;
    // Elemental mg per label date, all doses (attributed or not, by the
    // label date they would have had).
    std::map<boost::gregorian::date, double> mg_by_date;
    std::map<boost::gregorian::date, double> supplement_mg_by_date;
};

// `metrics[i]` belongs to `nights[i]` (onsets come from it; a night without
// an onset uses its window start).
LinkResult link_nights(const std::vector<Night>& nights, const std::vector<NightMetrics>& metrics,
                       const std::vector<Dose>& doses);

// The label date a dose belongs to: date-only D -> D+1; timed doses -> the
// label date of the night they were attributed to, or, unattributed, the
// local date of the dose, +1 when taken at or after noon.
boost::gregorian::date dose_label_date(const Dose& dose);

// Doses whose time was written without a UTC offset (and no --tz was given)
// are read as local clock time; this sets their offset to that of the main
// sleep nearest in time and converts `time` to UTC. `local_indices` are the
// indices of such doses (IntakeLog::local_time_doses).
void assume_night_offsets(std::vector<Dose>& doses, const std::vector<std::size_t>& local_indices,
                          const std::vector<Night>& nights);

}  // namespace sleeparch
