// Reader of the intake log (intake_log.hpp): CSV or JSON, one entry per row.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "csv_reader.hpp"
#include "json_util.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/intake_log.hpp"
#include "sleeparch/time.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::array<std::string_view, 13> known_columns = {
    "date", "time", "kind", "mg_elemental", "amount_mg", "form", "product", "tags", "value", "unit",
    "rating", "scale", "note"};

constexpr double max_entry_mg = 5000.0;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string column_list() {
    std::string out;
    for (std::size_t i = 0; i < known_columns.size(); ++i) out += (i ? ", " : "") + std::string(known_columns[i]);
    return out;
}

// Fields of one entry by column name; absent and empty are the same.
using Fields = std::map<std::string, std::string>;
using Fail = std::function<void(const std::string& field, const std::string& detail)>;

std::string get(const Fields& f, const char* key) {
    auto it = f.find(key);
    return it == f.end() ? std::string() : std::string(trim(it->second));
}

double parse_number(const std::string& text, const char* field, const Fail& fail) {
    if (text.empty()) return 0;
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || !std::isfinite(v))
        fail(field, quote_for_message(text) + " is not a number");
    if (v < 0) fail(field, quote_for_message(text) + " is negative");
    return v;
}

struct Reader {
    const std::string& file;
    const ImportOptions& options;
    IntakeLog log;
    // Steps 1-3 of the one rule (timezone.hpp); its step 4 differs here: a
    // clock time without any zone is read in the offset of the nearest
    // recorded night (local_time_doses), not as UTC.
    ClockResolver clock{options, file, log.warnings};

