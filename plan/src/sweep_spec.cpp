#include "orrery/plan/sweep_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "json_checks.hpp"
#include "orrery/plan/run_one.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::plan {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxRuns = 100'000'000;

std::string fmt_double(double v) {
  return fmt::format("{:.12g}", v);
}

using detail::check_keys;
using detail::kind;

std::vector<json> expand_range(const json& r, const std::string& where, sim::Problems& problems) {
  std::vector<json> out;
  if (!r.is_object()) {
    problems.add(where, "must be an object {\"from\", \"to\", \"step\"}, got " + kind(r));
    return out;
  }
  check_keys(r, {"from", "to", "step"}, where, problems);
  const json from = r.value("from", json()), to = r.value("to", json());
  const json step = r.value("step", json(1));
  if (!from.is_number() || !to.is_number() || !step.is_number()) {
    problems.add(where, "from, to and step must be numbers");
    return out;
  }
  const bool integral =
      from.is_number_integer() && to.is_number_integer() && step.is_number_integer();
  const double f = from.get<double>(), t = to.get<double>(), s = step.get<double>();
  if (!(s > 0)) {
    problems.add(where + ".step", "must be > 0, got " + step.dump());
    return out;
  }
  if (t < f) {
    problems.add(where, "to (" + to.dump() + ") is below from (" + from.dump() + ")");
    return out;
  }
  const double n = std::floor((t - f) / s + 1e-9) + 1;
  if (n > 1e6) {
    problems.add(where, "more than a million values");
    return out;
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    if (integral) {
      out.emplace_back(from.get<std::int64_t>() +
                       static_cast<std::int64_t>(i) * step.get<std::int64_t>());
    } else {
      // Rounded to 12 significant digits so 0.1 steps give 0.3, not 0.30000000000000004.
      const double v = f + static_cast<double>(i) * s;
      out.emplace_back(std::stod(fmt_double(v)));
    }
  }
  return out;
}

// Reads the values of an axis ("values" or "range") into `axis.values`.
void read_values(const json& a, const std::string& where, Axis& axis, sim::Problems& problems) {
  const bool has_values = a.contains("values"), has_range = a.contains("range");
  if (has_values == has_range) {
    problems.add(where, "needs exactly one of \"values\" (a list) or \"range\" ({from, to, step})");
    return;
  }
  if (has_range) {
    axis.values = expand_range(a.at("range"), where + ".range", problems);
    return;
  }
  const json& v = a.at("values");
  if (!v.is_array() || v.empty()) {
    problems.add(where + ".values", "must be a non-empty list, got " + kind(v));
    return;
  }
  axis.values.assign(v.begin(), v.end());
}

void check_distinct(const Axis& axis, const std::string& where, sim::Problems& problems) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < axis.values.size(); ++i) {
    const std::string text = axis.values[i].dump();
    auto [it, inserted] = seen.emplace(text, i);
    if (!inserted) {
      problems.add(where + ".values[" + std::to_string(i) + "]",
                   "repeats values[" + std::to_string(it->second) + "] (" + text + ")");
    }
  }
}

void check_policy_value(const json& v, const std::string& where, sim::Problems& problems) {
  if (v.is_string()) return;
  if (v.is_object() && v.contains("name") && v.at("name").is_string()) {
    check_keys(v, {"name", "params"}, where, problems);
    return;
  }
  problems.add(where, "must be a policy name or {\"name\", \"params\"}, got " + kind(v));
}

