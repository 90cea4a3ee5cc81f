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
#include <set>

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
    seen_ = 0;
    greedy_pass(ctx, Blocking::kSkip);
    if (ctx.pending().empty()) {
      follow_changes(ctx);
      return;
    }
    const std::vector<char> waiting = waiting_shapes(ctx);
    // Running jobs whose slice is over and that have a same-shaped job waiting, by shape, the
    // longest-running last (taken first).
    follow_changes(ctx);
    const sim::SimTime now = ctx.now();
    std::map<std::uint32_t, std::vector<std::pair<sim::SimTime, sim::JobIndex>>> expired;
    for (std::uint32_t shape = 0; shape < waiting.size() && shape < by_shape_.size(); ++shape) {
      if (!waiting[shape]) continue;
      for (const auto& [since, r] : by_shape_[shape]) {
        if (now - since < slice_) break;
        expired[shape].emplace_back(since, r);
      }
    }
    std::vector<sim::JobIndex> suspended;
    suspended_.resize(ctx.workload().jobs.size(), 0);
    if (!expired.empty()) {
      for (auto& [shape, jobs] : expired) std::reverse(jobs.begin(), jobs.end());
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
    follow_changes(ctx);
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

  // Applies the engine's run changes not seen yet to the running jobs kept by shape, ordered by
  // the start of their current slice: each pass then looks only at the jobs whose slice is over
  // and at each shape's oldest slice, not at every running job.
  void follow_changes(sim::SchedulingContext& ctx) {
    const std::span<const sim::RunChange> changes = ctx.run_changes();
    if (since_.size() < ctx.workload().jobs.size()) since_.resize(ctx.workload().jobs.size());
    for (; seen_ < changes.size(); ++seen_) {
      const sim::RunChange c = changes[seen_];
      const std::uint32_t shape = ctx.pending().shape_of(c.job);
      if (shape >= by_shape_.size()) by_shape_.resize(shape + 1);
      auto& jobs = by_shape_[shape];
      if (!c.started) {
        jobs.erase({since_[c.job], c.job});
        continue;
      }
      if (ctx.runtime(c.job).status != sim::JobStatus::kRunning) continue;  // stopped since
      jobs.erase({since_[c.job], c.job});  // a start seen again after a stop in this window
      since_[c.job] = ctx.runtime(c.job).last_start;
      jobs.emplace(since_[c.job], c.job);
    }
  }

  // The end of the current slice of the earliest running job that has a same-shaped job waiting.
  void plan_wakeup(sim::SchedulingContext& ctx) {
    if (ctx.pending().empty()) return;
    const std::vector<char> waiting = waiting_shapes(ctx);
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    for (std::uint32_t s = 0; s < waiting.size() && s < by_shape_.size(); ++s) {
      if (waiting[s] && !by_shape_[s].empty())
        next = std::min(next, (by_shape_[s].begin()->first + slice_).ms());
    }
    if (next != std::numeric_limits<std::int64_t>::max())
      wakeups_.request(ctx, sim::SimTime::from_ms(std::max(next, ctx.now().ms() + 1)));
  }

  sim::SimTime slice_;
  std::vector<char> suspended_;  // suspended in the current pass
  // Running jobs by demand shape, by (start of their current slice, job); since_[j] is the key
  // job j was filed under.
  std::vector<std::set<std::pair<sim::SimTime, sim::JobIndex>>> by_shape_;
  std::vector<sim::SimTime> since_;
  std::size_t seen_ = 0;  // run changes applied in this pass
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
