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
#include <optional>
#include <set>
#include <span>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {

// Values at places 0..n-1 (kNone where there is none) as a min segment tree: setting one and
// finding the first place from a given one whose value is at most x are O(log n).
class MinByPlace {
 public:
  static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();
  void resize(std::size_t n) {
    leaves_ = 1;
    while (leaves_ < n) leaves_ *= 2;
    min_.assign(2 * leaves_, kNone);
  }
  void set(std::uint32_t place, std::int64_t value) {
    std::size_t i = leaves_ + place;
    min_[i] = value;
    for (i /= 2; i >= 1; i /= 2) min_[i] = std::min(min_[2 * i], min_[2 * i + 1]);
  }
  std::optional<std::uint32_t> first_at_most(std::uint32_t from, std::int64_t x) const {
    if (from >= leaves_) return std::nullopt;
    return first(1, 0, leaves_, from, x);
  }

 private:
  // In the subtree `i` over places [lo, hi).
  std::optional<std::uint32_t> first(std::size_t i, std::size_t lo, std::size_t hi,
                                     std::uint32_t from, std::int64_t x) const {
    if (hi <= from || min_[i] > x) return std::nullopt;
    if (hi - lo == 1) return static_cast<std::uint32_t>(lo);
    const std::size_t mid = (lo + hi) / 2;
    if (auto l = first(2 * i, lo, mid, from, x)) return l;
    return first(2 * i + 1, mid, hi, from, x);
  }
  std::size_t leaves_ = 0;
  std::vector<std::int64_t> min_;
};

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
    using Step = sim::PendingQueue::Step;
    ctx.pending().visit_resuming([&](sim::JobIndex j) -> Step {
      if (!reserved) {
        if (auto p = ctx.find_placement(j)) {
          start(ctx, j, std::move(*p));
          return {sim::Visit::kNext, std::nullopt};
        }
        const sim::Demand& head = ctx.demand(j);
        if (head.gpu_milli == 0) return {sim::Visit::kSkipShape, std::nullopt};
        reserved = true;
        head_type = head.gpu_type;
        reserve(ctx, head, shadow, extra_milli);
        return {sim::Visit::kSkipShape, std::nullopt};
      }
      // Behind the head. A job of a shape that does not fit ends the shape for this pass. A job
      // that fits but may not backfill (too long, too big for the extra GPUs) is passed over; the
      // next job of its shape fits too as long as nothing has started since, so the placement is
      // searched again only after a start (a shape full of long jobs costs one search per start,
      // not one per job).
      const sim::Demand& d = ctx.demand(j);
      const bool competes = head_type == sim::Demand::kAnyType ||
                            d.gpu_type == sim::Demand::kAnyType || d.gpu_type == head_type;
      const bool by_time = !competes || d.gpu_milli == 0 || ctx.now() + estimate_of_[j] <= shadow;
      const bool by_extra = d.total_gpu_milli() <= extra_milli;
      if (!by_time && !by_extra) {
        const std::uint32_t shape = ctx.pending().shape_of(j);
        // Every later job of the shape is too big for the extra GPUs too (they only shrink in a
        // pass), so only those short enough for the shadow time can start: the pass goes on in
        // the shape at the first of them, and ends the shape when there is none. The jobs in
        // between would each have been passed over, changing nothing.
        const std::int64_t longest = (shadow - ctx.now()).ms();
        const std::optional<std::uint32_t> next =
            longest < 0 ? std::nullopt : pending_[shape].first_at_most(place_[j] + 1, longest);
        if (!next) return {sim::Visit::kSkipShape, std::nullopt};
        if (shape >= fits_.size()) fits_.resize(shape + 1, {0, 0});
        const Step go_on{sim::Visit::kNext, by_place_[shape][*next]};
        if (fits_[shape].first == pass_ && fits_[shape].second == starts) return go_on;
        if (!ctx.find_placement(j)) return {sim::Visit::kSkipShape, std::nullopt};
        fits_[shape] = {pass_, starts};
        return go_on;
      }
      auto p = ctx.find_placement(j);
      if (!p) return {sim::Visit::kSkipShape, std::nullopt};
      if (!by_time) extra_milli -= d.total_gpu_milli();
      start(ctx, j, std::move(*p));
      ++starts;
      return {sim::Visit::kNext, std::nullopt};
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
  // Per shape, the estimated runtimes of its pending jobs in queue order (kept from the engine's
  // arrivals and this policy's starts; a pending job's estimate does not change while it waits).
  // Every job of the workload has a fixed place in its shape's order (submission, then index:
  // the queue's order), so a shape's pending estimates are a MinByPlace over those places.
  void track_arrivals(sim::SchedulingContext& ctx) {
    if (estimate_of_.empty()) place_jobs(ctx);
    for (sim::JobIndex j : ctx.arrivals()) {
      if (estimate_of_[j] != kOut) continue;
      estimate_of_[j] = estimated_runtime(ctx, j);
      pending_[ctx.pending().shape_of(j)].set(place_[j], estimate_of_[j].ms());
    }
  }
  void place_jobs(sim::SchedulingContext& ctx) {
    const std::size_t n = ctx.workload().jobs.size();
    estimate_of_.assign(n, kOut);
    std::vector<sim::JobIndex> order(n);
    for (sim::JobIndex j = 0; j < n; ++j) order[j] = j;
    auto before = [&](sim::JobIndex a, sim::JobIndex b) {
      const auto ka = queue_key(ctx, a), kb = queue_key(ctx, b);
      return ka < kb || (ka == kb && a < b);
    };
    if (!std::is_sorted(order.begin(), order.end(), before))
      std::sort(order.begin(), order.end(), before);
    place_.assign(n, 0);
    for (sim::JobIndex j : order) {
      const std::uint32_t shape = ctx.pending().shape_of(j);
      if (shape >= by_place_.size()) by_place_.resize(shape + 1);
      place_[j] = static_cast<std::uint32_t>(by_place_[shape].size());
      by_place_[shape].push_back(j);
    }
    pending_.resize(by_place_.size());
    for (std::size_t s = 0; s < by_place_.size(); ++s) pending_[s].resize(by_place_[s].size());
  }
  void start(sim::SchedulingContext& ctx, sim::JobIndex j, sim::Placement p) {
    if (estimate_of_[j] != kOut) {
      pending_[ctx.pending().shape_of(j)].set(place_[j], MinByPlace::kNone);
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
  std::vector<sim::SimTime> estimate_of_;  // a pending job's estimate, kOut when not pending
  std::vector<std::uint32_t> place_;       // a job's place in its shape's order
  std::vector<std::vector<sim::JobIndex>> by_place_;  // per shape: its jobs in queue order
  std::vector<MinByPlace> pending_;  // per shape: pending estimates (ms) by place (track_arrivals)
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
