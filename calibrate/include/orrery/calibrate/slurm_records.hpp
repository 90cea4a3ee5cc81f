// Parsers for what a live Slurm cluster records about its jobs, each tested on saved real output
// (tests/calibrate/data/):
//   - slurmctld.log at info level: submit, hold release, allocation (by the main scheduler,
//     "sched: Allocate JobId=N NodeList=...", or by backfill, "sched/backfill: _start_job:
//     Started JobId=N in P on NODES") and "_job_complete: JobId=N done", to the millisecond;
//   - the jobcomp/filetxt log: one line per finished job (whole seconds);
//   - `squeue --json -t all`: submit/eligible/start/end epoch seconds, nodes, tres_per_node;
//   - the calibration job script's own stamps ("orrery-start <EPOCHREALTIME>", "orrery-end ...").
// Timestamps without a zone (the log, jobcomp) are local time, as Slurm writes them.
//
//   auto events = parse_ctld_log(text);            // job id -> CtldJobEvents
//   events.at(12).start_ms;                        // epoch milliseconds
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orrery::calibrate {

// "2026-11-23T05:51:48.782" (or without milliseconds) in local time -> epoch ms.
std::optional<std::int64_t> parse_local_timestamp_ms(std::string_view text);

enum class StartedBy : std::uint8_t { kUnknown, kMainScheduler, kBackfill };

struct CtldJobEvents {
  std::optional<std::int64_t> submit_ms;
  std::optional<std::int64_t> release_ms;  // the last hold release
  std::optional<std::int64_t> start_ms;    // allocation
  std::optional<std::int64_t> complete_ms;
  StartedBy started_by = StartedBy::kUnknown;
  std::string nodes;  // hostlist as logged
};

// Every job event in the log (job id -> events). Lines of other kinds are ignored.
std::map<std::uint64_t, CtldJobEvents> parse_ctld_log(std::string_view text);
// The times at which the main scheduler and the backfill scheduler started jobs (epoch ms,
// ascending, one entry per distinct millisecond), for estimating their tick period and phase.
struct SchedulerActivity {
  std::vector<std::int64_t> main_ms;
  std::vector<std::int64_t> backfill_ms;
};
SchedulerActivity scheduler_activity(const std::map<std::uint64_t, CtldJobEvents>& events);
// Only the log lines that name one of `job_ids` (for saving an excerpt of a shared log).
std::string ctld_log_excerpt(std::string_view text, const std::vector<std::uint64_t>& job_ids);

struct JobcompRecord {
  std::uint64_t job_id = 0;
  std::string name;
  std::string state;
  std::string partition;
  std::string nodes;
  std::uint32_t node_count = 0;
  std::optional<std::int64_t> submit_s, eligible_s, start_s, end_s;  // epoch seconds
  std::uint32_t time_limit_min = 0;
};
std::vector<JobcompRecord> parse_jobcomp(std::string_view text);

struct SqueueRecord {
  std::uint64_t job_id = 0;
  std::string name;
  std::string state;          // COMPLETED, RUNNING, PENDING, ...
  std::string nodes;          // hostlist
  std::string tres_per_node;  // "gres:gpu:a100:2"
  std::string comment;
  std::uint32_t node_count = 0;
  std::uint32_t time_limit_min = 0;
  std::optional<std::int64_t> submit_s, eligible_s, start_s, end_s;  // epoch seconds
};
// Throws sim::InputError on text that is not squeue's JSON.
std::vector<SqueueRecord> parse_squeue_json(std::string_view text);
// Is this Slurm state final (COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, ...)?
bool is_final_state(std::string_view state);

struct ScriptStamps {
  std::optional<std::int64_t> start_us;  // epoch microseconds
  std::optional<std::int64_t> end_us;
};
// A stamp that is missing, not a number or not a plausible epoch time (after the year 9999) is
// nullopt.
ScriptStamps parse_script_stamps(std::string_view text);

}  // namespace orrery::calibrate
