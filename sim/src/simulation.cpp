#include "orrery/sim/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "orrery/sim/event_queue.hpp"
#include "orrery/sim/version.hpp"

namespace orrery::sim {

namespace {

// FNV-1a, 64 bit: a cheap, stable hash of the event log.
class Fingerprint {
 public:
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (v >> (8 * i)) & 0xffU;
      h_ *= 0x100000001b3ULL;
    }
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::uint32_t gpu_type_for(const Workload& w, const Cluster& c, const JobSpec& j, bool& missing) {
  missing = false;
  if (j.gpu_type == 0) return Demand::kAnyType;
  auto t = c.find_gpu_type(w.gpu_types[j.gpu_type]);
  if (!t) {
    missing = true;
    return Demand::kAnyType;
  }
  return *t;
}

}  // namespace

class Simulation::Engine final : public SchedulingContext {
 public:
  Engine(const ClusterSpec& cluster, const Workload& workload, std::unique_ptr<Policy> policy,
         std::unique_ptr<Placer> placer, std::unique_ptr<RuntimeModel> runtime,
         SimulationOptions options)
      : cluster_(cluster),
        workload_(workload),
        policy_(std::move(policy)),
        placer_(std::move(placer)),
        runtime_(std::move(runtime)),
        options_(options),
        rng_(options.seed),
        pending_(resolve_shapes()) {
    if (!policy_ || !placer_ || !runtime_) throw std::invalid_argument("simulation: missing part");
  }

  // --- SchedulingContext ---
  SimTime now() const override { return now_; }
  const Cluster& cluster() const override { return cluster_; }
  const Workload& workload() const override { return workload_; }
  const Demand& demand(JobIndex j) const override { return demands_[j]; }
  const JobRuntime& runtime(JobIndex j) const override { return state_[j]; }
  const Placement& placement(JobIndex j) const override { return placements_[j]; }
  PendingQueue& pending() override { return pending_; }
  std::span<const JobIndex> running() const override { return running_; }
  std::span<const RunChange> run_changes() const override { return changes_; }
  std::span<const JobIndex> arrivals() const override { return arrivals_; }

  double attained_gpu_ms(JobIndex j) const override {
    const JobRuntime& s = state_[j];
    double a = s.attained_gpu_ms;
    if (s.status == JobStatus::kRunning) {
      a += static_cast<double>((now_ - s.last_start).ms()) *
           static_cast<double>(demands_[j].total_gpu_milli()) / 1000.0;
    }
    return a;
  }

  SimTime remaining_work(JobIndex j) const override {
    const JobRuntime& s = state_[j];
    if (s.status != JobStatus::kRunning) return s.remaining_work;
    return s.remaining_work - done_in_segment(s);
  }

  std::optional<Placement> find_placement(JobIndex j) const override {
    return placer_->place(cluster_, demands_[j]);
  }

  std::optional<Placement> find_task_placement(JobIndex j, std::uint32_t tasks) const override {
    Demand d = demands_[j];
    d.tasks = tasks;
    return placer_->place(cluster_, d);
  }

  void start(JobIndex j, Placement placement) override {
    JobRuntime& s = state_[j];
    if ((s.status != JobStatus::kPending && s.status != JobStatus::kPreempted) ||
        s.bound_tasks != 0) {
      throw std::logic_error("simulation: starting job " + workload_.jobs[j].id +
                             " that is not pending or has tasks bound");
    }
    cluster_.allocate(demands_[j], placement);
    placements_[j] = std::move(placement);
    s.bound_tasks = demands_[j].tasks;
    begin_running(j);
  }

  void bind_tasks(JobIndex j, Placement tasks) override {
    JobRuntime& s = state_[j];
    const auto k = static_cast<std::uint32_t>(tasks.task_nodes.size());
    if ((s.status != JobStatus::kPending && s.status != JobStatus::kPreempted) || k == 0 ||
        s.bound_tasks + k > demands_[j].tasks) {
      throw std::logic_error("simulation: cannot bind " + std::to_string(k) + " tasks of job " +
                             workload_.jobs[j].id);
    }
    Demand part = demands_[j];
    part.tasks = k;
    cluster_.allocate(part, tasks);
    Placement& p = placements_[j];
    p.milli_per_gpu = tasks.milli_per_gpu;
    p.task_nodes.insert(p.task_nodes.end(), tasks.task_nodes.begin(), tasks.task_nodes.end());
    p.gpus.insert(p.gpus.end(), tasks.gpus.begin(), tasks.gpus.end());
    s.bound_tasks += k;
    log(7, j);
    if (s.bound_tasks == demands_[j].tasks) begin_running(j);
  }

  void unbind_tasks(JobIndex j) override {
    JobRuntime& s = state_[j];
    if (s.status == JobStatus::kRunning)
      throw std::logic_error("simulation: unbinding a running job");
    if (s.bound_tasks == 0) return;
    Demand part = demands_[j];
    part.tasks = s.bound_tasks;
    cluster_.release(part, placements_[j]);
    placements_[j] = Placement{};
    s.bound_tasks = 0;
    log(8, j);
    need_pass_ = true;
  }

  void preempt(JobIndex j) override {
    JobRuntime& s = state_[j];
    if (s.status != JobStatus::kRunning) {
      throw std::logic_error("simulation: preempting job " + workload_.jobs[j].id +
                             " that is not running");
    }
    close_segment(j, Close::kPreempt);
    s.status = JobStatus::kPreempted;
    s.pending_since = now_;
    ++s.preemptions;
    ++s.epoch;
    pending_.insert(j, policy_->queue_key(*this, j));
    arrivals_.push_back(j);
    log(4, j);
    for (Observer* o : observers_) o->on_preempt(now_, j);
    need_pass_ = true;
  }

