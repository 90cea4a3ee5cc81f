// tiresias-compat-*: the semantics of the Tiresias artifact's simulator (SymbioticLab/Tiresias,
// simulator/run_sim.py and jobs.py at 959f9b0, Python 2.7), for reproducing its figures, and the
// `count` placement it is meant to run with.
//
// That simulator is event driven in whole seconds. At every event (arrivals, the earliest end,
// and for dlas the earliest "queue jump") it updates each runnable job's counters, then rebuilds
// the whole allocation from an empty cluster by counting GPUs (`--scheme=count`: one cluster-wide
// pool, no node boundaries), walking the jobs in priority order and giving each the GPUs it needs
// if that many are still free (greedy skip-fill); running jobs left out are preempted (free,
// instant) and pending jobs taken in are started. Jobs run exactly their trace duration.
//   tiresias-compat-dlas  `dlas-gpu`: 3 queues with thresholds 3250 and 7200 GPU-seconds; a new
//                         job enters queue 0; at each event a running job whose executed time x
//                         num_gpu reached its queue's limit moves to the end of the next queue (one
//                         queue per event); queues are walked in order, each in list order, and
//                         after the pass every queue's pending jobs move behind its running ones.
//                         The next queue jump is event_time + (limit - executed_time) // num_gpu
//                         (the artifact's Python 2 integer arithmetic, kept as is: for multi-GPU
//                         jobs it can fall before the crossing, and the job is then demoted at a
//                         later event). solve_starvation > 0 enables its promotion rule.
//   tiresias-compat-fifo  `fifo`: arrival order, stops at the first job that does not fit.
//   tiresias-compat-srtf  `shortest`: all runnable jobs stably re-sorted at each event by
//                         remaining time (the list keeps its previous order on ties, which starts
//                         as arrival order).
//   tiresias-compat-srsf  `shortest-gpu`: the same by remaining GPU-time (remaining x num_gpu).
// Assumptions of this mode (docs/policies.md): submit times and durations in whole seconds (finer
// times are floored), the `observed` runtime model, whole-GPU jobs (a job's num_gpu is its GPU
// total rounded up), and the `count` placement; with 1-GPU tasks (the artifact's jobs are
// parameter-server/worker gangs of 1-GPU workers) `count` is exactly the artifact's pool. With
// other placements a job the count admits may not be placeable; it then stays pending.
//
// Our passes run only while some job is pending, so events that found no job pending are replayed
// at the next pass (they can only demote running jobs and reorder queues, which matters later).
#include <algorithm>
#include <limits>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"
#include "research_common.hpp"

namespace orrery::policies {

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// Python 2 integer division of ints: rounds toward negative infinity.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

enum class CompatKind { kDlas, kSrtf, kSrsf };

struct CompatParams {
  CompatKind kind = CompatKind::kDlas;
  std::vector<std::int64_t> queue_limit;  // GPU-seconds, num_queue - 1 of them
  double solve_starvation = 0;
};

// One job as the artifact sees it (its job dict's counters, in seconds).
struct ModelJob {
  std::int64_t duration = 0;
  std::int64_t gpus = 0;  // num_gpu
  std::int64_t last_check = 0;
  std::int64_t executed = 0;        // executed_time: decides the queue, zeroed by promotion
  std::int64_t total_executed = 0;  // total_executed_time
  std::int64_t last_pending = 0;    // last_pending_time
  std::int64_t remaining = 0;       // remaining_time
  std::int64_t remaining_gpu = 0;   // remaining_gputime
  std::size_t queue = 0;
  bool running = false;
};

class TiresiasCompat final : public sim::Policy {
 public:
  explicit TiresiasCompat(CompatParams p) : p_(std::move(p)) {
    queues_.resize(p_.queue_limit.size() + 1);
  }

