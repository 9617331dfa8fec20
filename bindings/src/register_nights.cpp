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
#include "sleeparch/summary.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::python {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
    py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

double instant(const std::optional<UtcSeconds>& t) { return t ? static_cast<double>(*t) : kNaN; }

std::map<std::string, Stage> stage_map(const std::map<std::string, std::string>& labels) {
    std::map<std::string, Stage> out;
    for (const auto& [code, label] : labels) {
        auto stage = parse_stage_label(label);
        if (!stage) throw UsageError("stage_map: \"" + label + "\" is not a stage label");
        out[code] = *stage;
    }
    return out;
}

std::shared_ptr<Loaded> load(const std::vector<std::string>& paths, const std::string& tz,
                             const std::string& input_format, int epoch_s, const std::string& start,
                             const std::string& column, const std::map<std::string, std::string>& labels,
                             bool restless_as_asleep, const std::vector<std::string>& prefer,
                             int session_gap_min) {
    if (paths.empty()) throw UsageError("load: no paths given");
    if (epoch_s < 0 || epoch_s > 3600) throw UsageError("load: epoch must be 1 to 3600 seconds");
    if (session_gap_min < 1 || session_gap_min > 24 * 60)
        throw UsageError("load: session_gap must be 1 to 1440 minutes");
    if (!input_format.empty() && !importers::find_importer(input_format))
        throw UsageError("load: unknown format \"" + input_format + "\" (see sleeparch.formats())");
    importers::ImportOptions opts;
    if (!tz.empty()) importers::set_time_zone(opts, tz);
    opts.epoch_s = epoch_s;
    opts.start = start;
    opts.column = column;
    opts.integer_map = stage_map(labels);
    opts.fitbit_restless_as_asleep = restless_as_asleep;
    AssemblyOptions aopts;
    aopts.session_gap_min = session_gap_min;
    aopts.source_preference = prefer;

    auto data = std::make_shared<Loaded>();
    py::gil_scoped_release release;
    ImportBatch batch = importers::import_paths(paths, opts, &data->report, input_format);
    AssemblyResult assembly = assemble_nights(batch, aopts);
    data->nights = std::move(assembly.nights);
    data->warnings = std::move(batch.warnings);
    data->warnings.insert(data->warnings.end(), assembly.warnings.begin(), assembly.warnings.end());
    data->stats = assembly.stats;
    data->metrics.reserve(data->nights.size());
    for (const Night& n : data->nights) data->metrics.push_back(compute_metrics(n));
    return data;
}

const Night& night_at(const Loaded& d, std::size_t i) {
    if (i >= d.nights.size()) throw py::index_error("night index out of range");
    return d.nights[i];
}

// One column per field over all nights.
py::dict columns(const Loaded& d) {
    const std::size_t n = d.nights.size();
    std::vector<std::string> date, source, format, name, device, version;
    std::vector<bool> is_nap, summary_only;
    std::vector<std::int32_t> offset, epoch;
    std::vector<std::int64_t> w0, w1;
    std::vector<double> onset, final_wake, midpoint;
    std::vector<std::vector<std::string>> dropped;
    for (std::size_t i = 0; i < n; ++i) {
        const Night& night = d.nights[i];
        const NightMetrics& m = d.metrics[i];
        date.push_back(format_date(night.label_date));
        source.push_back(night.source.label());
        format.push_back(night.source.format);
        name.push_back(night.source.name);
        device.push_back(night.source.device);
        version.push_back(night.source.version);
        is_nap.push_back(night.is_nap);
        summary_only.push_back(night.summary_only);
        offset.push_back(night.utc_offset_min);
        epoch.push_back(night.epoch_s);
        w0.push_back(night.window_start);
        w1.push_back(night.window_end);
        onset.push_back(instant(m.onset));
        final_wake.push_back(instant(m.final_wake));
        midpoint.push_back(instant(m.midpoint));
        dropped.push_back(night.provenance.dropped_sources);
    }
    py::dict out;
    out["date"] = date;
    out["source"] = source;
    out["source_format"] = format;
    out["source_name"] = name;
    out["source_device"] = device;
    out["source_version"] = version;
    out["is_nap"] = is_nap;
    out["summary_only"] = summary_only;
    out["utc_offset_min"] = to_array(offset);
    out["epoch_s"] = to_array(epoch);
    out["window_start"] = to_array(w0);
    out["window_end"] = to_array(w1);
    for (const MetricInfo& info : scalar_metrics()) {
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = d.metrics[i].*(info.member);
        out[py::str(std::string(info.name))] = to_array(v);
    }
    out["onset"] = to_array(onset);
    out["final_wake"] = to_array(final_wake);
    out["midpoint"] = to_array(midpoint);
    out["dropped_sources"] = dropped;
    return out;
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
    return out;
}

py::dict night_metrics(const Loaded& d, std::size_t i) {
    night_at(d, i);
    const NightMetrics& m = d.metrics[i];
    py::dict out;
    for (const MetricInfo& info : scalar_metrics()) out[py::str(std::string(info.name))] = m.*(info.member);
    auto opt = [](const std::optional<UtcSeconds>& t) { return t ? py::object(py::int_(*t)) : py::object(py::none()); };
    out["onset"] = opt(m.onset);
    out["final_wake"] = opt(m.final_wake);
    out["midpoint"] = opt(m.midpoint);
    out["utc_offset_min"] = m.utc_offset_min;
    py::array_t<std::int64_t> tr({kTransitionCategories, kTransitionCategories});
    auto r = tr.mutable_unchecked<2>();
    for (int a = 0; a < kTransitionCategories; ++a)
        for (int b = 0; b < kTransitionCategories; ++b) r(a, b) = m.transitions[a][b];
    out["transitions"] = tr;
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
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    for (std::size_t i : indices) {
        nights.push_back(night_at(d, i));
        metrics.push_back(d.metrics[i]);
    }
    std::vector<MetricSummary> sums;
    TransitionMatrix pooled{};
    Regularity reg{};
    {
        py::gil_scoped_release release;
        sums = summarize(metrics);
        pooled = pooled_transitions(metrics);
        reg = regularity(nights, metrics);
    }
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
                                   for (const Warning& w : d.warnings) out.push_back(warning_text(w));
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
          py::arg("session_gap_min") = 60,
          "Imports files, folders and zips, assembles nights and computes their metrics (the GIL is released)");

    m.def("scalar_metrics", []() {
        std::vector<std::tuple<std::string, std::string, std::string>> out;
        for (const MetricInfo& info : scalar_metrics())
            out.emplace_back(std::string(info.name), std::string(info.unit), std::string(info.description));
        return out;
    });
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
        for (const importers::Importer* imp : importers::registry())
            out.emplace_back(std::string(imp->id()), std::string(imp->description()), std::string(imp->recognition()));
        return out;
    });
}

}  // namespace sleeparch::python
