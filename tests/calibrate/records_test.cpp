// The Slurm record parsers on real output saved from a local 4 x 8 GPU cluster (Debian's
// slurm-wlm 22.05.8) running a calibration slice: data/squeue.json (`squeue --json -t all
// --jobs=...`), data/jobcomp.log (jobcomp/filetxt), data/slurmctld.log (the run's job lines),
// data/slurm.conf (the harness's config), data/job_output.txt (one job script's output).
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <set>

#include "orrery/calibrate/slurm_conf.hpp"
#include "orrery/calibrate/slurm_driver.hpp"
#include "orrery/calibrate/slurm_records.hpp"
#include "orrery/sim/problems.hpp"
#include "test_support.hpp"

namespace orrery::calibrate {
namespace {

namespace fs = std::filesystem;
const fs::path kData = ORRERY_CALIBRATE_DATA;

// The saved log and jobcomp times are in the capturing machine's local time, which was UTC.
std::string data(const char* name) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  return test::read_text(kData / name);
}

TEST(SlurmRecords, LocalTimestamps) {
  data("slurm.conf");  // sets TZ=UTC
  const auto a = parse_local_timestamp_ms("2026-11-23T05:51:48.782");
  const auto b = parse_local_timestamp_ms("2026-11-23T05:51:49");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*b - *a, 218);
  EXPECT_FALSE(parse_local_timestamp_ms("Unknown"));
  EXPECT_FALSE(parse_local_timestamp_ms("2026-11-23 05:51:49"));
}

TEST(SlurmRecords, SqueueJsonFromARealCluster) {
  const auto jobs = parse_squeue_json(data("squeue.json"));
  ASSERT_GE(jobs.size(), 40U);
  for (const auto& j : jobs) {
    EXPECT_EQ(j.state, "COMPLETED") << j.job_id;
    ASSERT_TRUE(j.submit_s && j.start_s && j.end_s) << j.job_id;
    EXPECT_LE(*j.submit_s, *j.start_s);
    EXPECT_LE(*j.start_s, *j.end_s);
    EXPECT_EQ(j.tres_per_node.rfind("gres:gpu:a100:", 0), 0U) << j.tres_per_node;
    EXPECT_EQ(j.name.rfind("orrery-cal-", 0), 0U) << j.name;
    EXPECT_EQ(j.comment, "orrery-calibrate");
    EXPECT_FALSE(j.nodes.empty());
    EXPECT_GE(j.time_limit_min, 1U);
    EXPECT_TRUE(is_final_state(j.state));
  }
  EXPECT_THROW(parse_squeue_json("[]"), sim::InputError);
  EXPECT_THROW(parse_squeue_json("{"), sim::InputError);
}

