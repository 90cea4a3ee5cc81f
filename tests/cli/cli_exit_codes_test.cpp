// The command line's contract: exit 0 on success, 2 on bad input with a message that names the
// problem and its location, never a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "test_support.hpp"

namespace orrery::test {
namespace {

TEST(Cli, PoliciesListsEveryRegisteredPolicy) {
  const auto r = run_command(cli() + " policies");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* name :
       {"fifo", "fifo-skip", "sjf", "srtf", "easy-backfill", "pack", "spread", "consolidate"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << name;
  }
}

TEST(Cli, UnknownPolicyIsBadInputNamingTheKnownOnes) {
  TempDir tmp;
  const auto ex = source_dir() / "examples";
  const auto r = run_command(cli() + " simulate --cluster " + (ex / "cluster.json").string() +
                             " --trace " + (ex / "small-trace.csv").string() +
                             " --policy nosuch -o " + (tmp / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown policy 'nosuch'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fifo-skip"), std::string::npos) << r.output;
}

TEST(Cli, MissingRequiredOptionIsExitTwo) {
  const auto r = run_command(cli() + " simulate");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(Cli, HelpExitsZero) {
  for (const char* cmd :
       {" --help", " simulate --help", " validate --help", " trace convert --help"}) {
    const auto r = run_command(cli() + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  }
}

TEST(Cli, CalibrateCheckComparesAProfileOnASavedRunAndNamesABadFolder) {
  const auto data = source_dir() / "tests" / "calibrate" / "data";
  const std::string profile = " --profile " + (data / "saved-run-profile.json").string();
  auto r = run_command(cli() + " calibrate check" + profile + " " + (data / "saved-run").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unfitted"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the profile is closer"), std::string::npos) << r.output;
  // And where the models put the jobs against the nodes Slurm allocated (the 45 have nodes).
  EXPECT_NE(r.output.find("jobs on the nodes Slurm chose: unfitted "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" of 45, profile "), std::string::npos) << r.output;
  TempDir tmp;
  r = run_command(cli() + " calibrate check" + profile + " " + tmp.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("calibration.json"), std::string::npos) << r.output;
}

// The check sets the run's own latencies (its job scripts' stamps) beside the profile's, and says
// when they are far apart: the machine was busier or quieter than when the profile was fitted.
TEST(Cli, CalibrateCheckSetsTheRunsLatenciesBesideTheProfiles) {
  const auto data = source_dir() / "tests" / "calibrate" / "data";
  const std::string text = read_text(data / "saved-run-profile.json");
  const std::string key = "\"launch_latency_s\": 0.341";
  ASSERT_NE(text.find(key), std::string::npos);
  TempDir tmp;
  auto check_with_launch = [&](double launch_s) {
    std::string t = text;
    for (auto at = t.find(key); at != std::string::npos; at = t.find(key, at + 1))
      t.replace(at, key.size(), "\"launch_latency_s\": " + std::to_string(launch_s));
    const auto profile = tmp / "profile.json";
    write_text(profile, t);
    return run_command(cli() + " calibrate check --profile " + profile.string() + " " +
                       (data / "saved-run").string());
  };
  auto r = check_with_launch(0.341);
  const std::string lead =
      "latencies the job scripts measured on this run (median of 45 jobs): launch ";
  const auto at = r.output.find(lead);
  ASSERT_NE(at, std::string::npos) << r.output;
  const double run_launch = std::stod(r.output.substr(at + lead.size(), 5));
  EXPECT_GT(run_launch, 0.0);
  EXPECT_LT(run_launch, 1.0);
  // The profile's own launch latency: no note.
  r = check_with_launch(run_launch);
  EXPECT_NE(r.output.find(lead), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("note: this run's jobs launched"), std::string::npos) << r.output;
  // 0.3 s later than the run's: its jobs launched faster, the machine was quieter.
  r = check_with_launch(run_launch + 0.3);
  const std::string note = "note: this run's jobs launched ";
  const auto n = r.output.find(note);
  ASSERT_NE(n, std::string::npos) << r.output;
  EXPECT_NEAR(std::stod(r.output.substr(n + note.size(), 5)), 0.3, 0.002) << r.output;
  EXPECT_NE(r.output.find(" s faster than the profile says", n), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("probably quieter"), std::string::npos) << r.output;
}

// `calibrate fit` fits a saved real run again without the cluster; the profile it writes is
// closer than slurm.conf's model on that run when `calibrate check` compares them (both on the
// run's own loop phases), and `--per-job` lists every job of it.
TEST(Cli, CalibrateFitRefitsASavedRunAndCheckListsItsJobs) {
  const auto run = source_dir() / "tests" / "calibrate" / "data" / "saved-run";
  TempDir tmp;
  const auto profile = tmp / "profile.json";
  auto r = run_command(cli() + " calibrate fit " + run.string() + " -o " + profile.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("after fit"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"latency_from_job_stamps\""), std::string::npos) << r.output;
  ASSERT_TRUE(std::filesystem::exists(profile));
  const auto jobs = tmp / "jobs.csv";
  r = run_command(cli() + " calibrate check --profile " + profile.string() + " " + run.string() +
                  " --per-job " + jobs.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = read_text(jobs);
  EXPECT_EQ(csv.rfind("run,job_id,submit_s,observed_start_s", 0), 0U) << csv.substr(0, 200);
  const auto rows = std::count(csv.begin(), csv.end(), '\n');
  EXPECT_EQ(rows, 46) << "a header and the run's 45 jobs";
  EXPECT_NE(csv.find(",observed_nodes,unfitted_nodes,profile_nodes\n"), std::string::npos)
      << csv.substr(0, 200);
  EXPECT_NE(csv.find(",n1,n1,n1\n"), std::string::npos) << "the first job, on n1 in all three";
  // A folder that is not a calibration run: bad input naming what is missing.
  r = run_command(cli() + " calibrate fit " + tmp.path().string() + " -o " +
                  (tmp / "p2.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("calibration.json"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(tmp / "p2.json"));
}

}  // namespace
}  // namespace orrery::test
