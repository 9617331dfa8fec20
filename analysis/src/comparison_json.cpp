#include "sleeparch/comparison_json.hpp"

#include <cmath>
#include <string>

#include "sleeparch/time.hpp"

namespace sleeparch {

namespace {

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json period_json(const PeriodInfo& p) {
    auto side = [](const boost::gregorian::date& d) {
        return d.is_special() ? nlohmann::json(nullptr) : nlohmann::json(format_date(d));
    };
    nlohmann::json o;
    o["first"] = p.dates ? side(p.dates->first) : nlohmann::json(nullptr);
    o["last"] = p.dates ? side(p.dates->last) : nlohmann::json(nullptr);
    o["nights"] = p.nights;
    return o;
}

nlohmann::json metric_json(const MetricComparison& m) {
    nlohmann::json j;
    j["metric"] = m.metric;
    j["unit"] = m.unit;
    j["primary"] = m.primary;
    j["n_baseline"] = m.n_baseline;
    j["n_treatment"] = m.n_treatment;
    j["mean_baseline"] = number(m.mean_baseline);
    j["mean_treatment"] = number(m.mean_treatment);
    j["sd_baseline"] = number(m.sd_baseline);
    j["sd_treatment"] = number(m.sd_treatment);
    j["median_baseline"] = number(m.median_baseline);
    j["median_treatment"] = number(m.median_treatment);
    j["diff"] = number(m.diff);
    j["ci_low"] = number(m.ci_low);
    j["ci_high"] = number(m.ci_high);
    j["hedges_g"] = number(m.hedges_g);
    j["p"] = number(m.p);
    j["p_holm"] = number(m.p_holm);
    j["mde"] = number(m.mde);
    j["verdict"] = std::string(verdict_name(m.verdict));
    j["shift"] = number(m.shift);
    j["shift_se"] = number(m.shift_se);
    j["hac_lag"] = m.hac_lag;
    j["covariates"] = m.covariates;
    j["rho_baseline"] = number(m.rho_baseline);
    j["se_diff"] = number(m.se_diff);
    j["block_baseline"] = number(m.block_baseline);
    j["block_treatment"] = number(m.block_treatment);
    j["baseline_trend_p"] = number(m.baseline_trend_p);
    j["skipped_low_staged"] = m.skipped_low_staged;
    j["n_post"] = m.n_post;
    j["mean_post"] = number(m.mean_post);
    nlohmann::json dr = nlohmann::json::array();
    for (const DoseResponse& d : m.dose_response)
        dr.push_back({{"predictor", d.predictor},
                      {"n", d.n},
                      {"slope_per_100mg", number(d.slope_per_100mg)},
                      {"ci_low", number(d.ci_low)},
                      {"ci_high", number(d.ci_high)},
                      {"p", number(d.p)}});
    j["dose_response"] = std::move(dr);
    j["sentence"] = verdict_sentence(m);
    return j;
}

}  // namespace

nlohmann::json comparison_json(const ComparisonResult& r) {
    nlohmann::json o;
    o["baseline"] = period_json(r.baseline);
    o["washout"] = period_json(r.washout);
    o["treatment"] = period_json(r.treatment);
    o["post"] = period_json(r.post);
    o["periods_from_log"] = r.periods_from_log;
    o["bootstrap"] = {{"resamples", r.resamples}, {"seed", r.seed}, {"method", "studentized stationary bootstrap"}};
    nlohmann::json ms = nlohmann::json::array();
    for (const MetricComparison& m : r.metrics) ms.push_back(metric_json(m));
    o["metrics"] = std::move(ms);
    o["warnings"] = r.warnings;
    nlohmann::json serum = nlohmann::json::array();
    for (const SerumResult& s : r.serum)
        serum.push_back({{"date", format_date(s.date)},
                         {"value", s.reading.value},
                         {"unit", std::string(serum_unit_name(s.reading.unit))},
                         {"mmol_per_l", s.reading.mmol_per_l},
                         {"band", s.reading.band_name},
                         {"interpretation", s.reading.interpretation}});
    o["serum"] = std::move(serum);
    o["summary"] = closing_paragraph(r);
    return o;
}

}  // namespace sleeparch
