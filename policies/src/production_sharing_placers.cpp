// GPU-sharing placements: FGD and the baselines of its paper (see sharing_placers.hpp).
#include "orrery/policies/sharing_placers.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "production_parts.hpp"

namespace orrery::policies {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool shared(const TaskClass& t) {
  return t.gpu_milli > 0 && t.gpu_milli < 1000;
}

// The idle share of the GPU a shared task would use under best fit (least idle that still fits),
// or -1 when none fits.
std::int32_t best_fit_gpu_value(const NodeResources& n, std::uint32_t milli) {
  std::int32_t best = -1;
  for (std::uint32_t g = 0; g < n.gpus; ++g) {
    const std::int32_t free = n.gpu_free_milli[g];
    if (free >= static_cast<std::int32_t>(milli) && (best < 0 || free < best)) best = free;
  }
  return best;
}

// The GPUs a task takes on a node: for a shared task the lowest-numbered GPU whose idle share is
// `value`; for whole GPUs the lowest-numbered idle ones.
std::vector<std::uint32_t> gpus_for(const NodeResources& n, const TaskClass& t,
                                    std::int32_t value) {
  std::vector<std::uint32_t> out;
  if (t.gpu_milli == 0) return out;
  if (shared(t)) {
    for (std::uint32_t g = 0; g < n.gpus; ++g) {
      if (n.gpu_free_milli[g] == value) {
        out.push_back(g);
        return out;
      }
    }
    throw std::logic_error("sharing: no GPU with the chosen idle share");
  }
  const std::uint32_t want = t.gpu_milli / 1000;
  for (std::uint32_t g = 0; g < n.gpus && out.size() < want; ++g) {
    if (n.gpu_free_milli[g] == 1000) out.push_back(g);
  }
  return out;
}

NodeResources after(const NodeResources& n, const TaskClass& t, std::int32_t value) {
  NodeResources a = n;
  TaskChoice c;
  c.gpus = gpus_for(n, t, value);
  apply_task(a, t, c);
  return a;
}

// FGD on one node the task fits: the least fragmentation gradient and the GPU (idle share) that
// gives it.
std::pair<double, std::int32_t> fgd_gradient(const NodeResources& n, const TaskClass& t,
                                             const TaskDistribution& m) {
  const double before = node_fragmentation(n, m);
  if (!shared(t)) {
    return {node_fragmentation(after(n, t, 1000), m) - before, 1000};
  }
  double best = kInf;
  std::int32_t best_value = -1;
  for (std::uint32_t g = 0; g < n.gpus; ++g) {
    const std::int32_t v = n.gpu_free_milli[g];
    if (v < static_cast<std::int32_t>(t.gpu_milli)) continue;
    bool tried = false;
    for (std::uint32_t h = 0; h < g; ++h) tried = tried || n.gpu_free_milli[h] == v;
    if (tried) continue;
    const double f = node_fragmentation(after(n, t, v), m);
    if (f < best || (f == best && v < best_value)) {
      best = f;
      best_value = v;
    }
  }
  return {best - before, best_value};
}

// Tasks of the same GPU request the node seems to host, inferred from per-GPU usage.
double same_request_count(const NodeResources& n, const TaskClass& t) {
  if (t.gpu_milli == 0) return 0;
  double count = 0;
  for (std::uint32_t g = 0; g < n.gpus; ++g) {
    const std::uint32_t used = 1000U - n.gpu_free_milli[g];
    if (used == 0) continue;
    if (shared(t)) {
      if (used % t.gpu_milli == 0) count += static_cast<double>(used / t.gpu_milli);
    } else if (used == 1000) {
      count += 1.0 / static_cast<double>(t.gpu_milli / 1000);
    }
  }
  return count;
}

struct Norms {
  double cpu = 1, gpu = 1;
};

Norms norms_of(std::span<const NodeResources> nodes) {
  Norms s{0, 0};
  for (const NodeResources& n : nodes) {
    s.cpu = std::max(s.cpu, static_cast<double>(n.cpu_capacity_milli));
    s.gpu = std::max(s.gpu, 1000.0 * n.gpus);
  }
  if (s.cpu <= 0) s.cpu = 1;
  if (s.gpu <= 0) s.gpu = 1;
  return s;
}

// Idle CPU and GPU left after the task, normalized by the cluster's largest node.
double leftover(const NodeResources& n, const TaskClass& t, const Norms& s) {
  const double cpu = static_cast<double>(n.cpu_free_milli) - t.cpu_milli;
  const double gpu = static_cast<double>(n.idle_gpu_milli()) - t.gpu_milli;
  return cpu / s.cpu + gpu / s.gpu;
}

double dot_product(const NodeResources& n, const TaskClass& t) {
  double d = 0;
  if (n.cpu_capacity_milli > 0) {
    const double cap = n.cpu_capacity_milli;
    d += (t.cpu_milli / cap) * (n.cpu_free_milli / cap);
  }
  if (n.gpus > 0) {
    const double cap = 1000.0 * n.gpus;
    d += (t.gpu_milli / cap) * (n.idle_gpu_milli() / cap);
  }
  return d;
}

int packing_tier(const NodeResources& n, const TaskClass& t) {
  bool any_used = false;
  bool partial_fits = false;
  for (std::uint32_t g = 0; g < n.gpus; ++g) {
    const std::uint32_t free = n.gpu_free_milli[g];
    if (free < 1000) any_used = true;
    if (free < 1000 && free > 0 && shared(t) && free >= t.gpu_milli) partial_fits = true;
  }
  if (partial_fits) return 0;
  return any_used ? 1 : 2;
}

}  // namespace

