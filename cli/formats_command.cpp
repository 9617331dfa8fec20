// `sleeparch formats`: what sleeparch reads and how it recognises each.
#include <iostream>

#include "commands.hpp"
#include "output.hpp"

namespace sleeparch::cli {

void set_formats_command(CLI::App& app) {
    auto format = std::make_shared<Format>(Format::Table);
    CLI::App* sub = app.add_subcommand("formats", "List the formats sleeparch reads and how each is recognised");
    sub->add_option("-f,--format", *format, "table, csv or json")
        ->transform(CLI::CheckedTransformer(format_names(), CLI::ignore_case));
    sub->callback([format]() {
        std::vector<std::vector<std::string>> rows;
        nlohmann::json arr = nlohmann::json::array();
        for (const api::FormatInfo& f : api::formats()) {
            rows.push_back({f.id, f.reads, f.recognised_by});
            arr.push_back({{"id", f.id}, {"reads", f.reads}, {"recognised_by", f.recognised_by}});
        }
        if (*format == Format::Json) {
            write_output("", arr.dump(2) + "\n");
            return;
        }
        if (*format == Format::Csv) {
            write_output("", render_csv({"id", "reads", "recognised_by"}, rows));
            return;
        }
        std::string text;
        for (const auto& r : rows) text += r[0] + "\n  reads: " + r[1] + "\n  recognised by: " + r[2] + "\n";
        text += "\nFolders and zip archives are walked; every file is offered to the importers in this order.\n"
                "Not read: Gadgetbridge databases (device-specific raw kinds, not stages).\n";
        write_output("", text);
    });
}

}  // namespace sleeparch::cli
