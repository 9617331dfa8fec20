// Our figures beside the vendor's (vendor_figures.hpp).
#include "sleeparch/vendor_figures.hpp"

#include <array>
#include <cmath>
#include <string>

#include "sleeparch/number_format.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch {

namespace {

struct Pair {
    std::string_view name;
    double VendorFigures::*vendor;
    double NightMetrics::*ours;
};
constexpr std::array<Pair, 6> kMinutes = {{
    {"tst_min", &VendorFigures::tst_min, &NightMetrics::tst_min},
    {"deep_min", &VendorFigures::deep_min, &NightMetrics::deep_min},
    {"light_min", &VendorFigures::light_min, &NightMetrics::light_min},
    {"rem_min", &VendorFigures::rem_min, &NightMetrics::rem_min},
    {"wake_min", &VendorFigures::wake_min, &NightMetrics::wake_min},
    {"sol_min", &VendorFigures::sol_min, &NightMetrics::sol_min},
}};

constexpr std::size_t kNamed = 10;  // nights named in the warning; the rest are counted

}  // namespace

std::vector<VendorDifference> vendor_differences(const Night& night, const NightMetrics& metrics,
                                                 double tolerance_min) {
    std::vector<VendorDifference> out;
    if (night.summary_only) return out;
    for (const Pair& p : kMinutes) {
        const double v = night.vendor.*(p.vendor), o = metrics.*(p.ours);
        if (std::isfinite(v) && std::isfinite(o) && std::fabs(v - o) > tolerance_min)
            out.push_back(VendorDifference{p.name, v, o});
    }
    return out;
}

std::optional<Warning> vendor_difference_warning(const std::vector<Night>& nights,
                                                 const std::vector<NightMetrics>& metrics,
                                                 double tolerance_min) {
    std::string named;
    std::size_t count = 0;
    for (std::size_t i = 0; i < nights.size() && i < metrics.size(); ++i) {
        const std::vector<VendorDifference> d = vendor_differences(nights[i], metrics[i], tolerance_min);
        if (d.empty()) continue;
        if (count++ >= kNamed) continue;
        named += named.empty() ? "" : "; ";
        named += format_date(nights[i].label_date) + " " + nights[i].source.label() + ":";
        for (const VendorDifference& x : d)
            named += " " + std::string(x.name) + " " + fmt_number(x.ours, 1) + " (file " + fmt_number(x.vendor, 1) + ")";
    }
    if (count == 0) return std::nullopt;
    std::string message = std::to_string(count) + (count == 1 ? " night" : " nights") +
                          " where a figure from the hypnogram differs from the file's own by more than " +
                          fmt_number(tolerance_min, 0) + " min: " + named;
    if (count > kNamed) message += "; and " + std::to_string(count - kNamed) + " more";
    message += ". The file's figures are in the vendor_* columns; they differ for the vendor's reasons "
               "(a finer grid than the stages it exports, its own latency and awake definitions, rounding)";
    return Warning{std::string(), 0, std::move(message)};
}

}  // namespace sleeparch
