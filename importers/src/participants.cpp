// Cohort membership (participants.hpp): a folder of participants or a map.
#include "sleeparch/importers/participants.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "csv_reader.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::importers {

namespace fs = std::filesystem;

namespace {

std::vector<Participant> from_map(const fs::path& csv) {
    std::ifstream in(csv, std::ios::binary);
    if (!in) throw IoError(csv.string(), "cannot read");
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    const std::string name = csv.string();
    CsvReader reader(strip_bom(text), name);
    CsvRecord rec;
    if (!reader.next(rec)) throw ParseError(name, 1, "header", "empty file; expected the columns participant,path");
    const auto pcol = find_column(rec.fields, "participant");
    const auto fcol = find_column(rec.fields, "path");
    if (!pcol || !fcol) throw ParseError(name, rec.line, "header", "expected the columns participant,path");
    std::vector<Participant> out;
    std::map<std::string, std::uint32_t> seen;
    while (reader.next(rec)) {
        if (rec.fields.size() == 1 && trim(rec.fields[0]).empty()) continue;  // blank line
        const std::string id(*pcol < rec.fields.size() ? trim(rec.fields[*pcol]) : std::string_view());
        const std::string path(*fcol < rec.fields.size() ? trim(rec.fields[*fcol]) : std::string_view());
        if (id.empty()) throw ParseError(name, rec.line, "participant", "empty");
        if (path.empty()) throw ParseError(name, rec.line, "path", "empty");
        if (auto [it, fresh] = seen.emplace(id, rec.line); !fresh)
            throw UsageError(name + ":" + std::to_string(rec.line) + ": participant \"" + id +
                             "\" is listed twice (first on line " + std::to_string(it->second) + ")");
        fs::path p(path);
        if (p.is_relative()) p = csv.parent_path() / p;
        out.push_back({id, {p.lexically_normal().string()}});
    }
    if (out.empty()) throw ParseError(name, reader.line(), "participant", "no participants listed");
    return out;
}

std::vector<Participant> from_folder(const fs::path& dir) {
    std::vector<Participant> out;
    std::map<std::string, std::string> seen;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string fname = entry.path().filename().string();
        if (fname.empty() || fname[0] == '.') continue;
        const std::string id = entry.is_directory() ? fname : entry.path().stem().string();
        if (auto [it, fresh] = seen.emplace(id, fname); !fresh)
            throw UsageError(dir.string() + ": \"" + it->second + "\" and \"" + fname +
                             "\" would both be participant \"" + id + "\"");
        out.push_back({id, {entry.path().string()}});
    }
    if (out.empty()) throw UsageError(dir.string() + ": no participants (the folder is empty)");
    std::sort(out.begin(), out.end(), [](const Participant& a, const Participant& b) { return a.id < b.id; });
    return out;
}

}  // namespace

std::vector<Participant> list_participants(const std::string& folder_or_csv) {
    const fs::path p(folder_or_csv);
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) throw IoError(folder_or_csv, "no such file or folder");
    if (fs::is_directory(status)) return from_folder(p);
    return from_map(p);
}

}  // namespace sleeparch::importers
