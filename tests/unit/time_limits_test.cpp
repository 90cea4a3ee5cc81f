// Enforced time limits (SimulationOptions::time_limits): a job that runs past its walltime
// request is killed as a resource manager kills it, at the limit plus the grace, at the first
// check at or after that. Every time below is worked out by hand.
#include <gtest/gtest.h>

#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/runtime_model.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using sim::JobStatus;
using sim::SimTime;

sim::SimulationOptions enforced(double check_s = 0, double grace_s = 0) {
  sim::SimulationOptions o;
  o.time_limits.enforce = true;
  o.time_limits.check_interval = SimTime::from_seconds(check_s);
  o.time_limits.grace = SimTime::from_seconds(grace_s);
  return o;
}

sim::RunResult run(const sim::Workload& w, const sim::SimulationOptions& o,
                   const std::string& policy = "fifo", std::uint32_t gpus = 1) {
  sim::Simulation s(uniform_cluster(1, gpus), w, policies::make_policy(policy),
                    policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>(), o);
  return s.run();
}

TEST(TimeLimits, AJobPastItsLimitIsKilledThereAndItsWorkIsLost) {
  sim::Workload w;
  add_job(w, 0, 100, 2, 1, 60);  // 100 s of work, 60 s asked for
  const auto r = run(w, enforced(), "fifo", 2);
  ASSERT_TRUE(r.jobs[0].end);
  EXPECT_EQ(r.jobs[0].end->ms(), 60'000);
  EXPECT_EQ(r.jobs[0].status, JobStatus::kTimeout);
  EXPECT_EQ(r.summary.timed_out, 1U);
  EXPECT_EQ(r.summary.failed, 1U);  // a timeout is a failure too
  EXPECT_EQ(r.summary.completed, 0U);
  // 60 s on 2 GPUs held, none of it kept.
  EXPECT_NEAR(r.summary.gpu_hours_allocated * 3600, 120, 1e-6);
  EXPECT_NEAR(r.summary.gpu_hours_lost_time_limits * 3600, 120, 1e-6);
  EXPECT_NEAR(r.summary.goodput, 0, 1e-12);
}

TEST(TimeLimits, JobsWithinTheirLimitOrWithoutOneRunToTheEnd) {
  sim::Workload w;
  add_job(w, 0, 50, 1, 1, 60);  // inside its limit
  add_job(w, 0, 60, 1, 1, 60);  // exactly its limit: it completes
  add_job(w, 0, 500, 1);        // no limit asked: never killed
  const auto r = run(w, enforced(), "fifo", 3);
  EXPECT_EQ(r.jobs[0].end->ms(), 50'000);
  EXPECT_EQ(r.jobs[1].end->ms(), 60'000);
  EXPECT_EQ(r.jobs[2].end->ms(), 500'000);
  for (const auto& o : r.jobs) EXPECT_EQ(o.status, JobStatus::kCompleted);
  EXPECT_EQ(r.summary.timed_out, 0U);
  EXPECT_NEAR(r.summary.goodput, 1, 1e-12);
}

TEST(TimeLimitsOff, AJobRunsPastItsLimitAsTheTraceRan) {
  sim::Workload w;
  add_job(w, 0, 100, 1, 1, 60);
  const auto r = run(w, sim::SimulationOptions{});
  EXPECT_EQ(r.jobs[0].end->ms(), 100'000);
  EXPECT_EQ(r.jobs[0].status, JobStatus::kCompleted);
}

TEST(TimeLimits, TheKillWaitsForTheGraceAndTheNextCheck) {
  // One GPU. j0 (40 s) runs 0..40; j1 (300 s of work, 45 s limit) starts at 40, reaches its
  // limit at 85; the checks come every 30 s from the run's start (0, 30, 60, 90, ...): killed at
  // 90. With a grace of 20 s: limit + grace at 105, next check at 120.
  sim::Workload w;
  add_job(w, 0, 40, 1);
  add_job(w, 0, 300, 1, 1, 45);
  const auto a = run(w, enforced(30));
  EXPECT_EQ(a.jobs[1].start->ms(), 40'000);
  EXPECT_EQ(a.jobs[1].end->ms(), 90'000);
  EXPECT_EQ(a.jobs[1].status, JobStatus::kTimeout);
  const auto b = run(w, enforced(30, 20));
  EXPECT_EQ(b.jobs[1].end->ms(), 120'000);
  EXPECT_EQ(b.jobs[1].status, JobStatus::kTimeout);
  // A job that ends between its limit and the check completes (it was not killed yet).
  sim::Workload v;
  add_job(v, 0, 40, 1);
  add_job(v, 0, 48, 1, 1, 45);  // limit at 85, work done at 88, check at 90
  const auto c = run(v, enforced(30));
  EXPECT_EQ(c.jobs[1].end->ms(), 88'000);
  EXPECT_EQ(c.jobs[1].status, JobStatus::kCompleted);
}

TEST(TimeLimits, AKilledJobFreesItsGpusForTheNext) {
  sim::Workload w;
  add_job(w, 0, 1000, 1, 1, 60);
  add_job(w, 1, 10, 1);
  const auto r = run(w, enforced());
  EXPECT_EQ(r.jobs[0].end->ms(), 60'000);
  EXPECT_EQ(r.jobs[1].start->ms(), 60'000);
  EXPECT_EQ(r.jobs[1].end->ms(), 70'000);
  EXPECT_EQ(r.jobs[1].status, JobStatus::kCompleted);
}

TEST(TimeLimits, EachRunSegmentHasItsOwnClock) {
  // srtf on one GPU: j0 (100 s of work, 80 s limit) runs 0..10; j1 (20 s) arrives at 10 and
  // preempts it, runs 10..30; j0 starts again at 30 with 90 s left and a fresh 80 s: killed at
  // 110 (a clock from its first start would have killed it at 80).
  sim::Workload w;
  add_job(w, 0, 100, 1, 1, 80);
  add_job(w, 10, 20, 1);
  const auto r = run(w, enforced(), "srtf");
  EXPECT_EQ(r.jobs[0].preemptions, 1U);
  EXPECT_EQ(r.jobs[1].end->ms(), 30'000);
  EXPECT_EQ(r.jobs[0].end->ms(), 110'000);
  EXPECT_EQ(r.jobs[0].status, JobStatus::kTimeout);
  // Its first 10 s were kept (the preemption checkpointed them); the last 80 s were not.
  EXPECT_NEAR(r.summary.gpu_hours_lost_time_limits * 3600, 80, 1e-6);
}

TEST(TimeLimits, TheLimitComesBeforeAnObservedFailure) {
  // The trace saw the job fail after 100 s; with a 60 s limit it is killed at 60 first.
  sim::Workload w;
  add_job(w, 0, 100, 1, 1, 60);
  add_job(w, 0, 50, 1, 1, 60);
  w.jobs[0].observed.status = JobStatus::kFailed;
  w.jobs[1].observed.status = JobStatus::kKilled;
  const auto r = run(w, enforced(), "fifo", 2);
  EXPECT_EQ(r.jobs[0].status, JobStatus::kTimeout);
  EXPECT_EQ(r.jobs[0].end->ms(), 60'000);
  EXPECT_EQ(r.jobs[1].status, JobStatus::kKilled);  // ended inside its limit: as observed
  EXPECT_EQ(r.jobs[1].end->ms(), 50'000);
}

TEST(TimeLimits, NoKillMeansTheSameScheduleAsWithout) {
  sim::Workload w;
  for (int i = 0; i < 200; ++i) add_job(w, i * 30.0, 600 + (i * 37) % 3000, 1U << (i % 4), 1, 4000);
  sim::Simulation a(uniform_cluster(8, 8), w, policies::make_policy("fifo-skip"),
                    policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>(), {});
  sim::Simulation b(uniform_cluster(8, 8), w, policies::make_policy("fifo-skip"),
                    policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>(),
                    enforced(30));
  const auto ra = a.run();
  const auto rb = b.run();
  EXPECT_EQ(rb.summary.timed_out, 0U);
  EXPECT_EQ(ra.manifest.fingerprint, rb.manifest.fingerprint);
}

TEST(TimeLimits, TheScenarioSetsThemAndChecksItsValues) {
  TempDir tmp;
  write_text(tmp / "t.csv", "job_id,submit_s,gpus_per_task,duration_s\na,0,1,10\n");
  write_text(tmp / "s.json",
             R"({"cluster": {"pools": [{"gpu_type": "A100", "gpus_per_node": 8, "nodes": 1}]},
      "workload": {"trace": "t.csv"}, "policies": ["fifo"],
      "time_limits": {"enforce": true, "grace_s": 60}})");
  const auto s = scenario::load_scenario((tmp / "s.json").string());
  EXPECT_TRUE(s.options.time_limits.enforce);
  EXPECT_EQ(s.options.time_limits.grace.ms(), 60'000);
  EXPECT_EQ(s.options.time_limits.check_interval.ms(), 30'000);  // slurmctld's period
  // Off unless asked for.
  EXPECT_FALSE(scenario::Scenario{}.options.time_limits.enforce);

  write_text(tmp / "bad.json",
             R"({"cluster": {"pools": [{"gpu_type": "A100", "gpus_per_node": 8, "nodes": 1}]},
      "workload": {"trace": "t.csv"}, "policies": ["fifo"],
      "time_limits": {"enforce": "yes", "grace_s": -5, "check_interval_s": 30, "kill": 1}})");
  std::vector<std::string> p;
  try {
    scenario::load_scenario((tmp / "bad.json").string());
    FAIL() << "expected problems";
  } catch (const sim::InputError& e) {
    for (const auto& x : e.problems()) p.push_back(x.to_string());
  }
  auto has = [&](const std::string& needle) {
    for (const auto& s : p) {
      if (s.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("time_limits.enforce: must be true or false")) << ::testing::PrintToString(p);
  EXPECT_TRUE(has("time_limits.grace_s: must be >= 0, got -5")) << ::testing::PrintToString(p);
  EXPECT_TRUE(has("time_limits.kill: unknown key")) << ::testing::PrintToString(p);
}

}  // namespace
}  // namespace orrery::test
