// Golden files: every metric of a few nights of the bundled sample, pinned.
// See tests/golden/metrics_sample_nights.json for where the values come from.
// Regenerate after an intended change with SLEEPARCH_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

using namespace sleeparch;

namespace {

const char* kNights[] = {"2025-01-06.txt", "2025-03-30.txt", "2025-03-31.txt", "2025-01-18-nap.txt"};

nlohmann::ordered_json metrics_json(const Night& n) {
    const NightMetrics m = compute_metrics(n);
    nlohmann::ordered_json o;
    o["date"] = format_date(n.label_date);
    for (const MetricInfo& info : scalar_metrics()) {
        const double v = m.*(info.member);
        o[std::string(info.name)] = std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
    }
    o["onset_local"] = onset_local(m);
    o["final_wake_local"] = final_wake_local(m);
    o["transitions"] = m.transitions;
    return o;
}

}  // namespace

TEST(GoldenMetrics, SampleNights) {
    const auto dir = sleeparch::testing::source_dir() / "data" / "hypnograms";
    const auto golden_path = sleeparch::testing::source_dir() / "tests" / "golden" / "metrics_sample_nights.json";
    nlohmann::ordered_json actual = nlohmann::ordered_json::object();
    for (const char* name : kNights) {
        const auto batch = importers::import_paths({(dir / name).string()}, {});
        const auto nights = assemble_nights(batch).nights;
        ASSERT_EQ(nights.size(), 1u) << name;
        actual[name] = metrics_json(nights[0]);
    }
    if (const char* up = std::getenv("SLEEPARCH_UPDATE_GOLDEN"); up && std::string(up) == "1") {
        nlohmann::ordered_json out;
        out["_comment"] =
            "Every metric of four nights of data/hypnograms (the synthetic sample; regenerate with "
            "data/generate.py). Values are sleeparch's own output, pinned to catch unintended changes; the "
            "statistics YASA also computes were checked against YASA's Hypnogram.sleep_statistics by "
            "tests/python/test_yasa_agreement.py, and those Luna's HYPNO computes (NREM cycles included) "
            "against lunapi 1.7.0 by tests/python/test_luna_agreement.py. 2025-03-30 and 2025-03-31 straddle "
            "the DST change; the nap has no REM (nrem_cycles null). Not covered: summary-only nights, unstaged "
            "(Asleep) sleep, Unscored gaps.";
        out["nights"] = actual;
        std::ofstream(golden_path) << out.dump(2) << "\n";
        GTEST_SKIP() << "golden file rewritten";
    }
    const auto golden = nlohmann::ordered_json::parse(sleeparch::testing::read_file(golden_path));
    for (const char* name : kNights) {
        const auto& want = golden["nights"][name];
        const auto& got = actual[name];
        ASSERT_FALSE(want.is_null()) << name;
        for (auto it = want.begin(); it != want.end(); ++it) {
            if (it.value().is_number_float() && got[it.key()].is_number()) {
                EXPECT_NEAR(got[it.key()].get<double>(), it.value().get<double>(), 1e-9) << name << " " << it.key();
            } else {
                EXPECT_EQ(got[it.key()], it.value()) << name << " " << it.key();
            }
        }
    }
}