std::optional<Axis> parse_simple_axis(const json& a, const std::string& where,
                                      sim::Problems& problems) {
  if (!a.is_object()) {
    problems.add(where, "must be an object, got " + kind(a));
    return std::nullopt;
  }
  check_keys(a, {"name", "path", "values", "range", "policy", "transform", "key"}, where, problems);
  Axis axis;
  const std::size_t before = problems.size();
  const int kinds = static_cast<int>(a.contains("path")) + static_cast<int>(a.contains("policy")) +
                    static_cast<int>(a.contains("transform"));
  if (kinds != 1) {
    problems.add(where, "needs exactly one of \"path\", \"policy\" or \"transform\"");
    return std::nullopt;
  }
  if (a.contains("name") && (!a.at("name").is_string() || a.at("name").get<std::string>().empty()))
    problems.add(where + ".name", "must be a non-empty string");
  if (a.contains("policy")) {
    axis.kind = Axis::Kind::kPolicy;
    axis.name = "policy";
    if (a.contains("values") || a.contains("range") || a.contains("key"))
      problems.add(where, "a policy axis lists its policies in \"policy\" (no values/range/key)");
    const json& list = a.at("policy");
    if (!list.is_array() || list.empty()) {
      problems.add(where + ".policy", "must be a non-empty list of policies");
    } else {
      for (std::size_t i = 0; i < list.size(); ++i)
        check_policy_value(list[i], where + ".policy[" + std::to_string(i) + "]", problems);
      axis.values.assign(list.begin(), list.end());
    }
  } else if (a.contains("transform")) {
    axis.kind = Axis::Kind::kTransform;
    const json& t = a.at("transform");
    if (!t.is_string() || t.get<std::string>().empty()) {
      problems.add(where + ".transform", "must be a transform type (scale_load, ...)");
    } else {
      axis.transform = t.get<std::string>();
      axis.name = axis.transform;
    }
    axis.transform_key = "factor";
    if (a.contains("key")) {
      if (!a.at("key").is_string() || a.at("key").get<std::string>().empty())
        problems.add(where + ".key", "must be the transform's key (\"factor\", \"fraction\", ...)");
      else
        axis.transform_key = a.at("key").get<std::string>();
    }
    read_values(a, where, axis, problems);
  } else {
    axis.kind = Axis::Kind::kPath;
    if (a.contains("key")) problems.add(where + ".key", "is only for transform axes");
    const json& p = a.at("path");
    if (!p.is_string()) {
      problems.add(where + ".path", "must be a string such as \"cluster.pools[0].nodes\"");
    } else {
      try {
        axis.path = JsonPath::parse(p.get<std::string>());
        axis.name = axis.path.text;
      } catch (const PathError& e) {
        problems.add(where + ".path", e.what());
      }
    }
    read_values(a, where, axis, problems);
  }
  if (a.contains("name") && a.at("name").is_string() && !a.at("name").get<std::string>().empty())
    axis.name = a.at("name").get<std::string>();
  check_distinct(axis, where, problems);
  if (problems.size() != before) return std::nullopt;
  return axis;
}

json axis_json(const Axis& a) {
  json j = {{"name", a.name}, {"values", a.values}, {"group", a.group}};
  switch (a.kind) {
    case Axis::Kind::kPath:
      j["path"] = a.path.text;
      break;
    case Axis::Kind::kPolicy:
      j["policy"] = true;
      break;
    case Axis::Kind::kTransform:
      j["transform"] = a.transform;
      j["key"] = a.transform_key;
      break;
  }
  return j;
}

}  // namespace

std::size_t SweepSpec::run_count() const {
  std::size_t n = 1;
  for (std::size_t g : group_sizes) n *= g;
  return n;
}

