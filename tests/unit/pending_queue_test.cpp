#include "orrery/sim/pending_queue.hpp"

#include <gtest/gtest.h>

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
