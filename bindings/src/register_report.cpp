// The HTML report (api::report): the same bytes as `sleeparch report` for the
// same inputs, options and seed.
#include <pybind11/stl.h>

#include "core.hpp"

namespace sleeparch::python {

namespace {

py::tuple report(const Loaded& d, const std::shared_ptr<Intake>& intake, const std::string& baseline,
                 const std::string& treatment, const std::string& post, int washout,
                 const std::vector<std::string>& metrics, std::uint64_t seed, std::size_t resamples,
                 const std::string& primary, const std::string& source, bool all_sources, unsigned threads,
                 int hypnograms, bool stamp, const std::string& design, const std::string& design_key) {
    api::ReportOptions opt;
    opt.compare = compare_options(baseline, treatment, post, washout, metrics, seed, resamples, primary, source,
                                  all_sources, threads);
    opt.hypnograms = hypnograms;
    opt.stamp = stamp;
    opt.design = design;
    opt.design_key = design_key;
    std::vector<std::string> notes;
    std::string html;
    {
        py::gil_scoped_release release;
        html = api::report(d, intake.get(), opt, &notes);
    }
    return py::make_tuple(html, notes);
}

}  // namespace

void register_report(py::module_& m) {
    m.def("report", &report, py::arg("loaded"), py::arg("intake").none(true), py::arg("baseline") = "",
          py::arg("treatment") = "", py::arg("post") = "", py::arg("washout") = CompareOptions{}.washout_nights,
          py::arg("metrics") = std::vector<std::string>{}, py::arg("seed") = CompareOptions{}.seed,
          py::arg("resamples") = CompareOptions{}.resamples, py::arg("primary") = CompareOptions{}.primary,
          py::arg("source") = "", py::arg("all_sources") = false, py::arg("threads") = 0u,
          py::arg("hypnograms") = api::ReportOptions{}.hypnograms, py::arg("stamp") = false,
          py::arg("design") = "", py::arg("key") = "",
          "The self-contained HTML report and the library's notes (the GIL is released while it renders)");
}

}  // namespace sleeparch::python
