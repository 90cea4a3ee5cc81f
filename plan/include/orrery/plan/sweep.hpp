// Running a sweep: every run of a spec (or of one shard of it) on all cores, each finished run
// committed to the results database in its own transaction; runs already in the database are
// skipped, so a killed sweep resumes where it stopped (docs/sweeps.md).
//
//   SweepSpec spec = load_sweep_spec("sweep.json");
//   SweepReport r = run_sweep(spec, "results.sqlite", {.threads = 8, .shard = {2, 4}});
#pragma once

#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "orrery/plan/sweep_spec.hpp"

namespace orrery::plan {

struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;  // runs with run_index % count == index
  std::string text() const;
};
// Parses "I/N" (0 <= I < N). Throws sim::InputError naming `where`.
Shard parse_shard(const std::string& text, const std::string& where = "--shard");

struct SweepProgress {
  std::size_t to_run = 0;  // runs this invocation runs
  std::size_t done = 0;    // finished (committed or failed) so far
  std::size_t failed = 0;
  std::size_t running = 0;
  double fraction = 0;  // of the work, counting in-flight runs' progress
  double elapsed_s = 0;
};

struct SweepOptions {
  unsigned threads = 0;  // 0: all cores
  Shard shard;
  bool per_job = false;  // also store every job's outcome (jobs table)
  std::function<void(const SweepProgress&)> progress;  // called from worker threads, serialised
  std::stop_token stop;
};

struct SweepFailure {
  std::size_t index = 0;
  std::string params;
  std::string error;
};

struct SweepReport {
  std::size_t runs_total = 0;    // in the whole spec
  std::size_t in_shard = 0;      // in this shard
  std::size_t already_done = 0;  // in this shard and already in the database (skipped)
  std::size_t ran = 0;           // committed by this invocation
  std::vector<SweepFailure> failures;
  bool cancelled = false;
  double wall_s = 0;
  std::size_t workload_imports = 0;
};

// Validates every pending run before running any (all problems at once, sim::InputError).
SweepReport run_sweep(const SweepSpec& spec, const std::string& db_path,
                      const SweepOptions& options = {});

}  // namespace orrery::plan
