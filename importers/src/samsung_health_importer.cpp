// Samsung Health CSV export: `com.samsung.health.sleep_stage.<timestamp>.csv`.
//
// Line 1 is metadata (`com.samsung.health.sleep_stage,<version>,<count>`),
// line 2 the header (`create_sh_ver,start_time,sleep_id,...,stage,
// time_offset,deviceuuid,pkg_name,end_time,datauuid`), sometimes with a byte
// order mark of its own; every data row ends with an extra trailing comma,
// which is dropped. Column names are matched with or without a
// `com.samsung.health.sleep_stage.` style prefix.
//
// Stages: 40001 awake, 40002 light, 40003 deep, 40004 REM; anything else is
// a ParseError. Rows are grouped into sessions by `sleep_id`, which is the
// `datauuid` of the session's row in `com.samsung.shealth.sleep.*.csv`; the
// stage rows alone make the hypnogram, so that sessions file is skipped with
// that reason. A row's own `datauuid` is its record id. Rows without a
// sleep_id are grouped by gaps (METRICS.md §1.3), with a warning. `pkg_name` is
// the writing app and becomes the source name, so Samsung Health's own rows
// (com.sec.android.app.shealth) and another app's rows in the same file
// (Sleep as Android, com.urbandroid.sleep) are different sources;
// `deviceuuid` is the device and `create_sh_ver` the version.
//
// Times: the export's `start_time`/`end_time` are read as UTC and
// `time_offset` ("UTC+0200") as the offset in force. That they are UTC is
// reported but not confirmed, so a time stamp that carries its own offset is
// honoured, and a note (--verbose) shows the first bedtime as read, for the
// user to check against what they remember; both "2021-03-02 23:10:00.000"
// and "2021-03-02T23:10:00" forms are accepted.
#include <array>
#include <cstdint>
#include <map>
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

constexpr std::string_view kMetadataPrefix = "com.samsung.health.sleep_stage";
// Metadata lines of the sessions file, whose datauuid is the stages' sleep_id.
constexpr std::array<std::string_view, 2> kSessionPrefixes = {"com.samsung.shealth.sleep,",
                                                              "com.samsung.health.sleep,"};

// Header names as the export writes them, possibly prefixed with the data
// type ("com.samsung.health.sleep_stage.start_time").
std::string column_name(std::string_view header_cell) {
    std::string_view name = trim(strip_bom(trim(header_cell)));
    std::size_t dot = name.rfind('.');
    if (dot != std::string_view::npos) name = name.substr(dot + 1);
    return std::string(name);
}

std::optional<Stage> samsung_stage(std::string_view code) {
    if (code == "40001") return Stage::Wake;
    if (code == "40002") return Stage::Light;
    if (code == "40003") return Stage::Deep;
    if (code == "40004") return Stage::REM;
    return std::nullopt;
}

