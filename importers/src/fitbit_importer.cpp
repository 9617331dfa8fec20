// Fitbit sleep logs: the account export / Google Takeout `sleep-YYYY-MM-DD.json`
// (an array of logs, `mainSleep`) and Web API v1.2 responses
// (`{"sleep":[...]}`, `isMainSleep`). FORMATS.md § Fitbit.
//
// Each log is a session (session = logId). startTime..endTime becomes an
// InBed record; levels.data segments are layer-0 stage records and
// levels.shortData wake bouts layer-1 records laid over them (METRICS.md
// §1.2), which is how Fitbit's own minutesAsleep and levels.summary are
// counted. A segment's `seconds` defines its end: `duration` is 30 s shorter
// than endTime - startTime for stage logs and is not used.
//
// Times are local wall clock without offset. The offset comes from --tz
// (fixed or IANA; with a zone, the offset at the log's start holds for the
// whole log, as Fitbit does across a DST change), else UTC with one warning
// per file. A log without levels.data is a summary-only night.
//
// The log's own main/nap flag (`mainSleep` in exports, `isMainSleep` in the
// API) goes on every record of the log: night assembly lets it decide over
// the longest-TST rule (METRICS.md §1.7), so a log flagged false is a nap
// even as the only log of its date. A log without the flag leaves it to that
// rule.

#include <array>
#include <string>
#include <string_view>
#include <unordered_set>

#include <simdjson.h>

#include "json_util.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

using json_util::Json;
using json_util::Where;

constexpr std::int64_t kMaxLogSeconds = 7 * 24 * 3600;

enum class LogType { Stages, Classic };

struct Level {
    std::string_view name;
    Stage stage;
};

// Stage logs (30-s): wake, light, deep, rem; classic logs (60-s): asleep,
// restless, awake. "unknown" (seen in real stage logs) is Unscored in both.
constexpr std::array<Level, 5> kStageLevels = {{{"wake", Stage::Wake},
                                                 {"light", Stage::Light},
                                                 {"deep", Stage::Deep},
                                                 {"rem", Stage::REM},
                                                 {"unknown", Stage::Unscored}}};
constexpr std::array<Level, 4> kClassicLevels = {{{"asleep", Stage::Asleep},
                                                   {"restless", Stage::Wake},
                                                   {"awake", Stage::Wake},
                                                   {"unknown", Stage::Unscored}}};

std::optional<Stage> map_level(LogType type, std::string_view level, bool restless_as_asleep) {
    if (type == LogType::Stages) {
        for (const Level& l : kStageLevels) {
            if (l.name == level) return l.stage;
        }
        return std::nullopt;
    }
    for (const Level& l : kClassicLevels) {
        if (l.name == level) {
            // Fitbit's minutesAsleep leaves restless time out, so Wake by default.
            if (l.name == "restless" && restless_as_asleep) return Stage::Asleep;
            return l.stage;
        }
    }
    return std::nullopt;
}

bool looks_like_takeout_name(std::string_view name) {
    // sleep-YYYY-MM-DD.json
    if (name.size() != 21 || !name.starts_with("sleep-") || !name.ends_with(".json")) return false;
    for (std::size_t i = 6; i < 16; ++i) {
        bool dash = i == 10 || i == 13;
        char c = name[i];
        if (dash ? c != '-' : (c < '0' || c > '9')) return false;
    }
    return true;
}

// One account, one source: the Takeout's CSVs (fitbit_csv) name the same
// vendor, so a night found in both is one night (the newest algorithm
// version kept; this legacy JSON states none and counts as the oldest).
Source fitbit_source() {
    Source s{"fitbit", "Fitbit", "", ""};
    s.vendor = "fitbit";
    return s;
}

class FitbitReader {
public:
    FitbitReader(const std::string& file, const ImportOptions& options, ImportBatch& out, ClockResolver& clock)
        : file_(file), options_(options), out_(out), resolver_(clock) {}

