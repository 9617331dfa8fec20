// Plain hypnogram importer: labels, integers, CSV columns, headers, samples, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;
using namespace sleeparch::importers;

namespace {

std::vector<Night> nights_of(const std::string& text, const ImportOptions& opts = {}) {
    ImportBatch b = import_buffer(text, "h.txt", opts);
    return assemble_nights(b).nights;
}

std::string error_of(const std::string& text, const ImportOptions& opts = {}) {
    try {
        import_buffer(text, "h.txt", opts);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(HypnogramText, LabelsAndHeaders) {
    const std::string text =
        "# start: 2024-05-01T23:10:00+02:00\n# source: lab scorer\nW\nwake\nN1\nn2\nN3\nN4\nR\nREM\n?\nW\n";
    const auto nights = nights_of(text);
    ASSERT_EQ(nights.size(), 1u);
    const Night& n = nights[0];
    EXPECT_EQ(n.source.name, "lab scorer");
    EXPECT_EQ(n.utc_offset_min, 120);
    EXPECT_EQ(n.epoch_s, 30);
    EXPECT_EQ(format_local_iso(n.window_start, n.utc_offset_min), "2024-05-01T23:10:00+02:00");
    EXPECT_EQ(format_date(n.label_date), "2024-05-01");
    const NightMetrics m = compute_metrics(n);
    EXPECT_DOUBLE_EQ(m.tib_min, 5);
    EXPECT_DOUBLE_EQ(m.deep_min, 1);  // N3 and N4
    EXPECT_DOUBLE_EQ(m.rem_min, 1);
    EXPECT_DOUBLE_EQ(m.unscored_min, 0.5);
}

TEST(HypnogramText, HeaderValuesLoseOnlyAnEnclosingPairOfQuotes) {
    const std::string tail = "# start: 2024-05-01T23:10:00+02:00\nW\nN2\nN2\n\"W\"\n";
    EXPECT_EQ(nights_of("# source: \"Lab scorer 2\"\n" + tail).at(0).source.name, "Lab scorer 2");
    EXPECT_EQ(nights_of("# source: 'Anna's ring'\n" + tail).at(0).source.name, "Anna's ring");
    EXPECT_EQ(nights_of("# source: scorer \"B\"  \n" + tail).at(0).source.name, "scorer \"B\"");
    EXPECT_EQ(nights_of("#source:\"x\n" + tail).at(0).source.name, "\"x");
    // Stage tokens still lose their quotes: the last epoch above is W.
    EXPECT_DOUBLE_EQ(compute_metrics(nights_of("# source: a\n" + tail).at(0)).tib_min, 2);
}

TEST(HypnogramText, IntegersUseYasaCodesOrAMap) {
    auto nights = nights_of("0\n1\n2\n3\n4\n-1\n0\n");
    ASSERT_EQ(nights.size(), 1u);
    NightMetrics m = compute_metrics(nights[0]);
    EXPECT_DOUBLE_EQ(m.n1_min, 0.5);
    EXPECT_DOUBLE_EQ(m.rem_min, 0.5);
    EXPECT_DOUBLE_EQ(m.unscored_min, 0.5);
    ImportOptions opts;
    opts.integer_map = {{"0", Stage::Wake}, {"5", Stage::REM}, {"2", Stage::N2}};
    nights = nights_of("0\n2\n5\n5\n0\n", opts);
    ASSERT_EQ(nights.size(), 1u);
    m = compute_metrics(nights[0]);
    EXPECT_DOUBLE_EQ(m.rem_min, 1);
}

TEST(HypnogramText, CsvColumnAndEpochOption) {
    ImportOptions opts;
    opts.epoch_s = 60;
    opts.start = "2024-01-01T22:00:00Z";
    const auto nights = nights_of("time,Stage\n0,W\n60,L\n120,D\n180,R\n240,W\n", opts);
    ASSERT_EQ(nights.size(), 1u);
    const NightMetrics m = compute_metrics(nights[0]);
    EXPECT_DOUBLE_EQ(m.tib_min, 5);
    EXPECT_DOUBLE_EQ(m.light_min, 1);
    EXPECT_TRUE(std::isnan(m.n1_min));
}

TEST(HypnogramText, ErrorsNameFileLineAndField) {
    EXPECT_EQ(error_of("W\nN2\nN2\nN2\nX7\n", {}), "h.txt:5: stage \"X7\": not a stage label; expected W, N1, N2, N3, R, L, A, M or ?");
    EXPECT_EQ(error_of("0\n9\n"),
              "h.txt:2: stage \"9\": integer stage outside YASA's codes (0 W, 1 N1, 2 N2, 3 N3, 4 REM, -1/-2 unscored); "
              "give a mapping with --stage-map");
    ImportOptions opts;
    opts.start = "2024-13-01T22:00:00";
    EXPECT_EQ(error_of("W\nN2\n", opts), "h.txt: start time \"2024-13-01T22:00:00\": month 13 out of range");
    EXPECT_EQ(error_of("# only a comment\n"), "h.txt: not a format sleeparch reads (see `sleeparch formats`)");
    EXPECT_EQ(error_of(""), "h.txt: file is empty");
    EXPECT_EQ(error_of("# epoch: 0\nW\n"), "h.txt:1: epoch header \"0\": expected a whole number of seconds between 1 and 3600");
}

TEST(HypnogramText, ForcedFormatReportsTheMissingColumn) {
    try {
        import_buffer("a,b\n1,2\n", "x.csv", {}, "hypnogram");
        FAIL() << "expected a ParseError";
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(), "x.csv:1: header: no stage column (name one with --column)");
    }
}

TEST(HypnogramText, RecognitionIsByContent) {
    const Importer* h = find_importer("hypnogram");
    ASSERT_NE(h, nullptr);
    EXPECT_TRUE(h->recognises("anything.dat", "# c\nW\nN1\n"));
    EXPECT_TRUE(h->recognises("x.csv", "epoch,stage\n1,W\n"));
    EXPECT_FALSE(h->recognises("x.txt", "hello world\n"));
    EXPECT_FALSE(h->recognises("x.json", "{\"sleep\": []}"));
    EXPECT_FALSE(h->recognises("x.bin", std::string("W\n\x01\x02\n", 5)));
}

// tests/fixtures/hypnogram/rk_letters_digits_cr.txt (README there): an R&K
// hypnogram with CR-only line ends; the answer is worked by hand.
std::string rk_fixture() {
    return sleeparch::testing::read_file(sleeparch::testing::source_dir() / "tests/fixtures/hypnogram/rk_letters_digits_cr.txt");
}

std::string with_line_ends(const std::string& cr_text, const std::string& end) {
    std::string out;
    for (char c : cr_text) {
        if (c == '\r') out += end;
        else out += c;
    }
    return out;
}

TEST(HypnogramText, RkDigitsBesideLettersAnyLineEndingKnownAnswer) {
    const std::string cr = rk_fixture();
    ASSERT_EQ(cr.find('\n'), std::string::npos) << "the fixture must keep its CR-only line ends";
    for (const std::string end : {"\r", "\n", "\r\n"}) {
        SCOPED_TRACE(end == "\r" ? "CR" : end == "\n" ? "LF" : "CRLF");
        const std::string text = with_line_ends(cr, end);
        // Recognised by content, not only when forced.
        ImportBatch b = import_buffer(text, "SC4001E0-hypnogram.txt", {});
        ASSERT_EQ(b.warnings.size(), 1u);
        EXPECT_EQ(b.warnings[0].line, 102u);  // the first "4": 100 epochs after the header line
        EXPECT_EQ(b.warnings[0].message,
                  "digits beside letter labels read as R&K stages: 4 is stage 4 (N3, deep), not YASA's REM; give "
                  "--stage-map to read them otherwise");
        const auto nights = assemble_nights(b).nights;
        ASSERT_EQ(nights.size(), 1u);
        const Night& n = nights[0];
        EXPECT_EQ(format_local_iso(n.window_start, n.utc_offset_min), "2024-03-01T23:00:00+01:00");
        const NightMetrics m = compute_metrics(n);
        EXPECT_DOUBLE_EQ(m.tib_min, 270.5);
        EXPECT_DOUBLE_EQ(m.n1_min, 5);
        EXPECT_DOUBLE_EQ(m.n2_min, 95);
        EXPECT_DOUBLE_EQ(m.deep_min, 75);
        EXPECT_DOUBLE_EQ(m.rem_min, 77.5);
        EXPECT_DOUBLE_EQ(m.wake_min, 16);
        EXPECT_DOUBLE_EQ(m.unscored_min, 2);
        EXPECT_DOUBLE_EQ(m.tst_min, 252.5);
        EXPECT_DOUBLE_EQ(m.sol_min, 10);
        EXPECT_DOUBLE_EQ(m.awakenings, 1);
        EXPECT_DOUBLE_EQ(m.waso_min, 1);  // the movement run
    }
}

TEST(HypnogramText, IntegerOnlyFilesKeepYasaCodesAndAMapOverridesRk) {
    // The same digits without letters: YASA's 4 = REM.
    auto nights = nights_of("0\n2\n3\n4\n4\n0\n");
    NightMetrics m = compute_metrics(nights.at(0));
    EXPECT_DOUBLE_EQ(m.deep_min, 0.5);
    EXPECT_DOUBLE_EQ(m.rem_min, 1);
    // Beside a letter: R&K, 4 = N3.
    nights = nights_of("W\n2\n3\n4\n4\nW\n");
    m = compute_metrics(nights.at(0));
    EXPECT_DOUBLE_EQ(m.deep_min, 1.5);
    EXPECT_DOUBLE_EQ(m.rem_min, 0);
    // An explicit --stage-map wins over both conventions.
    ImportOptions opts;
    opts.integer_map = {{"2", Stage::N2}, {"3", Stage::Deep}, {"4", Stage::REM}};
    nights = nights_of("W\n2\n3\n4\n4\nW\n", opts);
    m = compute_metrics(nights.at(0));
    EXPECT_DOUBLE_EQ(m.rem_min, 1);
    // Digits outside R&K's stages beside letters name the convention.
    EXPECT_EQ(error_of("W\n2\n5\n"),
              "h.txt:3: stage \"5\": integer stage outside the R&K stages (1, 2, 3, 4; 0 W, -1/-2 unscored) that digits "
              "mean beside letter labels; give a mapping with --stage-map");
    EXPECT_DOUBLE_EQ(compute_metrics(nights_of("W\n2\n-1\n2\nW\n").at(0)).unscored_min, 0.5);
}

TEST(HypnogramText, MovementIsWakeAndEdfAnnotationTextIsRead) {
    ImportOptions opts;
    opts.start = "2024-03-01T23:00:00Z";
    auto nights = nights_of("Sleep stage W\nSleep stage 1\nSleep stage 4\nMovement time\nSleep stage R\nMT\nm\n"
                            "Sleep stage ?\n",
                            opts);
    ASSERT_EQ(nights.size(), 1u);
    const NightMetrics m = compute_metrics(nights[0]);
    EXPECT_DOUBLE_EQ(m.n1_min, 0.5);
    EXPECT_DOUBLE_EQ(m.deep_min, 0.5);  // "Sleep stage 4": R&K
    EXPECT_DOUBLE_EQ(m.rem_min, 0.5);
    EXPECT_DOUBLE_EQ(m.wake_min, 2);  // W and three movement epochs
    EXPECT_DOUBLE_EQ(m.unscored_min, 0.5);
    const Importer* h = find_importer("hypnogram");
    EXPECT_TRUE(h->recognises("x.txt", "M\nW\n1\n2\n"));
    EXPECT_TRUE(h->recognises("x.txt", "Sleep stage W\rSleep stage 1\r"));
}

TEST(HypnogramText, CrOnlyFilesAreRecognisedAndKeepTheirLineNumbers) {
    const Importer* h = find_importer("hypnogram");
    EXPECT_TRUE(h->recognises("x.txt", "W\r1\r2\r3\r4\rR\r?\r"));
    EXPECT_TRUE(h->recognises("x.txt", "# start: 2024-03-01T23:00:00Z\rW\rN2\r"));
    EXPECT_TRUE(h->recognises("x.csv", "epoch,stage\r1,W\r2,N2\r"));
    EXPECT_FALSE(h->recognises("x.txt", "hello world\rmore words\r"));
    EXPECT_EQ(error_of("W\rN2\rN2\rN2\rX7\r"),
              "h.txt:5: stage \"X7\": not a stage label; expected W, N1, N2, N3, R, L, A, M or ?");
    EXPECT_EQ(error_of("W\r\nN2\r\nN2\r\nN2\r\nX7\r\n"),
              "h.txt:5: stage \"X7\": not a stage label; expected W, N1, N2, N3, R, L, A, M or ?");
    // A CR-only CSV reads through the CSV path too.
    ImportOptions opts;
    opts.start = "2024-03-01T23:00:00Z";
    const auto nights = nights_of("epoch,stage\r1,W\r2,N2\r3,4\r4,W\r", opts);
    ASSERT_EQ(nights.size(), 1u);
    EXPECT_DOUBLE_EQ(compute_metrics(nights[0]).deep_min, 0.5);  // R&K beside letters
}

// Real files from YASA's repository (../shared/samples).
TEST(HypnogramText, YasaSampleLabels) {
    const auto path = sleeparch::testing::sample("hypnogram_txt/yasa_sub-02_hypno_30s.txt");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch b = import_paths({path.string()}, {});
    const auto r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const NightMetrics m = compute_metrics(r.nights[0]);
    // 98 epochs: 36 W, 9 N1, 31 N2, 22 N3 (counted with `sort | uniq -c`).
    EXPECT_DOUBLE_EQ(m.tib_min, 49);
    EXPECT_DOUBLE_EQ(m.tst_min, 31);
    EXPECT_DOUBLE_EQ(m.n1_min, 4.5);
    EXPECT_DOUBLE_EQ(m.n2_min, 15.5);
    EXPECT_DOUBLE_EQ(m.deep_min, 11);
    EXPECT_DOUBLE_EQ(m.wake_min, 18);
}

TEST(HypnogramText, YasaSampleIntegersWithComments) {
    const auto path = sleeparch::testing::sample("hypnogram_txt/yasa_data_full_6hrs_100Hz_hypno_30s.txt");
    if (path.empty()) GTEST_SKIP() << "../shared/samples absent";
    ImportBatch b = import_paths({path.string()}, {});
    const auto r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 1u);
    const NightMetrics m = compute_metrics(r.nights[0]);
    // 720 epochs: 43 W, 22 N1, 318 N2, 182 N3, 155 REM.
    EXPECT_DOUBLE_EQ(m.tib_min, 360);
    EXPECT_DOUBLE_EQ(m.tst_min, (720 - 43) / 2.0);
    EXPECT_DOUBLE_EQ(m.rem_min, 77.5);
    EXPECT_DOUBLE_EQ(m.deep_min, 91);
    EXPECT_NEAR(m.se_pct, 100.0 * 677 / 720, 1e-9);
}

TEST(HypnogramText, EpochHeaderUnlessTheOptionSaysOtherwise) {
    const std::string text = "# start: 2024-01-01T23:00:00Z\n# epoch: 60\nW\nN2\nN2\nW\n";
    auto nights = nights_of(text);
    ASSERT_EQ(nights.size(), 1u);
    EXPECT_EQ(nights[0].epoch_s, 60);
    EXPECT_DOUBLE_EQ(compute_metrics(nights[0]).tib_min, 4);
    ImportOptions opts;
    opts.epoch_s = 30;
    nights = nights_of(text, opts);
    ASSERT_EQ(nights.size(), 1u);
    EXPECT_DOUBLE_EQ(compute_metrics(nights[0]).tib_min, 2);
}

TEST(HypnogramText, CsvWithQuotedFieldsAndComments) {
    ImportOptions opts;
    opts.start = "2024-01-01T22:00:00Z";
    const std::string text =
        "# scored by two raters\n"
        "time,stage,note\n"
        "\"22:00, lights off\",W,\"door, closed\"\n"
        "22:00:30,N2,\n"
        "# a comment between rows\n"
        "22:01,N3,\"said \"\"hm\"\"\"\n"
        "22:01:30,R,\n";
    const auto nights = nights_of(text, opts);
    ASSERT_EQ(nights.size(), 1u);
    const NightMetrics m = compute_metrics(nights[0]);
    EXPECT_DOUBLE_EQ(m.tib_min, 2);
    EXPECT_DOUBLE_EQ(m.deep_min, 0.5);
    EXPECT_EQ(error_of("time,stage\n1,W\n2,\"N2\n", opts),
              "h.txt:3: CSV field 2: quoted field is not closed before the end of the input");
    EXPECT_EQ(error_of("time,stage\n1,W\n2\n", opts), "h.txt:3: stage column: row has 1 fields, expected at least 2");
}
