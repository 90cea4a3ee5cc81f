// tiresias-las and tiresias-gittins: Tiresias (Gu et al., "Tiresias: A GPU Cluster Manager for
// Distributed Deep Learning", NSDI'19), its two schedulers in their discretized form.
//
// A job's priority comes from the GPU service it has attained (GPU-seconds: run time x GPUs, the
// paper's "2D" age), discretized into K queues by the thresholds `queue_limit`: a job starts in
// queue 0 and is demoted to queue k+1 once its service reaches queue_limit[k]. Lower queues go
// first. Inside a queue, tiresias-las is FIFO by submit time (the paper's "FIFO within a queue");
// tiresias-gittins orders by the Gittins index of the job's attained service over the job-size
// distribution (higher index first, ties by submit time), as the artifact's dlas-gpu-gittins.
//
// A pass visits pending jobs in that order and starts each that fits (first fit). A job that does
// not fit may preempt running jobs of strictly lower priority (a higher queue for LAS; a higher
// queue or a lower Gittins index for Gittins), lowest priority first, until it can be placed;
// preemption is free and instant here (the runtime model may charge for it). Running jobs are
// demoted while they run, so the policy asks for a pass at the next threshold-crossing time.
//
// Starvation guard (`solve_starvation`, the paper's STARVELIMIT idea, with the artifact's
// definition): a job in queue > 0 that has waited, since it last ran, at least solve_starvation x
// the time it ran since its last promotion is promoted back to queue 0 and its service count
// restarts from zero. 0 (the default, as the artifact's dlas-gpu) turns it off.
//
// Gittins distribution (`distribution`): "workload" (default) uses the sizes of every job of the
// workload (duration x GPUs, known up front, as the artifact uses a prior trace's distribution);
// "finished" learns online from the jobs that have finished so far (FIFO inside a queue until the
// first job finishes); `samples` gives the sizes explicitly (e.g. the YARN GPU-time samples that
// ship with the artifact). Defaults as the artifact (SymbioticLab/Tiresias, simulator/jobs.py):
// queue_limit [3250, 7200] GPU-seconds (3 queues), gittins_delta 3250 GPU-seconds.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <queue>
#include <set>
#include <span>
#include <utility>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"
#include "research_common.hpp"

namespace orrery::policies {

namespace {

using research::type_serves;

// Job sizes in GPU-seconds, with counts and sums in Fenwick trees over the sorted candidate sizes
// so samples can arrive online and each index costs O(log n).
class SizeDistribution {
 public:
  void set_candidates(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    values_ = std::move(values);
    count_.assign(values_.size() + 1, 0);
    sum_.assign(values_.size() + 1, 0);
    samples_ = 0;
  }
  void add(double v) {
    auto it = std::lower_bound(values_.begin(), values_.end(), v);
    if (it == values_.end() || *it != v) return;  // not a candidate (never happens by design)
    for (auto i = static_cast<std::size_t>(it - values_.begin()) + 1; i < count_.size();
         i += i & (~i + 1)) {
      count_[i] += 1;
      sum_[i] += v;
    }
    ++samples_;
  }
  std::uint64_t samples() const { return samples_; }

  // Gittins index of a job that has attained `a` GPU-seconds, for service quantum `delta`:
  //   G(a) = P(S - a <= delta | S > a) / E[min(S - a, delta) | S > a]
  // (Gittins 1989; Tiresias section 4.2). 0 when no sample exceeds a.
  double index(double a, double delta) const {
    const auto [c_a, s_a] = prefix(upper(a));
    const auto [c_b, s_b] = prefix(upper(a + delta));
    if (samples_ <= c_a) return 0;
    const double ending = static_cast<double>(c_b - c_a);
    const double beyond = static_cast<double>(samples_ - c_b);
    const double expected = (s_b - s_a) - ending * a + beyond * delta;  // x survivors
    return expected > 0 ? ending / expected : 0;
  }

