#include "output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sleeparch/error.hpp"

namespace sleeparch::cli {

const std::vector<std::pair<std::string, Format>>& format_names() {
    static const std::vector<std::pair<std::string, Format>> names = {
        {"table", Format::Table}, {"csv", Format::Csv}, {"json", Format::Json}};
    return names;
}

namespace {
bool numeric(const std::string& s) {
    if (s.empty()) return true;
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    return end && *end == '\0';
}
// Display width of UTF-8 text (code points; good enough for tables).
std::size_t width(const std::string& s) {
    std::size_t w = 0;
    for (unsigned char c : s) w += (c & 0xC0) != 0x80;
    return w;
}
}  // namespace

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
    const std::size_t cols = header.size();
    std::vector<std::size_t> w(cols, 0);
    std::vector<bool> right(cols, true);
    for (std::size_t c = 0; c < cols; ++c) w[c] = width(header[c]);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < cols && c < row.size(); ++c) {
            w[c] = std::max(w[c], width(row[c]));
            if (!numeric(row[c])) right[c] = false;
        }
    }
    std::ostringstream out;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cols; ++c) {
            const std::string cell = c < cells.size() ? cells[c] : std::string();
            const std::string pad(w[c] - width(cell), ' ');
            if (c) text += "  ";
            text += right[c] ? pad + cell : cell + pad;
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out << text << '\n';
    };
    line(header);
    std::vector<std::string> rule;
    for (std::size_t c = 0; c < cols; ++c) rule.push_back(std::string(w[c], '-'));
    line(rule);
    for (const auto& row : rows) line(row);
    return out.str();
}

std::string render_csv(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows) {
    std::ostringstream out;
    auto field = [&](const std::string& f) {
        if (f.find_first_of(",\"\n\r") == std::string::npos) {
            out << f;
            return;
        }
        out << '"';
        for (char c : f) {
            if (c == '"') out << '"';
            out << c;
        }
        out << '"';
    };
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c) out << ',';
            field(cells[c]);
        }
        out << '\n';
    };
    line(header);
    for (const auto& row : rows) line(row);
    return out.str();
}

namespace {

// Writes all of `content` to `fd`; the error text, or empty.
std::string write_all(int fd, const std::string& content) {
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t k = ::write(fd, content.data() + done, content.size() - done);
        if (k < 0) {
            if (errno == EINTR) continue;
            return std::strerror(errno);
        }
        done += static_cast<std::size_t>(k);
    }
    return {};
}

}  // namespace

void write_output(const std::string& path, const std::string& content) {
    if (path.empty() || path == "-") {
        std::cout << content << std::flush;
        return;
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path target(path);
    const fs::file_status st = fs::status(target, ec);  // through symlinks; not_found sets ec too
    if (st.type() == fs::file_type::not_found) ec.clear();
    // A device, FIFO or socket (/dev/null, a pipe) has no file to replace:
    // written in place (renaming over it would put a regular file there).
    if (!ec && fs::exists(st) && !fs::is_regular_file(st) && !fs::is_directory(st)) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) throw IoError(path, std::string("cannot write: ") + std::strerror(errno));
        std::string why = write_all(fd, content);
        if (::close(fd) != 0 && why.empty()) why = std::strerror(errno);
        if (!why.empty()) throw IoError(path, "cannot write: " + why);
        return;
    }
    // A symlink to a file: the file it names is replaced, the link kept.
    if (!ec && fs::is_regular_file(st) && fs::is_symlink(fs::symlink_status(target, ec))) target = fs::canonical(target, ec);
    if (ec) throw IoError(path, "cannot write: " + ec.message());
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw IoError(path, std::string("cannot write: ") + std::strerror(errno));
    if (const std::string why = write_all(fd, content); !why.empty()) {
        ::close(fd);
        ::unlink(tmpl.c_str());
        throw IoError(path, "cannot write: " + why);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmpl.c_str());
        throw IoError(path, "cannot write");
    }
    ::chmod(tmpl.c_str(), 0644);
    if (std::rename(tmpl.c_str(), target.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw IoError(path, "cannot write: " + why);
    }
}

}  // namespace sleeparch::cli
