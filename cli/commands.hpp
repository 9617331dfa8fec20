// One function per subcommand: each adds its CLI11 subcommand to `app` and
// sets a callback that calls into the library and prints the result.
#pragma once

#include <CLI/CLI.hpp>

#include "sleeparch/api.hpp"

namespace sleeparch::cli {

// Options every subcommand that imports files shares: the library's load
// options (their defaults), and what only the command line has.
struct ImportFlags {
    api::LoadOptions load;
    std::string stage_map;  // --stage-map "0=W,1=N1,..."
    bool verbose = false;
};

// Adds the import options to a subcommand (paths positional, required).
void add_import_flags(CLI::App& sub, ImportFlags& flags);

// api::load with the flags; prints import and assembly warnings (and, with
// --verbose, imported/skipped files) to stderr, and a progress bar when
// stderr is a terminal. Throws ParseError/IoError/UsageError.
api::Session load_nights(const ImportFlags& flags);

void set_nights_command(CLI::App& app);
void set_formats_command(CLI::App& app);
void set_demo_command(CLI::App& app);
void set_compare_command(CLI::App& app);
void set_serum_command(CLI::App& app);
void set_report_command(CLI::App& app);
// The page of `report` (and `demo --report`): api::report with the log at
// `intake_path` (may be empty); prints the library's notes to stderr.
std::string report_page(const api::Session& session, const ImportFlags& flags, const std::string& intake_path,
                        const api::ReportOptions& options);
void set_agree_command(CLI::App& app);
void set_plan_command(CLI::App& app);
// subcommand declarations (keep this line: one declaration per subcommand above it)

}  // namespace sleeparch::cli
