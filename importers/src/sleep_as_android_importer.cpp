// Sleep as Android backup `sleep-export.csv` (inside the app's backup zip).
//
// Every record repeats its own header line (`Id,Tz,From,To,Sched,Hours,
// Rating,Comment,Framerate,Snore,Noise,Cycles,DeepSleep,LenAdjust,Geo,` then
// one "h:mm" column per actigraphy value and one `Event` column per event),
// followed by a values line and an optional noise line starting with `,`
// (FORMATS.md "Sleep as Android"). Header and values lines can have different
// column counts after the 15 fixed columns, so actigraphy values and events
// are told apart by content, not by the header.
//
// A record becomes one session (its `Id`):
//  - The window starts at `Id` (epoch ms, UTC) and lasts `Hours`. `From` and
//    `To` are minute-truncated wall-clock times that are ambiguous at a DST
//    change; `To` only serves as a check (a warning when it disagrees with
//    Id + Hours by more than two minutes in the record's own `Tz`).
//  - The app counts the whole tracked time as sleep: the window is Asleep
//    (unstaged), except stretches between TRACKING_PAUSED/RESUMED and
//    BROKEN_START/END, which stay Unscored. The app's hypnogram events
//    LIGHT_START/END, DEEP_START/END, REM_START/END and AWAKE_START/END lay
//    Light, Deep, REM and Wake over it (a specific stage beats Asleep,
//    METRICS.md §1.2), except over the paused/broken stretches. Other events
//    (LUX, DEVICE, DHA, ...) are ignored.
//  - Manual records (`Cycles` −1 and `DeepSleep` −1, or `LenAdjust` −1)
//    have no tracking: without stage events they are summary-only nights,
//    their stated window counted as unstaged sleep (sequence metrics NaN:
//    the app measured nothing inside it), and a warning counts them. The
//    app's default window for a manual entry is 20:00-07:00.
//  - Tracked records shorter than 10 minutes are tracking started and
//    stopped at once (the real backups hold many of 36 s, `Hours` 0.01,
//    `DeepSleep` −2, ended by TRACKING_STOPPED_BY_USER): no sleep anyone
//    took, so they are dropped and counted in a warning rather than made
//    naps.
//  - Offsets come from `Tz` (an IANA name) at each instant.
//  - Naps are not flagged by the app: per label date the longest record is
//    the main sleep and the others naps (METRICS.md §1.7).
// A values line without the 15 fixed columns is a damaged record: skipped
// and counted in a warning with its line (the rest of the backup is
// independent of it). A malformed value in a fixed column is a ParseError
// naming the line and the column.
#include <algorithm>
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
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

// Tracked records shorter than this are aborted starts, not sleep.
constexpr UtcSeconds kShortestTrackedS = 10 * 60;

constexpr std::size_t kFixedColumns = 15;
constexpr std::string_view kHeaderStart = "Id,Tz,From,To,Sched,Hours,Rating,Comment,Framerate";
// Plausible `Id` range: 2000-01-01 to 2100-01-01 in epoch ms.
constexpr std::int64_t kMinIdMs = 946684800000LL;
constexpr std::int64_t kMaxIdMs = 4102444800000LL;

struct Event {
    std::string_view label;
    std::int64_t ms = 0;
};

// "LIGHT_START-1606462701362" or "LUX-1606551474071-9.0" -> label and time;
// nullopt for anything else (actigraphy values, noise).
std::optional<Event> parse_event(std::string_view cell) {
    const std::size_t dash = cell.find('-');
    if (dash == 0 || dash == std::string_view::npos) return std::nullopt;
    for (char c : cell.substr(0, dash)) {
        if (!((c >= 'A' && c <= 'Z') || c == '_')) return std::nullopt;
    }
    std::string_view rest = cell.substr(dash + 1);
    const std::size_t end = rest.find('-');
    if (end != std::string_view::npos) rest = rest.substr(0, end);
    Event e;
    e.label = cell.substr(0, dash);
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), e.ms);
    if (ec != std::errc() || ptr != rest.data() + rest.size()) return std::nullopt;
    return e;
}

// "27. 11. 2020 15:25" -> local wall-clock seconds.
std::optional<UtcSeconds> parse_saa_time(std::string_view text) {
    int v[5] = {0, 0, 0, 0, 0};
    std::size_t i = 0;
    for (int k = 0; k < 5; ++k) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '.' || text[i] == ':')) ++i;
        auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v[k]);
        if (ec != std::errc() || ptr == text.data() + i) return std::nullopt;
        i = static_cast<std::size_t>(ptr - text.data());
    }
    if (i != text.size()) return std::nullopt;
    const int day = v[0], month = v[1], year = v[2], hour = v[3], minute = v[4];
    if (year < 1970 || year > 2100 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
        minute > 59 || hour < 0 || minute < 0) {
        return std::nullopt;
    }
    return seconds_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day), hour, minute, 0);
}

