// EDF+ hypnograms (Sleep-EDF `*-Hypnogram.edf` and other EDF+ files whose
// `EDF Annotations` signal holds sleep stages).
//
// The header's fixed-width ASCII fields are validated before any offset is
// derived from them (signal count, header size, samples per record, record
// count against the file size), so a hostile header is a ParseError, never a
// read out of bounds. Annotations are read from every `EDF Annotations`
// signal as TALs `+onset[\x15duration]\x14text\x14...\x14\0`; the first,
// time-keeping TAL of each data record has no text and is skipped.
//
// Labels: `Sleep stage W` Wake, `1` N1, `2` N2, `3` and `4` Deep (R&K stages
// 3 and 4 are both N3), `R` REM, `?` and `Movement time` Unscored; the AASM
// spellings `N1`, `N2`, `N3` are read too. Other annotations are ignored. An
// annotation without a duration lasts until the next stage annotation (the
// last one: one 30-s epoch).
//
// Start: `startdate` dd.mm.yy and `starttime` hh.mm.ss on the local clock
// without a zone. The year comes from the EDF+ recording field (`Startdate
// 24-APR-1989 ...`) when it has one, else yy 85-99 is 1985-1999 and 00-84 is
// 2000-2084 (the EDF clipping year 1985). The offset is --tz (a fixed offset
// or an IANA zone, read at the start of the kept period); without --tz the
// clock is read as UTC with the resolver's warning (timezone.hpp).
//
// Cropping: Sleep-EDF recordings run for about 20 hours, mostly Wake. Only
// the sleep period is kept: from the first sleep epoch (N1, N2, Deep, REM)
// minus `ImportOptions::edf_keep_wake_min` minutes to the end of the last
// sleep epoch plus the same, clamped to the scored recording. A recording
// without any sleep epoch yields no records and a warning. One recording is
// one session. Record::line holds the annotation's number in time order.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csv_reader.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "timezone.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::size_t kFixedHeader = 256;
constexpr std::size_t kSignalHeader = 256;
constexpr long kMaxSignals = 4096;
constexpr long kMaxSamplesPerRecord = 1L << 24;
// Onsets and durations beyond ten years are hostile, not recordings.
constexpr double kMaxSeconds = 10.0 * 366 * 24 * 3600;

std::string_view field_at(std::string_view text, std::size_t offset, std::size_t width) {
    return trim(text.substr(offset, width));
}

struct Header {
    std::string patient, recording, reserved;
    UtcSeconds local_start = 0;  // wall clock read as UTC
    std::string start_text;      // "1989-04-24 16:13:00" for messages
    long records = 0;
    double record_duration = 0;
    long signals = 0;
    std::size_t header_bytes = 0;
    std::size_t record_bytes = 0;
    std::vector<std::size_t> annotation_offsets;  // byte offset of each annotation signal in a record
    std::vector<std::size_t> annotation_sizes;
};

class HeaderReader {
public:
    HeaderReader(std::string_view text, const std::string& file) : text_(text), file_(file) {}

    [[noreturn]] void fail(const std::string& field, std::string_view value, const std::string& detail) const {
        throw ParseError(file_, std::string("header"), field + " " + quote_for_message(value), detail);
    }

    long integer(std::size_t offset, std::size_t width, const std::string& field, long lo, long hi) const {
        std::string_view v = field_at(text_, offset, width);
        long x = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) fail(field, v, "not an integer");
        if (x < lo || x > hi) {
            fail(field, v, "out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")");
        }
        return x;
    }

    double decimal(std::size_t offset, std::size_t width, const std::string& field) const {
        std::string_view v = field_at(text_, offset, width);
        double x = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(x) || x < 0 ||
            x > kMaxSeconds) {
            fail(field, v, "not a duration in seconds");
        }
        return x;
    }

private:
    std::string_view text_;
    const std::string& file_;
};

int two_digits(std::string_view s, std::size_t at) {
    if (at + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[at])) ||
        !std::isdigit(static_cast<unsigned char>(s[at + 1]))) {
        return -1;
    }
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// "Startdate 24-APR-1989 ..." -> 1989; nullopt when absent or "X".
std::optional<int> year_from_recording(std::string_view recording) {
    constexpr std::string_view key = "Startdate ";
    if (recording.substr(0, key.size()) != key) return std::nullopt;
    std::string_view date = recording.substr(key.size(), 11);
    if (date.size() != 11 || date[2] != '-' || date[6] != '-') return std::nullopt;
    int year = 0;
    auto [ptr, ec] = std::from_chars(date.data() + 7, date.data() + 11, year);
    if (ec != std::errc() || ptr != date.data() + 11 || year < 1985 || year > 2200) return std::nullopt;
    return year;
}