    void read(const Json& doc) {
        const Json* logs = &doc;
        Where top{file_, ""};
        if (doc.is_object()) {
            logs = json_util::opt_array(doc, "sleep", top);
            if (logs == nullptr) {
                json_util::fail(top, "sleep",
                                "missing: expected a Fitbit sleep log array or an object with a \"sleep\" array");
            }
        } else if (!doc.is_array()) {
            json_util::fail_type(top, "JSON", "a Fitbit sleep log array or an object with a \"sleep\" array",
                                 doc);
        }
        file_index_ = out_.add_file(file_);
        source_ = out_.add_source(fitbit_source());
        std::uint32_t index = 0;
        for (const Json& log : *logs) {
            ++index;
            read_log(log, index);
        }
    }

private:
    struct Clock {
        std::int32_t offset_min = 0;
        UtcSeconds utc(UtcSeconds local) const { return local - static_cast<UtcSeconds>(offset_min) * 60; }
    };

    ParsedTime parse_time(const Json& object, std::string_view key, const Where& where,
                          std::string_view field) const {
        std::string_view text = json_util::get_string(object, key, where, field);
        ParsedTime t = json_util::parse_time_text(text);
        if (!t.ok) {
            json_util::fail(where, std::string(field) + " \"" + std::string(text) + "\"", t.error);
        }
        return t;
    }

    void read_log(const Json& log, std::uint32_t index) {
        Where where{file_, "record " + std::to_string(index)};
        if (!log.is_object()) json_util::fail_type(where, "log", "an object", log);
        const Json* id_value = json_util::member(log, "logId");
        if (json_util::is_absent(id_value)) json_util::fail(where, "logId", "missing");
        if (!id_value->is_number_integer() && !id_value->is_string()) {
            json_util::fail_type(where, "logId", "an integer", *id_value);
        }
        std::string log_id = json_util::id_text(id_value);
        where.location += " (logId " + log_id + ")";

        const Json* levels = json_util::opt_object(log, "levels", where);
        LogType type = log_type(log, levels, where);
        const SleepKind kind = sleep_kind(log, where);

        ParsedTime start = parse_time(log, "startTime", where, "startTime");
        ParsedTime end = parse_time(log, "endTime", where, "endTime");
        // The offset at the log's start holds for the whole log, as Fitbit
        // does across a DST change.
        Clock clock;
        const bool assumed = !start.has_offset && !resolver_.known_offset_at_local(start.local);
        clock.offset_min = resolver_.offset_of(start);
        UtcSeconds start_utc = start.has_offset ? start.utc() : clock.utc(start.local);
        UtcSeconds end_utc = end.has_offset ? end.utc() : clock.utc(end.local);
        json_util::check_time(start_utc, where, "startTime");
        json_util::check_time(end_utc, where, "endTime");
        if (end_utc < start_utc) {
            json_util::fail(where, "endTime", "before startTime");
        }
        if (end_utc - start_utc > kMaxLogSeconds) {
            json_util::fail(where, "endTime", "more than 7 days after startTime");
        }
        std::int32_t epoch_s = type == LogType::Stages ? 30 : 60;

        const VendorFigures figures = vendor_figures(log, levels, type, where);
        const Json* data = levels ? json_util::opt_array(*levels, "data", where, "levels.data") : nullptr;
        if (data == nullptr || data->empty()) {
            add_summary(log, levels, type, start_utc, end_utc, clock.offset_min, index, log_id, kind, where, figures,
                        assumed);
            return;
        }

        Record bed;
        bed.start = start_utc;
        bed.end = end_utc;
        bed.kind = RecordKind::InBed;
        bed.utc_offset_min = clock.offset_min;
        bed.source = source_;
        bed.session = log_id;
        bed.file = file_index_;
        bed.line = index;
        bed.id = log_id;
        bed.epoch_s = epoch_s;
        bed.sleep_kind = kind;
        bed.figures = out_.add_figures(figures);
        bed.offset_assumed = assumed;
        if (bed.end > bed.start) out_.records.push_back(bed);

        Record proto = bed;
        proto.kind = RecordKind::Stage;
        read_segments(*data, "levels.data", 0, type, clock, proto, where);
        if (const Json* short_data = json_util::opt_array(*levels, "shortData", where, "levels.shortData")) {
            read_segments(*short_data, "levels.shortData", 1, type, clock, proto, where);
        }
    }

