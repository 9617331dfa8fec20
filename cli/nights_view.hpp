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
std::string render_summary(const std::vector<NightRow>& rows, Format format);
// --participants --summary: one summary per participant, with a participant column
// (JSON: an array of {participant, ...summary}).
std::string render_cohort_summary(const std::vector<std::pair<std::string, std::vector<NightRow>>>& groups,
                                  Format format);

}  // namespace sleeparch::cli
