// The randomised self-trial in the library API: plan files (JSON, key,
// iCalendar via libical, the intake-log template), power from a history,
// and the analysis of a design.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <libical/ical.h>

#include "sleeparch/api.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::api {

namespace {

using boost::gregorian::date;
using boost::gregorian::date_duration;

icaltimetype ical_date(const date& d) {
    icaltimetype t = icaltime_null_date();
    t.year = d.year();
    t.month = d.month();
    t.day = d.day();
    t.is_date = 1;
    return t;
}

// One all-day event on the evening each period (or washout) starts: the
// first night of a period labelled D begins on the evening of D - 1.
std::string plan_ics(const TrialPlan& plan) {
    icalcomponent* cal = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
                                             icalproperty_new_prodid("-//sleeparch//plan//EN"), nullptr);
    const auto conds = plan.period_conditions();
    auto name = [&](TrialCondition c) {
        if (!plan.blind) return std::string(condition_name(c));
        return "capsule " + (c == TrialCondition::Magnesium ? plan.magnesium_code : plan.control_code);
    };
    int n = 0;
    for (std::size_t j = 0; j < conds.size(); ++j) {
        if (j > 0 && conds[j] == conds[j - 1]) continue;  // no switch: no event
        const date night = plan.start + date_duration(static_cast<long>(j) * plan.scheme.period_nights);
        const date evening = night - date_duration(1);
        std::string summary = "sleeparch trial: switch to " + name(conds[j]);
        std::string desc = "From this evening on: " + name(conds[j]) + " (period " + std::to_string(j + 1) + " of " +
                           std::to_string(conds.size()) + ", first night " + format_date(night) + ").";
        if (plan.scheme.washout_nights > 0)
            desc += " The first " + std::to_string(plan.scheme.washout_nights) +
                    " nights are washout: follow the new condition; they are not analysed.";
        const std::string uid = "sleeparch-" + std::to_string(plan.seed) + "-" + format_date(plan.start) + "-" +
                                std::to_string(++n);
        icalcomponent* ev = icalcomponent_vanew(
            ICAL_VEVENT_COMPONENT, icalproperty_new_uid(uid.c_str()), icalproperty_new_summary(summary.c_str()),
            icalproperty_new_description(desc.c_str()), icalproperty_new_dtstart(ical_date(evening)),
            icalproperty_new_dtend(ical_date(evening + date_duration(1))),
            icalproperty_new_dtstamp(icaltime_from_timet_with_zone(0, 0, icaltimezone_get_utc_timezone())), nullptr);
        icalcomponent_add_component(cal, ev);
    }
    char* text = icalcomponent_as_ical_string(cal);
    std::string out = text ? text : "";
    icalcomponent_free(cal);
    return out;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// One row per planned evening in the intake-log columns. Open plans: a
// supplement row with the planned dose on magnesium evenings, a tag-only
// event row on control evenings; blinded plans: an event row tagged with the
// capsule's code. Delete the row of an evening the plan was not followed.
std::string intake_template(const TrialPlan& plan, double dose_mg) {
    std::ostringstream out;
    out << "# Intake log for the sleeparch trial starting " << format_date(plan.start)
        << " (seed " << plan.seed << "): one row per planned evening.\n"
        << "# Delete the row of an evening you did not follow the plan; add a row for anything else you took.\n"
        << "date,time,kind,mg_elemental,amount_mg,form,product,tags,value,unit,note\n";
    const auto conds = plan.period_conditions();
    for (int k = 0; k < plan.scheme.nights(); ++k) {
        const date night = plan.start + date_duration(k);
        const date evening = night - date_duration(1);
        const std::size_t j = static_cast<std::size_t>(k / plan.scheme.period_nights);
        const bool mag = conds[j] == TrialCondition::Magnesium;
        const bool wash = plan.condition_on(night) == TrialCondition::Washout;
        std::string note = "night " + format_date(night) + ", period " + std::to_string(j + 1);
        if (plan.blind) {
            const std::string code = mag ? plan.magnesium_code : plan.control_code;
            note += ": capsule " + code + (wash ? " (washout)" : "");
            out << format_date(evening) << ",,event,,,,,capsule_" << code << ",,," << csv_field(note) << "\n";
        } else if (mag) {
            note += std::string(": magnesium") + (wash ? " (washout)" : "");
            char mg[32];
            std::snprintf(mg, sizeof mg, "%g", dose_mg);
            out << format_date(evening) << ",,supplement," << mg << ",,,,trial_magnesium,,," << csv_field(note) << "\n";
        } else {
            note += std::string(": control, no magnesium") + (wash ? " (washout)" : "");
            out << format_date(evening) << ",,event,,,,,trial_control,,," << csv_field(note) << "\n";
        }
    }
    return out.str();
}

nlohmann::json read_json_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path, "cannot open the file");
    std::stringstream buf;
    buf << in.rdbuf();
    try {
        return nlohmann::json::parse(buf.str());
    } catch (const nlohmann::json::parse_error& e) {
        throw ParseError(path, static_cast<std::uint64_t>(0), "json", std::string("not JSON: ") + e.what());
    }
}

}  // namespace

void PlanRequest::validate() const {
    plan.validate();
    power.validate();
    if (!(dose_mg >= 1 && dose_mg <= 2000)) throw UsageError("plan: --dose-mg must be 1 to 2000");
}

PlanFiles plan(const PlanRequest& request, const Session* history) {
    request.validate();
    PlanFiles f;
    f.plan = make_plan(request.plan);
    f.plan_json = plan_json(f.plan, true).dump(2) + "\n";
    if (f.plan.blind) f.key_json = plan_key_json(f.plan).dump(2) + "\n";
    f.ics = plan_ics(f.plan);
    f.intake_template = intake_template(f.plan, request.dose_mg);
    if (history) {
        // The primary (sol_min) of the source with the most main sleeps, in date order.
        std::map<std::string, std::vector<std::size_t>> by_source;
        for (std::size_t i = 0; i < history->nights.size(); ++i)
            if (!history->nights[i].is_nap && !history->nights[i].label_date.is_special())
                by_source[history->nights[i].source.key()].push_back(i);
        const std::vector<std::size_t>* best = nullptr;
        for (const auto& [key, idx] : by_source)
            if (!best || idx.size() > best->size()) best = &idx;
        std::vector<std::pair<date, double>> rows;
        if (best)
            for (std::size_t i : *best) {
                const double v = history->metrics[i].sol_min;
                if (std::isfinite(v)) rows.emplace_back(history->nights[i].label_date, v);
            }
        std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<double> values;
        for (const auto& r : rows) values.push_back(r.second);
        if (best) f.power_source = history->nights[best->front()].source.label();
        f.history_nights = values.size();
        PowerOptions po = request.power;
        po.seed = request.plan.seed;
        f.power = trial_power(values, f.plan.scheme, po);
    }
    return f;
}

TrialPlan read_plan(const std::string& path, const std::string& key_path) {
    const nlohmann::json doc = read_json_file(path);
    if (key_path.empty()) return read_plan_json(doc, path);
    const nlohmann::json key = read_json_file(key_path);
    return read_plan_json(doc, path, &key, key_path);
}

TrialResult compare_design(const Session& session, const Intake* intake, const TrialPlan& design,
                           const TrialOptions& options) {
    std::vector<Dose> doses;
    if (intake) doses = doses_for(session, *intake);
    return analyse_trial(session.nights, session.metrics, doses, design, options, intake != nullptr);
}

}  // namespace sleeparch::api
