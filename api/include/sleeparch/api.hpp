// The library API: the whole workflow, written once for the command line and
// the Python package. The CLI's subcommands and the pybind11 module only
// translate arguments to these option types and results to text or objects.
//
//   api::LoadOptions opt;
//   opt.paths = {"export.zip", "Takeout/"};
//   opt.tz = "Europe/Berlin";
//   api::Session s = api::load(opt);                  // nights + metrics + warnings
//   api::Intake log = api::read_intake("magnesium.csv", opt.tz);
//   ComparisonResult r = api::compare(s, &log, CompareOptions{});
//   std::string html = api::report(s, &log, api::ReportOptions{});
//
// Every option type holds its defaults once and checks itself (`validate()`
// throws UsageError naming the option); the functions call it first. Nothing
// here prints or exits: notes for the user come back as strings.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <nlohmann/json.hpp>

#include "sleeparch/assembly.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/importers/intake_log.hpp"
#include "sleeparch/importers/participants.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"
#include "sleeparch/summary.hpp"

namespace sleeparch::api {

// The library's version ("0.1.0").
std::string_view version();

// The importers, in the order they are offered a file.
struct FormatInfo {
    std::string id, reads, recognised_by;
};
std::vector<FormatInfo> formats();

// A serum magnesium result read against the reference ranges (METRICS.md
// §4); `unit` "mmol/L", "mg/dL" or "mEq/L". Throws UsageError.
SerumReading serum(double value, std::string_view unit);

// ---- load --------------------------------------------------------------------

struct LoadOptions {
    std::vector<std::string> paths;  // files, folders, zips
    // Time zone for times without an offset: an IANA name ("Europe/Berlin")
    // or a fixed offset ("+01:00"); empty: the files' own, else UTC.
    std::string tz;
    std::string input_format;        // read every file with this importer instead of detecting
    int epoch_s = 0;                 // plain hypnograms: 0 = the file's "# epoch:" line, else 30
    std::string start;               // plain hypnograms: ISO start time
    std::string column;              // plain hypnogram CSV: the stage column
    std::map<std::string, std::string> stage_map;  // plain hypnograms: integer code -> stage label
    bool restless_as_asleep = false;                // Fitbit classic "restless"
    std::vector<std::string> prefer;                // source preference, most preferred first
    int session_gap_min = AssemblyOptions{}.session_gap_min;
    // (bytes done, bytes total) during long reads; may be empty.
    std::function<void(std::uint64_t, std::uint64_t)> progress;

