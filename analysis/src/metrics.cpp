// Per-night metrics, METRICS.md §2. Computed on segments (run lengths), not
// epochs, so a night costs O(segments).
#include "sleeparch/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sleeparch/time.hpp"

namespace sleeparch {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double minutes(UtcSeconds s) { return static_cast<double>(s) / 60.0; }

// Ceil division for possibly negative numerators, positive denominators.
std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// METRICS.md §2 `transitions`: the window laid on a 30-s grid from W0; epoch
// k exists when its midpoint W0 + 30k + 15 lies before W1 and takes the stage
// at that midpoint; consecutive epochs are counted (diagonal = stays).
TransitionMatrix transitions_30s(const Night& n) {
    TransitionMatrix m{};
    const UtcSeconds w0 = n.window_start;
    const std::int64_t epochs = n.window_end - w0 > 15 ? ceil_div(n.window_end - w0 - 15, 30) : 0;
    int prev = -1;
    for (const Segment& s : n.segments) {
        std::int64_t k0 = std::max<std::int64_t>(0, ceil_div(s.start - w0 - 15, 30));
        std::int64_t k1 = std::min<std::int64_t>(epochs, ceil_div(s.end - w0 - 15, 30));
        if (k1 <= k0) continue;
        const int cat = transition_category(s.stage);
        if (prev >= 0) ++m[prev][cat];
        m[cat][cat] += k1 - k0 - 1;
        prev = cat;
    }
    return m;
}

bool is_nrem(Stage s) { return is_light_family(s) || s == Stage::Deep; }

// NREM-REM cycles (METRICS.md §2, after Feinberg & Floyd as Luna modifies
// them), over the sleep period:
//  - REM episodes separated by less than 15 min without REM form one REM
//    period; a REM period must span >= 5 min, except the night's first.
//  - A cycle is an NREM period (>= 15 min of N1/N2/Light/Deep since the
//    previous cycle ended) followed by a qualifying REM period; it ends when
//    that REM period ends. REM periods preceded by < 15 min of NREM do not
//    close a cycle. An unfinished cycle at the end of the night is not counted.
void cycles(const Night& n, UtcSeconds onset, UtcSeconds final_wake, double& count, double& mean) {
    struct Period {
        UtcSeconds start, end;
    };
    std::vector<Period> rem;
    for (const Segment& s : n.segments) {
        if (s.stage != Stage::REM || s.end <= onset || s.start >= final_wake) continue;
        if (!rem.empty() && s.start - rem.back().end < 15 * 60) rem.back().end = s.end;
        else rem.push_back(Period{s.start, s.end});
    }
    std::vector<Period> qualifying;
    for (std::size_t i = 0; i < rem.size(); ++i) {
        if (i == 0 || rem[i].end - rem[i].start >= 5 * 60) qualifying.push_back(rem[i]);
    }
    // NREM time before t, by a forward-only walk: periods are visited in time order.
    std::size_t seg = 0;
    UtcSeconds nrem_before_seg = 0;  // NREM time in segments [0, seg)
    auto nrem_before = [&](UtcSeconds t) {
        while (seg < n.segments.size() && n.segments[seg].end <= t) {
            if (is_nrem(n.segments[seg].stage)) nrem_before_seg += n.segments[seg].end - n.segments[seg].start;
            ++seg;
        }
        UtcSeconds partial = 0;
        if (seg < n.segments.size() && n.segments[seg].start < t && is_nrem(n.segments[seg].stage))
            partial = t - n.segments[seg].start;
        return nrem_before_seg + partial;
    };
    int done = 0;
    double total = 0;
    UtcSeconds cycle_start = onset;
    UtcSeconds nrem_at_cycle_start = nrem_before(onset);
    for (const Period& p : qualifying) {
        if (p.start < cycle_start) continue;
        const UtcSeconds nrem = nrem_before(p.start) - nrem_at_cycle_start;
        if (nrem >= 15 * 60) {
            ++done;
            total += minutes(p.end - cycle_start);
            cycle_start = p.end;
            nrem_at_cycle_start = nrem_before(cycle_start);
        }
    }
    count = done;
    mean = done ? total / done : kNaN;
}

}  // namespace

