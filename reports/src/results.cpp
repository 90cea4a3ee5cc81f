#include "orrery/reports/results.hpp"

#include "csv_read.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <unordered_map>

#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::reports {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const json* find_path(const json& root, const std::string& path) {
  const json* j = &root;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!j->is_object()) return nullptr;
    const auto it = j->find(part);
    if (it == j->end()) return nullptr;
    j = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return j;
}

// "3;4;7" -> appended to `out`; false when a part is not a node id.
bool parse_node_ids(const std::string& s, std::vector<std::uint32_t>& out) {
  std::size_t i = 0;
  while (i <= s.size()) {
    const std::size_t end = std::min(s.find(';', i), s.size());
    std::uint32_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + end, v);
    if (ec != std::errc() || ptr != s.data() + end) return false;
    out.push_back(v);
    i = end + 1;
  }
  return true;
}

std::uint32_t intern(std::unordered_map<std::string, std::uint32_t>& ids,
                     std::vector<std::string>& names, const std::string& s) {
  const auto [it, added] = ids.emplace(s, static_cast<std::uint32_t>(names.size()));
  if (added) names.push_back(s);
  return it->second;
}

void read_jobs(const fs::path& file, RunData& run) {
  const std::string path = file.string();
  traces::LineReader in(path);
  const Columns cols = read_header(in, path);
  const std::size_t c_submit = cols["submit_s"], c_wait = cols["wait_s"], c_jct = cols["jct_s"],
                    c_gpus = cols["gpus"], c_pre = cols["preemptions"], c_status = cols["status"],
                    c_user = cols["user"], c_queue = cols["queue"], c_start = cols["start_s"],
                    c_end = cols["end_s"], c_nodes = cols["node_ids"];
  sim::Problems problems;
  CsvFields num(path, problems);
  std::unordered_map<std::string, std::uint32_t> user_ids, queue_ids;
  std::vector<std::string> f;
  std::string line;
  while (in.next(line)) {
    if (line.empty()) continue;
    const std::uint64_t ln = in.line_number();
    if (!split_row(line, ln, path, problems, f)) {
      if (problems.size() >= 20) break;
      continue;
    }
    JobRow j;
    j.submit_s = num.number(f, c_submit, "submit_s", ln);
    j.wait_s = num.number(f, c_wait, "wait_s", ln);
    j.jct_s = num.number(f, c_jct, "jct_s", ln);
    j.start_s = num.number(f, c_start, "start_s", ln);
    j.end_s = num.number(f, c_end, "end_s", ln);
    if (c_nodes != std::string::npos && c_nodes < f.size() && !f[c_nodes].empty()) {
      j.node_first = static_cast<std::uint32_t>(run.job_nodes.size());
      if (!parse_node_ids(f[c_nodes], run.job_nodes)) {
        problems.add(path + ":" + std::to_string(ln) + ": column 'node_ids'",
                     "not a ';'-separated list of node ids: " + traces::quote_text(f[c_nodes]));
      }
      j.node_count = static_cast<std::uint32_t>(run.job_nodes.size()) - j.node_first;
    }
    j.gpus = num.number(f, c_gpus, "gpus", ln);
    const double pre = num.number(f, c_pre, "preemptions", ln);
    j.preemptions = present(pre) && pre > 0 ? static_cast<std::uint32_t>(pre) : 0;
    if (c_status != std::string::npos && c_status < f.size()) {
      const auto st = sim::parse_job_status(f[c_status]);
      if (!st) {
        problems.add(path + ":" + std::to_string(ln) + ": column 'status'",
                     "unknown status " + traces::quote_text(f[c_status]));
      } else {
        j.status = *st;
      }
    }
    j.user = intern(user_ids, run.users,
                    c_user != std::string::npos && c_user < f.size() ? f[c_user] : "");
    j.queue = intern(queue_ids, run.queues,
                     c_queue != std::string::npos && c_queue < f.size() ? f[c_queue] : "");
    run.jobs.push_back(j);
    if (problems.size() >= 20) break;
  }
  problems.throw_if_any();
  run.has_jobs = true;
  run.has_node_ids = c_nodes != std::string::npos;
}

