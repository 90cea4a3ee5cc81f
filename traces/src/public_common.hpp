// Helpers shared by the importers of the public traces (format_*.cpp). Internal to traces/.
//
// The hot loop of a CSV importer is: LineReader::next -> Fields::split (string_views into the
// line, no copy for unquoted lines) -> read_int / read_number (std::from_chars, FieldReader only
// on failure) -> Interner (a cached StringTable lookup without a temporary std::string) ->
// IdIndex (an open-addressing table of job indices, no allocation per row).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orrery/sim/job.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"
#include "orrery/traces/slurm_state.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::traces::pub {

inline constexpr std::int64_t kMsPerDay = 86'400'000;

std::string_view trim(std::string_view s);
// Empty or a "no value" marker written by pandas or Python: None, nan, NaN, NaT, null, NULL.
bool is_missing(std::string_view s);

// One split row; the views stay valid until the next split() or until the line changes.
class Fields {
 public:
  explicit Fields(char sep = ',') : sep_(sep) {}
  // False on an unterminated quoted field.
  bool split(std::string_view line);
  // Splits on runs of blanks (spaces, tabs), ignoring leading and trailing blanks (SWF).
  void split_blanks(std::string_view line);
  std::size_t size() const { return views_.size(); }
  std::string_view operator[](std::size_t i) const { return views_[i]; }
  // Field i, or "" when the column is absent (index npos) or the row is short.
  std::string_view get(std::size_t i) const { return i < views_.size() ? views_[i] : ""; }

 private:
  char sep_;
  std::vector<std::string_view> views_;
  std::vector<std::string> storage_;
};

// Named columns found in a header line (names compared after trimming blanks; extra columns are
// ignored, as pandas index columns and later additions are common in public traces).
struct ColumnSpec {
  std::string_view name;
  bool required;
};
class Header {
 public:
  static constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);
  // Records "missing required column" problems at path:line.
  Header(const Fields& header, std::span<const ColumnSpec> spec, const std::string& path,
         std::uint64_t line, sim::Problems& problems);
  std::size_t operator[](std::size_t column) const { return pos_[column]; }
  bool has(std::size_t column) const { return pos_[column] != kAbsent; }
  std::size_t width() const { return width_; }

 private:
  std::vector<std::size_t> pos_;
  std::size_t width_ = 0;
};

// Whole number in [min, max]; "12", and "12.0" as pandas writes integers in float columns.
std::optional<std::int64_t> read_int(FieldReader& f, std::string_view col, std::string_view text,
                                     std::int64_t min, std::int64_t max);
// Finite number in [min, max].
std::optional<double> read_number(FieldReader& f, std::string_view col, std::string_view text,
                                  double min, double max);

// Seconds (whole or decimal) in [0, max_s], as milliseconds (rounded to the nearest ms).
std::optional<std::int64_t> read_seconds(FieldReader& f, std::string_view col,
                                         std::string_view text, double max_s);

// "YYYY-MM-DD HH:MM:SS" ('T' also accepted), optional fraction ".fff...", optional offset
// "+HH:MM", "+HHMM", "+HH" or "Z". `wall_ms` is the clock reading as if it were UTC.
struct DateTime {
  std::int64_t wall_ms = 0;
  bool has_offset = false;
  std::int32_t offset_s = 0;
  std::int64_t utc_ms() const { return wall_ms - std::int64_t{offset_s} * 1000; }
};
std::optional<DateTime> parse_datetime(std::string_view s);
// Midnight (local, at the given UTC offset) of the day holding `utc_ms`, as UTC ms.
std::int64_t local_midnight_ms(std::int64_t utc_ms, std::int32_t offset_s);
std::int64_t floor_div(std::int64_t a, std::int64_t b);

// Interns strings through a cache keyed by string_view: no temporary std::string per lookup.
class Interner {
 public:
  explicit Interner(sim::StringTable& table) : table_(table) {}
  std::uint32_t operator()(std::string_view s);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sim::StringTable& table_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> cache_;
  std::string last_;
  std::uint32_t last_id_ = 0;
};

// Asks the kernel for transparent huge pages over a large buffer (no effect elsewhere).
void advise_huge_pages(const void* data, std::size_t bytes);

// Job ids -> job index, open addressing over the ids already stored in the jobs themselves.
class IdIndex {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;
  // The index of a job with this id, or kNone.
  std::uint32_t find(std::string_view id, const std::vector<sim::JobSpec>& jobs) const;
  // Records `index` (jobs[index].id must equal `id` from now on) unless the id is already there;
  // returns the index already holding it, or kNone when recorded.
  std::uint32_t insert(std::string_view id, std::uint32_t index,
                       const std::vector<sim::JobSpec>& jobs);
  // The hash of an id, with its slot's cache line fetched ahead of insert_hashed().
  std::uint32_t prefetch(std::string_view id);
  std::uint32_t insert_hashed(std::uint32_t hash, std::string_view id, std::uint32_t index,
                              const std::vector<sim::JobSpec>& jobs);
  void clear() {
    slots_.clear();
    used_ = 0;
  }

