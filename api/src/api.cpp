// The library API (api.hpp): load, select, intake, summaries, compare, report.
#include "sleeparch/api.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <chrono>
#include <ctime>

#include "sleeparch/error.hpp"
#include "sleeparch/report.hpp"
#include "sleeparch/stage.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/vendor_figures.hpp"

namespace sleeparch::api {

std::string_view version() { return SLEEPARCH_VERSION; }

namespace {

std::map<std::string, Stage> stage_codes(const std::map<std::string, std::string>& labels) {
    std::map<std::string, Stage> out;
    for (const auto& [code, label] : labels) {
        auto stage = parse_stage_label(label);
        if (!stage) throw UsageError("stage map: \"" + label + "\" is not a stage label (W, N1, N2, N3, R, L, A, ?)");
        out[code] = *stage;
    }
    return out;
}

importers::ImportOptions import_options(const LoadOptions& o) {
    importers::ImportOptions opts;
    if (!o.tz.empty()) importers::set_time_zone(opts, o.tz);
    opts.epoch_s = o.epoch_s;
    opts.start = o.start;
    opts.column = o.column;
    opts.integer_map = stage_codes(o.stage_map);
    opts.fitbit_restless_as_asleep = o.restless_as_asleep;
    opts.progress = o.progress;
    return opts;
}

std::string utc_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

std::vector<FormatInfo> formats() {
    std::vector<FormatInfo> out;
    for (const importers::Importer* imp : importers::registry())
        out.push_back({std::string(imp->id()), std::string(imp->description()), std::string(imp->recognition())});
    return out;
}

SerumReading serum(double value, std::string_view unit) {
    const auto u = parse_serum_unit(unit);
    if (!u) throw UsageError("serum: unknown unit \"" + std::string(unit) + "\"; expected mmol/L, mg/dL or mEq/L");
    return interpret_serum(value, *u);
}

void LoadOptions::validate() const {
    if (paths.empty()) throw UsageError("load: no paths given");
    if (epoch_s < 0 || epoch_s > 3600) throw UsageError("epoch: must be 1 to 3600 seconds");
    if (session_gap_min < 1 || session_gap_min > 24 * 60)
        throw UsageError("session gap: must be 1 to 1440 minutes");
    if (!input_format.empty() && !importers::find_importer(input_format))
        throw UsageError("input format: unknown format \"" + input_format + "\" (see `sleeparch formats`)");
    stage_codes(stage_map);
    importers::ImportOptions probe;
    if (!tz.empty()) importers::set_time_zone(probe, tz);
}

std::map<std::string, std::string> parse_stage_map(std::string_view text) {
    std::map<std::string, std::string> map;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t comma = text.find(',', pos);
        if (comma == std::string_view::npos) comma = text.size();
        const std::string item(text.substr(pos, comma - pos));
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos) throw UsageError("--stage-map: expected CODE=STAGE, got \"" + item + "\"");
        std::string code = item.substr(0, eq), label = item.substr(eq + 1);
        if (!parse_stage_label(label)) throw UsageError("--stage-map: \"" + label + "\" is not a stage label");
        map[code] = label;
        pos = comma + 1;
    }
    return map;
}

Session load(const LoadOptions& options) {
    options.validate();
    const importers::ImportOptions opts = import_options(options);
    Session s;
    s.options = options;
    s.options.progress = nullptr;
    ImportBatch batch = importers::import_paths(options.paths, opts, &s.report, options.input_format);
    AssemblyOptions aopts;
    aopts.session_gap_min = options.session_gap_min;
    aopts.source_preference = options.prefer;
    AssemblyResult assembly = assemble_nights(batch, aopts);
    s.nights = std::move(assembly.nights);
    s.warnings = std::move(batch.warnings);
    s.notes = std::move(batch.notes);
    s.warnings.insert(s.warnings.end(), assembly.warnings.begin(), assembly.warnings.end());
    s.stats = assembly.stats;
    s.metrics.reserve(s.nights.size());
    for (const Night& n : s.nights) s.metrics.push_back(compute_metrics(n));
    if (auto w = vendor_difference_warning(s.nights, s.metrics)) s.warnings.push_back(std::move(*w));
    return s;
}

