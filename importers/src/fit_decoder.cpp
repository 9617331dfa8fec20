// FIT decoder (see sleeparch/importers/fit.hpp). The whole input is checked
// before any record is read: header size and ".FIT" signature, the header
// CRC (when not 0, which the protocol allows), the stated data size against
// the bytes present, and the file CRC over header and data; only then are
// records decoded, each bounded by the stated data size.
#include "sleeparch/importers/fit.hpp"

#include <array>
#include <cstdio>
#include <string>

#include "sleeparch/error.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::array<std::uint16_t, 16> kCrcTable = {0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00,
                                                     0x2800, 0xE401, 0xA001, 0x6C00, 0x7800, 0xB401,
                                                     0x5000, 0x9C01, 0x8801, 0x4400};

std::uint16_t crc16(std::string_view data) {
    std::uint16_t crc = 0;
    for (unsigned char byte : data) {
        std::uint16_t tmp = kCrcTable[crc & 0xF];
        crc = static_cast<std::uint16_t>((crc >> 4) & 0x0FFF);
        crc = static_cast<std::uint16_t>(crc ^ tmp ^ kCrcTable[byte & 0xF]);
        tmp = kCrcTable[crc & 0xF];
        crc = static_cast<std::uint16_t>((crc >> 4) & 0x0FFF);
        crc = static_cast<std::uint16_t>(crc ^ tmp ^ kCrcTable[(byte >> 4) & 0xF]);
    }
    return crc;
}

std::uint64_t read_uint(std::string_view bytes, std::size_t pos, std::size_t size, bool big_endian) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < size; ++i) {
        const auto b = static_cast<unsigned char>(bytes[pos + (big_endian ? i : size - 1 - i)]);
        v = (v << 8) | b;
    }
    return v;
}

std::string hex16(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04X", v);
    return buf;
}

struct FieldDef {
    std::uint8_t number, size, base_type;
};

struct Definition {
    bool defined = false;
    bool big_endian = false;
    std::uint16_t global = 0;
    std::vector<FieldDef> fields;
    std::size_t size = 0;  // data bytes of one message, developer fields included
};

// Base type number (low 5 bits) -> element size and invalid value kind.
enum class Kind { Unsigned, Signed, ZeroInvalid, Other };
struct BaseType {
    std::size_t size;
    Kind kind;
};
BaseType base_type(std::uint8_t type) {
    switch (type & 0x1F) {
        case 0: return {1, Kind::Unsigned};     // enum
        case 1: return {1, Kind::Signed};       // sint8
        case 2: return {1, Kind::Unsigned};     // uint8
        case 3: return {2, Kind::Signed};       // sint16
        case 4: return {2, Kind::Unsigned};     // uint16
        case 5: return {4, Kind::Signed};       // sint32
        case 6: return {4, Kind::Unsigned};     // uint32
        case 10: return {1, Kind::ZeroInvalid}; // uint8z
        case 11: return {2, Kind::ZeroInvalid}; // uint16z
        case 12: return {4, Kind::ZeroInvalid}; // uint32z
        case 13: return {1, Kind::Unsigned};    // byte
        case 14: return {8, Kind::Signed};      // sint64
        case 15: return {8, Kind::Unsigned};    // uint64
        case 16: return {8, Kind::ZeroInvalid}; // uint64z
        default: return {0, Kind::Other};       // string, floats
    }
}

