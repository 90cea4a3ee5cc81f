// volcano: the Volcano batch scheduler (volcano.sh) with its gang, priority, drf, proportion,
// predicates and binpack plugins and the allocate, preempt and reclaim actions.
//
// A session runs every schedulePeriod (1 s by default) on a fixed grid. Each job is a PodGroup
// whose minMember is all its tasks unless minMember says otherwise; it starts only when minMember
// tasks can be placed together (gang), its tasks placed one by one on the best binpack node.
// Queues have a weight and a capability (params "queues"); jobs go to the queue named by their
// trace queue, or to "default". The proportion plugin gives every queue a deserved share each
// session: the cluster's resources are dealt out by weight, in rounds, each queue capped by its
// capability and by what its jobs request, the remainder dealt again among the rest. allocate
// visits queues in order of share (allocated / deserved, the larger dimension first: weighted DRF
// across queues) and, inside a queue, jobs by priority, then by their dominant resource share
// (DRF across jobs: a job's allocated share of the cluster), then by creation; a job is allocatable
// only while its queue stays within its deserved share (on the resources the job requests).
// preempt: a pending job evicts running jobs of lower priority in its own queue (lowest priority,
// latest started first) when that lets its gang fit. reclaim: a pending job of a queue that is
// under its deserved share evicts jobs of queues above theirs (reclaimable queues only), lowest
// priority and latest started first, while the victim's queue is still above its share.
// Simplifications (docs/policies.md): evictions end whole jobs and the preemptor starts in the
// same session (no pipelining, no graceful termination); enqueue admits every job (no
// overcommit check) and backfill is the allocate pass itself; binpack ties go to the lowest
// node id; with minMember < tasks the job starts (in the engine) only once all its tasks are
// bound, its first minMember tasks binding as a gang.
// Sources: volcano.sh docs (Queue, PodGroup, Plugins: gang, proportion, drf, binpack, priority;
// Actions: allocate, preempt, reclaim), Volcano scheduler configuration (actions, tiers).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <span>
#include <tuple>

#include "production_parts.hpp"
#include "production_support.hpp"

namespace orrery::policies {

namespace {

using prod::FreeMap;
using prod::Res;

constexpr double kUnlimited = std::numeric_limits<double>::infinity();

struct QueueSpec {
  std::string name;
  double weight = 1;
  double cap[3] = {kUnlimited, kUnlimited, kUnlimited};  // gpu milli, cpu milli, mem MiB
  bool reclaimable = true;
};

struct VolcanoConfig {
  std::vector<QueueSpec> queues;  // empty: one queue per trace queue, weight 1
  std::uint32_t min_member = 0;   // 0: all tasks
  bool preempt = true, reclaim = true;
  sim::SimTime period = sim::SimTime::from_seconds(1);
  sim::SimTime phase = sim::SimTime::zero();
  double binpack_weight = 1, binpack_cpu = 1, binpack_memory = 1, binpack_gpu = 1;
};

struct Vec3 {
  double v[3] = {0, 0, 0};
  static Vec3 of(const Res& r) {
    Vec3 x;
    x.v[0] = static_cast<double>(r.gpu);
    x.v[1] = static_cast<double>(r.cpu);
    x.v[2] = static_cast<double>(r.mem);
    return x;
  }
};

class Volcano final : public sim::Policy {
 public:
  explicit Volcano(VolcanoConfig cfg) : cfg_(std::move(cfg)) {}
  std::string_view name() const override { return "volcano"; }

  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {-static_cast<std::int64_t>(ctx.job(j).priority), ctx.job(j).submit.ms()};
  }

  void schedule(sim::SchedulingContext& ctx) override {
    // The engine's arrivals and run changes start afresh with every pass.
    arrivals_seen_ = changes_seen_ = 0;
    running_.pass_begins();
    queue_of(ctx, 0);
    follow_running(ctx);
    follow_waiting(ctx);
    const sim::SimTime tick = prod::next_tick(ctx.now(), cfg_.period, cfg_.phase);
    if (tick > ctx.now()) {
      if (tick != requested_) {
        ctx.request_wakeup(tick);
        requested_ = tick;
      }
      return;
    }
    evicted_ = false;
    session(ctx);
    follow_running(ctx);
    follow_waiting(ctx);
    // The jobs this session evicted (and any that allocate started and preempt then evicted)
    // wait through the next session and may preempt or reclaim in it: it runs at the next tick
    // even if nothing else happens by then (the engine calls no policy without a change).
    if (evicted_ && !ctx.pending().empty()) {
      const sim::SimTime next =
          prod::next_tick(ctx.now() + sim::SimTime::from_ms(1), cfg_.period, cfg_.phase);
      if (next != requested_) {
        ctx.request_wakeup(next);
        requested_ = next;
      }
    }
  }