boost::gregorian::date parse_day(std::string_view text, std::string_view what) {
    const std::string t(text);
    const ParsedTime p = parse_iso_datetime(t);
    if (!p.ok || t.size() != 10)
        throw UsageError(std::string(what) + ": expected YYYY-MM-DD, got \"" + t + "\"");
    return local_date(p.local, 0);
}

std::vector<std::size_t> select_nights(const Session& session, const NightFilter& filter) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < session.nights.size(); ++i) {
        const Night& n = session.nights[i];
        if (n.is_nap && !filter.naps) continue;
        if (filter.from && n.label_date < *filter.from) continue;
        if (filter.to && n.label_date > *filter.to) continue;
        out.push_back(i);
    }
    return out;
}

std::string warning_text(const Warning& w) {
    std::string s;
    if (!w.file.empty()) s = w.file + (w.line ? ":" + std::to_string(w.line) : "") + ": ";
    return s + w.message;
}

std::vector<std::string> warning_lines(const std::vector<Warning>& warnings, bool all) {
    // The same message from many files (one per Takeout file, say) is said
    // once, unless all are asked for.
    std::map<std::string, std::size_t> repeats;
    std::vector<const Warning*> distinct;
    for (const Warning& w : warnings)
        if (all || repeats[w.message]++ == 0) distinct.push_back(&w);
    const std::size_t limit = all ? distinct.size() : 10;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < distinct.size() && i < limit; ++i) {
        std::string line = warning_text(*distinct[i]);
        if (const std::size_t more = all ? 0 : repeats[distinct[i]->message] - 1; more > 0)
            line += " (and " + std::to_string(more) + " more like it)";
        out.push_back(std::move(line));
    }
    if (distinct.size() > limit)
        out.push_back(std::to_string(distinct.size() - limit) + " more warning(s) (--verbose shows all)");
    return out;
}

Intake read_intake(const std::string& path, std::string_view tz) {
    importers::ImportOptions opts;
    if (!tz.empty()) importers::set_time_zone(opts, tz);
    Intake in;
    in.path = path;
    in.log = importers::read_intake(path, opts);
    return in;
}

std::vector<Dose> doses_for(const Session& session, const Intake& intake) {
    std::vector<Dose> doses = intake.log.doses;
    if (!intake.log.local_time_doses.empty()) assume_night_offsets(doses, intake.log.local_time_doses, session.nights);
    return doses;
}

std::vector<std::string> intake_notes(const Intake& intake) {
    std::vector<std::string> out;
    for (const Warning& w : intake.log.warnings) out.push_back("warning: " + warning_text(w));
    if (!intake.log.local_time_doses.empty())
        out.push_back("note: " + std::to_string(intake.log.local_time_doses.size()) +
                      " intake time(s) have no UTC offset; read in the offset of the nearest night "
                      "(pass --tz to set it)");
    return out;
}

LinkResult link(const Session& session, const Intake& intake) {
    return link_nights(session.nights, session.metrics, doses_for(session, intake));
}

Summary summarize(const Session& session, const std::vector<std::size_t>& indices) {
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;
    nights.reserve(indices.size());
    metrics.reserve(indices.size());
    for (std::size_t i : indices) {
        if (i >= session.nights.size()) throw UsageError("summary: night index out of range");
        nights.push_back(session.nights[i]);
        metrics.push_back(session.metrics[i]);
    }
    Summary out;
    out.metrics = sleeparch::summarize(metrics);
    out.transitions = pooled_transitions(metrics);
    out.regularity = regularity(nights, metrics);
    return out;
}

ComparisonResult compare(const Session& session, const Intake* intake, const CompareOptions& options) {
    if (!intake && !(options.baseline && options.treatment))
        throw UsageError("compare needs an intake log, or both a baseline and a treatment period");
    options.validate();
    std::vector<Dose> doses;
    std::vector<SerumResult> serum;
    std::vector<Rating> ratings;
    if (intake) {
        doses = doses_for(session, *intake);
        serum = intake->log.serum;
        ratings = intake->log.ratings;
    }
    return compare_periods(session.nights, session.metrics, doses, options, serum, ratings);
}

void ReportOptions::validate() const {
    if (hypnograms < 0 || hypnograms > 1000) throw UsageError("hypnograms: must be 0 to 1000");
}

