// The night-row schema (api.hpp): one list of fields for the CLI's JSON and
// CSV and the Python DataFrame.
#include <array>
#include <cmath>

#include "sleeparch/api.hpp"
#include "sleeparch/number_format.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::api {

namespace {

// The fields around the metric table's scalar metrics.
constexpr std::array<NightField, 12> kHead = {{
    {"date", FieldKind::Text, "label date: the local wake-up date (METRICS.md §1.5)"},
    {"source", FieldKind::Text, "the source that won the night: \"name (format)\""},
    {"source_format", FieldKind::Text, "the importer that read it"},
    {"source_name", FieldKind::Text, "app or device name as the file states it"},
    {"source_device", FieldKind::Text, "device model as the file states it"},
    {"source_version", FieldKind::Text, "firmware or algorithm version as the file states it"},
    {"is_nap", FieldKind::Flag, "a nap rather than the main sleep of its date"},
    {"summary_only", FieldKind::Flag, "stage totals only, no hypnogram"},
    {"utc_offset_min", FieldKind::Integer, "UTC offset in force at the window start, minutes"},
    {"epoch_s", FieldKind::Integer, "native epoch length in seconds, 0 when unknown"},
    {"window_start_local", FieldKind::Instant, "start of the in-bed window"},
    {"window_end_local", FieldKind::Instant, "end of the in-bed window"},
}};
constexpr std::array<NightField, 7> kTail = {{
    {"onset_local", FieldKind::Instant, "sleep onset"},
    {"final_wake_local", FieldKind::Instant, "end of the last sleep segment"},
    {"midpoint_local", FieldKind::Instant, "onset + (final_wake - onset) / 2"},
    {"dropped_sources", FieldKind::TextList, "sources that recorded the same night and lost to this one"},
    {"notes", FieldKind::TextList, "why a metric is undefined where the night alone does not say it"},
    {"transitions", FieldKind::Transitions,
     "6x6 counts of consecutive 30-s epochs (Wake, Light, Deep, REM, Asleep, Unscored); null for summary-only"},
    {"cycles", FieldKind::Cycles,
     "NREM-REM cycles as nrem_cycles counts them: start, end, nrem_min, rem_min, complete; null when undefined"},
}};

// Where the night's HRV and resting heart rate came from (METRICS.md §8).
constexpr std::array<NightField, 1> kVitals = {{
    {"vitals_source", FieldKind::TextList,
     "per HRV/resting-HR value: vendor nightly value, mean of the readings in the window, or the daily value of the "
     "wake date, with the field and file"},
}};

// The file's own totals and scores (Night::vendor): CSV and Python columns
// under these names, in JSON one "vendor" object without the prefix.
constexpr std::string_view kVendorPrefix = "vendor_";
struct VendorField {
    NightField field;
    double VendorFigures::*member;
};
constexpr std::array<VendorField, 8> kVendor = {{
    {{"vendor_tst_min", FieldKind::Number, "total sleep time as the file states it, minutes"}, &VendorFigures::tst_min},
    {{"vendor_deep_min", FieldKind::Number, "deep sleep as the file states it, minutes"}, &VendorFigures::deep_min},
    {{"vendor_light_min", FieldKind::Number, "light sleep as the file states it, minutes"}, &VendorFigures::light_min},
    {{"vendor_rem_min", FieldKind::Number, "REM sleep as the file states it, minutes"}, &VendorFigures::rem_min},
    {{"vendor_wake_min", FieldKind::Number, "awake time as the file states it, minutes"}, &VendorFigures::wake_min},
    {{"vendor_sol_min", FieldKind::Number, "sleep-onset latency as the file states it, minutes"},
     &VendorFigures::sol_min},
    {{"vendor_se_pct", FieldKind::Number, "sleep efficiency as the file states it, percent"}, &VendorFigures::se_pct},
    {{"vendor_score", FieldKind::Number, "the vendor's overall sleep score"}, &VendorFigures::score},
}};

std::vector<NightField> build_fields() {
    std::vector<NightField> out(kHead.begin(), kHead.end());
    for (const MetricInfo& info : scalar_metrics()) out.push_back({info.name, FieldKind::Number, info.description});
    out.insert(out.end(), kTail.begin(), kTail.end());
    out.insert(out.end(), kVitals.begin(), kVitals.end());
    for (const VendorField& f : kVendor) out.push_back(f.field);
    return out;
}

class JsonRow final : public NightRowVisitor {
public:
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    void text(std::string_view n, const std::string& v) override { o[std::string(n)] = v; }
    void flag(std::string_view n, bool v) override { o[std::string(n)] = v; }
    void integer(std::string_view n, std::int64_t v) override { o[std::string(n)] = v; }
    void number(std::string_view n, double v, int) override {
        nlohmann::ordered_json value = std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
        if (n.starts_with(kVendorPrefix)) {
            o["vendor"][std::string(n.substr(kVendorPrefix.size()))] = std::move(value);
            return;
        }
        o[std::string(n)] = std::move(value);
    }
    void instant(std::string_view n, std::optional<UtcSeconds> t, std::int32_t off) override {
        o[std::string(n)] = t ? nlohmann::ordered_json(format_local_iso(*t, off)) : nlohmann::ordered_json(nullptr);
    }
    void text_list(std::string_view n, const std::vector<std::string>& v) override { o[std::string(n)] = v; }
    void transitions(std::string_view n, const TransitionMatrix* m) override {
        o[std::string(n)] = m ? nlohmann::ordered_json(*m) : nlohmann::ordered_json(nullptr);
    }
    void cycles(std::string_view n, const std::vector<Cycle>* cs, std::int32_t off) override {
        nlohmann::ordered_json arr = cs ? nlohmann::ordered_json::array() : nlohmann::ordered_json(nullptr);
        if (cs)
            for (const Cycle& c : *cs)
                arr.push_back({{"start", format_local_iso(c.start, off)},
                               {"end", format_local_iso(c.end, off)},
                               {"nrem_min", c.nrem_min},
                               {"rem_min", c.rem_min},
                               {"complete", c.complete}});
        o[std::string(n)] = std::move(arr);
    }
};

// CSV: every field but the transition matrix; lists joined by ";".
class CsvRow final : public NightRowVisitor {
public:
    std::vector<std::string> cells;
    void put(std::string_view, std::string v) { cells.push_back(std::move(v)); }
    void text(std::string_view n, const std::string& v) override { put(n, v); }
    void flag(std::string_view n, bool v) override { put(n, v ? "true" : "false"); }
    void integer(std::string_view n, std::int64_t v) override { put(n, std::to_string(v)); }
    void number(std::string_view n, double v, int) override { put(n, fmt_number(v, 4)); }
    void instant(std::string_view n, std::optional<UtcSeconds> t, std::int32_t off) override {
        put(n, t ? format_local_iso(*t, off) : std::string());
    }
    void text_list(std::string_view n, const std::vector<std::string>& v) override {
        std::string joined;
        for (const auto& s : v) joined += (joined.empty() ? "" : ";") + s;
        put(n, joined);
    }
    void transitions(std::string_view, const TransitionMatrix*) override {}
    void cycles(std::string_view, const std::vector<Cycle>*, std::int32_t) override {}
};

}  // namespace

