// Fitting the model's parameters to an observed run, and the calibration profile that carries
// them to `simulate` (scenario key "calibration") and later to `sweep` and `plan`.
//
// Fitting has two steps (docs/calibration.md):
//  1. direct estimates by linear least squares (Eigen): the backfill loop's tick period and phase
//     from the times it started jobs (t_i = phase + k_i * period), and the run-length model
//     end - start = overhead + work / speed_type from every job (one speed per GPU type), with
//     launch and completion latency split by the job scripts' own stamps where present;
//  2. a bounded coordinate search around those estimates (tick period, phase, completion
//     latency, launch latency unless the job stamps measured it, placement) that replays the run
//     in the simulator and keeps what lowers the objective (mean absolute start error + mean
//     absolute JCT error), starting from the best of the estimates, groups of them, the run's
//     own loops (with_run_loops) and the initial model.
//
//   FitReport f = fit_model(cluster, observed, &live, default_model(conf));
//   CalibrationProfile p = make_profile(f, source);  p.save("profile.json");
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "orrery/calibrate/model.hpp"
#include "orrery/calibrate/slurm_driver.hpp"
#include "orrery/sim/simulation.hpp"

namespace orrery::calibrate {

struct FitOptions {
  bool tick = true;
  bool phase = true;
  bool latency = true;
  bool placement = true;
  bool speed = true;
  int rounds = 3;
};

struct FitReport {
  ModelParams before, after;
  Errors errors_before, errors_after;
  nlohmann::json estimates;  // the least-squares estimates and their residuals
  std::size_t evaluations = 0;
};

struct TickEstimate {
  double period_s = 0, phase_s = 0;  // phase relative to the origin passed in
  double rms_residual_s = 0;
  std::size_t points = 0;
};
// Least-squares fit of t_i = phase + k_i * period to event times (seconds from the origin),
// starting from `guess_period_s`. Fewer than 3 points: period = guess, phase from the mean.
TickEstimate estimate_tick(const std::vector<double>& times_s, double guess_period_s);

// Least-squares fit of run length = overhead + sum_t work * [type = t] / speed_t.
struct RunLengthEstimate {
  double overhead_s = 0;
  std::map<std::string, double> speed;  // per GPU type
  double rms_residual_s = 0;
  std::size_t points = 0;
};
RunLengthEstimate estimate_run_length(const sim::Workload& observed);

// Launch and completion latency as the job scripts' own stamps measured them on a live run:
// the medians of `script start - allocation` and `controller's completion - script end` over
// the jobs stamped. Set only where at least 3 jobs have both stamps (`jobs`: the jobs whose
// script start was stamped).
// Both depend on how busy the machine was (docs/calibration.md).
struct StampLatencies {
  std::optional<double> launch_s, completion_s;
  std::size_t jobs = 0;
};
StampLatencies latencies_from_stamps(const LiveRun& live);

FitReport fit_model(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                    const LiveRun* live, const ModelParams& initial,
                    const FitOptions& options = {});

struct CalibrationProfile {
  ModelParams model;
  Errors errors_before, errors_after;
  nlohmann::json source = nlohmann::json::object();  // what it was fitted on
  std::string created;                               // ISO 8601 UTC

  nlohmann::json to_json() const;
  static CalibrationProfile from_json(const nlohmann::json& j, const std::string& where);
  static CalibrationProfile load(const std::string& path);
  void save(const std::string& path) const;
  // Sets the SimulationOptions fields the profile maps to (scheduler_interval; launch and
  // completion latency where the engine has them). Returns the fields it could not map.
  std::vector<std::string> apply(sim::SimulationOptions& options) const;
};

CalibrationProfile make_profile(const FitReport& fit, nlohmann::json source);

}  // namespace orrery::calibrate
