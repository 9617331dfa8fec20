// NSRR sleep-study annotation XML, in both dialects the NSRR distributes.
//
// `<PSGAnnotation>` (NSRR's own): `<ScoredEvent>` elements with
// `<EventType>Stages|Stages</EventType>`, `<EventConcept>Stage 2 sleep|2
// </EventConcept>`, `<Start>` and `<Duration>` in seconds from the recording
// start. The code after `|` is mapped: 0 Wake, 1 N1, 2 N2, 3 and 4 Deep
// (R&K 3 and 4 are both N3), 5 REM, 9 Unscored (6, which some R&K scorings
// use for movement time, is read as Unscored too). Events of
// other types (arousals, desaturations, ...) are ignored.
//
// `<CMPStudyConfig>` (Compumedics Profusion): `<EpochLength>` seconds and one
// `<SleepStage>` per epoch under `<SleepStages>`, coded 0 W, 1 N1, 2 N2,
// 3 N3, 4 N4 (Deep), 5 REM, 9 unscored.
//
// N1 and N2 keep their resolution. The start comes from ImportOptions::start
// when set. Else a PSGAnnotation's `Recording Start Time` event states the
// start's local clock time (`<ClockTime>00.00.00 23.00.00</ClockTime>`, the
// date part de-identified, often 00.00.00 or 01.01.85, so never used): the
// night is placed at that clock time on 2000-01-01, with a warning that dates
// are not real, and the offset comes from --tz through the ClockResolver
// (else UTC with its warning). Without either (Profusion files, older
// PSGAnnotation files), the start is 2000-01-01T22:00:00Z with a warning, so
// durations and metrics are right while clock times and dates are not. One
// file is one session.
#include <expat.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <exception>
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

constexpr std::string_view kDefaultStart = "2000-01-01T22:00:00Z";
// The date a stated clock time is placed on (the file's own is de-identified).
constexpr UtcSeconds kPlaceholderDay = 946'684'800;  // 2000-01-01T00:00:00 as local wall clock

// "00.00.00 23.00.00" (dd.mm.yy HH.MM.SS; ':' accepted too): seconds after
// local midnight of the time part, nullopt when malformed.
std::optional<int> clock_seconds(std::string_view text) {
    const std::size_t space = text.find_last_of(" \t");
    std::string_view t = space == std::string_view::npos ? text : text.substr(space + 1);
    if (t.size() != 8 || (t[2] != '.' && t[2] != ':') || t[5] != t[2]) return std::nullopt;
    int part[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
        const char a = t[3 * k], b = t[3 * k + 1];
        if (a < '0' || a > '9' || b < '0' || b > '9') return std::nullopt;
        part[k] = (a - '0') * 10 + (b - '0');
    }
    if (part[0] > 23 || part[1] > 59 || part[2] > 59) return std::nullopt;
    return part[0] * 3600 + part[1] * 60 + part[2];
}
constexpr double kMaxSeconds = 10.0 * 366 * 24 * 3600;

std::optional<Stage> nsrr_stage(std::string_view code) {
    if (code == "0") return Stage::Wake;
    if (code == "1") return Stage::N1;
    if (code == "2") return Stage::N2;
    if (code == "3" || code == "4") return Stage::Deep;
    if (code == "5") return Stage::REM;
    if (code == "6" || code == "9") return Stage::Unscored;
    return std::nullopt;
}

enum class Dialect { Unknown, PsgAnnotation, Profusion };

struct StageEvent {
    double start = 0;
    double duration = 0;
    Stage stage = Stage::Unscored;
    std::uint32_t line = 0;
};

// Collects the elements both dialects need while expat walks the document.
class Collector {
public:
    Collector(const std::string& file, XML_Parser parser) : file_(file), parser_(parser) {}

    static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char**) {
        static_cast<Collector*>(self)->start(name);
    }
    static void XMLCALL on_end(void* self, const XML_Char* name) {
        static_cast<Collector*>(self)->end(name);
    }
    static void XMLCALL on_text(void* self, const XML_Char* s, int len) {
        auto* c = static_cast<Collector*>(self);
        if (c->capturing_ && len > 0) c->text_.append(s, static_cast<std::size_t>(len));
    }

    Dialect dialect = Dialect::Unknown;
    std::string software_version;
    std::optional<double> epoch_length;
    std::uint32_t epoch_line = 0;
    std::vector<StageEvent> events;  // PSGAnnotation
    std::vector<std::pair<Stage, std::uint32_t>> epochs;  // Profusion
    // PSGAnnotation `Recording Start Time`: seconds after local midnight of
    // the recording's start (its ClockTime less its Start).
    std::optional<double> start_clock_s;
    std::string start_clock_text;

