// slurm: Slurm's scheduler (slurmctld with sched/backfill, priority/multifactor, select/cons_tres).
//
// Partitions (params "partitions": PartitionName, Nodes as node-pool names or ALL, Default,
// PriorityJobFactor, PriorityTier, DefaultTime, MaxTime) take the jobs whose trace queue names
// them; other jobs go to the Default partition. Jobs are ordered by partition PriorityTier, then
// by multifactor priority
//   PriorityWeightAge * min(age / PriorityMaxAge, 1) + PriorityWeightFairshare * F
//   + PriorityWeightJobSize * size + PriorityWeightPartition * (PriorityJobFactor / max)
//   + PriorityWeightQOS * (job priority / the workload's largest)
// truncated to an integer as Slurm does, then by submission. Fair share is the classic formula
// F = 2^(-(U/S)/FairShareDampeningFactor): U the user's share of all decayed usage (GPU-seconds,
// halved every PriorityDecayHalfLife), S the user's share of the shares (params "Fairshare",
// 1 each by default); size is the job's share of the cluster's GPUs (of its CPUs for CPU jobs),
// or one minus it with PriorityFavorSmall. Factors are recomputed every PriorityCalcPeriod.
// Timing follows a live slurmctld (docs/policies.md, the project's live-Slurm notes): decisions
// happen on ticks, not at events. After a submission or a completion the main scheduler runs at
// the next tick of the background loop (sched_tick, 1 s, phase sched_tick_phase), no sooner than
// batch_sched_delay after its previous run, testing default_queue_depth jobs; every
// sched_interval it tests the whole queue. It starts jobs in priority order and, once a job of a
// partition cannot start, starts no later job of that partition. Backfill (SchedulerType
// sched/backfill) runs every bf_interval (phase bf_phase) after a change: it walks up to
// bf_max_job_test jobs in priority order over a per-node plan of when running jobs end (their time
// limit: the job's walltime, else the partition's DefaultTime or MaxTime, else the job's actual
// run time as an oracle), rounded up to bf_resolution and looking bf_window ahead; a job that
// can start now without touching an earlier job's reservation starts; otherwise it gets a
// reservation at its earliest start (for the first bf_job_part_count_reserve jobs of each
// partition; 0, Slurm's default, reserves for every job tested, which is conservative
// backfilling; 1 is EASY backfilling). Placement is best fit on the partition's nodes (fewest
// idle GPUs, then least idle CPU), as select/cons_tres packs.
// Simplifications (docs/policies.md): jobs are not killed at their time limit (the engine has no
// kill; estimates use the limit); the plan counts a shared-GPU task as a whole GPU; the
// allocation-to-start latency of a live cluster (~0.16 s) is not added; usage counts GPU time only
// (TRESBillingWeights=GRES/gpu=1); PriorityWeightAssoc, nice, QOS limits, reservations made by
// users, preemption and the fair-tree algorithm (the default since 19.05) are not modelled.
// Sources: slurm.schedmd.com: slurm.conf (SchedulerParameters, Partition configuration),
// sched_config.html, priority_multifactor.html, classic_fair_share.html, backfill docs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "production_parts.hpp"
#include "production_support.hpp"

namespace orrery::policies {

namespace {

using prod::FreeMap;
using sim::SimTime;

struct PartitionSpec {
  std::string name;
  std::vector<std::string> pools;  // empty: ALL
  bool is_default = false;
  double job_factor = 1;
  double tier = 1;
  std::optional<SimTime> default_time, max_time;
};

struct SlurmConfig {
  std::vector<PartitionSpec> partitions;
  double w_age = 0, w_fairshare = 0, w_size = 0, w_partition = 0, w_qos = 0;
  SimTime max_age = SimTime::from_seconds(7 * 86400.0);
  SimTime half_life = SimTime::from_seconds(7 * 86400.0);
  SimTime calc_period = SimTime::from_seconds(300);
  bool favor_small = false;
  double dampening = 1;
  std::map<std::string, double> shares;
  bool backfill = true;
  SimTime tick = SimTime::from_seconds(1), tick_phase = SimTime::zero();
  SimTime batch_sched_delay = SimTime::from_seconds(3);
  SimTime sched_interval = SimTime::from_seconds(60);
  std::uint32_t default_queue_depth = 100;
  std::uint32_t partition_job_depth = 0;
  SimTime bf_interval = SimTime::from_seconds(30), bf_phase = SimTime::zero();
  SimTime bf_resolution = SimTime::from_seconds(60);
  SimTime bf_window = SimTime::from_seconds(1440 * 60.0);
  std::uint32_t bf_max_job_test = 500;
  std::uint32_t bf_job_part_count_reserve = 0;
};

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

class Slurm final : public sim::Policy {
 public:
  explicit Slurm(SlurmConfig cfg) : cfg_(std::move(cfg)) {}
  std::string_view name() const override { return "slurm"; }

  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};
  }

  void schedule(sim::SchedulingContext& ctx) override {
    const bool first = !resolved_;
    if (!resolved_) resolve(ctx);
    // Jobs that joined the queue get their priority at the next pass (sync_queue), which may be
    // a later call than this one: the engine lists arrivals only until this call returns.
    fresh_.insert(fresh_.end(), ctx.arrivals().begin(), ctx.arrivals().end());
    const SimTime now = ctx.now();
    if (idle_since_) drop_ticks_missed_while_idle(ctx);
    if (first || changed(ctx)) {
      const SimTime earliest = std::max(now, last_main_ + cfg_.batch_sched_delay);
      main_due_ = std::min(main_due_, prod::next_tick(earliest, cfg_.tick, cfg_.tick_phase).ms());
      if (cfg_.sched_interval > SimTime::zero()) {
        full_due_ =
            std::min(full_due_, prod::next_tick(now, cfg_.sched_interval, cfg_.tick_phase).ms());
      }
      if (cfg_.backfill) {
        bf_due_ = std::min(bf_due_, prod::next_tick(now, cfg_.bf_interval, cfg_.bf_phase).ms());
      }
    }
    const bool full = full_due_ <= now.ms();
    if (full || main_due_ <= now.ms()) {
      main_due_ = kNever;
      if (full) full_due_ = kNever;
      last_main_ = now;
      main_pass(ctx, full);
    }
    if (bf_due_ <= now.ms()) {
      bf_due_ = kNever;
      backfill_pass(ctx);
    }
    for (std::int64_t due : {main_due_, full_due_, bf_due_}) {
      if (due != kNever && !requested_.count(due)) {
        requested_.insert(due);
        ctx.request_wakeup(SimTime::from_ms(due));
      }
    }
    while (!requested_.empty() && *requested_.begin() <= now.ms())
      requested_.erase(requested_.begin());
    if (ctx.pending().empty()) idle_since_ = now;
  }

