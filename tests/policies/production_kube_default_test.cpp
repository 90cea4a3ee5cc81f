// kube-default: hand-worked schedules of the Kubernetes default scheduler model.
#include <gtest/gtest.h>

#include "orrery/sim/problems.hpp"
#include "production_test_util.hpp"

namespace orrery::test {
namespace {

using prod::run;

// One node with 2 GPUs; jobs A and B each have two 1-GPU pods and arrive together at t=0.
// Pods are ordered (priority, creation, pod index): a0, b0, a1, b1. a0 and b0 bind the two
// GPUs; a1 and b1 fit nowhere and neither job can run: both hold one GPU forever (deadlock).
TEST(KubeDefault, TwoMultiPodJobsDeadlockHalfPlaced) {
  sim::Workload w;
  add_job(w, 0, 100, 1, 2);
  add_job(w, 0, 100, 1, 2);
  const auto r = run(uniform_cluster(1, 2), w, "kube-default");
  EXPECT_EQ(r.status(0), sim::JobStatus::kUnfinished);
  EXPECT_EQ(r.status(1), sim::JobStatus::kUnfinished);
  EXPECT_EQ(r.start(0), -1);
  EXPECT_EQ(r.start(1), -1);
}

// Same jobs, B created one second later: A's pods come first (a0, a1), A runs 0..100 and B's
// pods bind when A ends: B runs 100..200.
TEST(KubeDefault, StaggeredJobsDoNotDeadlock) {
  sim::Workload w;
  add_job(w, 0, 100, 1, 2);
  add_job(w, 1, 100, 1, 2);
  const auto r = run(uniform_cluster(1, 2), w, "kube-default");
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.end(0), 100);
  EXPECT_EQ(r.start(1), 100);
  EXPECT_EQ(r.end(1), 200);
}

// Pods of one job that fit no single node still run, spread over nodes (no gang needed).
TEST(KubeDefault, PodsOfOneJobSpreadOverNodes) {
  sim::Workload w;
  add_job(w, 0, 50, 4, 2);
  const auto r = run(uniform_cluster(2, 4), w, "kube-default");
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.rec.starts.at(0).front().second.distinct_nodes(), 2U);
}

// One node, 2 GPUs. L (priority 0, 2 GPUs, 1000 s) runs from 0. H (priority 10, 2 GPUs, 100 s)
// arrives at 10 and fits nowhere; DefaultPreemption removes the lower-priority pod of L on the
// node, H binds at 10 and ends at 110; L is recreated, waits, restarts at 110 with 990 s of work
// left and ends at 1100.
TEST(KubeDefault, PriorityPreemptionEvictsTheLowerPriorityPod) {
  sim::Workload w;
  add_job(w, 0, 1000, 2);
  add_job(w, 10, 100, 2);
  w.jobs[1].priority = 10;
  const auto r = run(uniform_cluster(1, 2), w, "kube-default");
  EXPECT_EQ(r.start(1), 10);
  EXPECT_EQ(r.end(1), 110);
  EXPECT_EQ(r.preemptions(0), 1U);
  EXPECT_EQ(r.end(0), 1100);
}

// Equal priority never preempts: H waits for L.
TEST(KubeDefault, EqualPriorityDoesNotPreempt) {
  sim::Workload w;
  add_job(w, 0, 1000, 2);
  add_job(w, 10, 100, 2);
  const auto r = run(uniform_cluster(1, 2), w, "kube-default");
  EXPECT_EQ(r.preemptions(0), 0U);
  EXPECT_EQ(r.start(1), 1000);
}

// Preemption disabled (postFilter DefaultPreemption disabled): H waits.
TEST(KubeDefault, PreemptionCanBeDisabled) {
  sim::Workload w;
  add_job(w, 0, 1000, 2);
  add_job(w, 10, 100, 2);
  w.jobs[1].priority = 10;
  const nlohmann::json params = {
      {"plugins", {{"postFilter", {{"disabled", {{{"name", "DefaultPreemption"}}}}}}}}};
  const auto r = run(uniform_cluster(1, 2), w, "kube-default", params);
  EXPECT_EQ(r.preemptions(0), 0U);
  EXPECT_EQ(r.start(1), 1000);
}

// Two nodes with 4 GPUs; j0 (1 GPU) at 0 goes to node 0 (all scores equal: lowest id). For j1
// (1 GPU) at 1, with the default profile (LeastAllocated over cpu, memory, GPU + Balanced):
//   node 0: GPU 2/4 requested -> fit (100 + 100 + 50) / 3 = 83.3; balanced 1 - sd(0, 0, .5) = 76.4
//   node 1: GPU 1/4 -> fit (100 + 100 + 75) / 3 = 91.7; balanced 1 - sd(0, 0, .25) = 88.2
// so node 1 (spread). MostAllocated alone: node 0 scores (0 + 0 + 50) / 3, node 1 (0 + 0 + 25) / 3:
// node 0 (pack). RequestedToCapacityRatio over GPUs with shape (0,0)-(100,10): node 0 scores 50,
// node 1 25: node 0.
TEST(KubeDefault, ScoringStrategies) {
  sim::Workload w;
  add_job(w, 0, 100, 1);
  add_job(w, 1, 100, 1);
  const auto spread = run(uniform_cluster(2, 4), w, "kube-default");
  EXPECT_EQ(spread.first_node(0), 0U);
  EXPECT_EQ(spread.first_node(1), 1U);

  const nlohmann::json no_balanced = {{"name", "NodeResourcesBalancedAllocation"}};
  const nlohmann::json most = {{"scoringStrategy", {{"type", "MostAllocated"}}},
                               {"plugins", {{"score", {{"disabled", {no_balanced}}}}}}};
  const auto packed = run(uniform_cluster(2, 4), w, "kube-default", most);
  EXPECT_EQ(packed.first_node(1), 0U);

  const nlohmann::json rtcr = {
      {"scoringStrategy",
       {{"type", "RequestedToCapacityRatio"},
        {"resources", {{{"name", "nvidia.com/gpu"}, {"weight", 1}}}},
        {"requestedToCapacityRatio",
         {{"shape",
           {{{"utilization", 0}, {"score", 0}}, {{"utilization", 100}, {"score", 10}}}}}}}},
      {"plugins", {{"score", {{"disabled", {no_balanced}}}}}}};
  const auto ratio = run(uniform_cluster(2, 4), w, "kube-default", rtcr);
  EXPECT_EQ(ratio.first_node(1), 0U);
}

TEST(KubeDefault, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("kube-default", {{"scoringStrategy", {{"type", "Foo"}}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("kube-default",
                                     {{"scoringStrategy", {{"type", "RequestedToCapacityRatio"}}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("kube-default", {{"percentageOfNodesToScore", 101}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("kube-default", {{"noSuchKnob", 1}}), sim::InputError);
  EXPECT_NO_THROW(policies::make_policy("kube-default", {{"percentageOfNodesToScore", 50}}));
}

}  // namespace
}  // namespace orrery::test