// The equipment code of an EDF+ recording field ("Startdate d h t equipment").
std::string equipment_from_recording(std::string_view recording) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < recording.size() && words.size() < 5) {
        while (i < recording.size() && recording[i] == ' ') ++i;
        std::size_t j = i;
        while (j < recording.size() && recording[j] != ' ') ++j;
        if (j > i) words.push_back(recording.substr(i, j - i));
        i = j;
    }
    if (words.size() < 5 || words[0] != "Startdate" || words[4] == "X") return {};
    return std::string(words[4]);
}

Header read_header(std::string_view text, const std::string& file) {
    if (text.size() < kFixedHeader) {
        throw ParseError(file, std::string("header"), "EDF header",
                         "truncated: " + std::to_string(text.size()) +
                             " bytes, the fixed header alone has 256");
    }
    for (std::size_t i = 0; i < kFixedHeader; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c > 0x7E) {
            throw ParseError(file, std::string("header"), "EDF header",
                             "byte " + std::to_string(i) + " is not printable ASCII");
        }
    }
    HeaderReader h(text, file);
    Header hd;
    if (field_at(text, 0, 8) != "0") h.fail("version", field_at(text, 0, 8), "expected \"0\"");
    hd.patient = std::string(field_at(text, 8, 80));
    hd.recording = std::string(field_at(text, 88, 80));
    hd.reserved = std::string(field_at(text, 192, 44));

    const std::string_view date = text.substr(168, 8);
    const std::string_view clock = text.substr(176, 8);
    const int dd = two_digits(date, 0), mm = two_digits(date, 3), yy = two_digits(date, 6);
    if (dd < 0 || mm < 0 || yy < 0 || date[2] != '.' || date[5] != '.') {
        h.fail("startdate", date, "expected dd.mm.yy");
    }
    const int hh = two_digits(clock, 0), mi = two_digits(clock, 3), ss = two_digits(clock, 6);
    if (hh < 0 || mi < 0 || ss < 0 || clock[2] != '.' || clock[5] != '.' || hh > 23 || mi > 59 ||
        ss > 59) {
        h.fail("starttime", clock, "expected hh.mm.ss");
    }
    int year = yy >= 85 ? 1900 + yy : 2000 + yy;
    if (auto y = year_from_recording(hd.recording); y && *y % 100 == yy) year = *y;
    char iso[32];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d", year, mm, dd, hh, mi, ss);
    ParsedTime start = parse_iso_datetime(iso);
    if (!start.ok) h.fail("startdate", date, start.error);
    hd.local_start = start.local;
    hd.start_text = std::string(iso);
    hd.start_text[10] = ' ';

    hd.signals = h.integer(252, 4, "number of signals", 1, kMaxSignals);
    const auto signals = static_cast<std::size_t>(hd.signals);
    const std::size_t expected_header = kFixedHeader + signals * kSignalHeader;
    hd.header_bytes = static_cast<std::size_t>(
        h.integer(184, 8, "header bytes", 0, static_cast<long>(kFixedHeader + kMaxSignals * kSignalHeader)));
    if (hd.header_bytes != expected_header) {
        h.fail("header bytes", field_at(text, 184, 8),
               "expected " + std::to_string(expected_header) + " for " + std::to_string(signals) +
                   " signals");
    }
    if (text.size() < hd.header_bytes) {
        throw ParseError(file, std::string("header"), "EDF header",
                         "truncated: " + std::to_string(text.size()) + " bytes, the header of " +
                             std::to_string(signals) + " signals has " + std::to_string(hd.header_bytes));
    }
    hd.record_duration = h.decimal(244, 8, "data record duration");

    const std::size_t labels = kFixedHeader;
    const std::size_t samples = kFixedHeader + signals * (16 + 80 + 8 * 5 + 80);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < signals; ++i) {
        const std::string n_field = "signal " + std::to_string(i + 1) + " samples per record";
        const long n = h.integer(samples + i * 8, 8, n_field, 0, kMaxSamplesPerRecord);
        if (field_at(text, labels + i * 16, 16) == "EDF Annotations") {
            hd.annotation_offsets.push_back(offset);
            hd.annotation_sizes.push_back(static_cast<std::size_t>(n) * 2);
        }
        offset += static_cast<std::size_t>(n) * 2;
    }
    hd.record_bytes = offset;

    const std::size_t data_bytes = text.size() - hd.header_bytes;
    const long max_records = hd.record_bytes == 0
                                 ? 0
                                 : static_cast<long>(std::min<std::size_t>(data_bytes / hd.record_bytes, 1L << 30));
    if (field_at(text, 236, 8) == "-1") {
        hd.records = max_records;
    } else {
        hd.records = h.integer(236, 8, "number of data records", 0, 99999999);
        if (hd.record_bytes > 0 && hd.records > max_records) {
            h.fail("number of data records", field_at(text, 236, 8),
                   "the file is truncated: it holds " + std::to_string(data_bytes) +
                       " bytes of data records, " + std::to_string(hd.records) + " records need " +
                       std::to_string(static_cast<unsigned long long>(hd.records) * hd.record_bytes));
        }
    }
    // Records without samples hold no annotations: nothing to read.
    if (hd.record_bytes == 0) hd.records = 0;
    return hd;
}

