// themis: finish-time fairness on a two-tenant case, worked by hand.
#include <gtest/gtest.h>

#include <algorithm>

#include "orrery/sim/problems.hpp"
#include "research_support.hpp"

namespace orrery::test {
namespace {

// One node of 4 GPUs. Tenant A: submit 0, 4 GPUs, 1000 s. Tenant B: submit 10, 4 GPUs, 100 s.
// lease_s 100, f 0.8 (the 1 - f = 20% furthest from fairness, at least one job, bid first).
// t=0    round: only A; it starts. Next round at 100.
// t=10   B arrives; no GPU is free and leases run until 100.
// t=100  round, N = 2 jobs: T_id = D x max(1, 4 x 2 / 4) = 2D.
//          A: T_sh = 100 + 900 = 1000, T_id = 2000 -> rho 0.50
//          B: T_sh =  90 + 100 =  190, T_id =  200 -> rho 0.95
//        B is furthest from fairness and is offered the cluster: A's lease is not renewed (A is
//        preempted), B runs 100-200.
// t=200  B ends; A resumes with 900 s left and ends at 1100.
// Finish-time fairness with N = 2 (both were active together): Themis A 1100/2000 = 0.55,
// B 190/200 = 0.95; FIFO (A 0-1000, B 1000-1100) A 0.5, B 1090/200 = 5.45.
TEST(Themis, EqualisesFinishTimeFairnessBetterThanFifo) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 10, 100, 4);
  const auto themis =
      run_policy(uniform_cluster(1, 4), w, "themis", {{"lease_s", 100}, {"f", 0.8}});
  EXPECT_EQ(start_s(themis, 1), 100);
  EXPECT_EQ(end_s(themis, 1), 200);
  EXPECT_EQ(end_s(themis, 0), 1100);
  EXPECT_EQ(themis.jobs[0].preemptions, 1U);
  const auto fifo = run_policy(uniform_cluster(1, 4), w, "fifo");
  ASSERT_EQ(end_s(fifo, 1), 1100);

  auto max_rho = [&](const sim::RunResult& r) {
    double worst = 0;
    for (sim::JobIndex j = 0; j < 2; ++j) {
      const double t_sh = end_s(r, j) - w.jobs[j].submit.seconds();
      const double t_id = w.jobs[j].duration.seconds() * 2;  // N = 2, gang = whole cluster
      worst = std::max(worst, t_sh / t_id);
    }
    return worst;
  };
  EXPECT_NEAR(max_rho(themis), 0.95, 1e-9);
  EXPECT_NEAR(max_rho(fifo), 5.45, 1e-9);
}

// Between rounds nothing is preempted: with a lease longer than the whole run, B waits for A.
TEST(Themis, LeasesAreNotBrokenBetweenRounds) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 10, 100, 4);
  const auto r = run_policy(uniform_cluster(1, 4), w, "themis", {{"lease_s", 5000}});
  EXPECT_EQ(start_s(r, 1), 1000);
  EXPECT_EQ(r.jobs[0].preemptions, 0U);
}

// The filter: with f = 0 every job is offered and the auction's greedy prefers the largest
// log-improvement per GPU, log((T_sh + lease) / T_sh) / g. Two GPUs, lease 100.
//   A: submit 0, 2 GPUs, 1000 s (runs first, alone).  B: submit 10, 1 GPU, 1000 s.
//   C: submit 10, 1 GPU, 50 s.
// Round at 100, N = 3, T_id = D x max(1, g x 3 / 2):
//   A: T_id 3000, T_sh 100 + 900 = 1000: rho 0.33, gain log(1100/1000)/2 = 0.048
//   B: T_id 1500, T_sh 90 + 1000 = 1090: rho 0.73, gain log(1190/1090) = 0.088
//   C: T_id 75,   T_sh 90 + 50 = 140:    rho 1.87, gain log(240/140)  = 0.539
// f = 0.8 offers only C (largest rho) first, then the rest by rho: C and B run from 100.
// f = 0 offers all; by gain per GPU: C, B, A: the same two. Either way A is preempted at 100.
// C ends at 150; B keeps running; A needs both GPUs and waits until B ends at 1100.
TEST(Themis, OffersTheJobsFurthestFromFairnessFirst) {
  sim::Workload w;
  add_job(w, 0, 1000, 2);
  add_job(w, 10, 1000, 1);
  add_job(w, 10, 50, 1);
  for (double f : {0.0, 0.8}) {
    const auto r = run_policy(uniform_cluster(1, 2), w, "themis", {{"lease_s", 100}, {"f", f}});
    EXPECT_EQ(start_s(r, 2), 100) << "f " << f;
    EXPECT_EQ(end_s(r, 2), 150) << "f " << f;
    EXPECT_EQ(start_s(r, 1), 100) << "f " << f;
    EXPECT_EQ(end_s(r, 1), 1100) << "f " << f;
    EXPECT_EQ(end_s(r, 0), 2000) << "f " << f;
  }
}

TEST(Themis, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("themis", {{"f", 1.5}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("themis", {{"lease_s", 0}}), sim::InputError);
}

}  // namespace
}  // namespace orrery::test
