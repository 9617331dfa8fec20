#include "sleeparch/comparison_json.hpp"

#include <cmath>
#include <string>

#include "sleeparch/comparison_text.hpp"
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
    j["se_diff"] = number(m.se_diff);
    j["df"] = number(m.df);
    j["holm_family"] = m.holm_family;
    j["p_holm_within"] = number(m.p_holm_within);
    j["gated"] = m.gated;
    j["rho_baseline"] = number(m.rho_baseline);
    j["rho_treatment"] = number(m.rho_treatment);
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
    nlohmann::json sens = nlohmann::json::object();
    for (const Sensitivity& x : m.sensitivity)
        sens[x.name] = {{"ok", x.ok},
                        {"n", x.n},
                        {"estimate", number(x.estimate)},
                        {"ci_low", number(x.ci_low)},
                        {"ci_high", number(x.ci_high)},
                        {"p", number(x.p)},
                        {"covariates", x.covariates}};
    j["sensitivity"] = std::move(sens);
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
    o["estimator"] = "difference of period means; AR(1) plug-in long-run variance, Student t (effective df)";
    o["bootstrap"] = {{"resamples", r.resamples}, {"seed", r.seed}, {"method", "studentized stationary bootstrap"},
                      {"use", "sensitivity interval only"}};
    o["primary"] = r.primary;
    o["min_nights"] = r.min_nights;
    o["all_sources"] = r.all_sources;
    o["comparable"] = r.comparable;
    o["source"] = r.source.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.source);
    nlohmann::json srcs = nlohmann::json::array();
    for (const SourceNights& s : r.sources)
        srcs.push_back({{"source", s.source}, {"baseline", s.baseline}, {"treatment", s.treatment}, {"compared", s.compared}});
    o["sources"] = std::move(srcs);
    o["nights_left_out"] = r.nights_left_out;
    nlohmann::json ms = nlohmann::json::array(), secondary = nlohmann::json::array();
    for (const MetricComparison& m : r.metrics) {
        ms.push_back(metric_json(m));
        if (!m.primary) secondary.push_back(m.metric);
    }
    o["metrics"] = std::move(ms);
    o["secondary"] = std::move(secondary);
    nlohmann::json tags = nlohmann::json::array();
    for (const TagCount& t : r.tags) tags.push_back({{"tag", t.tag}, {"baseline", t.baseline}, {"treatment", t.treatment}});
    // The sensitivity block (§5.7): estimates per metric are in each row's
    // "sensitivity"; never the verdict.
    o["sensitivity"] = {{"tags", std::move(tags)},
                        {"drift_warning", r.drift_warning.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.drift_warning)}};
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
