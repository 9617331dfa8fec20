// Oura sleep periods: API v2 `/v2/usercollection/sleep` documents
// (`{"data":[...]}` or one period), the account export (`{"sleep":[...]}` or
// an array of periods) and API v1 / old exports with `hypnogram_5min`.
// FORMATS.md § Oura.
//
// Each period is a session (its `id`, or v1 summary_date/period_id).
// bedtime_start..bedtime_end is an InBed record; the phase string (one
// character per epoch from bedtime_start: 1 deep, 2 light, 3 REM, 4 awake;
// the letters D/L/R/A some web exports reportedly use are read too) becomes
// stage records. `sleep_phase_30_sec` is preferred to `sleep_phase_5_min`,
// which is preferred to v1 `hypnogram_5min`. Periods of type `rest` and
// `deleted` are dropped. A period without a phase string is a summary-only
// night with Oura's stage durations.

#include <array>
#include <set>
#include <string>
#include <string_view>

#include "json_util.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

using json_util::Json;
using json_util::Where;

constexpr std::int64_t kMaxPeriodSeconds = 7 * 24 * 3600;

std::optional<Stage> phase_stage(char c) {
    switch (c) {
        case '1':
        case 'D': return Stage::Deep;
        case '2':
        case 'L': return Stage::Light;
        case '3':
        case 'R': return Stage::REM;
        case '4':
        case 'A': return Stage::Wake;
        default: return std::nullopt;
    }
}

struct PhaseField {
    std::string_view key;
    std::int32_t epoch_s;
};

// Finest first.
constexpr std::array<PhaseField, 3> kPhaseFields = {
    {{"sleep_phase_30_sec", 30}, {"sleep_phase_5_min", 300}, {"hypnogram_5min", 300}}};

class OuraReader {
public:
    OuraReader(const std::string& file, const ImportOptions& options, ImportBatch& out)
        : file_(file), out_(out), clock_(options, file, out), vitals_(out, file) {}

    void read(const Json& doc) {
        Where top{file_, ""};
        const Json* periods = nullptr;
        bool single = false;
        if (doc.is_array()) {
            periods = &doc;
        } else if (doc.is_object()) {
            if (json_util::member(doc, "bedtime_start")) {
                periods = &doc;
                single = true;
            } else if (json_util::member(doc, "data")) {
                periods = &json_util::get_array(doc, "data", top);
            } else if (json_util::member(doc, "sleep")) {
                periods = &json_util::get_array(doc, "sleep", top);
            } else {
                json_util::fail(top, "data", "missing: expected Oura sleep periods under \"data\" or \"sleep\"");
            }
        } else {
            json_util::fail_type(top, "JSON", "an Oura sleep document (an object or an array of periods)", doc);
        }
        file_index_ = out_.add_file(file_);
        if (single) {
            read_period(doc, 1);
        } else {
            std::uint32_t index = 0;
            for (const Json& period : *periods) read_period(period, ++index);
        }
        vitals_.finish();
    }

private:
    ParsedTime parse_time(const Json& object, std::string_view key, const Where& where) const {
        std::string_view text = json_util::get_string(object, key, where);
        ParsedTime t = json_util::parse_time_text(text);
        if (!t.ok) json_util::fail(where, std::string(key) + " \"" + std::string(text) + "\"", t.error);
        return t;
    }

    // The stamp's own offset, else the period's v1 `timezone` (minutes),
    // else --tz, else UTC with the resolver's warning.
    std::int32_t offset_for(const ParsedTime& t, const Json& period, const Where& where) {
        if (t.has_offset) return t.offset_min;
        std::optional<TimeZone> stated;
        if (auto minutes = json_util::opt_int(period, "timezone", where)) {
            if (*minutes < -18 * 60 || *minutes > 18 * 60) {
                json_util::fail(where, "timezone", std::to_string(*minutes) + " min is outside -18:00..+18:00");
            }
            stated = TimeZone::fixed(static_cast<std::int32_t>(*minutes));
        }
        return clock_.offset_at_local(t.local, stated ? &*stated : nullptr);
    }

