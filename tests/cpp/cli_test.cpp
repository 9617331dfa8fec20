// The sleeparch command: known answers through JSON, exit codes, messages, files.
#include <gtest/gtest.h>

#include "sleeparch/api.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.hpp"

using sleeparch::testing::run_cli;
using sleeparch::testing::TempDir;

namespace {

const char* kYasa = "# start: 2024-03-01T23:00:00+01:00\n0\n0\n1\n1\n1\n2\n2\n2\n3\n3\n3\n2\n3\n3\n4\n4\n4\n4\n0\n0\n";

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set (run through ctest)";
    }
};

}  // namespace

TEST_F(Cli, NightsJsonGivesTheYasaKnownAnswers) {
    TempDir tmp;
    const auto f = tmp.write("yasa.txt", kYasa);
    const auto r = run_cli({"nights", f.string(), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 1u);
    const auto& n = j[0];
    EXPECT_EQ(n["date"], "2024-03-01");
    EXPECT_EQ(n["source"], "hypnogram");
    EXPECT_EQ(n["is_nap"], false);
    EXPECT_DOUBLE_EQ(n["tib_min"].get<double>(), 10);
    EXPECT_DOUBLE_EQ(n["spt_min"].get<double>(), 8);
    EXPECT_DOUBLE_EQ(n["waso_min"].get<double>(), 0);
    EXPECT_DOUBLE_EQ(n["tst_min"].get<double>(), 8);
    EXPECT_DOUBLE_EQ(n["sol_min"].get<double>(), 1);
    EXPECT_DOUBLE_EQ(n["rem_latency_from_bed_min"].get<double>(), 7);
    EXPECT_DOUBLE_EQ(n["rem_latency_min"].get<double>(), 6);
    EXPECT_DOUBLE_EQ(n["n1_pct"].get<double>(), 18.75);
    EXPECT_DOUBLE_EQ(n["n2_pct"].get<double>(), 25);
    EXPECT_DOUBLE_EQ(n["deep_pct"].get<double>(), 31.25);
    EXPECT_DOUBLE_EQ(n["rem_pct"].get<double>(), 25);
    EXPECT_DOUBLE_EQ(n["se_pct"].get<double>(), 80);
    EXPECT_DOUBLE_EQ(n["sme_pct"].get<double>(), 100);
    EXPECT_TRUE(n["mean_wake_episode_min"].is_null());  // NaN as null
    EXPECT_EQ(n["onset_local"], "2024-03-01T23:01:00+01:00");
    EXPECT_EQ(n["transitions"].size(), 6u);
}

TEST_F(Cli, CsvHasEveryMetricColumn) {
    TempDir tmp;
    const auto f = tmp.write("yasa.txt", kYasa);
    const auto r = run_cli({"nights", f.string(), "--format", "csv"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string header = r.out.substr(0, r.out.find('\n'));
    // The night-row schema: every field but the transition matrix, in order.
    std::string want;
    for (const auto& f : sleeparch::api::night_fields())
        if (f.kind != sleeparch::api::FieldKind::Transitions && f.kind != sleeparch::api::FieldKind::Cycles) want += (want.empty() ? "" : ",") + std::string(f.name);
    EXPECT_EQ(header, want);
    EXPECT_EQ(header.rfind("date,source,source_format,source_name,source_device,source_version,is_nap,summary_only,"
                           "utc_offset_min,epoch_s,window_start_local,window_end_local,tib_min,tst_min,",
                           0),
              0u)
        << header;
    EXPECT_NE(header.find(",sfi_per_h,"), std::string::npos);
    EXPECT_NE(header.find(",midpoint_local,dropped_sources,notes"), std::string::npos);
}

TEST_F(Cli, JsonNightsFollowTheSchema) {
    TempDir tmp;
    const auto f = tmp.write("yasa.txt", kYasa);
    const auto r = run_cli({"nights", f.string(), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rows = nlohmann::ordered_json::parse(r.out);
    ASSERT_EQ(rows.size(), 1u);
    std::vector<std::string> keys, want;
    for (auto it = rows[0].begin(); it != rows[0].end(); ++it) keys.push_back(it.key());
    // The vendor_* fields are one "vendor" object, at the place of the first.
    for (const auto& field : sleeparch::api::night_fields()) {
        const std::string name(field.name);
        if (name.rfind("vendor_", 0) != 0) want.push_back(name);
        else if (want.empty() || want.back() != "vendor") want.emplace_back("vendor");
    }
    EXPECT_EQ(keys, want);
    EXPECT_EQ(rows[0]["vendor"].size(), 8u);
    EXPECT_TRUE(rows[0]["vendor"]["tst_min"].is_null());  // a plain hypnogram states no totals
    EXPECT_EQ(rows[0]["utc_offset_min"], 60);
    EXPECT_EQ(rows[0]["source_format"], "hypnogram");
    EXPECT_EQ(rows[0]["epoch_s"], 30);
}

// METRICS.md §2: nothing staged -> shares and cycles blank in the table and
// CSV, null in JSON (with the reason), never 0.
TEST_F(Cli, UnstagedNightLeavesSharesAndCyclesBlank) {
    TempDir tmp;
    std::string text = "# start: 2024-03-01T23:00:00+01:00\n";
    for (int i = 0; i < 800; ++i) text += "A\n";
    const auto f = tmp.write("asleep.txt", text);
    const auto table = run_cli({"nights", f.string()});
    ASSERT_EQ(table.exit_code, 0) << table.err;
    // date source onset wake TIB TST SE% SOL WASO awak5 SFI/h: deep%, REM%, light% and cycles blank.
    const std::string row = table.out.substr(table.out.find("2024-03-02"));
    std::istringstream cells(row.substr(0, row.find('\n')));
    std::vector<std::string> tokens{std::istream_iterator<std::string>(cells), {}};
    EXPECT_EQ(tokens.size(), 11u) << row;
    const auto csv = run_cli({"nights", f.string(), "--format", "csv"});
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    auto split = [](const std::string& line) {
        std::vector<std::string> out(1);
        for (char c : line) {
            if (c == ',') out.emplace_back();
            else out.back().push_back(c);
        }
        return out;
    };
    const auto header = split(csv.out.substr(0, csv.out.find('\n')));
    const auto values = split(csv.out.substr(csv.out.find('\n') + 1, csv.out.find('\n', csv.out.find('\n') + 1) -
                                                                           csv.out.find('\n') - 1));
    ASSERT_EQ(header.size(), values.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == "deep_pct" || header[i] == "rem_pct" || header[i] == "light_pct" ||
            header[i] == "nrem_cycles" || header[i] == "mean_cycle_min") {
            EXPECT_EQ(values[i], "") << header[i];
        }
        if (header[i] == "staged_fraction") EXPECT_EQ(values[i], "0.0000");
    }
    const auto json = run_cli({"nights", f.string(), "--format", "json"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    const auto n = nlohmann::json::parse(json.out)[0];
    EXPECT_TRUE(n["deep_pct"].is_null());
    EXPECT_TRUE(n["rem_pct"].is_null());
    EXPECT_TRUE(n["light_pct"].is_null());
    EXPECT_TRUE(n["nrem_cycles"].is_null());
    EXPECT_TRUE(n["cycles"].is_null());
    EXPECT_EQ(n["notes"], nlohmann::json::array({"nrem_cycles: no staged sleep (sleep without stages only)"}));
}

TEST_F(Cli, NightsJsonListsTheCycles) {
    TempDir tmp;
    std::string text = "# start: 2024-03-01T23:00:00+01:00\n";
    for (int i = 0; i < 100; ++i) text += i < 40 || i >= 60 ? "N2\n" : "R\n";
    const auto r = run_cli({"nights", tmp.write("cycles.txt", text).string(), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto n = nlohmann::json::parse(r.out)[0];
    // Luna (HYPNO): a cycle of N2 20 + R 10 min, and the last NREM period as a second.
    EXPECT_EQ(n["nrem_cycles"], 2);
    EXPECT_EQ(n["complete_cycles"], 1);
    EXPECT_EQ(n["cycles"], nlohmann::json::parse(R"([
        {"start": "2024-03-01T23:00:00+01:00", "end": "2024-03-01T23:30:00+01:00", "nrem_min": 20.0,
         "rem_min": 10.0, "complete": true},
        {"start": "2024-03-01T23:30:00+01:00", "end": "2024-03-01T23:50:00+01:00", "nrem_min": 20.0,
         "rem_min": 0.0, "complete": false}])"));
    EXPECT_EQ(n["notes"], nlohmann::json::array());
}

TEST_F(Cli, OutputFileIsWrittenWholeAndNotOnError) {
    TempDir tmp;
    const auto good = tmp.write("yasa.txt", kYasa);
    const auto bad = tmp.write("bad.txt", "W\nN2\nN2\nN2\nN2\nbanana\n");
    const auto out = tmp.path() / "nights.json";
    auto r = run_cli({"nights", good.string(), "--format", "json", "-o", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(nlohmann::json::parse(sleeparch::testing::read_file(out)).size(), 1u);
    const auto out2 = tmp.path() / "never.json";
    r = run_cli({"nights", good.string(), bad.string(), "-o", out2.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + bad.string() + ":6: stage \"banana\": not a stage label; expected W, N1, N2, N3, R, L, A, M or ?\n");
    EXPECT_FALSE(std::filesystem::exists(out2));
    for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
        EXPECT_EQ(e.path().filename().string().find(".never"), std::string::npos) << "temporary file left behind";
}

TEST_F(Cli, OutputThroughASymlinkOrIntoAFifoKeepsThem) {
    namespace fs = std::filesystem;
    TempDir tmp;
    const auto good = tmp.write("yasa.txt", kYasa);
    const std::string csv = run_cli({"nights", good.string(), "--format", "csv"}).out;
    ASSERT_EQ(csv.rfind("date,", 0), 0u) << csv;
    // A symlink: the file it names is replaced, the link stays.
    const auto real = tmp.write("real.csv", "old\n");
    const auto link = tmp.path() / "link.csv";
    fs::create_symlink(real, link);
    auto r = run_cli({"nights", good.string(), "--format", "csv", "-o", link.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
    EXPECT_EQ(sleeparch::testing::read_file(real), csv);
    // A FIFO (like /dev/null, not a file to replace): written into, and still a FIFO.
    const auto fifo = tmp.path() / "pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);  // a reader that never blocks the writer
    ASSERT_GE(fd, 0);
    r = run_cli({"nights", good.string(), "--format", "csv", "-o", fifo.string()});
    std::string got(1 << 16, '\0');
    const ssize_t k = ::read(fd, got.data(), got.size());
    ::close(fd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
    got.resize(k > 0 ? static_cast<std::size_t>(k) : 0);
    EXPECT_EQ(got, csv);
}

TEST_F(Cli, OutputIntoAFolderOrAMissingFolderExitsOneNamingThePath) {
    namespace fs = std::filesystem;
    TempDir tmp;
    const auto good = tmp.write("yasa.txt", kYasa);
    fs::create_directory(tmp.path() / "out");
    auto r = run_cli({"nights", good.string(), "-o", (tmp.path() / "out").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + (tmp.path() / "out").string() + ": cannot write: Is a directory\n");
    EXPECT_TRUE(fs::is_directory(tmp.path() / "out"));
    const auto missing = tmp.path() / "no-such-folder" / "nights.csv";
    r = run_cli({"nights", good.string(), "-o", missing.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + missing.string() + ": cannot write: No such file or directory\n");
    for (const auto& e : fs::directory_iterator(tmp.path()))
        EXPECT_NE(e.path().filename().string()[0], '.') << "temporary file left behind: " << e.path();
}

TEST_F(Cli, MissingEmptyAndUnknownFilesExitOne) {
    TempDir tmp;
    auto r = run_cli({"nights", (tmp.path() / "nope.txt").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + (tmp.path() / "nope.txt").string() + ": no such file or directory\n");
    const auto empty = tmp.write("empty.txt", "");
    r = run_cli({"nights", empty.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + empty.string() + ": file is empty\n");
    const auto junk = tmp.write("junk.bin", "hello world, this is not sleep\n");
    r = run_cli({"nights", junk.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + junk.string() + ": not a format sleeparch reads (see `sleeparch formats`)\n");
}

TEST_F(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(run_cli({}).exit_code, 2);
    EXPECT_EQ(run_cli({"nights"}).exit_code, 2);
    EXPECT_EQ(run_cli({"nights", "x", "--format", "yaml"}).exit_code, 2);
    EXPECT_EQ(run_cli({"bogus"}).exit_code, 2);
    TempDir tmp;
    const auto f = tmp.write("yasa.txt", kYasa);
    const auto r = run_cli({"nights", f.string(), "--from", "March"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "sleeparch: --from: expected YYYY-MM-DD, got \"March\"\n");
    EXPECT_EQ(run_cli({"nights", "--help"}).exit_code, 0);
}

TEST_F(Cli, FoldersAreWalkedAndSkipsListed) {
    TempDir tmp;
    tmp.write("a/n1.txt", "# start: 2024-03-01T23:00:00Z\nW\nN2\nN2\nR\nW\n");
    tmp.write("a/b/n2.txt", "# start: 2024-03-02T23:00:00Z\nW\nN2\nN2\nN3\nW\n");
    tmp.write("a/notes.md", "# My sleep\nsome words here\n");
    const auto r = run_cli({"nights", (tmp.path() / "a").string(), "--format", "json", "--verbose"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).size(), 2u);
    EXPECT_NE(r.err.find("skipped " + (tmp.path() / "a/notes.md").string() + ": not a recognised format"),
              std::string::npos)
        << r.err;
}

TEST_F(Cli, FolderWithNothingRecognisedExitsOneListingTheSkips) {
    TempDir tmp;
    tmp.write("e/notes.md", "# My sleep\nsome words here\n");
    tmp.write("e/raw_bed_hr.csv", "start,duration,value\n2024-03-01T23:30:00+01:00,\"[60,60]\",\"[65,62]\"\n");
    tmp.write("e/empty.txt", "");
    const std::string dir = (tmp.path() / "e").string();
    auto r = run_cli({"nights", dir});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "sleeparch: " + dir +
                         ": no file in this folder is a format sleeparch reads (see `sleeparch formats`); skipped 3 "
                         "files: " +
                         dir + "/empty.txt (empty file); " + dir + "/notes.md (not a recognised format); " + dir +
                         "/raw_bed_hr.csv (a Withings raw data series, not sleep states (only "
                         "raw_<device>_sleep-state.csv files hold them))\n");
    tmp.write("empty_dir/.keep", "");
    r = run_cli({"nights", (tmp.path() / "empty_dir").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + (tmp.path() / "empty_dir").string() +
                         ": no files in this folder (see `sleeparch formats` for what sleeparch reads)\n");
    // With one recognised file the folder works, and --verbose lists the skips with their reasons.
    tmp.write("e/n1.txt", "# start: 2024-03-01T23:00:00Z\nW\nN2\nN2\nR\nW\n");
    r = run_cli({"nights", dir, "--format", "json", "--verbose"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).size(), 1u);
    EXPECT_NE(r.err.find("skipped " + dir +
                         "/raw_bed_hr.csv: a Withings raw data series, not sleep states (only "
                         "raw_<device>_sleep-state.csv files hold them)\n"),
              std::string::npos)
        << r.err;
}

TEST_F(Cli, WithingsExportFolderGivesItsNight) {
    const std::string dir = (sleeparch::testing::source_dir() / "tests/fixtures/withings_export").string();
    const auto r = run_cli({"nights", dir, "--format", "json", "--verbose"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["date"], "2024-03-02");
    EXPECT_DOUBLE_EQ(j[0]["tst_min"].get<double>(), 15);
    EXPECT_DOUBLE_EQ(j[0]["deep_min"].get<double>(), 6);
    EXPECT_NE(r.err.find("skipped " + dir + "/raw_tracker_steps.csv: a Withings raw data series"), std::string::npos)
        << r.err;
}

TEST_F(Cli, VerboseShowsTheSamsungBedtimeNote) {
    const std::string fixture =
        (sleeparch::testing::source_dir() / "tests/fixtures/samsung_health/com.samsung.health.sleep_stage.20210305101500.csv")
            .string();
    auto r = run_cli({"nights", fixture, "--verbose"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("note: " + fixture +
                         ":3: start_time read as UTC (reported for this export, not confirmed): \"2021-03-02 "
                         "21:10:00.000\" with time_offset \"UTC+0200\" is the local bedtime 2021-03-02T23:10:00+02:00"),
              std::string::npos)
        << r.err;
    r = run_cli({"nights", fixture});
    EXPECT_EQ(r.err.find("note: " + fixture), std::string::npos) << r.err;
}

TEST_F(Cli, SummaryReportsRegularity) {
    TempDir tmp;
    std::string a = "# start: 2024-03-01T23:00:00Z\n", b = "# start: 2024-03-02T23:00:00Z\n",
                c = "# start: 2024-03-03T23:00:00Z\n";
    for (int i = 0; i < 960; ++i) {
        a += "N2\n";
        b += "N2\n";
        c += "N2\n";
    }
    tmp.write("n/a.txt", a);
    tmp.write("n/b.txt", b);
    tmp.write("n/c.txt", c);
    const auto r = run_cli({"nights", (tmp.path() / "n").string(), "--summary", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_DOUBLE_EQ(j["sri"].get<double>(), 100);
    EXPECT_EQ(j["sri_day_pairs"], 1);
    EXPECT_EQ(j["metrics"]["tst_min"]["n"], 3);
    EXPECT_DOUBLE_EQ(j["metrics"]["tst_min"]["mean"].get<double>(), 480);
}

TEST_F(Cli, FormatsListsTheImporters) {
    const auto r = run_cli({"formats", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    bool hypnogram = false;
    for (const auto& f : j) hypnogram |= f["id"] == "hypnogram";
    EXPECT_TRUE(hypnogram);
}

TEST_F(Cli, NightsWithIntakeAddsTheLinkingColumns) {
    TempDir tmp;
    std::string eight_hours = "W\n";
    for (int i = 0; i < 960; ++i) eight_hours += "N2\n";
    tmp.write("n/a.txt", "# start: 2024-03-01T23:00:00+01:00\n" + eight_hours);
    tmp.write("n/b.txt", "# start: 2024-03-02T23:00:00+01:00\n" + eight_hours);
    // A timed dose before the second night; a date-only dose on 2024-03-02 -> the night labelled 03-03.
    const auto log = tmp.write("mg.csv",
                               "date,time,mg_elemental,amount_mg,form,tags\n"
                               "2024-03-02,21:30+01:00,150,,,alcohol\n"
                               "2024-03-02,,,1000,citrate,\n");
    const auto r = run_cli({"nights", (tmp.path() / "n").string(), "--intake", log.string(), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0]["date"], "2024-03-02");
    EXPECT_DOUBLE_EQ(j[0]["mg_elemental"].get<double>(), 0);
    EXPECT_EQ(j[1]["date"], "2024-03-03");
    EXPECT_NEAR(j[1]["mg_elemental"].get<double>(), 150 + 1000 * 0.162, 1e-9);
    EXPECT_NEAR(j[1]["dose_to_onset_min"].get<double>(), 90.5, 1e-9);  // 21:30 -> onset 23:00:30
    EXPECT_EQ(j[1]["tags"], nlohmann::json::array({"alcohol"}));
    const auto bad = tmp.write("bad.csv", "date,mg_elemental\n2024-03-02,lots\n");
    const auto e = run_cli({"nights", (tmp.path() / "n").string(), "--intake", bad.string()});
    EXPECT_EQ(e.exit_code, 1);
    EXPECT_NE(e.err.find(bad.string() + ":2: mg_elemental"), std::string::npos) << e.err;
}

TEST_F(Cli, DemoRunsTheWholeJob) {
    const auto r = run_cli({"demo"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Before/after magnesium"), std::string::npos);
    EXPECT_NE(r.out.find("not proof"), std::string::npos);
    EXPECT_EQ(r.out.find("caused by"), std::string::npos);
}

// The plain-hypnogram --tz bug: an IANA --tz used to be ignored for a
// "# start:" without offset (utc_offset +00:00, read as UTC), while --tz +01:00
// worked. Both now give 23:00 local = 22:00 UTC, with no warning.
TEST_F(Cli, IanaTzPlacesAPlainHypnogramLikeTheEqualOffset) {
    TempDir tmp;
    const auto f = tmp.write("night.txt", "# start: 2025-03-01T23:00:00\nW\nN1\nN2\nN2\nN3\nN3\nR\nR\nW\n");
    const auto named = run_cli({"nights", f.string(), "--tz", "Europe/Berlin", "--format", "json"});
    ASSERT_EQ(named.exit_code, 0) << named.err;
    const auto fixed = run_cli({"nights", f.string(), "--tz", "+01:00", "--format", "json"});
    ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
    EXPECT_EQ(named.out, fixed.out);
    EXPECT_TRUE(named.err.empty()) << named.err;
    const auto j = nlohmann::json::parse(named.out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["utc_offset_min"], 60);
    EXPECT_EQ(j[0]["date"], "2025-03-01");
    EXPECT_EQ(j[0]["onset_local"], "2025-03-01T23:00:30+01:00");

    // Without --tz: UTC, and the warning says so once.
    const auto plain = run_cli({"nights", f.string(), "--format", "json"});
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_EQ(nlohmann::json::parse(plain.out)[0]["utc_offset_min"], 0);
    EXPECT_NE(plain.err.find("times have no UTC offset and no --tz was given: read as UTC"), std::string::npos)
        << plain.err;

    // An unknown zone is a usage error naming it, before any file is read.
    const auto bad = run_cli({"nights", f.string(), "--tz", "Europe/Atlantis"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("\"Europe/Atlantis\""), std::string::npos) << bad.err;
}