 private:
  std::size_t upper(double x) const {
    return static_cast<std::size_t>(std::upper_bound(values_.begin(), values_.end(), x) -
                                    values_.begin());
  }
  std::pair<std::uint64_t, double> prefix(std::size_t n) const {
    std::uint64_t c = 0;
    double s = 0;
    for (std::size_t i = n; i > 0; i -= i & (~i + 1)) {
      c += count_[i];
      s += sum_[i];
    }
    return {c, s};
  }
  std::vector<double> values_;
  std::vector<std::uint64_t> count_;
  std::vector<double> sum_;
  std::uint64_t samples_ = 0;
};

enum class Distribution { kWorkload, kFinished, kSamples };

struct TiresiasParams {
  bool gittins = false;
  std::vector<double> limits_gpu_ms;  // demotion thresholds, ascending, GPU-milliseconds
  double solve_starvation = 0;
  double delta_gpu_s = 3250;
  Distribution distribution = Distribution::kWorkload;
  std::vector<double> samples_gpu_s;
};

// A job's size for the Gittins distribution: GPU-seconds on the reference hardware.
double size_gpu_s(const sim::SchedulingContext& ctx, sim::JobIndex j) {
  return ctx.job(j).duration.seconds() * static_cast<double>(ctx.demand(j).total_gpu_milli()) /
         1000.0;
}

class Tiresias final : public sim::Policy {
 public:
  explicit Tiresias(TiresiasParams p) : p_(std::move(p)) {}

  std::string_view name() const override {
    return p_.gittins ? "tiresias-gittins" : "tiresias-las";
  }

  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return key_of(ctx, j);
  }

  void schedule(sim::SchedulingContext& ctx) override {
    init(ctx);
    seen_ = 0;
    follow_changes(ctx);  // finishes since the last pass
    if (p_.distribution == Distribution::kFinished && p_.gittins) rekey_if_grown(ctx);
    demote_due(ctx);
    if (p_.solve_starvation > 0) {  // waits are tracked only for the starvation guard
      track_waiting(ctx);
      promote_starving(ctx);
    }
    pass(ctx);
    follow_changes(ctx);  // this pass's starts and preemptions
    plan_wakeup(ctx);
  }

 private:
  // Service that decides the queue: attained GPU-ms since the last promotion.
  double service(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    return ctx.attained_gpu_ms(j) - (j < promoted_at_.size() ? promoted_at_[j] : 0.0);
  }
  std::int64_t level_of(double service_gpu_ms) const {
    return std::upper_bound(p_.limits_gpu_ms.begin(), p_.limits_gpu_ms.end(), service_gpu_ms) -
           p_.limits_gpu_ms.begin();
  }
  // Higher Gittins index first: map the (non-negative) double's bit pattern, which orders like
  // the value, to a decreasing integer below 2^54, leaving room for the queue level above it.
  static std::int64_t descending(double index) {
    const auto bits = std::bit_cast<std::uint64_t>(std::max(index, 0.0));
    return static_cast<std::int64_t>((0x7fffffffffffffffULL - bits) >> 9);
  }
  sim::QueueKey key_of(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    const double s = service(ctx, j);
    const std::int64_t level = level_of(s);
    const std::int64_t submit = ctx.job(j).submit.ms();
    if (!p_.gittins) return {level, submit};
    return {(level << 54) + descending(dist_.index(s / 1000.0, p_.delta_gpu_s)), submit};
  }

  void init(const sim::SchedulingContext& ctx) {
    if (initialized_) return;
    initialized_ = true;
    const std::size_t n = ctx.workload().jobs.size();
    promoted_at_.assign(n, 0.0);
    waited_ms_.assign(n, 0);
    wait_since_.assign(n, sim::SimTime::zero());
    waiting_flag_.assign(n, 0);
    held_level_.assign(n, -1);
    types_ = ctx.cluster().gpu_types().size();
    level_milli_.assign((p_.limits_gpu_ms.size() + 1) * (types_ + 1), 0);
    if (!p_.gittins) return;
    if (p_.distribution == Distribution::kSamples) {
      dist_.set_candidates(p_.samples_gpu_s);
      for (double s : p_.samples_gpu_s) dist_.add(s);
      return;
    }
    std::vector<double> sizes;
    sizes.reserve(n);
    for (sim::JobIndex j = 0; j < n; ++j) {
      if (ctx.demand(j).gpu_milli > 0) sizes.push_back(size_gpu_s(ctx, j));
    }
    dist_.set_candidates(sizes);
    if (p_.distribution == Distribution::kWorkload) {
      for (double s : sizes) dist_.add(s);
    }
  }

