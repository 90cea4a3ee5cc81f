// tiresias-compat-*: the Tiresias simulator's semantics, worked by hand, and a reproduction of its
// 60-job sample (SymbioticLab/Tiresias simulator/60_job.csv, Apache-2.0; in ../shared/traces).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/trace_format.hpp"
#include "research_support.hpp"

namespace orrery::test {
namespace {

// A Tiresias job: num_gpu tasks of one GPU (the artifact's workers; the `tiresias` importer does
// the same).
sim::JobIndex add_tiresias_job(sim::Workload& w, double submit, double duration,
                               std::uint32_t gpus) {
  return add_job(w, submit, duration, 1, gpus);
}

// The first 8 jobs of 60_job.csv (job_id, num_gpu, submit_time, duration).
sim::Workload first_eight() {
  sim::Workload w;
  add_tiresias_job(w, 0, 164, 1);    // 0
  add_tiresias_job(w, 30, 147, 8);   // 1
  add_tiresias_job(w, 53, 127, 2);   // 2
  add_tiresias_job(w, 79, 121, 1);   // 3
  add_tiresias_job(w, 99, 121, 4);   // 4
  add_tiresias_job(w, 132, 138, 8);  // 5
  add_tiresias_job(w, 176, 121, 1);  // 6
  add_tiresias_job(w, 204, 124, 2);  // 7
  return w;
}

const sim::ClusterSpec kEightGpus = uniform_cluster(2, 4);

// The 60-job sample through the `tiresias` importer, or, while it is not registered, read here
// the same way (num_gpu tasks of one GPU, model_name as the job class).
sim::Workload load_tiresias_jobs(const std::filesystem::path& csv) {
  for (const auto& f : traces::trace_formats()) {
    if (f.name == "tiresias") return traces::import_trace(csv.string(), "tiresias", {}).workload;
  }
  sim::Workload w;
  std::istringstream in(read_text(csv));
  std::string line;
  std::getline(in, line);  // job_id,num_gpu,submit_time,iterations,model_name,duration,interval
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    const sim::JobIndex j = add_tiresias_job(w, std::stod(f.at(2)), std::stod(f.at(5)),
                                             static_cast<std::uint32_t>(std::stoul(f.at(1))));
    w.jobs[j].id = f.at(0);
    w.jobs[j].job_class = w.job_classes.intern(f.at(4));
  }
  return w;
}

// A Tiresias cluster shape (num_switch,num_node_p_switch,num_gpu_p_node,num_cpu_p_node,mem_p_node)
// through the `tiresias-cluster` importer, or read here.
sim::ClusterSpec load_tiresias_shape(const std::filesystem::path& csv) {
  for (const auto& f : traces::cluster_formats()) {
    if (f.name == "tiresias-cluster")
      return traces::import_cluster(csv.string(), "tiresias-cluster", {});
  }
  std::istringstream in(read_text(csv));
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  std::vector<std::uint32_t> v;
  std::stringstream fields(row);
  for (std::string x; std::getline(fields, x, ',');)
    v.push_back(static_cast<std::uint32_t>(std::stoul(x)));
  return uniform_cluster(v.at(0) * v.at(1), v.at(2));
}

void expect_schedule(const sim::RunResult& r, const std::vector<double>& starts,
                     const std::vector<double>& ends) {
  for (sim::JobIndex j = 0; j < starts.size(); ++j) {
    EXPECT_EQ(start_s(r, j), starts[j]) << "job " << j;
    EXPECT_EQ(end_s(r, j), ends[j]) << "job " << j;
  }
}

// fifo, 8 GPUs: head-of-line blocking.
// t=0 J0 (1 GPU) runs; t=30 J1 (8) does not fit and blocks J2..J5 behind it.
// t=164 J0 ends: J1 runs 164-311. t=311: J2, J3, J4 (7 GPUs) run; J5 (8) blocks.
// t=432 J3, J4 end; t=438 J2 ends: J5 runs 438-576. t=576: J6, J7 run (ends 697, 700).
TEST(TiresiasCompat, FifoBlocksAtTheFirstJobThatDoesNotFit) {
  const auto r = run_policy(kEightGpus, first_eight(), "tiresias-compat-fifo", {}, "count");
  expect_schedule(r, {0, 164, 311, 311, 311, 438, 576, 576},
                  {164, 311, 438, 432, 432, 576, 697, 700});
}

// shortest (remaining time), 8 GPUs: at each event all runnable jobs are re-sorted by remaining
// time and GPUs handed out in that order, skipping what does not fit.
// t=30  J0 134 left, J1 147: J1 (8 GPUs) skipped.   t=53 J2 (127) fits: runs.
// t=79  J0 85, J2 101, J3 121, J1 147: J3 runs.     t=99 J0 65, J2 81, J3 101, J4 121: J4 runs.
// t=132 J5 (138) skipped: all 8 GPUs busy.          t=164 J0 ends; 1 GPU idle (J5, J1 need 8).
// t=176 J6 (121) runs on it.  t=180 J2, t=200 J3 end.  t=204 J7 (124, 2 GPUs) runs.
// t=220 J4 ends, t=297 J6 ends, t=328 J7 ends: J5 (138 < J1's 147) runs 328-466, then J1 466-613.
// No running job is ever passed by a newcomer here, so nothing is preempted.
// shortest-gpu (remaining GPU-time) orders differently (J3 before J2 at t=79, J4 before J6 at 200)
// but hands out the same GPUs at the same times: the same schedule.
TEST(TiresiasCompat, ShortestRemainingTimeSkipFill) {
  const std::vector<double> starts = {0, 466, 53, 79, 99, 328, 176, 204};
  const std::vector<double> ends = {164, 613, 180, 200, 220, 466, 297, 328};
  for (const char* policy : {"tiresias-compat-srtf", "tiresias-compat-srsf"}) {
    SCOPED_TRACE(policy);
    const auto r = run_policy(kEightGpus, first_eight(), policy, {}, "count");
    expect_schedule(r, starts, ends);
    EXPECT_EQ(r.summary.preemptions, 0U);
  }
}

// dlas-gpu, 8 GPUs: every job here stays below 3250 GPU-s (the largest, J1, is 8 x 147 = 1176),
// so all stay in queue 0: FIFO by arrival with running jobs first and skip-fill. J1 (8 GPUs)
// waits until 328, when J7 ends and all 8 are free, and runs 328-475; J5 then 475-613.
TEST(TiresiasCompat, DlasKeepsShortJobsInQueueZero) {
  const auto r = run_policy(kEightGpus, first_eight(), "tiresias-compat-dlas", {}, "count");
  expect_schedule(r, {0, 328, 53, 79, 99, 475, 176, 204}, {164, 475, 180, 200, 220, 613, 297, 328});
  EXPECT_EQ(r.summary.preemptions, 0U);
}

// Preemption is free and instant. One GPU: A (100 s) at 0, B (20 s) at 10.
// t=10: A has 90 s left, B 20: B first, A is preempted; B 10-30; A resumes and ends at 120.
TEST(TiresiasCompat, SrtfPreemptsForAShorterJob) {
  sim::Workload w;
  add_tiresias_job(w, 0, 100, 1);
  add_tiresias_job(w, 10, 20, 1);
  const auto r = run_policy(uniform_cluster(1, 1), w, "tiresias-compat-srtf", {}, "count");
  EXPECT_EQ(start_s(r, 1), 10);
  EXPECT_EQ(end_s(r, 1), 30);
  EXPECT_EQ(end_s(r, 0), 120);
  EXPECT_EQ(r.jobs[0].preemptions, 1U);
}

// dlas-gpu's demotion timing, with queue_limit [100] GPU-s. Two GPUs: A (2 GPUs, 300 s) at 0,
// B (2 GPUs, 50 s) at 10.
// The artifact plans the next queue jump as event_time + (limit - executed_time) // num_gpu:
// at t=0 that is 50; at t=10 (B arrives, A has run 10 s) it becomes 10 + (100 - 10) // 2 = 55,
// although A reaches 100 GPU-s at 50. At 55 A (110 GPU-s) is demoted; B preempts it, runs
// 55-105; A resumes at 105 with 245 s left and ends at 350.
// tiresias-las demotes at the exact crossing: B runs 50-100 and A ends at 350 as well.
TEST(TiresiasCompat, DlasReproducesTheArtifactsQueueJumpTimes) {
  sim::Workload w;
  add_tiresias_job(w, 0, 300, 2);
  add_tiresias_job(w, 10, 50, 2);
  const nlohmann::json params = {{"queue_limit", {100}}};
  const auto compat = run_policy(uniform_cluster(1, 2), w, "tiresias-compat-dlas", params, "count");
  EXPECT_EQ(start_s(compat, 1), 55);
  EXPECT_EQ(end_s(compat, 1), 105);
  EXPECT_EQ(end_s(compat, 0), 350);
  const auto exact = run_policy(uniform_cluster(1, 2), w, "tiresias-las", params, "count");
  EXPECT_EQ(start_s(exact, 1), 50);
  EXPECT_EQ(end_s(exact, 0), 350);
}

// `count` ignores node boundaries: four 4-GPU nodes each keep one GPU free (a 3-GPU job on
// each); a 4-GPU job of 1-GPU tasks takes those four GPUs on four nodes.
TEST(TiresiasCompat, CountPlacementUsesAnyFreeGpus) {
  sim::Workload w;
  for (int i = 0; i < 4; ++i) add_job(w, 0, 1000, 3);
  add_tiresias_job(w, 1, 10, 4);
  const auto r = run_policy(uniform_cluster(4, 4), w, "fifo", {}, "count");
  EXPECT_EQ(start_s(r, 4), 1);
  EXPECT_EQ(r.jobs[4].nodes, 4U);
}

// Reproduction: the 60-job sample on n32g4 (32 nodes x 4 GPUs = 128 GPUs).
// By hand from the CSV: at most 26 GPUs are ever requested at once (a sweep over submit and
// submit + duration), so no job ever waits under any of these policies: every start equals its
// submit time, every JCT its duration, nothing is preempted, and the makespan is that of job 49
// (submitted at 1471 s, 1800 s long): 3271 s. No job reaches 3250 GPU-s (the largest is job 34,
// 8 GPUs x 305 s = 2440), so dlas never demotes anyone either.
TEST(TiresiasCompat, Reproduces60JobSampleOnN32g4) {
  ORRERY_REQUIRE_SHARED(jobs_csv, "tiresias/60_job.csv");
  ORRERY_REQUIRE_SHARED(shape_csv, "tiresias/n32g4.csv");
  const sim::Workload w = load_tiresias_jobs(jobs_csv);
  const sim::ClusterSpec cluster = load_tiresias_shape(shape_csv);
  ASSERT_EQ(w.jobs.size(), 60U);
  std::uint32_t gpus = 0;
  for (const auto& p : cluster.pools) gpus += p.nodes * p.gpus_per_node;
  ASSERT_EQ(gpus, 128U);
  // The premise, checked from the data: peak demand 26 GPUs, largest GPU-time 2440 GPU-s.
  std::map<double, int> delta;
  double sum_duration = 0, largest_gpu_s = 0;
  for (const auto& j : w.jobs) {
    delta[j.submit.seconds()] += static_cast<int>(j.tasks);
    delta[(j.submit + j.duration).seconds()] -= static_cast<int>(j.tasks);
    sum_duration += j.duration.seconds();
    largest_gpu_s = std::max(largest_gpu_s, j.duration.seconds() * j.tasks);
  }
  int level = 0, peak = 0;
  for (const auto& [t, d] : delta) peak = std::max(peak, level += d);  // ends before starts
  ASSERT_EQ(peak, 26);
  ASSERT_EQ(largest_gpu_s, 2440);
  for (const char* policy : {"tiresias-compat-dlas", "tiresias-compat-fifo", "tiresias-compat-srtf",
                             "tiresias-compat-srsf", "tiresias-las", "tiresias-gittins"}) {
    SCOPED_TRACE(policy);
    const auto r = run_policy(cluster, w, policy, {}, "count");
    EXPECT_EQ(r.summary.completed, 60U);
    EXPECT_EQ(r.summary.preemptions, 0U);
    EXPECT_DOUBLE_EQ(r.summary.makespan_s, 3271);
    EXPECT_NEAR(r.summary.jct_s.mean, sum_duration / 60, 1e-9);
    EXPECT_EQ(r.summary.wait_s.max, 0);
  }
}

// The same 60 jobs on 8 GPUs, where they queue: as no job ever leaves queue 0 (above), dlas-gpu
// is arrival-order first fit with running jobs kept: exactly fifo-skip under count placement,
// with no preemption.
TEST(TiresiasCompat, Reproduces60JobSampleContendedDlasIsFirstFit) {
  ORRERY_REQUIRE_SHARED(jobs_csv, "tiresias/60_job.csv");
  const sim::Workload w = load_tiresias_jobs(jobs_csv);
  const auto dlas = run_policy(kEightGpus, w, "tiresias-compat-dlas", {}, "count");
  const auto first_fit = run_policy(kEightGpus, w, "fifo-skip", {}, "count");
  EXPECT_EQ(dlas.summary.preemptions, 0U);
  EXPECT_GT(dlas.summary.wait_s.max, 0);  // it does queue
  for (sim::JobIndex j = 0; j < w.jobs.size(); ++j) {
    EXPECT_EQ(start_s(dlas, j), start_s(first_fit, j)) << w.jobs[j].id;
  }
}

TEST(TiresiasCompat, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("tiresias-compat-dlas", {{"queue_limit", {3250.5}}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy("tiresias-compat-srtf", {{"queue_limit", {3250}}}),
               sim::InputError);
}

// The quick start's workload (fractional submit times, two GPU types): the whole-second model
// once took in a job the engine had not seen arrive yet and started it ("erasing a job that is not
// pending", an internal error). Every job must now run to its end.
TEST(TiresiasCompat, RunsTheQuickStartWorkload) {
  const std::filesystem::path ex = source_dir() / "examples";
  const sim::ClusterSpec cluster = scenario::load_cluster((ex / "cluster.json").string());
  const sim::Workload w =
      traces::import_trace((ex / "small-trace.csv").string(), "native", {}).workload;
  for (const char* policy : {"tiresias-compat-dlas", "tiresias-compat-srsf", "tiresias-compat-srtf",
                             "tiresias-compat-fifo"}) {
    SCOPED_TRACE(policy);
    const sim::RunResult r = run_policy(cluster, w, policy);
    ASSERT_EQ(r.jobs.size(), w.jobs.size());
    for (const auto& o : r.jobs) {
      EXPECT_TRUE(o.end.has_value());
      if (o.start) EXPECT_GE(o.start->ms(), o.submit.ms());
    }
  }
}

}  // namespace
}  // namespace orrery::test