  std::string_view name() const override {
    switch (p_.kind) {
      case CompatKind::kDlas:
        return "tiresias-compat-dlas";
      case CompatKind::kSrtf:
        return "tiresias-compat-srtf";
      case CompatKind::kSrsf:
        return "tiresias-compat-srsf";
    }
    return "tiresias-compat";
  }

  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};  // unused: the pass decides from its own model
  }

  void schedule(sim::SchedulingContext& ctx) override {
    init(ctx);
    const std::int64_t now = ctx.now().ms() / 1000;
    // A job the engine stopped (node failure) is pending again; the artifact knows no failures.
    for (sim::JobIndex j : runnable_) {
      const sim::JobStatus s = ctx.runtime(j).status;
      if (model_[j].running && (s == sim::JobStatus::kPending || s == sim::JobStatus::kPreempted))
        model_[j].running = false;
    }
    // Jobs of the model that the engine has ended, by end time.
    std::vector<std::pair<std::int64_t, sim::JobIndex>> ended;
    for (sim::JobIndex j : runnable_) {
      const sim::JobRuntime& rt = ctx.runtime(j);
      if (model_[j].running && rt.end) ended.emplace_back(rt.end->ms() / 1000, j);
    }
    std::sort(ended.begin(), ended.end());
    // Events that found nothing pending, before now: ends and queue jumps.
    std::size_t e = 0;
    while (true) {
      const std::int64_t t_end = e < ended.size() && ended[e].first < now ? ended[e].first : kNever;
      const std::int64_t t_jump = next_jump_ < now ? next_jump_ : kNever;
      const std::int64_t t = std::min(t_end, t_jump);
      if (t == kNever) break;
      std::vector<sim::JobIndex> done;
      while (e < ended.size() && ended[e].first == t) done.push_back(ended[e++].second);
      event(ctx, t, done, {}, false);
    }
    std::vector<sim::JobIndex> done;
    while (e < ended.size()) done.push_back(ended[e++].second);
    std::vector<sim::JobIndex> arrivals;
    while (next_arrival_ < arrival_order_.size() &&
           ctx.job(arrival_order_[next_arrival_]).submit.ms() / 1000 <= now) {
      const sim::JobIndex j = arrival_order_[next_arrival_++];
      if (ctx.runtime(j).status != sim::JobStatus::kRejected) arrivals.push_back(j);
    }
    // A wakeup planned at an earlier event may no longer be a queue jump: nothing happens then.
    if (!done.empty() || !arrivals.empty() || next_jump_ == now)
      event(ctx, now, done, arrivals, true);
    if (next_jump_ != kNever) wakeups_.request(ctx, sim::SimTime::from_ms(next_jump_ * 1000));
  }

 private:
  void init(const sim::SchedulingContext& ctx) {
    if (!model_.empty() || ctx.workload().jobs.empty()) return;
    const std::size_t n = ctx.workload().jobs.size();
    model_.resize(n);
    arrival_order_.resize(n);
    for (sim::JobIndex j = 0; j < n; ++j) {
      arrival_order_[j] = j;
      model_[j].duration = ctx.job(j).duration.ms() / 1000;
      model_[j].gpus = static_cast<std::int64_t>((ctx.demand(j).total_gpu_milli() + 999) / 1000);
    }
    std::stable_sort(arrival_order_.begin(), arrival_order_.end(),
                     [&](sim::JobIndex a, sim::JobIndex b) {
                       return ctx.job(a).submit.ms() / 1000 < ctx.job(b).submit.ms() / 1000;
                     });
    total_gpus_ = ctx.cluster().total_gpus();
  }

  bool dlas() const { return p_.kind == CompatKind::kDlas; }

  // One event of the artifact at time t. `apply` false: an event our engine did not call us for
  // (nothing was pending), whose allocation keeps every runnable job running.
  void event(sim::SchedulingContext& ctx, std::int64_t t, const std::vector<sim::JobIndex>& done,
             const std::vector<sim::JobIndex>& arrivals, bool apply) {
    for (sim::JobIndex j : done) {
      model_[j].running = false;
      std::erase(runnable_, j);
      if (dlas()) std::erase(queues_[model_[j].queue], j);
    }
    for (sim::JobIndex j : arrivals) {
      ModelJob& m = model_[j];
      m.last_check = t;
      m.remaining = m.duration;
      m.remaining_gpu = m.remaining * m.gpus;
      m.queue = 0;
      runnable_.push_back(j);
      if (dlas()) queues_[0].push_back(j);
    }
    update_counters(t);
    // The order in which GPUs are handed out.
    std::vector<sim::JobIndex> order;
    if (dlas()) {
      for (const auto& q : queues_) order.insert(order.end(), q.begin(), q.end());
    } else {
      const bool gpu_time = p_.kind == CompatKind::kSrsf;
      std::stable_sort(runnable_.begin(), runnable_.end(), [&](sim::JobIndex a, sim::JobIndex b) {
        return gpu_time ? model_[a].remaining_gpu < model_[b].remaining_gpu
                        : model_[a].remaining < model_[b].remaining;
      });
      order = runnable_;
    }
    std::int64_t free = total_gpus_;
    std::vector<sim::JobIndex> take;
    for (sim::JobIndex j : order) {
      if (free >= model_[j].gpus) {
        free -= model_[j].gpus;
        take.push_back(j);
      }
    }
    if (apply) allocate(ctx, order, take);
    if (dlas()) {
      for (auto& q : queues_) {
        std::stable_partition(q.begin(), q.end(),
                              [&](sim::JobIndex j) { return model_[j].running; });
      }
      plan_next_jump(t);
    }
  }

  void update_counters(std::int64_t t) {
    for (sim::JobIndex j : runnable_) {
      ModelJob& m = model_[j];
      const std::int64_t tmp = t - m.last_check;
      m.last_check = t;
      if (m.running) {
        m.total_executed += tmp;
        m.executed += tmp;
        m.remaining = m.duration - m.total_executed;
        if (p_.kind == CompatKind::kSrsf) m.remaining_gpu = m.remaining * m.gpus;
        if (dlas() && m.queue + 1 < queues_.size() &&
            m.executed * m.gpus >= p_.queue_limit[m.queue]) {
          std::erase(queues_[m.queue], j);
          ++m.queue;
          queues_[m.queue].push_back(j);
        }
      } else if (dlas()) {
        if (m.executed > 0) m.last_pending += tmp;
        if (p_.solve_starvation > 0 && m.queue > 0 && m.total_executed > 0 && m.executed > 0 &&
            static_cast<double>(m.last_pending) >=
                std::trunc(static_cast<double>(m.executed) * p_.solve_starvation)) {
          m.executed = 0;
          m.last_pending = 0;
          std::erase(queues_[m.queue], j);
          m.queue = 0;
          queues_[0].push_back(j);
        }
      }
    }
  }

  // Preempts the running jobs left out, then starts the pending jobs taken in, in order.
  void allocate(sim::SchedulingContext& ctx, const std::vector<sim::JobIndex>& order,
                const std::vector<sim::JobIndex>& take) {
    std::vector<char> in(model_.size(), 0);
    for (sim::JobIndex j : take) in[j] = 1;
    for (sim::JobIndex j : order) {
      if (model_[j].running && !in[j]) {
        if (ctx.runtime(j).status == sim::JobStatus::kRunning) ctx.preempt(j);
        model_[j].running = false;
      }
    }
    for (sim::JobIndex j : take) {
      if (model_[j].running) continue;
      if (ctx.runtime(j).status == sim::JobStatus::kRunning) {
        model_[j].running = true;
        continue;
      }
      // The model counts whole seconds: it can take in a job the engine has not seen arrive yet
      // (submitted at 10.4 s, modelled at 10 s). Only a pending job can start.
      if (!ctx.pending().contains(j)) continue;
      if (auto p = ctx.find_placement(j)) {
        ctx.start(j, std::move(*p));
        model_[j].running = true;
      }
    }
  }

  void plan_next_jump(std::int64_t t) {
    next_jump_ = kNever;
    for (sim::JobIndex j : runnable_) {
      const ModelJob& m = model_[j];
      if (m.running) {
        if (m.queue + 1 < queues_.size() && m.gpus > 0) {
          next_jump_ =
              std::min(next_jump_, floor_div(p_.queue_limit[m.queue] - m.executed, m.gpus) + t);
        }
      } else if (p_.solve_starvation > 0 && m.queue > 0 && m.total_executed > 0 && m.executed > 0) {
        const auto diff = static_cast<std::int64_t>(
            std::trunc(static_cast<double>(m.executed) * p_.solve_starvation -
                       static_cast<double>(m.last_pending)));
        if (diff > 0) next_jump_ = std::min(next_jump_, diff + t);
      }
    }
    // A jump at or before the event itself is not an event of the artifact (it only looks ahead).
    if (next_jump_ <= t) next_jump_ = kNever;
  }

  CompatParams p_;
  std::vector<ModelJob> model_;
  std::vector<sim::JobIndex> arrival_order_;
  std::size_t next_arrival_ = 0;
  std::vector<sim::JobIndex> runnable_;             // runnable_jobs, in the artifact's order
  std::vector<std::vector<sim::JobIndex>> queues_;  // dlas queues
  std::int64_t next_jump_ = kNever;
  std::int64_t total_gpus_ = 0;
  research::Wakeups wakeups_;
};