    // `mainSleep` (export) or `isMainSleep` (API); both present must agree.
    SleepKind sleep_kind(const Json& log, const Where& where) const {
        const auto main = json_util::opt_bool(log, "mainSleep", where);
        const auto is_main = json_util::opt_bool(log, "isMainSleep", where);
        if (main && is_main && *main != *is_main) {
            json_util::fail(where, "isMainSleep", "contradicts mainSleep");
        }
        const auto flag = main ? main : is_main;
        if (!flag) return SleepKind::Unstated;
        return *flag ? SleepKind::Main : SleepKind::Nap;
    }

    LogType log_type(const Json& log, const Json* levels, const Where& where) const {
        if (auto type = json_util::opt_string(log, "type", where)) {
            if (*type == "stages") return LogType::Stages;
            if (*type == "classic") return LogType::Classic;
            json_util::fail(where, "type",
                            "unknown log type \"" + std::string(*type) + "\" (expected \"stages\" or \"classic\")");
        }
        // Older exports omit `type`: a classic summary has asleep/restless/awake.
        const Json* summary = levels ? json_util::member(*levels, "summary") : nullptr;
        if (summary && (json_util::member(*summary, "asleep") || json_util::member(*summary, "restless"))) {
            return LogType::Classic;
        }
        if (const Json* data = levels ? json_util::member(*levels, "data") : nullptr;
            data && data->is_array() && !data->empty()) {
            const Json* level = json_util::member(data->front(), "level");
            if (level && level->is_string()) {
                const auto& name = level->get_ref<const std::string&>();
                if (name == "asleep" || name == "restless" || name == "awake") return LogType::Classic;
            }
        }
        return LogType::Stages;
    }

    void read_segments(const Json& segments, std::string_view array_name, std::uint8_t layer, LogType type,
                       const Clock& clock, const Record& proto, const Where& where) {
        std::size_t k = 0;
        std::string field;
        for (const Json& segment : segments) {
            auto name = [&](std::string_view key) {
                field.assign(array_name);
                field += '[';
                field += std::to_string(k);
                field += "].";
                field += key;
                return std::string_view(field);
            };
            if (!segment.is_object()) {
                field.assign(array_name);
                field += '[' + std::to_string(k) + ']';
                json_util::fail_type(where, field, "an object", segment);
            }
            // Field names are built only on the error path: a Takeout holds
            // hundreds of thousands of segments.
            const Json* level_value = json_util::member(segment, "level");
            std::string_view level = level_value && level_value->is_string()
                                         ? std::string_view(level_value->get_ref<const std::string&>())
                                         : json_util::get_string(segment, "level", where, name("level"));
            const Json* seconds_value = json_util::member(segment, "seconds");
            std::int64_t seconds = seconds_value && seconds_value->is_number_unsigned() &&
                                           seconds_value->get<std::uint64_t>() <= kMaxLogSeconds
                                       ? static_cast<std::int64_t>(seconds_value->get<std::uint64_t>())
                                       : json_util::get_int(segment, "seconds", where, name("seconds"));
            if (seconds < 0 || seconds > kMaxLogSeconds) {
                json_util::fail(where, name("seconds"),
                                std::to_string(seconds) + " is not a duration between 0 and 7 days");
            }
            const Json* time_value = json_util::member(segment, "dateTime");
            if (!time_value || !time_value->is_string()) {
                json_util::get_string(segment, "dateTime", where, name("dateTime"));
            }
            std::string_view time_text = time_value->get_ref<const std::string&>();
            ParsedTime t = json_util::parse_time_text(time_text);
            if (!t.ok) {
                json_util::fail(where, std::string(name("dateTime")) + " \"" + std::string(time_text) + "\"", t.error);
            }
            if (seconds == 0) {
                ++k;
                continue;
            }
            std::optional<Stage> stage = map_level(type, level, options_.fitbit_restless_as_asleep);
            if (!stage) {
                warn_unknown_level(level, type, proto.line);
                stage = Stage::Unscored;
            }
            Record r = proto;
            r.start = t.has_offset ? t.utc() : clock.utc(t.local);
            if (!json_util::time_in_range(r.start)) {
                json_util::check_time(r.start, where, name("dateTime"));
            }
            r.end = r.start + seconds;
            r.stage = *stage;
            r.layer = layer;
            out_.records.push_back(std::move(r));
            ++k;
        }
    }

