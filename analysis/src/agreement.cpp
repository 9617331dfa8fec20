#include "sleeparch/agreement.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <tuple>

#include "sleeparch/number_format.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/stats.hpp"

namespace sleeparch {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kLoaZ = 1.96;  // Bland & Altman's limits, as METRICS.md §6 writes them

double ratio_pct(double num, double den) { return den > 0 ? 100.0 * num / den : kNaN; }

double finite_mean(std::span<const double> x) {
    double sum = 0;
    std::size_t n = 0;
    for (double v : x)
        if (std::isfinite(v)) {
            sum += v;
            ++n;
        }
    return n ? sum / static_cast<double>(n) : kNaN;
}

double finite_sd(std::span<const double> x) {
    const double m = finite_mean(x);
    double ss = 0;
    std::size_t n = 0;
    for (double v : x)
        if (std::isfinite(v)) {
            ss += (v - m) * (v - m);
            ++n;
        }
    return n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : kNaN;
}

// Ordinary least squares of y on x: intercept, slope, and the two-sided p
// of the slope (t with n - 2 df).
struct Line {
    double intercept = kNaN, slope = kNaN, p = kNaN;
};
Line ols(std::span<const double> x, std::span<const double> y) {
    Line l;
    const std::size_t n = x.size();
    if (n < 2) return l;
    const double mx = mean(x), my = mean(y);
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    if (!(sxx > 0)) return l;
    l.slope = sxy / sxx;
    l.intercept = my - l.slope * mx;
    if (n < 3) return l;
    double ssr = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double r = y[i] - l.intercept - l.slope * x[i];
        ssr += r * r;
    }
    const double se = std::sqrt(ssr / static_cast<double>(n - 2) / sxx);
    if (se > 0)
        l.p = two_sided_p_t(l.slope / se, static_cast<double>(n - 2));
    else if (l.slope != 0)
        l.p = 0;  // an exact line with a slope
    return l;
}

// The segment in force at instant t, advancing `k` (t non-decreasing).
const Segment* segment_at(const std::vector<Segment>& segs, std::size_t& k, UtcSeconds t2) {
    // t2 is twice the instant, so that a 1-s epoch's middle stays integral.
    while (k < segs.size() && 2 * segs[k].end <= t2) ++k;
    if (k < segs.size() && 2 * segs[k].start <= t2) return &segs[k];
    return nullptr;
}

}  // namespace

std::optional<int> agree_class(Stage s) {
    if (s == Stage::Wake) return 0;
    if (is_light_family(s)) return 1;
    if (s == Stage::Deep) return 2;
    if (s == Stage::REM) return 3;
    return std::nullopt;
}

double class_stat(const ClassStats& s, std::size_t i) {
    const double v[] = {s.accuracy, s.sensitivity, s.specificity, s.ppv, s.npv, s.kappa, s.pabak};
    return v[i];
}

double sleep_wake_stat(const SleepWakeStats& s, std::size_t i) {
    const double v[] = {s.accuracy, s.sensitivity, s.specificity};
    return v[i];
}

ClassStats class_stats(const Confusion& c, int cls) {
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (int r = 0; r < kAgreeClasses; ++r)
        for (int d = 0; d < kAgreeClasses; ++d) {
            const auto v = static_cast<double>(c[r][d]);
            if (r == cls && d == cls) tp += v;
            else if (r == cls) fn += v;
            else if (d == cls) fp += v;
            else tn += v;
        }
    const double n = tp + fp + fn + tn;
    ClassStats s{};
    s.accuracy = ratio_pct(tp + tn, n);
    s.sensitivity = ratio_pct(tp, tp + fn);
    s.specificity = ratio_pct(tn, tn + fp);
    s.ppv = ratio_pct(tp, tp + fp);
    s.npv = ratio_pct(tn, tn + fn);
    if (n > 0) {
        const double po = (tp + tn) / n;
        // Chance agreement from the two raters' marginals (Cohen 1960).
        const double pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n);
        s.kappa = pe < 1 ? (po - pe) / (1 - pe) : kNaN;
        s.pabak = 2 * po - 1;
    } else {
        s.kappa = s.pabak = kNaN;
    }
    return s;
}

