#include "sleeparch/error.hpp"

namespace sleeparch {

namespace {
std::string compose(const std::string& file, const std::string& location, const std::string& field,
                    const std::string& detail) {
    std::string m = file.empty() ? std::string("<input>") : file;
    if (!location.empty()) m += ":" + location;
    m += ": ";
    if (!field.empty()) m += field + ": ";
    m += detail;
    return m;
}
}  // namespace

ParseError::ParseError(std::string file, std::uint64_t line, std::string field, std::string detail)
    : ParseError(std::move(file), line ? std::to_string(line) : std::string(), std::move(field),
                 std::move(detail)) {}

ParseError::ParseError(std::string file, std::string location, std::string field,
                       std::string detail)
    : std::invalid_argument(compose(file, location, field, detail)),
      file_(std::move(file)),
      location_(std::move(location)),
      field_(std::move(field)),
      detail_(std::move(detail)) {}

IoError::IoError(std::string file, const std::string& detail)
    : std::runtime_error(file + ": " + detail), file_(std::move(file)) {}

}  // namespace sleeparch
