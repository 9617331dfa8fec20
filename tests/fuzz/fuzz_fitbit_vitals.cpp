// libFuzzer target for the Fitbit Takeout vitals importer (the Daily Heart
// Rate Variability Summary CSV and resting_heart_rate-*.json): any input must
// either import or raise a ParseError, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view content(reinterpret_cast<const char*>(data), size);
    try {
        sleeparch::importers::import_buffer(content, "resting_heart_rate-fuzz.json",
                                            sleeparch::importers::ImportOptions{}, "fitbit_vitals");
    } catch (const sleeparch::ParseError&) {
    }
    return 0;
}
