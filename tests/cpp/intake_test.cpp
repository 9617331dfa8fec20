#include <gtest/gtest.h>

#include <cmath>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/intake_log.hpp"
#include "sleeparch/intake.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;
using sleeparch::importers::IntakeLog;
using sleeparch::importers::read_intake;
using sleeparch::importers::read_intake_log_text;

namespace {

UtcSeconds utc(const std::string& iso) {
    const ParsedTime t = parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

std::string parse_error(const std::string& text, const std::string& name = "intake.csv") {
    try {
        read_intake_log_text(text, name);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(Intake, ElementalFractionsFromMetrics) {
    EXPECT_DOUBLE_EQ(*elemental_fraction(DoseForm::Oxide), 0.603);
    EXPECT_DOUBLE_EQ(*elemental_fraction(DoseForm::Citrate), 0.162);
    EXPECT_DOUBLE_EQ(*elemental_fraction(DoseForm::Glycinate), 0.141);
    EXPECT_DOUBLE_EQ(*elemental_fraction(DoseForm::Chloride), 0.255);
    EXPECT_DOUBLE_EQ(*elemental_fraction(DoseForm::ChlorideHexahydrate), 0.120);
    EXPECT_DOUBLE_EQ(*elemental_fraction(DoseForm::Threonate), 0.083);
    EXPECT_FALSE(elemental_fraction(DoseForm::Malate));
    EXPECT_NEAR(elemental_mg(500, DoseForm::Citrate), 81.0, 1e-9);
    EXPECT_NEAR(elemental_mg(2000, DoseForm::Threonate), 166.0, 1e-9);
    try {
        elemental_mg(500, DoseForm::Malate);
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "no elemental fraction is known for magnesium malate: log the elemental mg "
                               "from the product label instead");
    }
}

TEST(Intake, FormNames) {
    EXPECT_EQ(parse_dose_form("Magnesium Bisglycinate"), DoseForm::Glycinate);
    EXPECT_EQ(parse_dose_form("L-Threonate"), DoseForm::Threonate);
    EXPECT_EQ(parse_dose_form("chloride hexahydrate"), DoseForm::ChlorideHexahydrate);
    EXPECT_EQ(parse_dose_form("chloride_hexahydrate"), DoseForm::ChlorideHexahydrate);
    EXPECT_EQ(parse_dose_form(""), DoseForm::Unknown);
    EXPECT_FALSE(parse_dose_form("sulfate"));
    EXPECT_EQ(dose_form_name(DoseForm::ChlorideHexahydrate), "chloride_hexahydrate");
}

TEST(Intake, SerumBands) {
    const auto below = interpret_serum(0.70, SerumUnit::MmolPerL);
    EXPECT_EQ(below.band, SerumBand::BelowRange);
    EXPECT_EQ(below.interpretation,
              "0.70 mmol/L is below common reference ranges: worth discussing with a doctor.");
    const auto low = interpret_serum(0.80, SerumUnit::MmolPerL);
    EXPECT_EQ(low.band, SerumBand::LowNormal);
    EXPECT_EQ(low.interpretation,
              "0.80 mmol/L is low-normal, in the lower part of the range: worth discussing with a doctor. "
              "Rosanoff et al. (2022) propose 0.85 mmol/L as the cut-off for adequate magnesium status.");
    const auto ok = interpret_serum(0.85, SerumUnit::MmolPerL);
    EXPECT_EQ(ok.band, SerumBand::Adequate);
    EXPECT_EQ(ok.interpretation,
              "0.85 mmol/L is adequate by the proposed cut-off of 0.85 mmol/L (Rosanoff et al. 2022).");
    // Boundaries and units: 0.75 is low-normal; mg/dL / 2.43, mEq/L / 2.
    EXPECT_EQ(interpret_serum(0.75, SerumUnit::MmolPerL).band, SerumBand::LowNormal);
    EXPECT_EQ(interpret_serum(0.749, SerumUnit::MmolPerL).band, SerumBand::LowNormal);  // lab rounding: 0.75
    EXPECT_EQ(interpret_serum(0.744, SerumUnit::MmolPerL).band, SerumBand::BelowRange);
    const auto mg = interpret_serum(2.1, SerumUnit::MgPerDl);
    EXPECT_NEAR(mg.mmol_per_l, 2.1 / 2.43, 1e-12);
    EXPECT_EQ(mg.band, SerumBand::Adequate);  // 0.864
    EXPECT_EQ(interpret_serum(1.9, SerumUnit::MgPerDl).band, SerumBand::LowNormal);  // 0.782
    EXPECT_EQ(interpret_serum(1.6, SerumUnit::MeqPerL).band, SerumBand::LowNormal);  // 0.80
    EXPECT_EQ(interpret_serum(1.7, SerumUnit::MeqPerL).band, SerumBand::Adequate);   // 0.85
    EXPECT_EQ(parse_serum_unit("mg/dl"), SerumUnit::MgPerDl);
    EXPECT_EQ(parse_serum_unit("MEQ/L"), SerumUnit::MeqPerL);
    EXPECT_FALSE(parse_serum_unit("g/L"));
    try {
        interpret_serum(-1, SerumUnit::MmolPerL);
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "serum magnesium must be a positive number, got -1.00");
    }
    try {
        interpret_serum(21, SerumUnit::MmolPerL);
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "serum magnesium of 21.00 mmol/L is not a plausible value: check the unit "
                               "(mmol/L, mg/dL or mEq/L)");
    }
}

TEST(IntakeLog, CsvEntriesOfEveryKind) {
    const std::string text =
        "# my log\n"
        "Date,Time,Kind,mg_elemental,amount_mg,Form,Product,Tags,Value,Unit,Note\n"
        "2024-03-01,21:30+01:00,,200,,glycinate,Brand X,,,,first\n"
        "2024-03-02,21:45+01:00,,,1000,citrate,\"Brand, Y\",Alcohol; exercise\n"
        "2024-03-03,,,150\n"
        "2024-03-04T22:00:00Z,,dietary,80\n"
        "2024-03-05,,event,,,,,illness\n"
        "2024-02-20,,serum,,,,,,1.9,mg/dL\n";
    const IntakeLog log = read_intake_log_text(text, "log.csv");
    ASSERT_EQ(log.doses.size(), 5u);
    const Dose& a = log.doses[0];
    EXPECT_EQ(a.time, utc("2024-03-01T21:30:00+01:00"));
    EXPECT_EQ(a.utc_offset_min, 60);
    EXPECT_DOUBLE_EQ(a.mg_elemental, 200);
    EXPECT_EQ(a.form, DoseForm::Glycinate);
    EXPECT_FALSE(a.converted);
    EXPECT_EQ(a.product, "Brand X");
    EXPECT_EQ(a.line, 3u);
    EXPECT_EQ(a.source, "log.csv");
    const Dose& b = log.doses[1];
    EXPECT_TRUE(b.converted);
    EXPECT_DOUBLE_EQ(b.compound_mg, 1000);
    EXPECT_NEAR(b.mg_elemental, 162.0, 1e-9);
    EXPECT_EQ(b.product, "Brand, Y");
    EXPECT_EQ(b.tags, (std::vector<std::string>{"alcohol", "exercise"}));
    const Dose& c = log.doses[2];
    EXPECT_FALSE(c.time);
    ASSERT_TRUE(c.date);
    EXPECT_EQ(format_date(*c.date), "2024-03-03");
    const Dose& d = log.doses[3];
    EXPECT_EQ(d.kind, IntakeKind::Dietary);
    EXPECT_EQ(d.time, utc("2024-03-04T22:00:00Z"));
    const Dose& e = log.doses[4];
    EXPECT_DOUBLE_EQ(e.mg_elemental, 0);
    EXPECT_EQ(e.tags, (std::vector<std::string>{"illness"}));
    ASSERT_EQ(log.serum.size(), 1u);
    EXPECT_EQ(format_date(log.serum[0].date), "2024-02-20");
    EXPECT_EQ(log.serum[0].reading.band, SerumBand::LowNormal);
    EXPECT_EQ(log.serum[0].line, 8u);
    EXPECT_TRUE(log.local_time_doses.empty());
}

TEST(IntakeLog, TimesWithoutOffsetUseTzOrAreMarkedLocal) {
    const std::string text = "date,time,mg_elemental\n2024-03-01,21:30,200\n";
    const IntakeLog local = read_intake_log_text(text, "log.csv");
    ASSERT_EQ(local.local_time_doses, std::vector<std::size_t>{0});
    EXPECT_EQ(local.doses[0].time, utc("2024-03-01T21:30:00Z"));
    importers::ImportOptions opts;
    opts.tz_offset_min = -300;
    const IntakeLog fixed = read_intake_log_text(text, "log.csv", opts);
    EXPECT_TRUE(fixed.local_time_doses.empty());
    EXPECT_EQ(fixed.doses[0].time, utc("2024-03-01T21:30:00-05:00"));
    EXPECT_EQ(fixed.doses[0].utc_offset_min, -300);
}

TEST(IntakeLog, Json) {
    const std::string text = R"({"entries": [
        {"time": "2024-03-01T21:30:00+01:00", "mg_elemental": 200, "tags": ["Caffeine", "alcohol"]},
        {"date": "2024-03-02", "amount_mg": "500", "form": "oxide", "product": null},
        {"date": "2024-03-03", "kind": "serum", "value": 0.9, "unit": "mmol/L"}
    ]})";
    const IntakeLog log = read_intake_log_text(text, "log.json");
    ASSERT_EQ(log.doses.size(), 2u);
    EXPECT_EQ(log.doses[0].tags, (std::vector<std::string>{"caffeine", "alcohol"}));
    EXPECT_NEAR(log.doses[1].mg_elemental, 301.5, 1e-9);
    EXPECT_EQ(log.doses[1].line, 2u);
    ASSERT_EQ(log.serum.size(), 1u);
    EXPECT_EQ(log.serum[0].reading.band, SerumBand::Adequate);
    // A bare array works too.
    EXPECT_EQ(read_intake_log_text(R"([{"date": "2024-03-02", "mg_elemental": 100}])", "a.json").doses.size(), 1u);
}

