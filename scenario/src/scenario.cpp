#include "orrery/scenario/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "orrery/policies/registry.hpp"

namespace orrery::scenario {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Reads typed members of one JSON object, recording problems under `path` (e.g. "pools[1]").
class ObjectReader {
 public:
  ObjectReader(const json& j, std::string where, std::string path, sim::Problems& problems)
      : j_(j), where_(std::move(where)), path_(std::move(path)), problems_(problems) {
    if (!j_.is_object()) {
      problems_.add(loc(""), "must be a JSON object, got " + kind(j_));
      ok_ = false;
    }
  }
  bool ok() const { return ok_; }
  std::string loc(const std::string& key) const {
    std::string p = path_;
    if (!key.empty()) p += (p.empty() ? "" : ".") + key;
    return where_ + (p.empty() ? "" : ": " + p);
  }
  bool has(const std::string& key) {
    seen_.insert(key);
    return ok_ && j_.contains(key) && !j_.at(key).is_null();
  }
  const json& at(const std::string& key) const { return j_.at(key); }

  std::optional<std::string> string(const std::string& key, bool required) {
    if (!has(key)) {
      if (required) problems_.add(loc(key), "is required");
      return std::nullopt;
    }
    const json& v = j_.at(key);
    if (!v.is_string()) {
      problems_.add(loc(key), "must be a string, got " + kind(v));
      return std::nullopt;
    }
    return v.get<std::string>();
  }

  std::optional<double> number(const std::string& key, bool required, double min, double max) {
    if (!has(key)) {
      if (required) problems_.add(loc(key), "is required");
      return std::nullopt;
    }
    const json& v = j_.at(key);
    if (!v.is_number()) {
      problems_.add(loc(key), "must be a number, got " + kind(v));
      return std::nullopt;
    }
    const double x = v.get<double>();
    if (x < min) {
      problems_.add(loc(key), "must be >= " + num(min) + ", got " + v.dump());
      return std::nullopt;
    }
    if (x > max) {
      problems_.add(loc(key), "must be <= " + num(max) + ", got " + v.dump());
      return std::nullopt;
    }
    return x;
  }

  std::optional<std::uint64_t> integer(const std::string& key, bool required, double min,
                                       double max) {
    auto x = number(key, required, min, max);
    if (!x) return std::nullopt;
    if (*x != static_cast<double>(static_cast<std::uint64_t>(*x))) {
      problems_.add(loc(key), "must be a whole number, got " + j_.at(key).dump());
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(*x);
  }

  std::optional<bool> boolean(const std::string& key) {
    if (!has(key)) return std::nullopt;
    const json& v = j_.at(key);
    if (!v.is_boolean()) {
      problems_.add(loc(key), "must be true or false, got " + kind(v));
      return std::nullopt;
    }
    return v.get<bool>();
  }

  void finish() {
    if (!ok_) return;
    for (const auto& [key, value] : j_.items()) {
      if (!seen_.count(key)) {
        std::string known;
        for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
        problems_.add(loc(key), "unknown key (known: " + known + ")");
      }
    }
  }

  static std::string kind(const json& v) {
    if (v.is_string()) return "a string " + v.dump();
    if (v.is_number()) return "the number " + v.dump();
    if (v.is_boolean()) return v.dump();
    if (v.is_null()) return "null";
    if (v.is_array()) return "an array";
    return "an object";
  }
  static std::string num(double x) {
    std::ostringstream s;
    s << x;
    return s.str();
  }

 private:
  const json& j_;
  std::string where_, path_;
  sim::Problems& problems_;
  std::set<std::string> seen_;
  bool ok_ = true;
};

std::string resolve(const std::string& base_file, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || base_file.empty()) return p;
  return (fs::path(base_file).parent_path() / p).lexically_normal().string();
}

}  // namespace

