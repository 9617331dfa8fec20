// libFuzzer target for the apple_health importer: any input must either import or
// raise a ParseError, never crash or read out of bounds. Inputs shorter than the
// read chunk exercise the scan, the start-tag walk, the element search and expat;
// the seed corpus in tests/fuzz/corpus/apple_health/ (with tests/fuzz/apple_health.dict) starts it on real
// record shapes. Each input is imported twice, once with every kept element
// through expat (SLEEPARCH_APPLE_PLAIN_TAGS=0): the two must agree exactly,
// which checks the importer's own reader of plain elements against expat.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"

namespace {
std::string outcome(std::string_view content, bool plain) {
    if (plain) ::unsetenv("SLEEPARCH_APPLE_PLAIN_TAGS");
    else ::setenv("SLEEPARCH_APPLE_PLAIN_TAGS", "0", 1);
    std::ostringstream o;
    try {
        const sleeparch::ImportBatch b = sleeparch::importers::import_buffer(
            content, "fuzz", sleeparch::importers::ImportOptions{}, "apple_health");
        sleeparch::assemble_nights(b);
        for (const auto& s : b.sources) o << "s " << s.name << "|" << s.device << "|" << s.version << "\n";
        for (const auto& r : b.records)
            o << "r " << r.start << " " << r.end << " " << static_cast<int>(r.stage) << " " << r.source << " "
              << r.utc_offset_min << " " << r.created << " " << r.tz_name << " " << r.line << "\n";
        for (const auto& d : b.doses) o << "d " << (d.time ? *d.time : -1) << " " << d.mg_elemental << " " << d.line << "\n";
        for (const auto& v : b.vitals) o << "v " << static_cast<int>(v.kind) << " " << v.value << " " << v.line << "\n";
        for (const auto& w : b.warnings) o << "w " << w.line << " " << w.message << "\n";
    } catch (const sleeparch::ParseError& e) {
        o << "error " << e.what();
    }
    return o.str();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view content(reinterpret_cast<const char*>(data), size);
    if (outcome(content, true) != outcome(content, false)) std::abort();
    return 0;
}
