#include "sleeparch/number_format.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace sleeparch {

std::string fmt_number(double value, int decimals) {
    if (!std::isfinite(value)) return "";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    if (std::strcmp(buf, "-0") == 0 || std::strcmp(buf, "-0.0") == 0 || std::strcmp(buf, "-0.00") == 0)
        return std::string(buf + 1);
    return buf;
}

nlohmann::json json_number(double value) {
    if (!std::isfinite(value)) return nullptr;
    return value;
}

}  // namespace sleeparch
