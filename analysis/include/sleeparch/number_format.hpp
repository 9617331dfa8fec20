// Numbers as the tables, CSV, JSON and the report print them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sleeparch {

// Fixed decimals; "" for NaN and infinities (a blank cell, never "nan");
// never "-0" / "-0.0".
std::string fmt_number(double value, int decimals = 1);

// A JSON number, or null for NaN and infinities.
nlohmann::json json_number(double value);

}  // namespace sleeparch
