// Cohorts: which inputs belong to which participant.
//
//   std::vector<Participant> ps = list_participants("cohort/");       // one per entry
//   std::vector<Participant> ps = list_participants("map.csv");       // participant,path
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sleeparch::importers {

struct Participant {
    std::string id;
    std::vector<std::string> paths;
};

// A folder: each entry (a subfolder, a file or a zip; hidden entries
// skipped) is one participant, named after it (files without their last
// extension: "shhs1-200001-nsrr.xml" -> "shhs1-200001-nsrr"), sorted by id.
// A CSV file with the columns `participant,path`: one row per participant,
// paths relative to the CSV's folder. Throws IoError (missing), ParseError
// (a row without a participant or path, naming file:line and the column) and
// UsageError (the same participant twice, an empty folder, two entries with
// the same name).
std::vector<Participant> list_participants(const std::string& folder_or_csv);

}  // namespace sleeparch::importers