  void request_wakeup(SimTime t) override {
    if (t < now_) t = now_;
    events_.push(t, Phase::kSchedule, EventKind::kWakeup);
  }

  // --- the run ---
  void add_observer(Observer* o) { observers_.push_back(o); }
  void set_progress(ProgressFn fn) { progress_ = std::move(fn); }
  std::mt19937_64& rng() { return rng_; }

  RunResult run(std::stop_token stop) {
    if (ran_) throw std::logic_error("simulation: run() may be called once");
    ran_ = true;
    const auto wall_start = std::chrono::steady_clock::now();
    const std::size_t n = workload_.jobs.size();
    arrival_order_.resize(n);
    for (JobIndex j = 0; j < n; ++j) arrival_order_[j] = j;
    std::stable_sort(arrival_order_.begin(), arrival_order_.end(), [&](JobIndex a, JobIndex b) {
      return workload_.jobs[a].submit < workload_.jobs[b].submit;
    });
    origin_ = n > 0 ? workload_.jobs[arrival_order_[0]].submit : SimTime::zero();
    now_ = origin_;
    last_accounted_ = origin_;
    if (n > 0) {
      push_next_arrival();
      events_.push(origin_, Phase::kSample, EventKind::kSample);
      if (options_.failures.node_mtbf_hours > 0) {
        for (std::uint32_t node = 0; node < cluster_.node_count(); ++node) schedule_failure(node);
      }
      init_nodes();
      for (const auto& [node, at] : options_.failures.scheduled) {
        if (node >= cluster_.node_count())
          throw std::invalid_argument("simulation: failure of an unknown node");
        events_.push(std::max(at, origin_), Phase::kFinish, EventKind::kNodeFail, node);
      }
    }
    bool cancelled = false;
    while (!events_.empty()) {
      if (stop.stop_requested()) {
        cancelled = true;
        break;
      }
      const Event e = events_.pop();
      if (options_.end_time && e.time > *options_.end_time) break;
      advance_to(e.time);
      ++event_count_;
      switch (e.kind()) {
        case EventKind::kArrival:
          on_arrival(e.job);
          break;
        case EventKind::kFinish:
          on_finish(e);
          break;
        case EventKind::kTimeLimit:
          on_time_limit(e);
          break;
        case EventKind::kSchedule:
          pass_scheduled_ = false;
          run_pass();
          break;
        case EventKind::kWakeup:
          need_pass_ = true;
          break;
        case EventKind::kSample:
          on_sample();
          break;
        case EventKind::kNodeFail:
          on_node_fail(e.job);
          break;
        case EventKind::kNodeRepair:
          on_node_repair(e.job);
          break;
        case EventKind::kNodeUp:
          on_node_up(e.job);
          break;
        case EventKind::kSpotReclaim:
          on_spot_reclaim(e.job);
          break;
        case EventKind::kAutoscale:
          on_autoscale();
          break;
      }
      if (need_pass_ && !pass_scheduled_) schedule_pass();
      if (progress_ && event_count_ % options_.progress_every == 0) report_progress();
      if (jobs_done_ == n && next_arrival_ >= n) {
        // Every job has ended: what is left in the queue (samples, future failures) cannot
        // change any outcome. Close with a last sample at this instant.
        if (samples_.empty() || samples_.back().time != now_) record_sample();
        break;
      }
    }
    finish_nodes();
    RunResult result;
    result.jobs.reserve(n);
    for (JobIndex j = 0; j < n; ++j) {
      const JobRuntime& s = state_[j];
      JobOutcome o;
      o.job = j;
      o.submit = workload_.jobs[j].submit;
      o.start = s.first_start;
      o.end = s.end;
      o.status = s.status;
      if (s.status == JobStatus::kPending || s.status == JobStatus::kRunning ||
          s.status == JobStatus::kPreempted) {
        o.status = JobStatus::kUnfinished;
        o.end.reset();
      }
      o.gpu_milli = demands_[j].total_gpu_milli();
      o.nodes = s.nodes;
      o.node_ids = std::move(last_nodes_[j]);
      o.preemptions = s.preemptions;
      o.restarts = s.restarts;
      o.speed = s.speed;
      o.lost_work = s.lost_work;
      if (last_type_[j] != Demand::kAnyType) o.gpu_type = cluster_.gpu_types()[last_type_[j]];
      result.jobs.push_back(std::move(o));
    }
    result.timeseries = std::move(samples_);
    accounting_.allocated_gpu_ms = allocated_gpu_ms_;
    result.summary = summarize(result.jobs, accounting_, cluster_.total_gpus());
    result.summary.cost = compute_cost(result.jobs);
    const std::uint64_t ended = result.summary.completed + result.summary.failed;
    result.summary.cost_per_job =
        ended > 0 ? result.summary.cost.total / static_cast<double>(ended) : 0;
    result.summary.spot_reclaims = spot_reclaims_;
    result.summary.nodes_provisioned = nodes_provisioned_;
    result.summary.nodes_released = nodes_released_;
    Manifest& m = result.manifest;
    m.orrery_version = std::string(kVersion);
    m.policy = std::string(policy_->name());
    m.placement = std::string(placer_->name());
    m.runtime_model = std::string(runtime_->name());
    m.seed = options_.seed;
    m.events = event_count_;
    m.fingerprint = fingerprint_.hex();
    m.cancelled = cancelled;
    m.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    if (progress_) report_progress();
    return result;
  }

