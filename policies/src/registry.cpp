#include "orrery/policies/registry.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "orrery/policies/placers.hpp"
#include "orrery/sim/problems.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {
template <typename Info>
std::vector<Info> checked(std::vector<Info> list) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k) {
      if (list[i].name == list[k].name)
        throw std::logic_error("registry: duplicate name " + list[i].name);
    }
  }
  return list;
}

template <typename Info>
const Info* find(const std::vector<Info>& list, std::string_view name) {
  for (const Info& i : list) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

template <typename Info>
std::string names(const std::vector<Info>& list) {
  std::string s;
  for (const Info& i : list) s += (s.empty() ? "" : ", ") + i.name;
  return s;
}
}  // namespace

const std::vector<PolicyInfo>& policy_registry() {
  static const std::vector<PolicyInfo> list = [] {
    std::vector<PolicyInfo> all = {
        fifo_policy(), fifo_skip_policy(), sjf_policy(), srtf_policy(), easy_backfill_policy(),
    };
    for (auto& p : research_policies()) all.push_back(std::move(p));
    for (auto& p : production_policies()) all.push_back(std::move(p));
    return checked<PolicyInfo>(std::move(all));
  }();
  return list;
}

const std::vector<PlacerInfo>& placer_registry() {
  static const std::vector<PlacerInfo> list = [] {
    std::vector<PlacerInfo> all = {
        {"pack", "best fit: fewest free GPUs that still fit, gang tasks packed together",
         make_pack_placer},
        {"spread", "least allocated: largest free share of GPUs first", make_spread_placer},
        {"consolidate", "fewest nodes, then fewest racks; GPUs inside one NVLink domain",
         make_consolidate_placer},
    };
    for (auto& p : research_placers()) all.push_back(std::move(p));
    for (auto& p : sharing_placers()) all.push_back(std::move(p));
    return checked<PlacerInfo>(std::move(all));
  }();
  return list;
}

std::unique_ptr<sim::Policy> make_policy(std::string_view name, const nlohmann::json& params,
                                         const std::string& where) {
  const PolicyInfo* info = find(policy_registry(), name);
  if (!info) {
    throw sim::InputError(where, "unknown policy '" + std::string(name) +
                                     "' (known: " + names(policy_registry()) + ")");
  }
  try {
    return info->make(params);
  } catch (const sim::InputError& e) {
    if (where == "policy") throw;
    // A bad parameter names where the policy came from too (the scenario file and its entry).
    std::vector<sim::Problem> problems;
    for (const auto& p : e.problems())
      problems.push_back({p.where.empty() ? where : where + ": " + p.where, p.what});
    throw sim::InputError(std::move(problems));
  }
}

std::unique_ptr<sim::Policy> make_policy(std::string_view name) {
  return make_policy(name, nlohmann::json::object());
}

std::unique_ptr<sim::Placer> make_placer(std::string_view name, const std::string& where) {
  const PlacerInfo* info = find(placer_registry(), name);
  if (!info) {
    throw sim::InputError(where, "unknown placement '" + std::string(name) +
                                     "' (known: " + names(placer_registry()) + ")");
  }
  return info->make();
}

bool has_policy(std::string_view name) {
  return find(policy_registry(), name) != nullptr;
}
bool has_placer(std::string_view name) {
  return find(placer_registry(), name) != nullptr;
}

}  // namespace orrery::policies
