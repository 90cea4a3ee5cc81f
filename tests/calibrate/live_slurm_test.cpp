// Live tests on a real multi-node Slurm started on this machine by the LocalSlurm harness.
// Skipped, with a message, when slurmctld/slurmd are not installed or we are not root.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "orrery/calibrate/local_slurm.hpp"
#include "orrery/calibrate/process.hpp"
#include "orrery/calibrate/saved_run.hpp"
#include "orrery/calibrate/slurm_calibration.hpp"
#include "test_support.hpp"

namespace orrery::calibrate {
namespace {

namespace fs = std::filesystem;

#define REQUIRE_LOCAL_SLURM(auth)                             \
  if (auto missing = LocalSlurm::missing_tools(auth)) {       \
    GTEST_SKIP() << "live Slurm tests skipped: " << *missing; \
  }                                                           \
  if (::geteuid() != 0) GTEST_SKIP() << "live Slurm tests skipped: the harness needs root";

const char* kPhilly = "philly/dirlab/philly_data_training.csv";

void expect_all_gone(const std::vector<int>& pids) {
  for (int pid : pids) EXPECT_FALSE(process_alive(pid)) << "process " << pid << " still runs";
}

TEST(LocalSlurmHarness, StartsTypedGpusAndStopsEverythingItStarted) {
  REQUIRE_LOCAL_SLURM("none");
  LocalSlurmOptions o;
  o.nodes = 3;
  o.gpus_per_node = 4;
  o.gpu_type = "v100";
  LocalSlurm cluster(o);
  cluster.start();
  ASSERT_TRUE(cluster.running());
  const std::vector<int> daemons = cluster.daemon_pids();
  EXPECT_EQ(daemons.size(), 4U);  // slurmctld and three slurmd
  const ProcessOptions env{.timeout_s = 20, .env = cluster.client_env(), .stdin_text = {}};
  ProcessResult nodes = run_program({"sinfo", "-h", "-N", "-o", "%N %G %t"}, env);
  ASSERT_TRUE(nodes.ok()) << nodes.describe();
  EXPECT_NE(nodes.out.find("gpu:v100:4"), std::string::npos) << nodes.out;
  // A job that is still running when the cluster stops must not outlive it.
  ProcessResult sub = run_program({"sbatch", "--parsable", "--gres=gpu:v100:2", "-N1", "-t", "1",
                                   "--chdir=" + cluster.dir(), "--wrap=sleep 300"},
                                  env);
  ASSERT_TRUE(sub.ok()) << sub.describe();
  for (int k = 0; k < 50; ++k) {
    ProcessResult q = run_program({"squeue", "-h", "-t", "R", "-o", "%i"}, env);
    if (q.ok() && !q.out.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_FALSE(cluster.leftover_processes().empty());
  const std::vector<int> stopped = cluster.stop();
  EXPECT_FALSE(cluster.running());
  expect_all_gone(daemons);
  expect_all_gone(stopped);
  EXPECT_TRUE(cluster.leftover_processes().empty());
  EXPECT_FALSE(fs::exists(cluster.dir())) << "the temporary cluster folder stays";
}

TEST(LocalSlurmHarness, RunsWithAPrivateMunge) {
  REQUIRE_LOCAL_SLURM("munge");
  LocalSlurmOptions o;
  o.nodes = 1;
  o.gpus_per_node = 2;
  o.auth = "munge";
  LocalSlurm cluster(o);
  cluster.start();
  const std::vector<int> daemons = cluster.daemon_pids();
  EXPECT_EQ(daemons.size(), 3U);  // munged, slurmctld, slurmd
  ProcessResult r = run_program({"scontrol", "ping"},
                                {.timeout_s = 20, .env = cluster.client_env(), .stdin_text = {}});
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_NE(r.out.find("UP"), std::string::npos) << r.out;
  cluster.stop();
  expect_all_gone(daemons);
  EXPECT_TRUE(cluster.leftover_processes().empty());
}

TEST(LocalSlurmHarness, TwoClustersSideBySide) {
  REQUIRE_LOCAL_SLURM("none");
  LocalSlurm a({.nodes = 1, .gpus_per_node = 1});
  LocalSlurm b({.nodes = 1, .gpus_per_node = 1});
  a.start();
  b.start();
  EXPECT_NE(a.ctld_port(), b.ctld_port());
  EXPECT_NE(a.dir(), b.dir());
  const auto pa = a.daemon_pids(), pb = b.daemon_pids();
  a.stop();
  expect_all_gone(pa);
  for (int pid : pb) EXPECT_TRUE(process_alive(pid)) << "stopping one cluster touched the other";
  b.stop();
  expect_all_gone(pb);
}

SlurmCalibrationOptions slice_options(const fs::path& trace, std::uint64_t skip,
                                      const std::string& out) {
  SlurmCalibrationOptions o;
  o.trace = trace.string();
  o.slice.skip = skip;
  o.slice.jobs = 45;
  o.slice.compress = 8;
  o.slice.min_duration_s = 20;
  o.slice.max_duration_s = 50;
  o.out_dir = out;
  return o;
}

// A fitted profile on a second, different slice of the same trace (run on a fresh local
// cluster), against the unfitted model, as `orrery calibrate check` compares them. Both
// models take that run's scheduler-loop phases from its own controller log (a phase belongs to
// one run; docs/calibration.md), so what is compared is what a profile carries: tick periods,
// latencies, speeds, placement.
void check_profile_on_second_slice(const CalibrationProfile& profile, const fs::path& trace,
                                   const fs::path& tmp) {
  LocalSlurm cluster({.nodes = 4, .gpus_per_node = 8, .gpu_type = "a100"});
  cluster.start();
  SlurmCalibrationOptions b = slice_options(trace, 1545, (tmp / "b").string());
  b.slurm_conf = cluster.slurm_conf();
  b.fit = false;
  const SlurmCalibration c = calibrate_slurm(b);
  cluster.stop();
  ASSERT_TRUE(c.live.error.empty()) << c.live.error;
  ASSERT_GE(c.observed.jobs.size(), 40U);
  // Different jobs from the first slice.
  EXPECT_NE(c.plan.jobs.front().trace_id, "1500");
  const ProfileCheck direct = check_profile(c.cluster, c.observed, c.live, c.fit.before, profile);
  ::testing::Test::RecordProperty("objective_unfitted",
                                  std::to_string(direct.errors_defaults.objective));
  ::testing::Test::RecordProperty("objective_with_profile",
                                  std::to_string(direct.errors_profile.objective));
  std::printf("second slice: objective unfitted %.3f s, with the profile %.3f s\n",
              direct.errors_defaults.objective, direct.errors_profile.objective);
  // The fitted profile is no worse on a slice it was not fitted on. Closer is what repeated live
  // pairs show (docs/calibration.md: 36 of 36, objective 0.219 -> 0.137 s median), and what
  // ProfileCheck.* asserts on saved runs; one live pair under the test suite's varying load
  // can tie (one CI-like run: 0.342222 s with the profile against 0.342089 s unfitted; the next:
  // 0.319 against 0.332), so this allows 5% for the load of the two runs.
  EXPECT_LE(direct.errors_profile.objective, 1.05 * direct.errors_defaults.objective);
  EXPECT_EQ(direct.errors_profile.jobs, c.observed.jobs.size());
  // The same check from the saved result folder (`orrery calibrate check`) gives the same errors.
  const ProfileCheck saved = check_profile(load_saved_slurm_run((tmp / "b").string()), profile);
  EXPECT_EQ(saved.errors_defaults.jobs, direct.errors_defaults.jobs);
  EXPECT_NEAR(saved.errors_defaults.objective, direct.errors_defaults.objective, 0.01);
  EXPECT_NEAR(saved.errors_profile.objective, direct.errors_profile.objective, 0.01);
}

TEST(LiveSlurmCalibration, EndToEndThenTheProfileOnASecondSlice) {
  REQUIRE_LOCAL_SLURM("none");
  ORRERY_REQUIRE_SHARED(trace, kPhilly);
  test::TempDir tmp;
  const auto t0 = std::chrono::steady_clock::now();
  SlurmCalibrationOptions o = slice_options(trace, 1500, (tmp / "out").string());
  o.local = LocalSlurmOptions{.nodes = 4, .gpus_per_node = 8, .gpu_type = "a100"};
  const SlurmCalibration c = calibrate_slurm(o);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(took, 300.0);
  ASSERT_TRUE(c.live.error.empty()) << c.live.error;
  EXPECT_TRUE(c.live.complete);
  ASSERT_GE(c.observed.jobs.size(), 40U);
  for (const auto& j : c.observed.jobs) {
    ASSERT_TRUE(j.observed.start && j.observed.end) << j.id;
    EXPECT_GE(*j.observed.start, j.submit) << j.id;
    EXPECT_FALSE(j.observed.placement.empty()) << j.id;
  }
  for (const auto& j : c.live.jobs) {
    EXPECT_EQ(j.time_source, "slurmctld.log (ms)") << j.job_id;
    EXPECT_TRUE(j.script_start_us && j.script_end_us) << j.job_id;
  }
  // The harness left nothing behind.
  expect_all_gone(c.stopped_pids);
  // Fitting never makes the objective worse, and the fitted model is close.
  const Errors& after = c.fit.errors_after;
  EXPECT_LE(after.objective, c.fit.errors_before.objective);
  EXPECT_EQ(after.jobs, c.observed.jobs.size());
  EXPECT_LE(after.start_abs_median_s, 1.5);
  EXPECT_GE(after.kendall_tau, 0.85);
  EXPECT_LE(after.makespan_rel_error, 0.05);
  for (const char* f : {"calibration.json", "observed.csv", "observed_jobs.csv", "comparison.csv",
                        "utilization.csv", "errors.json", "profile.json",
                        "simulated/before/jobs.csv", "simulated/after/summary.json",
                        "capture/squeue.json", "capture/slurmctld.log", "capture/jobcomp.log"}) {
    EXPECT_TRUE(fs::exists(tmp / "out" / f)) << f;
  }
  // The profile reads back.
  const CalibrationProfile p = CalibrationProfile::load((tmp / "out" / "profile.json").string());
  EXPECT_EQ(p.model.placement, c.fit.after.placement);
  // The model chooses Slurm's nodes (docs/slurm-backfill.md, "Which nodes"): all but the few
  // whose choice hinges on an end within the replay's timing error (1 of 45 on the saved run).
  EXPECT_EQ(c.nodes_known, c.observed.jobs.size());
  EXPECT_GE(c.nodes_same_before * 10, c.nodes_known * 8)
      << c.nodes_same_before << " of " << c.nodes_known;
  const std::string comparison = test::read_text(tmp / "out" / "comparison.csv");
  EXPECT_NE(comparison.find(",simulated_nodes_before,simulated_nodes_after\n"), std::string::npos);
  // In the same test (ctest runs each test in its own process) so the fit is not repeated.
  check_profile_on_second_slice(p, trace, tmp.path());
}

TEST(LiveSlurmCalibration, ReportsWhatItCapturedWhenTheControllerDies) {
  REQUIRE_LOCAL_SLURM("none");
  ORRERY_REQUIRE_SHARED(trace, kPhilly);
  test::TempDir tmp;
  LocalSlurm cluster({.nodes = 2, .gpus_per_node = 8, .gpu_type = "a100"});
  cluster.start();
  const sim::Workload w = load_trace(trace.string(), "auto");
  SliceOptions so;
  so.skip = 1500;
  so.jobs = 12;
  so.compress = 8;
  so.min_duration_s = 30;
  so.max_duration_s = 40;
  const SlicePlan plan =
      plan_slice(w, so, {.nodes = 2, .gpus_per_node = 8, .gpu_type = "a100", .partition = "gpu"});
  LiveRunOptions lo;
  lo.env = cluster.client_env();
  lo.conf = read_slurm_conf(cluster.slurm_conf());
  lo.work_dir = (tmp / "work").string();
  lo.controller_alive = [&cluster] { return cluster.controller_alive(); };
  std::jthread killer([&cluster](std::stop_token st) {
    for (int k = 0; k < 80 && !st.stop_requested(); ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto pids = cluster.daemon_pids();
    if (!pids.empty()) ::kill(pids.back(), SIGKILL);  // slurmctld's pid file comes last
  });
  const auto t0 = std::chrono::steady_clock::now();
  const LiveRun run = run_live(plan, lo);
  killer.join();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 60.0);
  EXPECT_FALSE(run.complete);
  EXPECT_NE(run.error.find("slurmctld"), std::string::npos) << run.error;
  EXPECT_EQ(run.jobs.size(), plan.jobs.size());
  std::size_t started = 0;
  for (const auto& j : run.jobs) started += j.start_ms ? 1U : 0U;
  EXPECT_GT(started, 0U) << "the jobs that started before the crash are reported";
  const auto left = cluster.stop();
  EXPECT_TRUE(cluster.leftover_processes().empty());
  expect_all_gone(left);
}

}  // namespace
}  // namespace orrery::calibrate
