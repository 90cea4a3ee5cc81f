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

struct SimulationOptions {
  std::uint64_t seed = 1;
  SimTime sample_interval = SimTime::from_seconds(600);  // time-series resolution
  SimTime scheduler_interval = SimTime::zero();          // 0: a pass right after any change
  std::optional<SimTime> end_time;                       // stop here; later jobs are "unfinished"
  // Jobs the trace saw fail or killed end with that status after their observed duration;
  // false replays them as if they had succeeded.
  bool replay_observed_failures = true;
  std::uint64_t progress_every = 1 << 16;  // events between progress callbacks
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
