// Decision cost of the production scheduler models: one scheduling pass over 10,000 pending jobs
// on a 10,000-GPU cluster (1,250 nodes x 8 GPUs) that the policy itself has filled to ~96 %.
//
// A pass runs against a small stand-in for the engine (BenchContext) so that exactly one call of
// Policy::schedule is timed. Each iteration (untimed) builds a fresh cluster and policy, lets the
// policy place a warm-up set of 1,350 jobs (1,150 x 8 GPUs, 200 x 2 GPUs) at t = 3,540 s, then
// submits 10,000 mixed jobs (1, 2, 4, 8 GPUs, 2 x 8 and 4 x 8 gangs; three queues, twenty users,
// priorities 0..3, walltimes) over the last minute; the timed pass is at t = 3,600 s, on every
// policy's tick (1 s, 30 s, 60 s grids).
//
//   orrery_bench_production --benchmark_filter=slurm
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <stdexcept>
#include <tuple>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/pending_queue.hpp"
#include "orrery/sim/scheduler.hpp"

namespace {

using namespace orrery;

sim::ClusterSpec bench_cluster() {
  sim::ClusterSpec c;
  c.name = "bench-10k";
  sim::NodePoolSpec p;
  p.name = "a100";
  p.gpu_type = "A100-80";
  p.gpus_per_node = 8;
  p.cpu_cores = 128;
  p.memory_mib = 1024 * 1024;
  p.nodes = 1250;
  c.pools.push_back(p);
  c.topology.nodes_per_rack = 32;
  return c;
}

sim::Workload bench_workload(std::size_t warmup, std::size_t pending) {
  sim::Workload w;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  const char* queues[] = {"research", "prod", "interns"};
  auto add = [&](double submit, std::uint32_t gpus, std::uint32_t tasks) {
    sim::JobSpec j;
    j.id = "b" + std::to_string(w.jobs.size());
    j.submit = sim::SimTime::from_seconds(submit);
    j.gpu_milli = gpus * 1000;
    j.tasks = tasks;
    j.cpu_milli = 8000 * gpus;
    j.memory_mib = 65536ULL * gpus;
    const double dur = std::clamp(std::exp(6.6 + 1.2 * std::sqrt(-2 * std::log(u(rng) + 1e-12)) *
                                                     std::cos(6.283185307 * u(rng))),
                                  30.0, 36000.0);
    j.duration = sim::SimTime::from_seconds(dur);
    j.walltime = sim::SimTime::from_seconds(std::ceil(dur * (1.5 + 2.5 * u(rng)) / 60) * 60);
    j.user = w.users.intern("user" + std::to_string(rng() % 20));
    j.queue = w.queues.intern(queues[rng() % 3]);
    j.priority = static_cast<std::int32_t>(rng() % 4);
    w.jobs.push_back(j);
  };
  for (std::size_t i = 0; i < warmup; ++i) add(3000.0, i < 1150 ? 8 : 2, 1);
  for (std::size_t i = 0; i < pending; ++i) {
    const double r = u(rng);
    std::uint32_t gpus = 1, tasks = 1;
    if (r < 0.40) {
      gpus = 1;
    } else if (r < 0.60) {
      gpus = 2;
    } else if (r < 0.75) {
      gpus = 4;
    } else if (r < 0.90) {
      gpus = 8;
    } else if (r < 0.97) {
      gpus = 8, tasks = 2;
    } else {
      gpus = 8, tasks = 4;
    }
    add(3540.0 + 60.0 * static_cast<double>(i) / static_cast<double>(pending), gpus, tasks);
  }
  return w;
}

// The engine's side of a pass, enough for one call of Policy::schedule.
class BenchContext final : public sim::SchedulingContext {
 public:
  BenchContext(const sim::ClusterSpec& spec, const sim::Workload& w, sim::Policy& policy,
               sim::Placer& placer)
      : cluster_(spec), w_(w), policy_(policy), placer_(placer), pending_(shapes()) {}

  void submit(sim::JobIndex j) {
    state_[j].arrived = true;
    state_[j].status = sim::JobStatus::kPending;
    state_[j].pending_since = now_;
    pending_.insert(j, policy_.queue_key(*this, j));
    arrivals_.push_back(j);
  }
  void set_now(sim::SimTime t) { now_ = t; }
  std::uint64_t started() const { return started_; }

