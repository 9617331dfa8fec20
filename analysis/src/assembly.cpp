// Night assembly, METRICS.md §1.
#include "sleeparch/assembly.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "sleeparch/time.hpp"

namespace sleeparch {

int ImportBatch::add_source(const Source& s) {
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (sources[i] == s) return static_cast<int>(i);
    }
    sources.push_back(s);
    return static_cast<int>(sources.size() - 1);
}

std::uint32_t ImportBatch::add_file(const std::string& path) {
    for (std::size_t i = files.size(); i-- > 0;) {
        if (files[i] == path) return static_cast<std::uint32_t>(i);
    }
    files.push_back(path);
    return static_cast<std::uint32_t>(files.size() - 1);
}

void ImportBatch::append(ImportBatch&& other) {
    std::vector<int> source_map(other.sources.size());
    for (std::size_t i = 0; i < other.sources.size(); ++i) source_map[i] = add_source(other.sources[i]);
    std::vector<std::uint32_t> file_map(other.files.size());
    for (std::size_t i = 0; i < other.files.size(); ++i) file_map[i] = add_file(other.files[i]);
    auto remap_source = [&](int s) {
        return s >= 0 && static_cast<std::size_t>(s) < source_map.size() ? source_map[s] : s;
    };
    auto remap_file = [&](std::uint32_t f) { return f < file_map.size() ? file_map[f] : f; };
    records.reserve(records.size() + other.records.size());
    for (Record& r : other.records) {
        r.source = remap_source(r.source);
        r.file = remap_file(r.file);
        records.push_back(std::move(r));
    }
    for (SummaryRecord& s : other.summaries) {
        s.source = remap_source(s.source);
        s.file = remap_file(s.file);
        summaries.push_back(std::move(s));
    }
    for (Dose& d : other.doses) doses.push_back(std::move(d));
    for (Warning& w : other.warnings) warnings.push_back(std::move(w));
}

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
// the rest are chained by gaps of at most `gap` seconds.
void find_sessions(const ImportBatch& batch, const std::string& key, std::vector<std::size_t>& idx,
                   UtcSeconds gap, std::vector<Session>& out) {
    std::map<std::string, std::vector<std::size_t>> stated;
    std::vector<std::size_t> loose;
    for (std::size_t i : idx) {
        const Record& r = batch.records[i];
        if (!r.session.empty()) stated[r.session].push_back(i);
        else loose.push_back(i);
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
    n.epoch_s = epoch;
    n.source = s.source >= 0 && static_cast<std::size_t>(s.source) < batch.sources.size()
                   ? batch.sources[s.source]
                   : Source{};
    std::set<std::uint32_t> files;
    for (std::size_t i : idx) {
        const Record& r = batch.records[i];
        files.insert(r.file);
        if (!r.id.empty()) n.provenance.record_ids.push_back(r.id);
        else if (r.line) n.provenance.record_ids.push_back(place(batch, r));
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
    Night& n = s.night;
    n.summary_only = true;
    n.totals = r.totals;
    n.window_start = r.start;
    n.window_end = r.end;
    n.utc_offset_min = r.utc_offset_min;
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

// A summary whose format flags it as a nap (WHOOP `Nap`).
bool stated_nap(const ImportBatch& batch, const Session& s) {
    return s.summary >= 0 && batch.summaries[static_cast<std::size_t>(s.summary)].nap.value_or(false);
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

    std::map<std::string, std::vector<std::size_t>> by_key;
    for (std::size_t i = 0; i < batch.records.size(); ++i) {
        const Record& r = batch.records[i];
        const std::string key = r.source >= 0 && static_cast<std::size_t>(r.source) < batch.sources.size()
                                    ? batch.sources[r.source].key()
                                    : std::string("?");
        by_key[key].push_back(i);
    }
    std::vector<Session> sessions;
    for (auto& [key, idx] : by_key) find_sessions(batch, key, idx, gap, sessions);
    for (Session& s : sessions) resolve(batch, s, result);
    for (std::size_t i = 0; i < batch.summaries.size(); ++i) {
        Session s;
        const SummaryRecord& r = batch.summaries[i];
        s.key = r.source >= 0 && static_cast<std::size_t>(r.source) < batch.sources.size()
                    ? batch.sources[r.source].key()
                    : std::string("?");
        from_summary(batch, i, s);
        sessions.push_back(std::move(s));
    }
    result.stats.sessions = sessions.size();

    std::vector<Session*> live;
    for (Session& s : sessions) {
        if (s.has_sleep) live.push_back(&s);
        else ++result.stats.sessions_without_sleep;
    }
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

    // Label dates, then main sleep vs naps per label date (§1.5, §1.7).
    std::map<boost::gregorian::date, Session*> main_of;
    std::vector<Session*> kept;
    for (Session* s : live) {
        if (s->dropped) continue;
        s->night.label_date = local_date(s->night.window_end, s->night.utc_offset_min);
        kept.push_back(s);
        if (stated_nap(batch, *s)) continue;  // the file's own nap flag decides (§1.7)
        auto [it, fresh] = main_of.emplace(s->night.label_date, s);
        if (!fresh && s->tst_min > it->second->tst_min) it->second = s;
    }
    for (Session* s : kept) {
        auto main = main_of.find(s->night.label_date);
        s->night.is_nap = main == main_of.end() || main->second != s;
        result.nights.push_back(std::move(s->night));
    }
    return result;
}

}  // namespace sleeparch
