// Garmin Connect sleep: the API's `dailySleepData` (one night, or an array of
// them) and the account export's `DI_CONNECT/DI-Connect-Wellness/*_sleepData.json`
// (an array of nightly summaries). FORMATS.md § Garmin Connect.
//
// A night is a session (the DTO's id, else its calendarDate). Its window
// sleepStartTimestampGMT..sleepEndTimestampGMT (epoch ms, or a GMT string in
// the export) is an InBed record; `sleepLevels` become stage records
// (activityLevel 0 deep, 1 light, 2 REM, 3 awake). `sleepMovement` reuses
// activityLevel for movement and is ignored. Null or empty sleepLevels make a
// summary-only night with the DTO's stage seconds.
//
// The UTC offset is sleepStartTimestampLocal - sleepStartTimestampGMT (the
// zone the format states). Some accounts show it applied twice: a difference
// beyond ±14 h that halves to a real offset, or twice the --tz offset, is
// halved with a warning. Without Local fields (the account export) the
// offset comes from --tz, else UTC with the resolver's warning (timezone.hpp).
//
// `calendarDate` (the wake-up date in the user's zone) labels the night
// (Record::label_date), so a night east of UTC read without --tz keeps its
// date. A --tz that contradicts it (the night would wake on another local
// date, or its midpoint would fall in the afternoon, 12:00-20:00 local) gets
// one warning per file naming the first such night.
//
// HRV and resting heart rate (METRICS.md §8): dailySleepData's
// `avgOvernightHrv` (RMSSD) and `restingHeartRate`, beside the DTO or in it,
// are Garmin's nightly values for the night. The account export's
// `DI-Connect-Wellness/*_healthStatusData.json` (`[{calendarDate, metrics:
// [{type: HRV|HR|..., value, status, ...}]}]`) gives the last night's HRV
// (for the main sleep labelled calendarDate) and the resting heart rate of
// that date; a 0 with status UNKNOWN is "not measured" and skipped without
// a count, and the export's files overlap in dates (the first value of a
// date is kept).

#include <cmath>
#include <set>
#include <string>
#include <string_view>

#include "json_util.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/vitals.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

using json_util::Json;
using json_util::Where;

constexpr std::int64_t kMaxNightSeconds = 7 * 24 * 3600;
constexpr std::int32_t kMaxOffsetMin = 14 * 60;

std::optional<Stage> level_stage(double level) {
    if (level == 0.0) return Stage::Deep;
    if (level == 1.0) return Stage::Light;
    if (level == 2.0) return Stage::REM;
    if (level == 3.0) return Stage::Wake;
    return std::nullopt;
}

class GarminReader {
public:
    GarminReader(const std::string& file, const ImportOptions& options, ImportBatch& out)
        : file_(file), out_(out), clock_(options, file, out), vitals_(out, file) {}

    void read(const Json& doc) {
        Where top{file_, ""};
        if (doc.is_object()) {
            if (!json_util::member(doc, "dailySleepDTO")) {
                json_util::fail(top, "dailySleepDTO", "missing: expected a Garmin dailySleepData document");
            }
            file_index_ = out_.add_file(file_);
            read_night(doc, 0);
            warn_contradictions();
            vitals_.finish();
            return;
        }
        if (!doc.is_array()) {
            json_util::fail_type(top, "JSON", "a Garmin dailySleepData document or an array of sleep summaries",
                                 doc);
        }
        file_index_ = out_.add_file(file_);
        std::uint32_t index = 0;
        for (const Json& night : doc) read_night(night, ++index);
        warn_contradictions();
        vitals_.finish();
    }

