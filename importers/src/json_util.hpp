// Typed access to parsed JSON documents for the JSON importers.
//
// Every getter names the file, the record ("record 3 (logId 123)") and the
// field in the ParseError it throws, so that no nlohmann exception (and no
// unchecked at()/operator[] on an absent key) reaches the caller.
//
//   Where where{file, "record 3 (logId 123)"};
//   std::int64_t seconds = json_util::get_int(segment, "seconds", where, "levels.data[4].seconds");
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sleeparch/error.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::importers::json_util {

using Json = nlohmann::json;

// Where in the input a value sits: the file and the record.
struct Where {
    const std::string& file;
    std::string location;  // "record 3 (logId 123)"; empty for the whole document
};

[[noreturn]] inline void fail(const Where& where, std::string_view field, std::string detail) {
    if (where.location.empty()) {
        throw ParseError(where.file, 0, std::string(field), std::move(detail));
    }
    throw ParseError(where.file, where.location, std::string(field), std::move(detail));
}

// "a string", "an array", ... for "expected X, got Y" messages.
inline std::string_view type_name(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null: return "null";
        case Json::value_t::object: return "an object";
        case Json::value_t::array: return "an array";
        case Json::value_t::string: return "a string";
        case Json::value_t::boolean: return "a boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float: return "a number";
        default: return "an unsupported value";
    }
}

// Parses a whole document. Syntax errors become ParseError(file, line,
// "JSON", "<what nlohmann says> at column C").
inline Json parse_document(std::string_view text, const std::string& file) {
    std::size_t first = 0;
    // A UTF-8 byte order mark is legal in files saved by some editors.
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") first = 3;
    std::string_view body = text.substr(first);
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw ParseError(file, 0, "JSON", "the file is empty");
    }
    try {
        return Json::parse(body.begin(), body.end());
    } catch (const Json::parse_error& e) {
        // e.byte is the 1-based position of the offending byte.
        std::size_t at = e.byte == 0 ? 0 : std::min<std::size_t>(e.byte - 1, body.size());
        std::uint64_t line = 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < at; ++i) {
            if (body[i] == '\n') {
                ++line;
                line_start = i + 1;
            }
        }
        std::string what = e.what();
        // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: ".
        std::size_t colon = what.find(": ");
        std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
        detail += " (column " + std::to_string(at - line_start + 1) + ")";
        throw ParseError(file, line, "JSON", detail);
    } catch (const Json::exception& e) {
        throw ParseError(file, 0, "JSON", e.what());
    }
}

// The member `key` of `object`, or nullptr when `object` is not an object or
// has no such key.
inline const Json* member(const Json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// Absent or null.
inline bool is_absent(const Json* value) { return value == nullptr || value->is_null(); }

inline std::string_view field_or_key(std::string_view field, std::string_view key) {
    return field.empty() ? key : field;
}

[[noreturn]] inline void fail_type(const Where& where, std::string_view field, std::string_view expected,
                                   const Json& got) {
    fail(where, field, "expected " + std::string(expected) + ", got " + std::string(type_name(got)));
}

// String member; absent or null yields nullopt, another type throws.
inline std::optional<std::string_view> opt_string(const Json& object, std::string_view key,
                                                  const Where& where, std::string_view field = {}) {
    const Json* value = member(object, key);
    if (is_absent(value)) return std::nullopt;
    if (!value->is_string()) fail_type(where, field_or_key(field, key), "a string", *value);
    return std::string_view(value->get_ref<const std::string&>());
}

inline std::string_view get_string(const Json& object, std::string_view key, const Where& where,
                                   std::string_view field = {}) {
    auto value = opt_string(object, key, where, field);
    if (!value) fail(where, field_or_key(field, key), "missing");
    return *value;
}

// Number member read as a double; absent or null yields nullopt.
inline std::optional<double> opt_number(const Json& object, std::string_view key, const Where& where,
                                        std::string_view field = {}) {
    const Json* value = member(object, key);
    if (is_absent(value)) return std::nullopt;
    if (!value->is_number()) fail_type(where, field_or_key(field, key), "a number", *value);
    double d = value->get<double>();
    if (!std::isfinite(d)) fail(where, field_or_key(field, key), "not a finite number");
    return d;
}

inline double get_number(const Json& object, std::string_view key, const Where& where,
                         std::string_view field = {}) {
    auto value = opt_number(object, key, where, field);
    if (!value) fail(where, field_or_key(field, key), "missing");
    return *value;
}

// Integer member (an integral float such as 1.0 is accepted); absent or null
// yields nullopt. Values beyond ±2^53 are refused: they are no count,
// duration or time stamp any of the formats writes.
inline std::optional<std::int64_t> opt_int(const Json& object, std::string_view key, const Where& where,
                                           std::string_view field = {}) {
    constexpr std::int64_t kLimit = std::int64_t{1} << 53;
    const Json* value = member(object, key);
    if (is_absent(value)) return std::nullopt;
    std::string_view name = field_or_key(field, key);
    if (value->is_number_integer()) {
        if (value->is_number_unsigned()) {
            auto u = value->get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(kLimit)) fail(where, name, "value " + std::to_string(u) + " out of range");
            return static_cast<std::int64_t>(u);
        }
        auto i = value->get<std::int64_t>();
        if (i > kLimit || i < -kLimit) fail(where, name, "value " + std::to_string(i) + " out of range");
        return i;
    }
    if (value->is_number_float()) {
        double d = value->get<double>();
        if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > static_cast<double>(kLimit)) {
            fail(where, name, "expected an integer, got " + value->dump());
        }
        return static_cast<std::int64_t>(d);
    }
    fail_type(where, name, "an integer", *value);
}

