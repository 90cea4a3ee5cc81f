// Helpers shared by the importers of exports from running clusters (Slurm sacct and jobcomp,
// kubectl JSON): calendar times, Slurm durations and TRES strings, Slurm job states, Kubernetes
// quantities, the week origin, bounded JSON reading and the dropped/adjusted counters.
// Internal to traces/ (not installed).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "json_stream.hpp"
#include "orrery/sim/job.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/slurm_state.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::traces::exports {

// ---- time ----------------------------------------------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (negative before 1970).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
// "YYYY-MM-DDTHH:MM:SS" (or a space instead of T), read on the file's own clock as if it were
// UTC: seconds since 1970-01-01 00:00 of that clock. nullopt when not that shape or out of range.
std::optional<std::int64_t> parse_naive_datetime(std::string_view text);
// RFC 3339 ("2024-05-01T10:00:00Z", "2024-05-01T12:00:00.25+02:00"): milliseconds since the
// UNIX epoch (UTC). nullopt when not that shape.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);
// Slurm's words for "no time": "", "Unknown", "None", "N/A", "0".
bool is_no_time(std::string_view text);
// Slurm elapsed/limit "[D-]HH:MM:SS" (also "MM:SS", "D-HH", "D-HH:MM", ".micro" ignored):
// seconds. nullopt when malformed.
std::optional<std::int64_t> parse_slurm_duration(std::string_view text);
// 00:00 of the Monday on or before `t_seconds` (the same clock), in seconds.
std::int64_t week_origin(std::int64_t t_seconds);

// ---- Slurm -----------------------------------------------------------------------------------

// Job states: parse_slurm_state (orrery/traces/slurm_state.hpp).

// The parts of a TRES list Orrery uses ("cpu=8,mem=64G,node=1,gres/gpu=2,gres/gpu:a100=2").
struct Tres {
  bool any = false;  // at least one entry
  std::optional<std::uint64_t> cpus;
  std::optional<std::uint64_t> mem_mib;
  std::optional<std::uint64_t> nodes;
  std::optional<std::uint64_t> gpus;  // untyped gres/gpu, or the sum of the typed ones
  std::string gpu_type;               // the one type of gres/gpu:TYPE, if exactly one
  // Raw GPU entries, resolved into `gpus` and `gpu_type` by finish_tres.
  std::optional<std::uint64_t> untyped_gpus;
  std::vector<std::pair<std::string, std::uint64_t>> typed_gpus;
};
// Parses a TRES string; on a malformed entry returns nullopt and sets `error`.
std::optional<Tres> parse_tres_string(std::string_view text, std::string& error);
// Adds one TRES entry (type "gres", name "gpu:a100", count 2) to `t`.
void add_tres_entry(Tres& t, std::string_view type, std::string_view name, std::uint64_t count);
// Finishes a Tres after all entries were added (resolves typed versus untyped GPU counts).
void finish_tres(Tres& t);
// Memory with Slurm's unit suffix (K, M, G, T, P; binary; none = MiB): MiB, rounded up.
std::optional<std::uint64_t> parse_slurm_memory_mib(std::string_view text);

// ---- Kubernetes ------------------------------------------------------------------------------

// A Kubernetes resource quantity ("500m", "2", "1.5", "1Gi", "512Mi", "1G", "2e3") as a number
// of base units (cores, bytes, devices). nullopt when malformed.
std::optional<double> parse_k8s_quantity(std::string_view text);

// ---- counters and shape --------------------------------------------------------------------

// Counts dropped and adjusted rows by reason into the report.
class Tally {
 public:
  explicit Tally(ImportReport& report) : report_(report) {}
  void drop(const std::string& reason) { ++report_.dropped[reason]; }
  void adjust(const std::string& reason) { ++report_.adjusted[reason]; }

 private:
  ImportReport& report_;
};

