// Fitbit sleep CSVs of newer Google Takeouts (`Health Fitness Data_GoogleData/`):
// `UserSleepStages_*.csv` (one row per stage segment) and `UserSleeps_*.csv`
// (one row per sleep). FORMATS.md § Fitbit.
//
// The header names the file: UserSleepStages has sleep_id, sleep_stage_type,
// sleep_stage_start and sleep_stage_end; UserSleeps has sleep_id, sleep_start
// and sleep_end. Times are UTC ("2026-09-11T17:30:00Z") with offset columns
// (start_utc_offset, "+05:30"). A stage row is a stage record, a sleep row
// the session's InBed record; both carry session = sleep_id, so the two files
// of one Takeout assemble into the same nights. Stage types LIGHT, DEEP, REM,
// AWAKE (WAKE in some descriptions) and, for classic sleeps, ASLEEP and
// RESTLESS (Wake unless options.fitbit_restless_as_asleep); UNKNOWN is
// Unscored. The column layout is taken from descriptions of real exports,
// not from a file this project has seen: the reader finds columns by name
// and needs only the ones above. A UserSleeps file alone gives in-bed
// windows, which are no nights (METRICS.md §1.7).
//
// The Takeout holds every night once per algorithm version
// (`algorithm_version`), and again in the legacy sleep-*.json. These files
// are one source with the JSON (vendor "fitbit", name "Fitbit"); a session
// is the sleep_id within its algorithm version, and night assembly keeps one
// copy of each night, the newest version.

#include <array>
#include <set>
#include <string>
#include <string_view>

#include "csv_reader.hpp"
#include "json_util.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::int64_t kMaxSpanSeconds = 7 * 24 * 3600;

struct StageName {
    std::string_view name;
    Stage stage;
};

constexpr std::array<StageName, 8> kStageNames = {{{"LIGHT", Stage::Light},
                                                   {"DEEP", Stage::Deep},
                                                   {"REM", Stage::REM},
                                                   {"AWAKE", Stage::Wake},
                                                   {"WAKE", Stage::Wake},
                                                   {"ASLEEP", Stage::Asleep},
                                                   {"RESTLESS", Stage::Wake},
                                                   {"UNKNOWN", Stage::Unscored}}};

bool has_column(std::string_view header_line, std::string_view name) {
    std::size_t pos = 0;
    while ((pos = header_line.find(name, pos)) != std::string_view::npos) {
        bool start_ok = pos == 0 || header_line[pos - 1] == ',' || header_line[pos - 1] == '"';
        std::size_t end = pos + name.size();
        bool end_ok = end == header_line.size() || header_line[end] == ',' || header_line[end] == '"' ||
                      header_line[end] == '\r';
        if (start_ok && end_ok) return true;
        pos = end;
    }
    return false;
}

enum class Kind { Stages, Sleeps, None };

Kind kind_of(std::string_view header_line) {
    if (!has_column(header_line, "sleep_id")) return Kind::None;
    if (has_column(header_line, "sleep_stage_type") && has_column(header_line, "sleep_stage_start") &&
        has_column(header_line, "sleep_stage_end")) {
        return Kind::Stages;
    }
    if (has_column(header_line, "sleep_start") && has_column(header_line, "sleep_end")) return Kind::Sleeps;
    return Kind::None;
}

