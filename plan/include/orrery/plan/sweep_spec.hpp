// Sweep specs: a base scenario and axes of values, expanded into runs (docs/sweeps.md).
//
//   {"name": "capacity-vs-policy",
//    "base": "scenario.json",
//    "mode": "product",                                   // or "zip": all axes advance together
//    "axes": [
//      {"name": "a100_nodes", "path": "cluster.pools[0].nodes", "values": [4, 6, 8]},
//      {"name": "v100_nodes", "path": "cluster.pools[name=v100].nodes",
//       "range": {"from": 2, "to": 8, "step": 2}},
//      {"policy": ["fifo", {"name": "easy-backfill", "params": {}}]},
//      {"name": "load", "transform": "scale_load", "values": [0.8, 1.0, 1.2]},
//      {"zip": [{"name": "gpu", "path": "cluster.pools[0].gpu_type", "values": ["A100-80",
//      "H100"]},
//               {"name": "gpn", "path": "cluster.pools[0].gpus_per_node", "values": [8, 4]}]},
//      {"name": "seed", "path": "seed", "values": [1, 2, 3]}]}
//
// Each element of "axes" is one dimension of the product (a "zip" element is one dimension whose
// members advance together). Runs are numbered in nested-loop order, the last axis fastest. A
// run's parameters are {axis name: value}; its key is a stable hash of them. When no axis sets
// the policy and the base scenario lists several, an implicit "policy" axis runs each of them.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orrery/plan/json_path.hpp"

namespace orrery::plan {

struct Axis {
  enum class Kind { kPath, kPolicy, kTransform };
  std::string name;
  Kind kind = Kind::kPath;
  JsonPath path;              // kPath
  std::string transform;      // kTransform: the transform type (scale_load, ...)
  std::string transform_key;  // kTransform: the key the value goes to ("factor")
  std::vector<nlohmann::json> values;
  std::size_t group = 0;  // axes of one zip group share it
};

struct SweepSpec {
  std::string path;  // spec file ("" when built in memory)
  std::string name;
  std::string base_path;  // the base scenario file
  nlohmann::json base;    // resolve_scenario_document(base_path)
  std::string mode = "product";
  std::vector<Axis> axes;
  std::vector<std::size_t> group_sizes;  // values per group (dimension)
  bool implicit_policy_axis = false;
  nlohmann::json canonical;  // what the fingerprint covers (content, not paths)
  std::string fingerprint;   // stable_hash(canonical)

  std::size_t run_count() const;
};

struct RunPlan {
  std::size_t index = 0;
  std::string key;                                   // stable_hash({"params": params})
  nlohmann::json params = nlohmann::json::object();  // axis name -> value
};

// Loads and validates a spec file (every problem with its JSON path). Relative paths (the base
// scenario) resolve against the spec's folder. Throws sim::InputError.
SweepSpec load_sweep_spec(const std::string& path);
// The same for a spec already parsed; `where` names it in problems; `dir` resolves "base".
SweepSpec parse_sweep_spec(const nlohmann::json& j, const std::string& where,
                           const std::string& dir);

// The spec a results database records (meta "spec": SweepSpec::canonical) made usable again,
// with `base` as the base document: the canonical base has each input file replaced by its
// content hash ("sha256:..."), so the caller passes it with those files found again (absolute
// paths). The fingerprint is recomputed from `base`: it equals the database's exactly when the
// files found have the recorded contents. Throws sim::InputError naming `where`.
SweepSpec sweep_spec_from_canonical(const nlohmann::json& canonical, nlohmann::json base,
                                    const std::string& where);

RunPlan run_at(const SweepSpec& spec, std::size_t index);
// The base document with the run's values applied (throws PathError when a path does not fit).
nlohmann::json run_document(const SweepSpec& spec, const RunPlan& run);
// "a100_nodes=4, policy=fifo": a run's parameters for messages and tables.
std::string describe_params(const nlohmann::json& params);
// A parameter value as a short text: strings bare, other values as compact JSON; a policy
// object {"name": "x", ...} as its name followed by its params.
std::string value_text(const nlohmann::json& v);

}  // namespace orrery::plan
