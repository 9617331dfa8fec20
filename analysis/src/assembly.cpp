// Night assembly, METRICS.md §1.
#include "sleeparch/assembly.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "sleeparch/time.hpp"

namespace sleeparch {

namespace {

// Precedence within one source (METRICS.md §1.2): a specific stage beats
// Asleep, which beats Unscored, which beats in-bed-only.
int rank(const Record& r) {
    if (r.kind == RecordKind::InBed) return 0;
    if (r.stage == Stage::Unscored) return 1;
    if (r.stage == Stage::Asleep) return 2;
    return 3;
}

struct Session {
    std::string key;
    int source = 0;  // most frequent Source index among its records
    std::vector<std::size_t> records;  // indices into batch.records
    int summary = -1;                  // index into batch.summaries for summary-only nights
    Night night;
    double tst_min = 0, staged_min = 0;
    SleepKind stated = SleepKind::Unstated;  // main/nap flag from the format
    bool offset_assumed = false;             // its times were read as UTC for want of an offset
    bool has_sleep = false;
    bool dropped = false;
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string place(const ImportBatch& batch, const Record& r) {
    std::string f = r.file < batch.files.size() ? batch.files[r.file] : std::string("<input>");
    return r.line ? f + ":" + std::to_string(r.line) : f;
}

// Splits one source's records into sessions: stated sessions keep theirs,
// the rest are chained by gaps of at most `gap` seconds. A stated session
// is named by its format too: the ids of two importers of one source (a
// Fitbit logId, a Takeout CSV's sleep_id) say nothing about each other.
void find_sessions(const ImportBatch& batch, const std::string& key, std::vector<std::size_t>& idx,
                   UtcSeconds gap, std::vector<Session>& out) {
    std::map<std::string, std::vector<std::size_t>> stated;
    std::vector<std::size_t> loose;
    for (std::size_t i : idx) {
        const Record& r = batch.records[i];
        if (r.session.empty()) {
            loose.push_back(i);
            continue;
        }
        const std::string& format = r.source >= 0 && static_cast<std::size_t>(r.source) < batch.sources.size()
                                        ? batch.sources[r.source].format
                                        : std::string();
        stated[format + '\x1f' + r.session].push_back(i);
    }
    for (auto& [id, recs] : stated) {
        Session s;
        s.key = key;
        s.records = std::move(recs);
        out.push_back(std::move(s));
    }
    std::sort(loose.begin(), loose.end(), [&](std::size_t a, std::size_t b) {
        const Record &ra = batch.records[a], &rb = batch.records[b];
        return std::tie(ra.start, ra.end, a) < std::tie(rb.start, rb.end, b);
    });
    UtcSeconds end = 0;
    bool open = false;
    for (std::size_t i : loose) {
        const Record& r = batch.records[i];
        if (!open || r.start - end > gap) {
            Session s;
            s.key = key;
            out.push_back(std::move(s));
            open = true;
            end = r.end;
        }
        out.back().records.push_back(i);
        end = std::max(end, r.end);
    }
}

// Resolves a session's records into a contiguous hypnogram over its window.
void resolve(const ImportBatch& batch, Session& s, AssemblyResult& result) {
    std::vector<std::size_t>& idx = s.records;
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        const Record &ra = batch.records[a], &rb = batch.records[b];
        return std::tie(ra.start, ra.end, ra.kind, ra.stage, ra.layer, a) <
               std::tie(rb.start, rb.end, rb.kind, rb.stage, rb.layer, b);
    });
    // The format's main/nap flag, over every record (duplicates included).
    // The same log can arrive twice with different flags (a Fitbit log
    // exported again after the user changed it): main sleep wins.
    for (std::size_t i : idx) {
        const SleepKind k = batch.records[i].sleep_kind;
        if (k == SleepKind::Main) s.stated = SleepKind::Main;
        else if (k == SleepKind::Nap && s.stated == SleepKind::Unstated) s.stated = SleepKind::Nap;
    }
    // The file's own figures for the session: those of the first record
    // (by time) that carries them, duplicates included.
    for (std::size_t i : idx) {
        const std::int32_t f = batch.records[i].figures;
        if (f >= 0 && static_cast<std::size_t>(f) < batch.figures.size()) {
            s.night.vendor = batch.figures[f];
            break;
        }
    }
    for (std::size_t i : idx) s.offset_assumed = s.offset_assumed || batch.records[i].offset_assumed;
    // Exact duplicates (same interval, kind, stage and layer) are dropped.
    std::vector<std::size_t> kept;
    kept.reserve(idx.size());
    for (std::size_t i : idx) {
        const Record& r = batch.records[i];
        if (r.end <= r.start) continue;
        if (!kept.empty()) {
            const Record& p = batch.records[kept.back()];
            if (p.start == r.start && p.end == r.end && p.kind == r.kind && p.stage == r.stage &&
                p.layer == r.layer) {
                ++result.stats.duplicates;
                continue;
            }
        }
        kept.push_back(i);
    }
    idx = kept;
    Night& n = s.night;
    if (idx.empty()) return;