 private:
  // A pending job's place in its queue's job order: priority (higher first), dominant resource
  // share (smaller first), creation, index. Jobs with no task bound hold nothing: share 0.
  struct JobKey {
    std::int32_t priority = 0;
    double share = 0;
    sim::SimTime submit;
    sim::JobIndex job = 0;
    bool operator<(const JobKey& o) const {
      if (priority != o.priority) return priority > o.priority;
      if (share != o.share) return share < o.share;
      if (submit != o.submit) return submit < o.submit;
      return job < o.job;
    }
  };
  // What makes two jobs with no task bound equal for allocate: their gang (minMember tasks) and
  // its per-task demand. Both reasons a job is passed over (no room in the session's free map, no
  // room in its queue's deserved share) hold for every later job of its shape in the same queue,
  // since allocate only takes resources.
  using Shape =
      std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t>;
  using ShapeJobs = std::map<Shape, std::set<JobKey>>;
  // A gang that found no room in a session: its size, per-task demand and the tasks already bound.
  using GangKey = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t,
                             std::uint64_t, std::uint32_t>;

  // The pending jobs of a queue with no task bound, kept across sessions from the engine's
  // arrivals and run changes (a session costs the shapes and the starts, not the queue's length).
  struct Waiting {
    std::set<JobKey> all;  // in job order
    ShapeJobs by_shape;    // the same jobs, by shape
    prod::Res request;     // their requests, summed
  };

  // A queue's jobs in order during allocate: the heads of its shapes merged with its partly bound
  // jobs. A shape whose job is passed over is dropped: its later jobs would be passed over too.
  class Cursor {
   public:
    Cursor(const ShapeJobs& shapes, std::vector<JobKey> partial) : partial_(std::move(partial)) {
      for (auto it = shapes.begin(); it != shapes.end(); ++it)
        heads_.push({*it->second.begin(), it});
    }
    bool empty() const { return heads_.empty() && next_partial_ == partial_.size(); }
    struct Next {
      sim::JobIndex job;
      std::optional<ShapeJobs::const_iterator> shape;  // none for a partly bound job
    };
    Next pop() {
      const bool of_shape = !heads_.empty() && (next_partial_ == partial_.size() ||
                                                heads_.top().key < partial_[next_partial_]);
      if (!of_shape) return {partial_[next_partial_++].job, std::nullopt};
      const Head h = heads_.top();
      heads_.pop();
      last_ = h.key;
      return {h.key.job, h.shape};
    }
    // Goes on with the shape of the job just popped; not called when that job was passed over.
    void keep(ShapeJobs::const_iterator shape) {
      auto next = shape->second.upper_bound(last_);
      if (next != shape->second.end()) heads_.push({*next, shape});
    }

   private:
    struct Head {
      JobKey key;
      ShapeJobs::const_iterator shape;
      bool operator>(const Head& o) const { return o.key < key; }
    };
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads_;
    std::vector<JobKey> partial_;  // sorted
    std::size_t next_partial_ = 0;
    JobKey last_;
  };

  struct QueueState {
    const QueueSpec* spec = nullptr;
    Vec3 allocated, request, deserved;
    std::vector<JobKey> partial;  // pending jobs with tasks bound, in job order
    bool satisfied = false;
  };

  std::uint32_t queue_of(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    if (queue_index_.size() != ctx.workload().jobs.size()) resolve_queues(ctx);
    return queue_index_[j];
  }

  void resolve_queues(const sim::SchedulingContext& ctx) {
    const sim::Workload& w = ctx.workload();
    specs_.clear();
    if (cfg_.queues.empty()) {
      // One queue per trace queue (id 0, no queue, is "default").
      for (std::size_t q = 0; q < w.queues.size(); ++q) {
        QueueSpec s;
        s.name = q == 0 ? "default" : w.queues[static_cast<std::uint32_t>(q)];
        specs_.push_back(s);
      }
    } else {
      specs_ = cfg_.queues;
    }
    std::uint32_t def = static_cast<std::uint32_t>(specs_.size());
    for (std::uint32_t i = 0; i < specs_.size(); ++i) {
      if (specs_[i].name == "default") def = i;
    }
    if (def == specs_.size()) {
      QueueSpec s;
      s.name = "default";
      specs_.push_back(s);
    }
    std::vector<std::uint32_t> by_trace_queue(w.queues.size(), def);
    for (std::uint32_t q = 1; q < w.queues.size(); ++q) {
      for (std::uint32_t i = 0; i < specs_.size(); ++i) {
        if (specs_[i].name == w.queues[q]) by_trace_queue[q] = i;
      }
    }
    queue_index_.resize(w.jobs.size());
    for (sim::JobIndex j = 0; j < w.jobs.size(); ++j)
      queue_index_[j] = by_trace_queue[w.jobs[j].queue];
    waiting_.assign(specs_.size(), Waiting{});
    running_held_.assign(specs_.size(), prod::Res{});
    running_priorities_.assign(specs_.size(), {});
    is_waiting_.assign(w.jobs.size(), false);
    running_ = prod::RunningJobs{};
  }

