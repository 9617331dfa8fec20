// Errors. Library code throws; it never prints or exits.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sleeparch {

// Bad input: names the file, the line or record, and the field.
//
//   throw ParseError("export.xml", 48213, "Record startDate \"2023-13-05 23:14:00 -0800\"",
//                    "month 13 out of range");
//   // what(): export.xml:48213: Record startDate "2023-13-05 23:14:00 -0800": month 13 out of range
class ParseError : public std::invalid_argument {
public:
    // `line` 0 leaves the line out.
    ParseError(std::string file, std::uint64_t line, std::string field, std::string detail);
    // `location` is said as it is ("record 3", "entry sleep/2021.json").
    ParseError(std::string file, std::string location, std::string field, std::string detail);

    const std::string& file() const noexcept { return file_; }
    const std::string& location() const noexcept { return location_; }
    const std::string& field() const noexcept { return field_; }
    const std::string& detail() const noexcept { return detail_; }

private:
    std::string file_, location_, field_, detail_;
};

// A file that cannot be opened or read (not a parse problem).
class IoError : public std::runtime_error {
public:
    IoError(std::string file, const std::string& detail);
    const std::string& file() const noexcept { return file_; }

private:
    std::string file_;
};

// A request that cannot be met (bad option values, empty selections).
class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

}  // namespace sleeparch
