// Output helpers shared by the subcommands: tables, CSV, JSON, and files
// written to a temporary name then renamed (never left half-written).
#pragma once

#include <cmath>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sleeparch/number_format.hpp"

namespace sleeparch::cli {

enum class Format { Table, Csv, Json };

// "table" | "csv" | "json" for CLI11's CheckedTransformer.
const std::vector<std::pair<std::string, Format>>& format_names();

// A rectangular text table: header row + rows, columns right-aligned when
// every cell in them parses as a number.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

// RFC 4180 CSV (fields with comma, quote or newline are quoted).
std::string render_csv(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows);

// Numbers: sleeparch::fmt_number and json_number (number_format.hpp).
using sleeparch::fmt_number;
using sleeparch::json_number;

// Writes `content` to `path` through a temporary file in the same folder and
// a rename (through a symlink: the file it names); a device or FIFO (such as
// /dev/null) is written in place; "-" or empty writes to stdout. Throws
// sleeparch::IoError.
void write_output(const std::string& path, const std::string& content);

}  // namespace sleeparch::cli
