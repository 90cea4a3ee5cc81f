// easy-backfill: FIFO with EASY backfilling (Lifka 1995; Mu'alem and Feitelson, TPDS 2001).
//
// Jobs start in submit order while they fit. The first job that does not fit (the head) gets a
// reservation: the "shadow time" at which, by the running jobs' estimated ends, enough GPUs of its
// type will be free, and the "extra" GPUs left over at that time. A later job may start now
// (backfill) if it fits now and either ends, by its estimate, before the shadow time, or uses no
// more than the extra GPUs. Estimates are the walltime request when the trace has one, otherwise
// the job's actual duration (an oracle; documented in docs/policies.md).
// Simplifications: the reservation counts GPUs of the head's type, not their position on nodes
// (fragmentation can delay the head slightly past its shadow time); a head job that needs no GPU
// makes no reservation.
#include <algorithm>
#include <limits>
#include <set>
#include <span>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {
class EasyBackfill final : public sim::Policy {
 public:
  std::string_view name() const override { return "easy-backfill"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};
  }
  void schedule(sim::SchedulingContext& ctx) override {
    track_arrivals(ctx);
    seen_ = 0;
    ++pass_;
    std::uint64_t starts = 0;  // behind the head, in this pass
    bool reserved = false;
    sim::SimTime shadow = sim::SimTime::max();
    std::uint64_t extra_milli = 0;
    std::uint32_t head_type = sim::Demand::kAnyType;
    ctx.pending().visit([&](sim::JobIndex j) {
      if (!reserved) {
        if (auto p = ctx.find_placement(j)) {
          start(ctx, j, std::move(*p));
          return sim::Visit::kNext;
        }
        const sim::Demand& head = ctx.demand(j);
        if (head.gpu_milli == 0) return sim::Visit::kSkipShape;
        reserved = true;
        head_type = head.gpu_type;
        reserve(ctx, head, shadow, extra_milli);
        return sim::Visit::kSkipShape;
      }
      // Behind the head. A job of a shape that does not fit ends the shape for this pass. A job
      // that fits but may not backfill (too long, too big for the extra GPUs) is passed over; the
      // next job of its shape fits too as long as nothing has started since, so the placement is
      // searched again only after a start (a shape full of long jobs costs one search per start,
      // not one per job).
      const sim::Demand& d = ctx.demand(j);
      const bool competes = head_type == sim::Demand::kAnyType ||
                            d.gpu_type == sim::Demand::kAnyType || d.gpu_type == head_type;
      const bool by_time =
          !competes || d.gpu_milli == 0 || ctx.now() + estimated_runtime(ctx, j) <= shadow;
      const bool by_extra = d.total_gpu_milli() <= extra_milli;
      if (!by_time && !by_extra) {
        const std::uint32_t shape = ctx.pending().shape_of(j);
        // No job of the shape left is short enough, and its size stays above the extra GPUs
        // (they only shrink in a pass): none of them can start in this pass.
        if (ctx.now() + *estimates_[shape].begin() > shadow) return sim::Visit::kSkipShape;
        if (shape >= fits_.size()) fits_.resize(shape + 1, {0, 0});
        if (fits_[shape].first == pass_ && fits_[shape].second == starts) return sim::Visit::kNext;
        if (!ctx.find_placement(j)) return sim::Visit::kSkipShape;
        fits_[shape] = {pass_, starts};
        return sim::Visit::kNext;
      }
      auto p = ctx.find_placement(j);
      if (!p) return sim::Visit::kSkipShape;
      if (!by_time) extra_milli -= d.total_gpu_milli();
      start(ctx, j, std::move(*p));
      ++starts;
      return sim::Visit::kNext;
    });
    follow(ctx);  // the engine forgets this pass's run changes when it returns
  }

 private:
  // The running GPU jobs by estimated end (last start + walltime, else the engine's expected
  // end), kept up to date from the engine's run changes: finding the shadow time costs the jobs
  // it needs, not a sort of every running job at every pass.
  static sim::SimTime raw_end(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    const sim::JobSpec& spec = ctx.job(j);
    const sim::JobRuntime& rt = ctx.runtime(j);
    return spec.walltime ? rt.last_start + *spec.walltime : rt.expected_end;
  }
  // Per shape, the estimated runtimes of its pending jobs (kept from the engine's arrivals and
  // this policy's starts; a pending job's estimate does not change while it waits).
  void track_arrivals(sim::SchedulingContext& ctx) {
    if (estimate_of_.empty()) estimate_of_.assign(ctx.workload().jobs.size(), kOut);
    for (sim::JobIndex j : ctx.arrivals()) {
      if (estimate_of_[j] != kOut) continue;
      const std::uint32_t shape = ctx.pending().shape_of(j);
      if (shape >= estimates_.size()) estimates_.resize(shape + 1);
      estimate_of_[j] = estimated_runtime(ctx, j);
      estimates_[shape].insert(estimate_of_[j]);
    }
  }
  void start(sim::SchedulingContext& ctx, sim::JobIndex j, sim::Placement p) {
    if (estimate_of_[j] != kOut) {
      auto& set = estimates_[ctx.pending().shape_of(j)];
      set.erase(set.find(estimate_of_[j]));
      estimate_of_[j] = kOut;
    }
    ctx.start(j, std::move(p));
  }

  void follow(const sim::SchedulingContext& ctx) {
    if (key_.empty()) key_.assign(ctx.workload().jobs.size(), kOut);
    const std::span<const sim::RunChange> changes = ctx.run_changes();
    for (; seen_ < changes.size(); ++seen_) {
      const sim::RunChange c = changes[seen_];
      if (ctx.demand(c.job).gpu_milli == 0) continue;
      if (key_[c.job] != kOut) {
        ends_.erase({key_[c.job], c.job});
        key_[c.job] = kOut;
      }
      if (c.started && ctx.runtime(c.job).status == sim::JobStatus::kRunning) {
        key_[c.job] = raw_end(ctx, c.job);
        ends_.insert({key_[c.job], c.job});
      }
    }
  }

  void reserve(const sim::SchedulingContext& ctx, const sim::Demand& head, sim::SimTime& shadow,
               std::uint64_t& extra_milli) {
    follow(ctx);
    auto competes = [&](sim::JobIndex r) {
      const std::uint32_t t = ctx.demand(r).gpu_type;
      return head.gpu_type == sim::Demand::kAnyType || t == head.gpu_type ||
             t == sim::Demand::kAnyType;
    };
    std::uint64_t free_milli = ctx.cluster().free_whole_gpus(head.gpu_type) * 1000;
    const std::uint64_t need = head.total_gpu_milli();
    shadow = sim::SimTime::max();
    extra_milli = 0;
    // Jobs past their estimate are taken to end now, in job order.
    auto it = ends_.begin();
    std::vector<sim::JobIndex> overdue;
    for (; it != ends_.end() && it->first <= ctx.now(); ++it) {
      if (competes(it->second)) overdue.push_back(it->second);
    }
    std::sort(overdue.begin(), overdue.end());
    for (sim::JobIndex r : overdue) {
      if (free_milli >= need) break;
      free_milli += ctx.demand(r).total_gpu_milli();
      shadow = ctx.now();
    }
    for (; it != ends_.end() && free_milli < need; ++it) {
      if (!competes(it->second)) continue;
      free_milli += ctx.demand(it->second).total_gpu_milli();
      shadow = it->first;
    }
    if (free_milli >= need) extra_milli = free_milli - need;
  }

  static constexpr sim::SimTime kOut =
      sim::SimTime::from_ms(std::numeric_limits<std::int64_t>::min());
  std::set<std::pair<sim::SimTime, sim::JobIndex>> ends_;
  std::vector<sim::SimTime> key_;  // a running job's key in ends_, kOut when not there
  std::size_t seen_ = 0;           // run changes applied in this pass
  std::uint64_t pass_ = 0;
  std::vector<std::multiset<sim::SimTime>> estimates_;  // per shape (track_arrivals)
  std::vector<sim::SimTime> estimate_of_;               // a pending job's entry, kOut when none
  // Per shape: (pass, starts behind the head) when a job of it last fitted without starting.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> fits_;
};
}  // namespace

PolicyInfo easy_backfill_policy() {
  return {"easy-backfill",
          "FIFO with EASY backfilling: reservation for the head job, backfill by walltime",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("easy-backfill", params);
            r.finish();
            return std::make_unique<EasyBackfill>();
          }};
}

}  // namespace orrery::policies
