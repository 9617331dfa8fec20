#include "sleeparch/comparison_text.hpp"

#include <cmath>
#include <cstdio>
#include <map>

namespace sleeparch {

namespace {

std::string fmt(double v, int decimals = 1) {
    if (!std::isfinite(v)) return "n/a";
    if (std::fabs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0.0;  // no "-0.0"
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

std::string unit_suffix(std::string_view unit) {
    if (unit == "min") return " min";
    if (unit == "%") return " points";
    if (unit == "/h") return " per hour";
    if (unit == "ms") return " ms";
    if (unit == "bpm") return " bpm";
    return "";
}

std::string metric_display_name(std::string_view metric) {
    if (metric.starts_with("rating:")) {
        std::string name(metric.substr(7));
        for (char& c : name)
            if (c == '_') c = ' ';
        return "Self-rated " + name;
    }
    const MetricInfo* info = find_metric(metric);
    return std::string(info ? display_name(*info) : metric);
}

std::string_view verdict_phrase(const MetricComparison& m) {
    switch (m.verdict) {
        case Verdict::Changed: return m.diff < 0 ? "changed: lower" : "changed: higher";
        case Verdict::NoChange: return "no change detected";
        case Verdict::NotComparable: return "not comparable";
        case Verdict::TooFewNights: break;
    }
    return "too few nights";
}

std::string verdict_sentence(const MetricComparison& m) {
    const std::string name = metric_display_name(m.metric);
    const std::string unit = unit_suffix(m.unit);
    const std::string ci = "95 % CI " + fmt(m.ci_low) + " to " + fmt(m.ci_high);
    switch (m.verdict) {
        case Verdict::NotComparable:
            return name + ": not comparable: no source recorded nights in both periods (the device changed).";
        case Verdict::TooFewNights:
            return name + ": too few nights (" + std::to_string(m.n_baseline) + " baseline, " +
                   std::to_string(m.n_treatment) + " treatment; " + std::to_string(m.min_nights) +
                   " each needed).";
        case Verdict::Changed:
            return name + " was " + fmt(std::fabs(m.diff)) + unit + (m.diff < 0 ? " lower" : " higher") +
                   " in the magnesium period (" + ci + "): a change associated with the magnesium period.";
        case Verdict::NoChange: break;
    }
    if (m.ci_low > 0 || m.ci_high < 0) {
        std::string s = name + ": a difference of " + fmt(m.diff) + unit + " was seen (" + ci +
                        ") but does not survive the adjustment for " + std::to_string(m.holm_family) + " metrics";
        if (m.gated && m.p_holm_within < 0.05)
            s += " (the other metrics count only once the primary metric has changed, and it did not)";
        return s + ".";
    }
    if (std::fabs(m.diff) < m.mde)
        return name + ": no change detected; changes smaller than " + fmt(m.mde) + unit + " could not be seen.";
    return name + ": no change detected (difference " + fmt(m.diff) + unit + ", " + ci + ").";
}

std::string closing_paragraph(const ComparisonResult& r) {
    std::size_t changed = 0, compared = 0;
    bool deep = false;
    for (const auto& m : r.metrics) {
        if (m.verdict == Verdict::Changed || m.verdict == Verdict::NoChange) ++compared;
        if (m.verdict == Verdict::Changed) ++changed;
        if (m.metric == "deep_pct" || m.metric == "deep_min") deep = true;
    }
    const std::string n = std::to_string(r.min_nights);
    std::string s;
    if (!r.comparable) {
        s = "No source recorded nights both before and after the washout, so nothing was compared: "
            "devices score sleep differently, and a change of device would look like a change of sleep. ";
    } else if (compared == 0) {
        s = "There were too few nights in one of the periods to compare anything: at least " + n +
            " usable nights before and " + n + " after the washout are needed. ";
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
    if (!r.source.empty() && !r.all_sources) s += "Only nights recorded by " + r.source + " were compared. ";
    s += "Intervals and p-values allow for night-to-night correlation; the primary metric" +
         (r.primary.empty() ? std::string() : " (" + r.primary + ")") +
         " is not adjusted; the others are adjusted for the number of metrics and count only once the "
         "primary has changed, so that the chance of any false change stays at 5 %. ";
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
