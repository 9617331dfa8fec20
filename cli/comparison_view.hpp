// The before/after comparison as `compare` (and `demo`) print it.
#pragma once

#include <string>

#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "nights_view.hpp"
#include "output.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/trial.hpp"

namespace sleeparch::cli {

// Reads `--intake PATH` (a log or an export) with the flags' --tz and prints
// its warnings and notes to stderr (api::read_intake, api::intake_notes).
api::Intake load_intake(const std::string& path, const ImportFlags& flags);

// The flags `compare` and `report` share: the intake log, the metrics, the
// periods and the bootstrap.
struct CompareFlags {
    std::string intake;
    std::vector<std::string> metrics;
    std::string baseline, treatment, post;
    // Defaults are CompareOptions' own.
    std::string primary = CompareOptions{}.primary;
    int washout = CompareOptions{}.washout_nights;
    std::uint64_t seed = CompareOptions{}.seed;
    std::size_t resamples = CompareOptions{}.resamples;
    std::string source;        // --compare-source
    bool all_sources = false;  // --all-sources
};
struct CompareFlagHelp {
    std::string intake, metrics, seed;
};
void add_compare_flags(CLI::App& sub, CompareFlags& flags, const CompareFlagHelp& help);

// The options the flags ask for, checked (CompareOptions::validate) before
// any file is read. Throws UsageError naming `command`.
CompareOptions compare_options(const CompareFlags& flags, std::string_view command);

// api::compare over loaded nights with the log at `intake_path` (may be
// empty when `options` has explicit periods). `demo` calls it on data/ with
// data/intake.csv.
ComparisonResult compare_loaded(const api::Session& session, const std::string& intake_path,
                                const ImportFlags& flags, const CompareOptions& options);

// Table (plain words for a non-statistician), CSV (one row per metric) or
// JSON (periods, metrics, warnings, serum, closing paragraph).
std::string render_comparison(const ComparisonResult& result, Format format);

// The columns `nights --intake LOG` adds (METRICS.md §4), one entry per row
// of `rows` (rows point into session.nights; doses are linked over
// all of its main sleeps, so a --from/--to selection does not move them).
struct IntakeColumns {
    // mg_elemental, dose_to_onset_min, mg_7d_mean, tags, above_upper_limit
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> cells;  // table/CSV text per row
    std::vector<nlohmann::json> json;             // the same as JSON members per row
};
IntakeColumns intake_columns(const std::vector<NightRow>& rows, const api::Session& session,
                             const std::string& intake_path, const ImportFlags& flags);

// `compare --design`: table, CSV (one row per metric) or JSON (trial_json).
std::string render_trial(const TrialResult& result, Format format);

}  // namespace sleeparch::cli