  Shape shape_of(const sim::Demand& d) const {
    return {min_member(d), d.gpu_milli, d.gpu_type, d.cpu_milli, d.memory_mib};
  }

  // Brings the running jobs' sums per queue up to date with the engine's run changes.
  void follow_running(const sim::SchedulingContext& ctx) {
    running_.follow(ctx, [&](sim::JobIndex j, bool running) {
      const std::uint32_t q = queue_index_[j];
      const prod::Res r = prod::request_of(ctx.demand(j));
      auto& count = running_priorities_[q][ctx.job(j).priority];
      if (running) {
        running_held_[q] += r;
        ++count;
      } else {
        running_held_[q] -= r;
        if (--count == 0) running_priorities_[q].erase(ctx.job(j).priority);
      }
    });
  }

  // Brings the waiting jobs up to date with the engine's arrivals and run changes and with the
  // jobs this policy bound or unbound tasks of. Only between sessions: a session's job order is
  // the one it started with.
  void follow_waiting(sim::SchedulingContext& ctx) {
    auto update = [&](sim::JobIndex j) {
      const bool waiting = ctx.pending().contains(j) && ctx.runtime(j).bound_tasks == 0;
      if (waiting == is_waiting_[j]) return;
      is_waiting_[j] = waiting;
      Waiting& w = waiting_[queue_index_[j]];
      const sim::Demand& d = ctx.demand(j);
      const JobKey key{ctx.job(j).priority, 0.0, ctx.job(j).submit, j};
      if (waiting) {
        w.all.insert(key);
        w.by_shape[shape_of(d)].insert(key);
        w.request += prod::request_of(d);
      } else {
        w.all.erase(key);
        auto it = w.by_shape.find(shape_of(d));
        it->second.erase(key);
        if (it->second.empty()) w.by_shape.erase(it);
        w.request -= prod::request_of(d);
      }
    };
    const std::span<const sim::JobIndex> arrivals = ctx.arrivals();
    for (; arrivals_seen_ < arrivals.size(); ++arrivals_seen_) update(arrivals[arrivals_seen_]);
    const std::span<const sim::RunChange> changes = ctx.run_changes();
    for (; changes_seen_ < changes.size(); ++changes_seen_) update(changes[changes_seen_].job);
    for (sim::JobIndex j : touched_) update(j);
    touched_.clear();
  }

  std::uint32_t min_member(const sim::Demand& d) const {
    return cfg_.min_member == 0 ? d.tasks : std::min(cfg_.min_member, d.tasks);
  }

  // What a job holds now: all its tasks when running, its bound tasks when pending.
  Res held(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    sim::Demand d = ctx.demand(j);
    if (ctx.runtime(j).status != sim::JobStatus::kRunning) d.tasks = ctx.runtime(j).bound_tasks;
    return prod::request_of(d);
  }

  double dominant(const Vec3& a, const Vec3& total) const {
    double s = 0;
    for (int k = 0; k < 3; ++k) {
      if (total.v[k] > 0) s = std::max(s, a.v[k] / total.v[k]);
    }
    return s;
  }

  // proportion: deserved shares by weight, capped by capability and request, in rounds.
  void deal(std::vector<QueueState>& qs, const Vec3& total) const {
    Vec3 remaining = total;
    for (QueueState& q : qs) {
      q.deserved = Vec3{};
      q.satisfied = false;
    }
    for (int round = 0; round < 64; ++round) {
      double weights = 0;
      for (const QueueState& q : qs) {
        if (!q.satisfied) weights += q.spec->weight;
      }
      if (weights <= 0) break;
      double dealt = 0;
      for (QueueState& q : qs) {
        if (q.satisfied) continue;
        bool all_capped = true;
        for (int k = 0; k < 3; ++k) {
          const double limit = std::min(q.request.v[k], q.spec->cap[k]);
          const double share = remaining.v[k] * q.spec->weight / weights;
          const double next = std::min(q.deserved.v[k] + share, limit);
          dealt += next - q.deserved.v[k];
          q.deserved.v[k] = std::max(q.deserved.v[k], next);
          if (q.deserved.v[k] < limit - 1e-9) all_capped = false;
        }
        q.satisfied = all_capped;
      }
      for (int k = 0; k < 3; ++k) {
        double used = 0;
        for (const QueueState& q : qs) used += q.deserved.v[k];
        remaining.v[k] = std::max(0.0, total.v[k] - used);
      }
      if (dealt <= 1e-9) break;
    }
  }

