#include "orrery/sim/cluster.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace orrery::sim {

std::uint32_t Placement::distinct_nodes() const {
  std::vector<std::uint32_t> n(task_nodes);
  std::sort(n.begin(), n.end());
  return static_cast<std::uint32_t>(std::unique(n.begin(), n.end()) - n.begin());
}

Cluster::Cluster(const ClusterSpec& spec) : spec_(spec) {
  std::vector<TopologyNode> topo_nodes;
  std::uint32_t rack_base = 0;
  std::uint32_t gpu = 0;
  const std::uint32_t per_rack = std::max(spec.topology.nodes_per_rack, 1U);
  for (std::uint32_t p = 0; p < spec.pools.size(); ++p) {
    const NodePoolSpec& pool = spec.pools[p];
    std::uint32_t type = Demand::kAnyType;
    if (!pool.gpu_type.empty()) {
      auto it = std::find(type_names_.begin(), type_names_.end(), pool.gpu_type);
      if (it == type_names_.end()) {
        type_names_.push_back(pool.gpu_type);
        free_whole_by_type_.push_back(0);
        type = static_cast<std::uint32_t>(type_names_.size() - 1);
      } else {
        type = static_cast<std::uint32_t>(it - type_names_.begin());
      }
    }
    pool_type_.push_back(type);
    pool_first_node_.push_back(static_cast<std::uint32_t>(nodes_.size()));
    free_index_.emplace_back(pool.gpus_per_node + 1, DynamicBitset(pool.nodes));
    for (std::uint32_t i = 0; i < pool.nodes; ++i) {
      Node n;
      n.pool = p;
      n.rack = rack_base + i / per_rack;
      n.first_gpu = gpu;
      n.gpus = pool.gpus_per_node;
      n.free_gpus = pool.gpus_per_node;
      n.free_cpu_milli = pool.cpu_cores * 1000U;
      n.free_memory_mib = pool.memory_mib;
      gpu += pool.gpus_per_node;
      nodes_.push_back(n);
      free_index_[p][pool.gpus_per_node].set(i);
      topo_nodes.push_back({n.rack, n.gpus, pool.nvlink_domain});
    }
    if (type != Demand::kAnyType) {
      free_whole_by_type_[type] += std::uint64_t{pool.gpus_per_node} * pool.nodes;
    }
    rack_base += (pool.nodes + per_rack - 1) / per_rack;
  }
  gpu_used_milli_.assign(gpu, 0);
  indexed_cpu_.resize(nodes_.size());
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    indexed_cpu_[i] = nodes_[i].free_cpu_milli;
    by_free_cpu_.insert(by_free_cpu_.end(), free_cpu_key(indexed_cpu_[i], i));
  }
  topology_ = std::make_unique<Topology>(spec.topology, topo_nodes);
}

std::optional<std::uint32_t> Cluster::find_gpu_type(std::string_view name) const {
  for (std::uint32_t i = 0; i < type_names_.size(); ++i) {
    if (type_names_[i] == name) return i;
  }
  return std::nullopt;
}

std::uint64_t Cluster::free_whole_gpus(std::uint32_t type) const {
  if (type != Demand::kAnyType)
    return type < free_whole_by_type_.size() ? free_whole_by_type_[type] : 0;
  std::uint64_t total = 0;
  for (std::uint64_t f : free_whole_by_type_) total += f;
  return total;
}

bool Cluster::fits_when_empty(const Demand& d) const {
  // Each task must fit some node shape; the gang must fit the pools of its type together.
  std::uint64_t tasks_possible = 0;
  for (std::uint32_t p = 0; p < spec_.pools.size(); ++p) {
    if (!pool_matches(p, d)) continue;
    const NodePoolSpec& pool = spec_.pools[p];
    if (d.gpu_milli > 0 && pool.gpus_per_node == 0) continue;
    std::uint64_t per_node = 1'000'000;  // bounded by the resources below
    if (d.gpu_milli >= 1000) {
      per_node = pool.gpus_per_node / d.gpus_per_task();
    } else if (d.gpu_milli > 0) {
      per_node = std::uint64_t{pool.gpus_per_node} * (1000U / d.gpu_milli);
    }
    if (d.cpu_milli > 0)
      per_node = std::min<std::uint64_t>(per_node, pool.cpu_cores * 1000ULL / d.cpu_milli);
    if (d.memory_mib > 0)
      per_node = std::min<std::uint64_t>(per_node, pool.memory_mib / d.memory_mib);
    tasks_possible += per_node * pool.nodes;
    if (tasks_possible >= d.tasks) return true;
  }
  return tasks_possible >= d.tasks;
}

