// Apple Health `export.xml` (bare, in a folder, or streamed from export.zip).
//
// A full export is 0.5-4 GB of <Record> elements, almost none of them sleep.
// The file is read in large page-aligned chunks; the wanted elements are
// found by a byte search for their type attribute value, and only those
// elements (with their MetadataEntry children) are given to expat. The
// DOCTYPE is never parsed: iOS 16 writes a malformed one (an ATTLIST without
// its closing '>'), and some exports carry a stray U+000B in records we do
// not keep, so a whole-document parse would fail on files that hold
// perfectly good sleep data. Newlines are counted as the scan goes so every
// warning and error names its line. On large inputs expat runs on a second
// thread, fed the kept elements in order, so parsing overlaps reading.
// See FORMATS.md, Apple Health.
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <vector>

#include <expat.h>
#include <sys/mman.h>

// The search uses the widest vectors the CPU has. SLEEPARCH_APPLE_SCAN=1
// (SSE2) or 0 (scalar) at build time limits it, so that the fallbacks can be
// tested on any machine; at run time, the environment variable
// SLEEPARCH_APPLE_SCAN=avx2 keeps an AVX-512 machine to AVX2 (tests).
#if !defined(SLEEPARCH_APPLE_SCAN)
#define SLEEPARCH_APPLE_SCAN 2
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#if SLEEPARCH_APPLE_SCAN >= 1
#define SLEEPARCH_APPLE_SSE2_SCAN 1
#endif
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && SLEEPARCH_APPLE_SCAN >= 2
#define SLEEPARCH_APPLE_AVX2 1
#include <immintrin.h>
#endif

#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {
namespace {

constexpr std::string_view kSleepValuePrefix = "HKCategoryValueSleepAnalysis";

// The quoted attribute values searched for. All identifiers have the same
// layout up to offset 25 (HK + 8-letter kind + Type + Identifier), where
// "SleepAnalysis", "DietaryMagnesium", "HeartRateVariabilitySDNN" and
// "RestingHeartRate" begin: the scan tests two bytes of that tail per
// position, the first and the tenth (S........y, D........g, H........V,
// R........a), and verifies candidates in full. The tenth byte tells them
// from their commonest neighbours: plain HeartRate records (the most
// numerous in an export), StepCount, DietaryManganese, RespiratoryRate.
// The vector scans look the tenth byte a first byte calls for up in a
// 16-entry table by the first byte's low nibble (3, 4, 8, 2: all different)
// and check the first byte against a second table.
constexpr std::string_view kSleepNeedle = "\"HKCategoryTypeIdentifierSleepAnalysis\"";
constexpr std::string_view kMagnesiumNeedle = "\"HKQuantityTypeIdentifierDietaryMagnesium\"";
constexpr std::string_view kHrvNeedle = "\"HKQuantityTypeIdentifierHeartRateVariabilitySDNN\"";
constexpr std::string_view kRestingHrNeedle = "\"HKQuantityTypeIdentifierRestingHeartRate\"";
constexpr std::size_t kAnchor = 25;
// The byte 9 after the anchor, where the tests look second.
constexpr std::size_t kSecond = 9;
constexpr std::size_t kLongestNeedle = kHrvNeedle.size();
static_assert(kSleepNeedle.size() <= kMagnesiumNeedle.size() && kSleepNeedle.size() <= kRestingHrNeedle.size(),
              "the search bounds anchors by the shortest needle, the sleep one");

// Read size: large enough that per-chunk costs vanish, small enough that a
// read() buffer stays in L2 while it is scanned.
constexpr std::size_t kChunk = std::size_t{1} << 20;
// Longest start tag searched back from a type value, and longest kept element.
constexpr std::size_t kMaxStartTag = std::size_t{64} << 10;
constexpr std::size_t kMaxElement = std::size_t{1} << 20;
// Bytes kept from one chunk to the next sit below this page-aligned offset,
// so that every read() lands on a page boundary.
constexpr std::size_t kCarry = kMaxElement + kMaxStartTag + (std::size_t{64} << 10);
constexpr std::size_t kPage = 4096;
constexpr std::uint64_t kProgressEvery = std::uint64_t{16} << 20;
constexpr std::size_t kReleaseEvery = std::size_t{8} << 20;

enum class Kind { Sleep, Magnesium, Hrv, RestingHr };

struct AlignedFree {
    void operator()(char* p) const { std::free(p); }
};

std::unique_ptr<char, AlignedFree> allocate_aligned(std::size_t n) {
    void* p = nullptr;
    if (posix_memalign(&p, kPage, n) != 0) throw std::bad_alloc();
    return std::unique_ptr<char, AlignedFree>(static_cast<char*>(p));
}

bool matches_at(const char* b, std::size_t s, std::size_t to, std::string_view needle) {
    return s + needle.size() <= to && std::memcmp(b + s, needle.data(), needle.size()) == 0;
}

// A candidate anchor (the byte at offset kAnchor of a needle) verified in full.
inline bool check_anchor(const char* b, std::size_t q, std::size_t to, Kind& kind) {
    const std::size_t s = q - kAnchor;
    if (b[q] == 'S' && matches_at(b, s, to, kSleepNeedle)) {
        kind = Kind::Sleep;
        return true;
    }
    if (b[q] == 'D' && matches_at(b, s, to, kMagnesiumNeedle)) {
        kind = Kind::Magnesium;
        return true;
    }
    if (b[q] == 'H' && matches_at(b, s, to, kHrvNeedle)) {
        kind = Kind::Hrv;
        return true;
    }
    if (b[q] == 'R' && matches_at(b, s, to, kRestingHrNeedle)) {
        kind = Kind::RestingHr;
        return true;
    }
    return false;
}

// Newlines in [p, p + n): for the spans the search does not cover (the
// elements handed to expat, short moves back to a '<').
std::size_t count_newlines(const char* p, std::size_t n) {
    std::size_t count = 0;
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    while (i + 16 <= n) {
        // Byte lanes count matches (cmpeq gives -1) for up to 255 blocks,
        // then psadbw folds them into the total.
        __m128i acc = zero;
        const std::size_t blocks = std::min<std::size_t>((n - i) / 16, 255);
        for (std::size_t b = 0; b < blocks; ++b, i += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
        }
        const __m128i sums = _mm_sad_epu8(acc, zero);
        count += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
                 static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
    }
#endif
    for (; i < n; ++i) count += p[i] == '\n';
    return count;
}

// The search walks anchor positions q (needle start + kAnchor) and counts
// the newlines of the bytes at the anchors it passes, so that one pass over
// the input both finds the needles and keeps the line count. A block is the
// 16 or 32 anchors tested at once: bit i of `candidates` is set when q + i
// passes the two-byte test, bit i of `newlines` when byte q + i is '\n'.
struct Block {
    std::uint32_t candidates = 0;
    std::uint32_t newlines = 0;
};

// Verifies the block's candidates in order. On a match, adds the newlines
// below it, moves q to its anchor and returns the needle start; otherwise
// adds the block's newlines, moves q past the block and returns SIZE_MAX.
std::size_t verify_block(const char* b, std::size_t& q, const Block& block, std::size_t width,
                         std::size_t to, Kind& kind, std::uint64_t& lines) {
    for (std::uint32_t m = block.candidates; m != 0; m &= m - 1) {
        const int i = std::countr_zero(m);
        if (check_anchor(b, q + static_cast<std::size_t>(i), to, kind)) {
            const std::uint32_t below = block.newlines & ((std::uint32_t{1} << i) - 1);
            lines += static_cast<std::uint64_t>(std::popcount(below));
            q += static_cast<std::size_t>(i);
            return q - kAnchor;
        }
    }
    lines += static_cast<std::uint64_t>(std::popcount(block.newlines));
    q += width;
    return SIZE_MAX;
}

// The block loops below advance q block by block while a whole block fits
// before q_end, adding the newlines of every block passed to `lines`, and
// stop at the first block holding a candidate, leaving q at its first
// anchor (candidates == 0: no whole block left). They read bytes
// [q, q + width + 9), within the window since q_end <= to - 13 (see search).
// No calls in them, so the constants stay in registers. They prefetch a page
// ahead: the hardware prefetchers stop at 4 KiB page boundaries, and pages
// of a mapped file are scattered in memory, so without it the scan waits on
// memory at every page.
constexpr std::size_t kPrefetchAhead = 4096;

// The address to prefetch, past the window or not (prefetches never fault).
inline const char* ahead(const char* p) {
    return reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(p) + kPrefetchAhead);
}
#if defined(SLEEPARCH_APPLE_SSE2_SCAN)
Block next_block_sse2(const char* b, std::size_t& q_io, std::size_t q_end, std::uint64_t& lines_io) {
    const __m128i cs = _mm_set1_epi8('S'), cy = _mm_set1_epi8('y');
    const __m128i cd = _mm_set1_epi8('D'), cg = _mm_set1_epi8('g');
    const __m128i ch = _mm_set1_epi8('H'), cv = _mm_set1_epi8('V');
    const __m128i cr = _mm_set1_epi8('R'), ca = _mm_set1_epi8('a');
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    std::size_t q = q_io;
    std::uint64_t lines = 0;
    Block block;
    while (q + 16 <= q_end && block.candidates == 0) {
        // Newlines are summed in byte lanes for up to 255 blocks (no popcnt
        // in baseline x86-64), then folded by psadbw.
        __m128i acc = zero;
        const std::size_t blocks = std::min<std::size_t>((q_end - q) / 16, 255);
        for (std::size_t k = 0; k < blocks; ++k) {
            _mm_prefetch(ahead(b + q), _MM_HINT_T0);
            const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + q));
            const __m128i v9 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + q + kSecond));
            const __m128i hit = _mm_or_si128(
                _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(v0, cs), _mm_cmpeq_epi8(v9, cy)),
                             _mm_and_si128(_mm_cmpeq_epi8(v0, cd), _mm_cmpeq_epi8(v9, cg))),
                _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(v0, ch), _mm_cmpeq_epi8(v9, cv)),
                             _mm_and_si128(_mm_cmpeq_epi8(v0, cr), _mm_cmpeq_epi8(v9, ca))));
            const __m128i eol = _mm_cmpeq_epi8(v0, nl);
            const auto mask = static_cast<std::uint32_t>(_mm_movemask_epi8(hit));
            if (mask != 0) {
                block.candidates = mask;
                block.newlines = static_cast<std::uint32_t>(_mm_movemask_epi8(eol));
                break;
            }
            acc = _mm_sub_epi8(acc, eol);
            q += 16;
        }
        const __m128i sums = _mm_sad_epu8(acc, zero);
        lines += static_cast<std::uint64_t>(_mm_cvtsi128_si32(sums)) +
                 static_cast<std::uint64_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
    }
    q_io = q;
    lines_io += lines;
    return block;
}
#endif

