// The agreement page (report.hpp render_agreement): tables and inline SVG
// only, so it opens anywhere and repeats byte for byte.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "sleeparch/number_format.hpp"
#include "sleeparch/report.hpp"

namespace sleeparch::report {

namespace {

constexpr const char* kCss =
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}th,td{border:1px solid #ccc;padding:3px 7px;"
    "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}.note{color:#555}"
    "svg{display:inline-block;margin:0 1em 1em 0}svg text{font-size:11px;fill:#222}"
    ".axis{stroke:#444;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}.bias{stroke:#1f77b4;stroke-width:1.5}"
    ".loa{stroke:#d62728;stroke-width:1;stroke-dasharray:4 3}.reg{stroke:#2ca02c;stroke-width:1.5;fill:none}"
    ".pt{fill:#1f77b4;fill-opacity:0.6}";

const char* const kStageLabels[] = {"Wake", "Light", "Deep", "REM"};

std::string num(double v, int decimals = 1) {
    const std::string s = fmt_number(v, decimals);
    return s.empty() ? std::string("\xE2\x80\x93") : s;  // an en dash for undefined
}

// White to dark blue by share (0..100); text turns white on dark cells.
std::string heat_colour(double pct) {
    const double f = std::isfinite(pct) ? std::clamp(pct / 100.0, 0.0, 1.0) : 0.0;
    const int r = static_cast<int>(std::lround(255 - f * (255 - 8)));
    const int g = static_cast<int>(std::lround(255 - f * (255 - 81)));
    const int b = static_cast<int>(std::lround(255 - f * (255 - 156)));
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
    return buf;
}

void confusion_svg(std::ostringstream& o, const std::string& id, const std::string& title, const Confusion& counts,
                   const std::array<std::array<double, kAgreeClasses>, kAgreeClasses>& pct) {
    const double cell = 64, x0 = 70, y0 = 40, w = x0 + 4 * cell + 20, h = y0 + 4 * cell + 40;
    o << "<svg id=\"" << id << "\" width=\"" << svg_num(w) << "\" height=\"" << svg_num(h) << "\" viewBox=\"0 0 "
      << svg_num(w) << " " << svg_num(h) << "\" role=\"img\" aria-labelledby=\"" << id << "-title\">"
      << "<title id=\"" << id << "-title\">" << html_escape(title) << "</title>";
    o << "<text x=\"" << svg_num(x0 + 2 * cell) << "\" y=\"14\" text-anchor=\"middle\">device</text>";
    o << "<text x=\"12\" y=\"" << svg_num(y0 + 2 * cell) << "\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
      << svg_num(y0 + 2 * cell) << ")\">reference</text>";
    for (int c = 0; c < kAgreeClasses; ++c) {
        o << "<text x=\"" << svg_num(x0 + (c + 0.5) * cell) << "\" y=\"" << svg_num(y0 - 6)
          << "\" text-anchor=\"middle\">" << kStageLabels[c] << "</text>";
        o << "<text x=\"" << svg_num(x0 - 6) << "\" y=\"" << svg_num(y0 + (c + 0.5) * cell + 4)
          << "\" text-anchor=\"end\">" << kStageLabels[c] << "</text>";
    }
    for (int r = 0; r < kAgreeClasses; ++r)
        for (int d = 0; d < kAgreeClasses; ++d) {
            const double x = x0 + d * cell, y = y0 + r * cell;
            o << "<rect x=\"" << svg_num(x) << "\" y=\"" << svg_num(y) << "\" width=\"" << svg_num(cell)
              << "\" height=\"" << svg_num(cell) << "\" fill=\"" << heat_colour(pct[r][d])
              << "\" stroke=\"#fff\"><title>" << kStageLabels[r] << " scored " << kStageLabels[d] << ": "
              << counts[r][d] << " epochs, " << num(pct[r][d]) << "% of reference " << kStageLabels[r]
              << "</title></rect>";
            const bool dark = std::isfinite(pct[r][d]) && pct[r][d] > 55;
            o << "<text x=\"" << svg_num(x + cell / 2) << "\" y=\"" << svg_num(y + cell / 2 - 2)
              << "\" text-anchor=\"middle\"" << (dark ? " style=\"fill:#fff\"" : "") << ">" << num(pct[r][d])
              << "%</text><text x=\"" << svg_num(x + cell / 2) << "\" y=\"" << svg_num(y + cell / 2 + 12)
              << "\" text-anchor=\"middle\"" << (dark ? " style=\"fill:#fff\"" : "") << ">" << counts[r][d]
              << "</text>";
        }
    o << "<text x=\"" << svg_num(x0) << "\" y=\"" << svg_num(h - 10)
      << "\">row percent (of the reference's epochs), epoch counts</text></svg>\n";
}

void bland_altman_svg(std::ostringstream& o, const std::string& id, std::string_view metric,
                      const std::vector<AgreementPair>& pairs, std::size_t m, const BlandAltman& b) {
    const double w = 340, h = 250, l = 52, r = 12, t = 24, bt = 36;
    std::vector<double> xs, ys;
    for (const AgreementPair& p : pairs)
        if (std::isfinite(p.reference[m]) && std::isfinite(p.device[m])) {
            xs.push_back((p.reference[m] + p.device[m]) / 2);
            ys.push_back(p.discrepancy[m]);
        }
    double xlo = 0, xhi = 1, ylo = -1, yhi = 1;
    if (!xs.empty()) {
        xlo = *std::min_element(xs.begin(), xs.end());
        xhi = *std::max_element(xs.begin(), xs.end());
        ylo = *std::min_element(ys.begin(), ys.end());
        yhi = *std::max_element(ys.begin(), ys.end());
    }
    for (double v : {b.loa_low, b.loa_high, 0.0})
        if (std::isfinite(v)) ylo = std::min(ylo, v), yhi = std::max(yhi, v);
    const std::vector<double> xt = nice_ticks(xlo, xhi, 4), yt = nice_ticks(ylo, yhi, 5);
    const LinearScale x{xt.front(), xt.back(), l, w - r}, y{yt.front(), yt.back(), h - bt, t};
    const std::string title = std::string(metric) + ": device \xE2\x88\x92 reference against their mean";
    o << "<svg id=\"" << id << "\" width=\"" << svg_num(w) << "\" height=\"" << svg_num(h) << "\" viewBox=\"0 0 "
      << svg_num(w) << " " << svg_num(h) << "\" role=\"img\" aria-labelledby=\"" << id << "-title\">"
      << "<title id=\"" << id << "-title\">" << html_escape(title) << "</title>";
    o << "<text x=\"" << svg_num(l) << "\" y=\"14\">" << html_escape(metric) << "</text>";
    for (double v : yt)
        o << "<line x1=\"" << svg_num(l) << "\" y1=\"" << svg_num(y(v)) << "\" x2=\"" << svg_num(w - r) << "\" y2=\""
          << svg_num(y(v)) << "\" class=\"grid\"/><text x=\"" << svg_num(l - 4) << "\" y=\"" << svg_num(y(v) + 4)
          << "\" text-anchor=\"end\">" << fmt_number(v, std::abs(yt.back() - yt.front()) < 5 ? 1 : 0) << "</text>";
    for (double v : xt)
        o << "<text x=\"" << svg_num(x(v)) << "\" y=\"" << svg_num(h - bt + 14) << "\" text-anchor=\"middle\">"
          << fmt_number(v, std::abs(xt.back() - xt.front()) < 5 ? 1 : 0) << "</text>";
    o << "<line x1=\"" << svg_num(l) << "\" y1=\"" << svg_num(h - bt) << "\" x2=\"" << svg_num(w - r) << "\" y2=\""
      << svg_num(h - bt) << "\" class=\"axis\"/><line x1=\"" << svg_num(l) << "\" y1=\"" << svg_num(t)
      << "\" x2=\"" << svg_num(l) << "\" y2=\"" << svg_num(h - bt) << "\" class=\"axis\"/>";
    o << "<text x=\"" << svg_num((l + w - r) / 2) << "\" y=\"" << svg_num(h - 6)
      << "\" text-anchor=\"middle\">mean of device and reference</text>";
    auto hline = [&](double v, const char* cls) {
        if (!std::isfinite(v)) return;
        o << "<line x1=\"" << svg_num(l) << "\" y1=\"" << svg_num(y(v)) << "\" x2=\"" << svg_num(w - r)
          << "\" y2=\"" << svg_num(y(v)) << "\" class=\"" << cls << "\"/>";
    };
    hline(b.bias, "bias");
    hline(b.loa_low, "loa");
    hline(b.loa_high, "loa");
    if (b.proportional) {
        // The regression-based bias and limits over the observed means.
        for (double sign : {0.0, -1.0, 1.0}) {
            o << "<polyline class=\"reg\" points=\"";
            for (int k = 0; k <= 20; ++k) {
                const double a = xlo + (xhi - xlo) * k / 20.0;
                const double v = b.bias_intercept + b.bias_slope * a + sign * 1.96 * (b.sd_intercept + b.sd_slope * a);
                o << (k ? " " : "") << svg_num(x(a)) << "," << svg_num(y(std::clamp(v, yt.front(), yt.back())));
            }
            o << "\"/>";
        }
    }
    for (std::size_t i = 0; i < xs.size(); ++i)
        o << "<circle cx=\"" << svg_num(x(xs[i])) << "\" cy=\"" << svg_num(y(ys[i])) << "\" r=\"2.5\" class=\"pt\"/>";
    o << "</svg>\n";
}

}  // namespace

std::string render_agreement(const AgreementPageData& d) {
    static const AgreementResult empty;
    const AgreementResult& r = d.result ? *d.result : empty;
    const AgreementGroup& g = r.group;
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
      << "<meta name=\"generator\" content=\"sleeparch " << html_escape(d.version) << "\"/>\n"
      << "<title>Device against reference: agreement (sleeparch agree)</title>\n<style>" << kCss
      << "</style>\n</head>\n<body>\n<header>\n<h1>Device against reference: agreement</h1>\n";
    o << "<table>\n<tbody>\n<tr><th class=\"l\" scope=\"row\">Inputs</th><td class=\"l\">";
    for (std::size_t k = 0; k < d.inputs.size(); ++k) o << (k ? "<br/>" : "") << "<code>" << html_escape(d.inputs[k]) << "</code>";
    o << "</td></tr>\n<tr><th class=\"l\" scope=\"row\">Pairs of nights</th><td class=\"l\">" << r.pairs.size()
      << "</td></tr>\n<tr><th class=\"l\" scope=\"row\">Bootstrap</th><td class=\"l\">" << r.options.resamples
      << " resamples of the pairs, seed " << r.options.seed << ", " << num(100 * r.options.confidence, 0)
      << "% percentile intervals</td></tr>\n</tbody>\n</table>\n</header>\n<main>\n";

    o << "<h2>Epoch by epoch, per stage</h2>\n<p class=\"note\">One stage against the rest; percent except kappa "
         "and PABAK. Mean [bootstrap CI] over pairs; pooled over all epochs.</p>\n";
    o << "<table>\n<thead><tr><th class=\"l\">stage</th>";
    for (std::string_view s : kClassStatNames) o << "<th>" << s << "</th>";
    o << "</tr></thead>\n<tbody>\n";
    for (int c = 0; c < kAgreeClasses; ++c) {
        o << "<tr><td class=\"l\">" << kStageLabels[c] << "</td>";
        for (std::size_t s = 0; s < kClassStatNames.size(); ++s) {
            const MeanCi& m = g.per_stage_mean[c][s];
            const int dec = s >= 5 ? 2 : 1;
            o << "<td>" << num(m.mean, dec) << " [" << num(m.ci_low, dec) << ", " << num(m.ci_high, dec) << "]</td>";
        }
        o << "</tr>\n<tr><td class=\"l\">" << kStageLabels[c] << " (pooled)</td>";
        for (std::size_t s = 0; s < kClassStatNames.size(); ++s) o << "<td>" << num(class_stat(g.pooled[c], s), s >= 5 ? 2 : 1) << "</td>";
        o << "</tr>\n";
    }
    o << "<tr><td class=\"l\">sleep/wake</td>";
    for (std::size_t s = 0; s < kSleepWakeStatNames.size(); ++s) {
        const MeanCi& m = g.sleep_wake_mean[s];
        o << "<td>" << num(m.mean) << " [" << num(m.ci_low) << ", " << num(m.ci_high) << "]</td>";
    }
    o << "<td></td><td></td><td></td><td></td></tr>\n</tbody>\n</table>\n";

    o << "<h2>Confusion matrices</h2>\n";
    std::array<std::array<double, kAgreeClasses>, kAgreeClasses> sum_pct{};
    for (int rr = 0; rr < kAgreeClasses; ++rr) {
        double row = 0;
        for (int c = 0; c < kAgreeClasses; ++c) row += static_cast<double>(g.confusion_sum[rr][c]);
        for (int c = 0; c < kAgreeClasses; ++c)
            sum_pct[rr][c] = row > 0 ? 100.0 * static_cast<double>(g.confusion_sum[rr][c]) / row : std::nan("");
    }
    confusion_svg(o, "confusion-sum", "Summed confusion matrix, rows reference, columns device", g.confusion_sum, sum_pct);
    confusion_svg(o, "confusion-prop", "Mean of the pairs' row-proportional confusion matrices", g.confusion_sum,
                  g.confusion_prop_mean);

    o << "<h2>Bland\xE2\x80\x93" "Altman</h2>\n<p class=\"note\">Device \xE2\x88\x92 reference. Limits: bias \xC2\xB1 1.96 SD; "
         "when the difference grows with the mean (slope p &lt; " << num(r.options.alpha, 2)
      << "), the regression-based bias and limits (Bland &amp; Altman 1999) are drawn in green.</p>\n";
    o << "<table>\n<thead><tr><th class=\"l\">metric</th><th>n</th><th>bias</th><th>SD</th><th>LoA low</th>"
         "<th>LoA high</th><th>slope</th><th>slope p</th><th class=\"l\">regression-based</th></tr></thead>\n<tbody>\n";
    for (std::size_t m = 0; m < kDiscrepancyCount; ++m) {
        const BlandAltman& b = g.bland_altman[m];
        o << "<tr><td class=\"l\">" << kDiscrepancyMetrics[m] << "</td><td>" << b.n << "</td><td>" << num(b.bias, 2)
          << "</td><td>" << num(b.sd, 2) << "</td><td>" << num(b.loa_low, 2) << "</td><td>" << num(b.loa_high, 2)
          << "</td><td>" << num(b.slope, 3) << "</td><td>" << num(b.slope_p, 3) << "</td><td class=\"l\">";
        if (b.proportional)
            o << "bias " << num(b.bias_intercept, 2) << " + " << num(b.bias_slope, 3) << "\xC2\xB7mean; SD "
              << num(b.sd_intercept, 2) << " + " << num(b.sd_slope, 3) << "\xC2\xB7mean";
        o << "</td></tr>\n";
    }
    o << "</tbody>\n</table>\n<div>\n";
    for (std::size_t m = 0; m < kDiscrepancyCount; ++m)
        bland_altman_svg(o, "ba-" + std::string(kDiscrepancyMetrics[m]), kDiscrepancyMetrics[m], r.pairs, m,
                         g.bland_altman[m]);
    o << "</div>\n";

    o << "<h2>Pairs</h2>\n<table>\n<thead><tr><th class=\"l\">id</th><th>epochs</th><th>excluded</th>";
    for (int c = 0; c < kAgreeClasses; ++c) o << "<th>" << kStageLabels[c] << " sens.</th>";
    o << "<th>sleep/wake acc.</th><th>TST diff (min)</th></tr></thead>\n<tbody>\n";
    for (const AgreementPair& p : r.pairs) {
        o << "<tr><td class=\"l\">" << html_escape(p.id) << "</td><td>" << p.alignment.epochs << "</td><td>"
          << p.alignment.excluded() << "</td>";
        for (int c = 0; c < kAgreeClasses; ++c) o << "<td>" << num(p.per_stage[c].sensitivity) << "</td>";
        o << "<td>" << num(p.sleep_wake.accuracy) << "</td><td>" << num(p.discrepancy[0]) << "</td></tr>\n";
    }
    o << "</tbody>\n</table>\n";
    if (!r.skipped.empty()) {
        o << "<h2>Skipped</h2>\n<ul>\n";
        for (const std::string& s : r.skipped) o << "<li>" << html_escape(s) << "</li>\n";
        o << "</ul>\n";
    }
    o << "</main>\n<footer>\n<p class=\"note\">Made by sleeparch " << html_escape(d.version)
      << " (METRICS.md \xC2\xA7" "6).</p>\n</footer>\n</body>\n</html>\n";
    return o.str();
}

}  // namespace sleeparch::report