std::span<const NightField> night_fields() {
    static const std::vector<NightField> fields = build_fields();
    return fields;
}

void visit_night_row(const Night& n, const NightMetrics& m, NightRowVisitor& v) {
    v.text("date", format_date(n.label_date));
    v.text("source", n.source.label());
    v.text("source_format", n.source.format);
    v.text("source_name", n.source.name);
    v.text("source_device", n.source.device);
    v.text("source_version", n.source.version);
    v.flag("is_nap", n.is_nap);
    v.flag("summary_only", n.summary_only);
    v.integer("utc_offset_min", n.utc_offset_min);
    v.integer("epoch_s", n.epoch_s);
    v.instant("window_start_local", n.window_start, n.utc_offset_min);
    v.instant("window_end_local", n.window_end, n.utc_offset_min);
    for (const MetricInfo& info : scalar_metrics()) v.number(info.name, m.*(info.member), info.decimals);
    v.instant("onset_local", m.onset, m.utc_offset_min);
    v.instant("final_wake_local", m.final_wake, m.utc_offset_min);
    v.instant("midpoint_local", m.midpoint, m.utc_offset_min);
    v.text_list("dropped_sources", n.provenance.dropped_sources);
    v.text_list("notes", m.notes);
    v.transitions("transitions", n.summary_only ? nullptr : &m.transitions);
    v.cycles("cycles", std::isnan(m.nrem_cycles) ? nullptr : &m.cycles, n.utc_offset_min);
    v.text_list("vitals_source", n.vitals.provenance);
    for (const VendorField& f : kVendor) v.number(f.field.name, n.vendor.*(f.member), 1);
}

nlohmann::ordered_json night_row_json(const Night& night, const NightMetrics& metrics) {
    JsonRow row;
    visit_night_row(night, metrics, row);
    return std::move(row.o);
}

std::vector<std::string> csv_night_header() {
    std::vector<std::string> out;
    for (const NightField& f : night_fields())
        if (f.kind != FieldKind::Transitions && f.kind != FieldKind::Cycles) out.emplace_back(f.name);
    return out;
}

std::vector<std::pair<std::string_view, double>> vendor_figures(const Night& night) {
    std::vector<std::pair<std::string_view, double>> out;
    for (const VendorField& f : kVendor)
        out.emplace_back(f.field.name.substr(kVendorPrefix.size()), night.vendor.*(f.member));
    return out;
}

std::vector<std::string> night_row_csv(const Night& night, const NightMetrics& metrics) {
    CsvRow row;
    visit_night_row(night, metrics, row);
    return row.cells;
}

}  // namespace sleeparch::api
