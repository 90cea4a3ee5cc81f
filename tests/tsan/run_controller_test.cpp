// The GUI's run controller across threads: a run to the end, a cancel mid-run, and destroying the
// controller while its worker runs. Under ThreadSanitizer (preset `tsan`) any unsynchronised
// access between the worker and the GUI thread is reported and fails the test.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTimer>
#include <fstream>
#include <memory>
#include <optional>

#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/synth.hpp"
#include "orrery/traces/trace_format.hpp"
#include "run_controller.hpp"
#include "test_support.hpp"

namespace orrery::gui {
namespace {

std::string example(const char* name) {
  return (orrery::test::source_dir() / "examples" / name).string();
}

// Runs the event loop until `done` or `timeout_ms`; true when done.
template <class Done>
bool spin_until(Done done, int timeout_ms) {
  QElapsedTimer t;
  t.start();
  while (!done() && t.elapsed() < timeout_ms)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  return done();
}

// The example scenario on a synthesized workload of `jobs` jobs (fitted to the example trace).
// The cancel tests use 50,000: five policies' runs of them outlast the 20 ms poll that cancels by
// orders of magnitude even in a Release build, and under sanitizers at -O0 200,000 took 40-70 s.
scenario::Scenario example_with_jobs(const QTemporaryDir& dir, std::uint64_t jobs) {
  scenario::Scenario s = scenario::load_scenario(example("scenario.json"));
  const std::string trace = dir.filePath("synth.csv").toStdString();
  const traces::Imported small = traces::import_trace(example("small-trace.csv"), "native", {});
  std::ofstream out(trace);
  traces::SynthModel::fit(small.workload).generate(jobs, 3, out);
  out.close();
  s.trace_path = trace;
  s.trace_format = "native";
  return s;
}

TEST(RunControllerThreads, RunsEveryPolicyToTheEndAndHandsOverTheResults) {
  const scenario::Scenario s = scenario::load_scenario(example("scenario.json"));
  RunController c;
  std::optional<RunOutcome> got;
  int progress_calls = 0;
  QObject::connect(&c, &RunController::finished, [&](const RunOutcome& o) { got = o; });
  QObject::connect(&c, &RunController::progress,
                   [&](quint64, quint64, double, const QString&) { ++progress_calls; });
  ASSERT_TRUE(c.start(s));
  EXPECT_FALSE(c.start(s));  // one run at a time
  ASSERT_TRUE(spin_until([&] { return got.has_value(); }, 300000));
  EXPECT_FALSE(c.running());
  EXPECT_FALSE(got->cancelled);
  EXPECT_TRUE(got->problems.empty());
  ASSERT_TRUE(got->runs != nullptr);
  ASSERT_EQ(got->runs->size(), s.policies.size());
  ASSERT_TRUE(got->timelines != nullptr);
  EXPECT_EQ(got->timelines->size(), s.policies.size());
  EXPECT_EQ(c.jobs_done(), c.jobs_total());
  EXPECT_GT(c.jobs_total(), 0u);
  EXPECT_GE(progress_calls, 1);

  // A second run on the same controller (the first worker is joined, a new one started).
  got.reset();
  ASSERT_TRUE(c.start(s));
  ASSERT_TRUE(spin_until([&] { return got.has_value(); }, 300000));
  ASSERT_TRUE(got->runs != nullptr);
  EXPECT_EQ(got->runs->size(), s.policies.size());
}

TEST(RunControllerThreads, CancelMidRunStopsTheWorkerAndDeliversNoResults) {
  QTemporaryDir dir;
  const scenario::Scenario s = example_with_jobs(dir, 50000);
  RunController c;
  std::optional<RunOutcome> got;
  QObject::connect(&c, &RunController::finished, [&](const RunOutcome& o) { got = o; });
  ASSERT_TRUE(c.start(s));
  ASSERT_TRUE(spin_until([&] { return c.jobs_done() > 0 || got.has_value(); }, 300000));
  ASSERT_FALSE(got.has_value()) << "the run ended before it could be cancelled";
  c.cancel();
  ASSERT_TRUE(spin_until([&] { return got.has_value(); }, 300000));
  EXPECT_TRUE(got->cancelled);
  EXPECT_TRUE(got->runs == nullptr);
  EXPECT_LT(c.jobs_done(), c.jobs_total());
  EXPECT_FALSE(c.running());
}

TEST(RunControllerThreads, DestroyingTheControllerMidRunStopsAndJoinsTheWorker) {
  QTemporaryDir dir;
  const scenario::Scenario s = example_with_jobs(dir, 50000);
  auto c = std::make_unique<RunController>();
  ASSERT_TRUE(c->start(s));
  ASSERT_TRUE(spin_until([&] { return c->jobs_done() > 0; }, 300000));
  c.reset();  // requests stop and joins; must neither hang nor touch freed memory
  SUCCEED();
}

}  // namespace
}  // namespace orrery::gui