  // --- the running GPU jobs, followed incrementally ---
  // A run segment's demotions are predictable: service grows at the job's GPU count per ms.
  struct Crossing {
    std::int64_t t;
    sim::JobIndex job;
    std::uint32_t epoch;
    std::int64_t since;  // the segment's start, ms
    auto operator<=>(const Crossing&) const = default;
  };
  bool current(const sim::SchedulingContext& ctx, const Crossing& c) const {
    const sim::JobRuntime& rt = ctx.runtime(c.job);
    return rt.status == sim::JobStatus::kRunning && rt.epoch == c.epoch &&
           rt.last_start.ms() == c.since;
  }
  // The time the running job j next crosses a queue threshold, if it has one left.
  void push_crossing(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    const double s = service(ctx, j);
    const auto level = static_cast<std::size_t>(level_of(s));
    if (level >= p_.limits_gpu_ms.size()) return;
    const double rate = static_cast<double>(ctx.demand(j).total_gpu_milli()) / 1000.0;
    const auto dt = static_cast<std::int64_t>(std::ceil((p_.limits_gpu_ms[level] - s) / rate));
    const sim::JobRuntime& rt = ctx.runtime(j);
    crossings_.push(
        {ctx.now().ms() + std::max<std::int64_t>(dt, 1), j, rt.epoch, rt.last_start.ms()});
  }

  // tiresias-las keeps its running GPU jobs in priority order, (queue level, submit, job), with
  // the GPUs each level holds by type; tiresias-gittins, whose keys move with every millisecond of
  // service, ranks its running jobs when it needs victims instead.
  struct Held {
    std::int64_t level;
    std::int64_t submit;
    sim::JobIndex job;
    auto operator<=>(const Held&) const = default;
  };
  std::uint64_t& level_slot(std::int64_t level, std::uint32_t type) {
    const std::size_t slot = type == sim::Demand::kAnyType ? 0 : std::size_t{type} + 1;
    return level_milli_[static_cast<std::size_t>(level) * (types_ + 1) + slot];
  }
  void hold(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    if (p_.gittins || held_level_[j] >= 0) return;
    const std::int64_t level = level_of(service(ctx, j));
    held_.insert({level, ctx.job(j).submit.ms(), j});
    held_level_[j] = level;
    level_slot(level, ctx.demand(j).gpu_type) += ctx.demand(j).total_gpu_milli();
  }
  void unhold(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    const std::int64_t level = held_level_[j];
    if (level < 0) return;
    held_.erase({level, ctx.job(j).submit.ms(), j});
    held_level_[j] = -1;
    level_slot(level, ctx.demand(j).gpu_type) -= ctx.demand(j).total_gpu_milli();
  }
  // GPUs (thousandths) held by jobs below `level` that could serve the demand.
  std::uint64_t held_below(std::int64_t level, const sim::Demand& d) {
    std::uint64_t sum = 0;
    for (auto l = level + 1; l <= static_cast<std::int64_t>(p_.limits_gpu_ms.size()); ++l) {
      sum += level_slot(l, sim::Demand::kAnyType);
      if (d.gpu_type != sim::Demand::kAnyType) {
        sum += level_slot(l, d.gpu_type);
      } else {
        for (std::uint32_t t = 0; t < types_; ++t) sum += level_slot(l, t);
      }
    }
    return sum;
  }