    void warn_unknown_level(std::string_view level, LogType type, std::uint32_t line) {
        std::string key(level);
        if (!unknown_levels_.insert(key).second) return;
        out_.warnings.push_back(
            {file_, line,
             "unknown sleep level \"" + key + "\" in a " + (type == LogType::Stages ? "stages" : "classic") +
                 " log, counted as Unscored (expected " +
                 (type == LogType::Stages ? "wake, light, deep, rem or unknown" : "asleep, restless, awake or unknown") +
                 ")"});
    }

    // The log's own figures: minutesAsleep, minutesAwake (all wake in the
    // log, our wake_min), minutesToFallAsleep, efficiency, and for stage logs
    // levels.summary's minutes. A value outside its range is taken as not
    // stated: it is a figure to compare with, not data the night is built of.
    VendorFigures vendor_figures(const Json& log, const Json* levels, LogType type, const Where& where) const {
        auto number = [&](const Json& object, std::string_view key, std::string_view field, double limit) {
            auto v = json_util::opt_number(object, key, where, field);
            return v && *v >= 0 && *v <= limit ? *v : VendorFigures::kNone;
        };
        constexpr double kMinutes = kMaxLogSeconds / 60.0;
        VendorFigures f;
        f.tst_min = number(log, "minutesAsleep", "minutesAsleep", kMinutes);
        f.wake_min = number(log, "minutesAwake", "minutesAwake", kMinutes);
        f.sol_min = number(log, "minutesToFallAsleep", "minutesToFallAsleep", kMinutes);
        f.se_pct = number(log, "efficiency", "efficiency", 100);
        const Json* summary = levels ? json_util::opt_object(*levels, "summary", where, "levels.summary") : nullptr;
        if (summary != nullptr && type == LogType::Stages) {
            auto stage = [&](std::string_view level) {
                const Json* entry = json_util::member(*summary, level);
                if (entry == nullptr || !entry->is_object()) return VendorFigures::kNone;
                return number(*entry, "minutes", "levels.summary." + std::string(level) + ".minutes", kMinutes);
            };
            f.deep_min = stage("deep");
            f.light_min = stage("light");
            f.rem_min = stage("rem");
        }
        return f;
    }

