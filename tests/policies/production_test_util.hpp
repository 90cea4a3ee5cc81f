// Helpers for the production-policy tests: run a workload under a policy and read back when
// each job started and ended, and where.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery::test::prod {

struct Recorder : sim::Observer {
  std::map<sim::JobIndex, std::vector<std::pair<double, sim::Placement>>> starts;
  std::map<sim::JobIndex, std::vector<double>> preempts;
  void on_start(sim::SimTime t, sim::JobIndex j, const sim::Placement& p) override {
    starts[j].emplace_back(t.seconds(), p);
  }
  void on_preempt(sim::SimTime t, sim::JobIndex j) override { preempts[j].push_back(t.seconds()); }
};

struct Run {
  sim::RunResult result;
  Recorder rec;
  double start(sim::JobIndex j) const {
    return result.jobs[j].start ? result.jobs[j].start->seconds() : -1;
  }
  double end(sim::JobIndex j) const {
    return result.jobs[j].end ? result.jobs[j].end->seconds() : -1;
  }
  sim::JobStatus status(sim::JobIndex j) const { return result.jobs[j].status; }
  std::uint32_t preemptions(sim::JobIndex j) const { return result.jobs[j].preemptions; }
  // The node of the first task of the job's first start.
  std::uint32_t first_node(sim::JobIndex j) const {
    return rec.starts.at(j).front().second.task_nodes.front();
  }
};

inline Run run(const sim::ClusterSpec& cluster, const sim::Workload& w, const std::string& policy,
               const nlohmann::json& params = nlohmann::json::object(),
               const std::string& placer = "pack") {
  Run r;
  sim::Simulation s(cluster, w, policies::make_policy(policy, params),
                    policies::make_placer(placer), std::make_unique<sim::ObservedRuntime>());
  s.add_observer(&r.rec);
  r.result = s.run();
  return r;
}

// Sets a job's trace queue (interned) and priority.
inline void set_queue(sim::Workload& w, sim::JobIndex j, const std::string& queue) {
  w.jobs[j].queue = w.queues.intern(queue);
}
inline void set_user(sim::Workload& w, sim::JobIndex j, const std::string& user) {
  w.jobs[j].user = w.users.intern(user);
}

}  // namespace orrery::test::prod
