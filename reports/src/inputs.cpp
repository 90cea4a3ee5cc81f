// The input kinds beyond simulate output folders: sweep databases, plan results and calibration
// result folders. Each is recognised by its content and read into LoadedInput; anything
// malformed is an InputError naming the file.
#include <fstream>

#include "csv_read.hpp"
#include "orrery/plan/results_db.hpp"
#include "orrery/reports/results.hpp"
#include "orrery/scenario/scenario.hpp"

namespace orrery::reports {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// The 16-byte header every SQLite 3 database file starts with.
bool has_sqlite_header(const fs::path& p) {
  static constexpr char kHeader[] = "SQLite format 3";  // and a NUL: 16 bytes
  std::ifstream in(p, std::ios::binary);
  char buf[16] = {};
  if (!in.read(buf, sizeof buf)) return false;
  return std::equal(buf, buf + sizeof buf, kHeader);
}

json read_json_object(const fs::path& p) {
  json j = scenario::json_read_file(p.string());
  if (!j.is_object()) throw sim::InputError(p.string(), "expected a JSON object");
  return j;
}

class SweepReader final : public InputReader {
 public:
  std::string kind() const override { return "sweep"; }
  std::string describe() const override {
    return "sweep: an 'orrery sweep' results database (an SQLite file)";
  }
  bool accepts(const fs::path& path) const override {
    return is_file(path) && has_sqlite_header(path);
  }
  LoadedInput read(const fs::path& path) const override {
    LoadedInput in;
    in.kind = kind();
    in.path = path.string();
    SweepData d;
    try {
      plan::ResultsDb db(path.string(), plan::ResultsDb::Mode::kReadOnly);
      const auto meta = db.meta();
      if (!meta) {
        throw sim::InputError(path.string(),
                              "an SQLite database without sweep metadata (the meta table is "
                              "empty): not written by 'orrery sweep'");
      }
      d.name = meta->name;
      d.axes = meta->axes;
      d.runs_total = meta->runs_total;
      d.shard = meta->shard;
      d.orrery_version = meta->orrery_version;
      d.created_utc = meta->created_utc;
      d.fingerprint = meta->fingerprint;
      d.spec = meta->spec;
      d.failures = db.failure_count();
      for (plan::StoredRun& r : db.runs()) {
        SweepRun s;
        s.index = r.index;
        s.key = r.key;
        s.params = std::move(r.params);
        s.policy = r.policy;
        s.placement = r.placement;
        s.fingerprint = r.fingerprint;
        s.metrics = std::move(r.metrics);
        d.runs.push_back(std::move(s));
      }
    } catch (const sim::InputError& e) {
      // SQLite's own words ("file is not a database", "database disk image is malformed",
      // "no such table: meta") say what is wrong; say what was expected too.
      std::string what;
      for (const sim::Problem& p : e.problems()) what += (what.empty() ? "" : "; ") + p.what;
      throw sim::InputError(path.string(),
                            "cannot read it as an 'orrery sweep' results database: " + what);
    }
    if (d.runs.empty()) in.notes.push_back(in.path + ": the sweep database holds no finished run");
    if (d.runs.size() < d.runs_total) {
      in.notes.push_back(in.path + ": " + std::to_string(d.runs.size()) + " of " +
                         std::to_string(d.runs_total) +
                         " runs are finished (a partial sweep or one shard)");
    }
    in.sweep = std::move(d);
    return in;
  }
};

// plan.json as `orrery plan` writes it: these keys are what the report reads.
bool looks_like_plan(const json& j) {
  return j.is_object() && j.contains("evaluations") && j.contains("target") && j.contains("answer");
}

class PlanReader final : public InputReader {
 public:
  std::string kind() const override { return "plan"; }
  std::string describe() const override {
    return "plan: an 'orrery plan' output folder (plan.json), or its plan.json";
  }
  bool accepts(const fs::path& path) const override {
    if (is_dir(path)) return is_file(path / "plan.json");
    if (!is_file(path) || path.extension() != ".json") return false;
    try {
      return looks_like_plan(scenario::json_read_file(path.string()));
    } catch (const sim::InputError&) {
      return false;
    }
  }
  LoadedInput read(const fs::path& path) const override {
    const fs::path file = is_dir(path) ? path / "plan.json" : path;
    const json j = read_json_object(file);
    sim::Problems problems;
    for (const char* key : {"evaluations", "target"}) {
      if (!j.contains(key) || !j[key].is_array())
        problems.add(file.string() + ": " + key,
                     "missing or not a list (is this an 'orrery plan' "
                     "plan.json?)");
    }
    if (!j.contains("answer") || !(j["answer"].is_object() || j["answer"].is_null()))
      problems.add(file.string() + ": answer", "missing (an object, or null when none was found)");
    problems.throw_if_any();
    for (std::size_t i = 0; i < j["evaluations"].size(); ++i) {
      const json& e = j["evaluations"][i];
      if (!e.is_object() || !e.contains("pools") || !e["pools"].is_array() ||
          !e.contains("meets_target")) {
        problems.add(file.string() + ": evaluations[" + std::to_string(i) + "]",
                     "expected an object with pools and meets_target");
      }
    }
    problems.throw_if_any();
    LoadedInput in;
    in.kind = kind();
    in.path = path.string();
    in.plan = PlanData{j, file.string()};
    return in;
  }
};

std::vector<CalibrationJob> read_comparison(const fs::path& file) {
  std::vector<CalibrationJob> jobs;
  for_each_row(
      file.string(),
      {"job_id", "observed_start_s", "simulated_start_before_s", "simulated_start_after_s"},
      [&](const CsvRow& r) {
        CalibrationJob j;
        j.id = r.text("job_id");
        j.submit_s = r.number("submit_s");
        j.gpus = r.number("gpus");
        j.observed_start_s = r.number("observed_start_s");
        j.observed_end_s = r.number("observed_end_s");
        j.start_before_s = r.number("simulated_start_before_s");
        j.end_before_s = r.number("simulated_end_before_s");
        j.start_after_s = r.number("simulated_start_after_s");
        j.end_after_s = r.number("simulated_end_after_s");
        jobs.push_back(std::move(j));
        return true;
      });
  return jobs;
}

// utilization.csv: allocated GPUs per second, observed and simulated before and after fitting.
std::vector<CalibrationUtilization> read_utilization(const fs::path& file) {
  std::vector<CalibrationUtilization> rows;
  for_each_row(file.string(),
               {"time_s", "observed_gpus", "simulated_before_gpus", "simulated_after_gpus"},
               [&](const CsvRow& r) {
                 CalibrationUtilization u;
                 u.time_s = r.number("time_s");
                 if (!present(u.time_s)) {
                   r.problem("time_s", "missing");
                   return false;
                 }
                 u.observed = r.number("observed_gpus");
                 u.before = r.number("simulated_before_gpus");
                 u.after = r.number("simulated_after_gpus");
                 u.total = r.number("gpus_total");
                 rows.push_back(u);
                 return true;
               });
  return rows;
}

class CalibrationReader final : public InputReader {
 public:
  std::string kind() const override { return "calibration"; }
  std::string describe() const override {
    return "calibration: an 'orrery calibrate' result folder (calibration.json, comparison.csv)";
  }
  bool accepts(const fs::path& path) const override {
    return is_dir(path) && is_file(path / "calibration.json");
  }
  LoadedInput read(const fs::path& path) const override {
    LoadedInput in;
    in.kind = kind();
    in.path = path.string();
    CalibrationData d;
    d.calibration = read_json_object(path / "calibration.json");
    sim::Problems problems;
    for (const char* key : {"errors_before", "errors_after"}) {
      if (!d.calibration.contains(key) || !d.calibration[key].is_object())
        problems.add((path / "calibration.json").string() + ": " + key,
                     "missing (is this an 'orrery calibrate' result folder?)");
    }
    if (!is_file(path / "comparison.csv")) {
      problems.add((path / "comparison.csv").string(),
                   "missing: a calibration result folder has calibration.json, comparison.csv "
                   "and errors.json (docs/calibration.md)");
    }
    problems.throw_if_any();
    d.jobs = read_comparison(path / "comparison.csv");
    if (is_file(path / "utilization.csv")) {
      d.utilization = read_utilization(path / "utilization.csv");
    } else {
      in.notes.push_back((path / "utilization.csv").string() + ": missing (no utilization curves)");
    }
    if (is_file(path / "errors.json")) {
      d.errors = read_json_object(path / "errors.json");
    } else {
      in.notes.push_back((path / "errors.json").string() + ": missing (no fitted parameters)");
    }
    // The replays before and after fitting, as `orrery simulate` writes a run.
    for (const char* which : {"before", "after"}) {
      const fs::path dir = path / "simulated" / which;
      if (!is_file(dir / "summary.json")) {
        in.notes.push_back(dir.string() + ": missing (no replay " + which + " fitting)");
        continue;
      }
      RunData r = read_run_folder(dir);
      r.label = std::string("replay ") + which + " fit";
      in.runs.push_back(std::move(r));
    }
    in.calibration = std::move(d);
    return in;
  }
};

}  // namespace

std::optional<double> SweepRun::metric(const std::string& name) const {
  const auto it = metrics.find(name);
  if (it == metrics.end()) return std::nullopt;
  return it->second;
}

std::unique_ptr<InputReader> make_sweep_reader() {
  return std::make_unique<SweepReader>();
}
std::unique_ptr<InputReader> make_plan_reader() {
  return std::make_unique<PlanReader>();
}
std::unique_ptr<InputReader> make_calibration_reader() {
  return std::make_unique<CalibrationReader>();
}

}  // namespace orrery::reports
