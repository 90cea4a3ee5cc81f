#include "run_controller.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace orrery::gui {

namespace fs = std::filesystem;

RunController::RunController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<RunOutcome>();
  timer_.setInterval(50);
  connect(&timer_, &QTimer::timeout, this, &RunController::poll);
}

RunController::~RunController() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

bool RunController::start(const scenario::Scenario& s) {
  if (running_) return false;
  if (thread_.joinable()) thread_.join();  // the last worker has already delivered
  running_ = true;
  delivered_ = false;
  done_ = 0;
  total_ = 0;
  phase_ = 0;
  first_progress_s_ = -1;
  first_progress_done_ = 0;
  clock_.start();
  timer_.start();
  poll();
  thread_ = std::jthread([this, s](std::stop_token stop) { work(stop, s); });
  return true;
}

void RunController::cancel() {
  if (running_) thread_.request_stop();
}

void RunController::poll() {
  if (!running_) return;
  if (delivered_.load(std::memory_order_acquire)) {
    deliver();
    return;
  }
  report_progress();
}

void RunController::report_progress() {
  const std::uint64_t done = done_.load();
  const std::uint64_t total = total_.load();
  const double now = static_cast<double>(clock_.elapsed()) / 1000.0;
  double left = -1;
  if (phase_.load() == 1 && done > 0 && total > 0) {
    if (first_progress_s_ < 0) {
      first_progress_s_ = now;
      first_progress_done_ = done;
    } else if (done > first_progress_done_) {
      const double rate = static_cast<double>(done - first_progress_done_) /
                          std::max(1e-3, now - first_progress_s_);
      left = static_cast<double>(total - std::min(total, done)) / rate;
    }
  }
  static const char* const phases[] = {"Importing the trace", "Simulating", "Collecting results"};
  QString phase = QString::fromUtf8(phases[std::clamp(phase_.load(), 0, 2)]);
  if (thread_.joinable() && thread_.get_stop_token().stop_requested()) phase = "Cancelling";
  emit progress(done, total, left, phase);
}

void RunController::work(std::stop_token stop, scenario::Scenario s) {
  RunOutcome out;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    const scenario::RunContext ctx = scenario::load_workload(s);
    total_ = ctx.workload.jobs.size() * s.policies.size();
    phase_ = 1;
    if (!stop.stop_requested()) {
      std::vector<scenario::PolicyRun> runs = scenario::run_scenario(
          s, ctx, 0, [this](std::uint64_t done, std::uint64_t) { done_ = done; }, stop);
      out.cancelled = stop.stop_requested() ||
                      std::any_of(runs.begin(), runs.end(), [](const scenario::PolicyRun& r) {
                        return r.result.manifest.cancelled;
                      });
      if (!out.cancelled) {
        phase_ = 2;
        auto dir = std::make_shared<QTemporaryDir>();
        if (!dir->isValid())
          throw sim::InputError("temporary folder", dir->errorString().toStdString());
        std::vector<RunTimeline> timelines;
        for (std::size_t i = 0; i < runs.size(); ++i) {
          const std::string number = std::to_string(i + 1);
          const std::string prefix = (number.size() < 2 ? "0" + number : number) + "-";
          const fs::path sub = fs::path(dir->path().toStdString()) / (prefix + runs[i].policy.name);
          scenario::write_run(runs[i], s, ctx, sub.string());

          RunTimeline t;
          for (const auto& p : s.cluster.pools)
            t.gpus_total += double{1} * p.gpus_per_node * p.nodes;
          for (const sim::JobOutcome& o : runs[i].result.jobs) {
            if (o.end) t.end_s = std::max(t.end_s, o.end->seconds());
          }
          for (const sim::JobOutcome& o : runs[i].result.jobs) {
            if (!o.start) continue;
            const sim::JobSpec& spec = ctx.workload.jobs[o.job];
            TimelineJob j;
            j.id = spec.id;
            j.user = ctx.workload.users[spec.user];
            j.submit_s = o.submit.seconds();
            j.start_s = o.start->seconds();
            j.ended = o.end.has_value();
            j.end_s = o.end ? o.end->seconds() : std::max(t.end_s, j.start_s);
            j.gpus = static_cast<double>(o.gpu_milli) / 1000.0;
            j.nodes = o.nodes;
            j.preemptions = o.preemptions;
            j.gpu_type = o.gpu_type;
            j.status = o.status;
            t.jobs.push_back(std::move(j));
          }
          std::stable_sort(
              t.jobs.begin(), t.jobs.end(),
              [](const TimelineJob& a, const TimelineJob& b) { return a.start_s < b.start_s; });
          timelines.push_back(std::move(t));
        }
        reports::LoadedInput input = reports::read_input(dir->path().toStdString());
        std::vector<reports::LoadedInput> inputs{std::move(input)};
        auto data = std::make_shared<std::vector<reports::RunData>>(reports::merge_runs(inputs));
        for (std::size_t i = 0; i < timelines.size() && i < data->size(); ++i)
          timelines[i].label = (*data)[i].label;
        out.runs = std::move(data);
        out.timelines = std::make_shared<std::vector<RunTimeline>>(std::move(timelines));
        out.output_dir = std::move(dir);
      }
    } else {
      out.cancelled = true;
    }
  } catch (const sim::InputError& e) {
    out.problems = e.problems();
  } catch (const std::exception& e) {
    out.problems.push_back({"run", e.what()});
  }
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  {
    const std::lock_guard lock(outcome_mutex_);
    outcome_ = std::move(out);
  }
  delivered_.store(true, std::memory_order_release);
}

// On the GUI thread, once the worker has raised delivered_: it has nothing left to do, so join it.
void RunController::deliver() {
  timer_.stop();
  if (thread_.joinable()) thread_.join();
  RunOutcome outcome;
  {
    const std::lock_guard lock(outcome_mutex_);
    outcome = std::move(outcome_);
    outcome_ = {};
  }
  report_progress();
  running_ = false;
  emit finished(outcome);
}

}  // namespace orrery::gui
