// gavel-*: heterogeneity-aware allocations worked out by hand from the default throughput table
// (relative to V100 = 1): transformer K80 0.08, rl K80 0.40.
#include <gtest/gtest.h>

#include <map>

#include "orrery/sim/problems.hpp"
#include "research_support.hpp"

namespace orrery::test {
namespace {

// Seconds each job spent on each GPU type, from the placements the engine reports.
class TypeTime final : public sim::Observer {
 public:
  explicit TypeTime(const sim::ClusterSpec& spec) : cluster_(spec) {}
  void on_start(sim::SimTime t, sim::JobIndex j, const sim::Placement& p) override {
    const auto pool = cluster_.node(p.task_nodes.front()).pool;
    on_[j] = {t, cluster_.gpu_types()[cluster_.pool_type(pool)]};
    if (!first_.count(j)) first_[j] = on_[j].second;
  }
  void on_preempt(sim::SimTime t, sim::JobIndex j) override { stop(t, j); }
  void on_finish(sim::SimTime t, sim::JobIndex j, sim::JobStatus) override { stop(t, j); }
  void close(sim::SimTime t) {
    for (auto& [j, seg] : on_) seconds_[j][seg.second] += (t - seg.first).seconds();
    on_.clear();
  }
  double seconds(sim::JobIndex j, const std::string& type) { return seconds_[j][type]; }
  std::string first_type(sim::JobIndex j) { return first_[j]; }

