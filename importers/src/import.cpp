// File, folder and zip walking; format detection.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "zip_source.hpp"

namespace sleeparch::importers {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kHeadBytes = 64 * 1024;
constexpr std::string_view kUnrecognised = "not a recognised format";

class FileSource final : public ByteSource {
public:
    explicit FileSource(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw IoError(path, std::strerror(errno));
        struct stat st {};
        if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
#ifdef POSIX_FADV_SEQUENTIAL
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    ~FileSource() override {
        if (map_ != nullptr) ::munmap(map_, static_cast<std::size_t>(size_));
        if (fd_ >= 0) ::close(fd_);
    }
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;
    std::size_t read(char* buffer, std::size_t n) override {
        for (;;) {
            const ssize_t got = ::read(fd_, buffer, n);
            if (got >= 0) return static_cast<std::size_t>(got);
            if (errno != EINTR) throw IoError(path_, std::strerror(errno));
        }
    }
    std::uint64_t size() const override { return size_; }
    // Mapped on request: scanning a mapped export skips read()'s copy.
    std::string_view view() override {
        if (map_ == nullptr && size_ > 0 && size_ <= SIZE_MAX) {
            void* p = ::mmap(nullptr, static_cast<std::size_t>(size_), PROT_READ, MAP_SHARED, fd_, 0);
            if (p == MAP_FAILED) return {};
            ::madvise(p, static_cast<std::size_t>(size_), MADV_SEQUENTIAL);
            map_ = p;
        }
        if (map_ == nullptr) return {};
        return {static_cast<const char*>(map_), static_cast<std::size_t>(size_)};
    }

private:
    std::string path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    void* map_ = nullptr;
};

class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    std::size_t read(char* buffer, std::size_t n) override {
        const std::size_t k = std::min(n, data_.size() - pos_);
        std::memcpy(buffer, data_.data() + pos_, k);
        pos_ += k;
        return k;
    }
    std::uint64_t size() const override { return data_.size(); }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

struct ZipCloser {
    void operator()(zip_t* z) const {
        if (z) zip_discard(z);
    }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

std::string read_head(ByteSource& src) {
    std::string head(kHeadBytes, '\0');
    std::size_t got = 0;
    while (got < head.size()) {
        const std::size_t k = src.read(head.data() + got, head.size() - got);
        if (k == 0) break;
        got += k;
    }
    head.resize(got);
    return head;
}

bool looks_like_zip(std::string_view head) { return head.size() >= 4 && head.substr(0, 4) == "PK\x03\x04"; }

const Importer* detect(std::string_view name, std::string_view head, std::string_view forced) {
    if (!forced.empty()) {
        const Importer* imp = find_importer(forced);
        if (!imp) throw UsageError("unknown input format '" + std::string(forced) + "' (see `sleeparch formats`)");
        return imp;
    }
    for (const Importer* imp : registry()) {
        if (imp->recognises(name, head)) return imp;
    }
    return nullptr;
}

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Why no importer reads a file: the first importer that knows the file's
// kind says so (a Withings heart-rate file), else the generic reason.
std::string unrecognised_reason(std::string_view name, std::string_view head) {
    for (const Importer* imp : registry()) {
        std::string why = imp->declines(name, head);
        if (!why.empty()) return why;
    }
    return std::string(kUnrecognised);
}

// The detail of the error for a folder or zip in which nothing was read.
std::string nothing_recognised(const std::string& what, const std::vector<SkippedFile>& skipped) {
    if (skipped.empty()) return "no files in this " + what + " (see `sleeparch formats` for what sleeparch reads)";
    constexpr std::size_t kListed = 10;
    std::string m = "no file in this " + what + " is a format sleeparch reads (see `sleeparch formats`); skipped " +
                    std::to_string(skipped.size()) + (skipped.size() == 1 ? " file: " : " files: ");
    for (std::size_t i = 0; i < skipped.size() && i < kListed; ++i) {
        if (i) m += "; ";
        m += skipped[i].name + " (" + skipped[i].reason + ")";
    }
    if (skipped.size() > kListed) m += "; and " + std::to_string(skipped.size() - kListed) + " more";
    return m;
}

class Walker {
public:
    Walker(const ImportOptions& options, ImportReport* report, std::string_view forced)
        : options_(options), report_(report), forced_(forced) {}

    ImportBatch batch;

    void path(const std::string& p) {
        std::error_code ec;
        const fs::file_status st = fs::status(p, ec);
        if (ec || !fs::exists(st)) throw IoError(p, "no such file or directory");
        const std::size_t imported_before = imported_count_, skipped_before = skipped_.size();
        std::string container;
        if (fs::is_directory(st)) {
            folder(p);
            container = "folder";
        } else if (file(p, true)) {
            container = "zip archive";
        }
        // A folder or zip given by the user that yields nothing is a mistake
        // (the wrong folder, an export of another kind), not an empty result.
        if (!container.empty() && imported_count_ == imported_before) {
            const std::vector<SkippedFile> here(skipped_.begin() + static_cast<std::ptrdiff_t>(skipped_before),
                                                skipped_.end());
            throw ParseError(p, 0, "", nothing_recognised(container, here));
        }
    }

private:
    const ImportOptions& options_;
    ImportReport* report_;
    std::string_view forced_;
    std::vector<SkippedFile> skipped_;
    std::size_t imported_count_ = 0;