// Slurm's view of a job (whole nodes, totals over the job) turned into Orrery's gang of
// identical tasks: one task per node when the GPUs divide evenly, else one task per GPU.
// Returns a problem text when a figure is out of range, or an empty string.
std::string set_slurm_shape(sim::JobSpec& j, std::uint64_t nodes, std::uint64_t gpus,
                            std::uint64_t cpus, std::uint64_t mem_mib, Tally& tally);

// One job record as Slurm's accounting tools report it, times in seconds on the file's clock.
struct SlurmRecord {
  std::string id;
  SlurmState state;
  std::optional<std::int64_t> submission, eligible, start, end;
  std::optional<std::int64_t> elapsed_s;  // used when start or end is missing
  std::optional<std::int64_t> limit_s;
  Tres alloc, req;
  std::optional<std::uint64_t> nodes, cpus, mem_mib;  // used when the TRES lack them
  std::string user, partition, nodelist;
  std::optional<std::int64_t> priority;
};
enum class SlurmField : std::uint8_t { kEnd, kTres };
struct SlurmProblem {
  SlurmField field;
  std::string what;
};
// Turns a record into a job of `w` (absolute times, rebased later), or counts why it is dropped
// or how it was adjusted. Returns a problem for impossible data (end before start, a TRES count
// out of range); the caller names the field its format uses.
std::optional<SlurmProblem> add_slurm_job(sim::Workload& w, const SlurmRecord& r, Tally& tally);

// Shifts every time of the workload (held as absolute seconds-based milliseconds on the file's
// clock) so that 0 is the week origin of the earliest submission.
void rebase_to_week(sim::Workload& w);

// Keeps the first job of each id; later ones are dropped (counted as "duplicate job id").
void drop_duplicate_ids(sim::Workload& w, Tally& tally);

// ---- JSON ------------------------------------------------------------------------------------

constexpr std::size_t kMaxJsonBytes = std::size_t{1} << 30;  // 1 GiB of text
constexpr int kMaxJsonDepth = 64;

// Reads a whole JSON file (plain, gzip or zstd) of at most kMaxJsonBytes and parses it,
// discarding object members named in `discard` (whatever their depth) to save memory. Throws
// sim::InputError naming file:line for invalid JSON. For small documents (node lists); large
// ones are streamed (json_stream.hpp).
nlohmann::json read_json(const std::string& path, const std::vector<std::string>& discard);

// Typed access to JSON members with problems named by JSON path ("file: json.path"), and by
// line too ("file:LINE: json.path") while a JsonLines of the value being read is set.
class JsonFields {
 public:
  JsonFields(sim::Problems& problems, std::string path) : problems_(problems), file_(path) {}
  void problem(const std::string& json_path, std::string what);
  // A problem at a known line (0: none).
  void problem_at(std::uint64_t line, const std::string& json_path, std::string what);
  // Lines of the value being read, or nullptr; must outlive its use here.
  void set_lines(const jsonstream::JsonLines* lines) { lines_ = lines; }
  bool full() const { return problems_.size() >= 100; }
  std::size_t count() const { return problems_.size(); }  // problems so far
  // Member `key` of object `o`, or nullptr when absent or null.
  static const nlohmann::json* member(const nlohmann::json& o, std::string_view key);
  // Walks a dotted path of members ("time.start"); nullptr when any is absent.
  static const nlohmann::json* at(const nlohmann::json& o, std::string_view dotted);
  // A whole number (also Slurm 23.02+'s {"set": true, "number": N} form); nullopt when absent,
  // unset or infinite; a problem when not a whole number.
  std::optional<std::int64_t> integer(const nlohmann::json* v, const std::string& json_path);
  // A string (numbers are printed); empty when absent.
  std::string text(const nlohmann::json* v, const std::string& json_path);

 private:
  sim::Problems& problems_;
  std::string file_;
  const jsonstream::JsonLines* lines_ = nullptr;
};

std::string kind_of(const nlohmann::json& v);  // "a string \"x\"", "the number 3", ...

}  // namespace orrery::traces::exports
