// The before/after comparison, returned as the same structure as
// `sleeparch compare --format json` (NaN as None).
#include <algorithm>
#include <cmath>

#include <pybind11/stl.h>

#include "core.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::python {

namespace {

py::object number(double v) { return std::isfinite(v) ? py::object(py::float_(v)) : py::object(py::none()); }

py::dict period(const PeriodInfo& p) {
    auto side = [](const boost::gregorian::date& d) {
        return d.is_special() ? py::object(py::none()) : py::object(py::str(format_date(d)));
    };
    py::dict o;
    o["first"] = p.dates ? side(p.dates->first) : py::object(py::none());
    o["last"] = p.dates ? side(p.dates->last) : py::object(py::none());
    o["nights"] = p.nights;
    return o;
}

py::dict to_dict(const ComparisonResult& r) {
    py::dict o;
    o["baseline"] = period(r.baseline);
    o["washout"] = period(r.washout);
    o["treatment"] = period(r.treatment);
    o["post"] = period(r.post);
    o["periods_from_log"] = r.periods_from_log;
    py::dict boot;
    boot["resamples"] = r.resamples;
    boot["seed"] = r.seed;
    boot["method"] = "studentized stationary bootstrap";
    o["bootstrap"] = boot;
    py::list ms;
    for (const MetricComparison& m : r.metrics) {
        py::dict j;
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
        py::list dr;
        for (const DoseResponse& d : m.dose_response) {
            py::dict e;
            e["predictor"] = d.predictor;
            e["n"] = d.n;
            e["slope_per_100mg"] = number(d.slope_per_100mg);
            e["ci_low"] = number(d.ci_low);
            e["ci_high"] = number(d.ci_high);
            e["p"] = number(d.p);
            dr.append(e);
        }
        j["dose_response"] = dr;
        j["sentence"] = verdict_sentence(m);
        ms.append(j);
    }
    o["metrics"] = ms;
    o["warnings"] = r.warnings;
    py::list serum;
    for (const SerumResult& s : r.serum) {
        py::dict e;
        e["date"] = format_date(s.date);
        e["value"] = s.reading.value;
        e["unit"] = std::string(serum_unit_name(s.reading.unit));
        e["mmol_per_l"] = s.reading.mmol_per_l;
        e["band"] = s.reading.band_name;
        e["interpretation"] = s.reading.interpretation;
        serum.append(e);
    }
    o["serum"] = serum;
    o["summary"] = closing_paragraph(r);
    return o;
}

py::dict compare(const Loaded& d, const std::shared_ptr<Intake>& intake, const std::string& baseline,
                 const std::string& treatment, const std::string& post, int washout,
                 const std::vector<std::string>& metrics, std::uint64_t seed, std::size_t resamples,
                 const std::string& primary, unsigned threads) {
    if (!intake && (baseline.empty() || treatment.empty()))
        throw UsageError("compare needs an intake log, or both baseline and treatment");
    if (washout < 0 || washout > 365) throw UsageError("compare: washout must be 0 to 365 nights");
    if (resamples < 100 || resamples > 10'000'000) throw UsageError("compare: resamples must be 100 to 10,000,000");
    CompareOptions opt;
    opt.metrics = metrics;
    if (!baseline.empty()) opt.baseline = parse_date_range(baseline);
    if (!treatment.empty()) opt.treatment = parse_date_range(treatment);
    if (!post.empty()) opt.post = parse_date_range(post);
    opt.washout_nights = washout;
    opt.seed = seed;
    opt.resamples = resamples;
    opt.primary = primary;
    opt.threads = threads;
    if (!primary.empty() && !find_metric(primary)) throw UsageError("primary: unknown metric \"" + primary + "\"");
    if (!primary.empty() && !opt.metrics.empty() &&
        std::find(opt.metrics.begin(), opt.metrics.end(), primary) == opt.metrics.end())
        opt.metrics.push_back(primary);

    ComparisonResult result;
    {
        py::gil_scoped_release release;
        std::vector<Dose> doses;
        std::vector<SerumResult> serum;
        if (intake) {
            doses = intake->log.doses;
            if (!intake->log.local_time_doses.empty())
                assume_night_offsets(doses, intake->log.local_time_doses, d.nights);
            serum = intake->log.serum;
        }
        result = compare_periods(d.nights, d.metrics, doses, opt, serum);
    }
    return to_dict(result);
}

}  // namespace

void register_comparison(py::module_& m) {
    m.def("compare", &compare, py::arg("loaded"), py::arg("intake").none(true), py::arg("baseline") = "",
          py::arg("treatment") = "", py::arg("post") = "", py::arg("washout") = 7,
          py::arg("metrics") = std::vector<std::string>{}, py::arg("seed") = 20240301ull,
          py::arg("resamples") = 10000, py::arg("primary") = "", py::arg("threads") = 0u,
          "Before/after comparison (METRICS.md section 5); the GIL is released while it runs");
    m.def("default_comparison_metrics", []() {
        std::vector<std::string> out;
        for (std::string_view s : default_comparison_metrics()) out.emplace_back(s);
        return out;
    });
}

}  // namespace sleeparch::python
