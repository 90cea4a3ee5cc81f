// Regression tests for what fuzzing (tests/fuzz, docs/fuzzing.md) found in the plan/ readers:
// each input here escaped as nlohmann's type_error before its fix, and must now be a
// sim::InputError naming the file and the JSON path.
#include <gtest/gtest.h>

#include <string>

#include "orrery/plan/planner.hpp"
#include "orrery/plan/sweep_spec.hpp"
#include "orrery/sim/problems.hpp"
#include "test_support.hpp"

namespace orrery::plan {
namespace {

template <typename F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

std::string example(const char* name) {
  return (orrery::test::source_dir() / "examples" / name).string();
}

// A plan whose base scenario cannot be read left the base document null, and the default
// placement was then read from it with value() (plan_spec target).
TEST(FuzzRegressions, PlanWithAnUnreadableBase) {
  orrery::test::TempDir tmp;
  orrery::test::write_text(tmp / "plan.json", R"({"base": "missing.json",
      "pools": [{"pool": "a100", "nodes": {"min": 0, "max": 2}, "gpu_hour": 1}],
      "target": {"metric": "wait_s.p95", "<=": 3600}})");
  const std::string msg = input_error([&] { load_plan((tmp / "plan.json").string()); });
  EXPECT_NE(msg.find("missing.json"), std::string::npos) << msg;
}

// Names of the wrong type (plan_spec and sweep_spec targets, and review of the same pattern).
TEST(FuzzRegressions, PlanAndSweepNamesMustBeStrings) {
  orrery::test::TempDir tmp;
  const std::string base = example("scenario.json");
  orrery::test::write_text(tmp / "plan.json", R"({"name": 5, "base": ")" + base + R"(",
      "pools": [{"pool": {"name": [1], "gpus_per_node": 8}, "nodes": [0, 1],
                 "prices": [{"name": {}, "gpu_hour": 1}]}],
      "target": {"metric": "wait_s.p95", "<=": 3600}})");
  const std::string msg = input_error([&] { load_plan((tmp / "plan.json").string()); });
  EXPECT_NE(msg.find("plan.json: name: must be a string, got the number 5"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("pools[0].pool.name: must be a string, got an array"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("pools[0].prices[0].name: must be a string, got an object"), std::string::npos)
      << msg;

  orrery::test::write_text(tmp / "sweep.json", R"({"name": true, "base": ")" + base + R"(",
      "axes": [{"name": "seed", "path": "seed", "values": [1, 2]}]})");
  const std::string sweep = input_error([&] { load_sweep_spec((tmp / "sweep.json").string()); });
  EXPECT_NE(sweep.find("sweep.json: name: must be a string, got true"), std::string::npos) << sweep;
}

}  // namespace
}  // namespace orrery::plan
