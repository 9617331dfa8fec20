// HRV and resting heart-rate readings: names, ranges and the per-file
// screen that skips implausible values with one warning (METRICS.md §8).
#include "sleeparch/vitals.hpp"

#include <cmath>
#include <sstream>
#include <utility>

#include "sleeparch/import_batch.hpp"

namespace sleeparch {

namespace {

std::string number_text(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

std::string_view unit_of(VitalKind kind) { return kind == VitalKind::RestingHr ? "bpm" : "ms"; }

std::string place(std::uint32_t line) { return line ? "line/record " + std::to_string(line) : std::string("the file"); }

}  // namespace

std::string_view vital_metric_name(VitalKind kind) {
    switch (kind) {
        case VitalKind::HrvRmssd: return "hrv_rmssd_ms";
        case VitalKind::HrvSdnn: return "hrv_sdnn_ms";
        case VitalKind::RestingHr: break;
    }
    return "rhr_bpm";
}

double& NightVitals::value(VitalKind kind) {
    switch (kind) {
        case VitalKind::HrvRmssd: return hrv_rmssd_ms;
        case VitalKind::HrvSdnn: return hrv_sdnn_ms;
        case VitalKind::RestingHr: break;
    }
    return rhr_bpm;
}

double NightVitals::value(VitalKind kind) const { return const_cast<NightVitals*>(this)->value(kind); }

bool vital_in_range(VitalKind kind, double value) {
    if (!std::isfinite(value)) return false;
    if (kind == VitalKind::RestingHr) return value >= kHeartRateMinBpm && value <= kHeartRateMaxBpm;
    return value >= kHrvMinMs && value <= kHrvMaxMs;
}

VitalScreen::VitalScreen(ImportBatch& out, std::string file)
    : out_(out), file_(std::move(file)), file_index_(out.add_file(file_)) {}

bool VitalScreen::add(VitalReading reading) {
    if (!vital_in_range(reading.kind, reading.value)) {
        if (out_of_range_++ == 0)
            first_out_of_range_ = std::string(vital_metric_name(reading.kind)) + " " + number_text(reading.value) +
                                  " " + std::string(unit_of(reading.kind)) + " at " + place(reading.line);
        return false;
    }
    reading.file = file_index_;
    out_.vitals.push_back(std::move(reading));
    ++kept_;
    return true;
}

void VitalScreen::wrong_unit(VitalKind kind, std::string_view unit, std::uint32_t line) {
    if (wrong_unit_++ == 0)
        first_wrong_unit_ = std::string(vital_metric_name(kind)) + " in \"" + std::string(unit) + "\" at " +
                            place(line);
}

void VitalScreen::finish() {
    if (finished_) return;
    finished_ = true;
    if (skipped() == 0) return;
    std::string msg = std::to_string(skipped()) + " HRV/heart-rate reading" + (skipped() == 1 ? "" : "s") +
                      " skipped:";
    if (out_of_range_ > 0)
        msg += " " + std::to_string(out_of_range_) + " outside 1-300 ms (HRV) or 20-250 bpm (heart rate), first " +
               first_out_of_range_ + (wrong_unit_ > 0 ? ";" : "");
    if (wrong_unit_ > 0)
        msg += " " + std::to_string(wrong_unit_) + " in a unit other than ms (HRV) or count/min (heart rate), first " +
               first_wrong_unit_;
    out_.warnings.push_back(Warning{file_, 0, std::move(msg)});
}

}  // namespace sleeparch
