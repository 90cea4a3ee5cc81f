#include "orrery/sim/pending_queue.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <tuple>

namespace orrery::sim {
namespace {

TEST(PendingQueue, VisitsInKeyOrderAcrossShapes) {
  // jobs 0..4, shapes: 0,1,0,1,2
  PendingQueue q({0, 1, 0, 1, 2}, 3);
  q.insert(0, {50, 0});
  q.insert(1, {10, 0});
  q.insert(2, {30, 0});
  q.insert(3, {20, 0});
  q.insert(4, {40, 0});
  EXPECT_EQ(q.ordered(), (std::vector<JobIndex>{1, 3, 2, 4, 0}));
  std::vector<JobIndex> seen;
  q.visit([&](JobIndex j) {
    seen.push_back(j);
    return Visit::kNext;
  });
  EXPECT_EQ(seen, (std::vector<JobIndex>{1, 3, 2, 4, 0}));
}

TEST(PendingQueue, SkipShapeSkipsOnlyThatShape) {
  PendingQueue q({0, 1, 0, 1, 2}, 3);
  for (JobIndex j = 0; j < 5; ++j) q.insert(j, {static_cast<std::int64_t>(j), 0});
  std::vector<JobIndex> seen;
  q.visit([&](JobIndex j) {
    seen.push_back(j);
    return q.shape_of(j) == 1 ? Visit::kSkipShape : Visit::kNext;
  });
  EXPECT_EQ(seen, (std::vector<JobIndex>{0, 1, 2, 4})) << "job 3 shares job 1's shape";
}

TEST(PendingQueue, StopEndsThePassAndEraseDuringVisitIsSafe) {
  PendingQueue q({0, 0, 0, 0}, 1);
  for (JobIndex j = 0; j < 4; ++j) q.insert(j, {static_cast<std::int64_t>(j), 0});
  std::vector<JobIndex> seen;
  q.visit([&](JobIndex j) {
    seen.push_back(j);
    if (j < 2) {
      q.erase(j);
      return Visit::kNext;
    }
    return Visit::kStop;
  });
  EXPECT_EQ(seen, (std::vector<JobIndex>{0, 1, 2}));
  EXPECT_EQ(q.size(), 2U);
  EXPECT_EQ(q.ordered(), (std::vector<JobIndex>{2, 3}));
}

TEST(PendingQueue, TiesBreakByJobIndex) {
  PendingQueue q({0, 1, 0}, 2);
  q.insert(2, {5, 0});
  q.insert(0, {5, 0});
  q.insert(1, {5, 0});
  EXPECT_EQ(q.ordered(), (std::vector<JobIndex>{0, 1, 2}));
}

// The queue keeps each shape's first job in order between passes (a job inserted ahead of its
// shape's first, the first erased, a shape emptied and filled again): after any such history a
// pass visits exactly what a plain sorted list says, skipped shapes left out, and the fit memo's
// shapes too.
TEST(PendingQueue, APassMatchesASortedListAfterRandomInsertsAndErases) {
  constexpr std::uint32_t kJobs = 400, kShapes = 9;
  std::mt19937_64 rng(7);
  std::vector<std::uint32_t> shape_of(kJobs);
  for (auto& s : shape_of) s = static_cast<std::uint32_t>(rng() % kShapes);
  PendingQueue q(shape_of, kShapes);
  std::set<std::tuple<std::int64_t, std::int64_t, JobIndex>> reference;
  std::vector<QueueKey> key(kJobs);
  for (int round = 0; round < 60; ++round) {
    for (int op = 0; op < 40; ++op) {
      const auto j = static_cast<JobIndex>(rng() % kJobs);
      if (q.contains(j)) {
        q.erase(j);
        reference.erase({key[j].primary, key[j].secondary, j});
      } else {
        key[j] = {static_cast<std::int64_t>(rng() % 50), static_cast<std::int64_t>(rng() % 3)};
        q.insert(j, key[j]);
        reference.insert({key[j].primary, key[j].secondary, j});
      }
    }
    ASSERT_EQ(q.size(), reference.size());
    std::vector<bool> skip(kShapes);
    for (std::uint32_t s = 0; s < kShapes; ++s) skip[s] = rng() % 3 == 0;
    const std::uint32_t memo = static_cast<std::uint32_t>(rng() % kShapes);
    q.mark_unplaceable(memo, 5);
    std::vector<JobIndex> expected;
    std::vector<bool> skipped(kShapes);
    for (const auto& [p, s2, j] : reference) {
      const std::uint32_t s = shape_of[j];
      if (skipped[s] || s == memo) continue;
      expected.push_back(j);
      if (skip[s]) skipped[s] = true;
    }
    std::vector<JobIndex> seen;
    q.visit(
        [&](JobIndex j) {
          seen.push_back(j);
          return skip[q.shape_of(j)] ? Visit::kSkipShape : Visit::kNext;
        },
        5);
    ASSERT_EQ(seen, expected) << "round " << round;
    q.mark_unplaceable(memo, PendingQueue::kNoEpoch);
  }
}

TEST(PendingQueue, DoubleInsertIsABug) {
  PendingQueue q({0}, 1);
  q.insert(0, {1, 0});
  EXPECT_THROW(q.insert(0, {1, 0}), std::logic_error);
  q.erase(0);
  EXPECT_THROW(q.erase(0), std::logic_error);
}

TEST(PendingQueue, AResumedShapeGoesOnFromTheNamedJob) {
  // Shape 0: jobs 0, 1, 2, 3, 5; shape 1: job 4. Keys follow the job index.
  PendingQueue q({0, 0, 0, 0, 1, 0}, 2);
  for (JobIndex j = 0; j < 6; ++j) q.insert(j, {static_cast<std::int64_t>(j), 0});
  using Step = PendingQueue::Step;
  std::vector<JobIndex> seen;
  q.visit_resuming([&](JobIndex j) -> Step {
    seen.push_back(j);
    if (j == 0) return {Visit::kNext, 3};  // passes over 1 and 2
    return {Visit::kNext, std::nullopt};
  });
  EXPECT_EQ(seen, (std::vector<JobIndex>{0, 3, 4, 5}));
  // A job named that is no longer pending: the shape goes on from the next one after it.
  seen.clear();
  q.erase(2);
  q.visit_resuming([&](JobIndex j) -> Step {
    seen.push_back(j);
    return {Visit::kNext, j == 0 ? std::optional<JobIndex>(2) : std::nullopt};
  });
  EXPECT_EQ(seen, (std::vector<JobIndex>{0, 3, 4, 5}));
  // kSkipShape and kStop keep their meaning.
  seen.clear();
  q.visit_resuming([&](JobIndex j) -> Step {
    seen.push_back(j);
    return {j == 0 ? Visit::kSkipShape : Visit::kStop, std::nullopt};
  });
  EXPECT_EQ(seen, (std::vector<JobIndex>{0, 4}));
}

TEST(PendingQueue, ResumingAtAnEarlierJobOrAnotherShapeIsABug) {
  PendingQueue q({0, 0, 1}, 2);
  for (JobIndex j = 0; j < 3; ++j) q.insert(j, {static_cast<std::int64_t>(j), 0});
  using Step = PendingQueue::Step;
  EXPECT_THROW(q.visit_resuming([](JobIndex j) -> Step {
    return {Visit::kNext, j == 1 ? std::optional<JobIndex>(0) : std::nullopt};
  }),
               std::logic_error);
  EXPECT_THROW(q.visit_resuming([](JobIndex j) -> Step {
    return {Visit::kNext, j == 0 ? std::optional<JobIndex>(2) : std::nullopt};
  }),
               std::logic_error);
}

}  // namespace
}  // namespace orrery::sim