    void read_period(const Json& period, std::uint32_t index) {
        Where where{file_, "record " + std::to_string(index)};
        if (!period.is_object()) json_util::fail_type(where, "period", "an object", period);

        std::string session;
        if (auto id = json_util::opt_string(period, "id", where)) {
            session = std::string(*id);
            where.location += " (id " + session + ")";
        } else {
            auto day = json_util::opt_string(period, "summary_date", where);
            if (!day) day = json_util::opt_string(period, "day", where);
            std::string period_id = json_util::id_text(json_util::member(period, "period_id"));
            if (day) {
                session = std::string(*day) + "/" + (period_id.empty() ? std::to_string(index) : period_id);
                where.location += " (" + session + ")";
            } else {
                session = "record " + std::to_string(index);
            }
        }

        if (auto type = json_util::opt_string(period, "type", where)) {
            // Rest-mode periods and periods the user deleted are no sleep.
            if (*type == "rest" || *type == "deleted") return;
        }

        ParsedTime start = parse_time(period, "bedtime_start", where);
        ParsedTime end = parse_time(period, "bedtime_end", where);
        std::int32_t offset = offset_for(start, period, where);
        UtcSeconds start_utc = start.has_offset ? start.utc() : start.local - offset * 60LL;
        UtcSeconds end_utc = end.has_offset ? end.utc() : end.local - offset * 60LL;
        json_util::check_time(start_utc, where, "bedtime_start");
        json_util::check_time(end_utc, where, "bedtime_end");
        if (end_utc < start_utc) json_util::fail(where, "bedtime_end", "before bedtime_start");
        if (end_utc - start_utc > kMaxPeriodSeconds) {
            json_util::fail(where, "bedtime_end", "more than 7 days after bedtime_start");
        }

        Source source{"oura", "Oura", "", ""};
        if (auto version = json_util::opt_string(period, "sleep_algorithm_version", where)) {
            source.version = std::string(*version);
        }
        int source_index = out_.add_source(source);
        add_vitals(period, start_utc, end_utc, source_index, index, where);

        std::string_view phases;
        std::string_view phase_key;
        std::int32_t epoch_s = 0;
        for (const PhaseField& f : kPhaseFields) {
            auto text = json_util::opt_string(period, f.key, where);
            if (text && !text->empty()) {
                phases = *text;
                phase_key = f.key;
                epoch_s = f.epoch_s;
                break;
            }
        }
        const VendorFigures figures = vendor_figures(period, where);
        if (phases.empty()) {
            add_summary(period, start_utc, end_utc, offset, source_index, index, session, where, figures);
            return;
        }

        Record bed;
        bed.start = start_utc;
        bed.end = end_utc;
        bed.kind = RecordKind::InBed;
        bed.utc_offset_min = offset;
        bed.source = source_index;
        bed.session = session;
        bed.file = file_index_;
        bed.line = index;
        bed.id = session;
        bed.epoch_s = epoch_s;
        bed.figures = out_.add_figures(figures);
        if (bed.end > bed.start) out_.records.push_back(bed);

        Record proto = bed;
        proto.kind = RecordKind::Stage;
        std::size_t beyond = 0;
        std::size_t i = 0;
        while (i < phases.size()) {
            char c = phases[i];
            std::size_t j = i + 1;
            while (j < phases.size() && phases[j] == c) ++j;
            UtcSeconds run_start = start_utc + static_cast<UtcSeconds>(i) * epoch_s;
            UtcSeconds run_end = start_utc + static_cast<UtcSeconds>(j) * epoch_s;
            // Oura's last epoch may run past bedtime_end: clip it there.
            if (run_end > end_utc) {
                UtcSeconds over_from = std::max(run_start, end_utc);
                beyond += static_cast<std::size_t>((run_end - over_from) / epoch_s);
                run_end = end_utc;
            }
            if (run_end > run_start) {
                std::optional<Stage> stage = phase_stage(c);
                if (!stage) {
                    warn_unknown_phase(c, phase_key, index);
                    stage = Stage::Unscored;
                }
                Record r = proto;
                r.start = run_start;
                r.end = run_end;
                r.stage = *stage;
                out_.records.push_back(std::move(r));
            }
            i = j;
        }
        if (beyond > 0) {
            out_.warnings.push_back({file_, index,
                                     "period " + session + ": " + std::string(phase_key) + " runs " +
                                         std::to_string(beyond) + " epochs past bedtime_end; they were dropped"});
        }
    }

    // The sleep document's own nightly values (METRICS.md §8): v2
    // average_hrv (RMSSD) and lowest_heart_rate, v1 rmssd and hr_lowest.
    void add_vitals(const Json& period, UtcSeconds start, UtcSeconds end, int source, std::uint32_t index,
                    const Where& where) {
        struct Field {
            VitalKind kind;
            std::string_view v2, v1;
        };
        constexpr Field kFields[] = {{VitalKind::HrvRmssd, "average_hrv", "rmssd"},
                                     {VitalKind::RestingHr, "lowest_heart_rate", "hr_lowest"}};
        for (const Field& f : kFields) {
            std::string_view key = f.v2;
            std::optional<double> value = json_util::opt_number(period, f.v2, where);
            if (!value) {
                key = f.v1;
                value = json_util::opt_number(period, f.v1, where);
            }
            if (!value) continue;
            VitalReading r;
            r.kind = f.kind;
            r.basis = VitalBasis::Nightly;
            r.value = *value;
            r.start = start;
            r.end = end;
            r.source = source;
            r.line = index;
            r.origin = "Oura sleep document " + std::string(key);
            vitals_.add(std::move(r));
        }
    }

    void warn_unknown_phase(char c, std::string_view key, std::uint32_t index) {
        if (!unknown_phases_.insert(c).second) return;
        std::string shown = (c >= 0x20 && c < 0x7f) ? std::string(1, c) : "\\x" + hex(static_cast<unsigned char>(c));
        out_.warnings.push_back({file_, index,
                                 "unknown phase \"" + shown + "\" in " + std::string(key) +
                                     ", counted as Unscored (expected 1 deep, 2 light, 3 REM, 4 awake)"});
    }

