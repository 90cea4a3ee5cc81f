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
#include <set>

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
    const sim::SimTime tick = prod::next_tick(ctx.now(), cfg_.period, cfg_.phase);
    if (tick > ctx.now()) {
      if (tick != requested_) {
        ctx.request_wakeup(tick);
        requested_ = tick;
      }
      return;
    }
    session(ctx);
  }

 private:
  struct QueueState {
    const QueueSpec* spec = nullptr;
    Vec3 allocated, request, deserved;
    std::vector<sim::JobIndex> pending;  // in job order
    std::size_t next = 0;
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
    }
    book_.forget(v);
    partial_.erase(v);
  }

  void session(sim::SchedulingContext& ctx) {
    queue_of(ctx, 0);
    const Vec3 total = Vec3::of(prod::cluster_capacity(ctx.cluster()));
    std::vector<QueueState> qs(specs_.size());
    for (std::size_t i = 0; i < qs.size(); ++i) qs[i].spec = &specs_[i];
    std::vector<Vec3> user_alloc(ctx.workload().users.size());
    std::vector<Vec3> job_alloc(ctx.workload().jobs.size());
    auto add_holder = [&](sim::JobIndex j) {
      const Vec3 h = Vec3::of(held(ctx, j));
      QueueState& q = qs[queue_index_[j]];
      for (int k = 0; k < 3; ++k) {
        q.allocated.v[k] += h.v[k];
        q.request.v[k] += h.v[k];
        job_alloc[j].v[k] = h.v[k];
      }
    };
    std::vector<sim::JobIndex> running(ctx.running().begin(), ctx.running().end());
    std::sort(running.begin(), running.end());
    for (sim::JobIndex j : running) add_holder(j);
    for (sim::JobIndex j : partial_) {
      if (book_.get(ctx, j)) add_holder(j);
    }
    for (sim::JobIndex j : ctx.pending().ordered()) {
      if (!prod::is_waiting(ctx, j)) continue;
      QueueState& q = qs[queue_index_[j]];
      sim::Demand rest = ctx.demand(j);
      rest.tasks -= ctx.runtime(j).bound_tasks;
      const Vec3 r = Vec3::of(prod::request_of(rest));
      for (int k = 0; k < 3; ++k) q.request.v[k] += r.v[k];
      q.pending.push_back(j);
    }
    deal(qs, total);
    // Job order inside a queue: priority, dominant share, creation.
    for (QueueState& q : qs) {
      std::stable_sort(q.pending.begin(), q.pending.end(), [&](sim::JobIndex a, sim::JobIndex b) {
        const auto pa = ctx.job(a).priority, pb = ctx.job(b).priority;
        if (pa != pb) return pa > pb;
        const double sa = dominant(job_alloc[a], total), sb = dominant(job_alloc[b], total);
        if (sa != sb) return sa < sb;
        return ctx.job(a).submit < ctx.job(b).submit;
      });
    }

    FreeMap m(ctx.cluster());
    std::vector<sim::JobIndex> unplaced;  // failed for want of resources (not quota)
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t,
                        std::uint32_t>>
        no_room;
    // allocate
    while (true) {
      QueueState* pick = nullptr;
      for (QueueState& q : qs) {
        if (q.next >= q.pending.size() || overused(q)) continue;
        if (!pick || queue_share(q) < queue_share(*pick)) pick = &q;
      }
      if (!pick) break;
      const sim::JobIndex j = pick->pending[pick->next++];
      if (!ctx.pending().contains(j)) continue;
      const sim::Demand& d = ctx.demand(j);
      sim::Demand gang = d;
      const std::uint32_t bound = ctx.runtime(j).bound_tasks;
      gang.tasks = bound >= min_member(d) ? 1 : min_member(d) - bound;
      if (!allocatable(*pick, prod::request_of(gang))) continue;
      const auto shape =
          std::make_tuple(gang.tasks, d.gpu_milli, d.gpu_type, d.cpu_milli, d.memory_mib, bound);
      if (no_room.count(shape)) {
        unplaced.push_back(j);
        continue;
      }
      auto p = place(ctx, m, j);
      if (!p) {
        no_room.insert(shape);
        unplaced.push_back(j);
        continue;
      }
      sim::Demand taken = d;
      taken.tasks = static_cast<std::uint32_t>(p->task_nodes.size());
      const Vec3 r = Vec3::of(prod::request_of(taken));
      for (int k = 0; k < 3; ++k) pick->allocated.v[k] += r.v[k];
      commit(ctx, j, std::move(*p));
    }
    // Every job still waiting (no room, or its queue at its share) may preempt or reclaim.
    unplaced.clear();
    for (const QueueState& q : qs) {
      for (sim::JobIndex j : q.pending) {
        if (ctx.pending().contains(j) && prod::is_waiting(ctx, j)) unplaced.push_back(j);
      }
    }
    if (cfg_.preempt) preempt_action(ctx, m, qs, unplaced);
    if (cfg_.reclaim) reclaim_action(ctx, m, qs, unplaced);
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

  void preempt_action(sim::SchedulingContext& ctx, FreeMap& m, std::vector<QueueState>& qs,
                      const std::vector<sim::JobIndex>& unplaced) {
    // The lowest running priority per queue: a job at or below it has no victim.
    std::vector<std::int64_t> lowest(qs.size(), std::numeric_limits<std::int64_t>::max());
    for (sim::JobIndex r : ctx.running()) {
      auto& l = lowest[queue_index_[r]];
      l = std::min<std::int64_t>(l, ctx.job(r).priority);
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

  void reclaim_action(sim::SchedulingContext& ctx, FreeMap& m, std::vector<QueueState>& qs,
                      const std::vector<sim::JobIndex>& unplaced) {
    auto above_share = [&](std::uint32_t rq) {
      if (!qs[rq].spec->reclaimable) return false;
      for (int k = 0; k < 3; ++k) {
        if (qs[rq].allocated.v[k] > qs[rq].deserved.v[k] + 1e-9) return true;
      }
      return false;
    };
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