 private:
  // Resolves every job's demand against the cluster and groups jobs by demand shape.
  PendingQueue resolve_shapes() {
    const std::size_t n = workload_.jobs.size();
    demands_.resize(n);
    state_.resize(n);
    never_fits_.assign(n, false);
    placements_.resize(n);
    running_pos_.assign(n, 0);
    last_type_.assign(n, Demand::kAnyType);
    job_gpu_ms_.assign(n, 0);
    last_nodes_.resize(n);
    job_pool_.assign(n, 0);
    pool_alloc_gpu_ms_.assign(cluster_.spec().pools.size(), 0);
    std::vector<std::uint32_t> shape_of(n);
    // Shape ids in order of first appearance (deterministic); a hash map, as a workload of
    // millions of jobs has only tens to thousands of shapes.
    struct ShapeKey {
      std::uint32_t tasks, gpu_milli, gpu_type, cpu_milli;
      std::uint64_t memory_mib;
      bool operator==(const ShapeKey&) const = default;
    };
    struct ShapeHash {
      std::size_t operator()(const ShapeKey& k) const {
        std::uint64_t h = k.memory_mib * 0x9e3779b97f4a7c15ULL;
        for (std::uint64_t v : {k.tasks, k.gpu_milli, k.gpu_type, k.cpu_milli})
          h = (h ^ v) * 0x100000001b3ULL + (h >> 29);
        return static_cast<std::size_t>(h);
      }
    };
    std::unordered_map<ShapeKey, std::uint32_t, ShapeHash> shapes;
    for (JobIndex j = 0; j < n; ++j) {
      const JobSpec& spec = workload_.jobs[j];
      Demand& d = demands_[j];
      bool missing_type = false;
      d.tasks = spec.tasks;
      d.gpu_milli = spec.gpu_milli;
      d.gpu_type = gpu_type_for(workload_, cluster_, spec, missing_type);
      d.cpu_milli = spec.cpu_milli;
      d.memory_mib = spec.memory_mib;
      // A fraction of a GPU that may land on a MIG pool takes a whole MIG instance (on a cluster
      // that mixes MIG and time-sliced pools of one type, the rounding applies on both).
      if (cluster_.shares_by_mig(d)) d.gpu_milli = mig_profile_milli(d.gpu_milli);
      never_fits_[j] = missing_type || d.tasks == 0 || !cluster_.fits_when_empty(d);
      state_[j].remaining_work = spec.duration;
      const ShapeKey key{d.tasks, d.gpu_milli, d.gpu_type, d.cpu_milli, d.memory_mib};
      auto [it, inserted] = shapes.emplace(key, static_cast<std::uint32_t>(shapes.size()));
      shape_of[j] = it->second;
    }
    return PendingQueue(std::move(shape_of), static_cast<std::uint32_t>(shapes.size()));
  }

  // The job holds all its resources (placements_[j]); it leaves the queue and starts running.
  void begin_running(JobIndex j) {
    JobRuntime& s = state_[j];
    const Placement& placement = placements_[j];
    pending_.erase(j);
    s.status = JobStatus::kRunning;
    if (!s.first_start) s.first_start = now_;
    s.last_start = now_;
    s.nodes = placement.distinct_nodes();
    last_nodes_[j].assign(placement.task_nodes.begin(), placement.task_nodes.end());
    std::sort(last_nodes_[j].begin(), last_nodes_[j].end());
    last_nodes_[j].erase(std::unique(last_nodes_[j].begin(), last_nodes_[j].end()),
                         last_nodes_[j].end());
    s.speed = runtime_->speed(workload_.jobs[j], demands_[j], placement, cluster_);
    if (!(s.speed > 0) || !std::isfinite(s.speed)) {
      throw std::logic_error("simulation: runtime model gave a non-positive speed");
    }
    last_type_[j] = slowest_type(placement);
    s.preempt_overhead = s.pending_overhead;
    s.overhead = options_.overheads.launch_latency + s.pending_overhead;
    s.pending_overhead = SimTime::zero();
    const double wall = std::ceil(static_cast<double>(s.remaining_work.ms()) / s.speed);
    s.expected_end = now_ + s.overhead + SimTime::from_ms(static_cast<std::int64_t>(wall)) +
                     options_.overheads.completion_latency;
    running_pos_[j] = static_cast<std::uint32_t>(running_.size());
    running_.push_back(j);
    changes_.push_back({j, true});
    const std::optional<SimTime> kill = kill_time(j);
    if (kill && *kill < s.expected_end) {
      s.expected_end = *kill;
      events_.push(*kill, Phase::kFinish, EventKind::kTimeLimit, j, s.epoch);
    } else {
      events_.push(s.expected_end, Phase::kFinish, EventKind::kFinish, j, s.epoch);
    }
    log(3, j);
    for (Observer* o : observers_) o->on_start(now_, j, placement);
  }

  // When an enforced time limit kills job j if it is still running (it starts now), or nothing.
  std::optional<SimTime> kill_time(JobIndex j) const {
    const TimeLimits& tl = options_.time_limits;
    const std::optional<SimTime>& limit = workload_.jobs[j].walltime;
    if (!tl.enforce || !limit) return std::nullopt;
    SimTime at = now_ + *limit + tl.grace;
    const std::int64_t every = tl.check_interval.ms();
    if (every > 0) {
      const std::int64_t since = (at - origin_).ms();
      at = origin_ + SimTime::from_ms((since + every - 1) / every * every);
    }
    return at;
  }

  void log(std::uint64_t kind, JobIndex j) {
    fingerprint_.add(static_cast<std::uint64_t>(now_.ms()));
    fingerprint_.add((kind << 32) | j);
  }