#if defined(SLEEPARCH_APPLE_AVX2)
// The two tables, by the first byte's low nibble: the first byte a needle
// starts with there, and its tenth byte (0 elsewhere: no text byte matches
// 0 at the first position and a 0 tenth byte breaks no record).
alignas(16) constexpr char kFirstByNibble[16] = {0, 0, 'R', 'S', 'D', 0, 0, 0, 'H', 0, 0, 0, 0, 0, 0, 0};
alignas(16) constexpr char kTenthByNibble[16] = {0, 0, 'a', 'y', 'g', 0, 0, 0, 'V', 0, 0, 0, 0, 0, 0, 0};

__attribute__((target("avx2,popcnt"))) Block next_block_avx2(const char* b, std::size_t& q_io,
                                                             std::size_t q_end,
                                                             std::uint64_t& lines_io) {
    const __m256i first = _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(kFirstByNibble)));
    const __m256i tenth = _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(kTenthByNibble)));
    const __m256i nl = _mm256_set1_epi8('\n');
    std::size_t q = q_io;
    std::uint64_t lines = 0;
    Block block;
    while (q + 32 <= q_end) {
        _mm_prefetch(ahead(b + q), _MM_HINT_T0);
        const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q));
        const __m256i v9 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q + kSecond));
        // pshufb: bytes with the high bit set look up 0, which v0 is not.
        const __m256i hit = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(first, v0), v0),
                                             _mm256_cmpeq_epi8(_mm256_shuffle_epi8(tenth, v0), v9));
        const auto eol = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, nl)));
        const auto mask = static_cast<std::uint32_t>(_mm256_movemask_epi8(hit));
        if (mask != 0) {
            block.candidates = mask;
            block.newlines = eol;
            break;
        }
        lines += static_cast<std::uint64_t>(_mm_popcnt_u32(eol));
        q += 32;
    }
    q_io = q;
    lines_io += lines;
    return block;
}

const bool kHaveAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");

