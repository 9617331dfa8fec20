// libFuzzer target for the intake-log reader (CSV and JSON): any input must
// either read or raise a ParseError, never crash or read out of bounds. The
// doses read are then linked to a few nights, so hostile dates and amounts
// reach the linking code too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/intake_log.hpp"
#include "sleeparch/linking.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view content(reinterpret_cast<const char*>(data), size);
    try {
        sleeparch::importers::IntakeLog log = sleeparch::importers::read_intake_log_text(content, "fuzz");
        std::vector<sleeparch::Night> nights(3);
        std::vector<sleeparch::NightMetrics> metrics(3);
        for (int i = 0; i < 3; ++i) {
            nights[i].window_start = 1'700'000'000 + i * 86'400;
            nights[i].window_end = nights[i].window_start + 28'800;
            nights[i].label_date = boost::gregorian::date(2023, 11, 15 + i);
            metrics[i] = sleeparch::NightMetrics{};
            metrics[i].onset = nights[i].window_start + 600;
        }
        sleeparch::assume_night_offsets(log.doses, log.local_time_doses, nights);
        sleeparch::link_nights(nights, metrics, log.doses);
    } catch (const sleeparch::ParseError&) {
    }
    return 0;
}
