// Each policy file defines one of these; registry.cpp lists them (one line each).
#pragma once

#include "orrery/policies/registry.hpp"

namespace orrery::policies {
PolicyInfo fifo_policy();
PolicyInfo fifo_skip_policy();
PolicyInfo sjf_policy();
PolicyInfo srtf_policy();
PolicyInfo easy_backfill_policy();
// Lists kept in their own files so families of policies can grow independently.
std::vector<PolicyInfo> research_policies();    // research_list.cpp
std::vector<PlacerInfo> research_placers();     // research_list.cpp (Tiresias' `count`)
std::vector<PolicyInfo> production_policies();  // production_list.cpp
std::vector<PlacerInfo> sharing_placers();      // production_list.cpp (FGD and friends)
}  // namespace orrery::policies