// 64 anchors a step while none is a candidate (the same tests, in mask
// registers); a step with candidates is handed on as the 32-anchor block
// holding the first of them, the block next_block_avx2 would give there.
// Stops when fewer than 64 anchors are left; next_block_avx2 goes on from q.
// GCC 12's AVX-512 headers start _mm512_broadcast_i32x4 from an undefined
// vector, which it reports as uninitialised once inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
__attribute__((target("avx512f,avx512bw,popcnt"))) Block next_block_avx512(const char* b, std::size_t& q_io,
                                                                            std::size_t q_end,
                                                                            std::uint64_t& lines_io) {
    const __m512i first = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kFirstByNibble)));
    const __m512i tenth = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kTenthByNibble)));
    const __m512i nl = _mm512_set1_epi8('\n');
    std::size_t q = q_io;
    std::uint64_t lines = 0;
    Block block;
    while (q + 64 <= q_end) {
        _mm_prefetch(ahead(b + q), _MM_HINT_T0);
        const __m512i v0 = _mm512_loadu_si512(b + q);
        const __m512i v9 = _mm512_loadu_si512(b + q + kSecond);
        const __mmask64 hit = _mm512_mask_cmpeq_epi8_mask(_mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(first, v0), v0),
                                                          _mm512_shuffle_epi8(tenth, v0), v9);
        const __mmask64 eol = _mm512_cmpeq_epi8_mask(v0, nl);
        if (hit != 0) {
            if (static_cast<std::uint32_t>(hit) != 0) {
                block.candidates = static_cast<std::uint32_t>(hit);
                block.newlines = static_cast<std::uint32_t>(eol);
            } else {
                lines += static_cast<std::uint64_t>(_mm_popcnt_u32(static_cast<std::uint32_t>(eol)));
                q += 32;
                block.candidates = static_cast<std::uint32_t>(hit >> 32);
                block.newlines = static_cast<std::uint32_t>(eol >> 32);
            }
            break;
        }
        lines += static_cast<std::uint64_t>(_mm_popcnt_u64(eol));
        q += 64;
    }
    q_io = q;
    lines_io += lines;
    return block;
}

#pragma GCC diagnostic pop

bool scan_env_allows_avx512() {
    const char* v = std::getenv("SLEEPARCH_APPLE_SCAN");
    return !(v && std::string_view(v) == "avx2");
}
const bool kHaveAvx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("popcnt") && scan_env_allows_avx512();
#endif

// Searches anchors [q, q_end), where q_end is one past the last anchor whose
// sleep needle ends by `to` (the longer needle is bounds-checked by
// matches_at). Returns the needle start of the first verified candidate, or
// SIZE_MAX. q is left at the verified anchor, or at q_end, and the newlines
// of the bytes at the anchors passed, [q as given, q as left), are added to
// `lines`.
std::size_t search(const char* b, std::size_t& q, std::size_t q_end, std::size_t to, Kind& kind,
                   std::uint64_t& lines) {
#if defined(SLEEPARCH_APPLE_AVX2)
    if (kHaveAvx512) {
        for (;;) {
            const Block block = next_block_avx512(b, q, q_end, lines);
            if (block.candidates == 0) break;
            const std::size_t s = verify_block(b, q, block, 32, to, kind, lines);
            if (s != SIZE_MAX) return s;
        }
    }
    if (kHaveAvx2) {
        for (;;) {
            const Block block = next_block_avx2(b, q, q_end, lines);
            if (block.candidates == 0) break;
            const std::size_t s = verify_block(b, q, block, 32, to, kind, lines);
            if (s != SIZE_MAX) return s;
        }
    }
#endif
#if defined(SLEEPARCH_APPLE_SSE2_SCAN)
    for (;;) {
        const Block block = next_block_sse2(b, q, q_end, lines);
        if (block.candidates == 0) break;
        const std::size_t s = verify_block(b, q, block, 16, to, kind, lines);
        if (s != SIZE_MAX) return s;
    }
#endif
    for (; q < q_end; ++q) {
        if (check_anchor(b, q, to, kind)) return q - kAnchor;
        lines += b[q] == '\n';
    }
    return SIZE_MAX;
}

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The start tag of the element opened at `lt`, scanned attribute by
// attribute so that a '>' inside a quoted value cannot end it early.
struct StartTag {
    enum Status { Ok, Incomplete, Malformed } status = Malformed;
    bool is_record = false;
    std::size_t type_value = 0;  // position of the quote opening the type value, 0 if none
    std::size_t gt = 0;          // position of the closing '>'
    bool self_closing = false;
};

StartTag scan_start_tag(const char* b, std::size_t lt, std::size_t to) {
    StartTag tag;
    constexpr std::string_view kOpen = "<Record";
    if (lt + kOpen.size() + 1 > to) {
        tag.status = StartTag::Incomplete;
        return tag;
    }
    if (std::memcmp(b + lt, kOpen.data(), kOpen.size()) != 0 || !is_xml_space(b[lt + kOpen.size()]))
        return tag;
    tag.is_record = true;
    std::size_t i = lt + kOpen.size();
    while (true) {
        while (i < to && is_xml_space(b[i])) ++i;
        if (i >= to) {
            tag.status = StartTag::Incomplete;
            return tag;
        }
        if (b[i] == '>') {
            tag.gt = i;
            tag.status = StartTag::Ok;
            return tag;
        }
        if (b[i] == '/') {
            if (i + 1 >= to) {
                tag.status = StartTag::Incomplete;
                return tag;
            }
            if (b[i + 1] != '>') return tag;
            tag.gt = i + 1;
            tag.self_closing = true;
            tag.status = StartTag::Ok;
            return tag;
        }
        const std::size_t name_start = i;
        while (i < to && !is_xml_space(b[i]) && b[i] != '=' && b[i] != '>' && b[i] != '<') ++i;
        const std::size_t name_end = i;
        while (i < to && is_xml_space(b[i])) ++i;
        if (i >= to) {
            tag.status = StartTag::Incomplete;
            return tag;
        }
        if (b[i] != '=' || name_end == name_start) return tag;
        ++i;
        while (i < to && is_xml_space(b[i])) ++i;
        if (i >= to) {
            tag.status = StartTag::Incomplete;
            return tag;
        }
        const char quote = b[i];
        if (quote != '"' && quote != '\'') return tag;
        const void* close = std::memchr(b + i + 1, quote, to - i - 1);
        if (close == nullptr) {
            tag.status = StartTag::Incomplete;
            return tag;
        }
        if (std::string_view(b + name_start, name_end - name_start) == "type") tag.type_value = i;
        i = static_cast<std::size_t>(static_cast<const char*>(close) - b) + 1;
    }
}

// Attributes of one kept element, decoded by expat.
struct Fields {
    int depth = 0;
    std::string type, source_name, source_version, device, unit, creation, start, end, value, tz;

    void clear() {
        depth = 0;
        for (std::string* s : {&type, &source_name, &source_version, &device, &unit, &creation,
                               &start, &end, &value, &tz})
            s->clear();
    }
};

