#include "scenario_io.hpp"

#include <filesystem>

#include "orrery/policies/registry.hpp"

namespace orrery::gui {

namespace fs = std::filesystem;
using nlohmann::json;

scenario::Scenario default_scenario() {
  scenario::Scenario s;
  s.name = "untitled";
  s.cluster.name = "cluster";
  sim::NodePoolSpec pool;
  pool.name = "a100";
  pool.gpu_type = "A100-80";
  pool.gpus_per_node = 8;
  pool.nodes = 8;
  pool.cpu_cores = 128;
  pool.memory_mib = 1024 * 1024;
  s.cluster.pools.push_back(pool);
  s.cluster_source = "inline";
  s.policies.push_back({"fifo", json::object()});
  return s;
}

std::string price_kind_name(sim::PoolPrice::Kind kind) {
  using Kind = sim::PoolPrice::Kind;
  switch (kind) {
    case Kind::kOnDemand:
      return "on-demand";
    case Kind::kReserved:
      return "reserved";
    case Kind::kSpot:
      return "spot";
    case Kind::kOnPrem:
      return "on-prem";
    case Kind::kNone:
      break;
  }
  return "";
}

sim::PoolPrice::Kind price_kind_from_name(const std::string& name) {
  using Kind = sim::PoolPrice::Kind;
  if (name == "on-demand") return Kind::kOnDemand;
  if (name == "reserved") return Kind::kReserved;
  if (name == "spot") return Kind::kSpot;
  if (name == "on-prem") return Kind::kOnPrem;
  return Kind::kNone;
}

namespace {

json price_json(const sim::PoolPrice& p) {
  json j = {{"kind", price_kind_name(p.kind)}};
  if (p.kind == sim::PoolPrice::Kind::kOnPrem) {
    j["capex_per_node"] = p.capex_per_node;
    j["amortization_years"] = p.amortization_years;
    j["ops_per_node_year"] = p.ops_per_node_year;
    j["power_idle_kw"] = p.power_idle_kw;
    j["power_load_kw"] = p.power_load_kw;
    j["pue"] = p.pue;
    j["price_per_kwh"] = p.price_per_kwh;
    return j;
  }
  j["per_gpu_hour"] = p.per_gpu_hour;
  j["billing_granularity_s"] = p.billing_granularity_s;
  if (p.kind == sim::PoolPrice::Kind::kReserved) j["reserved_term_years"] = p.reserved_term_years;
  if (p.kind == sim::PoolPrice::Kind::kSpot) {
    j["spot_interruptions_per_node_hour"] = p.spot_interruptions_per_node_hour;
    j["spot_recovery_s"] = p.spot_recovery_s;
  }
  return j;
}

// `target` relative to `dir` when it lies under it, else absolute.
std::string relative_if_inside(const std::string& target, const fs::path& dir) {
  if (target.empty()) return target;
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(fs::absolute(target), ec);
  if (ec) return target;
  const fs::path base = fs::weakly_canonical(fs::absolute(dir), ec);
  if (ec) return abs.string();
  const fs::path rel = abs.lexically_relative(base);
  if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
  return abs.string();
}

}  // namespace

json scenario_file_json(const scenario::Scenario& s, const std::string& path) {
  json j = scenario::scenario_json(s);
  // The cluster is always written inline: the file alone says what was simulated.
  json& cluster = j["cluster"];
  cluster.erase("source");
  json& pools = cluster["pools"];
  for (std::size_t i = 0; i < s.cluster.pools.size() && i < pools.size(); ++i) {
    const sim::NodePoolSpec& p = s.cluster.pools[i];
    if (p.price.kind != sim::PoolPrice::Kind::kNone) pools[i]["price"] = price_json(p.price);
    if (p.autoscale.enabled) {
      pools[i]["autoscale"] = {{"enabled", true},
                               {"min_nodes", p.autoscale.min_nodes},
                               {"scale_up_after_s", p.autoscale.scale_up_after_s},
                               {"provisioning_delay_s", p.autoscale.provisioning_delay_s},
                               {"scale_down_after_s", p.autoscale.scale_down_after_s}};
    }
  }
  const fs::path dir = fs::absolute(path).parent_path();
  j["workload"]["trace"] = relative_if_inside(s.trace_path, dir);
  if (!s.calibration_path.empty() && !j.contains("calibration"))
    j["calibration"] = relative_if_inside(s.calibration_path, dir);
  return j;
}

void save_scenario(const scenario::Scenario& s, const std::string& path) {
  scenario::write_file_atomic(path, scenario_file_json(s, path).dump(2) + "\n");
}

}  // namespace orrery::gui
