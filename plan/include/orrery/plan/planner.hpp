// Capacity planning: the cheapest pool configuration that meets a target (docs/sweeps.md).
//
//   {"name": "example capacity",
//    "base": "scenario.json",                       // workload, options, topology
//    "pools": [
//      {"pool": "a100", "nodes": {"min": 0, "max": 8}, "gpu_hour": 3.0},
//      {"pool": {"name": "h100", "gpu_type": "H100", "gpus_per_node": 8}, "nodes": [0, 2, 4, 8],
//       "prices": [{"name": "on-demand", "gpu_hour": 6.0}, {"name": "reserved",
//       "gpu_hour": 4.1}]}],
//    "policies": ["fifo", "easy-backfill"],         // each searched separately (default: base's)
//    "placements": ["pack"],                        // (default: the base's)
//    "target": [{"metric": "wait_s.p95", "<=": 3600}, {"metric": "completed / jobs", ">=": 0.99}],
//    "cost": "auto"}                                // auto | formula | cost_total
//
// A configuration is a node count per candidate pool (0 leaves the pool out), for one policy,
// placement and price option per pool (a "variant"). Cost: the engine's `cost_total` when the
// summary has it (auto), else sum over pools of nodes x GPUs per node x price per GPU-hour (plus
// nodes x price per node-hour) x makespan hours.
//
// Search, per variant: more capacity never makes the target harder to meet (feasibility is
// monotone in the node counts), and never lengthens the makespan. So: simulate the largest
// configuration (if it fails, no configuration of the variant meets the target; its makespan is
// a lower bound for every other one); enumerate the counts of all pools but the last, and for
// each bisect the smallest count of the last pool that meets the target, reusing every earlier
// answer by dominance (a failing configuration fails below it, a passing one passes above it);
// skip what cannot be cheaper than the best so far (rate x the makespan bound). The answer is
// exact under those two monotonicity assumptions; --exhaustive checks every point instead.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "orrery/plan/metrics.hpp"

namespace orrery::plan {

struct PriceOption {
  std::string name;
  double gpu_hour = 0;   // per GPU-hour
  double node_hour = 0;  // per node-hour
  nlohmann::json price;  // copied into the pool as "price" (the engine's cost model), if set
};

struct CandidatePool {
  std::string name;
  nlohmann::json pool;  // the pool object (without "nodes")
  std::uint32_t gpus_per_node = 0;
  std::vector<std::uint32_t> counts;  // ascending, distinct
  std::vector<PriceOption> prices;    // at least one
};

struct Constraint {
  std::string metric;   // a metric name or "A / B"
  bool at_most = true;  // <= (else >=)
  double bound = 0;
  std::string text() const;  // "wait_s.p95 <= 3600"
};

struct PlanSpec {
  std::string path;
  std::string name;
  std::string base_path;
  nlohmann::json base;  // resolve_scenario_document(base_path)
  std::vector<CandidatePool> pools;
  std::vector<nlohmann::json> policies;  // names or {"name", "params"}
  std::vector<std::string> placements;
  std::vector<Constraint> target;
  std::string cost = "auto";  // auto | formula | cost_total
};

PlanSpec load_plan(const std::string& path);  // throws sim::InputError (every problem)
PlanSpec parse_plan(const nlohmann::json& j, const std::string& where, const std::string& dir);

// One policy, placement and price option per pool.
struct Variant {
  std::size_t policy = 0, placement = 0;
  std::vector<std::size_t> price;  // per pool
};
std::vector<Variant> variants(const PlanSpec& plan);
std::string describe_variant(const PlanSpec& plan, const Variant& v);

// The scenario document of one configuration: the base with the candidate pools at `nodes`
// (pools at 0 left out), the variant's policy, placement and price objects.
nlohmann::json config_document(const PlanSpec& plan, const Variant& v,
                               const std::vector<std::uint32_t>& nodes);
// Price per hour of a configuration (GPU-hours and node-hours at the variant's prices).
double hourly_rate(const PlanSpec& plan, const Variant& v, const std::vector<std::uint32_t>& nodes);

struct Evaluation {
  std::size_t variant = 0;
  std::vector<std::uint32_t> nodes;
  bool feasible = false;
  bool simulated = false;      // false: known by dominance, never run
  bool empty_cluster = false;  // every count 0: fails without running
  std::optional<double> cost;  // when simulated
  std::string cost_source;     // "formula" or "cost_total"
  Metrics metrics;             // when simulated
  std::string doc_hash;
  std::vector<std::string> violated;  // constraints that fail (when simulated)
};

struct Margin {
  Constraint constraint;
  double value = 0;
  double margin = 0;    // bound - value for <=, value - bound for >= (>= 0 when met)
  double relative = 0;  // margin / |bound| (0 when the bound is 0)
};

struct PlanOptions {
  unsigned threads = 0;     // simulations at once (0: all cores); >1 searches k-ary
  bool exhaustive = false;  // simulate every configuration (for checking the search)
  std::function<void(const std::string&)> log;
  std::stop_token stop;
};

struct VariantOutcome {
  Variant variant;
  bool feasible_at_max = false;
  std::optional<std::size_t> best;    // index into PlanResult::evaluations
  std::vector<std::size_t> frontier;  // minimal passing configurations found (indices)
  double makespan_bound_h = 0;
};

struct PlanResult {
  std::vector<Evaluation> evaluations;  // every configuration looked at, in order
  std::vector<VariantOutcome> variants;
  std::optional<std::size_t> answer;      // index into evaluations
  std::vector<Margin> margins;            // of the answer
  std::vector<std::size_t> neighbours;    // one step cheaper in one pool (they fail)
  std::vector<std::size_t> alternatives;  // other minimal passing configurations, by cost
  std::size_t simulations = 0;            // distinct scenarios simulated
  std::size_t grid_points = 0;            // configurations x variants
  std::size_t distinct_grid_points = 0;   // configurations x variants that differ as scenarios
  std::string cost_source;                // "formula", "cost_total" or "mixed"
  bool cancelled = false;
  double wall_s = 0;
};

PlanResult run_plan(const PlanSpec& plan, const PlanOptions& options = {});

// Writes plan.json, evaluations.csv, plan.md and (when found) answer-scenario.json into `dir`.
void write_plan_outputs(const PlanSpec& plan, const PlanResult& result, const std::string& dir);
// The human-readable report (plan.md), also printed by `orrery plan`.
std::string plan_report(const PlanSpec& plan, const PlanResult& result);

}  // namespace orrery::plan
