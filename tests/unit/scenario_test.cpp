// Scenario and cluster files: every problem is reported at once, each with its JSON path.
#include "orrery/scenario/scenario.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace orrery::test {
namespace {

std::vector<std::string> problems_of(const std::filesystem::path& p) {
  std::vector<std::string> out;
  try {
    scenario::load_scenario(p.string());
  } catch (const sim::InputError& e) {
    for (const auto& x : e.problems()) out.push_back(x.to_string());
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(Scenario, TheExampleLoads) {
  const auto s = scenario::load_scenario((source_dir() / "examples/scenario.json").string());
  EXPECT_EQ(s.policies.size(), 5U);
  EXPECT_EQ(s.cluster.pools.size(), 2U);
  EXPECT_EQ(s.options.sample_interval.ms(), 300'000);
}

TEST(Scenario, ClusterProblemsAreAllListedWithTheirPaths) {
  TempDir tmp;
  write_text(tmp / "cluster.json", R"({"pools": [
      {"name": "a", "gpu_type": "A100", "gpus_per_node": 8, "nodes": 2, "sharing": "mps"},
      {"name": "b", "gpu_type": "V100", "gpus_per_node": 0, "nodes": -1, "colour": "red"},
      {"name": "a", "gpus_per_node": 4, "nodes": 1, "nvlink_domain": 3}],
    "topology": {"nodes_per_rack": 0}})");
  try {
    scenario::load_cluster((tmp / "cluster.json").string());
    FAIL() << "expected problems";
  } catch (const sim::InputError& e) {
    std::vector<std::string> p;
    for (const auto& x : e.problems()) p.push_back(x.to_string());
    EXPECT_TRUE(has(p, "pools[0].sharing: must be \"time-slicing\" or \"mig\", got \"mps\""));
    EXPECT_TRUE(has(p, "pools[1].nodes: must be >= 1, got -1"));
    EXPECT_TRUE(has(p, "pools[1].colour: unknown key"));
    EXPECT_TRUE(has(p, "pools[2].name: duplicate pool name \"a\""));
    EXPECT_TRUE(has(p, "pools[2].gpu_type: is required for a pool with GPUs"));
    EXPECT_TRUE(has(p, "pools[2].nvlink_domain: must divide gpus_per_node (4), got 3"));
    EXPECT_TRUE(has(p, "topology.nodes_per_rack: must be >= 1, got 0"));
    EXPECT_GE(p.size(), 6U);
  }
}

TEST(Scenario, MissingFilesUnknownPolicyAndBadOptions) {
  TempDir tmp;
  write_text(tmp / "s.json", R"({"cluster": "nope.json", "workload": {"trace": "missing.csv"},
      "policies": ["fifo", "warp-drive", {"name": "sjf", "params": {"x": 1}}],
      "placement": "diagonal", "seed": -3, "options": {"sample_interval_s": "often"}})");
  const auto p = problems_of(tmp / "s.json");
  EXPECT_TRUE(has(p, "nope.json: cannot open"));
  EXPECT_TRUE(has(p, "seed: must be >= 0, got -3"));
  EXPECT_TRUE(has(p, "options.sample_interval_s: must be a number, got a string \"often\""));
}

TEST(Scenario, PolicyAndPlacementNamesAreChecked) {
  TempDir tmp;
  write_text(tmp / "t.csv", "job_id,submit_s,gpus_per_task,duration_s\na,0,1,10\n");
  write_text(tmp / "s.json",
             R"({"cluster": {"pools": [{"gpu_type": "A100", "gpus_per_node": 8, "nodes": 1}]},
      "workload": {"trace": "t.csv"},
      "policies": ["fifo", "warp-drive", {"name": "sjf", "params": {"x": 1}}], "placement": "diagonal"})");
  const auto p = problems_of(tmp / "s.json");
  EXPECT_TRUE(has(p, "policies[1]: unknown policy 'warp-drive' (known: fifo"));
  EXPECT_TRUE(has(p, "policy 'sjf' params.x: unknown parameter"));
  EXPECT_TRUE(has(p, "placement: unknown placement 'diagonal'"));
}

TEST(Scenario, InvalidJsonNamesLineAndColumn) {
  TempDir tmp;
  write_text(tmp / "s.json", "{\n  \"cluster\": ,\n}");
  const auto p = problems_of(tmp / "s.json");
  ASSERT_EQ(p.size(), 1U);
  EXPECT_NE(p[0].find("invalid JSON"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("line 2"), std::string::npos) << p[0];
}

TEST(Scenario, RequiredSectionsAreNamed) {
  TempDir tmp;
  write_text(tmp / "s.json", "{}");
  const auto p = problems_of(tmp / "s.json");
  EXPECT_TRUE(has(p, "cluster: is required"));
  EXPECT_TRUE(has(p, "workload: is required"));
  EXPECT_TRUE(has(p, "policies: is required"));
}

TEST(WriteFileAtomic, ReportsAnUnwritableTargetAndLeavesNothing) {
  TempDir tmp;
  EXPECT_THROW(scenario::write_file_atomic((tmp / "no/such/dir/x.csv").string(), "x"),
               sim::InputError);
  scenario::write_file_atomic((tmp / "x.csv").string(), "hello");
  EXPECT_EQ(read_text(tmp / "x.csv"), "hello");
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) {
    EXPECT_EQ(e.path().filename(), "x.csv") << "temporary file left behind";
  }
}

}  // namespace
}  // namespace orrery::test
