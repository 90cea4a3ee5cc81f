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

// The string at `key` of `j`, or `fallback` when `j` is not an object or has no such key. A value
// that is not a string is a problem at `loc` (the value's location, "plan.json: pools[0].name");
// nlohmann's value() would throw type_error, an exception no caller expects from a user's file.
inline std::string string_at(const nlohmann::json& j, const std::string& key, std::string fallback,
                             const std::string& loc, sim::Problems& problems) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const nlohmann::json& v = j.at(key);
  if (!v.is_string()) {
    problems.add(loc, "must be a string, got " + kind(v));
    return fallback;
  }
  return v.get<std::string>();
}

}  // namespace orrery::plan::detail