std::string report(const Session& session, const Intake* intake, const ReportOptions& options,
                   std::vector<std::string>* notes) {
    options.validate();
    const bool periods_given = options.compare.baseline && options.compare.treatment;
    report::ReportData d;
    d.version = std::string(version());
    if (options.stamp) d.stamp = utc_now();
    d.inputs = session.options.paths;
    d.nights = &session.nights;
    d.metrics = session.metrics;
    d.warnings = session.warnings;
    d.skipped_files = session.report.skipped.size();
    d.hypnograms = options.hypnograms;
    d.staged_fraction_min = options.compare.staged_fraction_min;
    if (options.compare.metrics.empty())
        for (std::string_view m : default_comparison_metrics()) d.trend_metrics.emplace_back(m);
    else
        d.trend_metrics = options.compare.metrics;

    options.compare.validate();
    std::vector<Dose> doses;
    std::vector<SerumResult> serum;
    std::vector<Rating> ratings;
    if (intake) {
        ratings = intake->log.ratings;
        d.intake_path = intake->path;
        d.has_intake = true;
        d.warnings.insert(d.warnings.end(), intake->log.warnings.begin(), intake->log.warnings.end());
        d.serum = intake->log.serum;
        doses = doses_for(session, *intake);
        serum = intake->log.serum;
        d.mg_by_date = link_nights(session.nights, d.metrics, doses).mg_by_date;
    }
    if (!options.design.empty()) {
        // A randomised trial: the before/after periods do not apply.
        const TrialPlan plan = read_plan(options.design, options.design_key);
        TrialOptions topt;
        topt.metrics = options.compare.metrics;
        topt.primary = options.compare.primary;
        topt.compare_source = options.compare.compare_source;
        topt.seed = options.compare.seed;
        try {
            d.trial = compare_design(session, intake, plan, topt);
        } catch (const UsageError& e) {
            throw ParseError(options.design, static_cast<std::uint64_t>(0), "periods", e.what());
        }
        d.no_comparison = "No before/after comparison: the nights come from a randomised trial, analysed above.";
    } else if (intake || periods_given) {
        try {
            d.comparison = compare_periods(session.nights, d.metrics, doses, options.compare, serum, ratings);
        } catch (const UsageError& e) {
            if (periods_given) throw;  // the periods the user gave do not fit: a usage error
            // Periods from the log could not be formed (no dose on a recorded
            // night, say): the nights are still worth a page; say why.
            if (notes) notes->push_back(std::string("note: no comparison: ") + e.what());
            d.no_comparison = std::string("No comparison: ") + e.what() + ". The nights are shown below.";
        }
    }
    return report::render_report(d);
}

void CohortOptions::validate() const {
    if (jobs > 1024) throw UsageError("jobs: must be 0 to 1024");
    LoadOptions probe = load;
    probe.paths = {"-"};
    probe.validate();
}

std::vector<ParticipantError> for_each_participant(
    const std::vector<Participant>& participants, const CohortOptions& options,
    const std::function<void(std::size_t, CohortMember&&)>& visit,
    const std::function<void(std::size_t, std::size_t, std::size_t)>& progress) {
    options.validate();
    const std::size_t n = participants.size();
    std::vector<std::exception_ptr> failures(n);
    std::vector<ParticipantError> errors(n);
    std::atomic<std::size_t> next{0}, done{0}, failed{0};
    std::atomic<bool> stop{false};
    std::mutex progress_mutex;
    auto work = [&] {
        for (std::size_t i; !stop && (i = next++) < n;) {
            LoadOptions opt = options.load;
            opt.paths = participants[i].paths;
            opt.progress = nullptr;
            try {
                visit(i, CohortMember{participants[i].id, load(opt)});
            } catch (const std::exception& e) {
                failures[i] = std::current_exception();
                std::string file;
                if (auto* pe = dynamic_cast<const ParseError*>(&e)) file = pe->file();
                else if (auto* io = dynamic_cast<const IoError*>(&e)) file = io->file();
                errors[i] = {participants[i].id, file, e.what()};
                ++failed;
                if (options.strict) stop = true;
            }
            ++done;
            if (progress) {
                std::lock_guard<std::mutex> lock(progress_mutex);
                progress(done, n, failed);
            }
        }
    };
    unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
    jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(n, 1)));
    if (jobs <= 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < jobs; ++t) pool.emplace_back(work);
        for (auto& t : pool) t.join();
    }
    std::vector<ParticipantError> out;
    for (std::size_t i = 0; i < n; ++i) {
        if (!failures[i]) continue;
        if (options.strict) std::rethrow_exception(failures[i]);
        out.push_back(std::move(errors[i]));
    }
    return out;
}