private:
    std::uint32_t line() const { return static_cast<std::uint32_t>(XML_GetCurrentLineNumber(parser_)); }

    void start(std::string_view name) {
        if (depth_ == 0) {
            if (name == "PSGAnnotation") {
                dialect = Dialect::PsgAnnotation;
            } else if (name == "CMPStudyConfig") {
                dialect = Dialect::Profusion;
            } else {
                throw ParseError(file_, line(), "root element <" + std::string(name) + ">",
                                 "expected <PSGAnnotation> or <CMPStudyConfig>");
            }
        }
        path_.emplace_back(name);
        ++depth_;
        text_.clear();
        capturing_ = true;
        if (name == "ScoredEvent") {
            event_ = Event{};
            event_.line = line();
        }
        if (name == "SleepStage") stage_line_ = line();
        if (name == "EpochLength") epoch_line = line();
    }

    bool parent_is(std::string_view name) const {
        return path_.size() >= 2 && path_[path_.size() - 2] == name;
    }

    void end(std::string_view name) {
        if (path_.empty()) return;
        const std::string value(trim(text_));
        if (name == "EpochLength" && path_.size() == 2) {
            epoch_length = number(value, "EpochLength", epoch_line);
        } else if (name == "SoftwareVersion" && path_.size() == 2) {
            software_version = value;
        } else if (dialect == Dialect::PsgAnnotation && parent_is("ScoredEvent")) {
            if (name == "EventType") event_.type = value;
            if (name == "EventConcept") event_.concept_text = value;
            if (name == "Start") event_.start = value;
            if (name == "Duration") event_.duration = value;
            if (name == "ClockTime") event_.clock_time = value;
        } else if (dialect == Dialect::PsgAnnotation && name == "ScoredEvent") {
            finish_event();
        } else if (dialect == Dialect::Profusion && name == "SleepStage" && parent_is("SleepStages")) {
            auto stage = nsrr_stage(value);
            if (!stage) {
                throw ParseError(file_, stage_line_, "SleepStage " + quote_for_message(value),
                                 "unknown stage code (expected 0 W, 1 N1, 2 N2, 3 N3, 4 N4, 5 REM, 9 "
                                 "unscored)");
            }
            epochs.emplace_back(*stage, stage_line_);
        }
        path_.pop_back();
        --depth_;
        text_.clear();
        capturing_ = false;
    }

    double number(const std::string& value, std::string_view field, std::uint32_t at) const {
        double x = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), x);
        if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
            !std::isfinite(x) || x < 0 || x > kMaxSeconds) {
            throw ParseError(file_, at, std::string(field) + " " + quote_for_message(value),
                             "not a number of seconds");
        }
        return x;
    }

    void finish_event() {
        if (trim(event_.concept_text) == "Recording Start Time" && !event_.clock_time.empty()) {
            const auto clock = clock_seconds(trim(event_.clock_time));
            if (!clock) {
                throw ParseError(file_, event_.line, "ClockTime " + quote_for_message(event_.clock_time),
                                 "expected dd.mm.yy HH.MM.SS such as 00.00.00 23.00.00");
            }
            const double at = event_.start.empty() ? 0.0 : number(event_.start, "Start", event_.line);
            start_clock_s = static_cast<double>(*clock) - at;
            start_clock_text = std::string(trim(event_.clock_time));
            return;
        }
        // "Stages|Stages"; some files leave out the part after "|".
        const std::string_view type = event_.type;
        if (type.substr(0, type.find('|')) != "Stages") return;
        const std::string_view concept_text = event_.concept_text;
        const std::size_t bar = concept_text.rfind('|');
        const std::string_view code = bar == std::string_view::npos ? concept_text : concept_text.substr(bar + 1);
        auto stage = nsrr_stage(trim(code));
        if (!stage) {
            throw ParseError(file_, event_.line, "EventConcept " + quote_for_message(concept_text),
                             "unknown stage (expected Wake|0, Stage 1 sleep|1 ... Stage 4 sleep|4, REM "
                             "sleep|5, Unscored|9)");
        }
        StageEvent e;
        e.start = number(event_.start, "Start", event_.line);
        e.duration = number(event_.duration, "Duration", event_.line);
        e.stage = *stage;
        e.line = event_.line;
        events.push_back(e);
    }

    struct Event {
        std::string type, concept_text, start, duration, clock_time;
        std::uint32_t line = 0;
    };

    const std::string& file_;
    XML_Parser parser_;
    std::vector<std::string> path_;
    int depth_ = 0;
    std::string text_;
    bool capturing_ = false;
    Event event_;
    std::uint32_t stage_line_ = 0;
};

