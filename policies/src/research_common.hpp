// Small helpers shared by the research schedulers (research_*.cpp): wakeup bookkeeping, GPU
// counting by type, and preempting victims until a job can be placed.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "orrery/sim/scheduler.hpp"

namespace orrery::policies::research {

// Asks the engine for a pass at a future time, once per distinct time: a policy that plans the
// same wakeup at every pass would otherwise flood the event queue with duplicates.
class Wakeups {
 public:
  void request(sim::SchedulingContext& ctx, sim::SimTime t) {
    const std::int64_t now = ctx.now().ms();
    while (!asked_.empty() && *asked_.begin() <= now) asked_.erase(asked_.begin());
    if (t.ms() <= now || asked_.count(t.ms()) != 0) return;
    asked_.insert(t.ms());
    ctx.request_wakeup(t);
  }

 private:
  std::set<std::int64_t> asked_;
};

// Can GPUs held by a job of type `holder` serve a job of type `wanted`? Jobs without a type
// constraint are counted as usable by anyone (their actual GPU type is not visible to policies).
inline bool type_serves(std::uint32_t wanted, std::uint32_t holder) {
  return wanted == sim::Demand::kAnyType || holder == sim::Demand::kAnyType || wanted == holder;
}

// Fully free GPUs usable by the demand, in thousandths.
inline std::uint64_t free_milli_for(const sim::SchedulingContext& ctx, const sim::Demand& d) {
  return ctx.cluster().free_whole_gpus(d.gpu_type) * 1000;
}

// GPUs of the whole cluster (or of one type), in thousandths.
inline std::uint64_t total_milli_of_type(const sim::Cluster& cluster, std::uint32_t type) {
  std::uint64_t total = 0;
  for (const sim::Node& n : cluster.nodes()) {
    if (type == sim::Demand::kAnyType || cluster.pool_type(n.pool) == type) total += n.gpus;
  }
  return total * 1000;
}

// Seconds of simulated time as a double, for parameters given in seconds.
inline sim::SimTime seconds(double s) {
  return sim::SimTime::from_seconds(s);
}

// Preempts `victims` in the given order (skipping those whose GPUs cannot serve j and those no
// longer running) until j can be placed, then starts j. Returns true when j started; the ids of
// the preempted jobs are appended to `preempted`.
inline bool preempt_until_placed(sim::SchedulingContext& ctx, sim::JobIndex j,
                                 std::span<const sim::JobIndex> victims,
                                 std::vector<sim::JobIndex>& preempted) {
  const sim::Demand& d = ctx.demand(j);
  for (sim::JobIndex v : victims) {
    if (ctx.runtime(v).status != sim::JobStatus::kRunning) continue;
    if (!type_serves(d.gpu_type, ctx.demand(v).gpu_type)) continue;
    ctx.preempt(v);
    preempted.push_back(v);
    if (auto p = ctx.find_placement(j)) {
      ctx.start(j, std::move(*p));
      return true;
    }
  }
  return false;
}

}  // namespace orrery::policies::research
