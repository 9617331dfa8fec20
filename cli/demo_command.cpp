// `sleeparch demo`: the whole job on the bundled sample in data/.
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "comparison_view.hpp"
#include "nights_view.hpp"
#include "output.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::cli {

void set_demo_command(CLI::App& app) {
    auto data = std::make_shared<std::string>(SLEEPARCH_DATA_DIR);
    CLI::App* sub = app.add_subcommand("demo", "Run sleeparch on the bundled synthetic sample (data/)");
    auto report = std::make_shared<std::string>();
    sub->add_option("--data", *data, "The sample folder (default: the project's data/)");
    sub->add_option("--report", *report, "Also write the HTML report of the sample to this file (as `sleeparch report`)");
    sub->callback([data, report]() {
        if (!std::filesystem::is_directory(*data))
            throw IoError(*data, "sample folder not found (pass --data)");
        // The device exports; the simulated ground truth (hypnograms/) only
        // when no export has been generated.
        ImportFlags flags;
        for (const char* sub : {"apple_health", "fitbit", "oura"}) {
            const auto p = std::filesystem::path(*data) / sub;
            if (std::filesystem::exists(p)) flags.load.paths.push_back(p.string());
        }
        // The simulated person lives in Europe/Berlin (data/README.md); Fitbit
        // and plain hypnograms carry no offsets of their own.
        flags.load.tz = "Europe/Berlin";
        if (flags.load.paths.empty()) flags.load.paths.push_back((std::filesystem::path(*data) / "hypnograms").string());
        const api::Session session = load_nights(flags);
        std::cout << "sleeparch demo: " << session.report.imported.size() << " file(s) read from " << *data << "\n\n";
        const auto rows = select_nights(session, false, "", "");
        write_output("", render_nights(rows, Format::Table));
        std::cout << "\n";
        write_output("", render_summary(rows, Format::Table));
        const std::string intake = (std::filesystem::path(*data) / "intake.csv").string();
        if (std::filesystem::exists(intake)) {
            std::cout << "\n";
            write_output("", render_comparison(compare_loaded(session, intake, flags, CompareOptions{}), Format::Table));
        }
        if (!report->empty()) {
            const bool has_intake = std::filesystem::exists(intake);
            write_output(*report, report_page(session, flags, has_intake ? intake : std::string(), api::ReportOptions{}));
            std::cout << "\nReport written to " << *report << "\n";
        }
    });
}

}  // namespace sleeparch::cli
