// Sweeps into the results database: contents, resume, SIGKILL at random points and resume,
// shards merged against an unsharded run, and merges refusing other sweeps.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "orrery/plan/results_db.hpp"
#include "orrery/plan/sweep.hpp"
#include "orrery/sim/problems.hpp"
#include "plan_test_support.hpp"

namespace orrery::plan {
namespace {

using nlohmann::json;
using orrery::test::TempDir;

SweepSpec small(const TempDir& tmp) {
  return load_sweep_spec(test::write_json(tmp / "spec.json", test::small_spec()));
}

// Everything a run stored, by key: summary, params, index, fingerprint, and its metrics.
struct DbContent {
  std::map<std::string, std::vector<std::string>> runs;
  std::map<std::string, std::map<std::string, std::string>> metrics;
  std::vector<std::vector<std::string>> jobs;
};
DbContent content(const std::string& db) {
  return {test::runs_by_key(db), test::metrics_by_key(db),
          test::sql_rows(db, "SELECT * FROM jobs ORDER BY run_key, job")};
}

TEST(Sweep, StoresEveryRunWithParamsAndMetricsAndResumes) {
  TempDir tmp;
  const SweepSpec spec = small(tmp);
  const std::string db = (tmp / "r.sqlite").string();
  SweepOptions o;
  o.threads = 2;
  const SweepReport r = run_sweep(spec, db, o);
  EXPECT_EQ(r.runs_total, 40U);
  EXPECT_EQ(r.ran, 40U);
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(r.workload_imports, 1U);  // the trace is imported once and shared
  EXPECT_EQ(test::sql_count(db, "SELECT count(*) FROM runs"), 40);
  EXPECT_EQ(test::sql_count(db, "SELECT count(DISTINCT run_index) FROM runs"), 40);
  EXPECT_EQ(test::sql_count(db, "SELECT count(*) FROM params"), 120);
  // Every numeric member of summary.json is a metric, nested ones flattened.
  for (const char* m : {"jobs", "completed", "jct_s.p95", "wait_s.mean", "makespan_s",
                        "gpu_utilization", "goodput"}) {
    EXPECT_EQ(
        test::sql_count(db, std::string("SELECT count(*) FROM metrics WHERE name = '") + m + "'"),
        40)
        << m;
  }
  // The wide view has a column per parameter and metric.
  const auto wide = test::sql_rows(
      db,
      "SELECT a100_nodes, v100_nodes, policy, \"wait_s.p95\" FROM runs_wide WHERE run_index = 3");
  ASSERT_EQ(wide.size(), 1U);
  EXPECT_EQ(wide[0][0], "2");
  EXPECT_EQ(wide[0][1], "2");
  EXPECT_EQ(wide[0][2], "easy-backfill");
  // More A100 nodes never lengthen the mean wait of fifo here (a sanity check on the values).
  const auto meta = test::sql_rows(db, "SELECT value FROM meta WHERE key = 'spec_fingerprint'");
  ASSERT_EQ(meta.size(), 1U);
  EXPECT_EQ(meta[0][0], spec.fingerprint);
  // Resuming a finished sweep runs nothing.
  const SweepReport again = run_sweep(spec, db, o);
  EXPECT_EQ(again.ran, 0U);
  EXPECT_EQ(again.already_done, 40U);
  // The reader gives the same numbers.
  ResultsDb rdb(db, ResultsDb::Mode::kReadOnly);
  const auto runs = rdb.runs();
  ASSERT_EQ(runs.size(), 40U);
  EXPECT_EQ(runs[5].index, 5U);
  EXPECT_EQ(runs[5].params, run_at(spec, 5).params);
  EXPECT_EQ(runs[5].metrics.at("jobs"), 300.0);
}

TEST(Sweep, ADifferentSpecIsRefused) {
  TempDir tmp;
  const SweepSpec spec = small(tmp);
  const std::string db = (tmp / "r.sqlite").string();
  SweepOptions o;
  o.shard = parse_shard("0/8");
  run_sweep(spec, db, o);
  json other = test::small_spec();
  other["axes"][0]["range"]["to"] = 7;
  const SweepSpec spec2 = load_sweep_spec(test::write_json(tmp / "other.json", other));
  try {
    run_sweep(spec2, db, o);
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("holds the results of a different sweep"),
              std::string::npos)
        << e.what();
  }
}

// Runs committed to a sweep database another process may be writing; -1 while it has no runs
// table yet (or cannot be read).
long long committed_runs(const std::string& path) {
  if (!std::filesystem::exists(path)) return -1;
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 50);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM runs", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

// Kill -9 a sweep several times, resume each time, and compare with a sweep that ran without
// interruption: the same run keys, identical summaries, metrics and per-job rows, no run stored
// twice, and an intact database. The first two kills come at random moments early on (before
// or while the database is created); the others when the committed runs reach a random count
// at most a quarter of the way from the last kill's to the end, so that they land mid-sweep
// whatever the machine's load (kills timed from the uninterrupted sweep's duration missed the
// middle on a loaded machine).
TEST(Sweep, KillNineAtRandomPointsAndResumeLosesNothing) {
  TempDir tmp;
  const SweepSpec spec = small(tmp);
  const std::string ref = (tmp / "ref.sqlite").string();
  const std::string db = (tmp / "killed.sqlite").string();
  SweepOptions o;
  o.threads = 2;
  o.per_job = true;
  const auto t0 = std::chrono::steady_clock::now();
  run_sweep(spec, ref, o);
  const double full_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> early(0.0, 0.3);
  int kills = 0, mid_sweep_kills = 0;
  long long before = 0;
  for (int attempt = 0; attempt < 12 && before < 40; ++attempt) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        run_sweep(spec, db, o);
      } catch (...) {
        code = 3;
      }
      ::_exit(code);
    }
    int status = 0;
    bool exited = false;
    if (attempt < 2) {
      std::this_thread::sleep_for(std::chrono::duration<double>(early(rng) * full_s));
    } else {
      const long long span = std::max<long long>(1, (40 - before) / 4);
      const long long target =
          before + 1 + static_cast<long long>(rng() % static_cast<std::uint64_t>(span));
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (committed_runs(db) < target && std::chrono::steady_clock::now() < give_up) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          exited = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    ++kills;
    // Killed before it created the database, or before its schema was committed.
    const long long after = committed_runs(db);
    if (after < 0) continue;
    if (after > before && after < 40) ++mid_sweep_kills;
    EXPECT_GE(after, before) << "a kill lost committed runs";
    before = after;
    EXPECT_EQ(test::sql_rows(db, "PRAGMA integrity_check").at(0).at(0), "ok");
  }
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("mid_sweep_kills", mid_sweep_kills);
  std::printf("kill -9: %d kills, %d mid-sweep, then resumed\n", kills, mid_sweep_kills);
  EXPECT_GE(mid_sweep_kills, 2) << "the kills did not land in the middle of the sweep (" << kills
                                << " kills, full sweep " << full_s << " s)";
  const SweepReport fin = run_sweep(spec, db, o);
  EXPECT_EQ(fin.already_done + fin.ran, 40U);
  EXPECT_EQ(static_cast<long long>(fin.already_done), before);

  EXPECT_EQ(test::sql_count(db, "SELECT count(*) FROM runs"), 40);
  EXPECT_EQ(test::sql_count(db, "SELECT count(DISTINCT run_key) FROM runs"), 40);
  EXPECT_EQ(test::sql_count(db,
                            "SELECT count(*) FROM (SELECT run_key, job FROM jobs GROUP BY "
                            "run_key, job HAVING count(*) > 1)"),
            0);
  const DbContent a = content(ref), b = content(db);
  ASSERT_EQ(a.runs.size(), 40U);
  EXPECT_EQ(a.runs, b.runs);
  EXPECT_EQ(a.metrics, b.metrics);
  EXPECT_EQ(a.jobs.size(), 40U * 300U);
  EXPECT_TRUE(a.jobs == b.jobs);
}

