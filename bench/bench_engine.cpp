// Engine benchmarks: the event queue alone, and whole replays under fifo-skip + pack at growing
// scale (jobs on a 10,000-GPU cluster), reporting jobs per second and peak memory.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <random>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/event_queue.hpp"
#include "orrery/sim/simulation.hpp"
#include "workload_gen.hpp"

namespace {

using orrery::sim::EventKind;
using orrery::sim::EventQueue;
using orrery::sim::Phase;
using orrery::sim::SimTime;

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// Hold model: a queue of N pending events; each step pops the earliest and schedules a new one
// a random time later (the classic priority-queue benchmark). One schedule + one pop per item.
void BM_EventQueueHold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(1);
  EventQueue q;
  q.reserve(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    q.push(SimTime::from_ms(static_cast<std::int64_t>(rng() % 1'000'000)), Phase::kFinish,
           EventKind::kFinish);
  }
  for (auto _ : state) {
    const auto e = q.pop();
    q.push(e.time + SimTime::from_ms(static_cast<std::int64_t>(rng() % 1'000'000)), Phase::kFinish,
           EventKind::kFinish, e.job);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["ops_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventQueueHold)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);

void BM_Replay(benchmark::State& state, const char* policy) {
  const auto jobs = static_cast<std::size_t>(state.range(0));
  const auto gpus = static_cast<std::uint32_t>(state.range(1));
  const auto cluster = orrery::bench::bench_cluster(gpus);
  const auto workload = orrery::bench::synthetic_workload(jobs, gpus, 0.85, 42);
  double util = 0;
  for (auto _ : state) {
    orrery::sim::SimulationOptions opts;
    opts.sample_interval = SimTime::from_seconds(3600);
    orrery::sim::Simulation sim(cluster, workload, orrery::policies::make_policy(policy),
                                orrery::policies::make_placer("pack"),
                                std::make_unique<orrery::sim::ObservedRuntime>(), opts);
    auto r = sim.run();
    util = r.summary.gpu_utilization;
    benchmark::DoNotOptimize(r);
  }
  state.counters["jobs_per_s"] =
      benchmark::Counter(static_cast<double>(jobs) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["us_per_job"] =
      benchmark::Counter(static_cast<double>(jobs) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.counters["gpu_util"] = util;
}
BENCHMARK_CAPTURE(BM_Replay, fifo_skip, "fifo-skip")
    ->Args({10'000, 10'000})
    ->Args({100'000, 10'000})
    ->Args({1'000'000, 10'000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
