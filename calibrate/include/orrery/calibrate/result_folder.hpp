// The calibration result folder: what a calibration run saw, what the simulator made of it
// before and after fitting, and how far apart they are, for reports and the GUI.
//
//   OUT/calibration.json        summary: command, cluster, slice and its distortion, policy, the
//                               headline errors before/after, the figures
//   OUT/observed.csv            the observed trace (native format, observed_start_s/_end_s)
//   OUT/observed_jobs.csv       per job: scheduler job id, node list, state, ms times, sources
//   OUT/simulated/before/       the replay before fitting, as `orrery simulate` writes a run
//   OUT/simulated/after/        the replay with the fitted profile
//   OUT/comparison.csv          per job: observed vs simulated start/end, before and after
//   OUT/utilization.csv         allocated GPUs per second: observed, before, after
//   OUT/errors.json             every error figure before and after fitting, and the estimates
//   OUT/profile.json            the fitted calibration profile
//   OUT/capture/                raw records of this run's jobs (squeue JSON, jobcomp lines,
//                               slurmctld.log lines, or redacted kubectl JSON)
//
//   write_result_folder(out, inputs);
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "orrery/calibrate/fit.hpp"
#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::calibrate {

struct ObservedJobRow {
  std::string id;
  std::string scheduler_id;  // Slurm job id or pod name
  std::string nodes;
  std::string state;
  std::string start_source;
  std::optional<double> script_start_s, script_end_s;  // relative to t = 0
};

struct ResultInputs {
  std::string kind;  // "slurm" or "k8s"
  sim::ClusterSpec cluster;
  sim::Workload observed;
  std::vector<ObservedJobRow> observed_rows;  // same order as observed.jobs (may be empty)
  std::vector<std::string> node_names;        // the cluster's nodes by index (may be empty)
  FitReport fit;
  CalibrationProfile profile;
  nlohmann::json summary = nlohmann::json::object();          // merged into calibration.json
  std::vector<std::pair<std::string, std::string>> captures;  // file name -> content
};

void write_result_folder(const std::string& dir, const ResultInputs& in);

// The headline figures of one Errors as a short table (for the terminal).
std::string errors_table(const Errors& before, const Errors& after,
                         const std::string& before_title = "before fit",
                         const std::string& after_title = "after fit");

}  // namespace orrery::calibrate