  SimTime done_in_segment(const JobRuntime& s) const {
    const SimTime work_start = s.last_start + s.overhead;
    if (now_ <= work_start) return SimTime::zero();
    const double done = static_cast<double>((now_ - work_start).ms()) * s.speed;
    const auto done_ms = static_cast<std::int64_t>(std::floor(done));
    return SimTime::from_ms(std::min(done_ms, s.remaining_work.ms()));
  }

  enum class Close { kFinish, kPreempt, kFailure, kTimeLimit };

  // Ends the current run segment of a running job: accounts work, service and GPU-time (kept,
  // lost, overhead), takes a checkpoint or loses work as the reason says, frees resources.
  void close_segment(JobIndex j, Close why) {
    JobRuntime& s = state_[j];
    const Demand& d = demands_[j];
    const double gpus = static_cast<double>(d.total_gpu_milli()) / 1000.0;
    const SimTime done = done_in_segment(s);
    const double wall = static_cast<double>((now_ - s.last_start).ms());
    const double work_wall = std::min(wall, static_cast<double>(done.ms()) / s.speed);
    const double overhead_wall = std::max(0.0, wall - work_wall);
    const double preempt_wall =
        std::min(overhead_wall, static_cast<double>(s.preempt_overhead.ms()));
    accounting_.preemption_gpu_ms += preempt_wall * gpus;
    accounting_.overhead_gpu_ms += (overhead_wall - preempt_wall) * gpus;
    double kept_wall = work_wall;
    s.remaining_work -= done;
    const SimTime duration = workload_.jobs[j].duration;
    const Overheads& oh = options_.overheads;
    if (why == Close::kPreempt) {
      // A preemption is graceful: the job saves a checkpoint; saving and restoring are paid at
      // the restart.
      s.checkpointed_work = duration - s.remaining_work;
      s.pending_overhead = SimTime::from_seconds(oh.save_base_s + oh.save_per_gpu_s * gpus +
                                                 oh.restore_base_s + oh.restore_per_gpu_s * gpus);
    } else if (why == Close::kFailure) {
      // A failure loses the work since the last checkpoint (periodic, or taken at a preemption).
      const std::int64_t progress = (duration - s.remaining_work).ms();
      std::int64_t safe = s.checkpointed_work.ms();
      const std::int64_t every = oh.checkpoint_interval.ms();
      if (every > 0) safe = std::max(safe, progress / every * every);
      const std::int64_t lost = std::max<std::int64_t>(0, progress - safe);
      s.lost_work += SimTime::from_ms(lost);
      s.remaining_work += SimTime::from_ms(lost);
      s.checkpointed_work = SimTime::from_ms(safe);
      const double lost_wall = std::min(work_wall, static_cast<double>(lost) / s.speed);
      kept_wall -= lost_wall;
      accounting_.failure_lost_gpu_ms += lost_wall * gpus;
      s.pending_overhead = SimTime::from_seconds(oh.restore_base_s + oh.restore_per_gpu_s * gpus);
    } else if (why == Close::kTimeLimit) {
      // Killed unfinished: this segment's work is never used.
      accounting_.time_limit_lost_gpu_ms += kept_wall * gpus;
      kept_wall = 0;
    }
    accounting_.productive_gpu_ms += std::max(0.0, kept_wall) * gpus;
    s.attained_gpu_ms += wall * gpus;
    {
      const Placement& pl = placements_[j];
      const double per_task = static_cast<double>(d.gpus_per_task()) * pl.milli_per_gpu / 1000.0;
      for (std::uint32_t node : pl.task_nodes) {
        pool_alloc_gpu_ms_[cluster_.node(node).pool] += wall * per_task;
        last_release_[node] = now_;
      }
      job_gpu_ms_[j] += wall * gpus;
      if (!pl.task_nodes.empty()) job_pool_[j] = cluster_.node(pl.task_nodes[0]).pool;
    }
    cluster_.release(d, placements_[j]);
    placements_[j] = Placement{};
    s.bound_tasks = 0;
    // Swap-remove: O(1). running() is in a deterministic order, not start order.
    const std::uint32_t pos = running_pos_[j];
    const JobIndex last = running_.back();
    running_[pos] = last;
    running_pos_[last] = pos;
    running_.pop_back();
    changes_.push_back({j, false});
  }

  std::uint32_t slowest_type(const Placement& p) const {
    std::uint32_t type = Demand::kAnyType;
    for (std::uint32_t node : p.task_nodes) {
      const std::uint32_t t = cluster_.pool_type(cluster_.node(node).pool);
      if (type == Demand::kAnyType || t < type) type = t;  // deterministic pick among mixed types
    }
    return type;
  }

  void schedule_failure(std::uint32_t node) {
    const double mean_ms = options_.failures.node_mtbf_hours * 3.6e6;
    std::exponential_distribution<double> gap(1.0 / mean_ms);
    const auto at = now_ + SimTime::from_ms(static_cast<std::int64_t>(gap(rng_)) + 1);
    events_.push(at, Phase::kFinish, EventKind::kNodeFail, node);
  }