  // Applies the engine's run changes not seen yet: starts join (with their next demotion),
  // stops leave; "finished" learns the sizes of the jobs that ended.
  void follow_changes(const sim::SchedulingContext& ctx) {
    const std::span<const sim::RunChange> changes = ctx.run_changes();
    const bool learn = p_.gittins && p_.distribution == Distribution::kFinished;
    for (; seen_ < changes.size(); ++seen_) {
      const sim::RunChange c = changes[seen_];
      if (ctx.demand(c.job).gpu_milli == 0) continue;
      if (!c.started) {
        unhold(ctx, c.job);
        const sim::JobStatus s = ctx.runtime(c.job).status;
        if (learn && (s == sim::JobStatus::kCompleted || s == sim::JobStatus::kFailed ||
                      s == sim::JobStatus::kKilled)) {
          dist_.add(size_gpu_s(ctx, c.job));
        }
        continue;
      }
      if (ctx.runtime(c.job).status != sim::JobStatus::kRunning) continue;  // stopped since
      hold(ctx, c.job);
      push_crossing(ctx, c.job);
    }
  }

  // Running jobs whose service crossed a threshold by now move down a queue.
  void demote_due(const sim::SchedulingContext& ctx) {
    const std::int64_t now = ctx.now().ms();
    while (!crossings_.empty() && crossings_.top().t <= now) {
      const Crossing c = crossings_.top();
      crossings_.pop();
      if (!current(ctx, c)) continue;
      unhold(ctx, c.job);
      hold(ctx, c.job);
      push_crossing(ctx, c.job);
    }
  }

  // Keys of pending jobs were computed with the distribution of their time; refresh them when
  // it has grown by a tenth, so the cost stays O(pending log pending) per 10% growth.
  void rekey_if_grown(sim::SchedulingContext& ctx) {
    if (dist_.samples() > 0 && dist_.samples() * 10 >= rekeyed_at_ * 11 + 10) {
      rekeyed_at_ = dist_.samples();
      for (sim::JobIndex j : ctx.pending().ordered()) {
        ctx.pending().erase(j);
        ctx.pending().insert(j, key_of(ctx, j));
      }
    }
  }

  // Jobs we preempted wait until restarted; the wait counts for the starvation guard.
  void track_waiting(const sim::SchedulingContext& ctx) {
    std::erase_if(waiting_, [&](sim::JobIndex j) {
      const sim::JobRuntime& rt = ctx.runtime(j);
      if (rt.status == sim::JobStatus::kPreempted || rt.status == sim::JobStatus::kPending)
        return false;
      waited_ms_[j] += (rt.last_start - wait_since_[j]).ms();
      waiting_flag_[j] = 0;
      return true;
    });
  }

  double ran_ms_since_promotion(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    const double gpus = static_cast<double>(ctx.demand(j).total_gpu_milli()) / 1000.0;
    return gpus > 0 ? service(ctx, j) / gpus : 0.0;
  }

  void promote_starving(sim::SchedulingContext& ctx) {
    const sim::SimTime now = ctx.now();
    for (sim::JobIndex j : waiting_) {
      const double ran = ran_ms_since_promotion(ctx, j);
      if (level_of(service(ctx, j)) == 0 || ran <= 0) continue;
      const double waited = static_cast<double>(waited_ms_[j] + (now - wait_since_[j]).ms());
      if (waited < p_.solve_starvation * ran) continue;
      ctx.pending().erase(j);
      promoted_at_[j] = ctx.attained_gpu_ms(j);
      waited_ms_[j] = 0;
      wait_since_[j] = now;
      ctx.pending().insert(j, key_of(ctx, j));
    }
  }

  void note_preempted(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    if (p_.solve_starvation <= 0) return;
    // A job restarted and preempted again since we last looked: close its earlier wait first.
    const sim::SimTime restarted = ctx.runtime(j).last_start;
    if (waiting_flag_[j] && restarted > wait_since_[j])
      waited_ms_[j] += (restarted - wait_since_[j]).ms();
    wait_since_[j] = ctx.now();
    if (!waiting_flag_[j]) {
      waiting_flag_[j] = 1;
      waiting_.push_back(j);
    }
  }

