// Helpers for the research policies' hand-worked tests: run one policy and read start and end
// times in seconds.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery::test {

inline sim::RunResult run_policy(const sim::ClusterSpec& cluster, const sim::Workload& w,
                                 const std::string& policy,
                                 const nlohmann::json& params = nlohmann::json::object(),
                                 const std::string& placer = "pack",
                                 std::unique_ptr<sim::RuntimeModel> runtime = nullptr) {
  if (!runtime) runtime = std::make_unique<sim::ObservedRuntime>();
  sim::Simulation s(cluster, w, policies::make_policy(policy, params),
                    policies::make_placer(placer), std::move(runtime));
  return s.run();
}

inline double start_s(const sim::RunResult& r, sim::JobIndex j) {
  return r.jobs[j].start ? r.jobs[j].start->seconds() : -1;
}
inline double end_s(const sim::RunResult& r, sim::JobIndex j) {
  return r.jobs[j].end ? r.jobs[j].end->seconds() : -1;
}

// A cluster with one pool per entry: {gpu type, nodes, GPUs per node}.
struct PoolShape {
  std::string type;
  std::uint32_t nodes;
  std::uint32_t gpus;
};
inline sim::ClusterSpec pools_cluster(const std::vector<PoolShape>& shapes) {
  sim::ClusterSpec c;
  c.name = "test";
  for (const PoolShape& s : shapes) {
    sim::NodePoolSpec p;
    p.name = s.type;
    p.gpu_type = s.type;
    p.nodes = s.nodes;
    p.gpus_per_node = s.gpus;
    c.pools.push_back(p);
  }
  return c;
}

}  // namespace orrery::test