    // DI-Connect-Wellness/*_healthStatusData.json.
    void read_health_status(const Json& doc) {
        Where top{file_, ""};
        if (!doc.is_array()) json_util::fail_type(top, "JSON", "an array of daily health status records", doc);
        Source source{"garmin", "Garmin", "", ""};
        const int source_index = out_.add_source(source);
        std::uint32_t index = 0;
        for (const Json& day : doc) {
            Where where{file_, "record " + std::to_string(++index)};
            if (!day.is_object()) json_util::fail_type(where, "record", "an object", day);
            const std::string text(json_util::get_string(day, "calendarDate", where));
            where.location += " (calendarDate " + text + ")";
            const boost::gregorian::date date = calendar_date(text, where);
            const Json* metrics = json_util::opt_array(day, "metrics", where);
            if (!metrics) continue;
            std::size_t k = 0;
            for (const Json& metric : *metrics) {
                const std::string prefix = "metrics[" + std::to_string(k++) + "].";
                if (!metric.is_object()) json_util::fail_type(where, prefix, "an object", metric);
                const auto type = json_util::opt_string(metric, "type", where, prefix + "type");
                if (!type || (*type != "HRV" && *type != "HR")) continue;
                const auto value = json_util::opt_number(metric, "value", where, prefix + "value");
                if (!value) continue;
                const auto status = json_util::opt_string(metric, "status", where, prefix + "status");
                if (*value == 0 && status && *status == "UNKNOWN") continue;  // not measured
                VitalReading r;
                r.kind = *type == "HRV" ? VitalKind::HrvRmssd : VitalKind::RestingHr;
                r.basis = *type == "HRV" ? VitalBasis::Nightly : VitalBasis::Daily;
                r.value = *value;
                r.date = date;
                r.source = source_index;
                r.line = index;
                r.origin = "Garmin healthStatusData " + std::string(*type);
                vitals_.add(std::move(r));
            }
        }
        vitals_.finish();
    }

private:
    // Epoch milliseconds, or a GMT string "2021-07-20T05:21:00.0".
    std::optional<UtcSeconds> timestamp(const Json& object, std::string_view key, const Where& where) const {
        const Json* value = json_util::member(object, key);
        if (json_util::is_absent(value)) return std::nullopt;
        if (value->is_string()) {
            const auto& text = value->get_ref<const std::string&>();
            ParsedTime t = json_util::parse_time_text(text);
            if (!t.ok) json_util::fail(where, std::string(key) + " \"" + text + "\"", t.error);
            return t.has_offset ? t.utc() : t.local;
        }
        auto ms = json_util::opt_int(object, key, where);
        if (!ms) return std::nullopt;
        // Floor division: times before 1970 are no sleep data, but keep them exact.
        std::int64_t s = *ms / 1000;
        if (*ms % 1000 < 0) --s;
        return s;
    }

    // `from_tz` is set when --tz gave the offset (only then can it
    // contradict calendarDate).
    std::int32_t resolve_offset(const Json& dto, UtcSeconds start_gmt, const Where& where, std::uint32_t line,
                                bool& from_tz) {
        const std::optional<TimeZone>& tz = clock_.user_zone();
        // The Local field is the wall clock written as if it were UTC.
        auto local = timestamp(dto, "sleepStartTimestampLocal", where);
        from_tz = !local && tz;
        if (!local) return clock_.offset_at_utc(start_gmt, nullptr, line);
        std::int64_t diff_s = *local - start_gmt;
        std::int64_t diff_min = diff_s / 60;
        bool halve = false;
        if (tz) {
            std::int32_t expected = tz->offset_at_utc(start_gmt);
            halve = expected != 0 && diff_min == 2LL * expected;
        } else {
            halve = std::llabs(diff_min) > kMaxOffsetMin && std::llabs(diff_min / 2) <= kMaxOffsetMin &&
                    diff_min % 30 == 0;
        }
        if (halve) {
            diff_min /= 2;
            out_.warnings.push_back({file_, line,
                                     "sleepStartTimestampLocal holds the UTC offset twice; used " +
                                         format_offset(static_cast<std::int32_t>(diff_min))});
        }
        if (std::llabs(diff_min) > kMaxOffsetMin) {
            json_util::fail(where, "sleepStartTimestampLocal",
                            "differs from sleepStartTimestampGMT by " + std::to_string(diff_min) +
                                " min, more than any UTC offset");
        }
        return static_cast<std::int32_t>(diff_min);
    }

    // calendarDate as a date; not-a-date when absent.
    boost::gregorian::date calendar_date(const std::string& text, const Where& where) const {
        if (text.empty()) return {};
        const ParsedTime t = parse_iso_datetime(text);
        if (!t.ok || text.size() != 10) {
            json_util::fail(where, "calendarDate \"" + text + "\"", t.ok ? "expected YYYY-MM-DD" : t.error);
        }
        return local_date(t.local, 0);
    }

