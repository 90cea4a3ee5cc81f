// Reading results for reports: what a report is made from, and the input kinds it can read.
// No Qt here, so it is cheap to unit-test and reusable by a GUI.
//
// An input kind (a simulate output folder today; sweep databases, plan results and calibration
// results later) turns a path into a LoadedInput: one RunData per policy run, plus any extra
// tables of its own. A new kind is one InputReader registered with register_input_reader().
//
//   std::vector<LoadedInput> in = {read_input("out/")};   // throws sim::InputError
//   for (const RunData& r : in[0].runs) r.metric("wait_s.p95");
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
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
  double wait_s = kMissing;  // present when the job started
  double jct_s = kMissing;   // present when the job ended
  double gpus = kMissing;    // total GPUs over tasks (fractions allowed)
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

struct LoadedInput {
  std::string kind;  // "simulate", ...
  std::string path;
  std::vector<RunData> runs;
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

// The registered kinds, in the order they are tried; simulate output folders first.
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
// Reads one policy folder (summary.json required; manifest.json, jobs.csv, timeseries.csv when
// present).
RunData read_run_folder(const std::filesystem::path& dir);

}  // namespace orrery::reports
