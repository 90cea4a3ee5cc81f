// Paths into a scenario's JSON document, for sweep axes and plan candidates.
//
// Two spellings:
//   dotted:        cluster.pools[0].nodes    cluster.pools[name=a100].gpu_type    seed
//   JSON Pointer:  /cluster/pools/0/nodes    (RFC 6901, '~1' for '/', '~0' for '~')
// A dotted path is keys separated by '.', with `[i]` (array index) or `[key=value]` (the one
// element of an array of objects whose `key` is the string `value`) after any key.
//
//   JsonPath p = JsonPath::parse("cluster.pools[name=a100].nodes");
//   set_path(doc, p, 8);   // creates missing object keys; never grows arrays
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace orrery::plan {

// A path that does not parse, or does not fit the document it is applied to.
class PathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PathStep {
  enum class Kind { kKey, kIndex, kMatch };
  Kind kind = Kind::kKey;
  std::string key;          // kKey: the member; kMatch: the member compared
  std::size_t index = 0;    // kIndex
  std::string match_value;  // kMatch
};

struct JsonPath {
  std::string text;  // as written
  std::vector<PathStep> steps;

  static JsonPath parse(const std::string& text);  // throws PathError
};

// The value at `path`, or nullptr when some step is missing.
const nlohmann::json* find_path(const nlohmann::json& doc, const JsonPath& path);
// Sets the value at `path`. Missing object members along the way are created (as objects);
// an index past the end of an array, a [key=value] that matches no element or several, or a step
// through a value that is not an object/array is a PathError naming the step.
void set_path(nlohmann::json& doc, const JsonPath& path, nlohmann::json value);

}  // namespace orrery::plan
