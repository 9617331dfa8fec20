// Our figures beside the file's own (Night::vendor): where they part.
//
//   if (auto w = vendor_difference_warning(nights, metrics)) warnings.push_back(*w);
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch {

// One figure compared: its name (as in the night-row schema, without the
// "vendor_" prefix), the vendor's value and ours.
struct VendorDifference {
    std::string_view name;
    double vendor = 0;
    double ours = 0;
};

// The minute figures (tst, deep, light, rem, wake, sol) of a night with a
// hypnogram where the file's own value and ours differ by more than
// `tolerance_min`. Summary-only nights are skipped: their minutes are the
// file's. Scores and efficiencies are not compared (no minutes).
std::vector<VendorDifference> vendor_differences(const Night& night, const NightMetrics& metrics,
                                                 double tolerance_min = 5);

// One warning naming the nights (date, source, figures) where
// vendor_differences() finds any, or nullopt. `nights` and `metrics` are
// parallel.
std::optional<Warning> vendor_difference_warning(const std::vector<Night>& nights,
                                                 const std::vector<NightMetrics>& metrics,
                                                 double tolerance_min = 5);

}  // namespace sleeparch
