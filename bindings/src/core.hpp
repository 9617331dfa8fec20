// What the Python module holds between calls: loaded nights with their
// metrics, and intake logs. Only files under bindings/ include pybind11.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>

#include "sleeparch/assembly.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/importers/intake_log.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch::python {

namespace py = pybind11;

// Every night assembly found (main sleeps and naps, by window start) and
// `metrics[i]` of `nights[i]`; selections (naps, dates) are made in Python so
// that linking and the comparison see the same nights as the CLI.
struct Loaded {
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    std::vector<Warning> warnings;  // import, then assembly
    importers::ImportReport report;
    AssemblyStats stats;
};

struct Intake {
    importers::IntakeLog log;
    std::string path;
};

// "file:line: message" as the CLI prints warnings.
std::string warning_text(const Warning& w);

void register_errors(py::module_& m);
void register_nights(py::module_& m);
void register_intake(py::module_& m);
void register_comparison(py::module_& m);

}  // namespace sleeparch::python
