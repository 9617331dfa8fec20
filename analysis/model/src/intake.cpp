#include "sleeparch/intake.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "sleeparch/error.hpp"

namespace sleeparch {

namespace {

std::string normalise(std::string_view text) {
    std::string out;
    for (char c : text) {
        const auto uc = static_cast<unsigned char>(c);
        if (std::isalnum(uc)) out += static_cast<char>(std::tolower(uc));
        else if (!out.empty() && out.back() != ' ') out += ' ';
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string fixed2(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

}  // namespace

std::optional<double> elemental_fraction(DoseForm form) {
    switch (form) {
        case DoseForm::Oxide: return 0.603;
        case DoseForm::Citrate: return 0.162;
        case DoseForm::Glycinate: return 0.141;
        case DoseForm::Chloride: return 0.255;
        case DoseForm::ChlorideHexahydrate: return 0.120;
        case DoseForm::Threonate: return 0.083;
        default: return std::nullopt;
    }
}

double elemental_mg(double compound_mg, DoseForm form) {
    const auto f = elemental_fraction(form);
    if (!f)
        throw UsageError("no elemental fraction is known for magnesium " +
                         std::string(dose_form_name(form)) +
                         ": log the elemental mg from the product label instead");
    return compound_mg * *f;
}

std::string_view dose_form_name(DoseForm form) {
    switch (form) {
        case DoseForm::Oxide: return "oxide";
        case DoseForm::Citrate: return "citrate";
        case DoseForm::Glycinate: return "glycinate";
        case DoseForm::Threonate: return "threonate";
        case DoseForm::Chloride: return "chloride";
        case DoseForm::ChlorideHexahydrate: return "chloride_hexahydrate";
        case DoseForm::Malate: return "malate";
        case DoseForm::Taurate: return "taurate";
        case DoseForm::Other: return "other";
        case DoseForm::Unknown: break;
    }
    return "unknown";
}

std::optional<DoseForm> parse_dose_form(std::string_view text) {
    std::string s = normalise(text);
    if (s.rfind("magnesium ", 0) == 0) s = s.substr(10);
    if (s.empty() || s == "unknown") return DoseForm::Unknown;
    if (s == "oxide") return DoseForm::Oxide;
    if (s == "citrate") return DoseForm::Citrate;
    if (s == "glycinate" || s == "bisglycinate" || s == "diglycinate") return DoseForm::Glycinate;
    if (s == "threonate" || s == "l threonate") return DoseForm::Threonate;
    if (s == "chloride" || s == "chloride anhydrous") return DoseForm::Chloride;
    if (s == "chloride hexahydrate") return DoseForm::ChlorideHexahydrate;
    if (s == "malate") return DoseForm::Malate;
    if (s == "taurate") return DoseForm::Taurate;
    if (s == "other") return DoseForm::Other;
    return std::nullopt;
}

std::optional<SerumUnit> parse_serum_unit(std::string_view text) {
    const std::string s = normalise(text);
    if (s == "mmol l" || s == "mmol") return SerumUnit::MmolPerL;
    if (s == "mg dl" || s == "mg") return SerumUnit::MgPerDl;
    if (s == "meq l" || s == "meq") return SerumUnit::MeqPerL;
    return std::nullopt;
}

std::string_view serum_unit_name(SerumUnit unit) {
    switch (unit) {
        case SerumUnit::MmolPerL: return "mmol/L";
        case SerumUnit::MgPerDl: return "mg/dL";
        case SerumUnit::MeqPerL: return "mEq/L";
    }
    return "mmol/L";
}

double serum_to_mmol_per_l(double value, SerumUnit unit) {
    switch (unit) {
        case SerumUnit::MgPerDl: return value / 2.43;
        case SerumUnit::MeqPerL: return value / 2.0;
        case SerumUnit::MmolPerL: break;
    }
    return value;
}

SerumReading interpret_serum(double value, SerumUnit unit) {
    if (!std::isfinite(value) || value <= 0)
        throw UsageError("serum magnesium must be a positive number, got " + fixed2(value));
    SerumReading r;
    r.value = value;
    r.unit = unit;
    r.mmol_per_l = serum_to_mmol_per_l(value, unit);
    if (r.mmol_per_l > 10.0)
        throw UsageError("serum magnesium of " + fixed2(r.mmol_per_l) +
                         " mmol/L is not a plausible value: check the unit (mmol/L, mg/dL or mEq/L)");
    const std::string level = fixed2(r.mmol_per_l) + " mmol/L";
    // Banding uses the value rounded to the two decimals labs report, so 0.849999
    // from a unit conversion does not fall below a cut-off it prints as.
    const double banded = std::round(r.mmol_per_l * 100.0) / 100.0;
    if (banded < 0.75) {
        r.band = SerumBand::BelowRange;
        r.band_name = "below_range";
        r.interpretation = level +
                           " is below common reference ranges: worth discussing with a doctor.";
    } else if (banded < 0.85) {
        r.band = SerumBand::LowNormal;
        r.band_name = "low_normal";
        r.interpretation = level +
                           " is low-normal, in the lower part of the range: worth discussing "
                           "with a doctor. Rosanoff et al. (2022) propose 0.85 mmol/L as the "
                           "cut-off for adequate magnesium status.";
    } else {
        r.band = SerumBand::Adequate;
        r.band_name = "adequate";
        r.interpretation = level +
                           " is adequate by the proposed cut-off of 0.85 mmol/L "
                           "(Rosanoff et al. 2022).";
    }
    return r;
}

std::optional<std::pair<double, double>> parse_rating_scale(std::string_view text) {
    std::string t(text);
    std::size_t sep = t.find("..");
    std::size_t width = 2;
    if (sep == std::string::npos) {
        sep = t.find('-', 1);  // not a leading minus
        width = 1;
    }
    if (sep == std::string::npos) return std::nullopt;
    auto number = [](const std::string& s, double& out) {
        std::size_t used = 0;
        try {
            out = std::stod(s, &used);
        } catch (const std::exception&) {
            return false;
        }
        while (used < s.size() && s[used] == ' ') ++used;
        return used == s.size() && std::isfinite(out);
    };
    double lo = 0, hi = 0;
    if (!number(t.substr(0, sep), lo) || !number(t.substr(sep + width), hi) || !(lo < hi)) return std::nullopt;
    return std::make_pair(lo, hi);
}

}  // namespace sleeparch