  sim::SimTime now() const override { return now_; }
  const sim::Cluster& cluster() const override { return cluster_; }
  const sim::Workload& workload() const override { return w_; }
  const sim::Demand& demand(sim::JobIndex j) const override { return demands_[j]; }
  const sim::JobRuntime& runtime(sim::JobIndex j) const override { return state_[j]; }
  const sim::Placement& placement(sim::JobIndex j) const override { return placements_[j]; }
  sim::PendingQueue& pending() override { return pending_; }
  std::span<const sim::JobIndex> running() const override { return running_; }
  std::span<const sim::RunChange> run_changes() const override { return changes_; }
  std::span<const sim::JobIndex> arrivals() const override { return arrivals_; }
  // What the engine does when a pass returns.
  void end_pass() {
    changes_.clear();
    arrivals_.clear();
  }
  double attained_gpu_ms(sim::JobIndex j) const override { return state_[j].attained_gpu_ms; }
  sim::SimTime remaining_work(sim::JobIndex j) const override {
    const sim::JobRuntime& s = state_[j];
    if (s.status != sim::JobStatus::kRunning) return s.remaining_work;
    return s.remaining_work - std::min(s.remaining_work, now_ - s.last_start);
  }
  std::optional<sim::Placement> find_placement(sim::JobIndex j) const override {
    return placer_.place(cluster_, demands_[j]);
  }
  std::optional<sim::Placement> find_task_placement(sim::JobIndex j,
                                                    std::uint32_t tasks) const override {
    sim::Demand d = demands_[j];
    d.tasks = tasks;
    return placer_.place(cluster_, d);
  }
  void start(sim::JobIndex j, sim::Placement p) override {
    cluster_.allocate(demands_[j], p);
    placements_[j] = std::move(p);
    state_[j].bound_tasks = demands_[j].tasks;
    begin(j);
  }
  void bind_tasks(sim::JobIndex j, sim::Placement p) override {
    sim::Demand part = demands_[j];
    part.tasks = static_cast<std::uint32_t>(p.task_nodes.size());
    cluster_.allocate(part, p);
    sim::Placement& all = placements_[j];
    all.milli_per_gpu = p.milli_per_gpu;
    all.task_nodes.insert(all.task_nodes.end(), p.task_nodes.begin(), p.task_nodes.end());
    all.gpus.insert(all.gpus.end(), p.gpus.begin(), p.gpus.end());
    state_[j].bound_tasks += part.tasks;
    if (state_[j].bound_tasks == demands_[j].tasks) begin(j);
  }
  void unbind_tasks(sim::JobIndex j) override {
    if (state_[j].bound_tasks == 0) return;
    sim::Demand part = demands_[j];
    part.tasks = state_[j].bound_tasks;
    cluster_.release(part, placements_[j]);
    placements_[j] = sim::Placement{};
    state_[j].bound_tasks = 0;
  }
  void preempt(sim::JobIndex j) override {
    cluster_.release(demands_[j], placements_[j]);
    placements_[j] = sim::Placement{};
    sim::JobRuntime& s = state_[j];
    s.remaining_work = remaining_work(j);
    s.status = sim::JobStatus::kPreempted;
    s.bound_tasks = 0;
    ++s.preemptions;
    ++s.epoch;
    running_.erase(std::find(running_.begin(), running_.end(), j));
    changes_.push_back({j, false});
    pending_.insert(j, policy_.queue_key(*this, j));
    arrivals_.push_back(j);
  }
  void request_wakeup(sim::SimTime) override {}

 private:
  sim::PendingQueue shapes() {
    const std::size_t n = w_.jobs.size();
    demands_.resize(n);
    state_.resize(n);
    placements_.resize(n);
    std::vector<std::uint32_t> shape_of(n);
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t>, std::uint32_t>
        ids;
    for (sim::JobIndex j = 0; j < n; ++j) {
      const sim::JobSpec& s = w_.jobs[j];
      sim::Demand& d = demands_[j];
      d.tasks = s.tasks;
      d.gpu_milli = s.gpu_milli;
      d.cpu_milli = s.cpu_milli;
      d.memory_mib = s.memory_mib;
      state_[j].remaining_work = s.duration;
      auto [it, fresh] =
          ids.emplace(std::make_tuple(d.tasks, d.gpu_milli, d.cpu_milli, d.memory_mib),
                      static_cast<std::uint32_t>(ids.size()));
      shape_of[j] = it->second;
    }
    return sim::PendingQueue(std::move(shape_of), static_cast<std::uint32_t>(ids.size()));
  }
  void begin(sim::JobIndex j) {
    pending_.erase(j);
    sim::JobRuntime& s = state_[j];
    s.status = sim::JobStatus::kRunning;
    s.last_start = now_;
    if (!s.first_start) s.first_start = now_;
    s.expected_end = now_ + s.remaining_work;
    running_.push_back(j);
    changes_.push_back({j, true});
    ++started_;
  }

  sim::Cluster cluster_;
  const sim::Workload& w_;
  sim::Policy& policy_;
  sim::Placer& placer_;
  std::vector<sim::Demand> demands_;
  std::vector<sim::JobRuntime> state_;
  std::vector<sim::Placement> placements_;
  sim::PendingQueue pending_;
  std::vector<sim::JobIndex> running_;
  std::vector<sim::RunChange> changes_;
  std::vector<sim::JobIndex> arrivals_;
  sim::SimTime now_;
  std::uint64_t started_ = 0;
};

constexpr std::size_t kWarmup = 1350;
constexpr std::size_t kPending = 10000;

void BM_ProductionPass(benchmark::State& state, const char* policy_name) {
  const sim::ClusterSpec spec = bench_cluster();
  const sim::Workload w = bench_workload(kWarmup, kPending);
  std::uint64_t started = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto policy = policies::make_policy(policy_name);
    auto placer = policies::make_placer("pack");
    auto ctx = std::make_unique<BenchContext>(spec, w, *policy, *placer);
    ctx->set_now(sim::SimTime::from_seconds(3540));
    for (sim::JobIndex j = 0; j < kWarmup; ++j) ctx->submit(j);
    policy->schedule(*ctx);
    ctx->end_pass();
    ctx->set_now(sim::SimTime::from_seconds(3600));
    for (sim::JobIndex j = kWarmup; j < w.jobs.size(); ++j) ctx->submit(j);
    const std::uint64_t before = ctx->started();
    state.ResumeTiming();
    policy->schedule(*ctx);
    state.PauseTiming();
    started = ctx->started() - before;
    ctx.reset();
    state.ResumeTiming();
  }
  state.counters["pending"] = static_cast<double>(kPending);
  state.counters["started_in_pass"] = static_cast<double>(started);
}

BENCHMARK_CAPTURE(BM_ProductionPass, kube_default, "kube-default")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_ProductionPass, volcano, "volcano")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_ProductionPass, kueue, "kueue")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_ProductionPass, slurm, "slurm")->Unit(benchmark::kMillisecond)->Iterations(3);
// Reference: the spine's EASY backfilling on the same state.
BENCHMARK_CAPTURE(BM_ProductionPass, easy_backfill, "easy-backfill")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
