#include "orrery/plan/run_one.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "orrery/traces/line_reader.hpp"

namespace orrery::plan {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Absolute, so that resolving again (a base scenario's paths, then a run's) changes nothing and
// a run's scenario means the same files wherever it is written or loaded from.
std::string resolve_against(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return fs::absolute(fs::path(base_dir.empty() ? "." : base_dir) / p).lexically_normal().string();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos)) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

std::string hash_file_or_name(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return path;  // validation reports it
  return "sha256:" + traces::sha256_file(path);
}

}  // namespace

std::string fnv1a_hex(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[h & 0xF];
    h >>= 4;
  }
  return out;
}

std::string stable_hash(const json& j) {
  return fnv1a_hex(j.dump());
}

void absolutize_paths(json& doc, const std::string& base_dir) {
  if (!doc.is_object()) return;
  if (doc.contains("cluster")) {
    json& c = doc["cluster"];
    if (c.is_string()) {
      c = resolve_against(base_dir, c.get<std::string>());
    } else if (c.is_object() && c.contains("import") && c["import"].is_string()) {
      c["import"] = resolve_against(base_dir, c["import"].get<std::string>());
    }
  }
  if (doc.contains("workload") && doc["workload"].is_object()) {
    json& w = doc["workload"];
    if (w.contains("trace") && w["trace"].is_string())
      w["trace"] = resolve_against(base_dir, w["trace"].get<std::string>());
  }
  // A calibration profile given by file name (docs/calibration.md).
  if (doc.contains("calibration") && doc["calibration"].is_string())
    doc["calibration"] = resolve_against(base_dir, doc["calibration"].get<std::string>());
}

json resolve_document(json doc, const std::string& dir, const std::string& default_name,
                      const std::string& where) {
  if (!doc.is_object()) throw sim::InputError(where, "a scenario must be a JSON object");
  absolutize_paths(doc, dir.empty() ? "." : dir);
  if (!doc.contains("name")) doc["name"] = default_name;
  if (doc.contains("cluster") && doc["cluster"].is_string()) {
    const std::string cluster_path = doc["cluster"].get<std::string>();
    json cluster = scenario::json_read_file(cluster_path);
    doc["cluster"] = std::move(cluster);
  }
  return doc;
}

json resolve_scenario_document(const std::string& path) {
  return resolve_document(scenario::json_read_file(path), fs::path(path).parent_path().string(),
                          fs::path(path).stem().string(), path);
}

json content_document(json doc) {
  if (!doc.is_object()) return doc;
  if (doc.contains("cluster")) {
    json& c = doc["cluster"];
    if (c.is_string()) {
      c = hash_file_or_name(c.get<std::string>());
    } else if (c.is_object() && c.contains("import") && c["import"].is_string()) {
      c["import"] = hash_file_or_name(c["import"].get<std::string>());
    }
  }
  if (doc.contains("workload") && doc["workload"].is_object()) {
    json& w = doc["workload"];
    if (w.contains("trace") && w["trace"].is_string())
      w["trace"] = hash_file_or_name(w["trace"].get<std::string>());
  }
  if (doc.contains("calibration") && doc["calibration"].is_string())
    doc["calibration"] = hash_file_or_name(doc["calibration"].get<std::string>());
  return doc;
}

scenario::Scenario scenario_from_document(const json& doc, const std::string& label) {
  static std::atomic<std::uint64_t> counter{0};
  const fs::path tmp = fs::temp_directory_path() / ("orrery-run-" + std::to_string(::getpid()) +
                                                    "-" + std::to_string(counter++) + ".json");
  scenario::write_file_atomic(tmp.string(), doc.dump());
  try {
    scenario::Scenario s = scenario::load_scenario(tmp.string());
    std::error_code ec;
    fs::remove(tmp, ec);
    s.path.clear();  // the temporary file is gone; the document is recorded by the caller
    return s;
  } catch (const sim::InputError& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    std::vector<sim::Problem> problems;
    for (sim::Problem p : e.problems()) {
      replace_all(p.where, tmp.string(), label);
      replace_all(p.what, tmp.string(), label);
      problems.push_back(std::move(p));
    }
    throw sim::InputError(std::move(problems));
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

std::shared_ptr<const scenario::RunContext> WorkloadCache::get(const scenario::Scenario& s) {
  json key = {{"trace", s.trace_path},
              {"format", s.trace_format},
              {"strict", s.strict},
              {"transforms", traces::transforms_json(s.transforms)}};
  if (!s.transforms.empty()) key["seed"] = s.options.seed;  // random transforms use it
  const std::string k = key.dump();
  std::promise<std::shared_ptr<const scenario::RunContext>> promise;
  Entry entry;
  bool importer = false;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(k);
    if (it != entries_.end()) {
      entry = it->second;
    } else {
      importer = true;
      entry = promise.get_future().share();
      entries_[k] = entry;
      order_[counter_++] = k;
      ++imports_;
      while (entries_.size() > capacity_ && !order_.empty()) {
        entries_.erase(order_.begin()->second);
        order_.erase(order_.begin());
      }
    }
  }
  if (importer) {
    try {
      promise.set_value(std::make_shared<const scenario::RunContext>(scenario::load_workload(s)));
    } catch (...) {
      promise.set_exception(std::current_exception());
      std::lock_guard lock(mutex_);  // a failed import is not kept: the next asker retries
      auto it = entries_.find(k);
      if (it != entries_.end()) entries_.erase(it);
      for (auto o = order_.begin(); o != order_.end(); ++o) {
        if (o->second == k) {
          order_.erase(o);
          break;
        }
      }
    }
  }
  return entry.get();
}

std::size_t WorkloadCache::imports() const {
  std::lock_guard lock(mutex_);
  return imports_;
}

RunOutput run_one(const scenario::Scenario& s, WorkloadCache& cache, std::stop_token stop,
                  const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  if (s.policies.size() != 1)
    throw std::invalid_argument("run_one: a run has exactly one policy, got " +
                                std::to_string(s.policies.size()));
  const auto t0 = std::chrono::steady_clock::now();
  RunOutput out;
  out.context = cache.get(s);
  std::vector<scenario::PolicyRun> runs =
      scenario::run_scenario(s, *out.context, 1, progress, std::move(stop));
  out.result = std::move(runs.at(0).result);
  out.summary = scenario::summary_json(out.result.summary, out.result.manifest);
  out.metrics = flatten_metrics(out.summary);
  out.cancelled = out.result.manifest.cancelled;
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace orrery::plan
