// Per-night metrics, METRICS.md §2. Computed on segments (run lengths), not
// epochs, so a night costs O(segments).
#include "sleeparch/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

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

// Luna's stage classes for the cycle rules. Light (N1/N2 not resolved) counts
// as N2: the rules single out N1 only as a stage too light to open a NREM
// period, and wearables' "light" is mostly N2. Asleep (no stage) is neither
// NREM nor REM, like Luna's "?". Lights: Luna's L, what it makes of Unscored
// epochs before the first and after the last scored epoch.
enum class LunaStage : std::uint8_t { Wake, N1, N2, N3, REM, Unknown, Lights };

LunaStage luna_stage(Stage s) {
    switch (s) {
        case Stage::Wake: return LunaStage::Wake;
        case Stage::N1: return LunaStage::N1;
        case Stage::N2:
        case Stage::Light: return LunaStage::N2;
        case Stage::Deep: return LunaStage::N3;
        case Stage::REM: return LunaStage::REM;
        default: return LunaStage::Unknown;
    }
}

bool luna_sleep(LunaStage s) { return s != LunaStage::Wake && s != LunaStage::Unknown && s != LunaStage::Lights; }
bool luna_nrem(LunaStage s) { return s == LunaStage::N1 || s == LunaStage::N2 || s == LunaStage::N3; }

// The window on the 30-s grid of transitions_30s (stage at each epoch's
// midpoint), as runs of one Luna stage: [begin, end) in epochs from W0.
struct LunaRun {
    int begin, end;
    LunaStage stage;
};

std::vector<LunaRun> luna_runs(const Night& n, int& epochs) {
    const UtcSeconds w0 = n.window_start;
    epochs = n.window_end - w0 > 15 ? static_cast<int>(ceil_div(n.window_end - w0 - 15, 30)) : 0;
    std::vector<LunaRun> runs;
    runs.reserve(n.segments.size() + 2);
    auto add = [&](int b, int e, LunaStage st) {
        if (e <= b) return;
        if (!runs.empty() && runs.back().stage == st && runs.back().end == b) runs.back().end = e;
        else runs.push_back(LunaRun{b, e, st});
    };
    for (const Segment& s : n.segments) {
        const int k0 = static_cast<int>(std::max<std::int64_t>(0, ceil_div(s.start - w0 - 15, 30)));
        const int k1 = static_cast<int>(std::min<std::int64_t>(epochs, ceil_div(s.end - w0 - 15, 30)));
        if (k1 <= k0) continue;
        add(runs.empty() ? 0 : runs.back().end, k0, LunaStage::Unknown);  // never for a valid night
        add(k0, k1, luna_stage(s.stage));
    }
    add(runs.empty() ? 0 : runs.back().end, epochs, LunaStage::Unknown);
    if (!runs.empty() && runs.front().stage == LunaStage::Unknown) runs.front().stage = LunaStage::Lights;
    if (!runs.empty() && runs.back().stage == LunaStage::Unknown) runs.back().stage = LunaStage::Lights;
    return runs;
}