struct ParserHandle {
    XML_Parser parser;
    ParserHandle() : parser(XML_ParserCreate("UTF-8")) {}
    ~ParserHandle() {
        if (parser) XML_ParserFree(parser);
    }
    ParserHandle(const ParserHandle&) = delete;
    ParserHandle& operator=(const ParserHandle&) = delete;
};

// Expat calls back into C++; a ParseError thrown from a handler must not
// unwind through C frames, so it is held here and rethrown after XML_Parse.
struct Guarded {
    Collector* collector;
    std::exception_ptr error;
    XML_Parser parser;
};

void XMLCALL guarded_start(void* data, const XML_Char* name, const XML_Char** atts) {
    auto* g = static_cast<Guarded*>(data);
    // Expat may still deliver events after XML_StopParser.
    if (g->error) return;
    try {
        Collector::on_start(g->collector, name, atts);
    } catch (...) {
        g->error = std::current_exception();
        XML_StopParser(g->parser, XML_FALSE);
    }
}

void XMLCALL guarded_end(void* data, const XML_Char* name) {
    auto* g = static_cast<Guarded*>(data);
    // Expat may still deliver events after XML_StopParser.
    if (g->error) return;
    try {
        Collector::on_end(g->collector, name);
    } catch (...) {
        g->error = std::current_exception();
        XML_StopParser(g->parser, XML_FALSE);
    }
}

void XMLCALL guarded_text(void* data, const XML_Char* s, int len) {
    auto* g = static_cast<Guarded*>(data);
    // Expat may still deliver events after XML_StopParser.
    if (g->error) return;
    try {
        Collector::on_text(g->collector, s, len);
    } catch (...) {
        g->error = std::current_exception();
        XML_StopParser(g->parser, XML_FALSE);
    }
}

