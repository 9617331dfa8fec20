// Apple Health importer: the real sample, inline fixtures for every defect
// FORMATS.md lists, night assembly over several sources, zips (localised
// entry name, ZIP64, truncated) and chunk boundaries.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/random.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"
#include "../../importers/src/timezone.hpp"

namespace sleeparch {
namespace {

using importers::import_buffer;
using importers::import_paths;
using importers::ImportOptions;

const ImportOptions kOptions;

// A complete export around `body`, with the DTD Apple writes (abridged).
std::string export_xml(const std::string& body, const std::string& dtd_attlist_end = ">") {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<!DOCTYPE HealthData [\n"
           "<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout)*)>\n"
           "<!ATTLIST HealthData\n"
           "  locale CDATA #REQUIRED\n" +
           dtd_attlist_end +
           "\n"
           "<!ATTLIST Record\n"
           "  type          CDATA #REQUIRED\n"
           "  value         CDATA #IMPLIED\n"
           ">\n"
           "]>\n"
           "<HealthData locale=\"en_US\">\n"
           " <ExportDate value=\"2024-03-20 08:00:00 -0700\"/>\n" +
           body + "</HealthData>\n";
}

// One sleep record line (with the HKTimeZone child when `tz` is set).
std::string sleep(const std::string& source, const std::string& start, const std::string& end,
                  const std::string& value, const std::string& tz = "",
                  const std::string& extra = "") {
    std::string s = " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"" + source +
                    "\" sourceVersion=\"10.3\"" + extra + " creationDate=\"" + end + "\" startDate=\"" +
                    start + "\" endDate=\"" + end + "\" value=\"HKCategoryValueSleepAnalysis" + value +
                    "\"";
    if (tz.empty()) return s + "/>\n";
    return s + ">\n  <MetadataEntry key=\"HKTimeZone\" value=\"" + tz + "\"/>\n </Record>\n";
}

std::string heart_rate(const std::string& at, const std::string& value = "61") {
    return " <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"Watch\" unit=\"count/min\" "
           "creationDate=\"" +
           at + "\" startDate=\"" + at + "\" endDate=\"" + at + "\" value=\"" + value + "\"/>\n";
}

UtcSeconds utc(const std::string& text) {
    const ParsedTime p = parse_iso_datetime(text);
    EXPECT_TRUE(p.ok) << text;
    return p.utc();
}

TEST(AppleHealthImporter, RecognisesByContent) {
    const importers::Importer* imp = importers::find_importer("apple_health");
    ASSERT_NE(imp, nullptr);
    EXPECT_TRUE(imp->recognises("导出.xml", export_xml("")));
    EXPECT_TRUE(imp->recognises("x", "<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT"));
    EXPECT_FALSE(imp->recognises("export_cda.xml",
                                 "<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\">"));
    EXPECT_FALSE(imp->recognises("export.xml", "{\"HealthData\": 1}"));
    EXPECT_FALSE(imp->recognises("export.xml", ""));
}

TEST(AppleHealthImporter, RealSampleRecordsAndAssembly) {
    const auto path = testing::sample("apple_health/sleep_fragment_hellomyzn.xml");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    const ImportBatch b = import_paths({path.string()}, kOptions);
    ASSERT_EQ(b.records.size(), 5u);
    EXPECT_TRUE(b.warnings.empty());
    ASSERT_EQ(b.sources.size(), 2u);
    EXPECT_EQ(b.sources[0].format, "apple_health");
    EXPECT_EQ(b.sources[0].name, "AutoSleep");
    EXPECT_EQ(b.sources[0].version, "6.14.0");
    EXPECT_EQ(b.sources[1].name, "my\u2019s Apple Watch");
    EXPECT_EQ(b.sources[1].version, "10.6.1");

    const Record& autosleep = b.records[0];
    EXPECT_EQ(autosleep.stage, Stage::Asleep);
    EXPECT_EQ(autosleep.kind, RecordKind::Stage);
    EXPECT_EQ(autosleep.start, utc("2025-01-18 06:59:00 +0900"));
    EXPECT_EQ(autosleep.end, utc("2025-01-18 08:13:00 +0900"));
    EXPECT_EQ(autosleep.created, utc("2025-01-18 19:45:22 +0900"));
    EXPECT_EQ(autosleep.utc_offset_min, 540);
    EXPECT_EQ(autosleep.line, 8u);
    EXPECT_EQ(autosleep.tz_name, "");

    const Record& rem = b.records[1];
    EXPECT_EQ(rem.stage, Stage::REM);
    EXPECT_EQ(rem.source, 1);
    EXPECT_EQ(rem.start, utc("2025-01-18 08:03:53 +0900"));
    EXPECT_EQ(rem.end, utc("2025-01-18 08:32:23 +0900"));
    EXPECT_EQ(rem.tz_name, "Asia/Tokyo");
    EXPECT_EQ(rem.line, 10u);
    EXPECT_EQ(b.records[2].stage, Stage::Light);
    EXPECT_EQ(b.records[3].kind, RecordKind::InBed);
    EXPECT_EQ(b.records[3].start, utc("2025-01-18 06:40:23 +0900"));
    EXPECT_EQ(b.records[4].stage, Stage::Wake);
    EXPECT_EQ(b.records[4].line, 19u);

    // The Watch's staged night wins; AutoSleep's unstaged record is not mixed in.
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.source.name, "my\u2019s Apple Watch");
    for (const Segment& s : n.segments) EXPECT_NE(s.stage, Stage::Asleep);
    EXPECT_EQ(n.window_start, utc("2025-01-18 06:40:23 +0900"));
    EXPECT_EQ(n.window_end, utc("2025-01-18 09:13:23 +0900"));
    ASSERT_EQ(n.provenance.dropped_sources.size(), 1u);
    EXPECT_NE(n.provenance.dropped_sources[0].find("AutoSleep"), std::string::npos);
    EXPECT_EQ(n.label_date, boost::gregorian::date(2025, 1, 18));
}

TEST(AppleHealthImporter, Ios16MalformedDtdDoesNotStopTheImport) {
    // iOS 16: an ATTLIST without its closing '>'.
    const std::string xml =
        export_xml(sleep("Watch", "2024-03-18 23:00:00 -0700", "2024-03-19 06:00:00 -0700", "AsleepCore"),
                   "");
    const ImportBatch b = import_buffer(xml, "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_TRUE(b.warnings.empty());
    EXPECT_EQ(b.records[0].stage, Stage::Light);
}

TEST(AppleHealthImporter, StrayVerticalTabInAnUnrelatedRecordIsHarmless) {
    const std::string xml = export_xml(heart_rate("2024-03-18 22:00:00 -0700", "6\x0b" "1") +
                                       sleep("Watch", "2024-03-18 23:00:00 -0700",
                                             "2024-03-19 06:00:00 -0700", "AsleepDeep"));
    const ImportBatch b = import_buffer(xml, "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_TRUE(b.warnings.empty());
    EXPECT_EQ(b.records[0].stage, Stage::Deep);
}

TEST(AppleHealthImporter, DecodesEntitiesCharacterReferencesAndUtf8) {
    const std::string device =
        "&lt;&lt;HKDevice: 0x283a1c0&gt;, name:Apple Watch, manufacturer:Apple Inc., "
        "model:Watch, hardware:Watch6,2, software:10.3&gt;";
    const std::string xml = export_xml(
        sleep("Anna&#8217;s Apple Watch", "2024-03-18 23:00:00 -0700", "2024-03-19 06:00:00 -0700",
              "AsleepREM", "America/Los_Angeles", " device=\"" + device + "\"") +
        sleep("Zo\xC3\xAB&#x2019;s iPhone &amp; co", "2024-03-18 22:50:00 -0700",
              "2024-03-19 06:10:00 -0700", "InBed"));
    const ImportBatch b = import_buffer(xml, "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 2u);
    ASSERT_EQ(b.sources.size(), 2u);
    EXPECT_EQ(b.sources[0].name, "Anna\u2019s Apple Watch");
    EXPECT_EQ(b.sources[0].device,
              "<<HKDevice: 0x283a1c0>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
              "hardware:Watch6,2, software:10.3>");
    EXPECT_EQ(b.sources[0].version, "10.3");
    EXPECT_EQ(b.sources[1].name, "Zo\u00eb\u2019s iPhone & co");
    EXPECT_EQ(b.records[0].tz_name, "America/Los_Angeles");
    EXPECT_EQ(b.records[0].utc_offset_min, -420);
}

// Everything an import gives, as text, for comparing two imports.
std::string describe(const ImportBatch& b) {
    std::ostringstream o;
    for (const auto& s : b.sources) o << "source " << s.name << "|" << s.device << "|" << s.version << "\n";
    for (const auto& r : b.records)
        o << "record " << r.start << " " << r.end << " " << static_cast<int>(r.stage) << " "
          << static_cast<int>(r.kind) << " " << r.source << " " << r.utc_offset_min << " " << r.created << " "
          << r.tz_name << " " << r.line << "\n";
    for (const auto& d : b.doses)
        o << "dose " << (d.time ? *d.time : -1) << " " << d.mg_elemental << " " << d.source << " " << d.line << "\n";
    for (const auto& v : b.vitals)
        o << "vital " << static_cast<int>(v.kind) << " " << v.value << " " << v.start << " " << (v.date.is_special() ? -1 : static_cast<long>(v.date.day_number())) << " "
          << v.source << " " << v.line << "\n";
    for (const auto& w : b.warnings) o << "warning " << w.line << " " << w.message << "\n";
    return o.str();
}

ImportBatch import_with_plain_tags(const std::string& xml, bool plain) {
    if (plain) ::unsetenv("SLEEPARCH_APPLE_PLAIN_TAGS");
    else ::setenv("SLEEPARCH_APPLE_PLAIN_TAGS", "0", 1);
    ImportBatch b = import_buffer(xml, "export.xml", kOptions);
    ::unsetenv("SLEEPARCH_APPLE_PLAIN_TAGS");
    return b;
}

// The kept elements read without expat (plain_element) give what expat
// gives, element for element: seeded random records built from the pieces
// real exports have and from what such a reader gets wrong (entities,
// character references, UTF-8, quotes, whitespace, duplicates, children,
// comments, values expat rejects or normalises).
TEST(AppleHealthImporter, ElementsReadWithoutExpatMatchExpat) {
    const std::vector<std::string> types = {
        "HKCategoryTypeIdentifierSleepAnalysis", "HKQuantityTypeIdentifierDietaryMagnesium",
        "HKQuantityTypeIdentifierHeartRateVariabilitySDNN", "HKQuantityTypeIdentifierRestingHeartRate"};
    const std::vector<std::string> good_names = {
        "Anna&#8217;s Apple Watch", "Zo\xC3\xAB&#x2019;s iPhone &amp; co", "Watch", "a&lt;b&gt;c&quot;&apos;",
        "four\xF0\x9F\x98\x80byte", "&#65;&#x42;", "x>y", "&#x9;tabref"};
    const std::vector<std::string> names = {
        "bad&#0;ref", "bad&#xD800;ref", "big&#x110000;", "bad&nbsp;entity", "tab\there", "nl\nhere",
        "raw<lt", "bad\xC3(utf8", "over\xC0\xAFlong", "surrogate\xED\xA0\x80", "noncharacter\xEF\xBF\xBE",
        "four\xF0\x9F\x98\x80byte", "&#x9;tabref", "amp&amp", "&#65;&#x42;", "&#xZZ;", "&#;", "x>y"};
    const std::vector<std::string> values = {"AsleepREM", "AsleepCore", "InBed", "Awake", "AsleepDeep", "Bogus"};
    Xoshiro256ss g(42);
    auto pick = [&](const auto& v) -> const auto& { return v[g.bounded(v.size())]; };
    std::string body;
    for (int k = 0; k < 2000; ++k) {
        const std::string& type = pick(types);
        const bool sleep_kind = type == types[0];
        const char q = g.bounded(5) == 0 ? '\'' : '"';
        auto attr = [&](const std::string& name, const std::string& value) {
            const std::string eq = g.bounded(8) == 0 ? " = " : "=";
            const std::string ws = g.bounded(10) == 0 ? "\n   " : (g.bounded(10) == 0 ? "" : " ");
            return ws + name + eq + q + value + q;
        };
        const int day = 1 + static_cast<int>(g.bounded(20));
        const std::string date = "2024-03-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
        std::string e =
            " <Record" + attr("type", type) + attr("sourceName", g.bounded(4) == 0 ? pick(names) : pick(good_names));
        if (g.bounded(3) == 0) e += attr("device", "&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch&gt;");
        if (g.bounded(12) == 0) e += attr("sourceName", "dup");
        if (g.bounded(12) == 0) e += attr("extra.attr-x:y", "1");
        e += attr("unit", sleep_kind ? "" : type == types[1] ? "mg" : type == types[2] ? "ms" : "count/min");
        e += attr("creationDate", date + " 07:00:00 -0700");
        const int minute = static_cast<int>(g.bounded(50));
        const std::string mm = (minute < 10 ? "0" : "") + std::to_string(minute);
        e += attr("startDate", date + " 01:" + mm + ":00 -0700") + attr("endDate", date + " 02:" + mm + ":00 -0700");
        e += attr("value", sleep_kind ? "HKCategoryValueSleepAnalysis" + pick(values)
                                      : std::to_string(20 + g.bounded(60)) + (g.bounded(10) == 0 ? "x" : ".5"));
        switch (g.bounded(9)) {
            case 0:
            case 1:
            case 2:
                e += g.bounded(2) ? "/>\n" : " />\n";
                break;
            case 3:
                e += ">\n  <MetadataEntry key=\"HKTimeZone\" value=\"America/Los_Angeles\"/>\n </Record>\n";
                break;
            case 4:
                e += ">\n  <MetadataEntry key='HKTimeZone' value='Europe/Berlin' />\n  <MetadataEntry "
                     "key=\"HKTimeZone\" value=\"Asia/Tokyo\"/>\n </Record >\n";
                break;
            case 5:
                e += "><MetadataEntry key=\"HKWasUserEntered\" value=\"1\"/></Record>\n";
                break;
            case 6:
                e += ">\n  <HeartRateVariabilityMetadataList>\n   <InstantaneousBeatsPerMinute bpm=\"60\" "
                     "time=\"1:00:00.00 AM\"/>\n  </HeartRateVariabilityMetadataList>\n </Record>\n";
                break;
            case 7:
                e += ">\n  <!-- a comment -->\n  <MetadataEntry key=\"HKTimeZone\" value=\"UTC\"/>\n </Record>\n";
                break;
            default:
                e += ">\n  text <MetadataEntry key=\"HKTimeZone\" value=\"UTC\"></MetadataEntry>\n </Record>\n";
                break;
        }
        body += e;
    }
    const std::string xml = export_xml(body);
    const ImportBatch with_expat = import_with_plain_tags(xml, false);
    const ImportBatch plain = import_with_plain_tags(xml, true);
    // The mix keeps most elements and skips some with warnings.
    EXPECT_GT(with_expat.records.size(), 100u);
    EXPECT_GT(with_expat.doses.size(), 50u);
    EXPECT_GT(with_expat.vitals.size(), 100u);
    EXPECT_GT(with_expat.warnings.size(), 20u);
    EXPECT_EQ(describe(plain), describe(with_expat));
}

TEST(AppleHealthImporter, OneSourceWinsWhenWatchPhoneAndAppOverlap) {
    const std::string tz = "Europe/Berlin";
    std::string body;
    // Watch: InBed with Core/Deep/REM/Awake inside.
    body += sleep("Anna’s Apple Watch", "2024-03-04 22:30:00 +0100", "2024-03-05 06:30:00 +0100", "InBed", tz);
    body += sleep("Anna’s Apple Watch", "2024-03-04 22:45:00 +0100", "2024-03-05 01:00:00 +0100", "AsleepCore", tz);
    body += sleep("Anna’s Apple Watch", "2024-03-05 01:00:00 +0100", "2024-03-05 02:30:00 +0100", "AsleepDeep", tz);
    body += sleep("Anna’s Apple Watch", "2024-03-05 02:30:00 +0100", "2024-03-05 02:40:00 +0100", "Awake", tz);
    body += sleep("Anna’s Apple Watch", "2024-03-05 02:40:00 +0100", "2024-03-05 04:00:00 +0100", "AsleepREM", tz);
    body += sleep("Anna’s Apple Watch", "2024-03-05 04:00:00 +0100", "2024-03-05 06:15:00 +0100", "AsleepCore", tz);
    // iPhone: in bed only.
    body += sleep("Anna’s iPhone", "2024-03-04 22:00:00 +0100", "2024-03-05 07:00:00 +0100", "InBed");
    // Third-party app: unstaged sleep over the same night.
    body += sleep("AutoSleep", "2024-03-04 22:40:00 +0100", "2024-03-05 06:20:00 +0100", "AsleepUnspecified");
    const ImportBatch b = import_buffer(export_xml(body), "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 8u);
    ASSERT_EQ(b.sources.size(), 3u);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const Night& n = r.nights[0];
    EXPECT_EQ(n.source.name, "Anna’s Apple Watch");
    EXPECT_FALSE(n.is_nap);
    // Only the Watch's records: its window, no unstaged sleep from AutoSleep.
    EXPECT_EQ(n.window_start, utc("2024-03-04 22:30:00 +0100"));
    EXPECT_EQ(n.window_end, utc("2024-03-05 06:30:00 +0100"));
    for (const Segment& s : n.segments) EXPECT_NE(s.stage, Stage::Asleep);
    ASSERT_EQ(n.provenance.dropped_sources.size(), 1u);
    EXPECT_NE(n.provenance.dropped_sources[0].find("AutoSleep"), std::string::npos);
    EXPECT_EQ(r.stats.sessions_without_sleep, 1u);  // the iPhone's in-bed session
    EXPECT_EQ(n.label_date, boost::gregorian::date(2024, 3, 5));
}

TEST(AppleHealthImporter, FindsNaps) {
    std::string body;
    body += sleep("Watch", "2024-03-04 23:00:00 +0100", "2024-03-05 03:00:00 +0100", "AsleepCore");
    body += sleep("Watch", "2024-03-05 03:00:00 +0100", "2024-03-05 07:00:00 +0100", "AsleepDeep");
    body += sleep("Watch", "2024-03-05 14:00:00 +0100", "2024-03-05 14:35:00 +0100", "AsleepCore");
    const ImportBatch b = import_buffer(export_xml(body), "export.xml", kOptions);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 2u);
    EXPECT_FALSE(r.nights[0].is_nap);
    EXPECT_TRUE(r.nights[1].is_nap);
    EXPECT_EQ(r.nights[1].window_start, utc("2024-03-05 14:00:00 +0100"));
    EXPECT_EQ(r.nights[1].label_date, boost::gregorian::date(2024, 3, 5));
}

TEST(AppleHealthImporter, NightAcrossDaylightSavingChange) {
    // US spring forward on 2024-03-10 at 02:00 PST: the record ends in PDT.
    const std::string tz = "America/Los_Angeles";
    std::string body;
    body += sleep("Watch", "2024-03-09 23:00:00 -0800", "2024-03-10 01:30:00 -0800", "AsleepCore", tz);
    body += sleep("Watch", "2024-03-10 01:30:00 -0800", "2024-03-10 03:30:00 -0700", "AsleepDeep", tz);
    body += sleep("Watch", "2024-03-10 03:30:00 -0700", "2024-03-10 07:00:00 -0700", "AsleepREM", tz);
    const ImportBatch b = import_buffer(export_xml(body), "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 3u);
    EXPECT_EQ(b.records[1].end - b.records[1].start, 3600);  // 01:30 PST to 03:30 PDT is one hour
    EXPECT_EQ(b.records[1].utc_offset_min, -480);
    EXPECT_EQ(b.records[2].utc_offset_min, -420);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_DOUBLE_EQ(r.nights[0].tib_min(), 7 * 60.0);
    EXPECT_EQ(r.nights[0].utc_offset_min, -480);
    EXPECT_EQ(r.nights[0].label_date, boost::gregorian::date(2024, 3, 10));
}

TEST(AppleHealthImporter, GenericAsleepOverStagedRecordsOfTheSameSource) {
    // Newer firmware writes an AsleepUnspecified record over its own stages:
    // the stages win (summing both would double the sleep time).
    std::string body;
    body += sleep("Watch", "2024-03-04 23:00:00 +0100", "2024-03-05 07:00:00 +0100", "AsleepUnspecified");
    body += sleep("Watch", "2024-03-04 23:00:00 +0100", "2024-03-05 02:00:00 +0100", "AsleepCore");
    body += sleep("Watch", "2024-03-05 02:00:00 +0100", "2024-03-05 04:00:00 +0100", "AsleepDeep");
    body += sleep("Watch", "2024-03-05 04:00:00 +0100", "2024-03-05 07:00:00 +0100", "AsleepREM");
    const ImportBatch b = import_buffer(export_xml(body), "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 4u);
    EXPECT_EQ(b.records[0].stage, Stage::Asleep);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const std::vector<Segment> expected = {
        {utc("2024-03-04 23:00:00 +0100"), utc("2024-03-05 02:00:00 +0100"), Stage::Light},
        {utc("2024-03-05 02:00:00 +0100"), utc("2024-03-05 04:00:00 +0100"), Stage::Deep},
        {utc("2024-03-05 04:00:00 +0100"), utc("2024-03-05 07:00:00 +0100"), Stage::REM},
    };
    EXPECT_EQ(r.nights[0].segments, expected);
}

TEST(AppleHealthImporter, OlderAsleepValueIsUnstagedSleep) {
    const ImportBatch b = import_buffer(
        export_xml(sleep("iPhone", "2019-03-04 23:00:00 +0100", "2019-03-05 07:00:00 +0100", "Asleep")),
        "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_EQ(b.records[0].stage, Stage::Asleep);
}

TEST(AppleHealthImporter, DamagedSleepRecordsAreSkippedWithTheirLine) {
    // Lines: the export_xml header is 13 lines, so the body starts on line 14.
    std::string body;
    body += sleep("Watch", "2024-03-04 23:00:00 +0100", "2024-03-05 02:00:00 +0100", "AsleepCore");  // 14
    body += sleep("Watch", "2023-13-05 23:14:00 -0800", "2023-12-06 02:00:00 -0800", "AsleepCore");  // 15
    body += sleep("Watch", "2024-03-05 02:00:00 +0100", "2024-03-05 03:00:00 +0100", "AsleepLight");  // 16
    body += sleep("Watch", "2024-03-05 03:00:00 +0100", "2024-03-05 02:00:00 +0100", "AsleepDeep");  // 17
    body += sleep("Wat\x0b" "ch", "2024-03-05 03:00:00 +0100", "2024-03-05 04:00:00 +0100", "AsleepDeep");  // 18
    body += sleep("Watch", "2024-03-05 04:00:00", "2024-03-05 05:00:00 +0100", "AsleepREM");  // 19
    body += sleep("Watch", "2024-03-05 05:00:00 +0100", "2024-03-05 06:00:00 +0100", "AsleepREM",
                  "", " device=\"&bogus;\"");  // 20
    body += sleep("Watch", "2024-03-05 06:00:00 +0100", "2024-03-05 07:00:00 +0100", "AsleepREM");  // 21
    const ImportBatch b = import_buffer(export_xml(body), "export.xml", kOptions);
    ASSERT_EQ(b.records.size(), 2u);
    EXPECT_EQ(b.records[0].line, 14u);
    EXPECT_EQ(b.records[1].line, 21u);
    ASSERT_EQ(b.warnings.size(), 7u);
    std::vector<std::string> got;
    for (const Warning& w : b.warnings) {
        EXPECT_EQ(w.file, "export.xml");
        got.push_back(std::to_string(w.line) + ": " + w.message);
    }
    const std::vector<std::string> expected = {
        "15: Record startDate \"2023-13-05 23:14:00 -0800\": month 13 out of range; record skipped",
        "16: Record value \"HKCategoryValueSleepAnalysisAsleepLight\": unknown sleep analysis value "
        "(expected InBed, AsleepUnspecified, Asleep, Awake, AsleepCore, AsleepDeep or AsleepREM); "
        "record skipped",
        "17: Record endDate \"2024-03-05 02:00:00 +0100\": not after startDate \"2024-03-05 "
        "03:00:00 +0100\"; record skipped",
        "18: Record: not well-formed (invalid token) (column 70); record skipped",
        // No offset, no HKTimeZone, no --tz: read as UTC, which puts its end
        // (04:00 UTC) at its start.
        "19: " + std::string(sleeparch::importers::kNoOffsetWarning),
        "19: Record endDate \"2024-03-05 05:00:00 +0100\": not after startDate \"2024-03-05 04:00:00\"; "
        "record skipped",
        "20: Record: undefined entity (column 2); record skipped",
    };
    EXPECT_EQ(got, expected);
}

TEST(AppleHealthImporter, TruncatedFileIsAnErrorNamingTheFile) {
    const std::string full = export_xml(
        sleep("Watch", "2024-03-04 23:00:00 +0100", "2024-03-05 02:00:00 +0100", "AsleepCore", "Europe/Berlin") +
        sleep("Watch", "2024-03-05 02:00:00 +0100", "2024-03-05 07:00:00 +0100", "AsleepDeep"));
    // Cut inside the first sleep record's children: the element is cut off.
    const std::size_t cut = full.find("<MetadataEntry") + 5;
    try {
        import_buffer(full.substr(0, cut), "export.xml", kOptions);
        FAIL() << "no error";
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(),
                     "export.xml:14: Record: element cut off at the end of the file (truncated "
                     "export? download or unzip it again)");
    }
    // The same from a file on disk (scanned mapped).
    testing::TempDir dir;
    const auto path = dir.write("export.xml", full.substr(0, cut));
    try {
        import_paths({path.string()}, kOptions);
        FAIL() << "no error";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()),
                  path.string() + ":14: Record: element cut off at the end of the file (truncated "
                                  "export? download or unzip it again)");
    }
    // Cut after the last record: no closing root element.
    const std::size_t cut2 = full.find("</HealthData>");
    try {
        import_buffer(full.substr(0, cut2), "export.xml", kOptions);
        FAIL() << "no error";
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(),
                     "export.xml:18: HealthData: file ends before </HealthData> (truncated "
                     "export? download or unzip it again)");
    }
}

TEST(AppleHealthImporter, NotAnExportIsAnError) {
    try {
        import_buffer("<?xml version=\"1.0\"?>\n<ClinicalDocument/>\n", "export_cda.xml", kOptions,
                      "apple_health");
        FAIL() << "no error";
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(),
                     "export_cda.xml: HealthData: no <HealthData> root element in the first 0 KiB: "
                     "not an Apple Health export.xml");
    }
}

TEST(AppleHealthImporter, DietaryMagnesiumBecomesIntake) {
    auto mg = [](const std::string& at, const std::string& value, const std::string& unit) {
        return "<Record type=\"HKQuantityTypeIdentifierDietaryMagnesium\" sourceName=\"MyFitnessPal\" "
               "sourceVersion=\"23.1\" unit=\"" +
               unit + "\" creationDate=\"" + at + "\" startDate=\"" + at + "\" endDate=\"" + at +
               "\" value=\"" + value + "\"/>";
    };
    std::string body;
    body += " " + mg("2024-03-04 08:00:00 +0100", "112.5", "mg") + "\n";                    // 14
    body += " " + mg("2024-03-04 13:00:00 +0100", "0.2", "g") + "\n";                        // 15
    body += " " + mg("2024-03-04 19:00:00 +0100", "abc", "mg") + "\n";                       // 16
    body += " " + mg("2024-03-04 20:00:00 +0100", "5", "kcal") + "\n";                       // 17
    // A food correlation repeats the 08:00 sample inside it.
    body += " <Correlation type=\"HKCorrelationTypeIdentifierFood\" sourceName=\"MyFitnessPal\">\n  " +
            mg("2024-03-04 08:00:00 +0100", "112.5", "mg") + "\n </Correlation>\n";
    const ImportBatch b = import_buffer(export_xml(body), "export.xml", kOptions);
    EXPECT_TRUE(b.records.empty());
    ASSERT_EQ(b.doses.size(), 2u);
    EXPECT_EQ(b.doses[0].time, utc("2024-03-04 08:00:00 +0100"));
    EXPECT_EQ(b.doses[0].utc_offset_min, 60);
    EXPECT_DOUBLE_EQ(b.doses[0].mg_elemental, 112.5);
    EXPECT_EQ(b.doses[0].kind, IntakeKind::Dietary);
    EXPECT_EQ(b.doses[0].source, "MyFitnessPal");
    EXPECT_EQ(b.doses[0].line, 14u);
    EXPECT_DOUBLE_EQ(b.doses[1].mg_elemental, 200.0);
    ASSERT_EQ(b.warnings.size(), 2u);
    EXPECT_EQ(b.warnings[0].line, 16u);
    EXPECT_EQ(b.warnings[0].message,
              "Record value \"abc\": not a non-negative number of magnesium; record skipped");
    EXPECT_EQ(b.warnings[1].line, 17u);
    EXPECT_EQ(b.warnings[1].message, "Record unit \"kcal\": expected mg, g or mcg; record skipped");
}

// ~`mib` MiB of heart-rate records with a sleep record every 301 lines, so
// sleep records straddle the 1 MiB read chunks at many offsets; records are
// also spread over several lines to cross boundaries mid-tag.
void check_every_record_found(std::size_t mib) {
    std::string body;
    std::vector<std::uint32_t> expected_lines;
    std::uint32_t line = 14;
    const UtcSeconds t0 = utc("2024-01-01 22:00:00 +0100");
    int k = 0;
    while (body.size() < (mib << 20)) {
        if (line % 301 == 0) {
            const std::string start = format_local_iso(t0 + k * 86400, 60);
            const std::string end = format_local_iso(t0 + k * 86400 + 3600, 60);
            auto apple = [](std::string iso) {
                // 2024-01-01T22:00:00+01:00 -> 2024-01-01 22:00:00 +0100
                iso[10] = ' ';
                return iso.substr(0, 19) + " " + iso.substr(19, 3) + iso.substr(23, 2);
            };
            expected_lines.push_back(line);
            body += " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\"\n   sourceName=\"Watch\" startDate=\"" +
                    apple(start) + "\" endDate=\"" + apple(end) +
                    "\"\n   value=\"HKCategoryValueSleepAnalysisAsleepCore\">\n  <MetadataEntry key=\"HKTimeZone\" "
                    "value=\"Europe/Paris\"/>\n </Record>\n";
            line += 5;
            ++k;
        } else {
            body += heart_rate("2024-01-01 10:00:00 +0100", std::to_string(40 + line % 60));
            ++line;
        }
    }
    const std::string xml = export_xml(body);
    // From memory (read in chunks) and from a file (scanned mapped).
    testing::TempDir dir;
    const auto path = dir.write("export.xml", xml);
    for (const ImportBatch& b : {import_buffer(xml, "export.xml", kOptions),
                                 import_paths({path.string()}, kOptions)}) {
        EXPECT_TRUE(b.warnings.empty());
        ASSERT_EQ(b.records.size(), expected_lines.size());
        for (std::size_t i = 0; i < b.records.size(); ++i) {
            EXPECT_EQ(b.records[i].line, expected_lines[i]) << i;
            EXPECT_EQ(b.records[i].start, t0 + static_cast<UtcSeconds>(i) * 86400) << i;
            EXPECT_EQ(b.records[i].tz_name, "Europe/Paris") << i;
        }
    }
}

TEST(AppleHealthImporter, FindsEveryRecordAcrossChunkBoundaries) { check_every_record_found(9); }

// Inputs of 16 MiB and more are parsed on a second thread: same output.
TEST(AppleHealthImporter, FindsEveryRecordWhenParsingOnASecondThread) { check_every_record_found(20); }

// Line numbers deep in a file read in many chunks: the line of every kept
// record, dose and warning equals a naive count of the newlines before it,
// whatever the line endings (\n, \r\n, long runs of blank lines, breaks
// inside tags, before the type value too), with decoy type values the search must pass over, and with
// needles placed across every chunk boundary (the read chunks are 1 MiB).
void check_lines_match_a_naive_count(std::size_t mib) {
    const std::string root_end = "</HealthData>\n";
    std::string xml = export_xml("");
    xml.resize(xml.size() - root_end.size());
    std::mt19937 rng(20240601);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::vector<std::size_t> record_at, dose_at, warning_at;  // offsets of the lines expected
    const std::string needle = "\"HKCategoryTypeIdentifierSleepAnalysis\"";
    const std::size_t boundary_offsets[] = {0, 1, 12, 13, 24, 25, 26, 27, 37, 38, 39, 40, 41, 64, 200};
    std::size_t next_boundary = std::size_t{1} << 20;
    int boundary = 0, dose = 0;
    auto eol = [&] { return pick(3) == 0 ? std::string("\r\n") : std::string("\n"); };
    // "<Record type=", now and then with line breaks before the type value.
    auto record_open = [&] {
        switch (pick(6)) {
            case 0: return "<Record" + eol() + "   type=";
            case 1: return "<Record type=" + eol();
            case 2: return "<Record" + eol() + "type" + eol() + "=" + eol() + "   ";
            default: return std::string("<Record type=");
        }
    };
    // A sleep record; `sep` separates its attributes after the type.
    auto sleep_record = [&](const std::string& sep, const std::string& value) {
        return record_open() + needle + sep + "sourceName=\"Watch\"" + sep +
               "startDate=\"2024-03-04 23:00:00 +0100\"" + sep + "endDate=\"2024-03-05 02:00:00 +0100\"" + sep +
               "value=\"HKCategoryValueSleepAnalysis" + value + "\">" + eol() +
               "  <MetadataEntry key=\"HKTimeZone\" value=\"Europe/Berlin\"/>" + eol() + " </Record>" + eol();
    };
    while (xml.size() < (mib << 20)) {
        if (xml.size() + 4096 > next_boundary) {
            // A good record whose needle starts `d` bytes before the boundary.
            const std::string r = sleep_record(pick(2) ? " " : eol() + "   ", "AsleepCore");
            const std::size_t d = boundary_offsets[boundary++ % std::size(boundary_offsets)];
            const std::size_t at = next_boundary - d - r.find(needle);
            if (at >= xml.size()) {
                while (xml.size() < at) xml += pick(5) == 0 ? '\n' : ' ';
                record_at.push_back(xml.size());
                xml += r;
            }
            next_boundary += std::size_t{1} << 20;
            continue;
        }
        switch (pick(40)) {
            case 0: {  // blank lines, now and then more than the vector counters' 255-block span
                const int n = pick(8) == 0 ? 6000 + pick(3000) : 1 + pick(300);
                for (int i = 0; i < n; ++i) xml += pick(4) == 0 ? "\r\n" : "\n";
                break;
            }
            case 1:
                xml += " ";
                record_at.push_back(xml.size());
                xml += sleep_record(pick(2) ? " " : eol() + "   ", "AsleepDeep");
                break;
            case 2:  // unknown value: a warning on the record's line
                xml += " ";
                warning_at.push_back(xml.size());
                xml += sleep_record(" ", "AsleepLight");
                break;
            case 3: {  // an invalid character on the tag's third line: expat's line in the element
                xml += " " + record_open() + needle + eol() + "   sourceName=\"Watch\"" + eol() + "   device=\"Wat";
                warning_at.push_back(xml.size());
                xml += "\x0b" "ch\" startDate=\"2024-03-04 23:00:00 +0100\" endDate=\"2024-03-05 02:00:00 +0100\"" +
                       eol() + "   value=\"HKCategoryValueSleepAnalysisAsleepREM\"/>" + eol();
                break;
            }
            case 4:  // decoys: needles that are not a <Record>'s type value
                xml += " <Note text='\"HKCategoryTypeIdentifierSleepAnalysis\"'/>" + eol() +
                       " <Record note='\"HKQuantityTypeIdentifierDietaryMagnesium\"' "
                       "type=\"HKQuantityTypeIdentifierHeartRate\" value=\"60\"/>" + eol();
                break;
            case 5:
                xml += " ";
                dose_at.push_back(xml.size());
                xml += record_open() + "\"HKQuantityTypeIdentifierDietaryMagnesium\" sourceName=\"App\" unit=\"mg\"" +
                       eol() + "   startDate=\"2024-03-04 08:00:00 +0100\" value=\"" + std::to_string(++dose) +
                       "\"/>" + eol();
                break;
            default:
                xml += heart_rate("2024-01-01 10:00:00 +0100", std::to_string(40 + pick(100)));
                if (xml.back() == '\n' && pick(3) == 0) xml.insert(xml.size() - 1, "\r");
        }
    }
    xml += root_end;
    auto lines_of = [&](const std::vector<std::size_t>& offsets) {  // offsets in increasing order
        std::vector<std::uint32_t> lines;
        std::size_t counted = 0;
        std::uint32_t line = 1;
        for (std::size_t offset : offsets) {
            for (; counted < offset; ++counted) line += xml[counted] == '\n';
            lines.push_back(line);
        }
        return lines;
    };
    const std::vector<std::uint32_t> record_lines = lines_of(record_at), dose_lines = lines_of(dose_at),
                                     warning_lines = lines_of(warning_at);
    ASSERT_GT(record_lines.size(), 100u);
    ASSERT_GT(warning_lines.size(), 20u);
    ASSERT_GT(dose_lines.size(), 20u);
    testing::TempDir dir;
    const auto path = dir.write("export.xml", xml);
    for (const ImportBatch& b :
         {import_buffer(xml, "export.xml", kOptions), import_paths({path.string()}, kOptions)}) {
        std::vector<std::uint32_t> got_records, got_doses, got_warnings;
        for (const Record& r : b.records) got_records.push_back(r.line);
        for (const Dose& d : b.doses) got_doses.push_back(d.line);
        for (const Warning& w : b.warnings) {
            got_warnings.push_back(w.line);
            EXPECT_EQ(w.message.find("Record"), 0u) << w.message;
        }
        EXPECT_EQ(got_records, record_lines);
        EXPECT_EQ(got_doses, dose_lines);
        EXPECT_EQ(got_warnings, warning_lines);
    }
}

TEST(AppleHealthImporter, LineNumbersDeepInTheFileMatchANaiveCount) { check_lines_match_a_naive_count(12); }

// Past 16 MiB, with expat on its own thread.
TEST(AppleHealthImporter, LineNumbersMatchANaiveCountWhenParsingOnASecondThread) {
    check_lines_match_a_naive_count(18);
}

// An export cut short ahead of the read while it is imported (another program
// rewriting it) is an error naming the file, not SIGBUS: the pages of each
// chunk are mapped before they are read, and that fails past the new end.
TEST(AppleHealthImporter, FileCutShortWhileReadIsAnErrorNamingTheFile) {
#if defined(MADV_POPULATE_READ)
    std::string body;
    while (body.size() < (std::size_t{40} << 20)) body += heart_rate("2024-01-01 10:00:00 +0100");
    testing::TempDir dir;
    const auto path = dir.write("export.xml", export_xml(body));
    {
        // Before Linux 5.14 pages cannot be mapped ahead, and the cut raises SIGBUS.
        const int fd = ::open(path.c_str(), O_RDONLY);
        ASSERT_GE(fd, 0);
        void* p = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
        ::close(fd);
        ASSERT_NE(p, MAP_FAILED);
        const bool supported = ::madvise(p, 4096, MADV_POPULATE_READ) == 0;
        ::munmap(p, 4096);
        if (!supported) GTEST_SKIP() << "MADV_POPULATE_READ unsupported";
    }
    ImportOptions options;
    bool cut = false;
    options.progress = [&](std::uint64_t done, std::uint64_t) {
        if (!cut && done >= (std::uint64_t{16} << 20)) {
            std::filesystem::resize_file(path, std::uintmax_t{30} << 20);
            cut = true;
        }
    };
    try {
        import_paths({path.string()}, options);
        FAIL() << "no error";
    } catch (const IoError& e) {
        EXPECT_TRUE(cut);
        EXPECT_EQ(e.file(), path.string());
        EXPECT_EQ(std::string(e.what()),
                  path.string() + ": the file shrank or could not be read while it was being imported");
    }
#else
    GTEST_SKIP() << "MADV_POPULATE_READ not defined";
#endif
}

TEST(AppleHealthImporter, ReportsProgress) {
    std::string body;
    while (body.size() < (std::size_t{40} << 20)) body += heart_rate("2024-01-01 10:00:00 +0100");
    const std::string xml = export_xml(body);
    ImportOptions options;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
    options.progress = [&](std::uint64_t done, std::uint64_t total) { calls.emplace_back(done, total); };
    import_buffer(xml, "export.xml", options);
    ASSERT_GE(calls.size(), 2u);
    EXPECT_EQ(calls.back(), std::make_pair(std::uint64_t{xml.size()}, std::uint64_t{xml.size()}));
    for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_GT(calls[i].first, calls[i - 1].first);
}

std::filesystem::path zip64_fixture() {
    return testing::source_dir() / "tests/fixtures/apple_health/export_zip64.zip";
}

TEST(AppleHealthImporter, Zip64WithLocalisedEntryName) {
    importers::ImportReport report;
    const ImportBatch b = import_paths({zip64_fixture().string()}, kOptions, &report);
    ASSERT_EQ(report.imported.size(), 1u);
    EXPECT_EQ(report.imported[0].first, zip64_fixture().string() + ":apple_health_export/导出.xml");
    EXPECT_EQ(report.imported[0].second, "apple_health");
    ASSERT_EQ(report.skipped.size(), 1u);
    EXPECT_EQ(report.skipped[0].name, zip64_fixture().string() + ":apple_health_export/export_cda.xml");
    ASSERT_EQ(b.records.size(), 3u);
    EXPECT_EQ(b.sources[0].name, "李的 Apple Watch");
    EXPECT_EQ(b.records[0].tz_name, "Asia/Shanghai");
    EXPECT_EQ(b.records[0].line, 11u);
    EXPECT_EQ(b.files[b.records[0].file], report.imported[0].first);
    const AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    EXPECT_EQ(r.nights[0].label_date, boost::gregorian::date(2024, 5, 2));
}

TEST(AppleHealthImporter, FolderWithTheExport) {
    testing::TempDir dir;
    dir.write("apple_health_export/export.xml",
              export_xml(sleep("Watch", "2024-03-04 23:00:00 +0100", "2024-03-05 07:00:00 +0100", "AsleepCore")));
    dir.write("apple_health_export/export_cda.xml",
              "<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>\n");
    importers::ImportReport report;
    const ImportBatch b = import_paths({dir.path().string()}, kOptions, &report);
    EXPECT_EQ(b.records.size(), 1u);
    ASSERT_EQ(report.imported.size(), 1u);
    EXPECT_EQ(report.skipped.size(), 1u);
}

TEST(AppleHealthImporter, TruncatedZipIsAnErrorNamingTheFile) {
    const std::string bytes = testing::read_file(zip64_fixture());
    testing::TempDir dir;
    // Cut in the middle of the first entry's data: no central directory.
    const auto path = dir.write("export.zip", bytes.substr(0, bytes.size() / 3));
    try {
        import_paths({path.string()}, kOptions);
        FAIL() << "no error";
    } catch (const ParseError& e) {
        EXPECT_EQ(e.file(), path.string());
        EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": ", 0), 0u) << e.what();
    }
}

}  // namespace
}  // namespace sleeparch
