// Magnesium intake (METRICS.md §4): elemental conversion of compound masses,
// dose forms by name, and the interpretation of a serum magnesium result.
//
//   double mg = elemental_mg(500, DoseForm::Citrate);     // 81 mg elemental
//   SerumReading r = interpret_serum(0.80, SerumUnit::MmolPerL);
//   r.band == SerumBand::LowNormal
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <string_view>

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include "sleeparch/model.hpp"

namespace sleeparch {

// Mass fraction of elemental magnesium in a form (METRICS.md §4): oxide
// 0.603, citrate 0.162 (anhydrous), glycinate 0.141, chloride 0.255
// (anhydrous), chloride hexahydrate 0.120, L-threonate 0.083. nullopt for
// forms without a stated fraction (malate, taurate, other, unknown): log
// those as elemental mg.
std::optional<double> elemental_fraction(DoseForm form);

// Elemental mg of `compound_mg` of `form`. Throws UsageError naming the form
// when it has no stated fraction.
double elemental_mg(double compound_mg, DoseForm form);

// "oxide", "citrate", "glycinate", "threonate", "chloride",
// "chloride_hexahydrate", "malate", "taurate", "other", "unknown".
std::string_view dose_form_name(DoseForm form);

// Case-insensitive; accepts the names above and common spellings
// ("magnesium citrate", "bisglycinate", "l-threonate", "chloride hexahydrate").
std::optional<DoseForm> parse_dose_form(std::string_view text);

// The US tolerable upper intake level for supplemental magnesium, mg/day.
inline constexpr double supplement_upper_limit_mg = 350.0;

enum class SerumUnit { MmolPerL, MgPerDl, MeqPerL };

// "mmol/L", "mg/dL", "mEq/L" (case-insensitive; "mmol/l", "mg/dl", "meq/l",
// "mmol", "mg", "meq" too).
std::optional<SerumUnit> parse_serum_unit(std::string_view text);
std::string_view serum_unit_name(SerumUnit unit);

// mmol/L = mg/dL / 2.43 = mEq/L / 2.
double serum_to_mmol_per_l(double value, SerumUnit unit);

enum class SerumBand {
    BelowRange,  // < 0.75 mmol/L: below common reference ranges
    LowNormal,   // 0.75 to < 0.85: lower part of the range
    Adequate,    // >= 0.85: adequate by the proposed cut-off (Rosanoff et al. 2022)
};

struct SerumReading {
    double value = 0;       // as given
    SerumUnit unit = SerumUnit::MmolPerL;
    double mmol_per_l = 0;
    SerumBand band = SerumBand::Adequate;
    std::string band_name;       // "below_range", "low_normal", "adequate"
    std::string interpretation;  // one or two sentences, plain words
};

// Throws UsageError for values that are not positive and finite, or above
// 10 mmol/L (no living person's serum: most likely a unit mix-up).
SerumReading interpret_serum(double value, SerumUnit unit);

// A morning self-rating from an intake log (METRICS.md §5.10), e.g.
// sleep_quality 4 on a 1-5 scale. A rating dated D is about the night
// labelled D (the night that ended that morning); compared like a metric.
struct Rating {
    boost::gregorian::date night;  // label date of the night rated
    std::string name;              // "sleep_quality", lower case
    double value = 0;
    double scale_min = 0, scale_max = 0;  // inclusive
    std::string source;  // file
    std::uint32_t line = 0;
};

// "1-5", "0-10", "1..7": the inclusive range of a rating scale; nullopt when
// the text is not two numbers low < high.
std::optional<std::pair<double, double>> parse_rating_scale(std::string_view text);

// A serum result found in an intake log.
struct SerumResult {
    boost::gregorian::date date;
    SerumReading reading;
    std::string source;  // file
    std::uint32_t line = 0;
};

}  // namespace sleeparch
