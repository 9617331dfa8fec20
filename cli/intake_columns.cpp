// The intake columns of `sleeparch nights --intake LOG`.
#include "comparison_view.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/metrics.hpp"

namespace sleeparch::cli {

IntakeColumns intake_columns(const std::vector<NightRow>& rows, const api::Session& session,
                             const std::string& intake_path, const ImportFlags& flags) {
    const auto& nights = session.nights;
    const LinkResult links = api::link(session, load_intake(intake_path, flags));

    IntakeColumns out;
    out.header = {"mg_elemental", "dose_to_onset_min", "mg_7d_mean", "tags", "above_upper_limit"};
    for (const NightRow& row : rows) {
        const auto i = static_cast<std::size_t>(row.night - nights.data());
        if (i >= links.nights.size()) {
            out.cells.push_back({"", "", "", "", ""});
            out.json.push_back(nlohmann::json::object());
            continue;
        }
        const NightLink& l = links.nights[i];
        std::string tags;
        for (const auto& t : l.tags) tags += (tags.empty() ? "" : ";") + t;
        out.cells.push_back({fmt_number(l.mg_elemental, 1), fmt_number(l.dose_to_onset_min, 0),
                             fmt_number(l.mg_7d_mean, 1), tags, l.above_upper_limit ? "true" : "false"});
        out.json.push_back({{"mg_elemental", l.mg_elemental},
                            {"dose_to_onset_min", json_number(l.dose_to_onset_min)},
                            {"mg_7d_mean", l.mg_7d_mean},
                            {"tags", l.tags},
                            {"above_upper_limit", l.above_upper_limit}});
    }
    return out;
}

}  // namespace sleeparch::cli
