// Loading exports into nights, and reading nights and their metrics back as
// columns (numpy arrays and lists) for pandas.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "core.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/stage.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/metrics.hpp"

namespace sleeparch::python {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
    py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

double utc_or_nan(const std::optional<UtcSeconds>& t) { return t ? static_cast<double>(*t) : kNaN; }

std::shared_ptr<Loaded> load(const std::vector<std::string>& paths, const std::string& tz,
                             const std::string& input_format, int epoch_s, const std::string& start,
                             const std::string& column, const std::map<std::string, std::string>& stage_map,
                             bool restless_as_asleep, const std::vector<std::string>& prefer,
                             int session_gap_min) {
    api::LoadOptions opts;
    opts.paths = paths;
    opts.tz = tz;
    opts.input_format = input_format;
    opts.epoch_s = epoch_s;
    opts.start = start;
    opts.column = column;
    opts.stage_map = stage_map;
    opts.restless_as_asleep = restless_as_asleep;
    opts.prefer = prefer;
    opts.session_gap_min = session_gap_min;
    py::gil_scoped_release release;
    return std::make_shared<Loaded>(api::load(opts));
}

// A participant's load for cohorts: the session, or the error with the file
// it names (so that one participant's bad file does not stop the others).
py::tuple try_load(const std::vector<std::string>& paths, const std::string& tz, const std::string& input_format,
                   int epoch_s, const std::string& start, const std::string& column,
                   const std::map<std::string, std::string>& stage_map, bool restless_as_asleep,
                   const std::vector<std::string>& prefer, int session_gap_min) {
    std::string file, message, kind;
    try {
        return py::make_tuple(load(paths, tz, input_format, epoch_s, start, column, stage_map, restless_as_asleep,
                                   prefer, session_gap_min),
                              py::none());
    } catch (const ParseError& e) {
        file = e.file(), message = e.what(), kind = "ParseError";
    } catch (const IoError& e) {
        file = e.file(), message = e.what(), kind = "IoError";
    } catch (const UsageError& e) {
        message = e.what(), kind = "UsageError";
    }
    py::dict err;
    err["file"] = file;
    err["message"] = message;
    err["kind"] = kind;
    return py::make_tuple(py::none(), err);
}

const Night& night_at(const Loaded& d, std::size_t i) {
    if (i >= d.nights.size()) throw py::index_error("night index out of range");
    return d.nights[i];
}

// The night-row schema (api::night_fields) as columns over all nights:
// instants as UTC seconds (NaN when undefined) with their offsets in
// `offsets[name]`; every field but the transition matrix.
class Columns final : public api::NightRowVisitor {
public:
    std::map<std::string, std::vector<std::string>, std::less<>> texts;
    std::map<std::string, std::vector<bool>, std::less<>> flags;
    std::map<std::string, std::vector<std::int64_t>, std::less<>> integers;
    std::map<std::string, std::vector<double>, std::less<>> numbers, instants;
    std::map<std::string, std::vector<std::int32_t>, std::less<>> offsets;
    std::map<std::string, std::vector<std::vector<std::string>>, std::less<>> lists;
    void text(std::string_view n, const std::string& v) override { at(texts, n).push_back(v); }
    void flag(std::string_view n, bool v) override { at(flags, n).push_back(v); }
    void integer(std::string_view n, std::int64_t v) override { at(integers, n).push_back(v); }
    void number(std::string_view n, double v, int) override { at(numbers, n).push_back(v); }
    void instant(std::string_view n, std::optional<UtcSeconds> t, std::int32_t off) override {
        at(instants, n).push_back(utc_or_nan(t));
        at(offsets, n).push_back(off);
    }
    void text_list(std::string_view n, const std::vector<std::string>& v) override { at(lists, n).push_back(v); }
    void transitions(std::string_view, const TransitionMatrix*) override {}
    void cycles(std::string_view, const std::vector<Cycle>*, std::int32_t) override {}

private:
    template <class Map>
    static typename Map::mapped_type& at(Map& map, std::string_view name) {
        auto it = map.find(name);
        if (it == map.end()) it = map.emplace(std::string(name), typename Map::mapped_type{}).first;
        return it->second;
    }
};

py::dict columns(const Loaded& d) {
    Columns c;
    for (std::size_t i = 0; i < d.nights.size(); ++i) api::visit_night_row(d.nights[i], d.metrics[i], c);
    py::dict out, offsets;
    for (const api::NightField& f : api::night_fields()) {
        const std::string name(f.name);
        switch (f.kind) {
            case api::FieldKind::Text: out[py::str(name)] = c.texts[name]; break;
            case api::FieldKind::Flag: out[py::str(name)] = c.flags[name]; break;
            case api::FieldKind::Integer: out[py::str(name)] = to_array(c.integers[name]); break;
            case api::FieldKind::Number: out[py::str(name)] = to_array(c.numbers[name]); break;
            case api::FieldKind::Instant:
                out[py::str(name)] = to_array(c.instants[name]);
                offsets[py::str(name)] = to_array(c.offsets[name]);
                break;
            case api::FieldKind::TextList: out[py::str(name)] = c.lists[name]; break;
            case api::FieldKind::Transitions:
            case api::FieldKind::Cycles: break;
        }
    }
    py::dict result;
    result["columns"] = out;
    result["offsets"] = offsets;
    return result;
}

py::dict night_info(const Loaded& d, std::size_t i) {
    const Night& n = night_at(d, i);
    std::vector<std::int64_t> start, end;
    std::vector<std::int8_t> stage;
    for (const Segment& s : n.segments) {
        start.push_back(s.start);
        end.push_back(s.end);
        stage.push_back(static_cast<std::int8_t>(s.stage));
    }
    py::dict out;
    out["date"] = format_date(n.label_date);
    out["source"] = n.source.label();
    out["source_format"] = n.source.format;
    out["source_name"] = n.source.name;
    out["source_device"] = n.source.device;
    out["source_version"] = n.source.version;
    out["is_nap"] = n.is_nap;
    out["summary_only"] = n.summary_only;
    out["utc_offset_min"] = n.utc_offset_min;
    out["epoch_s"] = n.epoch_s;
    out["window_start"] = n.window_start;
    out["window_end"] = n.window_end;
    out["segment_start"] = to_array(start);
    out["segment_end"] = to_array(end);
    out["segment_stage"] = to_array(stage);
    out["files"] = n.provenance.files;
    out["record_ids"] = n.provenance.record_ids;
    out["dropped_sources"] = n.provenance.dropped_sources;
    py::dict vendor;
    for (const auto& [name, value] : api::vendor_figures(n)) vendor[py::str(std::string(name))] = value;
    out["vendor"] = vendor;
    return out;
}

py::dict night_metrics(const Loaded& d, std::size_t i) {
    night_at(d, i);
    const NightMetrics& m = d.metrics[i];
    py::dict out;
    for (const MetricInfo& info : scalar_metrics()) out[py::str(std::string(info.name))] = m.*(info.member);
    auto opt = [](const std::optional<UtcSeconds>& t) { return t ? py::object(py::int_(*t)) : py::object(py::none()); };
    out["onset_local"] = opt(m.onset);
    out["final_wake_local"] = opt(m.final_wake);
    out["midpoint_local"] = opt(m.midpoint);
    out["utc_offset_min"] = m.utc_offset_min;
    py::array_t<std::int64_t> tr({kTransitionCategories, kTransitionCategories});
    auto r = tr.mutable_unchecked<2>();
    for (int a = 0; a < kTransitionCategories; ++a)
        for (int b = 0; b < kTransitionCategories; ++b) r(a, b) = m.transitions[a][b];
    out["transitions"] = tr;
    std::vector<std::int64_t> start, end;
    std::vector<double> nrem, rem;
    std::vector<bool> complete;
    for (const Cycle& c : m.cycles) {
        start.push_back(c.start);
        end.push_back(c.end);
        nrem.push_back(c.nrem_min);
        rem.push_back(c.rem_min);
        complete.push_back(c.complete);
    }
    py::dict cycles;
    cycles["start"] = to_array(start);
    cycles["end"] = to_array(end);
    cycles["nrem_min"] = to_array(nrem);
    cycles["rem_min"] = to_array(rem);
    cycles["complete"] = complete;
    out["cycles"] = cycles;
    out["notes"] = m.notes;
    return out;
}

// The night on a grid of `epoch_s` from its window start: each epoch takes
// the stage at its midpoint (the convention of the transition matrix);
// epochs whose midpoint falls outside the window are left out.
py::array_t<std::int8_t> epochs(const Loaded& d, std::size_t i, int epoch_s) {
    const Night& n = night_at(d, i);
    if (epoch_s < 1) throw UsageError("hypnogram: epoch must be at least 1 second");
    if (n.summary_only) throw UsageError("hypnogram: this night has stage totals only, no hypnogram");
    const std::int64_t half = epoch_s / 2;
    const std::int64_t span = n.window_end - n.window_start;
    const std::int64_t count = span > half ? (span - half + epoch_s - 1) / epoch_s : 0;
    py::array_t<std::int8_t> out(static_cast<py::ssize_t>(count));
    auto* p = out.mutable_data();
    std::size_t seg = 0;
    for (std::int64_t k = 0; k < count; ++k) {
        const UtcSeconds mid = n.window_start + k * epoch_s + half;
        while (seg + 1 < n.segments.size() && n.segments[seg].end <= mid) ++seg;
        p[k] = static_cast<std::int8_t>(seg < n.segments.size() ? n.segments[seg].stage : Stage::Unscored);
    }
    return out;
}

// METRICS.md §3 over the nights at `indices` (as `nights --summary`): per
// metric n, mean, SD, median, quartiles and IQR; the pooled transition
// matrix; SRI, onset and midpoint circular SDs and social jetlag (main sleeps).
py::dict summary(const Loaded& d, const std::vector<std::size_t>& indices) {
    api::Summary sum;
    {
        py::gil_scoped_release release;
        sum = api::summarize(d, indices);
    }
    const auto& sums = sum.metrics;
    const TransitionMatrix& pooled = sum.transitions;
    const Regularity& reg = sum.regularity;
    py::dict columns;
    std::vector<std::string> names;
    std::vector<std::int64_t> n;
    std::vector<double> mean, sd, median, q1, q3, iqr;
    for (const MetricSummary& s : sums) {
        names.push_back(s.metric);
        n.push_back(static_cast<std::int64_t>(s.n));
        mean.push_back(s.mean);
        sd.push_back(s.sd);
        median.push_back(s.median);
        q1.push_back(s.q1);
        q3.push_back(s.q3);
        iqr.push_back(s.iqr);
    }
    columns["metric"] = names;
    columns["n"] = to_array(n);
    columns["mean"] = to_array(mean);
    columns["sd"] = to_array(sd);
    columns["median"] = to_array(median);
    columns["q1"] = to_array(q1);
    columns["q3"] = to_array(q3);
    columns["iqr"] = to_array(iqr);
    py::array_t<std::int64_t> tr({kTransitionCategories, kTransitionCategories});
    auto r = tr.mutable_unchecked<2>();
    for (int a = 0; a < kTransitionCategories; ++a)
        for (int b = 0; b < kTransitionCategories; ++b) r(a, b) = pooled[a][b];
    py::dict regularity_out;
    regularity_out["sri"] = reg.sri.sri;
    regularity_out["sri_day_pairs"] = reg.sri.day_pairs;
    regularity_out["onset_sd_min"] = reg.onset_sd_min;
    regularity_out["midpoint_sd_min"] = reg.midpoint_sd_min;
    regularity_out["social_jetlag_h"] = reg.social_jetlag_h;
    regularity_out["free_nights"] = reg.free_nights;
    regularity_out["work_nights"] = reg.work_nights;
    py::dict out;
    out["metrics"] = columns;
    out["transitions"] = tr;
    out["regularity"] = regularity_out;
    return out;
}

}  // namespace

