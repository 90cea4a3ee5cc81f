// The sweep runner's threads: N worker threads committing runs to one SQLite database, a progress
// callback serialised across them, and a stop requested mid-sweep then resumed. The stored
// results equal a one-thread sweep's. Under ThreadSanitizer (preset `tsan`) a data race fails it.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <stop_token>

#include "orrery/plan/sweep.hpp"
#include "orrery/plan/sweep_spec.hpp"
#include "plan_test_support.hpp"

namespace orrery::plan {
namespace {

namespace fs = std::filesystem;

// Every stored run's parameters, fingerprint, summary and metrics, in run order (raw rows read
// with SQLite; wall time, host and finishing time differ between sweeps and are left out).
std::vector<std::vector<std::string>> stored(const std::string& db) {
  auto rows = test::sql_rows(db,
                             "SELECT run_key, run_index, params, policy, placement, fingerprint, "
                             "summary FROM runs ORDER BY run_index");
  for (auto& m : test::sql_rows(db, "SELECT run_key, name, value FROM metrics ORDER BY 1, 2"))
    rows.push_back(std::move(m));
  return rows;
}

std::size_t stored_runs(const std::string& db) {
  return test::sql_rows(db, "SELECT run_key FROM runs").size();
}

TEST(SweepThreads, FourThreadsStoreWhatOneThreadStores) {
  const orrery::test::TempDir tmp;
  const SweepSpec spec =
      load_sweep_spec(test::write_json(tmp.path() / "s.json", test::small_spec()));

  SweepOptions one;
  one.threads = 1;
  const SweepReport r1 = run_sweep(spec, (tmp.path() / "one.sqlite").string(), one);
  ASSERT_TRUE(r1.failures.empty());

  SweepOptions four;
  four.threads = 4;
  std::mutex m;
  std::size_t last_done = 0, calls = 0;
  bool monotone = true;
  four.progress = [&](const SweepProgress& p) {
    const std::lock_guard lock(m);  // the runner serialises calls; the lock only guards our data
    monotone = monotone && p.done >= last_done;
    last_done = p.done;
    ++calls;
  };
  const SweepReport r4 = run_sweep(spec, (tmp.path() / "four.sqlite").string(), four);
  ASSERT_TRUE(r4.failures.empty());
  EXPECT_EQ(r4.ran, r1.ran);
  EXPECT_GT(calls, 0u);
  EXPECT_TRUE(monotone);

  const auto a = stored((tmp.path() / "one.sqlite").string());
  const auto b = stored((tmp.path() / "four.sqlite").string());
  EXPECT_EQ(stored_runs((tmp.path() / "four.sqlite").string()), spec.run_count());
  EXPECT_GT(a.size(), spec.run_count());  // runs and their metrics
  EXPECT_EQ(a, b);
}

TEST(SweepThreads, StopMidSweepThenResumeStoresEveryRunOnce) {
  const orrery::test::TempDir tmp;
  const SweepSpec spec =
      load_sweep_spec(test::write_json(tmp.path() / "s.json", test::small_spec()));
  const std::string db = (tmp.path() / "r.sqlite").string();

  std::stop_source stop;
  SweepOptions o;
  o.threads = 4;
  o.stop = stop.get_token();
  o.progress = [&](const SweepProgress& p) {
    if (p.done >= 5) stop.request_stop();
  };
  const SweepReport first = run_sweep(spec, db, o);
  EXPECT_TRUE(first.cancelled);
  EXPECT_LT(first.ran, spec.run_count());

  SweepOptions rest;
  rest.threads = 4;
  const SweepReport second = run_sweep(spec, db, rest);
  EXPECT_FALSE(second.cancelled);
  EXPECT_EQ(second.already_done, first.ran);
  EXPECT_EQ(first.ran + second.ran, spec.run_count());
  EXPECT_EQ(stored_runs(db), spec.run_count());
}

}  // namespace
}  // namespace orrery::plan