  static bool overused(const QueueState& q) {
    for (int k = 0; k < 3; ++k) {
      if (q.deserved.v[k] > q.allocated.v[k] + 1e-9) return false;
    }
    return true;
  }
  static bool allocatable(const QueueState& q, const Res& req) {
    const Vec3 r = Vec3::of(req);
    for (int k = 0; k < 3; ++k) {
      if (r.v[k] > 0 && q.allocated.v[k] + r.v[k] > q.deserved.v[k] + 1e-6) return false;
    }
    return true;
  }
  double queue_share(const QueueState& q) const {
    double s = 0;
    for (int k = 0; k < 3; ++k) {
      if (q.deserved.v[k] > 0) s = std::max(s, q.allocated.v[k] / q.deserved.v[k]);
    }
    return s;
  }

  double binpack(const FreeMap& m, std::uint32_t node, const sim::Demand& d) const {
    if (cfg_.binpack_weight <= 0) return 0;
    double score = 0, weights = 0;
    auto add = [&](double weight, double request, double used, double capacity) {
      if (weight <= 0 || request <= 0) return;
      weights += weight;
      if (capacity <= 0) return;
      score += weight * (used + request) / capacity;
    };
    add(cfg_.binpack_cpu, d.cpu_milli, m.cpu_capacity(node) - m.free_cpu(node),
        m.cpu_capacity(node));
    add(cfg_.binpack_memory, static_cast<double>(d.memory_mib),
        static_cast<double>(m.mem_capacity(node) - m.free_mem(node)),
        static_cast<double>(m.mem_capacity(node)));
    add(cfg_.binpack_gpu, d.gpu_milli >= 1000 ? 1000.0 * d.gpus_per_task() : d.gpu_milli,
        1000.0 * m.gpu_capacity(node) - m.idle_gpu_milli(node), 1000.0 * m.gpu_capacity(node));
    return weights > 0 ? cfg_.binpack_weight * score / weights * 10 : 0;
  }

  // Places the job's remaining tasks: at least `need` of them (its gang), as many as fit up to
  // all. Takes from `m`; empty when the gang does not fit.
  std::optional<sim::Placement> place(const sim::SchedulingContext& ctx, FreeMap& m,
                                      sim::JobIndex j) const {
    sim::Demand d = ctx.demand(j);
    const std::uint32_t bound = ctx.runtime(j).bound_tasks;
    const std::uint32_t left = d.tasks - bound;
    const std::uint32_t mm = min_member(d);
    const std::uint32_t need = bound >= mm ? 1 : mm - bound;
    auto score = [this](const FreeMap& fm, std::uint32_t n, const sim::Demand& dd) {
      return binpack(fm, n, dd);
    };
    d.tasks = need;
    auto p = prod::place_gang(m, d, score);
    if (!p) return std::nullopt;
    sim::Demand one = d;
    one.tasks = 1;
    for (std::uint32_t extra = need; extra < left; ++extra) {
      auto q = prod::place_gang(m, one, score);
      if (!q) break;
      p->task_nodes.push_back(q->task_nodes[0]);
      p->gpus.insert(p->gpus.end(), q->gpus.begin(), q->gpus.end());
    }
    return p;
  }

  void commit(sim::SchedulingContext& ctx, sim::JobIndex j, sim::Placement p) {
    const sim::Demand& d = ctx.demand(j);
    if (ctx.runtime(j).bound_tasks == 0 && p.task_nodes.size() == d.tasks) {
      book_.started(ctx, j, p);
      ctx.start(j, std::move(p));
      return;
    }
    book_.bound(ctx, j, p);
    partial_.insert(j);
    touched_.push_back(j);
    ctx.bind_tasks(j, std::move(p));
    if (ctx.runtime(j).status == sim::JobStatus::kRunning) partial_.erase(j);
  }

  void evict(sim::SchedulingContext& ctx, FreeMap& m, sim::JobIndex v) {
    const sim::Placement* p = book_.get(ctx, v);
    if (!p) return;
    sim::Demand d = ctx.demand(v);
    d.tasks = static_cast<std::uint32_t>(p->task_nodes.size());
    m.give_back(d, *p);
    if (ctx.runtime(v).status == sim::JobStatus::kRunning) {
      ctx.preempt(v);
    } else {
      ctx.unbind_tasks(v);
      touched_.push_back(v);
    }
    book_.forget(v);
    evicted_ = true;
    partial_.erase(v);
  }