  void on_node_fail(std::uint32_t node) {
    if (jobs_done_ >= workload_.jobs.size()) return;  // nothing left to disturb: stop failing
    if (node_state_[node] != NodeState::kUp) {
      // Not in service (offline, provisioning, already failed): this failure does not happen.
      if (options_.failures.node_mtbf_hours > 0 && node_state_[node] != NodeState::kFailed)
        schedule_failure(node);
      return;
    }
    ++accounting_.node_failures;
    log(9, node);
    // Running jobs with a task on the node restart from their last checkpoint (or fail for good).
    for (JobIndex v : jobs_on(node)) {
      JobRuntime& s = state_[v];
      close_segment(v, Close::kFailure);
      ++s.epoch;
      ++s.restarts;
      log(10, v);
      if (s.restarts > options_.failures.max_retries) {
        s.status = JobStatus::kFailed;
        s.end = now_;
        ++jobs_done_;
        for (Observer* o : observers_) o->on_finish(now_, v, s.status);
      } else {
        s.status = JobStatus::kPreempted;
        s.pending_since = now_;
        pending_.insert(v, policy_->queue_key(*this, v));
        arrivals_.push_back(v);
        for (Observer* o : observers_) o->on_preempt(now_, v);
      }
    }
    unbind_on(node);
    set_node_state(node, NodeState::kFailed);
    events_.push(now_ + SimTime::from_seconds(options_.failures.repair_hours * 3600.0),
                 Phase::kFinish, EventKind::kNodeRepair, node);
    need_pass_ = true;
  }

  void on_node_repair(std::uint32_t node) {
    set_node_state(node, NodeState::kUp);
    log(11, node);
    need_pass_ = true;
    if (jobs_done_ < workload_.jobs.size() && options_.failures.node_mtbf_hours > 0)
      schedule_failure(node);
  }

  // --- node service states: failures, spot reclaims, autoscaling, billing (docs/cost.md) ---
  enum class NodeState : std::uint8_t { kUp, kFailed, kOffline, kProvisioning, kReclaimed };

  static bool billed(NodeState st) {
    return st == NodeState::kUp || st == NodeState::kFailed || st == NodeState::kProvisioning;
  }

  void init_nodes() {
    const std::uint32_t nodes = cluster_.node_count();
    node_state_.assign(nodes, NodeState::kUp);
    billed_since_.assign(nodes, now_);
    up_since_.assign(nodes, now_);
    last_release_.assign(nodes, now_);
    const std::size_t pools = cluster_.spec().pools.size();
    pool_billed_ms_.assign(pools, 0);
    pool_up_node_ms_.assign(pools, 0);
    inflight_.assign(pools, 0);
    bool autoscaling = false;
    for (std::uint32_t p = 0; p < pools; ++p) {
      const NodePoolSpec& pool = cluster_.spec().pools[p];
      const std::uint32_t first = cluster_.pool_first_node(p);
      if (pool.autoscale.enabled) {
        autoscaling = true;
        for (std::uint32_t i = std::min(pool.autoscale.min_nodes, pool.nodes); i < pool.nodes;
             ++i) {
          set_node_state(first + i, NodeState::kOffline);
        }
      }
      if (pool.price.kind == PoolPrice::Kind::kSpot &&
          pool.price.spot_interruptions_per_node_hour > 0) {
        for (std::uint32_t i = 0; i < pool.nodes; ++i) schedule_reclaim(first + i);
      }
    }
    if (autoscaling) events_.push(now_ + autoscale_tick(), Phase::kSample, EventKind::kAutoscale);
  }

  // Moves a node between service states; the node must hold nothing when it leaves service.
  void set_node_state(std::uint32_t node, NodeState st) {
    const NodeState old = node_state_[node];
    if (old == st) return;
    const std::uint32_t pool = cluster_.node(node).pool;
    if (billed(old) && !billed(st)) {
      pool_billed_ms_[pool] += billed_ms(pool, now_ - billed_since_[node]);
    } else if (!billed(old) && billed(st)) {
      billed_since_[node] = now_;
    }
    if (old == NodeState::kUp) {
      pool_up_node_ms_[pool] += static_cast<double>((now_ - up_since_[node]).ms());
    } else if (st == NodeState::kUp) {
      up_since_[node] = now_;
      last_release_[node] = now_;
    }
    cluster_.set_node_down(node, st != NodeState::kUp);
    node_state_[node] = st;
  }

  double billed_ms(std::uint32_t pool, SimTime span) const {
    const double g = cluster_.spec().pools[pool].price.billing_granularity_s * 1000.0;
    const auto ms = static_cast<double>(span.ms());
    return g > 1 ? std::ceil(ms / g) * g : ms;
  }

  void finish_nodes() {
    if (node_state_.empty()) return;
    for (std::uint32_t node = 0; node < cluster_.node_count(); ++node) {
      const std::uint32_t pool = cluster_.node(node).pool;
      if (billed(node_state_[node]))
        pool_billed_ms_[pool] += billed_ms(pool, now_ - billed_since_[node]);
      if (node_state_[node] == NodeState::kUp)
        pool_up_node_ms_[pool] += static_cast<double>((now_ - up_since_[node]).ms());
    }
  }

