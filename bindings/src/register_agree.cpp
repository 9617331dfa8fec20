// Device-vs-reference agreement (api::agree), returned as the structure of
// `sleeparch agree --format json` (agreement_json; NaN as None), with the
// library's notes and, on request, the HTML agreement page.
#include <pybind11/stl.h>

#include "core.hpp"
#include "sleeparch/agreement.hpp"

namespace sleeparch::python {

namespace {

// (id, reference, device) triples; id may be empty (the reference night's date).
py::tuple agree(const std::vector<std::tuple<std::string, std::string, std::string>>& pairs,
                const std::string& pairs_csv, std::uint64_t seed, std::size_t resamples, const std::string& tz,
                int epoch, const std::string& start, const std::map<std::string, std::string>& stage_map,
                bool html) {
    api::AgreeOptions opt;
    opt.seed = seed;
    opt.resamples = resamples;
    opt.load.tz = tz;
    opt.load.epoch_s = epoch;
    opt.load.start = start;
    opt.load.stage_map = stage_map;
    std::string json, page;
    std::vector<std::string> notes;
    {
        py::gil_scoped_release release;
        std::vector<api::AgreeInput> inputs;
        if (!pairs_csv.empty()) inputs = api::read_agree_pairs(pairs_csv);
        for (const auto& [id, ref, dev] : pairs) {
            api::AgreeInput in;
            in.id = id;
            in.reference = ref;
            in.device = dev;
            inputs.push_back(std::move(in));
        }
        const api::AgreeResult r = api::agree(inputs, opt);
        json = agreement_json(r.result).dump();
        notes = r.notes;
        if (html) page = api::agreement_page(r);
    }
    return py::make_tuple(py::module_::import("json").attr("loads")(json), notes, page);
}

}  // namespace

void register_agree(py::module_& m) {
    m.def("agree", &agree, py::arg("pairs") = std::vector<std::tuple<std::string, std::string, std::string>>{},
          py::arg("pairs_csv") = "", py::arg("seed") = api::AgreeOptions{}.seed,
          py::arg("resamples") = api::AgreeOptions{}.resamples, py::arg("tz") = "", py::arg("epoch") = 0,
          py::arg("start") = "", py::arg("stage_map") = std::map<std::string, std::string>{},
          py::arg("html") = false,
          "METRICS.md §6 agreement: (the JSON of `sleeparch agree` as dicts, notes, the HTML page or '')");
}

}  // namespace sleeparch::python