 private:
  void stop(sim::SimTime t, sim::JobIndex j) {
    auto it = on_.find(j);
    if (it == on_.end()) return;
    seconds_[j][it->second.second] += (t - it->second.first).seconds();
    on_.erase(it);
  }
  sim::Cluster cluster_;
  std::map<sim::JobIndex, std::pair<sim::SimTime, std::string>> on_;
  std::map<sim::JobIndex, std::map<std::string, double>> seconds_;
  std::map<sim::JobIndex, std::string> first_;
};

sim::JobIndex add_class_job(sim::Workload& w, const std::string& cls, double duration_s) {
  const sim::JobIndex j = add_job(w, 0, duration_s, 1);
  w.jobs[j].job_class = w.job_classes.intern(cls);
  return j;
}

// One V100 and one K80; a transformer job (V100 is 12.5x its K80 speed) and an rl job (2.5x).
// gavel-throughput maximises 1.0 x_TV + 0.08 x_TK + 1.0 x_RV + 0.40 x_RK: the V100 is worth
// 1 - 0.08 = 0.92 more to the transformer than the K80, 0.60 to the rl job, so X_TV = X_RK = 1
// (total 1.40 against 1.08 the other way round). Round one: both have received nothing and
// priority X = 1: the transformer gets the V100, the rl job the K80; they keep them every round.
TEST(Gavel, GivesTheFastTypeToTheJobThatGainsMostFromIt) {
  const auto cluster = pools_cluster({{"V100", 1, 1}, {"K80", 1, 1}});
  sim::Workload w;
  const auto transformer = add_class_job(w, "transformer", 3600);
  const auto rl = add_class_job(w, "rl", 3600);
  sim::Simulation s(cluster, w, policies::make_policy("gavel-throughput"),
                    policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>());
  TypeTime seen(cluster);
  s.add_observer(&seen);
  const auto r = s.run();
  EXPECT_EQ(seen.seconds(transformer, "V100"), 3600);
  EXPECT_EQ(seen.seconds(rl, "K80"), 3600);
  EXPECT_EQ(r.jobs[transformer].preemptions, 0U);
  EXPECT_EQ(r.jobs[rl].preemptions, 0U);
}

// Max-min fairness: one V100 and two K80 for two transformer jobs (T) and two rl jobs (R), each of
// one GPU, so one job always waits and every round is a real decision.
// Isolated shares: 3 GPUs for 4 jobs, x_iso = 3/4, spread 1/3 V100 and 2/3 K80:
//   iso_T = 0.75 (1.0 + 2 x 0.08) / 3 = 0.29,   iso_R = 0.75 (1.0 + 2 x 0.40) / 3 = 0.45.
// Per job, a = X_TV, k = X_TK, X_RV = 0.5 - a (the V100 is shared by 4 jobs), X_RK = 1 - k (two
// K80 for 4 jobs), with R's time 0.5 - a + 1 - k <= 1, i.e. k >= 0.5 - a. Raising a buys T
// 1/0.29 for R's 1/0.45 (1.55 to 1); raising k only 0.08/0.29 for 0.4/0.45 (0.31 to 1), so k sits
// at its bound 0.5 - a and
//   ratio_T = (a + 0.08 (0.5 - a)) / 0.29 = (0.04 + 0.92 a) / 0.29
//   ratio_R = (0.5 - a + 0.4 (0.5 + a)) / 0.45 = (0.7 - 0.6 a) / 0.45,
// equal at a = 0.185 / 0.588 = 0.315 (both 1.136): X_TV 0.315, X_TK 0.185, X_RV 0.185, X_RK 0.815.
// The transformers get most of the V100, where they gain 12.5x, the rl jobs most of the K80s.
// Over 200 rounds (72,000 s) the time on each type tracks those fractions to within a few rounds.
TEST(Gavel, MaxMinTimeFractionsTrackTheLinearProgram) {
  const auto cluster = pools_cluster({{"V100", 1, 1}, {"K80", 1, 2}});
  sim::Workload w;
  const auto t1 = add_class_job(w, "transformer", 1e7);
  add_class_job(w, "transformer", 1e7);
  const auto r1 = add_class_job(w, "rl", 1e7);
  add_class_job(w, "rl", 1e7);
  const double horizon = 72000;
  sim::SimulationOptions options;
  options.end_time = sim::SimTime::from_seconds(horizon);
  sim::Simulation s(cluster, w, policies::make_policy("gavel-maxmin"),
                    policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>(),
                    options);
  TypeTime seen(cluster);
  s.add_observer(&seen);
  s.run();
  seen.close(sim::SimTime::from_seconds(horizon));
  EXPECT_NEAR(seen.seconds(t1, "V100") / horizon, 0.315, 0.02);
  EXPECT_NEAR(seen.seconds(t1, "K80") / horizon, 0.185, 0.02);
  EXPECT_NEAR(seen.seconds(r1, "V100") / horizon, 0.185, 0.02);
  EXPECT_NEAR(seen.seconds(r1, "K80") / horizon, 0.815, 0.02);
}

// gavel-makespan: a 10-hour and a 1-hour transformer job, one V100, one K80. The smallest
// makespan gives the long job almost all of the V100: with a = X_SV (short job on V100),
//   long: (1 - a) + 0.08 a >= 10 s, short: a + 0.08 (1 - a) >= s, equal at a = 0.2 / 10.12,
// so X_LV = 0.98: in round one the long job gets the V100, the short one the K80.
TEST(Gavel, MakespanGivesTheLongJobTheFastType) {
  const auto cluster = pools_cluster({{"V100", 1, 1}, {"K80", 1, 1}});
  sim::Workload w;
  const auto longer = add_class_job(w, "transformer", 36000);
  const auto shorter = add_class_job(w, "transformer", 3600);
  sim::Simulation s(cluster, w, policies::make_policy("gavel-makespan"),
                    policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>());
  TypeTime seen(cluster);
  s.add_observer(&seen);
  s.run();
  EXPECT_EQ(seen.first_type(longer), "V100");
  EXPECT_EQ(seen.first_type(shorter), "K80");
}

// Rounds: a job arriving mid-round waits for the next round boundary (rounds every 360 s from
// the first pass at t=0).
TEST(Gavel, StartsJobsAtRoundBoundaries) {
  const auto cluster = uniform_cluster(1, 2, "V100");
  sim::Workload w;
  add_job(w, 0, 1000, 1);
  add_job(w, 100, 1000, 1);
  const auto r = run_policy(cluster, w, "gavel-maxmin", {{"time_per_iteration", 360}});
  EXPECT_EQ(start_s(r, 0), 0);
  EXPECT_EQ(start_s(r, 1), 360);
}

TEST(Gavel, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("gavel-maxmin", {{"time_per_iteration", -1}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("gavel-makespan", {{"round", 360}}), sim::InputError);
}

}  // namespace
}  // namespace orrery::test