void XMLCALL on_start(void* user, const XML_Char* name, const XML_Char** atts) {
    auto& f = *static_cast<Fields*>(user);
    ++f.depth;
    if (f.depth == 1) {
        for (const XML_Char** a = atts; a[0] != nullptr && a[1] != nullptr; a += 2) {
            const std::string_view key = a[0];
            std::string* slot = key == "type"            ? &f.type
                                : key == "sourceName"    ? &f.source_name
                                : key == "sourceVersion" ? &f.source_version
                                : key == "device"        ? &f.device
                                : key == "unit"          ? &f.unit
                                : key == "creationDate"  ? &f.creation
                                : key == "startDate"     ? &f.start
                                : key == "endDate"       ? &f.end
                                : key == "value"         ? &f.value
                                                         : nullptr;
            if (slot != nullptr) *slot = a[1];
        }
    } else if (f.depth == 2 && std::string_view(name) == "MetadataEntry") {
        std::string_view key, value;
        for (const XML_Char** a = atts; a[0] != nullptr && a[1] != nullptr; a += 2) {
            if (std::string_view(a[0]) == "key") key = a[1];
            if (std::string_view(a[0]) == "value") value = a[1];
        }
        if (key == "HKTimeZone") f.tz = value;
    }
}

void XMLCALL on_end(void* user, const XML_Char*) { --static_cast<Fields*>(user)->depth; }

bool plain_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}
bool plain_name_char(char c) {
    return plain_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// Appends code point c as UTF-8 if XML allows it as a character.
bool append_xml_char(std::uint32_t c, std::string& out) {
    const bool ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
                    (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
    if (!ok) return false;
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return true;
}

// Length of the well-formed UTF-8 sequence of an XML character at t[i]
// (a lead byte >= 0x80), or 0.
std::size_t utf8_xml_char(std::string_view t, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(t[k]); };
    const unsigned char c = b(i);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (i + len > t.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    // Overlong forms, surrogates, beyond U+10FFFF and the two non-characters XML excludes.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return 0;
    return len;
}

// One attribute value between its quotes, decoded as expat decodes it when
// nothing needs normalising: the five predefined entities, decimal and hex
// character references, well-formed UTF-8. False for what this does not take
// (a literal tab, newline or control character, '<', another entity).
bool plain_attribute_value(std::string_view v, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < v.size();) {
        const auto c = static_cast<unsigned char>(v[i]);
        if (c >= 0x80) {
            const std::size_t len = utf8_xml_char(v, i);
            if (len == 0) return false;
            out.append(v.substr(i, len));
            i += len;
            continue;
        }
        if (c < 0x20 || c == 0x7F || c == '<') return false;
        if (c != '&') {
            // The run of plain ASCII up to the next byte that needs a look.
            std::size_t j = i + 1;
            while (j < v.size()) {
                const auto d = static_cast<unsigned char>(v[j]);
                if (d < 0x20 || d >= 0x7F || d == '<' || d == '&') break;
                ++j;
            }
            out.append(v.substr(i, j - i));
            i = j;
            continue;
        }
        const std::size_t semi = v.find(';', i);
        if (semi == std::string_view::npos) return false;
        const std::string_view ref = v.substr(i + 1, semi - i - 1);
        i = semi + 1;
        if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "amp") out += '&';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (ref.size() >= 2 && ref[0] == '#') {
            const bool hex = ref[1] == 'x';
            const std::string_view digits = ref.substr(hex ? 2 : 1);
            if (digits.empty() || digits.size() > 8) return false;
            std::uint32_t cp = 0;
            const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
            if (ec != std::errc() || ptr != digits.data() + digits.size() || !append_xml_char(cp, out)) return false;
        } else {
            return false;
        }
    }
    return true;
}

// The attributes of the start tag whose name ends at t[i], as an export
// writes them: ASCII names of letters, digits and ._:-, values that
// plain_attribute_value takes, none twice. slot(name) says where a value
// goes (nullptr: checked, then dropped). Returns the position after the tag's
// '>' and sets self_closing, or npos for anything else.
template <class Slot>
std::size_t plain_attributes(std::string_view t, std::size_t i, bool& self_closing, Slot&& slot) {
    std::array<std::string_view, 24> names;
    std::size_t count = 0;
    std::string scratch;
    const std::size_t n = t.size();
    for (;;) {
        const std::size_t ws = i;
        while (i < n && is_xml_space(t[i])) ++i;
        if (i >= n) return std::string_view::npos;
        if (t[i] == '>' || (t[i] == '/' && i + 1 < n && t[i + 1] == '>')) {
            self_closing = t[i] == '/';
            return i + (self_closing ? 2 : 1);
        }
        // Attributes need whitespace before them.
        if (i == ws || !plain_name_start(t[i])) return std::string_view::npos;
        const std::size_t name_at = i;
        while (i < n && plain_name_char(t[i])) ++i;
        const std::string_view name = t.substr(name_at, i - name_at);
        while (i < n && is_xml_space(t[i])) ++i;
        if (i >= n || t[i] != '=') return std::string_view::npos;
        ++i;
        while (i < n && is_xml_space(t[i])) ++i;
        if (i >= n || (t[i] != '"' && t[i] != '\'')) return std::string_view::npos;
        const char quote = t[i++];
        const std::size_t value_at = i;
        while (i < n && t[i] != quote) ++i;
        if (i >= n) return std::string_view::npos;
        const std::string_view raw = t.substr(value_at, i - value_at);
        ++i;
        for (std::size_t k = 0; k < count; ++k)
            if (names[k] == name) return std::string_view::npos;
        if (count == names.size()) return std::string_view::npos;
        names[count++] = name;
        std::string* into = slot(name);
        if (!plain_attribute_value(raw, into != nullptr ? *into : scratch)) return std::string_view::npos;
    }
}

// A kept element as an export writes it: <Record ...> with nothing inside
// but whitespace and self-closed <MetadataEntry key=... value=.../> children,
// then </Record>; or <Record .../>. Fills `f` as expat's handlers would and
// returns true; returns false for anything else, which expat then parses,
// errors and all. Nearly every kept element is of this form, so parsing them
// here spares expat's per-document reset and setup, the import's slowest
// step per record.
bool plain_element(std::string_view t, Fields& f) {
    constexpr std::string_view kOpen = "<Record";
    if (t.substr(0, kOpen.size()) != kOpen) return false;
    bool self_closing = false;
    std::size_t i = plain_attributes(t, kOpen.size(), self_closing, [&](std::string_view name) -> std::string* {
        return name == "type"            ? &f.type
               : name == "sourceName"    ? &f.source_name
               : name == "sourceVersion" ? &f.source_version
               : name == "device"        ? &f.device
               : name == "unit"          ? &f.unit
               : name == "creationDate"  ? &f.creation
               : name == "startDate"     ? &f.start
               : name == "endDate"       ? &f.end
               : name == "value"         ? &f.value
                                         : nullptr;
    });
    if (i == std::string_view::npos) return false;
    if (self_closing) return i == t.size();
    constexpr std::string_view kEntry = "<MetadataEntry", kClose = "</Record";
    std::string key, value;
    const std::size_t n = t.size();
    for (;;) {
        while (i < n && is_xml_space(t[i])) ++i;
        if (t.substr(i, kClose.size()) == kClose) {
            i += kClose.size();
            while (i < n && is_xml_space(t[i])) ++i;
            return i + 1 == n && t[i] == '>';
        }
        if (t.substr(i, kEntry.size()) != kEntry) return false;
        key.clear();
        value.clear();
        bool closed = false;
        i = plain_attributes(t, i + kEntry.size(), closed, [&](std::string_view name) -> std::string* {
            return name == "key" ? &key : name == "value" ? &value : nullptr;
        });
        if (i == std::string_view::npos || !closed) return false;
        if (key == "HKTimeZone") f.tz = value;
    }
}