  // Running jobs with a task on `node`, by job index.
  std::vector<JobIndex> jobs_on(std::uint32_t node) const {
    std::vector<JobIndex> out;
    for (JobIndex r : running_) {
      const auto& tn = placements_[r].task_nodes;
      if (std::find(tn.begin(), tn.end(), node) != tn.end()) out.push_back(r);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Pending jobs holding some bound tasks on `node` lose them all.
  void unbind_on(std::uint32_t node) {
    for (JobIndex j : pending_.ordered()) {
      if (state_[j].bound_tasks == 0) continue;
      const auto& tn = placements_[j].task_nodes;
      if (std::find(tn.begin(), tn.end(), node) != tn.end()) unbind_tasks(j);
    }
  }

  void schedule_reclaim(std::uint32_t node) {
    const double rate =
        cluster_.spec().pools[cluster_.node(node).pool].price.spot_interruptions_per_node_hour;
    std::exponential_distribution<double> gap(rate / 3.6e6);
    events_.push(now_ + SimTime::from_ms(static_cast<std::int64_t>(gap(rng_)) + 1), Phase::kFinish,
                 EventKind::kSpotReclaim, node);
  }

  // The cloud takes a spot node back: its jobs are preempted (they checkpoint, as on the usual
  // two-minute notice) and the capacity returns after the pool's recovery time.
  void on_spot_reclaim(std::uint32_t node) {
    if (jobs_done_ >= workload_.jobs.size()) return;
    if (node_state_[node] != NodeState::kUp) {
      if (node_state_[node] != NodeState::kReclaimed) schedule_reclaim(node);
      return;
    }
    ++spot_reclaims_;
    log(12, node);
    for (JobIndex v : jobs_on(node)) preempt(v);
    unbind_on(node);
    set_node_state(node, NodeState::kReclaimed);
    const double recovery = cluster_.spec().pools[cluster_.node(node).pool].price.spot_recovery_s;
    events_.push(now_ + SimTime::from_seconds(recovery), Phase::kFinish, EventKind::kNodeUp, node);
    need_pass_ = true;
  }

  void on_node_up(std::uint32_t node) {
    const NodeState was = node_state_[node];
    if (was != NodeState::kProvisioning && was != NodeState::kReclaimed) return;
    const std::uint32_t pool = cluster_.node(node).pool;
    if (was == NodeState::kProvisioning && inflight_[pool] > 0) --inflight_[pool];
    set_node_state(node, NodeState::kUp);
    log(13, node);
    if (was == NodeState::kReclaimed && jobs_done_ < workload_.jobs.size()) schedule_reclaim(node);
    need_pass_ = true;
  }

  SimTime autoscale_tick() const {
    double tick = 60;
    for (const auto& p : cluster_.spec().pools) {
      if (!p.autoscale.enabled) continue;
      tick = std::min({tick, p.autoscale.scale_up_after_s / 2, p.autoscale.scale_down_after_s / 2});
    }
    return SimTime::from_seconds(std::max(tick, 1.0));
  }

  // Cluster-autoscaler semantics: jobs pending longer than a pool's threshold that cannot be
  // placed now ask for nodes; each job's nodes come from the cheapest autoscaling pool whose
  // fresh node fits its tasks (Karpenter-like); nodes already provisioning count against the
  // ask. Idle nodes above the minimum go away after the pool's idle time.
  void on_autoscale() {
    const auto& pools = cluster_.spec().pools;
    std::vector<std::uint64_t> want(pools.size(), 0);
    std::size_t looked = 0;
    for (JobIndex j : pending_.ordered()) {
      if (++looked > 10'000) break;
      const JobRuntime& s = state_[j];
      if (s.bound_tasks > 0) continue;
      const Demand& d = demands_[j];
      std::optional<std::uint32_t> best;
      double best_price = 0;
      std::uint32_t per_node_best = 0;
      for (std::uint32_t p = 0; p < pools.size(); ++p) {
        const NodePoolSpec& pool = pools[p];
        if (!pool.autoscale.enabled || !cluster_.pool_matches(p, d)) continue;
        if ((now_ - s.pending_since).seconds() < pool.autoscale.scale_up_after_s) continue;
        const std::uint32_t per_node = tasks_per_fresh_node(pool, d);
        if (per_node == 0) continue;
        const double price = pool.price.per_gpu_hour * pool.gpus_per_node;
        if (!best || price < best_price) {
          best = p;
          best_price = price;
          per_node_best = per_node;
        }
      }
      if (!best) continue;
      if (find_placement(j)) continue;  // it fits now; the next pass will start it
      want[*best] += (d.tasks + per_node_best - 1) / per_node_best;
    }
    for (std::uint32_t p = 0; p < pools.size(); ++p) {
      const NodePoolSpec& pool = pools[p];
      if (!pool.autoscale.enabled) continue;
      const std::uint32_t first = cluster_.pool_first_node(p);
      std::uint64_t ask = want[p] > inflight_[p] ? want[p] - inflight_[p] : 0;
      for (std::uint32_t i = 0; i < pool.nodes && ask > 0; ++i) {
        if (node_state_[first + i] != NodeState::kOffline) continue;
        set_node_state(first + i, NodeState::kProvisioning);
        ++inflight_[p];
        ++nodes_provisioned_;
        --ask;
        events_.push(now_ + SimTime::from_seconds(pool.autoscale.provisioning_delay_s),
                     Phase::kFinish, EventKind::kNodeUp, first + i);
      }
      // Scale down: idle nodes above the minimum, highest ids first.
      std::uint32_t up = 0;
      for (std::uint32_t i = 0; i < pool.nodes; ++i) up += node_state_[first + i] == NodeState::kUp;
      for (std::uint32_t i = pool.nodes; i-- > 0 && up > pool.autoscale.min_nodes;) {
        const std::uint32_t node = first + i;
        if (node_state_[node] != NodeState::kUp || !idle(node)) continue;
        if ((now_ - last_release_[node]).seconds() < pool.autoscale.scale_down_after_s) continue;
        set_node_state(node, NodeState::kOffline);
        ++nodes_released_;
        --up;
      }
    }
    if (jobs_done_ < workload_.jobs.size()) {
      events_.push(now_ + autoscale_tick(), Phase::kSample, EventKind::kAutoscale);
    }
  }

  bool idle(std::uint32_t node) const {
    const Node& n = cluster_.node(node);
    const NodePoolSpec& pool = cluster_.spec().pools[n.pool];
    return n.free_gpus == n.gpus && n.free_cpu_milli == pool.cpu_cores * 1000U &&
           n.free_memory_mib == pool.memory_mib;
  }

  static std::uint32_t tasks_per_fresh_node(const NodePoolSpec& pool, const Demand& d) {
    std::uint64_t k = 1'000'000;
    if (d.gpu_milli >= 1000)
      k = pool.gpus_per_node / d.gpus_per_task();
    else if (d.gpu_milli > 0)
      k = std::uint64_t{pool.gpus_per_node} * (1000U / d.gpu_milli);
    if (d.cpu_milli > 0) k = std::min<std::uint64_t>(k, pool.cpu_cores * 1000ULL / d.cpu_milli);
    if (d.memory_mib > 0) k = std::min<std::uint64_t>(k, pool.memory_mib / d.memory_mib);
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(k, d.tasks));
  }

  CostBreakdown compute_cost(std::vector<JobOutcome>& jobs) const {
    CostBreakdown c;
    const auto& pools = cluster_.spec().pools;
    if (node_state_.empty()) return c;
    const double horizon_h = static_cast<double>((now_ - origin_).ms()) / 3.6e6;
    const double horizon_years = horizon_h / (365.25 * 24);
    std::vector<double> list_price(pools.size(), 0);  // per allocated GPU-hour, for chargeback
    for (std::uint32_t p = 0; p < pools.size(); ++p) {
      const NodePoolSpec& pool = pools[p];
      const PoolPrice& price = pool.price;
      const double gpus = pool.gpus_per_node;
      const double billed_h = pool_billed_ms_[p] / 3.6e6;
      const double up_h = pool_up_node_ms_[p] / 3.6e6;
      const double alloc_gpu_h = pool_alloc_gpu_ms_[p] / 3.6e6;
      double cost = 0;
      c.node_hours_billed += billed_h;
      if (price.power_idle_kw > 0 || price.power_load_kw > 0) {
        const double busy_share_h = gpus > 0 ? alloc_gpu_h / gpus : 0;
        const double kwh = (price.power_idle_kw * up_h +
                            (price.power_load_kw - price.power_idle_kw) * busy_share_h) *
                           price.pue;
        c.energy_kwh += kwh;
        if (price.kind == PoolPrice::Kind::kOnPrem) {
          c.energy += kwh * price.price_per_kwh;
          cost += kwh * price.price_per_kwh;
        }
      }
      switch (price.kind) {
        case PoolPrice::Kind::kNone:
          break;
        case PoolPrice::Kind::kOnDemand: {
          const double v = billed_h * gpus * price.per_gpu_hour;
          c.cloud_on_demand += v;
          cost += v;
          list_price[p] = price.per_gpu_hour;
          break;
        }
        case PoolPrice::Kind::kSpot: {
          const double v = billed_h * gpus * price.per_gpu_hour;
          c.cloud_spot += v;
          cost += v;
          list_price[p] = price.per_gpu_hour;
          break;
        }
        case PoolPrice::Kind::kReserved: {
          // A commitment: every node of the pool is paid for the whole run, used or not.
          const double v = pool.nodes * horizon_h * gpus * price.per_gpu_hour;
          c.cloud_reserved += v;
          cost += v;
          list_price[p] = price.per_gpu_hour;
          break;
        }
        case PoolPrice::Kind::kOnPrem: {
          const double capital =
              pool.nodes * price.capex_per_node / price.amortization_years * horizon_years;
          const double ops = pool.nodes * price.ops_per_node_year * horizon_years;
          c.onprem_capital += capital;
          c.onprem_operations += ops;
          cost += capital + ops;
          const double capacity_gpu_h = pool.nodes * gpus * horizon_h;
          list_price[p] = capacity_gpu_h > 0 ? cost / capacity_gpu_h : 0;
          break;
        }
      }
      c.total += cost;
      c.by_pool.emplace_back(pool.name, cost);
    }
    // Chargeback: each job pays its GPU-hours at its pool's list price; what is left is idle.
    std::map<std::string, double> by_queue;
    double charged = 0;
    for (JobOutcome& o : jobs) {
      o.cost = job_gpu_ms_[o.job] / 3.6e6 * list_price[job_pool_[o.job]];
      charged += o.cost;
      by_queue[workload_.queues[workload_.jobs[o.job].queue]] += o.cost;
    }
    c.idle = std::max(0.0, c.total - charged);
    for (const auto& [q, v] : by_queue) c.by_queue.emplace_back(q.empty() ? "(none)" : q, v);
    return c;
  }

  void advance_to(SimTime t) {
    if (t < now_) throw std::logic_error("simulation: time went backwards");
    allocated_gpu_ms_ += static_cast<double>(cluster_.allocated_gpu_milli()) / 1000.0 *
                         static_cast<double>((t - last_accounted_).ms());
    last_accounted_ = t;
    now_ = t;
  }

  void push_next_arrival() {
    if (next_arrival_ < arrival_order_.size()) {
      const JobIndex j = arrival_order_[next_arrival_++];
      events_.push(workload_.jobs[j].submit, Phase::kArrival, EventKind::kArrival, j);
    }
  }

  void on_arrival(JobIndex j) {
    push_next_arrival();
    JobRuntime& s = state_[j];
    s.arrived = true;
    log(1, j);
    for (Observer* o : observers_) o->on_arrival(now_, j);
    if (never_fits_[j]) {
      s.status = JobStatus::kRejected;
      ++jobs_done_;
      log(6, j);
      for (Observer* o : observers_) o->on_finish(now_, j, s.status);
      return;
    }
    s.status = JobStatus::kPending;
    s.pending_since = now_;
    pending_.insert(j, policy_->queue_key(*this, j));
    arrivals_.push_back(j);
    need_pass_ = true;
  }

  void on_finish(const Event& e) {
    JobRuntime& s = state_[e.job];
    if (s.status != JobStatus::kRunning || s.epoch != e.epoch) return;  // stale
    close_segment(e.job, Close::kFinish);
    s.remaining_work = SimTime::zero();
    s.end = now_;
    s.status = JobStatus::kCompleted;
    const auto& observed = workload_.jobs[e.job].observed.status;
    if (options_.replay_observed_failures && observed &&
        (*observed == JobStatus::kFailed || *observed == JobStatus::kKilled ||
         *observed == JobStatus::kTimeout)) {
      s.status = *observed;
    }
    ++jobs_done_;
    log(5, e.job);
    for (Observer* o : observers_) o->on_finish(now_, e.job, s.status);
    need_pass_ = true;
  }

  // The job has run its time limit (and grace) in this segment: the resource manager kills it.
  // The work of this segment is counted lost (close_segment); the job ends for good.
  void on_time_limit(const Event& e) {
    JobRuntime& s = state_[e.job];
    if (s.status != JobStatus::kRunning || s.epoch != e.epoch) return;  // stale
    close_segment(e.job, Close::kTimeLimit);
    s.end = now_;
    s.status = JobStatus::kTimeout;
    ++jobs_done_;
    log(14, e.job);
    for (Observer* o : observers_) o->on_finish(now_, e.job, s.status);
    need_pass_ = true;
  }

  void schedule_pass() {
    SimTime t = now_;
    const std::int64_t tick = options_.scheduler_interval.ms();
    if (tick > 0)
      t = SimTime::from_ms(((now_.ms() - origin_.ms() + tick - 1) / tick) * tick + origin_.ms());
    events_.push(t, Phase::kSchedule, EventKind::kSchedule);
    pass_scheduled_ = true;
    need_pass_ = false;
  }

  void run_pass() {
    need_pass_ = false;
    if (pending_.empty()) return;
    policy_->schedule(*this);
    changes_.clear();
    arrivals_.clear();
    need_pass_ = false;  // what the pass itself changed is seen by this pass
  }

  void on_sample() {
    record_sample();
    // Keep sampling while jobs remain and anything else can still happen.
    if (jobs_done_ < workload_.jobs.size() && !events_.empty()) {
      events_.push(now_ + options_.sample_interval, Phase::kSample, EventKind::kSample);
    }
  }

  void record_sample() {
    Sample s;
    s.time = now_;
    s.gpu_milli_allocated = cluster_.allocated_gpu_milli();
    s.gpus_total = cluster_.total_gpus();
    s.jobs_running = static_cast<std::uint32_t>(running_.size());
    s.jobs_pending = static_cast<std::uint32_t>(pending_.size());
    samples_.push_back(s);
    for (Observer* o : observers_) o->on_sample(s);
  }

  void report_progress() {
    progress_(Progress{jobs_done_, workload_.jobs.size(), event_count_, now_});
  }

  Cluster cluster_;
  const Workload& workload_;
  std::unique_ptr<Policy> policy_;
  std::unique_ptr<Placer> placer_;
  std::unique_ptr<RuntimeModel> runtime_;
  SimulationOptions options_;
  std::mt19937_64 rng_;
  std::vector<Demand> demands_;
  std::vector<JobRuntime> state_;
  std::vector<bool> never_fits_;
  std::vector<Placement> placements_;
  std::vector<std::uint32_t> running_pos_;
  std::vector<std::uint32_t> last_type_;
  Accounting accounting_;
  std::vector<NodeState> node_state_;
  std::vector<SimTime> billed_since_, up_since_, last_release_;
  std::vector<double> pool_billed_ms_, pool_up_node_ms_, pool_alloc_gpu_ms_;
  std::vector<std::uint64_t> inflight_;
  std::vector<double> job_gpu_ms_;
  std::vector<std::vector<std::uint32_t>> last_nodes_;
  std::vector<std::uint32_t> job_pool_;
  std::uint64_t spot_reclaims_ = 0, nodes_provisioned_ = 0, nodes_released_ = 0;
  PendingQueue pending_;
  std::vector<JobIndex> running_;
  std::vector<RunChange> changes_;  // since the last pass returned (run_changes)
  std::vector<JobIndex> arrivals_;  // since the last pass returned (arrivals)
  std::vector<JobIndex> arrival_order_;
  std::size_t next_arrival_ = 0;
  EventQueue events_;
  std::vector<Observer*> observers_;
  ProgressFn progress_;
  std::vector<Sample> samples_;
  Fingerprint fingerprint_;
  SimTime now_;
  SimTime origin_;
  SimTime last_accounted_;
  double allocated_gpu_ms_ = 0;
  std::uint64_t event_count_ = 0;
  std::uint64_t jobs_done_ = 0;
  bool need_pass_ = false;
  bool pass_scheduled_ = false;
  bool ran_ = false;
};

Simulation::Simulation(const ClusterSpec& cluster, const Workload& workload,
                       std::unique_ptr<Policy> policy, std::unique_ptr<Placer> placer,
                       std::unique_ptr<RuntimeModel> runtime, SimulationOptions options)
    : engine_(std::make_unique<Engine>(cluster, workload, std::move(policy), std::move(placer),
                                       std::move(runtime), options)) {}
Simulation::~Simulation() = default;
void Simulation::add_observer(Observer* observer) {
  engine_->add_observer(observer);
}
void Simulation::set_progress(ProgressFn fn) {
  engine_->set_progress(std::move(fn));
}
RunResult Simulation::run(std::stop_token stop) {
  return engine_->run(std::move(stop));
}
std::mt19937_64& Simulation::rng() {
  return engine_->rng();
}

}  // namespace orrery::sim
