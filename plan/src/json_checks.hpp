// Helpers shared by the plan/ file readers (sweep specs, plan files): how a JSON value is named
// in an error message, and the check that an object has no unknown keys.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "orrery/sim/problems.hpp"

namespace orrery::plan::detail {

inline std::string kind(const nlohmann::json& v) {
  if (v.is_string()) return "a string " + v.dump();
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_boolean()) return v.dump();
  if (v.is_null()) return "null";
  if (v.is_array()) return "an array";
  return "an object";
}

// Checks an object's keys against the known ones.
inline void check_keys(const nlohmann::json& j, const std::set<std::string>& known,
                       const std::string& where, sim::Problems& problems) {
  for (const auto& [k, v] : j.items()) {
    if (!known.count(k)) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      problems.add(where + "." + k, "unknown key (known: " + list + ")");
    }
  }
}

}  // namespace orrery::plan::detail
