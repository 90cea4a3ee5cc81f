#include "orrery/sim/runtime_model.hpp"

#include <algorithm>

namespace orrery::sim {

ModelRuntime::ModelRuntime(RuntimeModelParams params, const Workload& workload)
    : params_(std::move(params)), workload_(workload) {}

double ModelRuntime::speed(const JobSpec& job, const Demand& demand, const Placement& placement,
                           const Cluster& cluster) const {
  return factors(job, demand, placement, cluster).speed();
}

SpeedFactors ModelRuntime::factors(const JobSpec& job, const Demand& demand,
                                   const Placement& placement, const Cluster& cluster) const {
  SpeedFactors f;
  const std::string& job_class = workload_.job_classes[job.job_class];
  // Hardware: a gang runs at the pace of its slowest GPU type.
  const std::string& observed =
      job.gpu_type != 0 ? workload_.gpu_types[job.gpu_type] : params_.observed_gpu_type;
  if (!observed.empty()) {
    double slowest = 0;
    bool any = false;
    for (std::uint32_t node : placement.task_nodes) {
      const std::string& placed = cluster.spec().pools[cluster.node(node).pool].gpu_type;
      const double r = params_.throughput.relative(job_class, placed, observed);
      if (!any || r < slowest) slowest = r;
      any = true;
    }
    if (any) f.hardware = slowest;
  }
  // Placement: communication slows down on the slowest link among the job's GPUs.
  if (params_.placement_slowdown && placement.gpus.size() > 1) {
    const TopologySpan span = cluster.topology().span(placement.gpus);
    const double reference = cluster.topology().spec().nvlink_gbps;
    if (span.level > TopologyLevel::kGpu && span.bottleneck_gbps < reference &&
        span.bottleneck_gbps > 0) {
      const double c = params_.throughput.profile(job_class).comm_fraction;
      f.placement = 1.0 / ((1.0 - c) + c * reference / span.bottleneck_gbps);
    }
  }
  // Sharing: time-sliced co-location with other jobs on the same GPUs.
  // MIG instances are isolated: no interference.
  const bool mig = !placement.task_nodes.empty() &&
                   cluster.spec().pools[cluster.node(placement.task_nodes.front()).pool].sharing ==
                       NodePoolSpec::Sharing::kMig;
  if (!mig && demand.gpu_milli > 0 && demand.gpu_milli < 1000 && !placement.gpus.empty()) {
    double others = 0;
    for (std::uint32_t gpu : placement.gpus) {
      const double used = cluster.gpu_used_milli(gpu);
      others += std::max(0.0, used - placement.milli_per_gpu) / 1000.0;
    }
    others /= static_cast<double>(placement.gpus.size());
    f.sharing = 1.0 / (1.0 + params_.sharing_interference * others);
  }
  return f;
}

}  // namespace orrery::sim
