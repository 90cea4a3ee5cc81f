// Golden schedules worked out by hand: each case gives a tiny cluster and workload, the
// policy, and the (start, end) of every job, with the reasoning beside it.
#include <gtest/gtest.h>

#include <optional>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using sim::SimTime;

struct Expect {
  double start_s, end_s;
  std::uint32_t preemptions = 0;
};

sim::RunResult run(const sim::ClusterSpec& c, const sim::Workload& w, const std::string& policy,
                   const std::string& placement = "pack") {
  sim::Simulation s(c, w, policies::make_policy(policy), policies::make_placer(placement),
                    std::make_unique<sim::ObservedRuntime>());
  return s.run();
}

void check(const sim::RunResult& r, const std::vector<Expect>& expected) {
  ASSERT_EQ(r.jobs.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    ASSERT_TRUE(r.jobs[i].start);
    ASSERT_TRUE(r.jobs[i].end);
    EXPECT_EQ(r.jobs[i].start->ms(), SimTime::from_seconds(expected[i].start_s).ms());
    EXPECT_EQ(r.jobs[i].end->ms(), SimTime::from_seconds(expected[i].end_s).ms());
    EXPECT_EQ(r.jobs[i].preemptions, expected[i].preemptions);
    EXPECT_EQ(r.jobs[i].status, sim::JobStatus::kCompleted);
  }
}

// One node of 4 GPUs. j0 (t=0, 3 GPUs, 100 s), j1 (t=1, 2 GPUs, 50 s), j2 (t=2, 1 GPU, 10 s).
sim::Workload head_of_line() {
  sim::Workload w;
  add_job(w, 0, 100, 3);
  add_job(w, 1, 50, 2);
  add_job(w, 2, 10, 1);
  return w;
}

TEST(Golden, FifoBlocksBehindTheHead) {
  // j0 starts at 0 leaving 1 GPU. j1 needs 2: strict FIFO stops there, so j2 (which would fit)
  // waits too. At 100 j0 ends: j1 starts (2 of 4), then j2 (1 more); j2 ends 110, j1 ends 150.
  check(run(uniform_cluster(1, 4), head_of_line(), "fifo"), {{0, 100}, {100, 150}, {100, 110}});
}

TEST(Golden, FifoSkipLetsSmallJobsPass) {
  // As above, but at t=2 j2 fits in the free GPU and starts at once: 2..12. j1 still 100..150.
  check(run(uniform_cluster(1, 4), head_of_line(), "fifo-skip"), {{0, 100}, {100, 150}, {2, 12}});
}

TEST(Golden, SjfRunsTheShortestWaitingJobFirst) {
  // One node of 2 GPUs; all jobs need both. j0 (0, 100 s) runs 0..100. j1 (t=1, 50 s) and
  // j2 (t=2, 20 s) wait; at 100 SJF picks j2 (shorter): 100..120, then j1: 120..170.
  sim::Workload w;
  add_job(w, 0, 100, 2);
  add_job(w, 1, 50, 2);
  add_job(w, 2, 20, 2);
  check(run(uniform_cluster(1, 2), w, "sjf"), {{0, 100}, {120, 170}, {100, 120}});
  // FIFO for contrast: j1 100..150, j2 150..170.
  check(run(uniform_cluster(1, 2), w, "fifo"), {{0, 100}, {100, 150}, {150, 170}});
}

TEST(Golden, SrtfPreemptsALongerRunningJob) {
  // One GPU. j0 (t=0, 100 s) starts at 0. At t=10 j1 (20 s) arrives; j0 has 90 s left > 20, so
  // j0 is preempted and j1 runs 10..30. j0 resumes at 30 with 90 s left and ends at 120.
  // first start of j0 stays 0; it was preempted once.
  sim::Workload w;
  add_job(w, 0, 100, 1);
  add_job(w, 10, 20, 1);
  check(run(uniform_cluster(1, 1), w, "srtf"), {{0, 120, 1}, {10, 30, 0}});
}