    // A --tz-placed night against its calendarDate.
    void check_against_calendar_date(UtcSeconds start, UtcSeconds end, std::int32_t offset,
                                     const boost::gregorian::date& label, const std::string& date,
                                     std::uint32_t line) {
        const boost::gregorian::date wakes = local_date(end, offset);
        const double midpoint = local_clock_minutes(start + (end - start) / 2, offset);
        const bool afternoon = midpoint >= 12 * 60 && midpoint < 20 * 60;
        if (wakes == label && !afternoon) return;
        if (contradictions_++ > 0) return;
        auto clock = [&](UtcSeconds t) { return format_local_iso(t, offset).substr(11, 5); };
        first_contradiction_line_ = line;
        first_contradiction_ = "calendarDate " + date + " becomes " + clock(start) + "-" + clock(end) +
                               " local, waking on " + format_date(wakes) + (afternoon ? ", an afternoon night" : "");
    }

    void warn_contradictions() {
        if (contradictions_ == 0) return;
        out_.warnings.push_back({file_, first_contradiction_line_,
                                 "--tz " + clock_.user_zone()->name() + " contradicts calendarDate on " +
                                     std::to_string(contradictions_) + " of " + std::to_string(nights_) +
                                     " nights (first: " + first_contradiction_ +
                                     "): check --tz; the nights keep calendarDate as their date"});
    }

    // `holder` is the dailySleepData document (API) or the summary itself
    // (export); `index` 0 for a single document.
    void read_night(const Json& holder, std::uint32_t index) {
        Where where{file_, index == 0 ? std::string("dailySleepDTO") : "record " + std::to_string(index)};
        if (!holder.is_object()) json_util::fail_type(where, "night", "an object", holder);
        const Json* dto = &holder;
        if (json_util::member(holder, "dailySleepDTO")) {
            dto = json_util::opt_object(holder, "dailySleepDTO", where);
            if (dto == nullptr) {
                json_util::fail(where, "dailySleepDTO", "null");
            }
        }
        std::string date = std::string(json_util::opt_string(*dto, "calendarDate", where).value_or(""));
        std::string session = json_util::id_text(json_util::member(*dto, "id"));
        if (session.empty()) session = date;
        if (session.empty()) session = "record " + std::to_string(index);
        if (index != 0 && !date.empty()) where.location += " (calendarDate " + date + ")";
        std::uint32_t line = index == 0 ? 1 : index;

        auto start = timestamp(*dto, "sleepStartTimestampGMT", where);
        auto end = timestamp(*dto, "sleepEndTimestampGMT", where);
        if (!start || !end) {
            // Garmin writes a DTO with only the date for nights without sleep.
            out_.warnings.push_back({file_, line,
                                     "no sleep recorded" + (date.empty() ? std::string() : " for " + date) +
                                         " (no sleepStartTimestampGMT/sleepEndTimestampGMT): skipped"});
            return;
        }
        json_util::check_time(*start, where, "sleepStartTimestampGMT");
        json_util::check_time(*end, where, "sleepEndTimestampGMT");
        if (*end < *start) json_util::fail(where, "sleepEndTimestampGMT", "before sleepStartTimestampGMT");
        if (*end - *start > kMaxNightSeconds) {
            json_util::fail(where, "sleepEndTimestampGMT", "more than 7 days after sleepStartTimestampGMT");
        }
        bool from_tz = false;
        std::int32_t offset = resolve_offset(*dto, *start, where, line, from_tz);
        const boost::gregorian::date label = calendar_date(date, where);
        ++nights_;
        if (from_tz && !label.is_special()) check_against_calendar_date(*start, *end, offset, label, date, line);

        Source source{"garmin", "Garmin", "", ""};
        if (const Json* version = json_util::member(*dto, "sleepVersion"); !json_util::is_absent(version)) {
            source.version = json_util::id_text(version);
        }
        int source_index = out_.add_source(source);
        add_vitals(holder, *dto, *start, *end, source_index, line, where);

        const VendorFigures figures = vendor_figures(*dto, where);
        const Json* levels = json_util::opt_array(holder, "sleepLevels", where);
        if (levels == nullptr || levels->empty()) {
            add_summary(*dto, *start, *end, offset, label, source_index, line, session, where, figures);
            return;
        }

        Record bed;
        bed.start = *start;
        bed.end = *end;
        bed.kind = RecordKind::InBed;
        bed.utc_offset_min = offset;
        bed.label_date = label;
        bed.source = source_index;
        bed.session = session;
        bed.file = file_index_;
        bed.line = line;
        bed.id = session;
        bed.epoch_s = 60;
        bed.figures = out_.add_figures(figures);
        if (bed.end > bed.start) out_.records.push_back(bed);
        Record proto = bed;
        proto.kind = RecordKind::Stage;

        std::size_t k = 0;
        for (const Json& level : *levels) {
            std::string prefix = "sleepLevels[" + std::to_string(k++) + "].";
            if (!level.is_object()) json_util::fail_type(where, prefix.substr(0, prefix.size() - 1), "an object", level);
            auto level_start = timestamp(level, "startGMT", where);
            auto level_end = timestamp(level, "endGMT", where);
            if (!level_start) json_util::fail(where, prefix + "startGMT", "missing");
            if (!level_end) json_util::fail(where, prefix + "endGMT", "missing");
            json_util::check_time(*level_start, where, prefix + "startGMT");
            json_util::check_time(*level_end, where, prefix + "endGMT");
            if (*level_end < *level_start) json_util::fail(where, prefix + "endGMT", "before startGMT");
            if (*level_end - *level_start > kMaxNightSeconds) {
                json_util::fail(where, prefix + "endGMT", "more than 7 days after startGMT");
            }
            double value = json_util::get_number(level, "activityLevel", where, prefix + "activityLevel");
            std::optional<Stage> stage = level_stage(value);
            if (!stage) {
                warn_unknown_level(value, line);
                stage = Stage::Unscored;
            }
            if (*level_end == *level_start) continue;
            Record r = proto;
            r.start = *level_start;
            r.end = *level_end;
            r.stage = *stage;
            out_.records.push_back(std::move(r));
        }
    }

