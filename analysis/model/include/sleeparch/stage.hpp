// Sleep stages: the closed vocabulary every importer maps into.
//
// Wake, N1, N2, Light (N1/N2 not resolved), Deep (N3; R&K 3 and 4), REM,
// Asleep (sleep without stage: Apple AsleepUnspecified, Fitbit classic
// "asleep") and Unscored (artefact, "?", "unknown", gaps). See DESIGN.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sleeparch {

enum class Stage : std::uint8_t { Wake = 0, N1, N2, Light, Deep, REM, Asleep, Unscored };

inline constexpr int kStageCount = 8;

inline constexpr std::array<Stage, kStageCount> kAllStages = {
    Stage::Wake, Stage::N1,  Stage::N2,     Stage::Light,
    Stage::Deep, Stage::REM, Stage::Asleep, Stage::Unscored};

// Light-family: N1, N2 and Light.
constexpr bool is_light_family(Stage s) {
    return s == Stage::N1 || s == Stage::N2 || s == Stage::Light;
}

// Sleep: Light-family, Deep, REM and Asleep.
constexpr bool is_sleep(Stage s) {
    return is_light_family(s) || s == Stage::Deep || s == Stage::REM || s == Stage::Asleep;
}

// Staged sleep: sleep with a stage (everything but Asleep).
constexpr bool is_staged_sleep(Stage s) { return is_sleep(s) && s != Stage::Asleep; }

// A specific stage (Wake, N1, N2, Light, Deep, REM): beats Asleep in the
// within-source precedence of METRICS.md §1.2.
constexpr bool is_specific(Stage s) { return s != Stage::Asleep && s != Stage::Unscored; }

// Canonical short name: "W", "N1", "N2", "L", "N3", "R", "A", "U".
std::string_view stage_code(Stage s);

// Long name: "Wake", "N1", "N2", "Light", "Deep", "REM", "Asleep", "Unscored".
std::string_view stage_name(Stage s);

// Parses a stage label, case-insensitively: W/Wake, N1, N2, N3/N4/Deep/D,
// R/REM, L/Light, A/Asleep, ?/U/Unscored/Art/Artefact/Artifact/Movement.
// Returns nullopt for anything else.
std::optional<Stage> parse_stage_label(std::string_view label);

// The six categories of the transition matrix (METRICS.md §2 `transitions`):
// Wake, Light-family, Deep, REM, Asleep, Unscored.
inline constexpr int kTransitionCategories = 6;
int transition_category(Stage s);
std::string_view transition_category_name(int category);

}  // namespace sleeparch