struct ParserFree {
    void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

// One kept element on its way to expat, or a scanner warning kept in order
// with the elements around it.
struct Job {
    enum Type : std::uint8_t { Sleep, Magnesium, Hrv, RestingHr, Note } type = Note;
    std::uint64_t line = 0;
    std::size_t column_base = 0;  // bytes between the line start and the element's '<'
    std::string text;             // the element, or the warning
};

// Parses kept elements with expat and emits records, doses and warnings.
class ElementSink {
public:
    ElementSink(const std::string& name, const ImportOptions& options, ImportBatch& out)
        : name_(name), options_(options), out_(out), clock_(options, name, out), parser_(XML_ParserCreate("UTF-8")),
          vitals_(out, name) {
        if (!parser_) throw std::bad_alloc();
        // A salt set once spares expat a getrandom() call per element;
        // elements are at most 1 MiB, so hash flooding has nothing to work with.
        salt_ = static_cast<unsigned long>(
            reinterpret_cast<std::uintptr_t>(this) ^
            static_cast<std::uintptr_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
        file_ = out_.add_file(name_);
        // SLEEPARCH_APPLE_PLAIN_TAGS=0: every element through expat (tests compare the two).
        const char* plain = std::getenv("SLEEPARCH_APPLE_PLAIN_TAGS");
        plain_tags_ = !(plain && std::string_view(plain) == "0");
    }

    void process(const Job& job) {
        switch (job.type) {
            case Job::Note:
                warn(job.line, job.text);
                break;
            case Job::Sleep:
                if (parse_plain_or_expat(job)) emit_sleep(job.line);
                break;
            case Job::Magnesium:
                if (parse_plain_or_expat(job)) emit_magnesium(job.line);
                break;
            case Job::Hrv:
                if (parse_plain_or_expat(job)) emit_vital(VitalKind::HrvSdnn, job.line);
                break;
            case Job::RestingHr:
                if (parse_plain_or_expat(job)) emit_vital(VitalKind::RestingHr, job.line);
                break;
        }
    }
    // After the last job: the one warning for skipped HRV/heart-rate values.
    void finish() { vitals_.finish(); }

private:
    void warn(std::uint64_t line, std::string message) {
        out_.warnings.push_back(Warning{name_, static_cast<std::uint32_t>(std::min<std::uint64_t>(line, UINT32_MAX)),
                                        std::move(message)});
    }
    bool parse_element(const Job& job);
    // plain_element, else expat.
    bool parse_plain_or_expat(const Job& job) {
        fields_.clear();
        if (plain_tags_ && plain_element(job.text, fields_)) return true;
        return parse_element(job);
    }
    void emit_sleep(std::uint64_t line);
    void emit_magnesium(std::uint64_t line);
    void emit_vital(VitalKind kind, std::uint64_t line);
    bool parse_time(const std::string& text, std::string_view attribute, std::uint64_t line,
                    ParsedTime& out);
    int source_index();

    const std::string& name_;
    const ImportOptions& options_;
    ImportBatch& out_;
    ClockResolver clock_;
    std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserFree> parser_;
    unsigned long salt_ = 0;
    bool plain_tags_ = true;
    Fields fields_;
    std::uint32_t file_ = 0;
    std::map<std::tuple<std::string, std::string, std::string>, int> sources_;
    std::unordered_set<std::string> dose_keys_;
    VitalScreen vitals_;
};

int ElementSink::source_index() {
    auto key = std::make_tuple(fields_.source_name, fields_.device, fields_.source_version);
    auto it = sources_.find(key);
    if (it != sources_.end()) return it->second;
    Source s;
    s.format = "apple_health";
    s.name = fields_.source_name;
    s.device = fields_.device;
    s.version = fields_.source_version;
    const int index = out_.add_source(s);
    sources_.emplace(std::move(key), index);
    return index;
}

bool ElementSink::parse_time(const std::string& text, std::string_view attribute,
                             std::uint64_t line, ParsedTime& out) {
    const std::string field = "Record " + std::string(attribute) + " \"" + text + "\"";
    if (text.empty()) {
        warn(line, "Record " + std::string(attribute) + ": missing; record skipped");
        return false;
    }
    out = parse_iso_datetime(text);
    if (!out.ok) {
        warn(line, field + ": " + out.error + "; record skipped");
        return false;
    }
    if (!out.has_offset) {
        // Apple writes offsets; a record without one is placed by its
        // HKTimeZone metadata, else --tz, else read as UTC with the warning.
        out.offset_min = clock_.offset_at_local(out.local, clock_.named_zone(fields_.tz),
                                                static_cast<std::uint32_t>(std::min<std::uint64_t>(line, UINT32_MAX)));
        out.has_offset = true;
    }
    return true;
}

void ElementSink::emit_sleep(std::uint64_t line) {
    std::string_view value = fields_.value;
    Record r;
    if (value.substr(0, kSleepValuePrefix.size()) == kSleepValuePrefix) {
        const std::string_view v = value.substr(kSleepValuePrefix.size());
        if (v == "InBed") {
            r.kind = RecordKind::InBed;
        } else if (v == "AsleepUnspecified" || v == "Asleep") {
            r.stage = Stage::Asleep;
        } else if (v == "Awake") {
            r.stage = Stage::Wake;
        } else if (v == "AsleepCore") {
            r.stage = Stage::Light;
        } else if (v == "AsleepDeep") {
            r.stage = Stage::Deep;
        } else if (v == "AsleepREM") {
            r.stage = Stage::REM;
        } else {
            value = {};
        }
    } else {
        value = {};
    }
    if (value.empty()) {
        warn(line, "Record value \"" + fields_.value +
                       "\": unknown sleep analysis value (expected InBed, AsleepUnspecified, "
                       "Asleep, Awake, AsleepCore, AsleepDeep or AsleepREM); record skipped");
        return;
    }
    ParsedTime start, end;
    if (!parse_time(fields_.start, "startDate", line, start) ||
        !parse_time(fields_.end, "endDate", line, end))
        return;
    r.start = start.utc();
    r.end = end.utc();
    if (r.end <= r.start) {
        warn(line, "Record endDate \"" + fields_.end + "\": not after startDate \"" + fields_.start +
                       "\"; record skipped");
        return;
    }
    if (!fields_.creation.empty()) {
        const ParsedTime created = parse_iso_datetime(fields_.creation);
        if (created.ok && created.has_offset) {
            r.created = created.utc();
        } else {
            warn(line, "Record creationDate \"" + fields_.creation + "\": " +
                           (created.ok ? std::string("no UTC offset") : created.error) +
                           "; creation time ignored");
        }
    }
    r.utc_offset_min = start.offset_min;
    r.source = source_index();
    r.file = file_;
    r.line = static_cast<std::uint32_t>(std::min<std::uint64_t>(line, UINT32_MAX));
    r.tz_name = fields_.tz;
    out_.records.push_back(std::move(r));
}

void ElementSink::emit_magnesium(std::uint64_t line) {
    double amount = 0;
    const char* first = fields_.value.data();
    const char* last = first + fields_.value.size();
    const auto [ptr, ec] = std::from_chars(first, last, amount);
    if (fields_.value.empty() || ec != std::errc() || ptr != last || !std::isfinite(amount) ||
        amount < 0) {
        warn(line, "Record value \"" + fields_.value +
                       "\": not a non-negative number of magnesium; record skipped");
        return;
    }
    double mg = amount;
    if (fields_.unit == "g") {
        mg = amount * 1000.0;
    } else if (fields_.unit == "mcg" || fields_.unit == "\xC2\xB5g" || fields_.unit == "ug") {
        mg = amount / 1000.0;
    } else if (fields_.unit != "mg") {
        warn(line, "Record unit \"" + fields_.unit + "\": expected mg, g or mcg; record skipped");
        return;
    }
    ParsedTime start;
    if (!parse_time(fields_.start, "startDate", line, start)) return;
    // Apple's DTD: "Any Records that appear as children of a correlation also
    // appear as top-level records" (food correlations hold nutrient records);
    // the same sample is counted once.
    std::string key = fields_.source_name + '\x1f' + fields_.creation + '\x1f' + fields_.start +
                      '\x1f' + fields_.end + '\x1f' + fields_.value + '\x1f' + fields_.unit;
    if (!dose_keys_.insert(std::move(key)).second) return;
    Dose d;
    d.time = start.utc();
    d.utc_offset_min = start.offset_min;
    d.mg_elemental = mg;
    d.kind = IntakeKind::Dietary;
    d.source = fields_.source_name;
    d.line = static_cast<std::uint32_t>(std::min<std::uint64_t>(line, UINT32_MAX));
    out_.doses.push_back(std::move(d));
}

// METRICS.md §8: SDNN samples (ms) count for the night whose window holds
// their start; resting heart rate (count/min, one a day) for the night
// labelled with its local start date.
void ElementSink::emit_vital(VitalKind kind, std::uint64_t line) {
    const auto at = static_cast<std::uint32_t>(std::min<std::uint64_t>(line, UINT32_MAX));
    double amount = 0;
    const char* first = fields_.value.data();
    const char* last = first + fields_.value.size();
    const auto [ptr, ec] = std::from_chars(first, last, amount);
    if (fields_.value.empty() || ec != std::errc() || ptr != last) {
        warn(line, "Record value \"" + fields_.value + "\": not a number; record skipped");
        return;
    }
    const bool hrv = kind == VitalKind::HrvSdnn;
    if (fields_.unit != (hrv ? "ms" : "count/min")) {
        vitals_.wrong_unit(kind, fields_.unit, at);
        return;
    }
    ParsedTime start;
    if (!parse_time(fields_.start, "startDate", line, start)) return;
    VitalReading r;
    r.kind = kind;
    r.value = amount;
    r.start = r.end = start.utc();
    if (hrv) {
        r.basis = VitalBasis::Sample;
        r.origin = "Apple HKQuantityTypeIdentifierHeartRateVariabilitySDNN samples";
    } else {
        r.basis = VitalBasis::Daily;
        r.date = local_date(start.utc(), start.offset_min);
        r.origin = "Apple HKQuantityTypeIdentifierRestingHeartRate";
    }
    r.source = source_index();
    r.line = at;
    vitals_.add(std::move(r));
}

bool ElementSink::parse_element(const Job& job) {
    XML_Parser p = parser_.get();
    XML_ParserReset(p, "UTF-8");
    XML_SetHashSalt(p, salt_);
    fields_.clear();
    XML_SetUserData(p, &fields_);
    XML_SetElementHandler(p, on_start, on_end);
    if (XML_Parse(p, job.text.data(), static_cast<int>(job.text.size()), 1) == XML_STATUS_ERROR) {
        const XML_Size error_line = XML_GetCurrentLineNumber(p);
        XML_Size column = XML_GetCurrentColumnNumber(p) + 1;
        // Expat counts columns from the '<' on the element's first line.
        if (error_line <= 1) column += job.column_base;
        warn(job.line + (error_line > 0 ? error_line - 1 : 0),
             std::string("Record: ") + XML_ErrorString(XML_GetErrorCode(p)) + " (column " +
                 std::to_string(column) + "); record skipped");
        return false;
    }
    return true;
}

// Hands jobs to the sink: inline for small inputs, through a second thread
// for large ones, so that expat's work overlaps reading and scanning. Jobs
// go in batches through a bounded queue, and the sink sees them in order,
// so the output is the same either way.
class Pipeline {
public:
    Pipeline(ElementSink& sink, bool threaded) : sink_(sink) {
        if (threaded) worker_ = std::thread([this] { work(); });
    }
    ~Pipeline() { stop(); }
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    void submit(Job&& job) {
        if (!worker_.joinable()) {
            sink_.process(job);
            return;
        }
        batch_.push_back(std::move(job));
        if (batch_.size() >= kBatch) flush();
    }

