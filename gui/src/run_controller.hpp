// Runs a scenario off the GUI thread. The worker (a std::jthread) imports the trace, runs every
// policy with scenario::run_scenario (in parallel), writes each run's output folder into a
// temporary folder and reads it back as reports::RunData, so the GUI shows exactly what the CLI
// writes and "export report" reads the same folders. The worker never touches Qt objects: it
// publishes progress in atomics and its outcome under a mutex, then raises `delivered_`; a
// QTimer on the GUI thread polls both, joins the finished worker and emits `finished`. Every
// hand-over is a standard-library synchronisation, so ThreadSanitizer sees all of it (a queued
// Qt call would synchronise inside uninstrumented Qt code; tests/tsan). cancel() requests stop
// through the run's std::stop_token.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTemporaryDir>
#include <QTimer>
#include <atomic>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "orrery/reports/results.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::gui {

// One job as the allocation timeline draws it.
struct TimelineJob {
  std::string id, user;
  double submit_s = 0, start_s = 0, end_s = 0;  // end_s: the job's end, or the run's end
  double gpus = 0;                              // total over tasks (fractions allowed)
  std::uint32_t nodes = 0, preemptions = 0;
  std::string gpu_type;
  sim::JobStatus status = sim::JobStatus::kUnfinished;
  bool ended = false;
};

struct RunTimeline {
  std::string label;
  double gpus_total = 0;
  double end_s = 0;
  std::vector<TimelineJob> jobs;  // started jobs, by start time
};

struct RunOutcome {
  bool cancelled = false;
  std::vector<sim::Problem> problems;  // non-empty: the run failed
  std::shared_ptr<const std::vector<reports::RunData>> runs;
  std::shared_ptr<const std::vector<RunTimeline>> timelines;
  std::shared_ptr<QTemporaryDir> output_dir;  // the runs' output folders (kept while shown)
  double wall_s = 0;
};

class RunController : public QObject {
  Q_OBJECT
 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;  // requests stop and joins

  // Starts a run; false when one is already running.
  bool start(const scenario::Scenario& s);
  void cancel();
  bool running() const { return running_; }

  std::uint64_t jobs_done() const { return done_.load(); }
  std::uint64_t jobs_total() const { return total_.load(); }

 signals:
  // jobs done / total over all policies, seconds left (negative: unknown yet), phase text.
  void progress(quint64 done, quint64 total, double seconds_left, const QString& phase);
  void finished(const orrery::gui::RunOutcome& outcome);

 private:
  void poll();
  void report_progress();
  void work(std::stop_token stop, scenario::Scenario s);
  void deliver();

  std::jthread thread_;
  QTimer timer_;
  QElapsedTimer clock_;
  bool running_ = false;
  std::atomic<std::uint64_t> done_{0}, total_{0};
  std::atomic<int> phase_{0};  // 0 importing, 1 simulating, 2 collecting
  std::mutex outcome_mutex_;
  RunOutcome outcome_;  // written by the worker once, before delivered_
  std::atomic<bool> delivered_{false};
  double first_progress_s_ = -1;
  std::uint64_t first_progress_done_ = 0;
};

}  // namespace orrery::gui

Q_DECLARE_METATYPE(orrery::gui::RunOutcome)