void read_timeseries(const fs::path& file, RunData& run) {
  for_each_row(file.string(), {"time_s", "gpus_allocated", "gpus_total"}, [&](const CsvRow& r) {
    Sample s;
    s.time_s = r.number("time_s");
    s.gpus_allocated = r.number("gpus_allocated");
    s.gpus_total = r.number("gpus_total");
    s.jobs_running = r.number("jobs_running");
    s.jobs_pending = r.number("jobs_pending");
    if (present(s.time_s)) run.timeseries.push_back(s);
    return true;
  });
  run.has_timeseries = true;
}

bool is_run_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p / "summary.json", ec);
}

class SimulateReader final : public InputReader {
 public:
  std::string kind() const override { return "simulate"; }
  std::string describe() const override {
    return "simulate: an 'orrery simulate' output folder (summary.json, or one subfolder per "
           "policy)";
  }
  bool accepts(const fs::path& path) const override {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return false;
    if (is_run_folder(path)) return true;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_directory(ec) && is_run_folder(e.path())) return true;
    }
    return false;
  }
  LoadedInput read(const fs::path& path) const override {
    LoadedInput in;
    in.kind = kind();
    in.path = path.string();
    if (is_run_folder(path)) {
      in.runs.push_back(read_run_folder(path));
    } else {
      std::vector<fs::path> dirs;
      for (const auto& e : fs::directory_iterator(path)) {
        if (e.is_directory() && is_run_folder(e.path())) dirs.push_back(e.path());
      }
      std::sort(dirs.begin(), dirs.end());
      for (const auto& d : dirs) in.runs.push_back(read_run_folder(d));
      order_like_scenario(path, in.runs);
    }
    for (const RunData& r : in.runs) {
      if (r.manifest.is_null()) in.notes.push_back(r.source + ": no manifest.json");
      if (!r.has_jobs) in.notes.push_back(r.source + ": no jobs.csv (no CDFs or fairness)");
      if (!r.has_timeseries) in.notes.push_back(r.source + ": no timeseries.csv");
    }
    return in;
  }

 private:
  // Policies in the order the run listed them: comparison.json, then the scenario in a
  // manifest; folders not named there keep their (alphabetical) place at the end.
  static void order_like_scenario(const fs::path& path, std::vector<RunData>& runs) {
    std::vector<std::string> order;
    std::error_code ec;
    if (fs::is_regular_file(path / "comparison.json", ec)) {
      const json cmp = scenario::json_read_file((path / "comparison.json").string());
      if (cmp.is_array()) {
        for (const auto& e : cmp) {
          if (e.is_object() && e.contains("policy") && e["policy"].is_string())
            order.push_back(e["policy"].get<std::string>());
        }
      }
    }
    if (order.empty()) {
      for (const RunData& r : runs) {
        const json* pols =
            r.manifest.is_object() ? find_path(r.manifest, "scenario.policies") : nullptr;
        if (!pols || !pols->is_array()) continue;
        for (const auto& p : *pols) {
          if (p.is_object() && p.contains("name") && p["name"].is_string())
            order.push_back(p["name"].get<std::string>());
        }
        break;
      }
    }
    auto rank = [&](const RunData& r) {
      const auto it = std::find(order.begin(), order.end(), r.policy);
      return static_cast<std::size_t>(it - order.begin());
    };
    std::stable_sort(runs.begin(), runs.end(),
                     [&](const RunData& a, const RunData& b) { return rank(a) < rank(b); });
  }
};

std::mutex& readers_mutex() {
  static std::mutex m;
  return m;
}