// Decodes the records of one file's data section [begin, end). With
// `stop_at_file_id`, returns after the first file_id message (recognition).
void decode_records(std::string_view bytes, std::size_t begin, std::size_t end, const std::string& name,
                    FitFile& out, bool stop_at_file_id) {
    auto fail = [&](std::size_t offset, const std::string& field, const std::string& detail) {
        return ParseError(name, "offset " + std::to_string(offset), field, detail);
    };
    std::array<Definition, 16> defs;
    std::optional<std::uint32_t> last_timestamp;
    std::size_t p = begin;
    while (p < end) {
        const std::size_t record = p;
        const auto header = static_cast<unsigned char>(bytes[p++]);
        const bool compressed = header & 0x80;
        if (!compressed && (header & 0x40)) {
            const std::size_t local = header & 0x0F;
            const bool developer = header & 0x20;
            if (end - p < 5) throw fail(record, "definition", "runs past the end of the data");
            const auto arch = static_cast<unsigned char>(bytes[p + 1]);
            if (arch > 1) throw fail(record + 2, "architecture", std::to_string(arch) + " (expected 0 or 1)");
            Definition d;
            d.defined = true;
            d.big_endian = arch == 1;
            d.global = static_cast<std::uint16_t>(read_uint(bytes, p + 2, 2, d.big_endian));
            const std::size_t count = static_cast<unsigned char>(bytes[p + 4]);
            p += 5;
            if (end - p < count * 3) throw fail(record, "definition", "field list runs past the end of the data");
            for (std::size_t i = 0; i < count; ++i, p += 3) {
                FieldDef f{static_cast<std::uint8_t>(bytes[p]), static_cast<std::uint8_t>(bytes[p + 1]),
                           static_cast<std::uint8_t>(bytes[p + 2])};
                if (f.size == 0) throw fail(p, "field " + std::to_string(f.number), "size 0");
                d.fields.push_back(f);
                d.size += f.size;
            }
            if (developer) {
                if (end - p < 1) throw fail(record, "definition", "runs past the end of the data");
                const std::size_t dev_count = static_cast<unsigned char>(bytes[p++]);
                if (end - p < dev_count * 3) {
                    throw fail(record, "definition", "developer field list runs past the end of the data");
                }
                // Developer fields are skipped: only their sizes matter.
                for (std::size_t i = 0; i < dev_count; ++i, p += 3) d.size += static_cast<unsigned char>(bytes[p + 1]);
            }
            defs[local] = std::move(d);
            continue;
        }
        const std::size_t local = compressed ? ((header >> 5) & 0x03) : (header & 0x0F);
        const Definition& d = defs[local];
        if (!d.defined) {
            throw fail(record, "record header", "data message of local type " + std::to_string(local) +
                                                    " without a definition");
        }
        if (end - p < d.size) throw fail(record, "message " + std::to_string(d.global), "runs past the end of the data");
        FitMessage m;
        m.global = d.global;
        m.offset = record;
        if (compressed) {
            if (!last_timestamp) {
                throw fail(record, "record header", "compressed time stamp before any full time stamp");
            }
            const std::uint32_t offset5 = header & 0x1F;
            std::uint32_t t = (*last_timestamp & ~0x1Fu) + offset5;
            if (offset5 < (*last_timestamp & 0x1Fu)) t += 0x20;
            m.timestamp = t;
            last_timestamp = t;
        }
        for (const FieldDef& f : d.fields) {
            FitField field;
            field.number = f.number;
            field.base_type = f.base_type;
            field.big_endian = d.big_endian;
            field.bytes.assign(bytes.data() + p, f.size);
            p += f.size;
            if (f.number == 253 && f.size == 4) {
                const auto t = static_cast<std::uint32_t>(read_uint(field.bytes, 0, 4, d.big_endian));
                if (t != 0xFFFFFFFFu) {
                    m.timestamp = t;
                    last_timestamp = t;
                }
            }
            m.fields.push_back(std::move(field));
        }
        p = record + 1 + d.size;
        const bool file_id = m.global == 0;
        out.messages.push_back(std::move(m));
        if (stop_at_file_id && file_id) return;
    }
}

}  // namespace

const FitField* FitMessage::field(std::uint8_t number) const {
    for (const FitField& f : fields) {
        if (f.number == number) return &f;
    }
    return nullptr;
}

std::optional<std::uint64_t> FitMessage::unsigned_value(std::uint8_t number) const {
    const FitField* f = field(number);
    if (!f) return std::nullopt;
    const BaseType t = base_type(f->base_type);
    if (t.size == 0 || f->bytes.size() < t.size) return std::nullopt;
    const std::uint64_t v = read_uint(f->bytes, 0, t.size, f->big_endian);
    const std::uint64_t all_ones = t.size == 8 ? ~0ull : ((1ull << (8 * t.size)) - 1);
    if (t.kind == Kind::ZeroInvalid && v == 0) return std::nullopt;
    if (t.kind == Kind::Unsigned && v == all_ones) return std::nullopt;
    if (t.kind == Kind::Signed && v == (all_ones >> 1)) return std::nullopt;
    return v;
}

