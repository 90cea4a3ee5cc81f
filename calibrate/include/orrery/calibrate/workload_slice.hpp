// A slice of a real trace, mapped onto a (small) live cluster and compressed in time: the plan
// of what a calibration run submits.
//
// Slice: jobs in submit order, after skipping `skip` jobs, inside an optional trace-time window
// [from_s, to_s), at most `jobs` of them. Mapping onto the cluster's shape: a job's GPUs (tasks x
// GPUs per task, a fractional share counting as one GPU) are capped at the cluster's total;
// up to one node's worth runs as one task on one node, more runs on whole nodes
// (ceil(GPUs / GPUs-per-node) nodes of GPUs-per-node GPUs each), so the simulator and Slurm see
// the same node count. GPU-less jobs are dropped. Time: arrivals and durations are divided by
// `compress`; durations are then kept within [min_duration_s, max_duration_s]. Every change is
// counted in the Distortion report, as is any second with more arrivals than the advised rate.
//
//   SlicePlan plan = plan_slice(workload, {.jobs = 120, .compress = 60}, shape);
//   plan.jobs[0].sleep_s;   // what the live job sleeps
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orrery/sim/job.hpp"

namespace orrery::calibrate {

struct SliceOptions {
  std::uint64_t skip = 0;
  std::optional<std::uint64_t> jobs{};
  std::optional<double> from_s{}, to_s{};  // trace seconds since the trace's first submit
  double compress = 1.0;
  double min_duration_s = 30.0;            // after compression
  std::optional<double> max_duration_s{};  // after compression
  double limit_margin_s = 10.0;            // time limit = ceil((sleep + margin) / 60) minutes
  double max_arrivals_per_s = 5.0;         // the advised ceiling; exceeding it is reported
};

struct ClusterShape {
  std::uint32_t nodes = 1;
  std::uint32_t gpus_per_node = 8;
  std::string gpu_type{};  // as Slurm names it (the GRES type); empty: untyped requests
  std::string partition{};
};

struct PlannedJob {
  std::string trace_id;
  std::string name;      // sanitised Slurm job name
  double arrival_s = 0;  // since the run's start (compressed)
  double sleep_s = 0;    // compressed duration the job sleeps
  std::uint32_t nodes = 1;
  std::uint32_t gpus_per_node = 1;
  std::uint32_t time_limit_min = 1;
  double trace_submit_s = 0;
  double trace_duration_s = 0;
  double trace_gpus = 0;
  std::string user;
};

struct Distortion {
  std::uint64_t trace_jobs_seen = 0;
  std::uint64_t dropped_no_gpu = 0;
  std::uint64_t gpus_capped = 0;        // asked for more GPUs than the cluster has
  std::uint64_t rounded_to_nodes = 0;   // GPU count rounded up to whole nodes
  std::uint64_t raised_to_min = 0;      // compressed duration below min_duration_s
  std::uint64_t cut_to_max = 0;         // compressed duration above max_duration_s
  double busiest_second_arrivals = 0;   // most arrivals within one second
  std::uint64_t seconds_over_rate = 0;  // seconds with more than max_arrivals_per_s arrivals
  double trace_span_s = 0;              // first to last submit of the slice, trace time
  double planned_span_s = 0;            // same, compressed
  double total_gpu_seconds = 0;         // planned GPU x sleep
  std::vector<std::string> notes;       // human-readable lines
};

struct SlicePlan {
  std::string source;
  SliceOptions options;
  ClusterShape shape;
  std::vector<PlannedJob> jobs;
  Distortion distortion;
};

// Sanitises text for a Slurm job name: letters, digits, '.', '_' and '-' only, at most 64
// characters, never starting with '-'.
std::string sanitize_job_name(std::string_view text);

SlicePlan plan_slice(const sim::Workload& trace, const SliceOptions& options,
                     const ClusterShape& shape);

// Reads a trace through the traces library (`format` registered, or "auto"); when no registered
// format reads it, falls back to the DIR-LAB CSV cut (u_id,user,gpu_num,cpu_num,node_num,
// interval,run_time,wall_time,new_status) read here through the traces library's CSV helpers.
sim::Workload load_trace(const std::string& path, const std::string& format,
                         std::string* format_used = nullptr);

}  // namespace orrery::calibrate
