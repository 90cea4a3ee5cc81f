// The modelled GPU cluster: its description (ClusterSpec) and its allocation state (Cluster).
//
// A cluster is a list of node pools; each pool is `nodes` identical nodes with one GPU type.
// Every node and every GPU has a dense id (node ids run pool by pool; GPU ids node by node), so
// placements, observers and the topology graph can address them directly.
// Allocation state is kept per GPU in thousandths (shared GPUs) and per node for CPU and memory;
// `allocate` refuses to double-book anything (a violated invariant is a bug: it throws
// std::logic_error in every build type, because a wrong answer is worse than a stopped run).
//
//   ClusterSpec spec;
//   spec.pools.push_back({.name = "a100", .gpu_type = "A100-80", .gpus_per_node = 8, .nodes = 16});
//   Cluster cluster(spec);
//   cluster.total_gpus();  // 128
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "orrery/sim/bitset.hpp"
#include "orrery/sim/topology.hpp"

namespace orrery::sim {

// What a pool's nodes cost (docs/cost.md). Cloud pools pay per GPU-hour while a node is up
// (on-demand and spot; rounded up to the billing granularity per node-up interval) or for the
// whole run at a committed rate (reserved). On-premises pools pay capital amortized over years,
// operations per node-year and energy (power at idle and at load, times PUE, times price).
struct PoolPrice {
  enum class Kind { kNone, kOnDemand, kReserved, kSpot, kOnPrem };
  Kind kind = Kind::kNone;
  double per_gpu_hour = 0;                      // on-demand, reserved, spot
  double billing_granularity_s = 1;             // cloud billing unit (e.g. 1 s, 60 s, 3600 s)
  double reserved_term_years = 1;               // informational: the commitment's term
  double spot_interruptions_per_node_hour = 0;  // spot: reclaims that preempt the node's jobs
  double spot_recovery_s = 600;                 // spot: time until capacity is back
  double capex_per_node = 0;                    // on-prem purchase price
  double amortization_years = 4;
  double ops_per_node_year = 0;                 // on-prem operations (staff, space, support)
  double power_idle_kw = 0, power_load_kw = 0;  // per node
  double pue = 1.3;
  double price_per_kwh = 0;
};

// Cluster-autoscaler / Karpenter-like bounds for a pool (docs/cost.md).
struct PoolAutoscale {
  bool enabled = false;
  std::uint32_t min_nodes = 0;        // nodes up at the start; `nodes` is the maximum
  double scale_up_after_s = 60;       // a job pending this long triggers a scale-up
  double provisioning_delay_s = 300;  // request -> node ready
  double scale_down_after_s = 600;    // an idle node above the minimum goes away after this
};

struct NodePoolSpec {
  std::string name;
  std::string gpu_type;  // e.g. "A100-80", "V100"; empty for CPU-only pools
  std::uint32_t gpus_per_node = 8;
  std::uint32_t cpu_cores = 64;           // per node
  std::uint64_t memory_mib = 512 * 1024;  // per node
  std::uint32_t nodes = 1;
  std::uint32_t nvlink_domain = 0;  // GPUs per NVLink domain in a node; 0 = the whole node
  // How jobs asking for part of a GPU share it: time slicing (any fraction; co-located jobs slow
  // each other down) or MIG (the fraction is rounded up to an A100/H100 MIG profile, isolated).
  enum class Sharing { kTimeSlicing, kMig };
  Sharing sharing = Sharing::kTimeSlicing;
  PoolPrice price;
  PoolAutoscale autoscale;
};

struct ClusterSpec {
  std::string name;
  std::vector<NodePoolSpec> pools;
  TopologySpec topology;

  std::uint32_t total_gpus() const {
    std::uint32_t g = 0;
    for (const auto& p : pools) g += p.gpus_per_node * p.nodes;
    return g;
  }
};

// MIG (Multi-Instance GPU) on A100 and H100: a GPU splits into 7 compute slices, and an instance
// is one of the profiles 1g, 2g, 3g, 4g or 7g (NVIDIA MIG User Guide, "Supported MIG Profiles";
// there are no 5g or 6g instances). A fraction of a GPU becomes the smallest profile that holds
// it, in thousandths: k slices = 142 k (so that 4g + 3g, 3g + 3g + 1g and seven 1g fit in 1000),
// and 7g = 1000. Slice placement constraints inside a GPU are not modelled.
inline std::uint32_t mig_profile_milli(std::uint32_t milli) {
  if (milli == 0 || milli >= 1000) return milli;
  std::uint32_t slices = (milli * 7 + 999) / 1000;
  if (slices > 4) return 1000;
  return slices * 142;
}

// A job's demand resolved against a cluster: the GPU type is a pool-type id of this cluster.
struct Demand {
  static constexpr std::uint32_t kAnyType = 0xffffffffU;
  std::uint32_t tasks = 1;
  std::uint32_t gpu_milli = 0;  // per task
  std::uint32_t gpu_type = kAnyType;
  std::uint32_t cpu_milli = 0;
  std::uint64_t memory_mib = 0;

  std::uint32_t gpus_per_task() const {
    return gpu_milli >= 1000 ? gpu_milli / 1000 : (gpu_milli > 0 ? 1 : 0);
  }
  std::uint32_t milli_per_gpu() const { return gpu_milli >= 1000 ? 1000 : gpu_milli; }
  std::uint64_t total_gpu_milli() const { return std::uint64_t{tasks} * gpu_milli; }
};

// Where each task of a job runs. Task i occupies gpus[i*g .. (i+1)*g) with g = gpus_per_task,
// each at `milli_per_gpu` thousandths, and CPU/memory on node task_nodes[i].
struct Placement {
  std::vector<std::uint32_t> task_nodes;
  std::vector<std::uint32_t> gpus;
  std::uint32_t milli_per_gpu = 1000;

