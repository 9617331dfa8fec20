// ImportBatch: index bookkeeping for sources and files.
#include "sleeparch/import_batch.hpp"

#include <utility>

namespace sleeparch {

int ImportBatch::add_source(const Source& s) {
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (sources[i] == s) return static_cast<int>(i);
    }
    sources.push_back(s);
    return static_cast<int>(sources.size() - 1);
}

std::int32_t ImportBatch::add_figures(const VendorFigures& f) {
    if (!f.any()) return -1;
    figures.push_back(f);
    return static_cast<std::int32_t>(figures.size() - 1);
}

std::uint32_t ImportBatch::add_file(const std::string& path) {
    for (std::size_t i = files.size(); i-- > 0;) {
        if (files[i] == path) return static_cast<std::uint32_t>(i);
    }
    files.push_back(path);
    return static_cast<std::uint32_t>(files.size() - 1);
}

void ImportBatch::append(ImportBatch&& other) {
    std::vector<int> source_map(other.sources.size());
    for (std::size_t i = 0; i < other.sources.size(); ++i) source_map[i] = add_source(other.sources[i]);
    std::vector<std::uint32_t> file_map(other.files.size());
    for (std::size_t i = 0; i < other.files.size(); ++i) file_map[i] = add_file(other.files[i]);
    auto remap_source = [&](int s) {
        return s >= 0 && static_cast<std::size_t>(s) < source_map.size() ? source_map[s] : s;
    };
    auto remap_file = [&](std::uint32_t f) { return f < file_map.size() ? file_map[f] : f; };
    const auto figures_base = static_cast<std::int32_t>(figures.size());
    figures.insert(figures.end(), other.figures.begin(), other.figures.end());
    records.reserve(records.size() + other.records.size());
    for (Record& r : other.records) {
        r.source = remap_source(r.source);
        r.file = remap_file(r.file);
        if (r.figures >= 0) r.figures += figures_base;
        records.push_back(std::move(r));
    }
    for (SummaryRecord& s : other.summaries) {
        s.source = remap_source(s.source);
        s.file = remap_file(s.file);
        summaries.push_back(std::move(s));
    }
    for (Dose& d : other.doses) doses.push_back(std::move(d));
    for (Warning& w : other.warnings) warnings.push_back(std::move(w));
    for (Warning& w : other.notes) notes.push_back(std::move(w));
    for (VitalReading& v : other.vitals) {
        v.source = remap_source(v.source);
        v.file = remap_file(v.file);
        vitals.push_back(std::move(v));
    }
}

}  // namespace sleeparch