// Morning self-ratings (METRICS.md §5.10): a rating dated D is about the
// night labelled D.
TEST(IntakeLog, RatingsWithTheirScale) {
    const std::string text =
        "date,kind,rating,value,scale,mg_elemental\n"
        "2024-03-02,rating,Sleep_Quality,4,1-5,\n"
        "2024-03-02T07:30+01:00,rating,restedness,7.5,0..10,\n"
        "2024-03-02,,,,,200\n";
    const IntakeLog log = read_intake_log_text(text, "log.csv");
    ASSERT_EQ(log.ratings.size(), 2u);
    EXPECT_EQ(log.ratings[0].name, "sleep_quality");
    EXPECT_EQ(log.ratings[0].night, boost::gregorian::date(2024, 3, 2));
    EXPECT_EQ(log.ratings[0].value, 4);
    EXPECT_EQ(log.ratings[0].scale_min, 1);
    EXPECT_EQ(log.ratings[0].scale_max, 5);
    EXPECT_EQ(log.ratings[0].line, 2u);
    EXPECT_EQ(log.ratings[1].night, boost::gregorian::date(2024, 3, 2));
    EXPECT_EQ(log.ratings[1].scale_max, 10);
    EXPECT_EQ(log.doses.size(), 1u);  // ratings are not doses
    EXPECT_EQ(parse_error("date,kind,rating,value,scale\n2024-03-02,rating,sleep_quality,6,1-5\n"),
              "intake.csv:2: value: \"6\" is outside the scale 1-5");
    EXPECT_EQ(parse_error("date,kind,rating,value,scale\n2024-03-02,rating,sleep_quality,4,\n"),
              "intake.csv:2: scale: missing: a rating entry needs its scale, e.g. 1-5");
    EXPECT_EQ(parse_error("date,kind,rating,value,scale\n2024-03-02,rating,sleep_quality,4,5-1\n"),
              "intake.csv:2: scale: \"5-1\" is not a scale; expected low-high, e.g. 1-5");
    EXPECT_EQ(parse_error("date,kind,value,scale\n2024-03-02,rating,4,1-5\n"),
              "intake.csv:2: rating: missing: a rating entry needs its name, e.g. sleep_quality");
    EXPECT_EQ(parse_error(R"([{"date": "2024-03-02", "kind": "rating", "rating": "q", "value": 0, "scale": "1-5"}])",
                          "log.json"),
              "log.json:entry 1: value: \"0\" is outside the scale 1-5");
}

