#include <fmt/format.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stop_token>

#include "command.hpp"
#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::cli {

Command add_policies(CLI::App& app) {
  CLI::App* c =
      app.add_subcommand("policies", "List the registered scheduling policies and placements");
  return {c, []() {
            std::cout << "Scheduling policies (--policy):\n";
            for (const auto& p : policies::policy_registry())
              std::cout << fmt::format("  {:<16} {}\n", p.name, p.summary);
            std::cout << "Placements (--placement):\n";
            for (const auto& p : policies::placer_registry())
              std::cout << fmt::format("  {:<16} {}\n", p.name, p.summary);
            return 0;
          }};
}

Command add_validate(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* c = app.add_subcommand(
      "validate", "Check a scenario file (and its cluster and trace) and report every problem");
  c->add_option("scenario", *path, "Scenario JSON file")->required();
  return {c, [path]() {
            scenario::Scenario s = scenario::load_scenario(*path);  // throws with every problem
            scenario::RunContext ctx = scenario::load_workload(s);
            std::uint64_t gpus = 0;
            for (const auto& p : s.cluster.pools) gpus += std::uint64_t{p.gpus_per_node} * p.nodes;
            std::cout << fmt::format("{}: ok ({} jobs, {} GPUs in {} pools, {} policies)\n", *path,
                                     ctx.workload.jobs.size(), gpus, s.cluster.pools.size(),
                                     s.policies.size());
            return 0;
          }};
}

}  // namespace orrery::cli