void register_nights(py::module_& m) {
    py::class_<Loaded, std::shared_ptr<Loaded>>(m, "Loaded",
                                                "Nights assembled from exports, with their metrics (all nights, naps too)")
        .def("__len__", [](const Loaded& d) { return d.nights.size(); })
        .def("columns", &columns, "One column per field over all nights")
        .def("night", &night_info, py::arg("index"), "Segments, source and provenance of one night")
        .def("metrics", &night_metrics, py::arg("index"), "Metrics of one night")
        .def("summary", &summary, py::arg("indices"),
             "Per-metric summaries, pooled transitions and regularity over the nights at indices")
        .def("epochs", &epochs, py::arg("index"), py::arg("epoch_s") = 30,
             "Stage codes on a grid of epoch_s seconds from the window start")
        .def_property_readonly("warnings",
                               [](const Loaded& d) {
                                   std::vector<std::string> out;
                                   for (const Warning& w : d.warnings) out.push_back(api::warning_text(w));
                                   return out;
                               })
        .def_property_readonly("imported", [](const Loaded& d) { return d.report.imported; })
        .def_property_readonly("skipped",
                               [](const Loaded& d) {
                                   std::vector<std::pair<std::string, std::string>> out;
                                   for (const auto& s : d.report.skipped) out.emplace_back(s.name, s.reason);
                                   return out;
                               })
        .def_property_readonly("stats", [](const Loaded& d) {
            py::dict o;
            o["sessions"] = d.stats.sessions;
            o["sessions_without_sleep"] = d.stats.sessions_without_sleep;
            o["sessions_dropped"] = d.stats.sessions_dropped;
            o["defects"] = d.stats.defects;
            o["duplicates"] = d.stats.duplicates;
            return o;
        });

    m.def("load", &load, py::arg("paths"), py::arg("tz") = "", py::arg("input_format") = "", py::arg("epoch_s") = 0,
          py::arg("start") = "", py::arg("column") = "", py::arg("stage_map") = std::map<std::string, std::string>{},
          py::arg("restless_as_asleep") = false, py::arg("prefer") = std::vector<std::string>{},
          py::arg("session_gap_min") = api::LoadOptions{}.session_gap_min,
          "Imports files, folders and zips, assembles nights and computes their metrics (the GIL is released)");

    m.def("try_load", &try_load, py::arg("paths"), py::arg("tz") = "", py::arg("input_format") = "",
          py::arg("epoch_s") = 0, py::arg("start") = "", py::arg("column") = "",
          py::arg("stage_map") = std::map<std::string, std::string>{}, py::arg("restless_as_asleep") = false,
          py::arg("prefer") = std::vector<std::string>{}, py::arg("session_gap_min") = api::LoadOptions{}.session_gap_min,
          "As load, but returns (loaded, None) or (None, {file, message, kind}) instead of raising input errors");
    m.def("participants", [](const std::string& path) {
        std::vector<std::pair<std::string, std::vector<std::string>>> out;
        for (const auto& p : api::list_participants(path)) out.emplace_back(p.id, p.paths);
        return out;
    }, py::arg("folder_or_csv"), "A cohort's participants: (id, paths) per folder entry or per participant,path row");
    m.def("scalar_metrics", []() {
        py::list out;
        for (const MetricInfo& info : scalar_metrics()) {
            py::dict o;
            o["name"] = std::string(info.name);
            o["unit"] = std::string(info.unit);
            o["description"] = std::string(info.description);
            o["decimals"] = info.decimals;
            o["display"] = std::string(display_name(info));
            o["compare_default"] = info.compare_default;
            o["share"] = info.share;
            o["caveat"] = std::string(info.caveat);
            out.append(o);
        }
        return out;
    }, "The metric table: every scalar metric with unit, definition, decimals, display name, default-compare "
       "position, stage-share flag and caveat");
    m.def("night_fields", []() {
        py::list out;
        for (const api::NightField& f : api::night_fields()) {
            static const char* kinds[] = {"text", "flag", "integer", "number", "instant", "text_list", "transitions",
                                          "cycles"};
            out.append(py::make_tuple(std::string(f.name), kinds[static_cast<int>(f.kind)], std::string(f.description)));
        }
        return out;
    }, "The night-row schema: (name, kind, description) in column order, as the CLI's CSV and JSON");
    m.def("stages", []() {
        std::vector<std::tuple<int, std::string, std::string>> out;
        for (Stage s : kAllStages)
            out.emplace_back(static_cast<int>(s), std::string(stage_name(s)), std::string(stage_code(s)));
        return out;
    });
    m.def("transition_categories", []() {
        std::vector<std::string> out;
        for (int c = 0; c < kTransitionCategories; ++c) out.emplace_back(transition_category_name(c));
        return out;
    });
    m.def("formats", []() {
        std::vector<std::tuple<std::string, std::string, std::string>> out;
        for (const api::FormatInfo& f : api::formats()) out.emplace_back(f.id, f.reads, f.recognised_by);
        return out;
    });
}

}  // namespace sleeparch::python
