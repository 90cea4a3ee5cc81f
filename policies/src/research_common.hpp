// Small helpers shared by the research schedulers (research_*.cpp): wakeup bookkeeping, GPU
// counting by type, and preempting victims until a job can be placed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <span>
#include <unordered_map>
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

// Tasks of d that fit in the GPUs free now, counting whole GPUs only: per node of a pool d can
// use, (free GPUs) / (GPUs per task), from the cluster's free-GPU index in O(pools x GPUs per
// node). A necessary condition for a whole-GPU gang; placers still decide.
inline std::uint64_t tasks_fit_by_gpu_count(const sim::Cluster& c, const sim::Demand& d) {
  const std::uint32_t gpt = d.gpus_per_task();
  std::uint64_t fit = 0;
  for (std::uint32_t pool = 0; pool < c.spec().pools.size(); ++pool) {
    if (!c.pool_matches(pool, d)) continue;
    for (std::uint32_t k = gpt; k <= c.spec().pools[pool].gpus_per_node; ++k)
      fit += std::uint64_t{c.nodes_with_free(pool, k).count()} * (k / gpt);
  }
  return fit;
}
// False only when d asks for whole GPUs and not enough are free, node by node.
inline bool may_fit_by_gpu_count(const sim::Cluster& c, const sim::Demand& d) {
  if (d.gpu_milli < 1000 || d.gpus_per_task() == 0) return true;
  return tasks_fit_by_gpu_count(c, d) >= d.tasks;
}

// Chooses, among victims offered in the order a policy would preempt them (lowest priority
// first), the ones whose GPUs a waiting job j can use. Preempting "until j fits" in priority order
// alone evicts jobs all over the cluster before some node has room for j's tasks; the jobs whose
// GPUs j does not take then restart at once, each a preemption for nothing (on the Helios-synth
// 1M-job run, three out of four of tiresias-las' preemptions were of that kind). The walk counts,
// per node, the whole GPUs each victim would free, stops at the first victim after which j's
// tasks fit by GPU count, and keeps only the victims on nodes where that count made room for
// another task. CPU, memory and topology are not counted: the caller preempts the chosen ones,
// checks with find_placement, and falls back to its plain order if j still does not fit.
class VictimWalk {
 public:
  VictimWalk(const sim::SchedulingContext& ctx, sim::JobIndex j)
      : ctx_(ctx), d_(ctx.demand(j)), gpt_(d_.gpus_per_task()) {
    applies_ = d_.gpu_milli >= 1000 && gpt_ > 0;
    if (applies_) fit_ = tasks_fit_by_gpu_count(ctx.cluster(), d_);
  }
  // Whether the walk applies (j asks for whole GPUs); if not, preempt in plain order.
  bool applies() const { return applies_; }
  // Offers the next victim; true once the victims offered so far make room for j by GPU count.
  bool offer(sim::JobIndex v) {
    const sim::Demand& vd = ctx_.demand(v);
    const sim::Placement& p = ctx_.placement(v);
    offered_.push_back(v);
    if (vd.gpu_milli < 1000) {  // shared GPUs may stay busy: not counted
      uncounted_ = true;
      return fit_ >= d_.tasks;
    }
    const sim::Cluster& c = ctx_.cluster();
    for (std::uint32_t node : p.task_nodes) {
      if (!c.pool_matches(c.node(node).pool, d_)) continue;
      const std::uint32_t free = c.node(node).free_gpus;
      std::uint32_t& freed = freed_[node];
      const std::uint32_t before = (free + freed) / gpt_;
      freed += vd.gpus_per_task();
      fit_ += (free + freed) / gpt_ - before;
    }
    return fit_ >= d_.tasks;
  }
  // Whether a victim on shared GPUs was offered (its GPUs were not counted, so a walk that never
  // made room does not prove that j cannot fit).
  bool uncounted() const { return uncounted_; }
  // The offered victims on nodes where they made room for a task of j, in the offered order.
  std::vector<sim::JobIndex> useful() const {
    std::vector<sim::JobIndex> out;
    const sim::Cluster& c = ctx_.cluster();
    for (sim::JobIndex v : offered_) {
      for (std::uint32_t node : ctx_.placement(v).task_nodes) {
        auto it = freed_.find(node);
        if (it == freed_.end()) continue;
        const std::uint32_t free = c.node(node).free_gpus;
        if ((free + it->second) / gpt_ > free / gpt_) {
          out.push_back(v);
          break;
        }
      }
    }
    return out;
  }

 private:
  const sim::SchedulingContext& ctx_;
  const sim::Demand& d_;
  std::uint32_t gpt_;
  bool applies_ = false;
  bool uncounted_ = false;
  std::uint64_t fit_ = 0;  // tasks of j that fit by GPU count, free GPUs plus the offered ones'
  std::unordered_map<std::uint32_t, std::uint32_t> freed_;  // node -> GPUs the victims free
  std::vector<sim::JobIndex> offered_;
};

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
