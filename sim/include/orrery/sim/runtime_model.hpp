// The runtime model: how fast a job runs where it is placed (docs/runtime-model.md).
//
// speed = hardware x placement x sharing, where
//   hardware  = throughput(class, placed GPU type) / throughput(class, observed GPU type), from the
//               ThroughputTable (1 when the observed type is unknown);
//   placement = 1 / ((1 - c) + c * B_nvlink / B), with c the class's communication share at
//               NVLink bandwidth and B the bottleneck bandwidth among the job's GPUs (topology);
//   sharing   = 1 / (1 + alpha * L), with L the mean load of other jobs on the job's shared GPUs
//               (time-sliced GPU sharing; evaluated when the job starts).
// Preemption, checkpoint and failure costs are engine options (simulation.hpp: Overheads,
// FailureModel), so every runtime model pays them the same way.
//
//   RuntimeModelParams p;
//   p.observed_gpu_type = "V100";
//   auto model = std::make_unique<ModelRuntime>(p, workload);
#pragma once

#include <string>

#include "orrery/sim/scheduler.hpp"
#include "orrery/sim/throughput.hpp"

namespace orrery::sim {

struct RuntimeModelParams {
  ThroughputTable throughput = ThroughputTable::defaults();
  std::string observed_gpu_type;  // hardware the trace ran on, for jobs that name none
  bool placement_slowdown = true;
  double sharing_interference = 0.1;  // alpha
};

struct SpeedFactors {
  double hardware = 1, placement = 1, sharing = 1;
  double speed() const { return hardware * placement * sharing; }
};

class ModelRuntime final : public RuntimeModel {
 public:
  ModelRuntime(RuntimeModelParams params, const Workload& workload);
  std::string_view name() const override { return "model"; }
  double speed(const JobSpec& job, const Demand& demand, const Placement& placement,
               const Cluster& cluster) const override;
  SpeedFactors factors(const JobSpec& job, const Demand& demand, const Placement& placement,
                       const Cluster& cluster) const;
  const RuntimeModelParams& params() const { return params_; }

 private:
  RuntimeModelParams params_;
  const Workload& workload_;
};

}  // namespace orrery::sim
