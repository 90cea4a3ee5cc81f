// yarn-cs: virtual-cluster guarantees, elastic borrowing, reclaiming and daily quotas, by hand.
#include <gtest/gtest.h>

#include "orrery/sim/problems.hpp"
#include "research_support.hpp"

namespace orrery::test {
namespace {

sim::JobIndex add_vc_job(sim::Workload& w, const std::string& vc, double submit, double duration,
                         std::uint32_t gpus) {
  const sim::JobIndex j = add_job(w, submit, duration, gpus);
  w.jobs[j].queue = w.queues.intern(vc);
  return j;
}

// One node of 8 GPUs; VCs a and b with 50% each. VC a submits three 4-GPU jobs of 100 s at t=0.
sim::Workload three_in_a() {
  sim::Workload w;
  add_vc_job(w, "a", 0, 100, 4);
  add_vc_job(w, "a", 0, 100, 4);
  add_vc_job(w, "a", 0, 100, 4);
  return w;
}

// Hard quota (maximum-capacity = capacity = 50%): a holds at most 4 GPUs even though the other
// 4 are idle, so its jobs run one after another: 0-100, 100-200, 200-300.
TEST(YarnCapacity, KeepsAVcWithinItsCapacity) {
  const nlohmann::json params = {{"queues",
                                  {{"a", {{"capacity", 50}, {"maximum-capacity", 50}}},
                                   {"b", {{"capacity", 50}, {"maximum-capacity", 50}}}}}};
  const auto r = run_policy(uniform_cluster(1, 8), three_in_a(), "yarn-cs", params);
  EXPECT_EQ(start_s(r, 0), 0);
  EXPECT_EQ(start_s(r, 1), 100);
  EXPECT_EQ(start_s(r, 2), 200);
}

// Elastic (maximum-capacity 100%): a borrows b's idle 4 GPUs: two jobs 0-100, the third 100-200.
TEST(YarnCapacity, BorrowsIdleCapacity) {
  const nlohmann::json params = {{"queues",
                                  {{"a", {{"capacity", 50}, {"maximum-capacity", 100}}},
                                   {"b", {{"capacity", 50}, {"maximum-capacity", 100}}}}}};
  const auto r = run_policy(uniform_cluster(1, 8), three_in_a(), "yarn-cs", params);
  EXPECT_EQ(start_s(r, 0), 0);
  EXPECT_EQ(start_s(r, 1), 0);
  EXPECT_EQ(start_s(r, 2), 100);
}

// b wants its share back: b1 (4 GPUs, 100 s) arrives at t=10 while a borrows.
// Without preemption b1 waits for a's jobs to end at 100; then a and b are both at 0% of their
// guarantee, a first (listed first): a3 and b1 start at 100.
// With preemption: at t=10 b is below its guarantee and b1 fits it, a is above its own: a's most
// recently started job (a2; a1 and a2 started together, the later-listed goes first) is preempted
// and b1 runs 10-110. a2 is back at the head of a's queue: a1 ends at 100 and a2 resumes (90 s
// left, ends 190); a3 cannot exceed a's guarantee while b1 runs, and borrows b's GPUs when b1 ends
// at 110: 110-210.
TEST(YarnCapacity, ReclaimsBorrowedCapacityWithPreemption) {
  sim::Workload w = three_in_a();
  const auto b1 = add_vc_job(w, "b", 10, 100, 4);
  nlohmann::json params = {{"queues", {{"a", {{"capacity", 50}}}, {"b", {{"capacity", 50}}}}}};
  const auto plain = run_policy(uniform_cluster(1, 8), w, "yarn-cs", params);
  EXPECT_EQ(start_s(plain, b1), 100);
  EXPECT_EQ(start_s(plain, 2), 100);
  params["preemption"] = true;
  const auto r = run_policy(uniform_cluster(1, 8), w, "yarn-cs", params);
  EXPECT_EQ(start_s(r, b1), 10);
  EXPECT_EQ(end_s(r, b1), 110);
  EXPECT_EQ(r.jobs[1].preemptions, 1U);
  EXPECT_EQ(end_s(r, 1), 190);
  EXPECT_EQ(start_s(r, 2), 110);
  EXPECT_EQ(end_s(r, 2), 210);
}

// Daily quotas: a has 4 GPUs on day 0 and 8 from day 1 (t = 86,400 s); max_gpus 4 makes day 0
// a hard limit (a larger quota raises the maximum with it). a1 and a2, 4 GPUs each, submitted at
// 0, running 100,000 s: a1 starts at 0, a2 waits for day 1 (the policy asks for a pass then).
TEST(YarnCapacity, FollowsDailyQuotas) {
  sim::Workload w;
  add_vc_job(w, "a", 0, 100000, 4);
  add_vc_job(w, "a", 0, 100000, 4);
  const nlohmann::json params = {
      {"queues", {{"a", {{"gpus", 4}, {"max_gpus", 4}}}}},
      {"quotas", {{{"day", 0}, {"vc", "a"}, {"gpus", 4}}, {{"day", 1}, {"vc", "a"}, {"gpus", 8}}}}};
  const auto r = run_policy(uniform_cluster(1, 8), w, "yarn-cs", params);
  EXPECT_EQ(start_s(r, 0), 0);
  EXPECT_EQ(start_s(r, 1), 86400);
}

// Without configuration every VC of the workload gets an equal share and may borrow the rest.
TEST(YarnCapacity, DefaultsToEqualElasticShares) {
  const auto r = run_policy(uniform_cluster(1, 8), three_in_a(), "yarn-cs");
  EXPECT_EQ(start_s(r, 1), 0);  // a is the only VC: all 8 GPUs are its share
  EXPECT_EQ(start_s(r, 2), 100);
}

TEST(YarnCapacity, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("yarn-cs", {{"queues", {{"a", {{"capacity", 150}}}}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy(
                   "yarn-cs", {{"queues", {{"a", {{"capacity", 60}}}, {"b", {{"capacity", 60}}}}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("yarn-cs", {{"queues", {{"a", {{"weight", 1}}}}}}),
               sim::InputError);
  EXPECT_THROW(
      policies::make_policy("yarn-cs", {{"quotas", {{{"day", -1}, {"vc", "a"}, {"gpus", 1}}}}}),
      sim::InputError);
}

}  // namespace
}  // namespace orrery::test