NightMetrics compute_metrics(const Night& n) {
    NightMetrics m;
    double* fields[] = {&m.tib_min, &m.tst_min, &m.spt_min, &m.sol_min, &m.waso_min,
                        &m.waso_total_min, &m.wake_after_final_min, &m.se_pct, &m.sme_pct,
                        &m.light_min, &m.deep_min, &m.rem_min, &m.asleep_unstaged_min, &m.n1_min,
                        &m.n2_min, &m.wake_min, &m.unscored_min, &m.light_pct, &m.deep_pct,
                        &m.rem_pct, &m.n1_pct, &m.n2_pct, &m.staged_fraction, &m.rem_latency_min,
                        &m.rem_latency_from_bed_min, &m.deep_latency_min, &m.awakenings,
                        &m.awakenings_5min, &m.longest_wake_min, &m.mean_wake_episode_min,
                        &m.sfi_per_h, &m.stage_shifts, &m.stage_shift_index, &m.deep_bouts,
                        &m.rem_bouts, &m.longest_deep_bout_min, &m.longest_rem_bout_min,
                        &m.nrem_cycles, &m.mean_cycle_min};
    for (double* f : fields) *f = kNaN;
    m.utc_offset_min = n.utc_offset_min;
    m.transitions = TransitionMatrix{};

    const double tib = minutes(n.window_end - n.window_start);
    m.tib_min = tib;

    if (n.summary_only) {
        // Totals only: durations and shares, nothing that needs the sequence.
        const StageTotals& t = n.totals;
        m.light_min = t.light_min;
        m.deep_min = t.deep_min;
        m.rem_min = t.rem_min;
        m.asleep_unstaged_min = t.asleep_unstaged_min;
        m.wake_min = t.wake_min;
        m.tst_min = t.light_min + t.deep_min + t.rem_min + t.asleep_unstaged_min;
        m.unscored_min = std::max(0.0, tib - m.tst_min - m.wake_min);
        m.se_pct = tib > 0 ? 100.0 * m.tst_min / tib : kNaN;
        if (m.tst_min > 0) {
            m.light_pct = 100.0 * m.light_min / m.tst_min;
            m.deep_pct = 100.0 * m.deep_min / m.tst_min;
            m.rem_pct = 100.0 * m.rem_min / m.tst_min;
            m.staged_fraction = (m.light_min + m.deep_min + m.rem_min) / m.tst_min;
        }
        return m;
    }

    std::array<UtcSeconds, kStageCount> dur{};
    bool any_sleep = false;
    UtcSeconds onset = 0, final_wake = 0;
    std::optional<UtcSeconds> first_rem, first_deep;
    for (const Segment& s : n.segments) {
        dur[static_cast<int>(s.stage)] += s.end - s.start;
        if (is_sleep(s.stage)) {
            if (!any_sleep) onset = s.start;
            any_sleep = true;
            final_wake = s.end;
        }
        if (s.stage == Stage::REM && !first_rem) first_rem = s.start;
        if (s.stage == Stage::Deep && !first_deep) first_deep = s.start;
    }
    auto d = [&](Stage s) { return minutes(dur[static_cast<int>(s)]); };
    const double light = d(Stage::N1) + d(Stage::N2) + d(Stage::Light);
    const double tst = light + d(Stage::Deep) + d(Stage::REM) + d(Stage::Asleep);
    m.tst_min = tst;
    m.light_min = light;
    m.deep_min = d(Stage::Deep);
    m.rem_min = d(Stage::REM);
    m.asleep_unstaged_min = d(Stage::Asleep);
    m.wake_min = d(Stage::Wake);
    m.unscored_min = d(Stage::Unscored);
    const bool resolves_n1_n2 = (dur[static_cast<int>(Stage::N1)] + dur[static_cast<int>(Stage::N2)]) > 0 &&
                                dur[static_cast<int>(Stage::Light)] == 0;
    if (resolves_n1_n2) {
        m.n1_min = d(Stage::N1);
        m.n2_min = d(Stage::N2);
    }
    m.se_pct = tib > 0 ? 100.0 * tst / tib : kNaN;
    m.transitions = transitions_30s(n);
    if (!any_sleep) return m;

    m.light_pct = 100.0 * light / tst;
    m.deep_pct = 100.0 * m.deep_min / tst;
    m.rem_pct = 100.0 * m.rem_min / tst;
    if (resolves_n1_n2) {
        m.n1_pct = 100.0 * m.n1_min / tst;
        m.n2_pct = 100.0 * m.n2_min / tst;
    }
    m.staged_fraction = (light + m.deep_min + m.rem_min) / tst;
    m.onset = onset;
    m.final_wake = final_wake;
    m.midpoint = onset + (final_wake - onset) / 2;
    m.spt_min = minutes(final_wake - onset);
    m.sol_min = minutes(onset - n.window_start);
    m.wake_after_final_min = minutes(n.window_end - final_wake);
    m.waso_total_min = tib - m.sol_min - tst;
    m.sme_pct = m.spt_min > 0 ? 100.0 * tst / m.spt_min : kNaN;
    m.rem_latency_min = first_rem ? minutes(*first_rem - onset) : kNaN;
    m.rem_latency_from_bed_min = first_rem ? minutes(*first_rem - n.window_start) : kNaN;
    m.deep_latency_min = first_deep ? minutes(*first_deep - onset) : kNaN;

    // Inside SPT: wake runs, stage shifts, bouts.
    UtcSeconds waso = 0;
    int runs = 0, runs5 = 0;
    UtcSeconds run = 0, longest_run = 0, total_run = 0;
    bool in_run = false;
    int shifts = 0;
    std::optional<Stage> last_scored;
    int deep_bouts = 0, rem_bouts = 0;
    UtcSeconds longest_deep = 0, longest_rem = 0, deep_run = 0, rem_run = 0;
    Stage prev = Stage::Unscored;
    auto close_run = [&]() {
        if (!in_run) return;
        ++runs;
        if (run >= 5 * 60) ++runs5;
        longest_run = std::max(longest_run, run);
        total_run += run;
        in_run = false;
        run = 0;
    };
    for (const Segment& s : n.segments) {
        if (s.end <= onset || s.start >= final_wake) continue;
        const UtcSeconds len = s.end - s.start;  // segments never straddle onset/final_wake
        if (s.stage == Stage::Wake) {
            waso += len;
            in_run = true;
            run += len;
        } else if (s.stage != Stage::Unscored) {
            close_run();
        }
        if (s.stage != Stage::Unscored) {
            if (last_scored && *last_scored != s.stage) ++shifts;
            last_scored = s.stage;
        }
        // Maximal runs: a segment continues the bout when the one before it
        // had the same stage (segments need not be merged).
        if (s.stage == Stage::Deep) {
            deep_run = prev == Stage::Deep ? deep_run + len : len;
            if (prev != Stage::Deep) ++deep_bouts;
            longest_deep = std::max(longest_deep, deep_run);
        } else if (s.stage == Stage::REM) {
            rem_run = prev == Stage::REM ? rem_run + len : len;
            if (prev != Stage::REM) ++rem_bouts;
            longest_rem = std::max(longest_rem, rem_run);
        }
        prev = s.stage;
    }
    close_run();
    m.waso_min = minutes(waso);
    m.awakenings = runs;
    m.awakenings_5min = runs5;
    m.longest_wake_min = runs ? minutes(longest_run) : 0.0;
    m.mean_wake_episode_min = runs ? minutes(total_run) / runs : kNaN;
    m.stage_shifts = shifts;
    m.deep_bouts = deep_bouts;
    m.rem_bouts = rem_bouts;
    m.longest_deep_bout_min = minutes(longest_deep);
    m.longest_rem_bout_min = minutes(longest_rem);

    // Direct sleep -> Wake transitions anywhere in the window (the final
    // awakening included), as YASA counts them.
    int to_wake = 0;
    for (std::size_t i = 1; i < n.segments.size(); ++i) {
        if (n.segments[i].stage == Stage::Wake && is_sleep(n.segments[i - 1].stage)) ++to_wake;
    }
    const double tst_h = tst / 60.0;
    m.sfi_per_h = to_wake / tst_h;
    m.stage_shift_index = shifts / tst_h;

    if (n.epoch_s <= 60) cycles(n, onset, final_wake, m.nrem_cycles, m.mean_cycle_min);
    return m;
}