std::vector<std::unique_ptr<InputReader>>& readers_storage() {
  static std::vector<std::unique_ptr<InputReader>> readers = [] {
    std::vector<std::unique_ptr<InputReader>> v;
    v.push_back(make_simulate_reader());
    v.push_back(make_sweep_reader());
    v.push_back(make_plan_reader());
    v.push_back(make_calibration_reader());
    return v;
  }();
  return readers;
}

}  // namespace

std::optional<double> RunData::metric(const std::string& path) const {
  const json* j = find_path(summary, path);
  if (!j || !j->is_number()) return std::nullopt;
  return j->get<double>();
}

std::string RunData::manifest_string(const std::string& path) const {
  if (!manifest.is_object()) return {};
  const json* j = find_path(manifest, path);
  if (!j) return {};
  if (j->is_string()) return j->get<std::string>();
  if (j->is_number() || j->is_boolean()) return j->dump();
  return {};
}

RunData read_run_folder(const fs::path& dir) {
  RunData run;
  run.source = dir.string();
  const fs::path summary = dir / "summary.json";
  run.summary = scenario::json_read_file(summary.string());
  if (!run.summary.is_object()) throw sim::InputError(summary.string(), "expected a JSON object");
  std::error_code ec;
  if (fs::is_regular_file(dir / "manifest.json", ec)) {
    run.manifest = scenario::json_read_file((dir / "manifest.json").string());
    if (!run.manifest.is_object())
      throw sim::InputError((dir / "manifest.json").string(), "expected a JSON object");
  }
  if (run.summary.contains("policy") && run.summary["policy"].is_string())
    run.policy = run.summary["policy"].get<std::string>();
  if (run.manifest.is_object()) {
    const json* name = find_path(run.manifest, "policy.name");
    if (run.policy.empty() && name && name->is_string()) run.policy = name->get<std::string>();
    const json* params = find_path(run.manifest, "policy.params");
    if (params && params->is_object()) run.params = *params;
  }
  if (run.policy.empty()) run.policy = dir.filename().string();
  run.label = run.policy;
  if (fs::is_regular_file(dir / "jobs.csv", ec)) read_jobs(dir / "jobs.csv", run);
  if (fs::is_regular_file(dir / "timeseries.csv", ec)) read_timeseries(dir / "timeseries.csv", run);
  return run;
}

std::unique_ptr<InputReader> make_simulate_reader() {
  return std::make_unique<SimulateReader>();
}

const std::vector<std::unique_ptr<InputReader>>& input_readers() {
  std::lock_guard lock(readers_mutex());
  return readers_storage();
}

void register_input_reader(std::unique_ptr<InputReader> reader) {
  std::lock_guard lock(readers_mutex());
  readers_storage().push_back(std::move(reader));
}

LoadedInput read_input(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw sim::InputError(path.string(), "no such file or folder");
  for (const auto& r : input_readers()) {
    if (r->accepts(path)) return r->read(path);
  }
  std::string kinds;
  for (const auto& r : input_readers()) kinds += "\n  " + r->describe();
  throw sim::InputError(path.string(), "not a result this command can read; known inputs:" + kinds);
}

std::vector<RunData> merge_runs(std::vector<LoadedInput>& inputs) {
  std::vector<RunData> all;
  for (auto& in : inputs) {
    for (auto& r : in.runs) all.push_back(std::move(r));
    in.runs.clear();
  }
  std::map<std::string, int> count;
  for (const RunData& r : all) ++count[r.label];
  for (RunData& r : all) {
    if (count[r.label] > 1) {
      fs::path src(r.source);
      // A policy subfolder is named after the policy: name the run by the folder above it.
      if (src.filename() == r.policy && src.has_parent_path()) src = src.parent_path();
      r.label = r.label + " [" + src.filename().string() + "]";
    }
  }
  // Still equal (same folder name twice): number them.
  std::map<std::string, int> seen;
  for (RunData& r : all) {
    if (++seen[r.label] > 1) r.label += " #" + std::to_string(seen[r.label]);
  }
  return all;
}

}  // namespace orrery::reports