  bool empty() const { return task_nodes.empty(); }
  std::uint32_t distinct_nodes() const;
};

struct Node {
  std::uint32_t pool = 0;
  std::uint32_t rack = 0;       // global rack id
  std::uint32_t first_gpu = 0;  // global id of the node's first GPU
  std::uint32_t gpus = 0;
  std::uint32_t free_gpus = 0;  // GPUs with nothing allocated on them
  std::uint32_t free_cpu_milli = 0;
  std::uint64_t free_memory_mib = 0;
  bool down = false;  // failed, under repair: nothing can be placed on it
};

class Cluster {
 public:
  explicit Cluster(const ClusterSpec& spec);
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const ClusterSpec& spec() const { return spec_; }
  const Topology& topology() const { return *topology_; }
  std::span<const Node> nodes() const { return nodes_; }
  const Node& node(std::uint32_t id) const { return nodes_[id]; }
  std::uint32_t node_count() const { return static_cast<std::uint32_t>(nodes_.size()); }
  std::uint32_t total_gpus() const { return static_cast<std::uint32_t>(gpu_used_milli_.size()); }
  std::uint32_t gpu_used_milli(std::uint32_t gpu) const { return gpu_used_milli_[gpu]; }
  std::uint64_t allocated_gpu_milli() const { return allocated_gpu_milli_; }
  // Fully-free GPUs of one type (kAnyType: all types).
  std::uint64_t free_whole_gpus(std::uint32_t type = Demand::kAnyType) const;

  // GPU types present, by id; pool_type(p) gives a pool's type id.
  const std::vector<std::string>& gpu_types() const { return type_names_; }
  std::optional<std::uint32_t> find_gpu_type(std::string_view name) const;
  std::uint32_t pool_type(std::uint32_t pool) const { return pool_type_[pool]; }
  bool pool_matches(std::uint32_t pool, const Demand& d) const {
    return d.gpu_type == Demand::kAnyType || pool_type_[pool] == d.gpu_type;
  }

  // Nodes of a pool with exactly k fully-free GPUs (0 <= k <= gpus_per_node).
  const DynamicBitset& nodes_with_free(std::uint32_t pool, std::uint32_t k) const {
    return free_index_[pool][k];
  }
  std::uint32_t pool_first_node(std::uint32_t pool) const { return pool_first_node_[pool]; }
  // Nodes in service ordered by free CPU, then id, as keys (free_cpu_milli << 32 | node): the
  // best-fit node for a CPU-only task is the first key at or above (cpu_milli << 32) that passes
  // the other checks, found in O(log nodes) instead of a scan of every node.
  const std::set<std::uint64_t>& nodes_by_free_cpu() const { return by_free_cpu_; }
  static std::uint64_t free_cpu_key(std::uint32_t free_cpu_milli, std::uint32_t node) {
    return std::uint64_t{free_cpu_milli} << 32 | node;
  }
  static std::uint32_t free_cpu_key_node(std::uint64_t key) {
    return static_cast<std::uint32_t>(key & 0xffffffffU);
  }
  std::uint32_t pool_node_count(std::uint32_t pool) const { return spec_.pools[pool].nodes; }

  // Could the demand be placed on this cluster when it is empty? (Answers "never fits".)
  bool fits_when_empty(const Demand& d) const;
  // Does the demand (of part of a GPU) go to a MIG pool: one of its type is partitioned by MIG?
  bool shares_by_mig(const Demand& d) const;
  // Can one task of the demand go on this node now (ignoring the rest of the gang)?
  bool task_fits_node(const Demand& d, std::uint32_t node) const;

  // Takes a node out of service (it must hold no allocation) or brings it back. A down node is in
  // no free-capacity index and fits no task.
  void set_node_down(std::uint32_t node, bool down);
  std::uint32_t nodes_down() const { return nodes_down_; }
  // Changes whenever a node goes out of service or comes back (a policy's own copy of the free
  // resources, kept between passes from the run changes, is made again then).
  std::uint64_t service_epoch() const { return service_epoch_; }

  void allocate(const Demand& d, const Placement& p);
  void release(const Demand& d, const Placement& p);

  // Changes whenever capacity may have grown (a release, a node back in service). While it stays
  // the same, free resources have only shrunk, so a demand that found no placement still finds
  // none (placers fail monotonically, see Placer): schedulers use it to skip repeated attempts.
  std::uint64_t release_epoch() const { return release_epoch_; }

 private:
  void set_free_gpus(std::uint32_t node, std::uint32_t free);
  void reindex_cpu(std::uint32_t node);  // after the node's free CPU changed (it is in service)

  ClusterSpec spec_;
  std::unique_ptr<Topology> topology_;
  std::vector<Node> nodes_;
  std::vector<std::uint16_t> gpu_used_milli_;
  std::vector<std::string> type_names_;
  std::vector<std::uint32_t> pool_type_;
  std::vector<std::uint32_t> pool_first_node_;
  std::vector<std::vector<DynamicBitset>> free_index_;  // [pool][free gpus] -> local node bits
  std::vector<std::uint64_t> free_whole_by_type_;
  std::set<std::uint64_t> by_free_cpu_;
  std::vector<std::uint32_t> indexed_cpu_;  // per node: the free CPU its by_free_cpu_ key holds
  std::uint64_t allocated_gpu_milli_ = 0;
  std::uint32_t nodes_down_ = 0;
  std::uint64_t release_epoch_ = 1;
  std::uint64_t service_epoch_ = 1;
};

}  // namespace orrery::sim
