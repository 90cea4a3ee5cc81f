// Scenarios: what to simulate (cluster, workload, policies, placement, seed, options), loaded
// from JSON and validated with every problem listed at once with its JSON path.
//
//   Scenario s = load_scenario("examples/scenario.json");      // throws sim::InputError
//   std::vector<PolicyRun> runs = run_scenario(s, {});         // one run per policy
//   write_run(runs[0], s, "out/fifo");
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/sim/result.hpp"
#include "orrery/sim/runtime_model.hpp"
#include "orrery/sim/simulation.hpp"
#include "orrery/traces/trace_format.hpp"
#include "orrery/traces/transform.hpp"

namespace orrery::scenario {

struct PolicyChoice {
  std::string name;
  nlohmann::json params = nlohmann::json::object();
};

struct Scenario {
  std::string name;
  std::string path;  // file it came from (empty when built from flags)
  sim::ClusterSpec cluster;
  std::string cluster_source;  // file path or "inline"
  std::string trace_path;
  std::string trace_format = "auto";
  bool strict = false;
  std::vector<traces::Transform> transforms;  // workload.transforms, applied after import
  std::vector<PolicyChoice> policies;
  std::string placement = "pack";
  sim::SimulationOptions options = default_options();
  std::string calibration_path;  // "calibration": a profile from `orrery calibrate`, or empty
  // "model" (throughput table, topology, sharing; docs/runtime-model.md) or "observed" (every
  // job runs its trace duration wherever it is placed).
  std::string runtime_model = "model";
  sim::RuntimeModelParams runtime;

  // The scenario layer's documented defaults: checkpoint costs and interval (engine defaults
  // are all zero).
  static sim::SimulationOptions default_options();
};

// The runtime model a scenario asks for, built for one run over `workload`.
std::unique_ptr<sim::RuntimeModel> make_runtime(const Scenario& s, const sim::Workload& workload);

// Parse a cluster object; `where` prefixes every problem ("cluster.json" or "scenario.json:
// cluster").
sim::ClusterSpec parse_cluster(const nlohmann::json& j, const std::string& where,
                               sim::Problems& problems);
sim::ClusterSpec load_cluster(const std::string& path);
// Loads and validates; relative paths resolve against the scenario file's folder.
Scenario load_scenario(const std::string& path);
// Validates a scenario assembled from flags (policies and placement known, files exist).
void validate(const Scenario& s, sim::Problems& problems);
nlohmann::json json_read_file(const std::string& path);  // throws InputError with line/column

struct PolicyRun {
  PolicyChoice policy;
  sim::RunResult result;
};

struct RunContext {
  sim::Workload workload;
  traces::ImportReport import;
};

// Imports the scenario's trace.
RunContext load_workload(const Scenario& s);

// Progress over all runs of a scenario: done jobs summed over runs.
using ScenarioProgress = std::function<void(std::uint64_t jobs_done, std::uint64_t jobs_total)>;

// Runs every policy of the scenario (in parallel, up to `threads`; 0 = hardware threads).
std::vector<PolicyRun> run_scenario(const Scenario& s, const RunContext& ctx, unsigned threads = 0,
                                    const ScenarioProgress& progress = {},
                                    std::stop_token stop = {});

// Writes jobs.csv, timeseries.csv, summary.json and manifest.json into `dir` (created).
void write_run(const PolicyRun& run, const Scenario& s, const RunContext& ctx,
               const std::string& dir);
nlohmann::json summary_json(const sim::Summary& s, const sim::Manifest& m);
nlohmann::json scenario_json(const Scenario& s);

// Writes `content` to `path` through a temporary file and a rename, so a reader never sees a
// half-written file; reports a failed write (disk full) as an error naming the file.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace orrery::scenario
