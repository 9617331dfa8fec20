// The intake log: magnesium doses, other evening events and serum results,
// typed by hand or exported from a spreadsheet, as CSV or JSON.
//
// CSV: a header row, then one row per entry; column order is free, names are
// case-insensitive; lines starting with '#' are comments; a row may stop
// early (missing trailing fields are empty).
//
//   date,time,kind,mg_elemental,amount_mg,form,product,tags,value,unit
//   2024-03-01,21:30,,200,,glycinate,Brand X
//   2024-03-02,21:45+01:00,,,1000,citrate,Brand Y,alcohol;exercise
//   2024-03-03,,,150                  <- date only: taken on the evening of 3 March
//   2024-03-05,,event,,,,,illness     <- no magnesium, a tag for that night
//   2024-03-10,,serum,,,,,,0.82,mmol/L
//   2024-03-11,,rating,...,value=4, rating=sleep_quality, scale=1-5
//
// Columns:
//   date          YYYY-MM-DD (needed unless `time` holds a full date-time)
//   time          HH:MM[:SS] with an optional offset (+01:00, Z), or a full
//                 ISO 8601 date-time. Without an offset the --tz zone is used;
//                 with no --tz either, the clock time is read in the offset
//                 of the nearest recorded night (local_time_doses lists them).
//                 Empty: a date-only dose.
//   kind          supplement (default), dietary, event (tags only), serum,
//                 rating (a morning self-rating of the night labelled `date`)
//   mg_elemental  elemental magnesium, mg
//   amount_mg     compound mass, mg; needs `form` with a known fraction
//                 (oxide, citrate, glycinate, chloride, chloride_hexahydrate,
//                 threonate) and is converted (METRICS.md §4)
//   form          oxide, citrate, glycinate, threonate, chloride,
//                 chloride_hexahydrate, malate, taurate, other
//   product       free text
//   tags          separated by ';' (alcohol;caffeine;exercise;illness)
//   value, unit   serum rows: the result and mmol/L, mg/dL or mEq/L;
//                 rating rows: the rating in `value`
//   rating        rating rows: its name (sleep_quality, restedness, ...)
//   scale         rating rows: the scale, "1-5" or "0-10"; a value outside
//                 it is a ParseError
//   note          free text, ignored
//
// JSON: an array of objects with the same keys (tags as an array or a
// ';'-separated string, numbers as numbers or strings), or an object whose
// "entries" member is that array.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sleeparch/importers/import.hpp"
#include "sleeparch/intake.hpp"
#include "sleeparch/model.hpp"

namespace sleeparch::importers {

struct IntakeLog {
    std::vector<Dose> doses;          // supplements, dietary intake and tag-only events
    std::vector<SerumResult> serum;
    std::vector<Rating> ratings;      // kind rating (METRICS.md §5.10)
    std::vector<Warning> warnings;
    // Doses whose time had no offset and no --tz applied: `time` holds the
    // local clock read as UTC; see sleeparch::assume_night_offsets.
    std::vector<std::size_t> local_time_doses;
};

// Reads a log held in memory; CSV or JSON by its first non-blank byte.
// Throws ParseError naming `display_name`, the line (CSV) or entry (JSON) and
// the field.
IntakeLog read_intake_log_text(std::string_view text, const std::string& display_name,
                               const ImportOptions& options = {});

// `--intake PATH`: a log file (.csv, .json, .txt) or anything import_paths
// reads (an Apple Health export.zip / export.xml: its DietaryMagnesium
// records become doses). Throws IoError, ParseError, UsageError.
IntakeLog read_intake(const std::string& path, const ImportOptions& options = {});

}  // namespace sleeparch::importers