sim::SimulationOptions Scenario::default_options() {
  sim::SimulationOptions o;
  // Checkpoint costs: save and restore grow with the job (model and optimizer state); an hour
  // of work between periodic checkpoints. Orders of magnitude from CheckFreq (Mohan et al.,
  // FAST'21) and Gemini (Wang et al., SOSP'23); see docs/runtime-model.md.
  o.overheads.checkpoint_interval = sim::SimTime::from_seconds(3600);
  o.overheads.save_base_s = 10;
  o.overheads.save_per_gpu_s = 0.5;
  o.overheads.restore_base_s = 20;
  o.overheads.restore_per_gpu_s = 1.0;
  // Enforced time limits are checked every 30 s, as slurmctld does (PERIODIC_TIMEOUT).
  o.time_limits.check_interval = sim::SimTime::from_seconds(30);
  return o;
}

std::unique_ptr<sim::RuntimeModel> make_runtime(const Scenario& s, const sim::Workload& workload) {
  if (s.runtime_model == "observed") return std::make_unique<sim::ObservedRuntime>();
  return std::make_unique<sim::ModelRuntime>(s.runtime, workload);
}

namespace {
// "runtime": {...}: the runtime model and the overheads (docs/runtime-model.md).
// "calibration": PROFILE.json, as `orrery calibrate` writes it (docs/calibration.md): its
// simulation_options map onto SimulationOptions (scheduler tick, launch and completion latency).
void apply_calibration_profile(const std::string& file, sim::SimulationOptions& o,
                               sim::Problems& problems) {
  json p;
  try {
    p = json_read_file(file);
  } catch (const sim::InputError& e) {
    for (const auto& x : e.problems()) problems.add(x.where, x.what);
    return;
  }
  if (!p.is_object() || p.value("format", json()) != "orrery-calibration-profile" ||
      !p.contains("simulation_options")) {
    problems.add(file, "not an orrery calibration profile (see docs/calibration.md)");
    return;
  }
  ObjectReader r(p.at("simulation_options"), file, "simulation_options", problems);
  if (!r.ok()) return;
  if (auto v = r.number("scheduler_interval_s", false, 0, 1e6))
    o.scheduler_interval = sim::SimTime::from_seconds(*v);
  if (auto v = r.number("launch_latency_s", false, 0, 1e6))
    o.overheads.launch_latency = sim::SimTime::from_seconds(*v);
  if (auto v = r.number("completion_latency_s", false, 0, 1e6))
    o.overheads.completion_latency = sim::SimTime::from_seconds(*v);
  r.number("scheduler_phase_s", false, 0, 1e6);  // the live run's own tick phase: not predictive
  r.finish();
}

void parse_runtime(const json& j, const std::string& path, Scenario& s, sim::Problems& problems) {
  ObjectReader r(j, path, "runtime", problems);
  if (!r.ok()) return;
  if (auto m = r.string("model", false)) {
    if (*m != "model" && *m != "observed") {
      problems.add(r.loc("model"), "must be \"model\" or \"observed\", got \"" + *m + "\"");
    } else {
      s.runtime_model = *m;
    }
  }
  if (auto v = r.string("observed_gpu_type", false)) s.runtime.observed_gpu_type = *v;
  if (auto v = r.boolean("placement_slowdown")) s.runtime.placement_slowdown = *v;
  if (auto v = r.number("sharing_interference", false, 0, 100)) s.runtime.sharing_interference = *v;
  if (r.has("throughput")) {
    const json& t = r.at("throughput");
    if (!t.is_object()) {
      problems.add(r.loc("throughput"),
                   "must be an object {class: {gpu_type: relative throughput}}");
    } else {
      for (const auto& [cls, row] : t.items()) {
        if (!row.is_object()) {
          problems.add(r.loc("throughput." + cls),
                       "must be an object {gpu_type: relative throughput}");
          continue;
        }
        for (const auto& [type, v] : row.items()) {
          if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 1e4) {
            problems.add(r.loc("throughput." + cls + "." + type),
                         "must be a number > 0, got " + v.dump());
          } else {
            s.runtime.throughput.set(cls, type, v.get<double>());
          }
        }
      }
    }
  }
  if (r.has("comm_fraction")) {
    const json& c = r.at("comm_fraction");
    if (!c.is_object()) {
      problems.add(r.loc("comm_fraction"), "must be an object {class: share in [0, 1]}");
    } else {
      for (const auto& [cls, v] : c.items()) {
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
          problems.add(r.loc("comm_fraction." + cls),
                       "must be a number in [0, 1], got " + v.dump());
        } else {
          s.runtime.throughput.set_profile(cls, sim::JobClassProfile{v.get<double>()});
        }
      }
    }
  }
  auto& oh = s.options.overheads;
  if (auto v = r.number("launch_latency_s", false, 0, 1e6))
    oh.launch_latency = sim::SimTime::from_seconds(*v);
  if (auto v = r.number("completion_latency_s", false, 0, 1e6))
    oh.completion_latency = sim::SimTime::from_seconds(*v);
  if (auto v = r.number("checkpoint_interval_s", false, 0, 1e9))
    oh.checkpoint_interval = sim::SimTime::from_seconds(*v);
  for (const char* which : {"checkpoint_save_s", "checkpoint_restore_s"}) {
    if (!r.has(which)) continue;
    ObjectReader c(r.at(which), path, std::string("runtime.") + which, problems);
    if (!c.ok()) continue;
    const bool save = std::string(which) == "checkpoint_save_s";
    double& base = save ? oh.save_base_s : oh.restore_base_s;
    double& per_gpu = save ? oh.save_per_gpu_s : oh.restore_per_gpu_s;
    if (auto v = c.number("base", false, 0, 1e6)) base = *v;
    if (auto v = c.number("per_gpu", false, 0, 1e6)) per_gpu = *v;
    c.finish();
  }
  r.finish();
}
}  // namespace

