// The data model: records as importers emit them, nights as assembly builds
// them, doses as intake readers read them.
//
// Times are UTC seconds since the epoch (int64) plus the UTC offset in force
// (minutes east of UTC). Intervals are half-open: [start, end).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include "sleeparch/stage.hpp"
#include "sleeparch/vitals.hpp"

namespace sleeparch {

using UtcSeconds = std::int64_t;

// Where data came from. Within-source rules (precedence, sessions, copies
// of one night) group by key(): the vendor (else the format) plus the
// app/device name. Device and version strings vary
// night to night (firmware updates) and are kept per night, not in the key.
struct Source {
    std::string format;   // importer id: "apple_health", "fitbit", "hypnogram", ...
    std::string name;     // app or device name as the file states it ("Anna’s Apple Watch")
    std::string device;   // device description, if the format gives one
    std::string version;  // firmware / app / algorithm version, if given
    // The maker whose device or account the data is from, set where one
    // maker's data comes through several importers (Fitbit's Takeout JSON
    // and CSVs): it stands for the format in key(), so that a device is one
    // source across files and formats. Empty: the format.
    std::string vendor = {};

    std::string key() const { return (vendor.empty() ? format : vendor) + "|" + name; }
    // "name (format)" or just format when there is no name.
    std::string label() const;
    bool operator==(const Source&) const = default;
};

// The totals and scores a file itself states for a session (Oura's
// total_sleep_duration, Fitbit's minutesAsleep, Garmin's sleep score), under
// our metric names, kept beside the figures we compute from the hypnogram.
// They differ from ours for reasons of their own (finer or coarser grids
// than the stages the file gives, vendor definitions of latency and awake
// time, Fitbit's truncation to whole minutes). NaN: the file does not state it.
struct VendorFigures {
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
    double tst_min = kNone;
    double deep_min = kNone;
    double light_min = kNone;
    double rem_min = kNone;
    double wake_min = kNone;   // awake time as the vendor counts it
    double sol_min = kNone;    // sleep-onset latency as the vendor counts it
    double se_pct = kNone;     // sleep efficiency, percent
    double score = kNone;      // the vendor's overall sleep score
    bool any() const;
};

// What a record says about its interval.
enum class RecordKind : std::uint8_t {
    Stage,  // a stage (any Stage value, Unscored included)
    InBed,  // in bed, no statement about sleep (Apple InBed, session bounds)
};

// Whether a session is the main sleep or a nap, as the format states it
// (Fitbit mainSleep / isMainSleep). Stated flags decide over the
// longest-TST rule (METRICS.md §1.7).
enum class SleepKind : std::uint8_t { Unstated, Main, Nap };

// One interval from one source, as an importer emits it. Exports hold
// millions: the fields are ordered to leave no padding.
struct Record {
    UtcSeconds start = 0;
    UtcSeconds end = 0;
    RecordKind kind = RecordKind::Stage;
    Stage stage = Stage::Unscored;
    std::int32_t utc_offset_min = 0;  // offset in force at `start`
    int source = 0;                   // index into ImportBatch::sources
    // What the format states for the record's session: an index into
    // ImportBatch::figures, -1 for none. Importers set it on the session's
    // records (at least one); assembly gives the night the first it finds.
    std::int32_t figures = -1;
    // A session the format states (Fitbit logId, Oura period id, Garmin
    // night, Samsung sleep_id, one plain hypnogram file). Empty: sessions are
    // found by gaps (METRICS.md §1.3).
    std::string session;
    // Tie-break above precedence without a defect warning: a record with a
    // higher layer replaces the part of a lower-layer record it covers
    // (Fitbit shortData over levels.data).
    std::uint8_t layer = 0;
    // Main sleep or nap as the format states it for the record's session.
    SleepKind sleep_kind = SleepKind::Unstated;
    // The file states no offset and none was given (--tz), so the time
    // was read as UTC (the resolver's last step): copies of one night from
    // this file and from one that states its offsets are matched on local
    // clock time (Fitbit's legacy JSON beside a Takeout's CSVs).
    bool offset_assumed = false;
    // Creation time when the format gives it (UTC seconds; 0 = unknown).
    // Two different specific stages over the same time: the later wins.
    UtcSeconds created = 0;
    // Position in the input for provenance and warnings.
    std::uint32_t file = 0;  // index into ImportBatch::files
    std::uint32_t line = 0;  // 1-based line or record number, 0 = unknown
    std::string id;          // the record's own id if it has one
    // Native epoch length in seconds (0 = unknown / event-based).
    std::int32_t epoch_s = 0;
    // The night's label date when the format states it (Garmin
    // calendarDate); not-a-date: the local date of the session's end
    // (METRICS.md §1.5).
    boost::gregorian::date label_date;
    // IANA time zone the format states for the record (Apple HKTimeZone
    // metadata), empty when it states none.
    std::string tz_name;
};

// A night with totals only (Garmin account export, Withings sleep.csv):
// no hypnogram, so sequence metrics are NaN.
struct StageTotals {
    double light_min = 0, deep_min = 0, rem_min = 0, wake_min = 0, asleep_unstaged_min = 0;
};

struct SummaryRecord {
    UtcSeconds start = 0;  // in-bed window
    UtcSeconds end = 0;
    std::int32_t utc_offset_min = 0;
    int source = 0;
    StageTotals totals;
    SleepKind sleep_kind = SleepKind::Unstated;  // as for Record
    std::uint32_t file = 0;
    std::uint32_t line = 0;
    std::string id;
    boost::gregorian::date label_date;  // as Record::label_date
    VendorFigures vendor;               // as the file states them
    bool offset_assumed = false;        // as Record::offset_assumed
};

enum class DoseForm : std::uint8_t {
    Unknown,
    Oxide,
    Citrate,
    Glycinate,
    Threonate,
    Chloride,
    ChlorideHexahydrate,
    Malate,
    Taurate,
    Other,
};

enum class IntakeKind : std::uint8_t { Supplement, Dietary };

// One intake event of magnesium.
struct Dose {
    // Time in UTC with its offset, or a date only.
    std::optional<UtcSeconds> time;
    std::int32_t utc_offset_min = 0;
    std::optional<boost::gregorian::date> date;  // set when only a date is known
    double mg_elemental = 0;
    DoseForm form = DoseForm::Unknown;
    IntakeKind kind = IntakeKind::Supplement;
    bool converted = false;       // elemental mg computed from compound mass and form
    double compound_mg = 0;       // as logged, when converted
    std::string product;
    std::vector<std::string> tags;  // alcohol, caffeine, exercise, illness, ...
    std::string source;             // file or app
    std::uint32_t line = 0;
};

// A warning raised while importing or assembling, with its place.
struct Warning {
    std::string file;
    std::uint32_t line = 0;  // 0 = not tied to a line
    std::string message;
};

// A piece of a night's hypnogram.
struct Segment {
    UtcSeconds start = 0;
    UtcSeconds end = 0;
    Stage stage = Stage::Unscored;
    double minutes() const { return static_cast<double>(end - start) / 60.0; }
    bool operator==(const Segment&) const = default;
};

struct Provenance {
    std::vector<std::string> files;            // files the night's records came from
    std::vector<std::string> record_ids;       // ids, or "file:line" when there are none
    std::vector<std::string> dropped_sources;  // sources that competed for this night and lost
};

// One sleep period from one source.
//
// Invariants (checked by validate()): segments sorted, non-overlapping,
// contiguous and exactly covering [window_start, window_end); no two adjacent
// segments share a stage; window_end > window_start. Summary-only nights have
// no segments and carry `totals` instead.
struct Night {
    std::vector<Segment> segments;
    UtcSeconds window_start = 0;
    UtcSeconds window_end = 0;
    std::int32_t utc_offset_min = 0;  // offset in force at window_start
    Source source;
    std::int32_t epoch_s = 0;  // native epoch length, 0 = unknown
    bool is_nap = false;
    boost::gregorian::date label_date;  // local wake-up date (METRICS.md §1.5)
    bool summary_only = false;
    StageTotals totals;  // only for summary-only nights
    Provenance provenance;
    // HRV and resting heart rate with their provenance (METRICS.md §8).
    NightVitals vitals;
    VendorFigures vendor;  // the file's own totals and scores for this night

    // Throws std::logic_error naming the broken invariant.
    void validate() const;
    double tib_min() const { return static_cast<double>(window_end - window_start) / 60.0; }
};

// Builds a contiguous, merged segment list from per-epoch stages.
std::vector<Segment> segments_from_epochs(UtcSeconds start, std::int32_t epoch_s,
                                          const std::vector<Stage>& epochs);

// Merges adjacent segments of the same stage in place (input sorted, contiguous).
void merge_adjacent(std::vector<Segment>& segments);

}  // namespace sleeparch
