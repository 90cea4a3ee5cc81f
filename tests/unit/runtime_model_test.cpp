// The runtime model and the engine's overheads and failures: each effect in the expected
// direction and by the modelled size, worked out by hand.
#include "orrery/sim/runtime_model.hpp"

#include <gtest/gtest.h>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using sim::SimTime;

sim::RunResult run(const sim::ClusterSpec& c, const sim::Workload& w, const std::string& placement,
                   const sim::RuntimeModelParams& params, const sim::SimulationOptions& opts = {},
                   const std::string& policy = "fifo") {
  sim::Simulation s(c, w, policies::make_policy(policy), policies::make_placer(placement),
                    std::make_unique<sim::ModelRuntime>(params, w), opts);
  return s.run();
}

double jct(const sim::RunResult& r, std::size_t j) {
  return (*r.jobs[j].end - *r.jobs[j].start).seconds();
}

TEST(RuntimeModel, FasterGpusShortenJobsByTheTablesRatio) {
  // A "transformer" job observed on V100 for 1000 s, placed on H100: the table says H100 runs
  // it throughput(H100)/throughput(V100) times as fast.
  sim::Workload w;
  add_job(w, 0, 1000, 1);
  w.jobs[0].job_class = w.job_classes.intern("transformer");
  sim::RuntimeModelParams p;
  p.observed_gpu_type = "V100";
  const double ratio = *p.throughput.throughput("transformer", "H100") /
                       *p.throughput.throughput("transformer", "V100");
  ASSERT_GT(ratio, 1.5);
  const auto r = run(uniform_cluster(1, 8, "H100"), w, "pack", p);
  EXPECT_NEAR(jct(r, 0), 1000.0 / ratio, 0.002);
  EXPECT_EQ(r.jobs[0].gpu_type, "H100");
  // On the observed hardware nothing changes.
  EXPECT_NEAR(jct(run(uniform_cluster(1, 8, "V100"), w, "pack", p), 0), 1000.0, 0.002);
}

TEST(RuntimeModel, AGangRunsAtThePaceOfItsSlowestGpuType) {
  sim::ClusterSpec c = uniform_cluster(1, 4, "H100");
  sim::NodePoolSpec slow;
  slow.name = "v100";
  slow.gpu_type = "V100";
  slow.gpus_per_node = 4;
  slow.nodes = 1;
  c.pools.push_back(slow);
  sim::Workload w;
  add_job(w, 0, 100, 4, 2);  // needs both nodes
  sim::RuntimeModelParams p;
  p.observed_gpu_type = "V100";
  p.placement_slowdown = false;
  EXPECT_NEAR(jct(run(c, w, "pack", p), 0), 100.0, 0.002);
}

TEST(RuntimeModel, ConsolidatedBeatsSpreadForACommunicationHeavyJobByTheModelledFactor) {
  // An "llm" job of 2 tasks x 4 GPUs on 4 nodes of 8 GPUs. consolidate puts it on one node in
  // one NVLink domain: no slowdown. spread puts its tasks on two nodes: the bottleneck is the
  // node link (25 GB/s against NVLink's 300), so with communication share c it runs at
  // 1 / ((1 - c) + c * 300 / 25) of full speed.
  sim::Workload w;
  add_job(w, 0, 1000, 4, 2);
  w.jobs[0].job_class = w.job_classes.intern("llm");
  sim::RuntimeModelParams p;
  const double c = p.throughput.profile("llm").comm_fraction;
  const double factor = (1 - c) + c * 300.0 / 25.0;
  const auto cluster = uniform_cluster(4, 8);
  const auto together = run(cluster, w, "consolidate", p);
  const auto apart = run(cluster, w, "spread", p);
  EXPECT_EQ(together.jobs[0].nodes, 1U);
  EXPECT_EQ(apart.jobs[0].nodes, 2U);
  EXPECT_NEAR(jct(together, 0), 1000.0, 0.002);
  EXPECT_NEAR(jct(apart, 0), 1000.0 * factor, 0.002);
  EXPECT_NEAR(apart.jobs[0].speed, 1.0 / factor, 1e-4);
}

TEST(RuntimeModel, SharedGpusSlowDownWithTheirNeighbours) {
  // Two half-GPU jobs on one GPU: the second starts next to a neighbour using 0.5 of the GPU,
  // so it runs at 1 / (1 + alpha * 0.5). The first started alone (interference is evaluated at
  // start).
  sim::Workload w;
  add_job(w, 0, 100, 0);
  add_job(w, 1, 100, 0);
  w.jobs[0].gpu_milli = w.jobs[1].gpu_milli = 500;
  sim::RuntimeModelParams p;
  p.sharing_interference = 0.2;
  const auto r = run(uniform_cluster(1, 1), w, "pack", p);
  EXPECT_NEAR(jct(r, 0), 100.0, 0.002);
  EXPECT_NEAR(jct(r, 1), 100.0 * 1.1, 0.002);
}