    // Throws UsageError: no paths, epoch outside 0..3600, session gap outside
    // 1..1440, an unknown input format or stage label, an unknown time zone.
    void validate() const;
};

// "0=W,1=N1,5=R" (the CLI's --stage-map) as a map; throws UsageError.
std::map<std::string, std::string> parse_stage_map(std::string_view text);

// What one load gives: every night assembly found (main sleeps and naps, by
// window start) with `metrics[i]` of `nights[i]`, and what was read.
struct Session {
    LoadOptions options;  // as given (paths, tz, ...), progress cleared
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    std::vector<Warning> warnings;  // import, then assembly
    std::vector<Warning> notes;     // importers' notes: facts worth checking, not defects (--verbose)
    importers::ImportReport report; // files imported and skipped
    AssemblyStats stats;
};

// Imports, assembles and computes every night's metrics. Throws ParseError
// (bad input), IoError, UsageError (options).
Session load(const LoadOptions& options);

// Nights to show: main sleeps (naps too when asked) with label dates in
// [from, to]; indices into session.nights.
struct NightFilter {
    bool naps = false;
    std::optional<boost::gregorian::date> from, to;
};
std::vector<std::size_t> select_nights(const Session& session, const NightFilter& filter);
// "YYYY-MM-DD" for --from/--to; throws UsageError naming `what`.
boost::gregorian::date parse_day(std::string_view text, std::string_view what);

// "file:line: message" (file and line when the warning has them).
std::string warning_text(const Warning& warning);

// Warnings as the user reads them ("file:line: message"). Unless `all`, a
// message repeated by many files is said once with "(and N more like it)",
// and at most 10 lines are given, then a count of the rest.
std::vector<std::string> warning_lines(const std::vector<Warning>& warnings, bool all);

// ---- the night-row schema ------------------------------------------------------

// One night as a row: the same fields, names and order for the CLI's JSON
// and CSV and the Python DataFrame (METRICS.md §2 names). Instants are UTC
// seconds with the offset they are shown at; the CLI prints them as local
// ISO 8601 ("2025-03-02T07:14:00+01:00"), Python as tz-aware Timestamps.
enum class FieldKind { Text, Flag, Integer, Number, Instant, TextList, Transitions, Cycles };
struct NightField {
    std::string_view name;
    FieldKind kind;
    std::string_view description;
};
std::span<const NightField> night_fields();

// Receives one row's values, field by field in night_fields() order.
class NightRowVisitor {
public:
    virtual ~NightRowVisitor() = default;
    virtual void text(std::string_view name, const std::string& value) = 0;
    virtual void flag(std::string_view name, bool value) = 0;
    virtual void integer(std::string_view name, std::int64_t value) = 0;
    virtual void number(std::string_view name, double value, int decimals) = 0;  // NaN: undefined
    virtual void instant(std::string_view name, std::optional<UtcSeconds> utc, std::int32_t offset_min) = 0;
    virtual void text_list(std::string_view name, const std::vector<std::string>& values) = 0;
    // Null for summary-only nights.
    virtual void transitions(std::string_view name, const TransitionMatrix* value) = 0;
    // The night's NREM-REM cycles (null when nrem_cycles is NaN), with the night's offset.
    virtual void cycles(std::string_view name, const std::vector<Cycle>* value, std::int32_t offset_min) = 0;
};
void visit_night_row(const Night& night, const NightMetrics& metrics, NightRowVisitor& visitor);

// The CLI's JSON object and CSV cells (header: csv_night_header()) of one row;
// CSV and the Python DataFrame leave out the transition matrix and the cycles
// (Python: Night.sleep_statistics() and Night.cycles()).
nlohmann::ordered_json night_row_json(const Night& night, const NightMetrics& metrics);
std::vector<std::string> csv_night_header();
std::vector<std::string> night_row_csv(const Night& night, const NightMetrics& metrics);

// The night's vendor figures (Night::vendor) by their names without the
// "vendor_" prefix ("tst_min", ..., "score"), in schema order; NaN: not stated.
std::vector<std::pair<std::string_view, double>> vendor_figures(const Night& night);

// ---- intake -----------------------------------------------------------------

struct Intake {
    std::string path;
    importers::IntakeLog log;
};
// Reads a log (CSV, JSON) or an export holding magnesium records; `tz` as
// LoadOptions::tz. Throws ParseError / IoError / UsageError.
Intake read_intake(const std::string& path, std::string_view tz = {});
// The log's doses for these nights: clock times written without an offset
// take the offset of the nearest recorded night.
std::vector<Dose> doses_for(const Session& session, const Intake& intake);
// What the user should know about the log: its warnings, and a note when
// clock times had no offset.
std::vector<std::string> intake_notes(const Intake& intake);
// METRICS.md §4 per night of the session.
LinkResult link(const Session& session, const Intake& intake);

// ---- summaries ----------------------------------------------------------------

struct Summary {
    std::vector<MetricSummary> metrics;
    TransitionMatrix transitions{};  // pooled
    Regularity regularity{};
};
// METRICS.md §3 over the nights at `indices`.
Summary summarize(const Session& session, const std::vector<std::size_t>& indices);

// ---- compare ------------------------------------------------------------------

// METRICS.md §5 over the session's nights. Needs an intake log or both
// options.baseline and options.treatment (UsageError otherwise).
ComparisonResult compare(const Session& session, const Intake* intake, const CompareOptions& options);

// ---- report -------------------------------------------------------------------

struct ReportOptions {
    CompareOptions compare;
    int hypnograms = 14;   // how many hypnograms to draw (0..1000)
    bool stamp = false;    // print the time of generation (otherwise the page depends only on its inputs)
    std::string design, design_key;  // a plan (and its key): the page shows the trial instead of before/after
    void validate() const;
};
// The self-contained HTML page (report.hpp): with a comparison when `intake`
// or explicit periods are given, else the nights only. When periods from the
// log cannot be formed the page says why and `notes` gets the reason.
std::string report(const Session& session, const Intake* intake, const ReportOptions& options,
                   std::vector<std::string>* notes = nullptr);

// ---- cohorts -------------------------------------------------------------------

// A folder of participants (each entry one participant) or a participant,path
// CSV (importers::list_participants).
using importers::Participant;
using importers::list_participants;

struct CohortOptions {
    LoadOptions load;    // how each participant is read (its paths are the participant's own)
    unsigned jobs = 1;   // participants loaded at once; 0: one per hardware thread
    bool strict = false; // a participant that fails stops the run (its error is thrown)
    void validate() const;
};

struct ParticipantError {
    std::string participant;
    std::string file;     // the file named by the error, when it names one
    std::string message;  // the library's message ("file:line: field: detail")
};

struct CohortMember {
    std::string participant;
    Session session;
};

// Members in the participants' order; each is exactly what api::load gives
// that participant alone, whatever `jobs` is.
struct Cohort {
    std::vector<CohortMember> members;
    std::vector<ParticipantError> errors;  // participants that failed, in order
};

// Loads every participant, `jobs` at a time. A participant that fails (bad
// input, unreadable files, nothing recognised) is reported in `errors` and
// the rest go on, unless options.strict. `progress` (may be empty) is called
// with (done, total, failed) from the loading threads, one at a time.
Cohort load_cohort(const std::vector<Participant>& participants, const CohortOptions& options,
                   const std::function<void(std::size_t, std::size_t, std::size_t)>& progress = {});

// The streaming form of load_cohort: each participant that loads is handed to
// `visit` (its index in `participants`, the member) on the thread that read
// it, and released when `visit` returns, so per-participant work (rendering,
// reducing) runs `jobs` at a time and the whole cohort is never held. Calls
// come in any order and from several threads at once. An exception from
// `visit` counts as that participant's failure. Returns the failures in the
// participants' order (with options.strict the first one is thrown instead).
std::vector<ParticipantError> for_each_participant(
    const std::vector<Participant>& participants, const CohortOptions& options,
    const std::function<void(std::size_t, CohortMember&&)>& visit,
    const std::function<void(std::size_t, std::size_t, std::size_t)>& progress = {});

}  // namespace sleeparch::api

