// orrery sweep SPEC.json -o RESULTS.sqlite [--threads N] [--shard I/N] [--per-job] [--dry-run]
// orrery sweep merge OUT.sqlite IN.sqlite...
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <stop_token>

#include "command.hpp"
#include "orrery/plan/results_db.hpp"
#include "orrery/plan/run_one.hpp"
#include "orrery/plan/sweep.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::cli {

namespace fs = std::filesystem;

namespace {

struct SweepArgs {
  std::string spec, out, shard;
  unsigned threads = 0;
  bool per_job = false, dry_run = false, quiet = false;
  std::string merge_out;
  std::vector<std::string> merge_in;
};

std::stop_source* g_sweep_stop = nullptr;
extern "C" void on_sweep_sigint(int) {
  if (g_sweep_stop) g_sweep_stop->request_stop();
}

std::string duration_text(double s) {
  if (!(s >= 0) || s > 1e8) return "?";
  const auto t = static_cast<long long>(s + 0.5);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

// A progress bar on a terminal; on a pipe or a log file (a batch job) a plain line every 10% or
// every minute.
class SweepProgressBar {
 public:
  SweepProgressBar(bool enabled, bool tty) : enabled_(enabled), tty_(tty) {}
  void update(const plan::SweepProgress& p) {
    if (!enabled_ || p.to_run == 0) return;
    const auto now = std::chrono::steady_clock::now();
    const bool finished = p.done == p.to_run;
    if (tty_) {
      if (now - last_ < std::chrono::milliseconds(250) && !finished) return;
    } else {
      const auto decile =
          static_cast<int>(10.0 * static_cast<double>(p.done) / static_cast<double>(p.to_run));
      if (decile == last_decile_ && now - last_ < std::chrono::seconds(60) && !finished) return;
      if (finished && printed_final_) return;
      last_decile_ = decile;
      printed_final_ = finished;
    }
    last_ = now;
    const double f = std::clamp(p.fraction, 0.0, 1.0);
    const double rate = p.elapsed_s > 0 ? 60.0 * static_cast<double>(p.done) / p.elapsed_s : 0;
    const std::string eta =
        f > 0.001 && !finished ? ", ~" + duration_text(p.elapsed_s * (1 - f) / f) + " left" : "";
    const std::string failed = p.failed ? fmt::format(", {} failed", p.failed) : "";
    if (tty_) {
      constexpr int kWidth = 28;
      const int filled = static_cast<int>(f * kWidth);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(kWidth, '.');
      std::fprintf(stderr, "\r  [%s] %zu/%zu runs %5.1f%%, %zu running, %.1f runs/min%s%s   ",
                   bar.c_str(), p.done, p.to_run, 100.0 * f, p.running, rate, failed.c_str(),
                   eta.c_str());
      shown_ = true;
    } else {
      std::fprintf(stderr, "orrery sweep: %zu/%zu runs (%.0f%%), %s elapsed, %.1f runs/min%s%s\n",
                   p.done, p.to_run, 100.0 * f, duration_text(p.elapsed_s).c_str(), rate,
                   failed.c_str(), eta.c_str());
    }
    std::fflush(stderr);
  }
  ~SweepProgressBar() {
    if (shown_) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_, tty_;
  bool shown_ = false, printed_final_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point last_{};
};

int dry_run(const plan::SweepSpec& spec, const SweepArgs& a) {
  const plan::Shard shard = a.shard.empty() ? plan::Shard{} : plan::parse_shard(a.shard);
  sim::Problems problems;
  std::size_t n = 0;
  std::cout << fmt::format("sweep \"{}\": {} runs; fingerprint {}\n", spec.name, spec.run_count(),
                           spec.fingerprint);
  for (std::size_t i = shard.index; i < spec.run_count(); i += shard.count) {
    const plan::RunPlan r = plan::run_at(spec, i);
    if (n < 50)
      std::cout << fmt::format("  {:>6}  {}  {}\n", i, r.key, plan::describe_params(r.params));
    if (n == 50) std::cout << "  ...\n";
    ++n;
    const std::string label =
        "run " + std::to_string(i) + " (" + plan::describe_params(r.params) + ")";
    try {
      plan::scenario_from_document(plan::run_document(spec, r), label);
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) {
        if (problems.size() < 30) problems.add(p.where, p.what);
      }
    } catch (const plan::PathError& e) {
      if (problems.size() < 30) problems.add(label, e.what());
    }
  }
  problems.throw_if_any();
  std::cout << fmt::format("{} runs in {}; every one is a valid scenario\n", n,
                           shard.count > 1 ? "shard " + shard.text() : "the sweep");
  return 0;
}

int sweep(const SweepArgs& a) {
  sim::Problems problems;
  if (a.spec.empty()) problems.add("sweep", "a sweep spec file is required (or 'sweep merge')");
  if (a.out.empty() && !a.dry_run) problems.add("-o", "the results database is required");
  problems.throw_if_any();
  const plan::SweepSpec spec = plan::load_sweep_spec(a.spec);
  if (a.dry_run) return dry_run(spec, a);
  plan::SweepOptions o;
  o.threads = a.threads;
  if (!a.shard.empty()) o.shard = plan::parse_shard(a.shard);
  o.per_job = a.per_job;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  std::optional<SweepProgressBar> bar;
  bar.emplace(!a.quiet, tty);
  std::mutex bar_mutex;
  o.progress = [&](const plan::SweepProgress& p) {
    std::lock_guard lock(bar_mutex);
    if (bar) bar->update(p);
  };
  std::stop_source stop;
  g_sweep_stop = &stop;
  std::signal(SIGINT, on_sweep_sigint);
  std::signal(SIGTERM, on_sweep_sigint);
  o.stop = stop.get_token();
  if (!a.quiet) {
    std::cerr << fmt::format(
        "orrery: sweep \"{}\": {} runs{}; results in {}\n", spec.name, spec.run_count(),
        o.shard.count > 1 ? ", shard " + o.shard.text() : std::string(), a.out);
  }
  plan::SweepReport r;
  try {
    r = plan::run_sweep(spec, a.out, o);
  } catch (...) {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_sweep_stop = nullptr;
    throw;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  g_sweep_stop = nullptr;
  {
    std::lock_guard lock(bar_mutex);
    bar.reset();  // ends the progress line
  }
  const double per_min = r.wall_s > 0 ? 60.0 * static_cast<double>(r.ran) / r.wall_s : 0;
  if (!a.quiet) {
    std::cout << fmt::format(
        "{} of {} runs{} done: {} now, {} were already in the database, {} failed; {} "
        "({:.1f} runs/min)\n",
        r.already_done + r.ran, r.in_shard,
        o.shard.count > 1 ? " in shard " + o.shard.text() : std::string(), r.ran, r.already_done,
        r.failures.size(), duration_text(r.wall_s), per_min);
    std::cout << fmt::format("Results: {} (see 'orrery pareto {} --cost METRIC --time METRIC')\n",
                             fs::absolute(a.out).lexically_normal().string(), a.out);
  }
  for (std::size_t i = 0; i < r.failures.size() && i < 10; ++i) {
    std::cerr << fmt::format("error: run {} ({}): {}\n", r.failures[i].index, r.failures[i].params,
                             r.failures[i].error);
  }
  if (r.failures.size() > 10)
    std::cerr << fmt::format("... and {} more (table 'failures')\n", r.failures.size() - 10);
  if (r.cancelled) {
    std::cerr << "orrery: interrupted; finished runs are saved, run the same command to resume\n";
    return 130;
  }
  if (!r.failures.empty()) {
    std::cerr << "orrery: some runs failed (recorded in table 'failures'); run the same command to "
                 "retry them\n";
    return 1;
  }
  return 0;
}

int merge(const SweepArgs& a) {
  sim::Problems problems;
  for (const auto& in : a.merge_in) {
    if (!fs::exists(in)) problems.add(in, "no such file");
  }
  problems.throw_if_any();
  plan::ResultsDb out(a.merge_out, plan::ResultsDb::Mode::kReadWrite);
  plan::MergeStats total;
  for (const auto& in : a.merge_in) {
    const plan::MergeStats s = out.merge_from(in);
    total.added += s.added;
    total.duplicates += s.duplicates;
    total.conflicts += s.conflicts;
    if (!a.quiet) {
      std::cout << fmt::format("{}: {} runs added, {} already there{}\n", in, s.added, s.duplicates,
                               s.conflicts ? fmt::format(", {} DIFFERENT from the stored ones "
                                                         "(kept the first)",
                                                         s.conflicts)
                                           : std::string());
    }
  }
  out.rebuild_views();
  const auto meta = out.meta();
  const std::size_t have = out.run_count();
  if (!a.quiet && meta) {
    std::cout << fmt::format("{}: {} of {} runs of sweep \"{}\"{}\n", a.merge_out, have,
                             meta->runs_total, meta->name,
                             have == meta->runs_total ? " (complete)" : " (incomplete)");
  }
  if (total.conflicts > 0) {
    std::cerr << fmt::format(
        "warning: {} runs had different results in different inputs (different orrery "
        "versions?)\n",
        total.conflicts);
  }
  return 0;
}

}  // namespace

Command add_sweep(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  auto& a = *args;
  CLI::App* c = app.add_subcommand("sweep", "Run a what-if sweep into an SQLite database");
  c->description(
      "Run every combination of a sweep spec's axes (cluster sizes, GPU types, prices, policies\n"
      "and their parameters, placements, workload transforms, seeds) over a base scenario, in\n"
      "parallel, into RESULTS.sqlite: one row per run with its parameters and every summary\n"
      "metric. Each finished run is committed at once: a killed sweep resumes where it stopped.\n"
      "--shard I/N runs the runs whose index is I modulo N (one task of a job array); 'orrery\n"
      "sweep merge' joins the shards. See docs/sweeps.md.");
  c->add_option("spec", a.spec, "Sweep spec JSON file")->check(CLI::ExistingFile);
  c->add_option("-o,--out", a.out, "Results database (created, or resumed)");
  c->add_option("--threads", a.threads, "Runs at once (default: all cores)");
  c->add_option("--shard", a.shard, "Run only shard I of N (runs with index % N == I), as I/N");
  c->add_flag("--per-job", a.per_job, "Also store every job's outcome (table 'jobs')");
  c->add_flag("--dry-run", a.dry_run, "List the runs and validate them; run nothing");
  c->add_flag("-q,--quiet", a.quiet, "No progress and no summary");
  CLI::App* m = c->add_subcommand("merge", "Join shard databases of one sweep");
  m->description(
      "Join the databases of a sharded sweep into OUT (created if absent). Refuses databases of a\n"
      "different sweep (spec fingerprint); a run stored in several inputs is kept once.");
  m->add_option("out", a.merge_out, "Output database")->required();
  m->add_option("inputs", a.merge_in, "Shard databases")->required()->expected(1, -1);
  m->add_flag("-q,--quiet", a.quiet, "No summary");
  c->require_subcommand(0, 1);
  return {c, [args, m]() { return m->parsed() ? merge(*args) : sweep(*args); }};
}

}  // namespace orrery::cli