  void session(sim::SchedulingContext& ctx) {
    const Vec3 total = Vec3::of(prod::cluster_capacity(ctx.cluster()));
    std::vector<QueueState> qs(specs_.size());
    // Allocated: what running and partly bound jobs hold; request: that and what pending jobs
    // still request. The sums are of whole numbers, exact in any order.
    for (std::size_t i = 0; i < qs.size(); ++i) {
      qs[i].spec = &specs_[i];
      qs[i].allocated = Vec3::of(running_held_[i]);
      qs[i].request = Vec3::of(running_held_[i] + waiting_[i].request);
    }
    std::map<sim::JobIndex, double> share;  // partly bound jobs' dominant share
    for (sim::JobIndex j : partial_) {
      if (!book_.get(ctx, j)) continue;
      const Vec3 h = Vec3::of(held(ctx, j));
      QueueState& q = qs[queue_index_[j]];
      for (int k = 0; k < 3; ++k) {
        q.allocated.v[k] += h.v[k];
        q.request.v[k] += h.v[k];
      }
      share[j] = dominant(h, total);
    }
    for (sim::JobIndex j : partial_) {
      if (!ctx.pending().contains(j) || ctx.runtime(j).bound_tasks == 0) continue;
      QueueState& q = qs[queue_index_[j]];
      sim::Demand rest = ctx.demand(j);
      rest.tasks -= ctx.runtime(j).bound_tasks;
      const Vec3 r = Vec3::of(prod::request_of(rest));
      for (int k = 0; k < 3; ++k) q.request.v[k] += r.v[k];
      const auto it = share.find(j);
      q.partial.push_back(
          {ctx.job(j).priority, it == share.end() ? 0.0 : it->second, ctx.job(j).submit, j});
    }
    deal(qs, total);
    for (QueueState& q : qs) std::sort(q.partial.begin(), q.partial.end());

    FreeMap m(ctx.cluster());
    const std::size_t changes_before = ctx.run_changes().size();
    std::vector<Cursor> cursors;
    cursors.reserve(qs.size());
    for (std::size_t i = 0; i < qs.size(); ++i)
      cursors.emplace_back(waiting_[i].by_shape, qs[i].partial);
    std::set<GangKey> no_room;
    // allocate
    while (true) {
      QueueState* pick = nullptr;
      for (std::size_t i = 0; i < qs.size(); ++i) {
        QueueState& q = qs[i];
        if (cursors[i].empty() || overused(q)) continue;
        if (!pick || queue_share(q) < queue_share(*pick)) pick = &q;
      }
      if (!pick) break;
      Cursor& cursor = cursors[static_cast<std::size_t>(pick - qs.data())];
      const Cursor::Next next = cursor.pop();
      const bool passed_over = !allocate(ctx, m, *pick, next.job, no_room);
      if (next.shape && !passed_over) cursor.keep(*next.shape);
    }
    // Every job still waiting (no room, or its queue at its share) may preempt or reclaim; not a
    // job allocate started, even if preempt then evicts it.
    started_.clear();
    for (const sim::RunChange& c : ctx.run_changes().subspan(changes_before)) {
      if (c.started) started_.insert(c.job);
    }
    follow_running(ctx);
    if (cfg_.preempt) preempt_action(ctx, m, qs);
    if (cfg_.reclaim) reclaim_action(ctx, m, qs);
  }

  // allocate for one job: false when it is passed over for want of room or of its queue's share.
  bool allocate(sim::SchedulingContext& ctx, FreeMap& m, QueueState& q, sim::JobIndex j,
                std::set<GangKey>& no_room) {
    if (!ctx.pending().contains(j)) return true;
    const sim::Demand& d = ctx.demand(j);
    sim::Demand gang = d;
    const std::uint32_t bound = ctx.runtime(j).bound_tasks;
    gang.tasks = bound >= min_member(d) ? 1 : min_member(d) - bound;
    if (!allocatable(q, prod::request_of(gang))) return false;
    const auto shape =
        std::make_tuple(gang.tasks, d.gpu_milli, d.gpu_type, d.cpu_milli, d.memory_mib, bound);
    if (no_room.count(shape)) return false;
    auto p = place(ctx, m, j);
    if (!p) {
      no_room.insert(shape);
      return false;
    }
    sim::Demand taken = d;
    taken.tasks = static_cast<std::uint32_t>(p->task_nodes.size());
    const Vec3 r = Vec3::of(prod::request_of(taken));
    for (int k = 0; k < 3; ++k) q.allocated.v[k] += r.v[k];
    commit(ctx, j, std::move(*p));
    return true;
  }

  // The jobs of queue q pending when the session began and not started by allocate, in job
  // order, down to priority `floor` (exclusive); the caller skips those no longer pending.
  std::vector<sim::JobIndex> waiting_above(const std::vector<QueueState>& qs, std::uint32_t q,
                                           std::int64_t floor) const {
    std::vector<JobKey> keys;
    for (const JobKey& k : waiting_[q].all) {
      if (k.priority <= floor) break;
      if (!started_.count(k.job)) keys.push_back(k);
    }
    for (const JobKey& k : qs[q].partial) {
      if (k.priority > floor && !started_.count(k.job)) keys.push_back(k);
    }
    std::sort(keys.begin(), keys.end());
    std::vector<sim::JobIndex> jobs;
    jobs.reserve(keys.size());
    for (const JobKey& k : keys) jobs.push_back(k.job);
    return jobs;
  }