TEST(Mig, ProfilesAreTheSmallestThatHoldTheShare) {
  EXPECT_EQ(sim::mig_profile_milli(1), 142U);     // 1g
  EXPECT_EQ(sim::mig_profile_milli(142), 142U);   // 1/7 = 0.1428...: 142 fits 1g
  EXPECT_EQ(sim::mig_profile_milli(143), 284U);   // just over 1/7: 2g
  EXPECT_EQ(sim::mig_profile_milli(300), 426U);   // 3g (2.1 slices)
  EXPECT_EQ(sim::mig_profile_milli(500), 568U);   // 4g (3.5 slices)
  EXPECT_EQ(sim::mig_profile_milli(600), 1000U);  // 4.2 slices: no 5g profile, so 7g
  EXPECT_EQ(sim::mig_profile_milli(1000), 1000U);
  EXPECT_EQ(sim::mig_profile_milli(0), 0U);
  // The profile combinations that exist fit in one GPU.
  EXPECT_LE(sim::mig_profile_milli(500) + sim::mig_profile_milli(400), 1000U);      // 4g + 3g
  EXPECT_LE(2 * sim::mig_profile_milli(400) + sim::mig_profile_milli(100), 1000U);  // 3g+3g+1g
  EXPECT_LE(7 * sim::mig_profile_milli(100), 1000U);                                // 7 x 1g
}

