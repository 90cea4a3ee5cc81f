// The sweep results database (SQLite, WAL mode). Layout (docs/sweeps.md):
//
//   meta(key, value)        spec_fingerprint, spec (canonical JSON), runs_total, name, axes,
//                           layout (1), orrery_version, created_utc, shard
//   runs(run_key PK, run_index UNIQUE, params JSON, policy, placement, fingerprint,
//        summary JSON, wall_s, shard, host, finished_utc)
//   params(run_key, name, value TEXT, num REAL)       one row per axis value
//   metrics(run_key, name, value REAL)               one row per numeric summary member
//   jobs(run_key, job, job_id, submit_s, start_s, end_s, wait_s, jct_s, gpus, nodes,
//        preemptions, restarts, status, gpu_type)    with --per-job
//   failures(run_key PK, run_index, params, error, at_utc)   runs that threw; retried on resume
//   view runs_wide                                   one row per run, a column per param/metric
//
// Every finished run is one transaction (synchronous=FULL), so a killed sweep loses only the
// runs in flight; run_key is the primary key, so a run is never stored twice.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "orrery/plan/metrics.hpp"
#include "orrery/sim/job.hpp"
#include "orrery/sim/result.hpp"

struct sqlite3;

namespace orrery::plan {

struct SweepMeta {
  std::string fingerprint;
  nlohmann::json spec;  // canonical spec: base (content), mode, axes
  std::size_t runs_total = 0;
  std::string name;
  std::vector<std::string> axes;  // axis names in spec order
  std::string orrery_version;
  std::string created_utc;
  std::string shard;  // "I/N", "all" or "merged"
};

struct RunRecord {
  std::size_t index = 0;
  std::string key;
  nlohmann::json params;
  nlohmann::json summary;
  Metrics metrics;
  double wall_s = 0;
  std::string shard;
  // Per-job rows when both are set.
  const sim::RunResult* result = nullptr;
  const sim::Workload* workload = nullptr;
};

struct StoredRun {
  std::size_t index = 0;
  std::string key;
  nlohmann::json params;
  std::string policy, placement, fingerprint;
  nlohmann::json summary;
  Metrics metrics;
  double wall_s = 0;
};

struct MergeStats {
  std::size_t added = 0;       // runs new to the output
  std::size_t duplicates = 0;  // already there, identical summary
  std::size_t conflicts = 0;   // already there with a different summary (the first one is kept)
};

class ResultsDb {
 public:
  enum class Mode { kReadOnly, kReadWrite };
  // Opens (kReadWrite: creates) a results database. Throws sim::InputError naming the file.
  ResultsDb(const std::string& path, Mode mode);
  ~ResultsDb();
  ResultsDb(const ResultsDb&) = delete;
  ResultsDb& operator=(const ResultsDb&) = delete;

  const std::string& path() const { return path_; }
  std::optional<SweepMeta> meta() const;
  // A new database records `meta`; an existing one must hold the same sweep (fingerprint),
  // else InputError. Updates the shard field when it differs.
  void bind_spec(const SweepMeta& meta);

  std::set<std::string> finished_keys() const;
  std::size_t run_count() const;
  // One transaction: the run, its params, metrics and per-job rows; clears an earlier failure.
  // False (and nothing written) when the run key is already stored.
  bool insert_run(const RunRecord& r);
  void record_failure(std::size_t index, const std::string& key, const nlohmann::json& params,
                      const std::string& error);
  std::size_t failure_count() const;

  std::vector<StoredRun> runs() const;  // by run index

  // (Re)creates the runs_wide view over the names present.
  void rebuild_views();
  // Adds another database's runs (same spec fingerprint, else InputError), deduplicated by key.
  MergeStats merge_from(const std::string& other_path);

 private:
  void exec(const std::string& sql) const;
  void rollback_quietly() const;  // ROLLBACK if a transaction is open; errors ignored
  std::string path_;
  sqlite3* db_ = nullptr;
  bool writable_ = false;
};

std::string utc_now_iso();

}  // namespace orrery::plan
