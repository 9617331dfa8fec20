#include "sleeparch/comparison.hpp"

#include <algorithm>
#include <cctype>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "sleeparch/error.hpp"
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
    if (std::fabs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0.0;  // no "-0.0"
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string fmt_p(double p) {
    if (!std::isfinite(p)) return "n/a";
    if (p < 0.001) return "< 0.001";
    return fmt(p, 3);
}

std::optional<date> parse_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    int y = 0, m = 0, d = 0;
    for (std::size_t i = 0; i < 10; ++i) {
        if (i == 4 || i == 7) continue;
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
    }
    y = std::stoi(std::string(s.substr(0, 4)));
    m = std::stoi(std::string(s.substr(5, 2)));
    d = std::stoi(std::string(s.substr(8, 2)));
    try {
        return date(static_cast<unsigned short>(y), static_cast<unsigned short>(m),
                    static_cast<unsigned short>(d));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

// One row of the regressions: a main sleep inside baseline or treatment.
struct Row {
    std::size_t night;
    double t;       // days since the first baseline night
    bool treated;
    bool weekend;
    double y;
};

struct Context {
    const std::vector<Night>& nights;
    const std::vector<NightMetrics>& metrics;
    const LinkResult& links;
    const CompareOptions& options;
    // Night indices by label date: the compared source's (all sources with
    // all_sources), and every source's for the all-sources sensitivity.
    std::vector<std::size_t> base, treat, post;
    std::vector<std::size_t> all_base, all_treat;
    std::vector<std::string> tags;  // on >= 5 compared nights
    std::vector<std::string> source_keys;  // sorted, over all_base + all_treat
    date origin;
    bool comparable = true;
};

bool has_tag(const NightLink& l, const std::string& tag) {
    return std::binary_search(l.tags.begin(), l.tags.end(), tag);
}

// A level-shift estimate from y = X b (column `shift_col` is D) with
// Newey–West errors and Student t on n - k df; covariate columns after
// `keep` are dropped (last first) while the design is singular.
struct ShiftFit {
    bool ok = false;
    std::size_t n = 0;
    double estimate = nan_v, se = nan_v, df = nan_v, ci_low = nan_v, ci_high = nan_v, p = nan_v;
    std::vector<std::string> covariates;
};

ShiftFit fit_shift(const std::vector<std::vector<double>>& columns, const std::vector<std::string>& names,
                   const std::vector<double>& y, std::size_t shift_col, std::size_t keep) {
    ShiftFit out;
    const std::size_t n = y.size();
    out.n = n;
    std::size_t k = columns.size();
    const Eigen::VectorXd ye = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(n));
    while (k >= keep) {
        if (n > k + 1) {
            Eigen::MatrixXd X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(k));
            for (std::size_t c = 0; c < k; ++c)
                for (std::size_t r = 0; r < n; ++r)
                    X(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = columns[c][r];
            const OlsHacResult fit = ols_hac(X, ye, newey_west_lag(n));
            if (fit.ok && fit.se(static_cast<Eigen::Index>(shift_col)) > 0) {
                const auto j = static_cast<Eigen::Index>(shift_col);
                out.ok = true;
                out.estimate = fit.beta(j);
                out.se = fit.se(j);
                out.df = fit.df;
                const double q = student_t_quantile(0.975, fit.df);
                out.ci_low = out.estimate - q * out.se;
                out.ci_high = out.estimate + q * out.se;
                out.p = fit.p(j);
                for (std::size_t c = 0; c < k; ++c)
                    if (c != shift_col && !names[c].empty()) out.covariates.push_back(names[c]);
                return out;
            }
        }
        if (k == keep) break;
        --k;
    }
    return out;
}

Sensitivity as_sensitivity(std::string name, const ShiftFit& f) {
    Sensitivity s;
    s.name = std::move(name);
    s.ok = f.ok;
    s.n = f.n;
    s.estimate = f.estimate;
    s.ci_low = f.ci_low;
    s.ci_high = f.ci_high;
    s.p = f.p;
    s.covariates = f.covariates;
    return s;
}

std::string epoch_name(std::int32_t epoch_s) {
    return epoch_s > 0 ? "epoch:" + std::to_string(epoch_s) + "s" : "epoch:unknown";
}

// Rows y = b0 + b1 D + source and epoch-length indicators (the first level
// of each is the reference), over `base` and `treat`.
ShiftFit all_source_fit(const Context& ctx, const std::vector<Row>& rows) {
    std::vector<std::vector<double>> cols(2, std::vector<double>(rows.size()));
    std::vector<std::string> names = {"", ""};
    std::set<std::string> sources, epochs;
    for (const Row& r : rows) {
        sources.insert(ctx.nights[r.night].source.key());
        epochs.insert(epoch_name(ctx.nights[r.night].epoch_s));
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        cols[0][i] = 1.0;
        cols[1][i] = rows[i].treated ? 1.0 : 0.0;
    }
    auto add_levels = [&](const std::set<std::string>& levels, bool source) {
        bool first = true;
        for (const auto& level : levels) {
            if (first) {
                first = false;
                continue;
            }
            std::vector<double> c(rows.size());
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const Night& n = ctx.nights[rows[i].night];
                c[i] = (source ? n.source.key() : epoch_name(n.epoch_s)) == level ? 1.0 : 0.0;
            }
            cols.push_back(std::move(c));
            names.push_back(source ? "source:" + level : level);
        }
    };
    add_levels(sources, true);
    add_levels(epochs, false);
    std::vector<double> y;
    for (const Row& r : rows) y.push_back(r.y);
    return fit_shift(cols, names, y, 1, 2);
}

