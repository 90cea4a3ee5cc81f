// Property tests: seeded random clusters and workloads under every spine policy and placement.
// Whatever the schedule, these must hold:
//   - GPU capacity is never exceeded and no GPU is double-booked (checked independently of the
//     engine's own accounting, from the placements it reports);
//   - no job starts before it is submitted; every job ends exactly once; time never goes back;
//   - the same inputs and seed give the same fingerprint.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using sim::JobIndex;
using sim::SimTime;

class InvariantChecker : public sim::Observer {
 public:
  InvariantChecker(const sim::ClusterSpec& spec, const sim::Workload& w) : w_(w) {
    std::uint32_t gpus = 0;
    for (const auto& p : spec.pools) gpus += p.gpus_per_node * p.nodes;
    used_.assign(gpus, 0);
    ends_.assign(w.jobs.size(), 0);
    placement_.resize(w.jobs.size());
  }
  void on_arrival(SimTime t, JobIndex j) override {
    tick(t);
    EXPECT_EQ(t, w_.jobs[j].submit);
  }
  void on_start(SimTime t, JobIndex j, const sim::Placement& p) override {
    tick(t);
    EXPECT_GE(t, w_.jobs[j].submit) << "job started before it was submitted";
    EXPECT_EQ(p.task_nodes.size(), w_.jobs[j].tasks) << "gang not placed whole";
    for (std::uint32_t g : p.gpus) {
      used_[g] += p.milli_per_gpu;
      EXPECT_LE(used_[g], 1000U) << "GPU " << g << " over-booked";
    }
    placement_[j] = p;
    running_.insert(j);
  }
  void on_preempt(SimTime t, JobIndex j) override {
    tick(t);
    release(j);
  }
  void on_finish(SimTime t, JobIndex j, sim::JobStatus) override {
    tick(t);
    ++ends_[j];
    if (running_.count(j)) release(j);
  }
  void check_end() const {
    for (std::size_t j = 0; j < ends_.size(); ++j)
      EXPECT_EQ(ends_[j], 1) << "job " << j << " ended " << ends_[j] << " times";
    for (std::uint32_t u : used_) EXPECT_EQ(u, 0U);
  }

 private:
  void tick(SimTime t) {
    EXPECT_GE(t, last_) << "time went backwards";
    last_ = t;
  }
  void release(JobIndex j) {
    for (std::uint32_t g : placement_[j].gpus) used_[g] -= placement_[j].milli_per_gpu;
    running_.erase(j);
  }
  const sim::Workload& w_;
  std::vector<std::uint32_t> used_;
  std::vector<int> ends_;
  std::vector<sim::Placement> placement_;
  std::set<JobIndex> running_;
  SimTime last_ = SimTime::from_ms(-1);
};

struct RandomScenario {
  sim::ClusterSpec cluster;
  sim::Workload workload;
};