 private:
  // --- setup ---
  void resolve(const sim::SchedulingContext& ctx) {
    resolved_ = true;
    const sim::Cluster& c = ctx.cluster();
    const sim::Workload& w = ctx.workload();
    if (cfg_.partitions.empty()) {
      PartitionSpec p;
      p.name = "default";
      p.is_default = true;
      cfg_.partitions.push_back(p);
    }
    sim::Problems problems;
    part_nodes_.assign(cfg_.partitions.size(), {});
    part_member_.assign(cfg_.partitions.size(), std::vector<bool>(c.node_count(), false));
    for (std::size_t p = 0; p < cfg_.partitions.size(); ++p) {
      const PartitionSpec& spec = cfg_.partitions[p];
      for (std::uint32_t pool = 0; pool < c.spec().pools.size(); ++pool) {
        const bool in =
            spec.pools.empty() || std::find(spec.pools.begin(), spec.pools.end(),
                                            c.spec().pools[pool].name) != spec.pools.end();
        if (!in) continue;
        for (std::uint32_t i = 0; i < c.pool_node_count(pool); ++i) {
          part_nodes_[p].push_back(c.pool_first_node(pool) + i);
          part_member_[p][c.pool_first_node(pool) + i] = true;
        }
      }
      for (const std::string& name : spec.pools) {
        bool found = false;
        for (const auto& pool : c.spec().pools) found = found || pool.name == name;
        if (!found) {
          problems.add(
              "policy 'slurm' params.partitions",
              "partition " + spec.name + ": no node pool named \"" + name + "\" in the cluster");
        }
      }
    }
    problems.throw_if_any();
    std::uint32_t def = 0;
    for (std::uint32_t p = 0; p < cfg_.partitions.size(); ++p) {
      if (cfg_.partitions[p].is_default) def = p;
    }
    std::vector<std::uint32_t> by_queue(w.queues.size(), def);
    for (std::uint32_t q = 1; q < w.queues.size(); ++q) {
      for (std::uint32_t p = 0; p < cfg_.partitions.size(); ++p) {
        if (cfg_.partitions[p].name == w.queues[q]) by_queue[q] = p;
      }
    }
    part_of_.resize(w.jobs.size());
    for (sim::JobIndex j = 0; j < w.jobs.size(); ++j) part_of_[j] = by_queue[w.jobs[j].queue];
    max_job_factor_ = 0;
    for (const auto& p : cfg_.partitions) max_job_factor_ = std::max(max_job_factor_, p.job_factor);
    max_priority_ = 0;
    for (const auto& j : w.jobs) max_priority_ = std::max(max_priority_, j.priority);
    total_gpus_ = c.total_gpus();
    first_gpu_.clear();
    for (std::uint32_t n = 0; n < c.node_count(); ++n) first_gpu_.push_back(c.node(n).first_gpu);
    // GPUs are numbered node by node.
    node_of_gpu_.assign(c.total_gpus(), 0);
    for (std::uint32_t n = 0; n < c.node_count(); ++n) {
      const std::uint32_t end = n + 1 < c.node_count() ? first_gpu_[n + 1] : c.total_gpus();
      for (std::uint32_t g = first_gpu_[n]; g < end; ++g) node_of_gpu_[g] = n;
    }
    total_cpu_ = 0;
    for (const auto& pool : c.spec().pools) total_cpu_ += double{1.0} * pool.cpu_cores * pool.nodes;
    // Fair-share shares per user.
    share_.assign(w.users.size(), 1.0);
    for (std::uint32_t u = 0; u < w.users.size(); ++u) {
      if (auto it = cfg_.shares.find(w.users[u]); it != cfg_.shares.end()) share_[u] = it->second;
    }
    double total_share = 0;
    for (double s : share_) total_share += s;
    for (double& s : share_) s = total_share > 0 ? s / total_share : 0;
    usage_.assign(w.users.size(), 0.0);
    priority_.assign(w.jobs.size(), 0);
    have_priority_.assign(w.jobs.size(), false);
    fits_partition_.assign(w.jobs.size(), 0);
    queued_.assign(w.jobs.size(), false);
  }

  // The engine calls a policy only while jobs are pending, so a tick due while the queue was
  // empty was never run. A live slurmctld runs it and finds nothing to do; here it is dropped
  // when the queue fills again (else the first job to arrive after an idle spell would start at
  // its submission, the tick being overdue, instead of at the next tick as it does live). The
  // queue filled when the earliest of the arrivals since was submitted (a job evicted and
  // queued again counts from the start of the idle spell: nothing is dropped for it).
  void drop_ticks_missed_while_idle(const sim::SchedulingContext& ctx) {
    std::int64_t filled = ctx.now().ms();
    for (sim::JobIndex j : ctx.arrivals())
      filled = std::min(filled, std::max(ctx.job(j).submit.ms(), idle_since_->ms()));
    idle_since_.reset();
    // What a missed main pass would have set: the time the main scheduler last ran.
    std::optional<std::int64_t> ran;
    for (std::int64_t* due : {&main_due_, &full_due_}) {
      if (*due >= filled) continue;
      ran = std::max(ran.value_or(*due), *due);
      *due = kNever;
    }
    if (ran) last_main_ = std::max(last_main_, SimTime::from_ms(*ran));
    if (bf_due_ < filled) bf_due_ = kNever;
  }

  // Did anything happen since the end of the last call (an arrival, a finish)?
  static bool changed(const sim::SchedulingContext& ctx) {
    return !ctx.arrivals().empty() || !ctx.run_changes().empty();
  }

  // --- priority ---
  void update_usage(const sim::SchedulingContext& ctx) {
    const SimTime now = ctx.now();
    if (usage_time_ < SimTime::zero()) usage_time_ = now;
    const double dt = static_cast<double>((now - usage_time_).ms());
    if (dt > 0) {
      const double decay = std::exp2(-dt / static_cast<double>(cfg_.half_life.ms()));
      for (double& u : usage_) u *= decay;
    }
    auto charge = [&](sim::JobIndex j, SimTime end) {
      const SimTime from = std::max(usage_time_, ctx.runtime(j).last_start);
      if (end <= from) return;
      usage_[ctx.job(j).user] += static_cast<double>((end - from).ms()) / 1000.0 *
                                 static_cast<double>(ctx.demand(j).total_gpu_milli()) / 1000.0;
    };
    std::set<sim::JobIndex> still;
    for (sim::JobIndex j : ctx.running()) {
      charge(j, now);
      still.insert(j);
    }
    for (sim::JobIndex j : charged_running_) {
      if (still.count(j)) continue;
      const sim::JobRuntime& rt = ctx.runtime(j);
      charge(j, rt.end ? *rt.end : now);
    }
    charged_running_ = std::move(still);
    usage_time_ = now;
  }

  std::uint32_t compute_priority(const sim::SchedulingContext& ctx, sim::JobIndex j,
                                 double total_usage) const {
    const sim::JobSpec& spec = ctx.job(j);
    const double age = std::min(1.0, static_cast<double>((ctx.now() - spec.submit).ms()) /
                                         static_cast<double>(cfg_.max_age.ms()));
    double fs = 1;
    const double s = share_[spec.user];
    if (total_usage > 0) {
      const double u = usage_[spec.user] / total_usage;
      fs = s > 0 ? std::exp2(-(u / s) / cfg_.dampening) : 0;
    }
    const sim::Demand& d = ctx.demand(j);
    double size =
        d.gpu_milli > 0
            ? static_cast<double>(d.total_gpu_milli()) / 1000.0 / std::max(1.0, total_gpus_)
            : static_cast<double>(d.tasks) * d.cpu_milli / 1000.0 / std::max(1.0, total_cpu_);
    size = std::min(1.0, size);
    if (cfg_.favor_small) size = 1.0 - size;
    const double part =
        max_job_factor_ > 0 ? cfg_.partitions[part_of_[j]].job_factor / max_job_factor_ : 0;
    const double qos =
        max_priority_ > 0 ? std::clamp(static_cast<double>(spec.priority) / max_priority_, 0.0, 1.0)
                          : 0;
    const double p = cfg_.w_age * age + cfg_.w_fairshare * fs + cfg_.w_size * size +
                     cfg_.w_partition * part + cfg_.w_qos * qos;
    return static_cast<std::uint32_t>(std::clamp(p, 0.0, 4294967295.0));
  }