json json_read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sim::InputError(path, "cannot open: " + std::string(std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::parse_error& e) {
    std::string msg = e.what();
    const auto at = msg.find("parse error");
    throw sim::InputError(path,
                          "invalid JSON: " + (at == std::string::npos ? msg : msg.substr(at)));
  } catch (const json::exception& e) {
    // Valid syntax the parser still refuses: a number too large for a double (1e400).
    throw sim::InputError(path, std::string("invalid JSON: ") + e.what());
  }
}

namespace {
// pools[i].price (docs/cost.md).
void parse_price(const json& j, const std::string& where, const std::string& path,
                 sim::PoolPrice& price, sim::Problems& problems) {
  ObjectReader r(j, where, path, problems);
  if (!r.ok()) return;
  using Kind = sim::PoolPrice::Kind;
  if (auto k = r.string("kind", true)) {
    if (*k == "on-demand")
      price.kind = Kind::kOnDemand;
    else if (*k == "reserved")
      price.kind = Kind::kReserved;
    else if (*k == "spot")
      price.kind = Kind::kSpot;
    else if (*k == "on-prem")
      price.kind = Kind::kOnPrem;
    else
      problems.add(r.loc("kind"),
                   "must be one of on-demand, reserved, spot, on-prem, got \"" + *k + "\"");
  }
  if (auto v = r.number("per_gpu_hour", false, 0, 1e6)) price.per_gpu_hour = *v;
  if (auto v = r.number("billing_granularity_s", false, 0.001, 1e7))
    price.billing_granularity_s = *v;
  if (auto v = r.number("reserved_term_years", false, 0, 100)) price.reserved_term_years = *v;
  if (auto v = r.number("spot_interruptions_per_node_hour", false, 0, 1e4))
    price.spot_interruptions_per_node_hour = *v;
  if (auto v = r.number("spot_recovery_s", false, 0, 1e7)) price.spot_recovery_s = *v;
  if (auto v = r.number("capex_per_node", false, 0, 1e9)) price.capex_per_node = *v;
  if (auto v = r.number("amortization_years", false, 0.01, 100)) price.amortization_years = *v;
  if (auto v = r.number("ops_per_node_year", false, 0, 1e9)) price.ops_per_node_year = *v;
  if (auto v = r.number("power_idle_kw", false, 0, 1e4)) price.power_idle_kw = *v;
  if (auto v = r.number("power_load_kw", false, 0, 1e4)) price.power_load_kw = *v;
  if (auto v = r.number("pue", false, 1, 10)) price.pue = *v;
  if (auto v = r.number("price_per_kwh", false, 0, 1e4)) price.price_per_kwh = *v;
  if (price.power_load_kw < price.power_idle_kw) {
    problems.add(r.loc("power_load_kw"), "must be >= power_idle_kw");
  }
  if (price.kind != Kind::kSpot && price.spot_interruptions_per_node_hour > 0) {
    problems.add(r.loc("spot_interruptions_per_node_hour"), "applies to kind \"spot\" only");
  }
  r.finish();
}
}  // namespace