    // A log without levels.data (manual entries, trimmed exports): totals from
    // levels.summary, else minutesAsleep / minutesAwake as unstaged sleep.
    void add_summary(const Json& log, const Json* levels, LogType type, UtcSeconds start, UtcSeconds end,
                     std::int32_t offset_min, std::uint32_t index, const std::string& log_id, SleepKind kind,
                     const Where& where, const VendorFigures& figures, bool offset_assumed) {
        SummaryRecord s;
        s.vendor = figures;
        s.offset_assumed = offset_assumed;
        s.sleep_kind = kind;
        s.start = start;
        s.end = end;
        s.utc_offset_min = offset_min;
        s.source = source_;
        s.file = file_index_;
        s.line = index;
        s.id = log_id;
        const Json* summary = levels ? json_util::opt_object(*levels, "summary", where, "levels.summary") : nullptr;
        auto minutes = [&](std::string_view level) -> std::optional<double> {
            const Json* entry = summary ? json_util::member(*summary, level) : nullptr;
            if (entry == nullptr) return std::nullopt;
            std::string field = "levels.summary." + std::string(level) + ".minutes";
            auto m = json_util::opt_number(*entry, "minutes", where, field);
            if (m && (*m < 0 || *m > kMaxLogSeconds / 60)) json_util::fail(where, field, "out of range");
            return m;
        };
        bool have_stages = false;
        if (type == LogType::Stages) {
            if (auto m = minutes("light")) s.totals.light_min = *m, have_stages = true;
            if (auto m = minutes("deep")) s.totals.deep_min = *m, have_stages = true;
            if (auto m = minutes("rem")) s.totals.rem_min = *m, have_stages = true;
            if (auto m = minutes("wake")) s.totals.wake_min = *m;
        }
        if (!have_stages) {
            auto asleep = json_util::opt_number(log, "minutesAsleep", where);
            auto awake = json_util::opt_number(log, "minutesAwake", where);
            if (!asleep) {
                out_.warnings.push_back({file_, index, "log " + log_id + " has neither levels.data nor minutesAsleep: skipped"});
                return;
            }
            if (*asleep < 0 || *asleep > kMaxLogSeconds / 60) json_util::fail(where, "minutesAsleep", "out of range");
            s.totals.asleep_unstaged_min = *asleep;
            if (awake && *awake >= 0 && *awake <= kMaxLogSeconds / 60) s.totals.wake_min = *awake;
        }
        out_.summaries.push_back(std::move(s));
    }

    const std::string& file_;
    const ImportOptions& options_;
    ImportBatch& out_;
    ClockResolver& resolver_;
    std::uint32_t file_index_ = 0;
    int source_ = 0;
    std::unordered_set<std::string> unknown_levels_;
};

// The fast path: simdjson's DOM for documents that hold only well-formed
// stage and classic logs with levels.data, which is what a Takeout is made
// of. It produces exactly what FitbitReader produces for them and gives up
// (returning false, `out` left as it was but for the file and source
// entries, which both paths add alike) on anything else: a syntax error, a
// missing or mistyped field, a log without levels.data, an unknown level,
// a value out of range. FitbitReader then reads the document again and says
// precisely what is wrong. nlohmann's DOM costs about twice Python's
// json.load on a Takeout; simdjson's parse a small fraction of it.
class FitbitFastReader {
public:
    FitbitFastReader(const ImportOptions& options, ClockResolver& clock) : options_(options), clock_(clock) {}

    bool read(std::string& text, const std::string& file, ImportBatch& out) {
        namespace dom = simdjson::dom;
        text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
        thread_local dom::parser parser;
        dom::element doc;
        if (parser.parse(simdjson::padded_string_view(text)).get(doc)) return false;
        dom::array logs;
        if (doc.is_array()) {
            if (doc.get_array().get(logs)) return false;
        } else {
            dom::object top;
            if (doc.get_object().get(top) || top["sleep"].get_array().get(logs)) return false;
        }
        records_.clear();
        figures_.clear();
        std::uint32_t index = 0;
        for (dom::element log : logs) {
            if (!read_log(log, ++index)) return false;
        }
        std::uint32_t file_index = out.add_file(file);
        int source = out.add_source(fitbit_source());
        // Every time here lacks an offset: read_log resolved them without
        // the warning, given now that the result is kept.
        if (!clock_.user_zone() && logs.size() > 0) clock_.as_utc();
        const auto figures_base = static_cast<std::int32_t>(out.figures.size());
        out.figures.insert(out.figures.end(), figures_.begin(), figures_.end());
        for (Record& r : records_) {
            r.file = file_index;
            r.source = source;
            if (r.figures >= 0) r.figures += figures_base;
            out.records.push_back(std::move(r));
        }
        return true;
    }

private:
    bool local_time(std::string_view text, ParsedTime& t) const {
        t = json_util::parse_time_text(text);
        return t.ok;
    }

