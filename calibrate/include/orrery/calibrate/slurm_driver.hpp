// Runs a calibration plan on a live Slurm cluster and records what happened.
//
// Every job is submitted up front with `sbatch --hold` (argument vectors, never a shell; job
// names sanitised); then each arrival instant's jobs are released with one `scontrol release
// id,id,...`, so arrivals are exact whatever sbatch costs. Each job runs a small script that
// sleeps its compressed duration and stamps its own start and end ($EPOCHREALTIME). After the
// last job ends, the run captures `squeue --json -t all --jobs=...`, the jobcomp/filetxt records
// and the slurmctld.log events (millisecond submit, release, allocation and completion times) of
// its own jobs only. Only jobs this run submitted are ever released, polled or cancelled.
// If the controller stops answering mid-run, the run returns what it captured, with `error` set.
//
//   LiveRun run = run_live(plan, {.env = cluster.client_env(), .conf = conf, .work_dir = d});
//   sim::Workload observed = observed_workload(plan, run, "a100");
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "orrery/calibrate/slurm_conf.hpp"
#include "orrery/calibrate/slurm_records.hpp"
#include "orrery/calibrate/workload_slice.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::calibrate {

struct LiveRunOptions {
  std::vector<std::pair<std::string, std::string>> env;  // for the Slurm clients (SLURM_CONF)
  SlurmConf conf;
  std::string work_dir;  // job script and job output; must be visible to the compute nodes
  double poll_interval_s = 1.0;
  double timeout_s = 0;                    // 0: 2 x (last arrival + longest job) + 120 s
  double lead_s = 1.0;                     // from the last submission to the first release
  std::function<bool()> controller_alive;  // optional liveness check (local harness)
  std::function<void(const std::string&)> log;
  std::stop_token stop;
};

struct ObservedJob {
  std::size_t plan_index = 0;
  std::uint64_t job_id = 0;
  std::int64_t planned_release_ms = 0;                       // epoch ms
  std::optional<std::int64_t> release_ms, start_ms, end_ms;  // epoch ms, best source
  std::optional<std::int64_t> script_start_us, script_end_us;
  std::string nodes;
  std::string state;
  StartedBy started_by = StartedBy::kUnknown;
  std::string time_source;  // "slurmctld.log (ms)", "squeue (s)", "jobcomp (s)"
};

struct LiveRun {
  std::int64_t t0_ms = 0;  // time origin: the first release
  std::vector<ObservedJob> jobs;
  bool complete = false;       // every job reached a final state and was captured
  std::string error;           // why the run stopped early, if it did
  std::string squeue_json;     // our jobs only
  std::string jobcomp_text;    // our jobs' lines only
  std::string ctld_log_text;   // our jobs' lines only
  SchedulerActivity activity;  // relative to nothing: epoch ms
  double wall_s = 0;
  std::vector<std::string> notes;
};

LiveRun run_live(const SlicePlan& plan, const LiveRunOptions& options);

// Fills a LiveRun's job records from captured texts (squeue JSON, jobcomp lines, controller log,
// job script outputs by job id): used by run_live and by the tests on saved outputs.
void merge_records(LiveRun& run, const std::map<std::uint64_t, std::string>& script_outputs);

// The observed trace: one job per planned job, submit = observed release (t = 0 at the first
// release), duration = the planned sleep, walltime = the time limit, tasks = nodes, GPUs per
// task, GPU type, observed start/end/status. Jobs never released are left out.
sim::Workload observed_workload(const SlicePlan& plan, const LiveRun& run,
                                const std::string& gpu_type);

}  // namespace orrery::calibrate