// NREM-REM cycles as Luna's HYPNO (lunapi 1.7.0, hypno.cpp) finds them on
// 30-s epochs, rule for rule, so that nrem_cycles equals its NREMC and
// mean_cycle_min its NREMC_MINS (METRICS.md §2). Over the sleep period:
//  - An epoch opens a NREM period unless it is Wake or N1 or REM follows
//    within 15 min; the NREM period runs on through Wake and short REM.
//  - A REM epoch after a NREM or REM period is in a REM period; the REM
//    period continues while REM recurs within 15 min, and Wake/N1 after it
//    leaves the cycle until a new NREM period opens.
//  - 15 min without N2/N3/REM ends a NREM period without REM (cycle-ending
//    wake, which stays outside any cycle); so does the end of sleep. Both
//    count as cycles: this is where Luna counts more than "complete" cycles.
//  - A REM period after the night's first must last 5 min, else its epochs
//    belong to the NREM period.
//  - A cycle needs 15 min of NREM from its start to its REM period or end;
//    a shorter stretch belongs to no cycle.
// A cycle's duration is its epochs times 30 s (Wake inside it included).
// Every rule looks at an epoch, the state of the one before it and whether
// some stage occurs within the next 15 min; on a stretch of one stage where
// those look-aheads do not change, the state repeats once it has repeated
// once. So the epochs are walked as such stretches (spans), which keeps a
// night at O(segments) like the other metrics.
std::vector<Cycle> luna_cycles(const Night& n, double& total_min) {
    constexpr int kMinNrem = 30;          // 15 min: NREM period, and REM ahead that prevents one
    constexpr int kRemInterruption = 30;  // 15 min: REM recurring within keeps the REM period
    constexpr int kEndingWake = 30;       // 15 min without N2/N3/REM ends a NREM period
    constexpr int kMinRem = 10;           // 5 min: REM period after the first
    static_assert(kMinNrem == kRemInterruption, "one REM look-ahead serves both rules");
    total_min = 0;
    int ne = 0;
    const std::vector<LunaRun> runs = luna_runs(n, ne);
    int first_sleep = -1, last_sleep = -1;
    for (const LunaRun& r : runs) {
        if (!luna_sleep(r.stage)) continue;
        if (first_sleep < 0) first_sleep = r.begin;
        last_sleep = r.end - 1;
    }
    if (first_sleep < 0) return {};

    // First REM epoch, and first N2/N3/REM epoch, at or after each run's end (ne if none).
    const std::size_t nr = runs.size();
    std::vector<int> rem_after(nr), n23r_after(nr);
    int next_rem = ne, next_n23r = ne;
    for (std::size_t i = nr; i-- > 0;) {
        rem_after[i] = next_rem;
        n23r_after[i] = next_n23r;
        const LunaStage st = runs[i].stage;
        if (st == LunaStage::REM) next_rem = runs[i].begin;
        if (st == LunaStage::N2 || st == LunaStage::N3 || st == LunaStage::REM) next_n23r = runs[i].begin;
    }

    enum class Period : std::uint8_t { None, Nrem, Rem };
    struct Span {
        int begin, end;
        LunaStage stage;
        Period period;
        bool ending;    // cycle-ending wake
        std::uint8_t code;  // Luna's: 0 outside cycles, 1 NREM period, 5 REM period
    };
    // Periods and cycle-ending wake, span by span. Outside [first_sleep,
    // last_sleep] every epoch is outside any period.
    std::vector<Span> spans;
    spans.reserve(4 * nr);
    auto push = [&](int b, int e, LunaStage st, Period p, bool ending) {
        if (e <= b) return;
        if (!spans.empty() && spans.back().end == b && spans.back().stage == st && spans.back().period == p &&
            spans.back().ending == ending)
            spans.back().end = e;
        else spans.push_back(Span{b, e, st, p, ending, 0});
    };
    Period prev = Period::None;
    bool prev_ending = false;
    for (std::size_t i = 0; i < nr; ++i) {
        const LunaRun& r = runs[i];
        const LunaStage st = r.stage;
        const int lo = std::max(r.begin, first_sleep), hi = std::min(r.end, last_sleep + 1);
        push(r.begin, std::min(r.end, lo), st, Period::None, false);
        // The look-aheads switch on once the next REM (N2/N3/REM) is 15 min
        // ahead, and never when there is none.
        constexpr int kNever = std::numeric_limits<int>::max();
        const bool n23r = st == LunaStage::N2 || st == LunaStage::N3 || st == LunaStage::REM;
        const int rem_on = st == LunaStage::REM ? r.begin : rem_after[i] < ne ? rem_after[i] - (kMinNrem - 1) : kNever;
        const int n23r_on = n23r ? r.begin : n23r_after[i] < ne ? n23r_after[i] - (kEndingWake - 1) : kNever;
        const bool wake_or_n1 = st == LunaStage::Wake || st == LunaStage::N1;
        int e = lo;
        while (e < hi) {
            // A piece of the run where both look-aheads are constant.
            int piece_end = hi;
            if (rem_on > e && rem_on < piece_end) piece_end = rem_on;
            if (n23r_on > e && n23r_on < piece_end) piece_end = n23r_on;
            const bool rem_ahead = e >= rem_on, n23r_ahead = e >= n23r_on;
            for (int k = e; k < piece_end; ++k) {
                Period p;
                if (st == LunaStage::REM && prev != Period::None) p = Period::Rem;
                else if (prev == Period::Rem && rem_ahead) p = Period::Rem;
                else if ((prev == Period::Rem || prev_ending) && wake_or_n1) p = Period::None;
                else if (prev == Period::None && (wake_or_n1 || rem_ahead)) p = Period::None;
                else p = Period::Nrem;
                const bool ending = (p == Period::Nrem && !n23r_ahead) || (prev_ending && st == LunaStage::Wake);
                const bool repeats = k > e && p == prev && ending == prev_ending;
                prev = p;
                prev_ending = ending;
                if (repeats) {  // a fixed point: the rest of the piece is the same
                    push(k, piece_end, st, p, ending);
                    break;
                }
                push(k, k + 1, st, p, ending);
            }
            e = piece_end;
        }
        push(std::max({hi, lo, r.begin}), r.end, st, Period::None, false);
    }

    // Luna's codes. Inside a span only its first epoch can meet the rule
    // for a REM period opening after a NREM period; from its second epoch on
    // the code is a function of the code before, fixed after one step.
    int first_rem_period = std::numeric_limits<int>::max(), first_ending = std::numeric_limits<int>::max();
    for (const Span& sp : spans) {
        if (sp.period == Period::Rem) first_rem_period = std::min(first_rem_period, sp.begin);
        if (sp.ending) first_ending = std::min(first_ending, sp.begin);
    }
    auto code_of = [&](const Span& sp, int e, Period prev_p, std::uint8_t prev_code, std::size_t idx) -> std::uint8_t {
        if (sp.ending) return 0;
        if (sp.period == Period::Nrem) return 1;
        if (sp.period == Period::Rem) {
            if (prev_p != Period::Nrem) return prev_p == Period::Rem && prev_code == 5 ? 5 : 1;
            if (e <= first_rem_period && e <= first_ending) return 5;  // the night's first REM period has no minimum
            int rem = 0;
            const int limit = std::min(ne - 1, e + kMinRem - 1);
            for (std::size_t j = idx; j < spans.size() && spans[j].begin <= limit; ++j)
                if (spans[j].period == Period::Rem) rem += std::min(spans[j].end - 1, limit) - std::max(spans[j].begin, e) + 1;
            return rem >= kMinRem ? 5 : 1;
        }
        if (prev_p == Period::Rem && prev_code == 1) return 1;
        const bool final_wake = e > last_sleep && (sp.stage == LunaStage::Wake || sp.stage == LunaStage::Lights);
        return !final_wake && prev_code == 1 ? 1 : 0;
    };
    std::vector<Span> coded;  // spans split where the code changes
    coded.reserve(2 * spans.size());
    {
        Period prev_p = Period::None;
        std::uint8_t prev_code = 0;
        for (std::size_t i = 0; i < spans.size(); ++i) {
            const Span& sp = spans[i];
            const bool single = sp.end - sp.begin == 1;
            const std::uint8_t c0 = code_of(sp, sp.begin, prev_p, prev_code, i);
            const std::uint8_t c1 = single ? c0 : code_of(sp, sp.begin + 1, sp.period, c0, i);
            for (const auto& [b, e, c] : {std::tuple{sp.begin, sp.begin + 1, c0}, std::tuple{sp.begin + 1, sp.end, c1}}) {
                if (e <= b) continue;
                if (!coded.empty() && coded.back().code == c && coded.back().stage == sp.stage && coded.back().end == b)
                    coded.back().end = e;
                else coded.push_back(Span{b, e, sp.stage, sp.period, sp.ending, c});
            }
            prev_p = sp.period;
            prev_code = c1;
        }
    }

    // Cycles: a NREM-period epoch after code 0 or 5 opens one when the NREM
    // epochs from it up to the first epoch outside the NREM period (Luna's
    // default: the last epoch) reach 15 min.
    std::vector<Cycle> cycles;
    bool in_cycle = false;
    int epochs_in = 0, rem_epochs = 0, nrem_epochs = 0;
    auto close = [&]() {
        if (!in_cycle) return;
        cycles.back().rem_min = rem_epochs / 2.0;
        cycles.back().nrem_min = nrem_epochs / 2.0;
        total_min += epochs_in / 2.0;
        in_cycle = false;
    };
    std::uint8_t prev_code = 0;
    for (std::size_t i = 0; i < coded.size(); ++i) {
        const Span& sp = coded[i];
        if (sp.code == 0) {
            close();
        } else if (sp.code == 1 && prev_code != 1) {
            close();
            int nrem = 0;
            std::size_t j = i;
            for (; j < coded.size() && coded[j].code == 1; ++j)
                if (luna_nrem(coded[j].stage)) nrem += coded[j].end - coded[j].begin;
            // Luna counts up to and including the first epoch outside the NREM period.
            if (j < coded.size() && luna_nrem(coded[j].stage)) ++nrem;
            if (nrem >= kMinNrem) {
                const UtcSeconds t = n.window_start + 30 * static_cast<UtcSeconds>(sp.begin);
                cycles.push_back(Cycle{t, t, 0, 0, false});
                in_cycle = true;
                epochs_in = rem_epochs = nrem_epochs = 0;
            }
        }
        prev_code = sp.code;
        if (!in_cycle || sp.code == 0) continue;
        const int len = sp.end - sp.begin;
        Cycle& c = cycles.back();
        c.end = std::min(n.window_end, n.window_start + 30 * static_cast<UtcSeconds>(sp.end));
        epochs_in += len;
        if (sp.stage == LunaStage::REM) rem_epochs += len;
        else if (luna_nrem(sp.stage)) nrem_epochs += len;
        if (sp.code == 5) c.complete = true;
    }
    close();
    return cycles;
}

