// Opening one run of a sweep database as a scenario the GUI can run again.
//
// A sweep database keeps, per run, its parameters, summary and metrics (and per-job rows only
// with `orrery sweep --per-job`; never the time series or placements the results views draw),
// plus the sweep's canonical spec: the base scenario with each input file replaced by its
// content hash, and the axes. A run is rebuilt from that: the files are found again (their
// contents must hash to the recorded values, which the spec fingerprint checks), the run's
// parameters are applied by plan::run_document, and the document is loaded and validated as
// `orrery simulate` loads a scenario. Runs are deterministic, so running it again is that run;
// the stored schedule fingerprint says whether it came out the same.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orrery/reports/results.hpp"
#include "orrery/scenario/scenario.hpp"

namespace orrery::gui {

// An input file the sweep's spec names by content.
struct StoredInput {
  std::string field;   // where in the base scenario: "workload.trace", "cluster.import", ...
  std::string sha256;  // hex digest of the file's contents
};

// The files a sweep's canonical spec needs found again, in a fixed order.
std::vector<StoredInput> stored_inputs(const nlohmann::json& spec);

// Whether the file at `path` has the given contents hash (false when it cannot be read).
bool has_contents(const std::string& path, const std::string& sha256);

// Run `run` (index into sweep.runs) as a one-policy scenario. `files` maps each StoredInput's
// field to the file found for it. Throws sim::InputError naming `db_path` and the run: a file
// not given, files whose contents differ from the sweep's (fingerprint), a spec or parameters
// that do not apply, or a scenario that does not validate.
scenario::Scenario sweep_run_scenario(const reports::SweepData& sweep, std::size_t run,
                                      const std::map<std::string, std::string>& files,
                                      const std::string& db_path);

// "run 3 (a100_nodes=4, policy=sjf)".
std::string sweep_run_title(const reports::SweepData& sweep, std::size_t run);

}  // namespace orrery::gui
