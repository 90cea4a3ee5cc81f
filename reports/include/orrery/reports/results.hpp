// Reading results for reports: what a report is made from, and the input kinds it can read.
// No Qt here, so it is cheap to unit-test and reusable by a GUI.
//
// An input kind turns a path into a LoadedInput: one RunData per policy run, the data of its own
// kind (a sweep database, a plan result, a calibration result folder), and any extra tables. The
// kinds are told apart by content (an SQLite header, plan.json's keys, calibration.json), never
// by file name alone. A new kind is one InputReader registered with register_input_reader().
//
//   std::vector<LoadedInput> in = {read_input("out/")};   // throws sim::InputError
//   for (const RunData& r : in[0].runs) r.metric("wait_s.p95");
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "orrery/sim/job.hpp"

namespace orrery::reports {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
inline bool present(double v) {
  return !std::isnan(v);
}

// One row of jobs.csv, kept compact (a report may read millions). Missing numbers are kMissing.
struct JobRow {
  double submit_s = kMissing;
  double wait_s = kMissing;   // present when the job started
  double jct_s = kMissing;    // present when the job ended
  double start_s = kMissing;  // first start
  double end_s = kMissing;
  double gpus = kMissing;        // total GPUs over tasks (fractions allowed)
  std::uint32_t node_first = 0;  // its last placement's nodes: RunData::job_nodes[first, +count)
  std::uint32_t node_count = 0;
  std::uint32_t preemptions = 0;
  std::uint32_t user = 0;   // index into RunData::users
  std::uint32_t queue = 0;  // index into RunData::queues
  sim::JobStatus status = sim::JobStatus::kUnfinished;
};

// One row of timeseries.csv.
struct Sample {
  double time_s = 0;
  double gpus_allocated = 0;
  double gpus_total = 0;
  double jobs_running = 0;
  double jobs_pending = 0;
};

// One policy run: summary.json and manifest.json as read (kept as JSON so keys added later
// are reported without a code change), jobs.csv and timeseries.csv when present.
struct RunData {
  std::string label;   // unique display name within a report (the policy name when unique)
  std::string policy;  // policy name as run
  nlohmann::json params = nlohmann::json::object();
  std::string source;  // folder it came from
  nlohmann::json summary = nlohmann::json::object();
  nlohmann::json manifest;  // null when the folder had no manifest.json
  bool has_jobs = false;
  std::vector<JobRow> jobs;
  std::vector<std::string> users;   // interned user names
  std::vector<std::string> queues;  // interned queue names
  bool has_node_ids = false;        // jobs.csv had a node_ids column
  std::vector<std::uint32_t> job_nodes;
  bool has_timeseries = false;
  std::vector<Sample> timeseries;

  // A number from summary.json by dotted path ("makespan_s", "wait_s.p95"); nullopt when the
  // key is absent or not a number.
  std::optional<double> metric(const std::string& path) const;
  // A string from manifest.json by dotted path ("scenario.workload.trace"), or "".
  std::string manifest_string(const std::string& path) const;
};

// A table an input kind contributes as it is (sweep grids, plan options, calibration fits).
struct ExtraTable {
  std::string id;
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// One run of a sweep database (docs/sweeps.md): its parameters and flattened metrics.
struct SweepRun {
  std::size_t index = 0;
  std::string key;
  nlohmann::json params = nlohmann::json::object();  // {axis name: value}
  std::string policy, placement, fingerprint;
  std::map<std::string, double> metrics;  // "jct_s.p95" -> value
  std::optional<double> metric(const std::string& name) const;
};

struct SweepData {
  std::string name;
  std::vector<std::string> axes;  // in the spec's order
  std::size_t runs_total = 0;     // in the whole spec
  std::size_t failures = 0;       // runs that threw (retried on resume)
  std::string shard, orrery_version, created_utc, fingerprint;
  nlohmann::json spec;         // the canonical spec (meta "spec": base content, mode, axes)
  std::vector<SweepRun> runs;  // by run index
};

// A plan result (`orrery plan -o OUT/`): OUT/plan.json as written (docs/sweeps.md), checked for
// the keys a report reads.
struct PlanData {
  nlohmann::json result;
  std::string file;  // the plan.json read
};

// One row of a calibration folder's comparison.csv (docs/calibration.md); kMissing when empty.
struct CalibrationJob {
  std::string id;
  double submit_s = kMissing, gpus = kMissing;
  double observed_start_s = kMissing, observed_end_s = kMissing;
  double start_before_s = kMissing, end_before_s = kMissing;
  double start_after_s = kMissing, end_after_s = kMissing;
};

// One row of a calibration folder's utilization.csv: GPUs allocated at time_s.
struct CalibrationUtilization {
  double time_s = 0;
  double observed = kMissing, before = kMissing, after = kMissing, total = kMissing;
};

struct CalibrationData {
  nlohmann::json calibration;  // calibration.json
  nlohmann::json errors;       // errors.json (null when absent)
  std::vector<CalibrationJob> jobs;
  std::vector<CalibrationUtilization> utilization;  // utilization.csv (empty when absent)
};

struct LoadedInput {
  std::string kind;  // "simulate", "sweep", "plan", "calibration"
  std::string path;
  std::vector<RunData> runs;
  std::optional<SweepData> sweep;
  std::optional<PlanData> plan;
  std::optional<CalibrationData> calibration;
  std::vector<ExtraTable> tables;
  std::vector<std::string> notes;  // things the reader noticed (missing files, ...)
};

class InputReader {
 public:
  virtual ~InputReader() = default;
  virtual std::string kind() const = 0;
  virtual std::string describe() const = 0;  // one line for error messages and --help
  // Cheap check on the path (file names, a header): is this input of my kind?
  virtual bool accepts(const std::filesystem::path& path) const = 0;
  // Throws sim::InputError naming the file (and line) of anything malformed.
  virtual LoadedInput read(const std::filesystem::path& path) const = 0;
};

// The registered kinds, in the order they are tried: simulate output folders, sweep databases,
// plan results, calibration result folders, then any registered later.
const std::vector<std::unique_ptr<InputReader>>& input_readers();
void register_input_reader(std::unique_ptr<InputReader> reader);

// Reads one input with the first kind that accepts it; an InputError listing the known kinds
// when none does.
LoadedInput read_input(const std::filesystem::path& path);

// All runs of several inputs, labels made unique ("fifo", or "fifo [out-a]" when two inputs
// both have a fifo run).
std::vector<RunData> merge_runs(std::vector<LoadedInput>& inputs);

// The simulate output folder reader (one policy folder, or a folder of policy subfolders).
std::unique_ptr<InputReader> make_simulate_reader();
// Sweep databases (an SQLite file written by `orrery sweep`), read through plan::ResultsDb.
std::unique_ptr<InputReader> make_sweep_reader();
// Plan results: a folder with plan.json (or the plan.json file itself).
std::unique_ptr<InputReader> make_plan_reader();
// Calibration result folders: calibration.json, comparison.csv, errors.json, utilization.csv,
// simulated/.
std::unique_ptr<InputReader> make_calibration_reader();
// Reads one policy folder (summary.json required; manifest.json, jobs.csv, timeseries.csv when
// present).
RunData read_run_folder(const std::filesystem::path& dir);

}  // namespace orrery::reports