sim::ClusterSpec parse_cluster(const json& j, const std::string& where, sim::Problems& problems) {
  sim::ClusterSpec spec;
  ObjectReader r(j, where, "", problems);
  if (!r.ok()) return spec;
  spec.name = r.string("name", false).value_or("");
  if (!r.has("pools")) {
    problems.add(r.loc("pools"), "is required (a list of node pools)");
  } else if (!r.at("pools").is_array() || r.at("pools").empty()) {
    problems.add(r.loc("pools"), "must be a non-empty array of node pools");
  } else {
    std::set<std::string> names;
    const json& pools = r.at("pools");
    for (std::size_t i = 0; i < pools.size(); ++i) {
      const std::string path = "pools[" + std::to_string(i) + "]";
      ObjectReader p(pools[i], where, path, problems);
      if (!p.ok()) continue;
      sim::NodePoolSpec pool;
      pool.name = p.string("name", false).value_or("pool" + std::to_string(i));
      if (!names.insert(pool.name).second)
        problems.add(p.loc("name"), "duplicate pool name \"" + pool.name + "\"");
      pool.gpu_type = p.string("gpu_type", false).value_or("");
      if (auto v = p.integer("gpus_per_node", true, 0, 64))
        pool.gpus_per_node = static_cast<std::uint32_t>(*v);
      if (pool.gpus_per_node > 0 && pool.gpu_type.empty())
        problems.add(p.loc("gpu_type"), "is required for a pool with GPUs");
      if (auto v = p.integer("nodes", true, 1, 1'000'000))
        pool.nodes = static_cast<std::uint32_t>(*v);
      if (auto v = p.integer("cpu_cores", false, 1, 100'000))
        pool.cpu_cores = static_cast<std::uint32_t>(*v);
      if (auto v = p.number("memory_gib", false, 1, 1e6))
        pool.memory_mib = static_cast<std::uint64_t>(*v * 1024.0);
      if (auto v = p.integer("nvlink_domain", false, 0, 64)) {
        pool.nvlink_domain = static_cast<std::uint32_t>(*v);
        if (pool.nvlink_domain > 0 && pool.gpus_per_node % pool.nvlink_domain != 0) {
          problems.add(p.loc("nvlink_domain"), "must divide gpus_per_node (" +
                                                   std::to_string(pool.gpus_per_node) + "), got " +
                                                   std::to_string(*v));
        }
      }
      if (auto v = p.string("sharing", false)) {
        if (*v == "mig") {
          pool.sharing = sim::NodePoolSpec::Sharing::kMig;
        } else if (*v != "time-slicing") {
          problems.add(p.loc("sharing"), "must be \"time-slicing\" or \"mig\", got \"" + *v + "\"");
        }
      }
      if (p.has("price")) parse_price(p.at("price"), where, path + ".price", pool.price, problems);
      if (p.has("autoscale")) {
        ObjectReader a(p.at("autoscale"), where, path + ".autoscale", problems);
        if (a.ok()) {
          pool.autoscale.enabled = a.boolean("enabled").value_or(true);
          if (auto v = a.integer("min_nodes", false, 0, 1'000'000))
            pool.autoscale.min_nodes = static_cast<std::uint32_t>(*v);
          if (pool.autoscale.min_nodes > pool.nodes) {
            problems.add(a.loc("min_nodes"),
                         "must be <= nodes (the maximum, " + std::to_string(pool.nodes) + ")");
          }
          if (auto v = a.number("scale_up_after_s", false, 0, 1e7))
            pool.autoscale.scale_up_after_s = *v;
          if (auto v = a.number("provisioning_delay_s", false, 0, 1e7))
            pool.autoscale.provisioning_delay_s = *v;
          if (auto v = a.number("scale_down_after_s", false, 0, 1e7))
            pool.autoscale.scale_down_after_s = *v;
          a.finish();
        }
      }
      p.finish();
      spec.pools.push_back(pool);
    }
  }
  if (r.has("topology")) {
    ObjectReader t(r.at("topology"), where, "topology", problems);
    if (t.ok()) {
      if (auto v = t.integer("nodes_per_rack", false, 1, 1e6))
        spec.topology.nodes_per_rack = static_cast<std::uint32_t>(*v);
      if (auto v = t.number("nvlink_gbps", false, 0.001, 1e6)) spec.topology.nvlink_gbps = *v;
      if (auto v = t.number("pcie_gbps", false, 0.001, 1e6)) spec.topology.pcie_gbps = *v;
      if (auto v = t.number("node_link_gbps", false, 0.001, 1e6)) spec.topology.node_link_gbps = *v;
      if (auto v = t.number("rack_uplink_gbps", false, 0.001, 1e6))
        spec.topology.rack_uplink_gbps = *v;
      t.finish();
    }
  }
  r.finish();
  std::uint64_t gpus = 0;
  for (const auto& p : spec.pools) gpus += std::uint64_t{p.gpus_per_node} * p.nodes;
  if (gpus > 10'000'000)
    problems.add(where + ": pools",
                 "more than 10 million GPUs in total (" + std::to_string(gpus) + ")");
  return spec;
}

sim::ClusterSpec load_cluster(const std::string& path) {
  sim::Problems problems;
  sim::ClusterSpec spec = parse_cluster(json_read_file(path), path, problems);
  problems.throw_if_any();
  return spec;
}

void validate(const Scenario& s, sim::Problems& problems) {
  const std::string where = s.path.empty() ? "scenario" : s.path;
  if (s.policies.empty()) problems.add(where + ": policies", "at least one policy is required");
  for (std::size_t i = 0; i < s.policies.size(); ++i) {
    try {
      policies::make_policy(s.policies[i].name, s.policies[i].params,
                            where + ": policies[" + std::to_string(i) + "]");
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) problems.add(p.where, p.what);
    }
  }
  if (!policies::has_placer(s.placement)) {
    try {
      policies::make_placer(s.placement, where + ": placement");
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) problems.add(p.where, p.what);
    }
  }
  if (s.trace_path.empty()) {
    problems.add(where + ": workload.trace", "is required");
  } else if (!fs::exists(s.trace_path)) {
    problems.add(where + ": workload.trace", "file not found: " + s.trace_path);
  }
  if (s.cluster.pools.empty()) problems.add(where + ": cluster", "has no node pools");
  if (s.options.sample_interval.ms() <= 0)
    problems.add(where + ": options.sample_interval_s", "must be > 0");
}