// fifo of the artifact: arrival order, head-of-line blocking (as `fifo`).
class TiresiasCompatFifo final : public sim::Policy {
 public:
  std::string_view name() const override { return "tiresias-compat-fifo"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms() / 1000, 0};
  }
  void schedule(sim::SchedulingContext& ctx) override { greedy_pass(ctx, Blocking::kHeadOfLine); }
};

// `count`: the artifact's resource counting. Each task goes to the lowest-numbered node where it
// fits now (GPU type, whole or shared GPU, CPU, memory), ignoring locality entirely.
class CountPlacer final : public sim::Placer {
 public:
  std::string_view name() const override { return "count"; }
  std::optional<sim::Placement> place(const sim::Cluster& cluster,
                                      const sim::Demand& d) const override {
    sim::Placement p;
    p.milli_per_gpu = d.milli_per_gpu();
    const std::uint32_t g = d.gpus_per_task();
    std::uint32_t left = d.tasks;
    std::vector<std::uint32_t> room;  // per GPU of the node, thousandths still free
    for (std::uint32_t id = 0; id < cluster.node_count() && left > 0; ++id) {
      const sim::Node& n = cluster.node(id);
      if (!cluster.pool_matches(n.pool, d)) continue;
      if (d.gpu_milli >= 1000 && n.free_gpus < g) continue;
      if (d.gpu_milli > 0 && n.gpus == 0) continue;
      std::uint32_t cpu = n.free_cpu_milli;
      std::uint64_t mem = n.free_memory_mib;
      room.assign(n.gpus, 0);
      for (std::uint32_t k = 0; k < n.gpus; ++k)
        room[k] = 1000U - cluster.gpu_used_milli(n.first_gpu + k);
      while (left > 0 && cpu >= d.cpu_milli && mem >= d.memory_mib) {
        std::vector<std::uint32_t> picked;
        for (std::uint32_t k = 0; k < n.gpus && picked.size() < g; ++k) {
          if ((d.milli_per_gpu() == 1000 && room[k] == 1000) ||
              (d.milli_per_gpu() < 1000 && room[k] >= d.milli_per_gpu()))
            picked.push_back(k);
        }
        if (picked.size() < g) break;
        for (std::uint32_t k : picked) {
          room[k] -= d.milli_per_gpu();
          p.gpus.push_back(n.first_gpu + k);
        }
        p.task_nodes.push_back(id);
        cpu -= d.cpu_milli;
        mem -= d.memory_mib;
        --left;
        if (g == 0 && d.cpu_milli == 0 && d.memory_mib == 0) {
          // a task needing nothing: all of them fit here
          while (left > 0) {
            p.task_nodes.push_back(id);
            --left;
          }
        }
      }
    }
    if (left > 0) return std::nullopt;
    return p;
  }
};

