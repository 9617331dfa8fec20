// Withings account data export: raw sleep states and nightly summaries.
//
// `raw_<device>_sleep-state.csv` (device tracker, bed, sleep-monitor, ...):
// header `start,duration,value`; each row is an ISO 8601 start with its UTC
// offset and two JSON integer arrays in (usually quoted) cells, e.g.
// `2021-10-31T01:31:00+02:00,"[60,60]","[1,2]"`: consecutive epochs of the
// given seconds from `start`, with states 0 awake, 1 light, 2 deep, 3 REM
// (trackers have no REM); any other state is a ParseError naming the row
// rather than a guess. Rows are unsorted, exact duplicate rows occur and
// the offset changes inside a file at a DST change; every row keeps its own
// offset. Epochs are deduplicated here (the same epoch with the same state
// from two rows counts once) so that overlapping rows never double count.
//
// An account export holds about 25 `raw_*.csv` files under that same header
// (heart rate `raw_bed_hr.csv` with values 40-120, steps, location, ...);
// only `raw_*_sleep-state.csv` holds sleep states. So a file under the header
// is read when its name is `raw_<device>_sleep-state*.csv`; another `raw_*`
// name is skipped by name; any other name (a renamed file, a test buffer) is
// read only when every value in its first 64 KiB is a state 0-3. Skipped
// files are listed with the reason (`declines`, shown by --verbose).
//
// `sleep.csv`: one row per night with the in-bed window and stage totals in
// seconds under a localised header (German `von,bis,"leicht (s)","tief (s)",
// "rem (s)","wach (s)"` and English `from,to,"light (s)","deep (s)","rem (s)",
// "awake (s)"` are recognised): summary-only nights without a hypnogram.
#include <algorithm>
#include <array>
#include <charconv>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "csv_reader.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::int64_t kMaxEpochSeconds = 24 * 3600;

