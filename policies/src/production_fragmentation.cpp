// The FGD fragmentation measure (see fragmentation.hpp).
#include "orrery/policies/fragmentation.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

namespace orrery::policies {

NodeResources node_resources(const sim::Cluster& cluster, std::uint32_t node) {
  const sim::Node& n = cluster.node(node);
  if (n.gpus > kMaxNodeGpus) {
    throw std::invalid_argument("fragmentation: node " + std::to_string(node) + " has " +
                                std::to_string(n.gpus) + " GPUs; at most " +
                                std::to_string(kMaxNodeGpus) + " are supported");
  }
  NodeResources r;
  r.gpu_type = cluster.pool_type(n.pool);
  r.cpu_free_milli = n.free_cpu_milli;
  r.memory_free_mib = n.free_memory_mib;
  r.cpu_capacity_milli = cluster.spec().pools[n.pool].cpu_cores * 1000U;
  r.gpus = n.gpus;
  if (n.down) {  // out of service: no idle resources
    r.cpu_free_milli = 0;
    r.memory_free_mib = 0;
    return r;
  }
  for (std::uint32_t g = 0; g < n.gpus; ++g) {
    r.gpu_free_milli[g] =
        static_cast<std::uint16_t>(1000U - cluster.gpu_used_milli(n.first_gpu + g));
  }
  return r;
}

namespace {

bool type_allowed(const NodeResources& n, std::uint64_t mask) {
  if (mask == kAnyGpuType) return true;
  if (n.gpu_type == sim::Demand::kAnyType) return false;
  return (mask & gpu_type_bit(n.gpu_type)) != 0;
}

// For a GPU request: does the node have GPU room for it, and how much idle GPU is unusable by it
// (GPUs whose idle share is below min(request, 1000))?
struct GpuFit {
  bool fits = false;
  std::uint32_t unusable = 0;
};

GpuFit gpu_fit(const NodeResources& n, std::uint32_t gpu_milli) {
  GpuFit f;
  if (gpu_milli < 1000) {
    for (std::uint32_t g = 0; g < n.gpus; ++g) {
      const std::uint32_t free = n.gpu_free_milli[g];
      if (free >= gpu_milli) {
        f.fits = true;
      } else {
        f.unusable += free;
      }
    }
  } else {
    const std::uint32_t want = gpu_milli / 1000;
    std::uint32_t whole = 0;
    for (std::uint32_t g = 0; g < n.gpus; ++g) {
      const std::uint32_t free = n.gpu_free_milli[g];
      if (free == 1000) {
        ++whole;
      } else {
        f.unusable += free;
      }
    }
    f.fits = whole >= want;
  }
  return f;
}

}  // namespace

bool task_fits(const NodeResources& n, const TaskClass& t) {
  if (n.cpu_free_milli < t.cpu_milli || n.memory_free_mib < t.memory_mib) return false;
  if (t.gpu_milli == 0) return true;
  if (!type_allowed(n, t.type_mask)) return false;
  return gpu_fit(n, t.gpu_milli).fits;
}

double task_fragmentation(const NodeResources& n, const TaskClass& m) {
  const double idle = n.idle_gpu_milli();
  if (m.gpu_milli == 0) return idle;  // a task that uses no GPU can use none of the idle ones
  if (n.cpu_free_milli < m.cpu_milli || n.memory_free_mib < m.memory_mib) return idle;
  if (!type_allowed(n, m.type_mask)) return idle;
  const GpuFit f = gpu_fit(n, m.gpu_milli);
  return f.fits ? f.unusable : idle;
}

void TaskDistribution::add(const TaskClass& shape, double count) {
  if (!(count > 0)) return;
  finished_ = false;
  for (std::size_t i = 0; i < classes_.size(); ++i) {
    if (classes_[i].same_shape(shape)) {
      counts_[i] += count;
      return;
    }
  }
  TaskClass c = shape;
  c.popularity = 0;
  classes_.push_back(c);
  counts_.push_back(count);
}

void TaskDistribution::finish() {
  double total = 0;
  for (double c : counts_) total += c;
  for (std::size_t i = 0; i < classes_.size(); ++i) {
    classes_[i].popularity = total > 0 ? counts_[i] / total : 0.0;
  }
  // Group by (GPU request, GPU models) so a node's GPU side is evaluated once per group.
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<std::uint32_t>> groups;
  for (std::uint32_t i = 0; i < classes_.size(); ++i) {
    groups[{classes_[i].gpu_milli, classes_[i].type_mask}].push_back(i);
  }
  groups_.clear();
  by_group_.clear();
  for (const auto& [key, members] : groups) {
    Group g;
    g.gpu_milli = key.first;
    g.type_mask = key.second;
    g.first = static_cast<std::uint32_t>(by_group_.size());
    g.count = static_cast<std::uint32_t>(members.size());
    for (std::uint32_t i : members) {
      g.popularity += classes_[i].popularity;
      by_group_.push_back(classes_[i]);
    }
    groups_.push_back(g);
  }
  finished_ = true;
}

TaskDistribution TaskDistribution::of_workload(const sim::Workload& workload,
                                               const sim::Cluster& cluster) {
  TaskDistribution d;
  for (const sim::JobSpec& j : workload.jobs) {
    TaskClass c;
    c.cpu_milli = j.cpu_milli;
    c.memory_mib = j.memory_mib;
    c.gpu_milli = j.gpu_milli;
    if (j.gpu_type != 0 && j.gpu_milli > 0) {
      auto t = cluster.find_gpu_type(workload.gpu_types[j.gpu_type]);
      if (!t) continue;
      c.type_mask = gpu_type_bit(*t);
    }
    d.add(c, j.tasks);
  }
  d.finish();
  return d;
}

double node_fragmentation(const NodeResources& n, const TaskDistribution& m) {
  if (!m.finished_) throw std::logic_error("fragmentation: distribution used before finish()");
  const double idle = n.idle_gpu_milli();
  if (idle == 0) return 0;
  double f = 0;
  for (const TaskDistribution::Group& g : m.groups_) {
    if (g.gpu_milli == 0 || !type_allowed(n, g.type_mask)) {
      f += g.popularity * idle;
      continue;
    }
    const GpuFit fit = gpu_fit(n, g.gpu_milli);
    if (!fit.fits) {
      f += g.popularity * idle;
      continue;
    }
    double p_fit = 0;
    for (std::uint32_t k = g.first; k < g.first + g.count; ++k) {
      const TaskClass& c = m.by_group_[k];
      if (c.cpu_milli <= n.cpu_free_milli && c.memory_mib <= n.memory_free_mib)
        p_fit += c.popularity;
    }
    f += p_fit * fit.unusable + (g.popularity - p_fit) * idle;
  }
  return f;
}

FragmentationSummary cluster_fragmentation(const sim::Cluster& cluster, const TaskDistribution& m) {
  FragmentationSummary s;
  double frag = 0;
  double idle = 0;
  for (std::uint32_t node = 0; node < cluster.node_count(); ++node) {
    const NodeResources r = node_resources(cluster, node);
    frag += node_fragmentation(r, m);
    idle += r.idle_gpu_milli();
  }
  s.fragmented_gpus = frag / 1000.0;
  s.idle_gpus = idle / 1000.0;
  s.total_gpus = cluster.total_gpus();
  return s;
}

}  // namespace orrery::policies