    // Waits for every job; rethrows what the worker threw.
    void finish() {
        if (worker_.joinable()) {
            flush();
            stop();
        }
        if (error_) std::rethrow_exception(error_);
    }

private:
    static constexpr std::size_t kBatch = 256;
    static constexpr std::size_t kMaxQueued = 8;

    void flush() {
        if (batch_.empty()) return;
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] { return queue_.size() < kMaxQueued || failed_; });
        if (!failed_) queue_.push_back(std::move(batch_));
        batch_.clear();
        ready_.notify_one();
    }

    void stop() {
        if (!worker_.joinable()) return;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            closed_ = true;
        }
        ready_.notify_one();
        worker_.join();
    }

    void work() {
        try {
            for (;;) {
                std::vector<Job> jobs;
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
                    if (queue_.empty()) return;
                    jobs = std::move(queue_.front());
                    queue_.pop_front();
                }
                space_.notify_one();
                for (const Job& job : jobs) sink_.process(job);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            error_ = std::current_exception();
            failed_ = true;
            queue_.clear();
            space_.notify_one();
        }
    }

    ElementSink& sink_;
    std::thread worker_;
    std::vector<Job> batch_;
    std::mutex mutex_;
    std::condition_variable ready_, space_;
    std::deque<std::vector<Job>> queue_;
    bool closed_ = false, failed_ = false;
    std::exception_ptr error_;
};