    std::vector<UtcSeconds> bounds;
    bounds.reserve(idx.size() * 2);
    UtcSeconds w0 = batch.records[idx.front()].start, w1 = w0;
    std::map<int, int> source_votes;
    std::int32_t epoch = 0;
    for (std::size_t i : idx) {
        const Record& r = batch.records[i];
        bounds.push_back(r.start);
        bounds.push_back(r.end);
        w1 = std::max(w1, r.end);
        ++source_votes[r.source];
        if (r.kind == RecordKind::Stage && r.epoch_s > epoch) epoch = r.epoch_s;
    }
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    s.source = std::max_element(source_votes.begin(), source_votes.end(),
                                [](auto& a, auto& b) { return a.second < b.second; })
                   ->first;

    std::vector<std::size_t> active;
    std::size_t next = 0;
    std::set<std::pair<std::size_t, std::size_t>> defects;
    for (std::size_t b = 0; b + 1 < bounds.size(); ++b) {
        const UtcSeconds t0 = bounds[b], t1 = bounds[b + 1];
        while (next < idx.size() && batch.records[idx[next]].start <= t0) active.push_back(idx[next++]);
        active.erase(std::remove_if(active.begin(), active.end(),
                                    [&](std::size_t i) { return batch.records[i].end <= t0; }),
                     active.end());
        Stage stage = Stage::Unscored;
        if (!active.empty()) {
            std::size_t best = active.front();
            for (std::size_t i : active) {
                const Record &r = batch.records[i], &bb = batch.records[best];
                const auto kr = std::make_tuple(rank(r), r.layer), kb = std::make_tuple(rank(bb), bb.layer);
                if (kr > kb) {
                    best = i;
                } else if (kr == kb && r.stage != bb.stage && rank(r) == 3) {
                    // Two different specific stages from one source: a defect.
                    // The record created later wins (input order breaks ties).
                    const std::size_t later =
                        std::tie(r.created, i) > std::tie(bb.created, best) ? i : best;
                    defects.insert({std::min(i, best), std::max(i, best)});
                    best = later;
                }
            }
            const Record& r = batch.records[best];
            stage = r.kind == RecordKind::InBed ? Stage::Unscored : r.stage;
        }
        if (!n.segments.empty() && n.segments.back().stage == stage && n.segments.back().end == t0) {
            n.segments.back().end = t1;
        } else {
            n.segments.push_back(Segment{t0, t1, stage});
        }
    }
    for (const auto& [a, b] : defects) {
        ++result.stats.defects;
        const Record &ra = batch.records[a], &rb = batch.records[b];
        result.warnings.push_back(
            Warning{ra.file < batch.files.size() ? batch.files[ra.file] : std::string(), ra.line,
                    "records at " + place(batch, ra) + " (" + std::string(stage_name(ra.stage)) +
                        ") and " + place(batch, rb) + " (" + std::string(stage_name(rb.stage)) +
                        ") give different stages for the same time; kept the one created later"});
    }
    n.window_start = w0;
    n.window_end = w1;
    n.utc_offset_min = batch.records[idx.front()].utc_offset_min;
    n.label_date = batch.records[idx.front()].label_date;  // stated by the format, or not-a-date
    n.epoch_s = epoch;
    n.source = s.source >= 0 && static_cast<std::size_t>(s.source) < batch.sources.size()
                   ? batch.sources[s.source]
                   : Source{};
    // Each id (or place) once per night: a session's records mostly share
    // one (a Fitbit logId, a Health Connect session row), and a string per
    // record was most of assembly's memory on big exports.
    std::set<std::uint32_t> files;
    std::set<std::string_view> ids;
    std::set<std::pair<std::uint32_t, std::uint32_t>> places;
    for (std::size_t i : idx) {
        const Record& r = batch.records[i];
        files.insert(r.file);
        if (!r.id.empty()) {
            if (ids.insert(r.id).second) n.provenance.record_ids.push_back(r.id);
        } else if (r.line && places.insert({r.file, r.line}).second) {
            n.provenance.record_ids.push_back(place(batch, r));
        }
    }
    for (std::uint32_t f : files)
        if (f < batch.files.size()) n.provenance.files.push_back(batch.files[f]);
    for (const Segment& seg : n.segments) {
        if (is_sleep(seg.stage)) {
            s.has_sleep = true;
            s.tst_min += seg.minutes();
            if (is_staged_sleep(seg.stage)) s.staged_min += seg.minutes();
        }
    }
}

void from_summary(const ImportBatch& batch, std::size_t i, Session& s) {
    const SummaryRecord& r = batch.summaries[i];
    s.summary = static_cast<int>(i);
    s.source = r.source;
    s.stated = r.sleep_kind;
    Night& n = s.night;
    n.summary_only = true;
    n.totals = r.totals;
    n.vendor = r.vendor;
    s.offset_assumed = r.offset_assumed;
    n.window_start = r.start;
    n.window_end = r.end;
    n.utc_offset_min = r.utc_offset_min;
    n.label_date = r.label_date;
    n.source = r.source >= 0 && static_cast<std::size_t>(r.source) < batch.sources.size()
                   ? batch.sources[r.source]
                   : Source{};
    if (r.file < batch.files.size()) n.provenance.files.push_back(batch.files[r.file]);
    if (!r.id.empty()) n.provenance.record_ids.push_back(r.id);
    const StageTotals& t = r.totals;
    s.staged_min = t.light_min + t.deep_min + t.rem_min;
    s.tst_min = s.staged_min + t.asleep_unstaged_min;
    s.has_sleep = s.tst_min > 0 && r.end > r.start;
}

// Natural order of version strings: runs of digits compare as numbers
// ("v2" < "v10", "sleep_session_v1" < "sleep_session_v2"), the rest as
// text. The empty version (Fitbit's legacy JSON states none) is the oldest.
int compare_versions(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? -1 : 1);
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
        const bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
        if (da && db) {
            std::size_t ie = i, je = j;
            while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
            while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
            std::string_view na(a.data() + i, ie - i), nb(b.data() + j, je - j);
            while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
            while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
            if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
            if (na != nb) return na < nb ? -1 : 1;
            i = ie;
            j = je;
        } else {
            if (a[i] != b[j]) return a[i] < b[j] ? -1 : 1;
            ++i;
            ++j;
        }
    }
    if (i < a.size()) return 1;
    if (j < b.size()) return -1;
    return 0;
}

