// The report's randomised-trial section (METRICS.md §7): the plan as a strip
// of nights shaded by assignment, the randomisation distribution of the
// primary metric with the observed effect, the rows, and adherence.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "sleeparch/report.hpp"
#include "sleeparch/time.hpp"

namespace sleeparch::report {

namespace {

std::string num(double v, int decimals = 1) {
    if (!std::isfinite(v)) return "\xE2\x80\x93";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v) < 0.5 * std::pow(10.0, -decimals) ? 0.0 : v);
    return buf;
}

const char* colour(TrialCondition c) {
    switch (c) {
        case TrialCondition::Magnesium: return "#2b7bb9";
        case TrialCondition::Control: return "#d9a441";
        case TrialCondition::Washout: break;
    }
    return "#cccccc";
}

}  // namespace

std::string render_trial_section(const TrialResult& r) {
    std::ostringstream o;
    const TrialPlan& plan = r.plan;
    const auto mag = plan.key_known ? std::string("magnesium") : "code " + plan.magnesium_code;
    const auto ctl = plan.key_known ? std::string("control") : "code " + plan.control_code;
    o << "<section id=\"trial\">\n<h2>Randomised self-trial</h2>\n";
    o << "<p>" << html_escape(trial_summary(r)) << "</p>\n";
    // The plan: one cell per night.
    const int n = plan.scheme.nights();
    const double w = 900.0 / n;
    o << "<svg class=\"trial-plan\" viewBox=\"0 0 900 46\" width=\"900\" height=\"46\" role=\"img\" aria-label=\"plan\">\n";
    for (int k = 0; k < n; ++k) {
        const auto night = plan.start + boost::gregorian::date_duration(k);
        const TrialCondition c = plan.condition_on(night).value_or(TrialCondition::Washout);
        o << "<rect x=\"" << num(k * w, 2) << "\" y=\"0\" width=\"" << num(w, 2) << "\" height=\"26\" fill=\""
          << colour(c) << "\"><title>" << format_date(night) << ": "
          << html_escape(c == TrialCondition::Magnesium ? mag : c == TrialCondition::Control ? ctl : "washout")
          << "</title></rect>\n";
    }
    o << "<text x=\"0\" y=\"42\" font-size=\"11\">" << format_date(plan.start) << "</text>"
      << "<text x=\"900\" y=\"42\" font-size=\"11\" text-anchor=\"end\">" << format_date(plan.last_night()) << "</text>\n"
      << "</svg>\n<p class=\"legend\"><span style=\"color:" << colour(TrialCondition::Magnesium) << "\">&#9632;</span> "
      << html_escape(mag) << " <span style=\"color:" << colour(TrialCondition::Control) << "\">&#9632;</span> "
      << html_escape(ctl) << " <span style=\"color:" << colour(TrialCondition::Washout)
      << "\">&#9632;</span> washout (not analysed)</p>\n";

    // The randomisation distribution of the primary's effect.
    const TrialMetric* primary = nullptr;
    for (const auto& m : r.metrics)
        if (m.primary) primary = &m;
    std::vector<double> f;
    for (double v : r.distribution)
        if (std::isfinite(v)) f.push_back(v);
    if (primary && !f.empty() && std::isfinite(primary->diff)) {
        const auto [lo_it, hi_it] = std::minmax_element(f.begin(), f.end());
        double lo = std::min(*lo_it, primary->diff), hi = std::max(*hi_it, primary->diff);
        if (!(hi > lo)) hi = lo + 1;
        const int bins = 40;
        std::vector<int> counts(bins, 0);
        for (double v : f) ++counts[std::min(bins - 1, static_cast<int>((v - lo) / (hi - lo) * bins))];
        const int top = *std::max_element(counts.begin(), counts.end());
        o << "<h3>Randomisation distribution: " << html_escape(metric_display_name(primary->metric)) << "</h3>\n"
          << "<svg class=\"trial-dist\" viewBox=\"0 0 600 180\" width=\"600\" height=\"180\" role=\"img\" "
             "aria-label=\"randomisation distribution\">\n";
        for (int b = 0; b < bins; ++b) {
            const double h = 140.0 * counts[static_cast<std::size_t>(b)] / std::max(top, 1);
            o << "<rect x=\"" << num(b * 15.0, 1) << "\" y=\"" << num(150 - h, 1) << "\" width=\"14\" height=\""
              << num(h, 1) << "\" fill=\"#9bb\"/>\n";
        }
        const double x = (primary->diff - lo) / (hi - lo) * 600.0;
        o << "<line x1=\"" << num(x, 1) << "\" x2=\"" << num(x, 1) << "\" y1=\"0\" y2=\"150\" stroke=\"#c33\" stroke-width=\"2\"/>\n"
          << "<text x=\"0\" y=\"170\" font-size=\"11\">" << num(lo) << "</text><text x=\"600\" y=\"170\" font-size=\"11\" "
             "text-anchor=\"end\">" << num(hi) << "</text>\n</svg>\n"
          << "<p>The effect under each of the " << r.assignments_used << " assignments "
          << (r.method == "exact" ? "the scheme could have drawn" : "drawn at random from the scheme")
          << "; the red line is the observed effect " << num(primary->diff) << " (p = " << num(primary->p, 3) << ").</p>\n";
    }
    o << "<table class=\"trial\">\n<tr><th>metric</th><th>nights M/C</th><th>" << html_escape(mag) << "</th><th>"
      << html_escape(ctl) << "</th><th>diff</th><th>95% CI</th><th>p</th><th>verdict</th></tr>\n";
    for (const auto& m : r.metrics)
        o << "<tr><td>" << html_escape(m.metric) << (m.primary ? " *" : "") << "</td><td>" << m.n_magnesium << "/"
          << m.n_control << "</td><td>" << num(m.mean_magnesium) << "</td><td>" << num(m.mean_control) << "</td><td>"
          << num(m.diff) << "</td><td>" << num(m.ci_low) << " to " << num(m.ci_high) << "</td><td>"
          << num(m.p_holm, 3) << "</td><td>" << verdict_name(m.verdict) << "</td></tr>\n";
    o << "</table>\n<ul>\n";
    for (const auto& m : r.metrics)
        if (m.primary) o << "<li>" << html_escape(trial_sentence(m, r)) << "</li>\n";
    o << "</ul>\n";
    const auto& a = r.adherence;
    if (a.has_log)
        o << "<h3>Adherence</h3>\n<p>Doses logged on " << a.magnesium_with_dose << " of " << a.planned_magnesium << " "
          << html_escape(mag) << " nights (" << num(a.adherence_pct, 0) << " %) and on " << a.control_with_dose << " of "
          << a.planned_control << " " << html_escape(ctl) << " nights.</p>\n";
    else
        o << "<p>Adherence: no intake log given.</p>\n";
    if (!r.warnings.empty()) {
        o << "<ul class=\"warn\">\n";
        for (const auto& w : r.warnings) o << "<li>" << html_escape(w) << "</li>\n";
        o << "</ul>\n";
    }
    o << "</section>\n";
    return o.str();
}

}  // namespace sleeparch::report