// ---- agree --------------------------------------------------------------------

#include "sleeparch/agreement.hpp"

namespace sleeparch::api {

// One reference-device pair of recordings: files, folders or exports, each
// loaded with api::load. `row`: its line in pairs.csv (0: given directly).
struct AgreeInput {
    std::string id;  // empty: the reference night's date
    std::string reference, device;
    std::uint32_t row = 0;
    std::string pairs_file;  // the pairs.csv it came from, if any
};

// pairs.csv: a header naming the columns id, reference and device (any
// order, others ignored), one pair per line; relative paths are taken from
// the CSV's folder. Throws IoError, ParseError (file, line, column).
std::vector<AgreeInput> read_agree_pairs(const std::string& path);

struct AgreeOptions {
    LoadOptions load;  // how each side is read (paths are set per file)
    std::uint64_t seed = AgreementOptions{}.seed;
    std::size_t resamples = AgreementOptions{}.resamples;  // bootstrap B, 0..1,000,000 (0: no CI)
    // Throws UsageError naming the option.
    void validate() const;
};

// METRICS.md §6. Each input's reference and device nights are paired by time
// overlap; unpaired nights are listed in result.skipped (a note each). Throws
// ParseError naming the file and pairs.csv row when a file cannot be read,
// and when no pair of nights overlaps; UsageError for bad options.
struct AgreeResult {
    AgreementResult result;
    std::vector<std::string> notes;  // skipped nights, epochs outside the other's window
    std::vector<std::string> inputs;  // "reference | device" per input, for the page
};
AgreeResult agree(const std::vector<AgreeInput>& inputs, const AgreeOptions& options);

// The self-contained HTML agreement page (report::render_agreement).
std::string agreement_page(const AgreeResult& result);

}  // namespace sleeparch::api

// ---- plan: the randomised self-trial (METRICS.md §7) ----------------------------

#include "sleeparch/trial.hpp"

namespace sleeparch::api {

struct PlanRequest {
    PlanOptions plan;
    PowerOptions power;
    double dose_mg = 300;  // the intake template's planned elemental dose (1..2000)
    void validate() const;
};

// What `plan` writes: plan.json (the person's copy), the key of a blinded
// plan, the calendar and the intake-log template, and the power table when
// a history was given.
struct PlanFiles {
    TrialPlan plan;
    std::string plan_json, key_json;  // key_json empty unless blinded
    std::string ics;                  // iCalendar (RFC 5545): an event at each switch
    std::string intake_template;      // CSV in the intake-log columns, one row per planned evening
    std::vector<PowerRow> power;      // empty without a history
    std::string power_source;         // the history's source used
    std::size_t history_nights = 0;
};
// `history` may be null. Throws UsageError.
PlanFiles plan(const PlanRequest& request, const Session* history);

// Reads plan.json (and the key file of a blinded plan; may be empty).
// Throws IoError, ParseError (file and field).
TrialPlan read_plan(const std::string& path, const std::string& key_path = {});

// `compare --design`: METRICS.md §7 over the session's nights.
TrialResult compare_design(const Session& session, const Intake* intake, const TrialPlan& design,
                           const TrialOptions& options);

}  // namespace sleeparch::api