  // tiresias-las: preempts running jobs of lower queues than `level`, lowest priority first,
  // until j fits; false (nothing preempted) when even all of them would not make room.
  bool preempt_below(sim::SchedulingContext& ctx, sim::JobIndex j, std::int64_t level,
                     bool& preempted_any) {
    const sim::Demand& d = ctx.demand(j);
    // Later jobs of this shape have fewer victims still: the caller skips the whole shape.
    if (research::free_milli_for(ctx, d) + held_below(level, d) < d.total_gpu_milli()) return false;
    auto evict = [&](sim::JobIndex v) {
      unhold(ctx, v);
      ctx.preempt(v);
      note_preempted(ctx, v);
      preempted_any = true;
    };
    // First the victims whose GPUs j can use (research::VictimWalk), none if by GPU count j cannot
    // fit at all; then, if CPU, memory or topology still keep j out, the rest in plain order.
    research::VictimWalk walk(ctx, j);
    if (walk.applies()) {
      bool room = false;
      for (auto v = held_.rbegin(); v != held_.rend() && v->level > level && !room; ++v) {
        if (type_serves(d.gpu_type, ctx.demand(v->job).gpu_type)) room = walk.offer(v->job);
      }
      if (!room && !walk.uncounted()) return false;
      if (room) {
        for (sim::JobIndex v : walk.useful()) {
          evict(v);
          if (auto p = ctx.find_placement(j)) {
            ctx.start(j, std::move(*p));
            return true;
          }
        }
      }
    }
    auto it = held_.end();
    while (it != held_.begin()) {
      const auto victim = std::prev(it);
      if (victim->level <= level) break;
      const sim::JobIndex v = victim->job;
      if (!type_serves(d.gpu_type, ctx.demand(v).gpu_type)) {
        it = victim;
        continue;
      }
      evict(v);  // erases `victim`; `it` stays valid
      if (auto p = ctx.find_placement(j)) {
        ctx.start(j, std::move(*p));
        return true;
      }
    }
    return false;
  }

