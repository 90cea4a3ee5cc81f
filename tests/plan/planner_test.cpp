// Capacity planning: the search's answer equals an exhaustive search (written here, on the
// public pieces: documents, runs, metrics) on small grids of the built-in example, for several
// targets, price options, two and three pools, one and two threads; with fewer simulations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "orrery/plan/planner.hpp"
#include "orrery/plan/run_one.hpp"
#include "orrery/sim/problems.hpp"
#include "plan_test_support.hpp"

namespace orrery::plan {
namespace {

using nlohmann::json;
using orrery::test::TempDir;

// Simulates every configuration of every variant once (cached by scenario).
class BruteForce {
 public:
  explicit BruteForce(const PlanSpec& plan) : plan_(plan) {}

  struct Point {
    std::size_t variant;
    std::vector<std::uint32_t> nodes;
    Metrics metrics;  // empty for an empty cluster
  };

  const std::vector<Point>& all() {
    if (!points_.empty()) return points_;
    const auto vs = variants(plan_);
    for (std::size_t v = 0; v < vs.size(); ++v) {
      std::vector<std::size_t> idx(plan_.pools.size(), 0);
      while (true) {
        Point p{v, {}, {}};
        for (std::size_t i = 0; i < idx.size(); ++i)
          p.nodes.push_back(plan_.pools[i].counts[idx[i]]);
        if (std::any_of(p.nodes.begin(), p.nodes.end(), [](std::uint32_t n) { return n > 0; })) {
          const json doc = config_document(plan_, vs[v], p.nodes);
          const std::string h = doc.dump();
          auto it = sims_.find(h);
          if (it == sims_.end()) {
            RunOutput out = run_one(scenario_from_document(doc, "brute force"), cache_);
            it = sims_.emplace(h, out.metrics).first;
          }
          p.metrics = it->second;
        }
        points_.push_back(std::move(p));
        std::size_t d = idx.size();
        bool carry = true;
        while (carry && d > 0) {
          --d;
          if (++idx[d] < plan_.pools[d].counts.size())
            carry = false;
          else
            idx[d] = 0;
        }
        if (carry) break;
      }
    }
    return points_;
  }
  std::size_t simulations() const { return sims_.size(); }