const std::string& version_of(const ImportBatch& batch, const Session& s) {
    static const std::string none;
    return s.source >= 0 && static_cast<std::size_t>(s.source) < batch.sources.size() ? batch.sources[s.source].version
                                                                                      : none;
}

// Sessions of one source that cover mostly the same time (at least half
// of the shorter) and come from different formats or algorithm versions
// are copies of one night: one device cannot record two sleeps at once.
// That happens when a night arrives more than once (Fitbit's Takeout JSON
// beside its CSVs, which hold each night once per algorithm version; a
// file read twice gives the same session ids and merges earlier). Sessions
// of one format and version are left alone: plain hypnogram files share a
// placeholder source and may overlap without being one recording. One copy
// is kept whole, never a mix: the newest algorithm version, then a
// hypnogram over totals only, then the longest sleep, then the earliest
// start. A main/nap flag stated only
// by a dropped copy (Fitbit's JSON) passes to the kept one. A copy read as
// UTC because its file states no offset (Fitbit's JSON without --tz) is
// matched against one whose file states it on local clock time, so the
// copy kept has the stated instants.
void drop_copies(const ImportBatch& batch, std::vector<Session*>& live, AssemblyResult& result) {
    std::map<std::string, std::vector<Session*>> by_key;
    for (Session* s : live) by_key[s->key].push_back(s);
    for (auto& [key, group] : by_key) {
        if (group.size() < 2) continue;
        std::sort(group.begin(), group.end(), [&](const Session* a, const Session* b) {
            if (int c = compare_versions(version_of(batch, *a), version_of(batch, *b)); c != 0) return c > 0;
            if (a->night.summary_only != b->night.summary_only) return !a->night.summary_only;
            if (a->tst_min != b->tst_min) return a->tst_min > b->tst_min;
            return std::tie(a->night.window_start, a->night.window_end) <
                   std::tie(b->night.window_start, b->night.window_end);
        });
        std::multimap<UtcSeconds, Session*> kept;
        UtcSeconds longest = 0;
        std::size_t dropped = 0;
        const Session* first_dropped = nullptr;
        // A copy whose file states no offset (read as UTC) is compared on
        // local clock time: its "UTC" times are the local ones.
        constexpr UtcSeconds kMaxShift = 18 * 3600;
        auto local = [](const Session& x, UtcSeconds t) {
            return x.offset_assumed ? t : t + static_cast<UtcSeconds>(x.night.utc_offset_min) * 60;
        };
        for (Session* s : group) {
            Session* copy_of = nullptr;
            for (auto it = kept.lower_bound(s->night.window_start - longest - kMaxShift);
                 it != kept.end() && it->first < s->night.window_end + kMaxShift; ++it) {
                const Session& ks = *it->second;
                const Night& k = ks.night;
                if (k.source.format == s->night.source.format && version_of(batch, ks) == version_of(batch, *s))
                    continue;
                const bool on_clock = ks.offset_assumed != s->offset_assumed;
                const UtcSeconds s0 = on_clock ? local(*s, s->night.window_start) : s->night.window_start;
                const UtcSeconds s1 = on_clock ? local(*s, s->night.window_end) : s->night.window_end;
                const UtcSeconds k0 = on_clock ? local(ks, k.window_start) : k.window_start;
                const UtcSeconds k1 = on_clock ? local(ks, k.window_end) : k.window_end;
                const UtcSeconds overlap = std::min(s1, k1) - std::max(s0, k0);
                if (overlap > 0 && 2 * overlap >= std::min(s1 - s0, k1 - k0)) {
                    copy_of = it->second;
                    break;
                }
            }
            if (copy_of == nullptr) {
                kept.emplace(s->night.window_start, s);
                longest = std::max(longest, s->night.window_end - s->night.window_start);
                continue;
            }
            s->dropped = true;
            if (copy_of->stated == SleepKind::Unstated) copy_of->stated = s->stated;
            if (dropped++ == 0) first_dropped = s;
        }
        if (dropped == 0) continue;
        result.stats.copies_dropped += dropped;
        const Night& n = first_dropped->night;
        result.warnings.push_back(Warning{
            n.provenance.files.empty() ? std::string() : n.provenance.files.front(), 0,
            std::to_string(dropped) + (dropped == 1 ? " copy" : " copies") + " of nights that " + n.source.label() +
                " gives more than once dropped: each night keeps one copy, the newest algorithm version (a copy "
                "without a version, such as Fitbit's legacy JSON, counts as the oldest)"});
    }
    live.erase(std::remove_if(live.begin(), live.end(), [](const Session* s) { return s->dropped; }), live.end());
}

