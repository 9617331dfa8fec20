// A small, strict RFC 4180 reader over text in memory (internal to the
// importers).
//
//   CsvReader csv(text, "sleep.csv");
//   CsvRecord row;
//   while (csv.next(row)) use(row.fields, row.line);
//
// Quoted fields may hold commas, doubled quotes and line breaks; records end
// at LF or CRLF; a UTF-8 byte order mark at the start is skipped; blank lines
// are skipped. Each record carries the 1-based line on which it starts, for
// error messages. Strict where a loose reader would guess: a quote inside an
// unquoted field, text after a closing quote and a quote left open at the end
// of the input are ParseErrors naming the line.
//
// Debian's header-only CSV parser (libfccp-dev, fast-cpp-csv-parser 2016)
// reads from files or streams with a column count fixed at compile time and
// no line breaks inside quoted fields, so the importers use this reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sleeparch/time.hpp"

namespace sleeparch::importers {

struct CsvRecord {
    std::vector<std::string> fields;
    std::uint32_t line = 0;  // line on which the record starts
};

class CsvReader {
public:
    // `file` names the input in errors. `text` must outlive the reader.
    CsvReader(std::string_view text, std::string file);

    // Reads the next record into `record`; false at the end of the input.
    // Throws ParseError on malformed quoting.
    bool next(CsvRecord& record);

    // The line the next record would start on.
    std::uint32_t line() const { return line_; }

private:
    std::string_view text_;
    std::string file_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
};

// Index of the column named `name` (exact match after trimming spaces), or
// nullopt.
std::optional<std::size_t> find_column(const std::vector<std::string>& header,
                                       std::string_view name);

// `text` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view text);

// `text` without a leading UTF-8 byte order mark.
std::string_view strip_bom(std::string_view text);

// The first line of `text` (BOM skipped, CR/LF excluded).
std::string_view first_line(std::string_view text);

// `text` (spaces trimmed) as a finite decimal number, or nullopt.
std::optional<double> parse_number(std::string_view text);

// `text` quoted for an error message: "value" with control bytes as \xNN,
// cut to 60 bytes.
std::string quote_for_message(std::string_view text);

}  // namespace sleeparch::importers