  void pass(sim::SchedulingContext& ctx) {
    // tiresias-gittins' victims, built when the first job that does not fit needs them: running
    // jobs holding GPUs of strictly lower priority than that job (a larger primary key), highest
    // priority first. Later jobs have lower priorities still, so their victims are a prefix-trimmed
    // subset.
    struct Run {
      sim::QueueKey key;
      sim::JobIndex job;
      bool operator<(const Run& o) const { return key < o.key || (key == o.key && job < o.job); }
    };
    std::vector<Run> run;
    bool built = false;
    const std::size_t types = ctx.cluster().gpu_types().size();
    std::vector<std::uint64_t> victim_typed(types, 0);
    std::uint64_t victim_untyped = 0;
    auto account = [&](sim::JobIndex r, bool add) {
      const sim::Demand& d = ctx.demand(r);
      std::uint64_t& slot =
          d.gpu_type == sim::Demand::kAnyType ? victim_untyped : victim_typed[d.gpu_type];
      slot = add ? slot + d.total_gpu_milli() : slot - d.total_gpu_milli();
    };
    auto build = [&](const sim::QueueKey& mine) {
      built = true;
      for (sim::JobIndex r : ctx.running()) {
        if (ctx.demand(r).gpu_milli == 0) continue;
        // The queue level alone settles most comparisons; the full key only on a tie.
        const double s = service(ctx, r);
        const std::int64_t level = level_of(s);
        const std::int64_t my_level = p_.gittins ? mine.primary >> 54 : mine.primary;
        if (level < my_level) continue;
        const sim::QueueKey key = key_of(ctx, r);
        if (key.primary > mine.primary) run.push_back({key, r});
      }
      std::sort(run.begin(), run.end());
      for (const Run& r : run) account(r.job, true);
    };
    std::vector<char> gone;
    std::size_t b = 0;
    std::size_t tail = 0;
    bool preempted_any = false;

    ctx.pending().visit([&](sim::JobIndex j) {
      // The fit memo: a shape that found no room since the last release finds none now (the
      // heads of the queue are visited at every pass, and about 3 in 10 on the Helios-synth 1M
      // run are such shapes); preemption is tried all the same.
      const std::uint64_t epoch = ctx.cluster().release_epoch();
      const std::uint32_t shape = ctx.pending().shape_of(j);
      if (!ctx.pending().unplaceable(shape, epoch)) {
        if (auto p = ctx.find_placement(j)) {
          ctx.start(j, std::move(*p));
          return sim::Visit::kNext;
        }
        ctx.pending().mark_unplaceable(shape, epoch);
      }
      const sim::Demand& d = ctx.demand(j);
      if (d.gpu_milli == 0) return sim::Visit::kSkipShape;
      const sim::QueueKey mine = ctx.pending().key_of(j);
      if (!p_.gittins) {
        return preempt_below(ctx, j, mine.primary, preempted_any) ? sim::Visit::kNext
                                                                  : sim::Visit::kSkipShape;
      }
      if (!built) {
        build(mine);
        gone.assign(run.size(), 0);
        tail = run.size();
      }
      while (b < run.size() && run[b].key.primary <= mine.primary) {
        if (!gone[b]) account(run[b].job, false);
        ++b;
      }
      while (tail > b && gone[tail - 1]) --tail;
      if (b >= tail) return sim::Visit::kSkipShape;
      std::uint64_t avail = research::free_milli_for(ctx, d) + victim_untyped;
      if (d.gpu_type == sim::Demand::kAnyType) {
        for (std::uint64_t v : victim_typed) avail += v;
      } else {
        avail += victim_typed[d.gpu_type];
      }
      // Later jobs of this shape have fewer victims still: skip the whole shape.
      if (avail < d.total_gpu_milli()) return sim::Visit::kSkipShape;
      auto evict = [&](std::size_t i) {
        ctx.preempt(run[i].job);
        gone[i] = 1;
        account(run[i].job, false);
        note_preempted(ctx, run[i].job);
        preempted_any = true;
      };
      // As tiresias-las: the victims whose GPUs j can use first, then the rest in plain order.
      research::VictimWalk walk(ctx, j);
      if (walk.applies()) {
        std::vector<std::size_t> offered;
        bool room = false;
        for (std::size_t i = tail; i-- > b && !room;) {
          if (gone[i] || !type_serves(d.gpu_type, ctx.demand(run[i].job).gpu_type)) continue;
          offered.push_back(i);
          room = walk.offer(run[i].job);
        }
        if (!room && !walk.uncounted()) return sim::Visit::kSkipShape;
        if (room) {
          const std::vector<sim::JobIndex> useful = walk.useful();
          for (std::size_t i : offered) {
            if (std::find(useful.begin(), useful.end(), run[i].job) == useful.end()) continue;
            evict(i);
            if (auto p = ctx.find_placement(j)) {
              ctx.start(j, std::move(*p));
              return sim::Visit::kNext;
            }
          }
        }
      }
      for (std::size_t i = tail; i-- > b;) {
        if (gone[i] || !type_serves(d.gpu_type, ctx.demand(run[i].job).gpu_type)) continue;
        evict(i);
        if (auto p = ctx.find_placement(j)) {
          ctx.start(j, std::move(*p));
          return sim::Visit::kNext;
        }
      }
      return sim::Visit::kSkipShape;
    });
    // GPUs freed beyond what the preemptors needed go to whoever fits now.
    if (preempted_any) greedy_pass(ctx, Blocking::kSkip);
  }

  // The next time a running job crosses a queue threshold, or a waiting job starves.
  void plan_wakeup(sim::SchedulingContext& ctx) {
    const std::int64_t now = ctx.now().ms();
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    while (!crossings_.empty() && !current(ctx, crossings_.top())) crossings_.pop();
    if (!crossings_.empty()) next = crossings_.top().t;
    if (p_.solve_starvation > 0) {
      for (sim::JobIndex j : waiting_) {
        const double ran = ran_ms_since_promotion(ctx, j);
        if (level_of(service(ctx, j)) == 0 || ran <= 0) continue;
        const double waited = static_cast<double>(waited_ms_[j] + (now - wait_since_[j].ms()));
        const auto dt = static_cast<std::int64_t>(std::ceil(p_.solve_starvation * ran - waited));
        next = std::min(next, now + std::max<std::int64_t>(dt, 1));
      }
    }
    if (next != std::numeric_limits<std::int64_t>::max())
      wakeups_.request(ctx, sim::SimTime::from_ms(next));
  }