// Inputs at least this large are parsed on a second thread.
constexpr std::uint64_t kThreadedFrom = std::uint64_t{16} << 20;

// State of one read(): the window over the input and the line count.
class Reader {
public:
    Reader(ByteSource& source, const std::string& display_name, const ImportOptions& options,
           ImportBatch& out)
        : source_(source),
          name_(display_name),
          options_(options),
          view_(source.view()),
          sink_(display_name, options, out),
          pipeline_(sink_, source.size() >= kThreadedFrom) {
        total_ = source_.size();
        if (view_.empty()) {
            buffer_ = allocate_aligned(kCarry + kChunk);
            base_ = buffer_.get();
        } else {
            // A mapped file is scanned in place, window by window.
            base_ = view_.data();
            begin_ = end_ = 0;
        }
    }

    void run();

private:
    // Moves [keep, end_) below kCarry and reads the next chunk behind it.
    void refill(std::size_t keep);
    // Line of the byte at pos, counting on (or back) from the last position
    // counted; pos and that position are both in the window.
    std::uint64_t line_at(std::size_t pos);
    // Next needle start at or after pos whose needle lies wholly before end_,
    // or end_; the line count follows the search.
    std::size_t find(std::size_t pos, Kind& kind);
    void note(std::uint64_t line, std::string message) {
        Job job;
        job.type = Job::Note;
        job.line = line;
        job.text = std::move(message);
        pipeline_.submit(std::move(job));
    }
    // Handles the element whose needle starts at `s`; returns where the
    // search resumes, or npos when the element continues past the window.
    std::size_t handle(std::size_t s, Kind kind);
    void check_root();
    void check_end();

    ByteSource& source_;
    const std::string& name_;
    const ImportOptions& options_;
    std::string_view view_;  // the mapped file, or empty: read into buffer_
    std::unique_ptr<char, AlignedFree> buffer_;
    const char* base_ = nullptr;  // buffer_ or view_
    std::size_t released_ = 0;    // view_ bytes whose pages were given back
    ElementSink sink_;
    Pipeline pipeline_;

    std::size_t begin_ = kCarry, end_ = kCarry;  // valid bytes of buffer_
    std::uint64_t begin_offset_ = 0;             // input offset of buffer_[begin_]
    bool eof_ = false;
    std::uint64_t total_ = 0, done_ = 0, last_progress_ = 0;
    std::uint64_t counted_offset_ = 0, counted_line_ = 1;  // line at counted_offset_
};

void Reader::refill(std::size_t keep) {
    if (!view_.empty()) {
        begin_offset_ += keep - begin_;
        begin_ = keep;
        const std::size_t n = std::min(kChunk, view_.size() - end_);
#if defined(MADV_POPULATE_READ)
        // Maps the chunk's pages in one call rather than one fault per 16
        // pages (Linux 5.14+; older kernels say EINVAL and the faults do it).
        // EFAULT means reading the chunk would raise SIGBUS: the file shrank
        // since it was mapped (or the disk failed); an error here instead. A
        // file cut below the chunk being scanned still raises SIGBUS in the
        // scan; only a signal handler could turn that into an error.
        if (n > 0 && ::madvise(const_cast<char*>(base_) + end_ / kPage * kPage,
                               end_ + n - end_ / kPage * kPage, MADV_POPULATE_READ) != 0 &&
            errno == EFAULT)
            throw IoError(name_, "the file shrank or could not be read while it was being imported");
#endif
        end_ += n;
        done_ += n;
        eof_ = end_ == view_.size();
        // Pages scanned past are given back (they stay in the page cache),
        // so resident memory stays small whatever the file size.
        const std::size_t drop = keep / kPage * kPage;
        if (drop >= released_ + kReleaseEvery) {
            ::madvise(const_cast<char*>(base_) + released_, drop - released_, MADV_DONTNEED);
            released_ = drop;
        }
        if (options_.progress && (eof_ || done_ - last_progress_ >= kProgressEvery)) {
            last_progress_ = done_;
            options_.progress(done_, std::max(total_, done_));
        }
        return;
    }
    char* b = buffer_.get();
    const std::size_t kept = end_ - keep;
    // Callers keep at most one element plus the start-tag look-back.
    const std::size_t new_begin = kCarry - kept;
    if (kept > 0 && keep != new_begin) std::memmove(b + new_begin, b + keep, kept);
    begin_offset_ += keep - begin_;
    begin_ = new_begin;
    end_ = kCarry;
    while (end_ < kCarry + kChunk) {
        const std::size_t n = source_.read(b + end_, kCarry + kChunk - end_);
        if (n == 0) {
            eof_ = true;
            break;
        }
        end_ += n;
        done_ += n;
    }
    if (options_.progress && (eof_ || done_ - last_progress_ >= kProgressEvery)) {
        last_progress_ = done_;
        options_.progress(done_, std::max(total_, done_));
    }
}

std::uint64_t Reader::line_at(std::size_t pos) {
    const std::size_t counted = begin_ + static_cast<std::size_t>(counted_offset_ - begin_offset_);
    if (pos > counted) {
        counted_line_ += count_newlines(base_ + counted, pos - counted);
    } else if (pos < counted) {
        // Back from where the search stopped to the '<' of the element found.
        counted_line_ -= count_newlines(base_ + pos, counted - pos);
    }
    counted_offset_ = begin_offset_ + (pos - begin_);
    return counted_line_;
}

std::size_t Reader::find(std::size_t pos, Kind& kind) {
    if (end_ - pos < kSleepNeedle.size()) return end_;
    std::size_t q = pos + kAnchor;
    const std::size_t q_end = end_ - kSleepNeedle.size() + kAnchor + 1;
    line_at(q);
    std::uint64_t lines = 0;
    const std::size_t s = search(base_, q, q_end, end_, kind, lines);
    counted_line_ += lines;
    counted_offset_ = begin_offset_ + (q - begin_);
    return s == SIZE_MAX ? end_ : s;
}

void Reader::check_root() {
    const std::string_view window(base_ + begin_, end_ - begin_);
    if (window.find("<HealthData") != std::string_view::npos) return;
    if (window.empty()) throw ParseError(name_, 0, "HealthData", "empty file");
    throw ParseError(name_, 0, "HealthData",
                     "no <HealthData> root element in the first " +
                         std::to_string((end_ - begin_) >> 10) +
                         " KiB: not an Apple Health export.xml");
}

