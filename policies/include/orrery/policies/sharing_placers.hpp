// GPU-sharing placements: FGD and the baselines of its paper (Weng et al., USENIX ATC '23, §6.1),
// over CPU, memory and fractional GPUs (Demand::gpu_milli), with GPU-model constraints.
//
//   fgd            fragmentation gradient descent: the node (and GPU) where the task adds the least
//                  fragmentation F_n(M) of the target workload (fragmentation.hpp)
//   bestfit        the node with the least idle resources left after placing the task: a weighted
//                  sum of idle CPU and idle GPU, each normalized by the cluster's largest node
//   dotprod        the node with the smallest dot product of its idle resources and the task's
//                  demand (CPU and GPU, each normalized by the node's capacity), as in Tetris
//   gpu-packing    partly used GPUs first (shared tasks), then idle GPUs of nodes already in use,
//                  then idle nodes; best fit inside each tier
//   gpu-clustering nodes already hosting tasks of the same GPU request first (inferred from the
//                  per-GPU usage: a GPU whose used share is a multiple of the request), then best
//                  fit
//   random         a uniformly random node that fits, and a random GPU on it (seeded)
// Ties go to the lowest node id. A shared task goes to one GPU: best fit on it (least idle share
// that still fits) for every strategy but fgd (least fragmentation) and random (random GPU).
// Whole-GPU tasks take the node's lowest-numbered idle GPUs.
//
// As sim::Placer (registered as placements by these names), a gang is placed task by task on a
// tentative copy of the nodes, whole or not at all. The Placer interface gives no workload, so
// the fgd placer learns its target distribution online from the demands it places (each task of a
// demand it placed, plus the demand being placed); the fill experiment (fgd_fill.hpp) gives it
// the pod list's distribution instead, as the paper does. The random placer owns a
// std::mt19937_64 with a fixed seed (kSharingSeed), so runs are reproducible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orrery/policies/fragmentation.hpp"
#include "orrery/sim/scheduler.hpp"

namespace orrery::policies {

enum class SharingStrategy : std::uint8_t {
  kFgd,
  kBestFit,
  kDotProd,
  kGpuPacking,
  kGpuClustering,
  kRandom
};

inline constexpr std::uint64_t kSharingSeed = 0x0123456789abcdefULL;

std::string_view sharing_strategy_name(SharingStrategy s);
std::optional<SharingStrategy> parse_sharing_strategy(std::string_view name);
// All six, in the order above.
const std::vector<SharingStrategy>& sharing_strategies();

// Where one task goes: a node and, for a GPU task, the node-local indices of its GPUs.
struct TaskChoice {
  std::uint32_t node = 0;
  std::vector<std::uint32_t> gpus;
};

// Applies a choice to the node's idle resources.
void apply_task(NodeResources& n, const TaskClass& task, const TaskChoice& choice);

// A memo for fgd when the target distribution is fixed (the fill experiment): nodes with equal
// idle resources (up to GPU order) share a state id, and a task class's fragmentation gradient
// on a state is computed once.
class FgdMemo {
 public:
  // Call once per node before use and again whenever the node's resources change.
  void set_node(std::uint32_t node, const NodeResources& r);
  std::uint32_t state_of(std::uint32_t node) const { return node_state_[node]; }
  std::size_t states() const { return ids_.size(); }

 private:
  friend class SharingChooser;
  struct Entry {
    double delta = 0;
    std::int32_t pick = -2;  // -2 unknown, -1 does not fit, else the idle share of the GPU used
  };
  std::vector<std::uint32_t> node_state_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::vector<Entry>> table_;  // [task class][state]
};

// The scoring core shared by the placers and the fill experiment.
class SharingChooser {
 public:
  SharingChooser(SharingStrategy strategy, std::uint64_t seed);
  SharingStrategy strategy() const { return strategy_; }

  // A node and GPUs for one task of class `task` among `nodes` (every node's idle resources), or
  // nullopt when it fits nowhere. fgd needs `target` (finished); with `memo` and the index of
  // `task` among target->classes(), fgd's gradients are memoized.
  std::optional<TaskChoice> choose(std::span<const NodeResources> nodes, const TaskClass& task,
                                   const TaskDistribution* target, FgdMemo* memo = nullptr,
                                   std::uint32_t task_class = 0);

 private:
  SharingStrategy strategy_;
  std::mt19937_64 rng_;
};

std::unique_ptr<sim::Placer> make_sharing_placer(SharingStrategy strategy,
                                                 std::uint64_t seed = kSharingSeed);

}  // namespace orrery::policies
