// The CLI end to end: sweep (with --shard and merge), pareto in three formats, plan, exit codes.
#include <gtest/gtest.h>

#include "plan_test_support.hpp"

namespace orrery::plan {
namespace {

using nlohmann::json;
using orrery::test::run_command;
using orrery::test::TempDir;

#define REQUIRE_CLI() \
  if (orrery::test::cli().empty()) GTEST_SKIP() << "the orrery CLI was not built"

std::string q(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

TEST(CliSweep, SweepMergeAndPareto) {
  REQUIRE_CLI();
  TempDir tmp;
  const std::string spec = test::write_json(tmp / "spec.json", test::small_spec());
  const std::string cli = orrery::test::cli();
  auto r = run_command(cli + " sweep " + q(spec) + " --dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("40 runs in the sweep; every one is a valid scenario"), std::string::npos)
      << r.output;
  for (int i = 0; i < 2; ++i) {
    r = run_command(cli + " sweep " + q(spec) + " --shard " + std::to_string(i) +
                    "/2 --threads 2 -o " + q(tmp / ("s" + std::to_string(i) + ".sqlite")));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("20 of 20 runs in shard " + std::to_string(i) + "/2 done"),
              std::string::npos)
        << r.output;
  }
  r = run_command(cli + " sweep merge " + q(tmp / "all.sqlite") + " " + q(tmp / "s0.sqlite") + " " +
                  q(tmp / "s1.sqlite"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("40 of 40 runs of sweep \"test-small\" (complete)"), std::string::npos)
      << r.output;
  r = run_command(cli + " pareto " + q(tmp / "all.sqlite") +
                  " --cost gpu_hours_allocated --time jct_s.p95 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json front = json::parse(r.output);
  ASSERT_FALSE(front["front"].empty());
  EXPECT_EQ(front["runs"], 40);
  // The table and CSV list the same runs; a parameter can be an objective too.
  r = run_command(cli + " pareto " + q(tmp / "all.sqlite") +
                  " --cost gpu_hours_allocated --time jct_s.p95 --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::size_t lines = 0;
  for (char c : r.output) lines += c == '\n';
  EXPECT_EQ(lines, front["front"].size() + 1);
  EXPECT_EQ(r.output.rfind(
                "run_index,run_key,a100_nodes,v100_nodes,policy,gpu_hours_allocated,jct_s.p95", 0),
            0U)
      << r.output;
  r = run_command(cli + " pareto " + q(tmp / "all.sqlite") +
                  " --cost a100_nodes --time wait_s.mean --where policy=fifo");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("minimising a100_nodes and wait_s.mean"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("easy-backfill"), std::string::npos) << r.output;
  // Bad input: exit 2 with the reason.
  r = run_command(cli + " pareto " + q(tmp / "all.sqlite") + " --cost nope --time jct_s.p95");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no run has both \"nope\""), std::string::npos) << r.output;
  r = run_command(cli + " sweep " + q(spec) + " --shard 2/2 -o " + q(tmp / "x.sqlite"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_command(cli + " sweep merge " + q(tmp / "all.sqlite") + " " + q(spec));
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

// Regression: a spec given by a relative path, whose base scenario, cluster and trace are relative
// too (as in examples/), once resolved every run against the wrong folder ("file not found").
TEST(CliSweep, RelativePathsResolveAgainstTheirOwnFiles) {
  REQUIRE_CLI();
  TempDir tmp;
  const auto examples = orrery::test::source_dir() / "examples";
  std::filesystem::create_directories(tmp / "work" / "inputs");
  for (const char* f : {"scenario.json", "cluster.json", "small-trace.csv", "sweep.json"})
    std::filesystem::copy_file(examples / f, tmp / "work" / "inputs" / f);
  std::filesystem::create_directories(tmp / "elsewhere");
  const std::string cli = orrery::test::cli();
  // From the spec's parent folder, and from an unrelated one, with relative paths only.
  auto r =
      run_command("cd " + q(tmp / "work") + " && " + cli + " sweep inputs/sweep.json --dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("24 runs in the sweep; every one is a valid scenario"), std::string::npos)
      << r.output;
  r = run_command("cd " + q(tmp / "elsewhere") + " && " + cli +
                  " sweep ../work/inputs/sweep.json -o out.sqlite --threads 2 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto done =
      test::sql_rows((tmp / "elsewhere" / "out.sqlite").string(), "SELECT COUNT(*) FROM runs");
  ASSERT_EQ(done.size(), 1U);
  EXPECT_EQ(done[0][0], "24");
}

TEST(CliPlan, FindsTheAnswerAndWritesOutputs) {
  REQUIRE_CLI();
  TempDir tmp;
  json pj = {{"name", "cli plan"},
             {"base", test::example_scenario()},
             {"pools",
              {{{"pool", "a100"}, {"nodes", {{"min", 0}, {"max", 10}}}, {"gpu_hour", 2.5}},
               {{"pool", "v100"}, {"nodes", {{"min", 0}, {"max", 4}}}, {"gpu_hour", 1.0}}}},
             {"policies", {"easy-backfill"}},
             {"target", {{"metric", "wait_s.p95"}, {"<=", 7200}}}};
  const std::string plan = test::write_json(tmp / "plan.json", pj);
  auto r = run_command(orrery::test::cli() + " plan " + q(plan) + " -o " + q(tmp / "out") +
                       " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("## Answer"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("simulations for 55 configurations"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "out" / "answer-scenario.json"));
  // The answer scenario simulates.
  r = run_command(orrery::test::cli() + " simulate " + q(tmp / "out" / "answer-scenario.json") +
                  " -q -o " + q(tmp / "sim"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // Unreachable target: exit 3.
  pj["target"] = {{"metric", "wait_s.p95"}, {"<=", -1}};
  test::write_json(tmp / "plan2.json", pj);
  r = run_command(orrery::test::cli() + " plan " + q(tmp / "plan2.json") + " -o " +
                  q(tmp / "out2"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("No configuration meets the target"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace orrery::plan