TEST(Mig, AShareTakesAWholeInstanceAndNeighboursDoNotInterfere) {
  // One GPU, three 0.3-GPU jobs of 100 s at t = 0, 1, 2. Time slicing: all three share the GPU
  // (0.9), the second runs at 1/(1 + 0.2 x 0.3), the third at 1/(1 + 0.2 x 0.6).
  // MIG: 0.3 becomes a 3g instance (426); two fit, the third waits for the first to end at 100;
  // no interference, so each runs exactly 100 s.
  sim::Workload w;
  for (int i = 0; i < 3; ++i) {
    add_job(w, i, 100, 0);
    w.jobs[static_cast<std::size_t>(i)].gpu_milli = 300;
  }
  sim::RuntimeModelParams p;
  p.sharing_interference = 0.2;
  sim::ClusterSpec sliced = uniform_cluster(1, 1);
  const auto ts = run(sliced, w, "pack", p, {}, "fifo-skip");
  EXPECT_NEAR(jct(ts, 1), 100.0 * 1.06, 0.002);
  EXPECT_NEAR(jct(ts, 2), 100.0 * 1.12, 0.002);
  EXPECT_EQ(ts.jobs[2].start->ms(), 2000);

  sim::ClusterSpec mig = uniform_cluster(1, 1);
  mig.pools[0].sharing = sim::NodePoolSpec::Sharing::kMig;
  const auto m = run(mig, w, "pack", p, {}, "fifo-skip");
  for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(jct(m, j), 100.0, 0.002) << j;
  EXPECT_EQ(m.jobs[1].start->ms(), 1000);
  EXPECT_EQ(m.jobs[2].start->ms(), 100'000);  // waited for an instance
  EXPECT_EQ(m.jobs[2].gpu_milli, 426U);
}

TEST(Overheads, LaunchAndCompletionLatencyAddToTheJob) {
  sim::Workload w;
  add_job(w, 0, 100, 1);
  sim::SimulationOptions o;
  o.overheads.launch_latency = SimTime::from_seconds(2);
  o.overheads.completion_latency = SimTime::from_ms(250);
  const auto r = run(uniform_cluster(1, 1), w, "pack", {}, o);
  EXPECT_EQ(r.jobs[0].end->ms(), 102'250);
  EXPECT_LT(r.summary.goodput, 1.0);
  EXPECT_NEAR(r.summary.gpu_hours_overhead, 2.25 / 3600.0, 1e-9);
}

TEST(Overheads, APreemptedJobPaysSaveAndRestoreAtItsRestart) {
  // srtf on one GPU: j0 (100 s) runs from 0; j1 (20 s) arrives at 10 and preempts it (j0 has 90 s
  // left). j1 runs 10..30. j0 restarts at 30 paying save (2 s) + restore (3 s) before working:
  // work resumes at 35, 90 s left: ends at 125.
  sim::Workload w;
  add_job(w, 0, 100, 1);
  add_job(w, 10, 20, 1);
  sim::SimulationOptions o;
  o.overheads.save_base_s = 2;
  o.overheads.restore_base_s = 3;
  const auto r = run(uniform_cluster(1, 1), w, "pack", {}, o, "srtf");
  EXPECT_EQ(r.jobs[0].end->ms(), 125'000);
  EXPECT_EQ(r.jobs[0].preemptions, 1U);
  EXPECT_EQ(r.jobs[1].end->ms(), 30'000);
  EXPECT_NEAR(r.summary.gpu_hours_lost_preemption, 5.0 / 3600.0, 1e-9);
}

TEST(Failures, ANodeFailureLosesWorkSinceTheLastCheckpoint) {
  // One job of 100 s on the only node; checkpoints every 30 s of work; the node fails at 70 s
  // and is repaired 20 s later. Progress 70 s, safe 60 s: 10 s lost. The job restarts at 90 when
  // the node is back, pays 5 s of restore, and works its remaining 40 s: it ends at 135.
  // GPU-time: allocated 70 + 45 = 115 s, productive 60 + 40 = 100 s, lost 10 s, restore 5 s.
  sim::Workload w;
  add_job(w, 0, 100, 1);
  sim::SimulationOptions o;
  o.overheads.checkpoint_interval = SimTime::from_seconds(30);
  o.overheads.restore_base_s = 5;
  o.failures.repair_hours = 20.0 / 3600.0;
  o.failures.scheduled = {{0, SimTime::from_seconds(70)}};
  const auto r = run(uniform_cluster(1, 1), w, "pack", {}, o);
  ASSERT_TRUE(r.jobs[0].end);
  EXPECT_EQ(r.jobs[0].end->ms(), 135'000);
  EXPECT_EQ(r.jobs[0].restarts, 1U);
  EXPECT_EQ(r.jobs[0].lost_work.ms(), 10'000);
  EXPECT_EQ(r.jobs[0].status, sim::JobStatus::kCompleted);
  EXPECT_EQ(r.summary.node_failures, 1U);
  EXPECT_NEAR(r.summary.gpu_hours_allocated * 3600, 115, 1e-6);
  EXPECT_NEAR(r.summary.gpu_hours_lost_failures * 3600, 10, 1e-6);
  EXPECT_NEAR(r.summary.gpu_hours_lost_preemption * 3600, 5, 1e-6);
  EXPECT_NEAR(r.summary.goodput, 100.0 / 115.0, 1e-9);
}

TEST(Failures, RetriesRunOutAndTheJobFails) {
  sim::Workload w;
  add_job(w, 0, 100, 1);
  sim::SimulationOptions o;
  o.failures.repair_hours = 1.0 / 3600.0;
  o.failures.max_retries = 1;
  o.failures.scheduled = {{0, SimTime::from_seconds(10)}, {0, SimTime::from_seconds(50)}};
  const auto r = run(uniform_cluster(1, 1), w, "pack", {}, o);
  EXPECT_EQ(r.jobs[0].status, sim::JobStatus::kFailed);
  EXPECT_EQ(r.jobs[0].restarts, 2U);
  EXPECT_EQ(r.jobs[0].end->ms(), 50'000);
}

sim::Workload busy_workload() {
  sim::Workload w;
  for (int i = 0; i < 200; ++i) add_job(w, i * 30.0, 600 + (i * 37) % 3000, 1U << (i % 4));
  return w;
}

TEST(Failures, AFailureFreeRunIsUnchangedWhenFailuresAreOff) {
  const auto w = busy_workload();
  sim::SimulationOptions off;
  sim::SimulationOptions never;  // failures on, but far too rare to happen during the run
  never.failures.node_mtbf_hours = 1e9;
  const auto a = run(uniform_cluster(8, 8), w, "pack", {}, off, "fifo-skip");
  const auto b = run(uniform_cluster(8, 8), w, "pack", {}, never, "fifo-skip");
  EXPECT_EQ(a.summary.node_failures, 0U);
  EXPECT_EQ(b.summary.node_failures, 0U);
  EXPECT_EQ(a.manifest.fingerprint, b.manifest.fingerprint);
  EXPECT_DOUBLE_EQ(a.summary.jct_s.mean, b.summary.jct_s.mean);
}

TEST(Failures, TheSameSeedGivesTheSameFailures) {
  const auto w = busy_workload();
  sim::SimulationOptions o;
  o.failures.node_mtbf_hours = 2;
  o.failures.repair_hours = 0.5;
  o.seed = 11;
  const auto a = run(uniform_cluster(8, 8), w, "pack", {}, o, "fifo-skip");
  const auto b = run(uniform_cluster(8, 8), w, "pack", {}, o, "fifo-skip");
  EXPECT_GT(a.summary.node_failures, 0U);
  EXPECT_EQ(a.manifest.fingerprint, b.manifest.fingerprint);
  EXPECT_EQ(a.summary.node_failures, b.summary.node_failures);
  o.seed = 12;
  const auto c = run(uniform_cluster(8, 8), w, "pack", {}, o, "fifo-skip");
  EXPECT_NE(a.manifest.fingerprint, c.manifest.fingerprint);
  EXPECT_GT(a.summary.gpu_hours_lost_failures + a.summary.gpu_hours_lost_preemption, 0.0);
}

}  // namespace
}  // namespace orrery::test
