#include "zip_source.hpp"

#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SLEEPARCH_ZIP_CLMUL 1
#include <immintrin.h>
#endif

#include "sleeparch/error.hpp"

namespace sleeparch::importers {
namespace {

#if defined(SLEEPARCH_ZIP_CLMUL)
// CRC-32 by folding 64-byte blocks with carry-less multiplication, then a
// Barrett reduction (Gopal et al., "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ Instruction", Intel 2009; constants for the
// bit-reflected polynomial 0xEDB88320). `len` >= 64 and a multiple of 16;
// `crc` is the inverted running value.
__attribute__((target("pclmul,sse4.1"))) std::uint32_t crc32_clmul(const unsigned char* buf,
                                                                    std::size_t len,
                                                                    std::uint32_t crc) {
    alignas(16) static const std::uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};
    alignas(16) static const std::uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};
    alignas(16) static const std::uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};
    alignas(16) static const std::uint64_t poly[] = {0x01db710641, 0x01f7011641};
    auto load = [](const unsigned char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };

    __m128i x1 = load(buf), x2 = load(buf + 16), x3 = load(buf + 32), x4 = load(buf + 48);
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128(static_cast<int>(crc)));
    __m128i x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));
    buf += 64;
    len -= 64;
    while (len >= 64) {
        const __m128i x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        const __m128i x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
        const __m128i x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
        const __m128i x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
        x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
        x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), load(buf));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), load(buf + 16));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), load(buf + 32));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), load(buf + 48));
        buf += 64;
        len -= 64;
    }
    // Fold the four lanes into one.
    x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
    for (const __m128i next : {x2, x3, x4}) {
        const __m128i x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, next), x5);
    }
    while (len >= 16) {
        const __m128i x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, load(buf)), x5);
        buf += 16;
        len -= 16;
    }
    // 128 bits to 64.
    __m128i x2b = _mm_clmulepi64_si128(x1, x0, 0x10);
    const __m128i mask = _mm_setr_epi32(~0, 0, ~0, 0);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2b);
    x0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
    x2b = _mm_srli_si128(x1, 4);
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), x0, 0x00);
    x1 = _mm_xor_si128(x1, x2b);
    // Barrett reduction to 32 bits.
    x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
    x2b = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), x0, 0x10);
    x2b = _mm_clmulepi64_si128(_mm_and_si128(x2b, mask), x0, 0x00);
    x1 = _mm_xor_si128(x1, x2b);
    return static_cast<std::uint32_t>(_mm_extract_epi32(x1, 1));
}

const bool kHaveClmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif

[[noreturn]] void damaged(const std::string& display, const std::string& why) {
    throw ParseError(display, 0, "", "zip entry is damaged or truncated: " + why +
                                         "; is the download complete?");
}

// The uncompressed bytes of one entry, produced into the caller's buffer.
class Producer {
public:
    virtual ~Producer() = default;
    // Fills up to n bytes; 0 at the end (after the entry's checks passed).
    virtual std::size_t produce(char* out, std::size_t n) = 0;
};

// libzip's own reading: stored, encrypted and non-deflate entries.
class LibzipProducer final : public Producer {
public:
    LibzipProducer(zip_t* archive, zip_uint64_t index, std::string display)
        : display_(std::move(display)) {
        file_ = zip_fopen_index(archive, index, 0);
        if (!file_)
            throw ParseError(display_, 0, "", std::string("cannot open zip entry: ") + zip_strerror(archive));
    }
    ~LibzipProducer() override { zip_fclose(file_); }
    LibzipProducer(const LibzipProducer&) = delete;
    LibzipProducer& operator=(const LibzipProducer&) = delete;
    std::size_t produce(char* out, std::size_t n) override {
        const zip_int64_t got = zip_fread(file_, out, n);
        if (got < 0) damaged(display_, zip_error_strerror(zip_file_get_error(file_)));
        return static_cast<std::size_t>(got);
    }

private:
    std::string display_;
    zip_file_t* file_ = nullptr;
};