class SleepAsAndroidImporter final : public Importer {
public:
    std::string_view id() const override { return "sleep_as_android"; }
    std::string_view description() const override {
        return "Sleep as Android backup (sleep-export.csv, also inside the backup zip): records, "
               "LIGHT/DEEP/REM/AWAKE events over unstaged sleep, manual records";
    }
    std::string_view recognition() const override {
        return "CSV whose first line starts Id,Tz,From,To,Sched,Hours,Rating,Comment,Framerate";
    }
    bool recognises(std::string_view, std::string_view head) const override {
        const std::string_view line = first_line(head);
        return line.substr(0, kHeaderStart.size()) == kHeaderStart;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions&,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const std::uint32_t file_index = out.add_file(display_name);
        CsvReader csv(text, display_name);

        Source src;
        src.format = std::string(id());
        src.name = "Sleep as Android";
        const int source_index = out.add_source(src);

        std::vector<std::string> header;
        std::size_t damaged = 0, manual = 0, unmatched = 0, to_mismatch = 0, aborted = 0;
        std::uint32_t first_damaged = 0, first_manual = 0, first_unmatched = 0, first_to_mismatch = 0,
                      first_aborted = 0;
        auto count = [](std::size_t& n, std::uint32_t& first, std::uint32_t line) {
            if (n++ == 0) first = line;
        };

        CsvRecord row;
        while (csv.next(row)) {
            const std::vector<std::string>& f = row.fields;
            if (f.empty()) continue;
            if (trim(f[0]) == "Id") {
                header = f;
                continue;
            }
            if (trim(f[0]).empty()) continue;  // noise line
            if (header.size() < kFixedColumns || f.size() < kFixedColumns) {
                count(damaged, first_damaged, row.line);
                continue;
            }
            auto column = [&](std::string_view name) -> std::size_t {
                const auto c = find_column(header, name);
                if (!c || *c >= kFixedColumns) {
                    throw ParseError(display_name, row.line, "header",
                                     "missing column \"" + std::string(name) + "\"");
                }
                return *c;
            };
            auto fail = [&](std::string_view name, const std::string& detail) {
                return ParseError(display_name, row.line,
                                  std::string(name) + " " + quote_for_message(f[column(name)]), detail);
            };
            auto number = [&](std::string_view name, double lo, double hi) -> double {
                const std::string_view v = trim(f[column(name)]);
                double x = 0;
                auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
                if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(x) || x < lo || x > hi) {
                    throw fail(name, "expected a number between " + std::to_string(static_cast<long>(lo)) +
                                         " and " + std::to_string(static_cast<long>(hi)));
                }
                return x;
            };

            const std::string_view id_text = trim(f[column("Id")]);
            std::int64_t id_ms = 0;
            auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id_ms);
            if (ec != std::errc() || ptr != id_text.data() + id_text.size() || id_ms < kMinIdMs ||
                id_ms > kMaxIdMs) {
                throw fail("Id", "expected the start in epoch milliseconds (2000 to 2100)");
            }
            std::optional<TimeZone> tz;
            try {
                tz = TimeZone::named(trim(f[column("Tz")]));
            } catch (const UsageError&) {
                throw fail("Tz", "not a time zone the tz database knows");
            }
            const double hours = number("Hours", 0, 48);
            const double cycles = number("Cycles", -1, 1000);
            const double deep = number("DeepSleep", -2, 1);

            const UtcSeconds start_ms = id_ms;
            const UtcSeconds end_ms = id_ms + static_cast<std::int64_t>(std::llround(hours * 3600.0)) * 1000;
            // Records shorter than a second (tracking started and stopped at
            // once) carry no sleep.
            if (end_ms - start_ms < 1000) continue;
            const UtcSeconds start = start_ms / 1000;
            const UtcSeconds end = (end_ms + 999) / 1000;

            const std::optional<UtcSeconds> to_local = parse_saa_time(trim(f[column("To")]));
            if (!to_local) throw fail("To", "expected dd. MM. yyyy H:mm");
            const UtcSeconds to_utc = *to_local - static_cast<UtcSeconds>(tz->offset_at_utc(end)) * 60;
            if (std::abs(to_utc - end) > 120) count(to_mismatch, first_to_mismatch, row.line);

            // LenAdjust is only read for its manual mark: other values are
            // not used, so they are not checked either.
            const std::optional<double> len_adjust = parse_number(f[column("LenAdjust")]);
            const bool is_manual = (cycles == -1 && deep == -1) || len_adjust == -1.0;
            if (!is_manual && end - start < kShortestTrackedS) {
                count(aborted, first_aborted, row.line);
                continue;
            }

