// Conformance of every registered policy (listed from the registry at test time, so policies
// added later are covered) with every basic placement (pack, spread, consolidate), on seeded
// random small workloads and clusters:
//   - capacity is never exceeded: an observer keeps its own account of every GPU, node CPU and
//     memory from the placements it sees, and checks GPU types;
//   - gangs are placed whole: a started job holds all its tasks;
//   - runs are deterministic: the same inputs give the same fingerprint twice;
//   - every job ends (completed, or failed as the trace observed) on a cluster big enough for
//     it, except for policies registered as non-gang (they may deadlock, as real clusters do);
//   - with enforced time limits, a job is killed exactly when its limit (and grace) is due at
//     the next check, and no job runs past that;
//   - bad parameters are rejected with sim::InputError naming the parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stop_token>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery {
namespace {

// A small heterogeneous cluster: 1-3 nodes of 4 V100 and 1-3 nodes of 8 A100-80.
sim::ClusterSpec random_cluster(std::mt19937_64& rng) {
  sim::ClusterSpec c;
  c.name = "conformance";
  std::uniform_int_distribution<std::uint32_t> nodes(1, 3);
  sim::NodePoolSpec v100;
  v100.name = "v100";
  v100.gpu_type = "V100";
  v100.gpus_per_node = 4;
  v100.cpu_cores = 32;
  v100.memory_mib = 256 * 1024;
  v100.nodes = nodes(rng);
  sim::NodePoolSpec a100;
  a100.name = "a100";
  a100.gpu_type = "A100-80";
  a100.gpus_per_node = 8;
  a100.cpu_cores = 64;
  a100.memory_mib = 512 * 1024;
  a100.nodes = nodes(rng);
  c.pools = {v100, a100};
  c.topology.nodes_per_rack = 2;
  return c;
}

// 30-45 jobs that each fit the empty cluster: 1-8 GPU gangs of 1-2 tasks, some shared GPUs,
// some CPU-only jobs, some bound to V100, several queues, users and job classes, whole seconds.
sim::Workload random_workload(std::mt19937_64& rng) {
  sim::Workload w;
  w.source = "conformance";
  const std::uint32_t any = 0;
  const std::uint32_t v100 = w.gpu_types.intern("V100");
  const std::vector<std::uint32_t> queues = {w.queues.intern("vc-a"), w.queues.intern("vc-b"), 0};
  const std::vector<std::uint32_t> classes = {w.job_classes.intern("cnn"),
                                              w.job_classes.intern("transformer"), 0};
  const std::vector<std::uint32_t> users = {w.users.intern("ann"), w.users.intern("bob")};
  std::uniform_real_distribution<double> u(0, 1);
  std::exponential_distribution<double> gap(1.0 / 90.0);
  const int n = std::uniform_int_distribution<int>(30, 45)(rng);
  double t = 0;
  for (int i = 0; i < n; ++i) {
    sim::JobSpec j;
    j.id = "c" + std::to_string(i);
    t += std::floor(gap(rng));
    j.submit = sim::SimTime::from_seconds(t);
    const double r = u(rng);
    if (r < 0.40) {
      j.gpu_milli = 1000;
    } else if (r < 0.58) {
      j.gpu_milli = 2000;
    } else if (r < 0.70) {
      j.gpu_milli = 4000;
    } else if (r < 0.80) {
      j.gpu_milli = 2000;
      j.tasks = 2;
    } else if (r < 0.86) {
      j.gpu_milli = 8000;  // a whole A100 node
    } else if (r < 0.90) {
      j.gpu_milli = 1000;
      j.tasks = 4;
    } else if (r < 0.95) {
      j.gpu_milli = 500;  // a shared GPU
    } else {
      j.gpu_milli = 0;  // CPU only
    }
    j.cpu_milli = 2000;
    j.memory_mib = 8192;
    j.gpu_type = (j.gpu_milli > 0 && j.gpu_milli <= 4000 && u(rng) < 0.15) ? v100 : any;
    j.duration = sim::SimTime::from_seconds(std::floor(30.0 * std::pow(100.0, u(rng))));
    j.queue = queues[static_cast<std::size_t>(i) % queues.size()];
    j.user = users[static_cast<std::size_t>(i) % users.size()];
    j.job_class = classes[static_cast<std::size_t>(i / 2) % classes.size()];
    if (u(rng) < 0.08) j.observed.status = sim::JobStatus::kFailed;
    w.jobs.push_back(j);
  }
  return w;
}

// Keeps its own account of every GPU, CPU and memory from the placements of started jobs.
class CapacityObserver final : public sim::Observer {
 public:
  CapacityObserver(const sim::ClusterSpec& spec, const sim::Workload& w)
      : cluster_(spec), workload_(w), gpu_used_(cluster_.total_gpus(), 0) {
    for (const sim::Node& n : cluster_.nodes()) {
      cpu_left_.push_back(n.free_cpu_milli);
      mem_left_.push_back(n.free_memory_mib);
    }
  }

