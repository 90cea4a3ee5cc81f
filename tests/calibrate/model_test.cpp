// Slicing, the replay model, comparison and fitting, on small hand-built workloads.
#include <cmath>

#include "orrery/calibrate/fit.hpp"
#include "orrery/calibrate/model.hpp"
#include "orrery/calibrate/process.hpp"
#include "orrery/calibrate/slurm_conf.hpp"
#include "orrery/calibrate/workload_slice.hpp"
#include "orrery/sim/problems.hpp"
#include "test_support.hpp"

namespace orrery::calibrate {
namespace {

sim::Workload trace_of(const std::vector<std::tuple<double, double, double>>& jobs) {
  sim::Workload w;
  for (const auto& [submit, duration, gpus] : jobs) {
    sim::JobSpec j;
    j.id = "t" + std::to_string(w.jobs.size());
    j.submit = sim::SimTime::from_seconds(submit);
    j.duration = sim::SimTime::from_seconds(duration);
    j.gpu_milli = static_cast<std::uint32_t>(gpus * 1000);
    w.jobs.push_back(j);
  }
  return w;
}

const ClusterShape kShape{.nodes = 4, .gpus_per_node = 8, .gpu_type = "a100", .partition = "gpu"};

TEST(Slice, MapsGpuCountsOntoTheClusterShapeAndReportsIt) {
  sim::Workload w =
      trace_of({{0, 600, 1}, {10, 60, 0}, {20, 6000, 12}, {30, 60, 64}, {40, 60, 0.5}});
  SliceOptions o;
  o.compress = 10;
  o.min_duration_s = 30;
  o.max_duration_s = 300;
  const SlicePlan p = plan_slice(w, o, kShape);
  ASSERT_EQ(p.jobs.size(), 4U);  // the GPU-less job is dropped
  EXPECT_EQ(p.distortion.dropped_no_gpu, 1U);
  EXPECT_EQ(p.jobs[0].nodes, 1U);
  EXPECT_EQ(p.jobs[0].gpus_per_node, 1U);
  EXPECT_DOUBLE_EQ(p.jobs[0].sleep_s, 60);
  EXPECT_EQ(p.jobs[0].time_limit_min, 2U);  // (60 + 10) s -> 2 minutes
  EXPECT_EQ(p.jobs[1].nodes, 2U);           // 12 GPUs -> two whole nodes
  EXPECT_EQ(p.jobs[1].gpus_per_node, 8U);
  EXPECT_DOUBLE_EQ(p.jobs[1].sleep_s, 300);  // 600 s cut to the maximum
  EXPECT_EQ(p.jobs[2].nodes, 4U);            // 64 GPUs capped at the cluster's 32
  EXPECT_EQ(p.jobs[3].gpus_per_node, 1U);    // a shared GPU counts as one
  EXPECT_DOUBLE_EQ(p.jobs[3].arrival_s, 4.0);
  EXPECT_EQ(p.distortion.gpus_capped, 1U);
  EXPECT_EQ(p.distortion.rounded_to_nodes, 1U);
  EXPECT_EQ(p.distortion.raised_to_min, 2U);
  EXPECT_EQ(p.distortion.cut_to_max, 1U);
  EXPECT_FALSE(p.distortion.notes.empty());
}

TEST(Slice, WindowSkipAndRateReport) {
  std::vector<std::tuple<double, double, double>> jobs;
  for (int k = 0; k < 20; ++k) jobs.emplace_back(k < 10 ? 0.0 : 100.0 + k, 60, 1);
  sim::Workload w = trace_of(jobs);
  SliceOptions o;
  o.from_s = 50;
  o.skip = 2;
  o.jobs = 5;
  const SlicePlan p = plan_slice(w, o, kShape);
  ASSERT_EQ(p.jobs.size(), 5U);
  EXPECT_EQ(p.jobs[0].trace_id, "t12");
  EXPECT_DOUBLE_EQ(p.jobs[0].arrival_s, 0);
  SliceOptions burst;
  burst.jobs = 10;  // ten arrivals at once
  const SlicePlan b = plan_slice(w, burst, kShape);
  EXPECT_EQ(b.distortion.busiest_second_arrivals, 10);
  EXPECT_GE(b.distortion.seconds_over_rate, 1U);
  EXPECT_THROW(plan_slice(w, {.compress = 0}, kShape), sim::InputError);
}

TEST(Slice, JobNamesAreSanitised) {
  EXPECT_EQ(sanitize_job_name("a b;rm -rf /$(x)`y`"), "a_b_rm_-rf____x__y_");
  EXPECT_EQ(sanitize_job_name("--hold"), "_-hold");  // never read as an option
  EXPECT_EQ(sanitize_job_name(""), "job");
  EXPECT_EQ(sanitize_job_name(std::string(200, 'x')).size(), 64U);
}

TEST(SlurmConf, ParsesNodesGresPartitionsAndSchedulerParameters) {
  const std::string text =
      "ClusterName=c1  # comment\n"
      "SchedulerType=sched/backfill\n"
      "SchedulerParameters=batch_sched_delay=0,bf_interval=2,bf_continue\n"
      "NodeName=DEFAULT CPUs=32 RealMemory=1000\n"
      "NodeName=g[01-03] Gres=gpu:h100:8 State=UNKNOWN\n"
      "NodeName=c1 Gres=gpu:2\n"
      "PartitionName=gpu Nodes=g[01-03] Default=YES\n"
      "PartitionName=all Nodes=ALL\n";
  const SlurmConf conf = parse_slurm_conf(text, "slurm.conf");
  EXPECT_EQ(conf.get("ClusterName"), "c1");
  EXPECT_EQ(conf.scheduler_seconds("bf_interval", 30), 2);
  EXPECT_EQ(conf.scheduler_seconds("bf_resolution", 60), 60);
  EXPECT_EQ(conf.scheduler_parameters.count("bf_continue"), 1U);
  ASSERT_EQ(conf.nodes.size(), 4U);
  EXPECT_EQ(conf.nodes[0].name, "g01");
  EXPECT_EQ(conf.nodes[0].gpus, 8U);
  EXPECT_EQ(conf.nodes[0].gpu_type, "h100");
  EXPECT_EQ(conf.nodes[0].cpus, 32U);
  EXPECT_EQ(conf.partition()->name, "gpu");
  const sim::ClusterSpec spec = conf.cluster_spec("all");
  ASSERT_EQ(spec.pools.size(), 2U);
  EXPECT_EQ(spec.pools[0].nodes, 3U);
  EXPECT_EQ(spec.pools[0].gpu_type, "h100");
  EXPECT_EQ(spec.pools[1].gpu_type, "gpu");  // an untyped GRES
  EXPECT_THROW(parse_slurm_conf("NodeName=n[3-1]\n", "x"), sim::InputError);
  EXPECT_FALSE(conf.weights_differ("all"));
}

// Node weights are read, and split the partition's nodes into pools of one weight each so the
// `slurm` model gets them per pool ("Weight"); a bad one is bad input naming the line.
TEST(SlurmConf, ReadsNodeWeights) {
  const SlurmConf conf = parse_slurm_conf(
      "NodeName=a[1-2] Gres=gpu:8 Weight=10\nNodeName=b1 Gres=gpu:8\n"
      "PartitionName=p Nodes=a[1-2],b1 Default=YES\nPartitionName=q Nodes=a[1-2]\n",
      "slurm.conf");
  ASSERT_EQ(conf.nodes.size(), 3U);
  EXPECT_EQ(conf.nodes[0].weight, 10U);
  EXPECT_EQ(conf.nodes[2].weight, 1U);  // Slurm's default
  EXPECT_TRUE(conf.weights_differ("p"));
  EXPECT_FALSE(conf.weights_differ("q"));
  // a1-a2 and b1 are alike but for the weight: two pools (untyped GPUs, one pool each way).
  std::vector<std::uint64_t> weights;
  const sim::ClusterSpec spec = conf.cluster_spec("p", &weights);
  ASSERT_EQ(spec.pools.size(), 2U);
  EXPECT_EQ(spec.pools[0].nodes, 2U);
  EXPECT_EQ(spec.pools[1].nodes, 1U);
  EXPECT_EQ(weights, (std::vector<std::uint64_t>{10, 1}));
  try {
    parse_slurm_conf("ClusterName=c\nNodeName=n1 Weight=heavy\n", "slurm.conf");
    ADD_FAILURE() << "a bad weight was accepted";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("Weight=heavy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(":2"), std::string::npos) << e.what();
  }
}

TEST(SlurmConf, ExpandsHostlists) {
  EXPECT_EQ(expand_hostlist("n[1-3,5],m01"),
            (std::vector<std::string>{"n1", "n2", "n3", "n5", "m01"}));
  EXPECT_EQ(expand_hostlist("gpu[08-10]"), (std::vector<std::string>{"gpu08", "gpu09", "gpu10"}));
  EXPECT_EQ(expand_hostlist("r[1-2]n[1-2]"),
            (std::vector<std::string>{"r1n1", "r1n2", "r2n1", "r2n2"}));
  EXPECT_THROW(expand_hostlist("n[1-"), sim::InputError);
}

// Node lists: the observed hostlist expanded against the names of the simulated node ids, in
// any order; unknown or malformed lists never match.
TEST(Compare, SameNodesReadsSlurmHostlists) {
  const std::vector<std::string> names = {"n1", "n2", "n3", "n4"};
  JobComparison j;
  j.observed_nodes = "n[3-4]";
  j.simulated_node_ids = {2, 3};
  EXPECT_TRUE(same_nodes(names, j));
  EXPECT_EQ(node_names(names, j.simulated_node_ids), "n3,n4");
  j.simulated_node_ids = {0, 3};
  EXPECT_FALSE(same_nodes(names, j));
  j.observed_nodes = "n4,n1";
  EXPECT_TRUE(same_nodes(names, j));
  j.observed_nodes = "n[4-";
  EXPECT_FALSE(same_nodes(names, j));
  j.observed_nodes.clear();
  EXPECT_FALSE(same_nodes(names, j));
  j.observed_nodes = "n1";
  j.simulated_node_ids = {7};
  EXPECT_FALSE(same_nodes(names, j));
  EXPECT_EQ(node_names(names, j.simulated_node_ids), "#7");
}

TEST(Compare, KendallTau) {
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // One swapped pair of six: (5 - 1) / 6.
  EXPECT_NEAR(kendall_tau({1, 2, 3, 4}, {1, 3, 2, 4}), 4.0 / 6.0, 1e-12);
  // Ties in one sequence (tau-b): 1,2,3 vs 1,1,3 -> 2 concordant, 1 tie.
  EXPECT_NEAR(kendall_tau({1, 2, 3}, {1, 1, 3}), 2.0 / std::sqrt(3.0 * 2.0), 1e-12);
}

// A workload "observed" on a 1 x 8 cluster whose scheduler decides on ticks at 0.3 + k s and
// whose jobs take 0.2 s more than their work.
sim::Workload ticked_observation() {
  sim::Workload w;
  w.gpu_types.intern("a100");
  const double submits[] = {0.0, 0.1, 2.45, 2.5, 5.0, 7.8, 9.2};
  for (double s : submits) {
    sim::JobSpec j;
    j.id = "j" + std::to_string(w.jobs.size());
    j.submit = sim::SimTime::from_seconds(s);
    j.gpu_milli = 4000;
    j.gpu_type = 1;
    j.duration = sim::SimTime::from_seconds(3);
    j.walltime = sim::SimTime::from_seconds(60);
    w.jobs.push_back(j);
  }
  return w;
}

sim::ClusterSpec one_node() {
  return test::uniform_cluster(1, 8, "a100");
}

TEST(Replay, TickPhaseAndLatencyMoveStartsAndEnds) {
  sim::Workload w = ticked_observation();
  ModelParams m;
  m.tick_s = 1.0;
  m.phase_s = 0.3;
  m.launch_latency_s = 0.15;
  m.completion_latency_s = 0.05;
  const sim::RunResult r = replay(one_node(), w, m);
  ASSERT_EQ(r.jobs.size(), w.jobs.size());  // the tick marker is not in the result
  // j0 and j1 start at the first tick after their submit: 0.3.
  EXPECT_EQ(r.jobs[0].start->ms(), 300);
  EXPECT_EQ(r.jobs[1].start->ms(), 300);
  // Each runs 3 + 0.2 s: ends 3.5; j2 (2.45) waits for GPUs: next tick after 3.5 is 4.3.
  EXPECT_EQ(r.jobs[0].end->ms(), 3500);
  EXPECT_EQ(r.jobs[2].start->ms(), 4300);
  EXPECT_EQ(r.jobs[2].submit.ms(), 2450);
  EXPECT_EQ(r.summary.jobs, w.jobs.size());
  for (const auto& s : r.timeseries) EXPECT_GE(s.time.ms(), 0);
  // The observation is exactly what the model predicts: zero error.
  for (std::size_t i = 0; i < w.jobs.size(); ++i) {
    w.jobs[i].observed.start = r.jobs[i].start;
    w.jobs[i].observed.end = r.jobs[i].end;
  }
  const Errors e = compare(w, r, 8);
  EXPECT_EQ(e.jobs, w.jobs.size());
  EXPECT_DOUBLE_EQ(e.start_abs_median_s, 0);
  EXPECT_DOUBLE_EQ(e.kendall_tau, 1.0);
  EXPECT_DOUBLE_EQ(e.makespan_rel_error, 0);
  EXPECT_NEAR(e.utilization_mae_gpus, 0, 1e-9);
}

TEST(Fit, RecoversTickPhaseAndLatencyFromAnObservation) {
  sim::Workload w = ticked_observation();
  ModelParams truth;
  truth.tick_s = 1.0;
  truth.phase_s = 0.35;
  truth.launch_latency_s = 0.2;
  const sim::RunResult r = replay(one_node(), w, truth);
  for (std::size_t i = 0; i < w.jobs.size(); ++i) {
    w.jobs[i].observed.start = r.jobs[i].start;
    w.jobs[i].observed.end = r.jobs[i].end;
  }
  ModelParams initial;  // tick 1 s, phase 0, no latency
  FitOptions fo;
  fo.speed = false;
  const FitReport f = fit_model(one_node(), w, nullptr, initial, fo);
  EXPECT_GT(f.errors_before.objective, 0.1);
  EXPECT_LT(f.errors_after.objective, 0.02);
  EXPECT_NEAR(f.after.phase_s, 0.35, 0.03);
  EXPECT_NEAR(f.after.launch_latency_s + f.after.completion_latency_s, 0.2, 0.03);
}

TEST(Fit, LeastSquaresTickAndRunLength) {
  std::vector<double> t;
  for (int k = 0; k < 50; k += 3) t.push_back(0.78 + 1.0008 * k + (k % 2 ? 0.004 : -0.004));
  const TickEstimate e = estimate_tick(t, 1.0);
  EXPECT_NEAR(e.period_s, 1.0008, 2e-4);
  EXPECT_NEAR(e.phase_s, 0.78, 0.01);
  EXPECT_LT(e.rms_residual_s, 0.01);
  sim::Workload w = ticked_observation();
  for (std::size_t i = 0; i < w.jobs.size(); ++i) {
    const double work = 10.0 + static_cast<double>(i) * 7;
    w.jobs[i].duration = sim::SimTime::from_seconds(work);
    w.jobs[i].observed.start = sim::SimTime::from_seconds(static_cast<double>(i) * 100);
    w.jobs[i].observed.end =
        *w.jobs[i].observed.start + sim::SimTime::from_seconds(0.25 + work / 2);
  }
  const RunLengthEstimate rl = estimate_run_length(w);
  EXPECT_NEAR(rl.overhead_s, 0.25, 1e-3);
  EXPECT_NEAR(rl.speed.at("a100"), 2.0, 1e-3);
}

// The job scripts' stamps give the latencies as medians; a job missing a stamp only leaves
// that job out, and fewer than 3 stamped jobs measure nothing.
TEST(Fit, LatenciesFromTheJobScriptsStamps) {
  LiveRun live;
  // Allocation at 1000 s + k, script start 0.10/0.30/0.20/0.90 s later; script end 50 s after
  // the allocation, the controller's completion 0.01/0.05/0.03 s after that.
  const double launch[] = {0.10, 0.30, 0.20, 0.90};
  const double completion[] = {0.01, 0.05, 0.03, -1};
  for (int k = 0; k < 4; ++k) {
    ObservedJob j;
    const std::int64_t alloc_ms = 1'000'000 + k * 1000;
    j.start_ms = alloc_ms;
    j.script_start_us = alloc_ms * 1000 + static_cast<std::int64_t>(launch[k] * 1e6);
    if (completion[k] >= 0) {
      j.script_end_us = (alloc_ms + 50'000) * 1000;
      j.end_ms = alloc_ms + 50'000 + static_cast<std::int64_t>(completion[k] * 1e3);
    }
    live.jobs.push_back(j);
  }
  const StampLatencies l = latencies_from_stamps(live);
  ASSERT_TRUE(l.launch_s && l.completion_s);
  EXPECT_NEAR(*l.launch_s, 0.25, 1e-9);  // median of 0.10, 0.20, 0.30, 0.90
  EXPECT_NEAR(*l.completion_s, 0.03, 1e-9);
  EXPECT_EQ(l.jobs, 4U);
  live.jobs.resize(2);
  const StampLatencies few = latencies_from_stamps(live);
  EXPECT_FALSE(few.launch_s || few.completion_s);
}
TEST(Profile, RoundTripsAndMapsToSimulationOptions) {
  test::TempDir tmp;
  CalibrationProfile p;
  p.model.tick_s = 1.001;
  p.model.phase_s = 0.4;
  p.model.launch_latency_s = 0.2;
  p.model.completion_latency_s = 0.05;
  p.model.placement = "spread";
  p.model.gpu_speed["a100"] = 1.01;
  p.created = "2026-01-01T00:00:00Z";
  p.save((tmp / "p.json").string());
  const CalibrationProfile q = CalibrationProfile::load((tmp / "p.json").string());
  EXPECT_DOUBLE_EQ(q.model.tick_s, 1.001);
  EXPECT_EQ(q.model.placement, "spread");
  EXPECT_DOUBLE_EQ(q.model.gpu_speed.at("a100"), 1.01);
  const auto j = nlohmann::json::parse(test::read_text(tmp / "p.json"));
  EXPECT_DOUBLE_EQ(j["simulation_options"]["scheduler_interval_s"].get<double>(), 1.001);
  EXPECT_DOUBLE_EQ(j["simulation_options"]["launch_latency_s"].get<double>(), 0.2);
  sim::SimulationOptions o;
  p.apply(o);
  EXPECT_EQ(o.scheduler_interval.ms(), 1001);
  test::write_text(tmp / "bad.json", R"({"format": "something-else"})");
  EXPECT_THROW(CalibrationProfile::load((tmp / "bad.json").string()), sim::InputError);
  test::write_text(tmp / "neg.json",
                   R"({"format": "orrery-calibration-profile", "version": 1,
                       "model": {"launch_latency_s": -1}})");
  EXPECT_THROW(CalibrationProfile::load((tmp / "neg.json").string()), sim::InputError);
}

TEST(Process, RunsArgumentVectorsWithoutAShellAndRedactsCredentials) {
  // A shell metacharacter in an argument stays one literal argument.
  ProcessResult r = run_program({"printf", "%s|", "a b", "$(id)", ";true"});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.out, "a b|$(id)|;true|");
  ProcessResult missing = run_program({"orrery-no-such-program-xyz"});
  EXPECT_FALSE(missing.ok());
  ProcessResult slow = run_program({"sleep", "5"}, {.timeout_s = 0.3, .env = {}, .stdin_text = {}});
  EXPECT_TRUE(slow.timed_out);
  ProcessResult env = run_program({"printenv", "ORRERY_X"},
                                  {.timeout_s = 5, .env = {{"ORRERY_X", "42"}}, .stdin_text = {}});
  EXPECT_EQ(env.out, "42\n");
  const std::string shown =
      display_command({"kubectl", "get", "pods", "--token=abc.def", "--password", "hunter2", "-H",
                       "Authorization: Bearer eyJhbGci"});
  EXPECT_EQ(shown.find("abc.def"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("hunter2"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("eyJhbGci"), std::string::npos) << shown;
  EXPECT_NE(shown.find("REDACTED"), std::string::npos);
}

}  // namespace
}  // namespace orrery::calibrate