// One compared series: a night metric or a morning rating (§5.10), by night index.
struct Compared {
    std::string name, unit;
    std::function<double(std::size_t)> value;  // NaN: no value that night
};

MetricComparison compare_metric(const Context& ctx, const Compared& info) {
    MetricComparison m;
    m.metric = info.name;
    m.unit = info.unit;
    m.primary = ctx.options.primary == info.name;
    const bool share = is_share_metric(info.name);

    auto usable = [&](std::size_t i, double& v) {
        v = info.value(i);
        if (!std::isfinite(v)) return false;
        if (share && !(ctx.metrics[i].staged_fraction >= ctx.options.staged_fraction_min)) return false;
        return true;
    };
    auto collect = [&](const std::vector<std::size_t>& idx, bool treated, std::vector<double>* out,
                       std::vector<Row>* rows, std::size_t* skipped) {
        for (std::size_t i : idx) {
            double v;
            if (!usable(i, v)) {
                // Unstaged nights count too: their shares are NaN (METRICS.md §2), not 0.
                const double staged = ctx.metrics[i].staged_fraction;
                if (skipped && share && std::isfinite(staged) && staged < ctx.options.staged_fraction_min) ++*skipped;
                continue;
            }
            if (out) out->push_back(v);
            if (rows) {
                const date d = ctx.nights[i].label_date;
                const int wd = d.day_of_week().as_number();  // 0 = Sunday
                rows->push_back({i, static_cast<double>((d - ctx.origin).days()), treated, wd == 0 || wd == 6, v});
            }
        }
    };
    std::vector<double> yb, yt, yp;
    std::vector<Row> rows, all_rows;
    collect(ctx.base, false, &yb, &rows, &m.skipped_low_staged);
    collect(ctx.treat, true, &yt, &rows, &m.skipped_low_staged);
    collect(ctx.post, false, &yp, nullptr, nullptr);
    collect(ctx.all_base, false, nullptr, &all_rows, nullptr);
    collect(ctx.all_treat, true, nullptr, &all_rows, nullptr);

    m.n_baseline = yb.size();
    m.n_treatment = yt.size();
    m.n_post = yp.size();
    m.mean_baseline = mean(yb);
    m.mean_treatment = mean(yt);
    m.mean_post = mean(yp);
    m.sd_baseline = sample_sd(yb);
    m.sd_treatment = sample_sd(yt);
    m.median_baseline = median(yb);
    m.median_treatment = median(yt);
    m.hedges_g = hedges_g(m.mean_baseline, m.sd_baseline, m.n_baseline, m.mean_treatment,
                          m.sd_treatment, m.n_treatment);

    // The estimate, its CI, p and MDE: one estimator (§5.4).
    const DiffTest test = diff_of_means_test(yb, yt);
    m.diff = test.diff;
    m.ci_low = test.ci_low;
    m.ci_high = test.ci_high;
    m.se_diff = test.se;
    m.df = test.df;
    m.p = test.p;
    m.mde = test.mde;
    m.rho_baseline = test.rho_baseline;
    m.rho_treatment = test.rho_treatment;
    m.p_holm = m.p_holm_within = nan_v;
    if (ctx.options.all_sources) {
        // The source- and epoch-adjusted shift is the estimate (§5.2).
        const ShiftFit f = all_source_fit(ctx, rows);
        m.diff = f.estimate;
        m.ci_low = f.ci_low;
        m.ci_high = f.ci_high;
        m.se_diff = f.se;
        m.df = f.df;
        m.p = f.p;
        m.mde = f.ok ? (student_t_quantile(0.975, f.df) + student_t_quantile(0.80, f.df)) * f.se : nan_v;
    }
    if (!ctx.comparable) {
        m.diff = m.ci_low = m.ci_high = m.se_diff = m.df = m.p = m.mde = nan_v;
    }

    // Sensitivity analyses (§5.7), on the compared nights.
    if (ctx.comparable && m.n_baseline >= 3 && m.n_treatment >= 3) {
        const std::size_t n = rows.size();
        std::vector<std::vector<double>> cols(4, std::vector<double>(n));
        std::vector<double> y(n);
        for (std::size_t i = 0; i < n; ++i) {
            cols[0][i] = 1.0;
            cols[1][i] = rows[i].treated ? 1.0 : 0.0;
            cols[2][i] = rows[i].t;
            cols[3][i] = rows[i].weekend ? 1.0 : 0.0;
            y[i] = rows[i].y;
        }
        m.sensitivity.push_back(as_sensitivity("trend_adjusted", fit_shift(cols, {"", "", "t", "weekend"}, y, 1, 3)));
        if (!ctx.tags.empty()) {
            std::vector<std::vector<double>> tc = {cols[0], cols[1], cols[3]};
            std::vector<std::string> names = {"", "", "weekend"};
            for (const auto& tag : ctx.tags) {
                std::vector<double> c(n);
                for (std::size_t i = 0; i < n; ++i) c[i] = has_tag(ctx.links.nights[rows[i].night], tag) ? 1.0 : 0.0;
                tc.push_back(std::move(c));
                names.push_back("tag:" + tag);
            }
            m.sensitivity.push_back(as_sensitivity("tag_adjusted", fit_shift(tc, names, y, 1, 2)));
        }
        if (!ctx.options.all_sources && ctx.source_keys.size() > 1)
            m.sensitivity.push_back(as_sensitivity("all_sources", all_source_fit(ctx, all_rows)));
        // A resampling check of the interval: the studentised stationary
        // bootstrap (bootstrap_diff_ci), seeded per metric.
        Xoshiro256ss rng = Xoshiro256ss::for_stream(ctx.options.seed, fnv1a(info.name));
        const BootstrapInterval ci = bootstrap_diff_ci(yb, yt, ctx.options.resamples, rng);
        Sensitivity b;
        b.name = "bootstrap";
        b.ok = std::isfinite(ci.low);
        b.n = yb.size() + yt.size();
        b.estimate = test.diff;
        b.ci_low = ci.low;
        b.ci_high = ci.high;
        b.p = nan_v;
        m.sensitivity.push_back(std::move(b));
    }

    // Dose–response within the treatment period.
    for (const char* predictor : {"mg_elemental", "mg_7d_mean"}) {
        const bool daily = std::string_view(predictor) == "mg_elemental";
        std::vector<double> xs, ys;
        for (const Row& r : rows) {
            if (!r.treated) continue;
            const NightLink& l = ctx.links.nights[r.night];
            xs.push_back((daily ? l.mg_elemental : l.mg_7d_mean) / 100.0);
            ys.push_back(r.y);
        }
        if (xs.size() < ctx.options.min_nights) continue;
        const double sdx = sample_sd(xs);
        if (!(sdx > 1e-9) || !(sample_sd(ys) > 0)) continue;
        std::vector<std::vector<double>> cols = {std::vector<double>(xs.size(), 1.0), xs};
        const ShiftFit f = fit_shift(cols, {"", ""}, ys, 1, 2);
        if (!f.ok) continue;
        m.dose_response.push_back({predictor, xs.size(), f.estimate, f.ci_low, f.ci_high, f.p});
    }
    return m;
}