namespace {
// Consumer devices' deep sleep (METRICS.md §5, Menghini et al. 2021).
constexpr std::string_view kDeepCaveat =
    "Consumer devices detect deep sleep poorly (about 44 % epoch sensitivity against polysomnography, "
    "Menghini et al. 2021)";

// The metric table (metrics.hpp MetricInfo): name, member, unit, definition,
// decimals, display name, `nights` table header and column, default
// comparison position, stage share, caveat.
const MetricInfo kMetrics[] = {
    {"tib_min", &NightMetrics::tib_min, "min", "time in bed: W1 - W0", 0, "Time in bed", "TIB", 1, 0, false, ""},
    {"tst_min", &NightMetrics::tst_min, "min", "total sleep time: sleep stages in the window", 0, "Total sleep time", "TST", 2, 2, false, ""},
    {"spt_min", &NightMetrics::spt_min, "min", "sleep period: final_wake - onset", 0, "Sleep period time", "", 0, 0, false, ""},
    {"sol_min", &NightMetrics::sol_min, "min", "sleep-onset latency: onset - W0", 0, "Sleep-onset latency", "SOL", 4, 1, false, ""},
    {"waso_min", &NightMetrics::waso_min, "min", "Wake inside the sleep period", 0, "Wake after sleep onset", "WASO", 5, 4, false, ""},
    {"waso_total_min", &NightMetrics::waso_total_min, "min", "tib - sol - tst (wake and unscored after onset)", 0, "", "", 0, 0, false, ""},
    {"wake_after_final_min", &NightMetrics::wake_after_final_min, "min", "W1 - final_wake", 0, "", "", 0, 0, false, ""},
    {"se_pct", &NightMetrics::se_pct, "%", "sleep efficiency: 100 tst / tib", 1, "Sleep efficiency", "SE%", 3, 3, false, ""},
    {"sme_pct", &NightMetrics::sme_pct, "%", "sleep maintenance efficiency: 100 tst / spt", 1, "", "", 0, 0, false, ""},
    {"light_min", &NightMetrics::light_min, "min", "N1 + N2 + Light", 0, "", "", 0, 0, false, ""},
    {"deep_min", &NightMetrics::deep_min, "min", "Deep (N3)", 0, "", "", 0, 0, false, kDeepCaveat},
    {"rem_min", &NightMetrics::rem_min, "min", "REM", 0, "", "", 0, 0, false, ""},
    {"asleep_unstaged_min", &NightMetrics::asleep_unstaged_min, "min", "sleep without stage", 0, "", "", 0, 0, false, ""},
    {"n1_min", &NightMetrics::n1_min, "min", "N1, where the source resolves N1/N2", 0, "", "", 0, 0, false, ""},
    {"n2_min", &NightMetrics::n2_min, "min", "N2, where the source resolves N1/N2", 0, "", "", 0, 0, false, ""},
    {"wake_min", &NightMetrics::wake_min, "min", "all Wake in the window", 0, "", "", 0, 0, false, ""},
    {"unscored_min", &NightMetrics::unscored_min, "min", "all Unscored in the window", 0, "", "", 0, 0, false, ""},
    {"light_pct", &NightMetrics::light_pct, "%", "100 light / tst", 1, "Light sleep share", "light%", 8, 0, true, ""},
    {"deep_pct", &NightMetrics::deep_pct, "%", "100 deep / tst", 1, "Deep sleep share", "deep%", 6, 5, true, kDeepCaveat},
    {"rem_pct", &NightMetrics::rem_pct, "%", "100 rem / tst", 1, "REM sleep share", "REM%", 7, 6, true, ""},
    {"n1_pct", &NightMetrics::n1_pct, "%", "100 n1 / tst", 1, "", "", 0, 0, true, ""},
    {"n2_pct", &NightMetrics::n2_pct, "%", "100 n2 / tst", 1, "", "", 0, 0, true, ""},
    {"staged_fraction", &NightMetrics::staged_fraction, "fraction", "(light + deep + rem) / tst", 2, "", "", 0, 0, false, ""},
    {"rem_latency_min", &NightMetrics::rem_latency_min, "min", "first REM - onset (AASM)", 0, "REM latency", "", 0, 10, false, ""},
    {"rem_latency_from_bed_min", &NightMetrics::rem_latency_from_bed_min, "min", "first REM - W0 (YASA Lat_REM)", 0, "", "", 0, 0, false, ""},
    {"deep_latency_min", &NightMetrics::deep_latency_min, "min", "first Deep - onset", 0, "Deep sleep latency", "", 0, 0, false, ""},
    {"awakenings", &NightMetrics::awakenings, "count", "Wake runs inside the sleep period", 0, "Awakenings", "", 0, 0, false, ""},
    {"awakenings_5min", &NightMetrics::awakenings_5min, "count", "Wake runs of >= 5 min inside the sleep period", 0, "Awakenings of 5+ min", "awak5", 9, 7, false, ""},
    {"longest_wake_min", &NightMetrics::longest_wake_min, "min", "longest Wake run inside the sleep period", 0, "", "", 0, 0, false, ""},
    {"mean_wake_episode_min", &NightMetrics::mean_wake_episode_min, "min", "mean Wake run inside the sleep period", 0, "", "", 0, 0, false, ""},
    {"sfi_per_h", &NightMetrics::sfi_per_h, "/h", "sleep -> Wake transitions per hour of TST", 1, "Sleep fragmentation index", "SFI/h", 10, 8, false, ""},
    {"stage_shifts", &NightMetrics::stage_shifts, "count", "changes between scored stages inside the sleep period", 0, "", "", 0, 0, false, ""},
    {"stage_shift_index", &NightMetrics::stage_shift_index, "/h", "stage shifts per hour of TST", 1, "Stage shifts per hour", "", 0, 9, false, ""},
    {"deep_bouts", &NightMetrics::deep_bouts, "count", "Deep runs inside the sleep period", 0, "", "", 0, 0, false, ""},
    {"rem_bouts", &NightMetrics::rem_bouts, "count", "REM runs inside the sleep period", 0, "", "", 0, 0, false, ""},
    {"longest_deep_bout_min", &NightMetrics::longest_deep_bout_min, "min", "longest Deep run", 0, "", "", 0, 0, false, ""},
    {"longest_rem_bout_min", &NightMetrics::longest_rem_bout_min, "min", "longest REM run", 0, "", "", 0, 0, false, ""},
    {"nrem_cycles", &NightMetrics::nrem_cycles, "count", "complete NREM-REM cycles", 0, "", "cycles", 11, 0, false, ""},
    {"mean_cycle_min", &NightMetrics::mean_cycle_min, "min", "mean duration of complete cycles", 0, "", "", 0, 0, false, ""},
};
}  // namespace

std::span<const MetricInfo> scalar_metrics() { return kMetrics; }

const MetricInfo* find_metric(std::string_view name) {
    for (const MetricInfo& info : kMetrics) {
        if (info.name == name) return &info;
    }
    return nullptr;
}

std::string_view display_name(const MetricInfo& info) { return info.display.empty() ? info.name : info.display; }

std::vector<const MetricInfo*> table_metrics() {
    std::vector<const MetricInfo*> out;
    for (const MetricInfo& info : kMetrics)
        if (info.table_column > 0) out.push_back(&info);
    std::sort(out.begin(), out.end(),
              [](const MetricInfo* a, const MetricInfo* b) { return a->table_column < b->table_column; });
    return out;
}

std::string onset_local(const NightMetrics& m) {
    return m.onset ? format_local_iso(*m.onset, m.utc_offset_min) : std::string();
}
std::string final_wake_local(const NightMetrics& m) {
    return m.final_wake ? format_local_iso(*m.final_wake, m.utc_offset_min) : std::string();
}
std::string midpoint_local(const NightMetrics& m) {
    return m.midpoint ? format_local_iso(*m.midpoint, m.utc_offset_min) : std::string();
}

}  // namespace sleeparch