  void on_start(sim::SimTime t, sim::JobIndex j, const sim::Placement& p) override {
    const sim::JobSpec& job = workload_.jobs[j];
    if (t < job.submit) fail(j, "started before its submit time");
    if (running_.count(j)) fail(j, "started while running");
    if (p.task_nodes.size() != job.tasks) {
      fail(j, "started with " + std::to_string(p.task_nodes.size()) + " of " +
                  std::to_string(job.tasks) + " tasks (gang not whole)");
      return;
    }
    const std::uint32_t g = job.gpus_per_task();
    const std::uint32_t milli = job.gpu_milli >= 1000 ? 1000 : job.gpu_milli;
    if (p.gpus.size() != std::size_t{g} * job.tasks) {
      fail(j, "placement has " + std::to_string(p.gpus.size()) + " GPUs");
      return;
    }
    for (std::uint32_t task = 0; task < job.tasks; ++task) {
      const std::uint32_t node = p.task_nodes[task];
      const sim::Node& n = cluster_.node(node);
      if (job.gpu_type != 0 &&
          cluster_.gpu_types()[cluster_.pool_type(n.pool)] != workload_.gpu_types[job.gpu_type])
        fail(j, "placed on the wrong GPU type");
      if (cpu_left_[node] < job.cpu_milli || mem_left_[node] < job.memory_mib)
        fail(j, "node " + std::to_string(node) + " CPU or memory over capacity");
      cpu_left_[node] -= std::min(cpu_left_[node], job.cpu_milli);
      mem_left_[node] -= std::min(mem_left_[node], job.memory_mib);
      for (std::uint32_t k = 0; k < g; ++k) {
        const std::uint32_t gpu = p.gpus[std::size_t{task} * g + k];
        if (gpu < n.first_gpu || gpu >= n.first_gpu + n.gpus) fail(j, "GPU not on its node");
        if (gpu >= gpu_used_.size()) continue;
        if ((milli == 1000 && gpu_used_[gpu] != 0) || gpu_used_[gpu] + milli > 1000)
          fail(j, "GPU " + std::to_string(gpu) + " over capacity");
        gpu_used_[gpu] += milli;
      }
    }
    running_[j] = p;
  }
  void on_preempt(sim::SimTime, sim::JobIndex j) override { release(j, "preempted"); }
  void on_finish(sim::SimTime, sim::JobIndex j, sim::JobStatus s) override {
    if (s != sim::JobStatus::kRejected) release(j, "finished");
  }

  const std::vector<std::string>& failures() const { return failures_; }

 private:
  void release(sim::JobIndex j, const char* what) {
    auto it = running_.find(j);
    if (it == running_.end()) {
      fail(j, std::string(what) + " while not running");
      return;
    }
    const sim::JobSpec& job = workload_.jobs[j];
    const std::uint32_t g = job.gpus_per_task();
    const std::uint32_t milli = job.gpu_milli >= 1000 ? 1000 : job.gpu_milli;
    for (std::uint32_t task = 0; task < job.tasks; ++task) {
      cpu_left_[it->second.task_nodes[task]] += job.cpu_milli;
      mem_left_[it->second.task_nodes[task]] += job.memory_mib;
      for (std::uint32_t k = 0; k < g; ++k)
        gpu_used_[it->second.gpus[std::size_t{task} * g + k]] -= milli;
    }
    running_.erase(it);
  }
  void fail(sim::JobIndex j, const std::string& what) {
    if (failures_.size() < 10) failures_.push_back(workload_.jobs[j].id + ": " + what);
  }