    void entry(const Fields& f, std::uint32_t line, const Fail& fail) {
        std::string kind = lower(get(f, "kind"));
        if (kind.empty()) kind = "supplement";
        if (kind != "supplement" && kind != "dietary" && kind != "event" && kind != "serum" && kind != "rating")
            fail("kind", quote_for_message(get(f, "kind")) +
                             " is not a kind; expected supplement, dietary, event, serum or rating");

        std::string date_text = get(f, "date");
        std::string time_text = get(f, "time");
        // A full date-time typed into the date column is read as the time.
        if (date_text.size() > 10 && time_text.empty()) std::swap(date_text, time_text);
        std::optional<boost::gregorian::date> day;
        std::optional<ParsedTime> when;
        const bool full_time = time_text.size() >= 10 && time_text[4] == '-';
        if (!date_text.empty() && !full_time) {
            const ParsedTime d = parse_iso_datetime(date_text);
            if (!d.ok || date_text.size() != 10)
                fail("date", quote_for_message(date_text) + ": " +
                                 (d.ok ? std::string("expected YYYY-MM-DD") : d.error));
            day = local_date(d.local, 0);
        }
        if (!time_text.empty()) {
            if (!full_time && !day)
                fail("time", quote_for_message(time_text) +
                                 " has no date: add a date column or write 2024-03-01T21:30");
            const std::string text = full_time ? time_text : date_text + "T" + time_text;
            const ParsedTime t = parse_iso_datetime(text);
            if (!t.ok) fail("time", quote_for_message(time_text) + ": " + t.error);
            when = t;
        }
        if (!day && !when) fail("date", "missing: every entry needs a date or a date-time");

        if (kind == "rating") {
            // A morning rating of date D is about the night labelled D.
            Rating r;
            r.name = lower(get(f, "rating"));
            if (r.name.empty()) fail("rating", "missing: a rating entry needs its name, e.g. sleep_quality");
            const std::string value_text = get(f, "value");
            const std::string scale_text = get(f, "scale");
            if (value_text.empty()) fail("value", "missing: a rating entry needs the rating in `value`");
            if (scale_text.empty()) fail("scale", "missing: a rating entry needs its scale, e.g. 1-5");
            const auto scale = parse_rating_scale(scale_text);
            if (!scale) fail("scale", quote_for_message(scale_text) + " is not a scale; expected low-high, e.g. 1-5");
            r.value = parse_number(value_text, "value", fail);
            r.scale_min = scale->first;
            r.scale_max = scale->second;
            if (r.value < r.scale_min || r.value > r.scale_max)
                fail("value", quote_for_message(value_text) + " is outside the scale " + scale_text);
            r.night = day ? *day : local_date(when->local, 0);
            r.source = file;
            r.line = line;
            log.ratings.push_back(std::move(r));
            return;
        }
        if (kind == "serum") {
            const std::string value_text = get(f, "value");
            const std::string unit_text = get(f, "unit");
            if (value_text.empty()) fail("value", "missing: a serum entry needs the result in `value`");
            if (unit_text.empty()) fail("unit", "missing: a serum entry needs mmol/L, mg/dL or mEq/L");
            const double v = parse_number(value_text, "value", fail);
            const auto unit = parse_serum_unit(unit_text);
            if (!unit) fail("unit", quote_for_message(unit_text) + " is not a unit; expected mmol/L, mg/dL or mEq/L");
            SerumResult s;
            s.date = day ? *day : local_date(when->local, 0);
            try {
                s.reading = interpret_serum(v, *unit);
            } catch (const UsageError& e) {
                fail("value", e.what());
            }
            s.source = file;
            s.line = line;
            log.serum.push_back(std::move(s));
            return;
        }

        Dose d;
        d.kind = kind == "dietary" ? IntakeKind::Dietary : IntakeKind::Supplement;
        d.source = file;
        d.line = line;
        d.product = get(f, "product");
        const std::string form_text = get(f, "form");
        if (!form_text.empty()) {
            const auto form = parse_dose_form(form_text);
            if (!form)
                fail("form", quote_for_message(form_text) +
                                 " is not a known form; expected oxide, citrate, glycinate, threonate, "
                                 "chloride, chloride_hexahydrate, malate, taurate or other");
            d.form = *form;
        }
        const std::string elemental_text = get(f, "mg_elemental");
        const std::string amount_text = get(f, "amount_mg");
        if (!elemental_text.empty()) {
            d.mg_elemental = parse_number(elemental_text, "mg_elemental", fail);
            if (d.mg_elemental > max_entry_mg)
                fail("mg_elemental", quote_for_message(elemental_text) +
                                         " mg is implausible for one entry (more than 5000 mg): check the unit");
        } else if (!amount_text.empty()) {
            d.compound_mg = parse_number(amount_text, "amount_mg", fail);
            if (form_text.empty())
                fail("form", "missing: amount_mg is a compound mass and needs the form to compute "
                             "elemental mg (or give mg_elemental)");
            const auto fraction = elemental_fraction(d.form);
            if (!fraction)
                fail("form", "no elemental fraction is known for " + std::string(dose_form_name(d.form)) +
                                 ": give mg_elemental from the product label");
            d.mg_elemental = d.compound_mg * *fraction;
            d.converted = true;
            if (d.compound_mg > max_entry_mg * 10)
                fail("amount_mg", quote_for_message(amount_text) +
                                      " mg is implausible for one entry: check the unit");
        }
        std::string tags = get(f, "tags");
        std::size_t pos = 0;
        while (pos <= tags.size()) {
            std::size_t end = tags.find_first_of(";|", pos);
            if (end == std::string::npos) end = tags.size();
            std::string tag = lower(trim(std::string_view(tags).substr(pos, end - pos)));
            if (!tag.empty() && std::find(d.tags.begin(), d.tags.end(), tag) == d.tags.end())
                d.tags.push_back(std::move(tag));
            pos = end + 1;
        }
        if (kind == "event") {
            if (d.mg_elemental > 0)
                fail("kind", "an event entry carries no magnesium: use kind supplement or dietary");
            if (d.tags.empty()) fail("tags", "missing: an event entry needs at least one tag");
        } else if (elemental_text.empty() && amount_text.empty()) {
            if (d.tags.empty())
                fail("mg_elemental", "missing: give mg_elemental, or amount_mg and form");
        }

        if (when) {
            if (when->has_offset) {
                d.time = when->utc();
                d.utc_offset_min = when->offset_min;
            } else if (auto offset = clock.known_offset_at_local(when->local)) {
                d.utc_offset_min = *offset;
                d.time = when->local - static_cast<UtcSeconds>(d.utc_offset_min) * 60;
            } else {
                d.time = when->local;
                log.local_time_doses.push_back(log.doses.size());
            }
        } else {
            d.date = day;
        }
        log.doses.push_back(std::move(d));
    }
};

