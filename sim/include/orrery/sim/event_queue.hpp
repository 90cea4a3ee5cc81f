// The engine's future event list: a 4-ary min-heap over (time, phase, sequence).
//
// The total order of events is documented in ARCHITECTURE.md and is the only order the engine
// knows: earlier time first; at equal time the lower Phase first (finishes release resources
// before arrivals join, arrivals before the scheduling pass, the pass before sampling); at equal
// time and phase the lower sequence number, i.e. the order in which events were scheduled.
//
//   EventQueue q;
//   q.push(SimTime::from_ms(5), Phase::kArrival, EventKind::kArrival, job);
//   while (!q.empty()) { Event e = q.pop(); ... }
#pragma once

#include <cstdint>
#include <vector>

#include "orrery/sim/time.hpp"

namespace orrery::sim {

enum class Phase : std::uint8_t {
  kFinish = 0,    // a job's work completes, or it fails; resources are released
  kArrival = 1,   // a job is submitted and joins the pending queue
  kSchedule = 2,  // one scheduling pass of the policy
  kSample = 3,    // periodic time-series sample
};

enum class EventKind : std::uint8_t {
  kFinish = 0,
  kArrival = 1,
  kSchedule = 2,
  kSample = 3,
  kWakeup = 4,       // a policy asked to be called again at this time (round-based policies)
  kNodeFail = 5,     // a node fails (phase kFinish: its jobs stop, resources are released)
  kNodeRepair = 6,   // a failed node is back (phase kFinish)
  kNodeUp = 7,       // a provisioned (autoscaled) or recovered (spot) node is ready (kFinish)
  kSpotReclaim = 8,  // the cloud takes a spot node back (kFinish)
  kAutoscale = 9,    // the autoscaler looks at pending jobs and idle nodes (kSample phase)
  kTimeLimit = 10,   // a running job reaches its enforced time limit and is killed (kFinish)
};

// 24 bytes: the order word packs phase (top 8 bits), kind (next 8) and sequence (low 48).
struct Event {
  SimTime time;
  std::uint64_t order = 0;
  std::uint32_t job = 0;
  std::uint32_t epoch = 0;  // lets the engine ignore events made stale by a preemption

  Phase phase() const { return static_cast<Phase>(order >> 56); }
  EventKind kind() const { return static_cast<EventKind>((order >> 48) & 0xffU); }
  std::uint64_t sequence() const { return order & ((std::uint64_t{1} << 48) - 1); }
};

class EventQueue {
 public:
  void push(SimTime time, Phase phase, EventKind kind, std::uint32_t job = 0,
            std::uint32_t epoch = 0);
  Event pop();
  const Event& top() const { return heap_.front(); }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  std::uint64_t scheduled() const { return next_seq_; }
  void reserve(std::size_t n) { heap_.reserve(n); }

 private:
  static bool before(const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  }
  std::vector<Event> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace orrery::sim