  sim::Cluster cluster_;
  const sim::Workload& workload_;
  std::vector<std::uint32_t> gpu_used_;
  std::vector<std::uint32_t> cpu_left_;
  std::vector<std::uint64_t> mem_left_;
  std::map<sim::JobIndex, sim::Placement> running_;
  std::vector<std::string> failures_;
};

struct Case {
  std::string policy;
  std::string placer;
  std::uint64_t seed = 0;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.policy << " with " << c.placer << ", seed " << c.seed;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto& info : policies::policy_registry()) {
    for (const char* placer : {"pack", "spread", "consolidate"}) {
      for (std::uint64_t seed : {11ULL, 23ULL, 47ULL}) out.push_back({info.name, placer, seed});
    }
  }
  return out;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string s =
      info.param.policy + "_" + info.param.placer + "_" + std::to_string(info.param.seed);
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

const policies::PolicyInfo& info_of(const std::string& name) {
  for (const auto& info : policies::policy_registry()) {
    if (info.name == name) return info;
  }
  throw std::logic_error("no policy " + name);
}

struct Outcome {
  sim::RunResult result;
  std::vector<std::string> failures;
};

Outcome run_once(const Case& c, const sim::ClusterSpec& spec, const sim::Workload& w) {
  sim::SimulationOptions options;
  options.seed = c.seed;
  options.progress_every = 1 << 12;
  sim::Simulation s(spec, w, policies::make_policy(c.policy), policies::make_placer(c.placer),
                    std::make_unique<sim::ObservedRuntime>(), options);
  CapacityObserver observer(spec, w);
  s.add_observer(&observer);
  // A policy that loops (wakeups for ever, preemption ping-pong) is stopped, not waited for.
  std::stop_source stop;
  s.set_progress([&](const sim::Progress& p) {
    if (p.events > 2'000'000) stop.request_stop();
  });
  Outcome o{s.run(stop.get_token()), observer.failures()};
  return o;
}

class PolicyConformance : public testing::TestWithParam<Case> {};

TEST_P(PolicyConformance, SafeWholeDeterministicAndComplete) {
  const Case& c = GetParam();
  std::mt19937_64 rng(c.seed);
  const sim::ClusterSpec spec = random_cluster(rng);
  const sim::Workload w = random_workload(rng);
  const Outcome first = run_once(c, spec, w);
  ASSERT_FALSE(first.result.manifest.cancelled)
      << c.policy << " ran past 2,000,000 events on " << w.jobs.size() << " jobs";
  for (const std::string& f : first.failures)
    ADD_FAILURE() << c.policy << "/" << c.placer << ": " << f;

  const Outcome second = run_once(c, spec, w);
  EXPECT_EQ(first.result.manifest.fingerprint, second.result.manifest.fingerprint)
      << c.policy << " is not deterministic";

  if (!info_of(c.policy).gang) return;  // may deadlock by design
  for (const sim::JobOutcome& o : first.result.jobs) {
    const sim::JobSpec& job = w.jobs[o.job];
    const bool ended =
        o.status == sim::JobStatus::kCompleted || o.status == sim::JobStatus::kFailed;
    EXPECT_TRUE(ended) << c.policy << "/" << c.placer << ": job " << job.id << " (" << job.tasks
                       << " x " << job.gpu_milli << " milli-GPU) ended "
                       << sim::to_string(o.status);
    if (ended && o.start && o.end) {
      EXPECT_GE((*o.end - *o.start).ms(), job.duration.ms()) << job.id << " ran too fast";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyConformance, testing::ValuesIn(all_cases()), case_name);

// Records each job's last start and checks every end against an enforced time limit.
class TimeLimitObserver final : public sim::Observer {
 public:
  TimeLimitObserver(const sim::Workload& w, sim::TimeLimits tl, sim::SimTime origin)
      : w_(w), tl_(tl), origin_(origin), last_start_(w.jobs.size()) {}
  void on_start(sim::SimTime t, sim::JobIndex j, const sim::Placement&) override {
    last_start_[j] = t;
  }
  void on_finish(sim::SimTime t, sim::JobIndex j, sim::JobStatus s) override {
    if (s == sim::JobStatus::kRejected) return;
    const sim::JobSpec& job = w_.jobs[j];
    if (!last_start_[j]) {
      fail(j, "ended without a start");
      return;
    }
    const sim::SimTime start = *last_start_[j];
    if (!job.walltime) {
      if (s == sim::JobStatus::kTimeout) fail(j, "timed out without a time limit");
      return;
    }
    // The kill: limit and grace after the start, at the next check from the run's origin.
    const std::int64_t every = tl_.check_interval.ms();
    const std::int64_t due = (start + *job.walltime + tl_.grace - origin_).ms();
    const sim::SimTime kill = origin_ + sim::SimTime::from_ms((due + every - 1) / every * every);
    if (s == sim::JobStatus::kTimeout && t != kill)
      fail(j, "killed at " + std::to_string(t.ms()) + " ms, due at " + std::to_string(kill.ms()));
    if (s != sim::JobStatus::kTimeout && t > kill)
      fail(j, "ran to " + std::to_string(t.ms()) + " ms past its kill at " +
                  std::to_string(kill.ms()));
    if (s == sim::JobStatus::kTimeout) ++timeouts_;
  }
  const std::vector<std::string>& failures() const { return failures_; }
  std::size_t timeouts() const { return timeouts_; }

 private:
  void fail(sim::JobIndex j, const std::string& what) {
    if (failures_.size() < 10) failures_.push_back(w_.jobs[j].id + ": " + what);
  }
  const sim::Workload& w_;
  sim::TimeLimits tl_;
  sim::SimTime origin_;
  std::vector<std::optional<sim::SimTime>> last_start_;
  std::vector<std::string> failures_;
  std::size_t timeouts_ = 0;
};

std::vector<Case> time_limit_cases() {
  std::vector<Case> out;
  for (const auto& info : policies::policy_registry()) {
    for (std::uint64_t seed : {11ULL, 23ULL}) out.push_back({info.name, "pack", seed});
  }
  return out;
}

class PolicyTimeLimits : public testing::TestWithParam<Case> {};

// With enforced time limits (the same random workloads, most jobs asking for a walltime, some
// for less than they need): every job that reaches its limit is killed exactly when due and no
// other job is; capacity stays safe and every job of a gang policy ends.
TEST_P(PolicyTimeLimits, KillAtTheLimitAndOnlyThere) {
  const Case& c = GetParam();
  std::mt19937_64 rng(c.seed);
  const sim::ClusterSpec spec = random_cluster(rng);
  sim::Workload w = random_workload(rng);
  std::uniform_real_distribution<double> u(0, 1);
  for (sim::JobSpec& j : w.jobs) {
    if (u(rng) < 0.8)
      j.walltime = sim::SimTime::from_seconds(std::ceil(j.duration.seconds() * (0.5 + u(rng))));
  }
  sim::SimulationOptions options;
  options.seed = c.seed;
  options.time_limits.enforce = true;
  options.time_limits.check_interval = sim::SimTime::from_seconds(30);
  options.time_limits.grace = sim::SimTime::from_seconds(c.seed == 11 ? 0 : 60);
  sim::Simulation s(spec, w, policies::make_policy(c.policy), policies::make_placer(c.placer),
                    std::make_unique<sim::ObservedRuntime>(), options);
  CapacityObserver capacity(spec, w);
  sim::SimTime origin = w.jobs.front().submit;
  for (const sim::JobSpec& j : w.jobs) origin = std::min(origin, j.submit);
  TimeLimitObserver limits(w, options.time_limits, origin);
  s.add_observer(&capacity);
  s.add_observer(&limits);
  std::stop_source stop;
  s.set_progress([&](const sim::Progress& p) {
    if (p.events > 2'000'000) stop.request_stop();
  });
  const sim::RunResult r = s.run(stop.get_token());
  ASSERT_FALSE(r.manifest.cancelled) << c.policy << " ran past 2,000,000 events";
  for (const std::string& f : capacity.failures()) ADD_FAILURE() << c.policy << ": " << f;
  for (const std::string& f : limits.failures()) ADD_FAILURE() << c.policy << ": " << f;
  EXPECT_EQ(r.summary.timed_out, limits.timeouts());
  if (!info_of(c.policy).gang) return;
  EXPECT_GT(limits.timeouts(), 0U) << "no job reached its limit: the test tests nothing";
  for (const sim::JobOutcome& o : r.jobs) {
    EXPECT_TRUE(o.status == sim::JobStatus::kCompleted || o.status == sim::JobStatus::kFailed ||
                o.status == sim::JobStatus::kTimeout)
        << c.policy << ": job " << w.jobs[o.job].id << " ended " << sim::to_string(o.status);
  }
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyTimeLimits, testing::ValuesIn(time_limit_cases()),
                         case_name);

class PolicyParams : public testing::TestWithParam<std::string> {};

TEST_P(PolicyParams, RejectsUnknownParameter) {
  const std::string& name = GetParam();
  nlohmann::json params = {{"no_such_parameter_xyz", 1}};
  try {
    policies::make_policy(name, params);
    ADD_FAILURE() << name << " accepted an unknown parameter";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_parameter_xyz"), std::string::npos)
        << name << ": the message should name the parameter: " << e.what();
  }
}

TEST_P(PolicyParams, RejectsParametersThatAreNotAnObject) {
  EXPECT_THROW(policies::make_policy(GetParam(), nlohmann::json::array({1, 2})), sim::InputError);
}

TEST_P(PolicyParams, AcceptsNoParameters) {
  EXPECT_NO_THROW(policies::make_policy(GetParam(), nlohmann::json::object()));
  EXPECT_NO_THROW(policies::make_policy(GetParam(), nlohmann::json()));
}

std::vector<std::string> all_policy_names() {
  std::vector<std::string> out;
  for (const auto& info : policies::policy_registry()) out.push_back(info.name);
  return out;
}

std::string policy_name(const testing::TestParamInfo<std::string>& p) {
  std::string s = p.param;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyParams, testing::ValuesIn(all_policy_names()),
                         policy_name);

}  // namespace
}  // namespace orrery
