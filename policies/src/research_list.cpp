// Research schedulers (Tiresias, Themis, Gavel, Gandiva, YARN capacity scheduler): one line each.
// Each is defined in its own research_<name>.cpp; docs/policies.md describes them.
#include "policy_list.hpp"

namespace orrery::policies {

PolicyInfo tiresias_las_policy();          // research_tiresias.cpp
PolicyInfo tiresias_gittins_policy();      // research_tiresias.cpp
PolicyInfo tiresias_compat_dlas_policy();  // research_tiresias_compat.cpp
PolicyInfo tiresias_compat_fifo_policy();  // research_tiresias_compat.cpp
PolicyInfo tiresias_compat_srtf_policy();  // research_tiresias_compat.cpp
PolicyInfo tiresias_compat_srsf_policy();  // research_tiresias_compat.cpp
PolicyInfo themis_policy();                // research_themis.cpp
PolicyInfo gavel_maxmin_policy();          // research_gavel.cpp
PolicyInfo gavel_makespan_policy();        // research_gavel.cpp
PolicyInfo gavel_throughput_policy();      // research_gavel.cpp
PolicyInfo gandiva_policy();               // research_gandiva.cpp
PolicyInfo yarn_cs_policy();               // research_yarn_cs.cpp
PlacerInfo count_placer();                 // research_tiresias_compat.cpp

std::vector<PolicyInfo> research_policies() {
  return {
      tiresias_las_policy(),
      tiresias_gittins_policy(),
      tiresias_compat_dlas_policy(),
      tiresias_compat_fifo_policy(),
      tiresias_compat_srtf_policy(),
      tiresias_compat_srsf_policy(),
      themis_policy(),
      gavel_maxmin_policy(),
      gavel_makespan_policy(),
      gavel_throughput_policy(),
      gandiva_policy(),
      yarn_cs_policy(),
  };
}

std::vector<PlacerInfo> research_placers() {
  return {count_placer()};
}

}  // namespace orrery::policies
