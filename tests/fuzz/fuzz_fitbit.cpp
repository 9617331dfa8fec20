// libFuzzer target: the fitbit importer on arbitrary bytes, then assembly and
// metrics on whatever it accepted. Only ParseError may escape; anything else
// (or a crash, or a night breaking its invariants) is a bug.
//   fuzz_fitbit tests/fuzz/corpus/fitbit -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view content(reinterpret_cast<const char*>(data), size);
    sleeparch::importers::ImportOptions options;
    // A zone with DST changes exercises the offset code on every input.
    options.tz_name = "America/New_York";
    try {
        const auto batch = sleeparch::importers::import_buffer(content, "fuzz.json", options, "fitbit");
        for (const auto& night : sleeparch::assemble_nights(batch).nights) {
            night.validate();
            (void)sleeparch::compute_metrics(night);
        }
    } catch (const sleeparch::ParseError&) {
    }
    return 0;
}