bool matches(const Source& src, const std::string& pref) {
    const std::string p = lower(pref);
    return !p.empty() && (lower(src.name).find(p) != std::string::npos ||
                          lower(src.format).find(p) != std::string::npos);
}

}  // namespace

AssemblyResult assemble_nights(const ImportBatch& batch, const AssemblyOptions& options) {
    AssemblyResult result;
    const UtcSeconds gap = static_cast<UtcSeconds>(options.session_gap_min) * 60;

    // Records by source key: the keys once per source, the indices counted
    // first and reserved, so big exports hold one exact-size list per key.
    std::vector<std::string> source_keys;
    source_keys.reserve(batch.sources.size() + 1);
    for (const Source& src : batch.sources) source_keys.push_back(src.key());
    source_keys.emplace_back("?");
    auto key_index = [&](int source) {
        return source >= 0 && static_cast<std::size_t>(source) < batch.sources.size() ? static_cast<std::size_t>(source)
                                                                                       : batch.sources.size();
    };
    std::vector<std::size_t> per_source(source_keys.size(), 0);
    for (const Record& r : batch.records) ++per_source[key_index(r.source)];
    std::map<std::string, std::vector<std::size_t>> by_key;
    for (std::size_t k = 0; k < source_keys.size(); ++k)
        if (per_source[k] > 0) by_key[source_keys[k]].reserve(by_key[source_keys[k]].size() + per_source[k]);
    for (std::size_t i = 0; i < batch.records.size(); ++i) by_key[source_keys[key_index(batch.records[i].source)]].push_back(i);
    std::vector<Session> sessions;
    for (auto& [key, idx] : by_key) {
        find_sessions(batch, key, idx, gap, sessions);
        std::vector<std::size_t>().swap(idx);  // its sessions hold the indices now
    }
    for (Session& s : sessions) resolve(batch, s, result);
    // A summary with the id and window of one already taken, from the same
    // source, is that record read again (overlapping backups, a file given
    // twice), as records merge by session id: one night, the files listed.
    std::map<std::tuple<std::string, std::string, UtcSeconds, UtcSeconds>, std::size_t> summary_seen;
    for (std::size_t i = 0; i < batch.summaries.size(); ++i) {
        Session s;
        const SummaryRecord& r = batch.summaries[i];
        s.key = r.source >= 0 && static_cast<std::size_t>(r.source) < batch.sources.size()
                    ? batch.sources[r.source].key()
                    : std::string("?");
        if (!r.id.empty()) {
            const auto [it, fresh] = summary_seen.try_emplace({s.key, r.id, r.start, r.end}, sessions.size());
            if (!fresh) {
                auto& files = sessions[it->second].night.provenance.files;
                if (r.file < batch.files.size() &&
                    std::find(files.begin(), files.end(), batch.files[r.file]) == files.end())
                    files.push_back(batch.files[r.file]);
                continue;
            }
        }
        from_summary(batch, i, s);
        sessions.push_back(std::move(s));
    }
    result.stats.sessions = sessions.size();

    std::vector<Session*> live;
    for (Session& s : sessions) {
        if (s.has_sleep) live.push_back(&s);
        else ++result.stats.sessions_without_sleep;
    }
    drop_copies(batch, live, result);
    std::sort(live.begin(), live.end(), [](const Session* a, const Session* b) {
        return std::tie(a->night.window_start, a->night.window_end, a->key) <
               std::tie(b->night.window_start, b->night.window_end, b->key);
    });

    // Sessions of different sources that overlap in time compete (§1.6).
    for (std::size_t begin = 0; begin < live.size();) {
        std::size_t end = begin + 1;
        UtcSeconds reach = live[begin]->night.window_end;
        while (end < live.size() && live[end]->night.window_start < reach) {
            reach = std::max(reach, live[end]->night.window_end);
            ++end;
        }
        struct Score {
            double staged = 0, sleep = 0, coverage = 0;
            int hypnograms = 0;  // last tie-break: a night with a hypnogram beats totals only
            const Source* source = nullptr;
        };
        std::map<std::string, Score> scores;
        for (std::size_t k = begin; k < end; ++k) {
            Score& sc = scores[live[k]->key];
            sc.staged += live[k]->staged_min;
            sc.sleep += live[k]->tst_min;
            sc.coverage += live[k]->night.tib_min();
            sc.hypnograms += live[k]->night.summary_only ? 0 : 1;
            sc.source = &live[k]->night.source;
        }
        if (scores.size() > 1) {
            std::string winner;
            for (const std::string& pref : options.source_preference) {
                for (const auto& [key, sc] : scores) {
                    if (matches(*sc.source, pref)) {
                        winner = key;
                        break;
                    }
                }
                if (!winner.empty()) break;
            }
            if (winner.empty()) {
                auto best = scores.begin();
                for (auto it = scores.begin(); it != scores.end(); ++it) {
                    const Score &a = it->second, &b = best->second;
                    if (std::tie(a.staged, a.sleep, a.coverage, a.hypnograms) >
                        std::tie(b.staged, b.sleep, b.coverage, b.hypnograms))
                        best = it;
                }
                winner = best->first;
            }
            std::vector<std::string> losers;
            for (const auto& [key, sc] : scores)
                if (key != winner) losers.push_back(sc.source->label());
            for (std::size_t k = begin; k < end; ++k) {
                if (live[k]->key != winner) {
                    live[k]->dropped = true;
                    ++result.stats.sessions_dropped;
                } else {
                    for (const std::string& l : losers) live[k]->night.provenance.dropped_sources.push_back(l);
                }
            }
        }
        begin = end;
    }

    // Label dates, then main sleep vs naps per label date (§1.5, §1.7). The
    // format's own flag wins over the longest-TST rule: a session it states
    // to be a nap is never the main sleep, even as the only session of its
    // date (a Fitbit lunchtime log with mainSleep false), and one it states
    // to be the main sleep beats sessions without a flag. Among the
    // candidates of one date the longest TST is the main sleep, so a date
    // never has two (should a file flag two, the shorter is a nap).
    auto main_rank = [](const Session* s) { return std::make_pair(s->stated == SleepKind::Main, s->tst_min); };
    std::map<boost::gregorian::date, Session*> main_of;
    std::vector<Session*> kept;
    for (Session* s : live) {
        if (s->dropped) continue;
        if (s->night.label_date.is_special())
            s->night.label_date = local_date(s->night.window_end, s->night.utc_offset_min);
        kept.push_back(s);
        if (s->stated == SleepKind::Nap) continue;
        auto [it, fresh] = main_of.emplace(s->night.label_date, s);
        if (!fresh && main_rank(s) > main_rank(it->second)) it->second = s;
    }
    for (Session* s : kept) {
        const auto it = main_of.find(s->night.label_date);
        s->night.is_nap = it == main_of.end() || it->second != s;
        result.nights.push_back(std::move(s->night));
    }
    attach_vitals(batch, result.nights);
    return result;
}

}  // namespace sleeparch
