// What importers produce: the records, summaries, doses and warnings read
// from a set of inputs (the model target; importers link nothing else).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sleeparch/model.hpp"
#include "sleeparch/vitals.hpp"

namespace sleeparch {

// Everything importers read from a set of inputs. Records refer to sources
// and files by index so that millions of records stay small.
struct ImportBatch {
    std::vector<std::string> files;
    std::vector<Source> sources;
    std::vector<Record> records;
    std::vector<SummaryRecord> summaries;
    // Vendor figures of sessions, referred to by Record::figures.
    std::vector<VendorFigures> figures;
    std::vector<Dose> doses;
    std::vector<Warning> warnings;
    // Facts worth checking but not defects (how an unconfirmed time
    // convention was read, with an example), shown by --verbose.
    std::vector<Warning> notes;
    // HRV and resting heart-rate readings (METRICS.md §8), attached to
    // nights by assembly.
    std::vector<VitalReading> vitals;

    // Index of `s`, added if new (sources compare by every field).
    int add_source(const Source& s);
    // Index for Record::figures: `f` added, or -1 when it states nothing.
    std::int32_t add_figures(const VendorFigures& f);
    // Index of `path`, added if new.
    std::uint32_t add_file(const std::string& path);
    // Moves `other` in, remapping its source and file indices.
    void append(ImportBatch&& other);
};

}  // namespace sleeparch
