// The Python module's view of the library API (sleeparch/api.hpp): loaded
// sessions and intake logs held between calls. Only files under bindings/
// include pybind11; each register_*.cpp binds one area and translates
// arguments and results, nothing else.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>

#include "sleeparch/api.hpp"

namespace sleeparch::python {

namespace py = pybind11;

// Every night assembly found (main sleeps and naps, by window start) with
// its metrics; selections (naps, dates) are made in Python so that linking
// and the comparison see the same nights as the CLI.
using Loaded = api::Session;
using Intake = api::Intake;

// The comparison's keyword arguments (sa.compare, sa.report) as options;
// throws UsageError.
CompareOptions compare_options(const std::string& baseline, const std::string& treatment, const std::string& post,
                               int washout, const std::vector<std::string>& metrics, std::uint64_t seed,
                               std::size_t resamples, const std::string& primary, const std::string& source,
                               bool all_sources, unsigned threads);

void register_errors(py::module_& m);
void register_nights(py::module_& m);
void register_intake(py::module_& m);
void register_comparison(py::module_& m);
void register_report(py::module_& m);
void register_agree(py::module_& m);
void register_trial(py::module_& m);

}  // namespace sleeparch::python