SleepWakeStats sleep_wake_stats(const Confusion& c) {
    double ww = 0, ws = 0, sw = 0, ss = 0;  // reference-device
    for (int r = 0; r < kAgreeClasses; ++r)
        for (int d = 0; d < kAgreeClasses; ++d) {
            const auto v = static_cast<double>(c[r][d]);
            if (r == 0 && d == 0) ww += v;
            else if (r == 0) ws += v;
            else if (d == 0) sw += v;
            else ss += v;
        }
    return {ratio_pct(ww + ss, ww + ws + sw + ss), ratio_pct(ss, ss + sw), ratio_pct(ww, ww + ws)};
}

EpochAlignment align_epochs(const Night& reference, const Night& device) {
    EpochAlignment a;
    const UtcSeconds e = reference.epoch_s > 0 ? reference.epoch_s : 30;
    const UtcSeconds w0 = reference.window_start, w1 = reference.window_end;
    std::size_t kr = 0, kd = 0;
    for (UtcSeconds t = w0; t < w1; t += e) {
        // The middle of the epoch (of its part inside the window, for a last partial epoch).
        const UtcSeconds mid2 = t + std::min(t + e, w1);
        const Segment* r = segment_at(reference.segments, kr, mid2);
        const Segment* d = segment_at(device.segments, kd, mid2);
        if (!d) {
            ++a.non_overlap;
            continue;
        }
        const std::optional<int> rc = r ? agree_class(r->stage) : std::nullopt;
        const std::optional<int> dc = agree_class(d->stage);
        if (!rc || !dc) {
            ++a.unscored;
            continue;
        }
        ++a.confusion[*rc][*dc];
        ++a.epochs;
    }
    return a;
}

double discrepancy_metric(const NightMetrics& m, std::size_t i) {
    const double v[] = {m.tst_min,  m.se_pct,  m.sol_min,   m.waso_total_min, m.light_min,
                        m.deep_min, m.rem_min, m.light_pct, m.deep_pct,       m.rem_pct};
    return v[i];
}

AgreementPair agree_pair(std::string id, const Night& reference, const NightMetrics& reference_metrics,
                         const Night& device, const NightMetrics& device_metrics) {
    AgreementPair p;
    p.id = std::move(id);
    p.alignment = align_epochs(reference, device);
    for (int c = 0; c < kAgreeClasses; ++c) p.per_stage[c] = class_stats(p.alignment.confusion, c);
    p.sleep_wake = sleep_wake_stats(p.alignment.confusion);
    for (std::size_t i = 0; i < kDiscrepancyCount; ++i) {
        p.reference[i] = discrepancy_metric(reference_metrics, i);
        p.device[i] = discrepancy_metric(device_metrics, i);
        p.discrepancy[i] = p.device[i] - p.reference[i];
    }
    return p;
}

BlandAltman bland_altman(std::span<const double> reference, std::span<const double> device, double alpha) {
    std::vector<double> diff, avg;
    for (std::size_t i = 0; i < reference.size() && i < device.size(); ++i) {
        if (!std::isfinite(reference[i]) || !std::isfinite(device[i])) continue;
        diff.push_back(device[i] - reference[i]);
        avg.push_back((device[i] + reference[i]) / 2);
    }
    BlandAltman b;
    b.n = diff.size();
    b.bias = finite_mean(diff);
    b.sd = finite_sd(diff);
    b.loa_low = b.bias - kLoaZ * b.sd;
    b.loa_high = b.bias + kLoaZ * b.sd;
    const Line l = ols(avg, diff);
    b.slope = l.slope;
    b.slope_p = l.p;
    b.proportional = std::isfinite(l.p) && l.p < alpha;
    b.bias_intercept = b.bias_slope = b.sd_intercept = b.sd_slope = kNaN;
    if (b.proportional) {
        // Bland & Altman (1999) §3.2: the absolute residuals regressed on the
        // mean, times sqrt(pi/2), estimate the SD of the difference at each mean.
        std::vector<double> absres(diff.size());
        for (std::size_t i = 0; i < diff.size(); ++i)
            absres[i] = std::abs(diff[i] - l.intercept - l.slope * avg[i]);
        const Line r = ols(avg, absres);
        const double k = std::sqrt(std::numbers::pi / 2);
        b.bias_intercept = l.intercept;
        b.bias_slope = l.slope;
        b.sd_intercept = k * r.intercept;
        b.sd_slope = k * r.slope;
    }
    return b;
}

