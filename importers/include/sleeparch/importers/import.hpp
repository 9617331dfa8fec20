// Importers: recognise a format by content and read it into an ImportBatch.
//
//   ImportOptions opts;
//   ImportReport report;
//   ImportBatch batch = import_paths({"export.zip", "Takeout/"}, opts, &report);
//
// Files, folders and zips are walked; each file is offered to every importer
// in registry order and read by the first that recognises it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sleeparch/import_batch.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch::importers {

struct ImportOptions {
    // --tz: offset for formats whose times have none (Fitbit, EDF+, plain
    // hypnograms). Either a fixed offset or an IANA zone name.
    std::optional<std::int32_t> tz_offset_min;
    std::string tz_name;
    // Plain hypnograms.
    std::int32_t epoch_s = 0;       // epoch length; 0: "# epoch:" header, else 30
    std::string start;              // ISO start time; empty: "# start:" header or 2000-01-01T23:00:00Z
    std::string column;             // CSV column holding the stage
    std::map<std::string, Stage> integer_map;  // empty: YASA 0 W, 1 N1, 2 N2, 3 N3, 4 REM
    // Fitbit classic "restless": Wake (default, as Fitbit's minutesAsleep) or Asleep.
    bool fitbit_restless_as_asleep = false;
    // EDF+: trim leading/trailing Wake and "?" down to this many minutes.
    int edf_keep_wake_min = 30;
    // Called with (bytes done, bytes total) during long reads; may be empty.
    std::function<void(std::uint64_t, std::uint64_t)> progress;
};

// Sets the zone for times without a UTC offset from a --tz value: a fixed
// offset ("+01:00", "-0500", "UTC+0200", "Z") or an IANA name
// ("Europe/Berlin"). Throws UsageError naming the value when it is neither
// (an unknown zone, a malformed offset).
void set_time_zone(ImportOptions& options, std::string_view text);

// A stream of bytes: a file on disk or a zip entry being inflated.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Reads up to n bytes; returns 0 at the end. Throws IoError/ParseError
    // (truncated zip, read error).
    virtual std::size_t read(char* buffer, std::size_t n) = 0;
    // Total size in bytes if known (uncompressed size for zip entries), else 0.
    virtual std::uint64_t size() const = 0;
    // The whole content as one block in memory when the source can give it
    // without copying (a memory-mapped file), else an empty view. The view
    // lives as long as the source; a reader uses either it or read().
    virtual std::string_view view() { return {}; }
};

// Reads the rest of a source into a string.
std::string read_all(ByteSource& source);

// One importer per format.
class Importer {
public:
    virtual ~Importer() = default;
    // Short id, also Source::format: "apple_health", "fitbit", "hypnogram", ...
    virtual std::string_view id() const = 0;
    // One line for `sleeparch formats`: what it reads.
    virtual std::string_view description() const = 0;
    // One line: how it recognises the format from content.
    virtual std::string_view recognition() const = 0;
    // `name` is the file name (last path component), `head` the first bytes
    // (up to 64 KiB, fewer for short files). Must not throw.
    virtual bool recognises(std::string_view name, std::string_view head) const = 0;
    // For a file this importer does not recognise but that resembles its
    // format (a Withings heart-rate file under the sleep-state header): why
    // it is not read, for the skipped list. Empty otherwise. Must not throw.
    virtual std::string declines(std::string_view /*name*/, std::string_view /*head*/) const { return {}; }
    // Reads the whole source; `display_name` names it in errors and provenance
    // ("export.zip:apple_health_export/export.xml"). Throws ParseError on bad
    // input; recoverable defects go to out.warnings.
    virtual void read(ByteSource& source, const std::string& display_name,
                      const ImportOptions& options, ImportBatch& out) const = 0;
};

// Every importer, in the order they are offered a file.
const std::vector<const Importer*>& registry();
const Importer* find_importer(std::string_view id);

struct SkippedFile {
    std::string name;
    std::string reason;
};

struct ImportReport {
    std::vector<std::pair<std::string, std::string>> imported;  // (file, importer id)
    std::vector<SkippedFile> skipped;
};

// Imports files, folders (walked recursively, sorted) and zip archives
// (entries streamed, never extracted). A path given directly that no
// importer recognises is a ParseError; inside folders and zips such files
// are skipped and listed in the report, and a folder or zip in which no file
// is recognised is a ParseError listing what was skipped and why. `forced_format` reads every file with
// that importer instead of detecting.
ImportBatch import_paths(const std::vector<std::string>& paths, const ImportOptions& options,
                         ImportReport* report = nullptr, std::string_view forced_format = {});

// Imports one in-memory document (tests, fuzzing, Python).
ImportBatch import_buffer(std::string_view content, const std::string& display_name,
                          const ImportOptions& options, std::string_view forced_format = {});

}  // namespace sleeparch::importers
