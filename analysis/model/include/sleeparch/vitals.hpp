// Heart-rate variability and resting heart rate (METRICS.md §8): the
// readings importers emit and the per-night values night assembly attaches.
//
//   VitalScreen screen(out, "export.xml");
//   screen.add(VitalReading{VitalKind::HrvSdnn, VitalBasis::Sample, 42.0, t, t});
//   screen.finish();  // one warning for the values it skipped
//
// RMSSD (Oura, Fitbit, Health Connect, WHOOP, Garmin) and SDNN (Apple) are
// different statistics of the beat-to-beat intervals: they are kept in
// different fields and never merged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>

namespace sleeparch {

struct ImportBatch;

enum class VitalKind : std::uint8_t { HrvRmssd, HrvSdnn, RestingHr };

// The night-row column of a kind: "hrv_rmssd_ms", "hrv_sdnn_ms", "rhr_bpm".
std::string_view vital_metric_name(VitalKind kind);

// How a reading relates to a night (METRICS.md §8), in order of precedence.
enum class VitalBasis : std::uint8_t {
    // The vendor's value for one sleep (Oura's sleep document, Fitbit's daily
    // HRV, WHOOP's cycle, Garmin's last-night average): the night whose
    // window overlaps [start, end) most, or, without times, the main sleep
    // labelled `date`.
    Nightly,
    // One reading at `start` (Apple SDNN samples, Health Connect HRV
    // records): a night without a nightly value takes the mean of those
    // inside its window.
    Sample,
    // A value stamped on a local date (daily resting HR): the main sleep
    // labelled that date, when neither of the above gave one.
    Daily,
};

struct VitalReading {
    VitalKind kind = VitalKind::HrvRmssd;
    VitalBasis basis = VitalBasis::Nightly;
    double value = 0;  // ms (HRV) or beats per minute
    // UTC seconds. Nightly: the sleep it describes, or start == end == 0 when
    // the file gives only a date. Sample: the reading's instant (start).
    std::int64_t start = 0;
    std::int64_t end = 0;
    // Daily, and Nightly without times: the local (wake-up) date it belongs to.
    boost::gregorian::date date;
    int source = 0;          // index into ImportBatch::sources
    std::uint32_t file = 0;  // index into ImportBatch::files
    std::uint32_t line = 0;  // 1-based line or record, 0 = unknown
    // What the value is in the file, for the night's provenance
    // ("Oura sleep document average_hrv").
    std::string origin;
};

// A night's HRV and resting heart rate, NaN when no reading applies, with
// one provenance line per value set: which reading(s) and how aggregated.
struct NightVitals {
    double hrv_rmssd_ms = std::numeric_limits<double>::quiet_NaN();
    double hrv_sdnn_ms = std::numeric_limits<double>::quiet_NaN();
    double rhr_bpm = std::numeric_limits<double>::quiet_NaN();
    std::vector<std::string> provenance;

    double& value(VitalKind kind);
    double value(VitalKind kind) const;
};

// Plausible ranges (METRICS.md §8 bad input); values outside are skipped.
inline constexpr double kHrvMinMs = 1.0;
inline constexpr double kHrvMaxMs = 300.0;
inline constexpr double kHeartRateMinBpm = 20.0;
inline constexpr double kHeartRateMaxBpm = 250.0;

// Whether `value` is plausible for `kind` (finite and inside the range).
bool vital_in_range(VitalKind kind, double value);

// Screens one file's readings on their way into a batch: a value outside
// its range, or HRV stated in a unit other than ms, is skipped and counted,
// and finish() adds one warning for the file with the counts and the first
// place of each kind of defect. Readings inside the range are appended to
// out.vitals with the file's index.
class VitalScreen {
public:
    VitalScreen(ImportBatch& out, std::string file);
    // Appends the reading (file index set here) or counts it; true if kept.
    bool add(VitalReading reading);
    // A reading whose unit is not the kind's (HRV in "s", heart rate in "Hz").
    void wrong_unit(VitalKind kind, std::string_view unit, std::uint32_t line);
    // Adds the warning, once; nothing when no value was skipped.
    void finish();
    std::size_t kept() const { return kept_; }
    std::size_t skipped() const { return out_of_range_ + wrong_unit_; }

private:
    ImportBatch& out_;
    std::string file_;
    std::uint32_t file_index_;
    std::size_t kept_ = 0, out_of_range_ = 0, wrong_unit_ = 0;
    std::string first_out_of_range_, first_wrong_unit_;
    bool finished_ = false;
};

}  // namespace sleeparch