// Of the baseline alone: slope per day and its HAC p-value.
std::pair<double, double> baseline_slope(const Context& ctx, const Compared& info) {
    std::vector<double> ts, ys;
    for (std::size_t i : ctx.base) {
        const double v = info.value(i);
        if (!std::isfinite(v)) continue;
        if (is_share_metric(info.name) && !(ctx.metrics[i].staged_fraction >= ctx.options.staged_fraction_min))
            continue;
        ts.push_back(static_cast<double>((ctx.nights[i].label_date - ctx.origin).days()));
        ys.push_back(v);
    }
    if (ys.size() < 3) return {nan_v, nan_v};
    const ShiftFit f = fit_shift({std::vector<double>(ys.size(), 1.0), ts}, {"", ""}, ys, 1, 2);
    return {f.estimate, f.p};
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

std::string source_description(const Night& n) {
    std::string s = n.source.label();
    if (!n.source.version.empty()) s += " version " + n.source.version;
    return s;
}

PeriodInfo period(std::string name, const std::optional<DateRange>& dates,
                  const std::vector<std::size_t>& idx) {
    PeriodInfo p;
    p.name = std::move(name);
    p.dates = dates;
    p.nights = idx.size();
    return p;
}

}  // namespace

DateRange parse_date_range(std::string_view text) {
    const auto dots = text.find("..");
    if (dots == std::string_view::npos)
        throw UsageError("date range \"" + std::string(text) +
                         "\" must look like 2024-01-01..2024-02-15");
    const auto a = text.substr(0, dots);
    const auto b = text.substr(dots + 2);
    DateRange r{date(boost::gregorian::min_date_time), date(boost::gregorian::max_date_time)};
    if (!a.empty()) {
        auto d = parse_date(a);
        if (!d) throw UsageError("date range \"" + std::string(text) + "\": \"" + std::string(a) +
                                 "\" is not a date (YYYY-MM-DD)");
        r.first = *d;
    }
    if (!b.empty()) {
        auto d = parse_date(b);
        if (!d) throw UsageError("date range \"" + std::string(text) + "\": \"" + std::string(b) +
                                 "\" is not a date (YYYY-MM-DD)");
        r.last = *d;
    }
    if (r.last < r.first)
        throw UsageError("date range \"" + std::string(text) + "\" ends before it starts");
    return r;
}