AgreementGroup agreement_group(const std::vector<AgreementPair>& pairs, const AgreementOptions& options) {
    AgreementGroup g;
    const std::size_t n = pairs.size();
    g.pairs = n;
    constexpr std::size_t kStats = kClassStatNames.size(), kSw = kSleepWakeStatNames.size();
    constexpr std::size_t kColumns = kAgreeClasses * kStats + kSw;
    // One column per statistic, one row per pair.
    std::vector<std::vector<double>> col(kColumns, std::vector<double>(n));
    for (std::size_t p = 0; p < n; ++p) {
        for (int c = 0; c < kAgreeClasses; ++c)
            for (std::size_t s = 0; s < kStats; ++s) col[c * kStats + s][p] = class_stat(pairs[p].per_stage[c], s);
        for (std::size_t s = 0; s < kSw; ++s) col[kAgreeClasses * kStats + s][p] = sleep_wake_stat(pairs[p].sleep_wake, s);
    }

    // Bootstrap: the same resampled pairs for every statistic.
    const std::size_t b_count = options.resamples;
    std::vector<std::vector<double>> boot(kColumns, std::vector<double>(b_count, kNaN));
    if (n > 0 && b_count > 0) {
        Xoshiro256ss rng(options.seed);
        std::vector<std::size_t> idx(n);
        std::vector<double> sum(kColumns);
        std::vector<std::size_t> cnt(kColumns);
        for (std::size_t b = 0; b < b_count; ++b) {
            for (std::size_t& i : idx) i = static_cast<std::size_t>(rng.bounded(n));
            std::fill(sum.begin(), sum.end(), 0.0);
            std::fill(cnt.begin(), cnt.end(), 0);
            for (std::size_t k = 0; k < kColumns; ++k) {
                const double* v = col[k].data();
                double s = 0;
                std::size_t m = 0;
                for (std::size_t i : idx)
                    if (std::isfinite(v[i])) {
                        s += v[i];
                        ++m;
                    }
                boot[k][b] = m ? s / static_cast<double>(m) : kNaN;
            }
        }
    }
    const double lo_q = (1 - options.confidence) / 2, hi_q = 1 - lo_q;
    auto summarise = [&](std::size_t k) {
        MeanCi m{finite_mean(col[k]), finite_sd(col[k]), kNaN, kNaN};
        std::vector<double> ok;
        ok.reserve(b_count);
        for (double v : boot[k])
            if (std::isfinite(v)) ok.push_back(v);
        if (!ok.empty()) {
            std::sort(ok.begin(), ok.end());
            m.ci_low = quantile_sorted(ok, lo_q);
            m.ci_high = quantile_sorted(ok, hi_q);
        }
        return m;
    };
    for (int c = 0; c < kAgreeClasses; ++c)
        for (std::size_t s = 0; s < kStats; ++s) g.per_stage_mean[c][s] = summarise(c * kStats + s);
    for (std::size_t s = 0; s < kSw; ++s) g.sleep_wake_mean[s] = summarise(kAgreeClasses * kStats + s);

    std::array<std::array<double, kAgreeClasses>, kAgreeClasses> prop_sum{};
    std::array<std::size_t, kAgreeClasses> prop_n{};
    for (const AgreementPair& p : pairs) {
        const Confusion& c = p.alignment.confusion;
        for (int r = 0; r < kAgreeClasses; ++r) {
            std::int64_t row = 0;
            for (int d = 0; d < kAgreeClasses; ++d) {
                g.confusion_sum[r][d] += c[r][d];
                row += c[r][d];
            }
            if (row == 0) continue;
            ++prop_n[r];
            for (int d = 0; d < kAgreeClasses; ++d)
                prop_sum[r][d] += 100.0 * static_cast<double>(c[r][d]) / static_cast<double>(row);
        }
    }
    for (int r = 0; r < kAgreeClasses; ++r)
        for (int d = 0; d < kAgreeClasses; ++d)
            g.confusion_prop_mean[r][d] = prop_n[r] ? prop_sum[r][d] / static_cast<double>(prop_n[r]) : kNaN;
    for (int c = 0; c < kAgreeClasses; ++c) g.pooled[c] = class_stats(g.confusion_sum, c);
    g.sleep_wake_pooled = sleep_wake_stats(g.confusion_sum);

    std::vector<double> ref(n), dev(n);
    for (std::size_t i = 0; i < kDiscrepancyCount; ++i) {
        for (std::size_t p = 0; p < n; ++p) {
            ref[p] = pairs[p].reference[i];
            dev[p] = pairs[p].device[i];
        }
        g.bland_altman[i] = bland_altman(ref, dev, options.alpha);
    }
    return g;
}

