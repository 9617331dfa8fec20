#include "sleeparch/importers/import.hpp"

namespace sleeparch::importers {

// Each importer's file defines its accessor.
const Importer& hypnogram_text_importer();
const Importer& fitbit_importer();
const Importer& apple_health_importer();
const Importer& withings_importer();
const Importer& withings_summary_importer();
const Importer& samsung_health_importer();
const Importer& edf_importer();
const Importer& nsrr_xml_importer();
const Importer& oura_importer();
const Importer& garmin_importer();
const Importer& fitbit_csv_importer();
const Importer& whoop_importer();
const Importer& sleep_as_android_importer();
const Importer& health_connect_importer();
const Importer& garmin_fit_importer();
const Importer& fitbit_vitals_importer();
// importer declarations (keep this line: one declaration per importer above it)

const std::vector<const Importer*>& registry() {
    // Order matters only where two formats could claim the same file: the
    // specific formats come first, the plain hypnogram (the loosest) last.
    static const std::vector<const Importer*> importers = {
        &fitbit_importer(),
        &apple_health_importer(),
        &withings_importer(),
        &withings_summary_importer(),
        &samsung_health_importer(),
        &edf_importer(),
        &nsrr_xml_importer(),
        &oura_importer(),
        &garmin_importer(),
        &fitbit_csv_importer(),
        &whoop_importer(),
        &sleep_as_android_importer(),
        &health_connect_importer(),
        &garmin_fit_importer(),
        &fitbit_vitals_importer(),
        // importer list (keep this line: one entry per importer above it)
        &hypnogram_text_importer(),
    };
    return importers;
}

const Importer* find_importer(std::string_view id) {
    for (const Importer* importer : registry()) {
        if (importer->id() == id) return importer;
    }
    return nullptr;
}

}  // namespace sleeparch::importers
