// libFuzzer target: the oura importer on arbitrary bytes. Only ParseError may
// escape import_buffer; anything else (or a crash) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view content(reinterpret_cast<const char*>(data), size);
    sleeparch::importers::ImportOptions options;
    // Exercise the zone code on every input.
    options.tz_name = "America/New_York";
    try {
        sleeparch::importers::import_buffer(content, "fuzz.json", options, "oura");
    } catch (const sleeparch::ParseError&) {
    }
    return 0;
}
