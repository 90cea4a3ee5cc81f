// RunResult: everything a simulation run produced, immutable once returned.
//
// Per-job outcomes, the sampled time series, a Summary of the headline figures, and a Manifest
// that says exactly what produced it (inputs and their hashes, seed, version, policy, wall time
// and a fingerprint of the event sequence: equal fingerprints mean identical schedules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "orrery/sim/job.hpp"
#include "orrery/sim/observer.hpp"
#include "orrery/sim/time.hpp"

namespace orrery::sim {

struct JobOutcome {
  JobIndex job = 0;
  SimTime submit;
  std::optional<SimTime> start;  // first start
  std::optional<SimTime> end;
  JobStatus status = JobStatus::kUnfinished;
  std::uint64_t gpu_milli = 0;          // total over tasks
  std::uint32_t nodes = 0;              // distinct nodes of the last placement
  std::vector<std::uint32_t> node_ids;  // those nodes, ascending (for allocation timelines)
  std::uint32_t preemptions = 0;
  std::uint32_t restarts = 0;  // after node failures
  std::string gpu_type;        // GPU type of its (last) placement; slowest if mixed
  double speed = 1.0;          // reference work per second of its last segment (slowdown < 1)
  SimTime lost_work;           // reference work lost to failures
  double cost = 0;             // its share of the cluster's cost (docs/cost.md)
};

// The run's cost and energy, and their parts (docs/cost.md).
struct CostBreakdown {
  double total = 0;
  double cloud_on_demand = 0, cloud_reserved = 0, cloud_spot = 0;
  double onprem_capital = 0, onprem_operations = 0, energy = 0;
  double idle = 0;  // cost of capacity nobody used
  double energy_kwh = 0;
  double node_hours_billed = 0;
  std::vector<std::pair<std::string, double>> by_pool;   // pool name -> cost
  std::vector<std::pair<std::string, double>> by_queue;  // tenant -> cost (chargeback)
};

// GPU-time accounting of a run, in GPU-milliseconds.
struct Accounting {
  double allocated_gpu_ms = 0;        // resources held
  double productive_gpu_ms = 0;       // held while making progress that was kept
  double failure_lost_gpu_ms = 0;     // progress lost to failures (redone later)
  double preemption_gpu_ms = 0;       // checkpoint save/restore around preemptions and failures
  double overhead_gpu_ms = 0;         // launch and completion latency
  double time_limit_lost_gpu_ms = 0;  // work of run segments killed at their time limit
  std::uint64_t node_failures = 0;
};

struct Quantiles {
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
};

struct Summary {
  std::uint64_t jobs = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;      // failed, killed or timed out (as observed, retries exhausted)
  std::uint64_t timed_out = 0;   // of those, killed at an enforced time limit
  std::uint64_t rejected = 0;    // can never fit on the cluster
  std::uint64_t unfinished = 0;  // still pending/running when the run stopped
  Quantiles jct_s;               // over jobs that ended (completed, failed, killed)
  Quantiles wait_s;              // over jobs that started
  double makespan_s = 0;         // last end - first submit
  double gpu_utilization = 0;    // allocated GPU-time / (GPUs x makespan)
  double gpu_hours_allocated = 0;
  std::uint64_t preemptions = 0;
  std::uint64_t restarts = 0;
  std::uint64_t node_failures = 0;
  double goodput = 1;                     // productive / allocated GPU-time
  double effective_utilization = 0;       // productive GPU-time / (GPUs x makespan)
  double gpu_hours_lost_failures = 0;     // progress lost to node failures
  double gpu_hours_lost_preemption = 0;   // checkpoint save/restore
  double gpu_hours_overhead = 0;          // launch and completion latency
  double gpu_hours_lost_time_limits = 0;  // work of jobs killed at their time limit
  CostBreakdown cost;
  double cost_per_job = 0;  // total / jobs that ended
  std::uint64_t spot_reclaims = 0;
  std::uint64_t nodes_provisioned = 0;  // autoscaler scale-ups (nodes)
  std::uint64_t nodes_released = 0;     // autoscaler scale-downs (nodes)
};

struct Manifest {
  std::string orrery_version;
  std::string policy;
  std::string placement;
  std::string runtime_model;
  std::uint64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> inputs;  // (what, sha256 or description)
  std::uint64_t events = 0;
  std::string fingerprint;  // 16 hex digits, FNV-1a over the event log
  double wall_seconds = 0;  // the only field that differs between identical runs
  bool cancelled = false;
};

struct RunResult {
  std::vector<JobOutcome> jobs;
  std::vector<Sample> timeseries;
  Summary summary;
  Manifest manifest;
};

Quantiles quantiles(std::vector<double> values);
Summary summarize(const std::vector<JobOutcome>& jobs, const Accounting& accounting,
                  std::uint32_t gpus_total);

}  // namespace orrery::sim
