// `sleeparch report`: the nights, the before/after comparison, trend charts
// and hypnograms as one self-contained HTML page (report_view.hpp).
#include <chrono>
#include <ctime>
#include <iostream>

#include "commands.hpp"
#include "comparison_view.hpp"
#include "output.hpp"
#include "report_view.hpp"
#include "sleeparch/comparison.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/linking.hpp"
#include "sleeparch/metrics.hpp"

namespace sleeparch::cli {

namespace {

struct ReportArgs {
    ImportFlags import;
    CompareFlags compare;
    int hypnograms = 14;
    bool stamp = false;
    std::string output = "sleeparch-report.html";
};

std::string utc_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

std::string build_report(const Loaded& loaded, const ImportFlags& flags, const std::string& intake_path,
                         const CompareOptions& options, bool periods_given, int hypnograms, bool stamp) {
    const auto& nights = loaded.assembly.nights;
    ReportData d;
    d.version = SLEEPARCH_VERSION;
    if (stamp) d.stamp = utc_now();
    d.inputs = flags.paths;
    d.intake_path = intake_path;
    d.nights = &nights;
    d.metrics.reserve(nights.size());
    for (const Night& n : nights) d.metrics.push_back(compute_metrics(n));
    d.warnings = loaded.batch.warnings;
    d.warnings.insert(d.warnings.end(), loaded.assembly.warnings.begin(), loaded.assembly.warnings.end());
    d.skipped_files = loaded.report.skipped.size();
    d.hypnograms = hypnograms;
    if (options.metrics.empty())
        for (std::string_view m : default_comparison_metrics()) d.trend_metrics.emplace_back(m);
    else
        d.trend_metrics = options.metrics;

    importers::IntakeLog log;
    if (!intake_path.empty()) {
        log = load_intake(intake_path, flags, nights);
        d.has_intake = true;
        d.warnings.insert(d.warnings.end(), log.warnings.begin(), log.warnings.end());
        d.serum = log.serum;
        d.mg_by_date = link_nights(nights, d.metrics, log.doses).mg_by_date;
    }
    if (!intake_path.empty() || periods_given) {
        try {
            d.comparison = compare_periods(nights, d.metrics, log.doses, options, log.serum);
        } catch (const UsageError& e) {
            if (periods_given) throw;  // the periods the user gave do not fit: a usage error
            // Periods from the log could not be formed (no dose on a recorded
            // night, say): the nights are still worth a page; say why.
            std::cerr << "note: no comparison: " << e.what() << "\n";
            d.no_comparison = std::string("No comparison: ") + e.what() + ". The nights are shown below.";
        }
    }
    return render_report(d);
}

void set_report_command(CLI::App& app) {
    auto args = std::make_shared<ReportArgs>();
    CLI::App* sub = app.add_subcommand(
        "report", "Self-contained HTML page: the comparison, nightly trends with the periods shaded, hypnograms");
    add_import_flags(*sub, args->import);
    add_compare_flags(*sub, args->compare,
                      {"Intake log (CSV or JSON, see README) or an export holding magnesium records; without "
                       "it (or --baseline/--treatment) the page shows the nights only",
                       "Metrics to compare and chart (default: as compare)",
                       "Bootstrap seed (the page repeats byte for byte for the same seed)"});
    sub->add_option("--hypnograms", args->hypnograms,
                    "How many hypnograms to draw (default 14: the last 7 nights of baseline and of treatment, "
                    "or the last 14 nights without periods; 0: none)")
        ->check(CLI::Range(0, 1000));
    sub->add_flag("--stamp", args->stamp, "Print the time of generation on the page (otherwise the page depends only on its inputs)");
    sub->add_option("-o,--output", args->output,
                    "The HTML file to write (default sleeparch-report.html; \"-\" for stdout); written whole, "
                    "then renamed, so a failed run leaves an existing file as it was");
    sub->callback([args]() {
        const CompareFlags& f = args->compare;
        const bool periods = !f.baseline.empty() && !f.treatment.empty();
        const CompareOptions opt = compare_options(f, "report");
        if (args->output.empty()) throw UsageError("-o: give a file name, or - for stdout");

        const Loaded loaded = load_nights(args->import);
        const std::string html =
            build_report(loaded, args->import, f.intake, opt, periods, args->hypnograms, args->stamp);
        write_output(args->output, html);
    });
}

}  // namespace sleeparch::cli