Scenario load_scenario(const std::string& path) {
  sim::Problems problems;
  const json j = json_read_file(path);
  Scenario s;
  s.path = path;
  ObjectReader r(j, path, "", problems);
  if (!r.ok()) problems.throw_if_any();
  s.name = r.string("name", false).value_or(fs::path(path).stem().string());
  if (!r.has("cluster")) {
    problems.add(r.loc("cluster"),
                 "is required (a file name, an inline cluster object or {\"import\": FILE, "
                 "\"format\": NAME})");
  } else if (r.at("cluster").is_string()) {
    s.cluster_source = resolve(path, r.at("cluster").get<std::string>());
    try {
      s.cluster = load_cluster(s.cluster_source);
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) problems.add(p.where, p.what);
    }
  } else if (r.at("cluster").is_object() && r.at("cluster").contains("import")) {
    // An imported machine/node list: {"import": FILE, "format": "openb-nodes", "strict": false}.
    ObjectReader c(r.at("cluster"), path, "cluster", problems);
    const auto file = c.string("import", true);
    const auto format = c.string("format", true);
    traces::ImportOptions opts;
    opts.strict = c.boolean("strict").value_or(false);
    c.finish();
    if (file && format) {
      s.cluster_source = resolve(path, *file);
      try {
        s.cluster = traces::import_cluster(s.cluster_source, *format, opts);
      } catch (const sim::InputError& e) {
        for (const auto& p : e.problems()) problems.add(p.where, p.what);
      }
    }
  } else {
    s.cluster_source = "inline";
    s.cluster = parse_cluster(r.at("cluster"), path + ": cluster", problems);
  }
  if (!r.has("workload")) {
    problems.add(r.loc("workload"), "is required ({\"trace\": FILE, \"format\": \"auto\"})");
  } else {
    ObjectReader w(r.at("workload"), path, "workload", problems);
    if (w.ok()) {
      if (auto t = w.string("trace", true)) s.trace_path = resolve(path, *t);
      s.trace_format = w.string("format", false).value_or("auto");
      s.strict = w.boolean("strict").value_or(false);
      if (w.has("transforms"))
        s.transforms =
            traces::parse_transforms(w.at("transforms"), path + ": workload.transforms", problems);
      w.finish();
    }
  }
  if (!r.has("policies")) {
    problems.add(r.loc("policies"),
                 "is required (a list of policy names or {\"name\", \"params\"} objects)");
  } else if (!r.at("policies").is_array()) {
    problems.add(r.loc("policies"), "must be an array");
  } else {
    const json& list = r.at("policies");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string pp = "policies[" + std::to_string(i) + "]";
      if (list[i].is_string()) {
        s.policies.push_back({list[i].get<std::string>(), json::object()});
      } else {
        ObjectReader p(list[i], path, pp, problems);
        if (!p.ok()) continue;
        PolicyChoice c;
        c.name = p.string("name", true).value_or("");
        if (p.has("params")) c.params = p.at("params");
        p.finish();
        s.policies.push_back(c);
      }
    }
  }
  s.placement = r.string("placement", false).value_or("pack");
  if (auto v = r.integer("seed", false, 0, 9.0e15)) s.options.seed = *v;
  // A calibration profile (orrery calibrate) first, so explicit options and runtime override it.
  if (auto c = r.string("calibration", false)) {
    s.calibration_path = resolve(path, *c);
    apply_calibration_profile(s.calibration_path, s.options, problems);
  }
  if (r.has("options")) {
    ObjectReader o(r.at("options"), path, "options", problems);
    if (o.ok()) {
      if (auto v = o.number("sample_interval_s", false, 0.001, 1e9))
        s.options.sample_interval = sim::SimTime::from_seconds(*v);
      if (auto v = o.number("scheduler_interval_s", false, 0, 1e6))
        s.options.scheduler_interval = sim::SimTime::from_seconds(*v);
      if (auto v = o.number("end_time_s", false, 0, 1e12))
        s.options.end_time = sim::SimTime::from_seconds(*v);
      if (auto v = o.boolean("replay_observed_failures")) s.options.replay_observed_failures = *v;
      o.finish();
    }
  }
  if (r.has("runtime")) parse_runtime(r.at("runtime"), path, s, problems);
  if (r.has("failures")) {
    ObjectReader f(r.at("failures"), path, "failures", problems);
    if (f.ok()) {
      auto& fm = s.options.failures;
      if (auto v = f.number("node_mtbf_hours", false, 0, 1e9)) fm.node_mtbf_hours = *v;
      if (auto v = f.number("repair_hours", false, 0, 1e6)) fm.repair_hours = *v;
      if (auto v = f.integer("max_retries", false, 0, 1e6))
        fm.max_retries = static_cast<std::uint32_t>(*v);
      f.finish();
    }
  }
  if (r.has("time_limits")) {
    ObjectReader t(r.at("time_limits"), path, "time_limits", problems);
    if (t.ok()) {
      auto& tl = s.options.time_limits;
      if (auto v = t.boolean("enforce")) tl.enforce = *v;
      if (auto v = t.number("grace_s", false, 0, 1e9)) tl.grace = sim::SimTime::from_seconds(*v);
      if (auto v = t.number("check_interval_s", false, 0, 1e6))
        tl.check_interval = sim::SimTime::from_seconds(*v);
      t.finish();
    }
  }
  r.finish();
  if (problems.empty()) validate(s, problems);
  problems.throw_if_any();
  return s;
}