    void warn_unknown_level(double value, std::uint32_t line) {
        if (!unknown_levels_.insert(value).second) return;
        Json shown = value;
        out_.warnings.push_back({file_, line,
                                 "unknown sleepLevels activityLevel " + shown.dump() +
                                     ", counted as Unscored (expected 0 deep, 1 light, 2 REM, 3 awake)"});
    }

    // Garmin's own totals (stage seconds, sleepTimeSeconds) and its overall
    // sleep score: `sleepScores.overall.value` (API) or
    // `sleepScores.overallScore` (account export [unconfirmed]). A value out
    // of range is taken as not stated.
    static VendorFigures vendor_figures(const Json& dto, const Where& where) {
        auto minutes = [&](std::string_view key) {
            auto value = json_util::opt_number(dto, key, where);
            return value && *value >= 0 && *value <= kMaxNightSeconds ? *value / 60.0 : VendorFigures::kNone;
        };
        VendorFigures f;
        f.tst_min = minutes("sleepTimeSeconds");
        f.deep_min = minutes("deepSleepSeconds");
        f.light_min = minutes("lightSleepSeconds");
        f.rem_min = minutes("remSleepSeconds");
        f.wake_min = minutes("awakeSleepSeconds");
        if (const Json* scores = json_util::opt_object(dto, "sleepScores", where)) {
            std::optional<double> score;
            if (const Json* overall = json_util::opt_object(*scores, "overall", where, "sleepScores.overall"))
                score = json_util::opt_number(*overall, "value", where, "sleepScores.overall.value");
            if (!score) score = json_util::opt_number(*scores, "overallScore", where, "sleepScores.overallScore");
            if (score && *score >= 0 && *score <= 100) f.score = *score;
        }
        return f;
    }

