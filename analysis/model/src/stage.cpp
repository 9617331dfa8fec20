#include "sleeparch/stage.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace sleeparch {

std::string_view stage_code(Stage s) {
    switch (s) {
        case Stage::Wake: return "W";
        case Stage::N1: return "N1";
        case Stage::N2: return "N2";
        case Stage::Light: return "L";
        case Stage::Deep: return "N3";
        case Stage::REM: return "R";
        case Stage::Asleep: return "A";
        case Stage::Unscored: return "U";
    }
    return "U";
}

std::string_view stage_name(Stage s) {
    switch (s) {
        case Stage::Wake: return "Wake";
        case Stage::N1: return "N1";
        case Stage::N2: return "N2";
        case Stage::Light: return "Light";
        case Stage::Deep: return "Deep";
        case Stage::REM: return "REM";
        case Stage::Asleep: return "Asleep";
        case Stage::Unscored: return "Unscored";
    }
    return "Unscored";
}

std::optional<Stage> parse_stage_label(std::string_view label) {
    std::string s;
    s.reserve(label.size());
    for (char c : label) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (s == "w" || s == "wake" || s == "awake") return Stage::Wake;
    if (s == "n1") return Stage::N1;
    if (s == "n2") return Stage::N2;
    if (s == "n3" || s == "n4" || s == "deep" || s == "d") return Stage::Deep;
    if (s == "r" || s == "rem") return Stage::REM;
    if (s == "l" || s == "light") return Stage::Light;
    if (s == "a" || s == "asleep") return Stage::Asleep;
    if (s == "?" || s == "u" || s == "unscored" || s == "art" || s == "artefact" ||
        s == "artifact" || s == "movement")
        return Stage::Unscored;
    return std::nullopt;
}

int transition_category(Stage s) {
    switch (s) {
        case Stage::Wake: return 0;
        case Stage::N1:
        case Stage::N2:
        case Stage::Light: return 1;
        case Stage::Deep: return 2;
        case Stage::REM: return 3;
        case Stage::Asleep: return 4;
        case Stage::Unscored: return 5;
    }
    return 5;
}

std::string_view transition_category_name(int category) {
    static constexpr std::string_view names[] = {"Wake", "Light", "Deep", "REM", "Asleep", "Unscored"};
    return category >= 0 && category < kTransitionCategories ? names[category] : "?";
}

}  // namespace sleeparch
