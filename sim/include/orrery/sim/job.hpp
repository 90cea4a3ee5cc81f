// The canonical job record every trace importer produces, and the Workload that holds them.
//
// A job is a gang of `tasks` identical tasks; each task needs `gpu_milli` thousandths of GPUs
// (1000 = one whole GPU, 4000 = four whole GPUs on one node, 500 = half of one shared GPU),
// CPU and memory. Its work is `duration`: how long it ran on the hardware the trace observed.
// What the trace observed (start, end, status, placement) is kept for later comparison.
// Strings (users, queues, GPU types) are interned in the Workload so a 10-million-job trace
// costs a few dozen bytes per job.
//
//   Workload w;
//   JobSpec j;
//   j.id = "job-1"; j.submit = SimTime::from_seconds(10); j.tasks = 2; j.gpu_milli = 8000;
//   j.duration = SimTime::from_seconds(3600); j.user = w.intern_user("alice");
//   w.jobs.push_back(j);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orrery/sim/time.hpp"

namespace orrery::sim {

using JobIndex = std::uint32_t;  // dense index of a job in its Workload

// Final state of a job, both as observed in a trace and as simulated.
enum class JobStatus : std::uint8_t {
  kPending,     // submitted, waiting
  kRunning,     // placed and running
  kPreempted,   // was running, evicted, waiting again (counts as pending for scheduling)
  kCompleted,   // ran all its work
  kFailed,      // ended without completing (trace replayed as failed, or retries exhausted)
  kKilled,      // cancelled by the user (observed in traces)
  kRejected,    // can never fit on the modelled cluster; never started
  kUnfinished,  // still pending or running when the run stopped (time limit or cancellation)
  kTimeout,     // killed by the resource manager at its time limit (SimulationOptions::time_limits)
};

std::string_view to_string(JobStatus s);
std::optional<JobStatus> parse_job_status(std::string_view s);

// A table of interned strings; id 0 is always the empty string ("none").
class StringTable {
 public:
  StringTable() { names_.emplace_back(); }
  std::uint32_t intern(std::string_view s);
  std::optional<std::uint32_t> find(std::string_view s) const;
  const std::string& operator[](std::uint32_t id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

struct ObservedRun {
  std::optional<SimTime> start;
  std::optional<SimTime> end;
  std::optional<JobStatus> status;
  std::string placement;  // node list as the trace gives it, free text
};

struct JobSpec {
  std::string id;                   // the trace's job id (unique within a workload)
  SimTime submit;                   // submit time, ms since the workload's origin
  std::uint32_t user = 0;           // Workload::users
  std::uint32_t queue = 0;          // Workload::queues (tenant / queue / virtual cluster)
  std::int32_t priority = 0;        // larger is more important
  std::uint32_t tasks = 1;          // gang size
  std::uint32_t gpu_milli = 0;      // per task; >= 1000 must be a multiple of 1000
  std::uint32_t gpu_type = 0;       // Workload::gpu_types; 0 = any type
  std::uint32_t cpu_milli = 0;      // per task
  std::uint64_t memory_mib = 0;     // per task
  SimTime duration;                 // work: run time on the observed (reference) hardware
  std::optional<SimTime> walltime;  // requested time limit, if any
  std::uint32_t job_class = 0;  // Workload::job_classes (model family or trace tag), 0 = default
  ObservedRun observed;

  // Whole GPUs a task occupies (a fractional task occupies one GPU slot partially).
  std::uint32_t gpus_per_task() const {
    return gpu_milli >= 1000 ? gpu_milli / 1000 : (gpu_milli > 0 ? 1 : 0);
  }
  // Total GPU demand in GPUs (fractional for shared GPUs).
  double gpus() const { return static_cast<double>(tasks) * gpu_milli / 1000.0; }
};

struct Workload {
  std::string source;  // where it came from (file path or generator), for the manifest
  std::vector<JobSpec> jobs;
  StringTable users;
  StringTable queues;
  StringTable gpu_types;
  StringTable job_classes;
};

}  // namespace orrery::sim