std::string_view sharing_strategy_name(SharingStrategy s) {
  switch (s) {
    case SharingStrategy::kFgd:
      return "fgd";
    case SharingStrategy::kBestFit:
      return "bestfit";
    case SharingStrategy::kDotProd:
      return "dotprod";
    case SharingStrategy::kGpuPacking:
      return "gpu-packing";
    case SharingStrategy::kGpuClustering:
      return "gpu-clustering";
    case SharingStrategy::kRandom:
      return "random";
  }
  return "?";
}

const std::vector<SharingStrategy>& sharing_strategies() {
  static const std::vector<SharingStrategy> all = {
      SharingStrategy::kFgd,        SharingStrategy::kBestFit,       SharingStrategy::kDotProd,
      SharingStrategy::kGpuPacking, SharingStrategy::kGpuClustering, SharingStrategy::kRandom};
  return all;
}

std::optional<SharingStrategy> parse_sharing_strategy(std::string_view name) {
  for (SharingStrategy s : sharing_strategies()) {
    if (sharing_strategy_name(s) == name) return s;
  }
  return std::nullopt;
}

void apply_task(NodeResources& n, const TaskClass& task, const TaskChoice& choice) {
  if (n.cpu_free_milli < task.cpu_milli || n.memory_free_mib < task.memory_mib)
    throw std::logic_error("sharing: task over-allocates CPU or memory");
  n.cpu_free_milli -= task.cpu_milli;
  n.memory_free_mib -= task.memory_mib;
  const std::uint32_t per_gpu = task.gpu_milli >= 1000 ? 1000 : task.gpu_milli;
  for (std::uint32_t g : choice.gpus) {
    if (g >= n.gpus || n.gpu_free_milli[g] < per_gpu)
      throw std::logic_error("sharing: task over-allocates a GPU");
    n.gpu_free_milli[g] = static_cast<std::uint16_t>(n.gpu_free_milli[g] - per_gpu);
  }
}

