// WHOOP account export `sleeps.csv`: one row per sleep, stage totals only.
//
// Columns (FORMATS.md "WHOOP export"): `Cycle start time, Cycle end time,
// Cycle timezone, Sleep onset, Wake onset, Sleep performance %, Respiratory
// rate (rpm), Asleep duration (min), In bed duration (min), Light sleep
// duration (min), Deep (SWS) duration (min), REM duration (min), Awake
// duration (min), Sleep need (min), Sleep debt (min), Sleep efficiency %,
// Sleep consistency %, Nap`. Times are `YYYY-MM-DD HH:MM:SS` wall clock in the
// cycle's own offset (`UTC-04:00`), which WHOOP keeps across a DST change
// inside the cycle, so both onset and wake are read with it. Rows are newest
// first; naps are extra rows with `Nap` true and become naps whatever their
// length (the file's own flag, METRICS.md §1.7).
//
// Localised exports translate the header (Spanish `Inicio del sueño`) but keep
// the column order; an English header is read by name, a localised one by
// position once one of its known names identifies it. Only the Spanish name
// above is confirmed from a real file; the other Spanish names are
// [unconfirmed] and serve recognition only.
//
// Empty rows (the current cycle, cycles without a recorded sleep) are
// skipped and counted in one warning; a malformed value is a ParseError
// naming the line and column. WHOOP states light + deep + REM = asleep; a row
// that breaks this by more than a minute gets a warning, the stage totals are
// kept as the file states them.
//
// `physiological_cycles.csv` (the same export) repeats the cycle and sleep
// columns without `Nap` and adds `Recovery score %, Resting heart rate
// (bpm), Heart rate variability (ms), ...` for each cycle's main sleep: it
// gives the nights' HRV (RMSSD) and resting heart rate, WHOOP's nightly
// values for the sleep from Sleep onset to Wake onset (METRICS.md §8).
// Its rows without a sleep or without either value are skipped and counted
// in one warning; its stage columns are not read again (sleeps.csv has them).
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csv_reader.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/vitals.hpp"