class FitbitCsvImporter final : public Importer {
public:
    std::string_view id() const override { return "fitbit_csv"; }
    std::string_view description() const override {
        return "Fitbit Takeout CSVs (Google Health): UserSleepStages_*.csv stage segments and UserSleeps_*.csv "
               "sleep windows, UTC with offset columns";
    }
    std::string_view recognition() const override {
        return "CSV header with sleep_id and sleep_stage_type/sleep_stage_start/sleep_stage_end "
               "(UserSleepStages) or sleep_start/sleep_end (UserSleeps)";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        return kind_of(first_line(head)) != Kind::None;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        std::string text = read_all(source);
        CsvReader csv(text, display_name);
        CsvRecord header;
        if (!csv.next(header)) throw ParseError(display_name, 0, "", "empty file");
        Kind kind = kind_of(first_line(text));
        if (kind == Kind::None) {
            throw ParseError(display_name, header.line, "header",
                             "expected a Fitbit UserSleepStages or UserSleeps header (sleep_id, "
                             "sleep_stage_type, sleep_stage_start, sleep_stage_end or sleep_start, sleep_end)");
        }
        bool stages = kind == Kind::Stages;
        auto column = [&](std::string_view name) { return find_column(header.fields, name); };
        std::size_t id_col = *column("sleep_id");
        std::size_t start_col = *column(stages ? "sleep_stage_start" : "sleep_start");
        std::size_t end_col = *column(stages ? "sleep_stage_end" : "sleep_end");
        std::optional<std::size_t> type_col = stages ? column("sleep_stage_type") : std::nullopt;
        std::optional<std::size_t> start_offset_col = column("start_utc_offset");
        std::optional<std::size_t> source_col = column("data_source");
        std::optional<std::size_t> version_col = column("algorithm_version");
        // UserSleeps' own minutes (Fitbit truncates them to whole minutes).
        std::optional<std::size_t> asleep_col = stages ? std::nullopt : column("minutes_asleep");
        std::optional<std::size_t> awake_col = stages ? std::nullopt : column("minutes_awake");
        std::optional<std::size_t> latency_col = stages ? std::nullopt : column("minutes_to_fall_asleep");
        const std::string_view start_name = stages ? "sleep_stage_start" : "sleep_start";
        const std::string_view end_name = stages ? "sleep_stage_end" : "sleep_end";

        std::uint32_t file_index = out.add_file(display_name);
        ClockResolver clock(options, display_name, out);
        std::set<std::string> unknown_types;
        CsvRecord row;
        while (csv.next(row)) {
            auto field = [&](std::size_t col) -> std::string_view {
                return col < row.fields.size() ? trim(row.fields[col]) : std::string_view();
            };
            auto time_of = [&](std::size_t col, std::string_view name) {
                std::string_view value = field(col);
                if (value.empty()) throw ParseError(display_name, row.line, std::string(name), "missing");
                ParsedTime t = json_util::parse_time_text(value);
                if (!t.ok) {
                    throw ParseError(display_name, row.line, std::string(name) + " " + quote_for_message(value),
                                     t.error);
                }
                // The columns are UTC; a stamp without "Z" is read as UTC too.
                UtcSeconds utc = t.has_offset ? t.utc() : t.local;
                if (utc < -2'208'988'800LL || utc >= 7'258'118'400LL) {
                    throw ParseError(display_name, row.line, std::string(name) + " " + quote_for_message(value),
                                     "time outside the years 1900-2199");
                }
                return utc;
            };
            std::string_view sleep_id = field(id_col);
            if (sleep_id.empty()) throw ParseError(display_name, row.line, "sleep_id", "missing");
            UtcSeconds start = time_of(start_col, start_name);
            UtcSeconds end = time_of(end_col, end_name);
            if (end < start) throw ParseError(display_name, row.line, std::string(end_name), "before " + std::string(start_name));
            if (end - start > kMaxSpanSeconds) {
                throw ParseError(display_name, row.line, std::string(end_name),
                                 "more than 7 days after " + std::string(start_name));
            }
            // The row's own offset column, else --tz at the UTC start, else UTC
            // with the resolver's warning.
            std::optional<std::int32_t> own_offset;
            if (start_offset_col) {
                std::string_view text_offset = field(*start_offset_col);
                if (!text_offset.empty()) {
                    auto parsed = parse_utc_offset(text_offset);
                    if (!parsed) {
                        throw ParseError(display_name, row.line, "start_utc_offset " + quote_for_message(text_offset),
                                         "not a UTC offset such as +05:30");
                    }
                    own_offset = *parsed;
                }
            }
            const std::int32_t offset = own_offset ? *own_offset : clock.offset_at_utc(start, nullptr, row.line);
            Source src{"fitbit_csv", "Fitbit", "", ""};
            src.vendor = "fitbit";
            if (source_col) src.device = std::string(field(*source_col));
            if (version_col) src.version = std::string(field(*version_col));

            Record r;
            r.start = start;
            r.end = end;
            r.utc_offset_min = offset;
            r.source = out.add_source(src);
            // The versions of one night are different sessions even should
            // they share a sleep_id.
            r.session = src.version.empty() ? std::string(sleep_id) : std::string(sleep_id) + " @" + src.version;
            r.file = file_index;
            r.line = row.line;
            r.id = std::string(sleep_id);
            if (!stages) {
                r.kind = RecordKind::InBed;
                // A figure that is not a number of minutes is taken as not
                // stated: it is a figure to compare with, not data the night
                // is built of.
                auto minutes = [&](const std::optional<std::size_t>& col) {
                    if (!col) return VendorFigures::kNone;
                    std::optional<double> v = parse_number(field(*col));
                    return v && *v >= 0 && *v <= kMaxSpanSeconds / 60.0 ? *v : VendorFigures::kNone;
                };
                VendorFigures figures;
                figures.tst_min = minutes(asleep_col);
                figures.wake_min = minutes(awake_col);
                figures.sol_min = minutes(latency_col);
                r.figures = out.add_figures(figures);
            } else {
                std::string_view type = field(*type_col);
                std::optional<Stage> stage;
                for (const StageName& s : kStageNames) {
                    if (s.name == type) stage = s.stage;
                }
                if (type == "RESTLESS" && options.fitbit_restless_as_asleep) stage = Stage::Asleep;
                if (!stage) {
                    if (unknown_types.insert(std::string(type)).second) {
                        out.warnings.push_back({display_name, row.line,
                                                "unknown sleep_stage_type " + quote_for_message(type) +
                                                    ", counted as Unscored (expected LIGHT, DEEP, REM or AWAKE)"});
                    }
                    stage = Stage::Unscored;
                }
                r.kind = RecordKind::Stage;
                r.stage = *stage;
                r.epoch_s = 30;
            }
            if (r.end > r.start) out.records.push_back(std::move(r));
        }
    }
};

}  // namespace

const Importer& fitbit_csv_importer() {
    static const FitbitCsvImporter instance;
    return instance;
}

}  // namespace sleeparch::importers
