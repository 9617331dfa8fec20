// Nights with their metrics, rendered for `nights` and `demo`.
#pragma once

#include <string>
#include <vector>

#include "commands.hpp"
#include "output.hpp"
#include "sleeparch/metrics.hpp"

namespace sleeparch::cli {

struct NightRow {
    const Night* night;
    const NightMetrics* metrics;
    std::string_view participant = {};  // cohorts (--participants): the first column
};

// Main sleeps (and naps if asked) with label dates in [from, to] (YYYY-MM-DD, empty = open).
std::vector<NightRow> select_nights(const api::Session& session, bool naps, const std::string& from,
                                    const std::string& to);
struct IntakeColumns;
// `intake` (may be null) adds the linking columns of `nights --intake`.
std::string render_nights(const std::vector<NightRow>& rows, Format format, const IntakeColumns* intake = nullptr);
// One `nights` table row: the participant (when the row has one), date,
// source, onset and wake, then every table_metrics() column; `present[c]` is
// set when column c is a number (it grows to the column count).
std::vector<std::string> night_table_row(const NightRow& r, std::vector<char>& present);
// The `nights` table of such rows (each followed by `extra_header`'s cells, if
// given): HRV and resting-HR columns are left out unless `present` marks them.
std::string render_night_table(std::vector<std::vector<std::string>> cells, const std::vector<char>& present,
                               bool cohort, const std::vector<std::string>* extra_header = nullptr);
std::string render_summary(const std::vector<NightRow>& rows, Format format);
// --participants --summary: one summary per participant, with a participant column
// (JSON: an array of {participant, ...summary}).
std::string render_cohort_summary(const std::vector<std::pair<std::string, std::vector<NightRow>>>& groups,
                                  Format format);

}  // namespace sleeparch::cli