    void skip(const std::string& name, const std::string& why) {
        skipped_.push_back({name, why});
        if (report_) report_->skipped.push_back({name, why});
    }
    void imported(const std::string& name, const Importer& imp) {
        ++imported_count_;
        if (report_) report_->imported.emplace_back(name, std::string(imp.id()));
    }

    void folder(const std::string& dir) {
        std::vector<std::string> files;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (!name.empty() && name[0] == '.') {
                if (it->is_directory()) it.disable_recursion_pending();
                continue;
            }
            if (it->is_regular_file()) files.push_back(it->path().string());
        }
        if (ec) throw IoError(dir, ec.message());
        std::sort(files.begin(), files.end());
        for (const std::string& f : files) file(f, false);
    }

    // Returns true when the file was a zip archive (walked as a container).
    bool file(const std::string& p, bool given) {
        std::string head;
        {
            FileSource src(p);
            head = read_head(src);
        }
        if (head.empty()) {
            if (given) throw ParseError(p, 0, "", "file is empty");
            skip(p, "empty file");
            return false;
        }
        if (looks_like_zip(head) && forced_.empty()) {
            archive(p);
            return true;
        }
        const std::string name = base_name(p);
        const Importer* imp = detect(name, head, forced_);
        if (!imp) {
            std::string why = unrecognised_reason(name, head);
            if (given) {
                throw ParseError(p, 0, "",
                                 "not a format sleeparch reads (see `sleeparch formats`)" +
                                     (why == kUnrecognised ? std::string() : ": " + why));
            }
            skip(p, why);
            return false;
        }
        FileSource src(p);
        imp->read(src, p, options_, batch);
        imported(p, *imp);
        return false;
    }

    void archive(const std::string& p) {
        int err = 0;
        ZipPtr z(zip_open(p.c_str(), ZIP_RDONLY, &err));
        if (!z) {
            zip_error_t ze;
            zip_error_init_with_code(&ze, err);
            std::string why = zip_error_strerror(&ze);
            zip_error_fini(&ze);
            throw ParseError(p, 0, "", "not a readable zip archive (" + why + "); is the download complete?");
        }
        const zip_int64_t n = zip_get_num_entries(z.get(), 0);
        std::vector<std::pair<std::string, zip_uint64_t>> entries;
        for (zip_int64_t i = 0; i < n; ++i) {
            const char* name = zip_get_name(z.get(), static_cast<zip_uint64_t>(i), 0);
            if (!name) continue;
            std::string nm(name);
            if (nm.empty() || nm.back() == '/') continue;
            if (nm.find("__MACOSX/") == 0) continue;
            entries.emplace_back(nm, static_cast<zip_uint64_t>(i));
        }
        std::sort(entries.begin(), entries.end());
        for (const auto& [name, index] : entries) {
            const std::string display = p + ":" + name;
            zip_stat_t st;
            zip_stat_init(&st);
            std::uint64_t size = 0;
            if (zip_stat_index(z.get(), index, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) size = st.size;
            if (size == 0) {
                skip(display, "empty file");
                continue;
            }
            std::string head;
            {
                const auto src = open_zip_entry(z.get(), index, display, size, false);
                head = read_head(*src);
            }
            if (looks_like_zip(head)) {
                skip(display, "zip inside a zip: extract it and pass it directly");
                continue;
            }
            const Importer* imp = detect(base_name(name), head, forced_);
            if (!imp) {
                skip(display, unrecognised_reason(base_name(name), head));
                continue;
            }
            // Large entries are inflated on a second thread while the importer parses.
            const auto src = open_zip_entry(z.get(), index, display, size, size >= (std::uint64_t{16} << 20));
            imp->read(*src, display, options_, batch);
            imported(display, *imp);
        }
    }
};

}  // namespace

std::string read_all(ByteSource& source) {
    std::string out;
    if (source.size() > 0 && source.size() < (1ull << 31)) out.reserve(static_cast<std::size_t>(source.size()));
    char buf[1 << 16];
    for (;;) {
        const std::size_t k = source.read(buf, sizeof buf);
        if (k == 0) break;
        out.append(buf, k);
    }
    return out;
}

ImportBatch import_paths(const std::vector<std::string>& paths, const ImportOptions& options,
                         ImportReport* report, std::string_view forced_format) {
    Walker w(options, report, forced_format);
    for (const std::string& p : paths) w.path(p);
    return std::move(w.batch);
}

ImportBatch import_buffer(std::string_view content, const std::string& display_name,
                          const ImportOptions& options, std::string_view forced_format) {
    ImportBatch batch;
    if (content.empty()) throw ParseError(display_name, 0, "", "file is empty");
    const std::string_view head = content.substr(0, kHeadBytes);
    const std::string name = base_name(display_name);
    const Importer* imp = detect(name, head, forced_format);
    if (!imp) {
        const std::string why = unrecognised_reason(name, head);
        throw ParseError(display_name, 0, "",
                         "not a format sleeparch reads (see `sleeparch formats`)" +
                             (why == kUnrecognised ? std::string() : ": " + why));
    }
    MemorySource src(content);
    imp->read(src, display_name, options, batch);
    return batch;
}

}  // namespace sleeparch::importers
