// Garmin FIT sleep files (`file_id.type` 49; FORMATS.md "Garmin FIT sleep
// files"), decoded by fit_decoder.cpp.
//
// The night's window is the `event` (21) with event 74: the first start
// (event_type 0) to the last stop (1 stop, 4 stop_all). Each `sleep_level`
// (275) message sets the level from its time stamp until the next one, the
// last until the stop: 0 unmeasurable → Unscored, 1 awake → Wake, 2 light →
// Light, 3 deep → Deep, 4 REM → REM; any other level is a ParseError naming
// the message's byte offset. Levels are clipped to the window; window time
// before the first level is Unscored. Without a start or stop event the
// window falls back to the first and last level, with a warning.
//
// Times are UTC. The UTC offset is `sleep_data_info` (273) field 2
// (local_timestamp) minus field 253; without that message, --tz, else UTC
// with a warning.
//
// `sleep_assessment` (346) overall_sleep_score (field 6) is the night's
// vendor score (Night::vendor.score); the sub-scores have no counterpart in
// our figures, and decode_fit() gives every field to callers that need them.
//
// `hrv_status_summary` (370) field 1, last_night_average (uint16, ms x 128),
// is Garmin's nightly HRV (RMSSD; METRICS.md §8) for the sleep in the file;
// in an HRV file (type 68, no sleep window) for the main sleep labelled with
// the summary's local date (its time stamp is the morning after).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/fit.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/vitals.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::uint16_t kFileId = 0;
constexpr std::uint16_t kEvent = 21;
constexpr std::uint16_t kSleepDataInfo = 273;
constexpr std::uint16_t kSleepLevel = 275;
constexpr std::uint16_t kSleepAssessment = 346;
constexpr std::uint16_t kHrvStatusSummary = 370;
constexpr std::uint64_t kSleepFile = 49;
constexpr std::uint64_t kHrvFile = 68;
constexpr std::uint64_t kSleepEvent = 74;

constexpr std::uint8_t kOverallSleepScore = 6;

std::optional<Stage> fit_stage(std::uint64_t level) {
    switch (level) {
        case 0: return Stage::Unscored;
        case 1: return Stage::Wake;
        case 2: return Stage::Light;
        case 3: return Stage::Deep;
        case 4: return Stage::REM;
        default: return std::nullopt;
    }
}

