// tiresias-las and tiresias-gittins: hand-worked schedules.
#include <gtest/gtest.h>

#include "orrery/sim/problems.hpp"
#include "research_support.hpp"

namespace orrery::test {
namespace {

// One GPU, queue_limit [100] GPU-seconds (two queues).
//   A: submit 0, 1 GPU, 1000 s.   B: submit 50, 1 GPU, 30 s.
// t=0    A starts in queue 0.
// t=50   B arrives in queue 0; A has 50 GPU-s, also queue 0: same queue, no preemption.
// t=100  A reaches 100 GPU-s and is demoted to queue 1 (the policy asked for a pass then);
//        B (queue 0) preempts it and runs 100-130.
// t=130  B ends; A resumes with 900 s left and ends at 1030.
// Under FIFO, B would wait until 1000 and end at 1030.
TEST(TiresiasLas, DemotesALongJobSoAShortLaterJobOvertakesIt) {
  sim::Workload w;
  add_job(w, 0, 1000, 1);
  add_job(w, 50, 30, 1);
  const auto r = run_policy(uniform_cluster(1, 1), w, "tiresias-las", {{"queue_limit", {100}}});
  EXPECT_EQ(start_s(r, 1), 100);
  EXPECT_EQ(end_s(r, 1), 130);
  EXPECT_EQ(end_s(r, 0), 1030);
  EXPECT_EQ(r.jobs[0].preemptions, 1U);
  const auto fifo = run_policy(uniform_cluster(1, 1), w, "fifo");
  EXPECT_EQ(end_s(fifo, 1), 1030);
}

// Service is GPU-time (the "2D" in 2D-LAS): a 2-GPU job reaches 100 GPU-s after 50 s.
// Two GPUs, queue_limit [100].  A: submit 0, 2 GPUs, 1000 s.  B: submit 10, 1 GPU, 20 s.
// t=0 A starts; t=10 B waits (same queue); t=50 A has 100 GPU-s, is demoted and preempted; B runs
// 50-70 on one GPU (A needs both, so one stays idle); t=70 A resumes with 950 s left: ends 1020.
TEST(TiresiasLas, AttainedServiceIsGpuTime) {
  sim::Workload w;
  add_job(w, 0, 1000, 2);
  add_job(w, 10, 20, 1);
  const auto r = run_policy(uniform_cluster(1, 2), w, "tiresias-las", {{"queue_limit", {100}}});
  EXPECT_EQ(start_s(r, 1), 50);
  EXPECT_EQ(end_s(r, 1), 70);
  EXPECT_EQ(end_s(r, 0), 1020);
}

// Starvation guard (solve_starvation 1: promote once the wait since the last run reaches the run
// time since the last promotion). One GPU, queue_limit [100].
//   A: submit 0, 500 s.   B: submit 100, 300 s.
// t=100  A is demoted (100 GPU-s); B arrives in queue 0 and preempts it.
// t=200  B is demoted; A has waited 100 s = its 100 s of running: promoted to queue 0, restarts
//        its count and preempts B (queue 1).
// t=300  A is demoted again; B has waited 100 s after 100 s of running: promoted, preempts A.
// t=400  the same for A (ran 200-300, waited 300-400); t=500 the same for B.
// t=600  B has run 100-200, 300-400, 500-600: done. A (400 s done) resumes and ends at 800.
// Without the guard: B runs 100-400 (demoted at 200 to A's queue, where nobody preempts), A
// resumes at 400 and ends at 800, preempted once.
TEST(TiresiasLas, StarvationGuardPromotesAWaitingJob) {
  sim::Workload w;
  add_job(w, 0, 500, 1);
  add_job(w, 100, 300, 1);
  const auto guarded = run_policy(uniform_cluster(1, 1), w, "tiresias-las",
                                  {{"queue_limit", {100}}, {"solve_starvation", 1}});
  EXPECT_EQ(end_s(guarded, 1), 600);
  EXPECT_EQ(end_s(guarded, 0), 800);
  EXPECT_EQ(guarded.jobs[0].preemptions, 3U);
  EXPECT_EQ(guarded.jobs[1].preemptions, 2U);
  const auto plain = run_policy(uniform_cluster(1, 1), w, "tiresias-las", {{"queue_limit", {100}}});
  EXPECT_EQ(end_s(plain, 1), 400);
  EXPECT_EQ(end_s(plain, 0), 800);
  EXPECT_EQ(plain.jobs[0].preemptions, 1U);
}

// Gittins index over sizes {10, 10, 10, 10, 300, 300, 300, 300} GPU-s with delta 20, one queue:
//   G(0)   = P(S <= 20) / E[min(S, 20)] = (4/8) / ((40 + 4*20)/8) = 4/120 = 0.033
//   G(100) = 0: no job size in (100, 120]
//   G(280) = 4 / (4*300 - 4*280) = 0.05: every survivor ends within 20
// One GPU.  A: submit 0, 300 s.  B: submit 100, 10 s.  C: submit 290, 10 s.
// t=100  A (100 GPU-s, index 0) is below B (0.033): B preempts it, runs 100-110; A resumes.
// t=290  A has 280 GPU-s, index 0.05 above C's 0.033: A keeps running, ends at 310; C 310-320.
// LAS would have preferred C (less attained service); Gittins bets A is about to finish.
TEST(TiresiasGittins, OrdersByGittinsIndex) {
  sim::Workload w;
  add_job(w, 0, 300, 1);
  add_job(w, 100, 10, 1);
  add_job(w, 290, 10, 1);
  const nlohmann::json params = {
      {"num_queue", 1}, {"gittins_delta", 20}, {"samples", {10, 10, 10, 10, 300, 300, 300, 300}}};
  const auto r = run_policy(uniform_cluster(1, 1), w, "tiresias-gittins", params);
  EXPECT_EQ(start_s(r, 1), 100);
  EXPECT_EQ(end_s(r, 1), 110);
  EXPECT_EQ(end_s(r, 0), 310);
  EXPECT_EQ(r.jobs[0].preemptions, 1U);
  EXPECT_EQ(start_s(r, 2), 310);
  EXPECT_EQ(end_s(r, 2), 320);
}

// Queues come first: with queue_limit [50] A is in queue 1 by t=100 whatever its index, so both
// newcomers preempt it as they would under LAS: B 100-110, C 290-300, A ends at 320.
TEST(TiresiasGittins, QueuesDominateTheIndex) {
  sim::Workload w;
  add_job(w, 0, 300, 1);
  add_job(w, 100, 10, 1);
  add_job(w, 290, 10, 1);
  const nlohmann::json params = {{"queue_limit", {50}},
                                 {"gittins_delta", 20},
                                 {"samples", {10, 10, 10, 10, 300, 300, 300, 300}}};
  const auto r = run_policy(uniform_cluster(1, 1), w, "tiresias-gittins", params);
  EXPECT_EQ(end_s(r, 1), 110);
  EXPECT_EQ(start_s(r, 2), 290);
  EXPECT_EQ(end_s(r, 2), 300);
  EXPECT_EQ(end_s(r, 0), 320);
}

TEST(TiresiasParams, RejectsBadThresholds) {
  EXPECT_THROW(policies::make_policy("tiresias-las", {{"queue_limit", {7200, 3250}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("tiresias-las", {{"num_queue", 5}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("tiresias-gittins", {{"distribution", "oracle"}}),
               sim::InputError);
  EXPECT_NO_THROW(policies::make_policy("tiresias-las",
                                        {{"num_queue", 3}, {"queue_limit", {3250, 7200, 18000}}}));
}

// Victims are chosen where the preemptor can run, not only by priority. Two nodes of 4 GPUs,
// queue_limit [100] GPU-seconds.
//   L1, L2: submit 0, 3 GPUs, 1000 s: L1 on node 0, L2 on node 1; both in queue 1 from t=34.
//   H1: submit 200, 1 GPU, 50 s (node 0).  H2: submit 200, 1 GPU, 90 s (node 1).  Queue 0.
//   J:  submit 210, 4 GPUs on one node, 10 s.  Queue 0, behind H1 and H2 (same queue, later).
// t=210  the lower-priority L1 and L2 hold 6 GPUs, but neither node would have 4 free: nothing
//        is preempted (preempting both in priority order would evict them only for both to
//        restart at once).
// t=250  H1 ends: node 0 has 1 idle GPU, node 1 none (H2 runs to 290). The lowest-priority
//        victim is L2 (same submit as L1, larger index), but evicting it would leave node 1 with
//        3 GPUs: it is passed over. Evicting L1 leaves 4 on node 0: J runs 250-260 there, and
//        L1 resumes at 260 (ends 1010). L2 is never touched; preempting in plain priority order
//        would have evicted it first, for nothing.
TEST(TiresiasLas, PreemptsOnlyWhereThePreemptorFits) {
  sim::Workload w;
  add_job(w, 0, 1000, 3);  // L1
  add_job(w, 0, 1000, 3);  // L2
  add_job(w, 200, 50, 1);  // H1
  add_job(w, 200, 90, 1);  // H2
  add_job(w, 210, 10, 4);  // J
  const auto r = run_policy(uniform_cluster(2, 4), w, "tiresias-las", {{"queue_limit", {100}}});
  EXPECT_EQ(start_s(r, 4), 250);
  EXPECT_EQ(end_s(r, 4), 260);
  EXPECT_EQ(r.jobs[0].preemptions, 1U);
  EXPECT_EQ(r.jobs[1].preemptions, 0U);
  EXPECT_EQ(r.jobs[2].preemptions + r.jobs[3].preemptions, 0U);
  EXPECT_EQ(end_s(r, 0), 1010);  // 10 s out while J ran
  EXPECT_EQ(end_s(r, 1), 1000);
}

}  // namespace
}  // namespace orrery::test