void FgdMemo::set_node(std::uint32_t node, const NodeResources& r) {
  std::array<std::uint16_t, kMaxNodeGpus> sorted = r.gpu_free_milli;
  std::sort(sorted.begin(), sorted.begin() + r.gpus);
  std::string key(sizeof(std::uint32_t) * 3 + sizeof(std::uint64_t) + 2 * r.gpus, '\0');
  char* p = key.data();
  auto put = [&p](const void* v, std::size_t n) {
    std::memcpy(p, v, n);
    p += n;
  };
  put(&r.gpu_type, sizeof r.gpu_type);
  put(&r.cpu_free_milli, sizeof r.cpu_free_milli);
  put(&r.gpus, sizeof r.gpus);
  put(&r.memory_free_mib, sizeof r.memory_free_mib);
  put(sorted.data(), 2 * r.gpus);
  auto [it, inserted] = ids_.emplace(std::move(key), static_cast<std::uint32_t>(ids_.size()));
  if (node >= node_state_.size()) node_state_.resize(node + 1, 0);
  node_state_[node] = it->second;
}

SharingChooser::SharingChooser(SharingStrategy strategy, std::uint64_t seed)
    : strategy_(strategy), rng_(seed) {}

std::optional<TaskChoice> SharingChooser::choose(std::span<const NodeResources> nodes,
                                                 const TaskClass& task,
                                                 const TaskDistribution* target, FgdMemo* memo,
                                                 std::uint32_t task_class) {
  const auto count = static_cast<std::uint32_t>(nodes.size());
  if (strategy_ == SharingStrategy::kRandom) {
    std::vector<std::uint32_t> feasible;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (task_fits(nodes[i], task)) feasible.push_back(i);
    }
    if (feasible.empty()) return std::nullopt;
    const std::uint32_t node = feasible[rng_() % feasible.size()];
    const NodeResources& n = nodes[node];
    TaskChoice c;
    c.node = node;
    if (shared(task)) {
      std::vector<std::uint32_t> gpus;
      for (std::uint32_t g = 0; g < n.gpus; ++g) {
        if (n.gpu_free_milli[g] >= task.gpu_milli) gpus.push_back(g);
      }
      c.gpus.push_back(gpus[rng_() % gpus.size()]);
    } else {
      c.gpus = gpus_for(n, task, 1000);
    }
    return c;
  }
  if (strategy_ == SharingStrategy::kFgd && (target == nullptr || target->empty()))
    throw std::logic_error("sharing: fgd needs a target workload distribution");

  const Norms norms = norms_of(nodes);
  std::uint32_t best_node = count;
  double best1 = kInf, best2 = kInf;
  std::int32_t best_value = -1;
  std::vector<FgdMemo::Entry>* table = nullptr;
  if (memo && strategy_ == SharingStrategy::kFgd) {
    if (memo->table_.size() <= task_class) memo->table_.resize(task_class + 1);
    table = &memo->table_[task_class];
    if (table->size() < memo->ids_.size()) table->resize(memo->ids_.size());
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const NodeResources& n = nodes[i];
    double k1 = 0, k2 = 0;
    std::int32_t value = shared(task) ? -1 : 1000;
    if (table) {
      FgdMemo::Entry& e = (*table)[memo->node_state_[i]];
      if (e.pick == -2) {
        if (task_fits(n, task)) {
          auto [d, v] = fgd_gradient(n, task, *target);
          e.delta = d;
          e.pick = v;
        } else {
          e.pick = -1;
        }
      }
      if (e.pick < 0) continue;
      k1 = e.delta;
      value = e.pick;
    } else {
      if (!task_fits(n, task)) continue;
      if (shared(task) && strategy_ != SharingStrategy::kFgd)
        value = best_fit_gpu_value(n, task.gpu_milli);
      switch (strategy_) {
        case SharingStrategy::kFgd: {
          auto [d, v] = fgd_gradient(n, task, *target);
          k1 = d;
          value = v;
          break;
        }
        case SharingStrategy::kBestFit:
          k1 = leftover(n, task, norms);
          break;
        case SharingStrategy::kDotProd:
          k1 = dot_product(n, task);
          break;
        case SharingStrategy::kGpuPacking:
          k1 = packing_tier(n, task);
          k2 = leftover(n, task, norms);
          break;
        case SharingStrategy::kGpuClustering:
          k1 = -same_request_count(n, task);
          k2 = leftover(n, task, norms);
          break;
        case SharingStrategy::kRandom:
          break;
      }
    }
    if (k1 < best1 || (k1 == best1 && k2 < best2)) {
      best1 = k1;
      best2 = k2;
      best_node = i;
      best_value = value;
    }
  }
  if (best_node == count) return std::nullopt;
  TaskChoice c;
  c.node = best_node;
  c.gpus = gpus_for(nodes[best_node], task, best_value);
  return c;
}

