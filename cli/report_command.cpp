// `sleeparch report`: the nights, the before/after comparison, trend charts
// and hypnograms as one self-contained HTML page (report_view.hpp).
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "comparison_view.hpp"
#include "output.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::cli {

namespace {

struct ReportArgs {
    ImportFlags import;
    CompareFlags compare;
    api::ReportOptions report;
    std::string output = "sleeparch-report.html";
};

}  // namespace

std::string report_page(const api::Session& session, const ImportFlags& flags, const std::string& intake_path,
                        const api::ReportOptions& options) {
    std::optional<api::Intake> intake;
    if (!intake_path.empty()) intake = load_intake(intake_path, flags);
    std::vector<std::string> notes;
    std::string html = api::report(session, intake ? &*intake : nullptr, options, &notes);
    for (const std::string& n : notes) std::cerr << n << "\n";
    return html;
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
    sub->add_option("--hypnograms", args->report.hypnograms,
                    "How many hypnograms to draw (default 14: the last 7 nights of baseline and of treatment, "
                    "or the last 14 nights without periods; 0: none)")
        ;
    sub->add_option("--design", args->report.design, "A plan from `sleeparch plan`: show the randomised trial");
    sub->add_option("--key", args->report.design_key, "The key of a blinded plan");
    sub->add_flag("--stamp", args->report.stamp, "Print the time of generation on the page (otherwise the page depends only on its inputs)");
    sub->add_option("-o,--output", args->output,
                    "The HTML file to write (default sleeparch-report.html; \"-\" for stdout); written whole, "
                    "then renamed, so a failed run leaves an existing file as it was");
    sub->callback([args]() {
        const CompareFlags& f = args->compare;
        args->report.compare = compare_options(f, "report");
        args->report.validate();
        if (args->output.empty()) throw UsageError("-o: give a file name, or - for stdout");

        const api::Session session = load_nights(args->import);
        write_output(args->output, report_page(session, args->import, f.intake, args->report));
    });
}

}  // namespace sleeparch::cli