 private:
  const PlanSpec& plan_;
  WorkloadCache cache_;
  std::map<std::string, Metrics> sims_;
  std::vector<Point> points_;
};

// Cheapest point meeting `bound` on `metric` (<=), by cost, then variant, then node counts.
struct Best {
  std::size_t variant;
  std::vector<std::uint32_t> nodes;
  double cost;
};
// cost_mode "formula": price per node-hour x makespan hours; "cost_total": the engine's.
std::optional<Best> cheapest(const std::vector<BruteForce::Point>& pts, const std::string& metric,
                             bool at_most, double bound,
                             const std::vector<std::vector<double>>& price_per_node,
                             const std::string& cost_mode) {
  std::optional<Best> best;
  for (const auto& p : pts) {
    if (p.metrics.empty()) continue;
    const auto x = metric_value(p.metrics, metric);
    if (!x || (at_most ? *x > bound : *x < bound)) continue;
    double rate = 0;
    for (std::size_t i = 0; i < p.nodes.size(); ++i)
      rate += p.nodes[i] * price_per_node[p.variant][i];
    const double cost = cost_mode == "cost_total"
                            ? p.metrics.at("cost_total")
                            : rate * (p.metrics.at("makespan_s") / 3600.0);  // as the plan does
    const bool better =
        !best || cost < best->cost ||
        (cost == best->cost &&
         (p.variant < best->variant || (p.variant == best->variant && p.nodes < best->nodes)));
    if (better) best = Best{p.variant, p.nodes, cost};
  }
  return best;
}

// Picks bounds at quantiles of the metric over the grid, so targets cut the grid in different
// places (and one is unreachable).
std::vector<double> bounds_from(const std::vector<BruteForce::Point>& pts,
                                const std::string& metric) {
  std::vector<double> v;
  for (const auto& p : pts) {
    if (auto x = metric_value(p.metrics, metric)) v.push_back(*x);
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::vector<double> out;
  for (double q : {0.05, 0.3, 0.6, 0.9})
    out.push_back(v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]);
  out.push_back(v.front() / 2 - 1);  // nothing meets it
  return out;
}

void check_against_brute_force(const json& plan_json, const std::string& metric,
                               const std::vector<std::vector<double>>& price_per_node,
                               const std::string& cost_mode = "formula") {
  TempDir tmp;
  const PlanSpec base_plan = parse_plan(plan_json, "plan.json", tmp.path().string());
  BruteForce brute(base_plan);
  const auto& pts = brute.all();
  std::size_t checked_feasible = 0;
  for (double bound : bounds_from(pts, metric)) {
    json pj = plan_json;
    pj["target"] = {{"metric", metric}, {"<=", bound}};
    const PlanSpec plan = parse_plan(pj, "plan.json", tmp.path().string());
    const auto expect = cheapest(pts, metric, true, bound, price_per_node, cost_mode);
    for (unsigned threads : {1U, 2U}) {
      PlanOptions o;
      o.threads = threads;
      const PlanResult r = run_plan(plan, o);
      SCOPED_TRACE(metric + " <= " + std::to_string(bound) + ", threads " +
                   std::to_string(threads));
      ASSERT_EQ(r.answer.has_value(), expect.has_value());
      EXPECT_LT(r.simulations, brute.simulations()) << "the search simulated every point";
      if (!expect) continue;
      ++checked_feasible;
      const Evaluation& a = r.evaluations[*r.answer];
      EXPECT_EQ(a.variant, expect->variant);
      EXPECT_EQ(a.nodes, expect->nodes);
      ASSERT_TRUE(a.cost);
      EXPECT_DOUBLE_EQ(*a.cost, expect->cost);
      EXPECT_EQ(a.cost_source, cost_mode);
      // Margins are met; the neighbours one step cheaper in one pool fail (or cost more).
      for (const Margin& m : r.margins) EXPECT_GE(m.margin, 0) << m.constraint.text();
      for (std::size_t n : r.neighbours) {
        const Evaluation& e = r.evaluations[n];
        EXPECT_TRUE(!e.feasible || (e.cost && *e.cost >= *a.cost));
      }
      EXPECT_EQ(r.grid_points, pts.size());
    }
  }
  EXPECT_GE(checked_feasible, 6U);
}

json two_pool_plan() {
  return {{"name", "test"},
          {"base", test::example_scenario()},
          {"pools",
           {{{"pool", "a100"}, {"nodes", {{"min", 0}, {"max", 6}}}, {"gpu_hour", 2.5}},
            {{"pool", "v100"},
             {"nodes", {0, 1, 2, 3, 4}},
             {"prices",
              {{{"name", "on-demand"}, {"gpu_hour", 1.2}},
               {{"name", "reserved"}, {"gpu_hour", 0.8}}}}}}},
          {"policies", {"fifo", "easy-backfill"}},
          {"target", {{"metric", "wait_s.p95"}, {"<=", 3600}}},
          {"cost", "formula"}};
}

TEST(Plan, EqualsExhaustiveSearchTwoPools) {
  // Variants: policy x V100 price option; per node: A100 8 GPUs x 2.5, V100 4 GPUs x 1.2 / 0.8.
  const std::vector<std::vector<double>> prices = {
      {8 * 2.5, 4 * 1.2}, {8 * 2.5, 4 * 0.8}, {8 * 2.5, 4 * 1.2}, {8 * 2.5, 4 * 0.8}};
  check_against_brute_force(two_pool_plan(), "wait_s.p95", prices);
  check_against_brute_force(two_pool_plan(), "jct_s.mean", prices);
}

TEST(Plan, EqualsExhaustiveSearchWithTheEnginesCost) {
  // The example's pools carry engine prices (A100 on-demand, V100 reserved): "auto" uses the
  // summary's cost_total, and the search must still find the cheapest.
  json pj = {{"name", "engine cost"},
             {"base", test::example_scenario()},
             {"pools",
              {{{"pool", "a100"}, {"nodes", {{"min", 0}, {"max", 6}}}},
               {{"pool", "v100"}, {"nodes", {{"min", 0}, {"max", 4}}}}}},
             {"policies", {"fifo", "easy-backfill"}},
             {"target", {{"metric", "wait_s.p95"}, {"<=", 3600}}}};
  check_against_brute_force(pj, "wait_s.p95", {{0, 0}, {0, 0}}, "cost_total");
}

TEST(Plan, EqualsExhaustiveSearchThreePools) {
  json pj = {{"name", "three"},
             {"base", test::example_scenario()},
             {"pools",
              {{{"pool", "a100"}, {"nodes", {{"min", 0}, {"max", 4}}}, {"gpu_hour", 2.5}},
               {{"pool", "v100"}, {"nodes", {{"min", 0}, {"max", 3}}}, {"gpu_hour", 1.0}},
               {{"pool",
                 {{"name", "a100b"},
                  {"gpu_type", "A100-80"},
                  {"gpus_per_node", 4},
                  {"cpu_cores", 64},
                  {"memory_gib", 512}}},
                {"nodes", {{"min", 0}, {"max", 2}}},
                {"gpu_hour", 2.0}}}},
             {"policies", {"easy-backfill"}},
             {"target", {{"metric", "wait_s.p95"}, {"<=", 3600}}},
             {"cost", "formula"}};
  check_against_brute_force(pj, "wait_s.p95", {{8 * 2.5, 4 * 1.0, 4 * 2.0}});
}

TEST(Plan, ReportsAndOutputs) {
  TempDir tmp;
  json pj = two_pool_plan();
  pj["target"] = json::array(
      {{{"metric", "wait_s.p95"}, {"<=", 10800}}, {{"metric", "completed / jobs"}, {">=", 0.5}}});
  const PlanSpec plan = parse_plan(pj, "plan.json", tmp.path().string());
  const PlanResult r = run_plan(plan, {});
  ASSERT_TRUE(r.answer) << plan_report(plan, r);
  write_plan_outputs(plan, r, (tmp / "out").string());
  for (const char* f : {"plan.json", "plan.md", "evaluations.csv", "answer-scenario.json"})
    EXPECT_TRUE(std::filesystem::exists(tmp / "out" / f)) << f;
  const json out = json::parse(orrery::test::read_text(tmp / "out" / "plan.json"));
  EXPECT_EQ(out["simulations"], r.simulations);
  EXPECT_EQ(out["grid_points"], 7 * 5 * 4);
  EXPECT_EQ(out["answer"]["margins"].size(), 2U);
  EXPECT_EQ(out["cost_source"], "formula");
  // The answer's scenario runs as it is.
  const scenario::Scenario s =
      scenario::load_scenario((tmp / "out" / "answer-scenario.json").string());
  EXPECT_EQ(s.policies.size(), 1U);
  const std::string md = plan_report(plan, r);
  EXPECT_NE(md.find("simulations for 140 configurations"), std::string::npos) << md;
  EXPECT_NE(md.find("## Frontier"), std::string::npos) << md;
}

TEST(Plan, BadPlansListEveryProblem) {
  TempDir tmp;
  json pj = {{"base", test::example_scenario()},
             {"pools",
              {{{"pool", "h200"}, {"nodes", {{"min", 3}, {"max", 1}}}, {"gpu_hour", -1}},
               {{"pool", {{"name", "x"}, {"gpu_type", "A100-80"}, {"gpus_per_node", 8}}},
                {"nodes", {0, 2}}}}},
             {"target", {{"metric", "wait_s.p95"}, {"<", 3}}},
             {"cost", "cheap"}};
  try {
    parse_plan(pj, "plan.json", tmp.path().string());
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    const std::string t = e.what();
    EXPECT_NE(t.find("pools[0].pool: no pool named \"h200\""), std::string::npos) << t;
    EXPECT_NE(t.find("pools[0].nodes: needs whole numbers"), std::string::npos) << t;
    EXPECT_NE(t.find("pools[0].gpu_hour: must be a number >= 0"), std::string::npos) << t;
    EXPECT_NE(t.find("pools[1]: needs a price"), std::string::npos) << t;
    EXPECT_NE(t.find("target[0]: needs exactly one of \"<=\" or \">=\""), std::string::npos) << t;
    EXPECT_NE(t.find("cost: must be"), std::string::npos) << t;
  }
  // A metric the summary does not have is named with the ones it has.
  json pm = two_pool_plan();
  pm["target"] = {{"metric", "wait_s.p97"}, {"<=", 3}};
  const PlanSpec plan = parse_plan(pm, "plan.json", tmp.path().string());
  try {
    run_plan(plan, {});
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("wait_s.p95"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace orrery::plan
