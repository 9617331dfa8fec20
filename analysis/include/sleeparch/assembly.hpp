// Night assembly (METRICS.md §1): from records of any number of sources to
// nights, one source per night, main sleeps and naps.
//
//   ImportBatch batch = importers::import_paths({"export.zip"}, opts);
//   AssemblyResult r = assemble_nights(batch);
//   for (const Night& n : r.nights) ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sleeparch/import_batch.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch {

struct AssemblyOptions {
    // Records of one source separated by at most this gap form one session.
    int session_gap_min = 60;
    // Source preference, most preferred first; matched case-insensitively as
    // a substring of the source's name or format. Overrides the default
    // winner rule when any competing source matches.
    std::vector<std::string> source_preference;
};

struct AssemblyStats {
    std::size_t sessions = 0;               // sessions found, all sources
    std::size_t sessions_without_sleep = 0; // in-bed-only sessions (not nights)
    std::size_t sessions_dropped = 0;       // lost to another source
    std::size_t defects = 0;                // different specific stages over the same time
    std::size_t duplicates = 0;             // exact duplicate records dropped
    std::size_t copies_dropped = 0;         // sessions that were another copy of a night of their source
};

struct AssemblyResult {
    std::vector<Night> nights;  // main sleeps and naps, by window start
    std::vector<Warning> warnings;
    AssemblyStats stats;
};

// Main sleep and naps: a main/nap flag the format states (Record::sleep_kind)
// decides over the longest-TST rule (METRICS.md §1.7). A night that arrives
// more than once from one source (overlapping files, a Takeout's JSON and
// its CSVs, one session per algorithm version) is kept once, whole: the
// copy with the newest algorithm version; the others are counted in the
// warnings and stats.copies_dropped.
AssemblyResult assemble_nights(const ImportBatch& batch, const AssemblyOptions& options = {});

// HRV and resting heart rate per night (METRICS.md §8): batch.vitals onto
// the nights, into Night::vitals with one provenance line per value
// (assemble_nights calls it; vitals.cpp states the matching rule).
void attach_vitals(const ImportBatch& batch, std::vector<Night>& nights);

}  // namespace sleeparch
