#include "sweep_run.hpp"

#include <exception>

#include "orrery/plan/run_one.hpp"
#include "orrery/plan/sweep_spec.hpp"
#include "orrery/reports/analysis.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::gui {

using nlohmann::json;

namespace {

constexpr const char* kHashPrefix = "sha256:";

// The places plan::content_document replaces a file by its hash: field name and the value.
std::vector<std::pair<std::string, json*>> input_fields(json& base) {
  std::vector<std::pair<std::string, json*>> out;
  if (!base.is_object()) return out;
  if (base.contains("workload") && base["workload"].is_object() &&
      base["workload"].contains("trace"))
    out.emplace_back("workload.trace", &base["workload"]["trace"]);
  if (base.contains("cluster")) {
    json& c = base["cluster"];
    if (c.is_string()) out.emplace_back("cluster", &c);
    if (c.is_object() && c.contains("import")) out.emplace_back("cluster.import", &c["import"]);
  }
  if (base.contains("calibration")) out.emplace_back("calibration", &base["calibration"]);
  return out;
}

std::string hash_of(const json& v) {
  if (!v.is_string()) return {};
  const std::string s = v.get<std::string>();
  return s.rfind(kHashPrefix, 0) == 0 ? s.substr(std::char_traits<char>::length(kHashPrefix))
                                      : std::string();
}

}  // namespace

std::vector<StoredInput> stored_inputs(const json& spec) {
  std::vector<StoredInput> out;
  if (!spec.is_object() || !spec.contains("base")) return out;
  json base = spec["base"];
  for (const auto& [field, value] : input_fields(base)) {
    const std::string h = hash_of(*value);
    if (!h.empty()) out.push_back({field, h});
  }
  return out;
}

bool has_contents(const std::string& path, const std::string& sha256) {
  try {
    return traces::sha256_file(path) == sha256;
  } catch (const std::exception&) {
    return false;
  }
}

std::string sweep_run_title(const reports::SweepData& sweep, std::size_t run) {
  if (run >= sweep.runs.size()) return "run ?";
  const reports::SweepRun& r = sweep.runs[run];
  const std::string params = reports::params_text(r, sweep.axes);
  return "run " + std::to_string(r.index) + (params.empty() ? "" : " (" + params + ")");
}

scenario::Scenario sweep_run_scenario(const reports::SweepData& sweep, std::size_t run,
                                      const std::map<std::string, std::string>& files,
                                      const std::string& db_path) {
  const std::string where = db_path + ": " + sweep_run_title(sweep, run);
  if (run >= sweep.runs.size()) throw sim::InputError(where, "no such run in the database");
  if (!sweep.spec.is_object() || !sweep.spec.contains("base") || !sweep.spec["base"].is_object())
    throw sim::InputError(db_path + ": meta.spec",
                          "the database records no base scenario: the run cannot be rebuilt");
  json base = sweep.spec["base"];
  sim::Problems problems;
  for (auto& [field, value] : input_fields(base)) {
    if (hash_of(*value).empty()) continue;
    const auto it = files.find(field);
    if (it == files.end()) {
      problems.add(db_path + ": meta.spec.base." + field,
                   "the sweep's " + field + " (" + value->get<std::string>() +
                       ") was not found: the run needs that file");
      continue;
    }
    *value = it->second;
  }
  problems.throw_if_any();
  const plan::SweepSpec spec =
      plan::sweep_spec_from_canonical(sweep.spec, std::move(base), db_path + ": meta.spec");
  if (!sweep.fingerprint.empty() && spec.fingerprint != sweep.fingerprint) {
    throw sim::InputError(db_path + ": meta.spec_fingerprint",
                          "the files found do not rebuild this sweep (spec fingerprint " +
                              spec.fingerprint + ", the database records " + sweep.fingerprint +
                              "): an input file's contents differ");
  }
  const reports::SweepRun& r = sweep.runs[run];
  plan::RunPlan plan;
  plan.index = r.index;
  plan.key = r.key;
  plan.params = r.params;
  for (const plan::Axis& a : spec.axes) {
    if (!plan.params.contains(a.name))
      problems.add(where + ": params", "has no value for the axis \"" + a.name + "\"");
  }
  problems.throw_if_any();
  json doc;
  try {
    doc = plan::run_document(spec, plan);
  } catch (const std::exception& e) {
    throw sim::InputError(where, std::string("its parameters do not apply: ") + e.what());
  }
  scenario::Scenario s = plan::scenario_from_document(doc, where);
  if (s.policies.size() != 1) {
    throw sim::InputError(where, "rebuilds a scenario with " + std::to_string(s.policies.size()) +
                                     " policies; a sweep run has one");
  }
  s.name =
      (sweep.name.empty() ? std::string("sweep") : sweep.name) + " " + sweep_run_title(sweep, run);
  return s;
}

}  // namespace orrery::gui
