// Simulation: one deterministic replay of a workload on a cluster under a policy.
//
// A Simulation is an ordinary object: it owns its cluster state, its event queue and its seeded
// RNG, and shares nothing mutable with other Simulations, so many can run at once on threads.
// The same inputs and seed always give the same RunResult (and the same fingerprint).
//
//   Simulation sim(cluster_spec, workload, make_policy("fifo-skip"), make_placer("pack"),
//                  std::make_unique<ObservedRuntime>(), SimulationOptions{.seed = 7});
//   RunResult r = sim.run();
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <stop_token>
#include <vector>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"
#include "orrery/sim/observer.hpp"
#include "orrery/sim/result.hpp"
#include "orrery/sim/scheduler.hpp"

namespace orrery::sim {

// Time a job spends not making progress: launching, finishing, and saving/restoring checkpoints
// around preemptions and failures. All zero by default (the engine adds nothing the scenario did
// not ask for); the scenario layer applies the documented defaults (docs/runtime-model.md).
struct Overheads {
  SimTime launch_latency;       // placed -> work starts (container start, image pull, init)
  SimTime completion_latency;   // work done -> resources freed and the job recorded as ended
  SimTime checkpoint_interval;  // periodic checkpoint every this much reference work; 0 = none
  // Checkpoint save at a preemption and restore at the restart, as base + per-GPU seconds
  // (model and optimizer state grow with the job). Charged to the job when it restarts.
  double save_base_s = 0, save_per_gpu_s = 0;
  double restore_base_s = 0, restore_per_gpu_s = 0;
};

// Node failures: each node fails after an exponential time with this mean (from the run's seeded
// RNG), is repaired after repair time; jobs on it restart from their last checkpoint.
struct FailureModel {
  double node_mtbf_hours = 0;  // 0 = no failures
  double repair_hours = 4;
  std::uint32_t max_retries = 3;  // a job failing more often than this ends as failed
  // Failures at given times (node id, time), in addition to the random ones: "what if node 3
  // fails at t" questions and hand-worked tests.
  std::vector<std::pair<std::uint32_t, SimTime>> scheduled;
};

// Time limits as a resource manager enforces them: a running job is killed once it has run its
// walltime request plus `grace` (Slurm's OverTimeLimit), at the first check at or after that
// (slurmctld looks every 30 s, PERIODIC_TIMEOUT); the clock restarts with each run segment (a
// requeued Slurm job starts again). Jobs without a walltime are never killed. Off by default: a
// trace whose jobs ran past their requests (Blue Waters') replays as it ran.
struct TimeLimits {
  bool enforce = false;
  SimTime grace;           // past the limit before the kill
  SimTime check_interval;  // kills happen at multiples of this from the run's origin; 0: at once
};

struct SimulationOptions {
  std::uint64_t seed = 1;
  SimTime sample_interval = SimTime::from_seconds(600);  // time-series resolution
  SimTime scheduler_interval = SimTime::zero();          // 0: a pass right after any change
  std::optional<SimTime> end_time;                       // stop here; later jobs are "unfinished"
  // Jobs the trace saw fail or killed end with that status after their observed duration;
  // false replays them as if they had succeeded.
  bool replay_observed_failures = true;
  // Events between progress callbacks: fine enough that a policy with slow passes (`slurm` at
  // 1M jobs: ~2,000 events a second) still reports every second or so; a callback that only
  // reads a clock costs nothing at this rate.
  std::uint64_t progress_every = 1024;
  Overheads overheads;
  FailureModel failures;
  TimeLimits time_limits;
};

class Simulation {
 public:
  Simulation(const ClusterSpec& cluster, const Workload& workload, std::unique_ptr<Policy> policy,
             std::unique_ptr<Placer> placer, std::unique_ptr<RuntimeModel> runtime,
             SimulationOptions options = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  void add_observer(Observer* observer);
  void set_progress(ProgressFn fn);
  // Runs to the end (or to options.end_time, or until stop is requested) and returns the result.
  // May be called once.
  RunResult run(std::stop_token stop = {});

  std::mt19937_64& rng();

 private:
  class Engine;
  std::unique_ptr<Engine> engine_;
};

}  // namespace orrery::sim