            auto add = [&](UtcSeconds a, UtcSeconds b, Stage stage) {
                a = std::max(a, start);
                b = std::min(b, end);
                if (b <= a) return;
                Record r;
                r.start = a;
                r.end = b;
                r.kind = RecordKind::Stage;
                r.stage = stage;
                r.utc_offset_min = tz->offset_at_utc(a);
                r.source = source_index;
                r.session = std::string(id_text);
                r.file = file_index;
                r.line = row.line;
                r.id = std::string(id_text);
                r.tz_name = tz->name();
                out.records.push_back(std::move(r));
            };

            // Events by time; the values line holds them after the fixed
            // columns, mixed with actigraphy numbers.
            std::vector<Event> events;
            for (std::size_t i = kFixedColumns; i < f.size(); ++i) {
                if (auto e = parse_event(trim(f[i]))) events.push_back(*e);
            }
            std::stable_sort(events.begin(), events.end(),
                             [](const Event& a, const Event& b) { return a.ms < b.ms; });

            struct Span {
                UtcSeconds start, end;
                Stage stage;
            };
            std::vector<Span> stages;
            std::vector<Span> gaps;  // paused or broken tracking
            struct Open {
                std::string_view start_label, end_label;
                Stage stage;
                bool gap;
                std::optional<std::int64_t> since;
            };
            Open open[] = {
                {"LIGHT_START", "LIGHT_END", Stage::Light, false, {}},
                {"DEEP_START", "DEEP_END", Stage::Deep, false, {}},
                {"REM_START", "REM_END", Stage::REM, false, {}},
                {"AWAKE_START", "AWAKE_END", Stage::Wake, false, {}},
                {"BROKEN_START", "BROKEN_END", Stage::Unscored, true, {}},
                {"TRACKING_PAUSED", "TRACKING_RESUMED", Stage::Unscored, true, {}},
            };
            for (const Event& e : events) {
                for (Open& o : open) {
                    if (e.label == o.start_label) {
                        if (o.since) count(unmatched, first_unmatched, row.line);
                        else o.since = e.ms;
                    } else if (e.label == o.end_label) {
                        if (!o.since) {
                            count(unmatched, first_unmatched, row.line);
                            continue;
                        }
                        Span s{*o.since / 1000, e.ms / 1000, o.stage};
                        (o.gap ? gaps : stages).push_back(s);
                        o.since.reset();
                    }
                }
            }
            for (Open& o : open) {
                if (!o.since) continue;
                // A span the app left open ends with the record.
                count(unmatched, first_unmatched, row.line);
                Span s{*o.since / 1000, end, o.stage};
                (o.gap ? gaps : stages).push_back(s);
            }

            // Asleep over the window, the stages over it, each minus the
            // gaps: without tracking the app knows nothing, whatever span
            // an event left open across the pause.
            std::sort(gaps.begin(), gaps.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
            auto add_outside_gaps = [&](UtcSeconds a, UtcSeconds b, Stage stage) {
                UtcSeconds at = a;
                for (const Span& g : gaps) {
                    if (g.end <= at || g.start >= b) continue;
                    add(at, g.start, stage);
                    at = std::max(at, g.end);
                }
                add(at, b, stage);
            };
            if (is_manual) {
                count(manual, first_manual, row.line);
                if (stages.empty() && gaps.empty()) {
                    SummaryRecord sr;
                    sr.start = start;
                    sr.end = end;
                    sr.utc_offset_min = tz->offset_at_utc(start);
                    sr.source = source_index;
                    sr.totals.asleep_unstaged_min = static_cast<double>(end - start) / 60.0;
                    sr.file = file_index;
                    sr.line = row.line;
                    sr.id = std::string(id_text);
                    out.summaries.push_back(std::move(sr));
                    continue;
                }
            }
            add_outside_gaps(start, end, Stage::Asleep);
            for (const Span& s : stages) add_outside_gaps(s.start, s.end, s.stage);
        }

        auto warn = [&](std::size_t n, std::uint32_t line, const std::string& what) {
            if (n > 0) out.warnings.push_back(Warning{display_name, line, std::to_string(n) + " " + what});
        };
        warn(damaged, first_damaged,
             std::string(damaged == 1 ? "record" : "records") + " with fewer than the 15 fixed columns " +
                 "(Id ... Geo) skipped");
        warn(manual, first_manual,
             std::string(manual == 1 ? "manual record" : "manual records") +
                 " (no tracking): summary-only nights, the stated window counted as unstaged sleep");
        warn(aborted, first_aborted,
             std::string(aborted == 1 ? "tracked record" : "tracked records") +
                 " shorter than 10 min (tracking started and stopped at once) dropped");
        warn(unmatched, first_unmatched,
             std::string(unmatched == 1 ? "event" : "events") +
                 " without a START/END partner (an open span ends with its record, a lone END is "
                 "ignored)");
        warn(to_mismatch, first_to_mismatch,
             std::string(to_mismatch == 1 ? "record" : "records") +
                 " whose To differs from Id + Hours by more than 2 min (Id + Hours is used)");
    }
};

}  // namespace

const Importer& sleep_as_android_importer() {
    static const SleepAsAndroidImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
