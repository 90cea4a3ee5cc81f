// srtf: preemptive shortest remaining time first (oracle remaining work).
//
// Pending jobs are ordered by remaining work. A pass first starts, in that order, every job that
// fits (first fit). Then, for each pending job in order, if running jobs with strictly more
// remaining work hold enough GPUs of its type, the longest of them are preempted one by one until
// it can be placed; preemption is free and instant in this policy (the runtime model of a later
// issue charges checkpoint costs). Finally the pass fills again with whatever was freed.
// Simplification: the GPU count decides which victims are enough; fragmentation may make a few
// more preemptions necessary, never fewer.
#include <algorithm>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {
class Srtf final : public sim::Policy {
 public:
  std::string_view name() const override { return "srtf"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.remaining_work(j).ms(), ctx.job(j).submit.ms()};
  }
  void schedule(sim::SchedulingContext& ctx) override {
    greedy_pass(ctx, Blocking::kSkip);
    if (ctx.pending().empty() || ctx.running().empty()) return;
    std::int64_t longest_running = 0;
    for (sim::JobIndex r : ctx.running())
      longest_running = std::max(longest_running, ctx.remaining_work(r).ms());
    bool preempted_any = false;
    for (sim::JobIndex j : ctx.pending().ordered()) {
      if (!ctx.pending().contains(j)) continue;
      const std::int64_t mine = ctx.remaining_work(j).ms();
      if (mine >= longest_running) break;  // no running job is longer: no victims for j or later
      const sim::Demand& d = ctx.demand(j);
      if (d.gpu_milli == 0) continue;
      std::vector<sim::JobIndex> victims;
      std::uint64_t victim_milli = 0;
      for (sim::JobIndex r : ctx.running()) {
        const sim::Demand& rd = ctx.demand(r);
        const bool same_type = d.gpu_type == sim::Demand::kAnyType ||
                               rd.gpu_type == sim::Demand::kAnyType || rd.gpu_type == d.gpu_type;
        if (same_type && rd.gpu_milli > 0 && ctx.remaining_work(r).ms() > mine) {
          victims.push_back(r);
          victim_milli += rd.total_gpu_milli();
        }
      }
      const std::uint64_t free_milli = ctx.cluster().free_whole_gpus(d.gpu_type) * 1000;
      if (victims.empty() || free_milli + victim_milli < d.total_gpu_milli()) continue;
      std::sort(victims.begin(), victims.end(), [&](sim::JobIndex a, sim::JobIndex b) {
        const auto ra = ctx.remaining_work(a).ms(), rb = ctx.remaining_work(b).ms();
        return ra != rb ? ra > rb : a > b;
      });
      for (sim::JobIndex v : victims) {
        if (auto p = ctx.find_placement(j)) {
          ctx.start(j, std::move(*p));
          break;
        }
        ctx.preempt(v);
        preempted_any = true;
      }
      if (ctx.pending().contains(j)) {
        if (auto p = ctx.find_placement(j)) ctx.start(j, std::move(*p));
      }
    }
    if (preempted_any) greedy_pass(ctx, Blocking::kSkip);
  }
};
}  // namespace

PolicyInfo srtf_policy() {
  return {"srtf", "preemptive shortest remaining time first (oracle), free preemption",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("srtf", params);
            r.finish();
            return std::make_unique<Srtf>();
          }};
}

}  // namespace orrery::policies