  TiresiasParams p_;
  bool initialized_ = false;
  SizeDistribution dist_;
  std::uint64_t rekeyed_at_ = 0;
  std::vector<double> promoted_at_;       // attained GPU-ms at the last promotion
  std::vector<std::int64_t> waited_ms_;   // waiting time since the last promotion (closed waits)
  std::vector<sim::SimTime> wait_since_;  // start of the current wait
  std::vector<char> waiting_flag_;
  std::vector<sim::JobIndex> waiting_;  // jobs preempted by us and not restarted yet
  std::size_t seen_ = 0;                // run changes applied in this pass
  std::priority_queue<Crossing, std::vector<Crossing>, std::greater<>> crossings_;
  std::set<Held> held_;                     // tiresias-las: running GPU jobs by priority
  std::vector<std::int64_t> held_level_;    // its level in held_, -1 when not there
  std::vector<std::uint64_t> level_milli_;  // GPU thousandths held per (level, type slot)
  std::size_t types_ = 0;
  research::Wakeups wakeups_;
};

TiresiasParams parse_tiresias(ParamReader& r, bool gittins) {
  TiresiasParams p;
  p.gittins = gittins;
  std::vector<double> limits = r.numbers("queue_limit", {3250, 7200}, 0, 1e15);
  for (std::size_t i = 0; i < limits.size(); ++i) {
    if (!(limits[i] > 0) || (i > 0 && !(limits[i] > limits[i - 1]))) {
      r.problem("queue_limit", "thresholds must be positive and strictly increasing (GPU-seconds)");
      break;
    }
  }
  const auto queues = r.integer("num_queue", static_cast<std::int64_t>(limits.size()) + 1, 1, 64);
  if (static_cast<std::size_t>(queues) > limits.size() + 1) {
    r.problem("num_queue", "needs num_queue - 1 = " + std::to_string(queues - 1) +
                               " thresholds in queue_limit, got " + std::to_string(limits.size()));
  } else {
    limits.resize(static_cast<std::size_t>(queues) - 1);
  }
  for (double l : limits) p.limits_gpu_ms.push_back(l * 1000.0);
  p.solve_starvation = r.number("solve_starvation", 0, 0, 1e9);
  if (gittins) {
    p.delta_gpu_s = r.number("gittins_delta", 3250, 1e-3, 1e15);
    const std::string dist = r.string("distribution", "workload", {"workload", "finished"});
    p.distribution = dist == "finished" ? Distribution::kFinished : Distribution::kWorkload;
    p.samples_gpu_s = r.numbers("samples", {}, 0, 1e18);
    if (!p.samples_gpu_s.empty()) {
      if (dist == "finished") r.problem("samples", "cannot be combined with distribution finished");
      p.distribution = Distribution::kSamples;
    }
  }
  return p;
}

}  // namespace

PolicyInfo tiresias_las_policy() {
  return {"tiresias-las",
          "Tiresias 2D-LAS: queues by attained GPU-time, FIFO inside, preempts lower queues",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("tiresias-las", params);
            TiresiasParams p = parse_tiresias(r, false);
            r.finish();
            return std::make_unique<Tiresias>(std::move(p));
          }};
}

PolicyInfo tiresias_gittins_policy() {
  return {"tiresias-gittins",
          "Tiresias 2D-Gittins: queues by attained GPU-time, Gittins index inside, preemptive",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("tiresias-gittins", params);
            TiresiasParams p = parse_tiresias(r, true);
            r.finish();
            return std::make_unique<Tiresias>(std::move(p));
          }};
}

}  // namespace orrery::policies