Cohort load_cohort(const std::vector<Participant>& participants, const CohortOptions& options,
                   const std::function<void(std::size_t, std::size_t, std::size_t)>& progress) {
    std::vector<std::optional<CohortMember>> members(participants.size());
    Cohort out;
    out.errors = for_each_participant(
        participants, options, [&](std::size_t i, CohortMember&& m) { members[i] = std::move(m); }, progress);
    for (auto& m : members)
        if (m) out.members.push_back(std::move(*m));
    return out;
}

}  // namespace sleeparch::api

// ---- agree --------------------------------------------------------------------

#include <atomic>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace sleeparch::api {

namespace {

// One CSV record's fields (RFC 4180 quoting; a record on one line).
std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
            else if (c == '"') quoted = false;
            else out.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    for (std::string& f : out) {
        const auto b = f.find_first_not_of(" \t");
        const auto e = f.find_last_not_of(" \t");
        f = b == std::string::npos ? std::string() : f.substr(b, e - b + 1);
    }
    return out;
}

std::string night_place(const Night& n) {
    return format_date(n.label_date) + " (" + n.source.label() + ", " +
           format_local_iso(n.window_start, n.utc_offset_min) + ")";
}

}  // namespace

std::vector<AgreeInput> read_agree_pairs(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path, "cannot open the pairs file");
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    std::string line;
    std::uint32_t lineno = 0;
    int id_col = -1, ref_col = -1, dev_col = -1;
    std::vector<AgreeInput> out;
    std::set<std::string> ids;
    while (std::getline(in, line)) {
        ++lineno;
        if (lineno == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::vector<std::string> f = csv_fields(line);
        if (id_col < 0) {
            for (std::size_t i = 0; i < f.size(); ++i) {
                if (f[i] == "id") id_col = static_cast<int>(i);
                if (f[i] == "reference") ref_col = static_cast<int>(i);
                if (f[i] == "device") dev_col = static_cast<int>(i);
            }
            if (id_col < 0 || ref_col < 0 || dev_col < 0)
                throw ParseError(path, lineno, "header", "needs the columns id, reference and device");
            continue;
        }
        AgreeInput p;
        p.row = lineno;
        p.pairs_file = path;
        auto field = [&](int col, const char* name) {
            if (col >= static_cast<int>(f.size()) || f[col].empty())
                throw ParseError(path, lineno, name, "is empty");
            return f[col];
        };
        p.id = field(id_col, "id");
        if (!ids.insert(p.id).second) throw ParseError(path, lineno, "id", "\"" + p.id + "\" appears twice");
        auto resolve = [&](const std::string& s) {
            const std::filesystem::path q(s);
            return q.is_absolute() ? s : (folder / q).string();
        };
        p.reference = resolve(field(ref_col, "reference"));
        p.device = resolve(field(dev_col, "device"));
        out.push_back(std::move(p));
    }
    if (id_col < 0) throw ParseError(path, 0, "header", "the file is empty");
    if (out.empty()) throw ParseError(path, 0, "rows", "no pairs listed");
    return out;
}

void AgreeOptions::validate() const {
    if (resamples > 1'000'000) throw UsageError("resamples: must be 0 to 1000000");
    LoadOptions probe = load;
    probe.paths = {"-"};
    probe.validate();
}