  // Pending jobs in Slurm's order (PriorityTier, priority, submission, then index), kept in
  // queue_. Priorities change only when they are recalculated (every PriorityCalcPeriod), which
  // rebuilds the order; in between, jobs that joined the queue (ctx.arrivals(), gathered in
  // fresh_ by every call) are added with a priority computed at the first pass that sees them,
  // and a job leaves when it starts. So a pass costs the jobs
  // it tests, not a sort of the whole queue.
  struct QueueEntry {
    double tier;
    std::uint32_t priority;
    std::int64_t submit_ms;
    sim::JobIndex job;
    bool operator<(const QueueEntry& o) const {
      if (tier != o.tier) return tier > o.tier;
      if (priority != o.priority) return priority > o.priority;
      if (submit_ms != o.submit_ms) return submit_ms < o.submit_ms;
      return job < o.job;
    }
  };

  void enqueue(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    queue_.insert({cfg_.partitions[part_of_[j]].tier, priority_[j], ctx.job(j).submit.ms(), j});
    queued_[j] = true;
  }

  // Brings queue_ up to date for a pass at ctx.now().
  void sync_queue(sim::SchedulingContext& ctx) {
    const bool recalc = last_calc_ < SimTime::zero() || ctx.now() >= last_calc_ + cfg_.calc_period;
    if (recalc) {
      update_usage(ctx);
      last_calc_ = ctx.now();
    }
    double total_usage = 0;
    for (double u : usage_) total_usage += u;
    auto add = [&](sim::JobIndex j) {
      if (queued_[j] || !ctx.pending().contains(j) || !prod::is_waiting(ctx, j)) return;
      if (recalc || !have_priority_[j]) {
        priority_[j] = compute_priority(ctx, j, total_usage);
        have_priority_[j] = true;
      }
      enqueue(ctx, j);
    };
    if (recalc) {
      for (const QueueEntry& e : queue_) queued_[e.job] = false;
      queue_.clear();
      for (sim::JobIndex j : ctx.pending().ordered()) add(j);
    } else {
      for (sim::JobIndex j : fresh_) add(j);
    }
    fresh_.clear();
  }

  // Visits queue_ in order; `visit` returns false to end the walk. Entries of jobs no longer
  // waiting are dropped on the way; visit may start the job it is given (start() drops it).
  template <class Visit>
  void walk_queue(sim::SchedulingContext& ctx, Visit visit) {
    for (auto it = queue_.begin(); it != queue_.end();) {
      const sim::JobIndex j = it->job;
      if (!ctx.pending().contains(j) || !prod::is_waiting(ctx, j)) {
        queued_[j] = false;
        it = queue_.erase(it);
        continue;
      }
      ++it;  // before visit, which may erase j's entry
      if (!visit(j)) break;
    }
  }

  // --- placement ---
  // Can the job ever fit its partition (all nodes idle)?
  bool fits_partition(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    std::uint8_t& f = fits_partition_[j];
    if (f == 0) {
      const sim::Demand& d = ctx.demand(j);
      const sim::Cluster& c = ctx.cluster();
      std::uint64_t tasks = 0;
      for (std::uint32_t n : part_nodes_[part_of_[j]]) {
        const sim::Node& node = c.node(n);
        if (!c.pool_matches(node.pool, d)) continue;
        const auto& pool = c.spec().pools[node.pool];
        std::uint64_t k = 1'000'000;
        if (d.gpu_milli >= 1000) {
          k = node.gpus / d.gpus_per_task();
        } else if (d.gpu_milli > 0) {
          k = std::uint64_t{node.gpus} * (1000U / d.gpu_milli);
        }
        if (d.cpu_milli > 0) k = std::min<std::uint64_t>(k, pool.cpu_cores * 1000ULL / d.cpu_milli);
        if (d.memory_mib > 0) k = std::min<std::uint64_t>(k, pool.memory_mib / d.memory_mib);
        tasks += k;
        if (tasks >= d.tasks) break;
      }
      f = tasks >= d.tasks ? 1 : 2;
    }
    return f == 1;
  }

  void start(sim::SchedulingContext& ctx, sim::JobIndex j, sim::Placement p) {
    if (queued_[j]) {
      queue_.erase({cfg_.partitions[part_of_[j]].tier, priority_[j], ctx.job(j).submit.ms(), j});
      queued_[j] = false;
    }
    book_.started(ctx, j, p);
    ctx.start(j, std::move(p));
  }

  void main_pass(sim::SchedulingContext& ctx, bool full) {
    sync_queue(ctx);
    FreeMap m(ctx.cluster());
    std::vector<bool> blocked(cfg_.partitions.size(), false);
    std::vector<std::uint32_t> per_part(cfg_.partitions.size(), 0);
    std::uint32_t tested = 0;
    std::size_t open = cfg_.partitions.size();  // partitions not blocked yet
    walk_queue(ctx, [&](sim::JobIndex j) {
      if (!full && tested >= cfg_.default_queue_depth) return false;
      const std::uint32_t p = part_of_[j];
      if (blocked[p]) return true;
      if (cfg_.partition_job_depth > 0 && per_part[p] >= cfg_.partition_job_depth) return true;
      ++tested;
      ++per_part[p];
      if (!fits_partition(ctx, j)) return true;  // never runnable here: it holds nothing up
      auto allow = [&](std::uint32_t n) { return static_cast<bool>(part_member_[p][n]); };
      auto placement = prod::place_gang(m, ctx.demand(j), prod::best_fit_score, allow);
      if (placement) {
        start(ctx, j, std::move(*placement));
      } else {
        blocked[p] = true;
        if (--open == 0) return false;  // every partition blocked: nothing later can start
      }
      return true;
    });
  }

  // --- backfill ---
  struct Amount {
    std::int64_t gpus = 0, cpu = 0, mem = 0;
  };
  struct Event {
    std::int64_t t;
    Amount a;
  };
  // What the pass's holds (reservations and backfilled starts) take from a node over time, as a
  // step function: `held[i].a` is held from held[i].t until the next breakpoint (nothing before
  // the first). A hold adds its amount over its [from, to) and at most two breakpoints, so a
  // query reads the steps of its window instead of sorting every hold of the node.
  struct NodePlan {
    Amount base;                     // idle now
    std::vector<Event> releases;     // sorted by time; cumulative amounts
    std::vector<Event> held;         // sorted by time: what holds take from each time on
    std::vector<std::int64_t> ends;  // sorted: ends of holds that are candidate start times
  };