bool Cluster::shares_by_mig(const Demand& d) const {
  if (d.gpu_milli == 0 || d.gpu_milli >= 1000) return false;
  for (std::uint32_t p = 0; p < spec_.pools.size(); ++p) {
    if (pool_matches(p, d) && spec_.pools[p].gpus_per_node > 0 &&
        spec_.pools[p].sharing == NodePoolSpec::Sharing::kMig)
      return true;
  }
  return false;
}

bool Cluster::task_fits_node(const Demand& d, std::uint32_t node_id) const {
  const Node& n = nodes_[node_id];
  if (n.down || !pool_matches(n.pool, d)) return false;
  if (n.free_cpu_milli < d.cpu_milli || n.free_memory_mib < d.memory_mib) return false;
  if (d.gpu_milli == 0) return true;
  if (d.gpu_milli >= 1000) return n.free_gpus >= d.gpus_per_task();
  for (std::uint32_t g = n.first_gpu; g < n.first_gpu + n.gpus; ++g) {
    if (1000U - gpu_used_milli_[g] >= d.gpu_milli) return true;
  }
  return false;
}

void Cluster::set_free_gpus(std::uint32_t node_id, std::uint32_t free) {
  Node& n = nodes_[node_id];
  if (n.free_gpus == free) return;
  const std::uint32_t local = node_id - pool_first_node_[n.pool];
  free_index_[n.pool][n.free_gpus].reset(local);
  free_index_[n.pool][free].set(local);
  const std::uint32_t type = pool_type_[n.pool];
  if (type != Demand::kAnyType) {
    free_whole_by_type_[type] = free_whole_by_type_[type] + free - n.free_gpus;
  }
  n.free_gpus = free;
}

void Cluster::reindex_cpu(std::uint32_t node_id) {
  const std::uint32_t now = nodes_[node_id].free_cpu_milli;
  if (indexed_cpu_[node_id] == now) return;
  by_free_cpu_.erase(free_cpu_key(indexed_cpu_[node_id], node_id));
  by_free_cpu_.insert(free_cpu_key(now, node_id));
  indexed_cpu_[node_id] = now;
}

void Cluster::set_node_down(std::uint32_t node_id, bool down) {
  Node& n = nodes_[node_id];
  if (n.down == down) return;
  const NodePoolSpec& pool = spec_.pools[n.pool];
  if (n.free_gpus != n.gpus || n.free_cpu_milli != pool.cpu_cores * 1000U ||
      n.free_memory_mib != pool.memory_mib) {
    throw std::logic_error("cluster: node " + std::to_string(node_id) +
                           " changes service state while in use");
  }
  const std::uint32_t local = node_id - pool_first_node_[n.pool];
  const std::uint32_t type = pool_type_[n.pool];
  if (down) {
    free_index_[n.pool][n.free_gpus].reset(local);
    if (type != Demand::kAnyType) free_whole_by_type_[type] -= n.gpus;
    by_free_cpu_.erase(free_cpu_key(indexed_cpu_[node_id], node_id));
    ++nodes_down_;
  } else {
    free_index_[n.pool][n.free_gpus].set(local);
    if (type != Demand::kAnyType) free_whole_by_type_[type] += n.gpus;
    ++release_epoch_;
    indexed_cpu_[node_id] = n.free_cpu_milli;
    by_free_cpu_.insert(free_cpu_key(n.free_cpu_milli, node_id));
    --nodes_down_;
  }
  ++service_epoch_;
  n.down = down;
}

