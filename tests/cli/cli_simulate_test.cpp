// End to end through the binary: the example scenario, the output files and their columns,
// byte-identical outputs for the same seed, and bad input through the CLI.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace orrery::test {
namespace {

std::string first_line(const std::filesystem::path& p) {
  const std::string t = read_text(p);
  return t.substr(0, t.find('\n'));
}

TEST(CliSimulate, ExampleWritesEveryOutputAndSaysWhichPolicyDidBest) {
  TempDir tmp;
  const auto r =
      run_command(cli() + " simulate " + (source_dir() / "examples/scenario.json").string() +
                  " -o " + (tmp / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Best mean JCT:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Results: "), std::string::npos);
  for (const char* policy : {"fifo", "fifo-skip", "sjf", "srtf", "easy-backfill"}) {
    const auto dir = tmp / "out" / policy;
    EXPECT_EQ(first_line(dir / "jobs.csv"),
              "job_id,submit_s,start_s,end_s,wait_s,jct_s,gpus,nodes,preemptions,status,user,queue,"
              "gpu_type,speed,restarts,lost_work_s,cost,node_ids");
    EXPECT_EQ(first_line(dir / "timeseries.csv"),
              "time_s,gpus_allocated,gpus_total,jobs_running,jobs_pending");
    const auto summary = nlohmann::json::parse(read_text(dir / "summary.json"));
    for (const char* key :
         {"jobs", "completed", "jct_s", "wait_s", "makespan_s", "gpu_utilization", "fingerprint"}) {
      EXPECT_TRUE(summary.contains(key)) << key;
    }
    EXPECT_EQ(summary["jobs"], 300);
    for (const char* q : {"mean", "p50", "p95", "p99"}) EXPECT_TRUE(summary["jct_s"].contains(q));
    const auto manifest = nlohmann::json::parse(read_text(dir / "manifest.json"));
    EXPECT_EQ(manifest["policy"]["name"], policy);
    EXPECT_NE(manifest["inputs"]["trace"].get<std::string>().find("sha256:"), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::exists(tmp / "out" / "comparison.csv"));
}

TEST(CliSimulate, ALogGetsAProgressLineEveryFewSecondsOfARun) {
  // The test's stderr is a pipe, as a batch job's log is: progress comes as plain lines, one per
  // --progress-every seconds of the run (default 30: none for a run this short).
  TempDir tmp;
  const std::string base =
      cli() + " simulate " + (source_dir() / "examples/scenario.json").string() + " --threads 1";
  const auto quiet_log = run_command(base + " -o " + (tmp / "a").string());
  ASSERT_EQ(quiet_log.exit_code, 0) << quiet_log.output;
  EXPECT_EQ(quiet_log.output.find("jobs, "), std::string::npos) << quiet_log.output;
  const auto r = run_command(base + " --progress-every 0.001 -o " + (tmp / "b").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("100.0%  1500/1500 jobs, "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos) << "no terminal redraws in a log";
  const auto bad = run_command(base + " --progress-every 0 -o " + (tmp / "c").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--progress-every"), std::string::npos) << bad.output;
}

TEST(CliSimulate, SameSeedGivesByteIdenticalOutputs) {
  TempDir tmp;
  const std::string base =
      cli() + " simulate " + (source_dir() / "examples/scenario.json").string() + " -q -o ";
  ASSERT_EQ(run_command(base + (tmp / "a").string() + " --threads 1").exit_code, 0);
  ASSERT_EQ(run_command(base + (tmp / "b").string() + " --threads 4").exit_code, 0);
  for (const char* policy : {"fifo", "srtf", "easy-backfill"}) {
    for (const char* file : {"jobs.csv", "timeseries.csv", "summary.json"}) {
      EXPECT_EQ(read_text(tmp / "a" / policy / file), read_text(tmp / "b" / policy / file))
          << policy << "/" << file;
    }
  }
}

TEST(CliSimulate, SinglePolicyWritesStraightIntoOutdir) {
  TempDir tmp;
  const auto ex = source_dir() / "examples";
  const auto r =
      run_command(cli() + " simulate --cluster " + (ex / "cluster.json").string() + " --trace " +
                  (ex / "small-trace.csv").string() +
                  " --policy sjf --placement consolidate -q -o " + (tmp / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "out" / "jobs.csv"));
  const auto m = nlohmann::json::parse(read_text(tmp / "out" / "manifest.json"));
  EXPECT_EQ(m["placement"], "consolidate");
}

TEST(CliSimulate, BadTraceRowIsExitTwoWithLocation) {
  TempDir tmp;
  write_text(tmp / "t.csv", "job_id,submit_s,gpus_per_task,duration_s\na,0,1,10\nb,0,-4,10\n");
  const auto r = run_command(
      cli() + " simulate --cluster " + (source_dir() / "examples/cluster.json").string() +
      " --trace " + (tmp / "t.csv").string() + " --policy fifo -o " + (tmp / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("t.csv:3: column 'gpus_per_task': must be >= 0"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out" / "jobs.csv"));
}

TEST(CliSimulate, JobsThatCanNeverFitAreRejectedAndCounted) {
  TempDir tmp;
  write_text(tmp / "t.csv",
             "job_id,submit_s,gpus_per_task,duration_s,tasks\na,0,1,10,1\nhuge,0,8,10,100\n");
  const auto r = run_command(
      cli() + " simulate --cluster " + (source_dir() / "examples/cluster.json").string() +
      " --trace " + (tmp / "t.csv").string() + " --policy fifo -q -o " + (tmp / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto s = nlohmann::json::parse(read_text(tmp / "out" / "summary.json"));
  EXPECT_EQ(s["rejected"], 1);
  EXPECT_EQ(s["completed"], 1);
  EXPECT_NE(
      read_text(tmp / "out" / "jobs.csv").find("huge,0,,,,,800,0,0,rejected,,,,,0,0,0.0000,\n"),
      std::string::npos);
}

TEST(CliSimulate, EnforcedTimeLimitsKillJobsPastTheirWalltime) {
  // Job a asks for 60 s and needs 100: killed at 60 (the first 30 s check at or after its
  // limit); b asks for 60 and needs 50: completes. Without the flag both complete.
  TempDir tmp;
  write_text(tmp / "t.csv",
             "job_id,submit_s,gpus_per_task,duration_s,walltime_s\na,0,1,100,60\nb,0,1,50,60\n");
  const std::string base = cli() + " simulate --cluster " +
                           (source_dir() / "examples/cluster.json").string() + " --trace " +
                           (tmp / "t.csv").string() + " --policy fifo -q -o ";
  const auto on = run_command(base + (tmp / "on").string() + " --enforce-time-limits");
  ASSERT_EQ(on.exit_code, 0) << on.output;
  const auto s = nlohmann::json::parse(read_text(tmp / "on" / "summary.json"));
  EXPECT_EQ(s["timed_out"], 1);
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["completed"], 1);
  EXPECT_GT(s["gpu_hours_lost_time_limits"].get<double>(), 0);
  const std::string jobs = read_text(tmp / "on" / "jobs.csv");
  EXPECT_NE(jobs.find("\na,0,0,60,0,60,"), std::string::npos) << jobs;
  EXPECT_NE(jobs.find(",timeout,"), std::string::npos) << jobs;
  const auto off = run_command(base + (tmp / "off").string());
  ASSERT_EQ(off.exit_code, 0) << off.output;
  const auto t = nlohmann::json::parse(read_text(tmp / "off" / "summary.json"));
  EXPECT_EQ(t["timed_out"], 0);
  EXPECT_EQ(t["completed"], 2);
}

TEST(CliValidate, ReportsEveryProblem) {
  TempDir tmp;
  write_text(tmp / "s.json",
             R"({"cluster": {"pools": [{"gpu_type": "A100", "gpus_per_node": 0, "nodes": 0}]},
      "workload": {"trace": "missing.csv"}, "policies": ["fifo"]})");
  const auto r = run_command(cli() + " validate " + (tmp / "s.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("pools[0].nodes: must be >= 1, got 0"), std::string::npos) << r.output;
  const auto ok =
      run_command(cli() + " validate " + (source_dir() / "examples/scenario.json").string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("ok (300 jobs, 64 GPUs"), std::string::npos) << ok.output;
}

TEST(CliTrace, ConvertRoundTripsTheNativeFormat) {
  TempDir tmp;
  const auto r =
      run_command(cli() + " trace convert " + (source_dir() / "examples/small-trace.csv").string() +
                  " -o " + (tmp / "t.csv").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto again = run_command(cli() + " trace convert " + (tmp / "t.csv").string() + " -o " +
                                 (tmp / "u.csv").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_text(tmp / "t.csv"), read_text(tmp / "u.csv"));
}

}  // namespace
}  // namespace orrery::test