TEST(Sweep, ShardedAndMergedEqualsUnsharded) {
  TempDir tmp;
  const SweepSpec spec = small(tmp);
  const std::string whole = (tmp / "whole.sqlite").string();
  SweepOptions o;
  o.threads = 2;
  run_sweep(spec, whole, o);
  std::vector<std::string> shards;
  std::size_t sum = 0;
  for (int i = 0; i < 3; ++i) {
    SweepOptions so = o;
    so.shard = parse_shard(std::to_string(i) + "/3");
    shards.push_back((tmp / ("shard" + std::to_string(i) + ".sqlite")).string());
    const SweepReport r = run_sweep(spec, shards.back(), so);
    EXPECT_EQ(r.in_shard, i == 0 ? 14U : 13U);
    sum += r.ran;
    // Only this shard's runs.
    EXPECT_EQ(test::sql_count(shards.back(), "SELECT count(*) FROM runs WHERE run_index % 3 != " +
                                                 std::to_string(i)),
              0);
  }
  EXPECT_EQ(sum, 40U);
  const std::string merged = (tmp / "merged.sqlite").string();
  {
    ResultsDb out(merged, ResultsDb::Mode::kReadWrite);
    std::size_t added = 0;
    for (const auto& s : shards) added += out.merge_from(s).added;
    EXPECT_EQ(added, 40U);
    // Merging a shard again adds nothing and duplicates nothing.
    const MergeStats again = out.merge_from(shards[1]);
    EXPECT_EQ(again.added, 0U);
    EXPECT_EQ(again.duplicates, 13U);
    EXPECT_EQ(again.conflicts, 0U);
    // A shard that overlaps (the whole sweep) adds nothing either.
    EXPECT_EQ(out.merge_from(whole).added, 0U);
    out.rebuild_views();
  }
  EXPECT_EQ(test::sql_count(merged, "SELECT count(*) FROM runs"), 40);
  EXPECT_EQ(test::runs_by_key(merged), test::runs_by_key(whole));
  EXPECT_EQ(test::metrics_by_key(merged), test::metrics_by_key(whole));
  EXPECT_EQ(test::sql_rows(merged, "SELECT value FROM meta WHERE key = 'shard'").at(0).at(0),
            "merged");
  // A shard of another sweep is refused and changes nothing.
  json other = test::small_spec();
  other["axes"][1]["values"] = {1, 2};
  const SweepSpec spec2 = load_sweep_spec(test::write_json(tmp / "other.json", other));
  const std::string foreign = (tmp / "foreign.sqlite").string();
  SweepOptions fo;
  fo.shard = parse_shard("0/10");
  run_sweep(spec2, foreign, fo);
  ResultsDb out(merged, ResultsDb::Mode::kReadWrite);
  try {
    out.merge_from(foreign);
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("different sweep"), std::string::npos) << e.what();
  }
  EXPECT_EQ(out.run_count(), 40U);
  EXPECT_THROW(out.merge_from((tmp / "missing.sqlite").string()), sim::InputError);
}

}  // namespace
}  // namespace orrery::plan