// METRICS.md §2 nrem_cycles, mean_cycle_min, complete_cycles and the cycle
// list, or NaN with the reason in m.notes.
void nrem_cycles(const Night& n, bool staged, bool any_rem, NightMetrics& m) {
    std::string why;
    if (n.epoch_s > 60)
        why = "native epoch of " + std::to_string(n.epoch_s) + " s is coarser than 60 s, too coarse for 15-min and 5-min rules";
    else if (!staged) why = "no staged sleep (sleep without stages only)";
    else if (!any_rem) why = "no REM in the night, so no NREM-REM cycle can be delimited";
    if (!why.empty()) {
        m.notes.push_back("nrem_cycles: " + why);
        return;
    }
    double total = 0;
    m.cycles = luna_cycles(n, total);
    int complete = 0;
    for (const Cycle& c : m.cycles) complete += c.complete ? 1 : 0;
    m.nrem_cycles = static_cast<double>(m.cycles.size());
    m.complete_cycles = complete;
    if (!m.cycles.empty()) m.mean_cycle_min = total / static_cast<double>(m.cycles.size());
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
                        &m.nrem_cycles, &m.mean_cycle_min, &m.complete_cycles};
    for (double* f : fields) *f = kNaN;
    m.hrv_rmssd_ms = n.vitals.hrv_rmssd_ms;
    m.hrv_sdnn_ms = n.vitals.hrv_sdnn_ms;
    m.rhr_bpm = n.vitals.rhr_bpm;
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
            const double staged = m.light_min + m.deep_min + m.rem_min;
            if (staged > 0) {
                m.light_pct = 100.0 * m.light_min / m.tst_min;
                m.deep_pct = 100.0 * m.deep_min / m.tst_min;
                m.rem_pct = 100.0 * m.rem_min / m.tst_min;
            }
            m.staged_fraction = staged / m.tst_min;
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

    // METRICS.md §2: without staged sleep (AutoSleep, Fitbit classic, Apple
    // AsleepUnspecified) the shares are undefined; 0 would read as "no deep sleep".
    const double staged = light + m.deep_min + m.rem_min;
    if (staged > 0) {
        m.light_pct = 100.0 * light / tst;
        m.deep_pct = 100.0 * m.deep_min / tst;
        m.rem_pct = 100.0 * m.rem_min / tst;
        if (resolves_n1_n2) {
            m.n1_pct = 100.0 * m.n1_min / tst;
            m.n2_pct = 100.0 * m.n2_min / tst;
        }
    }
    m.staged_fraction = staged / tst;
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

    nrem_cycles(n, staged > 0, first_rem.has_value(), m);
    return m;
}