SweepSpec parse_sweep_spec(const json& j, const std::string& where, const std::string& dir) {
  sim::Problems problems;
  SweepSpec spec;
  if (!j.is_object()) {
    problems.add(where, "must be a JSON object");
    problems.throw_if_any();
  }
  check_keys(j, {"name", "description", "base", "mode", "axes"}, where, problems);
  spec.name = detail::string_at(j, "name", "", where + ": name", problems);
  if (j.contains("mode")) {
    const json& m = j.at("mode");
    if (!m.is_string() || (m != "product" && m != "zip"))
      problems.add(where + ": mode", "must be \"product\" or \"zip\", got " + kind(m));
    else
      spec.mode = m.get<std::string>();
  }
  if (j.contains("base") && j.at("base").is_object()) {
    // An inline base scenario: relative paths are relative to the spec's folder.
    spec.base_path = (fs::path(dir.empty() ? "." : dir) / "spec").string();
    try {
      spec.base = resolve_document(j.at("base"), dir, "sweep", where + ": base");
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) problems.add(p.where, p.what);
    }
  } else if (!j.contains("base") || !j.at("base").is_string()) {
    problems.add(where + ": base", "is required: the base scenario (a file name or an object)");
  } else {
    const std::string b = j.at("base").get<std::string>();
    spec.base_path = fs::path(b).is_absolute() || dir.empty()
                         ? b
                         : (fs::path(dir) / b).lexically_normal().string();
    try {
      spec.base = resolve_scenario_document(spec.base_path);
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) problems.add(p.where, p.what);
    }
  }
  if (!j.contains("axes")) {
    problems.add(where + ": axes", "is required: a list of axes");
  } else if (!j.at("axes").is_array()) {
    problems.add(where + ": axes", "must be a list");
  } else {
    const json& axes = j.at("axes");
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const std::string w = where + ": axes[" + std::to_string(i) + "]";
      const std::size_t group = spec.mode == "zip" ? 0 : spec.group_sizes.size();
      if (axes[i].is_object() && axes[i].contains("zip")) {
        check_keys(axes[i], {"zip"}, w, problems);
        const json& members = axes[i].at("zip");
        if (!members.is_array() || members.empty()) {
          problems.add(w + ".zip", "must be a non-empty list of axes");
          continue;
        }
        for (std::size_t k = 0; k < members.size(); ++k) {
          auto a = parse_simple_axis(members[k], w + ".zip[" + std::to_string(k) + "]", problems);
          if (!a) continue;
          a->group = group;
          spec.axes.push_back(std::move(*a));
        }
      } else {
        auto a = parse_simple_axis(axes[i], w, problems);
        if (!a) continue;
        a->group = group;
        spec.axes.push_back(std::move(*a));
      }
      if (spec.mode == "product") spec.group_sizes.push_back(0);
    }
    if (spec.mode == "zip" && !axes.empty()) spec.group_sizes.push_back(0);
  }
  // Names and paths are unique; members of a group have as many values as each other.
  std::map<std::string, std::size_t> names, paths;
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    const Axis& a = spec.axes[i];
    if (!names.emplace(a.name, i).second)
      problems.add(where + ": axes", "two axes are named \"" + a.name + "\"");
    if (a.kind == Axis::Kind::kPath && !paths.emplace(a.path.text, i).second)
      problems.add(where + ": axes", "two axes set the path \"" + a.path.text + "\"");
    std::size_t& size = spec.group_sizes.at(a.group);
    if (size == 0) {
      size = a.values.size();
    } else if (size != a.values.size()) {
      problems.add(where + ": axes",
                   "axes that advance together (zip) need as many values each: \"" + a.name +
                       "\" has " + std::to_string(a.values.size()) + ", others " +
                       std::to_string(size));
    }
  }
  // Groups whose axes all failed to parse.
  std::erase(spec.group_sizes, std::size_t{0});
  problems.throw_if_any();
  if (spec.axes.empty() && (!spec.base.contains("policies") || spec.base["policies"].size() < 2))
    problems.add(where + ": axes", "is empty: nothing to sweep");
  // The implicit policy axis: each of the base's policies, when no axis chooses one.
  bool chooses_policy = false;
  for (const Axis& a : spec.axes) {
    if (a.kind == Axis::Kind::kPolicy) chooses_policy = true;
    if (a.kind == Axis::Kind::kPath && !a.path.steps.empty() && a.path.steps[0].key == "policies")
      chooses_policy = true;
  }
  if (!chooses_policy && spec.base.contains("policies") && spec.base["policies"].is_array() &&
      spec.base["policies"].size() > 1) {
    Axis a;
    a.kind = Axis::Kind::kPolicy;
    a.name = names.count("policy") ? "policy (base)" : "policy";
    a.values.assign(spec.base["policies"].begin(), spec.base["policies"].end());
    a.group = spec.group_sizes.size();
    spec.group_sizes.push_back(a.values.size());
    spec.axes.push_back(std::move(a));
    spec.implicit_policy_axis = true;
  }
  // Renumber groups densely (groups may have been dropped above).
  {
    std::map<std::size_t, std::size_t> renumber;
    for (Axis& a : spec.axes) {
      auto it = renumber.emplace(a.group, renumber.size()).first;
      a.group = it->second;
    }
    spec.group_sizes.assign(renumber.size(), 0);
    for (const Axis& a : spec.axes) spec.group_sizes[a.group] = a.values.size();
  }
  double total = 1;
  for (std::size_t g : spec.group_sizes) total *= static_cast<double>(g);
  if (total > static_cast<double>(kMaxRuns))
    problems.add(where + ": axes", "more than 100 million runs (" + fmt_double(total) + ")");
  problems.throw_if_any();
  json axes = json::array();
  for (const Axis& a : spec.axes) axes.push_back(axis_json(a));
  spec.canonical = {
      {"layout", 1}, {"mode", spec.mode}, {"base", content_document(spec.base)}, {"axes", axes}};
  spec.fingerprint = stable_hash(spec.canonical);
  // Every run's document must take its values (paths exist); checked on the first value of each
  // axis against the base, which is where path problems show.
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    const Axis& a = spec.axes[i];
    if (a.kind != Axis::Kind::kPath) continue;
    json doc = spec.base;
    try {
      set_path(doc, a.path, a.values.front());
    } catch (const PathError& e) {
      problems.add(where + ": axes (\"" + a.name + "\")", e.what());
    }
  }
  problems.throw_if_any();
  return spec;
}

SweepSpec load_sweep_spec(const std::string& path) {
  const json j = scenario::json_read_file(path);
  const std::string dir = fs::path(path).parent_path().string();
  SweepSpec spec = parse_sweep_spec(j, path, dir.empty() ? "." : dir);
  spec.path = path;
  if (spec.name.empty()) spec.name = fs::path(path).stem().string();
  return spec;
}

