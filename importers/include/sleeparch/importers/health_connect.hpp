// Android Health Connect export (`Health Connect.zip` holding
// `health_connect_export.db`, a SQLite copy of the platform database): the
// nightly HRV and resting heart-rate tables, beside the sleep sessions the
// `health_connect` importer reads.
//
//   HealthConnectVitals v = read_health_connect_vitals(db_bytes, "Health Connect.zip:health_connect_export.db");
//   for (const HealthConnectSample& s : v.hrv_rmssd_ms) use(s.time, s.value);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sleeparch/model.hpp"

namespace sleeparch::importers {

// One row of a Health Connect instantaneous-record table.
struct HealthConnectSample {
    UtcSeconds time = 0;              // `time` (epoch ms in the file) in seconds
    std::int32_t utc_offset_min = 0;  // `zone_offset` (seconds in the file); 0 when NULL
    std::int64_t local_date = 0;      // `local_date`: days since 1970-01-01 (local)
    double value = 0;                 // ms (HRV RMSSD) or beats per minute
    std::string app;                  // writing app's name (package name when it has none)
    std::int64_t row_id = 0;
};

struct HealthConnectVitals {
    // heart_rate_variability_rmssd_record_table.heart_rate_variability_millis
    std::vector<HealthConnectSample> hrv_rmssd_ms;
    // resting_heart_rate_record_table.beats_per_minute
    std::vector<HealthConnectSample> resting_hr_bpm;
};

// Reads the HRV and resting-HR tables of a Health Connect database given as
// its bytes (the file or the zip entry). Sorted by time. Throws ParseError
// naming `display_name` when the bytes are not a SQLite database, a table or
// column is missing, or a value is out of range.
HealthConnectVitals read_health_connect_vitals(std::string_view db_bytes, const std::string& display_name);

}  // namespace sleeparch::importers