class GarminFitImporter final : public Importer {
public:
    std::string_view id() const override { return "garmin_fit"; }
    std::string_view description() const override {
        return "Garmin FIT sleep files (file type 49): sleep_level hypnogram within the sleep event, "
               "sleep_assessment scores; hrv_status_summary last-night HRV (also in HRV files, type 68)";
    }
    std::string_view recognition() const override {
        return "FIT file (\".FIT\" header) whose file_id type is 49 (sleep) or 68 (HRV)";
    }
    bool recognises(std::string_view, std::string_view head) const override {
        const auto type = fit_file_type(head);
        return type == kSleepFile || type == kHrvFile;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        const std::string bytes = read_all(source);
        const FitFile fit = decode_fit(bytes, display_name);
        auto at = [&](const FitMessage& m) { return "offset " + std::to_string(m.offset); };

        std::optional<std::uint32_t> start, stop;
        std::optional<std::int64_t> offset_s;
        struct Level {
            std::uint32_t t;
            Stage stage;
        };
        std::vector<Level> levels;
        VendorFigures figures;
        std::string device;
        bool hrv_file = false;
        std::vector<HrvSummary> hrv;
        for (const FitMessage& m : fit.messages) {
            switch (m.global) {
                case kFileId: {
                    const auto type = m.unsigned_value(0);
                    if (type && *type != kSleepFile && *type != kHrvFile) {
                        throw ParseError(display_name, at(m), "file_id type " + std::to_string(*type),
                                         "not a sleep (49) or HRV (68) file");
                    }
                    hrv_file = type == kHrvFile;
                    if (const auto product = m.unsigned_value(2)) device = "product " + std::to_string(*product);
                    break;
                }
                case kEvent: {
                    if (m.unsigned_value(0) != kSleepEvent || !m.timestamp) break;
                    const auto type = m.unsigned_value(1);
                    if (type == 0u && !start) start = m.timestamp;
                    if (type == 1u || type == 4u) stop = m.timestamp;
                    break;
                }
                case kSleepDataInfo: {
                    const auto local = m.unsigned_value(2);
                    if (local && m.timestamp && !offset_s) {
                        const std::int64_t diff = static_cast<std::int64_t>(*local) - *m.timestamp;
                        if (diff < -18 * 3600 || diff > 18 * 3600) {
                            throw ParseError(display_name, at(m), "sleep_data_info local_timestamp",
                                             std::to_string(diff) + " s from the time stamp (more than 18 h)");
                        }
                        offset_s = diff;
                    }
                    break;
                }
                case kSleepLevel: {
                    const auto level = m.unsigned_value(0);
                    if (!level || !m.timestamp) break;
                    const auto stage = fit_stage(*level);
                    if (!stage) {
                        throw ParseError(display_name, at(m), "sleep_level " + std::to_string(*level),
                                         "unknown level (expected 0 unmeasurable, 1 awake, 2 light, 3 deep, 4 REM)");
                    }
                    levels.push_back(Level{*m.timestamp, *stage});
                    break;
                }
                case kSleepAssessment: {
                    const auto score = m.unsigned_value(kOverallSleepScore);
                    if (std::isnan(figures.score) && score && *score <= 100) figures.score = static_cast<double>(*score);
                    break;
                }
                case kHrvStatusSummary: {
                    const auto last_night = m.unsigned_value(1);
                    if (last_night && m.timestamp) hrv.push_back(HrvSummary{*m.timestamp, *last_night, m.offset});
                    break;
                }
                default: break;
            }
        }
        const std::uint32_t file_index = out.add_file(display_name);
        Source src;
        src.format = std::string(id());
        src.name = "Garmin";
        src.device = device;
        if (levels.empty()) {
            if (hrv_file || !hrv.empty()) {
                add_hrv(hrv, std::nullopt, offset_s, options, display_name, out.add_source(src), out);
                return;
            }
            out.warnings.push_back(Warning{display_name, 0, "no sleep_level messages: no night"});
            return;
        }
        std::stable_sort(levels.begin(), levels.end(), [](const Level& a, const Level& b) { return a.t < b.t; });
        if (!start) {
            start = levels.front().t;
            out.warnings.push_back(Warning{display_name, 0, "no sleep start event (74): the night starts at the first sleep_level"});
        }
        if (!stop) {
            stop = levels.back().t;
            out.warnings.push_back(Warning{display_name, 0,
                                           "no sleep stop event (74): the night ends at the last sleep_level"});
        }
        if (*stop <= *start) {
            throw ParseError(display_name, std::string(), "event 74",
                             "stop " + std::to_string(*stop) + " not after start " + std::to_string(*start));
        }
        const UtcSeconds window_start = static_cast<UtcSeconds>(*start) + kFitEpochOffset;
        const UtcSeconds window_end = static_cast<UtcSeconds>(*stop) + kFitEpochOffset;
        std::int32_t offset_min = 0;
        if (offset_s) {
            offset_min = static_cast<std::int32_t>(std::lround(static_cast<double>(*offset_s) / 60.0));
        } else if (const auto tz = TimeZone::from_options(options)) {
            offset_min = tz->offset_at_utc(window_start);
        } else {
            out.warnings.push_back(Warning{display_name, 0,
                                           "no sleep_data_info (273) local time: offset read as UTC; use --tz"});
        }

        const int source_index = out.add_source(src);
        add_hrv(hrv, std::pair{window_start, window_end}, offset_min * 60LL, options, display_name, source_index, out);
        const std::string session = "fit:" + std::to_string(window_start);
        const std::int32_t figures_index = out.add_figures(figures);
        auto add = [&](UtcSeconds a, UtcSeconds b, RecordKind kind, Stage stage, std::string rid) {
            a = std::max(a, window_start);
            b = std::min(b, window_end);
            if (b <= a) return;
            Record r;
            r.start = a;
            r.end = b;
            r.kind = kind;
            r.stage = stage;
            r.utc_offset_min = offset_min;
            r.source = source_index;
            r.session = session;
            r.file = file_index;
            r.id = std::move(rid);
            if (kind == RecordKind::InBed) r.figures = figures_index;
            out.records.push_back(std::move(r));
        };
        add(window_start, window_end, RecordKind::InBed, Stage::Unscored, session);
        for (std::size_t i = 0; i < levels.size(); ++i) {
            const UtcSeconds a = static_cast<UtcSeconds>(levels[i].t) + kFitEpochOffset;
            const UtcSeconds b =
                i + 1 < levels.size() ? static_cast<UtcSeconds>(levels[i + 1].t) + kFitEpochOffset : window_end;
            add(a, b, RecordKind::Stage, levels[i].stage, {});
        }
    }

private:
    struct HrvSummary {
        std::uint32_t t;     // FIT time stamp
        std::uint64_t raw;   // last_night_average, ms x 128
        std::size_t offset;  // the message's byte offset, for warnings
    };

    // The summaries' last-night averages: for the sleep window when the file
    // has one, else for the local date of the summary's time stamp.
    static void add_hrv(const std::vector<HrvSummary>& hrv, std::optional<std::pair<UtcSeconds, UtcSeconds>> window,
                        std::optional<std::int64_t> offset_s, const ImportOptions& options,
                        const std::string& display_name, int source_index, ImportBatch& out) {
        VitalScreen screen(out, display_name);
        for (const HrvSummary& h : hrv) {
            const UtcSeconds t = static_cast<UtcSeconds>(h.t) + kFitEpochOffset;
            VitalReading r;
            r.kind = VitalKind::HrvRmssd;
            r.basis = VitalBasis::Nightly;
            r.value = static_cast<double>(h.raw) / 128.0;
            if (window) {
                r.start = window->first;
                r.end = window->second;
            } else {
                std::int32_t off_min = 0;
                if (offset_s) off_min = static_cast<std::int32_t>(*offset_s / 60);
                else if (const auto tz = TimeZone::from_options(options)) off_min = tz->offset_at_utc(t);
                r.date = local_date(t, off_min);
            }
            r.source = source_index;
            r.line = static_cast<std::uint32_t>(std::min<std::size_t>(h.offset, UINT32_MAX));
            r.origin = "Garmin FIT hrv_status_summary last_night_average";
            screen.add(std::move(r));
        }
        screen.finish();
    }
};

}  // namespace

const Importer& garmin_fit_importer() {
    static const GarminFitImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