// Raw deflate data through libzip, inflated and checked here.
class InflateProducer final : public Producer {
public:
    InflateProducer(zip_t* archive, zip_uint64_t index, const zip_stat_t& st, std::string display)
        : display_(std::move(display)), input_(std::size_t{256} << 10) {
        if (st.valid & ZIP_STAT_CRC) expected_crc_ = st.crc;
        if (st.valid & ZIP_STAT_SIZE) expected_size_ = st.size;
        file_ = zip_fopen_index(archive, index, ZIP_FL_COMPRESSED);
        if (!file_)
            throw ParseError(display_, 0, "", std::string("cannot open zip entry: ") + zip_strerror(archive));
        if (inflateInit2(&z_, -MAX_WBITS) != Z_OK) {
            zip_fclose(file_);
            throw std::bad_alloc();
        }
    }
    ~InflateProducer() override {
        inflateEnd(&z_);
        zip_fclose(file_);
    }
    InflateProducer(const InflateProducer&) = delete;
    InflateProducer& operator=(const InflateProducer&) = delete;

    std::size_t produce(char* out, std::size_t n) override {
        if (finished_) return 0;
        n = std::min<std::size_t>(n, 1u << 30);
        z_.next_out = reinterpret_cast<Bytef*>(out);
        z_.avail_out = static_cast<uInt>(n);
        while (z_.avail_out > 0 && !stream_end_) {
            if (z_.avail_in == 0 && !input_end_) {
                const zip_int64_t got = zip_fread(file_, input_.data(), input_.size());
                if (got < 0) damaged(display_, zip_error_strerror(zip_file_get_error(file_)));
                if (got == 0) input_end_ = true;
                z_.next_in = input_.data();
                z_.avail_in = static_cast<uInt>(got);
            }
            const int ret = inflate(&z_, Z_NO_FLUSH);
            if (ret == Z_STREAM_END) {
                stream_end_ = true;
            } else if (ret == Z_BUF_ERROR) {
                if (input_end_) damaged(display_, "compressed data ends early");
            } else if (ret != Z_OK) {
                damaged(display_, z_.msg ? z_.msg : "inflate failed");
            }
        }
        const std::size_t produced = n - z_.avail_out;
        crc_ = crc32_update(crc_, out, produced);
        total_ += produced;
        if (produced == 0 && stream_end_) finish();
        return produced;
    }

private:
    void finish() {
        finished_ = true;
        if (expected_size_ && total_ != *expected_size_)
            damaged(display_, "inflated to " + std::to_string(total_) + " bytes, the directory says " +
                                  std::to_string(*expected_size_));
        if (expected_crc_ && crc_ != *expected_crc_) damaged(display_, "CRC-32 mismatch");
    }

    std::string display_;
    zip_file_t* file_ = nullptr;
    z_stream z_{};
    std::vector<unsigned char> input_;
    std::optional<std::uint32_t> expected_crc_;
    std::optional<std::uint64_t> expected_size_;
    std::uint32_t crc_ = 0;
    std::uint64_t total_ = 0;
    bool input_end_ = false, stream_end_ = false, finished_ = false;
};

class DirectSource final : public ByteSource {
public:
    DirectSource(std::unique_ptr<Producer> producer, std::uint64_t size)
        : producer_(std::move(producer)), size_(size) {}
    std::size_t read(char* buffer, std::size_t n) override { return producer_->produce(buffer, n); }
    std::uint64_t size() const override { return size_; }

private:
    std::unique_ptr<Producer> producer_;
    std::uint64_t size_;
};