NightPairing pair_by_overlap(const std::vector<Night>& reference, const std::vector<Night>& device) {
    // (overlap, reference, device) for every overlapping pair, largest first.
    std::vector<std::tuple<UtcSeconds, std::size_t, std::size_t>> cand;
    for (std::size_t r = 0; r < reference.size(); ++r)
        for (std::size_t d = 0; d < device.size(); ++d) {
            const UtcSeconds o = std::min(reference[r].window_end, device[d].window_end) -
                                 std::max(reference[r].window_start, device[d].window_start);
            if (o > 0) cand.emplace_back(o, r, d);
        }
    std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) {
        if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
        return std::tie(std::get<1>(a), std::get<2>(a)) < std::tie(std::get<1>(b), std::get<2>(b));
    });
    std::vector<bool> used_r(reference.size()), used_d(device.size());
    NightPairing p;
    for (const auto& [o, r, d] : cand) {
        if (used_r[r] || used_d[d]) continue;
        used_r[r] = used_d[d] = true;
        p.pairs.emplace_back(r, d);
    }
    std::sort(p.pairs.begin(), p.pairs.end());
    for (std::size_t r = 0; r < reference.size(); ++r)
        if (!used_r[r]) p.unpaired_reference.push_back(r);
    for (std::size_t d = 0; d < device.size(); ++d)
        if (!used_d[d]) p.unpaired_device.push_back(d);
    return p;
}

namespace {

nlohmann::ordered_json confusion_json(const Confusion& c) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& row : c) j.push_back(row);
    return j;
}

nlohmann::ordered_json class_stats_json(const ClassStats& s) {
    nlohmann::ordered_json j;
    for (std::size_t i = 0; i < kClassStatNames.size(); ++i) j[std::string(kClassStatNames[i])] = json_number(class_stat(s, i));
    return j;
}

nlohmann::ordered_json sleep_wake_json(const SleepWakeStats& s) {
    nlohmann::ordered_json j;
    for (std::size_t i = 0; i < kSleepWakeStatNames.size(); ++i)
        j[std::string(kSleepWakeStatNames[i])] = json_number(sleep_wake_stat(s, i));
    return j;
}

nlohmann::ordered_json mean_ci_json(const MeanCi& m) {
    nlohmann::ordered_json j;
    j["mean"] = json_number(m.mean);
    j["sd"] = json_number(m.sd);
    j["ci_low"] = json_number(m.ci_low);
    j["ci_high"] = json_number(m.ci_high);
    return j;
}

}  // namespace

