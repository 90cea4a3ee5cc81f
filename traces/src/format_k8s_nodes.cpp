// k8s-nodes (a cluster format): `kubectl get nodes -o json` into a ClusterSpec. Each schedulable
// worker node contributes its allocatable nvidia.com/gpu, cpu and memory; the GPU model comes
// from the `nvidia.com/gpu.product` label (NVIDIA GPU Feature Discovery). Nodes of identical
// shape and GPU model form one pool. Documented in docs/formats.md.
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "export_common.hpp"
#include "export_formats.hpp"
#include "orrery/traces/csv.hpp"

namespace orrery::traces {

namespace {

using exports::JsonFields;
using nlohmann::json;

bool has_key(const json& meta, const char* map, const char* key) {
  const json* m = JsonFields::member(meta, map);
  return m && m->is_object() && m->contains(key);
}

std::optional<double> quantity(JsonFields& f, const json* list, const char* name,
                               const std::string& p) {
  const json* v = list ? JsonFields::member(*list, name) : nullptr;
  if (!v) return std::nullopt;
  std::optional<double> q;
  if (v->is_string()) {
    q = exports::parse_k8s_quantity(v->get<std::string>());
  } else if (v->is_number()) {
    q = v->get<double>();
  }
  if (!q) {
    f.problem(p + "." + name, exports::kind_of(*v) + " is not a resource quantity");
    return std::nullopt;
  }
  if (*q < 0) {
    f.problem(p + "." + name, "must be >= 0, got " + exports::kind_of(*v));
    return std::nullopt;
  }
  return q;
}

std::string pool_base(const std::string& type, std::uint32_t gpus) {
  std::string s;
  for (char c : type.empty() ? std::string("cpu") : type) {
    const auto u = static_cast<unsigned char>(c);
    s += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  return s + "-x" + std::to_string(gpus);
}

}  // namespace

sim::ClusterSpec read_k8s_nodes(const std::string& path, const ImportOptions& options,
                                ImportReport& report) {
  exports::Tally tally(report);
  const json doc = exports::read_json(
      path, {"managedFields", "images", "volumesAttached", "volumesInUse", "conditions"});
  std::vector<const json*> items;
  std::string prefix = "items";
  if (doc.is_object() && JsonFields::member(doc, "kind") && doc["kind"] == "Node") {
    items.push_back(&doc);
    prefix = "(node)";
  } else {
    const json* list = JsonFields::member(doc, "items");
    if (!list || !list->is_array())
      throw sim::InputError(path + ": items",
                            "missing or not a list: expected the output of `kubectl get nodes -o "
                            "json` (a List with \"items\") or one Node");
    for (const json& n : *list) items.push_back(&n);
  }
  sim::Problems problems;
  JsonFields f(problems, path);
  using Shape = std::tuple<std::string, std::uint32_t, std::uint32_t, std::uint64_t>;
  std::map<Shape, std::size_t> pool_of;
  std::set<std::string> pool_names, node_names;
  sim::ClusterSpec spec;
  spec.name = std::filesystem::path(path).stem().string();
  for (std::size_t i = 0; i < items.size() && !f.full(); ++i) {
    const json& node = *items[i];
    const std::string p =
        items.size() == 1 && prefix == "(node)" ? prefix : prefix + "[" + std::to_string(i) + "]";
    ++report.rows;
    if (!node.is_object()) {
      f.problem(p, "must be an object, got " + exports::kind_of(node));
      continue;
    }
    if (const json* kind = JsonFields::member(node, "kind");
        kind && (!kind->is_string() || kind->get<std::string>() != "Node")) {
      f.problem(p + ".kind", "must be \"Node\", got " + exports::kind_of(*kind) +
                                 " (export nodes with `kubectl get nodes -o json`)");
      continue;
    }
    const json* meta = JsonFields::member(node, "metadata");
    const std::string name =
        meta ? f.text(JsonFields::member(*meta, "name"), p + ".metadata.name") : std::string();
    if (name.empty()) {
      f.problem(p + ".metadata.name", "is required");
      continue;
    }
    const json* alloc = JsonFields::at(node, "status.allocatable");
    std::string ap = p + ".status.allocatable";
    if (!alloc) {
      alloc = JsonFields::at(node, "status.capacity");
      ap = p + ".status.capacity";
    }
    if (!alloc || !alloc->is_object()) {
      f.problem(p + ".status.allocatable", "is required (the node's allocatable resources)");
      continue;
    }
    const std::size_t before = problems.size();
    auto gpus = quantity(f, alloc, "nvidia.com/gpu", ap);
    auto cpu = quantity(f, alloc, "cpu", ap);
    auto mem = quantity(f, alloc, "memory", ap);
    if (!JsonFields::member(*alloc, "cpu")) f.problem(ap + ".cpu", "is required");
    if (!JsonFields::member(*alloc, "memory")) f.problem(ap + ".memory", "is required");
    if (gpus && (std::floor(*gpus) != *gpus || *gpus > 64))
      f.problem(ap + ".nvidia.com/gpu",
                "must be a whole number in [0, 64], got " + std::to_string(*gpus));
    if (problems.size() != before || !cpu || !mem) continue;
    if (!node_names.insert(name).second) {
      tally.drop("duplicate node name");
      continue;
    }
    if (has_key(*meta, "labels", "node-role.kubernetes.io/control-plane") ||
        has_key(*meta, "labels", "node-role.kubernetes.io/master")) {
      tally.drop("control-plane node");
      continue;
    }
    if (const json* u = JsonFields::at(node, "spec.unschedulable");
        u && u->is_boolean() && u->get<bool>()) {
      tally.drop("cordoned (unschedulable) node");
      continue;
    }
    const auto g = static_cast<std::uint32_t>(gpus.value_or(0));
    std::string type;
    if (const json* labels = JsonFields::member(*meta, "labels"); labels && labels->is_object()) {
      auto it = labels->find("nvidia.com/gpu.product");
      if (it != labels->end() && it->is_string()) type = it->get<std::string>();
    }
    if (g > 0 && type.empty()) {
      type = "unknown-gpu";
      tally.adjust("GPU node without the nvidia.com/gpu.product label (type 'unknown-gpu')");
    }
    if (g == 0) type.clear();
    // Whole cores and whole GiB, so nodes of one hardware model (whose allocatable memory
    // differs by a few MiB of kernel reservations) fall into one pool.
    const auto cores = static_cast<std::uint32_t>(std::clamp(std::floor(*cpu), 1.0, 100000.0));
    const auto gib = static_cast<std::uint64_t>(
        std::clamp(std::floor(*mem / (1024.0 * 1024.0 * 1024.0)), 1.0, 1e6));
    const Shape shape{type, g, cores, gib};
    auto it = pool_of.find(shape);
    if (it == pool_of.end()) {
      sim::NodePoolSpec pool;
      const std::string base = pool_base(type, g);
      pool.name = base;
      for (int k = 2; pool_names.count(pool.name); ++k) pool.name = base + "-" + std::to_string(k);
      pool_names.insert(pool.name);
      pool.gpu_type = type;
      pool.gpus_per_node = g;
      pool.cpu_cores = cores;
      pool.memory_mib = gib * 1024;
      pool.nodes = 0;
      pool.nvlink_domain = 0;
      it = pool_of.emplace(shape, spec.pools.size()).first;
      spec.pools.push_back(pool);
    }
    ++spec.pools[it->second].nodes;
  }
  problems.throw_if_any();
  report.jobs = 0;
  if (spec.pools.empty())
    throw sim::InputError(path,
                          "no schedulable worker node (all were control-plane, cordoned "
                          "or the list is empty)");
  if (options.strict) {
    std::vector<sim::Problem> list;
    for (const auto& [reason, n] : report.dropped)
      list.push_back({path, std::to_string(n) + " nodes dropped: " + reason + " (--strict)"});
    for (const auto& [reason, n] : report.adjusted)
      list.push_back({path, std::to_string(n) + " nodes adjusted: " + reason + " (--strict)"});
    if (!list.empty()) throw sim::InputError(list);
  }
  return spec;
}

}  // namespace orrery::traces
