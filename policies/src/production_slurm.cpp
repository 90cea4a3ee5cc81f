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
// sched/backfill) runs every bf_interval (phase bf_phase) after a change and follows Slurm
// 22.05's backfill (docs/slurm-backfill.md): it walks up to bf_max_job_test jobs in priority order
// over a map of which nodes earlier jobs of the pass have reserved when (whole nodes, up to
// bf_window ahead, at most bf_node_space_size slices); each job's will-run tests the nodes free in
// the map over its window against the usage of running jobs (they end by their time limit: the
// job's walltime, else the partition's DefaultTime or MaxTime, else the job's actual run time as
// an oracle), removing them in 30 s-aligned, doubling batches of their ends and answering the
// last end of the first batch after which the job fits; a job that fits now starts; otherwise it
// retries from a later map boundary where more nodes come free, or gets a reservation rounded
// down to bf_resolution (for the first bf_job_part_count_reserve jobs of each partition; 0,
// Slurm's default, reserves for every job tested, which is conservative backfilling; 1 is EASY
// backfilling). Nodes are chosen as select/cons_tres chooses them (cons_tres_pick): by runs of
// consecutive free nodes of one node Weight (params "Weight": {pool: weight}, slurm.conf's node
// Weight=, 1 by default), the lowest weight first, then the smallest run that holds the job, not
// by best fit. Simplifications (docs/policies.md): jobs are killed at their time limit only when
// the scenario enforces time limits (the engine's kill; estimates use the limit); the plan counts a
// shared-GPU task as a whole GPU; the allocation-to-start latency of a live cluster (~0.16 s) is
// not added; usage counts GPU time only (TRESBillingWeights=GRES/gpu=1); PriorityWeightAssoc, nice,
// QOS limits, reservations made by users, preemption and the fair-tree algorithm (the default
// since 19.05) are not modelled. Sources: slurm.schedmd.com: slurm.conf (SchedulerParameters,
// Partition configuration), sched_config.html, priority_multifactor.html, classic_fair_share.html,
// backfill docs.
#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

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
  std::map<std::string, std::uint64_t> weights;  // node Weight= per node pool (1)
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
  std::uint32_t bf_node_space_size = 500;  // default: bf_max_job_test
  SimTime bf_window_linear = SimTime::zero();
  // Epoch time at simulated time 0 modulo 30 s (the will-run's batches are aligned on it).
  SimTime epoch_offset = SimTime::zero();
  // Not Slurm's: make the plan and the will-run's summaries kept from pass to pass again whole
  // at every pass and use and stop with an error where they differ (slow; for tests).
  bool check_summaries = false;
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
    map_.sync(ctx);  // every call: the passes run at ticks, the changes come at any call
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
    // For the next backfill pass's plan: the jobs started or stopped up to this call's end (those
    // a pass of this call has read already left out).
    if (cfg_.backfill) {
      const auto changes = ctx.run_changes();
      for (std::size_t i = run_changes_read_; i < changes.size(); ++i)
        run_changed_.push_back(changes[i].job);
    }
    run_changes_read_ = 0;
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
    node_weight_.assign(c.node_count(), 1);
    for (const auto& [name, weight] : cfg_.weights) {
      bool found = false;
      for (std::uint32_t pool = 0; pool < c.spec().pools.size(); ++pool) {
        if (c.spec().pools[pool].name != name) continue;
        found = true;
        for (std::uint32_t i = 0; i < c.pool_node_count(pool); ++i)
          node_weight_[c.pool_first_node(pool) + i] = weight;
      }
      if (!found)
        problems.add("policy 'slurm' params.Weight." + name,
                     "no node pool named \"" + name + "\" in the cluster");
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
    queue_stamp_.assign(w.jobs.size(), 0);
    charge_mark_.assign(w.jobs.size(), 0);
    in_known_.assign(w.jobs.size(), false);
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
    // Jobs charged at the last update that no longer run are charged to their end, in job order
    // (the order their usage is summed in). `charge_mark_` marks the running ones.
    ++charge_stamp_;
    for (sim::JobIndex j : ctx.running()) {
      charge(j, now);
      charge_mark_[j] = charge_stamp_;
    }
    ended_.clear();
    for (sim::JobIndex j : charged_running_) {
      if (charge_mark_[j] != charge_stamp_) ended_.push_back(j);
    }
    std::sort(ended_.begin(), ended_.end());
    for (sim::JobIndex j : ended_) {
      const sim::JobRuntime& rt = ctx.runtime(j);
      charge(j, rt.end ? *rt.end : now);
    }
    charged_running_.assign(ctx.running().begin(), ctx.running().end());
    usage_time_ = now;
  }

  // Each user's fair-share factor from the usage at the last recalculation.
  void update_fairshare() {
    double total_usage = 0;
    for (double u : usage_) total_usage += u;
    fairshare_.assign(usage_.size(), 1.0);
    if (total_usage <= 0) return;
    for (std::size_t user = 0; user < usage_.size(); ++user) {
      const double u = usage_[user] / total_usage;
      fairshare_[user] = share_[user] > 0 ? std::exp2(-(u / share_[user]) / cfg_.dampening) : 0;
    }
  }

  std::uint32_t compute_priority(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    const sim::JobSpec& spec = ctx.job(j);
    const double age = std::min(1.0, static_cast<double>((ctx.now() - spec.submit).ms()) /
                                         static_cast<double>(cfg_.max_age.ms()));
    const double fs = fairshare_[spec.user];
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

  // Pending jobs in Slurm's order (PriorityTier, priority, submission, then index). Priorities
  // change only when they are recalculated (every PriorityCalcPeriod): that makes the order
  // again, one sort of every waiting job into `queue_`. In between, jobs that joined the queue
  // (ctx.arrivals(), gathered in fresh_ by every call) get a priority at the first pass that sees
  // them and go into the short sorted `queue_new_`; a walk merges the two. A job leaves by
  // starting: its entry is only marked (queued_ false), skipped by walks and dropped when the
  // vectors are made again. An entry is the job's current one while its stamp is the job's
  // (a job can leave and join again between two sorts). Sorted vectors instead of a tree: at
  // 1M jobs tens of thousands wait, the order is made again every 300 s of simulated time, and
  // a tree's node per entry (its allocation and pointer chase) cost a sixth of the run.
  struct QueueEntry {
    double tier;
    std::uint32_t priority;
    std::int64_t submit_ms;
    sim::JobIndex job;
    std::uint32_t stamp;
    bool operator<(const QueueEntry& o) const {
      if (tier != o.tier) return tier > o.tier;
      if (priority != o.priority) return priority > o.priority;
      if (submit_ms != o.submit_ms) return submit_ms < o.submit_ms;
      return job < o.job;
    }
  };

  bool live(const QueueEntry& e) const { return queued_[e.job] && queue_stamp_[e.job] == e.stamp; }

  QueueEntry queue_entry(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    queued_[j] = true;
    ++queued_count_;
    return {cfg_.partitions[part_of_[j]].tier, priority_[j], ctx.job(j).submit.ms(), j,
            ++queue_stamp_[j]};
  }

  void dequeue(sim::JobIndex j) {
    queued_[j] = false;
    --queued_count_;
  }

  // Brings the queue up to date for a pass at ctx.now().
  void sync_queue(sim::SchedulingContext& ctx) {
    const bool recalc = last_calc_ < SimTime::zero() || ctx.now() >= last_calc_ + cfg_.calc_period;
    for (sim::JobIndex j : fresh_) {
      if (in_known_[j]) continue;
      in_known_[j] = true;
      known_.push_back(j);
    }
    if (recalc) {
      update_usage(ctx);
      update_fairshare();
      last_calc_ = ctx.now();
    }
    auto waiting = [&](sim::JobIndex j) {
      if (queued_[j] || !ctx.pending().contains(j) || !prod::is_waiting(ctx, j)) return false;
      if (recalc || !have_priority_[j]) {
        priority_[j] = compute_priority(ctx, j);
        have_priority_[j] = true;
      }
      return true;
    };
    if (recalc) {
      // The jobs in their last order first: priorities that keep it (all of them when the
      // weights that change with time are 0) leave nothing to sort.
      last_order_.clear();
      in_order([&](sim::JobIndex j) {
        last_order_.push_back(j);
        return true;
      });
      for (sim::JobIndex j : last_order_) queued_[j] = false;
      queue_.clear();
      queue_new_.clear();
      queued_count_ = 0;
      // Every pending job joined through ctx.arrivals(): known_ lists them (those no longer
      // pending are dropped here) without a walk of the engine's queue in its own order.
      std::erase_if(known_, [&](sim::JobIndex j) {
        if (ctx.pending().contains(j)) return false;
        in_known_[j] = false;
        return true;
      });
      if (known_.size() != ctx.pending().size())
        throw std::logic_error("slurm: " + std::to_string(ctx.pending().size()) +
                               " jobs pending, " + std::to_string(known_.size()) +
                               " of them seen arriving");
      for (const std::vector<sim::JobIndex>* jobs : {&last_order_, &known_}) {
        for (sim::JobIndex j : *jobs) {
          if (waiting(j)) queue_.push_back(queue_entry(ctx, j));
        }
      }
      if (!std::is_sorted(queue_.begin(), queue_.end())) std::sort(queue_.begin(), queue_.end());
    } else {
      for (sim::JobIndex j : fresh_) {
        if (!waiting(j)) continue;
        const QueueEntry e = queue_entry(ctx, j);
        queue_new_.insert(std::upper_bound(queue_new_.begin(), queue_new_.end(), e), e);
      }
      // Merged into queue_ (marked entries dropped) once long, so walks and inserts stay cheap
      // when priorities are recalculated seldom.
      if (queue_new_.size() > 64 + queue_.size() / 8) {
        queue_merged_.clear();
        auto keep = [&](const std::vector<QueueEntry>& v) {
          const auto mid = static_cast<std::ptrdiff_t>(queue_merged_.size());
          std::copy_if(v.begin(), v.end(), std::back_inserter(queue_merged_),
                       [&](const QueueEntry& e) { return live(e); });
          return mid;
        };
        keep(queue_);
        const auto mid = keep(queue_new_);
        std::inplace_merge(queue_merged_.begin(), queue_merged_.begin() + mid, queue_merged_.end());
        std::swap(queue_, queue_merged_);
        queue_new_.clear();
      }
    }
    fresh_.clear();
  }

  // Calls f(job) for the queue's live entries in order until it returns false.
  template <class F>
  void in_order(F f) const {
    std::size_t a = 0, b = 0;
    while (true) {
      while (a < queue_.size() && !live(queue_[a])) ++a;
      while (b < queue_new_.size() && !live(queue_new_[b])) ++b;
      if (a == queue_.size() && b == queue_new_.size()) return;
      const bool old_first =
          b == queue_new_.size() || (a < queue_.size() && queue_[a] < queue_new_[b]);
      if (!f(old_first ? queue_[a++].job : queue_new_[b++].job)) return;
    }
  }

  // Visits the queue in order; `visit` returns false to end the walk. Jobs no longer waiting
  // leave the queue on the way; visit may start the job it is given (start() takes it out).
  template <class Visit>
  void walk_queue(sim::SchedulingContext& ctx, Visit visit) {
    in_order([&](sim::JobIndex j) {
      if (!ctx.pending().contains(j) || !prod::is_waiting(ctx, j)) {
        dequeue(j);
        return true;
      }
      return visit(j);
    });
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

  // Starts job j on p, whose resources were taken from the kept free map (map_).
  void start(sim::SchedulingContext& ctx, sim::JobIndex j, sim::Placement p) {
    if (queued_[j]) dequeue(j);
    book_.started(ctx, j, p);
    map_.took(j, p);
    ctx.start(j, std::move(p));
  }

  // select/cons_tres's choice of nodes (`_eval_nodes` in job_test.c of Slurm 22.05, without
  // topology or bf_busy_nodes). `offers` are the nodes where at least one task fits, ascending,
  // each with the tasks it can hold (capped at the job's). Each node's "available CPUs" there is
  // its task count times the CPUs per task (the cap of `_select_cores` for a job with fixed
  // tasks per node), and near-GPU weights are equal on every node a job asking GPUs per node fits
  // (as `orrery calibrate` submits), so what matters is runs of consecutive node indices of one
  // node Weight (`weight`, per node): a run of lower weight before any other, then among equal
  // weights the run that holds the tasks left with the fewest (the first of equals), else the
  // largest; within it a single node holding all of them with the fewest, else its nodes in
  // order. Not best fit: on a live cluster a 1-GPU job goes to a lone free node before a node
  // with fewer idle GPUs inside a longer run (docs/slurm-backfill.md, "Which nodes"). Returns
  // (node, tasks) pairs, empty when the offers hold fewer tasks than the job has.
  struct Offer {
    std::uint32_t node;
    std::int64_t tasks;
  };
  struct Run {
    std::size_t begin, end;  // into the offers
    std::int64_t sum;        // their tasks; 0 once the run is used
    std::uint64_t weight;    // their node Weight
  };
  // `runs` is scratch (reused from call to call: this runs for every start and reservation).
  static void cons_tres_pick(const std::vector<Offer>& offers, std::int64_t tasks,
                             const std::vector<std::uint64_t>& weight, std::vector<Run>& runs,
                             std::vector<Offer>& out) {
    out.clear();
    runs.clear();
    std::int64_t total = 0;
    for (std::size_t i = 0; i < offers.size(); ++i) {
      const std::uint64_t w = weight[offers[i].node];
      if (i == 0 || offers[i].node != offers[i - 1].node + 1 || w != runs.back().weight)
        runs.push_back({i, i, 0, w});
      runs.back().end = i + 1;
      runs.back().sum += offers[i].tasks;
      total += offers[i].tasks;
    }
    if (total < tasks) return;
    std::int64_t left = tasks;
    while (left > 0) {
      std::size_t best = runs.size();
      bool best_enough = false;
      for (std::size_t r = 0; r < runs.size(); ++r) {
        if (runs[r].sum == 0) continue;  // used
        const bool enough = runs[r].sum >= left;
        if (best == runs.size() || runs[r].weight < runs[best].weight ||
            (runs[r].weight == runs[best].weight &&
             ((enough && !best_enough) || (enough && runs[r].sum < runs[best].sum) ||
              (!enough && runs[r].sum > runs[best].sum)))) {
          best = r;
          best_enough = enough;
        }
      }
      const Run& run = runs[best];
      // One node of the run holding every task left, the tightest (Slurm tests this while at
      // most one node is still required, which for a job of tasks is always).
      std::optional<std::size_t> one;
      for (std::size_t i = run.begin; i < run.end; ++i) {
        if (offers[i].tasks < left || (one && offers[i].tasks >= offers[*one].tasks)) continue;
        one = i;
        if (offers[i].tasks == left) break;
      }
      if (one) {
        out.push_back({offers[*one].node, left});
        break;
      }
      for (std::size_t i = run.begin; i < run.end && left > 0; ++i) {
        const std::int64_t k = std::min(left, offers[i].tasks);
        out.push_back({offers[i].node, k});
        left -= k;
      }
      runs[best].sum = 0;
    }
    std::sort(out.begin(), out.end(),
              [](const Offer& a, const Offer& b) { return a.node < b.node; });
  }

  // Places the job now on the partition's nodes that `allow` admits, as cons_tres_pick chooses
  // them; nullopt (and `m` unchanged) when it does not fit.
  template <class Allow>
  std::optional<sim::Placement> place_now(FreeMap& m, const sim::Demand& d, std::uint32_t p,
                                          Allow allow) {
    if (d.tasks == 0 || prod::whole_gpus_rule_out(m, d)) return std::nullopt;
    offers_.clear();
    for (std::uint32_t n = m.next_candidate(d, 0); n < m.nodes(); n = m.next_candidate(d, n + 1)) {
      if (!part_member_[p][n] || !allow(n)) continue;
      const std::uint32_t k = m.capacity(n, d);
      if (k > 0) offers_.push_back({n, std::min<std::int64_t>(k, d.tasks)});
    }
    cons_tres_pick(offers_, d.tasks, node_weight_, runs_, picks_);
    if (picks_.empty()) return std::nullopt;
    sim::Placement placement;
    placement.milli_per_gpu = d.milli_per_gpu();
    for (const Offer& o : picks_) {
      for (std::int64_t t = 0; t < o.tasks; ++t) m.take(o.node, d, placement);
    }
    return placement;
  }

  void main_pass(sim::SchedulingContext& ctx, bool full) {
    sync_queue(ctx);
    FreeMap& m = map_.get(ctx);
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
      auto placement = place_now(m, ctx.demand(j), p, [](std::uint32_t) { return true; });
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
  // A pass follows Slurm 22.05's sched/backfill with select/cons_tres (docs/slurm-backfill.md
  // describes the algorithm from its source and every difference we know of):
  // - the backfill map (`node_space`): time slices, each with the set of nodes not taken by a
  //   reservation of this pass; a reservation takes its nodes whole for its window;
  // - per job, a search that tests a node set (the partition's nodes free in the map over the
  //   job's window from `start_res`) with the select plugin's will-run, and retries from a later
  //   map boundary where more nodes come free (`later_start`);
  // - the will-run: the job fits now on current usage, or it removes running jobs in batches of
  //   their ends (30 s-aligned, doubling) and answers the last end of the first batch after which
  //   the job fits.
  struct Amount {
    std::int64_t gpus = 0, cpu = 0, mem = 0;
    Amount& operator+=(const Amount& o) {
      gpus += o.gpus;
      cpu += o.cpu;
      mem += o.mem;
      return *this;
    }
    friend Amount operator+(Amount a, const Amount& b) { return a += b; }
    friend Amount operator-(const Amount& a, const Amount& b) {
      return {a.gpus - b.gpus, a.cpu - b.cpu, a.mem - b.mem};
    }
    friend bool operator==(const Amount&, const Amount&) = default;
  };
  struct Event {
    std::int64_t t;
    Amount a;
    friend bool operator==(const Event&, const Event&) = default;
  };
  // A node's usage as the will-run sees it: idle now, and what running jobs (those the pass
  // started included) give back by when.
  struct NodePlan {
    Amount base;                  // idle now
    std::vector<Event> releases;  // sorted by time; cumulative amounts
  };
  // Per partition and task shape (GPU type and per-task amounts), what the will-run reads.
  // Kept from pass to pass and brought up to date from the plan's change log (`plan_log_`): the
  // nodes where a task fits now (`now_nodes`, in no set order) with the tasks each holds
  // (`now_tasks`) and their sum (`bound_now`); the nodes by the first time a task fits there
  // (`order`; a node where one fits now is listed at the `now` of the pass that last looked at
  // it, so every entry at or before now means "fits now"). Made again after every start (they
  // read the whole partition's release order): the partition's release events on nodes of the
  // GPU type, in time order, each with the tasks its node gains then (`steps`: the node holds
  // its tasks that fit now plus the gains of its steps so far; releases only add, so a gain is
  // never negative and a count along the steps only grows); the tasks that fit on all of them
  // along the steps (`bound`: from `bound_at[i]` on, `bound[i]`). A node's count is capped at
  // 2^32 (above any task count).
  struct Step {
    std::int64_t t;
    std::int64_t gain;
    std::uint32_t node;
    friend bool operator==(const Step&, const Step&) = default;
  };
  struct ShapeFits {
    bool has_now = false, has_order = false;
    std::uint64_t synced = 0;  // the position in the change log they were made at
    std::vector<std::uint32_t> now_nodes;
    std::vector<std::int64_t> now_tasks;
    std::int64_t bound_now = 0;
    std::vector<std::pair<std::int64_t, std::uint32_t>> order;
    std::uint64_t version = 0;  // the pass's start count `steps` and `bound` were made at
    int level = 0;              // kSteps or kBound once made
    std::vector<Step> steps;
    std::vector<std::int64_t> bound_at, bound;
  };
  using ShapeKey =
      std::tuple<std::uint32_t, std::uint32_t, std::int64_t, std::int64_t, std::int64_t>;
  using Bits = std::vector<std::uint64_t>;  // a set of nodes
  // One slice of the backfill map: from `begin` to `end`, the nodes no reservation takes.
  struct Slice {
    std::int64_t begin, end;
    Bits avail;
  };

  static bool has(const Bits& b, std::uint32_t n) { return (b[n >> 6] >> (n & 63)) & 1U; }
  // a &= b over n words. The count by value and the pointers marked unaliased let the compiler
  // vectorize it: a word count read through a reference (std::size_t is the same type as
  // std::uint64_t) is read again after every store, one word at a time.
  static void and_into(std::uint64_t* __restrict a, const std::uint64_t* __restrict b,
                       std::size_t n) {
    for (std::size_t w = 0; w < n; ++w) a[w] &= b[w];
  }
  // d = a & b over n words.
  static void and_of(std::uint64_t* __restrict d, const std::uint64_t* __restrict a,
                     const std::uint64_t* __restrict b, std::size_t n) {
    for (std::size_t w = 0; w < n; ++w) d[w] = a[w] & b[w];
  }
  // Is a node in `u` and `next` but not in both `a` and `b`?
  static bool joins(const std::uint64_t* u, const std::uint64_t* next, const std::uint64_t* a,
                    const std::uint64_t* b, std::size_t n) {
    std::uint64_t any = 0;
    for (std::size_t w = 0; w < n; ++w) any |= u[w] & next[w] & ~(a[w] & b[w]);
    return any != 0;
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

  static Amount idle_now(const FreeMap& m, std::uint32_t n) {
    return {std::int64_t{m.idle_gpus(n)}, std::int64_t{m.free_cpu(n)},
            static_cast<std::int64_t>(m.free_mem(n))};
  }

  // Idle on the node at t: idle now plus what running jobs have released by t.
  static Amount idle_at(const NodePlan& n, std::int64_t t) {
    Amount a = n.base;
    auto it = std::upper_bound(n.releases.begin(), n.releases.end(), t,
                               [](std::int64_t x, const Event& e) { return x < e.t; });
    if (it != n.releases.begin()) a += std::prev(it)->a;  // cumulative
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

  // Adds a release of `a` at t to the node's cumulative plan.
  static void add_release(NodePlan& n, std::int64_t t, const Amount& a) {
    auto it = std::lower_bound(n.releases.begin(), n.releases.end(), t,
                               [](const Event& e, std::int64_t x) { return e.t < x; });
    if (it == n.releases.end() || it->t != t) {
      const Amount before = it == n.releases.begin() ? Amount{} : std::prev(it)->a;
      it = n.releases.insert(it, {t, before});
    }
    for (; it != n.releases.end(); ++it) it->a += a;
  }

  // Slurm's `_add_reservation`: takes `nodes` out of the map over [start, end), splitting
  // slices at both times, then merges one pair of neighbouring slices left identical. Returns
  // the slices inserted (Slurm's table counts them, merged or not, against
  // bf_node_space_size).
  static std::uint32_t add_reservation(std::vector<Slice>& space, std::int64_t start,
                                       std::int64_t end, const Bits& nodes,
                                       std::int64_t resolution) {
    std::uint32_t inserted = 0;
    start = std::max(start, space.front().begin);
    end = std::max(end, start + resolution);
    std::size_t j = 0;
    std::size_t one_before = 0;
    bool placed = false;
    for (; j < space.size(); ++j) {
      if (space[j].end > start) {
        Slice s{start, space[j].end, space[j].avail};
        space[j].end = start;
        space.insert(space.begin() + static_cast<std::ptrdiff_t>(j) + 1, std::move(s));
        ++inserted;
        placed = true;
        break;
      }
      if (space[j].end == start) {
        placed = true;
        break;
      }
      one_before = j;
    }
    std::size_t one_after = space.size();  // none
    while (placed && ++j < space.size()) {
      if (end < space[j].end) {
        Slice s{end, space[j].end, space[j].avail};
        space[j].end = end;
        space.insert(space.begin() + static_cast<std::ptrdiff_t>(j) + 1, std::move(s));
        ++inserted;
      }
      for (std::size_t w = 0; w < nodes.size(); ++w) space[j].avail[w] &= ~nodes[w];
      if (end == space[j].end) {
        if (j + 1 < space.size()) one_after = j + 1;
        break;
      }
    }
    for (std::size_t i = one_before; i != one_after && i + 1 < space.size(); ++i) {
      if (space[i].avail != space[i + 1].avail) continue;
      space[i].end = space[i + 1].end;
      space.erase(space.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      break;
    }
    return inserted;
  }

  // A placement's nodes, ascending, each once.
  static std::vector<std::uint32_t> node_set(const sim::Placement& p) {
    std::vector<std::uint32_t> nodes = p.task_nodes;
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
    return nodes;
  }

  // A running job's releases on node n as the will-run sees them: CPU and memory per task at
  // its end, and the end of each of its GPUs there (kept to the latest end of the GPU's
  // holders in gpu_free_at_, listed in held_gpus_). A job past its limit (the engine does not
  // kill) is taken to end just after now.
  void job_releases(const sim::SchedulingContext& ctx, sim::JobIndex j, const sim::Placement& p,
                    std::uint32_t n, std::vector<Event>& out) {
    const std::int64_t end = std::max(running_end(ctx, j).ms(), ctx.now().ms() + 1);
    const sim::Demand& d = ctx.demand(j);
    std::int64_t tasks = 0;
    for (std::uint32_t t : p.task_nodes) tasks += t == n;
    if (tasks > 0)
      out.push_back(
          {end, {0, tasks * d.cpu_milli, tasks * static_cast<std::int64_t>(d.memory_mib)}});
    for (std::uint32_t g : p.gpus) {
      if (node_of_gpu_[g] != n) continue;
      std::int64_t& at = gpu_free_at_[g];
      if (at == kUnsetEnd) {
        at = end;
        held_gpus_.push_back(g);
      } else {
        at = std::max(at, end);
      }
    }
  }

  // Node n's releases from its events (any order): sorted, one per time, cumulative.
  void make_releases(std::vector<Event>& ev, std::vector<Event>& out) {
    for (std::uint32_t g : held_gpus_)
      ev.push_back({std::exchange(gpu_free_at_[g], kUnsetEnd), {1, 0, 0}});
    held_gpus_.clear();
    std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
    out.clear();
    Amount cum;
    for (const Event& e : ev) {
      cum += e.a;
      if (!out.empty() && out.back().t == e.t) {
        out.back().a = cum;
      } else {
        out.push_back({e.t, cum});
      }
    }
  }

  // Brings the plan (plan_: per node, idle now and the cumulative releases of its running jobs
  // by their time limits) up to now, and logs the nodes whose plan changed since the last pass
  // ended (plan_log_). Kept from pass to pass: only the nodes of jobs that started or stopped
  // since (the engine's run changes, gathered in run_changed_; a superset is harmless), and the
  // nodes of jobs past their limit (whose end moves with now), are made again; every node's idle
  // amounts are read again (a node going down changes them without a run change).
  void update_plan(const sim::SchedulingContext& ctx, const prod::FreeMap& m) {
    const sim::Cluster& c = ctx.cluster();
    const std::int64_t now = ctx.now().ms();
    const bool first_pass = plan_.size() != c.node_count();
    if (first_pass) {
      plan_.assign(c.node_count(), {});
      node_jobs_.assign(c.node_count(), {});
      gpu_free_at_.assign(c.total_gpus(), kUnsetEnd);
      job_nodes_.resize(ctx.workload().jobs.size());
      tracked_.assign(ctx.workload().jobs.size(), false);
      node_dirty_.assign(c.node_count(), 0);
      node_logged_.assign(c.node_count(), 0);
    }
    // The change log (the shapes bring their summaries up to date from it) is emptied when long:
    // a shape that last read it before then is made again whole.
    if (plan_log_.size() > 8 * std::size_t{c.node_count()}) {
      plan_log_base_ += plan_log_.size();
      plan_log_.clear();
    }
    ++dirty_stamp_;
    dirty_.clear();
    auto dirty = [&](std::uint32_t n) {
      if (node_dirty_[n] == dirty_stamp_) return;
      node_dirty_[n] = dirty_stamp_;
      dirty_.push_back(n);
    };
    for (const sim::RunChange& rc : ctx.run_changes()) run_changed_.push_back(rc.job);
    run_changes_read_ = ctx.run_changes().size();
    for (sim::JobIndex j : run_changed_) {
      if (tracked_[j]) {
        tracked_[j] = false;
        for (std::uint32_t n : job_nodes_[j]) {
          std::erase(node_jobs_[n], j);
          dirty(n);
        }
        job_nodes_[j] = {};
      }
    }
    for (sim::JobIndex j : run_changed_) {
      if (tracked_[j] || ctx.runtime(j).status != sim::JobStatus::kRunning) continue;
      const sim::Placement* p = book_.get(ctx, j);
      if (!p) continue;
      tracked_[j] = true;
      std::vector<std::uint32_t>& nodes = job_nodes_[j];
      nodes = node_set(*p);
      for (std::uint32_t n : nodes) {
        node_jobs_[n].push_back(j);
        dirty(n);
      }
      by_end_.push({running_end(ctx, j).ms(), j});
    }
    run_changed_.clear();
    // The nodes the last pass's starts changed by hand (their jobs may have ended since).
    for (std::uint32_t n : started_on_) dirty(n);
    started_on_.clear();
    // Jobs past their limit: their releases are just after now, so their nodes are made again
    // every pass while they run.
    while (!by_end_.empty() && by_end_.top().first <= now) {
      overdue_.push_back(by_end_.top().second);
      by_end_.pop();
    }
    std::erase_if(overdue_, [&](sim::JobIndex j) {
      if (!tracked_[j] || running_end(ctx, j).ms() > now) return true;
      for (std::uint32_t n : job_nodes_[j]) dirty(n);
      return false;
    });
    if (first_pass) {
      for (std::uint32_t n = 0; n < c.node_count(); ++n) dirty(n);
    }
    for (std::uint32_t n : dirty_) {
      node_events_.clear();
      for (sim::JobIndex j : node_jobs_[n]) {
        const sim::Placement* p = book_.get(ctx, j);
        if (!p) throw std::logic_error("slurm: a job kept as running holds no placement");
        job_releases(ctx, j, *p, n, node_events_);
      }
      make_releases(node_events_, new_releases_);
      if (new_releases_ != plan_[n].releases) {
        std::swap(new_releases_, plan_[n].releases);
        plan_log_.push_back(n);
        node_logged_[n] = dirty_stamp_;
      }
    }
    for (std::uint32_t n = 0; n < c.node_count(); ++n) {
      const Amount base = idle_now(m, n);
      if (base != plan_[n].base || first_pass) {
        plan_[n].base = base;
        if (node_logged_[n] != dirty_stamp_) plan_log_.push_back(n);
      }
    }
  }

  // The check_summaries option: the kept plan against one made whole from the running jobs.
  void check_plan(const sim::SchedulingContext& ctx) {
    const sim::Cluster& c = ctx.cluster();
    std::vector<std::vector<sim::JobIndex>> jobs(c.node_count());
    for (sim::JobIndex r : ctx.running()) {
      const sim::Placement* p = book_.get(ctx, r);
      if (!p) continue;
      for (std::uint32_t n : p->task_nodes) {
        if (std::find(jobs[n].begin(), jobs[n].end(), r) == jobs[n].end()) jobs[n].push_back(r);
      }
    }
    prod::FreeMap m(c);
    std::vector<Event> events;
    for (std::uint32_t n = 0; n < c.node_count(); ++n) {
      events.clear();
      for (sim::JobIndex r : jobs[n]) job_releases(ctx, r, *book_.get(ctx, r), n, events);
      make_releases(events, new_releases_);
      if (new_releases_ != plan_[n].releases || idle_now(m, n) != plan_[n].base) {
        throw std::logic_error("slurm check_summaries: at t=" + std::to_string(ctx.now().ms()) +
                               " ms the kept plan of node " + std::to_string(n) +
                               " differs from one made whole from the running jobs");
      }
    }
  }

  void backfill_pass(sim::SchedulingContext& ctx) {
    sync_queue(ctx);
    if (queued_count_ == 0) return;
    const sim::Cluster& c = ctx.cluster();
    const std::int64_t now = ctx.now().ms();
    const std::int64_t resolution = cfg_.bf_resolution.ms();
    const std::int64_t window_end = (now + cfg_.bf_window.ms()) / resolution * resolution;
    const std::size_t words = (c.node_count() + 63) / 64;
    FreeMap& m = map_.get(ctx);
    std::vector<NodePlan>& plan = plan_;
    update_plan(ctx, m);
    if (cfg_.check_summaries) check_plan(ctx);
    // The backfill map: one slice over the window, every node free.
    std::vector<Slice>& space = space_;
    space.clear();
    space.push_back({now / resolution * resolution, window_end, Bits(words, ~std::uint64_t{0})});
    std::uint32_t records = 1;  // slices Slurm's table has used (bf_node_space_size)
    // What a start changes (a node's idle amounts and releases) makes the per-shape steps and
    // per-partition events below stale: `version` counts passes and starts (the shapes keep
    // theirs from pass to pass).
    std::uint64_t& version = plan_version_;
    ++version;
    // Per partition, its nodes' release times in order, (time, node) (made at the pass's first
    // need, kept up to date by its starts): a gang's task count is kept along them, and they
    // are the will-run's batches of running jobs' ends (every release is some running job's
    // end on its node, and every job's end on each of its nodes is a release, of nothing if
    // need be).
    part_events_.resize(cfg_.partitions.size());
    std::vector<bool> events_made(cfg_.partitions.size(), false);
    auto events_of =
        [&](std::size_t p) -> const std::vector<std::pair<std::int64_t, std::uint32_t>>& {
      std::vector<std::pair<std::int64_t, std::uint32_t>>& events = part_events_[p];
      if (!events_made[p]) {
        events_made[p] = true;
        events.clear();
        for (std::uint32_t n : part_nodes_[p]) {
          for (const Event& e : plan[n].releases) events.emplace_back(e.t, n);
        }
        std::sort(events.begin(), events.end());
      }
      return events;
    };
    node_tasks_.resize(c.node_count());
    node_next_.resize(c.node_count());
    node_mark_.resize(c.node_count(), 0);
    constexpr int kNow = 1, kOrder = 2, kSteps = 3, kBound = 4;
    constexpr std::int64_t kCap = std::int64_t{1} << 32;
    // The first time a task fits on the node (now if it fits now), or nothing.
    auto first_fit = [&](std::uint32_t n, const Amount& per) -> std::optional<std::int64_t> {
      const NodePlan& np = plan[n];
      if (fits_one(np.base, per)) return now;
      for (const Event& e : np.releases) {
        if (fits_one(np.base + e.a, per)) return e.t;  // cumulative
      }
      return std::nullopt;
    };
    auto add_now = [&](ShapeFits& f, std::uint32_t n, const Amount& per) {
      if (!fits_one(plan[n].base, per)) return;
      f.now_nodes.push_back(n);
      f.now_tasks.push_back(std::min(kCap, fit_count(plan[n].base, per)));
      f.bound_now += f.now_tasks.back();
    };
    // Brings a shape's `now_*` and `order` up to the change log's end: the entries of nodes the
    // log names since the shape last read it are made again from their plans.
    auto sync = [&](ShapeFits& f, std::uint32_t p, const sim::Demand& d, const Amount& per) {
      const std::uint64_t log_end = plan_log_base_ + plan_log_.size();
      if (f.synced < plan_log_base_) {  // the log was emptied since: make them again whole
        f.has_now = f.has_order = false;
        f.now_nodes.clear();
        f.now_tasks.clear();
        f.bound_now = 0;
        f.order.clear();
      }
      if (!f.has_now && !f.has_order) f.synced = log_end;
      if (f.synced == log_end) return;
      ++mark_stamp_;
      changed_.clear();
      for (std::size_t i = f.synced - plan_log_base_; i < plan_log_.size(); ++i) {
        const std::uint32_t n = plan_log_[i];
        if (node_mark_[n] == mark_stamp_ || !part_member_[p][n] || !m.type_ok(n, d)) continue;
        node_mark_[n] = mark_stamp_;
        changed_.push_back(n);
      }
      f.synced = log_end;
      if (changed_.empty()) return;
      auto marked = [&](std::uint32_t n) { return node_mark_[n] == mark_stamp_; };
      if (f.has_now) {
        std::size_t k = 0;
        for (std::size_t i = 0; i < f.now_nodes.size(); ++i) {
          if (marked(f.now_nodes[i])) {
            f.bound_now -= f.now_tasks[i];
            continue;
          }
          f.now_nodes[k] = f.now_nodes[i];
          f.now_tasks[k++] = f.now_tasks[i];
        }
        f.now_nodes.resize(k);
        f.now_tasks.resize(k);
        for (std::uint32_t n : changed_) add_now(f, n, per);
      }
      if (f.has_order) {
        std::erase_if(f.order, [&](const auto& e) { return marked(e.second); });
        const auto mid = static_cast<std::ptrdiff_t>(f.order.size());
        for (std::uint32_t n : changed_) {
          if (const auto first = first_fit(n, per)) f.order.emplace_back(*first, n);
        }
        std::sort(f.order.begin() + mid, f.order.end());
        std::inplace_merge(f.order.begin(), f.order.begin() + mid, f.order.end());
      }
    };
    auto make_steps = [&](ShapeFits& f, std::uint32_t p, const sim::Demand& d, const Amount& per) {
      // A node's events come in the order of its releases, one for each: `node_next_` follows
      // them.
      for (std::uint32_t n : part_nodes_[p]) {
        node_tasks_[n] = std::min(kCap, fit_count(plan[n].base, per));
        node_next_[n] = 0;
      }
      for (const auto& [t, n] : events_of(p)) {
        if (!m.type_ok(n, d)) continue;
        const NodePlan& np = plan[n];
        const Event& e = np.releases[node_next_[n]++];
        assert(e.t == t);
        const std::int64_t k = std::min(kCap, fit_count(np.base + e.a, per));
        assert(k >= node_tasks_[n]);
        f.steps.push_back({t, k - node_tasks_[n], n});
        node_tasks_[n] = k;
      }
    };
    auto make_bound = [&](ShapeFits& f, std::uint32_t p, const sim::Demand& d, const Amount& per) {
      std::int64_t bound = 0;
      for (std::uint32_t n : part_nodes_[p]) {
        if (m.type_ok(n, d)) bound += std::min(kCap, fit_count(plan[n].base, per));
      }
      for (const auto& [t, gain, n] : f.steps) {
        bound += gain;
        if (!f.bound_at.empty() && f.bound_at.back() == t) {
          f.bound.back() = bound;
        } else {
          f.bound_at.push_back(t);
          f.bound.push_back(bound);
        }
      }
    };
    // The check_summaries option: a shape's kept summaries against ones made whole now.
    auto check_summaries = [&](const ShapeFits& f, std::uint32_t p, const sim::Demand& d,
                               const Amount& per) {
      ShapeFits whole;
      if (f.level >= kSteps) make_steps(whole, p, d, per);
      if (f.level >= kBound) make_bound(whole, p, d, per);
      const bool steps_ok =
          f.steps == whole.steps && f.bound_at == whole.bound_at && f.bound == whole.bound;
      std::vector<std::uint32_t> fit_now;
      for (std::uint32_t n : part_nodes_[p]) {
        if (!m.type_ok(n, d)) continue;
        add_now(whole, n, per);
        const auto first = first_fit(n, per);
        if (first && *first > now) whole.order.emplace_back(*first, n);
        if (first && *first <= now) fit_now.push_back(n);
      }
      auto sorted = [](std::vector<std::pair<std::int64_t, std::uint32_t>> v) {
        std::sort(v.begin(), v.end());
        return v;
      };
      std::vector<std::pair<std::int64_t, std::uint32_t>> kept_now, whole_now, kept_later;
      for (std::size_t i = 0; i < f.now_nodes.size(); ++i)
        kept_now.emplace_back(f.now_tasks[i], f.now_nodes[i]);
      for (std::size_t i = 0; i < whole.now_nodes.size(); ++i)
        whole_now.emplace_back(whole.now_tasks[i], whole.now_nodes[i]);
      std::vector<std::uint32_t> kept_fit_now;
      for (const auto& [first, n] : f.order) {
        if (first > now) {
          kept_later.emplace_back(first, n);
        } else {
          kept_fit_now.push_back(n);
        }
      }
      std::sort(kept_fit_now.begin(), kept_fit_now.end());
      std::sort(whole.order.begin(), whole.order.end());
      const bool now_ok =
          !f.has_now || (sorted(kept_now) == sorted(whole_now) && f.bound_now == whole.bound_now);
      const bool order_ok = !f.has_order || (kept_later == whole.order && kept_fit_now == fit_now);
      if (!now_ok || !order_ok || !steps_ok) {
        throw std::logic_error(
            "slurm check_summaries: at t=" + std::to_string(now) + " ms the kept " +
            (!now_ok     ? "fit-now nodes"
             : !order_ok ? "first-fit order"
                         : "release steps") +
            " of partition " + cfg_.partitions[p].name + " (GPU type " +
            std::to_string(d.gpu_type) + ", " + std::to_string(per.gpus) + " GPUs, " +
            std::to_string(per.cpu) + " CPU milli, " + std::to_string(per.mem) +
            " MiB per task) differ from ones made whole");
      }
    };
    // A shape's summaries (shapes_[ShapeKey{p, GPU type, per}], looked up once per job) made
    // up to `level`.
    auto shape_fits = [&](ShapeFits& f, std::uint32_t p, const sim::Demand& d, const Amount& per,
                          int level) -> ShapeFits& {
      sync(f, p, d, per);
      if (!f.has_now && level >= kNow) {
        f.has_now = true;
        for (std::uint32_t n : part_nodes_[p]) {
          if (m.type_ok(n, d)) add_now(f, n, per);
        }
      }
      if (!f.has_order && level >= kOrder) {
        f.has_order = true;
        for (std::uint32_t n : part_nodes_[p]) {
          if (!m.type_ok(n, d)) continue;
          if (const auto first = first_fit(n, per)) f.order.emplace_back(*first, n);
        }
        std::sort(f.order.begin(), f.order.end());
      }
      if (f.version != version) {
        f.version = version;
        f.level = 0;
        f.steps.clear();
        f.bound_at.clear();
        f.bound.clear();
      }
      if (f.level < kSteps && level >= kSteps) {
        f.level = kSteps;
        make_steps(f, p, d, per);
      }
      if (f.level < kBound && level >= kBound) {
        f.level = kBound;
        make_bound(f, p, d, per);
      }
      if (cfg_.check_summaries) check_summaries(f, p, d, per);
      return f;
    };
    // Per partition, its nodes as a set (the usable nodes of its jobs).
    std::vector<Bits> usable(cfg_.partitions.size());
    auto usable_of = [&](std::uint32_t p) -> const Bits& {
      Bits& b = usable[p];
      if (b.empty()) {
        b.assign(words, 0);
        for (std::uint32_t n : part_nodes_[p]) b[n >> 6] |= std::uint64_t{1} << (n & 63);
      }
      return b;
    };

    // The will-run (select/cons_tres `_will_run_test`) on the node set `avail`: when the job
    // could start by the usage of running jobs alone, or nothing when it never fits there. An
    // answer known to be past `cutoff` (or none) may come back as kNever: the caller retries
    // from `cutoff` either way, so the walks stop there.
    const std::int64_t align = cfg_.epoch_offset.ms();
    auto will_run = [&](ShapeFits& f, std::uint32_t p, const sim::Demand& d, const Amount& per,
                        const Bits& avail, bool now_only,
                        std::int64_t cutoff) -> std::optional<std::int64_t> {
      const bool gang = d.tasks > 1;
      shape_fits(f, p, d, per, kNow);
      // e: the exact earliest release time after which the job fits on `avail` (now if it
      // fits on current usage).
      std::optional<std::int64_t> e;
      if (!gang) {
        for (std::uint32_t n : f.now_nodes) {
          if (has(avail, n)) {
            e = now;
            break;
          }
        }
        if (!e && !now_only) {
          // (The nodes that fit now, listed first, are none of avail's.)
          const auto& order = shape_fits(f, p, d, per, kOrder).order;
          for (auto it =
                   std::upper_bound(order.begin(), order.end(), std::pair{now, ~std::uint32_t{0}});
               it != order.end(); ++it) {
            if (it->first > cutoff) return kNever;
            if (has(avail, it->second)) {
              e = it->first;
              break;
            }
          }
        }
      } else if (avail == usable_of(p)) {
        if (f.bound_now >= d.tasks) {
          e = now;
        } else if (!now_only) {
          shape_fits(f, p, d, per, kBound);
          const auto it = std::find_if(f.bound.begin(), f.bound.end(),
                                       [&](std::int64_t b) { return b >= d.tasks; });
          if (it != f.bound.end()) e = f.bound_at[static_cast<std::size_t>(it - f.bound.begin())];
        }
      } else {
        // The tasks that fit on avail's nodes now, then along the steps: only nodes where a
        // task fits now hold one now, and a node gains only at its own steps. Counted without
        // branching on membership (a mask), which is as unpredictable as the nodes reserved.
        auto in = [&](std::uint32_t n) { return -static_cast<std::int64_t>(has(avail, n)); };
        std::int64_t count = 0;
        for (std::size_t i = 0; i < f.now_nodes.size(); ++i)
          count += f.now_tasks[i] & in(f.now_nodes[i]);
        if (count >= d.tasks) {
          e = now;
        } else if (!now_only) {
          // The count only grows, so the first step that reaches the job's tasks gives the
          // time (the count at t, after every step at t, has reached them too).
          for (const Step& st : shape_fits(f, p, d, per, kSteps).steps) {
            if (st.t > cutoff) {
              e = kNever;
              break;
            }
            count += st.gain & in(st.node);
            if (count >= d.tasks) {
              e = st.t;
              break;
            }
          }
        }
      }
      if (!e || *e == now || *e == kNever) return e;
      // Batches: the first running job (by end) with a node in `avail` fixes the anchor, its
      // end raised to the next 30 s of epoch time; batch boundaries are anchor + 30 s, 60 s,
      // 120 s, ... (bf_window_linear: + that each time); the answer is the last end up to the
      // first boundary at or after e. Slurm's times are whole seconds of epoch time: `sec` gives
      // a simulated time's (ms), `epoch_offset` being the epoch time of simulated time 0.
      auto sec = [&](std::int64_t ms) { return (ms + align) / 1000 * 1000; };
      constexpr std::int64_t kWindow = 30'000;
      std::int64_t anchor = *e;
      const auto& ends = events_of(p);
      for (const auto& [t, n] : ends) {
        if (has(avail, n)) {
          anchor = t;
          break;
        }
      }
      const std::int64_t a = sec(anchor);
      const std::int64_t base = a + kWindow - a % kWindow;
      std::int64_t w = kWindow;
      while (base + w < sec(*e))
        w = cfg_.bf_window_linear > SimTime::zero() ? w + cfg_.bf_window_linear.ms() : 2 * w;
      const std::int64_t boundary = base + w;
      auto it = std::upper_bound(ends.begin(), ends.end(), boundary,
                                 [&](std::int64_t b, const auto& x) { return b < sec(x.first); });
      while (it != ends.begin()) {
        --it;
        if (has(avail, it->second)) return std::max(it->first, *e);
      }
      return e;
    };

    std::vector<std::uint32_t> reserved(cfg_.partitions.size(), 0);
    std::uint32_t tested = 0;
    bool table_full = false;
    Bits avail(words), picked(words), run(words), offered(words);
    // A job's TRY_LATERs test windows that only move later (the map does not change between
    // them): the AND over a window's slices is kept as two halves (a "two-stack" queue): for
    // each slice i from `lo` to a pivot `mid`, the AND of slices i..mid (`suffix`, row i - lo),
    // and the AND of slices mid + 1..`fwd_end` (`fwd`). A window [s0, e] with lo <= s0 <= mid <= e
    // is suffix[s0] & fwd once fwd reaches e; one starting past mid makes them again with
    // mid = e. Each slice is ANDed about twice per job instead of once per window.
    std::vector<std::uint64_t>& suffix = window_suffix_;
    Bits fwd(words);
    std::size_t lo = 0, mid = 0, fwd_end = 0;
    bool halves = false;  // made for this job
    auto window_and = [&](std::size_t s0, std::size_t e, const Bits& usable_nodes) {
      if (!halves || s0 > mid) {
        halves = true;
        lo = s0;
        mid = e;
        fwd_end = e;
        suffix.resize((mid - lo + 1) * words);
        std::fill(fwd.begin(), fwd.end(), ~std::uint64_t{0});
        for (std::size_t i = mid + 1; i-- > lo;) {
          std::uint64_t* row = suffix.data() + (i - lo) * words;
          const std::uint64_t* next = i == mid ? usable_nodes.data() : row + words;
          and_of(row, next, space[i].avail.data(), words);
        }
      }
      for (; fwd_end < e; ++fwd_end) and_into(fwd.data(), space[fwd_end + 1].avail.data(), words);
      and_of(avail.data(), suffix.data() + (s0 - lo) * words, fwd.data(), words);
    };
    walk_queue(ctx, [&](sim::JobIndex j) {
      if (tested >= cfg_.bf_max_job_test || table_full) return false;
      // A job that can never run in its partition is dropped before Slurm's will-run test,
      // so it does not count against bf_max_job_test (backfill.c counts a job when it first
      // reaches the select plugin; docs/slurm-backfill.md).
      if (!fits_partition(ctx, j)) return true;
      ++tested;
      const std::uint32_t p = part_of_[j];
      const sim::Demand& d = ctx.demand(j);
      const Amount per = task_amount(d);
      ShapeFits& shape = shapes_[ShapeKey{p, d.gpu_type, per.gpus, per.cpu, per.mem}];
      const std::int64_t limit = std::max<std::int64_t>(1, time_limit(ctx, j).ms());
      const Bits& usable_nodes = usable_of(p);
      // A job the pass will not reserve for (its partition has bf_job_part_count_reserve
      // reservations already) is tested for now only.
      const bool reserves =
          cfg_.bf_job_part_count_reserve == 0 || reserved[p] < cfg_.bf_job_part_count_reserve;
      std::int64_t start_res = now;
      halves = false;
      std::size_t s0 = 0, e_next = 0;  // the window's first slice, the first one past it
      while (true) {                   // Slurm's TRY_LATER
        const std::int64_t job_end = start_res + limit;
        // The partition's nodes free in every slice the job's window [start_res, job_end]
        // touches (slices s0..e), and `later_start`: the first slice end after start_res past
        // which a usable node joins those so far (looked for up to slice e + 1). s0 and e only
        // move later over a job's retries: each is found from the last one.
        std::int64_t later_start = 0;
        while (s0 < space.size() && space[s0].end <= start_res) ++s0;
        while (e_next < space.size() && space[e_next].begin <= job_end) ++e_next;
        const std::size_t e = e_next - 1;
        if (s0 == space.size()) {  // past the map's end (a retry after an overlap)
          avail = usable_nodes;
        } else {
          // `so_far`: the partition's nodes free in slices s0..s - 1.
          const std::uint64_t* so_far = usable_nodes.data();
          for (std::size_t s = s0; s <= e + 1 && s + 1 < space.size(); ++s) {
            if (joins(usable_nodes.data(), space[s + 1].avail.data(), so_far, space[s].avail.data(),
                      words)) {
              later_start = space[s].end;
              break;
            }
            and_of(run.data(), so_far, space[s].avail.data(), words);
            so_far = run.data();
          }
          window_and(s0, e, usable_nodes);
        }
        if (cfg_.check_summaries) {
          // The map walked slice by slice from the start.
          std::int64_t walked_later = 0;
          Bits walked = usable_nodes;
          for (std::size_t s = 0; s < space.size(); ++s) {
            const Slice& sl = space[s];
            if (sl.end > start_res && s + 1 < space.size() && walked_later == 0 &&
                joins(usable_nodes.data(), space[s + 1].avail.data(), walked.data(),
                      sl.avail.data(), words))
              walked_later = sl.end;
            if (sl.end <= start_res) continue;
            if (sl.begin > job_end) break;
            and_into(walked.data(), sl.avail.data(), words);
          }
          if (walked != avail || walked_later != later_start) {
            throw std::logic_error("slurm check_summaries: at t=" + std::to_string(now) +
                                   " ms the kept window AND or later_start differs from the map");
          }
        }
        const bool retry = later_start != 0 && reserves && later_start > start_res;
        const std::optional<std::int64_t> answer =
            will_run(shape, p, d, per, avail, !reserves, retry ? later_start : kNever);
        if (!answer) {
          if (retry) {
            start_res = later_start;
            continue;
          }
          return true;
        }
        const std::int64_t start_at = std::max(*answer, start_res);
        if (start_at <= now) {
          // Start now on the nodes the map leaves free for the whole run.
          std::optional<sim::Placement> placed =
              place_now(m, d, p, [&](std::uint32_t n) { return has(avail, n); });
          if (placed) {
            sim::Placement& placement = *placed;
            // The job now runs: the will-run of later jobs sees its usage until now + limit.
            const std::int64_t end = now + limit;
            const std::vector<std::uint32_t> touched = node_set(placement);
            for (std::uint32_t n : touched) {
              const Amount before = plan[n].base;
              plan[n].base = idle_now(m, n);
              add_release(plan[n], end, before - plan[n].base);
              for (std::size_t q = 0; q < cfg_.partitions.size(); ++q) {
                if (!events_made[q] || !part_member_[q][n]) continue;
                auto& events = part_events_[q];
                const auto at = std::lower_bound(events.begin(), events.end(), std::pair{end, n});
                if (at == events.end() || *at != std::pair{end, n}) events.insert(at, {end, n});
              }
            }
            plan_log_.insert(plan_log_.end(), touched.begin(), touched.end());
            started_on_.insert(started_on_.end(), touched.begin(), touched.end());
            ++version;
            start(ctx, j, std::move(placement));
            return true;
          }
          // The will-run said yes but GPUs are shared differently: reserve as for a later start.
        }
        if (!reserves) return true;
        if (later_start != 0 && start_at > later_start && later_start > start_res) {
          start_res = later_start;
          continue;
        }
        if (start_at > now + cfg_.bf_window.ms()) return true;  // too far ahead: no reservation
        // The nodes the will-run picks: cons_tres's choice among the nodes of `avail` where a
        // task fits once the answer's batch has ended. (A one-task job that did not fit now has
        // none that fit now in `avail`: its offers start past now in `order`.)
        const auto& order = shape_fits(shape, p, d, per, kOrder).order;
        auto from = order.begin();
        if (d.tasks == 1 && *answer > now)
          from = std::upper_bound(order.begin(), order.end(), std::pair{now, ~std::uint32_t{0}});
        // Gathered as a node set (and each node's tasks) and read back in node order.
        std::fill(offered.begin(), offered.end(), 0);
        std::size_t count = 0;
        for (auto it = from; it != order.end() && it->first <= *answer; ++it) {
          const std::uint32_t n = it->second;
          if (!has(avail, n)) continue;
          const std::int64_t k =
              std::min<std::int64_t>(d.tasks, fit_count(idle_at(plan[n], *answer), per));
          if (k <= 0) continue;
          node_tasks_[n] = k;
          offered[n >> 6] |= std::uint64_t{1} << (n & 63);
          ++count;
        }
        offers_.resize(count);
        std::size_t i = 0;
        for (std::size_t w = 0; w < words; ++w) {
          for (std::uint64_t b = offered[w]; b != 0; b &= b - 1) {
            const auto n =
                static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(b)));
            offers_[i++] = {n, node_tasks_[n]};
          }
        }
        cons_tres_pick(offers_, d.tasks, node_weight_, runs_, picks_);
        std::fill(picked.begin(), picked.end(), 0);
        for (const Offer& o : picks_) picked[o.node >> 6] |= std::uint64_t{1} << (o.node & 63);
        const std::int64_t res_start = start_at / resolution * resolution;
        const std::int64_t res_end = (start_at + limit) / resolution * resolution;
        if (start_at > now) {
          // Slurm's `_test_resv_overlap`: a reservation past start_res + limit but inside the
          // run on a picked node: try again from the start found.
          bool overlap = false;
          for (const Slice& sl : space) {
            if (sl.end <= res_start || sl.begin >= res_end) continue;
            for (std::size_t w = 0; w < words && !overlap; ++w)
              overlap = (picked[w] & ~sl.avail[w]) != 0;
            if (overlap) break;
          }
          if (overlap) {
            // (Cannot repeat the same search: slice boundaries are multiples of the resolution;
            // a guard against an endless retry all the same.)
            if (start_at <= start_res) return true;
            start_res = start_at;
            continue;
          }
        }
        if (records >= cfg_.bf_node_space_size) {  // Slurm's table is full: the pass ends
          table_full = true;
          return false;
        }
        records += add_reservation(space, res_start, res_end, picked, resolution);
        ++reserved[p];
        return true;
      }
    });
  }

  SlurmConfig cfg_;
  bool resolved_ = false;
  static constexpr std::int64_t kUnsetEnd = std::numeric_limits<std::int64_t>::min();
  std::vector<std::int64_t> gpu_free_at_;  // job_releases' scratch (all kUnsetEnd between)
  std::vector<std::uint32_t> held_gpus_;   // job_releases' scratch
  std::vector<NodePlan> plan_;             // the plan (update_plan), kept from pass to pass
  std::vector<std::vector<sim::JobIndex>> node_jobs_;  // per node, the running jobs on it
  std::vector<std::vector<std::uint32_t>> job_nodes_;  // per running job, its nodes
  std::vector<bool> tracked_;                          // in node_jobs_
  std::vector<sim::JobIndex> run_changed_;  // jobs started or stopped since the plan was made
  std::size_t run_changes_read_ = 0;        // of this call's ctx.run_changes(), by update_plan
  prod::KeptFreeMap map_{"slurm"};          // the free resources, kept from pass to pass
  std::vector<std::uint32_t> started_on_;   // nodes of the jobs the last backfill pass started
  std::priority_queue<std::pair<std::int64_t, sim::JobIndex>,
                      std::vector<std::pair<std::int64_t, sim::JobIndex>>, std::greater<>>
      by_end_;                              // running jobs by time limit (some gone since)
  std::vector<sim::JobIndex> overdue_;      // running past their limit (some gone since)
  std::vector<std::uint64_t> node_dirty_;   // update_plan's scratch: marked when == dirty_stamp_
  std::vector<std::uint64_t> node_logged_;  // and logged when == dirty_stamp_
  std::uint64_t dirty_stamp_ = 0;
  std::vector<std::uint32_t> dirty_;               // update_plan's scratch
  std::vector<Event> node_events_, new_releases_;  // update_plan's scratch
  std::vector<std::uint32_t> plan_log_;            // nodes whose plan changed, in order (sync)
  std::uint64_t plan_log_base_ = 0;                // entries emptied from plan_log_ so far
  std::map<ShapeKey, ShapeFits> shapes_;           // the will-run's per-shape summaries
  std::vector<std::uint64_t> node_mark_;           // sync's scratch: marked when == mark_stamp_
  std::uint64_t mark_stamp_ = 0;
  std::uint64_t plan_version_ = 0;        // passes and starts so far (backfill_pass)
  std::vector<std::uint32_t> changed_;    // sync's scratch
  std::vector<std::int64_t> node_tasks_;  // backfill_pass's scratch: task counts per node
  std::vector<std::uint32_t> node_next_;  // make_steps' scratch: a node's next release
  std::vector<std::vector<std::pair<std::int64_t, std::uint32_t>>> part_events_;  // per pass
  std::vector<Slice> space_;                  // backfill_pass's map (reused)
  std::vector<std::uint64_t> window_suffix_;  // and its window ANDs
  std::vector<Offer> offers_, picks_;         // cons_tres_pick's in and out
  std::vector<Run> runs_;                     // and its scratch
  std::vector<std::vector<std::uint32_t>> part_nodes_;
  std::vector<std::vector<bool>> part_member_;
  std::vector<std::uint32_t> first_gpu_;
  std::vector<std::uint64_t> node_weight_;  // per node: its pool's Weight
  std::vector<std::uint32_t> node_of_gpu_;
  std::vector<std::uint32_t> part_of_;
  double max_job_factor_ = 1;
  std::int32_t max_priority_ = 0;
  double total_gpus_ = 0, total_cpu_ = 0;
  std::vector<double> share_, usage_;
  std::vector<sim::JobIndex> charged_running_;  // running at the last usage update
  std::vector<std::uint64_t> charge_mark_;      // update_usage's scratch
  std::uint64_t charge_stamp_ = 0;
  std::vector<sim::JobIndex> ended_;  // update_usage's scratch
  std::vector<double> fairshare_;     // per user (update_fairshare)
  SimTime usage_time_ = SimTime::from_ms(-1);
  SimTime last_calc_ = SimTime::from_ms(-1);
  std::vector<std::uint32_t> priority_;
  std::vector<bool> have_priority_;
  std::vector<std::uint8_t> fits_partition_;  // 0 unknown, 1 yes, 2 never
  std::vector<QueueEntry> queue_;             // waiting jobs in Slurm's order (sync_queue)
  std::vector<QueueEntry> queue_new_;         // and those that joined since it was sorted
  std::vector<QueueEntry> queue_merged_;      // sync_queue's scratch
  std::vector<bool> queued_;                  // has a live entry in the queue
  std::vector<std::uint32_t> queue_stamp_;    // per job: the stamp of its latest entry
  std::size_t queued_count_ = 0;              // live entries
  std::vector<sim::JobIndex> fresh_;          // joined the queue since the last sync_queue
  std::vector<sim::JobIndex> known_;          // joined and not seen leaving (sync_queue)
  std::vector<sim::JobIndex> last_order_;     // sync_queue's scratch
  std::vector<bool> in_known_;
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
  if (const auto* ws = r.raw("Weight")) {
    if (!ws->is_object()) {
      r.problem("Weight", "must be an object {node pool: weight}");
    } else {
      for (const auto& [pool, v] : ws->items()) {
        // slurm.conf: a node's Weight is 0 .. 4294967294 (INFINITE is reserved).
        if (!v.is_number_integer() || v.get<double>() < 0 || v.get<double>() > 4294967294.0) {
          r.problem("Weight." + pool, "must be a whole number in [0, 4294967294], got " + v.dump());
        } else {
          cfg.weights[pool] = v.get<std::uint64_t>();
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
  // Slurm: between 2 and 2 * MAX_BF_MAX_JOB_TEST (1,000,000); its default is bf_max_job_test.
  cfg.bf_node_space_size = static_cast<std::uint32_t>(
      r.integer("bf_node_space_size", cfg.bf_max_job_test, 2, 2'000'000));
  cfg.bf_window_linear = prod::seconds_param(r, "bf_window_linear", 0, 0, 86400);
  cfg.epoch_offset = prod::seconds_param(r, "epoch_offset", 0, 0, 30);
  cfg.check_summaries = r.boolean("check_summaries", false);
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