  // Adds a hold of `a` over [from, to) (from < to); `candidate`: its end is one of the pass's
  // candidate start times.
  static void add_hold(NodePlan& n, std::int64_t from, std::int64_t to, const Amount& a,
                       bool candidate) {
    auto breakpoint = [&](std::int64_t t) {
      auto it = std::lower_bound(n.held.begin(), n.held.end(), t,
                                 [](const Event& e, std::int64_t x) { return e.t < x; });
      if (it == n.held.end() || it->t != t) {
        const Amount before = it == n.held.begin() ? Amount{} : std::prev(it)->a;
        it = n.held.insert(it, {t, before});
      }
      return static_cast<std::size_t>(it - n.held.begin());
    };
    const std::size_t first = breakpoint(from);
    const std::size_t last = breakpoint(to);  // after `first`: to > from
    for (std::size_t i = first; i < last; ++i) {
      n.held[i].a.gpus += a.gpus;
      n.held[i].a.cpu += a.cpu;
      n.held[i].a.mem += a.mem;
    }
    if (candidate) n.ends.insert(std::upper_bound(n.ends.begin(), n.ends.end(), to), to);
  }

  // A candidate start time of a backfill pass and when it was added (0: at the start of the
  // pass, i: with the i-th reservation end).
  struct Candidate {
    std::int64_t t;
    std::uint32_t added;
  };
  // A gang the pass tested: it found no start at the candidate times before `earliest` that
  // were there when `seq` reservation ends had been added.
  struct GangTried {
    std::uint32_t tasks;
    std::int64_t limit, earliest;
    std::uint32_t seq;
  };

  std::int64_t round_up(std::int64_t t) const {
    const std::int64_t r = cfg_.bf_resolution.ms();
    if (r <= 1) return t;
    return (t + r - 1) / r * r;
  }

  // When a running job ends by its time limit (the engine's expected end when it has none).
  SimTime running_end(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    const sim::JobSpec& spec = ctx.job(j);
    const PartitionSpec& p = cfg_.partitions[part_of_[j]];
    const SimTime start_time = ctx.runtime(j).last_start;
    if (spec.walltime) return start_time + *spec.walltime;
    if (p.default_time) return start_time + *p.default_time;
    if (p.max_time) return start_time + *p.max_time;
    return ctx.runtime(j).expected_end;
  }

  SimTime time_limit(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    const sim::JobSpec& spec = ctx.job(j);
    if (spec.walltime) return *spec.walltime;
    const PartitionSpec& p = cfg_.partitions[part_of_[j]];
    if (p.default_time) return *p.default_time;
    if (p.max_time) return *p.max_time;
    return ctx.remaining_work(j);  // oracle
  }

  static Amount task_amount(const sim::Demand& d) {
    return {d.gpu_milli == 0 ? 0 : std::int64_t{d.gpus_per_task()}, std::int64_t{d.cpu_milli},
            static_cast<std::int64_t>(d.memory_mib)};
  }

  // The earliest of the pass's candidate start times (now, a running job's end, a reservation's
  // end, up to the horizon) at which one task of `per` fits on the node for `limit`, if it is
  // before `before`. Availability only grows at those instants, so they are the ones to test;
  // those before the time a failed test proves free of a fit (tasks_at's `zero_until`) are
  // skipped.
  std::optional<std::int64_t> earliest_on(const NodePlan& n, std::int64_t now, std::int64_t horizon,
                                          std::int64_t limit, const Amount& per,
                                          std::optional<std::int64_t> before) const {
    std::int64_t zero_until = now;
    auto fits = [&](std::int64_t t) {
      if (t < zero_until) return false;
      return tasks_at(n, t, t + limit, per, 1, &zero_until) > 0;
    };
    if (fits(now)) return now;
    // The release times and the candidate hold ends, both sorted, merged in increasing order.
    auto r = n.releases.begin();
    auto h = n.ends.begin();
    while (r != n.releases.end() && r->t <= now) ++r;
    while (h != n.ends.end() && *h <= now) ++h;
    while (true) {
      const bool from_r = r != n.releases.end() && (h == n.ends.end() || r->t <= *h);
      if (!from_r && h == n.ends.end()) break;
      const std::int64_t t = from_r ? (r++)->t : *h++;
      if (t > horizon || (before && t >= *before)) break;
      if (fits(t)) return t;
    }
    return std::nullopt;
  }

  // Tasks of `per` the node can hold throughout [t, end), counted up to `most` (at least 1): what
  // is idle at t (idle now plus what running jobs have released by t) less the most the holds
  // take at any instant of [t, end), per resource. When that is 0 and `zero_until` is given, it is
  // set to a time before which it stays 0 for every window [t', t' + (end - t)) with t <= t' (the
  // holds as they are): the node's next release, or sooner the end of the last step in the window
  // that leaves too little of some resource (one such step suffices for 0, and it stays in any
  // window starting before its end).
  std::int64_t tasks_at(const NodePlan& n, std::int64_t t, std::int64_t end, const Amount& per,
                        std::int64_t most, std::int64_t* zero_until = nullptr) const {
    Amount a = n.base;
    // Releases are cumulative: the last one at or before t.
    auto it = std::upper_bound(n.releases.begin(), n.releases.end(), t,
                               [](std::int64_t x, const Event& e) { return x < e.t; });
    if (it != n.releases.begin()) {
      const Amount& r = std::prev(it)->a;
      a.gpus += r.gpus;
      a.cpu += r.cpu;
      a.mem += r.mem;
    }
    const std::int64_t next_release = it == n.releases.end() ? kNever : it->t;
    if (!fits_one(a, per)) {  // holds only take away
      if (zero_until) *zero_until = next_release;
      return 0;
    }
    auto h = std::upper_bound(n.held.begin(), n.held.end(), t,
                              [](std::int64_t x, const Event& e) { return x < e.t; });
    if (h != n.held.begin()) --h;  // the step held at t
    Amount worst;
    // A step leaves too little for one task when it holds more than `spare` of a resource.
    constexpr std::int64_t kAll = std::numeric_limits<std::int64_t>::max();
    const Amount spare = {per.gpus > 0 ? a.gpus - per.gpus : kAll,
                          per.cpu > 0 ? a.cpu - per.cpu : kAll,
                          per.mem > 0 ? a.mem - per.mem : kAll};
    std::int64_t blocked_until = std::numeric_limits<std::int64_t>::min();
    for (; h != n.held.end() && h->t < end; ++h) {  // from the step at t (t < end)
      worst.gpus = std::max(worst.gpus, h->a.gpus);
      worst.cpu = std::max(worst.cpu, h->a.cpu);
      worst.mem = std::max(worst.mem, h->a.mem);
      if (h->a.gpus > spare.gpus || h->a.cpu > spare.cpu || h->a.mem > spare.mem) {
        // The step ends at the next breakpoint (the last one holds nothing, so never blocks).
        blocked_until = std::next(h) == n.held.end() ? kNever : std::next(h)->t;
      }
    }
    a.gpus -= worst.gpus;
    a.cpu -= worst.cpu;
    a.mem -= worst.mem;
    if (!fits_one(a, per)) {
      if (zero_until) *zero_until = std::min(next_release, blocked_until);
      return 0;
    }
    // One task needs no division (the common question: does one fit?).
    return most <= 1 ? 1 : std::min(most, fit_count(a, per));
  }

