// One sweep or plan run: a scenario given as a JSON document (the base scenario with values
// applied), loaded and validated by the scenario layer, and run as one scenario run.
//
// The base scenario is read once into a document: a cluster given as a file name is inlined (so
// paths such as cluster.pools[0].nodes reach into it), file paths are made absolute against the
// scenario's folder, and a missing "name" is filled in. Each run's document is then loaded with
// scenario::load_scenario (through a private temporary file), so a run is validated exactly as
// `orrery simulate` validates a scenario. Workloads are imported once and shared read-only
// between the runs that use the same trace, format, transforms and seed.
//
//   nlohmann::json base = resolve_scenario_document("examples/scenario.json");
//   scenario::Scenario s = scenario_from_document(base, "run 3");
//   WorkloadCache cache;
//   RunOutput out = run_one(s, cache);
//   out.metrics.at("wait_s.p95");
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>

#include "orrery/plan/metrics.hpp"
#include "orrery/scenario/scenario.hpp"

namespace orrery::plan {

// Reads a scenario file into a document ready to patch (cluster inlined, paths absolute).
// Throws sim::InputError.
nlohmann::json resolve_scenario_document(const std::string& path);
// The same for a scenario given inline (in a sweep spec or plan file): relative paths resolve
// against `dir`; `where` names it in problems.
nlohmann::json resolve_document(nlohmann::json doc, const std::string& dir,
                                const std::string& default_name, const std::string& where);
// Makes the known file paths of a scenario document (workload.trace, cluster as a file name,
// cluster.import) absolute against `base_dir`.
void absolutize_paths(nlohmann::json& doc, const std::string& base_dir);
// The document with each input file replaced by "sha256:<hex>" of its contents: what a sweep's
// fingerprint covers, the same on every machine whatever the checkout path.
nlohmann::json content_document(nlohmann::json doc);

// Loads and validates a document as a scenario file. Problems name `label` instead of the
// temporary file (e.g. "run 12 (nodes=4)"). Throws sim::InputError.
scenario::Scenario scenario_from_document(const nlohmann::json& doc, const std::string& label);

// FNV-1a 64 of the canonical JSON text (object members sorted), as 16 hex digits.
std::string stable_hash(const nlohmann::json& j);
// The same over any bytes.
std::string fnv1a_hex(const std::string& bytes);

// Imported workloads by (trace, format, strict, transforms, seed when transforms are random).
// Thread-safe; one import per key even when several threads ask at once; keeps at most
// `capacity` workloads (ones still in use stay alive through their shared_ptr).
class WorkloadCache {
 public:
  explicit WorkloadCache(std::size_t capacity = 8) : capacity_(capacity) {}
  std::shared_ptr<const scenario::RunContext> get(const scenario::Scenario& s);
  std::size_t imports() const;

 private:
  using Entry = std::shared_future<std::shared_ptr<const scenario::RunContext>>;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::map<std::uint64_t, std::string> order_;  // insertion order -> key
  std::uint64_t counter_ = 0;
  std::size_t imports_ = 0;
  std::size_t capacity_;
};

struct RunOutput {
  nlohmann::json summary;  // as summary.json
  Metrics metrics;         // flattened numeric members of summary
  sim::RunResult result;
  std::shared_ptr<const scenario::RunContext> context;  // the workload (job ids)
  bool cancelled = false;
  double wall_s = 0;
};

// Runs a scenario with exactly one policy (throws std::invalid_argument otherwise).
RunOutput run_one(
    const scenario::Scenario& s, WorkloadCache& cache, std::stop_token stop = {},
    const std::function<void(std::uint64_t done, std::uint64_t total)>& progress = {});

}  // namespace orrery::plan
