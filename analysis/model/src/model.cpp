#include "sleeparch/model.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>

namespace sleeparch {

std::string Source::label() const {
    std::string lname = name;
    for (char& c : lname) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.empty() || lname == format) return name.empty() ? format : name;
    if (format.empty()) return name;
    return name + " (" + format + ")";
}

bool VendorFigures::any() const {
    for (double v : {tst_min, deep_min, light_min, rem_min, wake_min, sol_min, se_pct, score})
        if (!std::isnan(v)) return true;
    return false;
}

void Night::validate() const {
    if (window_end <= window_start) throw std::logic_error("night window is empty");
    if (summary_only) {
        if (!segments.empty()) throw std::logic_error("summary-only night has segments");
        return;
    }
    if (segments.empty()) throw std::logic_error("night has no segments");
    if (segments.front().start != window_start)
        throw std::logic_error("first segment does not start at the window start");
    if (segments.back().end != window_end)
        throw std::logic_error("last segment does not end at the window end");
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].end <= segments[i].start)
            throw std::logic_error("segment " + std::to_string(i) + " is empty");
        if (i > 0) {
            if (segments[i].start != segments[i - 1].end)
                throw std::logic_error("segment " + std::to_string(i) + " does not follow the one before");
            if (segments[i].stage == segments[i - 1].stage)
                throw std::logic_error("segments " + std::to_string(i - 1) + " and " +
                                       std::to_string(i) + " share a stage");
        }
    }
}

std::vector<Segment> segments_from_epochs(UtcSeconds start, std::int32_t epoch_s,
                                          const std::vector<Stage>& epochs) {
    std::vector<Segment> out;
    UtcSeconds t = start;
    for (Stage s : epochs) {
        if (!out.empty() && out.back().stage == s) {
            out.back().end = t + epoch_s;
        } else {
            out.push_back(Segment{t, t + epoch_s, s});
        }
        t += epoch_s;
    }
    return out;
}

void merge_adjacent(std::vector<Segment>& segments) {
    if (segments.empty()) return;
    std::size_t w = 0;
    for (std::size_t i = 1; i < segments.size(); ++i) {
        if (segments[i].stage == segments[w].stage && segments[i].start == segments[w].end) {
            segments[w].end = segments[i].end;
        } else {
            segments[++w] = segments[i];
        }
    }
    segments.resize(w + 1);
}

}  // namespace sleeparch
