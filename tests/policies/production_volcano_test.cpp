// volcano: hand-worked schedules of the Volcano model (sessions every schedulePeriod = 1 s).
#include <gtest/gtest.h>

#include "orrery/sim/problems.hpp"
#include "production_test_util.hpp"

namespace orrery::test {
namespace {

using prod::run;

// One node with 4 GPUs. A (3 GPUs, 0..100) runs. B (two 1-GPU tasks) arrives at 5: one GPU is
// free but the gang needs two, so B binds nothing (unlike kube-default) and starts when A ends,
// at the session at 100.
TEST(Volcano, GangWaitsUntilAllTasksFit) {
  sim::Workload w;
  add_job(w, 0, 100, 3);
  add_job(w, 5, 50, 1, 2);
  const auto r = run(uniform_cluster(1, 4), w, "volcano");
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(1), 100);
  EXPECT_EQ(r.rec.starts.at(1).size(), 1U);
  EXPECT_EQ(r.rec.starts.at(1).front().second.task_nodes.size(), 2U);
}

// minMember 1: the job binds what fits (one task at 5) and starts when its second task binds.
TEST(Volcano, MinMemberBelowTasksBindsPartly) {
  sim::Workload w;
  add_job(w, 0, 100, 3);
  add_job(w, 5, 50, 1, 2);
  const auto r = run(uniform_cluster(1, 4), w, "volcano", {{"minMember", 1}});
  EXPECT_EQ(r.start(1), 100);  // runs only once both tasks hold a GPU
}

// Sessions run on the schedulePeriod grid: a job submitted at 0.3 starts at 1.0; with a 5 s
// period and phase 2, at 2.0.
TEST(Volcano, SessionsOnTheSchedulePeriodGrid) {
  sim::Workload w;
  add_job(w, 0.3, 10, 1);
  EXPECT_EQ(run(uniform_cluster(1, 4), w, "volcano").start(0), 1.0);
  EXPECT_EQ(run(uniform_cluster(1, 4), w, "volcano", {{"schedulePeriod", 5}, {"schedulePhase", 2}})
                .start(0),
            2.0);
}

// Queue q1 has capability 2 GPUs on a 4-GPU node; its three 1-GPU jobs at 0 (100 s each): two
// run at 0, the third waits for one of them although two GPUs stay idle, and starts at 100.
TEST(Volcano, QueueCapabilityIsRespected) {
  sim::Workload w;
  for (int i = 0; i < 3; ++i) {
    add_job(w, 0, 100, 1);
    prod::set_queue(w, static_cast<sim::JobIndex>(i), "q1");
  }
  const nlohmann::json params = {
      {"queues", {{{"name", "q1"}, {"weight", 1}, {"capability", {{"nvidia.com/gpu", 2}}}}}}};
  const auto r = run(uniform_cluster(1, 4), w, "volcano", params);
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(1), 0);
  EXPECT_EQ(r.start(2), 100);
}

// Queues a and b, weight 1 each, one node with 4 GPUs. a runs four 1-GPU jobs from 0 (1000 s):
// alone, it deserves all 4. At 10, b submits one 2-GPU job (100 s): the deserved shares become
// 2 and 2; a (4 allocated) is above its share, b below. allocate finds no room; reclaim evicts a's
// jobs, lowest priority and latest started first (all equal: the highest index first), while a
// is still above its share: j3 (a at 4 > 2), then j2 (3 > 2): now b's job fits and runs 10..110.
// When it ends, a deserves 4 again and j2, j3 restart at 110 with 990 s left: they end at 1100.
TEST(Volcano, ReclaimTakesBackWhatAQueueLent) {
  sim::Workload w;
  for (int i = 0; i < 4; ++i) {
    add_job(w, 0, 1000, 1);
    prod::set_queue(w, static_cast<sim::JobIndex>(i), "a");
  }
  add_job(w, 10, 100, 2);
  prod::set_queue(w, 4, "b");
  const nlohmann::json params = {
      {"queues", {{{"name", "a"}, {"weight", 1}}, {{"name", "b"}, {"weight", 1}}}}};
  const auto r = run(uniform_cluster(1, 4), w, "volcano", params);
  EXPECT_EQ(r.start(4), 10);
  EXPECT_EQ(r.end(4), 110);
  EXPECT_EQ(r.preemptions(3), 1U);
  EXPECT_EQ(r.preemptions(2), 1U);
  EXPECT_EQ(r.preemptions(1), 0U);
  EXPECT_EQ(r.preemptions(0), 0U);
  EXPECT_EQ(r.end(2), 1100);
  EXPECT_EQ(r.end(3), 1100);
  EXPECT_EQ(r.end(0), 1000);
}