namespace {

class SharingPlacer final : public sim::Placer {
 public:
  SharingPlacer(SharingStrategy s, std::uint64_t seed) : chooser_(s, seed) {}
  std::string_view name() const override { return sharing_strategy_name(chooser_.strategy()); }

  std::optional<sim::Placement> place(const sim::Cluster& c, const sim::Demand& d) const override {
    if (d.tasks == 0) return std::nullopt;
    std::vector<NodeResources> nodes(c.node_count());
    for (std::uint32_t i = 0; i < c.node_count(); ++i) {
      if (c.node(i).gpus > kMaxNodeGpus) continue;  // left empty: nothing fits there
      nodes[i] = node_resources(c, i);
    }
    TaskClass task;
    task.cpu_milli = d.cpu_milli;
    task.memory_mib = d.memory_mib;
    task.gpu_milli = d.gpu_milli;
    task.type_mask = gpu_type_mask(d.gpu_type);
    const TaskDistribution* target = nullptr;
    TaskDistribution with_this;
    if (chooser_.strategy() == SharingStrategy::kFgd) {
      with_this = learned_;
      with_this.add(task, d.tasks);
      with_this.finish();
      target = &with_this;
    }
    sim::Placement p;
    p.milli_per_gpu = d.milli_per_gpu();
    for (std::uint32_t t = 0; t < d.tasks; ++t) {
      auto choice = chooser_.choose(nodes, task, target);
      if (!choice) return std::nullopt;
      apply_task(nodes[choice->node], task, *choice);
      p.task_nodes.push_back(choice->node);
      for (std::uint32_t g : choice->gpus) p.gpus.push_back(c.node(choice->node).first_gpu + g);
    }
    if (chooser_.strategy() == SharingStrategy::kFgd) learned_.add(task, d.tasks);
    return p;
  }

 private:
  mutable SharingChooser chooser_;    // holds the random placer's generator
  mutable TaskDistribution learned_;  // fgd: the demands placed so far
};

PlacerInfo sharing_info(SharingStrategy s, const char* summary) {
  return {std::string(sharing_strategy_name(s)), summary, [s]() { return make_sharing_placer(s); }};
}

}  // namespace

std::unique_ptr<sim::Placer> make_sharing_placer(SharingStrategy strategy, std::uint64_t seed) {
  return std::make_unique<SharingPlacer>(strategy, seed);
}

// Used by production_list.cpp.
PlacerInfo fgd_placer() {
  return sharing_info(SharingStrategy::kFgd,
                      "FGD (ATC'23): least growth of GPU fragmentation; GPU sharing, CPU, memory");
}
PlacerInfo bestfit_placer() {
  return sharing_info(SharingStrategy::kBestFit,
                      "least idle CPU+GPU left after placing (FGD paper baseline); GPU sharing");
}
PlacerInfo dotprod_placer() {
  return sharing_info(SharingStrategy::kDotProd,
                      "smallest dot product of idle resources and demand (Tetris-like baseline)");
}
PlacerInfo gpu_packing_placer() {
  return sharing_info(SharingStrategy::kGpuPacking,
                      "partly used GPUs, then used nodes, then idle nodes (FGD paper baseline)");
}
PlacerInfo gpu_clustering_placer() {
  return sharing_info(SharingStrategy::kGpuClustering,
                      "nodes hosting tasks of the same GPU request first (FGD paper baseline)");
}
PlacerInfo random_sharing_placer() {
  return sharing_info(SharingStrategy::kRandom,
                      "uniformly random node that fits, fixed seed (FGD paper baseline)");
}

}  // namespace orrery::policies