RandomScenario make_random(std::uint64_t seed, std::size_t jobs) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  RandomScenario s;
  const std::uint32_t per_node[] = {1, 2, 4, 8};
  const std::size_t pools = 1 + pick(3);
  std::uint32_t max_gpn = 0;
  for (std::size_t p = 0; p < pools; ++p) {
    sim::NodePoolSpec pool;
    pool.name = "p" + std::to_string(p);
    pool.gpu_type = p == 0 ? "A100-80" : (p == 1 ? "V100" : "H100");
    pool.gpus_per_node = per_node[pick(4)];
    pool.nodes = static_cast<std::uint32_t>(1 + pick(6));
    pool.cpu_cores = 64;
    pool.nvlink_domain = pool.gpus_per_node >= 4 && pick(2) ? pool.gpus_per_node / 2 : 0;
    max_gpn = std::max(max_gpn, pool.gpus_per_node);
    s.cluster.pools.push_back(pool);
  }
  s.cluster.topology.nodes_per_rack = static_cast<std::uint32_t>(1 + pick(4));
  const std::uint32_t types[] = {0, s.workload.gpu_types.intern("A100-80"),
                                 s.workload.gpu_types.intern("V100")};
  double t = 0;
  for (std::size_t i = 0; i < jobs; ++i) {
    t += static_cast<double>(pick(200));
    sim::JobSpec j;
    j.id = "r" + std::to_string(i);
    j.submit = SimTime::from_seconds(t);
    j.duration = SimTime::from_ms(static_cast<std::int64_t>(pick(3'600'000)));
    const auto kind = pick(10);
    if (kind == 0) {
      j.gpu_milli = static_cast<std::uint32_t>(100 * (1 + pick(9)));  // shared GPU
    } else if (kind == 1) {
      j.gpu_milli = 0;  // CPU only
      j.cpu_milli = 1000;
    } else {
      j.gpu_milli = 1000U * (1U << pick(4));
      j.tasks = static_cast<std::uint32_t>(1 + pick(3));
    }
    j.cpu_milli += static_cast<std::uint32_t>(pick(4)) * 1000U;
    j.gpu_type = types[pick(3)];
    if (pick(2))
      j.walltime = j.duration + SimTime::from_ms(static_cast<std::int64_t>(pick(600'000)));
    if (pick(20) == 0) j.observed.status = sim::JobStatus::kFailed;
    s.workload.jobs.push_back(j);
  }
  (void)max_gpn;
  return s;
}

sim::SimulationOptions options(std::uint64_t seed) {
  sim::SimulationOptions o;
  o.seed = seed;
  return o;
}

struct Combo {
  std::string policy, placement;
};

class Invariants : public ::testing::TestWithParam<Combo> {};

TEST_P(Invariants, HoldOnSeededRandomScenarios) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomScenario s = make_random(seed, 150);
    std::string fingerprint;
    for (int rep = 0; rep < 2; ++rep) {
      sim::Simulation sim(s.cluster, s.workload, policies::make_policy(GetParam().policy),
                          policies::make_placer(GetParam().placement),
                          std::make_unique<sim::ObservedRuntime>(), options(seed));
      InvariantChecker checker(s.cluster, s.workload);
      sim.add_observer(&checker);
      const sim::RunResult r = sim.run();
      checker.check_end();
      for (const auto& o : r.jobs) {
        EXPECT_NE(o.status, sim::JobStatus::kUnfinished) << "job " << o.job;
        if (o.start) {
          EXPECT_GE(*o.start, o.submit);
        }
        if (o.end && o.start) {
          EXPECT_GE(*o.end, *o.start);
        }
      }
      EXPECT_EQ(r.summary.jobs, s.workload.jobs.size());
      EXPECT_EQ(r.summary.completed + r.summary.failed + r.summary.rejected, r.summary.jobs);
      if (rep == 0) {
        fingerprint = r.manifest.fingerprint;
      } else {
        EXPECT_EQ(r.manifest.fingerprint, fingerprint) << "same seed, different schedule";
      }
    }
  }
}

std::vector<Combo> combos() {
  std::vector<Combo> out;
  for (const char* p : {"fifo", "fifo-skip", "sjf", "srtf", "easy-backfill"}) {
    for (const char* pl : {"pack", "spread", "consolidate"}) out.push_back({p, pl});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(SpinePolicies, Invariants, ::testing::ValuesIn(combos()),
                         [](const auto& p) {
                           std::string n = p.param.policy + "_" + p.param.placement;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

TEST(InvariantsAtScale, HundredThousandJobs) {
  // Correctness at scale: a 100k-job replay on 1,024 GPUs keeps every invariant.
  RandomScenario s = make_random(2026, 100'000);
  s.cluster = uniform_cluster(128, 8);
  for (auto& j : s.workload.jobs) j.gpu_type = 0;
  sim::Simulation sim(s.cluster, s.workload, policies::make_policy("fifo-skip"),
                      policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>());
  InvariantChecker checker(s.cluster, s.workload);
  sim.add_observer(&checker);
  const sim::RunResult r = sim.run();
  checker.check_end();
  EXPECT_EQ(r.summary.completed + r.summary.failed + r.summary.rejected, 100'000U);
}

}  // namespace
}  // namespace orrery::test