namespace {
// Consumer devices' deep sleep (METRICS.md §5, Menghini et al. 2021).
constexpr std::string_view kDeepCaveat =
    "Consumer devices detect deep sleep poorly (about 44 % epoch sensitivity against polysomnography, "
    "Menghini et al. 2021)";

// RMSSD and SDNN (METRICS.md §8).
constexpr std::string_view kHrvCaveat =
    "RMSSD (Oura, Fitbit, WHOOP, Garmin, Health Connect) and SDNN (Apple) are different statistics: compare a "
    "night's value only with nights of the same kind and device";

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
    {"nrem_cycles", &NightMetrics::nrem_cycles, "count", "NREM-REM cycles by Luna's HYPNO rules (NREMC)", 0, "", "cycles", 11, 0, false, ""},
    {"mean_cycle_min", &NightMetrics::mean_cycle_min, "min", "mean cycle duration (Luna's NREMC_MINS)", 0, "", "", 0, 0, false, ""},
    {"complete_cycles", &NightMetrics::complete_cycles, "count", "cycles whose NREM period is followed by a REM period", 0, "", "", 0, 0, false, ""},
    {"hrv_rmssd_ms", &NightMetrics::hrv_rmssd_ms, "ms", "heart-rate variability, RMSSD: the vendor's nightly value, else the mean of the readings in the window (METRICS.md §8)", 1, "HRV (RMSSD)", "RMSSD", 12, 0, false, kHrvCaveat},
    {"hrv_sdnn_ms", &NightMetrics::hrv_sdnn_ms, "ms", "heart-rate variability, SDNN (Apple): the mean of the readings in the window (METRICS.md §8)", 1, "HRV (SDNN)", "SDNN", 13, 0, false, kHrvCaveat},
    {"rhr_bpm", &NightMetrics::rhr_bpm, "bpm", "resting heart rate: the vendor's resting or lowest sleeping heart rate (METRICS.md §8)", 0, "Resting heart rate", "RHR", 14, 0, false, ""},
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

bool is_vital_metric(std::string_view name) {
    return name == "hrv_rmssd_ms" || name == "hrv_sdnn_ms" || name == "rhr_bpm";
}

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
