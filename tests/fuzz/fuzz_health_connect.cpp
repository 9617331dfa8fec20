// libFuzzer target for the Health Connect importer and its HRV/resting-HR
// reader: any bytes (SQLite databases mutated page by page from the seed
// corpus, or anything else) must either import or raise a ParseError, never
// crash or read out of bounds. SQLite itself is hardened for hostile files;
// this checks the importer's use of it (column types, NULLs, ranges).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/health_connect.hpp"
#include "sleeparch/importers/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view content(reinterpret_cast<const char*>(data), size);
    try {
        sleeparch::importers::import_buffer(content, "fuzz", sleeparch::importers::ImportOptions{}, "health_connect");
    } catch (const sleeparch::ParseError&) {
    }
    try {
        sleeparch::importers::read_health_connect_vitals(content, "fuzz");
    } catch (const sleeparch::ParseError&) {
    }
    return 0;
}