// "raw_sleep-monitor_sleep-state.csv" -> "sleep-monitor"; "" when the name
// does not follow the export's pattern.
std::string device_from_name(std::string_view name) {
    constexpr std::string_view prefix = "raw_";
    constexpr std::string_view marker = "_sleep-state";
    if (name.substr(0, prefix.size()) != prefix) return {};
    std::size_t end = name.find(marker, prefix.size());
    if (end == std::string_view::npos || end == prefix.size()) return {};
    return std::string(name.substr(prefix.size(), end - prefix.size()));
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_raw_header(std::string_view head) {
    std::string_view line = first_line(head);
    return line == "start,duration,value" || line == "\"start\",\"duration\",\"value\"";
}

// Names the export gives its raw series: raw_<device>_<series>.csv.
bool is_raw_name(std::string_view name) {
    const std::string n = lower_ascii(name);
    return n.starts_with("raw_") && n.ends_with(".csv");
}

bool is_sleep_state_name(std::string_view name) {
    const std::string n = lower_ascii(name);
    return n.find("sleep-state") != std::string::npos || n.find("sleep_state") != std::string::npos;
}

struct OutOfRange {
    std::string value;
    std::uint32_t line = 0;
};

// The first value in the head's whole rows that is not a sleep state 0-3
// (an integer outside the range, a decimal, anything else), if any. Never
// throws: a row the head cuts or a quoting defect ends the scan, and read()
// reports such defects with their line.
std::optional<OutOfRange> first_non_state_value(std::string_view head) {
    const std::size_t last_nl = head.rfind('\n');
    if (last_nl == std::string_view::npos) return std::nullopt;
    head = head.substr(0, last_nl + 1);
    try {
        CsvReader csv(head, "");
        CsvRecord row;
        if (!csv.next(row)) return std::nullopt;
        const auto c_value = find_column(row.fields, "value");
        if (!c_value) return std::nullopt;
        while (csv.next(row)) {
            if (*c_value >= row.fields.size()) continue;
            std::string_view cell = row.fields[*c_value];
            std::size_t i = 0;
            while (i < cell.size()) {
                const char c = cell[i];
                if (c == '[' || c == ']' || c == ',' || c == ' ' || c == '\t') {
                    ++i;
                    continue;
                }
                std::size_t j = i;
                while (j < cell.size() && cell[j] != ',' && cell[j] != ']' && cell[j] != ' ') ++j;
                const std::string_view token = cell.substr(i, j - i);
                std::int64_t v = -1;
                auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
                if (ec != std::errc() || ptr != token.data() + token.size() || v < 0 || v > 3) {
                    return OutOfRange{std::string(token.substr(0, 20)), row.line};
                }
                i = j;
            }
        }
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::string base_name(const std::string& display_name) {
    std::size_t cut = display_name.find_last_of("/\\:");
    return cut == std::string::npos ? display_name : display_name.substr(cut + 1);
}

// Parses a JSON array of integers ("[60,60]", "[0]", "[]"). Withings writes
// nothing else in these cells, so a full JSON parser would only add ways to
// fail; anything else is a ParseError naming the cell.
std::vector<std::int64_t> parse_int_array(std::string_view cell, const std::string& file,
                                          std::uint32_t line, std::string_view column) {
    auto fail = [&](std::size_t pos, const std::string& what) -> ParseError {
        return ParseError(file, line, std::string(column) + " " + quote_for_message(cell),
                          "not a JSON array of integers: " + what + " at character " +
                              std::to_string(pos + 1));
    };
    std::vector<std::int64_t> out;
    std::size_t i = 0;
    const std::size_t n = cell.size();
    auto skip_ws = [&] {
        while (i < n && (cell[i] == ' ' || cell[i] == '\t' || cell[i] == '\n' || cell[i] == '\r')) ++i;
    };
    skip_ws();
    if (i >= n || cell[i] != '[') throw fail(i, "expected '['");
    ++i;
    skip_ws();
    if (i < n && cell[i] == ']') {
        ++i;
    } else {
        for (;;) {
            skip_ws();
            std::int64_t v = 0;
            const char* begin = cell.data() + i;
            auto [ptr, ec] = std::from_chars(begin, cell.data() + n, v);
            if (ec != std::errc() || ptr == begin) throw fail(i, "expected an integer");
            i += static_cast<std::size_t>(ptr - begin);
            out.push_back(v);
            skip_ws();
            if (i < n && cell[i] == ',') {
                ++i;
                continue;
            }
            if (i < n && cell[i] == ']') {
                ++i;
                break;
            }
            throw fail(i, "expected ',' or ']'");
        }
    }
    skip_ws();
    if (i != n) throw fail(i, "unexpected text after ']'");
    return out;
}

Stage withings_stage(std::int64_t code, const std::string& file, std::uint32_t line,
                     std::string_view cell) {
    switch (code) {
        case 0: return Stage::Wake;
        case 1: return Stage::Light;
        case 2: return Stage::Deep;
        case 3: return Stage::REM;
        default:
            throw ParseError(file, line, "value " + quote_for_message(cell),
                             "unknown sleep state " + std::to_string(code) +
                                 " (expected 0 awake, 1 light, 2 deep, 3 REM)");
    }
}

ParsedTime parse_time_field(const std::string& cell, const std::string& file, std::uint32_t line,
                            std::string_view column) {
    ParsedTime t = parse_iso_datetime(trim(cell));
    if (!t.ok) {
        throw ParseError(file, line, std::string(column) + " " + quote_for_message(cell), t.error);
    }
    return t;
}

std::size_t require_column(const CsvRecord& header, std::string_view name, const std::string& file) {
    auto col = find_column(header.fields, name);
    if (!col) {
        throw ParseError(file, header.line, "header",
                         "missing column \"" + std::string(name) + "\"");
    }
    return *col;
}

struct Epoch {
    UtcSeconds start;
    UtcSeconds end;
    Stage stage;
    std::int32_t offset_min;
    std::uint32_t line;
};

class WithingsRawImporter final : public Importer {
public:
    std::string_view id() const override { return "withings"; }
    std::string_view description() const override {
        return "Withings raw sleep states (raw_<device>_sleep-state.csv): 60-s epochs, awake/light/"
               "deep/REM";
    }
    std::string_view recognition() const override {
        return "CSV whose header is start,duration,value, named raw_<device>_sleep-state.csv or (another "
               "name, not raw_*) with only states 0-3; the export's other raw_*.csv series are skipped";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        if (!is_raw_header(head)) return false;
        if (is_raw_name(name)) return is_sleep_state_name(name);
        return !first_non_state_value(head);
    }
    std::string declines(std::string_view name, std::string_view head) const override {
        if (!is_raw_header(head)) return {};
        if (is_raw_name(name)) {
            if (is_sleep_state_name(name)) return {};
            return "a Withings raw data series, not sleep states (only raw_<device>_sleep-state.csv files "
                   "hold them)";
        }
        const auto bad = first_non_state_value(head);
        if (!bad) return {};
        return "start,duration,value file whose values are not Withings sleep states 0-3 (" + bad->value +
               " on line " + std::to_string(bad->line) +
               "): heart rate, steps or another raw series";
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const std::uint32_t file_index = out.add_file(display_name);
        CsvReader csv(text, display_name);
        CsvRecord header;
        if (!csv.next(header)) throw ParseError(display_name, 0, "", "empty file");
        const std::size_t c_start = require_column(header, "start", display_name);
        const std::size_t c_duration = require_column(header, "duration", display_name);
        const std::size_t c_value = require_column(header, "value", display_name);
        const std::size_t columns = header.fields.size();

        Source src;
        src.format = std::string(id());
        src.device = device_from_name(base_name(display_name));
        src.name = src.device.empty() ? "Withings" : "Withings " + src.device;
        const int source_index = out.add_source(src);

        std::vector<Epoch> epochs;
        ClockResolver clock(options, display_name, out);  // stamps without an offset (timezone.hpp)
        CsvRecord row;
        while (csv.next(row)) {
            if (row.fields.size() != columns) {
                throw ParseError(display_name, row.line, "row",
                                 std::to_string(row.fields.size()) + " fields, the header has " +
                                     std::to_string(columns));
            }
            const ParsedTime t = parse_time_field(row.fields[c_start], display_name, row.line, "start");
            const std::int32_t offset = clock.offset_of(t, nullptr, row.line);
            const UtcSeconds start = t.local - static_cast<UtcSeconds>(offset) * 60;
            const auto durations =
                parse_int_array(row.fields[c_duration], display_name, row.line, "duration");
            const auto values = parse_int_array(row.fields[c_value], display_name, row.line, "value");
            if (durations.size() != values.size()) {
                throw ParseError(display_name, row.line, "value " + quote_for_message(row.fields[c_value]),
                                 std::to_string(values.size()) + " states for " +
                                     std::to_string(durations.size()) + " durations");
            }
            UtcSeconds at = start;
            for (std::size_t i = 0; i < durations.size(); ++i) {
                if (durations[i] <= 0 || durations[i] > kMaxEpochSeconds) {
                    throw ParseError(display_name, row.line,
                                     "duration " + quote_for_message(row.fields[c_duration]),
                                     "epoch length " + std::to_string(durations[i]) +
                                         " s out of range (1 to 86400)");
                }
                const Stage stage = withings_stage(values[i], display_name, row.line, row.fields[c_value]);
                epochs.push_back(Epoch{at, at + durations[i], stage, offset, row.line});
                at += durations[i];
            }
        }

        // Sort by time, then by line so that the earliest line of a
        // duplicated epoch is the one kept for provenance.
        std::sort(epochs.begin(), epochs.end(), [](const Epoch& a, const Epoch& b) {
            return std::tie(a.start, a.end, a.stage, a.line) < std::tie(b.start, b.end, b.stage, b.line);
        });
        std::size_t duplicates = 0;
        std::uint32_t first_duplicate_line = 0;
        std::vector<Epoch> unique;
        unique.reserve(epochs.size());
        for (const Epoch& e : epochs) {
            if (!unique.empty() && unique.back().start == e.start && unique.back().end == e.end &&
                unique.back().stage == e.stage) {
                if (duplicates++ == 0) first_duplicate_line = e.line;
                continue;
            }
            unique.push_back(e);
        }
        if (duplicates > 0) {
            out.warnings.push_back(Warning{
                display_name, first_duplicate_line,
                std::to_string(duplicates) + " duplicate epoch" + (duplicates == 1 ? "" : "s") +
                    " (same start, length and state as an earlier row) dropped"});
        }

        // Contiguous epochs of one state from one row become one record;
        // the row's line stays the provenance.
        std::int32_t epoch_s = 0;
        if (!unique.empty()) {
            epoch_s = static_cast<std::int32_t>(unique.front().end - unique.front().start);
            for (const Epoch& e : unique) {
                if (e.end - e.start != epoch_s) epoch_s = 0;
            }
        }
        const std::size_t first_record = out.records.size();
        for (const Epoch& e : unique) {
            if (out.records.size() > first_record) {
                Record& last = out.records.back();
                if (last.end == e.start && last.stage == e.stage && last.line == e.line &&
                    last.utc_offset_min == e.offset_min) {
                    last.end = e.end;
                    continue;
                }
            }
            Record r;
            r.start = e.start;
            r.end = e.end;
            r.kind = RecordKind::Stage;
            r.stage = e.stage;
            r.utc_offset_min = e.offset_min;
            r.source = source_index;
            r.file = file_index;
            r.line = e.line;
            r.epoch_s = epoch_s;
            out.records.push_back(std::move(r));
        }
    }
};

// Localised names of the sleep.csv columns this importer reads.
struct SummaryColumns {
    std::string_view from, to, light, deep, rem, awake;
};
constexpr std::array<SummaryColumns, 2> kSummaryHeaders = {{
    {"von", "bis", "leicht (s)", "tief (s)", "rem (s)", "wach (s)"},
    {"from", "to", "light (s)", "deep (s)", "rem (s)", "awake (s)"},
}};

double seconds_field(const std::string& cell, const std::string& file, std::uint32_t line,
                     std::string_view column) {
    std::string_view v = trim(cell);
    if (v.empty()) return 0.0;
    std::int64_t s = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (ec != std::errc() || ptr != v.data() + v.size() || s < 0 || s > 7 * 24 * 3600) {
        throw ParseError(file, line, std::string(column) + " " + quote_for_message(cell),
                         "expected a whole number of seconds between 0 and 604800");
    }
    return static_cast<double>(s) / 60.0;
}

class WithingsSummaryImporter final : public Importer {
public:
    std::string_view id() const override { return "withings_summary"; }
    std::string_view description() const override {
        return "Withings nightly summaries (sleep.csv): stage totals only, no hypnogram";
    }
    std::string_view recognition() const override {
        return "CSV whose header has von,bis,\"leicht (s)\",\"tief (s)\" (German) or from,to,"
               "\"light (s)\",\"deep (s)\" (English)";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        std::string_view line = first_line(head);
        for (const SummaryColumns& h : kSummaryHeaders) {
            if (line.find(h.light) != std::string_view::npos &&
                line.find(h.deep) != std::string_view::npos &&
                line.find(h.awake) != std::string_view::npos &&
                (line.substr(0, h.from.size()) == h.from ||
                 line.substr(0, h.from.size() + 2) == "\"" + std::string(h.from) + "\"")) {
                return true;
            }
        }
        return false;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const std::uint32_t file_index = out.add_file(display_name);
        CsvReader csv(text, display_name);
        CsvRecord header;
        if (!csv.next(header)) throw ParseError(display_name, 0, "", "empty file");
        const SummaryColumns* names = nullptr;
        for (const SummaryColumns& h : kSummaryHeaders) {
            if (find_column(header.fields, h.from) && find_column(header.fields, h.light)) names = &h;
        }
        if (!names) {
            throw ParseError(display_name, header.line, "header",
                             "not a Withings sleep.csv header (expected von,bis,\"leicht (s)\",... or "
                             "from,to,\"light (s)\",...)");
        }
        const std::size_t c_from = require_column(header, names->from, display_name);
        const std::size_t c_to = require_column(header, names->to, display_name);
        const std::size_t c_light = require_column(header, names->light, display_name);
        const std::size_t c_deep = require_column(header, names->deep, display_name);
        const std::size_t c_rem = require_column(header, names->rem, display_name);
        const std::size_t c_awake = require_column(header, names->awake, display_name);
        // Sleep latency in seconds; its header is English in German exports too.
        const std::optional<std::size_t> c_latency = find_column(header.fields, "Duration to sleep (s)");
        const std::size_t columns = header.fields.size();

        Source src;
        src.format = std::string(id());
        src.name = "Withings";
        const int source_index = out.add_source(src);

        ClockResolver clock(options, display_name, out);  // stamps without an offset (timezone.hpp)
        CsvRecord row;
        while (csv.next(row)) {
            if (row.fields.size() != columns) {
                throw ParseError(display_name, row.line, "row",
                                 std::to_string(row.fields.size()) + " fields, the header has " +
                                     std::to_string(columns));
            }
            const ParsedTime from = parse_time_field(row.fields[c_from], display_name, row.line, names->from);
            const ParsedTime to = parse_time_field(row.fields[c_to], display_name, row.line, names->to);
            const std::int32_t offset = clock.offset_of(from, nullptr, row.line);
            // Each stamp at its own offset: a night across a DST change ends at the new one.
            const std::int32_t to_offset = clock.offset_of(to, nullptr, row.line);
            SummaryRecord s;
            s.start = from.local - static_cast<UtcSeconds>(offset) * 60;
            s.end = to.local - static_cast<UtcSeconds>(to_offset) * 60;
            if (s.end <= s.start) {
                throw ParseError(display_name, row.line,
                                 std::string(names->to) + " " + quote_for_message(row.fields[c_to]),
                                 "not after " + std::string(names->from) + " " +
                                     quote_for_message(row.fields[c_from]));
            }
            s.utc_offset_min = offset;
            s.source = source_index;
            s.totals.light_min = seconds_field(row.fields[c_light], display_name, row.line, names->light);
            s.totals.deep_min = seconds_field(row.fields[c_deep], display_name, row.line, names->deep);
            s.totals.rem_min = seconds_field(row.fields[c_rem], display_name, row.line, names->rem);
            s.totals.wake_min = seconds_field(row.fields[c_awake], display_name, row.line, names->awake);
            // The file's own figures: the stage columns as stated (an empty
            // cell states nothing) and the latency.
            auto stated = [&](std::size_t c, std::string_view name) {
                return trim(row.fields[c]).empty() ? VendorFigures::kNone
                                                   : seconds_field(row.fields[c], display_name, row.line, name);
            };
            s.vendor.light_min = stated(c_light, names->light);
            s.vendor.deep_min = stated(c_deep, names->deep);
            s.vendor.rem_min = stated(c_rem, names->rem);
            s.vendor.wake_min = stated(c_awake, names->awake);
            if (c_latency) s.vendor.sol_min = stated(*c_latency, "Duration to sleep (s)");
            s.file = file_index;
            s.line = row.line;
            out.summaries.push_back(std::move(s));
        }
    }
};

}  // namespace

const Importer& withings_importer() {
    static const WithingsRawImporter importer;
    return importer;
}

const Importer& withings_summary_importer() {
    static const WithingsSummaryImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
