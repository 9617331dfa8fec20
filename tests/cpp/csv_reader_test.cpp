// The importers' strict RFC 4180 reader: quoting, line ends, BOM, the line
// numbers errors rely on, and the exact messages for malformed quoting.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../importers/src/csv_reader.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::importers {
namespace {

std::vector<CsvRecord> read_all_records(std::string_view text) {
    CsvReader csv(text, "t.csv");
    std::vector<CsvRecord> out;
    CsvRecord r;
    while (csv.next(r)) out.push_back(r);
    return out;
}

std::string error_of(std::string_view text) {
    try {
        read_all_records(text);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

using Fields = std::vector<std::string>;

TEST(CsvReader, PlainFieldsAndLines) {
    auto rows = read_all_records("a,b,c\n1,2,3\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (Fields{"a", "b", "c"}));
    EXPECT_EQ(rows[1].fields, (Fields{"1", "2", "3"}));
    EXPECT_EQ(rows[0].line, 1u);
    EXPECT_EQ(rows[1].line, 2u);
}

TEST(CsvReader, QuotedJsonArraysKeepTheirCommas) {
    auto rows = read_all_records("start,duration,value\n2021-10-31T01:31:00+02:00,\"[60,60]\",\"[1,2]\"\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].fields, (Fields{"2021-10-31T01:31:00+02:00", "[60,60]", "[1,2]"}));
}

TEST(CsvReader, DoubledQuotesAndEmbeddedNewlinesKeepLineNumbers) {
    auto rows = read_all_records("x,\"say \"\"hi\"\"\"\n\"two\nlines\",y\nlast,z");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].fields, (Fields{"x", "say \"hi\""}));
    EXPECT_EQ(rows[1].fields, (Fields{"two\nlines", "y"}));
    EXPECT_EQ(rows[1].line, 2u);
    // The record after a two-line field starts on line 4.
    EXPECT_EQ(rows[2].line, 4u);
    EXPECT_EQ(rows[2].fields, (Fields{"last", "z"}));
}

TEST(CsvReader, CrlfBomBlankLinesAndTrailingEmptyField) {
    auto rows = read_all_records("\xEF\xBB\xBF" "a,b\r\n\r\n1,2,\r\n\"q\",\r\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].fields, (Fields{"a", "b"}));
    EXPECT_EQ(rows[1].fields, (Fields{"1", "2", ""}));
    EXPECT_EQ(rows[1].line, 3u);
    EXPECT_EQ(rows[2].fields, (Fields{"q", ""}));
    EXPECT_EQ(rows[2].line, 4u);
}

TEST(CsvReader, EmptyInputHasNoRecords) {
    EXPECT_TRUE(read_all_records("").empty());
    EXPECT_TRUE(read_all_records("\n\r\n").empty());
}

TEST(CsvReader, UnclosedQuoteNamesTheLineItOpenedOn) {
    EXPECT_EQ(error_of("a,b\nc,\"open\nstill open\n"),
              "t.csv:2: CSV field 2: quoted field is not closed before the end of the input");
}

TEST(CsvReader, QuoteInsideAnUnquotedField) {
    EXPECT_EQ(error_of("a,b\n1,2\"3\n"),
              "t.csv:2: CSV field 2: quote inside an unquoted field (quote the whole field and double "
              "the inner quotes)");
}

TEST(CsvReader, TextAfterAClosingQuote) {
    EXPECT_EQ(error_of("\"a\"x,b\n"),
              "t.csv:1: CSV field 1: unexpected \"x\" after a closing quote (expected a comma or the "
              "end of the line)");
}

TEST(CsvHelpers, FindColumnTrimAndFirstLine) {
    EXPECT_EQ(find_column({"a", " b ", "c"}, "b"), 1u);
    EXPECT_FALSE(find_column({"a"}, "z").has_value());
    EXPECT_EQ(trim("  x \t"), "x");
    EXPECT_EQ(first_line("\xEF\xBB\xBFhead,er\r\nrow"), "head,er");
    EXPECT_EQ(quote_for_message(std::string("a\x01\"b", 4)), "\"a\\x01\\\"b\"");
}

}  // namespace
}  // namespace sleeparch::importers
