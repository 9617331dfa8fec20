// `sleeparch agree`: device against reference, epoch by epoch and night by
// night (METRICS.md §6), for one pair of recordings or a study's pairs.csv.
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "output.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::cli {

namespace {

struct AgreeArgs {
    std::vector<std::string> paths;  // REFERENCE DEVICE
    std::string pairs;
    std::string stage_map;
    api::AgreeOptions options;
    Format format = Format::Table;
    std::string output, html;
};

// Statistics of one stage (or sleep/wake, which has three) as cells.
std::vector<std::string> stat_cells(const AgreementPair& p, int cls) {
    std::vector<std::string> cells;
    if (cls < kAgreeClasses) {
        for (std::size_t s = 0; s < kClassStatNames.size(); ++s)
            cells.push_back(fmt_number(class_stat(p.per_stage[cls], s), s >= 5 ? 3 : 1));
    } else {
        for (std::size_t s = 0; s < kSleepWakeStatNames.size(); ++s)
            cells.push_back(fmt_number(sleep_wake_stat(p.sleep_wake, s), 1));
        cells.resize(kClassStatNames.size());
    }
    return cells;
}

std::string stage_label(int cls) { return cls < kAgreeClasses ? std::string(kAgreeClassNames[cls]) : "sleep_wake"; }

std::vector<std::string> stat_header() {
    std::vector<std::string> h;
    for (std::string_view s : kClassStatNames) h.emplace_back(s);
    return h;
}

std::string render_agreement(const AgreementResult& r, Format format) {
    if (format == Format::Json) return agreement_json(r).dump(2) + "\n";
    // CSV: one row per pair and stage (sleep_wake rows fill the first three statistics).
    std::vector<std::string> header = {"id", "stage", "epochs", "excluded_epochs"};
    for (const std::string& s : stat_header()) header.push_back(s);
    std::vector<std::vector<std::string>> rows;
    for (const AgreementPair& p : r.pairs)
        for (int c = 0; c <= kAgreeClasses; ++c) {
            std::vector<std::string> row = {p.id, stage_label(c), std::to_string(p.alignment.epochs),
                                            std::to_string(p.alignment.excluded())};
            for (std::string& cell : stat_cells(p, c)) row.push_back(std::move(cell));
            rows.push_back(std::move(row));
        }
    if (format == Format::Csv) return render_csv(header, rows);

    const AgreementGroup& g = r.group;
    std::ostringstream o;
    o << "Device against reference: " << r.pairs.size() << (r.pairs.size() == 1 ? " pair" : " pairs")
      << " of nights (percent except kappa and PABAK)\n\n";
    o << render_table(header, rows) << "\n";

    o << "Across pairs: mean [" << fmt_number(100 * r.options.confidence, 0) << "% bootstrap CI, "
      << r.options.resamples << " resamples, seed " << r.options.seed << "]; pooled over all epochs\n";
    std::vector<std::string> gh = {"stage", "how"};
    for (const std::string& s : stat_header()) gh.push_back(s);
    std::vector<std::vector<std::string>> grows;
    for (int c = 0; c < kAgreeClasses; ++c) {
        std::vector<std::string> mean_row = {std::string(kAgreeClassNames[c]), "mean"}, pooled_row = {"", "pooled"};
        for (std::size_t s = 0; s < kClassStatNames.size(); ++s) {
            const int dec = s >= 5 ? 3 : 1;
            const MeanCi& m = g.per_stage_mean[c][s];
            mean_row.push_back(fmt_number(m.mean, dec) + " [" + fmt_number(m.ci_low, dec) + ", " +
                               fmt_number(m.ci_high, dec) + "]");
            pooled_row.push_back(fmt_number(class_stat(g.pooled[c], s), dec));
        }
        grows.push_back(std::move(mean_row));
        grows.push_back(std::move(pooled_row));
    }
    {
        std::vector<std::string> mean_row = {"sleep_wake", "mean"}, pooled_row = {"", "pooled"};
        for (std::size_t s = 0; s < kSleepWakeStatNames.size(); ++s) {
            const MeanCi& m = g.sleep_wake_mean[s];
            mean_row.push_back(fmt_number(m.mean, 1) + " [" + fmt_number(m.ci_low, 1) + ", " +
                               fmt_number(m.ci_high, 1) + "]");
            pooled_row.push_back(fmt_number(sleep_wake_stat(g.sleep_wake_pooled, s), 1));
        }
        mean_row.resize(gh.size());
        pooled_row.resize(gh.size());
        grows.push_back(std::move(mean_row));
        grows.push_back(std::move(pooled_row));
    }
    o << render_table(gh, grows) << "\n";

    o << "Confusion matrix, summed (rows reference, columns device; epochs)\n";
    std::vector<std::string> ch = {"reference"};
    for (std::string_view s : kAgreeClassNames) ch.emplace_back(s);
    std::vector<std::vector<std::string>> crows;
    for (int rr = 0; rr < kAgreeClasses; ++rr) {
        std::vector<std::string> row = {std::string(kAgreeClassNames[rr])};
        for (int c = 0; c < kAgreeClasses; ++c) row.push_back(std::to_string(g.confusion_sum[rr][c]));
        crows.push_back(std::move(row));
    }
    o << render_table(ch, crows) << "\n";
    o << "Confusion matrix, mean of the pairs' row percentages\n";
    crows.clear();
    for (int rr = 0; rr < kAgreeClasses; ++rr) {
        std::vector<std::string> row = {std::string(kAgreeClassNames[rr])};
        for (int c = 0; c < kAgreeClasses; ++c) row.push_back(fmt_number(g.confusion_prop_mean[rr][c], 1));
        crows.push_back(std::move(row));
    }
    o << render_table(ch, crows) << "\n";

    o << "Bland-Altman, device - reference (limits bias +/- 1.96 SD; slope of the difference on the pair mean)\n";
    const std::vector<std::string> bh = {"metric", "n", "bias", "sd", "loa_low", "loa_high", "slope", "slope_p",
                                         "regression-based (when the slope is significant)"};
    std::vector<std::vector<std::string>> brows;
    for (std::size_t m = 0; m < kDiscrepancyCount; ++m) {
        const BlandAltman& b = g.bland_altman[m];
        std::string reg;
        if (b.proportional)
            reg = "bias " + fmt_number(b.bias_intercept, 2) + " + " + fmt_number(b.bias_slope, 3) + " mean, sd " +
                  fmt_number(b.sd_intercept, 2) + " + " + fmt_number(b.sd_slope, 3) + " mean";
        brows.push_back({std::string(kDiscrepancyMetrics[m]), std::to_string(b.n), fmt_number(b.bias, 2),
                         fmt_number(b.sd, 2), fmt_number(b.loa_low, 2), fmt_number(b.loa_high, 2),
                         fmt_number(b.slope, 3), fmt_number(b.slope_p, 3), reg});
    }
    o << render_table(bh, brows);
    return o.str();
}

}  // namespace

