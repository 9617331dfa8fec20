// sleeparch: the command line. Parses arguments, calls the library, prints.
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "sleeparch/error.hpp"

int main(int argc, char** argv) {
    CLI::App app{"sleeparch: sleep architecture from wearable exports, and what changed after magnesium"};
    app.set_version_flag("--version", SLEEPARCH_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    sleeparch::cli::set_nights_command(app);
    sleeparch::cli::set_formats_command(app);
    sleeparch::cli::set_demo_command(app);
    sleeparch::cli::set_compare_command(app);
    sleeparch::cli::set_serum_command(app);
    sleeparch::cli::set_report_command(app);
    sleeparch::cli::set_agree_command(app);
    sleeparch::cli::set_plan_command(app);
    // subcommand registrations (keep this line: one call per subcommand above it)
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    } catch (const sleeparch::UsageError& e) {
        std::cerr << "sleeparch: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        // Bad input (ParseError, IoError) and anything else the library threw.
        std::cerr << "sleeparch: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