inline std::int64_t get_int(const Json& object, std::string_view key, const Where& where,
                            std::string_view field = {}) {
    auto value = opt_int(object, key, where, field);
    if (!value) fail(where, field_or_key(field, key), "missing");
    return *value;
}

inline std::optional<bool> opt_bool(const Json& object, std::string_view key, const Where& where,
                                    std::string_view field = {}) {
    const Json* value = member(object, key);
    if (is_absent(value)) return std::nullopt;
    if (!value->is_boolean()) fail_type(where, field_or_key(field, key), "true or false", *value);
    return value->get<bool>();
}

// Array member; absent or null yields nullptr, another type throws.
inline const Json* opt_array(const Json& object, std::string_view key, const Where& where,
                             std::string_view field = {}) {
    const Json* value = member(object, key);
    if (is_absent(value)) return nullptr;
    if (!value->is_array()) fail_type(where, field_or_key(field, key), "an array", *value);
    return value;
}

inline const Json& get_array(const Json& object, std::string_view key, const Where& where,
                             std::string_view field = {}) {
    const Json* value = opt_array(object, key, where, field);
    if (value == nullptr) fail(where, field_or_key(field, key), "missing");
    return *value;
}

inline const Json* opt_object(const Json& object, std::string_view key, const Where& where,
                              std::string_view field = {}) {
    const Json* value = member(object, key);
    if (is_absent(value)) return nullptr;
    if (!value->is_object()) fail_type(where, field_or_key(field, key), "an object", *value);
    return value;
}

// Scalar as text for ids and messages: strings as they are, integers in
// decimal, anything else as JSON.
inline std::string id_text(const Json* value) {
    if (value == nullptr || value->is_null()) return {};
    if (value->is_string()) return value->get<std::string>();
    return value->dump();
}

// parse_iso_datetime that never throws: a calendar exception from inside it
// (a year the date library refuses) becomes an ordinary parse failure.
inline ParsedTime parse_time_text(std::string_view text) {
    try {
        return parse_iso_datetime(text);
    } catch (const std::exception& e) {
        ParsedTime t;
        t.error = e.what();
        return t;
    }
}

// Instants the importers accept: 1900-01-01 .. 2199-12-31 UTC. Sleep data
// outside that is damaged, and the calendar code downstream has limits.
inline bool time_in_range(std::int64_t utc) {
    return utc >= -2'208'988'800LL && utc < 7'258'118'400LL;
}

inline void check_time(std::int64_t utc, const Where& where, std::string_view field) {
    if (!time_in_range(utc)) fail(where, field, "time outside the years 1900-2199");
}

// The first non-blank byte of `head` after an optional UTF-8 byte order mark,
// or '\0'. Used by recognises() to look for a JSON document cheaply.
inline char first_json_char(std::string_view head) {
    if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
    std::size_t i = head.find_first_not_of(" \t\r\n");
    return i == std::string_view::npos ? '\0' : head[i];
}

// Whether `head` holds `"key"` followed (after blanks) by a colon: a JSON
// member name rather than the same word inside a value.
inline bool has_key(std::string_view head, std::string_view key) {
    std::size_t pos = 0;
    while (true) {
        pos = head.find(key, pos);
        if (pos == std::string_view::npos) return false;
        std::size_t before = pos;
        std::size_t after = pos + key.size();
        pos = after;
        if (before == 0 || head[before - 1] != '"') continue;
        if (after >= head.size() || head[after] != '"') continue;
        std::size_t colon = head.find_first_not_of(" \t\r\n", after + 1);
        if (colon != std::string_view::npos && head[colon] == ':') return true;
    }
}

}  // namespace sleeparch::importers::json_util