// Runs the producer on a background thread, kBuffers x kBufferSize ahead.
class PrefetchSource final : public ByteSource {
public:
    PrefetchSource(std::unique_ptr<Producer> producer, std::uint64_t size)
        : producer_(std::move(producer)), size_(size) {
        for (std::size_t i = 0; i < kBuffers; ++i) free_.push_back(std::make_unique<Buffer>());
        worker_ = std::thread([this] { work(); });
    }
    ~PrefetchSource() override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        worker_.join();
    }
    PrefetchSource(const PrefetchSource&) = delete;
    PrefetchSource& operator=(const PrefetchSource&) = delete;

    std::size_t read(char* out, std::size_t n) override {
        if (current_ && offset_ == current_->used) {
            std::lock_guard<std::mutex> lock(mutex_);
            free_.push_back(std::move(current_));
            changed_.notify_all();
        }
        if (!current_) {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [&] { return !ready_.empty() || done_; });
            if (ready_.empty()) {
                if (error_) std::rethrow_exception(error_);
                return 0;
            }
            current_ = std::move(ready_.front());
            ready_.pop_front();
            offset_ = 0;
        }
        const std::size_t k = std::min(n, current_->used - offset_);
        std::memcpy(out, current_->data.data() + offset_, k);
        offset_ += k;
        return k;
    }
    std::uint64_t size() const override { return size_; }

private:
    static constexpr std::size_t kBuffers = 4;
    static constexpr std::size_t kBufferSize = std::size_t{1} << 20;
    struct Buffer {
        std::vector<char> data = std::vector<char>(kBufferSize);
        std::size_t used = 0;
    };

    void work() {
        try {
            for (;;) {
                std::unique_ptr<Buffer> b;
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    changed_.wait(lock, [&] { return !free_.empty() || stop_; });
                    if (stop_) return;
                    b = std::move(free_.back());
                    free_.pop_back();
                }
                b->used = 0;
                while (b->used < b->data.size()) {
                    const std::size_t got = producer_->produce(b->data.data() + b->used, b->data.size() - b->used);
                    if (got == 0) break;
                    b->used += got;
                }
                const bool end = b->used < b->data.size();
                std::lock_guard<std::mutex> lock(mutex_);
                if (b->used > 0) ready_.push_back(std::move(b));
                if (end) {
                    done_ = true;
                    changed_.notify_all();
                    return;
                }
                changed_.notify_all();
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            error_ = std::current_exception();
            done_ = true;
            changed_.notify_all();
        }
    }

    std::unique_ptr<Producer> producer_;
    std::uint64_t size_;
    std::thread worker_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::unique_ptr<Buffer>> free_;
    std::deque<std::unique_ptr<Buffer>> ready_;
    std::unique_ptr<Buffer> current_;
    std::size_t offset_ = 0;
    bool stop_ = false, done_ = false;
    std::exception_ptr error_;
};

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
#if defined(SLEEPARCH_ZIP_CLMUL)
    if (kHaveClmul && n >= 64) {
        const std::size_t chunk = n & ~std::size_t{15};
        crc = ~crc32_clmul(p, chunk, ~crc);
        p += chunk;
        n -= chunk;
    }
#endif
    while (n > 0) {
        const uInt k = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
        crc = static_cast<std::uint32_t>(crc32(crc, p, k));
        p += k;
        n -= k;
    }
    return crc;
}

std::unique_ptr<ByteSource> open_zip_entry(zip_t* archive, zip_uint64_t index, std::string display,
                                           std::uint64_t size, bool prefetch) {
    zip_stat_t st;
    zip_stat_init(&st);
    std::unique_ptr<Producer> producer;
    if (zip_stat_index(archive, index, 0, &st) == 0 && (st.valid & ZIP_STAT_COMP_METHOD) &&
        st.comp_method == ZIP_CM_DEFLATE && (st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
        st.encryption_method == ZIP_EM_NONE) {
        producer = std::make_unique<InflateProducer>(archive, index, st, std::move(display));
    } else {
        producer = std::make_unique<LibzipProducer>(archive, index, std::move(display));
    }
    if (prefetch) return std::make_unique<PrefetchSource>(std::move(producer), size);
    return std::make_unique<DirectSource>(std::move(producer), size);
}

}  // namespace sleeparch::importers
