#include "sleeparch/comparison.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include <boost/math/distributions/students_t.hpp>

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

// One row of the regression: a main sleep inside baseline or treatment.
struct Row {
    std::size_t night;
    double t;       // days since the first baseline night
    bool treated;
    bool weekend;
};

struct Context {
    const std::vector<Night>& nights;
    const std::vector<NightMetrics>& metrics;
    const LinkResult& links;
    const CompareOptions& options;
    std::vector<std::size_t> base, treat, post;  // night indices by label date
    std::vector<std::string> shared_tags;
    date origin;
};

bool has_tag(const NightLink& l, const std::string& tag) {
    return std::binary_search(l.tags.begin(), l.tags.end(), tag);
}

double t_quantile(double df, double q) {
    if (!(df > 0)) return nan_v;
    return boost::math::quantile(boost::math::students_t_distribution<double>(df), q);
}

MetricComparison compare_metric(const Context& ctx, const MetricInfo& info) {
    MetricComparison m;
    m.metric = std::string(info.name);
    m.unit = std::string(info.unit);
    m.primary = !ctx.options.primary.empty() && ctx.options.primary == info.name;
    const bool share = is_share_metric(info.name);

    std::vector<double> yb, yt, yp;
    std::vector<Row> rows;
    std::vector<double> y;
    auto usable = [&](std::size_t i, double& v) {
        v = ctx.metrics[i].*(info.member);
        if (!std::isfinite(v)) return false;
        if (share && !(ctx.metrics[i].staged_fraction >= ctx.options.staged_fraction_min)) {
            return false;
        }
        return true;
    };
    auto add = [&](const std::vector<std::size_t>& idx, std::vector<double>& out, bool treated,
                   bool regress) {
        for (std::size_t i : idx) {
            double v;
            if (!usable(i, v)) {
                // Unstaged nights count too: their shares are NaN (METRICS.md §2), not 0.
                const double staged = ctx.metrics[i].staged_fraction;
                if (share && std::isfinite(staged) && staged < ctx.options.staged_fraction_min) ++m.skipped_low_staged;
                continue;
            }
            out.push_back(v);
            if (regress) {
                const date d = ctx.nights[i].label_date;
                const int wd = d.day_of_week().as_number();  // 0 = Sunday
                rows.push_back({i, static_cast<double>((d - ctx.origin).days()), treated,
                                wd == 0 || wd == 6});
                y.push_back(v);
            }
        }
    };
    add(ctx.base, yb, false, true);
    add(ctx.treat, yt, true, true);
    add(ctx.post, yp, false, false);

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
    m.diff = m.mean_treatment - m.mean_baseline;
    m.hedges_g = hedges_g(m.mean_baseline, m.sd_baseline, m.n_baseline, m.mean_treatment,
                          m.sd_treatment, m.n_treatment);
    m.ci_low = m.ci_high = m.se_diff = m.block_baseline = m.block_treatment = nan_v;
    m.shift = m.shift_se = m.p = m.p_holm = m.rho_baseline = m.mde = m.baseline_trend_p = nan_v;

    if (!yb.empty() && !yt.empty()) {
        Xoshiro256ss rng = Xoshiro256ss::for_stream(ctx.options.seed, fnv1a(info.name));
        const BootstrapInterval ci = bootstrap_diff_ci(yb, yt, ctx.options.resamples, rng);
        m.ci_low = ci.low;
        m.ci_high = ci.high;
        m.se_diff = ci.se;
        m.block_baseline = ci.block_baseline;
        m.block_treatment = ci.block_treatment;
    }

    const double rho = lag1_autocorrelation(yb);
    m.rho_baseline = rho;
    if (m.n_baseline >= 2 && m.n_treatment >= 1) {
        const double r = std::isfinite(rho) ? std::min(rho, 0.95) : 0.0;
        m.mde = 2.80 * m.sd_baseline *
                std::sqrt((1.0 / static_cast<double>(m.n_baseline) +
                           1.0 / static_cast<double>(m.n_treatment)) *
                          (1.0 + r) / (1.0 - r));
    }

    // Segmented regression over baseline + treatment, dropping covariates
    // (last first) while the design is singular.
    std::vector<std::string> covs = {"weekend"};
    for (const auto& tag : ctx.shared_tags) covs.push_back("tag:" + tag);
    const std::size_t n = rows.size();
    if (m.n_baseline >= 2 && m.n_treatment >= 2) {
        Eigen::VectorXd ye = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(n));
        while (true) {
            Eigen::MatrixXd X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(3 + covs.size()));
            for (std::size_t r = 0; r < n; ++r) {
                const auto ri = static_cast<Eigen::Index>(r);
                X(ri, 0) = 1.0;
                X(ri, 1) = rows[r].t;
                X(ri, 2) = rows[r].treated ? 1.0 : 0.0;
                for (std::size_t c = 0; c < covs.size(); ++c) {
                    double v;
                    if (covs[c] == "weekend") v = rows[r].weekend ? 1.0 : 0.0;
                    else v = has_tag(ctx.links.nights[rows[r].night], covs[c].substr(4)) ? 1.0 : 0.0;
                    X(ri, static_cast<Eigen::Index>(3 + c)) = v;
                }
            }
            const OlsHacResult fit = ols_hac(X, ye, newey_west_lag(n));
            if (fit.ok) {
                m.shift = fit.beta(2);
                m.shift_se = fit.se(2);
                m.p = fit.p(2);
                m.hac_lag = fit.maxlags;
                m.covariates = covs;
                break;
            }
            if (covs.empty()) break;
            covs.pop_back();
        }
    }
    if (m.n_baseline >= 3) {
        Eigen::MatrixXd X(static_cast<Eigen::Index>(m.n_baseline), 2);
        Eigen::VectorXd yv(static_cast<Eigen::Index>(m.n_baseline));
        std::size_t k = 0;
        for (std::size_t r = 0; r < n && k < m.n_baseline; ++r) {
            if (rows[r].treated) continue;
            X(static_cast<Eigen::Index>(k), 0) = 1.0;
            X(static_cast<Eigen::Index>(k), 1) = rows[r].t;
            yv(static_cast<Eigen::Index>(k)) = y[r];
            ++k;
        }
        const OlsHacResult fit = ols_hac(X, yv, newey_west_lag(m.n_baseline));
        if (fit.ok) m.baseline_trend_p = fit.p(1);
    }

    // Dose–response within the treatment period.
    for (const char* predictor : {"mg_elemental", "mg_7d_mean"}) {
        const bool daily = std::string_view(predictor) == "mg_elemental";
        std::vector<double> xs, ys;
        for (std::size_t r = 0; r < n; ++r) {
            if (!rows[r].treated) continue;
            const NightLink& l = ctx.links.nights[rows[r].night];
            xs.push_back((daily ? l.mg_elemental : l.mg_7d_mean) / 100.0);
            ys.push_back(y[r]);
        }
        if (xs.size() < ctx.options.min_nights) continue;
        const double sdx = sample_sd(xs);
        if (!(sdx > 1e-9) || !(sample_sd(ys) > 0)) continue;
        Eigen::MatrixXd X(static_cast<Eigen::Index>(xs.size()), 2);
        for (std::size_t i = 0; i < xs.size(); ++i) {
            X(static_cast<Eigen::Index>(i), 0) = 1.0;
            X(static_cast<Eigen::Index>(i), 1) = xs[i];
        }
        const Eigen::VectorXd yv = Eigen::Map<const Eigen::VectorXd>(ys.data(), static_cast<Eigen::Index>(ys.size()));
        const OlsHacResult fit = ols_hac(X, yv, newey_west_lag(xs.size()));
        if (!fit.ok) continue;
        const double q = t_quantile(fit.df, 0.975);
        m.dose_response.push_back({predictor, xs.size(), fit.beta(1), fit.beta(1) - q * fit.se(1),
                                   fit.beta(1) + q * fit.se(1), fit.p(1)});
    }
    return m;
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

