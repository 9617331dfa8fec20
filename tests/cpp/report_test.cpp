// `sleeparch report`: the SVG helpers, the page (well-formed, escaped,
// deterministic, no network, honest wording) and the command.
//
// The page renderer is its own library (sleeparch::report), so it is tested
// here without running the CLI too.
#include <gtest/gtest.h>

#include <expat.h>

#include <filesystem>

#include "sleeparch/number_format.hpp"
#include "sleeparch/report.hpp"
#include "support/test_support.hpp"

namespace {

using boost::gregorian::date;
using boost::gregorian::date_duration;
using sleeparch::DateRange;
using sleeparch::Night;
using sleeparch::Segment;
using sleeparch::Stage;
using namespace sleeparch::report;
using sleeparch::fmt_number;
namespace fs = std::filesystem;

// "" when `text` is well-formed XML, else expat's message with the line.
std::string xml_error(const std::string& text) {
    XML_Parser p = XML_ParserCreate("UTF-8");
    std::string err;
    if (XML_Parse(p, text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_ERROR)
        err = std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at line " +
              std::to_string(XML_GetCurrentLineNumber(p)) + ", column " +
              std::to_string(XML_GetCurrentColumnNumber(p));
    XML_ParserFree(p);
    return err;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

// Every "caused" on the page sits in the library's negation.
void expect_no_causal_claim(const std::string& html) {
    const std::string negation = "not proof that magnesium ";
    for (std::size_t pos = html.find("caused"); pos != std::string::npos; pos = html.find("caused", pos + 1)) {
        ASSERT_GE(pos, negation.size());
        EXPECT_EQ(html.substr(pos - negation.size(), negation.size()), negation)
            << html.substr(pos > 80 ? pos - 80 : 0, 120);
    }
    EXPECT_EQ(html.find("caused by"), std::string::npos);
}

void expect_self_contained(const std::string& html) {
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    EXPECT_EQ(html.find("src="), std::string::npos);
}

// ---- helpers ----------------------------------------------------------------

TEST(ReportHelpers, EscapesHtmlAndBadBytes) {
    EXPECT_EQ(html_escape("<script>alert(1)</script> & \"x\" 'y'"),
              "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;");
    EXPECT_EQ(html_escape("Anna\xE2\x80\x99s Apple Watch"), "Anna\xE2\x80\x99s Apple Watch");
    EXPECT_EQ(html_escape(std::string("a\x01" "b\x7f", 4)), "ab\x7f");
    EXPECT_EQ(html_escape("bad \xFF byte"), "bad \xEF\xBF\xBD byte");
    EXPECT_EQ(html_escape("cut \xE2\x80"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(xml_error("<p>" + html_escape("a\x02<b>&\xC0\xAF") + "</p>"), "");
}

TEST(ReportHelpers, LinearScaleAndTicks) {
    const LinearScale s{0, 10, 100, 200};
    EXPECT_DOUBLE_EQ(s(0), 100);
    EXPECT_DOUBLE_EQ(s(5), 150);
    EXPECT_DOUBLE_EQ(s(10), 200);
    const LinearScale inverted{0, 4, 180, 20};  // SVG y grows downwards
    EXPECT_DOUBLE_EQ(inverted(4), 20);
    EXPECT_DOUBLE_EQ(inverted(1), 140);
    EXPECT_DOUBLE_EQ((LinearScale{3, 3, 0, 10})(3), 5);

    EXPECT_EQ(nice_ticks(0, 100, 5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
    EXPECT_EQ(nice_ticks(3, 27, 4), (std::vector<double>{0, 10, 20, 30}));
    const auto t = nice_ticks(12.3, 18.9, 4);
    EXPECT_LE(t.front(), 12.3);
    EXPECT_GE(t.back(), 18.9);
    EXPECT_EQ(t, (std::vector<double>{12, 14, 16, 18, 20}));
    const auto flat = nice_ticks(5, 5, 4);  // one value: a range around it
    EXPECT_LT(flat.front(), 5);
    EXPECT_GT(flat.back(), 5);
    EXPECT_EQ(svg_num(-0.04), "0.0");
    EXPECT_EQ(svg_num(12.345), "12.3");
}

TEST(ReportHelpers, PeriodShadingCoordinates) {
    // 10 dates on 100..200 px: each date's column is 10 px wide.
    const DayAxis axis(date(2024, 3, 1), date(2024, 3, 10), 100, 200);
    EXPECT_DOUBLE_EQ(axis.center(date(2024, 3, 1)), 105);
    EXPECT_DOUBLE_EQ(axis.center(date(2024, 3, 10)), 195);
    auto s = period_span(DateRange{date(2024, 3, 3), date(2024, 3, 5)}, axis);
    ASSERT_TRUE(s);
    EXPECT_DOUBLE_EQ(s->x0, 120);
    EXPECT_DOUBLE_EQ(s->x1, 150);
    // Clipped to the axis, open ends run to its edges.
    s = period_span(DateRange{date(2024, 2, 1), date(2024, 3, 2)}, axis);
    ASSERT_TRUE(s);
    EXPECT_DOUBLE_EQ(s->x0, 100);
    EXPECT_DOUBLE_EQ(s->x1, 120);
    s = period_span(DateRange{date(2024, 3, 9), date(boost::date_time::pos_infin)}, axis);
    ASSERT_TRUE(s);
    EXPECT_DOUBLE_EQ(s->x0, 180);
    EXPECT_DOUBLE_EQ(s->x1, 200);
    s = period_span(DateRange{date(boost::date_time::neg_infin), date(2024, 3, 1)}, axis);
    ASSERT_TRUE(s);
    EXPECT_DOUBLE_EQ(s->x0, 100);
    EXPECT_DOUBLE_EQ(s->x1, 110);
    EXPECT_FALSE(period_span(DateRange{date(2024, 4, 1), date(2024, 4, 5)}, axis));
}

TEST(ReportHelpers, StepPlotFromSegments) {
    EXPECT_EQ(hypnogram_level(Stage::Wake), 0);
    EXPECT_EQ(hypnogram_level(Stage::REM), 1);
    EXPECT_EQ(hypnogram_level(Stage::N1), 2);
    EXPECT_EQ(hypnogram_level(Stage::Light), 2);
    EXPECT_EQ(hypnogram_level(Stage::N2), 3);
    EXPECT_EQ(hypnogram_level(Stage::Deep), 4);
    EXPECT_EQ(hypnogram_level(Stage::Asleep), -1);
    EXPECT_EQ(hypnogram_level(Stage::Unscored), -1);

    const std::vector<Segment> segs = {{0, 60, Stage::Wake},    {60, 120, Stage::N2},
                                       {120, 180, Stage::Deep}, {180, 240, Stage::Unscored},
                                       {240, 300, Stage::REM},  {300, 360, Stage::Asleep}};
    const LinearScale x{0, 360, 0, 360};
    const LinearScale y{0, 4, 0, 40};  // 10 px per level
    const auto lines = step_polylines(segs, x, y);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], (std::vector<Point>{{0, 0}, {60, 0}, {60, 30}, {120, 30}, {120, 40}, {180, 40}}));
    EXPECT_EQ(lines[1], (std::vector<Point>{{240, 10}, {300, 10}}));
}

// ---- the page from hand-made nights -------------------------------------------

std::vector<Night> hand_nights(int count, const std::string& source_name) {
    std::vector<Night> nights;
    for (int i = 0; i < count; ++i) {
        std::vector<Stage> epochs;
        auto put = [&](Stage s, int n) { epochs.insert(epochs.end(), n, s); };
        put(Stage::Wake, 20 + i % 7);
        put(Stage::N2, 200);
        put(Stage::Deep, 60 + i % 5);
        put(Stage::Asleep, 10);
        put(Stage::REM, 70);
        put(Stage::Unscored, 4);
        put(Stage::N1, 100);
        put(Stage::Wake, 6);
        Night n = sleeparch::testing::night_from_epochs(epochs, 1'709'330'400 + i * 86'400LL, 30, 60);
        n.label_date = date(2024, 3, 2) + date_duration(i + (i >= 10 ? 3 : 0));  // a gap of 3 dates
        n.source.format = "hypnogram";
        n.source.name = source_name;
        nights.push_back(std::move(n));
    }
    return nights;
}

ReportData hand_report(const std::vector<Night>& nights) {
    ReportData d;
    d.version = "0.0.test";
    d.inputs = {"in/<one>.txt", "two & three"};
    d.nights = &nights;
    for (const Night& n : nights) d.metrics.push_back(sleeparch::compute_metrics(n));
    d.trend_metrics = {"sol_min", "deep_pct", "rem_pct"};
    d.warnings.push_back({"a<b>.txt", 3, "odd \"stage\" & more"});
    d.hypnograms = 3;
    return d;
}

TEST(ReportPage, NightsOnlyPageIsWellFormedAndEscaped) {
    const auto nights = hand_nights(20, "<script>alert(1)</script> & \"x\"");
    const ReportData d = hand_report(nights);
    const std::string html = render_report(d);
    EXPECT_EQ(xml_error(html), "");
    expect_self_contained(html);
    expect_no_causal_claim(html);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"), std::string::npos);
    EXPECT_NE(html.find("<code>in/&lt;one&gt;.txt</code>"), std::string::npos);
    EXPECT_NE(html.find("odd &quot;stage&quot; &amp; more"), std::string::npos);
    EXPECT_NE(html.find("needs an intake log"), std::string::npos);
    EXPECT_EQ(count(html, "<svg class=\"trend\""), 3u);
    EXPECT_EQ(count(html, "<svg class=\"hypnogram\""), 3u);
    EXPECT_EQ(count(html, "<svg class=\"doses\""), 0u);
    EXPECT_EQ(count(html, "<table class=\"comparison\""), 0u);
    EXPECT_NE(html.find("<title>Sleep architecture report (sleeparch report)</title>"), std::string::npos);
    EXPECT_NE(html.find("Made by sleeparch 0.0.test"), std::string::npos);
    // Asleep and Unscored drawn as their own boxes, REM and Deep as bars.
    EXPECT_NE(html.find("class=\"asleep\""), std::string::npos);
    EXPECT_NE(html.find("class=\"unscored\""), std::string::npos);
    // The 3-date gap breaks the trend line: two polylines per chart.
    const auto first_trend = html.find("<svg class=\"trend\"");
    const auto trend_end = html.find("</svg>", first_trend);
    EXPECT_EQ(count(html.substr(first_trend, trend_end - first_trend), "<polyline class=\"series\""), 2u);
    EXPECT_EQ(render_report(d), html);  // deterministic
}

TEST(ReportPage, HypnogramSelection) {
    const auto nights = hand_nights(20, "s");
    ReportData d = hand_report(nights);
    d.hypnograms = 4;
    EXPECT_EQ(hypnogram_selection(d), (std::vector<std::size_t>{16, 17, 18, 19}));
    d.hypnograms = 0;
    EXPECT_TRUE(hypnogram_selection(d).empty());
    // With periods: the last of the baseline, then the last of the treatment.
    sleeparch::ComparisonResult r;
    r.baseline.dates = DateRange{date(2024, 3, 2), date(2024, 3, 8)};       // nights 0..6
    r.treatment.dates = DateRange{date(2024, 3, 14), date(2024, 3, 30)};    // nights 10..19
    d.comparison = r;
    d.hypnograms = 5;
    EXPECT_EQ(hypnogram_selection(d), (std::vector<std::size_t>{4, 5, 6, 18, 19}));
    d.hypnograms = 18;  // the baseline has only 7: the treatment gives the rest
    const auto all = hypnogram_selection(d);
    EXPECT_EQ(all.size(), 17u);
}

// ---- the command ----------------------------------------------------------------

std::vector<std::string> demo_args() {
    const fs::path data = sleeparch::testing::source_dir() / "data";
    return {(data / "apple_health" / "export.zip").string(), (data / "fitbit").string(), (data / "oura").string(),
            "--tz", "Europe/Berlin", "--intake", (data / "intake.csv").string()};
}

std::vector<std::string> report_cmd(std::initializer_list<std::string> more) {
    std::vector<std::string> a = {"report"};
    const auto demo = demo_args();
    a.insert(a.end(), demo.begin(), demo.end());
    a.insert(a.end(), more);
    return a;
}

std::vector<std::string> dir_entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// The text of the comparison row of `metric`.
std::string row_of(const std::string& html, const std::string& metric) {
    const auto start = html.find("<tr id=\"metric-" + metric + "\"");
    if (start == std::string::npos) return "";
    return html.substr(start, html.find("</tr>", start) - start);
}

TEST(ReportCli, DemoDataReport) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    sleeparch::testing::TempDir dir;
    const std::string out = (dir.path() / "report.html").string();
    const auto r = sleeparch::testing::run_cli(report_cmd({"-o", out}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    const std::string html = sleeparch::testing::read_file(out);
    EXPECT_EQ(xml_error(html), "");
    expect_self_contained(html);
    expect_no_causal_claim(html);

    std::vector<std::string> json_args = {"compare"};
    const auto demo = demo_args();
    json_args.insert(json_args.end(), demo.begin(), demo.end());
    json_args.insert(json_args.end(), {"--format", "json"});
    const auto c = sleeparch::testing::run_cli(json_args);
    ASSERT_EQ(c.exit_code, 0) << c.err;
    const auto j = nlohmann::json::parse(c.out);
    const auto num = [](const nlohmann::json& v, int decimals) {
        return v.is_null() ? std::string("\xE2\x80\x93") : fmt_number(v.get<double>(), decimals);
    };
    ASSERT_EQ(j["metrics"].size(), sleeparch::default_comparison_metrics().size());
    EXPECT_EQ(count(html, "<tr id=\"metric-"), j["metrics"].size());
    for (const auto& m : j["metrics"]) {
        const std::string name = m["metric"];
        const std::string row = row_of(html, name);
        ASSERT_FALSE(row.empty()) << name;
        std::vector<std::string> cells;
        for (std::size_t pos = row.find("<td"); pos != std::string::npos; pos = row.find("<td", pos + 1)) {
            const std::size_t open = row.find('>', pos) + 1;
            cells.push_back(row.substr(open, row.find("</td>", open) - open));
        }
        ASSERT_EQ(cells.size(), 9u) << row;
        EXPECT_EQ(cells[0], std::to_string(m["n_baseline"].get<int>()) + "/" + std::to_string(m["n_treatment"].get<int>()));
        EXPECT_EQ(cells[1], num(m["mean_baseline"], 1)) << name;
        EXPECT_EQ(cells[2], num(m["mean_treatment"], 1)) << name;
        EXPECT_EQ(cells[3], num(m["diff"], 1)) << name;
        if (!m["ci_low"].is_null()) {
            EXPECT_EQ(cells[4], num(m["ci_low"], 1) + " to " + num(m["ci_high"], 1)) << name;
        }
        EXPECT_EQ(cells[5], num(m["hedges_g"], 2)) << name;
        const double p = m["p_holm"].is_null() ? NAN : m["p_holm"].get<double>();
        EXPECT_EQ(cells[6], std::isfinite(p) ? (p < 0.001 ? "&lt;0.001" : fmt_number(p, 3)) : "\xE2\x80\x93") << name;
        EXPECT_EQ(cells[7], num(m["mde"], 1)) << name;
        EXPECT_NE(html.find("<li>" + html_escape(m["sentence"].get<std::string>()) + "</li>"), std::string::npos);
    }
    EXPECT_EQ(count(html, "<svg class=\"trend\""), j["metrics"].size());
    EXPECT_EQ(count(html, "<svg class=\"hypnogram\""), 14u);
    EXPECT_EQ(count(html, "<svg class=\"doses\""), 1u);
    EXPECT_NE(html.find(html_escape(j["summary"].get<std::string>())), std::string::npos);
    EXPECT_NE(html.find("Menghini et al. 2021"), std::string::npos);
    // The one source compared and the sensitivity block (never the verdict).
    EXPECT_NE(html.find("Nights compared: " + html_escape(j["source"].get<std::string>()) + " only."), std::string::npos);
    EXPECT_NE(html.find("<h3>Sensitivity (not the verdict)</h3>"), std::string::npos);
    for (const auto& w : j["warnings"]) EXPECT_NE(html.find(html_escape(w.get<std::string>())), std::string::npos);
    for (const auto& s : j["serum"])
        EXPECT_NE(html.find(html_escape(s["interpretation"].get<std::string>())), std::string::npos);
    EXPECT_NE(html.find("worth discussing with a doctor"), std::string::npos);
    // Every SVG has a <title>; every table has header cells.
    EXPECT_EQ(count(html, "<svg "), count(html, "<title id="));
    for (std::size_t pos = html.find("<table "); pos != std::string::npos; pos = html.find("<table ", pos + 1)) {
        const std::string table = html.substr(pos, html.find("</table>", pos) - pos);
        EXPECT_NE(table.find("<th"), std::string::npos) << table.substr(0, 80);
    }
}

TEST(ReportCli, HypnogramCountDeterminismAndAtomicWrite) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    sleeparch::testing::TempDir dir;
    const std::string a = (dir.path() / "a.html").string(), b = (dir.path() / "b.html").string();
    auto r = sleeparch::testing::run_cli(report_cmd({"--hypnograms", "5", "-B", "500", "-o", a}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = sleeparch::testing::run_cli(report_cmd({"--hypnograms", "5", "-B", "500", "-o", b}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string html = sleeparch::testing::read_file(a);
    EXPECT_EQ(count(html, "<svg class=\"hypnogram\""), 5u);
    EXPECT_EQ(html, sleeparch::testing::read_file(b));
    EXPECT_EQ(dir_entries(dir.path()), (std::vector<std::string>{"a.html", "b.html"}));  // no temp files left
    // -o - writes the same page to stdout.
    r = sleeparch::testing::run_cli(report_cmd({"--hypnograms", "5", "-B", "500", "-o", "-"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, html);
    // --stamp adds the time of generation; otherwise nothing of "now".
    EXPECT_EQ(html.find("Generated "), std::string::npos);
    r = sleeparch::testing::run_cli(report_cmd({"--hypnograms", "0", "-B", "500", "--stamp", "-o", "-"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::size_t at = r.out.find("Generated ");
    ASSERT_NE(at, std::string::npos);
    const std::string when = r.out.substr(at + 10, 21);  // 2026-01-02T03:04:05Z.
    EXPECT_EQ(when.size(), 21u);
    EXPECT_EQ(when[4], '-');
    EXPECT_EQ(when[10], 'T');
    EXPECT_EQ(when.substr(19), "Z.");
    EXPECT_EQ(count(r.out, "<svg class=\"hypnogram\""), 0u);
}

TEST(ReportCli, EscapesTheSourceName) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    const fs::path fixture = sleeparch::testing::source_dir() / "tests" / "fixtures" / "report" / "hostile_source.txt";
    const auto r = sleeparch::testing::run_cli({"report", fixture.string(), "-o", "-"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(xml_error(r.out), "");
    expect_self_contained(r.out);
    // The whole header value is kept (quotes inside it too) and escaped.
    EXPECT_NE(r.out.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"), std::string::npos);
    EXPECT_EQ(r.out.find("alert(1)</script>"), std::string::npos);
    EXPECT_NE(r.out.find("needs an intake log"), std::string::npos);
    EXPECT_EQ(count(r.out, "<svg class=\"hypnogram\""), 1u);
    EXPECT_EQ(count(r.out, "<svg class=\"trend\""), sleeparch::default_comparison_metrics().size());
}

TEST(ReportCli, BadInputKeepsThePreviousReport) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    sleeparch::testing::TempDir dir;
    const fs::path fixture = sleeparch::testing::source_dir() / "tests" / "fixtures" / "report" / "hostile_source.txt";
    const std::string out = dir.write("report.html", "previous report\n").string();
    const std::string bad = dir.write("bad.csv", "date,mg_elemental\n2024-03-01,abc\n").string();
    auto r = sleeparch::testing::run_cli({"report", fixture.string(), "--intake", bad, "-o", out});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + bad + ":2: mg_elemental: \"abc\" is not a number\n");
    EXPECT_EQ(sleeparch::testing::read_file(out), "previous report\n");

    const std::string bad_night = dir.write("bad_night.txt", "# epoch: 30\nW\nN2\nN2\nN2\nX7\n").string();
    const std::string fresh = (dir.path() / "fresh.html").string();
    r = sleeparch::testing::run_cli({"report", bad_night, "-o", fresh});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "sleeparch: " + bad_night +
                         ":6: stage \"X7\": not a stage label; expected W, N1, N2, N3, R, L, A, M or ?\n");
    EXPECT_FALSE(fs::exists(fresh));
    EXPECT_EQ(dir_entries(dir.path()), (std::vector<std::string>{"bad.csv", "bad_night.txt", "report.html"}));
}

TEST(ReportCli, UsageErrors) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    const fs::path fixture = sleeparch::testing::source_dir() / "tests" / "fixtures" / "report" / "hostile_source.txt";
    auto r = sleeparch::testing::run_cli({"report", fixture.string(), "--no-such-flag"});
    EXPECT_EQ(r.exit_code, 2);
    r = sleeparch::testing::run_cli({"report", fixture.string(), "--baseline", "2024-03-01..2024-03-10"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "sleeparch: report: give both --baseline and --treatment, or neither (periods then come from the intake log)\n");
    r = sleeparch::testing::run_cli({"report", fixture.string(), "--metrics", "nonsense"});
    EXPECT_EQ(r.exit_code, 2);
    r = sleeparch::testing::run_cli({"report", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("sleeparch-report.html"), std::string::npos);
}

TEST(ReportCli, DemoWritesTheReport) {
    if (sleeparch::testing::cli_path().empty()) GTEST_SKIP() << "SLEEPARCH_CLI not set";
    sleeparch::testing::TempDir dir;
    const std::string out = (dir.path() / "demo.html").string();
    const auto r = sleeparch::testing::run_cli({"demo", "--report", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string html = sleeparch::testing::read_file(out);
    EXPECT_EQ(xml_error(html), "");
    EXPECT_EQ(count(html, "<svg class=\"trend\""), sleeparch::default_comparison_metrics().size());
    EXPECT_NE(html.find("<table class=\"comparison\""), std::string::npos);
}

}  // namespace