void read_csv(Reader& r, std::string_view text) {
    CsvReader csv(text, r.file);
    CsvRecord rec;
    std::vector<std::string> header;
    std::uint32_t header_line = 0;
    auto is_comment = [](const CsvRecord& x) {
        return !x.fields.empty() && !trim(x.fields[0]).empty() && trim(x.fields[0])[0] == '#';
    };
    while (csv.next(rec)) {
        if (is_comment(rec)) continue;
        header_line = rec.line;
        for (const auto& h : rec.fields) {
            std::string name = lower(trim(h));
            if (name == "notes") name = "note";
            if (std::find(known_columns.begin(), known_columns.end(), name) == known_columns.end())
                throw ParseError(r.file, rec.line, "header",
                                 "unknown column " + quote_for_message(trim(h)) + "; expected " + column_list());
            if (std::find(header.begin(), header.end(), name) != header.end())
                throw ParseError(r.file, rec.line, "header", "column " + quote_for_message(name) + " appears twice");
            header.push_back(name);
        }
        break;
    }
    if (header.empty()) throw ParseError(r.file, 0, "header", "the file is empty: expected a header row (" + column_list() + ")");
    const bool has_date = std::find(header.begin(), header.end(), "date") != header.end();
    const bool has_time = std::find(header.begin(), header.end(), "time") != header.end();
    if (!has_date && !has_time)
        throw ParseError(r.file, header_line, "header", "needs a date or a time column");
    while (csv.next(rec)) {
        if (is_comment(rec)) continue;
        if (rec.fields.size() == 1 && trim(rec.fields[0]).empty()) continue;
        if (rec.fields.size() > header.size())
            throw ParseError(r.file, rec.line, "row",
                             "has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                                 std::to_string(header.size()));
        Fields f;
        for (std::size_t i = 0; i < rec.fields.size(); ++i) f[header[i]] = rec.fields[i];
        const std::uint32_t line = rec.line;
        r.entry(f, line, [&](const std::string& field, const std::string& detail) {
            throw ParseError(r.file, line, field, detail);
        });
    }
}

void read_json(Reader& r, std::string_view text) {
    using json_util::Json;
    const Json doc = json_util::parse_document(text, r.file);
    const Json* entries = &doc;
    if (doc.is_object()) {
        entries = json_util::member(doc, "entries");
        if (!entries) throw ParseError(r.file, 0, "entries", "missing: expected an array of entries or {\"entries\": [...]}");
    }
    if (!entries->is_array())
        throw ParseError(r.file, 0, "entries", "expected an array, got " + std::string(json_util::type_name(*entries)));
    std::uint32_t k = 0;
    for (const Json& e : *entries) {
        ++k;
        const std::string where = "entry " + std::to_string(k);
        if (!e.is_object())
            throw ParseError(r.file, where, "entry", "expected an object, got " + std::string(json_util::type_name(e)));
        Fields f;
        for (auto it = e.begin(); it != e.end(); ++it) {
            std::string key = lower(it.key());
            if (key == "notes") key = "note";
            if (std::find(known_columns.begin(), known_columns.end(), key) == known_columns.end())
                throw ParseError(r.file, where, it.key(), "unknown key; expected " + column_list());
            const Json& v = it.value();
            if (v.is_null()) continue;
            if (v.is_string()) f[key] = v.get<std::string>();
            else if (v.is_number()) f[key] = v.dump();
            else if (key == "tags" && v.is_array()) {
                std::string joined;
                for (const Json& t : v) {
                    if (!t.is_string())
                        throw ParseError(r.file, where, "tags", "expected strings, got " + std::string(json_util::type_name(t)));
                    joined += (joined.empty() ? "" : ";") + t.get<std::string>();
                }
                f[key] = joined;
            } else {
                throw ParseError(r.file, where, it.key(),
                                 "expected a string or a number, got " + std::string(json_util::type_name(v)));
            }
        }
        r.entry(f, k, [&](const std::string& field, const std::string& detail) {
            throw ParseError(r.file, where, field, detail);
        });
    }
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path, "cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw IoError(path, "read error");
    return ss.str();
}

}  // namespace

IntakeLog read_intake_log_text(std::string_view text, const std::string& display_name,
                               const ImportOptions& options) {
    Reader r{display_name, options, {}};
    const std::string_view body = strip_bom(text);
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        throw ParseError(display_name, 0, "header", "the file is empty: expected a header row (" + column_list() + ")");
    if (body[first] == '[' || body[first] == '{') read_json(r, body);
    else read_csv(r, body);
    return std::move(r.log);
}

IntakeLog read_intake(const std::string& path, const ImportOptions& options) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool is_dir = fs::is_directory(path, ec);
    const std::string ext = lower(fs::path(path).extension().string());
    if (!is_dir && (ext == ".csv" || ext == ".json" || ext == ".txt")) {
        return read_intake_log_text(read_text_file(path), path, options);
    }
    ImportBatch batch = import_paths({path}, options);
    IntakeLog log;
    log.doses = std::move(batch.doses);
    log.warnings = std::move(batch.warnings);
    if (log.doses.empty())
        log.warnings.push_back({path, 0, "no magnesium intake records found in this export"});
    return log;
}

}  // namespace sleeparch::importers