    bool read_log(simdjson::dom::element log_value, std::uint32_t index) {
        namespace dom = simdjson::dom;
        dom::object log;
        if (log_value.get_object().get(log)) return false;
        std::int64_t id = 0;
        std::string_view type, start_text, end_text;
        dom::object levels;
        dom::array data;
        if (log["logId"].get_int64().get(id) || log["type"].get_string().get(type) ||
            log["startTime"].get_string().get(start_text) || log["endTime"].get_string().get(end_text) ||
            log["levels"].get_object().get(levels) || levels["data"].get_array().get(data) || data.size() == 0) {
            return false;
        }
        SleepKind kind = SleepKind::Unstated;
        for (std::string_view key : {std::string_view("mainSleep"), std::string_view("isMainSleep")}) {
            auto flag = log[key];
            if (flag.error() == simdjson::NO_SUCH_FIELD || flag.is_null()) continue;
            bool main = false;
            if (flag.get_bool().get(main)) return false;
            const SleepKind k = main ? SleepKind::Main : SleepKind::Nap;
            if (kind != SleepKind::Unstated && kind != k) return false;
            kind = k;
        }
        LogType log_type;
        if (type == "stages") {
            log_type = LogType::Stages;
        } else if (type == "classic") {
            log_type = LogType::Classic;
        } else {
            return false;
        }
        ParsedTime start, end;
        if (!local_time(start_text, start) || !local_time(end_text, end) || start.has_offset || end.has_offset) {
            return false;
        }
        const std::optional<std::int32_t> known = clock_.known_offset_at_local(start.local);
        const std::int32_t offset = known.value_or(0);
        UtcSeconds start_utc = start.local - offset * 60LL;
        UtcSeconds end_utc = end.local - offset * 60LL;
        if (!json_util::time_in_range(start_utc) || !json_util::time_in_range(end_utc) || end_utc < start_utc ||
            end_utc - start_utc > kMaxLogSeconds) {
            return false;
        }
        VendorFigures figures;
        if (!read_figures(log, levels, log_type, figures)) return false;
        std::string log_id = std::to_string(id);
        Record bed;
        bed.start = start_utc;
        bed.end = end_utc;
        bed.kind = RecordKind::InBed;
        bed.utc_offset_min = offset;
        bed.session = log_id;
        bed.line = index;
        bed.id = log_id;
        bed.epoch_s = log_type == LogType::Stages ? 30 : 60;
        bed.sleep_kind = kind;
        bed.offset_assumed = !known;
        if (figures.any()) {
            bed.figures = static_cast<std::int32_t>(figures_.size());
            figures_.push_back(figures);
        }
        if (bed.end > bed.start) records_.push_back(bed);
        Record proto = bed;
        proto.kind = RecordKind::Stage;
        if (!read_segments(data, 0, log_type, offset, proto)) return false;
        auto short_data = levels["shortData"];
        if (short_data.error() == simdjson::NO_SUCH_FIELD || short_data.is_null()) return true;
        dom::array shorts;
        if (short_data.get_array().get(shorts)) return false;
        return read_segments(shorts, 1, log_type, offset, proto);
    }

