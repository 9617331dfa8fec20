// Fitbit Takeout nightly HRV and daily resting heart rate (FORMATS.md §
// Fitbit, METRICS.md §8):
//
// - `Heart Rate Variability/Daily Heart Rate Variability Summary - YYYY-MM-(D).csv`
//   with the header `timestamp,rmssd,nremhr,entropy`: one row per night,
//   Fitbit's RMSSD for the main sleep ending on the row's date. The file
//   name's date can be a day off the rows', so the row's own timestamp
//   dates the value (the vendor's nightly value of the night labelled so).
// - `Global Export Data/resting_heart_rate-YYYY-MM-DD.json`: an array of
//   `{"dateTime": "MM/DD/YY HH:MM:SS", "value": {"date": "MM/DD/YY",
//   "value": 58.5, "error": 8.6}}`, the daily resting heart rate stamped on
//   its date; days without one are padded as `{"date": null, "value": 0}`
//   and skipped silently.
//
// Both are one source with the sleep logs (vendor "fitbit", name "Fitbit"),
// so the values reach the nights of the Fitbit JSON and CSVs.
#include <charconv>
#include <string>
#include <string_view>

#include "csv_reader.hpp"
#include "json_util.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/vitals.hpp"

namespace sleeparch::importers {

namespace {

using json_util::Json;
using json_util::Where;

Source vitals_source() {
    Source s{"fitbit_vitals", "Fitbit", "", ""};
    s.vendor = "fitbit";
    return s;
}

bool has_cell(const std::vector<std::string>& header, std::string_view name) {
    return find_column(header, name).has_value();
}

bool is_hrv_header(std::string_view line) {
    return line.find("rmssd") != std::string_view::npos && line.find("timestamp") != std::string_view::npos &&
           line.find("nremhr") != std::string_view::npos;
}

// "MM/DD/YY" (Fitbit's legacy exports; years 2000-2099), the leading part
// of a longer stamp ("05/01/20 00:00:00") included.
std::optional<boost::gregorian::date> us_date(std::string_view text) {
    if (text.size() < 8 || text[2] != '/' || text[5] != '/') return std::nullopt;
    auto number = [&](std::size_t at, std::size_t n) -> int {
        int v = -1;
        const auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + at + n, v);
        return ec == std::errc() && ptr == text.data() + at + n ? v : -1;
    };
    const int m = number(0, 2), d = number(3, 2), y = number(6, 2);
    if (m < 1 || m > 12 || d < 1 || y < 0) return std::nullopt;
    try {
        return boost::gregorian::date(2000 + y, m, d);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

class FitbitVitalsImporter final : public Importer {
public:
    std::string_view id() const override { return "fitbit_vitals"; }
    std::string_view description() const override {
        return "Fitbit Takeout nightly HRV (Daily Heart Rate Variability Summary CSV, RMSSD) and daily resting "
               "heart rate (resting_heart_rate-*.json)";
    }
    std::string_view recognition() const override {
        return "CSV header timestamp,rmssd,nremhr,entropy; JSON array named resting_heart_rate-*.json";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        if (is_hrv_header(first_line(head))) return true;
        return name.starts_with("resting_heart_rate") && json_util::first_json_char(head) == '[' &&
               json_util::has_key(head, "dateTime");
    }
    void read(ByteSource& source, const std::string& display_name, const ImportOptions&,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const int src = out.add_source(vitals_source());
        VitalScreen screen(out, display_name);
        if (is_hrv_header(first_line(text))) read_hrv(text, display_name, src, screen);
        else read_resting(text, display_name, src, screen);
        screen.finish();
    }

private:
    static void read_hrv(const std::string& text, const std::string& file, int src, VitalScreen& screen) {
        CsvReader csv(text, file);
        CsvRecord header;
        if (!csv.next(header)) throw ParseError(file, 0, "", "empty file");
        if (!has_cell(header.fields, "timestamp") || !has_cell(header.fields, "rmssd"))
            throw ParseError(file, header.line, "header", "expected the columns timestamp and rmssd");
        const std::size_t ts_col = *find_column(header.fields, "timestamp");
        const std::size_t rmssd_col = *find_column(header.fields, "rmssd");
        CsvRecord row;
        while (csv.next(row)) {
            auto field = [&](std::size_t c) { return c < row.fields.size() ? trim(row.fields[c]) : std::string_view(); };
            const std::string_view ts = field(ts_col), v = field(rmssd_col);
            if (v.empty()) continue;  // a night without a measurement
            const ParsedTime t = json_util::parse_time_text(ts);
            if (!t.ok) throw ParseError(file, row.line, "timestamp " + quote_for_message(ts), t.error);
            double value = 0;
            const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
            if (ec != std::errc() || ptr != v.data() + v.size())
                throw ParseError(file, row.line, "rmssd " + quote_for_message(v), "expected a number (ms)");
            VitalReading r;
            r.kind = VitalKind::HrvRmssd;
            r.basis = VitalBasis::Nightly;
            r.value = value;
            // The stamp is the local date of the night's end (its clock part, 00:00, says nothing).
            r.date = local_date(t.local, 0);
            r.source = src;
            r.line = row.line;
            r.origin = "Fitbit Daily Heart Rate Variability Summary rmssd";
            screen.add(std::move(r));
        }
    }

    static void read_resting(const std::string& text, const std::string& file, int src, VitalScreen& screen) {
        const Json doc = json_util::parse_document(text, file);
        const Where top{file, ""};
        if (!doc.is_array()) json_util::fail_type(top, "JSON", "an array of daily resting heart rates", doc);
        std::uint32_t index = 0;
        for (const Json& item : doc) {
            ++index;
            const Where where{file, "record " + std::to_string(index)};
            if (!item.is_object()) json_util::fail_type(where, "record", "an object", item);
            const Json* value = json_util::opt_object(item, "value", where);
            if (!value) continue;
            const auto day = json_util::opt_string(*value, "date", where, "value.date");
            const auto bpm = json_util::opt_number(*value, "value", where, "value.value");
            if (!day || !bpm) continue;  // Fitbit's padding for days without a value
            const auto date = us_date(*day);
            if (!date) json_util::fail(where, "value.date \"" + std::string(*day) + "\"", "expected MM/DD/YY");
            VitalReading r;
            r.kind = VitalKind::RestingHr;
            r.basis = VitalBasis::Daily;
            r.value = *bpm;
            r.date = *date;
            r.source = src;
            r.line = index;
            r.origin = "Fitbit resting_heart_rate value";
            screen.add(std::move(r));
        }
    }
};

}  // namespace

const Importer& fitbit_vitals_importer() {
    static const FitbitVitalsImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
