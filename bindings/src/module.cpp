// sleeparch._core: a thin layer over the library API (sleeparch/api.hpp). The pure-Python
// package `sleeparch` builds pandas objects and plots on top of it.
#include "core.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "sleeparch C++ core: importers, night assembly, metrics, linking and comparison";
    sleeparch::python::register_errors(m);
    sleeparch::python::register_nights(m);
    sleeparch::python::register_intake(m);
    sleeparch::python::register_comparison(m);
    sleeparch::python::register_report(m);
    sleeparch::python::register_agree(m);
    sleeparch::python::register_trial(m);
}