std::span<const std::string_view> default_comparison_metrics() {
    // The metric table's compare_default positions, in order.
    static const std::vector<std::string_view> names = [] {
        std::vector<const MetricInfo*> chosen;
        for (const MetricInfo& info : scalar_metrics())
            if (info.compare_default > 0) chosen.push_back(&info);
        std::sort(chosen.begin(), chosen.end(),
                  [](const MetricInfo* a, const MetricInfo* b) { return a->compare_default < b->compare_default; });
        std::vector<std::string_view> out;
        for (const MetricInfo* info : chosen) out.push_back(info->name);
        return out;
    }();
    return names;
}

bool is_share_metric(std::string_view metric) {
    const MetricInfo* info = find_metric(metric);
    return info && info->share;
}

std::string_view verdict_name(Verdict v) {
    switch (v) {
        case Verdict::Changed: return "changed";
        case Verdict::NoChange: return "no_change";
        case Verdict::NotComparable: return "not_comparable";
        case Verdict::TooFewNights: break;
    }
    return "too_few_nights";
}

void CompareOptions::validate() const {
    if (baseline.has_value() != treatment.has_value())
        throw UsageError("give both --baseline and --treatment, or neither (periods then come from the intake log)");
    if (washout_nights < 0 || washout_nights > 365) throw UsageError("--washout must be 0 to 365 nights");
    if (resamples < 100 || resamples > 10'000'000)
        throw UsageError("--resamples must be 100 to 10,000,000");
    if (min_nights < 2) throw UsageError("the minimum number of nights per period must be at least 2");
    if (!(staged_fraction_min >= 0.0 && staged_fraction_min <= 1.0))
        throw UsageError("the staged-fraction threshold must be between 0 and 1");
    for (const auto& name : metrics)
        if (!find_metric(name))
            throw UsageError("--metrics: unknown metric \"" + name + "\" (see `sleeparch nights --help` for names)");
    if (!primary.empty() && !find_metric(primary))
        throw UsageError("--primary: unknown metric \"" + primary + "\" (see `sleeparch nights --help` for names)");
    if (all_sources && !compare_source.empty())
        throw UsageError("give --compare-source or --all-sources, not both");
    if (baseline && treatment && baseline->last >= treatment->first && treatment->last >= baseline->first)
        throw UsageError("--baseline and --treatment overlap");
}

namespace {

bool source_matches(const Source& s, const std::string& wanted) {
    auto lower = [](std::string v) {
        for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return v;
    };
    const std::string w = lower(wanted);
    return w == lower(s.label()) || w == lower(s.name) || w == lower(s.format) || w == lower(s.key());
}

}  // namespace

