// Per-night metrics (METRICS.md §2). Every field's comment names its
// definition; NaN where a metric is undefined (no sleep, no REM, summary-only
// night for sequence metrics, ...).
//
//   NightMetrics m = compute_metrics(night);
//   double share = m.deep_pct;
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sleeparch/model.hpp"

namespace sleeparch {

// Rows/columns: Wake, Light-family, Deep, REM, Asleep, Unscored (stage.hpp).
using TransitionMatrix = std::array<std::array<std::int64_t, 6>, 6>;

// One NREM-REM cycle as Luna's HYPNO delimits it (METRICS.md §2
// `nrem_cycles`), on the night's 30-s grid.
struct Cycle {
    UtcSeconds start;  // start of the cycle's first epoch
    UtcSeconds end;    // end of its last epoch
    double nrem_min;   // N1, N2, Light and Deep inside the cycle
    double rem_min;    // REM inside the cycle (a REM period, or short REM inside the NREM period)
    // The NREM period is followed by a REM period (Feinberg & Floyd's complete
    // cycle); false when Luna closes it by >= 15 min of Wake/N1 or the end of sleep.
    bool complete;
};

struct NightMetrics {
    double tib_min;               // W1 - W0
    double tst_min;               // sleep stages in the window (Unscored and Wake excluded)
    double spt_min;               // final_wake - onset
    double sol_min;               // onset - W0
    double waso_min;              // Wake inside SPT (YASA, Luna, Fitbit minutesAwake)
    double waso_total_min;        // tib - sol - tst (AASM-style total, Menghini et al. 2021)
    double wake_after_final_min;  // W1 - final_wake
    double se_pct;                // 100 tst / tib
    double sme_pct;               // 100 tst / spt
    double light_min;             // Light-family (N1 + N2 + Light)
    double deep_min;
    double rem_min;
    double asleep_unstaged_min;
    double n1_min;  // NaN unless the night resolves N1/N2 (has N1 or N2 and no Light)
    double n2_min;
    double wake_min;      // all Wake in the window
    double unscored_min;  // all Unscored in the window
    double light_pct;     // 100 stage / tst (YASA's convention)
    double deep_pct;
    double rem_pct;
    double n1_pct;  // 100 n1 / tst, NaN like n1_min
    double n2_pct;
    double staged_fraction;           // (light + deep + rem) / tst
    double rem_latency_min;           // first REM start - onset (AASM)
    double rem_latency_from_bed_min;  // first REM start - W0 (YASA's Lat_REM)
    double deep_latency_min;          // first Deep start - onset
    double awakenings;                // maximal Wake runs inside SPT (Unscored does not split)
    double awakenings_5min;           // of those, runs of >= 5 min of Wake
    double longest_wake_min;          // over the runs counted by awakenings
    double mean_wake_episode_min;
    double sfi_per_h;          // sleep -> Wake direct transitions in the window per hour of TST
    double stage_shifts;       // changes between scored stages inside SPT, Unscored skipped
    double stage_shift_index;  // stage_shifts per hour of TST
    double deep_bouts;         // maximal Deep runs inside SPT
    double rem_bouts;
    double longest_deep_bout_min;
    double longest_rem_bout_min;
    // NREM-REM cycles by Luna's HYPNO rules (Feinberg & Floyd as Luna modifies
    // them), equal to Luna's NREMC; NaN (with the reason in `notes`) when the
    // night has no REM or no staged sleep, or its epoch is coarser than 60 s.
    double nrem_cycles;
    double mean_cycle_min;   // mean cycle duration, Luna's NREMC_MINS; NaN with no cycle
    // Of nrem_cycles, those whose NREM period is followed by a REM period
    // (Feinberg & Floyd's complete cycles; Cycle::complete). Luna's NREMC also
    // counts a NREM period that 15 min of Wake/N1 or the end of sleep cut off
    // before any REM, so a night that ends early or is broken by long wake
    // gains a short "cycle"; this count does not.
    double complete_cycles;
    // HRV and resting heart rate (METRICS.md §8), from Night::vitals: NaN
    // when no reading applies (also in a value-initialised NightMetrics, so
    // nights built without them never carry them). RMSSD and SDNN are never merged.
    double hrv_rmssd_ms = std::numeric_limits<double>::quiet_NaN();
    double hrv_sdnn_ms = std::numeric_limits<double>::quiet_NaN();
    double rhr_bpm = std::numeric_limits<double>::quiet_NaN();
    // Clock times as UTC instants (use the night's offset for local time).
    std::optional<UtcSeconds> onset;
    std::optional<UtcSeconds> final_wake;
    std::optional<UtcSeconds> midpoint;  // onset + (final_wake - onset) / 2
    std::int32_t utc_offset_min;
    // 30-s epoch transition counts over the window (METRICS.md §2 transitions).
    TransitionMatrix transitions;
    // The cycles counted by nrem_cycles, in time order (empty when it is NaN).
    std::vector<Cycle> cycles;
    // Why a metric is undefined where the night alone does not say it
    // ("nrem_cycles: no REM in the night ..."), for the night's provenance.
    std::vector<std::string> notes;
};

NightMetrics compute_metrics(const Night& night);

// The metric table: every scalar metric once, in output order, with what
// the CLI's tables, CSV and JSON, the comparison, the report and the Python
// columns (and their .pyi stubs) derive from it.
struct MetricInfo {
    std::string_view name;
    double NightMetrics::*member;
    std::string_view unit;         // "min", "%", "count", "/h", "fraction"
    std::string_view description;  // the definition used (METRICS.md §2)
    int decimals;                  // shown in tables and the report
    std::string_view display;      // in words ("Sleep-onset latency"); empty: the name
    std::string_view header;       // short column header of the `nights` table; empty: not a column
    int table_column;              // position among the `nights` table's metric columns (1 = first); 0: none
    int compare_default;           // position in the default comparison (1 = first); 0: not compared by default
    bool share;                    // a stage share: nights with staged_fraction < kStagedFractionMin are left out
    std::string_view caveat;       // what to keep in mind reading it (report, comparison); empty: none
};
std::span<const MetricInfo> scalar_metrics();
const MetricInfo* find_metric(std::string_view name);
// The name in words: info.display, or the name itself.
std::string_view display_name(const MetricInfo& info);

// Stage shares mean little below this staged fraction (METRICS.md §2): the
// comparison and the report's charts leave such nights out of share metrics.
inline constexpr double kStagedFractionMin = 0.8;

// The HRV and resting-HR metrics (METRICS.md §8): compared by default and
// shown in the `nights` table only where the nights carry them.
bool is_vital_metric(std::string_view name);

// The `nights` table's metric columns, in order.
std::vector<const MetricInfo*> table_metrics();

// Local clock strings of onset, final wake and midpoint ("" when undefined):
// "2024-03-02T07:14:00+01:00".
std::string onset_local(const NightMetrics& m);
std::string final_wake_local(const NightMetrics& m);
std::string midpoint_local(const NightMetrics& m);

}  // namespace sleeparch