class NsrrXmlImporter final : public Importer {
public:
    std::string_view id() const override { return "nsrr_xml"; }
    std::string_view description() const override {
        return "NSRR annotation XML: PSGAnnotation ScoredEvents and Compumedics Profusion "
               "CMPStudyConfig epochs (N1/N2 kept)";
    }
    std::string_view recognition() const override {
        return "XML with a <PSGAnnotation> or <CMPStudyConfig> root element";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        head = strip_bom(head);
        std::size_t i = 0;
        while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
        if (i >= head.size() || head[i] != '<') return false;
        return head.find("<PSGAnnotation") != std::string_view::npos ||
               head.find("<CMPStudyConfig") != std::string_view::npos;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const std::uint32_t file_index = out.add_file(display_name);
        if (text.size() > static_cast<std::size_t>(INT32_MAX)) {
            throw ParseError(display_name, 0, "", "file larger than 2 GiB");
        }

        ParserHandle handle;
        if (!handle.parser) throw ParseError(display_name, 0, "", "cannot create an XML parser");
        Collector collector(display_name, handle.parser);
        Guarded guarded{&collector, nullptr, handle.parser};
        XML_SetUserData(handle.parser, &guarded);
        XML_SetElementHandler(handle.parser, guarded_start, guarded_end);
        XML_SetCharacterDataHandler(handle.parser, guarded_text);
        const XML_Status status =
            XML_Parse(handle.parser, text.data(), static_cast<int>(text.size()), XML_TRUE);
        if (guarded.error) std::rethrow_exception(guarded.error);
        if (status != XML_STATUS_OK) {
            throw ParseError(display_name, static_cast<std::uint64_t>(XML_GetCurrentLineNumber(handle.parser)),
                             "XML", XML_ErrorString(XML_GetErrorCode(handle.parser)));
        }

        UtcSeconds t0 = 0;
        std::int32_t offset = 0;
        ClockResolver clock(options, display_name, out);
        const TimeZone* zone = nullptr;  // set when --tz gave the offset: each record then carries its own
        if (!options.start.empty()) {
            const ParsedTime t = parse_iso_datetime(options.start);
            if (!t.ok) {
                throw UsageError("--start \"" + options.start + "\": " + t.error);
            }
            offset = clock.offset_of(t);
            if (!t.has_offset && clock.user_zone()) zone = &*clock.user_zone();
            t0 = t.local - static_cast<UtcSeconds>(offset) * 60;
        } else if (collector.start_clock_s) {
            const UtcSeconds local = kPlaceholderDay + static_cast<UtcSeconds>(std::llround(*collector.start_clock_s));
            offset = clock.offset_at_local(local);
            if (clock.user_zone()) zone = &*clock.user_zone();
            t0 = local - static_cast<UtcSeconds>(offset) * 60;
            out.warnings.push_back(Warning{
                display_name, 0,
                "NSRR XML states the start's clock time (ClockTime " + collector.start_clock_text +
                    ") but not its date: placed on 2000-01-01 (clock times hold, dates do not; give --start)"});
        } else {
            t0 = parse_iso_datetime(kDefaultStart).utc();
            out.warnings.push_back(Warning{
                display_name, 0,
                "NSRR XML does not state when the recording started: placed at 2000-01-01 22:00 "
                "UTC (durations and metrics hold, clock times and dates do not; give --start)"});
        }

        Source src;
        src.format = std::string(id());
        src.name = "NSRR";
        src.device = collector.dialect == Dialect::Profusion ? "Compumedics Profusion" : "";
        src.version = collector.software_version;
        const int source_index = out.add_source(src);

        std::size_t pushed = 0;
        auto push = [&](double start_s, double end_s, Stage stage, std::uint32_t line, std::int32_t epoch_s) {
            Record r;
            r.start = t0 + static_cast<UtcSeconds>(std::llround(start_s));
            r.end = t0 + static_cast<UtcSeconds>(std::llround(end_s));
            if (r.end <= r.start) return;
            r.kind = RecordKind::Stage;
            r.stage = stage;
            r.utc_offset_min = zone ? zone->offset_at_utc(r.start) : offset;
            r.source = source_index;
            r.session = display_name;
            r.file = file_index;
            r.line = line;
            r.epoch_s = epoch_s;
            out.records.push_back(std::move(r));
            ++pushed;
        };

        if (collector.dialect == Dialect::Profusion) {
            if (!collector.epoch_length) {
                throw ParseError(display_name, 0, "EpochLength",
                                 "missing (Profusion files state the epoch length in seconds)");
            }
            const double epoch = *collector.epoch_length;
            if (epoch < 1 || epoch > 3600 || epoch != std::floor(epoch)) {
                throw ParseError(display_name, collector.epoch_line,
                                 "EpochLength " + quote_for_message(std::to_string(epoch)),
                                 "expected a whole number of seconds from 1 to 3600");
            }
            const auto& ep = collector.epochs;
            for (std::size_t i = 0; i < ep.size();) {
                std::size_t j = i;
                while (j < ep.size() && ep[j].first == ep[i].first) ++j;
                push(epoch * static_cast<double>(i), epoch * static_cast<double>(j), ep[i].first, ep[i].second,
                     static_cast<std::int32_t>(epoch));
                i = j;
            }
        } else {
            const std::int32_t epoch_s =
                collector.epoch_length && *collector.epoch_length >= 1 && *collector.epoch_length <= 3600
                    ? static_cast<std::int32_t>(*collector.epoch_length)
                    : 30;
            for (const StageEvent& e : collector.events) {
                push(e.start, e.start + e.duration, e.stage, e.line, epoch_s);
            }
        }
        if (pushed == 0) {
            out.warnings.push_back(Warning{display_name, 0, "no sleep stages in the file"});
        }
    }
};

}  // namespace

const Importer& nsrr_xml_importer() {
    static const NsrrXmlImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