struct Annotation {
    double onset = 0;
    std::optional<double> duration;
    Stage stage = Stage::Unscored;
};

std::optional<Stage> edf_stage(std::string_view text) {
    constexpr std::string_view prefix = "Sleep stage ";
    if (text == "Movement time") return Stage::Unscored;
    if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
    const std::string_view code = text.substr(prefix.size());
    if (code == "W") return Stage::Wake;
    if (code == "1" || code == "N1") return Stage::N1;
    if (code == "2" || code == "N2") return Stage::N2;
    if (code == "3" || code == "4" || code == "N3") return Stage::Deep;
    if (code == "R") return Stage::REM;
    if (code == "?") return Stage::Unscored;
    return std::nullopt;
}

// Parses "+123.5" / "-2" (TAL onset or duration).
std::optional<double> tal_number(std::string_view s, bool signed_number) {
    if (signed_number) {
        if (s.empty() || (s[0] != '+' && s[0] != '-')) return std::nullopt;
    }
    bool negative = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return std::nullopt;
    }
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v) || v > kMaxSeconds) {
        return std::nullopt;
    }
    return negative ? -v : v;
}

void read_tals(std::string_view bytes, const std::string& file, long record,
               std::vector<Annotation>& out) {
    const std::string location = "data record " + std::to_string(record + 1);
    std::size_t i = 0;
    while (i < bytes.size()) {
        if (bytes[i] == '\0') {
            ++i;
            continue;
        }
        const std::size_t end = bytes.find('\0', i);
        if (end == std::string_view::npos) {
            throw ParseError(file, location, "annotation " + quote_for_message(bytes.substr(i)),
                             "TAL not ended by a zero byte");
        }
        const std::string_view tal = bytes.substr(i, end - i);
        i = end + 1;
        const std::size_t first = tal.find('\x14');
        if (first == std::string_view::npos || tal.back() != '\x14') {
            throw ParseError(file, location, "annotation " + quote_for_message(tal),
                             "TAL without the closing \\x14");
        }
        std::string_view time = tal.substr(0, first);
        Annotation a;
        const std::size_t dur = time.find('\x15');
        const auto onset = tal_number(time.substr(0, dur), true);
        if (!onset) {
            throw ParseError(file, location, "annotation " + quote_for_message(tal),
                             "onset is not a signed number of seconds");
        }
        a.onset = *onset;
        if (dur != std::string_view::npos) {
            const auto d = tal_number(time.substr(dur + 1), false);
            if (!d || *d < 0) {
                throw ParseError(file, location, "annotation " + quote_for_message(tal),
                                 "duration is not a number of seconds");
            }
            a.duration = *d;
        }
        std::string_view texts = tal.substr(first + 1);
        while (!texts.empty()) {
            const std::size_t cut = texts.find('\x14');
            const std::string_view text = texts.substr(0, cut);
            texts.remove_prefix(cut == std::string_view::npos ? texts.size() : cut + 1);
            if (auto stage = edf_stage(text)) {
                a.stage = *stage;
                out.push_back(a);
            }
        }
    }
}

