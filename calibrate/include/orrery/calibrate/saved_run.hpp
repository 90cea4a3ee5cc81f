// A Slurm calibration result folder read back as the run it recorded, and checking a calibration
// profile against such a run (`orrery calibrate check`).
//
// The folder (result_folder.hpp) keeps everything the fit used: the observed trace
// (observed.csv), the job scripts' stamps (observed_jobs.csv), the controller's log lines of its
// jobs (capture/slurmctld.log: allocation, completion and hold-release times to the ms, and which
// loop started each job) and the cluster's slurm.conf (capture/slurm.conf). So a profile fitted
// on one run can be checked on another run later, without the cluster.
//
//   SavedSlurmRun r = load_saved_slurm_run("cal-b");
//   ProfileCheck c = check_profile(r, CalibrationProfile::load("cal-a/profile.json"));
//   c.errors_profile.objective < c.errors_defaults.objective   // the profile carries over
#pragma once

#include <string>
#include <vector>

#include "orrery/calibrate/fit.hpp"
#include "orrery/calibrate/slurm_conf.hpp"
#include "orrery/calibrate/slurm_driver.hpp"
#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::calibrate {

struct SavedSlurmRun {
  std::string dir;
  SlurmConf conf;
  std::string partition;
  sim::ClusterSpec cluster;
  sim::Workload observed;
  LiveRun live;  // t0, per-job ms times and script stamps, the loops' activity
};

// Reads a result folder written by `orrery calibrate slurm`. Throws sim::InputError naming the
// file (and line) that is missing or malformed.
SavedSlurmRun load_saved_slurm_run(const std::string& dir);

// This run's scheduler loops, measured from its own controller log: the backfill loop's period
// (by least squares, when within 1% of the model's tick: its interval plus what its passes took
// on this run) and phase (phase_s), and, for the `slurm` policy, the main loop's phase (policy
// parameter sched_tick_phase, on its 1 s period, from as few as one start). Loop timing belongs
// to one run (where the controller's loops happened to be when it started, how long its passes
// took), so a profile carries latencies, speeds and placement, and a comparison with another run
// takes that run's loops from its log. A loop that started too few jobs gets phase 0 (never the
// phase `m` came with: a profile's is another run's).
ModelParams with_run_loops(ModelParams m, const LiveRun& live);

struct ProfileCheck {
  ModelParams defaults, profile;  // both with this run's loops
  Errors errors_defaults, errors_profile;
  std::vector<JobComparison> jobs_defaults, jobs_profile;  // per job, in the workload's order
  // What this run's job scripts measured, to set beside the profile's latencies: they depend
  // on how busy the machine was, and a profile fitted under another load carries its own.
  StampLatencies run_latencies;
};
// The run's unfitted model (from its slurm.conf) against the profile's, both on the run's own
// phases.
ProfileCheck check_profile(const SavedSlurmRun& run, const CalibrationProfile& profile);
// Where the model put a job, by the run's node names (its partition's nodes in slurm.conf
// order, as the replayed cluster numbers them), comma-separated in node order.
std::string simulated_node_names(const SavedSlurmRun& run, const JobComparison& job);
// Whether the model put the job on exactly the nodes Slurm allocated (the observed hostlist,
// expanded); false when either is unknown.
bool same_nodes(const SavedSlurmRun& run, const JobComparison& job);

ProfileCheck check_profile(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                           const LiveRun& live, const ModelParams& defaults,
                           const CalibrationProfile& profile);

}  // namespace orrery::calibrate