  // Evicts victims in order until the job's gang fits; true (and the job started) if it does.
  bool evict_until_fits(sim::SchedulingContext& ctx, FreeMap& m, sim::JobIndex j,
                        const std::vector<sim::JobIndex>& victims, std::vector<QueueState>& qs,
                        bool reclaiming) {
    // Even evicting every candidate cannot make room: skip the trials.
    {
      const sim::Demand& d = ctx.demand(j);
      std::uint64_t gpus = m.free_whole_gpus(d.gpu_type) * 1000;
      for (sim::JobIndex v : victims) gpus += ctx.demand(v).total_gpu_milli();
      sim::Demand gang = d;
      gang.tasks = d.tasks - ctx.runtime(j).bound_tasks;
      const std::uint32_t mm = min_member(d);
      if (ctx.runtime(j).bound_tasks < mm) gang.tasks = mm - ctx.runtime(j).bound_tasks;
      if (d.gpu_milli >= 1000 && gpus < gang.total_gpu_milli()) return false;
    }
    FreeMap trial = m;
    std::vector<sim::JobIndex> chosen;
    std::vector<Vec3> freed(qs.size());
    bool fits = false;
    for (sim::JobIndex v : victims) {
      const sim::Placement* p = book_.get(ctx, v);
      if (!p) continue;
      const std::uint32_t vq = queue_index_[v];
      if (reclaiming && !(qs[vq].allocated.v[0] - freed[vq].v[0] > qs[vq].deserved.v[0] + 1e-9 ||
                          qs[vq].allocated.v[1] - freed[vq].v[1] > qs[vq].deserved.v[1] + 1e-9 ||
                          qs[vq].allocated.v[2] - freed[vq].v[2] > qs[vq].deserved.v[2] + 1e-9)) {
        continue;  // that queue is no longer above its deserved share
      }
      sim::Demand d = ctx.demand(v);
      d.tasks = static_cast<std::uint32_t>(p->task_nodes.size());
      trial.give_back(d, *p);
      const Vec3 h = Vec3::of(prod::request_of(d));
      for (int k = 0; k < 3; ++k) freed[vq].v[k] += h.v[k];
      chosen.push_back(v);
      if (auto probe = place(ctx, trial, j)) {
        sim::Demand taken = ctx.demand(j);
        taken.tasks = static_cast<std::uint32_t>(probe->task_nodes.size());
        trial.give_back(taken, *probe);  // only probing
        fits = true;
        break;
      }
    }
    if (!fits) return false;
    for (sim::JobIndex v : chosen) {
      const Vec3 h = Vec3::of(held(ctx, v));
      QueueState& q = qs[queue_index_[v]];
      for (int k = 0; k < 3; ++k) q.allocated.v[k] -= h.v[k];
      evict(ctx, m, v);
    }
    auto p = place(ctx, m, j);
    if (!p) return false;
    sim::Demand taken = ctx.demand(j);
    taken.tasks = static_cast<std::uint32_t>(p->task_nodes.size());
    const Vec3 r = Vec3::of(prod::request_of(taken));
    QueueState& q = qs[queue_index_[j]];
    for (int k = 0; k < 3; ++k) q.allocated.v[k] += r.v[k];
    commit(ctx, j, std::move(*p));
    return true;
  }

  // Victims in eviction order: lowest priority first, then the latest started.
  std::vector<sim::JobIndex> victims_where(const sim::SchedulingContext& ctx,
                                           const std::function<bool(sim::JobIndex)>& ok) const {
    std::vector<sim::JobIndex> v;
    for (sim::JobIndex r : ctx.running()) {
      if (ok(r)) v.push_back(r);
    }
    std::sort(v.begin(), v.end(), [&](sim::JobIndex a, sim::JobIndex b) {
      const auto pa = ctx.job(a).priority, pb = ctx.job(b).priority;
      if (pa != pb) return pa < pb;
      const auto sa = ctx.runtime(a).last_start, sb = ctx.runtime(b).last_start;
      if (sa != sb) return sa > sb;
      return a > b;
    });
    return v;
  }

