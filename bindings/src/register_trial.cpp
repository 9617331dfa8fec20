// The randomised self-trial (METRICS.md §7): plan files and the analysis of a
// design, returned as the structures the CLI writes (plan.json, the key,
// `compare --design --format json`).
#include <pybind11/stl.h>

#include "core.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/trial.hpp"

namespace sleeparch::python {

namespace {

py::object json_loads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

py::dict plan(const std::string& start, int weeks, int washout, std::uint64_t seed, bool blind, double dose_mg,
              double effect, std::size_t simulations, const Loaded* history) {
    api::PlanRequest req;
    req.plan.start = api::parse_day(start, "start");
    req.plan.weeks = weeks;
    req.plan.washout_nights = washout;
    req.plan.seed = seed;
    req.plan.blind = blind;
    req.dose_mg = dose_mg;
    req.power.effect = effect;
    req.power.simulations = simulations;
    api::PlanFiles f;
    {
        py::gil_scoped_release release;
        f = api::plan(req, history);
    }
    py::dict out;
    out["plan"] = json_loads(f.plan_json);
    out["key"] = f.key_json.empty() ? py::object(py::none()) : json_loads(f.key_json);
    out["ics"] = f.ics;
    out["intake_template"] = f.intake_template;
    py::list power;
    for (const PowerRow& r : f.power) {
        py::dict row;
        row["weeks"] = r.weeks;
        row["nights"] = r.nights;
        row["smallest_p"] = r.smallest_p;
        row["power"] = r.power;
        row["mde"] = r.mde;
        power.append(row);
    }
    out["power"] = power;
    out["history_nights"] = f.history_nights;
    out["power_source"] = f.power_source;
    return out;
}

py::object compare_design(const Loaded& d, const std::shared_ptr<Intake>& intake, const std::string& design,
                          const std::string& key, const std::vector<std::string>& metrics, const std::string& primary,
                          const std::string& source, std::uint64_t seed) {
    TrialOptions opt;
    opt.metrics = metrics;
    opt.primary = primary;
    opt.compare_source = source;
    opt.seed = seed;
    opt.validate();
    std::string text;
    {
        py::gil_scoped_release release;
        const TrialPlan p = api::read_plan(design, key);
        text = trial_json(api::compare_design(d, intake.get(), p, opt)).dump();
    }
    return json_loads(text);
}

}  // namespace

void register_trial(py::module_& m) {
    const PlanOptions defaults;
    m.def("plan", &plan, py::arg("start"), py::arg("weeks") = defaults.weeks,
          py::arg("washout") = defaults.washout_nights, py::arg("seed") = defaults.seed, py::arg("blind") = false,
          py::arg("dose_mg") = api::PlanRequest{}.dose_mg, py::arg("effect") = PowerOptions{}.effect,
          py::arg("simulations") = PowerOptions{}.simulations, py::arg("history").none(true) = nullptr,
          "A randomised self-trial plan (METRICS.md section 7), with power from a history");
    m.def("compare_design", &compare_design, py::arg("loaded"), py::arg("intake").none(true), py::arg("design"),
          py::arg("key") = "", py::arg("metrics") = std::vector<std::string>{}, py::arg("primary") = "sol_min",
          py::arg("source") = "", py::arg("seed") = default_compare_seed,
          "The randomisation-test analysis of a plan (compare --design)");
    m.attr("default_plan_seed") = default_plan_seed;
}

}  // namespace sleeparch::python