    void add_summary(const Json& dto, UtcSeconds start, UtcSeconds end, std::int32_t offset,
                     const boost::gregorian::date& label, int source, std::uint32_t line, const std::string& session,
                     const Where& where, const VendorFigures& figures) {
        auto minutes = [&](std::string_view key) -> std::optional<double> {
            auto value = json_util::opt_number(dto, key, where);
            if (value && (*value < 0 || *value > kMaxNightSeconds)) json_util::fail(where, key, "out of range");
            return value ? std::optional<double>(*value / 60.0) : std::nullopt;
        };
        SummaryRecord s;
        s.start = start;
        s.end = end;
        s.utc_offset_min = offset;
        s.label_date = label;
        s.source = source;
        s.file = file_index_;
        s.line = line;
        s.id = session;
        s.vendor = figures;
        auto deep = minutes("deepSleepSeconds");
        auto light = minutes("lightSleepSeconds");
        auto rem = minutes("remSleepSeconds");
        auto awake = minutes("awakeSleepSeconds");
        if (deep || light || rem) {
            s.totals.deep_min = deep.value_or(0);
            s.totals.light_min = light.value_or(0);
            s.totals.rem_min = rem.value_or(0);
        } else if (auto total = minutes("sleepTimeSeconds")) {
            s.totals.asleep_unstaged_min = *total;
        } else {
            out_.warnings.push_back({file_, line, "night " + session + " has no sleep totals: skipped"});
            return;
        }
        s.totals.wake_min = awake.value_or(0);
        out_.summaries.push_back(std::move(s));
    }

    // avgOvernightHrv and restingHeartRate beside the DTO (dailySleepData) or in it.
    void add_vitals(const Json& holder, const Json& dto, UtcSeconds start, UtcSeconds end, int source,
                    std::uint32_t line, const Where& where) {
        for (auto [key, kind] : {std::pair{std::string_view("avgOvernightHrv"), VitalKind::HrvRmssd},
                                 std::pair{std::string_view("restingHeartRate"), VitalKind::RestingHr}}) {
            std::optional<double> value = json_util::opt_number(holder, key, where);
            if (!value && &dto != &holder) value = json_util::opt_number(dto, key, where);
            if (!value) continue;
            VitalReading r;
            r.kind = kind;
            r.basis = VitalBasis::Nightly;
            r.value = *value;
            r.start = start;
            r.end = end;
            r.source = source;
            r.line = line;
            r.origin = "Garmin dailySleepData " + std::string(key);
            vitals_.add(std::move(r));
        }
    }

    const std::string& file_;
    ImportBatch& out_;
    ClockResolver clock_;
    VitalScreen vitals_;
    std::uint32_t file_index_ = 0;
    std::uint32_t nights_ = 0;  // nights with sleep times
    std::uint32_t contradictions_ = 0;
    std::uint32_t first_contradiction_line_ = 0;
    std::string first_contradiction_;
    std::set<double> unknown_levels_;
};

class GarminImporter final : public Importer {
public:
    std::string_view id() const override { return "garmin"; }
    std::string_view description() const override {
        return "Garmin Connect sleep: API dailySleepData (sleepLevels) and the account export's "
               "*_sleepData.json (summary-only nights); HRV and resting heart rate from them and from "
               "*_healthStatusData.json";
    }
    std::string_view recognition() const override {
        return "JSON with \"dailySleepDTO\", or an array of objects with \"sleepStartTimestampGMT\" and "
               "\"calendarDate\", or with \"calendarDate\" and \"metrics\" (healthStatusData)";
    }
    static bool is_health_status(std::string_view head) {
        return json_util::first_json_char(head) == '[' && json_util::has_key(head, "calendarDate") &&
               json_util::has_key(head, "metrics") && !json_util::has_key(head, "sleepStartTimestampGMT");
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        char first = json_util::first_json_char(head);
        if (first != '[' && first != '{') return false;
        if (json_util::has_key(head, "dailySleepDTO")) return true;
        if (is_health_status(head)) return true;
        return json_util::has_key(head, "sleepStartTimestampGMT") &&
               (json_util::has_key(head, "calendarDate") || json_util::has_key(head, "deepSleepSeconds"));
    }
    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        std::string text = read_all(source);
        Json doc = json_util::parse_document(text, display_name);
        if (is_health_status(std::string_view(text).substr(0, 64 << 10))) {
            GarminReader(display_name, options, out).read_health_status(doc);
            return;
        }
        GarminReader(display_name, options, out).read(doc);
    }
};

}  // namespace

const Importer& garmin_importer() {
    static const GarminImporter instance;
    return instance;
}

}  // namespace sleeparch::importers
