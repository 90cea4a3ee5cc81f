// Production schedulers (Kubernetes default, Volcano, Kueue, Slurm) and GPU-sharing placements
// (FGD and the baselines of its paper): one line each.
#include "production_parts.hpp"

namespace orrery::policies {

std::vector<PolicyInfo> production_policies() {
  return {
      kube_default_policy(),
      volcano_policy(),
      kueue_policy(),
      slurm_policy(),
  };
}
std::vector<PlacerInfo> sharing_placers() {
  return {
      fgd_placer(),         bestfit_placer(),        dotprod_placer(),
      gpu_packing_placer(), gpu_clustering_placer(), random_sharing_placer(),
  };
}

}  // namespace orrery::policies
