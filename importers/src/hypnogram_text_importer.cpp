// Plain hypnograms: one stage per line (labels or integers), or a named CSV
// column. `#` lines are comments; `# start: <ISO time>`, `# epoch: <s>` and
// `# source: <name>` header comments set the recording's start, epoch length
// and source name when the options do not. Lines end in LF, CRLF or CR alone
// (some Sleep-EDF hypnograms converted to text have CR-only line endings).
//
// Digits mean different things in the two conventions such files follow:
// - integer-only files use YASA's codes: 0 W, 1 N1, 2 N2, 3 N3, 4 REM,
//   -1/-2 unscored (or --stage-map);
// - files whose labels are letters (`W 1 2 3 4 R M ?`, as Sleep-EDF
//   hypnograms converted to text are) use R&K stage numbers: 1 N1, 2 N2,
//   3 and 4 N3 (AASM merges R&K stages 3 and 4), 0 W, -1/-2 unscored as in
//   YASA's codes. There a `4` is deep
//   sleep, not REM; a warning says so when one occurs.
// `M` (R&K movement time, also `MT`, `movement`) is Wake: the sleeper was
// moving, which scorers treat as awake; `?` is Unscored. A "Sleep stage "
// prefix (EDF+ annotation text copied as it is) is ignored.
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "csv_reader.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

constexpr const char* kDefaultStart = "2000-01-01T23:00:00";

// Spaces, tabs, CR and surrounding quotes off a token.
std::string_view trim_token(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' ||
                          s.front() == '"' || s.front() == '\''))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '"' ||
                          s.back() == '\''))
        s.remove_suffix(1);
    return s;
}