json scenario_json(const Scenario& s) {
  json pols = json::array();
  for (const auto& p : s.policies) pols.push_back({{"name", p.name}, {"params", p.params}});
  json pools = json::array();
  for (const auto& p : s.cluster.pools) {
    pools.push_back(
        {{"name", p.name},
         {"gpu_type", p.gpu_type},
         {"gpus_per_node", p.gpus_per_node},
         {"nodes", p.nodes},
         {"cpu_cores", p.cpu_cores},
         {"memory_gib", static_cast<double>(p.memory_mib) / 1024.0},
         {"nvlink_domain", p.nvlink_domain},
         {"sharing", p.sharing == sim::NodePoolSpec::Sharing::kMig ? "mig" : "time-slicing"}});
  }
  const auto& t = s.cluster.topology;
  return {
      {"name", s.name},
      {"cluster",
       {{"name", s.cluster.name},
        {"source", s.cluster_source},
        {"pools", pools},
        {"topology",
         {{"nodes_per_rack", t.nodes_per_rack},
          {"nvlink_gbps", t.nvlink_gbps},
          {"pcie_gbps", t.pcie_gbps},
          {"node_link_gbps", t.node_link_gbps},
          {"rack_uplink_gbps", t.rack_uplink_gbps}}}}},
      {"workload",
       {{"trace", s.trace_path},
        {"format", s.trace_format},
        {"strict", s.strict},
        {"transforms", traces::transforms_json(s.transforms)}}},
      {"policies", pols},
      {"placement", s.placement},
      {"seed", s.options.seed},
      {"runtime",
       {{"model", s.runtime_model},
        {"observed_gpu_type", s.runtime.observed_gpu_type},
        {"placement_slowdown", s.runtime.placement_slowdown},
        {"sharing_interference", s.runtime.sharing_interference},
        {"launch_latency_s", s.options.overheads.launch_latency.seconds()},
        {"completion_latency_s", s.options.overheads.completion_latency.seconds()},
        {"checkpoint_interval_s", s.options.overheads.checkpoint_interval.seconds()},
        {"checkpoint_save_s",
         {{"base", s.options.overheads.save_base_s},
          {"per_gpu", s.options.overheads.save_per_gpu_s}}},
        {"checkpoint_restore_s",
         {{"base", s.options.overheads.restore_base_s},
          {"per_gpu", s.options.overheads.restore_per_gpu_s}}}}},
      {"time_limits",
       {{"enforce", s.options.time_limits.enforce},
        {"grace_s", s.options.time_limits.grace.seconds()},
        {"check_interval_s", s.options.time_limits.check_interval.seconds()}}},
      {"failures",
       {{"node_mtbf_hours", s.options.failures.node_mtbf_hours},
        {"repair_hours", s.options.failures.repair_hours},
        {"max_retries", s.options.failures.max_retries}}},
      {"options",
       {{"sample_interval_s", s.options.sample_interval.seconds()},
        {"scheduler_interval_s", s.options.scheduler_interval.seconds()},
        {"end_time_s", s.options.end_time ? json(s.options.end_time->seconds()) : json(nullptr)},
        {"replay_observed_failures", s.options.replay_observed_failures}}}};
}

}  // namespace orrery::scenario
