// kueue: hand-worked schedules of the Kueue model.
#include <gtest/gtest.h>

#include "orrery/sim/problems.hpp"
#include "production_test_util.hpp"

namespace orrery::test {
namespace {

using prod::run;

nlohmann::json gpu_cq(const std::string& name, double nominal, const std::string& cohort,
                      const std::string& strategy = "BestEffortFIFO",
                      const nlohmann::json& preemption = nlohmann::json::object()) {
  nlohmann::json cq = {
      {"name", name},
      {"queueingStrategy", strategy},
      {"resourceGroups",
       {{{"coveredResources", {"nvidia.com/gpu"}},
         {"flavors",
          {{{"name", "a100"},
            {"resources", {{{"name", "nvidia.com/gpu"}, {"nominalQuota", nominal}}}}}}}}}}};
  if (!cohort.empty()) cq["cohort"] = cohort;
  if (!preemption.empty()) cq["preemption"] = preemption;
  return cq;
}

const nlohmann::json kFlavors = {
    {{"name", "a100"}, {"nodeLabels", {{"nvidia.com/gpu.product", "A100-80"}}}}};

// One node with 8 A100s; ClusterQueues a and b (cohort c) have 4 GPUs of nominal quota each and
// reclaimWithinCohort Any. At 0, queue a submits two 4-GPU jobs (1000 s): the first fits a's
// nominal quota, the second borrows b's unused 4: both run. At 10, b submits a 4-GPU job (100 s):
// nothing is left in the cohort, but it would fit b's nominal quota, so it reclaims: candidates
// are a's workloads (a borrows), the most recently admitted first: j1 is evicted, j2 is admitted
// and runs 10..110. At 110 j1 borrows again and restarts with 990 s left: it ends at 1100.
TEST(Kueue, BorrowsIdleQuotaAndGivesItBackByPreemption) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 0, 1000, 4);
  add_job(w, 10, 100, 4);
  prod::set_queue(w, 0, "qa");
  prod::set_queue(w, 1, "qa");
  prod::set_queue(w, 2, "qb");
  const nlohmann::json reclaim = {{"reclaimWithinCohort", "Any"}};
  const nlohmann::json params = {
      {"resourceFlavors", kFlavors},
      {"clusterQueues",
       {gpu_cq("a", 4, "c", "BestEffortFIFO", reclaim),
        gpu_cq("b", 4, "c", "BestEffortFIFO", reclaim)}},
      {"localQueues",
       {{{"name", "qa"}, {"clusterQueue", "a"}}, {{"name", "qb"}, {"clusterQueue", "b"}}}}};
  const auto r = run(uniform_cluster(1, 8), w, "kueue", params);
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(1), 0);  // borrowed
  EXPECT_EQ(r.start(2), 10);
  EXPECT_EQ(r.end(2), 110);
  EXPECT_EQ(r.preemptions(1), 1U);
  EXPECT_EQ(r.preemptions(0), 0U);
  EXPECT_EQ(r.end(1), 1100);
  EXPECT_EQ(r.end(0), 1000);
}

// Without a cohort, the second job of a cannot borrow and waits for the first (start 1000).
TEST(Kueue, NoBorrowingOutsideACohort) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 0, 1000, 4);
  prod::set_queue(w, 0, "qa");
  prod::set_queue(w, 1, "qa");
  const nlohmann::json params = {
      {"resourceFlavors", kFlavors},
      {"clusterQueues", {gpu_cq("a", 4, ""), gpu_cq("b", 4, "")}},
      {"localQueues",
       {{{"name", "qa"}, {"clusterQueue", "a"}}, {{"name", "qb"}, {"clusterQueue", "b"}}}}};
  const auto r = run(uniform_cluster(1, 8), w, "kueue", params);
  EXPECT_EQ(r.start(1), 1000);
}

// lendingLimit 0 on b: a cannot borrow b's quota even in a cohort.
TEST(Kueue, LendingLimitCapsWhatIsLent) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 0, 1000, 4);
  prod::set_queue(w, 0, "qa");
  prod::set_queue(w, 1, "qa");
  nlohmann::json b = gpu_cq("b", 4, "c");
  b["resourceGroups"][0]["flavors"][0]["resources"][0]["lendingLimit"] = 0;
  const nlohmann::json params = {{"resourceFlavors", kFlavors},
                                 {"clusterQueues", {gpu_cq("a", 4, "c"), b}},
                                 {"localQueues", {{{"name", "qa"}, {"clusterQueue", "a"}}}}};
  const auto r = run(uniform_cluster(1, 8), w, "kueue", params);
  EXPECT_EQ(r.start(1), 1000);
}

