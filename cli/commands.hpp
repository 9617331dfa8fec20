// One function per subcommand: each adds its CLI11 subcommand to `app` and
// sets a callback that calls into the library and prints the result.
#pragma once

#include <CLI/CLI.hpp>

#include "sleeparch/assembly.hpp"
#include "sleeparch/importers/import.hpp"

namespace sleeparch {
struct CompareOptions;
}

namespace sleeparch::cli {

// Options every subcommand that imports files shares.
struct ImportFlags {
    std::vector<std::string> paths;
    std::string tz;                 // --tz
    std::string format;             // --input-format (force an importer)
    int epoch_s = 0;                // --epoch (0: the file's "# epoch:" line, else 30)
    std::string start;              // --start
    std::string column;             // --column
    std::string stage_map;          // --stage-map "0=W,1=N1,..."
    bool restless_as_asleep = false;
    std::vector<std::string> prefer;  // --source preference
    int session_gap_min = 60;
    bool verbose = false;
};

// Adds the import options to a subcommand (paths positional, required).
void add_import_flags(CLI::App& sub, ImportFlags& flags);

// Imports the flags' paths and assembles nights; prints import and assembly
// warnings (and, with --verbose, imported/skipped files) to stderr, and a
// progress bar when stderr is a terminal. Throws ParseError/IoError.
struct Loaded {
    ImportBatch batch;
    importers::ImportReport report;
    AssemblyResult assembly;
};
Loaded load_nights(const ImportFlags& flags);

void set_nights_command(CLI::App& app);
void set_formats_command(CLI::App& app);
void set_demo_command(CLI::App& app);
void set_compare_command(CLI::App& app);
void set_serum_command(CLI::App& app);
void set_report_command(CLI::App& app);
// The HTML page of `report` (and `demo --report`) over loaded nights: the
// comparison when `intake_path` or `periods_given`, else the nights only.
std::string build_report(const Loaded& loaded, const ImportFlags& flags, const std::string& intake_path,
                         const CompareOptions& options, bool periods_given, int hypnograms, bool stamp);
// subcommand declarations (keep this line: one declaration per subcommand above it)

}  // namespace sleeparch::cli