TEST(IntakeLog, CsvErrorsNameFileLineAndField) {
    EXPECT_EQ(parse_error(""), "intake.csv: header: the file is empty: expected a header row (date, time, kind, "
                               "mg_elemental, amount_mg, form, product, tags, value, unit, rating, scale, note)");
    EXPECT_EQ(parse_error("date,dose\n"), "intake.csv:1: header: unknown column \"dose\"; expected date, time, "
                                          "kind, mg_elemental, amount_mg, form, product, tags, value, unit, rating, scale, note");
    EXPECT_EQ(parse_error("product,mg_elemental\nx,1\n"), "intake.csv:1: header: needs a date or a time column");
    EXPECT_EQ(parse_error("date,date\n"), "intake.csv:1: header: column \"date\" appears twice");
    EXPECT_EQ(parse_error("date,mg_elemental\n2024-03-01,200,5\n"),
              "intake.csv:2: row: has 3 fields, the header has 2");
    EXPECT_EQ(parse_error("date,mg_elemental\n2024-13-01,200\n"),
              "intake.csv:2: date: \"2024-13-01\": month 13 out of range");
    EXPECT_EQ(parse_error("date,time,mg_elemental\n2024-03-01,25:00,200\n"),
              "intake.csv:2: time: \"25:00\": hour 25 out of range");
    EXPECT_EQ(parse_error("time,mg_elemental\n21:30,200\n"),
              "intake.csv:2: time: \"21:30\" has no date: add a date column or write 2024-03-01T21:30");
    EXPECT_EQ(parse_error("date,mg_elemental\n2024-03-01,abc\n"),
              "intake.csv:2: mg_elemental: \"abc\" is not a number");
    EXPECT_EQ(parse_error("date,mg_elemental\n2024-03-01,-5\n"),
              "intake.csv:2: mg_elemental: \"-5\" is negative");
    EXPECT_EQ(parse_error("date,mg_elemental\n2024-03-01,20000\n"),
              "intake.csv:2: mg_elemental: \"20000\" mg is implausible for one entry (more than 5000 mg): check the unit");
    EXPECT_EQ(parse_error("date,amount_mg\n2024-03-01,500\n"),
              "intake.csv:2: form: missing: amount_mg is a compound mass and needs the form to compute "
              "elemental mg (or give mg_elemental)");
    EXPECT_EQ(parse_error("date,amount_mg,form\n2024-03-01,500,malate\n"),
              "intake.csv:2: form: no elemental fraction is known for malate: give mg_elemental from the product label");
    EXPECT_EQ(parse_error("date,amount_mg,form\n2024-03-01,500,sulfate\n"),
              "intake.csv:2: form: \"sulfate\" is not a known form; expected oxide, citrate, glycinate, threonate, "
              "chloride, chloride_hexahydrate, malate, taurate or other");
    EXPECT_EQ(parse_error("date,product\n2024-03-01,x\n"),
              "intake.csv:2: mg_elemental: missing: give mg_elemental, or amount_mg and form");
    EXPECT_EQ(parse_error("date,kind\n2024-03-01,pill\n"),
              "intake.csv:2: kind: \"pill\" is not a kind; expected supplement, dietary, event, serum or rating");
    EXPECT_EQ(parse_error("date,kind,value\n2024-03-01,serum,0.8\n"),
              "intake.csv:2: unit: missing: a serum entry needs mmol/L, mg/dL or mEq/L");
    EXPECT_EQ(parse_error("date,kind,value,unit\n2024-03-01,serum,0.8,g/L\n"),
              "intake.csv:2: unit: \"g/L\" is not a unit; expected mmol/L, mg/dL or mEq/L");
    EXPECT_EQ(parse_error("date,kind,value,unit\n2024-03-01,serum,0,mmol/L\n"),
              "intake.csv:2: value: serum magnesium must be a positive number, got 0.00");
    EXPECT_EQ(parse_error("date,mg_elemental\n\"2024-03-01,200\n"), 
              "intake.csv:2: CSV field 1: quoted field is not closed before the end of the input");
    EXPECT_EQ(parse_error("date,mg_elemental\n1012-02-25,200\n"),
              "intake.csv:2: date: \"1012-02-25\": year 1012 out of range");
    EXPECT_EQ(parse_error("time,mg_elemental\n9999-12-31T23:00:00Z,200\n"),
              "intake.csv:2: time: \"9999-12-31T23:00:00Z\": year 9999 out of range");
    EXPECT_EQ(parse_error("date,mg_elemental\n,200\n"),
              "intake.csv:2: date: missing: every entry needs a date or a date-time");
}

