// `sleeparch serum VALUE UNIT`: what a serum magnesium result means
// (METRICS.md §4).
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "output.hpp"
#include "sleeparch/error.hpp"

namespace sleeparch::cli {

namespace {
struct SerumArgs {
    std::string value;
    std::string unit;
    Format format = Format::Table;
};
}  // namespace

void set_serum_command(CLI::App& app) {
    auto args = std::make_shared<SerumArgs>();
    CLI::App* sub = app.add_subcommand("serum", "Interpret a serum magnesium result (mmol/L, mg/dL or mEq/L)");
    sub->add_option("value", args->value, "The result, e.g. 0.82")->required();
    sub->add_option("unit", args->unit, "mmol/L, mg/dL or mEq/L")->required();
    sub->add_option("-f,--format", args->format, "table or json")
        ->transform(CLI::CheckedTransformer(format_names(), CLI::ignore_case));
    sub->callback([args]() {
        char* end = nullptr;
        const double v = std::strtod(args->value.c_str(), &end);
        if (args->value.empty() || !end || *end != '\0')
            throw UsageError("serum: \"" + args->value + "\" is not a number");
        const SerumReading r = api::serum(v, args->unit);
        if (args->format == Format::Json) {
            nlohmann::json o = {{"value", r.value},
                                {"unit", std::string(serum_unit_name(r.unit))},
                                {"mmol_per_l", r.mmol_per_l},
                                {"band", r.band_name},
                                {"interpretation", r.interpretation}};
            write_output("", o.dump(2) + "\n");
            return;
        }
        std::string text = "Serum magnesium " + args->value + " " + std::string(serum_unit_name(r.unit));
        if (r.unit != SerumUnit::MmolPerL) text += " = " + fmt_number(r.mmol_per_l, 2) + " mmol/L";
        text += "\n" + r.interpretation + "\n";
        text += "This reads one number against reference values; it is not a diagnosis.\n";
        write_output("", text);
    });
}

}  // namespace sleeparch::cli
