// gandiva: time slicing of same-sized jobs, worked by hand.
#include <gtest/gtest.h>

#include "orrery/sim/problems.hpp"
#include "research_support.hpp"

namespace orrery::test {
namespace {

// One GPU, time_slice_s 100.  A: submit 0, 300 s.  B: submit 10, 300 s (same shape).
// t=0    A starts.             t=10  B waits: A's slice is not over.
// t=100  A's slice ends: A is suspended, B starts.  t=200 B is suspended, A resumes.
// t=300  A suspended (200 s done), B runs.  t=400 B suspended (200 s done), A runs its last 100 s.
// t=500  A ends; B runs its last 100 s and ends at 600. Each was suspended twice.
TEST(Gandiva, SharesAGpuInTimeSlices) {
  sim::Workload w;
  add_job(w, 0, 300, 1);
  add_job(w, 10, 300, 1);
  const auto r = run_policy(uniform_cluster(1, 1), w, "gandiva", {{"time_slice_s", 100}});
  EXPECT_EQ(start_s(r, 1), 100);
  EXPECT_EQ(end_s(r, 0), 500);
  EXPECT_EQ(end_s(r, 1), 600);
  EXPECT_EQ(r.jobs[0].preemptions, 2U);
  EXPECT_EQ(r.jobs[1].preemptions, 2U);
}

// Only jobs of the same size share: two GPUs, A (1 GPU, 300 s) runs; C (2 GPUs, 50 s, submit 10)
// cannot take A's slot and waits for A to end at 300; B (1 GPU, 100 s, submit 20) fits the free
// GPU at once.
TEST(Gandiva, OnlySameSizedJobsShare) {
  sim::Workload w;
  add_job(w, 0, 300, 1);
  add_job(w, 20, 100, 1);
  add_job(w, 10, 50, 2);
  const auto r = run_policy(uniform_cluster(1, 2), w, "gandiva", {{"time_slice_s", 60}});
  EXPECT_EQ(start_s(r, 1), 20);
  EXPECT_EQ(start_s(r, 2), 300);
  EXPECT_EQ(r.jobs[0].preemptions, 0U);
}

TEST(Gandiva, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("gandiva", {{"time_slice_s", 0}}), sim::InputError);
}

}  // namespace
}  // namespace orrery::test
