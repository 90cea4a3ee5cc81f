// Decision cost of every registered policy: the time one scheduling pass takes with 10,000 GPUs
// and 10,000 pending jobs.
//
// The cluster has 10,000 GPUs (625 nodes of 8 V100 and 625 of 8 A100-80). At t=0 about 10,000
// GPUs' worth of jobs (1, 2, 4 or 8 GPUs, 5 min to 2 h, four job classes, three queues) arrive and
// fill it; at t=60 s a backlog of 12,000 more (10 min to 10 h) arrives. From then on each pass
// sees 10,000-12,000 pending jobs; running jobs end one after another and each end triggers a
// pass (preemptive policies also act on their own wakeups). A wrapper
// around the policy times each pass while at least 10,000 jobs are pending, over the first two
// simulated hours. Reported: mean time per pass (the benchmark's time), passes, max_ms (the
// slowest pass: the backlog's arrival or a round of a round-based policy). Single thread.
//
//   orrery_bench_policies --benchmark_filter=tiresias
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"

namespace {

using namespace orrery;

class TimedPolicy final : public sim::Policy {
 public:
  TimedPolicy(std::unique_ptr<sim::Policy> inner, std::vector<double>& seconds)
      : inner_(std::move(inner)), seconds_(seconds) {}
  std::string_view name() const override { return inner_->name(); }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return inner_->queue_key(ctx, j);
  }
  void schedule(sim::SchedulingContext& ctx) override {
    if (ctx.pending().size() < 10000) {
      inner_->schedule(ctx);
      return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    inner_->schedule(ctx);
    seconds_.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

 private:
  std::unique_ptr<sim::Policy> inner_;
  std::vector<double>& seconds_;
};

sim::ClusterSpec bench_cluster() {
  sim::ClusterSpec c;
  c.name = "bench-10k";
  for (const char* type : {"V100", "A100-80"}) {
    sim::NodePoolSpec p;
    p.name = type;
    p.gpu_type = type;
    p.gpus_per_node = 8;
    p.nodes = 625;
    c.pools.push_back(p);
  }
  c.topology.nodes_per_rack = 32;
  return c;
}

sim::Workload bench_workload() {
  sim::Workload w;
  w.source = "bench";
  std::mt19937_64 rng(20240601);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<std::uint32_t> classes = {w.job_classes.intern("cnn"),
                                              w.job_classes.intern("transformer"),
                                              w.job_classes.intern("rl"), 0};
  const std::vector<std::uint32_t> queues = {w.queues.intern("vc1"), w.queues.intern("vc2"),
                                             w.queues.intern("vc3")};
  auto add = [&](double submit, std::size_t i, double min_s, double spread_s) {
    sim::JobSpec j;
    j.id = "b";
    j.id += std::to_string(w.jobs.size());  // (not "b" + ...: GCC 12 -O3 -Wrestrict false positive)
    j.submit = sim::SimTime::from_seconds(submit);
    const double r = u(rng);
    j.gpu_milli = r < 0.5 ? 1000 : r < 0.75 ? 2000 : r < 0.9 ? 4000 : 8000;
    j.duration = sim::SimTime::from_seconds(std::floor(min_s + spread_s * u(rng)));
    j.job_class = classes[i % classes.size()];
    j.queue = queues[i % queues.size()];
    j.cpu_milli = 1000;
    j.memory_mib = 4096;
    w.jobs.push_back(j);
    return j.gpu_milli / 1000;
  };
  std::uint64_t gpus = 0;
  for (std::size_t i = 0; gpus < 10000; ++i) gpus += add(0, i, 300, 7200);
  for (std::size_t i = 0; i < 12000; ++i) add(60, i, 600, 36000);
  return w;
}

void BM_Decision(benchmark::State& state, const std::string& policy) {
  static const sim::ClusterSpec cluster = bench_cluster();
  static const sim::Workload workload = bench_workload();
  for (auto _ : state) {
    std::vector<double> seconds;
    sim::SimulationOptions options;
    options.end_time = sim::SimTime::from_seconds(2 * 3600);
    sim::Simulation s(
        cluster, workload, std::make_unique<TimedPolicy>(policies::make_policy(policy), seconds),
        policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>(), options);
    s.run();
    double total = 0, worst = 0;
    for (double x : seconds) {
      total += x;
      worst = std::max(worst, x);
    }
    const double passes = static_cast<double>(seconds.size());
    state.SetIterationTime(passes > 0 ? total / passes : 0);
    state.counters["passes"] = passes;
    state.counters["max_ms"] = worst * 1e3;
  }
}

const bool registered = [] {
  for (const auto& info : policies::policy_registry()) {
    benchmark::RegisterBenchmark(("decision/" + info.name).c_str(), BM_Decision, info.name)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond)
        ->Iterations(1);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
