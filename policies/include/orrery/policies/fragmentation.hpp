// GPU fragmentation as the FGD paper measures it (Weng et al., "Beware of Fragmentation:
// Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC '23, §3).
//
// Fragmentation is statistical: it is the GPU capacity left idle on a node that the tasks the
// cluster expects (the target workload, a distribution of task classes with popularities p_m)
// could not use. For one node n and one task class m:
//   - m cannot run on n at all (not enough CPU or memory, no GPU with room, wrong GPU model, or
//     m asks for no GPU): every idle GPU milli on n is a fragment for m;
//   - m can run on n: the GPUs whose idle share is below min(m's GPU request, 1 GPU) are
//     fragments for m (a 0.5-GPU task cannot use a GPU with 0.3 idle; a whole-GPU task cannot use
//     any partly used GPU).
// F_n(M) = sum_m p_m F_n(m); the cluster's fragmentation is sum_n F_n(M). The fragmentation ratio
// reported next to it is fragmented / idle GPU capacity (the paper's Fig. 7b).
//
//   TaskDistribution m;
//   m.add({.gpu_milli = 500}, 3);           // three half-GPU tasks
//   m.add({.gpu_milli = 1000}, 1);          // one whole-GPU task
//   m.finish();                             // popularities 0.75 and 0.25
//   FragmentationSummary s = cluster_fragmentation(cluster, m);
//   s.fragmented_gpus / s.idle_gpus;        // the fragmentation ratio
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::policies {

// GPU types a task may use, as a bit mask over the cluster's GPU-type ids (types 0..62; every
// type from 63 on shares bit 63).
inline constexpr std::uint64_t kAnyGpuType = ~std::uint64_t{0};
inline std::uint64_t gpu_type_bit(std::uint32_t type) {
  return std::uint64_t{1} << (type < 63 ? type : 63);
}
inline std::uint64_t gpu_type_mask(std::uint32_t demand_type) {
  return demand_type == sim::Demand::kAnyType ? kAnyGpuType : gpu_type_bit(demand_type);
}

// The most GPUs one node may have for the fragmentation measure and the sharing placers.
inline constexpr std::uint32_t kMaxNodeGpus = 64;

// A node's idle resources.
struct NodeResources {
  std::uint32_t gpu_type = sim::Demand::kAnyType;  // the cluster's GPU-type id of the node
  std::uint32_t cpu_free_milli = 0;
  std::uint64_t memory_free_mib = 0;
  std::uint32_t cpu_capacity_milli = 0;  // the node's whole CPU (for scores that normalize)
  std::uint32_t gpus = 0;
  std::array<std::uint16_t, kMaxNodeGpus> gpu_free_milli{};  // per GPU, 0..1000

  std::uint32_t idle_gpu_milli() const {
    std::uint32_t t = 0;
    for (std::uint32_t g = 0; g < gpus; ++g) t += gpu_free_milli[g];
    return t;
  }
};

// The node's idle resources as the cluster holds them now (throws std::invalid_argument for a
// node with more than kMaxNodeGpus GPUs).
NodeResources node_resources(const sim::Cluster& cluster, std::uint32_t node);

// One class of task: its demand (as sim::Demand: gpu_milli < 1000 is a share of one GPU, a
// multiple of 1000 is that many whole GPUs) and, once the distribution is finished, its
// popularity.
struct TaskClass {
  std::uint32_t cpu_milli = 0;
  std::uint64_t memory_mib = 0;
  std::uint32_t gpu_milli = 0;
  std::uint64_t type_mask = kAnyGpuType;
  double popularity = 0;

  bool same_shape(const TaskClass& o) const {
    return cpu_milli == o.cpu_milli && memory_mib == o.memory_mib && gpu_milli == o.gpu_milli &&
           type_mask == o.type_mask;
  }
};

// Can one task of class t run on the node? (CPU, memory, GPU model and GPU room.)
bool task_fits(const NodeResources& n, const TaskClass& t);

// The target workload: task classes with popularities summing to 1.
class TaskDistribution {
 public:
  // Adds `count` tasks of this shape (merged with an equal shape). Call finish() before use.
  void add(const TaskClass& shape, double count);
  // Normalizes popularities and builds the evaluation index; adding again is allowed afterwards
  // (call finish() again).
  void finish();
  bool empty() const { return classes_.empty(); }
  std::span<const TaskClass> classes() const { return classes_; }

  // From a workload resolved against a cluster: each job adds `tasks` tasks of its shape; jobs
  // whose GPU model the cluster lacks are left out.
  static TaskDistribution of_workload(const sim::Workload& workload, const sim::Cluster& cluster);

 private:
  friend double node_fragmentation(const NodeResources& n, const TaskDistribution& m);
  struct Group {  // classes with the same GPU request and GPU models
    std::uint32_t gpu_milli = 0;
    std::uint64_t type_mask = kAnyGpuType;
    double popularity = 0;
    std::uint32_t first = 0, count = 0;  // range in by_group_
  };
  std::vector<TaskClass> classes_;
  std::vector<double> counts_;
  std::vector<Group> groups_;
  std::vector<TaskClass> by_group_;
  bool finished_ = false;
};

// F_n(m) in GPU milli.
double task_fragmentation(const NodeResources& n, const TaskClass& m);
// F_n(M) = sum_m p_m F_n(m), in GPU milli. Throws std::logic_error if `m` is not finished.
double node_fragmentation(const NodeResources& n, const TaskDistribution& m);

struct FragmentationSummary {
  double fragmented_gpus = 0;  // sum_n F_n(M) / 1000
  double idle_gpus = 0;        // idle GPU capacity, in GPUs
  double total_gpus = 0;
  // Fragmented share of the idle GPU capacity (0 when nothing is idle).
  double ratio() const { return idle_gpus > 0 ? fragmented_gpus / idle_gpus : 0.0; }
};

FragmentationSummary cluster_fragmentation(const sim::Cluster& cluster, const TaskDistribution& m);

}  // namespace orrery::policies