std::optional<std::int64_t> FitMessage::signed_value(std::uint8_t number) const {
    const FitField* f = field(number);
    if (!f) return std::nullopt;
    const BaseType t = base_type(f->base_type);
    const auto v = unsigned_value(number);
    if (!v) return std::nullopt;
    if (t.kind != Kind::Signed || t.size == 8) return static_cast<std::int64_t>(*v);
    const std::uint64_t sign = 1ull << (8 * t.size - 1);
    return static_cast<std::int64_t>(*v ^ sign) - static_cast<std::int64_t>(sign);
}

bool looks_like_fit(std::string_view head) {
    if (head.size() < 12) return false;
    const auto size = static_cast<unsigned char>(head[0]);
    return (size == 12 || size == 14) && head.substr(8, 4) == ".FIT";
}

std::optional<std::uint64_t> fit_file_type(std::string_view head) {
    if (!looks_like_fit(head)) return std::nullopt;
    const std::size_t header = static_cast<unsigned char>(head[0]);
    if (head.size() < header) return std::nullopt;
    const std::size_t data = static_cast<std::size_t>(read_uint(head, 4, 4, false));
    const std::size_t end = std::min(head.size(), header + data);
    try {
        FitFile f;
        decode_records(head, header, end, "", f, true);
        if (!f.messages.empty() && f.messages.back().global == 0) return f.messages.back().unsigned_value(0);
    } catch (const ParseError&) {
    }
    return std::nullopt;
}

FitFile decode_fit(std::string_view bytes, const std::string& display_name) {
    auto fail = [&](std::size_t offset, const std::string& field, const std::string& detail) {
        return ParseError(display_name, "offset " + std::to_string(offset), field, detail);
    };
    if (bytes.empty()) throw fail(0, "header", "empty file");
    FitFile out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::size_t left = bytes.size() - pos;
        const auto header_size = static_cast<unsigned char>(bytes[pos]);
        if (header_size != 12 && header_size != 14) {
            throw fail(pos, "header size", std::to_string(header_size) + " (expected 12 or 14)");
        }
        if (left < header_size) {
            throw fail(pos, "header", "truncated: " + std::to_string(left) + " bytes, the header has " +
                                          std::to_string(header_size));
        }
        if (bytes.substr(pos + 8, 4) != ".FIT") throw fail(pos + 8, "header", "no \".FIT\" signature");
        if (header_size == 14) {
            const auto stated = static_cast<std::uint16_t>(read_uint(bytes, pos + 12, 2, false));
            const std::uint16_t computed = crc16(bytes.substr(pos, 12));
            if (stated != 0 && stated != computed) {
                throw fail(pos + 12, "header CRC", hex16(stated) + ", computed " + hex16(computed));
            }
        }
        if (out.chained_files == 0) out.profile_version = static_cast<std::uint16_t>(read_uint(bytes, pos + 2, 2, false));
        const std::uint64_t data_size = read_uint(bytes, pos + 4, 4, false);
        const std::size_t data = pos + header_size;
        if (bytes.size() - data < data_size + 2) {
            throw fail(bytes.size(), "data",
                       "truncated: the header at offset " + std::to_string(pos) + " states " +
                           std::to_string(data_size) + " data bytes and a 2-byte CRC, " +
                           std::to_string(bytes.size() - data) + " bytes follow it");
        }
        const std::size_t end = data + static_cast<std::size_t>(data_size);
        const auto stated = static_cast<std::uint16_t>(read_uint(bytes, end, 2, false));
        const std::uint16_t computed = crc16(bytes.substr(pos, header_size + static_cast<std::size_t>(data_size)));
        if (stated != computed) {
            throw fail(end, "file CRC", hex16(stated) + ", computed " + hex16(computed) + " (damaged file)");
        }
        decode_records(bytes, data, end, display_name, out, false);
        ++out.chained_files;
        pos = end + 2;
    }
    return out;
}

}  // namespace sleeparch::importers
