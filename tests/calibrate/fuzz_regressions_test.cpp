// Regression tests for what fuzzing (tests/fuzz, docs/fuzzing.md) and its review found in the
// parsers of calibrate/: each input here crashed, hung or exhausted memory before its fix, and
// must now be a sim::InputError naming the file and line.
#include <gtest/gtest.h>

#include <string>

#include "orrery/calibrate/fit.hpp"
#include "orrery/calibrate/k8s.hpp"
#include "orrery/calibrate/slurm_conf.hpp"
#include "orrery/calibrate/slurm_records.hpp"
#include "orrery/sim/problems.hpp"
#include "test_support.hpp"

namespace orrery::calibrate {
namespace {

// The message of the sim::InputError `f` throws ("" when it throws none).
template <typename F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

// An Include cycle recursed until the stack overflowed (slurm_conf fuzz target).
TEST(FuzzRegressions, SlurmConfIncludeCycleIsAnError) {
  test::TempDir tmp;
  test::write_text(tmp / "a.conf", "ClusterName=x\nInclude b.conf\n");
  test::write_text(tmp / "b.conf", "NodeName=n1 CPUs=4\nInclude a.conf\n");
  const std::string msg = input_error([&] { read_slurm_conf((tmp / "a.conf").string()); });
  EXPECT_NE(msg.find("b.conf:2: Include cycle: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("a.conf is already being read"), std::string::npos) << msg;

  test::write_text(tmp / "self.conf", "Include self.conf\n");
  EXPECT_NE(input_error([&] {
              read_slurm_conf((tmp / "self.conf").string());
            }).find("self.conf:1: Include cycle"),
            std::string::npos);

  // Including the same file twice side by side is not a cycle.
  test::write_text(tmp / "nodes.conf", "NodeName=n[1-2] CPUs=8\n");
  test::write_text(tmp / "twice.conf", "Include nodes.conf\nInclude ./nodes.conf\n");
  EXPECT_EQ(read_slurm_conf((tmp / "twice.conf").string()).nodes.size(), 4U);
}

// Hostlist groups multiply: n[0-99999][0-99999] asked for 10^10 names (out of memory), and many
// ranges in one group (n[1-99999,1-99999,...]) for as many as the line had ranges.
TEST(FuzzRegressions, HostlistExpansionIsBounded) {
  EXPECT_NE(input_error([] { expand_hostlist("n[0-99999][0-99999]"); }).find("more than 1000000"),
            std::string::npos);
  std::string many = "n[";
  for (int i = 0; i < 20; ++i) many += (i ? "," : "") + std::string("1-99999");
  many += "]";
  EXPECT_NE(input_error([&] { expand_hostlist(many); }).find("names more than 1000000 hosts"),
            std::string::npos);
  // Within the bound: still expanded, in order, with the suffix group.
  const auto names = expand_hostlist("r[1-2]n[01-03]");
  ASSERT_EQ(names.size(), 6U);
  EXPECT_EQ(names.front(), "r1n01");
  EXPECT_EQ(names.back(), "r2n03");

  // In slurm.conf the error names the line.
  test::TempDir tmp;
  test::write_text(tmp / "slurm.conf", "ClusterName=x\nNodeName=n[0-99999][0-99999] CPUs=1\n");
  const std::string msg = input_error([&] { read_slurm_conf((tmp / "slurm.conf").string()); });
  EXPECT_NE(msg.find("slurm.conf:2: "), std::string::npos) << msg;
}

// A number too large for a double is valid JSON syntax that nlohmann refuses with out_of_range,
// not parse_error: it escaped as an unexpected exception (squeue_json and kubectl targets).
TEST(FuzzRegressions, JsonNumberOverflowIsAnInputError) {
  EXPECT_NE(
      input_error([] {
        parse_squeue_json(R"({"jobs": [{"job_id": 1, "start_time": {"number": 1795e20348}}]})");
      }).find("invalid JSON"),
      std::string::npos);
  EXPECT_NE(input_error([] {
              split_kubectl_json(R"({"kind": "List", "x": 1e400})", "k.json");
            }).find("not kubectl JSON output"),
            std::string::npos);
  test::TempDir tmp;
  test::write_text(tmp / "profile.json", R"({"format": "orrery-calibration-profile", "v": 1e999})");
  EXPECT_NE(input_error([&] {
              CalibrationProfile::load((tmp / "profile.json").string());
            }).find("invalid JSON"),
            std::string::npos);
}

// squeue's {"set": ..., "number": N}: a "set" that is not a boolean threw nlohmann's type_error
// and a fractional N out of int64's range was an undefined conversion (squeue_json target).
TEST(FuzzRegressions, SqueueSetNumberOfTheWrongType) {
  std::string msg = input_error([] {
    parse_squeue_json(R"({"jobs": [{"job_id": 1}, {"job_id": 2, "node_count": {"set": 7}}]})");
  });
  EXPECT_NE(msg.find("squeue --json: jobs[1].node_count.set: must be true or false, got 7"),
            std::string::npos)
      << msg;
  msg = input_error([] {
    parse_squeue_json(R"({"jobs": [{"job_id": 1, "end_time": {"set": true, "number": 1e300}}]})");
  });
  EXPECT_NE(msg.find("jobs[0].end_time.number: must be a whole number"), std::string::npos) << msg;
  // Both schemas still read; an unset value is absent.
  const auto r = parse_squeue_json(
      R"({"jobs": [{"job_id": 3, "start_time": 100, "end_time": {"set": false, "number": 0},
                    "node_count": {"set": true, "infinite": false, "number": 2}}]})");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].start_s, 100);
  EXPECT_FALSE(r[0].end_s);
  EXPECT_EQ(r[0].node_count, 2U);
}

// A "kind" that is not a string threw nlohmann's type_error (kubectl target); so did an item of a
// typed list (NodeList, PodList) that is not an object.
TEST(FuzzRegressions, KubectlKindMustBeAString) {
  const std::string msg = input_error([] {
    split_kubectl_json(R"({"kind": "List", "items": [{"kind": "Pod"}, {"kind": {"cpu": 1}}]})",
                       "saved.json");
  });
  EXPECT_NE(msg.find("saved.json: items[1].kind: must be a string, got object"), std::string::npos)
      << msg;
  const auto [nodes, pods] = split_kubectl_json(R"({"kind": "NodeList", "items": [5, {}]})", "s");
  EXPECT_EQ(nodes["items"].size(), 1U);  // the object, as a Node; the number is not a document
  EXPECT_EQ(pods["items"].size(), 0U);
}

// A stamp of more than 9.2e12 seconds overflowed int64 microseconds (UBSan, ctld_log target).
TEST(FuzzRegressions, ScriptStampOutOfRangeIsUnreadable) {
  const ScriptStamps st =
      parse_script_stamps("orrery-start 1795420348.509539\norrery-end 179542031795420344\n");
  EXPECT_EQ(st.start_us, 1795420348509539);
  EXPECT_FALSE(st.end_us);
  EXPECT_FALSE(parse_script_stamps("orrery-start 99999999999999999999999").start_us);
}

// Profile keys of the wrong type threw nlohmann's type_error (review of the
// calibration_profile target's parser).
TEST(FuzzRegressions, CalibrationProfileKeysOfTheWrongType) {
  test::TempDir tmp;
  const auto load = [&](const std::string& text) {
    test::write_text(tmp / "p.json", text);
    return input_error([&] { CalibrationProfile::load((tmp / "p.json").string()); });
  };
  EXPECT_NE(load(R"({"format": 5})").find("not an orrery calibration profile"), std::string::npos);
  EXPECT_NE(load(R"({"format": "orrery-calibration-profile", "version": "1"})")
                .find("unsupported profile version \"1\""),
            std::string::npos);
  const std::string msg =
      load(R"({"format": "orrery-calibration-profile", "version": 1, "model": {}, "created": 5})");
  EXPECT_NE(msg.find("p.json: created: must be a string, got 5"), std::string::npos) << msg;
}

}  // namespace
}  // namespace orrery::calibrate
