// The simulator's model of a live scheduler, its replay of an observed run, and the comparison.
//
// ModelParams are what calibration fits: the scheduler's decision tick (period and phase: Slurm
// decides on ~1 s ticks of its main and backfill loops), the launch latency (allocation ->
// job script start) and completion latency (script end -> resources freed), the placement, and
// a speed per GPU type for jobs that declare work. The policy is `slurm` once registered (with
// parameters from slurm.conf), else `easy-backfill` on the engine's scheduler_interval tick.
//
// Until the engine offers a tick phase, replay() sets it with a zero-resource marker job whose
// arrival fixes the engine's tick origin; the marker is removed from the result. Launch and
// completion latency use the engine's Overheads when it has them (checked at run time), and are
// otherwise added to every job's duration (the same timing for start and end as observed).
//
//   ModelParams m = default_model(conf);
//   sim::RunResult r = replay(cluster, observed, m);
//   Errors e = compare(observed, r, cluster_gpus);
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "orrery/calibrate/slurm_conf.hpp"
#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"
#include "orrery/sim/result.hpp"

namespace orrery::calibrate {

struct ModelParams {
  std::string policy = "easy-backfill";
  nlohmann::json policy_params = nlohmann::json::object();
  std::string placement = "pack";
  double tick_s = 1.0;   // the engine's scheduler_interval; 0 = decide at once
  double phase_s = 0.0;  // ticks at phase + k * tick (seconds since the first submission)
  double launch_latency_s = 0;
  double completion_latency_s = 0;
  std::map<std::string, double> gpu_speed;  // GPU type -> reference work per second (1 = as traced)

  nlohmann::json to_json() const;
  static ModelParams from_json(const nlohmann::json& j, const std::string& where);
};

// The model slurm.conf implies before any fitting: tick = the backfill interval (the loop that
// starts most jobs with the low-latency settings), phase 0, no latencies, `slurm` when
// registered (else easy-backfill), pack placement.
ModelParams default_model(const SlurmConf& conf, const std::string& policy_choice = "auto");
// Parameters for the `slurm` policy from slurm.conf and the model, keeping only keys the
// registered policy accepts (unknown keys are dropped and listed in `dropped`).
nlohmann::json slurm_policy_params(const SlurmConf& conf, const ModelParams& m,
                                   std::vector<std::string>* dropped = nullptr);

struct ReplayOptions {
  double sample_interval_s = 1.0;
  std::uint64_t seed = 1;
};

// Replays the observed workload's submissions (submit, duration, walltime, demand) on the
// cluster under the model. The result's jobs are in the workload's order.
sim::RunResult replay(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                      const ModelParams& model, const ReplayOptions& options = {});
// Does the engine apply launch/completion latency itself? (Checked once by a one-job run.)
bool engine_has_overheads();

struct Errors {
  std::size_t jobs = 0;  // jobs with an observed and a simulated start
  double start_abs_median_s = 0, start_abs_p95_s = 0, start_abs_mean_s = 0;
  double wait_abs_median_s = 0, wait_abs_p95_s = 0;
  double jct_abs_median_s = 0, jct_abs_p95_s = 0;
  double start_median_rel_makespan = 0;  // median |start error| / observed makespan
  double kendall_tau = 0;                // start order, tau-b
  double makespan_observed_s = 0, makespan_simulated_s = 0, makespan_rel_error = 0;
  double utilization_mae_gpus = 0;      // mean |allocated GPUs observed - simulated|
  double utilization_mae_fraction = 0;  // the same over the cluster's GPUs
  double objective = 0;                 // what fitting minimises (see docs/calibration.md)
  nlohmann::json to_json() const;
};

struct JobComparison {
  std::string id;
  double submit_s = 0;
  double gpus = 0;
  std::optional<double> observed_start_s, observed_end_s, simulated_start_s, simulated_end_s;
  std::string observed_nodes;                     // Slurm's hostlist, as recorded
  std::vector<std::uint32_t> simulated_node_ids;  // the model's nodes (cluster indices), ascending
};

// Nodes by name ("n1,n3"): `names` lists the cluster's nodes by index; an index past it is
// written "#index".
std::string node_names(const std::vector<std::string>& names,
                       const std::vector<std::uint32_t>& ids);

// Whether the model put the job on exactly the nodes the scheduler allocated: the observed
// list (a Slurm hostlist, "n[1-2],n4") expanded against `names[simulated id]`; false when
// either is unknown or the list is malformed.
bool same_nodes(const std::vector<std::string>& names, const JobComparison& job);

// Of the jobs with an observed node list, how many two models (`a`, `b`: job_comparisons of
// the same workload) put on exactly those nodes.
struct NodeAgreement {
  std::size_t known = 0, same_a = 0, same_b = 0;
};
NodeAgreement node_agreement(const std::vector<std::string>& names,
                             const std::vector<JobComparison>& a,
                             const std::vector<JobComparison>& b);

std::vector<JobComparison> job_comparisons(const sim::Workload& observed,
                                           const sim::RunResult& simulated);
Errors compare(const sim::Workload& observed, const sim::RunResult& simulated,
               std::uint32_t cluster_gpus);

// Kendall's tau-b between two equally long sequences.
double kendall_tau(const std::vector<double>& a, const std::vector<double>& b);
// Allocated GPUs over time on a grid of `step_s`, from [start, end) intervals with GPU counts.
struct UtilizationCurve {
  double step_s = 1;
  std::vector<double> gpus;  // gpus[k]: mean allocated GPUs over [k*step, (k+1)*step)
};
UtilizationCurve utilization_curve(const std::vector<JobComparison>& jobs, bool simulated,
                                   double step_s, double horizon_s);

}  // namespace orrery::calibrate
