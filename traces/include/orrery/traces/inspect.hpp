// Statistics of a workload, for `orrery trace inspect` and the GUI: size, time span, GPU demand,
// duration and inter-arrival quantiles, arrivals by hour of day and day of week, users and
// queues, observed outcomes; checked against a cluster: peak concurrent GPU demand versus
// capacity, jobs that can never fit, GPU types the cluster lacks.
//
// Clock: hour of day and day of week read the trace's own clock with t = 0 as Monday 00:00.
// The export importers (Slurm, Kubernetes) set t = 0 so; for traces with relative times (Philly,
// Helios, Tiresias) the labels are relative to the first submission's day.
//
//   TraceStats s = inspect_workload(workload, &cluster);
//   write_stats_text(s, std::cout);
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::traces {

// Quantiles by linear interpolation between order statistics (R type 7, numpy's default):
// q(p) = x[floor(h)] + (h - floor(h)) (x[floor(h)+1] - x[floor(h)]) with h = (n - 1) p.
struct Quantiles {
  std::uint64_t n = 0;
  double mean = 0, min = 0, p10 = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0, p99 = 0, max = 0;
};
// Quantiles of `values` (sorted in place).
Quantiles quantiles(std::vector<double>& values);

struct NamedCount {
  std::string name;
  std::uint64_t jobs = 0;
};

// Jobs whose total GPU demand (tasks x GPUs per task) falls in (lo, hi]; the first buckets are
// exactly 0, (0, 1) and exactly 1, then powers of two: 2, 3-4, 5-8, 9-16, ...
struct GpuBucket {
  std::string label;
  double lo = 0, hi = 0;
  std::uint64_t jobs = 0;
  double gpu_hours = 0;
};

struct ClusterCheck {
  std::string name;
  std::uint64_t capacity_gpus = 0;
  // Peak of the GPUs held by running jobs, from observed start and end times (jobs without
  // both are left out: observed_jobs says how many were used).
  std::uint64_t observed_jobs = 0;
  std::optional<double> peak_observed_gpus;
  double peak_observed_at_s = 0;
  // Peak if every job ran from its submission for its duration (the offered load).
  double peak_offered_gpus = 0;
  double peak_offered_at_s = 0;
  std::uint64_t never_fit = 0;                  // jobs that cannot be placed on the empty cluster
  std::vector<std::string> never_fit_examples;  // up to 10 job ids
  std::vector<NamedCount> missing_gpu_types;    // GPU types asked for that the cluster lacks
};

struct TraceStats {
  std::string source;
  std::uint64_t jobs = 0;
  double first_submit_s = 0, last_submit_s = 0;
  double span_s = 0;                     // last submission - first submission
  std::optional<double> last_end_s;      // latest observed end, if any
  double gpu_hours = 0;                  // sum of tasks x GPUs x duration
  std::uint64_t gpu_jobs = 0;            // jobs with a GPU demand
  std::vector<GpuBucket> gpu_histogram;  // total GPUs per job
  Quantiles duration_s, interarrival_s;
  std::optional<Quantiles> wait_s;  // observed start - submit, for jobs with an observed start
  std::array<std::uint64_t, 24> by_hour{};
  std::array<std::uint64_t, 7> by_weekday{};      // Monday first
  std::uint64_t users = 0, queues = 0;            // distinct non-empty names
  std::vector<NamedCount> top_users, top_queues;  // up to 10 each, most jobs first
  std::uint64_t with_status = 0;                  // jobs with an observed status
  std::map<std::string, std::uint64_t> status_counts;
  std::optional<double> failed_share;   // failed / jobs with an observed status
  std::optional<double> killed_share;   // killed / jobs with an observed status
  std::optional<double> timeout_share;  // killed at their time limit (Slurm TIMEOUT) / the same
  std::optional<ClusterCheck> cluster;
};

TraceStats inspect_workload(const sim::Workload& w, const sim::ClusterSpec* cluster = nullptr);
void write_stats_text(const TraceStats& s, std::ostream& out);
nlohmann::json stats_to_json(const TraceStats& s);
void write_stats_json(const TraceStats& s, std::ostream& out);  // stats_to_json, indented

}  // namespace orrery::traces