class EdfImporter final : public Importer {
public:
    std::string_view id() const override { return "edf_hypnogram"; }
    std::string_view description() const override {
        return "EDF+ hypnograms (Sleep-EDF *-Hypnogram.edf): 30-s stages from annotations, cropped "
               "to the sleep period";
    }
    std::string_view recognition() const override {
        return "EDF header (version \"0\", reserved \"EDF+C\"/\"EDF+D\") with an \"EDF Annotations\" "
               "signal";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        if (head.size() < kFixedHeader || head.substr(0, 8) != "0       ") return false;
        const std::string_view reserved = head.substr(192, 5);
        if (reserved != "EDF+C" && reserved != "EDF+D") return false;
        long signals = 0;
        const std::string_view ns = trim(head.substr(252, 4));
        auto [ptr, ec] = std::from_chars(ns.data(), ns.data() + ns.size(), signals);
        if (ec != std::errc() || signals < 1 || signals > kMaxSignals) return false;
        const auto count = static_cast<std::size_t>(signals);
        if (head.size() < kFixedHeader + count * 16) return true;
        for (std::size_t i = 0; i < count; ++i) {
            if (trim(head.substr(kFixedHeader + i * 16, 16)) == "EDF Annotations") return true;
        }
        return false;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions& options,
              ImportBatch& out) const override {
        const std::string text = read_all(source);
        const std::uint32_t file_index = out.add_file(display_name);
        const Header hd = read_header(text, display_name);
        if (hd.annotation_offsets.empty()) {
            throw ParseError(display_name, std::string("header"), "signal labels",
                             "no \"EDF Annotations\" signal: this EDF file holds signals, not a "
                             "hypnogram (Sleep-EDF keeps the stages in the matching *-Hypnogram.edf)");
        }

        std::vector<Annotation> annotations;
        for (long r = 0; r < hd.records; ++r) {
            const std::size_t base = hd.header_bytes + static_cast<std::size_t>(r) * hd.record_bytes;
            for (std::size_t k = 0; k < hd.annotation_offsets.size(); ++k) {
                read_tals(std::string_view(text).substr(base + hd.annotation_offsets[k], hd.annotation_sizes[k]),
                          display_name, r, annotations);
            }
        }
        if (annotations.empty()) {
            out.warnings.push_back(Warning{display_name, 0, "no sleep stage annotations"});
            return;
        }
        std::stable_sort(annotations.begin(), annotations.end(),
                         [](const Annotation& a, const Annotation& b) { return a.onset < b.onset; });

        // Intervals in whole seconds from the recording start.
        struct Interval {
            std::int64_t start, end;
            Stage stage;
            std::size_t index;
        };
        std::vector<Interval> intervals;
        for (std::size_t i = 0; i < annotations.size(); ++i) {
            const Annotation& a = annotations[i];
            const auto start = static_cast<std::int64_t>(std::llround(a.onset));
            std::int64_t end = 0;
            if (a.duration) {
                end = start + static_cast<std::int64_t>(std::llround(*a.duration));
            } else if (i + 1 < annotations.size()) {
                end = static_cast<std::int64_t>(std::llround(annotations[i + 1].onset));
            } else {
                end = start + 30;
            }
            if (end > start) intervals.push_back(Interval{start, end, a.stage, i + 1});
        }

        std::optional<std::int64_t> first_sleep, last_sleep;
        std::int64_t lo = 0, hi = 0;
        bool any = false;
        for (const Interval& iv : intervals) {
            lo = any ? std::min(lo, iv.start) : iv.start;
            hi = any ? std::max(hi, iv.end) : iv.end;
            any = true;
            if (is_sleep(iv.stage)) {
                first_sleep = first_sleep ? std::min(*first_sleep, iv.start) : iv.start;
                last_sleep = last_sleep ? std::max(*last_sleep, iv.end) : iv.end;
            }
        }
        if (!first_sleep) {
            out.warnings.push_back(Warning{display_name, 0,
                                           "no sleep epoch in the recording (only Wake, ? and "
                                           "movement): nothing imported"});
            return;
        }
        const std::int64_t keep = static_cast<std::int64_t>(std::clamp(options.edf_keep_wake_min, 0, 24 * 60)) * 60;
        const std::int64_t crop_lo = std::max(lo, *first_sleep - keep);
        const std::int64_t crop_hi = std::min(hi, *last_sleep + keep);

        // The clock read at the start of the kept period places it (the
        // resolver: --tz, else UTC with its warning); later instants are that
        // start plus elapsed seconds, so a DST change inside the night cannot
        // tear the hypnogram apart. With a zone, each record carries the
        // offset in force at its start.
        ClockResolver clock(options, display_name, out);
        const std::int32_t offset = clock.offset_at_local(hd.local_start + crop_lo);
        const TimeZone* zone = clock.user_zone() ? &*clock.user_zone() : nullptr;
        const UtcSeconds t0 = hd.local_start - static_cast<UtcSeconds>(offset) * 60;

        std::int64_t epoch = 0;
        for (const Interval& iv : intervals) epoch = std::gcd(epoch, iv.end - iv.start);

        Source src;
        src.format = std::string(id());
        src.device = equipment_from_recording(hd.recording);
        src.name = src.device.empty() ? "EDF+" : src.device;
        src.version = hd.reserved;
        const int source_index = out.add_source(src);

        for (const Interval& iv : intervals) {
            const std::int64_t s = std::max(iv.start, crop_lo);
            const std::int64_t e = std::min(iv.end, crop_hi);
            if (e <= s) continue;
            Record r;
            r.start = t0 + s;
            r.end = t0 + e;
            r.kind = RecordKind::Stage;
            r.stage = iv.stage;
            r.utc_offset_min = zone ? zone->offset_at_utc(r.start) : offset;
            r.source = source_index;
            r.session = display_name;
            r.file = file_index;
            r.line = static_cast<std::uint32_t>(iv.index);
            r.epoch_s = epoch > 0 && epoch <= 60 ? static_cast<std::int32_t>(epoch) : 0;
            out.records.push_back(std::move(r));
        }
    }
};

}  // namespace

const Importer& edf_importer() {
    static const EdfImporter importer;
    return importer;
}

}  // namespace sleeparch::importers
