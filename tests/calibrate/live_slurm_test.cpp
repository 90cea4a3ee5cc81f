// Live tests on a real multi-node Slurm started on this machine by the LocalSlurm harness.
// Skipped, with a message, when slurmctld/slurmd are not installed or we are not root.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "orrery/calibrate/local_slurm.hpp"
#include "orrery/calibrate/process.hpp"
#include "orrery/calibrate/saved_run.hpp"
#include "orrery/calibrate/slurm_calibration.hpp"
#include "orrery/calibrate/slurm_records.hpp"
#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"
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
  // The launch latency is what depends on the machine's load (docs/calibration.md): a profile
  // fitted while the machine was busier carries a longer one. Said beside a failure.
  const StampLatencies& run = direct.run_latencies;
  const std::string latencies =
      "launch latency (job scripts' stamps, median): profile " +
      std::to_string(profile.model.launch_latency_s) + " s, this run " +
      (run.launch_s ? std::to_string(*run.launch_s) + " s" : std::string("not measured"));
  std::printf("%s\n", latencies.c_str());
  // The fitted profile is no worse on a slice it was not fitted on. Closer is what repeated live
  // pairs show (docs/calibration.md: 36 of 36, objective 0.219 -> 0.137 s median), and what
  // ProfileCheck.* asserts on saved runs; one live pair can tie (one CI-like run: 0.342222 s
  // with the profile against 0.342089 s unfitted; the next: 0.319 against 0.332), so this allows
  // 5% for the load of the two runs. It holds for two runs under a similar load: a CI run whose
  // first slice ran beside the TSan build, and its second after it, had 0.264 s against 0.234 s,
  // which is why scripts/test.sh runs the live tests alone.
  EXPECT_LE(direct.errors_profile.objective, 1.05 * direct.errors_defaults.objective) << latencies;
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

// Node weights, live: slurm.conf gives n1-n2 Weight=10 and n3-n4 Weight=1 (2 GPUs each). Four
// long jobs, each submitted once the one before runs, land where the `slurm` model (params
// "Weight", per pool) puts them, which is not where it puts them with equal weights: A (1 GPU)
// on n3, B (2 GPUs) on n4, C (1 GPU) on n3, D (2 nodes x 2 GPUs) on n1-n2.
TEST(LiveSlurmWeights, TheLightestNodesGoFirstAsTheModelSays) {
  REQUIRE_LOCAL_SLURM("none");
  LocalSlurm cluster(
      {.nodes = 4, .gpus_per_node = 2, .gpu_type = "a100", .node_weights = {10, 10, 1, 1}});
  cluster.start();
  const ProcessOptions env{.timeout_s = 20, .env = cluster.client_env(), .stdin_text = {}};
  struct Shape {
    int nodes, gpus;
  };
  const std::vector<Shape> shapes = {{1, 1}, {1, 2}, {1, 1}, {2, 2}};
  std::vector<std::string> got;
  for (const Shape& s : shapes) {
    ProcessResult sub =
        run_program({"sbatch", "--parsable", "--nodes=" + std::to_string(s.nodes),
                     "--ntasks-per-node=1", "--gres=gpu:a100:" + std::to_string(s.gpus), "-t", "5",
                     "--chdir=" + cluster.dir(), "--wrap=sleep 300"},
                    env);
    ASSERT_TRUE(sub.ok()) << sub.describe();
    const std::string id = sub.out.substr(0, sub.out.find_first_of(";\n"));
    std::string nodes;
    for (int k = 0; k < 100 && nodes.empty(); ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ProcessResult q = run_program({"squeue", "-h", "-j", id, "-t", "R", "-o", "%N"}, env);
      if (q.ok()) nodes = q.out.substr(0, q.out.find('\n'));
    }
    got.push_back(nodes);
  }
  cluster.stop();
  EXPECT_EQ(got, (std::vector<std::string>{"n3", "n4", "n3", "n[1-2]"}));
  // The model, on the same nodes as two pools, starting the jobs one by one.
  sim::ClusterSpec spec;
  spec.pools.push_back({.name = "heavy", .gpu_type = "a100", .gpus_per_node = 2, .nodes = 2});
  spec.pools.push_back({.name = "light", .gpu_type = "a100", .gpus_per_node = 2, .nodes = 2});
  sim::Workload w;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    sim::JobSpec j;
    j.id = "j" + std::to_string(i);
    j.submit = sim::SimTime::from_seconds(static_cast<double>(i) * 5);
    j.tasks = static_cast<std::uint32_t>(shapes[i].nodes);
    j.gpu_milli = static_cast<std::uint32_t>(shapes[i].gpus) * 1000;
    j.duration = sim::SimTime::from_seconds(300);
    w.jobs.push_back(j);
  }
  auto model_nodes = [&](const nlohmann::json& params) {
    sim::Simulation sim(spec, w, policies::make_policy("slurm", params),
                        policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>());
    const sim::RunResult r = sim.run();
    std::vector<std::string> names;
    for (const auto& o : r.jobs) {
      std::string s;
      for (std::uint32_t n : o.node_ids) s += (s.empty() ? "n" : ",n") + std::to_string(n + 1);
      names.push_back(s);
    }
    return names;
  };
  const nlohmann::json weighted = {{"Weight", {{"heavy", 10}, {"light", 1}}}};
  EXPECT_EQ(model_nodes(weighted), (std::vector<std::string>{"n3", "n4", "n3", "n1,n2"}));
  EXPECT_NE(model_nodes(nlohmann::json::object())[0], "n3");  // equal weights: n1
}

