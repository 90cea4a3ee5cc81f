// What the engine emits, and the hooks through which the CLI and the GUI follow and stop a run.
//
// The engine calls every attached Observer synchronously, in event order, on the thread that
// runs the simulation; observers decide what to record (the engine itself records only the
// RunResult). Progress is reported through a callback at most every `progress_every` events;
// cancellation is a std::stop_token checked between events.
//
//   struct CountStarts : Observer {
//     int n = 0;
//     void on_start(SimTime, JobIndex, const Placement&) override { ++n; }
//   };
#pragma once

#include <cstdint>
#include <functional>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"
#include "orrery/sim/time.hpp"

namespace orrery::sim {

struct Sample {
  SimTime time;
  std::uint64_t gpu_milli_allocated = 0;
  std::uint32_t gpus_total = 0;
  std::uint32_t jobs_running = 0;
  std::uint32_t jobs_pending = 0;
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_arrival(SimTime, JobIndex) {}
  virtual void on_start(SimTime, JobIndex, const Placement&) {}
  virtual void on_preempt(SimTime, JobIndex) {}
  virtual void on_finish(SimTime, JobIndex, JobStatus) {}
  virtual void on_sample(const Sample&) {}
};

struct Progress {
  std::uint64_t jobs_done = 0;  // jobs that reached a final state
  std::uint64_t jobs_total = 0;
  std::uint64_t events = 0;
  SimTime now;
};

using ProgressFn = std::function<void(const Progress&)>;

}  // namespace orrery::sim