    // As FitbitReader::vendor_figures; a mistyped figure gives up.
    static bool read_figures(simdjson::dom::object log, simdjson::dom::object levels, LogType type,
                             VendorFigures& f) {
        namespace dom = simdjson::dom;
        constexpr double kMinutes = kMaxLogSeconds / 60.0;
        auto number = [](dom::object object, std::string_view key, double limit, double& into) {
            auto value = object[key];
            if (value.error() == simdjson::NO_SUCH_FIELD || value.is_null()) return true;
            double v = 0;
            if (value.get_double().get(v)) return false;
            if (v >= 0 && v <= limit) into = v;
            return true;
        };
        if (!number(log, "minutesAsleep", kMinutes, f.tst_min) || !number(log, "minutesAwake", kMinutes, f.wake_min) ||
            !number(log, "minutesToFallAsleep", kMinutes, f.sol_min) || !number(log, "efficiency", 100, f.se_pct)) {
            return false;
        }
        if (type != LogType::Stages) return true;
        auto summary = levels["summary"];
        if (summary.error() == simdjson::NO_SUCH_FIELD || summary.is_null()) return true;
        dom::object stages;
        if (summary.get_object().get(stages)) return false;
        for (auto [level, into] : {std::pair<std::string_view, double*>{"deep", &f.deep_min},
                                   {"light", &f.light_min},
                                   {"rem", &f.rem_min}}) {
            dom::object entry;
            if (stages[level].get_object().get(entry)) continue;
            if (!number(entry, "minutes", kMinutes, *into)) return false;
        }
        return true;
    }

    bool read_segments(simdjson::dom::array segments, std::uint8_t layer, LogType type, std::int32_t offset,
                       const Record& proto) {
        namespace dom = simdjson::dom;
        for (dom::element value : segments) {
            dom::object segment;
            std::string_view level, time_text;
            std::int64_t seconds = 0;
            if (value.get_object().get(segment) || segment["level"].get_string().get(level) ||
                segment["seconds"].get_int64().get(seconds) || segment["dateTime"].get_string().get(time_text) ||
                seconds < 0 || seconds > kMaxLogSeconds) {
                return false;
            }
            ParsedTime t;
            if (!local_time(time_text, t)) return false;
            if (seconds == 0) continue;
            std::optional<Stage> stage = map_level(type, level, options_.fitbit_restless_as_asleep);
            if (!stage) return false;
            Record r = proto;
            r.start = t.has_offset ? t.utc() : t.local - offset * 60LL;
            if (!json_util::time_in_range(r.start)) return false;
            r.end = r.start + seconds;
            r.stage = *stage;
            r.layer = layer;
            records_.push_back(std::move(r));
        }
        return true;
    }

    const ImportOptions& options_;
    ClockResolver& clock_;
    std::vector<Record> records_;
    std::vector<VendorFigures> figures_;
};

class FitbitImporter final : public Importer {
public:
    std::string_view id() const override { return "fitbit"; }
    std::string_view description() const override {
        return "Fitbit sleep logs: account export / Google Takeout sleep-YYYY-MM-DD.json and Web API v1.2 "
               "responses (stages and classic; local times, use --tz)";
    }
    std::string_view recognition() const override {
        return "JSON array of logs or {\"sleep\":[...]} whose logs have \"dateOfSleep\" with \"startTime\" or "
               "\"logId\"; an empty array named sleep-YYYY-MM-DD.json";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        char first = json_util::first_json_char(head);
        if (first != '[' && first != '{') return false;
        if (json_util::has_key(head, "dateOfSleep") &&
            (json_util::has_key(head, "startTime") || json_util::has_key(head, "logId"))) {
            return true;
        }
        return first == '[' && looks_like_takeout_name(name);
    }
    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        std::string text = read_all(source);
        ClockResolver clock(options, display_name, out);
        if (FitbitFastReader(options, clock).read(text, display_name, out)) return;
        Json doc = json_util::parse_document(text, display_name);
        FitbitReader(display_name, options, out, clock).read(doc);
    }
};

}  // namespace

const Importer& fitbit_importer() {
    static const FitbitImporter instance;
    return instance;
}

}  // namespace sleeparch::importers
