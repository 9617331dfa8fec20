// Zip entry streams: the CRC-32 routine against zlib, deflated and stored
// entries read directly and through the prefetch thread, and damaged entries.
#include <gtest/gtest.h>
#include <zip.h>
#include <zlib.h>

#include <memory>
#include <random>
#include <string>

#include "../../importers/src/zip_source.hpp"
#include "sleeparch/error.hpp"
#include "support/test_support.hpp"

namespace sleeparch::importers {
namespace {

std::string random_text(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    // Text-like and compressible, as an export is.
    static const char alphabet[] = "<Record type=\"HK\" value=\"0123456789\"/>\n abcdefghij";
    for (char& c : s) c = alphabet[rng() % (sizeof alphabet - 1)];
    return s;
}

TEST(ZipSource, Crc32MatchesZlib) {
    EXPECT_EQ(crc32_update(0, "123456789", 9), 0xCBF43926u);
    const std::string data = random_text(100'000, 1);
    std::mt19937 rng(2);
    for (int k = 0; k < 300; ++k) {
        const std::size_t start = rng() % 1000;
        const std::size_t len = (k < 150 ? rng() % 300 : rng() % (data.size() - start));
        const auto* p = reinterpret_cast<const Bytef*>(data.data() + start);
        const std::uint32_t expected = static_cast<std::uint32_t>(crc32(0, p, static_cast<uInt>(len)));
        // In one call, and continued from a split point.
        EXPECT_EQ(crc32_update(0, p, len), expected) << start << "+" << len;
        const std::size_t cut = len ? rng() % len : 0;
        EXPECT_EQ(crc32_update(crc32_update(0, p, cut), p + cut, len - cut), expected) << start << "+" << len;
    }
}

struct ZipDiscard {
    void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;

// Writes a zip with one deflated and one stored entry.
std::filesystem::path write_zip(const testing::TempDir& dir, const std::string& deflated,
                                const std::string& stored) {
    const auto path = dir.path() / "test.zip";
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    EXPECT_NE(z, nullptr);
    zip_source_t* a = zip_source_buffer(z, deflated.data(), deflated.size(), 0);
    const zip_int64_t ia = zip_file_add(z, "deflated.xml", a, ZIP_FL_ENC_UTF_8);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(ia), ZIP_CM_DEFLATE, 6);
    zip_source_t* b = zip_source_buffer(z, stored.data(), stored.size(), 0);
    const zip_int64_t ib = zip_file_add(z, "stored.xml", b, ZIP_FL_ENC_UTF_8);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(ib), ZIP_CM_STORE, 0);
    EXPECT_EQ(zip_close(z), 0);
    return path;
}

ZipPtr open_zip(const std::filesystem::path& path) {
    int err = 0;
    ZipPtr z(zip_open(path.c_str(), ZIP_RDONLY, &err));
    EXPECT_TRUE(z) << err;
    return z;
}

std::string read_entry(zip_t* z, const char* name, bool prefetch, std::size_t piece) {
    const zip_int64_t index = zip_name_locate(z, name, 0);
    EXPECT_GE(index, 0);
    zip_stat_t st;
    zip_stat_index(z, static_cast<zip_uint64_t>(index), 0, &st);
    auto src = open_zip_entry(z, static_cast<zip_uint64_t>(index), name, st.size, prefetch);
    EXPECT_EQ(src->size(), st.size);
    std::string out;
    std::string buf(piece, '\0');
    for (;;) {
        const std::size_t k = src->read(buf.data(), buf.size());
        if (k == 0) break;
        out.append(buf.data(), k);
    }
    return out;
}

TEST(ZipSource, ReadsDeflatedAndStoredEntriesDirectlyAndPrefetched) {
    testing::TempDir dir;
    const std::string big = random_text(5'300'000, 3);
    const std::string small = random_text(70'001, 4);
    const auto path = write_zip(dir, big, small);
    const ZipPtr z = open_zip(path);
    for (bool prefetch : {false, true}) {
        for (std::size_t piece : {std::size_t{7}, std::size_t{65536}, std::size_t{3} << 20}) {
            if (piece == 7 && big.size() > 1'000'000 && !prefetch) continue;  // slow, adds nothing
            EXPECT_EQ(read_entry(z.get(), "deflated.xml", prefetch, piece), big) << prefetch << " " << piece;
            EXPECT_EQ(read_entry(z.get(), "stored.xml", prefetch, piece), small) << prefetch << " " << piece;
        }
    }
}

TEST(ZipSource, DamagedDeflatedEntryIsAParseError) {
    testing::TempDir dir;
    const std::string big = random_text(2'000'000, 5);
    const auto path = write_zip(dir, big, "x");
    std::string bytes = testing::read_file(path);
    // Flip bits in the middle of the deflated data (it starts after the
    // 30-byte local header and the entry name).
    const std::size_t at = 30 + 12 + (bytes.size() - 200) / 2;
    for (std::size_t i = 0; i < 64; ++i) bytes[at + i] = static_cast<char>(bytes[at + i] ^ 0x5a);
    const auto damaged_path = dir.write("damaged.zip", bytes);
    for (bool prefetch : {false, true}) {
        const ZipPtr z = open_zip(damaged_path);
        try {
            read_entry(z.get(), "deflated.xml", prefetch, 65536);
            FAIL() << "no error";
        } catch (const ParseError& e) {
            const std::string what = e.what();
            EXPECT_EQ(what.rfind("deflated.xml: zip entry is damaged or truncated: ", 0), 0u) << what;
            EXPECT_NE(what.find("; is the download complete?"), std::string::npos) << what;
        }
    }
}

TEST(ZipSource, CrcMismatchIsAParseError) {
    testing::TempDir dir;
    const std::string big = random_text(300'000, 6);
    const auto path = write_zip(dir, big, "x");
    std::string bytes = testing::read_file(path);
    // The central directory's CRC of the first entry (offset 16 of its header).
    const std::size_t central = bytes.find(std::string("PK\x01\x02", 4));
    ASSERT_NE(central, std::string::npos);
    bytes[central + 16] = static_cast<char>(bytes[central + 16] ^ 0x01);
    const auto bad = dir.write("bad_crc.zip", bytes);
    for (bool prefetch : {false, true}) {
        const ZipPtr z = open_zip(bad);
        try {
            read_entry(z.get(), "deflated.xml", prefetch, 65536);
            FAIL() << "no error";
        } catch (const ParseError& e) {
            EXPECT_STREQ(e.what(),
                         "deflated.xml: zip entry is damaged or truncated: CRC-32 mismatch; is the "
                         "download complete?");
        }
    }
}

}  // namespace
}  // namespace sleeparch::importers
