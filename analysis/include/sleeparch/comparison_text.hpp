// The comparison in plain words (METRICS.md §5.6): verdict sentences and
// phrases, metric display names and the closing paragraph, built from the
// result (which carries the options that shape the words, e.g. min_nights).
// The statistics are in comparison.hpp; nothing here computes a number.
#pragma once

#include <string>
#include <string_view>

#include "sleeparch/comparison.hpp"

namespace sleeparch {

// One sentence for a metric, exactly the §5.6 wording, e.g. "Sleep-onset
// latency was 6.2 min lower in the magnesium period (95 % CI -9.1 to -3.3):
// a change associated with the magnesium period." The too_few_nights
// sentence names m.min_nights (the option the comparison ran with).
std::string verdict_sentence(const MetricComparison& m);

// The verdict in the table's words: "changed: lower", "changed: higher", "no
// change detected", "too few nights" or "not comparable".
std::string_view verdict_phrase(const MetricComparison& m);

// A metric's name in words ("Sleep-onset latency" for sol_min); the metric
// name itself for metrics without one.
std::string metric_display_name(std::string_view metric);

// " min", " points", " per hour" or "" after a number of the unit.
std::string unit_suffix(std::string_view unit);

// The closing paragraph: association, not proof; what the data cannot show;
// what to do next.
std::string closing_paragraph(const ComparisonResult& r);

}  // namespace sleeparch