// One ClusterQueue with 4 GPUs of quota on an 8-GPU node. j0 (3 GPUs, 0..100) is admitted; j1
// (2 GPUs) at 1 does not fit the quota (3 + 2 > 4); j2 (1 GPU) at 2 would (3 + 1).
// BestEffortFIFO sets j1 aside and admits j2 at 2; StrictFIFO keeps j2 behind j1 until j0 ends
// at 100, when both are admitted.
TEST(Kueue, StrictFifoVersusBestEffortFifo) {
  sim::Workload w;
  add_job(w, 0, 100, 3);
  add_job(w, 1, 100, 2);
  add_job(w, 2, 100, 1);
  for (sim::JobIndex j = 0; j < 3; ++j) prod::set_queue(w, j, "q");
  auto params = [&](const std::string& strategy) {
    return nlohmann::json{{"resourceFlavors", kFlavors},
                          {"clusterQueues", {gpu_cq("cq", 4, "", strategy)}},
                          {"localQueues", {{{"name", "q"}, {"clusterQueue", "cq"}}}}};
  };
  const auto best = run(uniform_cluster(1, 8), w, "kueue", params("BestEffortFIFO"));
  EXPECT_EQ(best.start(2), 2);
  EXPECT_EQ(best.start(1), 100);
  const auto strict = run(uniform_cluster(1, 8), w, "kueue", params("StrictFIFO"));
  EXPECT_EQ(strict.start(1), 100);
  EXPECT_EQ(strict.start(2), 100);
}

// withinClusterQueue LowerPriority: j1 (priority 5) evicts j0 (priority 0) in the same
// ClusterQueue at 10, runs 10..110; j0 restarts at 110 and ends at 1100.
TEST(Kueue, PreemptionWithinClusterQueueByPriority) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 10, 100, 4);
  w.jobs[1].priority = 5;
  prod::set_queue(w, 0, "q");
  prod::set_queue(w, 1, "q");
  const nlohmann::json params = {
      {"resourceFlavors", kFlavors},
      {"clusterQueues",
       {gpu_cq("cq", 4, "", "BestEffortFIFO", {{"withinClusterQueue", "LowerPriority"}})}},
      {"localQueues", {{{"name", "q"}, {"clusterQueue", "cq"}}}}};
  const auto r = run(uniform_cluster(1, 8), w, "kueue", params);
  EXPECT_EQ(r.start(1), 10);
  EXPECT_EQ(r.preemptions(0), 1U);
  EXPECT_EQ(r.end(0), 1100);
}

// The default set-up (no ClusterQueues given) admits every queued job within the cluster.
TEST(Kueue, DefaultSetupRunsEverything) {
  sim::Workload w;
  add_job(w, 0, 100, 4);
  add_job(w, 0, 100, 4);
  add_job(w, 0, 100, 8);
  for (sim::JobIndex j = 0; j < 3; ++j) prod::set_queue(w, j, "team");
  const auto r = run(uniform_cluster(1, 8), w, "kueue");
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(1), 0);
  EXPECT_EQ(r.start(2), 100);
}

TEST(Kueue, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("kueue", {{"clusterQueues", nlohmann::json::array()}}),
               sim::InputError);
  EXPECT_THROW(
      policies::make_policy("kueue", {{"clusterQueues", {gpu_cq("a", 4, "", "Whenever")}}}),
      sim::InputError);
  EXPECT_THROW(policies::make_policy(
                   "kueue", {{"clusterQueues", {gpu_cq("a", 4, "")}},
                             {"localQueues", {{{"name", "q"}, {"clusterQueue", "nope"}}}}}),
               sim::InputError);
  nlohmann::json lend = gpu_cq("a", 4, "c");
  lend["resourceGroups"][0]["flavors"][0]["resources"][0]["lendingLimit"] = 5;
  EXPECT_THROW(policies::make_policy("kueue", {{"clusterQueues", {lend}}}), sim::InputError);
  EXPECT_NO_THROW(policies::make_policy("kueue", {{"clusterQueues", {gpu_cq("a", 4, "c")}}}));
}

}  // namespace
}  // namespace orrery::test