TEST(SlurmRecords, FinalStatesAreTheImportersOnes) {
  for (const char* s : {"COMPLETED", "FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "CANCELLED",
                        "CANCELLED by 0", "REVOKED"})
    EXPECT_TRUE(is_final_state(s)) << s;
  for (const char* s : {"PENDING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "", "DONE"})
    EXPECT_FALSE(is_final_state(s)) << s;
}

TEST(SlurmRecords, JobcompAgreesWithSqueue) {
  const auto sq = parse_squeue_json(data("squeue.json"));
  const auto jc = parse_jobcomp(data("jobcomp.log"));
  ASSERT_EQ(jc.size(), sq.size());
  std::map<std::uint64_t, SqueueRecord> by_id;
  for (const auto& r : sq) by_id[r.job_id] = r;
  for (const auto& r : jc) {
    ASSERT_TRUE(by_id.count(r.job_id)) << r.job_id;
    const auto& s = by_id[r.job_id];
    EXPECT_EQ(r.state, "COMPLETED");
    EXPECT_EQ(r.name, s.name);
    EXPECT_EQ(r.nodes, s.nodes);
    EXPECT_EQ(r.partition, "gpu");
    EXPECT_EQ(r.start_s, s.start_s) << r.job_id;
    EXPECT_EQ(r.end_s, s.end_s) << r.job_id;
    EXPECT_EQ(r.submit_s, s.submit_s) << r.job_id;
    EXPECT_EQ(r.time_limit_min, s.time_limit_min);
    EXPECT_EQ(r.node_count, s.node_count);
  }
}

TEST(SlurmRecords, ControllerLogHasMillisecondEventsForEveryJob) {
  const auto sq = parse_squeue_json(data("squeue.json"));
  const auto events = parse_ctld_log(data("slurmctld.log"));
  std::size_t by_backfill = 0, by_main = 0;
  for (const auto& s : sq) {
    ASSERT_TRUE(events.count(s.job_id)) << s.job_id;
    const CtldJobEvents& e = events.at(s.job_id);
    ASSERT_TRUE(e.submit_ms && e.release_ms && e.start_ms && e.complete_ms) << s.job_id;
    EXPECT_LE(*e.submit_ms, *e.release_ms);
    EXPECT_LE(*e.release_ms, *e.start_ms);
    EXPECT_LT(*e.start_ms, *e.complete_ms);
    // Slurm's own whole seconds are the log's milliseconds truncated.
    EXPECT_EQ(*e.start_ms / 1000, *s.start_s) << s.job_id;
    EXPECT_EQ(*e.complete_ms / 1000, *s.end_s) << s.job_id;
    EXPECT_EQ(expand_hostlist(e.nodes), expand_hostlist(s.nodes)) << s.job_id;
    by_backfill += e.started_by == StartedBy::kBackfill ? 1U : 0U;
    by_main += e.started_by == StartedBy::kMainScheduler ? 1U : 0U;
  }
  EXPECT_EQ(by_backfill + by_main, sq.size());
  EXPECT_GT(by_backfill, 0U);
  const SchedulerActivity act = scheduler_activity(events);
  EXPECT_FALSE(act.backfill_ms.empty());
  // Backfill cycles are about bf_interval (1 s) apart.
  for (std::size_t k = 1; k < act.backfill_ms.size(); ++k)
    EXPECT_GE(act.backfill_ms[k] - act.backfill_ms[k - 1], 900);
  // An excerpt keeps only the named jobs' lines.
  const std::uint64_t first = sq.front().job_id;
  const std::string one = ctld_log_excerpt(data("slurmctld.log"), {first});
  EXPECT_EQ(parse_ctld_log(one).size(), 1U);
}

TEST(SlurmRecords, JobScriptStamps) {
  const ScriptStamps st = parse_script_stamps(data("job_output.txt"));
  ASSERT_TRUE(st.start_us && st.end_us);
  EXPECT_GT(*st.end_us, *st.start_us + 10'000'000);  // the job slept at least 10 s
  EXPECT_FALSE(parse_script_stamps("nothing here").start_us);
}

TEST(SlurmRecords, HarnessSlurmConf) {
  const SlurmConf conf = parse_slurm_conf(data("slurm.conf"), "slurm.conf");
  EXPECT_EQ(conf.scheduler_type(), "sched/backfill");
  EXPECT_EQ(conf.scheduler_seconds("bf_interval", 30), 1);
  EXPECT_EQ(conf.scheduler_seconds("batch_sched_delay", 3), 0);
  EXPECT_EQ(conf.get("JobCompType"), "jobcomp/filetxt");
  const sim::ClusterSpec spec = conf.cluster_spec();
  ASSERT_EQ(spec.pools.size(), 1U);
  EXPECT_EQ(spec.pools[0].nodes, 4U);
  EXPECT_EQ(spec.pools[0].gpus_per_node, 8U);
  EXPECT_EQ(spec.pools[0].gpu_type, "a100");
}

TEST(SlurmRecords, MergeBuildsTheObservedRun) {
  LiveRun run;
  run.squeue_json = data("squeue.json");
  run.jobcomp_text = data("jobcomp.log");
  run.ctld_log_text = data("slurmctld.log");
  const auto sq = parse_squeue_json(run.squeue_json);
  for (std::size_t i = 0; i < sq.size(); ++i) {
    ObservedJob j;
    j.plan_index = i;
    j.job_id = sq[i].job_id;
    run.jobs.push_back(j);
  }
  merge_records(run, {{sq.front().job_id, data("job_output.txt")}});
  for (const auto& j : run.jobs) {
    ASSERT_TRUE(j.release_ms && j.start_ms && j.end_ms) << j.job_id;
    EXPECT_EQ(j.time_source, "slurmctld.log (ms)");
    EXPECT_EQ(j.state, "COMPLETED");
    EXPECT_GE(*j.release_ms, run.t0_ms);
  }
  EXPECT_TRUE(run.jobs.front().script_start_us.has_value());
  // Without the controller log, squeue's whole seconds are used.
  LiveRun coarse = run;
  coarse.ctld_log_text.clear();
  for (auto& j : coarse.jobs) {
    ObservedJob fresh;
    fresh.plan_index = j.plan_index;
    fresh.job_id = j.job_id;
    j = fresh;
  }
  merge_records(coarse, {});
  for (const auto& j : coarse.jobs) {
    EXPECT_EQ(j.time_source, "squeue (s)");
    ASSERT_TRUE(j.start_ms);
    EXPECT_EQ(*j.start_ms % 1000, 0);
  }
}

// The observed trace keeps what Slurm said of each job: a job killed past its time limit
// (TIMEOUT) is the simulator's timeout, not a failure; a job never released is left out.
TEST(ObservedWorkload, EachFinalStateBecomesTheSimulatorsStatus) {
  SlicePlan plan;
  plan.source = "test";
  const char* states[] = {"COMPLETED", "CANCELLED", "TIMEOUT", "FAILED", "NODE_FAIL", "RUNNING"};
  LiveRun run;
  run.t0_ms = 1'000'000;
  for (std::size_t i = 0; i < std::size(states); ++i) {
    plan.jobs.push_back({.trace_id = "j" + std::to_string(i),
                         .name = "j",
                         .arrival_s = 0,
                         .sleep_s = 30,
                         .nodes = 1,
                         .gpus_per_node = 2,
                         .time_limit_min = 1,
                         .trace_submit_s = 0,
                         .trace_duration_s = 0,
                         .trace_gpus = 0,
                         .user = "u"});
    ObservedJob o;
    o.plan_index = i;
    o.release_ms = run.t0_ms + static_cast<std::int64_t>(i) * 1000;
    o.start_ms = *o.release_ms + 500;
    if (std::string(states[i]) != "RUNNING") o.end_ms = *o.start_ms + 60'000;
    o.state = states[i];
    run.jobs.push_back(o);
  }
  ObservedJob never;  // submitted, never released
  never.plan_index = 0;
  never.state = "CANCELLED";
  run.jobs.push_back(never);
  const sim::Workload w = observed_workload(plan, run, "a100");
  ASSERT_EQ(w.jobs.size(), std::size(states));
  using sim::JobStatus;
  EXPECT_EQ(w.jobs[0].observed.status, JobStatus::kCompleted);
  EXPECT_EQ(w.jobs[1].observed.status, JobStatus::kKilled);
  EXPECT_EQ(w.jobs[2].observed.status, JobStatus::kTimeout);
  EXPECT_EQ(w.jobs[3].observed.status, JobStatus::kFailed);
  EXPECT_EQ(w.jobs[4].observed.status, JobStatus::kFailed);
  EXPECT_FALSE(w.jobs[5].observed.status.has_value());  // not final
  EXPECT_EQ(w.jobs[2].submit.ms(), 2000);
  EXPECT_EQ(w.jobs[2].observed.start->ms(), 2500);
  EXPECT_EQ(w.jobs[2].observed.end->ms(), 62'500);
  EXPECT_EQ(w.jobs[2].walltime->ms(), 60'000);
  EXPECT_EQ(w.jobs[2].gpu_milli, 2000U);
}

}  // namespace
}  // namespace orrery::calibrate
