// libFuzzer target for the apple_health importer: any input must either import or
// raise a ParseError, never crash or read out of bounds. Inputs shorter than the
// read chunk exercise the scan, the start-tag walk, the element search and expat;
// the seed corpus in tests/fuzz/corpus/apple_health/ (with tests/fuzz/apple_health.dict) starts it on real
// record shapes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view content(reinterpret_cast<const char*>(data), size);
    try {
        const sleeparch::ImportBatch batch = sleeparch::importers::import_buffer(
            content, "fuzz", sleeparch::importers::ImportOptions{}, "apple_health");
        sleeparch::assemble_nights(batch);
    } catch (const sleeparch::ParseError&) {
    }
    return 0;
}
