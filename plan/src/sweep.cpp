#include "orrery/plan/sweep.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "orrery/plan/results_db.hpp"
#include "orrery/plan/run_one.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/sim/version.hpp"

namespace orrery::plan {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxProblems = 30;
constexpr std::size_t kKeepScenarios = 50'000;  // validated scenarios kept in memory up to this

std::string run_label(const RunPlan& r) {
  return "run " + std::to_string(r.index) + " (" + describe_params(r.params) + ")";
}

}  // namespace

std::string Shard::text() const {
  if (count <= 1) return "all";
  return std::to_string(index) + "/" + std::to_string(count);
}

Shard parse_shard(const std::string& text, const std::string& where) {
  const auto slash = text.find('/');
  Shard s;
  auto number = [&](std::string_view part, std::size_t& out) {
    const auto r = std::from_chars(part.data(), part.data() + part.size(), out);
    return !part.empty() && r.ec == std::errc() && r.ptr == part.data() + part.size();
  };
  const std::string_view t(text);
  if (slash == std::string::npos || !number(t.substr(0, slash), s.index) ||
      !number(t.substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count) {
    throw sim::InputError(where, "must be I/N with 0 <= I < N (e.g. 3/16), got \"" + text + "\"");
  }
  return s;
}

SweepReport run_sweep(const SweepSpec& spec, const std::string& db_path,
                      const SweepOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  SweepReport rep;
  rep.runs_total = spec.run_count();
  const Shard shard = options.shard;
  if (shard.count == 0 || shard.index >= shard.count)
    throw sim::InputError("--shard", "shard index must be below the shard count");

  ResultsDb db(db_path, ResultsDb::Mode::kReadWrite);
  SweepMeta meta;
  meta.fingerprint = spec.fingerprint;
  meta.spec = spec.canonical;
  meta.runs_total = rep.runs_total;
  meta.name = spec.name;
  for (const Axis& a : spec.axes) meta.axes.push_back(a.name);
  meta.orrery_version = std::string(sim::kVersion);
  meta.shard = shard.text();
  db.bind_spec(meta);

  // The runs of this shard that are not in the database yet.
  const std::set<std::string> finished = db.finished_keys();
  std::vector<RunPlan> pending;
  for (std::size_t i = shard.index; i < rep.runs_total; i += shard.count) {
    ++rep.in_shard;
    RunPlan r = run_at(spec, i);
    if (finished.count(r.key)) {
      ++rep.already_done;
    } else {
      pending.push_back(std::move(r));
    }
  }

  // Validate every pending run before running any: a typo in an axis fails in seconds, not
  // after hours of runs.
  sim::Problems problems;
  std::size_t bad_runs = 0;
  const bool keep = pending.size() <= kKeepScenarios;
  std::vector<std::optional<scenario::Scenario>> scenarios(keep ? pending.size() : 0);
  for (std::size_t k = 0; k < pending.size(); ++k) {
    const RunPlan& r = pending[k];
    const std::string label = run_label(r);
    try {
      const json doc = run_document(spec, r);
      scenario::Scenario s = scenario_from_document(doc, label);
      if (s.policies.size() != 1) {
        throw sim::InputError(label, "runs " + std::to_string(s.policies.size()) +
                                         " policies; a sweep run has one (use a policy axis)");
      }
      if (keep) scenarios[k] = std::move(s);
    } catch (const sim::InputError& e) {
      ++bad_runs;
      for (const auto& p : e.problems()) {
        if (problems.size() < kMaxProblems) problems.add(p.where, p.what);
      }
    } catch (const PathError& e) {
      ++bad_runs;
      if (problems.size() < kMaxProblems) problems.add(label, e.what());
    }
  }
  if (bad_runs > 0) {
    problems.add(spec.path.empty() ? "sweep" : spec.path,
                 std::to_string(bad_runs) + " of " + std::to_string(pending.size()) +
                     " runs are not valid scenarios; nothing was run");
    problems.throw_if_any();
  }

  // Run on a pool of threads; each finished run is committed at once.
  WorkloadCache cache(8);
  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // the database, the report and progress
  const unsigned hw = std::max(1U, std::thread::hardware_concurrency());
  const unsigned threads = static_cast<unsigned>(std::min<std::size_t>(
      options.threads == 0 ? hw : options.threads, std::max<std::size_t>(1, pending.size())));
  std::vector<double> slot_fraction(threads, 0.0);
  SweepProgress progress;
  progress.to_run = pending.size();
  auto report_progress = [&]() {  // with `mutex` held
    if (!options.progress) return;
    double inflight = 0;
    for (double f : slot_fraction) inflight += f;
    progress.fraction = pending.empty() ? 1.0
                                        : (static_cast<double>(progress.done) + inflight) /
                                              static_cast<double>(pending.size());
    progress.elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    options.progress(progress);
  };
  // A failed write to the database (disk full, I/O error) is not a run's failure: every later
  // run would fail the same way. The first one stops the sweep (runs in flight are not stored)
  // and is thrown once the threads are done; what was committed before stays.
  std::optional<std::string> storage_error;  // with `mutex` held
  std::atomic<bool> storage_failed{false};
  auto worker = [&](unsigned slot) {
    for (std::size_t k = next++; k < pending.size(); k = next++) {
      if (storage_failed) return;
      if (options.stop.stop_requested()) {
        std::lock_guard lock(mutex);
        rep.cancelled = true;
        return;
      }
      const RunPlan& r = pending[k];
      {
        std::lock_guard lock(mutex);
        ++progress.running;
        slot_fraction[slot] = 0;
        report_progress();
      }
      try {
        scenario::Scenario s =
            keep ? *scenarios[k] : scenario_from_document(run_document(spec, r), run_label(r));
        RunOutput out =
            run_one(s, cache, options.stop, [&](std::uint64_t done, std::uint64_t total) {
              std::lock_guard lock(mutex);
              slot_fraction[slot] =
                  total == 0 ? 0.0 : static_cast<double>(done) / static_cast<double>(total);
              report_progress();
            });
        if (keep) scenarios[k].reset();
        std::lock_guard lock(mutex);
        --progress.running;
        slot_fraction[slot] = 0;
        if (out.cancelled) {
          rep.cancelled = true;
          report_progress();
          continue;
        }
        RunRecord rec;
        rec.index = r.index;
        rec.key = r.key;
        rec.params = r.params;
        rec.summary = out.summary;
        rec.metrics = out.metrics;
        rec.wall_s = out.wall_s;
        rec.shard = shard.text();
        if (options.per_job) {
          rec.result = &out.result;
          rec.workload = &out.context->workload;
        }
        if (storage_failed) continue;
        try {
          if (db.insert_run(rec)) ++rep.ran;
        } catch (const std::exception& e) {
          storage_failed = true;
          if (!storage_error) storage_error = e.what();
          continue;
        }
        ++progress.done;
        report_progress();
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (progress.running > 0) --progress.running;
        slot_fraction[slot] = 0;
        std::string what = e.what();
        rep.failures.push_back({r.index, describe_params(r.params), what});
        try {
          db.record_failure(r.index, r.key, r.params, what);
        } catch (const std::exception& e2) {
          rep.failures.back().error += std::string(" (and recording it failed: ") + e2.what() + ")";
          storage_failed = true;
          if (!storage_error) storage_error = e2.what();
        }
        ++progress.done;
        ++progress.failed;
        report_progress();
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
    worker(0);
  }
  if (storage_error) {
    throw sim::InputError(db_path, "cannot store a finished run, the sweep stopped (" +
                                       std::to_string(rep.ran) +
                                       " runs stored now are kept; free space and run the same "
                                       "command to resume): " +
                                       *storage_error);
  }
  if (options.stop.stop_requested()) rep.cancelled = true;
  db.rebuild_views();
  rep.workload_imports = cache.imports();
  rep.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace orrery::plan