std::string unit_suffix(const std::string& unit) {
    if (unit == "min") return " min";
    if (unit == "%") return " points";
    if (unit == "/h") return " per hour";
    return "";
}

}  // namespace

std::string metric_display_name(std::string_view metric) {
    const MetricInfo* info = find_metric(metric);
    return std::string(info ? display_name(*info) : metric);
}

std::string_view verdict_phrase(const MetricComparison& m) {
    switch (m.verdict) {
        case Verdict::Changed: return m.diff < 0 ? "changed: lower" : "changed: higher";
        case Verdict::NoChange: return "no change detected";
        case Verdict::NotEnoughNights: break;
    }
    return "not enough nights";
}

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
        case Verdict::NotEnoughNights: break;
    }
    return "not_enough_nights";
}

ComparisonResult compare_periods(const std::vector<Night>& nights,
                                 const std::vector<NightMetrics>& metrics,
                                 const std::vector<Dose>& doses, const CompareOptions& options,
                                 const std::vector<SerumResult>& serum) {
    if (metrics.size() != nights.size())
        throw UsageError("compare_periods: one NightMetrics per night is required");
    std::vector<const MetricInfo*> infos;
    if (options.metrics.empty()) {
        for (auto name : default_comparison_metrics()) {
            const MetricInfo* mi = find_metric(name);
            if (mi) infos.push_back(mi);
        }
    } else {
        for (const auto& name : options.metrics) {
            const MetricInfo* mi = find_metric(name);
            if (!mi) throw UsageError("unknown metric \"" + name + "\" (see `sleeparch nights --help` for names)");
            if (std::find(infos.begin(), infos.end(), mi) == infos.end()) infos.push_back(mi);
        }
    }
    // The primary metric is always compared.
    if (!options.primary.empty()) {
        const MetricInfo* mi = find_metric(options.primary);
        if (!mi)
            throw UsageError("unknown primary metric \"" + options.primary +
                             "\" (see `sleeparch nights --help` for names)");
        if (std::find(infos.begin(), infos.end(), mi) == infos.end()) infos.push_back(mi);
    }
    if (options.resamples == 0) throw UsageError("the number of bootstrap resamples must be positive");
    if (options.washout_nights < 0) throw UsageError("--washout must be 0 or more nights");
    if (options.baseline.has_value() != options.treatment.has_value())
        throw UsageError("give both --baseline and --treatment, or neither (periods then come from the intake log)");

    const LinkResult links = link_nights(nights, metrics, doses);

    std::vector<std::size_t> mains;
    for (std::size_t i = 0; i < nights.size(); ++i)
        if (!nights[i].is_nap && !nights[i].label_date.is_special()) mains.push_back(i);
    std::stable_sort(mains.begin(), mains.end(), [&](std::size_t a, std::size_t b) {
        return nights[a].label_date < nights[b].label_date;
    });
    if (mains.empty()) throw UsageError("no main sleeps to compare");

    ComparisonResult res;
    res.resamples = options.resamples;
    res.seed = options.seed;
    res.serum = serum;

    std::optional<DateRange> base_r, wash_r, treat_r, post_r;
    if (options.baseline) {
        base_r = options.baseline;
        treat_r = options.treatment;
        if (base_r->last >= treat_r->first && treat_r->last >= base_r->first)
            throw UsageError("--baseline and --treatment overlap");
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

    Context ctx{nights, metrics, links, options, {}, {}, {}, {}, {}};
    std::vector<std::size_t> wash;
    for (std::size_t i : mains) {
        const date d = nights[i].label_date;
        if (base_r && base_r->contains(d)) ctx.base.push_back(i);
        else if (treat_r && treat_r->contains(d)) ctx.treat.push_back(i);
        else if (wash_r && wash_r->contains(d)) wash.push_back(i);
        else if (post_r && post_r->contains(d)) ctx.post.push_back(i);
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
    res.baseline = period("baseline", base_r, ctx.base);
    res.washout = period("washout", wash_r, wash);
    res.treatment = period("treatment", treat_r, ctx.treat);
    res.post = period("post", post_r, ctx.post);
    ctx.origin = ctx.base.empty() ? (ctx.treat.empty() ? nights[mains.front()].label_date
                                                       : nights[ctx.treat.front()].label_date)
                                  : nights[ctx.base.front()].label_date;

    // Tags seen in both periods can be adjusted for; others cannot.
    std::set<std::string> tb, tt;
    for (std::size_t i : ctx.base) tb.insert(links.nights[i].tags.begin(), links.nights[i].tags.end());
    for (std::size_t i : ctx.treat) tt.insert(links.nights[i].tags.begin(), links.nights[i].tags.end());
    for (const auto& tag : tb)
        if (tt.count(tag)) ctx.shared_tags.push_back(tag);

    res.metrics.resize(infos.size());
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = std::min<unsigned>(threads, static_cast<unsigned>(infos.size()));
    std::vector<std::exception_ptr> errors(infos.size());
    auto work = [&](unsigned w) {
        for (std::size_t k = w; k < infos.size(); k += threads) {
            try {
                res.metrics[k] = compare_metric(ctx, *infos[k]);
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

    // Holm over the metrics with a p-value, the primary metric left out.
    std::vector<double> ps;
    for (const auto& m : res.metrics) {
        const bool enough = m.n_baseline >= options.min_nights && m.n_treatment >= options.min_nights;
        ps.push_back(enough && !m.primary ? m.p : nan_v);
    }
    const std::vector<double> adj = holm_adjust(ps);
    for (std::size_t k = 0; k < res.metrics.size(); ++k) {
        auto& m = res.metrics[k];
        const bool enough = m.n_baseline >= options.min_nights && m.n_treatment >= options.min_nights;
        m.p_holm = m.primary ? m.p : adj[k];
        if (!enough) {
            m.verdict = Verdict::NotEnoughNights;
            m.p_holm = m.primary ? m.p : nan_v;
        } else if (m.p_holm < 0.05 && (m.ci_low > 0 || m.ci_high < 0)) {
            m.verdict = Verdict::Changed;
        } else {
            m.verdict = Verdict::NoChange;
        }
    }

    // Warnings (METRICS.md §5.7).
    auto& w = res.warnings;
    if (ctx.base.empty()) w.push_back("no baseline nights: there is nothing before the first dose to compare with");
    if (ctx.treat.empty()) w.push_back("no treatment nights after the washout");
    {
        // Sources by name and version; a device description that changes
        // under the same name and version is reported on its own.
        std::set<std::string> sb, st, db, dt;
        for (std::size_t i : ctx.base) {
            sb.insert(source_description(nights[i]));
            db.insert(nights[i].source.label() + "|" + nights[i].source.device);
        }
        for (std::size_t i : ctx.treat) {
            st.insert(source_description(nights[i]));
            dt.insert(nights[i].source.label() + "|" + nights[i].source.device);
        }
        std::vector<std::string> only_b, only_t;
        std::set_difference(sb.begin(), sb.end(), st.begin(), st.end(), std::back_inserter(only_b));
        std::set_difference(st.begin(), st.end(), sb.begin(), sb.end(), std::back_inserter(only_t));
        if (!sb.empty() && !st.empty() && (!only_b.empty() || !only_t.empty())) {
            std::string text = "source or algorithm version differs between periods (";
            if (!only_b.empty()) text += "baseline only: " + join(only_b, "; ");
            if (!only_t.empty()) text += std::string(only_b.empty() ? "" : "; ") + "treatment only: " + join(only_t, "; ");
            w.push_back(text + "): a difference may come from the device rather than from sleep");
        } else if (!sb.empty() && !st.empty() && db != dt) {
            w.push_back("the device description differs between periods under the same source: a "
                        "difference may come from the device rather than from sleep");
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
    for (const auto& m : res.metrics)
        if (m.baseline_trend_p < 0.05)
            w.push_back(m.metric + ": the baseline already trends (p = " + fmt_p(m.baseline_trend_p) +
                        "): part of any difference may be a drift that started before magnesium");
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

std::string verdict_sentence(const MetricComparison& m) {
    const std::string name(metric_display_name(m.metric));
    const std::string unit = unit_suffix(m.unit);
    switch (m.verdict) {
        case Verdict::NotEnoughNights:
            return name + ": not enough nights (" + std::to_string(m.n_baseline) + " baseline, " +
                   std::to_string(m.n_treatment) + " treatment; 14 each needed).";
        case Verdict::Changed:
            return name + " was " + fmt(std::fabs(m.diff)) + unit + (m.diff < 0 ? " lower" : " higher") +
                   " in the magnesium period (95 % CI " + fmt(m.ci_low) + " to " + fmt(m.ci_high) +
                   "): a change associated with the magnesium period.";
        case Verdict::NoChange: break;
    }
    return name + ": no change detected (difference " + fmt(m.diff) + unit + ", 95 % CI " +
           fmt(m.ci_low) + " to " + fmt(m.ci_high) + "); changes smaller than " + fmt(m.mde) + unit +
           " could not be seen.";
}

std::string closing_paragraph(const ComparisonResult& r) {
    std::size_t changed = 0, compared = 0;
    bool deep = false;
    for (const auto& m : r.metrics) {
        if (m.verdict != Verdict::NotEnoughNights) ++compared;
        if (m.verdict == Verdict::Changed) ++changed;
        if (m.metric == "deep_pct" || m.metric == "deep_min") deep = true;
    }
    std::string s;
    if (compared == 0) {
        s = "There were too few nights in one of the periods to compare anything: at least 14 "
            "usable nights before and 14 after the washout are needed. ";
    } else if (changed == 0) {
        s = "None of the " + std::to_string(compared) +
            " metrics compared differed clearly between the periods. That does not show that "
            "magnesium has no effect: effects smaller than the minimum detectable effect shown "
            "for each metric could not be seen with this many nights. ";
    } else {
        s = std::to_string(changed) + " of " + std::to_string(compared) +
            " metrics differed between the periods. This is an association in your own data, "
            "not proof that magnesium caused it: anything else that changed at the same time "
            "(season, stress, schedule, another habit, the device) could explain it. ";
    }
    s += "Intervals allow for night-to-night correlation (block bootstrap, Newey-West errors) and "
         "p-values are adjusted for the number of metrics. ";
    if (deep)
        s += "Consumer devices detect deep sleep poorly (about 44 % epoch sensitivity against "
             "polysomnography, Menghini et al. 2021), so treat deep-sleep share with caution. ";
    s += "Trial evidence for magnesium and sleep is thin (Mah & Pitre 2021: about 17 min shorter "
         "sleep-onset latency, low-quality evidence). To learn more, keep logging: a longer "
         "treatment period, a period off magnesium afterwards, and the same device throughout "
         "make the comparison sharper. A serum magnesium test below 0.85 mmol/L is the one result "
         "worth discussing with a doctor before taking supplements.";
    return s;
}

}  // namespace sleeparch