  // All a node can ever have idle in the pass (idle now plus every release): held, it leaves
  // no room for any task.
  static Amount whole_node(const NodePlan& n) {
    Amount a = n.base;
    if (!n.releases.empty()) {
      const Amount& r = n.releases.back().a;  // cumulative
      a.gpus += r.gpus;
      a.cpu += r.cpu;
      a.mem += r.mem;
    }
    return a;
  }

  // Does one task of `per` fit in `a`? (fit_count(a, per) > 0 without dividing.)
  static bool fits_one(const Amount& a, const Amount& per) {
    return (per.gpus <= 0 || a.gpus >= per.gpus) && (per.cpu <= 0 || a.cpu >= per.cpu) &&
           (per.mem <= 0 || a.mem >= per.mem);
  }

  // Tasks of `per` that fit in `a` (0 when a resource is short).
  static std::int64_t fit_count(const Amount& a, const Amount& per) {
    std::int64_t k = std::numeric_limits<std::int64_t>::max();
    if (per.gpus > 0) k = std::min(k, a.gpus / per.gpus);
    if (per.cpu > 0) k = std::min(k, a.cpu / per.cpu);
    if (per.mem > 0) k = std::min(k, a.mem / per.mem);
    return std::max<std::int64_t>(0, k);
  }