  void preempt_action(sim::SchedulingContext& ctx, FreeMap& m, std::vector<QueueState>& qs) {
    // The lowest running priority per queue: a job at or below it has no victim. Only the jobs
    // above it are tried, queue by queue, each queue's in job order.
    std::vector<std::int64_t> lowest(qs.size(), std::numeric_limits<std::int64_t>::max());
    std::vector<sim::JobIndex> unplaced;
    for (std::uint32_t q = 0; q < qs.size(); ++q) {
      if (!running_priorities_[q].empty()) lowest[q] = running_priorities_[q].begin()->first;
      const std::vector<sim::JobIndex> above = waiting_above(qs, q, lowest[q]);
      unplaced.insert(unplaced.end(), above.begin(), above.end());
    }
    std::set<std::pair<std::int32_t, std::tuple<std::uint32_t, std::uint32_t, std::uint32_t,
                                                std::uint32_t, std::uint64_t>>>
        hopeless;  // (priority, shape) that found no victims enough this session
    for (sim::JobIndex j : unplaced) {
      if (!ctx.pending().contains(j) || !prod::is_waiting(ctx, j)) continue;
      const std::uint32_t q = queue_index_[j];
      const auto prio = ctx.job(j).priority;
      if (prio <= lowest[q]) continue;
      const sim::Demand& d = ctx.demand(j);
      const auto key = std::make_pair(
          prio, std::make_tuple(d.tasks, d.gpu_milli, d.gpu_type, d.cpu_milli, d.memory_mib));
      if (ctx.runtime(j).bound_tasks == 0 && hopeless.count(key)) continue;
      auto victims = victims_where(
          ctx, [&](sim::JobIndex r) { return queue_index_[r] == q && ctx.job(r).priority < prio; });
      if (victims.empty() || !evict_until_fits(ctx, m, j, victims, qs, false)) {
        if (ctx.runtime(j).bound_tasks == 0) hopeless.insert(key);
      }
    }
  }

  void reclaim_action(sim::SchedulingContext& ctx, FreeMap& m, std::vector<QueueState>& qs) {
    auto above_share = [&](std::uint32_t rq) {
      if (!qs[rq].spec->reclaimable) return false;
      for (int k = 0; k < 3; ++k) {
        if (qs[rq].allocated.v[k] > qs[rq].deserved.v[k] + 1e-9) return true;
      }
      return false;
    };
    bool any_above = false;
    for (std::uint32_t rq = 0; rq < qs.size(); ++rq) any_above = any_above || above_share(rq);
    if (!any_above) return;
    std::vector<sim::JobIndex> unplaced;
    for (std::uint32_t q = 0; q < qs.size(); ++q) {
      const std::vector<sim::JobIndex> all =
          waiting_above(qs, q, std::numeric_limits<std::int64_t>::min());
      unplaced.insert(unplaced.end(), all.begin(), all.end());
    }
    std::set<std::pair<std::uint32_t, std::tuple<std::uint32_t, std::uint32_t, std::uint32_t,
                                                 std::uint32_t, std::uint64_t>>>
        hopeless;  // (queue, shape) that reclaiming could not help this session
    for (sim::JobIndex j : unplaced) {
      bool any = false;
      for (std::uint32_t rq = 0; rq < qs.size(); ++rq) any = any || above_share(rq);
      if (!any) return;
      if (!ctx.pending().contains(j) || !prod::is_waiting(ctx, j)) continue;
      const std::uint32_t q = queue_index_[j];
      sim::Demand gang = ctx.demand(j);
      const std::uint32_t bound = ctx.runtime(j).bound_tasks;
      gang.tasks = bound >= min_member(gang) ? 1 : min_member(gang) - bound;
      if (overused(qs[q]) || !allocatable(qs[q], prod::request_of(gang))) continue;
      const auto key = std::make_pair(q, std::make_tuple(gang.tasks, gang.gpu_milli, gang.gpu_type,
                                                         gang.cpu_milli, gang.memory_mib));
      if (bound == 0 && hopeless.count(key)) continue;
      auto victims = victims_where(ctx, [&](sim::JobIndex r) {
        const std::uint32_t rq = queue_index_[r];
        return rq != q && above_share(rq);
      });
      if (victims.empty() || !evict_until_fits(ctx, m, j, victims, qs, true)) {
        if (bound == 0) hopeless.insert(key);
      }
    }
  }

