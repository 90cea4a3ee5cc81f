// srtf: preemptive shortest remaining time first (oracle remaining work).
//
// Pending jobs are ordered by remaining work. A pass first starts, in that order, every job that
// fits (first fit). Then, for each pending job in order, if running jobs with strictly more
// remaining work hold enough GPUs of its type, the longest of them are preempted one by one until
// it can be placed (the runtime model charges the victims' checkpoint save and restore). Finally
// the pass fills again with whatever was freed.
// A job preempts only when the victims' GPUs, node by node, together with the free ones, would
// hold its tasks; otherwise evicting them would buy nothing (and, with checkpoint costs, the
// victims would pay to restart). A one-task job evicts the fewest victims that free one node for
// it (the longest first on that node); a gang evicts the longest victims first until it fits.
// Simplification: CPU and memory are not part of these checks.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {

// Would the job's tasks fit, in whole GPUs node by node, if the victims were gone?
bool room_without(const sim::SchedulingContext& ctx, const sim::Demand& d,
                  const std::vector<sim::JobIndex>& victims) {
  if (d.gpu_milli < 1000) return true;  // a shared GPU: left to the placer
  const sim::Cluster& c = ctx.cluster();
  std::unordered_map<std::uint32_t, std::uint32_t> freed;  // node -> GPUs the victims hold
  for (sim::JobIndex v : victims) {
    const sim::Placement& p = ctx.placement(v);
    const std::uint32_t g = ctx.demand(v).gpus_per_task();
    for (std::uint32_t node : p.task_nodes) freed[node] += g;
  }
  const std::uint32_t per_task = d.gpus_per_task();
  std::uint64_t tasks = 0;
  for (std::uint32_t n = 0; n < c.node_count(); ++n) {
    const sim::Node& node = c.node(n);
    if (node.down || !c.pool_matches(node.pool, d)) continue;
    const auto it = freed.find(n);
    tasks += (node.free_gpus + (it == freed.end() ? 0 : it->second)) / per_task;
    if (tasks >= d.tasks) return true;
  }
  return false;
}

// For a one-task job on whole GPUs: the fewest victims, all on one node, that make room there
// (longest remaining first on each node; ties to the lower node id). Empty when no node works.
std::vector<sim::JobIndex> victims_on_one_node(const sim::SchedulingContext& ctx,
                                               const sim::Demand& d,
                                               const std::vector<sim::JobIndex>& sorted_victims) {
  const sim::Cluster& c = ctx.cluster();
  std::map<std::uint32_t, std::vector<std::pair<sim::JobIndex, std::uint32_t>>> on_node;
  for (sim::JobIndex v : sorted_victims) {
    const sim::Placement& p = ctx.placement(v);
    std::map<std::uint32_t, std::uint32_t> tasks_per_node;
    for (std::uint32_t node : p.task_nodes) ++tasks_per_node[node];
    for (const auto& [node, tasks] : tasks_per_node)
      on_node[node].emplace_back(v, tasks * ctx.demand(v).gpus_per_task());
  }
  std::vector<sim::JobIndex> best;
  for (const auto& [n, list] : on_node) {
    const sim::Node& node = c.node(n);
    if (node.down || !c.pool_matches(node.pool, d) || node.gpus < d.gpus_per_task()) continue;
    std::uint32_t room = node.free_gpus;
    std::vector<sim::JobIndex> chosen;
    for (const auto& [v, gpus] : list) {
      if (room >= d.gpus_per_task()) break;
      chosen.push_back(v);
      room += gpus;
    }
    if (room < d.gpus_per_task() || chosen.empty()) continue;
    if (best.empty() || chosen.size() < best.size()) best = std::move(chosen);
  }
  return best;
}

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
      if (!room_without(ctx, d, victims)) continue;
      std::sort(victims.begin(), victims.end(), [&](sim::JobIndex a, sim::JobIndex b) {
        const auto ra = ctx.remaining_work(a).ms(), rb = ctx.remaining_work(b).ms();
        return ra != rb ? ra > rb : a > b;
      });
      if (d.tasks == 1 && d.gpu_milli >= 1000) {
        victims = victims_on_one_node(ctx, d, victims);
        if (victims.empty()) continue;
      }
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
  return {"srtf", "preemptive shortest remaining time first (oracle remaining work)",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("srtf", params);
            r.finish();
            return std::make_unique<Srtf>();
          }};
}

}  // namespace orrery::policies
