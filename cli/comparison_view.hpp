// The before/after comparison as `compare` (and `demo`) print it.
#pragma once

#include <string>

#include "commands.hpp"
#include "output.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/importers/intake_log.hpp"

namespace sleeparch::cli {

// Reads `--intake PATH` (a log or an export) with the flags' --tz, prints its
// warnings to stderr and gives clock times without an offset the offset of
// the nearest recorded night.
importers::IntakeLog load_intake(const std::string& path, const ImportFlags& flags,
                                 const std::vector<Night>& nights);

// Table (plain words for a non-statistician), CSV (one row per metric) or
// JSON (periods, metrics, warnings, serum, closing paragraph).
std::string render_comparison(const ComparisonResult& result, Format format);

}  // namespace sleeparch::cli
