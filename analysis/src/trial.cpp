#include "sleeparch/trial.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "sleeparch/error.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/stats.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch {

namespace {

using boost::gregorian::date;
using boost::gregorian::date_duration;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

std::string fmt(double v, int decimals = 1) {
    if (!std::isfinite(v)) return "n/a";
    if (std::fabs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0.0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string fmt_p(double p) {
    if (!std::isfinite(p)) return "n/a";
    if (p < 0.001) return "< 0.001";
    return fmt(p, 3);
}

std::vector<TrialCondition> conditions_of(const std::vector<bool>& magnesium_first) {
    std::vector<TrialCondition> out;
    for (bool m : magnesium_first) {
        out.push_back(m ? TrialCondition::Magnesium : TrialCondition::Control);
        out.push_back(m ? TrialCondition::Control : TrialCondition::Magnesium);
    }
    return out;
}

// A period is washed out when its condition differs from the one before
// (the trial's start counts as coming from control).
bool washed(const std::vector<TrialCondition>& c, std::size_t j) {
    return c[j] != (j == 0 ? TrialCondition::Control : c[j - 1]);
}

std::optional<date> parse_iso_date(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    for (std::size_t i = 0; i < 10; ++i)
        if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    try {
        return date(static_cast<unsigned short>(std::stoi(s.substr(0, 4))),
                    static_cast<unsigned short>(std::stoi(s.substr(5, 2))),
                    static_cast<unsigned short>(std::stoi(s.substr(8, 2))));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool source_matches(const Source& s, const std::string& wanted) {
    auto lower = [](std::string v) {
        for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return v;
    };
    const std::string w = lower(wanted);
    return w == lower(s.label()) || w == lower(s.name) || w == lower(s.format) || w == lower(s.key());
}

// Per period, per washout state: sums and counts of the analysed nights,
// all and by halves, so that one assignment costs O(periods).
struct PeriodSums {
    double s[2][3] = {};
    double n[2][3] = {};
};

struct Engine {
    const TrialScheme& scheme;
    std::vector<PeriodSums> periods;
    std::vector<double> observed_m;  // 1 for periods magnesium under the observed assignment

    Engine(const std::vector<double>& values, const TrialScheme& sc, const std::vector<bool>& obs)
        : scheme(sc) {
        const int L = sc.period_nights, W = sc.washout_nights;
        const auto conds = conditions_of(obs);
        for (int j = 0; j < 2 * sc.pairs; ++j) {
            PeriodSums p;
            for (int w = 0; w < 2; ++w) {
                const int from = w ? W : 0;
                const int m = L - from;
                for (int k = from; k < L; ++k) {
                    const double v = values[static_cast<std::size_t>(j * L + k)];
                    if (!std::isfinite(v)) continue;
                    const int half = (k - from) < m / 2 ? 1 : 2;
                    p.s[w][0] += v;
                    p.n[w][0] += 1;
                    p.s[w][half] += v;
                    p.n[w][half] += 1;
                }
            }
            periods.push_back(p);
            observed_m.push_back(conds[static_cast<std::size_t>(j)] == TrialCondition::Magnesium ? 1.0 : 0.0);
        }
    }

    // Effect, shift coefficient c (for test inversion) and the half effects of one assignment.
    struct Stat {
        double t, c, t1, t2;
    };
    Stat eval(std::uint64_t bits) const {
        double S[2][3] = {}, N[2][3] = {}, K[2] = {};
        TrialCondition prev = TrialCondition::Control;
        for (int i = 0; i < scheme.pairs; ++i) {
            const bool mf = (bits >> i) & 1U;
            for (int h = 0; h < 2; ++h) {
                const bool mag = (h == 0) == mf;
                const TrialCondition c = mag ? TrialCondition::Magnesium : TrialCondition::Control;
                const int w = c != prev ? 1 : 0;
                prev = c;
                const std::size_t j = static_cast<std::size_t>(2 * i + h);
                const PeriodSums& p = periods[j];
                const int a = mag ? 1 : 0;
                for (int q = 0; q < 3; ++q) {
                    S[a][q] += p.s[w][q];
                    N[a][q] += p.n[w][q];
                }
                K[a] += p.n[w][0] * observed_m[j];
            }
        }
        auto diff = [&](int q) {
            return (N[1][q] > 0 && N[0][q] > 0) ? S[1][q] / N[1][q] - S[0][q] / N[0][q] : nan_v;
        };
        const double c = (N[1][0] > 0 && N[0][0] > 0) ? K[1] / N[1][0] - K[0] / N[0][0] : nan_v;
        return {diff(0), c, diff(1), diff(2)};
    }
};

std::uint64_t bits_of(const std::vector<bool>& mf) {
    std::uint64_t b = 0;
    for (std::size_t i = 0; i < mf.size(); ++i)
        if (mf[i]) b |= std::uint64_t{1} << i;
    return b;
}

}  // namespace

std::string_view condition_name(TrialCondition c) {
    switch (c) {
        case TrialCondition::Magnesium: return "magnesium";
        case TrialCondition::Control: return "control";
        case TrialCondition::Washout: break;
    }
    return "washout";
}

void TrialScheme::validate() const {
    if (pairs < 6 || pairs > 20)
        throw UsageError("the plan needs 6 to 20 pairs of periods (" + std::to_string(pairs) +
                         " given): with fewer than 6 the randomisation test cannot reach p < 0.05 "
                         "(its smallest p is 2 / 2^pairs)");
    if (period_nights < 2 || period_nights > 60) throw UsageError("periods must be 2 to 60 nights long");
    if (washout_nights < 0 || washout_nights >= period_nights)
        throw UsageError("--washout must be 0 to " + std::to_string(period_nights - 1) +
                         " nights (fewer than a period)");
}

std::vector<TrialCondition> TrialPlan::period_conditions() const { return conditions_of(magnesium_first); }

std::vector<TrialPeriod> TrialPlan::periods() const {
    std::vector<TrialPeriod> out;
    const auto conds = period_conditions();
    const int L = scheme.period_nights, W = scheme.washout_nights;
    for (std::size_t j = 0; j < conds.size(); ++j) {
        const date first = start + date_duration(static_cast<long>(j) * L);
        const date last = first + date_duration(L - 1);
        const int id = static_cast<int>(j) + 1;
        if (washed(conds, j) && W > 0) {
            out.push_back({first, first + date_duration(W - 1), TrialCondition::Washout, id});
            out.push_back({first + date_duration(W), last, conds[j], id});
        } else {
            out.push_back({first, last, conds[j], id});
        }
    }
    return out;
}

date TrialPlan::last_night() const { return start + date_duration(scheme.nights() - 1); }

std::optional<TrialCondition> TrialPlan::condition_on(const date& night) const {
    if (night < start || night > last_night()) return std::nullopt;
    for (const TrialPeriod& p : periods())
        if (night >= p.first_night && night <= p.last_night) return p.condition;
    return std::nullopt;
}

void PlanOptions::validate() const {
    if (start.is_special()) throw UsageError("plan: --start DATE is needed (the first night, YYYY-MM-DD)");
    if (period_nights < 2 || period_nights > 60) throw UsageError("plan: periods must be 2 to 60 nights long");
    const int nights = weeks * 7;
    if (weeks < 1 || nights % (2 * period_nights) != 0)
        throw UsageError("plan: --weeks " + std::to_string(weeks) + " is not a whole number of pairs of " +
                         std::to_string(period_nights) + "-night periods (with 7-night periods, give an even number of weeks)");
    try {
        scheme().validate();
    } catch (const UsageError& e) {
        throw UsageError(std::string("plan: ") + e.what());
    }
}

TrialScheme PlanOptions::scheme() const {
    TrialScheme s;
    s.period_nights = period_nights;
    s.washout_nights = washout_nights;
    s.pairs = weeks * 7 / (2 * period_nights);
    return s;
}

TrialPlan make_plan(const PlanOptions& options) {
    options.validate();
    TrialPlan plan;
    plan.start = options.start;
    plan.scheme = options.scheme();
    plan.seed = options.seed;
    plan.blind = options.blind;
    Xoshiro256ss rng = Xoshiro256ss::for_stream(options.seed, 0x7a1a1ULL);
    for (int i = 0; i < plan.scheme.pairs; ++i) plan.magnesium_first.push_back(rng.bounded(2) == 1);
    if (plan.blind && rng.bounded(2) == 1) {
        plan.magnesium_code = "B";
        plan.control_code = "A";
    }
    return plan;
}

nlohmann::ordered_json plan_json(const TrialPlan& plan, bool person_copy) {
    const bool coded = plan.blind && person_copy;
    auto label = [&](TrialCondition c) -> std::string {
        if (c == TrialCondition::Washout || !coded) return std::string(condition_name(c));
        return c == TrialCondition::Magnesium ? plan.magnesium_code : plan.control_code;
    };
    nlohmann::ordered_json o;
    o["sleeparch_plan"] = 1;
    o["start"] = format_date(plan.start);
    o["last_night"] = format_date(plan.last_night());
    o["nights"] = plan.scheme.nights();
    o["seed"] = plan.seed;
    o["blind"] = plan.blind;
    if (coded) o["codes"] = {plan.control_code < plan.magnesium_code ? plan.control_code : plan.magnesium_code,
                             plan.control_code < plan.magnesium_code ? plan.magnesium_code : plan.control_code};
    o["scheme"] = {{"name", "paired_periods"},
                   {"description", "pairs of periods, the order within each pair drawn at random (1/2 each), "
                                   "independently; washout nights open every period that follows a switch"},
                   {"pairs", plan.scheme.pairs},
                   {"period_nights", plan.scheme.period_nights},
                   {"washout_nights", plan.scheme.washout_nights},
                   {"max_run", plan.scheme.max_run()},
                   {"possible_assignments", plan.scheme.assignments()},
                   {"smallest_p", plan.scheme.smallest_p()}};
    nlohmann::ordered_json ps = nlohmann::ordered_json::array();
    for (const TrialPeriod& p : plan.periods())
        ps.push_back({{"first_night", format_date(p.first_night)},
                      {"last_night", format_date(p.last_night)},
                      {"condition", label(p.condition)},
                      {"period", p.period}});
    o["periods"] = std::move(ps);
    return o;
}

nlohmann::ordered_json plan_key_json(const TrialPlan& plan) {
    nlohmann::ordered_json o;
    o["sleeparch_plan_key"] = 1;
    o["start"] = format_date(plan.start);
    o["seed"] = plan.seed;
    o["codes"] = {{plan.magnesium_code, "magnesium"}, {plan.control_code, "control"}};
    return o;
}

TrialPlan read_plan_json(const nlohmann::json& doc, const std::string& file, const nlohmann::json* key,
                         const std::string& key_file) {
    auto fail = [&](const std::string& where, const std::string& field, const std::string& detail) -> void {
        throw ParseError(file, where, field, detail);
    };
    if (!doc.is_object() || !doc.contains("sleeparch_plan"))
        throw ParseError(file, 0, "sleeparch_plan", "missing: this is not a plan written by `sleeparch plan`");
    auto get_int = [&](const nlohmann::json& o, const std::string& name, const std::string& where) -> std::int64_t {
        if (!o.contains(name)) fail(where, name, "missing");
        if (!o[name].is_number_integer()) fail(where, name, "expected an integer, got " + std::string(o[name].type_name()));
        return o[name].get<std::int64_t>();
    };
    auto get_date = [&](const nlohmann::json& o, const std::string& name, const std::string& where) -> date {
        if (!o.contains(name)) fail(where, name, "missing");
        if (!o[name].is_string()) fail(where, name, "expected a date string, got " + std::string(o[name].type_name()));
        const auto d = parse_iso_date(o[name].get<std::string>());
        if (!d) fail(where, name, "\"" + o[name].get<std::string>() + "\" is not a date (YYYY-MM-DD)");
        return *d;
    };
    TrialPlan plan;
    plan.start = get_date(doc, "start", "plan");
    if (!doc.contains("seed") || !doc["seed"].is_number_unsigned()) fail("plan", "seed", "missing or not a non-negative integer");
    plan.seed = doc["seed"].get<std::uint64_t>();
    plan.blind = doc.value("blind", false);
    if (!doc.contains("scheme") || !doc["scheme"].is_object()) fail("plan", "scheme", "missing: expected an object");
    const auto& sc = doc["scheme"];
    if (sc.value("name", std::string()) != "paired_periods")
        fail("scheme", "name", "expected \"paired_periods\"");
    plan.scheme.pairs = static_cast<int>(get_int(sc, "pairs", "scheme"));
    plan.scheme.period_nights = static_cast<int>(get_int(sc, "period_nights", "scheme"));
    plan.scheme.washout_nights = static_cast<int>(get_int(sc, "washout_nights", "scheme"));
    try {
        plan.scheme.validate();
    } catch (const UsageError& e) {
        fail("scheme", "pairs", e.what());
    }
    // Codes of a blinded copy, resolved by the key when given.
    std::map<std::string, TrialCondition> names = {{"magnesium", TrialCondition::Magnesium},
                                                   {"control", TrialCondition::Control}};
    bool coded = false;
    if (key) {
        if (!key->is_object() || !key->contains("codes") || !(*key)["codes"].is_object())
            throw ParseError(key_file, 0, "codes", "missing: this is not a plan key written by `sleeparch plan --blind`");
        for (const auto& [code, cond] : (*key)["codes"].items()) {
            const std::string c = cond.is_string() ? cond.get<std::string>() : "";
            if (c != "magnesium" && c != "control")
                throw ParseError(key_file, "codes", code, "expected \"magnesium\" or \"control\"");
            names[code] = c == "magnesium" ? TrialCondition::Magnesium : TrialCondition::Control;
            (c == "magnesium" ? plan.magnesium_code : plan.control_code) = code;
        }
    }
    if (!doc.contains("periods") || !doc["periods"].is_array()) fail("plan", "periods", "missing: expected an array");
    const auto& ps = doc["periods"];
    std::vector<std::optional<TrialCondition>> per(static_cast<std::size_t>(2 * plan.scheme.pairs));
    std::vector<bool> has_washout(per.size(), false);
    date expected = plan.start;
    for (std::size_t k = 0; k < ps.size(); ++k) {
        const std::string where = "periods[" + std::to_string(k) + "]";
        const auto& p = ps[k];
        if (!p.is_object()) fail(where, "period", "expected an object");
        const date first = get_date(p, "first_night", where), last = get_date(p, "last_night", where);
        if (first != expected) fail(where, "first_night", format_date(first) + " does not follow the previous row (expected " + format_date(expected) + ")");
        if (last < first) fail(where, "last_night", "before first_night");
        expected = last + date_duration(1);
        const std::int64_t id = get_int(p, "period", where);
        if (id < 1 || id > static_cast<std::int64_t>(per.size())) fail(where, "period", "outside 1.." + std::to_string(per.size()));
        const std::size_t j = static_cast<std::size_t>(id - 1);
        const date pstart = plan.start + date_duration(static_cast<long>(j) * plan.scheme.period_nights);
        if (first < pstart || last > pstart + date_duration(plan.scheme.period_nights - 1))
            fail(where, "period", "its nights lie outside period " + std::to_string(id) + " of the scheme");
        if (!p.contains("condition") || !p["condition"].is_string()) fail(where, "condition", "missing");
        const std::string c = p["condition"].get<std::string>();
        if (c == "washout") {
            has_washout[j] = true;
            continue;
        }
        auto it = names.find(c);
        if (it == names.end()) {
            if (plan.blind && (c == "A" || c == "B")) {
                coded = true;
                // Without the key: A stands in for one condition; the analysis says the key is missing.
                it = names.emplace(c, c == "A" ? TrialCondition::Magnesium : TrialCondition::Control).first;
            } else {
                fail(where, "condition", "\"" + c + "\" is not magnesium, control or washout" +
                                             (plan.blind ? " (or a code of the key)" : ""));
            }
        }
        if (per[j] && *per[j] != it->second) fail(where, "condition", "period " + std::to_string(id) + " has two conditions");
        per[j] = it->second;
    }
    if (expected != plan.start + date_duration(plan.scheme.nights()))
        fail("periods", "last_night", "the periods do not cover the scheme's " + std::to_string(plan.scheme.nights()) + " nights");
    for (int i = 0; i < plan.scheme.pairs; ++i) {
        const auto& a = per[static_cast<std::size_t>(2 * i)];
        const auto& b = per[static_cast<std::size_t>(2 * i + 1)];
        if (!a || !b || *a == *b)
            fail("periods", "condition", "pair " + std::to_string(i + 1) + " (periods " + std::to_string(2 * i + 1) + " and " +
                                             std::to_string(2 * i + 2) + ") must hold one magnesium and one control period");
        plan.magnesium_first.push_back(*a == TrialCondition::Magnesium);
    }
    const auto conds = plan.period_conditions();
    for (std::size_t j = 0; j < conds.size(); ++j)
        if ((washed(conds, j) && plan.scheme.washout_nights > 0) != has_washout[j])
            fail("periods", "condition", "period " + std::to_string(j + 1) +
                                             (has_washout[j] ? " has washout nights but follows no switch"
                                                             : " follows a switch but has no washout nights"));
    plan.key_known = !(coded && !key);
    if (coded && !key) {
        // Codes without the key: the condition names are unknown; keep A as "magnesium" for the grouping.
        plan.magnesium_code = "A";
        plan.control_code = "B";
    }
    return plan;
}

// ---- the randomisation test ---------------------------------------------------------

double trial_effect(const std::vector<double>& values, const TrialScheme& scheme, const std::vector<bool>& mf) {
    const auto conds = conditions_of(mf);
    double sm = 0, sc = 0, nm = 0, nc = 0;
    for (std::size_t j = 0; j < conds.size(); ++j) {
        const int from = washed(conds, j) ? scheme.washout_nights : 0;
        for (int k = from; k < scheme.period_nights; ++k) {
            const double v = values[j * static_cast<std::size_t>(scheme.period_nights) + static_cast<std::size_t>(k)];
            if (!std::isfinite(v)) continue;
            if (conds[j] == TrialCondition::Magnesium) {
                sm += v;
                nm += 1;
            } else {
                sc += v;
                nc += 1;
            }
        }
    }
    return nm > 0 && nc > 0 ? sm / nm - sc / nc : nan_v;
}

RandomisationTest randomisation_test(const std::vector<double>& values, const TrialScheme& scheme,
                                     const std::vector<bool>& magnesium_first, std::uint64_t seed,
                                     std::size_t exact_limit, std::size_t monte_carlo, bool with_ci) {
    if (values.size() != static_cast<std::size_t>(scheme.nights()) ||
        magnesium_first.size() != static_cast<std::size_t>(scheme.pairs))
        throw UsageError("randomisation_test: one value per plan night and one order per pair are needed");
    RandomisationTest out;
    const Engine engine(values, scheme, magnesium_first);
    const Engine::Stat obs = engine.eval(bits_of(magnesium_first));
    out.observed = obs.t;
    out.first_half = obs.t1;
    out.second_half = obs.t2;
    {
        const auto conds = conditions_of(magnesium_first);
        for (std::size_t j = 0; j < conds.size(); ++j) {
            const int w = washed(conds, j) ? 1 : 0;
            (conds[j] == TrialCondition::Magnesium ? out.n_magnesium : out.n_control) +=
                static_cast<std::size_t>(engine.periods[j].n[w][0]);
        }
    }
    out.p = out.ci_low = out.ci_high = out.sd = out.carryover_p = nan_v;
    if (!std::isfinite(obs.t)) return out;

    std::vector<Engine::Stat> stats;
    const std::uint64_t total = scheme.assignments();
    out.exact = total <= exact_limit;
    if (out.exact) {
        stats.reserve(total);
        for (std::uint64_t b = 0; b < total; ++b) stats.push_back(engine.eval(b));
    } else {
        Xoshiro256ss rng = Xoshiro256ss::for_stream(seed, 0x7a1a2ULL);
        const std::uint64_t mask = total - 1;
        stats.reserve(monte_carlo);
        for (std::size_t r = 0; r < monte_carlo; ++r) stats.push_back(engine.eval(rng.next() & mask));
    }
    out.assignments = stats.size();
    // p over the assignments; Monte Carlo counts the observed one too.
    auto p_of = [&](auto&& stat_of, double observed) {
        const double tol = 1e-9 * std::max(1.0, std::fabs(observed));
        std::size_t count = 0;
        for (const auto& s : stats) {
            const double v = stat_of(s);
            if (!std::isfinite(v) || std::fabs(v) >= std::fabs(observed) - tol) ++count;
        }
        return out.exact ? static_cast<double>(count) / static_cast<double>(stats.size())
                         : static_cast<double>(count + 1) / static_cast<double>(stats.size() + 1);
    };
    out.p = p_of([](const Engine::Stat& s) { return s.t; }, obs.t);
    if (std::isfinite(obs.t1) && std::isfinite(obs.t2))
        out.carryover_p = p_of([](const Engine::Stat& s) { return s.t1 - s.t2; }, obs.t1 - obs.t2);
    out.distribution.reserve(stats.size());
    for (const auto& s : stats) out.distribution.push_back(s.t);
    {
        std::vector<double> finite;
        for (double v : out.distribution)
            if (std::isfinite(v)) finite.push_back(v);
        out.sd = sample_sd(finite);
    }
    if (!with_ci) return out;
    // CI by inversion: the constant additive effects d the test does not
    // reject (p(d) >= 0.05), where under d every observed magnesium night
    // is shifted back by d; the statistic of assignment a then is T_a - d c_a.
    auto p_at = [&](double d) {
        return p_of([d](const Engine::Stat& s) { return s.t - d * s.c; }, obs.t - d * obs.c);
    };
    const double step0 = std::max(out.sd, 1e-6 * std::max(1.0, std::fabs(obs.t)));
    auto bound = [&](double dir) {
        double inside = obs.t, outside = nan_v, h = step0;
        for (int m = 0; m < 60; ++m, h *= 2) {
            const double d = obs.t + dir * h;
            if (p_at(d) < 0.05) {
                outside = d;
                break;
            }
            inside = d;
        }
        if (!std::isfinite(outside)) return nan_v;
        for (int it = 0; it < 60; ++it) {
            const double mid = 0.5 * (inside + outside);
            (p_at(mid) < 0.05 ? outside : inside) = mid;
        }
        return 0.5 * (inside + outside);
    };
    out.ci_low = bound(-1);
    out.ci_high = bound(+1);
    return out;
}

// ---- analysis ---------------------------------------------------------------------

void TrialOptions::validate() const {
    for (const auto& name : metrics)
        if (!find_metric(name))
            throw UsageError("--metrics: unknown metric \"" + name + "\" (see `sleeparch nights --help` for names)");
    if (!primary.empty() && !find_metric(primary)) throw UsageError("--primary: unknown metric \"" + primary + "\"");
    if (min_nights < 2) throw UsageError("the minimum number of nights per condition must be at least 2");
    if (monte_carlo < 1000 || monte_carlo > 10'000'000) throw UsageError("Monte Carlo draws must be 1,000 to 10,000,000");
}

TrialResult analyse_trial(const std::vector<Night>& nights, const std::vector<NightMetrics>& metrics,
                          const std::vector<Dose>& doses, const TrialPlan& plan, const TrialOptions& options,
                          bool has_log) {
    if (metrics.size() != nights.size()) throw UsageError("analyse_trial: one NightMetrics per night is required");
    options.validate();
    plan.scheme.validate();
    TrialResult res;
    res.plan = plan;
    res.seed = options.seed;
    res.primary = options.primary;
    const auto conds = plan.period_conditions();
    const int L = plan.scheme.period_nights;
    const auto n_plan = static_cast<std::size_t>(plan.scheme.nights());
    auto index_of = [&](const date& d) -> std::optional<std::size_t> {
        if (d < plan.start || d > plan.last_night()) return std::nullopt;
        return static_cast<std::size_t>((d - plan.start).days());
    };
    auto analysed = [&](std::size_t k) {
        const std::size_t j = k / static_cast<std::size_t>(L);
        const int off = static_cast<int>(k % static_cast<std::size_t>(L));
        return !(washed(conds, j) && off < plan.scheme.washout_nights);
    };

    // Main sleeps inside the plan, per source.
    std::map<std::string, std::vector<std::size_t>> in_plan;  // source key -> night indices
    std::map<std::string, SourceNights> by_key;
    for (std::size_t i = 0; i < nights.size(); ++i) {
        if (nights[i].is_nap || nights[i].label_date.is_special()) continue;
        const auto k = index_of(nights[i].label_date);
        if (!k) continue;
        const std::string key = nights[i].source.key();
        in_plan[key].push_back(i);
        auto& s = by_key[key];
        s.source = nights[i].source.label();
        if (analysed(*k)) ++(conds[*k / static_cast<std::size_t>(L)] == TrialCondition::Magnesium ? s.treatment : s.baseline);
    }
    if (in_plan.empty()) {
        std::string list;
        for (const TrialPeriod& p : plan.periods())
            list += (list.empty() ? "" : ", ") + std::to_string(p.period) + " " + format_date(p.first_night) + ".." +
                    format_date(p.last_night);
        throw UsageError("no main sleep of the export falls inside the plan's periods (" + format_date(plan.start) +
                         ".." + format_date(plan.last_night()) + "; periods " + list +
                         "): check the export covers the trial and the plan's start date");
    }
    std::string chosen;
    if (!options.compare_source.empty()) {
        for (const auto& [key, idx] : in_plan)
            if (source_matches(nights[idx.front()].source, options.compare_source)) chosen = key;
        if (chosen.empty()) throw UsageError("--compare-source \"" + options.compare_source + "\" has no nights in the plan");
    } else {
        std::size_t best = 0;
        for (const auto& [key, s] : by_key)
            if (s.baseline > 0 && s.treatment > 0 && s.baseline + s.treatment > best) {
                best = s.baseline + s.treatment;
                chosen = key;
            }
    }
    res.comparable = !chosen.empty() && by_key[chosen].baseline > 0 && by_key[chosen].treatment > 0;
    for (auto& [key, s] : by_key) {
        s.compared = key == chosen;
        if (!s.compared) res.nights_left_out += in_plan[key].size();
        res.sources.push_back(s);
    }
    std::vector<std::optional<std::size_t>> night_at(n_plan);
    if (!chosen.empty()) {
        res.source = by_key[chosen].source;
        for (std::size_t i : in_plan[chosen]) {
            const std::size_t k = *index_of(nights[i].label_date);
            if (!night_at[k]) night_at[k] = i;
        }
        for (std::size_t k = 0; k < n_plan; ++k)
            if (night_at[k]) {
                ++res.nights_in_plan;
                if (!analysed(k)) ++res.washout_nights;
            }
    }

    std::vector<const MetricInfo*> infos;
    auto add = [&](std::string_view name) {
        const MetricInfo* mi = find_metric(name);
        if (mi && std::find(infos.begin(), infos.end(), mi) == infos.end()) infos.push_back(mi);
    };
    if (!options.primary.empty()) add(options.primary);
    if (options.metrics.empty())
        for (auto name : default_comparison_metrics()) add(name);
    else
        for (const auto& name : options.metrics) add(name);

    std::vector<double> ps;
    for (const MetricInfo* mi : infos) {
        TrialMetric m;
        m.metric = std::string(mi->name);
        m.unit = std::string(mi->unit);
        m.primary = m.metric == options.primary;
        m.min_nights = options.min_nights;
        std::vector<double> values(n_plan, nan_v), vm, vc;
        for (std::size_t k = 0; k < n_plan; ++k) {
            if (!night_at[k]) continue;
            const std::size_t i = *night_at[k];
            const double v = metrics[i].*(mi->member);
            if (!std::isfinite(v)) continue;
            if (mi->share && !(metrics[i].staged_fraction >= options.staged_fraction_min)) continue;
            values[k] = v;
            if (analysed(k)) (conds[k / static_cast<std::size_t>(L)] == TrialCondition::Magnesium ? vm : vc).push_back(v);
        }
        m.mean_magnesium = mean(vm);
        m.mean_control = mean(vc);
        m.sd_magnesium = sample_sd(vm);
        m.sd_control = sample_sd(vc);
        const RandomisationTest t = randomisation_test(values, plan.scheme, plan.magnesium_first,
                                                       Xoshiro256ss::for_stream(options.seed, ps.size()).next(),
                                                       options.exact_limit, options.monte_carlo);
        m.n_magnesium = t.n_magnesium;
        m.n_control = t.n_control;
        m.diff = t.observed;
        m.ci_low = t.ci_low;
        m.ci_high = t.ci_high;
        m.p = t.p;
        m.randomisation_sd = t.sd;
        m.mde = 2.80 * t.sd;
        m.effect_first_half = t.first_half;
        m.effect_second_half = t.second_half;
        m.carryover_p = t.carryover_p;
        if (!res.comparable) m.diff = m.ci_low = m.ci_high = m.p = m.mde = nan_v;
        if (m.primary) {
            res.distribution = t.distribution;
            res.method = t.exact ? "exact" : "monte_carlo";
            res.assignments_used = t.assignments;
        }
        const bool enough = m.n_magnesium >= options.min_nights && m.n_control >= options.min_nights;
        ps.push_back(res.comparable && enough && !m.primary ? m.p : nan_v);
        res.metrics.push_back(std::move(m));
    }
    if (res.method.empty()) res.method = plan.scheme.assignments() <= options.exact_limit ? "exact" : "monte_carlo";
    const std::vector<double> adj = holm_adjust(ps);
    std::size_t family = 0;
    for (double p : ps) family += std::isnan(p) ? 0 : 1;
    for (std::size_t k = 0; k < res.metrics.size(); ++k) {
        auto& m = res.metrics[k];
        m.holm_family = m.primary ? 0 : family;
        const bool enough = m.n_magnesium >= options.min_nights && m.n_control >= options.min_nights;
        if (!res.comparable) {
            m.verdict = Verdict::NotComparable;
            m.p_holm = nan_v;
        } else if (!enough) {
            m.verdict = Verdict::TooFewNights;
            m.p_holm = m.primary ? m.p : nan_v;
        } else {
            m.p_holm = m.primary ? m.p : adj[k];
            m.verdict = m.p_holm < 0.05 ? Verdict::Changed : Verdict::NoChange;
        }
    }

    // Adherence: planned against logged, by label date (a date-only dose on
    // evening D belongs to night D+1, METRICS.md §4).
    TrialAdherence& a = res.adherence;
    a.has_log = has_log;
    a.adherence_pct = nan_v;
    if (has_log) {
        const LinkResult links = link_nights(nights, metrics, doses);
        std::map<date, std::set<std::string>> capsules;
        for (const Dose& d : doses) {
            const date label = dose_label_date(d);
            if (label.is_special()) continue;
            for (std::string tag : d.tags) {
                for (char& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (tag.rfind("capsule_", 0) == 0) capsules[label].insert(tag.substr(8));
            }
        }
        auto lower = [](std::string v) {
            for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return v;
        };
        const std::string mcode = lower(plan.magnesium_code);
        for (std::size_t k = 0; k < n_plan; ++k) {
            const date d = plan.start + date_duration(static_cast<long>(k));
            auto it = links.supplement_mg_by_date.find(d);
            const bool mg = it != links.supplement_mg_by_date.end() && it->second > 0;
            auto ct = capsules.find(d);
            const bool mag_capsule = ct != capsules.end() && ct->second.count(mcode);
            if (conds[k / static_cast<std::size_t>(L)] == TrialCondition::Magnesium) {
                ++a.planned_magnesium;
                if (mg || mag_capsule) ++a.magnesium_with_dose;
            } else {
                ++a.planned_control;
                if (mg || mag_capsule) ++a.control_with_dose;
            }
        }
        for (const auto& [d, mg] : links.supplement_mg_by_date)
            if (mg > 0 && (d < plan.start || d > plan.last_night())) ++a.doses_outside_plan;
        if (a.planned_magnesium > 0)
            a.adherence_pct = 100.0 * static_cast<double>(a.magnesium_with_dose) / static_cast<double>(a.planned_magnesium);
        if (a.control_with_dose > 0)
            res.warnings.push_back("doses logged on " + std::to_string(a.control_with_dose) + " of " +
                                   std::to_string(a.planned_control) +
                                   " control nights: the analysis keeps the planned assignment (intention to treat), "
                                   "so such doses make an effect harder to see");
        if (a.planned_magnesium > 0 && a.magnesium_with_dose * 5 < a.planned_magnesium * 4)
            res.warnings.push_back("doses logged on " + std::to_string(a.magnesium_with_dose) + " of " +
                                   std::to_string(a.planned_magnesium) +
                                   " magnesium nights: missed doses or an incomplete log");
    }
    if (!plan.key_known)
        res.warnings.push_back("the plan is blinded and its key was not given: the conditions are shown as codes A and B, "
                               "and the sign of the effect is A - B");
    if (!res.comparable)
        res.warnings.push_back("no source recorded analysed nights under both conditions: the trial cannot be analysed");
    if (res.nights_left_out > 0)
        res.warnings.push_back(std::to_string(res.nights_left_out) + " nights of other sources inside the plan left out; compared: " +
                               (res.source.empty() ? std::string("none") : res.source));
    for (const auto& m : res.metrics)
        if (m.primary && std::isfinite(m.carryover_p) && m.carryover_p < 0.05)
            res.warnings.push_back(m.metric + ": the effect differs between the first and second halves of the periods (" +
                                   fmt(m.effect_first_half) + " vs " + fmt(m.effect_second_half) + ", p = " +
                                   fmt_p(m.carryover_p) + "): a carry-over or a slow onset; a longer washout would help");
    return res;
}

std::string trial_sentence(const TrialMetric& m, const TrialResult& r) {
    const std::string name = metric_display_name(m.metric);
    const std::string unit = unit_suffix(m.unit);
    const std::string mag = r.plan.key_known ? "magnesium" : "code " + r.plan.magnesium_code;
    const std::string ctl = r.plan.key_known ? "control" : "code " + r.plan.control_code;
    switch (m.verdict) {
        case Verdict::NotComparable:
            return name + ": not comparable: no source recorded nights under both conditions.";
        case Verdict::TooFewNights:
            return name + ": too few nights to judge (" + std::to_string(m.n_magnesium) + " " + mag + ", " +
                   std::to_string(m.n_control) + " " + ctl + "; at least " + std::to_string(m.min_nights) +
                   " of each are needed).";
        default: break;
    }
    const std::string dir = m.diff < 0 ? "lower" : "higher";
    const std::string est = name + " was " + fmt(std::fabs(m.diff)) + unit + " " + dir + " on " + mag +
                            " nights than on " + ctl + " nights (95 % CI " + fmt(m.ci_low) + " to " +
                            fmt(m.ci_high) + ", randomisation p = " + fmt_p(m.p) + ")";
    const std::string blind = r.plan.blind ? "" : " The trial was not blinded: expectation may explain part of it.";
    if (m.verdict == Verdict::Changed)
        return est + ". The order of the periods was random, so season and habits are balanced by design: the trial "
                     "supports an effect on this person's sleep over these weeks." + blind;
    if (!m.primary && m.p < 0.05)
        return est + ", but this does not survive the adjustment for " + std::to_string(m.holm_family) +
               " metrics: the trial does not support an effect on this person's sleep over these weeks.";
    return est + ": the trial does not support an effect on this person's sleep over these weeks; effects smaller "
                 "than about " + fmt(m.mde) + unit + " could not be seen.";
}

std::string trial_summary(const TrialResult& r) {
    std::string s = "A randomised self-trial: " + std::to_string(2 * r.plan.scheme.pairs) + " periods of " +
                    std::to_string(r.plan.scheme.period_nights) + " nights in " + std::to_string(r.plan.scheme.pairs) +
                    " pairs, the order within each pair drawn at random (seed " + std::to_string(r.plan.seed) +
                    "), so season and habits are balanced by design. p comes from the " +
                    (r.method == "exact" ? "exact " : "Monte Carlo ") + "randomisation distribution over the " +
                    std::to_string(r.plan.scheme.assignments()) +
                    " orders the scheme could have drawn, valid whatever the night-to-night correlation; the CI "
                    "inverts that test (a constant effect on magnesium nights). ";
    s += r.plan.blind ? (r.plan.key_known ? "The trial was blinded (codes A/B; key opened for the analysis). "
                                          : "The trial is blinded and the key is still closed. ")
                      : "The trial was not blinded: expectation may explain part of any effect. ";
    s += "The result is about this person over these weeks, not about magnesium in general.";
    return s;
}

nlohmann::ordered_json trial_json(const TrialResult& r) {
    auto num = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); };
    nlohmann::ordered_json o;
    o["design"] = plan_json(r.plan, !r.plan.key_known);
    o["blinding"] = r.plan.blind ? (r.plan.key_known ? "blinded, key opened for the analysis" : "blinded, key not given")
                                 : "open (not blinded)";
    o["estimator"] = "mean(magnesium) - mean(control) over analysed nights (washout out), intention to treat";
    o["p_method"] = r.method == "exact" ? "exact randomisation test over every assignment of the scheme"
                                        : "Monte Carlo randomisation test (seeded)";
    o["ci_method"] = "inversion of the randomisation test (constant additive effect)";
    o["assignments"] = r.plan.scheme.assignments();
    o["assignments_used"] = r.assignments_used;
    o["seed"] = r.seed;
    o["primary"] = r.primary;
    o["comparable"] = r.comparable;
    o["source"] = r.source.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.source);
    nlohmann::ordered_json srcs = nlohmann::ordered_json::array();
    for (const SourceNights& s : r.sources)
        srcs.push_back({{"source", s.source}, {"control", s.baseline}, {"magnesium", s.treatment}, {"compared", s.compared}});
    o["sources"] = std::move(srcs);
    o["nights_left_out"] = r.nights_left_out;
    o["nights_in_plan"] = r.nights_in_plan;
    o["washout_nights"] = r.washout_nights;
    nlohmann::ordered_json ms = nlohmann::ordered_json::array();
    for (const TrialMetric& m : r.metrics)
        ms.push_back({{"metric", m.metric},
                      {"unit", m.unit},
                      {"primary", m.primary},
                      {"n_magnesium", m.n_magnesium},
                      {"n_control", m.n_control},
                      {"mean_magnesium", num(m.mean_magnesium)},
                      {"mean_control", num(m.mean_control)},
                      {"sd_magnesium", num(m.sd_magnesium)},
                      {"sd_control", num(m.sd_control)},
                      {"diff", num(m.diff)},
                      {"ci_low", num(m.ci_low)},
                      {"ci_high", num(m.ci_high)},
                      {"p", num(m.p)},
                      {"p_holm", num(m.p_holm)},
                      {"holm_family", m.holm_family},
                      {"mde", num(m.mde)},
                      {"randomisation_sd", num(m.randomisation_sd)},
                      {"carryover", {{"effect_first_half", num(m.effect_first_half)},
                                     {"effect_second_half", num(m.effect_second_half)},
                                     {"p", num(m.carryover_p)}}},
                      {"verdict", std::string(verdict_name(m.verdict))},
                      {"sentence", trial_sentence(m, r)}});
    o["metrics"] = std::move(ms);
    // The primary's randomisation distribution as a histogram (40 bins).
    {
        std::vector<double> f;
        for (double v : r.distribution)
            if (std::isfinite(v)) f.push_back(v);
        nlohmann::ordered_json h;
        if (!f.empty()) {
            const auto [lo, hi] = std::minmax_element(f.begin(), f.end());
            const double a = *lo, b = *hi > *lo ? *hi : *lo + 1;
            std::vector<std::size_t> counts(40, 0);
            for (double v : f) ++counts[std::min<std::size_t>(39, static_cast<std::size_t>((v - a) / (b - a) * 40))];
            h["low"] = a;
            h["high"] = b;
            h["counts"] = counts;
        }
        for (const auto& m : r.metrics)
            if (m.primary) h["observed"] = num(m.diff);
        o["distribution"] = std::move(h);
    }
    const TrialAdherence& a = r.adherence;
    o["adherence"] = {{"log", a.has_log},
                      {"planned_magnesium_nights", a.planned_magnesium},
                      {"magnesium_nights_with_dose", a.magnesium_with_dose},
                      {"planned_control_nights", a.planned_control},
                      {"control_nights_with_dose", a.control_with_dose},
                      {"dosed_nights_outside_plan", a.doses_outside_plan},
                      {"adherence_pct", num(a.adherence_pct)}};
    o["warnings"] = r.warnings;
    o["summary"] = trial_summary(r);
    return o;
}

}  // namespace sleeparch