void Cluster::allocate(const Demand& d, const Placement& p) {
  const std::uint32_t g = d.gpus_per_task();
  if (p.task_nodes.size() != d.tasks || p.gpus.size() != std::size_t{g} * d.tasks) {
    throw std::logic_error("cluster: placement shape does not match the demand");
  }
  const std::uint32_t milli = d.milli_per_gpu();
  // Check everything first so a refused allocation changes nothing.
  for (std::uint32_t t = 0; t < d.tasks; ++t) {
    const std::uint32_t node_id = p.task_nodes[t];
    if (node_id >= nodes_.size()) throw std::logic_error("cluster: node id out of range");
    if (!pool_matches(nodes_[node_id].pool, d)) throw std::logic_error("cluster: wrong GPU type");
    if (nodes_[node_id].down) throw std::logic_error("cluster: allocating on a node that is down");
    for (std::uint32_t k = 0; k < g; ++k) {
      const std::uint32_t gpu = p.gpus[std::size_t{t} * g + k];
      const Node& n = nodes_[node_id];
      if (gpu < n.first_gpu || gpu >= n.first_gpu + n.gpus) {
        throw std::logic_error("cluster: GPU " + std::to_string(gpu) + " is not on node " +
                               std::to_string(node_id));
      }
    }
  }
  // Apply, checking capacity as we go; roll back on violation.
  std::size_t applied_tasks = 0;
  std::size_t applied_gpus = 0;
  auto rollback = [&]() {
    for (std::size_t i = 0; i < applied_gpus; ++i) {
      gpu_used_milli_[p.gpus[i]] = static_cast<std::uint16_t>(gpu_used_milli_[p.gpus[i]] - milli);
    }
    for (std::size_t t = 0; t < applied_tasks; ++t) {
      Node& n = nodes_[p.task_nodes[t]];
      n.free_cpu_milli += d.cpu_milli;
      n.free_memory_mib += d.memory_mib;
    }
  };
  for (std::uint32_t t = 0; t < d.tasks; ++t) {
    Node& n = nodes_[p.task_nodes[t]];
    if (n.free_cpu_milli < d.cpu_milli || n.free_memory_mib < d.memory_mib) {
      rollback();
      throw std::logic_error("cluster: CPU or memory over-allocated on node " +
                             std::to_string(p.task_nodes[t]));
    }
    n.free_cpu_milli -= d.cpu_milli;
    n.free_memory_mib -= d.memory_mib;
    ++applied_tasks;
    for (std::uint32_t k = 0; k < g; ++k) {
      const std::uint32_t gpu = p.gpus[std::size_t{t} * g + k];
      const std::uint32_t used = gpu_used_milli_[gpu];
      // A whole-GPU task needs an untouched GPU; a shared task needs room on it.
      if ((milli == 1000 && used != 0) || used + milli > 1000) {
        rollback();
        throw std::logic_error("cluster: GPU " + std::to_string(gpu) + " double-booked");
      }
      gpu_used_milli_[gpu] = static_cast<std::uint16_t>(used + milli);
      ++applied_gpus;
    }
  }
  // Recount fully-free GPUs of the touched nodes.
  for (std::uint32_t t = 0; t < d.tasks; ++t) {
    const std::uint32_t node_id = p.task_nodes[t];
    const Node& n = nodes_[node_id];
    std::uint32_t free = 0;
    for (std::uint32_t gg = n.first_gpu; gg < n.first_gpu + n.gpus; ++gg)
      free += gpu_used_milli_[gg] == 0;
    set_free_gpus(node_id, free);
    if (d.cpu_milli > 0) reindex_cpu(node_id);
  }
  allocated_gpu_milli_ += d.total_gpu_milli();
}

void Cluster::release(const Demand& d, const Placement& p) {
  ++release_epoch_;
  const std::uint32_t g = d.gpus_per_task();
  const std::uint32_t milli = d.milli_per_gpu();
  for (std::uint32_t t = 0; t < d.tasks; ++t) {
    Node& n = nodes_[p.task_nodes[t]];
    n.free_cpu_milli += d.cpu_milli;
    n.free_memory_mib += d.memory_mib;
    for (std::uint32_t k = 0; k < g; ++k) {
      const std::uint32_t gpu = p.gpus[std::size_t{t} * g + k];
      if (gpu_used_milli_[gpu] < milli) throw std::logic_error("cluster: releasing a free GPU");
      gpu_used_milli_[gpu] = static_cast<std::uint16_t>(gpu_used_milli_[gpu] - milli);
    }
  }
  for (std::uint32_t t = 0; t < d.tasks; ++t) {
    const std::uint32_t node_id = p.task_nodes[t];
    const Node& n = nodes_[node_id];
    std::uint32_t free = 0;
    for (std::uint32_t gg = n.first_gpu; gg < n.first_gpu + n.gpus; ++gg)
      free += gpu_used_milli_[gg] == 0;
    set_free_gpus(node_id, free);
    if (d.cpu_milli > 0) reindex_cpu(node_id);
  }
  allocated_gpu_milli_ -= d.total_gpu_milli();
}

}  // namespace orrery::sim