nlohmann::ordered_json agreement_json(const AgreementResult& r) {
    nlohmann::ordered_json out;
    nlohmann::ordered_json pairs = nlohmann::ordered_json::array();
    for (const AgreementPair& p : r.pairs) {
        nlohmann::ordered_json j;
        j["id"] = p.id;
        j["epochs"] = p.alignment.epochs;
        j["excluded_epochs"] = p.alignment.excluded();
        nlohmann::ordered_json ps;
        for (int c = 0; c < kAgreeClasses; ++c) ps[std::string(kAgreeClassNames[c])] = class_stats_json(p.per_stage[c]);
        j["per_stage"] = std::move(ps);
        j["sleep_wake"] = sleep_wake_json(p.sleep_wake);
        j["confusion"] = confusion_json(p.alignment.confusion);
        nlohmann::ordered_json d;
        for (std::size_t i = 0; i < kDiscrepancyCount; ++i) d[std::string(kDiscrepancyMetrics[i])] = json_number(p.discrepancy[i]);
        j["discrepancy"] = std::move(d);
        // The two sides' values, for Bland-Altman plots (the pair mean).
        nlohmann::ordered_json rv, dv;
        for (std::size_t i = 0; i < kDiscrepancyCount; ++i) {
            rv[std::string(kDiscrepancyMetrics[i])] = json_number(p.reference[i]);
            dv[std::string(kDiscrepancyMetrics[i])] = json_number(p.device[i]);
        }
        j["reference"] = std::move(rv);
        j["device"] = std::move(dv);
        pairs.push_back(std::move(j));
    }
    out["pairs"] = std::move(pairs);

    const AgreementGroup& g = r.group;
    nlohmann::ordered_json group;
    nlohmann::ordered_json psm, pooled;
    for (int c = 0; c < kAgreeClasses; ++c) {
        nlohmann::ordered_json s;
        for (std::size_t i = 0; i < kClassStatNames.size(); ++i) s[std::string(kClassStatNames[i])] = mean_ci_json(g.per_stage_mean[c][i]);
        psm[std::string(kAgreeClassNames[c])] = std::move(s);
        pooled[std::string(kAgreeClassNames[c])] = class_stats_json(g.pooled[c]);
    }
    group["per_stage_mean"] = std::move(psm);
    group["pooled"] = std::move(pooled);
    group["confusion_sum"] = confusion_json(g.confusion_sum);
    nlohmann::ordered_json prop = nlohmann::ordered_json::array();
    for (const auto& row : g.confusion_prop_mean) {
        nlohmann::ordered_json jr = nlohmann::ordered_json::array();
        for (double v : row) jr.push_back(nlohmann::ordered_json(json_number(v)));
        prop.push_back(std::move(jr));
    }
    group["confusion_prop_mean"] = std::move(prop);
    nlohmann::ordered_json ba;
    for (std::size_t i = 0; i < kDiscrepancyCount; ++i) {
        const BlandAltman& b = g.bland_altman[i];
        nlohmann::ordered_json j;
        j["bias"] = json_number(b.bias);
        j["sd"] = json_number(b.sd);
        j["loa_low"] = json_number(b.loa_low);
        j["loa_high"] = json_number(b.loa_high);
        j["slope"] = json_number(b.slope);
        j["slope_p"] = json_number(b.slope_p);
        j["n"] = b.n;
        j["proportional"] = b.proportional;
        if (b.proportional) {
            nlohmann::ordered_json reg;
            reg["bias_intercept"] = json_number(b.bias_intercept);
            reg["bias_slope"] = json_number(b.bias_slope);
            reg["sd_intercept"] = json_number(b.sd_intercept);
            reg["sd_slope"] = json_number(b.sd_slope);
            j["regression"] = std::move(reg);
        } else {
            j["regression"] = nullptr;
        }
        ba[std::string(kDiscrepancyMetrics[i])] = std::move(j);
    }
    group["bland_altman"] = std::move(ba);
    nlohmann::ordered_json sw, swm;
    for (std::size_t i = 0; i < kSleepWakeStatNames.size(); ++i) swm[std::string(kSleepWakeStatNames[i])] = mean_ci_json(g.sleep_wake_mean[i]);
    sw["mean"] = std::move(swm);
    sw["pooled"] = sleep_wake_json(g.sleep_wake_pooled);
    group["sleep_wake"] = std::move(sw);
    group["pairs"] = g.pairs;
    group["bootstrap"] = {{"resamples", r.options.resamples}, {"seed", r.options.seed}, {"confidence", r.options.confidence}};
    out["group"] = std::move(group);
    out["skipped"] = r.skipped;
    return out;
}

}  // namespace sleeparch