AgreeResult agree(const std::vector<AgreeInput>& inputs, const AgreeOptions& options) {
    options.validate();
    if (inputs.empty()) throw UsageError("agree: no pairs given");
    AgreeResult out;
    AgreementResult& r = out.result;
    r.options.seed = options.seed;
    r.options.resamples = options.resamples;
    std::set<std::string> used_ids;
    // Every file is read first, on all cores (a study has thousands of small
    // files); errors are raised afterwards in the order of the inputs.
    const std::size_t n_files = 2 * inputs.size();
    std::vector<Session> sessions(n_files);
    std::vector<std::exception_ptr> errors(n_files);
    {
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t k; (k = next.fetch_add(1)) < n_files;) {
                const AgreeInput& in = inputs[k / 2];
                LoadOptions lo = options.load;
                lo.paths = {k % 2 ? in.device : in.reference};
                lo.progress = nullptr;
                try {
                    sessions[k] = load(lo);
                } catch (...) {
                    errors[k] = std::current_exception();
                }
            }
        };
        const std::size_t n_threads =
            std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), (n_files + 15) / 16);
        std::vector<std::thread> pool;
        for (std::size_t t = 1; t < n_threads; ++t) pool.emplace_back(work);
        work();
        for (std::thread& t : pool) t.join();
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const AgreeInput& in = inputs[i];
        out.inputs.push_back(in.reference + " | " + in.device);
        const std::string where = in.row ? in.pairs_file + ":" + std::to_string(in.row) + ": " : std::string();
        auto load_side = [&](std::size_t k, const char* side) -> const Session& {
            if (!errors[k]) return sessions[k];
            try {
                std::rethrow_exception(errors[k]);
            } catch (const UsageError&) {
                throw;
            } catch (const std::exception& e) {
                if (!in.row) throw;
                throw ParseError(in.pairs_file, in.row, side, e.what());
            }
        };
        const Session& ref = load_side(2 * i, "reference");
        const Session& dev = load_side(2 * i + 1, "device");
        // Only nights with a hypnogram can be compared epoch by epoch.
        std::vector<Night> rn, dn;
        std::vector<NightMetrics> rm, dm;
        auto staged = [&](const Session& s, std::vector<Night>& nights, std::vector<NightMetrics>& metrics,
                          const std::string& path) {
            for (std::size_t i = 0; i < s.nights.size(); ++i) {
                if (s.nights[i].summary_only) {
                    r.skipped.push_back(where + path + ": night " + night_place(s.nights[i]) +
                                        " has totals only, no hypnogram");
                    continue;
                }
                nights.push_back(s.nights[i]);
                metrics.push_back(s.metrics[i]);
            }
        };
        staged(ref, rn, rm, in.reference);
        staged(dev, dn, dm, in.device);
        const NightPairing pairing = pair_by_overlap(rn, dn);
        for (std::size_t i : pairing.unpaired_reference)
            r.skipped.push_back(where + in.reference + ": reference night " + night_place(rn[i]) +
                                " overlaps no device night in time");
        for (std::size_t i : pairing.unpaired_device)
            r.skipped.push_back(where + in.device + ": device night " + night_place(dn[i]) +
                                " overlaps no reference night in time");
        for (const auto& [ri, di] : pairing.pairs) {
            std::string id = in.id.empty() ? format_date(rn[ri].label_date) : in.id;
            if (!in.id.empty() && pairing.pairs.size() > 1)
                id += "/" + format_date(rn[ri].label_date);
            const std::string base = id;
            for (int k = 2; !used_ids.insert(id).second; ++k) id = base + "#" + std::to_string(k);
            AgreementPair p = agree_pair(id, rn[ri], rm[ri], dn[di], dm[di]);
            const EpochAlignment& a = p.alignment;
            if (a.non_overlap > 0)
                out.notes.push_back("note: " + id + ": " + std::to_string(a.non_overlap) +
                                    " reference epochs outside the device's window (not compared)");
            if (a.unscored > 0)
                out.notes.push_back("note: " + id + ": " + std::to_string(a.unscored) +
                                    " epochs unscored or without a stage in either (not compared)");
            if (a.epochs == 0)
                r.skipped.push_back(where + id + ": no epoch scored on both sides");
            else
                r.pairs.push_back(std::move(p));
        }
    }
    std::vector<std::string> notes;
    for (const std::string& s : r.skipped) notes.push_back("skipped: " + s);
    notes.insert(notes.end(), out.notes.begin(), out.notes.end());
    out.notes = std::move(notes);
    if (r.pairs.empty()) {
        std::string list;
        for (const std::string& s : r.skipped) list += "\n  " + s;
        const AgreeInput& first = inputs.front();
        throw ParseError(first.row ? first.pairs_file : first.device, 0, "nights",
                         "no reference and device nights overlap in time" + (list.empty() ? std::string() : ":" + list));
    }
    r.group = agreement_group(r.pairs, r.options);
    return out;
}

std::string agreement_page(const AgreeResult& result) {
    report::AgreementPageData d;
    d.version = std::string(version());
    d.inputs = result.inputs;
    d.result = &result.result;
    return report::render_agreement(d);
}

}  // namespace sleeparch::api