TEST(IntakeLog, JsonErrorsNameEntryAndField) {
    EXPECT_EQ(parse_error("{\"doses\": []}", "log.json"),
              "log.json: entries: missing: expected an array of entries or {\"entries\": [...]}");
    EXPECT_EQ(parse_error("[1]", "log.json"), "log.json:entry 1: entry: expected an object, got a number");
    EXPECT_EQ(parse_error(R"([{"date": "2024-03-01", "mg": 3}])", "log.json"),
              "log.json:entry 1: mg: unknown key; expected date, time, kind, mg_elemental, amount_mg, form, "
              "product, tags, value, unit, rating, scale, note");
    EXPECT_EQ(parse_error(R"([{"date": "2024-03-01", "mg_elemental": [3]}])", "log.json"),
              "log.json:entry 1: mg_elemental: expected a string or a number, got an array");
    EXPECT_EQ(parse_error(R"([{"date": "2024-03-01", "mg_elemental": 1}, {"date": "2024-03-02"}])", "log.json"),
              "log.json:entry 2: mg_elemental: missing: give mg_elemental, or amount_mg and form");
    const std::string truncated = parse_error("[{\"date\": \"2024-", "log.json");
    EXPECT_EQ(truncated.rfind("log.json:1: JSON: ", 0), 0u) << truncated;
}