std::string_view trim_space(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// A header value: surrounding space, then one pair of matching quotes.
std::string_view header_value(std::string_view s) {
    s = trim_space(s);
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
        s = s.substr(1, s.size() - 2);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// LF, CRLF and lone CR all end a line; the result uses LF only, with one
// LF per original line ending so that line numbers stay those of the file.
std::string unify_line_ends(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// EDF+ annotation text copied as it is ("Sleep stage 2") without its
// prefix; `had_prefix` tells that the file uses R&K's labels.
std::string_view strip_edf_prefix(std::string_view value, bool* had_prefix = nullptr) {
    constexpr std::string_view prefix = "sleep stage ";
    if (value.size() > prefix.size() && lower(value.substr(0, prefix.size())) == prefix) {
        if (had_prefix) *had_prefix = true;
        return value.substr(prefix.size());
    }
    return value;
}

// A stage label (not an integer): the shared labels, plus movement time as
// Wake.
std::optional<Stage> plain_label(std::string_view value) {
    const std::string v = lower(value);
    if (v == "m" || v == "mt" || v == "movement" || v == "movement time") return Stage::Wake;
    return parse_stage_label(v);
}

bool has_letter(std::string_view value) {
    for (unsigned char c : value)
        if (std::isalpha(c)) return true;
    return false;
}

std::vector<std::string_view> split_csv_simple(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t from = 0;
    for (;;) {
        const std::size_t comma = line.find(',', from);
        out.push_back(trim_token(line.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from)));
        if (comma == std::string_view::npos) break;
        from = comma + 1;
    }
    return out;
}

bool is_stage_column(std::string_view name) {
    const std::string n = lower(name);
    return n == "stage" || n == "stages" || n == "hypno" || n == "hypnogram" || n == "sleep_stage" ||
           n == "label" || n == "sleepstage";
}

// Integer (YASA style, possibly "2.0") or nullopt.
std::optional<long> parse_integer(std::string_view v) {
    if (v.size() > 2 && v.substr(v.size() - 2) == ".0") v.remove_suffix(2);
    long x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
    return x;
}

// R&K stage numbers in files whose other labels are letters.
std::optional<Stage> rk_integer(long x) {
    switch (x) {
        case 0: return Stage::Wake;
        case 1: return Stage::N1;
        case 2: return Stage::N2;
        case 3:
        case 4: return Stage::Deep;
        case -1:
        case -2: return Stage::Unscored;  // as in YASA's codes, where both conventions agree
        default: return std::nullopt;
    }
}

std::optional<Stage> yasa_integer(long x) {
    switch (x) {
        case 0: return Stage::Wake;
        case 1: return Stage::N1;
        case 2: return Stage::N2;
        case 3: return Stage::Deep;
        case 4: return Stage::REM;
        case -1:
        case -2: return Stage::Unscored;
        default: return std::nullopt;
    }
}

class HypnogramTextImporter final : public Importer {
public:
    std::string_view id() const override { return "hypnogram"; }
    std::string_view description() const override {
        return "plain hypnogram: one stage per line (W/N1/N2/N3/R/L/A/?, M movement = Wake; integers are "
               "YASA's 0-4, but R&K stages 1-4 (4 = N3) beside letter labels) or a CSV column named "
               "stage/hypnogram; # comments; LF, CRLF or CR line ends";
    }
    std::string_view recognition() const override {
        return "text whose first non-comment line and at least 80% of the next 200 are stage labels or "
               "integers, or a CSV whose header has a stage/hypnogram column";
    }

    bool recognises(std::string_view name, std::string_view head_bytes) const override {
        const bool cut = head_bytes.size() == 64 * 1024;
        const std::string unified = unify_line_ends(head_bytes);
        std::string_view head = unified;
        // Judge on whole lines of the head only.
        const std::size_t last_nl = head.rfind('\n');
        if (last_nl != std::string_view::npos && cut) head = head.substr(0, last_nl);
        std::size_t pos = 0;
        int checked = 0, good = 0;
        bool csv = false;
        while (pos < head.size() && checked < 200) {
            std::size_t nl = head.find('\n', pos);
            std::string_view line = trim_token(head.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
            pos = nl == std::string_view::npos ? head.size() : nl + 1;
            if (line.empty() || line.front() == '#') continue;
            if (checked == 0 && line.find(',') != std::string_view::npos) {
                for (std::string_view f : split_csv_simple(line))
                    if (is_stage_column(f)) csv = true;
                if (!csv) return false;
                ++checked;
                continue;
            }
            if (csv) return true;
            for (unsigned char c : line)
                if (c < 0x20 && c != '\t') return false;
            // Mostly stages (a damaged line is then reported by read() with its
            // number), and the first value must be one.
            const std::string_view value = strip_edf_prefix(line);
            const bool ok = plain_label(value) || parse_integer(value);
            if (!ok && checked == 0) return false;
            good += ok;
            ++checked;
        }
        return checked > 0 && good * 10 >= checked * 8;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        const std::string text = unify_line_ends(read_all(source));
        std::string start_text = options.start;
        std::int32_t epoch = options.epoch_s;
        std::string source_name = "hypnogram";
        struct Epoch {
            Stage stage;
            std::uint32_t line;
        };
        // Values are mapped once all are read: whether digits are YASA codes
        // or R&K stages depends on whether any label is made of letters.
        struct Value {
            std::string text;
            std::uint32_t line;
        };
        std::vector<Value> values;
        bool letters = false;
        auto add = [&](std::string_view value, std::uint32_t line_no) {
            value = strip_edf_prefix(value, &letters);
            values.push_back(Value{std::string(value), line_no});
        };

        // Comment headers anywhere; values one per line unless the first
        // value line holds a comma, which makes the file a CSV.
        bool csv = false, first_value = true;
        std::uint32_t line_no = 0;
        std::size_t pos = 0;
        while (pos < text.size()) {
            std::size_t nl = text.find('\n', pos);
            std::string_view raw(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
            pos = nl == std::string::npos ? text.size() : nl + 1;
            ++line_no;
            const std::string_view spaced = trim_space(raw);
            if (!spaced.empty() && spaced.front() == '#') {
                std::string_view body = trim_space(spaced.substr(1));
                auto header = [&](std::string_view key) -> std::optional<std::string_view> {
                    if (lower(body.substr(0, key.size())) == key && body.size() > key.size() &&
                        body[key.size()] == ':')
                        return header_value(body.substr(key.size() + 1));
                    return std::nullopt;
                };
                if (auto v = header("start"); v && options.start.empty()) start_text = std::string(*v);
                if (auto v = header("source")) source_name = std::string(*v);
                if (auto v = header("epoch"); v && options.epoch_s == 0) {
                    auto e = parse_integer(*v);
                    if (!e || *e <= 0 || *e > 3600)
                        throw ParseError(display_name, line_no, "epoch header \"" + std::string(*v) + "\"",
                                         "expected a whole number of seconds between 1 and 3600");
                    epoch = static_cast<std::int32_t>(*e);
                }
                continue;
            }
            const std::string_view line = trim_token(raw);
            if (line.empty()) continue;
            if (first_value) csv = line.find(',') != std::string_view::npos;
            first_value = false;
            if (!csv) add(line, line_no);
        }
        if (csv) {
            CsvReader reader(text, display_name);
            CsvRecord row;
            std::optional<std::size_t> column;
            while (reader.next(row)) {
                if (row.fields.empty() || trim(row.fields[0]).substr(0, 1) == "#") continue;
                if (!column) {
                    for (std::size_t i = 0; i < row.fields.size() && !column; ++i) {
                        const std::string_view name = trim(row.fields[i]);
                        if (options.column.empty() ? is_stage_column(name) : name == options.column) column = i;
                    }
                    if (!column)
                        throw ParseError(display_name, row.line, "header",
                                         options.column.empty()
                                             ? "no stage column (name one with --column)"
                                             : "no column named \"" + options.column + "\"");
                    continue;
                }
                if (*column >= row.fields.size())
                    throw ParseError(display_name, row.line, "stage column",
                                     "row has " + std::to_string(row.fields.size()) + " fields, expected at least " +
                                         std::to_string(*column + 1));
                add(trim(row.fields[*column]), row.line);
            }
        }
        for (const Value& v : values)
            if (has_letter(v.text)) letters = true;
        const bool rk = letters && options.integer_map.empty();
        std::vector<Epoch> epochs;
        epochs.reserve(values.size());
        std::uint32_t first_rk_four = 0;
        for (const Value& v : values) {
            std::optional<Stage> stage;
            if (auto x = parse_integer(v.text)) {
                if (!options.integer_map.empty()) {
                    auto it = options.integer_map.find(std::to_string(*x));
                    if (it != options.integer_map.end()) stage = it->second;
                } else if (rk) {
                    stage = rk_integer(*x);
                    if (*x == 4 && first_rk_four == 0) first_rk_four = v.line;
                } else {
                    stage = yasa_integer(*x);
                }
                if (!stage)
                    throw ParseError(display_name, v.line, "stage \"" + v.text + "\"",
                                     !options.integer_map.empty()
                                         ? "integer stage not in --stage-map"
                                     : rk ? "integer stage outside the R&K stages (1, 2, 3, 4; 0 W, -1/-2 unscored) "
                                            "that digits mean beside letter labels; give a mapping with "
                                            "--stage-map"
                                          : "integer stage outside YASA's codes (0 W, 1 N1, 2 N2, 3 N3, 4 REM, "
                                            "-1/-2 unscored); give a mapping with --stage-map");
            } else {
                stage = plain_label(v.text);
                if (!stage)
                    throw ParseError(display_name, v.line, "stage \"" + v.text + "\"",
                                     "not a stage label; expected W, N1, N2, N3, R, L, A, M or ?");
            }
            epochs.push_back(Epoch{*stage, v.line});
        }
        if (first_rk_four != 0)
            out.warnings.push_back(Warning{display_name, first_rk_four,
                                           "digits beside letter labels read as R&K stages: 4 is stage 4 "
                                           "(N3, deep), not YASA's REM; give --stage-map to read them "
                                           "otherwise"});
        if (epochs.empty()) throw ParseError(display_name, 0, "", "no epochs: the hypnogram is empty");
        if (epoch <= 0) epoch = 30;

        const std::string used_start = start_text.empty() ? kDefaultStart : start_text;
        const ParsedTime t = parse_iso_datetime(used_start);
        if (!t.ok)
            throw ParseError(display_name, 0, "start time \"" + used_start + "\"", t.error);
        // The start's own offset, else --tz (ClockResolver); the placeholder
        // start has its own warning below, so it is not warned about twice.
        ClockResolver clock(options, display_name, out);
        const std::int32_t offset = start_text.empty() && !t.has_offset
                                        ? clock.known_offset_at_local(t.local).value_or(0)
                                        : clock.offset_of(t);
        const UtcSeconds start = t.local - static_cast<UtcSeconds>(offset) * 60;
        // With a zone, each record carries the offset in force at its start
        // (a night across a DST change wakes at the new offset).
        const TimeZone* zone = !t.has_offset && clock.user_zone() ? &*clock.user_zone() : nullptr;
        if (start_text.empty())
            out.warnings.push_back(Warning{display_name, 0,
                                           "no start time given (--start or a '# start:' line); using " +
                                               std::string(kDefaultStart) + " local"});

        const std::uint32_t file = out.add_file(display_name);
        const int src = out.add_source(Source{"hypnogram", source_name, "", ""});
        std::size_t i = 0;
        while (i < epochs.size()) {
            std::size_t j = i + 1;
            while (j < epochs.size() && epochs[j].stage == epochs[i].stage) ++j;
            Record r;
            r.start = start + static_cast<UtcSeconds>(i) * epoch;
            r.end = start + static_cast<UtcSeconds>(j) * epoch;
            r.stage = epochs[i].stage;
            r.utc_offset_min = zone ? zone->offset_at_utc(r.start) : offset;
            r.source = src;
            r.session = display_name;
            r.file = file;
            r.line = epochs[i].line;
            r.epoch_s = epoch;
            out.records.push_back(std::move(r));
            i = j;
        }
    }
};

}  // namespace

const Importer& hypnogram_text_importer() {
    static const HypnogramTextImporter instance;
    return instance;
}

}  // namespace sleeparch::importers