void set_agree_command(CLI::App& app) {
    auto args = std::make_shared<AgreeArgs>();
    CLI::App* sub = app.add_subcommand(
        "agree", "Device against reference (PSG): epoch-by-epoch agreement and Bland-Altman on the nights");
    sub->add_option("paths", args->paths, "REFERENCE DEVICE: a file, folder or export each (EDF+, NSRR XML, "
                                          "plain hypnogram, any export); nights paired by time overlap")
        ->expected(0, 2);
    sub->add_option("--pairs", args->pairs,
                    "A study's pairs.csv: columns id,reference,device (paths relative to the CSV's folder)");
    api::LoadOptions& lo = args->options.load;
    sub->add_option("--tz", lo.tz, "Time zone for formats without offsets: an IANA name or an offset (+01:00)");
    sub->add_option("--epoch", lo.epoch_s, "Plain hypnograms: epoch length in seconds (default: a '# epoch:' line, else 30)");
    sub->add_option("--start", lo.start, "Plain hypnograms: start time, ISO 8601");
    sub->add_option("--stage-map", args->stage_map, "Plain hypnograms: integer codes, e.g. \"0=W,1=N1,2=N2,3=N3,5=R\"");
    sub->add_option("--seed", args->options.seed, "Bootstrap seed (results repeat for the same seed)");
    sub->add_option("-B,--resamples", args->options.resamples,
                    "Bootstrap resamples of the pairs (default " + std::to_string(api::AgreeOptions{}.resamples) + ")");
    sub->add_option("-f,--format", args->format, "table, csv or json")
        ->transform(CLI::CheckedTransformer(format_names(), CLI::ignore_case));
    sub->add_option("-o,--output", args->output, "Write to this file (written whole, then renamed)");
    sub->add_option("--html", args->html, "Also write the agreement page (self-contained HTML) to this file");
    sub->callback([args]() {
        if (!args->pairs.empty() && !args->paths.empty())
            throw UsageError("agree: give REFERENCE DEVICE or --pairs, not both");
        if (args->pairs.empty() && args->paths.size() != 2)
            throw UsageError("agree needs REFERENCE DEVICE, or --pairs pairs.csv");
        if (!args->stage_map.empty()) args->options.load.stage_map = api::parse_stage_map(args->stage_map);
        args->options.validate();
        std::vector<api::AgreeInput> inputs;
        if (!args->pairs.empty()) {
            inputs = api::read_agree_pairs(args->pairs);
        } else {
            api::AgreeInput in;
            in.reference = args->paths[0];
            in.device = args->paths[1];
            inputs.push_back(std::move(in));
        }
        const api::AgreeResult result = api::agree(inputs, args->options);
        for (const std::string& n : result.notes) std::cerr << n << "\n";
        write_output(args->output, render_agreement(result.result, args->format));
        if (!args->html.empty()) write_output(args->html, api::agreement_page(result));
    });
}

}  // namespace sleeparch::cli
