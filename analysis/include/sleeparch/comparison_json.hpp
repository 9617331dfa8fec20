// A ComparisonResult as JSON: the structure `sleeparch compare --format json`
// prints and `sleeparch.compare(...).to_dict()` returns. Non-finite numbers
// are null.
//
//   {"baseline": {"first", "last", "nights"}, "washout", "treatment", "post",
//    "periods_from_log", "bootstrap": {"resamples", "seed", "method"},
//    "metrics": [{"metric", "unit", "primary", "n_baseline", "n_treatment",
//                 "mean_baseline", ..., "ci_low", "ci_high", "hedges_g", "p",
//                 "p_holm", "mde", "verdict", ..., "dose_response": [...],
//                 "sentence"}],
//    "warnings": [...], "serum": [...], "summary": "closing paragraph"}
#pragma once

#include <nlohmann/json.hpp>

#include "sleeparch/comparison.hpp"

namespace sleeparch {

nlohmann::json comparison_json(const ComparisonResult& r);

}  // namespace sleeparch