ComparisonResult compare_periods(const std::vector<Night>& nights,
                                 const std::vector<NightMetrics>& metrics,
                                 const std::vector<Dose>& doses, const CompareOptions& options,
                                 const std::vector<SerumResult>& serum, const std::vector<Rating>& ratings) {
    if (metrics.size() != nights.size())
        throw UsageError("compare_periods: one NightMetrics per night is required");
    options.validate();
    std::vector<const MetricInfo*> infos;
    if (options.metrics.empty()) {
        for (auto name : default_comparison_metrics()) {
            const MetricInfo* mi = find_metric(name);
            if (mi) infos.push_back(mi);
        }
    } else {
        for (const auto& name : options.metrics) {
            const MetricInfo* mi = find_metric(name);
            if (std::find(infos.begin(), infos.end(), mi) == infos.end()) infos.push_back(mi);
        }
    }
    // The primary metric is always compared.
    if (!options.primary.empty()) {
        const MetricInfo* mi = find_metric(options.primary);
        if (std::find(infos.begin(), infos.end(), mi) == infos.end()) infos.push_back(mi);
    }

    const LinkResult links = link_nights(nights, metrics, doses);
    std::vector<Compared> series;
    for (const MetricInfo* mi : infos)
        series.push_back({std::string(mi->name), std::string(mi->unit),
                          [&metrics, mi](std::size_t i) { return metrics[i].*(mi->member); }});
    // Ratings: one series per name, the mean of that name's ratings of the
    // night's label date (§5.10), compared like a metric.
    std::map<std::string, std::map<date, std::pair<double, int>>> rated;
    for (const Rating& r : ratings) {
        auto& cell = rated[r.name][r.night];
        cell.first += r.value;
        ++cell.second;
    }
    for (const auto& [name, by_date] : rated) {
        const auto* table = &by_date;
        series.push_back({"rating:" + name, "rating", [&nights, table](std::size_t i) {
                              auto it = table->find(nights[i].label_date);
                              return it == table->end() ? nan_v : it->second.first / it->second.second;
                          }});
    }

    std::vector<std::size_t> mains;
    for (std::size_t i = 0; i < nights.size(); ++i)
        if (!nights[i].is_nap && !nights[i].label_date.is_special()) mains.push_back(i);
    std::stable_sort(mains.begin(), mains.end(), [&](std::size_t a, std::size_t b) {
        return nights[a].label_date < nights[b].label_date;
    });
    if (mains.empty()) throw UsageError("no main sleeps to compare");

    if (!options.compare_source.empty()) {
        bool found = false;
        std::set<std::string> present;
        for (std::size_t i : mains) {
            found = found || source_matches(nights[i].source, options.compare_source);
            present.insert(nights[i].source.label());
        }
        if (!found)
            throw UsageError("--compare-source \"" + options.compare_source + "\" matches no source; present: " +
                             join(std::vector<std::string>(present.begin(), present.end()), ", "));
    }

    ComparisonResult res;
    res.resamples = options.resamples;
    res.seed = options.seed;
    res.serum = serum;
    res.min_nights = options.min_nights;
    res.primary = options.primary;
    res.all_sources = options.all_sources;

    std::optional<DateRange> base_r, wash_r, treat_r, post_r;
    if (options.baseline) {
        base_r = options.baseline;
        treat_r = options.treatment;
        if (base_r->last < treat_r->first && treat_r->first - base_r->last > date_duration(1))
            wash_r = DateRange{base_r->last + date_duration(1), treat_r->first - date_duration(1)};
        post_r = options.post;
    } else {
        std::optional<date> first_dosed, last_dosed;
        for (std::size_t i : mains) {
            if (!(links.nights[i].mg_elemental > 0)) continue;
            const date d = nights[i].label_date;
            if (!first_dosed || d < *first_dosed) first_dosed = d;
            if (!last_dosed || d > *last_dosed) last_dosed = d;
        }
        if (!first_dosed)
            throw UsageError("no magnesium dose in the intake log falls on a recorded night: check "
                             "the log's dates and time zone, or give --baseline and --treatment");
        res.periods_from_log = true;
        const date first_night = nights[mains.front()].label_date;
        const date last_night = nights[mains.back()].label_date;
        if (*first_dosed > first_night)
            base_r = DateRange{first_night, *first_dosed - date_duration(1)};
        const date treat_start = *first_dosed + date_duration(options.washout_nights);
        if (options.washout_nights > 0)
            wash_r = DateRange{*first_dosed, std::min(treat_start - date_duration(1), *last_dosed)};
        if (treat_start <= *last_dosed) treat_r = DateRange{treat_start, *last_dosed};
        if (options.post) post_r = options.post;
        else if (*last_dosed < last_night)
            post_r = DateRange{*last_dosed + date_duration(1), last_night};
    }

    Context ctx{nights, metrics, links, options, {}, {}, {}, {}, {}, {}, {}, {}, true};
    std::vector<std::size_t> wash, all_post;
    for (std::size_t i : mains) {
        const date d = nights[i].label_date;
        if (base_r && base_r->contains(d)) ctx.all_base.push_back(i);
        else if (treat_r && treat_r->contains(d)) ctx.all_treat.push_back(i);
        else if (wash_r && wash_r->contains(d)) wash.push_back(i);
        else if (post_r && post_r->contains(d)) all_post.push_back(i);
    }
    // Open-ended ranges are shown as the nights they cover.
    const date first_label = nights[mains.front()].label_date;
    const date last_label = nights[mains.back()].label_date;
    for (auto* r : {&base_r, &wash_r, &treat_r, &post_r})
        if (*r) {
            (*r)->first = std::max((*r)->first, first_label);
            (*r)->last = std::min((*r)->last, last_label);
            if ((*r)->last < (*r)->first) r->reset();
        }
    res.baseline = period("baseline", base_r, ctx.all_base);
    res.washout = period("washout", wash_r, wash);
    res.treatment = period("treatment", treat_r, ctx.all_treat);
    res.post = period("post", post_r, all_post);

    // One source (§5.2): the one with the most main sleeps over both
    // periods among those in both, unless named or all_sources.
    std::map<std::string, SourceNights> by_key;
    for (std::size_t i : ctx.all_base) {
        auto& s = by_key[nights[i].source.key()];
        s.source = nights[i].source.label();
        ++s.baseline;
    }
    for (std::size_t i : ctx.all_treat) {
        auto& s = by_key[nights[i].source.key()];
        s.source = nights[i].source.label();
        ++s.treatment;
    }
    for (const auto& [key, s] : by_key) ctx.source_keys.push_back(key);
    std::set<std::string> compared;
    if (options.all_sources) {
        for (const auto& [key, s] : by_key) compared.insert(key);
        res.comparable = !ctx.all_base.empty() && !ctx.all_treat.empty();
    } else {
        std::string chosen;
        if (!options.compare_source.empty()) {
            for (std::size_t i : mains)
                if (source_matches(nights[i].source, options.compare_source)) {
                    chosen = nights[i].source.key();
                    break;
                }
        } else {
            std::size_t best = 0;
            for (const auto& [key, s] : by_key)
                if (s.baseline > 0 && s.treatment > 0 && s.baseline + s.treatment > best) {
                    best = s.baseline + s.treatment;
                    chosen = key;
                }
        }
        auto it = by_key.find(chosen);
        res.comparable = it != by_key.end() && it->second.baseline > 0 && it->second.treatment > 0;
        if (!chosen.empty()) {
            compared.insert(chosen);
            for (std::size_t i : mains)
                if (nights[i].source.key() == chosen) {
                    res.source = nights[i].source.label();
                    break;
                }
        }
    }
    ctx.comparable = res.comparable;
    for (auto& [key, s] : by_key) {
        s.compared = compared.count(key) > 0;
        if (!s.compared) res.nights_left_out += s.baseline + s.treatment;
        res.sources.push_back(s);
    }
    auto keep = [&](const std::vector<std::size_t>& from, std::vector<std::size_t>& to) {
        for (std::size_t i : from)
            if (compared.count(nights[i].source.key())) to.push_back(i);
    };
    keep(ctx.all_base, ctx.base);
    keep(ctx.all_treat, ctx.treat);
    keep(all_post, ctx.post);
    // HRV and resting HR (METRICS.md §8) join the default secondary metrics
    // when the compared nights carry them, after the sleep metrics.
    if (options.metrics.empty()) {
        std::size_t at = infos.size();
        for (const MetricInfo& info : scalar_metrics()) {
            if (!is_vital_metric(info.name) || std::find(infos.begin(), infos.end(), &info) != infos.end()) continue;
            auto carries = [&](const std::vector<std::size_t>& period) {
                return std::any_of(period.begin(), period.end(),
                                   [&](std::size_t i) { return std::isfinite(metrics[i].*(info.member)); });
            };
            if (!carries(ctx.base) && !carries(ctx.treat)) continue;
            const MetricInfo* mi = &info;
            series.insert(series.begin() + static_cast<std::ptrdiff_t>(at++),
                          Compared{std::string(mi->name), std::string(mi->unit),
                                   [&metrics, mi](std::size_t i) { return metrics[i].*(mi->member); }});
        }
    }
    ctx.origin = !ctx.all_base.empty() ? nights[ctx.all_base.front()].label_date
                 : !ctx.all_treat.empty() ? nights[ctx.all_treat.front()].label_date
                                          : nights[mains.front()].label_date;

    // Tags on at least 5 compared nights can be adjusted for.
    {
        std::map<std::string, TagCount> counts;
        for (std::size_t i : ctx.base)
            for (const auto& tag : links.nights[i].tags) {
                counts[tag].tag = tag;
                ++counts[tag].baseline;
            }
        for (std::size_t i : ctx.treat)
            for (const auto& tag : links.nights[i].tags) {
                counts[tag].tag = tag;
                ++counts[tag].treatment;
            }
        for (const auto& [tag, c] : counts)
            if (c.baseline + c.treatment >= 5) {
                ctx.tags.push_back(tag);
                res.tags.push_back(c);
            }
    }

    res.metrics.resize(series.size());
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = std::min<unsigned>(threads, static_cast<unsigned>(series.size()));
    std::vector<std::exception_ptr> errors(series.size());
    auto work = [&](unsigned w) {
        for (std::size_t k = w; k < series.size(); k += threads) {
            try {
                res.metrics[k] = compare_metric(ctx, series[k]);
            } catch (...) {
                errors[k] = std::current_exception();
            }
        }
    };
    if (threads <= 1) {
        work(0);
    } else {
        std::vector<std::thread> pool;
        for (unsigned w = 0; w < threads; ++w) pool.emplace_back(work, w);
        for (auto& th : pool) th.join();
    }
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);

    // Verdicts (§5.6): the primary unadjusted; Holm over the secondaries
    // that have enough nights, behind the primary as a gate (serial
    // gatekeeping): a secondary's adjusted p is max(p_primary, p_Holm).
    // Unadjusted primary plus Holm-adjusted secondaries alone would let the
    // chance of some false "changed" reach ~10 % (5 % from each), above the
    // 5 % any-metric bound of §5.11; with the gate it is the primary's 5 %.
    // Without a tested primary (too few nights of it) there is no gate.
    auto enough = [&](const MetricComparison& m) {
        return m.n_baseline >= options.min_nights && m.n_treatment >= options.min_nights;
    };
    std::vector<double> ps;
    double gate = nan_v;
    for (const auto& m : res.metrics) {
        ps.push_back(res.comparable && enough(m) && !m.primary ? m.p : nan_v);
        if (m.primary && res.comparable && enough(m) && std::isfinite(m.p)) gate = m.p;
    }
    const std::vector<double> adj = holm_adjust(ps);
    std::size_t family = 0;
    for (double p : ps) family += std::isnan(p) ? 0 : 1;
    for (std::size_t k = 0; k < res.metrics.size(); ++k) {
        auto& m = res.metrics[k];
        m.holm_family = m.primary ? 0 : family;
        m.min_nights = options.min_nights;
        m.gated = false;
        if (!res.comparable) {
            m.verdict = Verdict::NotComparable;
            m.p_holm = m.p_holm_within = nan_v;
        } else if (!enough(m)) {
            m.verdict = Verdict::TooFewNights;
            m.p_holm = m.p_holm_within = m.primary ? m.p : nan_v;
        } else if (m.primary) {
            m.p_holm = m.p_holm_within = m.p;
            m.verdict = m.p < 0.05 ? Verdict::Changed : Verdict::NoChange;
        } else {
            m.p_holm_within = adj[k];
            m.p_holm = adj[k];
            if (std::isfinite(gate) && gate > m.p_holm) {
                m.p_holm = gate;
                m.gated = true;
            }
            m.verdict = m.p_holm < 0.05 ? Verdict::Changed : Verdict::NoChange;
        }
    }

    // One drift warning, for the primary metric (§5.7): the baseline slope
    // projected to the treatment midpoint is at least half of |diff|.
    for (std::size_t k = 0; k < res.metrics.size(); ++k) {
        const auto& m = res.metrics[k];
        if (!m.primary || !res.comparable || !std::isfinite(m.diff) || ctx.treat.empty()) continue;
        const auto [slope, p] = baseline_slope(ctx, series[k]);
        if (!(p < 0.05)) continue;
        double tb = 0, tt = 0;
        for (std::size_t i : ctx.base) tb += static_cast<double>((nights[i].label_date - ctx.origin).days());
        for (std::size_t i : ctx.treat) tt += static_cast<double>((nights[i].label_date - ctx.origin).days());
        tb /= static_cast<double>(std::max<std::size_t>(ctx.base.size(), 1));
        tt /= static_cast<double>(ctx.treat.size());
        const double projected = slope * (tt - tb);
        if (std::fabs(projected) >= 0.5 * std::fabs(m.diff))
            res.drift_warning = m.metric + ": the baseline already drifts (slope p = " + fmt_p(p) +
                                "; projected to the treatment midpoint it moves " + fmt(projected) +
                                ", at least half of the difference " + fmt(m.diff) +
                                "): part of the difference may be a drift that started before magnesium";
    }

    // Warnings (§5.8).
    auto& w = res.warnings;
    if (ctx.all_base.empty()) w.push_back("no baseline nights: there is nothing before the first dose to compare with");
    if (ctx.all_treat.empty()) w.push_back("no treatment nights after the washout");
    if (!res.comparable && !ctx.all_base.empty() && !ctx.all_treat.empty())
        w.push_back(options.compare_source.empty()
                        ? "no source recorded nights in both periods (the device changed): the periods are not comparable"
                        : "the source \"" + options.compare_source + "\" did not record nights in both periods: the periods are not comparable");
    if (res.nights_left_out > 0) {
        std::vector<std::string> parts;
        for (const auto& s : res.sources)
            if (!s.compared)
                parts.push_back(s.source + ": " + std::to_string(s.baseline) + " baseline, " +
                                std::to_string(s.treatment) + " treatment");
        w.push_back(std::to_string(res.nights_left_out) + " nights of other sources left out (" + join(parts, "; ") +
                    "); compared: " + (res.source.empty() ? std::string("none") : res.source));
    }
    if (options.all_sources) {
        // Shares of nights per source, not sets of sources.
        const double nb = static_cast<double>(ctx.all_base.size()), nt = static_cast<double>(ctx.all_treat.size());
        if (nb > 0 && nt > 0)
            for (const auto& s : res.sources) {
                const double sb = 100.0 * static_cast<double>(s.baseline) / nb;
                const double st = 100.0 * static_cast<double>(s.treatment) / nt;
                if (std::fabs(sb - st) > 20.0)
                    w.push_back(s.source + " recorded " + fmt(sb, 0) + " % of baseline nights and " + fmt(st, 0) +
                                " % of treatment nights: the estimate is adjusted for source and epoch length, "
                                "but a difference may still come from the devices rather than from sleep");
            }
    }
    {
        // Within the compared source(s): version or device description changes.
        std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> versions;
        for (std::size_t i : ctx.base) versions[nights[i].source.key()].first.insert(nights[i].source.version + "|" + nights[i].source.device);
        for (std::size_t i : ctx.treat) versions[nights[i].source.key()].second.insert(nights[i].source.version + "|" + nights[i].source.device);
        for (const auto& [key, v] : versions)
            if (!v.first.empty() && !v.second.empty() && v.first != v.second) {
                std::string label;
                for (std::size_t i : ctx.treat)
                    if (nights[i].source.key() == key) label = nights[i].source.label();
                std::set<std::string> vb, vt;
                for (std::size_t i : ctx.base)
                    if (nights[i].source.key() == key) vb.insert(source_description(nights[i]));
                for (std::size_t i : ctx.treat)
                    if (nights[i].source.key() == key) vt.insert(source_description(nights[i]));
                w.push_back(label + ": device or algorithm version differs between periods (baseline: " +
                            join(std::vector<std::string>(vb.begin(), vb.end()), "; ") + "; treatment: " +
                            join(std::vector<std::string>(vt.begin(), vt.end()), "; ") +
                            "): a difference may come from the device rather than from sleep");
            }
    }
    {
        std::size_t low = 0, total = 0;
        for (const auto* ids : {&ctx.base, &ctx.treat})
            for (std::size_t i : *ids) {
                ++total;
                if (!(metrics[i].staged_fraction >= options.staged_fraction_min)) ++low;
            }
        if (low > 0)
            w.push_back(std::to_string(low) + " of " + std::to_string(total) +
                        " nights have staged_fraction below " + fmt(options.staged_fraction_min, 1) +
                        " (sleep without stages): they are left out of the stage-share metrics");
    }
    if (!res.drift_warning.empty()) w.push_back(res.drift_warning);
    if (!ctx.treat.empty()) {
        std::size_t none = 0;
        for (std::size_t i : ctx.treat)
            if (!(links.nights[i].mg_elemental > 0)) ++none;
        if (none * 5 > ctx.treat.size())
            w.push_back(std::to_string(none) + " of " + std::to_string(ctx.treat.size()) +
                        " treatment nights have no dose logged: missed doses or missing intake data");
    }
    {
        std::size_t days = 0;
        double top = 0;
        for (const auto& [d, mg] : links.supplement_mg_by_date)
            if (mg > supplement_upper_limit_mg) {
                ++days;
                top = std::max(top, mg);
            }
        if (days > 0)
            w.push_back("supplemental magnesium was above 350 mg/day (the US tolerable upper limit "
                        "for supplements) on " + std::to_string(days) + " day(s), up to " + fmt(top, 0) + " mg");
    }
    if (!links.unattributed.empty())
        w.push_back(std::to_string(links.unattributed.size()) +
                    " dose(s) fell on no recorded main sleep and were not linked");
    {
        std::map<DoseForm, std::size_t> converted;
        for (const auto& d : doses)
            if (d.converted) ++converted[d.form];
        if (!converted.empty()) {
            std::vector<std::string> parts;
            for (const auto& [form, count] : converted)
                parts.push_back(std::string(dose_form_name(form)) + " x " +
                                fmt(elemental_fraction(form).value_or(nan_v), 3) + " (" +
                                std::to_string(count) + " entries)");
            w.push_back("elemental magnesium computed from compound mass for: " + join(parts, ", "));
        }
    }
    return res;
}

}  // namespace sleeparch
