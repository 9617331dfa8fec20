#include <gtest/gtest.h>

#include <cmath>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "sleeparch/linking.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;
using boost::gregorian::date;

namespace {

UtcSeconds utc(const std::string& iso) {
    const ParsedTime t = parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

struct Fixture {
    std::vector<Night> nights;
    std::vector<NightMetrics> metrics;

    // A night whose sleep starts at `onset` (ISO with offset), labelled `label`.
    void add(const std::string& label, const std::string& onset, bool nap = false, std::int32_t offset = 0) {
        Night n;
        const UtcSeconds on = utc(onset);
        n.window_start = on - 600;
        n.window_end = on + 8 * 3600;
        n.label_date = boost::gregorian::from_simple_string(label);
        n.is_nap = nap;
        n.utc_offset_min = offset;
        NightMetrics m{};
        m.onset = on;
        nights.push_back(n);
        metrics.push_back(m);
    }
};

Dose timed(const std::string& iso, double mg, std::vector<std::string> tags = {},
           IntakeKind kind = IntakeKind::Supplement) {
    Dose d;
    const ParsedTime t = parse_iso_datetime(iso);
    d.time = t.utc();
    d.utc_offset_min = t.offset_min;
    d.mg_elemental = mg;
    d.tags = std::move(tags);
    d.kind = kind;
    return d;
}

Dose dated(const std::string& day, double mg) {
    Dose d;
    d.date = boost::gregorian::from_simple_string(day);
    d.mg_elemental = mg;
    return d;
}

}  // namespace

TEST(Linking, TimedDoseGoesToFirstMainSleepOnsetWithin24h) {
    Fixture f;
    f.add("2024-03-02", "2024-03-01T22:00:00Z", /*nap=*/true);  // a nap before the main sleep
    f.add("2024-03-02", "2024-03-01T23:00:00Z");
    f.add("2024-03-03", "2024-03-02T23:15:00Z");
    const auto r = link_nights(f.nights, f.metrics, {timed("2024-03-01T21:00:00Z", 200)});
    EXPECT_TRUE(r.nights[0].doses.empty());  // naps take no doses
    ASSERT_EQ(r.nights[1].doses, std::vector<std::size_t>{0});
    EXPECT_DOUBLE_EQ(r.nights[1].mg_elemental, 200);
    EXPECT_DOUBLE_EQ(r.nights[1].dose_to_onset_min, 120);
    EXPECT_TRUE(r.nights[2].doses.empty());
    EXPECT_TRUE(std::isnan(r.nights[2].dose_to_onset_min));
    EXPECT_TRUE(r.unattributed.empty());
}

TEST(Linking, DoseAfterOnsetGoesToTheNextNight) {
    Fixture f;
    f.add("2024-03-02", "2024-03-01T23:00:00Z");
    f.add("2024-03-03", "2024-03-02T23:00:00Z");
    const auto r = link_nights(f.nights, f.metrics, {timed("2024-03-01T23:30:00Z", 100)});
    EXPECT_TRUE(r.nights[0].doses.empty());
    EXPECT_EQ(r.nights[1].doses.size(), 1u);
    EXPECT_DOUBLE_EQ(r.nights[1].dose_to_onset_min, 23.5 * 60);
}

TEST(Linking, Exactly24hIsInsideAndLaterIsNot) {
    Fixture f;
    f.add("2024-03-03", "2024-03-02T21:00:00Z");
    const auto in = link_nights(f.nights, f.metrics, {timed("2024-03-01T21:00:00Z", 100)});
    EXPECT_EQ(in.nights[0].doses.size(), 1u);
    const auto out = link_nights(f.nights, f.metrics, {timed("2024-03-01T20:59:59Z", 100)});
    EXPECT_TRUE(out.nights[0].doses.empty());
    EXPECT_EQ(out.unattributed, std::vector<std::size_t>{0});
    // Unattributed, it still counts for its label date: 20:59 local -> next date.
    EXPECT_DOUBLE_EQ(out.mg_by_date.at(date(2024, 3, 2)), 100);
}

TEST(Linking, DateOnlyDoseGoesToTheNightLabelledNextDay) {
    Fixture f;
    f.add("2024-03-01", "2024-02-29T23:00:00Z");
    f.add("2024-03-02", "2024-03-01T23:00:00Z");
    const auto r = link_nights(f.nights, f.metrics, {dated("2024-03-01", 150), dated("2024-03-05", 150)});
    EXPECT_TRUE(r.nights[0].doses.empty());
    EXPECT_EQ(r.nights[1].doses, std::vector<std::size_t>{0});
    EXPECT_TRUE(std::isnan(r.nights[1].dose_to_onset_min));  // no time: no dose-to-onset
    EXPECT_EQ(r.unattributed, std::vector<std::size_t>{1});
    EXPECT_EQ(dose_label_date(dated("2024-03-01", 1)), date(2024, 3, 2));
}

TEST(Linking, SumsTagsLastDoseAndRollingMean) {
    Fixture f;
    for (int d = 1; d <= 9; ++d) {
        char label[16], onset[32];
        std::snprintf(label, sizeof label, "2024-03-%02d", d + 1);
        std::snprintf(onset, sizeof onset, "2024-03-%02dT23:00:00+01:00", d);
        f.add(label, onset, false, 60);
    }
    std::vector<Dose> doses = {
        timed("2024-03-01T20:00:00+01:00", 100, {"alcohol"}),
        timed("2024-03-01T22:00:00+01:00", 250, {"exercise", "alcohol"}),
        timed("2024-03-03T21:00:00+01:00", 140),
        timed("2024-03-08T19:00:00+01:00", 400, {}, IntakeKind::Dietary),
    };
    const auto r = link_nights(f.nights, f.metrics, doses);
    const NightLink& first = r.nights[0];  // labelled 2024-03-02
    EXPECT_DOUBLE_EQ(first.mg_elemental, 350);
    EXPECT_DOUBLE_EQ(first.mg_supplement, 350);
    EXPECT_DOUBLE_EQ(first.dose_to_onset_min, 60);  // from the later dose
    EXPECT_EQ(first.tags, (std::vector<std::string>{"alcohol", "exercise"}));
    EXPECT_FALSE(first.above_upper_limit);  // 350 is the limit, not above it
    EXPECT_NEAR(first.mg_7d_mean, 350.0 / 7, 1e-12);
    EXPECT_NEAR(r.nights[2].mg_7d_mean, 490.0 / 7, 1e-12);  // 2024-03-04: 350 + 140
    // 2024-03-09 covers 03-03..03-09: 140 + 400 (dietary counts in mg, not in the flag).
    EXPECT_NEAR(r.nights[7].mg_7d_mean, 540.0 / 7, 1e-12);
    EXPECT_FALSE(r.nights[7].above_upper_limit);
    EXPECT_DOUBLE_EQ(r.nights[7].mg_supplement, 0);
    // 2024-03-10 covers 03-04..03-10: the 140 (labelled 03-04) and the 400;
    // the 350 of 03-02 has left the window.
    EXPECT_NEAR(r.nights[8].mg_7d_mean, 540.0 / 7, 1e-12);
    EXPECT_NEAR(r.nights[6].mg_7d_mean, 490.0 / 7, 1e-12);  // 03-08: 03-02..03-08
}

TEST(Linking, SupplementAboveUpperLimitIsFlagged) {
    Fixture f;
    f.add("2024-03-02", "2024-03-01T23:00:00Z");
    const auto r = link_nights(f.nights, f.metrics,
                               {timed("2024-03-01T08:00:00Z", 200), timed("2024-03-01T21:00:00Z", 200)});
    // The 08:00 dose is within 24 h of the onset too: both go to that night.
    EXPECT_DOUBLE_EQ(r.nights[0].mg_elemental, 400);
    EXPECT_TRUE(r.nights[0].above_upper_limit);
}

TEST(Linking, LabelDateOfUnattributedTimedDoses) {
    EXPECT_EQ(dose_label_date(timed("2024-03-01T08:00:00+01:00", 1)), date(2024, 3, 1));
    EXPECT_EQ(dose_label_date(timed("2024-03-01T12:00:00+01:00", 1)), date(2024, 3, 2));
    EXPECT_EQ(dose_label_date(timed("2024-03-01T23:30:00-08:00", 1)), date(2024, 3, 2));
}

TEST(Linking, LocalTimesTakeTheNearestNightsOffset) {
    Fixture f;
    f.add("2024-03-02", "2024-03-01T23:00:00+01:00", false, 60);
    f.add("2024-07-02", "2024-07-01T23:00:00+02:00", false, 120);
    std::vector<Dose> doses = {timed("2024-03-01T21:00:00Z", 100), timed("2024-07-01T21:00:00Z", 100)};
    assume_night_offsets(doses, {0, 1}, f.nights);
    EXPECT_EQ(doses[0].utc_offset_min, 60);
    EXPECT_EQ(doses[0].time, utc("2024-03-01T21:00:00+01:00"));
    EXPECT_EQ(doses[1].utc_offset_min, 120);
    EXPECT_EQ(doses[1].time, utc("2024-07-01T21:00:00+02:00"));
}
