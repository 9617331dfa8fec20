// C++ exceptions as Python exceptions, with the same messages:
// ParseError and UsageError are ValueErrors, IoError a RuntimeError.
#include "core.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::python {

std::string warning_text(const Warning& w) {
    std::string s;
    if (!w.file.empty()) s = w.file + (w.line ? ":" + std::to_string(w.line) : "") + ": ";
    return s + w.message;
}

void register_errors(py::module_& m) {
    py::register_exception<ParseError>(m, "ParseError", PyExc_ValueError);
    py::register_exception<UsageError>(m, "UsageError", PyExc_ValueError);
    py::register_exception<IoError>(m, "IoError", PyExc_RuntimeError);
}

}  // namespace sleeparch::python
