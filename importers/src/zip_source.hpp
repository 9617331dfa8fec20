// Zip entries as byte streams, inflated as they are read (never extracted).
#pragma once

#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sleeparch/importers/import.hpp"

namespace sleeparch::importers {

// Opens entry `index` of `archive` as the stream of its uncompressed bytes;
// `display` ("export.zip:apple_health_export/export.xml") names it in errors.
//
// Deflated entries are read raw through libzip and inflated with zlib here,
// with the CRC-32 computed by a carry-less-multiply routine where the CPU has
// one (libzip's own path checks it with zlib's table-driven crc32, which costs
// more than the inflate itself). Other methods, stored and encrypted entries
// go through libzip. With `prefetch`, a background thread inflates ahead of
// the reader into a few 1 MiB buffers, so that inflating and the caller's
// parsing overlap. A damaged or truncated entry, or a CRC or size mismatch, is
// a ParseError naming `display`.
std::unique_ptr<ByteSource> open_zip_entry(zip_t* archive, zip_uint64_t index, std::string display,
                                           std::uint64_t size, bool prefetch);

// CRC-32 (ISO-HDLC, as zip and zlib use) of `n` bytes continuing `crc`:
// crc32_update(0, "123456789", 9) == 0xCBF43926.
std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t n);

}  // namespace sleeparch::importers
