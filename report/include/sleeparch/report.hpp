// `sleeparch report`: one self-contained HTML page (inline CSS and SVG, no
// script, no external URL) with the inputs, the before/after comparison,
// nightly trend charts with the periods shaded, hypnograms and the dose
// timeline. The page is XHTML-compatible (every tag closed, every attribute
// quoted) and byte-identical for the same input and seed.
//
//   ReportData d;  d.nights = &nights;  d.metrics = metrics;  ...
//   std::string html = render_report(d);
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include "sleeparch/comparison.hpp"
#include "sleeparch/trial.hpp"
#include "sleeparch/intake.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch::report {

// ---- SVG helpers (public for the tests) -----------------------------------

// Text for HTML and XML: & < > " ' escaped; control characters other than
// tab and newline dropped; invalid UTF-8 bytes replaced by U+FFFD.
std::string html_escape(std::string_view text);

// A number for an SVG coordinate: one decimal, no "-0.0".
std::string svg_num(double v);

// Maps the domain [d0, d1] linearly onto the range [r0, r1] (a degenerate
// domain maps to the middle of the range).
struct LinearScale {
    double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
    double operator()(double v) const;
};

// About `target` round tick values (1, 2, 2.5 or 5 times a power of ten)
// covering [lo, hi]; the first is <= lo and the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// Day axis of the trend charts: label date `first` at index 0; a date's
// column spans [index - 0.5, index + 0.5].
struct DayAxis {
    boost::gregorian::date first, last;
    LinearScale x;  // domain in day indices (first - 0.5 .. last + 0.5)
    DayAxis(boost::gregorian::date first, boost::gregorian::date last, double x0, double x1);
    long index(const boost::gregorian::date& d) const;
    double center(const boost::gregorian::date& d) const;
};

// The horizontal extent of a period's shading on `axis`: from the left edge
// of its first date's column to the right edge of its last, clipped to the
// axis (open ends run to the axis ends). nullopt when it misses the axis.
struct Span {
    double x0, x1;
};
std::optional<Span> period_span(const DateRange& period, const DayAxis& axis);

// Hypnogram rows from the top: Wake 0, REM 1, N1/Light 2, N2 3, Deep 4;
// -1 for Asleep and Unscored (drawn as boxes, not on the step line).
int hypnogram_level(Stage s);

struct Point {
    double x, y;
    bool operator==(const Point&) const = default;
};
// The step line of a hypnogram: one polyline per run of consecutive staged
// segments (a segment at level -1 breaks the line). Each segment gives its
// two corners (x(start), y(level)) and (x(end), y(level)).
std::vector<std::vector<Point>> step_polylines(const std::vector<Segment>& segments, const LinearScale& x,
                                               const LinearScale& y);

// ---- the page --------------------------------------------------------------

struct ReportData {
    std::string version;                  // the tool version, printed in the footer
    std::string stamp;                    // "generated at" text; empty: none (deterministic)
    std::vector<std::string> inputs;      // paths as given
    std::string intake_path;              // empty: no intake log
    const std::vector<Night>* nights = nullptr;  // all nights (naps are listed, not charted)
    std::vector<NightMetrics> metrics;    // parallel to *nights
    std::vector<Warning> warnings;        // import, assembly and intake warnings
    std::size_t skipped_files = 0;
    std::optional<ComparisonResult> comparison;
    std::string no_comparison;            // why there is no comparison (when there is none)
    std::vector<std::string> trend_metrics;  // without a comparison: the metrics charted
    std::map<boost::gregorian::date, double> mg_by_date;  // elemental mg per label date
    bool has_intake = false;
    std::vector<SerumResult> serum;       // serum results of the log (shown without a comparison)
    int hypnograms = 14;                  // how many hypnograms to draw
    double staged_fraction_min = kStagedFractionMin;  // share charts: nights below are drawn hollow
    std::optional<TrialResult> trial;     // `report --design`: the randomised trial (METRICS.md §7)
};

// The randomised-trial section (trial_section.cpp): the plan shaded by
// assignment, the randomisation distribution with the observed effect, adherence.
std::string render_trial_section(const TrialResult& result);

// The main sleeps drawn as hypnograms (indices into *nights, in date
// order): with periods, the last ceil(n/2) of baseline and the last of
// treatment for the rest (topped up from the other period when one is short);
// without, the last n nights. Summary-only nights are never chosen.
std::vector<std::size_t> hypnogram_selection(const ReportData& data);

std::string render_report(const ReportData& data);

}  // namespace sleeparch::report

// ---- the agreement page (`sleeparch agree --html`) --------------------------

#include "sleeparch/agreement.hpp"

namespace sleeparch::report {

struct AgreementPageData {
    std::string version;              // the tool version, printed in the footer
    std::vector<std::string> inputs;  // "reference | device" per input
    const AgreementResult* result = nullptr;
};

// Self-contained HTML (inline CSS and SVG, no script): the group's per-stage
// table, the pooled and row-proportional confusion matrices as heat maps,
// one Bland–Altman plot per discrepancy, and the pairs; deterministic.
std::string render_agreement(const AgreementPageData& data);

}  // namespace sleeparch::report