 private:
  void grow();
  std::vector<std::uint64_t> slots_;  // (hash32 << 32) | (index + 1); 0 = empty
  std::size_t used_ = 0;
};

// Where an importer puts its jobs: built in place at the end of the workload, refused rows
// taken back, duplicate ids found, and the vector reserved once from the first rows' average
// length when the file is not compressed (so a large trace is not copied while it grows).
//
//   sim::JobSpec& j = sink.start(id, in.line_number());  // j.id == id
//   ... if (drop) { sink.cancel(); continue; }
//   if (auto first = sink.commit()) f.problem("job_id", "duplicate ... line " + first);
class JobSink {
 public:
  JobSink(std::vector<sim::JobSpec>& jobs, const LineReader& in) : jobs_(jobs), in_(in) {}
  // Counts a data line of `bytes` bytes (for the size estimate).
  void line(std::size_t bytes);
  // Optional, as early in the row as the id is known: fetches its slot in the id table while the
  // rest of the row is parsed. start() must then be given the same id.
  void peek(std::string_view id) {
    hash_ = ids_.prefetch(id);
    peeked_ = true;
  }
  sim::JobSpec& start(std::string_view id, std::uint64_t line);
  void cancel() { jobs_.pop_back(); }
  // Keeps the started job; when its id was seen before, takes it back and returns the line of
  // the first one (0 when kept).
  std::uint64_t commit();
  // Gives back reserved room that was not used.
  void finish();

 private:
  std::vector<sim::JobSpec>& jobs_;
  const LineReader& in_;
  IdIndex ids_;
  std::vector<std::uint64_t> lines_;
  std::uint32_t hash_ = 0;
  bool peeked_ = false;
  std::uint64_t line_ = 0;
  std::uint64_t rows_ = 0, bytes_ = 0;
  bool reserved_ = false;
};

// A gang of identical tasks from a job's totals (GPUs, nodes, CPU cores).
struct Gang {
  std::uint32_t tasks = 1;
  std::uint32_t gpu_milli = 0;  // per task
  std::uint32_t cpu_milli = 0;  // per task
};
// nodes 0 is read as 1. GPUs divisible by nodes: one task per node; otherwise one task per GPU.
// Returns nullptr, or the reason the shape differs from the trace's (an adjustment).
const char* gang_shape(std::uint64_t gpus, std::uint64_t nodes, double cpus, Gang& gang);

// Slurm job states as Helios and Acme write them; nullopt for an unknown state. `ignore` is set
// for SUSPENDED (Helios README: happens once, ignored in their analysis).
std::optional<sim::JobStatus> slurm_state(std::string_view s, bool& ignore);

void count(std::map<std::string, std::uint64_t>& reasons, std::string_view reason);

// Shifts every time of the workload by -origin_ms (all times must be >= origin).
void rebase(sim::Workload& w, std::int64_t origin_ms);

// Reads the first line or throws "empty file (expected ...)".
std::string first_line(LineReader& in, const std::string& expected);

// Throws for a cluster import with --strict when rows were dropped or adjusted (import_trace
// does this for job traces; import_cluster leaves it to the reader).
void enforce_strict(const ImportReport& report, const ImportOptions& options);

// Identical nodes grouped into pools, in order of first appearance.
class PoolBuilder {
 public:
  void add(std::string_view gpu_type, std::uint32_t gpus, std::uint32_t cpu_cores,
           std::uint64_t memory_mib);
  std::uint64_t nodes() const { return nodes_; }
  sim::ClusterSpec build(std::string name) const;

 private:
  std::vector<sim::NodePoolSpec> pools_;
  std::uint64_t nodes_ = 0;
};
// "openb_node_list_gpu_node" for ".../openb_node_list_gpu_node.csv.gz".
std::string file_stem(const std::string& path);

// Helios and Acme job logs (one row per Slurm-style job); defined in format_common.cpp.
struct JobLogConfig {
  std::string_view format;
  bool use_vc = false;    // `vc` column -> queue
  bool use_type = false;  // `type` column -> job class
  bool use_mem = false;   // `mem_per_pod_GB` column -> memory per task
};
Imported read_job_log(const std::string& path, const ImportOptions& options,
                      const JobLogConfig& config);

// The DIR-LAB "Gen-Parallel-Workloads" cuts (Philly, Helios, Blue Waters share one header).
Imported read_dirlab_cut(const std::string& path, const ImportOptions& options,
                         std::string_view format);

}  // namespace orrery::traces::pub
