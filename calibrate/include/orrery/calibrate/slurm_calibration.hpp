// One Slurm calibration from start to end: (start a local cluster,) read its slurm.conf, plan a
// trace slice, run it live, build the observed trace, replay it in the simulator, fit, and write
// the result folder. `orrery calibrate slurm` and the end-to-end test call this.
//
//   SlurmCalibrationOptions o;
//   o.local = parse_local_spec("4:8:a100");
//   o.trace = ".../philly_data_training.csv"; o.slice.jobs = 100; o.slice.compress = 60;
//   o.out_dir = "calib-out";
//   SlurmCalibration c = calibrate_slurm(o);   // c.fit.errors_after.start_abs_median_s
#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "orrery/calibrate/fit.hpp"
#include "orrery/calibrate/local_slurm.hpp"
#include "orrery/calibrate/slurm_conf.hpp"
#include "orrery/calibrate/slurm_driver.hpp"
#include "orrery/calibrate/workload_slice.hpp"

namespace orrery::calibrate {

struct SlurmCalibrationOptions {
  std::optional<LocalSlurmOptions> local;  // start (and stop) a local cluster for the run
  std::string slurm_conf;                  // else: this file, else $SLURM_CONF
  std::string partition;                   // default: the default partition
  std::string trace;
  std::string format = "auto";
  SliceOptions slice;
  std::string policy = "auto";  // auto: slurm when registered, else easy-backfill
  bool fit = true;
  std::string out_dir;   // result folder (empty: none written)
  std::string work_dir;  // job script and outputs (default: OUT/live, or the local cluster's)
  std::string command_line;
  std::function<void(const std::string&)> log;
  std::stop_token stop;
};

struct SlurmCalibration {
  SlurmConf conf;
  sim::ClusterSpec cluster;
  SlicePlan plan;
  LiveRun live;
  sim::Workload observed;
  FitReport fit;
  CalibrationProfile profile;
  std::string policy_note;  // which policy and why
  // Jobs with a node list from Slurm, and of those the ones each model (before and after the
  // fit) put on exactly Slurm's nodes.
  std::size_t nodes_known = 0, nodes_same_before = 0, nodes_same_after = 0;
  std::vector<int> stopped_pids;  // the local cluster's processes that stop() ended
};

// Throws sim::InputError for bad input, LocalSlurmError when the local cluster cannot start.
// A live run that stopped early (cluster died, interrupted) still returns, with live.error set
// and the result folder written from what was captured.
SlurmCalibration calibrate_slurm(const SlurmCalibrationOptions& options);

// Errors of a profile's model on an observed run (for checking a profile on another slice).
Errors evaluate_model(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                      const ModelParams& model);

}  // namespace orrery::calibrate
