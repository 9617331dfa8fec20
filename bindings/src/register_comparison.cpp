// The before/after comparison, returned as the same structure as
// `sleeparch compare --format json` (comparison_json; NaN as None).
#include <pybind11/stl.h>

#include "core.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/comparison_json.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::python {

namespace {

// The library's JSON (the CLI's `compare --format json`) as Python objects:
// one structure, one definition. nlohmann::json prints doubles so that they
// read back exactly.
py::object to_python(const ComparisonResult& r) {
    return py::module_::import("json").attr("loads")(comparison_json(r).dump());
}

}  // namespace

CompareOptions compare_options(const std::string& baseline, const std::string& treatment, const std::string& post,
                               int washout, const std::vector<std::string>& metrics, std::uint64_t seed,
                               std::size_t resamples, const std::string& primary, const std::string& source,
                               bool all_sources, unsigned threads) {
    CompareOptions opt;
    opt.metrics = metrics;
    if (!baseline.empty()) opt.baseline = parse_date_range(baseline);
    if (!treatment.empty()) opt.treatment = parse_date_range(treatment);
    if (!post.empty()) opt.post = parse_date_range(post);
    opt.washout_nights = washout;
    opt.seed = seed;
    opt.resamples = resamples;
    opt.primary = primary;
    opt.compare_source = source;
    opt.all_sources = all_sources;
    opt.threads = threads;
    opt.validate();
    return opt;
}

namespace {

py::object compare(const Loaded& d, const std::shared_ptr<Intake>& intake, const std::string& baseline,
                   const std::string& treatment, const std::string& post, int washout,
                   const std::vector<std::string>& metrics, std::uint64_t seed, std::size_t resamples,
                   const std::string& primary, const std::string& source, bool all_sources, unsigned threads) {
    const CompareOptions opt = compare_options(baseline, treatment, post, washout, metrics, seed, resamples, primary,
                                               source, all_sources, threads);
    ComparisonResult result;
    {
        py::gil_scoped_release release;
        result = api::compare(d, intake.get(), opt);
    }
    return to_python(result);
}

}  // namespace

void register_comparison(py::module_& m) {
    const CompareOptions defaults;
    m.def("compare", &compare, py::arg("loaded"), py::arg("intake").none(true), py::arg("baseline") = "",
          py::arg("treatment") = "", py::arg("post") = "", py::arg("washout") = defaults.washout_nights,
          py::arg("metrics") = std::vector<std::string>{}, py::arg("seed") = defaults.seed,
          py::arg("resamples") = defaults.resamples, py::arg("primary") = defaults.primary,
          py::arg("source") = "", py::arg("all_sources") = false, py::arg("threads") = 0u,
          "Before/after comparison (METRICS.md section 5); the GIL is released while it runs");
    m.def("default_comparison_metrics", []() {
        std::vector<std::string> out;
        for (std::string_view s : default_comparison_metrics()) out.emplace_back(s);
        return out;
    });
    m.attr("default_compare_seed") = default_compare_seed;
}

}  // namespace sleeparch::python
