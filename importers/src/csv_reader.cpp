#include "csv_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "sleeparch/error.hpp"

namespace sleeparch::importers {

CsvReader::CsvReader(std::string_view text, std::string file)
    : text_(strip_bom(text)), file_(std::move(file)) {}

bool CsvReader::next(CsvRecord& record) {
    record.fields.clear();
    const std::size_t n = text_.size();
    // Blank lines carry no record.
    while (pos_ < n) {
        if (text_[pos_] == '\n') {
            ++pos_;
            ++line_;
        } else if (text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n') {
            pos_ += 2;
            ++line_;
        } else {
            break;
        }
    }
    if (pos_ >= n) return false;
    record.line = line_;

    std::string field;
    for (;;) {
        field.clear();
        if (pos_ < n && text_[pos_] == '"') {
            const std::uint32_t opened = line_;
            ++pos_;
            for (;;) {
                if (pos_ >= n) {
                    throw ParseError(file_, opened, "CSV field " + std::to_string(record.fields.size() + 1),
                                     "quoted field is not closed before the end of the input");
                }
                char c = text_[pos_];
                if (c == '"') {
                    if (pos_ + 1 < n && text_[pos_ + 1] == '"') {
                        field += '"';
                        pos_ += 2;
                        continue;
                    }
                    ++pos_;
                    break;
                }
                if (c == '\n') ++line_;
                field += c;
                ++pos_;
            }
            if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' &&
                !(text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n')) {
                throw ParseError(file_, line_, "CSV field " + std::to_string(record.fields.size() + 1),
                                 "unexpected " + quote_for_message(text_.substr(pos_, 1)) +
                                     " after a closing quote (expected a comma or the end of the line)");
            }
        } else {
            const std::size_t begin = pos_;
            while (pos_ < n) {
                char c = text_[pos_];
                if (c == ',' || c == '\n' || (c == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n')) {
                    break;
                }
                if (c == '"') {
                    throw ParseError(file_, line_, "CSV field " + std::to_string(record.fields.size() + 1),
                                     "quote inside an unquoted field (quote the whole field and "
                                     "double the inner quotes)");
                }
                ++pos_;
            }
            field.assign(text_.substr(begin, pos_ - begin));
        }
        record.fields.push_back(field);
        if (pos_ >= n) return true;
        if (text_[pos_] == ',') {
            ++pos_;
            continue;
        }
        // End of line (LF or CRLF).
        pos_ += text_[pos_] == '\r' ? 2 : 1;
        ++line_;
        return true;
    }
}

std::optional<std::size_t> find_column(const std::vector<std::string>& header,
                                       std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (trim(header[i]) == name) return i;
    }
    return std::nullopt;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string_view strip_bom(std::string_view text) {
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
        text.remove_prefix(3);
    }
    return text;
}

std::string_view first_line(std::string_view text) {
    text = strip_bom(text);
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

std::string quote_for_message(std::string_view text) {
    constexpr std::size_t kMax = 60;
    std::string out = "\"";
    std::size_t shown = 0;
    for (char c : text) {
        if (shown == kMax) {
            out += "...";
            break;
        }
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", u);
            out += buf;
        } else if (c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
        ++shown;
    }
    out += '"';
    return out;
}

std::optional<double> parse_number(std::string_view text) {
    text = trim(text);
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace sleeparch::importers