// Slurm's time limits, live, against the simulator's model of them (sim::TimeLimits, docs/
// scenario.md): slurmctld kills a job past its limit at its next periodic check (every 30 s,
// PERIODIC_TIMEOUT), not at the limit itself, and records it as TIMEOUT. Three one-minute jobs
// that would sleep for five start 10 s apart: each must end TIMEOUT within [60, 90] s of its
// start, at one common phase of the 30 s checks (the starts' phases differ, so a kill at the
// limit itself would not share one), and a job inside its limit completes. The simulator, given
// the same jobs, kills each at the first of its own checks past the limit: within the same 30 s.
TEST(LiveSlurmTimeLimits, KilledAtTheNextCheckPastTheLimitAsTheModelSays) {
  REQUIRE_LOCAL_SLURM("none");
  LocalSlurm cluster({.nodes = 1, .gpus_per_node = 4, .gpu_type = "a100"});
  cluster.start();
  const ProcessOptions env{.timeout_s = 20, .env = cluster.client_env(), .stdin_text = {}};
  auto submit = [&](const char* limit_min, const char* sleep_s) {
    ProcessResult r =
        run_program({"sbatch", "--parsable", "--gres=gpu:a100:1", "-N1", "-t", limit_min,
                     "--chdir=" + cluster.dir(), std::string("--wrap=sleep ") + sleep_s},
                    env);
    EXPECT_TRUE(r.ok()) << r.describe();
    return std::stoull(r.out);
  };
  std::vector<std::uint64_t> ids;
  ids.push_back(submit("2", "20"));  // inside its limit
  for (int k = 0; k < 3; ++k) {
    if (k > 0) std::this_thread::sleep_for(std::chrono::seconds(10));
    ids.push_back(submit("1", "300"));
  }
  std::vector<SqueueRecord> jobs;
  for (int k = 0; k < 90; ++k) {  // 20 s + 60 s + up to 30 s: 180 s is plenty
    std::this_thread::sleep_for(std::chrono::seconds(2));
    ProcessResult q = run_program({"squeue", "--json", "-t", "all"}, env);
    ASSERT_TRUE(q.ok()) << q.describe();
    jobs = parse_squeue_json(q.out);
    std::size_t done = 0;
    for (const auto& j : jobs) done += is_final_state(j.state) ? 1U : 0U;
    if (done == ids.size()) break;
  }
  cluster.stop();
  std::map<std::uint64_t, SqueueRecord> by_id;
  for (const auto& j : jobs) by_id[j.job_id] = j;
  ASSERT_EQ(by_id.size(), ids.size());
  const SqueueRecord& inside = by_id.at(ids[0]);
  EXPECT_EQ(inside.state, "COMPLETED");
  std::vector<std::int64_t> phases;
  sim::Workload w;  // the three jobs as the simulator sees them, submitted when they started
  const std::int64_t first_start = by_id.at(ids[1]).start_s.value_or(0);
  for (std::size_t i = 1; i < ids.size(); ++i) {
    const SqueueRecord& j = by_id.at(ids[i]);
    ASSERT_TRUE(j.start_s && j.end_s) << j.job_id;
    const std::int64_t ran = *j.end_s - *j.start_s;
    std::printf("job %llu: %s, start %lld, ran %lld s, end mod 30 = %lld\n",
                static_cast<unsigned long long>(j.job_id), j.state.c_str(),
                static_cast<long long>(*j.start_s), static_cast<long long>(ran),
                static_cast<long long>(*j.end_s % 30));
    EXPECT_EQ(j.state, "TIMEOUT");
    EXPECT_GE(ran, 60);
    EXPECT_LE(ran, 91);  // whole seconds, truncated
    phases.push_back(*j.end_s % 30);
    sim::JobSpec s;
    s.id = std::to_string(j.job_id);
    s.submit = sim::SimTime::from_seconds(static_cast<double>(*j.start_s - first_start));
    s.gpu_milli = 1000;
    s.duration = sim::SimTime::from_seconds(300);
    s.walltime = sim::SimTime::from_seconds(60);
    w.jobs.push_back(s);
  }
  // One phase: the kills are 0 or 30 s apart, give or take Slurm's whole seconds.
  for (std::int64_t p : phases) {
    const std::int64_t d = (p - phases[0] + 30) % 30;
    EXPECT_TRUE(d <= 1 || d >= 29) << "kills at different phases of the 30 s check";
  }
  // The simulator's kills: each within [60, 90) s of its start, at its own checks' phase.
  sim::SimulationOptions o;
  o.time_limits.enforce = true;
  o.time_limits.check_interval = sim::SimTime::from_seconds(30);
  sim::ClusterSpec spec;
  spec.pools.push_back({.name = "a100", .gpu_type = "a100", .gpus_per_node = 4, .nodes = 1});
  sim::Simulation sim(spec, w, policies::make_policy("fifo"), policies::make_placer("pack"),
                      std::make_unique<sim::ObservedRuntime>(), o);
  const sim::RunResult r = sim.run();
  for (const auto& j : r.jobs) {
    EXPECT_EQ(j.status, sim::JobStatus::kTimeout);
    const double ran = (*j.end - *j.start).seconds();
    EXPECT_GE(ran, 60.0);
    EXPECT_LT(ran, 90.0);
  }
}

}  // namespace
}  // namespace orrery::calibrate