// Without the reclaim action, b waits for a's jobs to end.
TEST(Volcano, NoReclaimWithoutTheAction) {
  sim::Workload w;
  for (int i = 0; i < 4; ++i) {
    add_job(w, 0, 1000, 1);
    prod::set_queue(w, static_cast<sim::JobIndex>(i), "a");
  }
  add_job(w, 10, 100, 2);
  prod::set_queue(w, 4, "b");
  const nlohmann::json params = {
      {"queues", {{{"name", "a"}, {"weight", 1}}, {{"name", "b"}, {"weight", 1}}}},
      {"actions", "enqueue, allocate, backfill"}};
  const auto r = run(uniform_cluster(1, 4), w, "volcano", params);
  EXPECT_EQ(r.start(4), 1000);
  EXPECT_EQ(r.preemptions(3), 0U);
}

// preempt: in one queue, a higher-priority job evicts the lower-priority one it needs room from.
TEST(Volcano, PreemptWithinAQueueByPriority) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 10, 100, 4);
  w.jobs[1].priority = 5;
  const auto r = run(uniform_cluster(1, 4), w, "volcano");
  EXPECT_EQ(r.start(1), 10);
  EXPECT_EQ(r.preemptions(0), 1U);
  EXPECT_EQ(r.end(0), 1100);
}

// One session runs allocate, preempt and reclaim in turn; a job that allocate started and
// preempt then evicted claims nothing in that session's reclaim. Queues a (weight 3) and b
// (weight 1), one node with 5 GPUs. At 0, b's B (3 GPUs) and a's Z (1 GPU, priority 0) start. At
// 10 a's Y (2 GPUs, priority 10) and X (1 GPU, priority 5) arrive: a deserves 3.75 GPUs, b 1.25.
// allocate finds no room for Y and starts X on the last free GPU; preempt lets Y evict a's
// lower-priority jobs, Z then X, and Y starts (a holds 2). reclaim: a is under its share and b
// above, but X, started and evicted in this session, is not one of the jobs that waited through
// it, so nothing is reclaimed at 10. At the next session (11) X reclaims B's GPUs and runs 100 s
// to 111 (reclaiming at 10 it would end at 110).
TEST(Volcano, AJobStartedAndEvictedInOneSessionReclaimsNothingInIt) {
  sim::Workload w;
  add_job(w, 0, 1000, 3);  // B
  prod::set_queue(w, 0, "b");
  add_job(w, 0, 1000, 1);  // Z
  add_job(w, 10, 100, 2);  // Y
  w.jobs[2].priority = 10;
  add_job(w, 10, 100, 1);  // X
  w.jobs[3].priority = 5;
  for (sim::JobIndex j : {1U, 2U, 3U}) prod::set_queue(w, j, "a");
  const nlohmann::json params = {
      {"queues", {{{"name", "a"}, {"weight", 3}}, {{"name", "b"}, {"weight", 1}}}}};
  const auto r = run(uniform_cluster(1, 5), w, "volcano", params);
  EXPECT_EQ(r.start(2), 10);
  EXPECT_EQ(r.end(2), 110);
  EXPECT_EQ(r.preemptions(1), 1U);
  EXPECT_EQ(r.preemptions(3), 1U);
  EXPECT_EQ(r.preemptions(0), 1U);
  EXPECT_EQ(r.end(3), 111);
}

TEST(Volcano, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("volcano", {{"actions", "allocate, dance"}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("volcano", {{"actions", "preempt"}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("volcano", {{"queues", {{{"name", "a"}, {"weight", 0}}}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("volcano",
                                     {{"queues", {{{"name", "a"}, {"capability", {{"gpu", 1}}}}}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("volcano", {{"schedulePeriod", 0}}), sim::InputError);
  EXPECT_NO_THROW(policies::make_policy(
      "volcano", {{"queues", {{{"name", "a"}, {"capability", {{"memory", "64Gi"}}}}}}}));
}

}  // namespace
}  // namespace orrery::test
