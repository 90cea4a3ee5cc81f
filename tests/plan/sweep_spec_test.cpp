// Sweep specs: paths into the scenario document, expansion order, zipped axes, shorthands, keys,
// fingerprints, and every problem reported with its location.
#include <gtest/gtest.h>

#include "orrery/plan/json_path.hpp"
#include "orrery/plan/run_one.hpp"
#include "orrery/plan/sweep.hpp"
#include "orrery/plan/sweep_spec.hpp"
#include "orrery/sim/problems.hpp"
#include "plan_test_support.hpp"

namespace orrery::plan {
namespace {

using nlohmann::json;
using orrery::test::TempDir;

std::string problems_text(const sim::InputError& e) {
  return e.what();
}

TEST(JsonPath, DottedIndexMatchAndPointer) {
  json doc = {
      {"cluster", {{"pools", {{{"name", "a"}, {"nodes", 1}}, {{"name", "b"}, {"nodes", 2}}}}}},
      {"seed", 1}};
  set_path(doc, JsonPath::parse("cluster.pools[1].nodes"), 7);
  set_path(doc, JsonPath::parse("cluster.pools[name=a].gpu_type"), "H100");
  set_path(doc, JsonPath::parse("/cluster/pools/0/nodes"), 5);
  set_path(doc, JsonPath::parse("options.sample_interval_s"), 60);  // creates "options"
  EXPECT_EQ(doc["cluster"]["pools"][1]["nodes"], 7);
  EXPECT_EQ(doc["cluster"]["pools"][0]["gpu_type"], "H100");
  EXPECT_EQ(doc["cluster"]["pools"][0]["nodes"], 5);
  EXPECT_EQ(doc["options"]["sample_interval_s"], 60);
  ASSERT_NE(find_path(doc, JsonPath::parse("cluster.pools[name=b].nodes")), nullptr);
  EXPECT_EQ(find_path(doc, JsonPath::parse("cluster.pools[name=z]")), nullptr);
  EXPECT_THROW(set_path(doc, JsonPath::parse("cluster.pools[5].nodes"), 1), PathError);
  EXPECT_THROW(set_path(doc, JsonPath::parse("cluster.pools[name=z].nodes"), 1), PathError);
  EXPECT_THROW(set_path(doc, JsonPath::parse("seed.x"), 1), PathError);
  EXPECT_THROW(JsonPath::parse("a..b"), PathError);
  EXPECT_THROW(JsonPath::parse("a[x"), PathError);
  EXPECT_THROW(JsonPath::parse(""), PathError);
}

TEST(SweepSpec, ProductOrderKeysAndDocuments) {
  TempDir tmp;
  const SweepSpec spec = load_sweep_spec(test::write_json(tmp / "s.json", test::small_spec()));
  ASSERT_EQ(spec.run_count(), 40U);
  EXPECT_FALSE(spec.implicit_policy_axis);
  // Nested-loop order, the last axis fastest.
  const RunPlan r0 = run_at(spec, 0), r1 = run_at(spec, 1), r2 = run_at(spec, 2),
                last = run_at(spec, 39);
  EXPECT_EQ(r0.params["a100_nodes"], 2);
  EXPECT_EQ(r0.params["v100_nodes"], 1);
  EXPECT_EQ(r0.params["policy"], "fifo");
  EXPECT_EQ(r1.params["policy"], "easy-backfill");
  EXPECT_EQ(r2.params["v100_nodes"], 2);
  EXPECT_EQ(last.params["a100_nodes"], 6);
  EXPECT_EQ(last.params["v100_nodes"], 4);
  // Keys are distinct and depend only on the parameters.
  std::set<std::string> keys;
  for (std::size_t i = 0; i < spec.run_count(); ++i) keys.insert(run_at(spec, i).key);
  EXPECT_EQ(keys.size(), 40U);
  EXPECT_EQ(run_at(spec, 7).key, stable_hash(json{{"params", run_at(spec, 7).params}}));
  const json doc = run_document(spec, r2);
  EXPECT_EQ(doc["cluster"]["pools"][0]["nodes"], 2);
  EXPECT_EQ(doc["cluster"]["pools"][1]["nodes"], 2);
  EXPECT_EQ(doc["policies"], json::array({"fifo"}));
  // The document loads as a scenario, with the trace path made absolute.
  const scenario::Scenario s = scenario_from_document(doc, "run 2");
  EXPECT_EQ(s.cluster.pools[0].nodes, 2U);
  EXPECT_TRUE(std::filesystem::path(s.trace_path).is_absolute());
  // The same spec loaded again (from another folder) has the same fingerprint; a changed value
  // changes it.
  json other = test::small_spec();
  TempDir tmp2;
  EXPECT_EQ(load_sweep_spec(test::write_json(tmp2 / "x.json", other)).fingerprint,
            spec.fingerprint);
  other["axes"][1]["values"] = {1, 2, 3};
  EXPECT_NE(load_sweep_spec(test::write_json(tmp2 / "y.json", other)).fingerprint,
            spec.fingerprint);
}

TEST(SweepSpec, ZipTransformAndImplicitPolicyAxis) {
  TempDir tmp;
  json j = {
      {"base", test::example_scenario()},
      {"axes",
       {{{"zip",
          {{{"name", "gpu"},
            {"path", "cluster.pools[0].gpu_type"},
            {"values", {"A100-80", "H100"}}},
           {{"name", "gpn"}, {"path", "cluster.pools[0].gpus_per_node"}, {"values", {8, 4}}}}}},
        {{"name", "load"}, {"transform", "scale_load"}, {"values", {0.5, 1.5}}},
        {{"name", "seed"}, {"path", "seed"}, {"range", {{"from", 1}, {"to", 2}}}}}}};
  const SweepSpec spec = load_sweep_spec(test::write_json(tmp / "z.json", j));
  // The example lists five policies and no axis picks one: an implicit policy axis runs each.
  EXPECT_TRUE(spec.implicit_policy_axis);
  EXPECT_EQ(spec.run_count(), 2U * 2U * 2U * 5U);
  const RunPlan r = run_at(spec, 5 * 2 * 2);  // gpu index 1
  EXPECT_EQ(r.params["gpu"], "H100");
  EXPECT_EQ(r.params["gpn"], 4);
  const json doc = run_document(spec, run_at(spec, 0));
  ASSERT_TRUE(doc["workload"]["transforms"].is_array());
  EXPECT_EQ(doc["workload"]["transforms"].back(), (json{{"type", "scale_load"}, {"factor", 0.5}}));
  EXPECT_EQ(doc["policies"].size(), 1U);
  // Zip mode: all axes advance together.
  json z = {{"base", test::example_scenario()},
            {"mode", "zip"},
            {"axes",
             {{{"name", "a"}, {"path", "cluster.pools[0].nodes"}, {"values", {2, 3, 4}}},
              {{"policy", {"fifo", "sjf", "easy-backfill"}}}}}};
  const SweepSpec zs = load_sweep_spec(test::write_json(tmp / "zz.json", z));
  EXPECT_EQ(zs.run_count(), 3U);
  EXPECT_EQ(run_at(zs, 2).params["policy"], "easy-backfill");
  EXPECT_EQ(run_at(zs, 2).params["a"], 4);
}

TEST(SweepSpec, ProblemsAreReportedWithTheirLocation) {
  TempDir tmp;
  json j = {{"base", test::example_scenario()},
            {"modee", "product"},
            {"axes",
             {{{"path", "cluster.pools[9].nodes"}, {"values", {1}}},
              {{"name", "dup"}, {"path", "seed"}, {"values", {1, 1}}},
              {{"name", "x"}, {"path", "options.sample_interval_s"}},
              {{"zip",
                {{{"name", "p"}, {"path", "cluster.pools[0].nodes"}, {"values", {1, 2}}},
                 {{"name", "q"}, {"path", "cluster.pools[1].nodes"}, {"values", {1}}}}}}}}};
  try {
    load_sweep_spec(test::write_json(tmp / "bad.json", j));
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    const std::string t = problems_text(e);
    EXPECT_NE(t.find("modee: unknown key"), std::string::npos) << t;
    EXPECT_NE(t.find("axes[1].values[1]: repeats values[0]"), std::string::npos) << t;
    EXPECT_NE(t.find("axes[2]: needs exactly one of \"values\""), std::string::npos) << t;
    EXPECT_NE(t.find("need as many values each"), std::string::npos) << t;
  }
  // A path that does not fit the scenario, and a run that is not a valid scenario.
  json k = {{"base", test::example_scenario()},
            {"axes", {{{"path", "cluster.pools[9].nodes"}, {"values", {1}}}}}};
  EXPECT_THROW(load_sweep_spec(test::write_json(tmp / "bad2.json", k)), sim::InputError);
  json v = {{"base", test::example_scenario()},
            {"axes",
             {{{"name", "n"}, {"path", "cluster.pools[0].nodes"}, {"values", {2, 0}}},
              {{"policy", {"fifo", "no-such-policy"}}}}}};
  const SweepSpec spec = load_sweep_spec(test::write_json(tmp / "v.json", v));
  try {
    run_sweep(spec, (tmp / "v.sqlite").string(), {});
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    const std::string t = problems_text(e);
    EXPECT_NE(t.find("run 2 (n=0, policy=fifo)"), std::string::npos) << t;
    EXPECT_NE(t.find("no-such-policy"), std::string::npos) << t;
    EXPECT_NE(t.find("3 of 4 runs are not valid scenarios; nothing was run"), std::string::npos)
        << t;
  }
  EXPECT_EQ(test::sql_count((tmp / "v.sqlite").string(), "SELECT count(*) FROM runs"), 0);
}

TEST(Shard, ParsesAndRefuses) {
  EXPECT_EQ(parse_shard("3/16").index, 3U);
  EXPECT_EQ(parse_shard("3/16").count, 16U);
  for (const char* bad : {"16/16", "1", "a/b", "1/0", "-1/4", "1/4x", ""})
    EXPECT_THROW(parse_shard(bad), sim::InputError) << bad;
}

}  // namespace
}  // namespace orrery::plan
