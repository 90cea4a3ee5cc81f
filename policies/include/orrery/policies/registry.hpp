// The registry of scheduling policies and placement strategies, by name.
//
// Adding a policy is one file in policies/src plus one line in registry.cpp. The registry is one
// explicit list and refuses duplicate names. Parameters arrive as the JSON object given in the
// scenario (`{"name": "easy-backfill", "params": {...}}`); each policy parses them into its own
// typed struct and rejects unknown keys and out-of-range values with an InputError.
//
//   auto policy = orrery::policies::make_policy("fifo-skip");
//   auto placer = orrery::policies::make_placer("pack");
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "orrery/sim/scheduler.hpp"

namespace orrery::policies {

struct PolicyInfo {
  std::string name;
  std::string summary;  // one line for `orrery policies`
  std::function<std::unique_ptr<sim::Policy>(const nlohmann::json& params)> make;
  bool gang = true;  // false: binds tasks one by one and can deadlock (conformance tests know)
};

struct PlacerInfo {
  std::string name;
  std::string summary;
  std::function<std::unique_ptr<sim::Placer>()> make;
};

const std::vector<PolicyInfo>& policy_registry();
const std::vector<PlacerInfo>& placer_registry();

// Throw sim::InputError naming the known names when `name` is unknown, or when params are bad.
// `where` says where the name came from, for the message (e.g. "--policy" or "scenario.json").
std::unique_ptr<sim::Policy> make_policy(std::string_view name, const nlohmann::json& params,
                                         const std::string& where = "policy");
std::unique_ptr<sim::Policy> make_policy(std::string_view name);
std::unique_ptr<sim::Placer> make_placer(std::string_view name,
                                         const std::string& where = "placement");
bool has_policy(std::string_view name);
bool has_placer(std::string_view name);

}  // namespace orrery::policies
