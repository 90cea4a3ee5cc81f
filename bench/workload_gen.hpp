// A simple synthetic workload for scale benchmarks: Poisson arrivals tuned to a target load,
// a Philly/Helios-like GPU-count mix and log-normal durations. Deterministic for a seed.
// (`orrery trace synth` fits real traces; this generator needs no input file.)
#pragma once

#include <cmath>
#include <random>
#include <string>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::bench {

inline sim::ClusterSpec bench_cluster(std::uint32_t gpus) {
  sim::ClusterSpec c;
  c.name = "bench";
  sim::NodePoolSpec p;
  p.name = "a100";
  p.gpu_type = "A100-80";
  p.gpus_per_node = 8;
  p.nodes = gpus / 8;
  p.cpu_cores = 128;
  c.pools.push_back(p);
  return c;
}

// `load`: offered GPU demand as a share of `gpus` (0.85 keeps queues short but non-empty).
inline sim::Workload synthetic_workload(std::size_t jobs, std::uint32_t gpus, double load,
                                        std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  // GPU-count mix (tasks x GPUs per task): mostly 1 GPU, heavy tail of multi-node gangs.
  struct Shape {
    double p;
    std::uint32_t tasks, gpus;
  };
  const Shape mix[] = {{0.50, 1, 1}, {0.15, 1, 2}, {0.15, 1, 4},
                       {0.15, 1, 8}, {0.04, 2, 8}, {0.01, 4, 8}};
  double mean_gpus = 0;
  for (const auto& s : mix) mean_gpus += s.p * s.tasks * s.gpus;
  const double mu = std::log(1800.0), sigma = 1.2;  // median 30 min
  const double mean_duration = std::exp(mu + sigma * sigma / 2);
  const double rate = load * gpus / (mean_gpus * mean_duration);  // jobs per second
  std::exponential_distribution<double> gap(rate);
  std::lognormal_distribution<double> duration(mu, sigma);
  sim::Workload w;
  w.source = "bench generator";
  w.jobs.reserve(jobs);
  double t = 0;
  for (std::size_t i = 0; i < jobs; ++i) {
    t += gap(rng);
    double r = u(rng);
    const Shape* shape = &mix[0];
    for (const auto& s : mix) {
      shape = &s;
      if (r < s.p) break;
      r -= s.p;
    }
    sim::JobSpec j;
    j.id = std::to_string(i);
    j.submit = sim::SimTime::from_seconds(t);
    j.tasks = shape->tasks;
    j.gpu_milli = shape->gpus * 1000;
    j.duration = sim::SimTime::from_seconds(std::min(duration(rng), 14 * 86400.0));
    w.jobs.push_back(std::move(j));
  }
  return w;
}

}  // namespace orrery::bench