namespace sleeparch::importers {

namespace {

// physiological_cycles.csv: the columns read, by name.
constexpr std::string_view kCyclesTimezone = "Cycle timezone";
constexpr std::string_view kCyclesOnset = "Sleep onset";
constexpr std::string_view kCyclesWake = "Wake onset";
constexpr std::string_view kCyclesRhr = "Resting heart rate (bpm)";
constexpr std::string_view kCyclesHrv = "Heart rate variability (ms)";

bool is_cycles_header(const std::vector<std::string>& header) {
    for (std::string_view c : {kCyclesTimezone, kCyclesOnset, kCyclesWake, kCyclesRhr, kCyclesHrv})
        if (!find_column(header, c)) return false;
    return true;
}

enum Column : std::size_t {
    kCycleStart,
    kCycleEnd,
    kCycleTimezone,
    kSleepOnset,
    kWakeOnset,
    kPerformance,
    kRespiratoryRate,
    kAsleep,
    kInBed,
    kLight,
    kDeep,
    kRem,
    kAwake,
    kNeed,
    kDebt,
    kEfficiency,
    kConsistency,
    kNap,
    kColumnCount
};

constexpr std::array<std::string_view, kColumnCount> kEnglish = {
    "Cycle start time",           "Cycle end time",          "Cycle timezone",
    "Sleep onset",                "Wake onset",              "Sleep performance %",
    "Respiratory rate (rpm)",     "Asleep duration (min)",   "In bed duration (min)",
    "Light sleep duration (min)", "Deep (SWS) duration (min)", "REM duration (min)",
    "Awake duration (min)",       "Sleep need (min)",        "Sleep debt (min)",
    "Sleep efficiency %",         "Sleep consistency %",     "Nap"};

// Names that identify a localised header (read by position).
constexpr std::array<std::string_view, 2> kLocalisedMarkers = {
    "Inicio del sueño",        // Spanish "Sleep onset" [checked]
    "Inicio del ciclo",        // Spanish "Cycle start time" [unconfirmed]
};

struct Layout {
    std::array<std::size_t, kColumnCount> col{};
    std::array<std::string, kColumnCount> name{};  // as the header spells it, for errors
};

std::optional<Layout> layout_of(const std::vector<std::string>& header) {
    Layout l;
    bool all = true;
    for (std::size_t c = 0; c < kColumnCount; ++c) {
        const auto at = find_column(header, kEnglish[c]);
        if (!at) {
            all = false;
            break;
        }
        l.col[c] = *at;
        l.name[c] = std::string(kEnglish[c]);
    }
    if (all) return l;
    if (header.size() < kColumnCount) return std::nullopt;
    bool localised = false;
    for (std::string_view m : kLocalisedMarkers) localised = localised || find_column(header, m);
    if (!localised) return std::nullopt;
    for (std::size_t c = 0; c < kColumnCount; ++c) {
        l.col[c] = c;
        l.name[c] = std::string(trim(header[c]));
    }
    return l;
}

// Splits the first line of `head` into cells without the CSV reader (which
// throws): enough for recognition, where the header has no quoted commas.
std::vector<std::string> header_cells(std::string_view head) {
    std::vector<std::string> cells;
    std::string_view line = first_line(head);
    std::size_t pos = 0;
    while (pos <= line.size()) {
        std::size_t comma = line.find(',', pos);
        if (comma == std::string_view::npos) comma = line.size();
        std::string_view cell = trim(line.substr(pos, comma - pos));
        if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
        cells.emplace_back(cell);
        pos = comma + 1;
    }
    return cells;
}

class WhoopImporter final : public Importer {
public:
    std::string_view id() const override { return "whoop"; }
    std::string_view description() const override {
        return "WHOOP sleeps.csv (also localised headers): stage totals per sleep, naps from the Nap "
               "column, no hypnogram";
    }
    std::string_view recognition() const override {
        return "CSV whose header has Cycle timezone, Sleep onset, Wake onset and Nap (or the "
               "Spanish Inicio del sueño in the same column order); physiological_cycles.csv by its "
               "Resting heart rate (bpm) and Heart rate variability (ms) columns";
    }
    bool recognises(std::string_view, std::string_view head) const override {
        const std::vector<std::string> cells = header_cells(head);
        return layout_of(cells).has_value() || is_cycles_header(cells);
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions&,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const std::uint32_t file_index = out.add_file(display_name);
        CsvReader csv(text, display_name);
        CsvRecord header;
        if (!csv.next(header)) throw ParseError(display_name, 0, "", "empty file");
        if (!layout_of(header.fields) && is_cycles_header(header.fields)) {
            read_cycles(csv, header, display_name, out);
            return;
        }
        const std::optional<Layout> found = layout_of(header.fields);
        if (!found) {
            throw ParseError(display_name, header.line, "header",
                             "not a WHOOP sleeps.csv header (expected Cycle start time, ..., Sleep "
                             "onset, Wake onset, ..., Nap)");
        }
        const Layout& layout = *found;
        const std::size_t columns = header.fields.size();

        Source src;
        src.format = std::string(id());
        src.name = "WHOOP";
        const int source_index = out.add_source(src);

        std::size_t empty_rows = 0;
        std::uint32_t first_empty = 0;
        CsvRecord row;
        while (csv.next(row)) {
            if (row.fields.size() != columns) {
                throw ParseError(display_name, row.line, "row",
                                 std::to_string(row.fields.size()) + " fields, the header has " +
                                     std::to_string(columns));
            }
            auto cell = [&](Column c) { return trim(row.fields[layout.col[c]]); };
            auto fail = [&](Column c, const std::string& detail) {
                return ParseError(display_name, row.line,
                                  layout.name[c] + " " + quote_for_message(row.fields[layout.col[c]]),
                                  detail);
            };
            // A row without a sleep (the running cycle, a cycle WHOOP did not
            // record) has no onset; it is not an error.
            if (cell(kSleepOnset).empty() && cell(kWakeOnset).empty()) {
                if (empty_rows++ == 0) first_empty = row.line;
                continue;
            }
            auto minutes = [&](Column c) -> double {
                const std::string_view v = cell(c);
                if (v.empty()) return 0.0;
                double m = 0;
                auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), m);
                if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(m) || m < 0 ||
                    m > 7 * 24 * 60) {
                    throw fail(c, "expected minutes between 0 and 10080");
                }
                return m;
            };
            const auto offset = parse_utc_offset(cell(kCycleTimezone));
            if (!offset) throw fail(kCycleTimezone, "expected an offset like UTC-04:00");
            auto local_time = [&](Column c) -> UtcSeconds {
                const std::string_view v = cell(c);
                if (v.empty()) throw fail(c, "missing time");
                const ParsedTime t = parse_iso_datetime(v);
                if (!t.ok) throw fail(c, t.error);
                if (t.has_offset) throw fail(c, "expected a wall-clock time without offset");
                return t.local - static_cast<UtcSeconds>(*offset) * 60;
            };
            SummaryRecord s;
            s.start = local_time(kSleepOnset);
            s.end = local_time(kWakeOnset);
            if (s.end <= s.start) throw fail(kWakeOnset, "not after " + layout.name[kSleepOnset]);
            s.utc_offset_min = *offset;
            s.source = source_index;
            s.totals.light_min = minutes(kLight);
            s.totals.deep_min = minutes(kDeep);
            s.totals.rem_min = minutes(kRem);
            s.totals.wake_min = minutes(kAwake);
            const double asleep = minutes(kAsleep);
            const double staged = s.totals.light_min + s.totals.deep_min + s.totals.rem_min;
            if (!cell(kAsleep).empty() && std::abs(asleep - staged) > 1.0) {
                out.warnings.push_back(Warning{
                    display_name, row.line,
                    layout.name[kAsleep] + " " + std::string(cell(kAsleep)) +
                        " differs from light + deep + REM " + std::to_string(static_cast<long>(std::lround(staged))) +
                        " min; the stage totals are kept"});
            }
            // WHOOP's own figures; its performance % is the score.
            auto stated = [&](Column c, double limit) {
                const std::string_view v = cell(c);
                if (v.empty()) return VendorFigures::kNone;
                const std::optional<double> x = parse_number(v);
                if (!x || *x < 0 || *x > limit)
                    throw fail(c, "expected a number between 0 and " + std::to_string(static_cast<int>(limit)));
                return *x;
            };
            s.vendor.tst_min = stated(kAsleep, 7 * 24 * 60);
            s.vendor.light_min = stated(kLight, 7 * 24 * 60);
            s.vendor.deep_min = stated(kDeep, 7 * 24 * 60);
            s.vendor.rem_min = stated(kRem, 7 * 24 * 60);
            s.vendor.wake_min = stated(kAwake, 7 * 24 * 60);
            s.vendor.se_pct = stated(kEfficiency, 100);
            s.vendor.score = stated(kPerformance, 100);
            const std::string_view nap = cell(kNap);
            if (nap == "true" || nap == "TRUE" || nap == "True") {
                s.sleep_kind = SleepKind::Nap;
            } else if (nap == "false" || nap == "FALSE" || nap == "False") {
                s.sleep_kind = SleepKind::Main;
            } else if (!nap.empty()) {
                throw fail(kNap, "expected true or false");
            }
            s.file = file_index;
            s.line = row.line;
            s.id = std::string(cell(kSleepOnset));
            out.summaries.push_back(std::move(s));
        }
        if (empty_rows > 0) {
            out.warnings.push_back(Warning{display_name, first_empty,
                                           std::to_string(empty_rows) + " row" +
                                               (empty_rows == 1 ? "" : "s") +
                                               " without a sleep (no onset or wake) skipped"});
        }
    }

