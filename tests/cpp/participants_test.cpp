// Cohort membership (importers/participants.hpp) and api::load_cohort: a
// folder of participants or a participant,path map; failures reported and
// the rest loaded; the same sessions whatever the number of jobs; the
// streaming api::for_each_participant.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "sleeparch/api.hpp"
#include "sleeparch/error.hpp"
#include "support/test_support.hpp"

namespace {

using sleeparch::api::CohortOptions;
using sleeparch::api::list_participants;
using sleeparch::api::load_cohort;
using sleeparch::testing::TempDir;

// Asserts that `stmt` throws `type` with exactly `message` as what().
#define EXPECT_THROW_MSG(stmt, type, message)                                        \
    do {                                                                             \
        try {                                                                        \
            stmt;                                                                    \
            ADD_FAILURE() << #stmt " did not throw";                                 \
        } catch (const type& e) {                                                    \
            EXPECT_EQ(std::string(e.what()), std::string(message));                  \
        }                                                                            \
    } while (0)

std::string hypnogram(int n2_epochs) {
    std::string text = "# start: 2025-01-10T23:00:00+01:00\nW\nW\n";
    for (int i = 0; i < n2_epochs; ++i) text += "N2\n";
    return text + "W\n";
}

TEST(Participants, FolderEntriesAreParticipantsSortedAndNamedAfterThem) {
    TempDir tmp;
    tmp.write("b-nsrr.xml", "x");
    tmp.write("a.txt", "x");
    tmp.write(".hidden", "x");
    std::filesystem::create_directory(tmp.path() / "c");
    tmp.write("c/night.txt", "x");
    const auto ps = list_participants(tmp.path().string());
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(ps[0].id, "a");
    EXPECT_EQ(ps[1].id, "b-nsrr");
    EXPECT_EQ(ps[2].id, "c");
    EXPECT_EQ(ps[2].paths, std::vector<std::string>{(tmp.path() / "c").string()});
}

TEST(Participants, MapPathsAreRelativeToTheMap) {
    TempDir tmp;
    const auto map = tmp.write("map.csv", "participant,path\nx,data/one.txt\n\"y, z\",/abs/two.txt\n");
    const auto ps = list_participants(map.string());
    ASSERT_EQ(ps.size(), 2u);
    EXPECT_EQ(ps[0].id, "x");
    EXPECT_EQ(ps[0].paths[0], (tmp.path() / "data/one.txt").string());
    EXPECT_EQ(ps[1].id, "y, z");
    EXPECT_EQ(ps[1].paths[0], "/abs/two.txt");
}

TEST(Participants, BadMapsAndFoldersSayWhere) {
    TempDir tmp;
    auto map = tmp.write("dup.csv", "participant,path\na,1.txt\nb,2.txt\na,3.txt\n");
    EXPECT_THROW_MSG(list_participants(map.string()), sleeparch::UsageError,
                     map.string() + ":4: participant \"a\" is listed twice (first on line 2)");
    map = tmp.write("cols.csv", "id,file\na,1.txt\n");
    EXPECT_THROW_MSG(list_participants(map.string()), sleeparch::ParseError,
                     map.string() + ":1: header: expected the columns participant,path");
    map = tmp.write("empty_path.csv", "participant,path\na,\n");
    EXPECT_THROW_MSG(list_participants(map.string()), sleeparch::ParseError, map.string() + ":2: path: empty");
    std::filesystem::create_directory(tmp.path() / "none");
    EXPECT_THROW_MSG(list_participants((tmp.path() / "none").string()), sleeparch::UsageError,
                     (tmp.path() / "none").string() + ": no participants (the folder is empty)");
    EXPECT_THROW(list_participants((tmp.path() / "missing").string()), sleeparch::IoError);
}

TEST(Cohort, FailuresAreReportedAndTheRestLoadedAlike) {
    TempDir tmp;
    for (int k = 0; k < 9; ++k) tmp.write("p" + std::to_string(k) + ".txt", hypnogram(100 + 10 * k));
    tmp.write("p5.txt", "banana\n");  // not readable: one participant fails
    const auto ps = list_participants(tmp.path().string());
    ASSERT_EQ(ps.size(), 9u);
    CohortOptions one, two;
    one.jobs = 1;
    two.jobs = 2;
    const auto a = load_cohort(ps, one);
    const auto b = load_cohort(ps, two);
    ASSERT_EQ(a.members.size(), 8u);
    ASSERT_EQ(a.errors.size(), 1u);
    EXPECT_EQ(a.errors[0].participant, "p5");
    EXPECT_EQ(a.errors[0].file, (tmp.path() / "p5.txt").string());
    EXPECT_EQ(a.errors[0].message,
              (tmp.path() / "p5.txt").string() + ": not a format sleeparch reads (see `sleeparch formats`)");
    ASSERT_EQ(b.members.size(), a.members.size());
    for (std::size_t i = 0; i < a.members.size(); ++i) {
        EXPECT_EQ(a.members[i].participant, b.members[i].participant);
        ASSERT_EQ(a.members[i].session.nights.size(), 1u);
        EXPECT_EQ(a.members[i].session.metrics[0].tst_min, b.members[i].session.metrics[0].tst_min);
        // The same as loading the participant alone.
        sleeparch::api::LoadOptions alone;
        alone.paths = ps[i < 5 ? i : i + 1].paths;
        EXPECT_EQ(sleeparch::api::load(alone).metrics[0].tst_min, a.members[i].session.metrics[0].tst_min);
    }
    EXPECT_DOUBLE_EQ(a.members[0].session.metrics[0].tst_min, 50.0);  // 100 epochs of N2
    CohortOptions strict;
    strict.strict = true;
    strict.jobs = 2;
    EXPECT_THROW(load_cohort(ps, strict), sleeparch::ParseError);
}


TEST(Cohort, ForEachParticipantVisitsEachLoadedParticipantOnceOnTheLoadingThreads) {
    TempDir tmp;
    for (int k = 0; k < 12; ++k) tmp.write("p" + std::to_string(k / 10) + std::to_string(k % 10) + ".txt", hypnogram(100 + 10 * k));
    tmp.write("p03.txt", "banana\n");  // fails to load
    const auto ps = list_participants(tmp.path().string());
    ASSERT_EQ(ps.size(), 12u);
    CohortOptions two;
    two.jobs = 2;
    std::mutex mutex;
    std::multiset<std::size_t> seen;
    std::set<std::thread::id> threads;
    std::vector<double> tst(ps.size(), -1);
    auto errors = sleeparch::api::for_each_participant(ps, two, [&](std::size_t i, sleeparch::api::CohortMember&& m) {
        EXPECT_EQ(m.participant, ps[i].id);
        std::lock_guard<std::mutex> lock(mutex);
        seen.insert(i);
        threads.insert(std::this_thread::get_id());
        tst[i] = m.session.metrics.at(0).tst_min;
    });
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].participant, "p03");
    EXPECT_EQ(seen.size(), 11u);
    for (std::size_t i = 0; i < ps.size(); ++i) EXPECT_EQ(seen.count(i), i == 3 ? 0u : 1u) << i;
    EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);  // the work ran on the pool
    for (std::size_t i = 0; i < ps.size(); ++i)
        if (i != 3) EXPECT_DOUBLE_EQ(tst[i], 50.0 + 5.0 * static_cast<double>(i)) << i;

    // An exception from the visitor is that participant's failure; the rest go on.
    errors = sleeparch::api::for_each_participant(ps, two, [&](std::size_t i, sleeparch::api::CohortMember&&) {
        if (i == 7) throw sleeparch::UsageError("cannot render p07");
    });
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].participant, "p03");
    EXPECT_EQ(errors[1].participant, "p07");
    EXPECT_EQ(errors[1].message, "cannot render p07");
    EXPECT_EQ(errors[1].file, "");
    CohortOptions strict = two;
    strict.strict = true;
    EXPECT_THROW(sleeparch::api::for_each_participant(ps, strict, [](std::size_t, sleeparch::api::CohortMember&&) {}),
                 sleeparch::ParseError);
}

}  // namespace
