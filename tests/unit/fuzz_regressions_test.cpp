// Regression tests for what fuzzing (tests/fuzz, docs/fuzzing.md) found in the scenario/ readers:
// each input here escaped as an exception other than sim::InputError before its fix.
#include <gtest/gtest.h>

#include <string>

#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "test_support.hpp"

namespace orrery::scenario {
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

// A number too large for a double is valid JSON syntax that nlohmann refuses with out_of_range,
// not parse_error: it escaped json_read_file, which every scenario and cluster file goes through.
TEST(FuzzRegressions, JsonNumberOverflowIsAnInputError) {
  test::TempDir tmp;
  test::write_text(tmp / "cluster.json", R"({"pools": [{"name": "a", "nodes": 1e400}]})");
  std::string msg = input_error([&] { load_cluster((tmp / "cluster.json").string()); });
  EXPECT_NE(msg.find("cluster.json: invalid JSON: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("number overflow"), std::string::npos) << msg;
  test::write_text(tmp / "s.json", R"({"seed": -1e999})");
  msg = input_error([&] { load_scenario((tmp / "s.json").string()); });
  EXPECT_NE(msg.find("s.json: invalid JSON: "), std::string::npos) << msg;
}

}  // namespace
}  // namespace orrery::scenario
