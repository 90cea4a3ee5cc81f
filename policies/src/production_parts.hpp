// The production family's registry entries (listed in production_list.cpp), one per file.
#pragma once

#include "policy_list.hpp"

namespace orrery::policies {
PolicyInfo kube_default_policy();  // production_kube_default.cpp
PolicyInfo volcano_policy();       // production_volcano.cpp
PolicyInfo kueue_policy();         // production_kueue.cpp
PolicyInfo slurm_policy();         // production_slurm.cpp
// production_sharing_placers.cpp
PlacerInfo fgd_placer();
PlacerInfo bestfit_placer();
PlacerInfo dotprod_placer();
PlacerInfo gpu_packing_placer();
PlacerInfo gpu_clustering_placer();
PlacerInfo random_sharing_placer();
}  // namespace orrery::policies
