// A sharded sweep run as a real Slurm job array (examples/sweep-slurm-submit.sh and
// sweep-slurm.sbatch) on a local multi-node Slurm cluster started by the calibrate harness; the
// merged result must equal an unsharded sweep. Skipped, with a message, when Slurm is not
// installed, when not root, or when the orrery CLI was not built.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "orrery/plan/sweep.hpp"
#include "plan_test_support.hpp"

#ifdef ORRERY_HAVE_LOCAL_SLURM
#include "orrery/calibrate/local_slurm.hpp"
#include "orrery/calibrate/process.hpp"
#endif

namespace orrery::plan {
namespace {

using orrery::test::TempDir;

TEST(SlurmJobArray, ShardedSweepAsAJobArrayEqualsTheUnshardedSweep) {
#ifndef ORRERY_HAVE_LOCAL_SLURM
  GTEST_SKIP()
      << "Slurm job-array test skipped: built without calibrate/ (the local Slurm harness)";
#else
  using calibrate::LocalSlurm;
  using calibrate::run_program;
  if (auto missing = LocalSlurm::missing_tools("none"))
    GTEST_SKIP() << "Slurm job-array test skipped: " << *missing;
  if (::geteuid() != 0)
    GTEST_SKIP() << "Slurm job-array test skipped: the local Slurm harness needs root";
  if (orrery::test::cli().empty())
    GTEST_SKIP() << "Slurm job-array test skipped: the orrery CLI was not built";

  TempDir tmp;
  const std::string spec_path = test::write_json(tmp / "spec.json", test::small_spec());
  const std::string results = (tmp / "results").string();
  calibrate::LocalSlurmOptions so;
  so.nodes = 2;
  so.gpus_per_node = 1;
  so.gpu_type = "a100";
  so.cpus_per_node = 4;
  LocalSlurm cluster(so);
  cluster.start();
  auto env = cluster.client_env();
  env.emplace_back("ORRERY", orrery::test::cli());
  const std::string submit =
      (orrery::test::source_dir() / "examples" / "sweep-slurm-submit.sh").string();
  const calibrate::ProcessResult sub = run_program(
      {"bash", submit, spec_path, results, "4"}, {.timeout_s = 120, .env = env, .stdin_text = {}});
  ASSERT_TRUE(sub.ok()) << sub.describe() << "\n" << sub.out << sub.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(sub.out, m,
                                std::regex("array job (\\d+) \\(4 shards\\), merge job (\\d+)")))
      << sub.out;
  const std::string array_id = m[1], merge_id = m[2];

  // Wait until Slurm has no job of ours left (the merge runs after every array task).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  std::string states;
  while (std::chrono::steady_clock::now() < deadline) {
    const calibrate::ProcessResult q = run_program({"squeue", "-h", "-o", "%i %T"},
                                                   {.timeout_s = 20, .env = env, .stdin_text = {}});
    ASSERT_TRUE(q.ok()) << q.describe();
    states = q.out;
    if (q.out.find_first_not_of(" \n") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_EQ(states.find_first_not_of(" \n"), std::string::npos) << "jobs still queued: " << states;
  // The controller's job completion records: four array tasks and the merge, all COMPLETED.
  const std::string jobcomp = orrery::test::read_text(cluster.jobcomp_log());
  std::size_t completed = 0;
  for (std::size_t pos = 0; (pos = jobcomp.find("JobState=COMPLETED", pos)) != std::string::npos;
       ++pos)
    ++completed;
  EXPECT_EQ(completed, 5U) << jobcomp;
  EXPECT_EQ(jobcomp.find("JobState=FAILED"), std::string::npos) << jobcomp;
  for (int i = 0; i < 4; ++i) {
    const std::string shard = results + "/shard-" + std::to_string(i) + ".sqlite";
    ASSERT_TRUE(std::filesystem::exists(shard)) << shard;
    EXPECT_EQ(test::sql_count(
                  shard, "SELECT count(*) FROM runs WHERE shard <> '" + std::to_string(i) + "/4'"),
              0);
  }
  const std::string merged = results + "/results.sqlite";
  ASSERT_TRUE(std::filesystem::exists(merged))
      << orrery::test::read_text(results + "/merge-" + merge_id + ".out");
  cluster.stop();

  // The same sweep unsharded, in this process.
  const SweepSpec spec = load_sweep_spec(spec_path);
  const std::string whole = (tmp / "whole.sqlite").string();
  SweepOptions o;
  o.threads = 2;
  run_sweep(spec, whole, o);
  EXPECT_EQ(test::sql_count(merged, "SELECT count(*) FROM runs"), 40);
  EXPECT_EQ(test::sql_count(merged, "SELECT count(DISTINCT shard) FROM runs"), 4);
  EXPECT_EQ(test::runs_by_key(merged), test::runs_by_key(whole));
  EXPECT_EQ(test::metrics_by_key(merged), test::metrics_by_key(whole));
  (void)array_id;
#endif
}

}  // namespace
}  // namespace orrery::plan