class SamsungHealthImporter final : public Importer {
public:
    std::string_view id() const override { return "samsung_health"; }
    std::string_view description() const override {
        return "Samsung Health sleep stages (com.samsung.health.sleep_stage.*.csv)";
    }
    std::string_view recognition() const override {
        return "CSV whose first line starts with com.samsung.health.sleep_stage, (the sessions file "
               "com.samsung.shealth.sleep.*.csv is skipped: its datauuid is the stages' sleep_id)";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        std::string_view line = first_line(head);
        return line.size() > kMetadataPrefix.size() &&
               line.substr(0, kMetadataPrefix.size()) == kMetadataPrefix &&
               line[kMetadataPrefix.size()] == ',';
    }
    std::string declines(std::string_view name, std::string_view head) const override {
        const std::string_view line = first_line(head);
        for (std::string_view prefix : kSessionPrefixes) {
            if (line.starts_with(prefix)) {
                return "Samsung Health sleep sessions: the hypnogram is read from "
                       "com.samsung.health.sleep_stage.*.csv, whose sleep_id is this file's datauuid";
            }
        }
        return {};
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const std::uint32_t file_index = out.add_file(display_name);
        CsvReader csv(text, display_name);
        CsvRecord meta;
        if (!csv.next(meta)) throw ParseError(display_name, 0, "", "empty file");
        if (meta.fields.empty() || trim(meta.fields[0]) != kMetadataPrefix) {
            throw ParseError(display_name, meta.line, "metadata line",
                             "expected \"com.samsung.health.sleep_stage,<version>,<rows>\", found " +
                                 quote_for_message(first_line(text)));
        }
        CsvRecord header;
        if (!csv.next(header)) throw ParseError(display_name, 0, "header", "missing (the file ends after the metadata line)");
        std::vector<std::string> names;
        for (const std::string& cell : header.fields) names.push_back(column_name(cell));
        // Some exports end the header with a comma too.
        if (!names.empty() && names.back().empty()) names.pop_back();

        auto column = [&](std::string_view name, bool required) -> std::optional<std::size_t> {
            auto c = find_column(names, name);
            if (!c && required) {
                throw ParseError(display_name, header.line, "header",
                                 "missing column \"" + std::string(name) + "\"");
            }
            return c;
        };
        const std::size_t c_start = *column("start_time", true);
        const std::size_t c_end = *column("end_time", true);
        const std::size_t c_stage = *column("stage", true);
        const std::size_t c_sleep_id = *column("sleep_id", true);
        const auto c_offset = column("time_offset", false);
        const auto c_device = column("deviceuuid", false);
        const auto c_pkg = column("pkg_name", false);
        const auto c_uuid = column("datauuid", false);
        const auto c_created = column("create_time", false);
        const auto c_version = column("create_sh_ver", false);
        const std::size_t columns = names.size();

        std::map<std::tuple<std::string, std::string, std::string>, int> sources;
        ClockResolver clock(options, display_name, out);
        std::uint32_t rows_without_session = 0, first_without_session = 0;
        // The earliest stage row, for the note on how times were read.
        struct Sample {
            UtcSeconds start = 0;
            std::int32_t offset = 0;
            std::uint32_t line = 0;
            std::string start_text, offset_text;
        };
        std::optional<Sample> earliest;
        CsvRecord row;
        while (csv.next(row)) {
            std::vector<std::string>& f = row.fields;
            if (f.size() == columns + 1 && trim(f.back()).empty()) f.pop_back();
            if (f.size() != columns) {
                throw ParseError(display_name, row.line, "row",
                                 std::to_string(f.size()) + " fields, the header has " +
                                     std::to_string(columns) + " (plus the trailing comma)");
            }
            auto cell = [&](std::optional<std::size_t> c) -> std::string_view {
                return c ? trim(f[*c]) : std::string_view();
            };

            const std::string_view code = cell(c_stage);
            const auto stage = samsung_stage(code);
            if (!stage) {
                throw ParseError(display_name, row.line, "stage " + quote_for_message(code),
                                 "unknown stage code (expected 40001 awake, 40002 light, 40003 deep, "
                                 "40004 REM)");
            }

            auto utc_time = [&](std::optional<std::size_t> c, std::string_view name) -> UtcSeconds {
                const std::string_view v = cell(c);
                ParsedTime t = parse_iso_datetime(v);
                if (!t.ok) {
                    throw ParseError(display_name, row.line,
                                     std::string(name) + " " + quote_for_message(v), t.error);
                }
                return t.has_offset ? t.utc() : t.local;
            };
            const UtcSeconds start = utc_time(c_start, "start_time");
            const UtcSeconds end = utc_time(c_end, "end_time");
            if (end <= start) {
                out.warnings.push_back(Warning{display_name, row.line,
                                               "end_time " + quote_for_message(cell(c_end)) +
                                                   " is not after start_time " +
                                                   quote_for_message(cell(c_start)) +
                                                   ": row skipped"});
                continue;
            }
            std::int32_t offset = 0;
            const std::string_view offset_text = cell(c_offset);
            if (!offset_text.empty()) {
                auto parsed = parse_utc_offset(offset_text);
                if (!parsed || *parsed < -18 * 60 || *parsed > 18 * 60) {
                    throw ParseError(display_name, row.line,
                                     "time_offset " + quote_for_message(offset_text),
                                     "expected an offset like \"UTC+0200\"");
                }
                offset = *parsed;
            } else {
                offset = clock.offset_at_utc(start, nullptr, row.line);  // --tz, else UTC with the warning
            }

            if ((!earliest || start < earliest->start) && !parse_iso_datetime(cell(c_start)).has_offset) {
                earliest = Sample{start, offset, row.line, std::string(cell(c_start)), std::string(offset_text)};
            }
            if (cell(c_sleep_id).empty() && rows_without_session++ == 0) first_without_session = row.line;

            UtcSeconds created = 0;
            if (c_created && !cell(c_created).empty()) {
                ParsedTime t = parse_iso_datetime(cell(c_created));
                if (t.ok) created = t.has_offset ? t.utc() : t.local;
            }

            std::tuple<std::string, std::string, std::string> key{
                std::string(cell(c_pkg)), std::string(cell(c_device)), std::string(cell(c_version))};
            auto it = sources.find(key);
            if (it == sources.end()) {
                Source src;
                src.format = std::string(id());
                src.name = std::get<0>(key).empty() ? "Samsung Health" : std::get<0>(key);
                src.device = std::get<1>(key);
                src.version = std::get<2>(key);
                it = sources.emplace(key, out.add_source(src)).first;
            }

            Record r;
            r.start = start;
            r.end = end;
            r.kind = RecordKind::Stage;
            r.stage = *stage;
            r.utc_offset_min = offset;
            r.source = it->second;
            r.session = std::string(cell(c_sleep_id));
            r.created = created;
            r.file = file_index;
            r.line = row.line;
            r.id = std::string(cell(c_uuid));
            out.records.push_back(std::move(r));
        }
        if (rows_without_session > 0) {
            out.warnings.push_back(Warning{display_name, first_without_session,
                                           std::to_string(rows_without_session) + " row" +
                                               (rows_without_session == 1 ? "" : "s") +
                                               " without sleep_id: grouped into sessions by gaps"});
        }
        if (earliest) {
            out.notes.push_back(Warning{
                display_name, earliest->line,
                "start_time read as UTC (reported for this export, not confirmed): " +
                    quote_for_message(earliest->start_text) +
                    (earliest->offset_text.empty() ? std::string()
                                                   : " with time_offset " + quote_for_message(earliest->offset_text)) +
                    " is the local bedtime " + format_local_iso(earliest->start, earliest->offset) +
                    "; if your bedtimes look shifted by the offset, the file holds local times"});
        }
    }
};

}  // namespace

const Importer& samsung_health_importer() {
    static const SamsungHealthImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
