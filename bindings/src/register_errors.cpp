// C++ exceptions as Python exceptions, with the same messages:
// ParseError and UsageError are ValueErrors, IoError a RuntimeError.
#include "core.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::python {

void register_errors(py::module_& m) {
    py::register_exception<ParseError>(m, "ParseError", PyExc_ValueError);
    py::register_exception<UsageError>(m, "UsageError", PyExc_ValueError);
    py::register_exception<IoError>(m, "IoError", PyExc_RuntimeError);
}

}  // namespace sleeparch::python