  VolcanoConfig cfg_;
  std::vector<QueueSpec> specs_;
  std::vector<std::uint32_t> queue_index_;
  prod::PlacementBook book_;
  std::set<sim::JobIndex> partial_;
  sim::SimTime requested_ = sim::SimTime::from_ms(-1);
  // Per queue: the pending jobs with no task bound; what running jobs hold, and how many run at
  // each priority (from the engine's run changes).
  std::vector<Waiting> waiting_;
  std::vector<prod::Res> running_held_;
  std::vector<std::map<std::int32_t, std::uint32_t>> running_priorities_;
  std::vector<bool> is_waiting_;                      // per job: counted in the above
  prod::RunningJobs running_;                         // per job: counted in the above
  std::vector<sim::JobIndex> touched_;                // jobs whose bound tasks this policy changed
  std::set<sim::JobIndex> started_;                   // jobs allocate started in this session
  bool evicted_ = false;                              // this session evicted a job
  std::size_t arrivals_seen_ = 0, changes_seen_ = 0;  // in this pass
};

VolcanoConfig parse_config(ParamReader& r) {
  VolcanoConfig cfg;
  if (const auto* qs = r.raw("queues")) {
    if (!qs->is_array()) {
      r.problem("queues",
                "must be an array of {\"name\", \"weight\", \"capability\", "
                "\"reclaimable\"}");
    } else {
      for (std::size_t i = 0; i < qs->size(); ++i) {
        const auto& q = (*qs)[i];
        const std::string where = "queues[" + std::to_string(i) + "]";
        if (!q.is_object() || !q.contains("name") || !q.at("name").is_string() ||
            q.at("name").get<std::string>().empty()) {
          r.problem(where, "must be an object with a non-empty \"name\"");
          continue;
        }
        QueueSpec s;
        s.name = q.at("name").get<std::string>();
        for (const QueueSpec& o : cfg.queues) {
          if (o.name == s.name) r.problem(where + ".name", "queue \"" + s.name + "\" given twice");
        }
        for (const auto& [key, value] : q.items()) {
          if (key == "name") continue;
          if (key == "weight") {
            if (!value.is_number() || value.get<double>() < 1 || value.get<double>() > 65535) {
              r.problem(where + ".weight", "must be a number in [1, 65535], got " + value.dump());
            } else {
              s.weight = value.get<double>();
            }
          } else if (key == "reclaimable") {
            if (!value.is_boolean()) {
              r.problem(where + ".reclaimable", "must be true or false");
            } else {
              s.reclaimable = value.get<bool>();
            }
          } else if (key == "capability") {
            if (!value.is_object()) {
              r.problem(where + ".capability", "must be an object of resource quantities");
              continue;
            }
            for (const auto& [res, qty] : value.items()) {
              auto which = prod::parse_resource_name(res);
              if (!which) {
                r.problem(where + ".capability." + res, "must be cpu, memory or nvidia.com/gpu");
                continue;
              }
              auto v = prod::parse_quantity(qty, *which, r, where + ".capability." + res);
              if (v) s.cap[static_cast<int>(*which)] = static_cast<double>(*v);
            }
          } else {
            r.problem(where + "." + key, "unknown field (name, weight, capability, reclaimable)");
          }
        }
        cfg.queues.push_back(s);
      }
    }
  }
  cfg.min_member = static_cast<std::uint32_t>(r.integer("minMember", 0, 0, 1'000'000));
  const std::string actions = r.string("actions", "enqueue, allocate, preempt, reclaim, backfill");
  {
    bool allocate = false;
    cfg.preempt = cfg.reclaim = false;
    std::size_t pos = 0;
    while (pos <= actions.size()) {
      std::size_t comma = actions.find(',', pos);
      if (comma == std::string::npos) comma = actions.size();
      std::string a = actions.substr(pos, comma - pos);
      a.erase(0, a.find_first_not_of(' '));
      a.erase(a.find_last_not_of(' ') + 1);
      if (a == "allocate") {
        allocate = true;
      } else if (a == "preempt") {
        cfg.preempt = true;
      } else if (a == "reclaim") {
        cfg.reclaim = true;
      } else if (a != "enqueue" && a != "backfill") {
        r.problem("actions",
                  "unknown action \"" + a + "\" (enqueue, allocate, preempt, reclaim, backfill)");
      }
      pos = comma + 1;
    }
    if (!allocate) r.problem("actions", "must include allocate");
  }
  cfg.period = prod::seconds_param(r, "schedulePeriod", 1, 0.001, 86400);
  cfg.phase = prod::seconds_param(r, "schedulePhase", 0, 0, 86400);
  if (cfg.phase >= cfg.period) r.problem("schedulePhase", "must be less than schedulePeriod");
  cfg.binpack_weight = r.number("binpack.weight", 1, 0, 100);
  cfg.binpack_cpu = r.number("binpack.cpu", 1, 0, 100);
  cfg.binpack_memory = r.number("binpack.memory", 1, 0, 100);
  cfg.binpack_gpu = r.number("binpack.resources.nvidia.com/gpu", 1, 0, 100);
  return cfg;
}

}  // namespace

PolicyInfo volcano_policy() {
  return {"volcano",
          "Volcano: gang scheduling, queues with weight and capability (proportion), DRF, "
          "binpack, preempt and reclaim",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("volcano", params);
            VolcanoConfig cfg = parse_config(r);
            r.finish();
            return std::make_unique<Volcano>(std::move(cfg));
          }};
}

}  // namespace orrery::policies