SweepSpec sweep_spec_from_canonical(const json& canonical, json base, const std::string& where) {
  if (!canonical.is_object() || !canonical.contains("axes") || !canonical["axes"].is_array())
    throw sim::InputError(where, "not a sweep spec as a results database records it (no axes)");
  sim::Problems problems;
  SweepSpec spec;
  spec.name = canonical.value("name", std::string());
  spec.mode = canonical.contains("mode") && canonical["mode"].is_string()
                  ? canonical["mode"].get<std::string>()
                  : std::string("product");
  spec.base = std::move(base);
  const json& axes = canonical["axes"];
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const json& a = axes[i];
    const std::string w = where + ": axes[" + std::to_string(i) + "]";
    if (!a.is_object() || !a.contains("name") || !a["name"].is_string() || !a.contains("values") ||
        !a["values"].is_array() || a["values"].empty() || !a.contains("group") ||
        !a["group"].is_number_unsigned()) {
      problems.add(w, "expected an object with name, values (not empty) and group");
      continue;
    }
    Axis x;
    x.name = a["name"].get<std::string>();
    x.values.assign(a["values"].begin(), a["values"].end());
    x.group = a["group"].get<std::size_t>();
    if (a.contains("path") && a["path"].is_string()) {
      x.kind = Axis::Kind::kPath;
      try {
        x.path = JsonPath::parse(a["path"].get<std::string>());
      } catch (const PathError& e) {
        problems.add(w + ".path", e.what());
      }
    } else if (a.contains("policy") && a["policy"] == true) {
      x.kind = Axis::Kind::kPolicy;
    } else if (a.contains("transform") && a["transform"].is_string() && a.contains("key") &&
               a["key"].is_string()) {
      x.kind = Axis::Kind::kTransform;
      x.transform = a["transform"].get<std::string>();
      x.transform_key = a["key"].get<std::string>();
    } else {
      problems.add(w, "sets no path, policy or transform");
      continue;
    }
    if (x.group >= axes.size()) {
      problems.add(w + ".group", "out of range");
      continue;
    }
    if (spec.group_sizes.size() <= x.group) spec.group_sizes.resize(x.group + 1, 0);
    std::size_t& size = spec.group_sizes[x.group];
    if (size != 0 && size != x.values.size())
      problems.add(w, "has another number of values than the axes it advances with");
    size = x.values.size();
    spec.axes.push_back(std::move(x));
  }
  if (std::find(spec.group_sizes.begin(), spec.group_sizes.end(), std::size_t{0}) !=
      spec.group_sizes.end())
    problems.add(where + ": axes", "the groups are not numbered densely");
  problems.throw_if_any();
  json out_axes = json::array();
  for (const Axis& a : spec.axes) out_axes.push_back(axis_json(a));
  spec.canonical = {{"layout", canonical.value("layout", 1)},
                    {"mode", spec.mode},
                    {"base", content_document(spec.base)},
                    {"axes", out_axes}};
  spec.fingerprint = stable_hash(spec.canonical);
  return spec;
}

RunPlan run_at(const SweepSpec& spec, std::size_t index) {
  RunPlan r;
  r.index = index;
  std::vector<std::size_t> at(spec.group_sizes.size(), 0);
  std::size_t rest = index;
  for (std::size_t g = spec.group_sizes.size(); g-- > 0;) {
    at[g] = rest % spec.group_sizes[g];
    rest /= spec.group_sizes[g];
  }
  for (const Axis& a : spec.axes) r.params[a.name] = a.values.at(at.at(a.group));
  r.key = stable_hash(json{{"params", r.params}});
  return r;
}

json run_document(const SweepSpec& spec, const RunPlan& run) {
  json doc = spec.base;
  for (const Axis& a : spec.axes) {
    const json& v = run.params.at(a.name);
    switch (a.kind) {
      case Axis::Kind::kPath:
        set_path(doc, a.path, v);
        break;
      case Axis::Kind::kPolicy:
        doc["policies"] = json::array({v});
        break;
      case Axis::Kind::kTransform: {
        json& w = doc["workload"];
        if (!w.is_object()) throw PathError("workload: not an object");
        if (!w.contains("transforms") || !w["transforms"].is_array())
          w["transforms"] = json::array();
        w["transforms"].push_back({{"type", a.transform}, {a.transform_key, v}});
        break;
      }
    }
  }
  const std::string dir = fs::path(spec.base_path).parent_path().string();
  absolutize_paths(doc, dir.empty() ? "." : dir);
  return doc;
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("name") && v.at("name").is_string()) {
    std::string s = v.at("name").get<std::string>();
    if (v.contains("params") && !v.at("params").empty()) s += v.at("params").dump();
    return s;
  }
  if (v.is_number_float()) return fmt_double(v.get<double>());
  return v.dump();
}

std::string describe_params(const json& params) {
  std::string s;
  for (const auto& [k, v] : params.items()) s += (s.empty() ? "" : ", ") + k + "=" + value_text(v);
  return s;
}

}  // namespace orrery::plan