void Reader::check_end() {
    const char* b = base_;
    std::size_t e = end_;
    while (e > begin_ && is_xml_space(b[e - 1])) --e;
    constexpr std::string_view kClose = "</HealthData>";
    if (e - begin_ >= kClose.size() && std::memcmp(b + e - kClose.size(), kClose.data(), kClose.size()) == 0)
        return;
    throw ParseError(name_, line_at(end_), "HealthData",
                     "file ends before </HealthData> (truncated export? download or unzip it again)");
}

std::size_t Reader::handle(std::size_t s, Kind kind) {
    const char* b = base_;
    const std::size_t floor = s - begin_ > kMaxStartTag ? s - kMaxStartTag : begin_;
    const void* lt_ptr = memrchr(b + floor, '<', s - floor);
    if (lt_ptr == nullptr) return s + 1;
    const std::size_t lt = static_cast<std::size_t>(static_cast<const char*>(lt_ptr) - b);
    const std::size_t limit = std::min(end_, lt + kMaxElement);
    const StartTag tag = scan_start_tag(b, lt, limit);
    if (tag.status == StartTag::Incomplete) {
        if (limit == end_ && !eof_) return std::string::npos;
        if (eof_ && limit == end_)
            throw ParseError(name_, line_at(lt), "Record",
                             "element cut off at the end of the file (truncated export? download "
                             "or unzip it again)");
        note(line_at(lt), "Record: start tag longer than 1 MiB; record skipped");
        return s + 1;
    }
    // The type value must open this <Record>'s own type attribute.
    if (!tag.is_record || tag.status != StartTag::Ok || tag.type_value != s) return s + 1;
    std::size_t end = tag.gt + 1;
    // HRV and resting heart rate are read from the start tag alone. The
    // search goes on right behind it, through an SDNN record's beat list
    // (elements without a type attribute, so no needle), in the one pass that
    // also counts lines: looking for its </Record> first (memmem, about a
    // byte a cycle over some 4 KB) cost more than the rest of the record.
    const bool start_tag_only = kind == Kind::Hrv || kind == Kind::RestingHr;
    if (!tag.self_closing && !start_tag_only) {
        constexpr std::string_view kClose = "</Record";
        std::size_t from = tag.gt + 1;
        bool found = false;
        while (from < limit) {
            const void* hit = memmem(b + from, limit - from, kClose.data(), kClose.size());
            if (hit == nullptr) break;
            std::size_t i = static_cast<std::size_t>(static_cast<const char*>(hit) - b) + kClose.size();
            while (i < limit && is_xml_space(b[i])) ++i;
            if (i < limit && b[i] == '>') {
                end = i + 1;
                found = true;
                break;
            }
            if (i >= limit) break;
            from = i;
        }
        if (!found) {
            if (limit == end_ && !eof_) return std::string::npos;
            if (eof_ && limit == end_)
                throw ParseError(name_, line_at(lt), "Record",
                                 "element cut off at the end of the file (truncated export? "
                                 "download or unzip it again)");
            note(line_at(lt), "Record: no </Record> within 1 MiB; record skipped");
            return tag.gt + 1;
        }
    }
    Job job;
    job.type = kind == Kind::Sleep       ? Job::Sleep
               : kind == Kind::Magnesium ? Job::Magnesium
               : kind == Kind::Hrv       ? Job::Hrv
                                         : Job::RestingHr;
    job.line = line_at(lt);
    // Columns in expat's messages count from the '<'; the line start is
    // looked for only so far back, so one-line files stay linear.
    const std::size_t back = lt - begin_ > kMaxStartTag ? lt - kMaxStartTag : begin_;
    const void* nl = memrchr(b + back, '\n', lt - back);
    job.column_base = nl ? lt - (static_cast<std::size_t>(static_cast<const char*>(nl) - b) + 1) : 0;
    if (start_tag_only) {
        // Only the start tag, closed: an SDNN record's children are its beat
        // list (tens of elements nothing here reads), so expat never sees
        // them and HRV costs the import little more than its search.
        job.text.assign(b + lt, tag.gt - lt);
        job.text += tag.self_closing ? ">" : "/>";
    } else {
        job.text.assign(b + lt, end - lt);
    }
    pipeline_.submit(std::move(job));
    // A damaged element is skipped by expat as a whole; a <Record> nested in
    // it is not searched for (records never nest in an export).
    return end;
}

void Reader::run() {
    refill(end_);
    check_root();
    std::size_t pos = begin_;
    while (true) {
        std::size_t pending = std::string::npos;
        while (pos < end_) {
            Kind kind = Kind::Sleep;
            const std::size_t s = find(pos, kind);
            if (s >= end_) {
                // Needles that may straddle the window's end are searched again.
                pos = eof_ ? end_ : std::max(pos, end_ - std::min(end_ - begin_, kLongestNeedle - 1));
                break;
            }
            const std::size_t next = handle(s, kind);
            if (next == std::string::npos) {
                pending = s;
                break;
            }
            pos = next;
        }
        if (eof_) break;
        // Keep the pending element (or the look-back a needle in the next
        // chunk may need); the line count must not fall behind what is dropped
        // (the search has normally counted past it already).
        std::size_t keep = pending != std::string::npos ? pending : pos;
        keep = keep - begin_ > kMaxStartTag ? keep - kMaxStartTag : begin_;
        if (pending != std::string::npos) pos = pending;
        if (begin_offset_ + (keep - begin_) > counted_offset_) line_at(keep);
        const std::uint64_t pos_offset = begin_offset_ + (pos - begin_);
        refill(keep);
        pos = begin_ + static_cast<std::size_t>(pos_offset - begin_offset_);
    }
    pipeline_.finish();
    sink_.finish();
    check_end();
    if (options_.progress && last_progress_ != done_) options_.progress(done_, std::max(total_, done_));
}

class AppleHealthImporter final : public Importer {
public:
    std::string_view id() const override { return "apple_health"; }
    std::string_view description() const override {
        return "Apple Health export (export.zip or export.xml): sleep analysis stages, in-bed "
               "records, dietary magnesium, HRV (SDNN) and resting heart rate";
    }
    std::string_view recognition() const override {
        return "XML whose root element is <HealthData> (any file name, also inside a zip)";
    }
    bool recognises(std::string_view, std::string_view head) const override {
        std::size_t i = 0;
        if (head.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
        while (i < head.size() && is_xml_space(head[i])) ++i;
        if (i >= head.size() || head[i] != '<') return false;
        return head.find("<HealthData", i) != std::string_view::npos ||
               head.find("<!DOCTYPE HealthData", i) != std::string_view::npos;
    }
    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        Reader reader(source, display_name, options, out);
        reader.run();
    }
};

}  // namespace

const Importer& apple_health_importer() {
    static const AppleHealthImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
