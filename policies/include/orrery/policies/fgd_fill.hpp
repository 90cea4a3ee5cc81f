// The FGD fill experiment (Weng et al., USENIX ATC '23, §6): reproduction mode.
//
// Pods of a pod list arrive one by one, in order, onto an empty cluster and stay (no departures);
// each is placed by the placement under test or counted as failed (no retry). The workload can
// be inflated, as the paper does, to a multiple of the cluster's GPU capacity: the list in order,
// then pods drawn uniformly with replacement from it (seeded) until the arrived GPU demand reaches
// the multiple (or the list cut where it reaches it, when the list alone is larger). As pods
// arrive the run records, against the arrived GPU demand, the GPU allocation ratio and the
// fragmentation (fragmentation.hpp) with respect to the target workload: the pod list's own
// distribution of task classes, taken from the list before inflation.
//
//   std::vector<FillPod> pods = ...;             // e.g. openb_pod_list_default.csv
//   FillOptions o;
//   o.inflate = 1.3;
//   std::vector<FillRun> runs = run_fgd_fill(cluster_spec, pods, o);   // one run per placement
//   write_fill_csv(runs, std::cout);
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "orrery/policies/sharing_placers.hpp"
#include "orrery/sim/cluster.hpp"

namespace orrery::policies {

struct FillPod {
  std::string name;
  std::uint32_t cpu_milli = 0;
  std::uint64_t memory_mib = 0;
  std::uint32_t gpu_milli = 0;          // as sim::Demand: a share of one GPU, or k * 1000
  std::vector<std::string> gpu_models;  // allowed GPU models; empty = any

  double gpus() const { return gpu_milli / 1000.0; }
};

struct FillOptions {
  std::vector<SharingStrategy> placements = sharing_strategies();
  std::optional<double> inflate;  // arrived GPU demand as a multiple of the cluster's GPUs
  std::uint64_t seed = 1;         // inflation sampling and the random placement
  double record_every = 0.01;     // a curve point per this share of GPU capacity arrived
};

struct FillPoint {
  std::uint64_t pods = 0;    // pods arrived so far
  std::uint64_t failed = 0;  // of which could not be placed
  double arrived_gpus = 0;   // GPU demand arrived, placed or not
  double allocated_gpus = 0;
  double fragmented_gpus = 0;  // sum_n F_n(M)
  double idle_gpus = 0;
};

struct FillRun {
  SharingStrategy placement = SharingStrategy::kFgd;
  double capacity_gpus = 0;
  std::vector<FillPoint> curve;  // ends with the final point
  FillPoint final;
  double wall_seconds = 0;
};

// The pod list inflated (or cut) to `ratio` x `capacity_gpus` of arrived GPU demand.
std::vector<FillPod> inflate_pods(const std::vector<FillPod>& pods, double capacity_gpus,
                                  double ratio, std::uint64_t seed);

// One run per placement in options.placements, in that order. Throws sim::InputError for an
// empty cluster or bad options.
std::vector<FillRun> run_fgd_fill(const sim::ClusterSpec& cluster, const std::vector<FillPod>& pods,
                                  const FillOptions& options);

// CSV, one row per curve point: placement, pods, failed_pods, arrived_gpus, arrived_ratio,
// allocated_gpus, allocation_ratio, fragmented_gpus, fragmentation_ratio (of idle GPUs),
// idle_gpus.
void write_fill_csv(const std::vector<FillRun>& runs, std::ostream& out);

}  // namespace orrery::policies