    static std::string hex(unsigned char c) {
        const char* digits = "0123456789abcdef";
        return {digits[c >> 4], digits[c & 15]};
    }

    // Oura's own totals (computed on a finer grid than the phase string, so
    // a 5-min hypnogram's minutes differ from them by up to ~10 min), v2
    // names first, then v1's; durations in seconds.
    VendorFigures vendor_figures(const Json& period, const Where& where) const {
        auto number = [&](std::string_view v2, std::string_view v1, double limit) {
            std::string_view key = json_util::member(period, v2) ? v2 : v1;
            auto value = json_util::opt_number(period, key, where);
            if (value && (*value < 0 || *value > limit)) json_util::fail(where, key, "out of range");
            return value.value_or(VendorFigures::kNone);
        };
        const double s = static_cast<double>(kMaxPeriodSeconds);
        VendorFigures f;
        f.tst_min = number("total_sleep_duration", "total", s) / 60.0;
        f.deep_min = number("deep_sleep_duration", "deep", s) / 60.0;
        f.light_min = number("light_sleep_duration", "light", s) / 60.0;
        f.rem_min = number("rem_sleep_duration", "rem", s) / 60.0;
        f.wake_min = number("awake_time", "awake", s) / 60.0;
        f.sol_min = number("latency", "onset_latency", s) / 60.0;
        f.se_pct = number("efficiency", "efficiency", 100);
        f.score = number("score", "score", 100);
        return f;
    }

    void add_summary(const Json& period, UtcSeconds start, UtcSeconds end, std::int32_t offset, int source,
                     std::uint32_t index, const std::string& session, const Where& where,
                     const VendorFigures& figures) {
        // v2 names first, then v1's; all in seconds.
        auto seconds = [&](std::string_view v2, std::string_view v1) -> std::optional<double> {
            std::string_view key = json_util::member(period, v2) ? v2 : v1;
            auto value = json_util::opt_number(period, key, where);
            if (value && (*value < 0 || *value > kMaxPeriodSeconds)) {
                json_util::fail(where, key, "out of range");
            }
            return value;
        };
        auto deep = seconds("deep_sleep_duration", "deep");
        auto light = seconds("light_sleep_duration", "light");
        auto rem = seconds("rem_sleep_duration", "rem");
        auto awake = seconds("awake_time", "awake");
        if (!deep && !light && !rem) {
            auto total = seconds("total_sleep_duration", "total");
            if (!total) {
                out_.warnings.push_back({file_, index,
                                         "period " + session + " has neither a phase string nor stage durations: skipped"});
                return;
            }
            SummaryRecord s = summary_base(start, end, offset, source, index, session);
            s.vendor = figures;
            s.totals.asleep_unstaged_min = *total / 60.0;
            if (awake) s.totals.wake_min = *awake / 60.0;
            out_.summaries.push_back(std::move(s));
            return;
        }
        SummaryRecord s = summary_base(start, end, offset, source, index, session);
        s.vendor = figures;
        s.totals.deep_min = deep.value_or(0) / 60.0;
        s.totals.light_min = light.value_or(0) / 60.0;
        s.totals.rem_min = rem.value_or(0) / 60.0;
        s.totals.wake_min = awake.value_or(0) / 60.0;
        out_.summaries.push_back(std::move(s));
    }

    SummaryRecord summary_base(UtcSeconds start, UtcSeconds end, std::int32_t offset, int source,
                               std::uint32_t index, const std::string& session) const {
        SummaryRecord s;
        s.start = start;
        s.end = end;
        s.utc_offset_min = offset;
        s.source = source;
        s.file = file_index_;
        s.line = index;
        s.id = session;
        return s;
    }

    const std::string& file_;
    ImportBatch& out_;
    std::uint32_t file_index_ = 0;
    ClockResolver clock_;
    std::set<char> unknown_phases_;
    VitalScreen vitals_;
};

class OuraImporter final : public Importer {
public:
    std::string_view id() const override { return "oura"; }
    std::string_view description() const override {
        return "Oura sleep periods: API v2 sleep documents, the account export (sleep_phase_5_min / "
               "sleep_phase_30_sec) and v1 hypnogram_5min";
    }
    std::string_view recognition() const override {
        return "JSON with \"bedtime_start\" and a phase string (\"sleep_phase_5_min\", \"sleep_phase_30_sec\", "
               "\"hypnogram_5min\") or \"bedtime_end\"";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        char first = json_util::first_json_char(head);
        if (first != '[' && first != '{') return false;
        return json_util::has_key(head, "bedtime_start") &&
               (json_util::has_key(head, "bedtime_end") || json_util::has_key(head, "sleep_phase_5_min") ||
                json_util::has_key(head, "sleep_phase_30_sec") || json_util::has_key(head, "hypnogram_5min"));
    }
    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        std::string text = read_all(source);
        Json doc = json_util::parse_document(text, display_name);
        OuraReader(display_name, options, out).read(doc);
    }
};

}  // namespace

const Importer& oura_importer() {
    static const OuraImporter instance;
    return instance;
}

}  // namespace sleeparch::importers
