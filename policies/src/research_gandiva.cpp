// gandiva: time slicing as in Gandiva (Xiao et al., "Gandiva: Introspective Cluster Scheduling
// for Deep Learning", OSDI'18), section 3.1 "suspend-resume and time-slicing".
//
// Pending jobs wait in round-robin order: by the time they (re)joined the queue. A pass starts,
// in that order, every job that fits (first fit). When the cluster is oversubscribed, jobs of the
// same size share GPUs in time slices: a pending job takes the place of a running job of the same
// demand shape (same tasks and GPUs per task, type, CPU, memory) that has run at least
// `time_slice_s` seconds in its current slice, the longest-running first; the suspended job goes
// to the back of the round-robin queue. Suspend and resume are free and instant here (Gandiva
// measures about a second; a runtime model may charge it). The policy asks for a pass when the
// next slice of a job that has a same-shaped job waiting ends.
// Simplifications (docs/policies.md): sharing is by exact shape only (Gandiva also packs jobs onto
// GPUs by memory and migrates them to defragment, which is not modelled); a suspended job may
// resume on other GPUs than before.
#include <algorithm>
#include <limits>
#include <map>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"
#include "research_common.hpp"

namespace orrery::policies {

namespace {

class Gandiva final : public sim::Policy {
 public:
  explicit Gandiva(double slice_s) : slice_(research::seconds(slice_s)) {}
  std::string_view name() const override { return "gandiva"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.now().ms(), ctx.job(j).submit.ms()};  // round robin: when it joined the queue
  }

  void schedule(sim::SchedulingContext& ctx) override {
    greedy_pass(ctx, Blocking::kSkip);
    if (ctx.pending().empty()) return;
    const std::vector<char> waiting = waiting_shapes(ctx);
    // Running jobs whose slice is over and that have a same-shaped job waiting, by shape, the
    // longest-running last (taken first).
    const sim::SimTime now = ctx.now();
    std::map<std::uint32_t, std::vector<std::pair<sim::SimTime, sim::JobIndex>>> expired;
    for (sim::JobIndex r : ctx.running()) {
      const std::uint32_t shape = ctx.pending().shape_of(r);
      const sim::SimTime since = ctx.runtime(r).last_start;
      if (shape < waiting.size() && waiting[shape] && now - since >= slice_)
        expired[shape].emplace_back(since, r);
    }
    std::vector<sim::JobIndex> suspended;
    suspended_.resize(ctx.workload().jobs.size(), 0);
    if (!expired.empty()) {
      for (auto& [shape, jobs] : expired) std::sort(jobs.rbegin(), jobs.rend());
      ctx.pending().visit([&](sim::JobIndex j) {
        if (suspended_[j]) return sim::Visit::kNext;  // suspended in this pass: waits its turn
        auto it = expired.find(ctx.pending().shape_of(j));
        if (it == expired.end() || it->second.empty()) return sim::Visit::kSkipShape;
        const sim::JobIndex r = it->second.back().second;
        it->second.pop_back();
        ctx.preempt(r);
        suspended.push_back(r);
        suspended_[r] = 1;
        if (auto p = ctx.find_placement(j)) ctx.start(j, std::move(*p));
        return sim::Visit::kNext;
      });
    }
    if (!suspended.empty()) {
      // Whatever the swaps left free (placements differ) goes to whoever fits, suspended jobs
      // excepted: their turn comes after the jobs that were waiting.
      ctx.pending().visit([&](sim::JobIndex j) {
        if (suspended_[j]) return sim::Visit::kNext;
        if (auto p = ctx.find_placement(j)) {
          ctx.start(j, std::move(*p));
          return sim::Visit::kNext;
        }
        return sim::Visit::kSkipShape;
      });
    }
    for (sim::JobIndex r : suspended) suspended_[r] = 0;
    plan_wakeup(ctx);
  }

 private:
  // Shapes (dense ids) that have a job waiting.
  static std::vector<char> waiting_shapes(sim::SchedulingContext& ctx) {
    std::vector<char> waiting;
    ctx.pending().visit([&](sim::JobIndex j) {
      const std::uint32_t s = ctx.pending().shape_of(j);
      if (s >= waiting.size()) waiting.resize(s + 1, 0);
      waiting[s] = 1;
      return sim::Visit::kSkipShape;
    });
    return waiting;
  }

  // The end of the current slice of the earliest running job that has a same-shaped job waiting.
  void plan_wakeup(sim::SchedulingContext& ctx) {
    if (ctx.pending().empty()) return;
    const std::vector<char> waiting = waiting_shapes(ctx);
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    for (sim::JobIndex r : ctx.running()) {
      const std::uint32_t s = ctx.pending().shape_of(r);
      if (s < waiting.size() && waiting[s])
        next = std::min(next, (ctx.runtime(r).last_start + slice_).ms());
    }
    if (next != std::numeric_limits<std::int64_t>::max())
      wakeups_.request(ctx, sim::SimTime::from_ms(std::max(next, ctx.now().ms() + 1)));
  }

  sim::SimTime slice_;
  std::vector<char> suspended_;  // suspended in the current pass
  research::Wakeups wakeups_;
};

}  // namespace

PolicyInfo gandiva_policy() {
  return {"gandiva", "Gandiva time slicing: same-size jobs share GPUs by suspend/resume",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("gandiva", params);
            const double slice = r.number("time_slice_s", 60, 1e-3, 1e9);
            r.finish();
            return std::make_unique<Gandiva>(slice);
          }};
}

}  // namespace orrery::policies
