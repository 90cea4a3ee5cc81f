// What a live Slurm cluster's own slurm.conf says about its shape and its scheduler.
//
// Reads the keys the simulator's Slurm model needs: SchedulerType, SchedulerParameters
// (bf_interval, bf_resolution, sched_interval, batch_sched_delay, ...), NodeName lines with their
// CPUs, RealMemory and Gres=gpu:TYPE:N (NodeName=DEFAULT lines supply defaults), PartitionName
// lines, and where the controller writes its log and the jobcomp/filetxt records. Node names
// use Slurm's hostlist syntax (n[1-4,7], gpu[01-16]); expand_hostlist handles it.
//
//   SlurmConf conf = read_slurm_conf("/etc/slurm/slurm.conf");
//   sim::ClusterSpec spec = conf.cluster_spec("gpu");   // the partition's nodes as node pools
//   conf.scheduler_seconds("bf_interval", 30);         // 1 with the low-latency settings
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orrery/sim/cluster.hpp"

namespace orrery::calibrate {

// Expands a Slurm hostlist ("n[1-3,5],m01") into names; throws sim::InputError on bad syntax.
std::vector<std::string> expand_hostlist(std::string_view list);

struct SlurmNode {
  std::string name;
  std::uint32_t cpus = 1;
  std::uint64_t memory_mib = 1;
  std::string gpu_type;  // empty when the GRES is untyped
  std::uint32_t gpus = 0;
  std::uint64_t weight = 1;  // Weight= (Slurm's default 1)
};

struct SlurmPartition {
  std::string name;
  std::vector<std::string> nodes;
  bool is_default = false;
};

struct SlurmConf {
  std::string path;
  std::map<std::string, std::string> keys;  // lower-cased key -> value, last one wins
  std::vector<SlurmNode> nodes;             // in the order slurm.conf lists them
  std::vector<SlurmPartition> partitions;
  std::map<std::string, std::string> scheduler_parameters;  // "bf_continue" -> ""

  std::string get(std::string_view key, std::string fallback = {}) const;
  std::string scheduler_type() const { return get("schedulertype", "sched/backfill"); }
  // A SchedulerParameters value in seconds, or `fallback` (Slurm's default) when absent.
  double scheduler_seconds(const std::string& name, double fallback) const;
  // The partition of that name, or the default one (the first when none is marked Default).
  const SlurmPartition* partition(std::string_view name = {}) const;
  const SlurmNode* node(std::string_view name) const;
  // The partition's nodes grouped into node pools of identical nodes of one Weight= (order
  // kept); `weights`, when given, gets each pool's Weight.
  sim::ClusterSpec cluster_spec(std::string_view partition = {},
                                std::vector<std::uint64_t>* weights = nullptr) const;
  // Whether the partition's nodes have different Weight= values (Slurm allocates the lowest
  // first; the `slurm` policy's "Weight" parameter takes them per pool of cluster_spec).
  bool weights_differ(std::string_view partition = {}) const;
};

// Parses slurm.conf text (Include lines resolve against `path`'s folder). Throws sim::InputError
// listing every problem.
SlurmConf parse_slurm_conf(const std::string& text, const std::string& path);
SlurmConf read_slurm_conf(const std::string& path);

}  // namespace orrery::calibrate
