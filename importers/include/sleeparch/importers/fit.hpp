// A small decoder for Garmin's FIT binary format (the FIT SDK's protocol
// description): file headers of 12 or 14 bytes, definition and data
// messages in either byte order, developer fields (skipped by size),
// compressed-timestamp record headers, chained files, and the header and
// file CRCs. No message profile beyond field 253 (timestamp): values stay
// raw, per field number, for the importers to interpret.
//
//   FitFile f = decode_fit(bytes, "sleep.fit");
//   for (const FitMessage& m : f.messages)
//       if (m.global == 275) use(m.timestamp, m.unsigned_value(0));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sleeparch::importers {

// Seconds from the Unix epoch to the FIT epoch, 1989-12-31 00:00 UTC.
inline constexpr std::int64_t kFitEpochOffset = 631065600;

struct FitField {
    std::uint8_t number = 0;
    std::uint8_t base_type = 0;  // FIT base type byte (0x84 uint16, ...)
    bool big_endian = false;
    std::string bytes;           // the field's raw bytes (all elements)
};

struct FitMessage {
    std::uint16_t global = 0;  // global message number (275 sleep_level, ...)
    std::uint64_t offset = 0;  // byte offset of the record header in the input
    // Field 253, or the time a compressed-timestamp header gives, in FIT
    // seconds (add kFitEpochOffset for Unix time).
    std::optional<std::uint32_t> timestamp;
    std::vector<FitField> fields;

    const FitField* field(std::uint8_t number) const;
    // The first element of an integer field, nullopt when absent or the base
    // type's invalid value (0xFF, 0xFFFF, ... ; 0 for the "z" types).
    std::optional<std::uint64_t> unsigned_value(std::uint8_t number) const;
    std::optional<std::int64_t> signed_value(std::uint8_t number) const;
};

struct FitFile {
    std::vector<FitMessage> messages;  // every data message, in file order
    std::uint16_t profile_version = 0;
    int chained_files = 0;             // FIT files in the input (usually 1)
};

// Decodes a whole input. Throws ParseError naming `display_name` and the
// byte offset ("sleep.fit:offset 1234: ...") for a bad header, a truncated
// file, a bad header or file CRC, a data message whose local type has no
// definition, or a definition that cannot fit.
FitFile decode_fit(std::string_view bytes, const std::string& display_name);

// True when `head` starts like a FIT file (header size 12 or 14 and ".FIT").
bool looks_like_fit(std::string_view head);

// `file_id.type` (field 0 of message 0) read from the first bytes of a FIT
// file without checking CRCs; nullopt when the head does not tell. Never
// throws (recognition).
std::optional<std::uint64_t> fit_file_type(std::string_view head);

}  // namespace sleeparch::importers
