// Intake logs, linking doses to nights, and serum results.
#include <cmath>
#include <limits>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "core.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/intake.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::python {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::shared_ptr<Intake> read_intake(const std::string& path, const std::string& tz) {
    py::gil_scoped_release release;
    return std::make_shared<Intake>(api::read_intake(path, tz));
}

py::dict serum_dict(const SerumReading& r) {
    py::dict o;
    o["value"] = r.value;
    o["unit"] = std::string(serum_unit_name(r.unit));
    o["mmol_per_l"] = r.mmol_per_l;
    o["band"] = r.band_name;
    o["interpretation"] = r.interpretation;
    return o;
}

// Doses as columns. `time` is UTC seconds (NaN for date-only doses);
// `offset_known` is false for clock times written without an offset and no
// tz: their `time` is the local clock read as UTC until linked to nights.
py::dict dose_columns(const Intake& in) {
    const auto& doses = in.log.doses;
    std::vector<bool> local(doses.size(), false);
    for (std::size_t i : in.log.local_time_doses)
        if (i < local.size()) local[i] = true;
    std::vector<py::object> date;
    std::vector<double> time, mg, compound;
    std::vector<std::int32_t> offset;
    std::vector<bool> offset_known, converted;
    std::vector<std::string> form, kind, product, source;
    std::vector<std::vector<std::string>> tags;
    std::vector<std::uint32_t> line;
    for (std::size_t i = 0; i < doses.size(); ++i) {
        const Dose& d = doses[i];
        date.push_back(d.date ? py::object(py::str(format_date(*d.date))) : py::object(py::none()));
        time.push_back(d.time ? static_cast<double>(*d.time) : kNaN);
        offset.push_back(d.utc_offset_min);
        offset_known.push_back(d.time && !local[i]);
        mg.push_back(d.mg_elemental);
        compound.push_back(d.converted ? d.compound_mg : kNaN);
        converted.push_back(d.converted);
        form.emplace_back(dose_form_name(d.form));
        kind.push_back(d.kind == IntakeKind::Dietary ? "dietary" : "supplement");
        product.push_back(d.product);
        tags.push_back(d.tags);
        source.push_back(d.source);
        line.push_back(d.line);
    }
    py::dict o;
    o["date"] = date;
    o["time"] = py::array_t<double>(static_cast<py::ssize_t>(time.size()), time.data());
    o["utc_offset_min"] = offset;
    o["offset_known"] = offset_known;
    o["mg_elemental"] = mg;
    o["form"] = form;
    o["kind"] = kind;
    o["converted"] = converted;
    o["compound_mg"] = compound;
    o["product"] = product;
    o["tags"] = tags;
    o["source"] = source;
    o["line"] = line;
    return o;
}

py::dict link(const Loaded& d, const Intake& in) {
    LinkResult links;
    {
        py::gil_scoped_release release;
        links = api::link(d, in);
    }
    std::vector<double> mg, supplement, to_onset, mean7;
    std::vector<std::vector<std::string>> tags;
    std::vector<bool> above;
    std::vector<std::vector<std::size_t>> dose_idx;
    for (const NightLink& l : links.nights) {
        mg.push_back(l.mg_elemental);
        supplement.push_back(l.mg_supplement);
        to_onset.push_back(l.dose_to_onset_min);
        mean7.push_back(l.mg_7d_mean);
        tags.push_back(l.tags);
        above.push_back(l.above_upper_limit);
        dose_idx.push_back(l.doses);
    }
    py::dict o;
    o["mg_elemental"] = mg;
    o["mg_supplement"] = supplement;
    o["dose_to_onset_min"] = to_onset;
    o["mg_7d_mean"] = mean7;
    o["tags"] = tags;
    o["above_upper_limit"] = above;
    o["doses"] = dose_idx;
    o["unattributed"] = links.unattributed;
    return o;
}

}  // namespace

void register_intake(py::module_& m) {
    py::class_<Intake, std::shared_ptr<Intake>>(m, "IntakeLog", "A magnesium intake log as read")
        .def_property_readonly("path", [](const Intake& in) { return in.path; })
        .def("dose_columns", &dose_columns)
        .def_property_readonly("serum",
                               [](const Intake& in) {
                                   py::list out;
                                   for (const SerumResult& s : in.log.serum) {
                                       py::dict o = serum_dict(s.reading);
                                       o["date"] = format_date(s.date);
                                       o["source"] = s.source;
                                       o["line"] = s.line;
                                       out.append(o);
                                   }
                                   return out;
                               })
        .def_property_readonly("warnings", [](const Intake& in) {
            std::vector<std::string> out;
            for (const Warning& w : in.log.warnings) out.push_back(api::warning_text(w));
            return out;
        });
    m.def("read_intake", &read_intake, py::arg("path"), py::arg("tz") = "",
          "Reads an intake log (CSV/JSON) or an export with magnesium records");
    m.def("link", &link, py::arg("loaded"), py::arg("intake"),
          "Doses linked to every loaded night (columns parallel to the nights)");
    m.def("serum", [](double value, const std::string& unit) { return serum_dict(api::serum(value, unit)); },
          py::arg("value"), py::arg("unit"), "Interprets a serum magnesium result");
}

}  // namespace sleeparch::python