private:
    void read_cycles(CsvReader& csv, const CsvRecord& header, const std::string& display_name,
                     ImportBatch& out) const {
        const std::size_t columns = header.fields.size();
        const std::size_t tz_col = *find_column(header.fields, kCyclesTimezone);
        const std::size_t onset_col = *find_column(header.fields, kCyclesOnset);
        const std::size_t wake_col = *find_column(header.fields, kCyclesWake);
        const std::size_t rhr_col = *find_column(header.fields, kCyclesRhr);
        const std::size_t hrv_col = *find_column(header.fields, kCyclesHrv);
        Source src;
        src.format = std::string(id());
        src.name = "WHOOP";
        const int source_index = out.add_source(src);
        VitalScreen screen(out, display_name);
        std::size_t empty_rows = 0;
        std::uint32_t first_empty = 0;
        CsvRecord row;
        while (csv.next(row)) {
            if (row.fields.size() != columns) {
                throw ParseError(display_name, row.line, "row",
                                 std::to_string(row.fields.size()) + " fields, the header has " +
                                     std::to_string(columns));
            }
            auto cell = [&](std::size_t c) { return trim(row.fields[c]); };
            auto fail = [&](std::size_t c, const std::string& detail) {
                return ParseError(display_name, row.line,
                                  std::string(trim(header.fields[c])) + " " + quote_for_message(row.fields[c]), detail);
            };
            // The running cycle and cycles without a recorded sleep or
            // recovery have empty cells: not an error.
            if ((cell(onset_col).empty() && cell(wake_col).empty()) ||
                (cell(rhr_col).empty() && cell(hrv_col).empty())) {
                if (empty_rows++ == 0) first_empty = row.line;
                continue;
            }
            const auto offset = parse_utc_offset(cell(tz_col));
            if (!offset) throw fail(tz_col, "expected an offset like UTC-04:00");
            auto local_time = [&](std::size_t c) -> UtcSeconds {
                const std::string_view v = cell(c);
                if (v.empty()) throw fail(c, "missing time");
                const ParsedTime t = parse_iso_datetime(v);
                if (!t.ok) throw fail(c, t.error);
                if (t.has_offset) throw fail(c, "expected a wall-clock time without offset");
                return t.local - static_cast<UtcSeconds>(*offset) * 60;
            };
            const UtcSeconds start = local_time(onset_col);
            const UtcSeconds end = local_time(wake_col);
            if (end <= start) throw fail(wake_col, "not after " + std::string(kCyclesOnset));
            for (auto [col, kind] : {std::pair{hrv_col, VitalKind::HrvRmssd}, std::pair{rhr_col, VitalKind::RestingHr}}) {
                const std::string_view v = cell(col);
                if (v.empty()) continue;
                double value = 0;
                auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
                if (ec != std::errc() || ptr != v.data() + v.size()) throw fail(col, "expected a number");
                VitalReading r;
                r.kind = kind;
                r.basis = VitalBasis::Nightly;
                r.value = value;
                r.start = start;
                r.end = end;
                r.source = source_index;
                r.line = row.line;
                r.origin = "WHOOP physiological_cycles.csv " + std::string(trim(header.fields[col]));
                screen.add(std::move(r));
            }
        }
        screen.finish();
        if (empty_rows > 0) {
            out.warnings.push_back(Warning{display_name, first_empty,
                                           std::to_string(empty_rows) + " cycle" + (empty_rows == 1 ? "" : "s") +
                                               " without a sleep or without HRV and resting heart rate skipped"});
        }
    }
};

}  // namespace

const Importer& whoop_importer() {
    static const WhoopImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