CompatParams parse_compat(ParamReader& r, CompatKind kind) {
  CompatParams p;
  p.kind = kind;
  if (kind != CompatKind::kDlas) return p;
  const std::vector<double> limits = r.numbers("queue_limit", {3250, 7200}, 1, 1e15);
  const auto queues = r.integer("num_queue", static_cast<std::int64_t>(limits.size()) + 1, 1, 64);
  for (std::size_t i = 0; i < limits.size(); ++i) {
    if (limits[i] != std::floor(limits[i]) || (i > 0 && !(limits[i] > limits[i - 1]))) {
      r.problem("queue_limit", "thresholds must be whole GPU-seconds, strictly increasing");
      break;
    }
  }
  if (static_cast<std::size_t>(queues) > limits.size() + 1) {
    r.problem("num_queue", "needs num_queue - 1 = " + std::to_string(queues - 1) +
                               " thresholds in queue_limit, got " + std::to_string(limits.size()));
  } else {
    for (std::int64_t i = 0; i + 1 < queues; ++i)
      p.queue_limit.push_back(static_cast<std::int64_t>(limits[static_cast<std::size_t>(i)]));
  }
  p.solve_starvation = r.number("solve_starvation", 0, 0, 1e9);
  return p;
}

PolicyInfo compat_policy(const std::string& name, CompatKind kind, const std::string& summary) {
  return {name, summary,
          [name, kind](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r(name, params);
            CompatParams p = parse_compat(r, kind);
            r.finish();
            return std::make_unique<TiresiasCompat>(std::move(p));
          }};
}

}  // namespace

PolicyInfo tiresias_compat_dlas_policy() {
  return compat_policy("tiresias-compat-dlas", CompatKind::kDlas,
                       "Tiresias simulator's dlas-gpu (whole seconds, count placement semantics)");
}
PolicyInfo tiresias_compat_srtf_policy() {
  return compat_policy("tiresias-compat-srtf", CompatKind::kSrtf,
                       "Tiresias simulator's shortest: re-sorts by remaining time at each event");
}
PolicyInfo tiresias_compat_srsf_policy() {
  return compat_policy("tiresias-compat-srsf", CompatKind::kSrsf,
                       "Tiresias simulator's shortest-gpu: re-sorts by remaining GPU-time");
}
PolicyInfo tiresias_compat_fifo_policy() {
  return {"tiresias-compat-fifo", "Tiresias simulator's fifo: arrival order, head-of-line blocking",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("tiresias-compat-fifo", params);
            r.finish();
            return std::make_unique<TiresiasCompatFifo>();
          }};
}

PlacerInfo count_placer() {
  return {"count", "resource counting (Tiresias simulator): first node with room, no locality",
          [] { return std::make_unique<CountPlacer>(); }};
}

}  // namespace orrery::policies