TEST(Golden, SrtfEvictsOnlyWhatMakesRoomOnOneNode) {
  // Two nodes of 4 GPUs, pack placement. At t=0 a, b, d (2 GPUs, 1000 s) and c (2 GPUs, 200 s)
  // arrive; SRTF starts c first (node 0), then a (node 0, fullest that fits), b and d (node 1).
  // At t=10 e (one task of 4 GPUs, 100 s) arrives; all four have more left. The 8 GPUs are
  // enough in total, but e needs one whole node: each node needs both its jobs gone, the tie goes
  // to node 0, so only c and a are preempted (never b or d). e runs 10..110 on node 0; then c
  // (190 s left) and a (990 s left) resume: c 110..300, a 110..1100.
  sim::Workload w;
  add_job(w, 0, 1000, 2);  // a
  add_job(w, 0, 1000, 2);  // b
  add_job(w, 0, 200, 2);   // c
  add_job(w, 0, 1000, 2);  // d
  add_job(w, 10, 100, 4);  // e
  check(run(uniform_cluster(2, 4), w, "srtf"),
        {{0, 1100, 1}, {0, 1000}, {0, 300, 1}, {0, 1000}, {10, 110}});
  // Spread placement: c to node 0, a to node 1 (emptier), b to node 0 (tie), d to node 1.
  // Evicting the longest first across the cluster (d, b, a) would free no node until a
  // third victim went; one node at a time takes two: node 0 (b, c), tie to the lower id.
  // e 10..110; then c (190 s left) 110..300 and b (990 s left) 110..1100.
  check(run(uniform_cluster(2, 4), w, "srtf", "spread"),
        {{0, 1000}, {0, 1100, 1}, {0, 300, 1}, {0, 1000}, {10, 110}});
}

TEST(Golden, EasyBackfillNeverDelaysTheHeadsReservation) {
  // One node of 4 GPUs; walltime = duration for all.
  //  j0 t=0  2 GPUs 100 s -> starts 0 (2 free left).
  //  j1 t=1  4 GPUs  50 s -> cannot fit: head. Shadow time = j0's end 100, extra GPUs = 0.
  //  j2 t=2  2 GPUs  90 s -> fits now and ends by 92 <= 100: backfilled 2..92.
  //  j3 t=3  2 GPUs 200 s -> nothing free until 92; then it fits, but 92+200 > 100 and extra = 0:
  //                          it would delay j1, so it waits.
  //  At 100 j0 ends: j1 starts 100..150, then j3 150..350.
  sim::Workload w;
  add_job(w, 0, 100, 2, 1, 100);
  add_job(w, 1, 50, 4, 1, 50);
  add_job(w, 2, 90, 2, 1, 90);
  add_job(w, 3, 200, 2, 1, 200);
  check(run(uniform_cluster(1, 4), w, "easy-backfill"),
        {{0, 100}, {100, 150}, {2, 92}, {150, 350}});
  // First fit (no reservation) starts j3 at 92 and pushes j1 to 292.
  check(run(uniform_cluster(1, 4), w, "fifo-skip"), {{0, 100}, {292, 342}, {2, 92}, {92, 292}});
}

TEST(Golden, EasyBackfillFindsAShortJobBehindLongOnesOfItsShape) {
  // One node of 4 GPUs; walltime = duration for all. The pass goes from a job too long to
  // backfill straight to the next job of its shape short enough: the ones in between must still
  // wait, and the short one must not.
  //  j0 t=0  2 GPUs 100 s -> starts 0 (2 free left).
  //  j1 t=1  4 GPUs  50 s -> head; shadow time 100 (j0's end), extra GPUs 0.
  //  j2 t=2  2 GPUs 200 s -> fits, but 2+200 > 100: waits.
  //  j3 t=3  2 GPUs 300 s -> likewise.
  //  j4 t=4  2 GPUs  50 s -> same shape as j2 and j3, ends by 54 <= 100: backfilled 4..54.
  //  At 100 j0 ends: j1 100..150; then j2 and j3 together 150..350 and 150..450.
  sim::Workload w;
  add_job(w, 0, 100, 2, 1, 100);
  add_job(w, 1, 50, 4, 1, 50);
  add_job(w, 2, 200, 2, 1, 200);
  add_job(w, 3, 300, 2, 1, 300);
  add_job(w, 4, 50, 2, 1, 50);
  check(run(uniform_cluster(1, 4), w, "easy-backfill"),
        {{0, 100}, {100, 150}, {150, 350}, {150, 450}, {4, 54}});
}

TEST(Golden, GangNeedsAllItsNodesAtOnce) {
  // Two nodes of 4 GPUs. j0 (t=0, 1 task x 4 GPUs, 60 s) takes a node. j1 (t=1, 2 tasks x 4
  // GPUs) needs both nodes: it starts when j0 ends, 60..90. It spans 2 nodes.
  sim::Workload w;
  add_job(w, 0, 60, 4);
  add_job(w, 1, 30, 4, 2);
  const auto r = run(uniform_cluster(2, 4), w, "fifo");
  check(r, {{0, 60}, {60, 90}});
  EXPECT_EQ(r.jobs[1].nodes, 2U);
}

}  // namespace
}  // namespace orrery::test