TEST(IntakeLog, ReadIntakeDispatchesByFile) {
    sleeparch::testing::TempDir dir;
    const auto csv = dir.write("intake.csv", "date,mg_elemental\n2024-03-01,200\n");
    EXPECT_EQ(read_intake(csv.string()).doses.size(), 1u);
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<HealthData locale=\"en_US\">\n"
        " <ExportDate value=\"2024-03-20 08:00:00 -0700\"/>\n"
        " <Record type=\"HKQuantityTypeIdentifierDietaryMagnesium\" sourceName=\"Log\" unit=\"mg\" "
        "creationDate=\"2024-03-04 21:00:00 +0100\" startDate=\"2024-03-04 21:00:00 +0100\" "
        "endDate=\"2024-03-04 21:00:00 +0100\" value=\"250\"/>\n</HealthData>\n";
    const auto exp = dir.write("export.xml", xml);
    const IntakeLog apple = read_intake(exp.string());
    ASSERT_EQ(apple.doses.size(), 1u);
    EXPECT_DOUBLE_EQ(apple.doses[0].mg_elemental, 250);
    EXPECT_EQ(apple.doses[0].time, utc("2024-03-04T21:00:00+01:00"));
    EXPECT_THROW(read_intake((dir.path() / "absent.csv").string()), IoError);
}
