// libFuzzer target for the Withings importers (raw sleep states and the
// sleep.csv summary): any input must either import or raise a ParseError,
// never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view content(reinterpret_cast<const char*>(data), size);
    // Recognition judges values in the head and must never throw.
    if (const auto* raw = sleeparch::importers::find_importer("withings")) {
        (void)raw->recognises("fuzz.csv", content.substr(0, 64 * 1024));
        (void)raw->declines("fuzz.csv", content.substr(0, 64 * 1024));
    }
    for (const char* id : {"withings", "withings_summary"}) {
        try {
            sleeparch::importers::import_buffer(content, "fuzz", sleeparch::importers::ImportOptions{}, id);
        } catch (const sleeparch::ParseError&) {
        }
    }
    return 0;
}
