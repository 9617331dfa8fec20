// libFuzzer target: the plain hypnogram importer, then assembly and metrics
// on whatever it accepted.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto* h = sleeparch::importers::find_importer("hypnogram")) (void)h->recognises("fuzz.txt", text.substr(0, 64 * 1024));
    try {
        sleeparch::importers::ImportOptions opts;
        const auto batch = sleeparch::importers::import_buffer(text, "fuzz.txt", opts, "hypnogram");
        for (const auto& night : sleeparch::assemble_nights(batch).nights) {
            night.validate();
            (void)sleeparch::compute_metrics(night);
        }
    } catch (const sleeparch::ParseError&) {
    }
    return 0;
}