  void backfill_pass(sim::SchedulingContext& ctx) {
    sync_queue(ctx);
    if (queue_.empty()) return;
    const sim::Cluster& c = ctx.cluster();
    const std::int64_t now = ctx.now().ms();
    const std::int64_t horizon = now + cfg_.bf_window.ms();
    FreeMap m(c);
    // The plan and the release events live in members reused from pass to pass (their vectors
    // keep their capacity): a pass allocates next to nothing.
    std::vector<NodePlan>& plan = plan_;
    plan.resize(c.node_count());
    for (std::uint32_t n = 0; n < c.node_count(); ++n) {
      plan[n].base = {std::int64_t{m.idle_gpus(n)}, std::int64_t{m.free_cpu(n)},
                      static_cast<std::int64_t>(m.free_mem(n))};
      plan[n].releases.clear();
      plan[n].held.clear();
      plan[n].ends.clear();
    }
    // When running jobs end, by their time limits: CPU and memory come back per task, a GPU
    // when the last job on it ends (shared GPUs included).
    std::vector<Candidate> times = {{now, 0}};
    // Global GPU -> release time (kUnset: not held), and the GPUs set, in increasing order below.
    constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();
    gpu_free_at_.resize(c.total_gpus(), kUnset);
    std::vector<std::uint32_t>& held_gpus = held_gpus_;
    held_gpus.clear();
    std::vector<std::vector<Event>>& deltas = deltas_;
    deltas.resize(c.node_count());
    for (auto& d : deltas) d.clear();
    for (sim::JobIndex r : ctx.running()) {
      const sim::Placement* p = book_.get(ctx, r);
      if (!p) continue;
      const std::int64_t end = round_up(std::max(running_end(ctx, r).ms(), now + 1));
      if (end <= horizon) times.push_back({end, 0});
      const sim::Demand& d = ctx.demand(r);
      for (std::uint32_t node : p->task_nodes) {
        deltas[node].push_back(
            {end, {0, std::int64_t{d.cpu_milli}, static_cast<std::int64_t>(d.memory_mib)}});
      }
      for (std::uint32_t g : p->gpus) {
        std::int64_t& at = gpu_free_at_[g];
        if (at == kUnset) {
          at = end;
          held_gpus.push_back(g);
        } else {
          at = std::max(at, end);
        }
      }
    }
    // (Any order: each node's events are sorted by time below and equal times merged.)
    for (std::uint32_t g : held_gpus) {
      const std::int64_t end = std::exchange(gpu_free_at_[g], kUnset);
      deltas[node_of_gpu_[g]].push_back({end, {1, 0, 0}});
    }
    for (std::uint32_t n = 0; n < c.node_count(); ++n) {
      auto& ev = deltas[n];
      std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
      Amount cum;
      for (const Event& e : ev) {
        cum.gpus += e.a.gpus;
        cum.cpu += e.a.cpu;
        cum.mem += e.a.mem;
        if (!plan[n].releases.empty() && plan[n].releases.back().t == e.t) {
          plan[n].releases.back().a = cum;
        } else {
          plan[n].releases.push_back({e.t, cum});
        }
      }
    }
    auto by_time = [](const Candidate& x, const Candidate& y) { return x.t < y.t; };
    auto same_time = [](const Candidate& x, const Candidate& y) { return x.t == y.t; };
    std::sort(times.begin(), times.end(), by_time);
    times.erase(std::unique(times.begin(), times.end(), same_time), times.end());
    std::uint32_t added = 0;  // reservation ends added to `times` so far
    // Per partition, its nodes' release events in time order (made when the pass tests its first
    // gang of the partition): a shape's upper bound on tasks, holds ignored, is kept along them.
    std::vector<std::vector<std::pair<std::int64_t, std::uint32_t>>> part_releases(
        cfg_.partitions.size());
    std::vector<bool> part_made(cfg_.partitions.size(), false);
    auto make_part = [&](std::size_t p) {
      if (part_made[p]) return;
      part_made[p] = true;
      for (std::uint32_t n : part_nodes_[p]) {
        for (std::uint32_t i = 0; i < plan[n].releases.size(); ++i)
          part_releases[p].emplace_back(plan[n].releases[i].t, n);
      }
      std::stable_sort(part_releases[p].begin(), part_releases[p].end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
    };
    node_tasks_.resize(c.node_count());
    release_seen_.resize(c.node_count());
    using ShapeKey =
        std::tuple<std::uint32_t, std::uint32_t, std::int64_t, std::int64_t, std::int64_t>;
    // What earlier gangs of the pass found, per partition and task shape (gpu type and per-task
    // amounts: all the search depends on besides the task count and the time limit). A gang
    // that tested every candidate time before `earliest` in vain (all of them, kNever, when it
    // found none in the window) rules those times out for a later gang of the shape with as many
    // tasks or more and as long a limit or longer: holds are only added during a pass, so
    // availability only shrinks, and a longer window over more tasks needs more. Times added to
    // the candidates after it (a reservation's end, `seq` counts them) were not tested by it.
    std::map<ShapeKey, std::vector<GangTried>> tried;
    std::vector<GangTried> rules;  // the entries that apply to the gang under test (see below)
    // Per partition and task shape (as `tried`), what holds do not change, made when the pass
    // tests the first job of the shape: its nodes by the first time a task fits there with no
    // holds (`order`; `first_at` by node, kNever where none in the window) and, for gangs, the
    // tasks that fit on all of them with no holds along the release events (`bound`: from
    // `bound_at[i]` on, `bound[i]`; before the first, `bound_now`). Those bound what tasks_at
    // counts, as releases only add; a node's count is capped at 2^32 (above any task count: the
    // sum then reaches a job's tasks exactly when the sum of counts capped at its tasks does).
    struct FirstFits {
      std::vector<std::pair<std::int64_t, std::uint32_t>> order;
      std::vector<std::int64_t> first_at;
      bool have_bound = false;
      std::int64_t bound_now = 0;
      std::vector<std::int64_t> bound_at, bound;
    };
    std::map<ShapeKey, FirstFits> shapes;
    auto first_fits = [&](const std::vector<std::uint32_t>& nodes, const sim::Demand& d,
                          const Amount& per, std::int64_t from, std::int64_t until) {
      FirstFits f;
      f.first_at.assign(c.node_count(), kNever);
      std::vector<std::pair<std::int64_t, std::uint32_t>>& order = f.order;
      for (std::uint32_t n : nodes) {
        if (!m.type_ok(n, d)) continue;
        const NodePlan& np = plan[n];
        std::optional<std::int64_t> first;
        if (fits_one(np.base, per)) first = from;
        for (std::size_t i = 0; !first && i < np.releases.size() && np.releases[i].t <= until;
             ++i) {
          const Amount& r = np.releases[i].a;  // cumulative
          if (fits_one({np.base.gpus + r.gpus, np.base.cpu + r.cpu, np.base.mem + r.mem}, per))
            first = np.releases[i].t;
        }
        if (first) {
          order.emplace_back(*first, n);
          f.first_at[n] = *first;
        }
      }
      std::sort(order.begin(), order.end());
      // A shape that fits nowhere in the window gets a marker that ends every search at once.
      if (order.empty()) order.emplace_back(kNever, 0);
      return f;
    };

    std::vector<std::uint32_t> reserved(cfg_.partitions.size(), 0);
    std::uint32_t tested = 0;
    walk_queue(ctx, [&](sim::JobIndex j) {
      if (tested >= cfg_.bf_max_job_test) return false;
      // A job that can never run in its partition is dropped before Slurm's will-run test,
      // so it does not count against bf_max_job_test (backfill.c counts a job when it first
      // reaches the select plugin; docs/slurm-backfill.md).
      if (!fits_partition(ctx, j)) return true;
      ++tested;
      const std::uint32_t p = part_of_[j];
      const sim::Demand& d = ctx.demand(j);
      const Amount per = task_amount(d);
      const std::int64_t limit = std::max<std::int64_t>(1, time_limit(ctx, j).ms());
      const std::vector<std::uint32_t>& nodes = part_nodes_[p];
      std::optional<std::int64_t> begin_at;
      const ShapeKey key{p, d.gpu_type, per.gpus, per.cpu, per.mem};
      FirstFits& fits = shapes[key];
      if (fits.order.empty()) fits = first_fits(nodes, d, per, now, horizon);
      // A job the pass will not reserve for (its partition has bf_job_part_count_reserve
      // reservations already) can only start now: when it could start later does not matter,
      // so only now is searched.
      const bool reserves =
          cfg_.bf_job_part_count_reserve == 0 || reserved[p] < cfg_.bf_job_part_count_reserve;
      const std::int64_t until = reserves ? horizon : now;
      if (d.tasks == 1) {
        // One task: the earliest candidate time is the earliest over nodes of each node's own
        // (at now, or where something on it ends), which costs the node's events, not every
        // candidate time of the partition times every node. Nodes are visited by the first
        // time a task of the shape fits there with no holds; none fits before, so once that
        // time is no earlier than the best start found, no later node can improve on it.
        for (const auto& [first, n] : fits.order) {
          if (first == kNever || first > until || (begin_at && first >= *begin_at)) break;
          if (auto t = earliest_on(plan[n], now, until, limit, per, begin_at))
            begin_at = begin_at ? std::min(*begin_at, *t) : *t;
          if (begin_at == now) break;
        }
      }
      if (d.tasks > 1) {  // a gang: count tasks over the nodes at each candidate time
        if (!fits.have_bound) {
          make_part(p);
          fits.have_bound = true;
          constexpr std::int64_t kCap = std::int64_t{1} << 32;
          std::int64_t bound = 0;
          for (std::uint32_t n : nodes) {
            node_tasks_[n] = m.type_ok(n, d) ? std::min(kCap, fit_count(plan[n].base, per)) : 0;
            release_seen_[n] = 0;
            bound += node_tasks_[n];
          }
          fits.bound_now = bound;
          for (const auto& [t, n] : part_releases[p]) {
            if (t > horizon) break;
            if (!m.type_ok(n, d)) continue;
            const Amount& r = plan[n].releases[release_seen_[n]++].a;  // cumulative
            const std::int64_t k =
                std::min(kCap, fit_count({plan[n].base.gpus + r.gpus, plan[n].base.cpu + r.cpu,
                                          plan[n].base.mem + r.mem},
                                         per));
            bound += k - node_tasks_[n];
            node_tasks_[n] = k;
            if (!fits.bound_at.empty() && fits.bound_at.back() == t) {
              fits.bound.back() = bound;
            } else {
              fits.bound_at.push_back(t);
              fits.bound.push_back(bound);
            }
          }
        }
        auto& shape_tried = tried[key];
        // A candidate time is ruled out when it is before the `earliest` of a rule whose `seq`
        // is at least the candidate's `added`: rules (in shape_tried's order, so by `seq`) with
        // the most `earliest` from each one on answer that with one binary search.
        rules.clear();
        for (const GangTried& g : shape_tried) {
          if (g.tasks <= d.tasks && g.limit <= limit) rules.push_back(g);
        }
        for (std::size_t i = rules.size(); i-- > 1;)
          rules[i - 1].earliest = std::max(rules[i - 1].earliest, rules[i].earliest);
        auto ruled_out = [&](const Candidate& cand) {
          const auto g =
              std::lower_bound(rules.begin(), rules.end(), cand.added,
                               [](const GangTried& r, std::uint32_t a) { return r.seq < a; });
          return g != rules.end() && cand.t < g->earliest;
        };
        std::size_t next = 0;  // bound steps at or before t
        std::size_t open = 0;  // fits.order[0, open): the nodes where a task fits by t, no holds
        // zero_until_[i]: fits.order[i] was proved by a test at an earlier candidate time to
        // hold nothing before then (tasks_at's zero_until).
        for (const Candidate& cand : times) {
          const std::int64_t t = cand.t;
          if (t > until) break;
          while (next < fits.bound_at.size() && fits.bound_at[next] <= t) ++next;
          while (open < fits.order.size() && fits.order[open].first <= t) {
            if (zero_until_.size() <= open) zero_until_.resize(open + 1);
            zero_until_[open++] = now;
          }
          const std::int64_t bound = next == 0 ? fits.bound_now : fits.bound[next - 1];
          if (bound < d.tasks || ruled_out(cand)) continue;
          const std::int64_t end = t + limit;
          std::int64_t count = 0;
          for (std::size_t i = 0; i < open; ++i) {  // elsewhere nothing fits at t
            if (t < zero_until_[i]) continue;
            count +=
                tasks_at(plan[fits.order[i].second], t, end, per, d.tasks - count, &zero_until_[i]);
            if (count >= d.tasks) break;
          }
          if (count >= d.tasks) {
            begin_at = t;
            break;
          }
        }
        // (Searched up to `until` only: in vain, it rules out the times up to there.)
        shape_tried.push_back(
            {d.tasks, limit, begin_at ? *begin_at : (reserves ? kNever : until + 1), added});
      }
      if (!begin_at) return true;
      const std::int64_t end = *begin_at + limit;
      if (*begin_at == now) {
        // Start now on nodes the plan leaves free for the whole run.
        // Only nodes where a task fits now with no holds can hold one (first_at: now).
        std::vector<std::int64_t> allowance(c.node_count(), 0);
        for (std::uint32_t n : nodes) {
          if (fits.first_at[n] <= now) allowance[n] = tasks_at(plan[n], now, end, per, d.tasks);
        }
        sim::Placement placement;
        placement.milli_per_gpu = d.milli_per_gpu();
        bool ok = true;
        for (std::uint32_t t = 0; t < d.tasks && ok; ++t) {
          std::optional<std::uint32_t> best;
          double best_score = 0;
          for (std::uint32_t n : nodes) {
            if (allowance[n] <= 0 || m.capacity(n, d) == 0) continue;
            const double s = prod::best_fit_score(m, n, d);
            if (!best || s > best_score) {
              best = n;
              best_score = s;
            }
          }
          if (!best) {
            ok = false;
            break;
          }
          m.take(*best, d, placement);
          --allowance[*best];
        }
        if (ok) {
          for (std::uint32_t n : placement.task_nodes) add_hold(plan[n], now, end, per, false);
          start(ctx, j, std::move(placement));
          return true;
        }
        sim::Demand part = d;
        part.tasks = static_cast<std::uint32_t>(placement.task_nodes.size());
        m.give_back(part, placement);
        // The plan said yes but GPUs are shared differently: reserve from the next time on.
      }
      if (!reserves) return true;
      // Reserve: at the start time, pack onto the nodes in order. Only nodes where a task fits
      // by then with no holds can take one. A reservation takes its nodes whole for its window:
      // Slurm's backfill map records which nodes are free when, not how much of each
      // (backfill.c, `_add_reservation` of the job's selected nodes), so no later job of the
      // pass is placed on them then, even where GPUs are left over. (Observed on the local
      // Slurm 22.05: tests/calibrate/data/whole-node-run.)
      std::uint32_t left = d.tasks;
      for (std::uint32_t n : nodes) {
        if (left == 0) break;
        if (fits.first_at[n] > *begin_at) continue;
        const std::int64_t k = tasks_at(plan[n], *begin_at, end, per, left);
        if (k <= 0) continue;
        add_hold(plan[n], *begin_at, end, whole_node(plan[n]), end <= horizon);
        left -= static_cast<std::uint32_t>(k);
      }
      ++reserved[p];
      if (end <= horizon) {
        // A new time only: an equal one stays as it is (it was there earlier). `times` is
        // sorted without repeats, so only the time before the insertion point can equal it.
        ++added;
        const auto at =
            std::upper_bound(times.begin(), times.end(), Candidate{end, added}, by_time);
        if (at == times.begin() || std::prev(at)->t != end) times.insert(at, {end, added});
      }
      return true;
    });
  }

  SlurmConfig cfg_;
  bool resolved_ = false;
  std::vector<std::int64_t> gpu_free_at_;    // backfill_pass's scratch (all unset between)
  std::vector<std::uint32_t> held_gpus_;     // backfill_pass's scratch
  std::vector<NodePlan> plan_;               // backfill_pass's plan (reused)
  std::vector<std::int64_t> node_tasks_;     // backfill_pass's scratch: a gang's bound
  std::vector<std::uint32_t> release_seen_;  // per node; backfill_pass's scratch
  std::vector<std::int64_t> zero_until_;     // backfill_pass's scratch (a gang's, see there)
  std::vector<std::vector<Event>> deltas_;   // backfill_pass's release events (reused)
  std::vector<std::vector<std::uint32_t>> part_nodes_;
  std::vector<std::vector<bool>> part_member_;
  std::vector<std::uint32_t> first_gpu_;
  std::vector<std::uint32_t> node_of_gpu_;
  std::vector<std::uint32_t> part_of_;
  double max_job_factor_ = 1;
  std::int32_t max_priority_ = 0;
  double total_gpus_ = 0, total_cpu_ = 0;
  std::vector<double> share_, usage_;
  std::set<sim::JobIndex> charged_running_;
  SimTime usage_time_ = SimTime::from_ms(-1);
  SimTime last_calc_ = SimTime::from_ms(-1);
  std::vector<std::uint32_t> priority_;
  std::vector<bool> have_priority_;
  std::vector<std::uint8_t> fits_partition_;  // 0 unknown, 1 yes, 2 never
  std::set<QueueEntry> queue_;                // waiting jobs in Slurm's order (sync_queue)
  std::vector<bool> queued_;                  // has an entry in queue_
  std::vector<sim::JobIndex> fresh_;          // joined the queue since the last sync_queue
  prod::PlacementBook book_;
  // Timing.
  std::int64_t main_due_ = kNever, full_due_ = kNever, bf_due_ = kNever;
  SimTime last_main_ = SimTime::from_ms(std::numeric_limits<std::int64_t>::min() / 4);
  std::optional<SimTime> idle_since_;  // the queue was empty when a call returned at this time
  std::set<std::int64_t> requested_;
};

// Slurm time strings: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
// days-hours:minutes, days-hours:minutes:seconds; UNLIMITED / INFINITE.
std::optional<std::optional<SimTime>> parse_slurm_time(const nlohmann::json& v) {
  if (v.is_number()) {
    const double minutes = v.get<double>();
    if (!(minutes >= 0)) return std::nullopt;
    return std::optional<SimTime>(SimTime::from_seconds(minutes * 60));
  }
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  if (s == "UNLIMITED" || s == "INFINITE") return std::optional<SimTime>();
  double days = 0;
  if (auto dash = s.find('-'); dash != std::string::npos) {
    try {
      days = std::stod(s.substr(0, dash));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    s = s.substr(dash + 1);
    std::vector<double> parts;
    std::size_t pos = 0;
    while (pos <= s.size()) {
      const std::size_t colon = std::min(s.find(':', pos), s.size());
      try {
        parts.push_back(std::stod(s.substr(pos, colon - pos)));
      } catch (const std::exception&) {
        return std::nullopt;
      }
      pos = colon + 1;
    }
    double secs = days * 86400;
    if (parts.size() > 3) return std::nullopt;
    const double mult[3] = {3600, 60, 1};
    for (std::size_t i = 0; i < parts.size(); ++i) secs += parts[i] * mult[i];
    return std::optional<SimTime>(SimTime::from_seconds(secs));
  }
  std::vector<double> parts;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const std::size_t colon = std::min(s.find(':', pos), s.size());
    try {
      std::size_t used = 0;
      const std::string piece = s.substr(pos, colon - pos);
      parts.push_back(std::stod(piece, &used));
      if (used != piece.size()) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    pos = colon + 1;
  }
  double secs = 0;
  if (parts.size() == 1) {
    secs = parts[0] * 60;
  } else if (parts.size() == 2) {
    secs = parts[0] * 60 + parts[1];
  } else if (parts.size() == 3) {
    secs = parts[0] * 3600 + parts[1] * 60 + parts[2];
  } else {
    return std::nullopt;
  }
  if (!(secs >= 0)) return std::nullopt;
  return std::optional<SimTime>(SimTime::from_seconds(secs));
}

SlurmConfig parse_config(ParamReader& r) {
  SlurmConfig cfg;
  if (const auto* ps = r.raw("partitions")) {
    if (!ps->is_array() || ps->empty()) {
      r.problem("partitions", "must be a non-empty array of partition objects");
    } else {
      for (std::size_t i = 0; i < ps->size(); ++i) {
        const auto& p = (*ps)[i];
        const std::string where = "partitions[" + std::to_string(i) + "]";
        if (!p.is_object() || !p.contains("PartitionName") || !p.at("PartitionName").is_string()) {
          r.problem(where, "must be an object with a \"PartitionName\"");
          continue;
        }
        PartitionSpec s;
        s.name = p.at("PartitionName").get<std::string>();
        for (const auto& o : cfg.partitions) {
          if (o.name == s.name) r.problem(where + ".PartitionName", "partition given twice");
        }
        for (const auto& [key, value] : p.items()) {
          const std::string kp = where + "." + key;
          if (key == "PartitionName") continue;
          if (key == "Nodes") {
            std::vector<std::string> names;
            if (value.is_string()) {
              std::string list = value.get<std::string>();
              std::size_t pos = 0;
              while (pos <= list.size()) {
                const std::size_t comma = std::min(list.find(',', pos), list.size());
                if (comma > pos) names.push_back(list.substr(pos, comma - pos));
                pos = comma + 1;
              }
            } else if (value.is_array()) {
              for (const auto& n : value) {
                if (n.is_string()) names.push_back(n.get<std::string>());
              }
            } else {
              r.problem(kp, "must be ALL or a list of node-pool names");
            }
            if (names.size() == 1 && names[0] == "ALL") names.clear();
            s.pools = names;
          } else if (key == "Default") {
            if (value.is_boolean()) {
              s.is_default = value.get<bool>();
            } else if (value.is_string() && (value == "YES" || value == "NO")) {
              s.is_default = value == "YES";
            } else {
              r.problem(kp, "must be YES or NO");
            }
          } else if (key == "PriorityJobFactor" || key == "PriorityTier") {
            if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 65533) {
              r.problem(kp, "must be a number in [0, 65533]");
            } else {
              (key == "PriorityTier" ? s.tier : s.job_factor) = value.get<double>();
            }
          } else if (key == "DefaultTime" || key == "MaxTime") {
            auto t = parse_slurm_time(value);
            if (!t) {
              r.problem(kp, "must be minutes or [days-]hours:minutes:seconds, got " + value.dump());
            } else {
              (key == "DefaultTime" ? s.default_time : s.max_time) = *t;
            }
          } else {
            r.problem(kp,
                      "unknown field (Nodes, Default, PriorityJobFactor, PriorityTier, "
                      "DefaultTime, MaxTime)");
          }
        }
        cfg.partitions.push_back(s);
      }
      int defaults = 0;
      for (const auto& p : cfg.partitions) defaults += p.is_default;
      if (defaults > 1) r.problem("partitions", "more than one partition has Default=YES");
      if (defaults == 0 && !cfg.partitions.empty()) cfg.partitions[0].is_default = true;
    }
  }
  auto time = [&](const std::string& key, SimTime fallback) {
    const nlohmann::json* v = r.raw(key);
    if (!v) return fallback;
    auto t = parse_slurm_time(*v);
    if (!t || !*t) {
      r.problem(key, "must be minutes or [days-]hours:minutes:seconds, got " + v->dump());
      return fallback;
    }
    return **t;
  };
  cfg.w_age = r.number("PriorityWeightAge", 0, 0, 4294967295.0);
  cfg.w_fairshare = r.number("PriorityWeightFairshare", 0, 0, 4294967295.0);
  cfg.w_size = r.number("PriorityWeightJobSize", 0, 0, 4294967295.0);
  cfg.w_partition = r.number("PriorityWeightPartition", 0, 0, 4294967295.0);
  cfg.w_qos = r.number("PriorityWeightQOS", 0, 0, 4294967295.0);
  cfg.max_age = time("PriorityMaxAge", cfg.max_age);
  cfg.half_life = time("PriorityDecayHalfLife", cfg.half_life);
  cfg.calc_period = time("PriorityCalcPeriod", cfg.calc_period);
  if (cfg.max_age <= SimTime::zero()) r.problem("PriorityMaxAge", "must be > 0");
  if (cfg.half_life <= SimTime::zero()) r.problem("PriorityDecayHalfLife", "must be > 0");
  cfg.favor_small = r.boolean("PriorityFavorSmall", false);
  cfg.dampening = r.number("FairShareDampeningFactor", 1, 1, 1e9);
  if (const auto* sh = r.raw("Fairshare")) {
    if (!sh->is_object()) {
      r.problem("Fairshare", "must be an object {user: shares}");
    } else {
      for (const auto& [user, v] : sh->items()) {
        if (!v.is_number() || v.get<double>() < 0) {
          r.problem("Fairshare." + user, "must be a number >= 0");
        } else {
          cfg.shares[user] = v.get<double>();
        }
      }
    }
  }
  const std::string type =
      r.string("SchedulerType", "sched/backfill", {"sched/backfill", "sched/builtin"});
  cfg.backfill = type == "sched/backfill";
  cfg.tick = prod::seconds_param(r, "sched_tick", 1, 0.001, 3600);
  cfg.tick_phase = prod::seconds_param(r, "sched_tick_phase", 0, 0, 3600);
  if (cfg.tick_phase >= cfg.tick) r.problem("sched_tick_phase", "must be less than sched_tick");
  cfg.batch_sched_delay = prod::seconds_param(r, "batch_sched_delay", 3, 0, 3600);
  cfg.sched_interval = prod::seconds_param(r, "sched_interval", 60, 0, 86400);
  cfg.default_queue_depth =
      static_cast<std::uint32_t>(r.integer("default_queue_depth", 100, 1, 10'000'000));
  cfg.partition_job_depth =
      static_cast<std::uint32_t>(r.integer("partition_job_depth", 0, 0, 10'000'000));
  cfg.bf_interval = prod::seconds_param(r, "bf_interval", 30, 1, 86400);
  cfg.bf_phase = prod::seconds_param(r, "bf_phase", 0, 0, 86400);
  if (cfg.bf_phase >= cfg.bf_interval) r.problem("bf_phase", "must be less than bf_interval");
  cfg.bf_resolution = prod::seconds_param(r, "bf_resolution", 60, 1, 3600);
  cfg.bf_window = SimTime::from_seconds(r.number("bf_window", 1440, 1, 43200) * 60);
  cfg.bf_max_job_test = static_cast<std::uint32_t>(r.integer("bf_max_job_test", 500, 1, 1'000'000));
  cfg.bf_job_part_count_reserve =
      static_cast<std::uint32_t>(r.integer("bf_job_part_count_reserve", 0, 0, 100'000));
  return cfg;
}

}  // namespace

PolicyInfo slurm_policy() {
  return {"slurm",
          "Slurm: partitions, multifactor priority with fair share, main scheduler on 1 s ticks, "
          "backfill every bf_interval with walltime reservations",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("slurm", params);
            SlurmConfig cfg = parse_config(r);
            r.finish();
            return std::make_unique<Slurm>(std::move(cfg));
          }};
}

}  // namespace orrery::policies
