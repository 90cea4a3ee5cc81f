#include <fmt/format.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stop_token>

#include "command.hpp"
#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::cli {

namespace fs = std::filesystem;

namespace {

struct SimulateArgs {
  std::string scenario, cluster, trace, format = "auto", placement, out;
  std::vector<std::string> policies;
  std::uint64_t seed = 0;
  bool seed_set = false;
  unsigned threads = 0;
  bool strict = false, quiet = false, enforce_time_limits = false;
  double progress_every = 30;  // seconds between progress lines when stderr is not a terminal
};

std::stop_source* g_stop = nullptr;
extern "C" void on_sigint(int) {
  if (g_stop) g_stop->request_stop();
}

// Progress of a run on stderr: on a terminal one line redrawn every 200 ms; otherwise (a log, a
// batch job) a line every `every` seconds, the first after `every` seconds, so short runs print
// none and a long one shows in its log that it is alive and when it should end.
class ProgressLine {
 public:
  enum class Mode { kOff, kTerminal, kLog };
  ProgressLine(Mode mode, double every)
      : mode_(mode), every_(every), start_(std::chrono::steady_clock::now()), last_(start_) {}
  void update(std::uint64_t done, std::uint64_t total) {
    if (mode_ == Mode::kOff || total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    const double since_last = std::chrono::duration<double>(now - last_).count();
    if (mode_ == Mode::kTerminal && since_last < 0.2 && done < total) return;
    if (mode_ == Mode::kLog && since_last < every_) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double frac = static_cast<double>(done) / static_cast<double>(total);
    std::string eta = frac > 0.01 ? fmt::format(", ~{:.0f} s left", elapsed / frac - elapsed) : "";
    std::fprintf(stderr, "%s  %5.1f%%  %llu/%llu jobs, %.1f s%s%s",
                 mode_ == Mode::kTerminal ? "\r" : "", 100.0 * frac,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 elapsed, eta.c_str(), mode_ == Mode::kTerminal ? "   " : "\n");
    std::fflush(stderr);
    shown_ = true;
  }
  ~ProgressLine() {
    if (shown_ && mode_ == Mode::kTerminal) std::fprintf(stderr, "\n");
  }

 private:
  Mode mode_;
  double every_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

std::string pct_change(double base, double v) {
  if (base <= 0) return "n/a";
  return fmt::format("{:+.0f}%", 100.0 * (v - base) / base);
}

int simulate(const SimulateArgs& sim_) {
  scenario::Scenario s;
  sim::Problems problems;
  if (!sim_.scenario.empty()) {
    s = scenario::load_scenario(sim_.scenario);
    if (!sim_.trace.empty()) s.trace_path = sim_.trace;
    if (!sim_.cluster.empty()) {
      s.cluster = scenario::load_cluster(sim_.cluster);
      s.cluster_source = sim_.cluster;
    }
    if (!sim_.policies.empty()) {
      s.policies.clear();
      for (const auto& p : sim_.policies) s.policies.push_back({p, nlohmann::json::object()});
    }
  } else {
    if (sim_.cluster.empty())
      problems.add("--cluster", "is required when no scenario file is given");
    if (sim_.trace.empty()) problems.add("--trace", "is required when no scenario file is given");
    if (sim_.policies.empty())
      problems.add("--policy", "at least one is required when no scenario file is given");
    problems.throw_if_any();
    s.name = fs::path(sim_.trace).stem().string();
    s.cluster = scenario::load_cluster(sim_.cluster);
    s.cluster_source = sim_.cluster;
    s.trace_path = sim_.trace;
    for (const auto& p : sim_.policies) s.policies.push_back({p, nlohmann::json::object()});
  }
  if (!sim_.placement.empty()) s.placement = sim_.placement;
  if (sim_.format != "auto") s.trace_format = sim_.format;
  if (sim_.seed_set) s.options.seed = sim_.seed;
  if (sim_.strict) s.strict = true;
  if (sim_.enforce_time_limits) s.options.time_limits.enforce = true;
  for (std::size_t i = 0; i < s.policies.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k) {
      if (s.policies[i].name == s.policies[k].name)
        problems.add("--policy", "policy '" + s.policies[i].name + "' given twice");
    }
  }
  scenario::validate(s, problems);
  problems.throw_if_any();

  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  auto phase_start = Clock::now();
  scenario::RunContext ctx = scenario::load_workload(s);
  const double import_s = since(phase_start);
  if (!sim_.quiet) {
    std::uint64_t gpus = 0;
    for (const auto& p : s.cluster.pools) gpus += std::uint64_t{p.gpus_per_node} * p.nodes;
    std::cerr << fmt::format("orrery: {} jobs from {} on {} GPUs; {} polic{}; placement {}\n",
                             ctx.workload.jobs.size(), s.trace_path, gpus, s.policies.size(),
                             s.policies.size() == 1 ? "y" : "ies", s.placement);
    for (const auto& [reason, n] : ctx.import.dropped)
      std::cerr << fmt::format("  import dropped {} rows: {}\n", n, reason);
    for (const auto& [reason, n] : ctx.import.adjusted)
      std::cerr << fmt::format("  import adjusted {} rows: {}\n", n, reason);
  }
  std::stop_source stop;
  g_stop = &stop;
  std::signal(SIGINT, on_sigint);
  std::vector<scenario::PolicyRun> runs;
  phase_start = Clock::now();
  {
    ProgressLine line(sim_.quiet                ? ProgressLine::Mode::kOff
                      : ::isatty(STDERR_FILENO) ? ProgressLine::Mode::kTerminal
                                                : ProgressLine::Mode::kLog,
                      sim_.progress_every);
    runs = scenario::run_scenario(
        s, ctx, sim_.threads, [&](std::uint64_t d, std::uint64_t t) { line.update(d, t); },
        stop.get_token());
  }
  std::signal(SIGINT, SIG_DFL);
  g_stop = nullptr;
  const double simulate_s = since(phase_start);

  const bool multi = runs.size() > 1;
  phase_start = Clock::now();
  for (const auto& r : runs) {
    scenario::write_run(r, s, ctx,
                        multi ? (fs::path(sim_.out) / r.policy.name).string() : sim_.out);
  }
  const double write_s = since(phase_start);
  if (!sim_.quiet) {
    // Wall-clock phases, to stderr only: outputs stay byte-identical from run to run.
    std::cerr << fmt::format(
        "orrery: trace read and checked in {:.2f} s, simulated in {:.2f} s, results written in "
        "{:.2f} s\n",
        import_s, simulate_s, write_s);
  }
  // Comparison table, saved and printed.
  std::string csv =
      "policy,jobs,completed,failed,rejected,unfinished,mean_jct_s,p50_jct_s,p95_jct_s,p99_jct_s,"
      "mean_wait_s,p95_wait_s,makespan_s,gpu_utilization,preemptions,cost_total,fingerprint\n";
  nlohmann::json cmp = nlohmann::json::array();
  for (const auto& r : runs) {
    const auto& m = r.result.summary;
    csv += fmt::format(
        "{},{},{},{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.6f},{},{:.4f},{}\n",
        r.policy.name, m.jobs, m.completed, m.failed, m.rejected, m.unfinished, m.jct_s.mean,
        m.jct_s.p50, m.jct_s.p95, m.jct_s.p99, m.wait_s.mean, m.wait_s.p95, m.makespan_s,
        m.gpu_utilization, m.preemptions, m.cost.total, r.result.manifest.fingerprint);
    cmp.push_back(scenario::summary_json(m, r.result.manifest));
  }
  fs::create_directories(sim_.out);
  if (multi) {
    scenario::write_file_atomic((fs::path(sim_.out) / "comparison.csv").string(), csv);
    scenario::write_file_atomic((fs::path(sim_.out) / "comparison.json").string(),
                                cmp.dump(2) + "\n");
  }
  const bool cancelled = stop.stop_requested();
  if (!sim_.quiet) {
    std::cout << fmt::format("{:<16} {:>9} {:>12} {:>12} {:>12} {:>12} {:>12} {:>7} {:>11}\n",
                             "policy", "done", "mean JCT s", "p95 JCT s", "mean wait s",
                             "p95 wait s", "makespan s", "util", "cost");
    for (const auto& r : runs) {
      const auto& m = r.result.summary;
      std::cout << fmt::format(
          "{:<16} {:>9} {:>12.0f} {:>12.0f} {:>12.0f} {:>12.0f} {:>12.0f} {:>6.1f}% {:>11.2f}\n",
          r.policy.name, m.completed + m.failed, m.jct_s.mean, m.jct_s.p95, m.wait_s.mean,
          m.wait_s.p95, m.makespan_s, 100.0 * m.gpu_utilization, m.cost.total);
    }
    if (multi) {
      auto best = [&](auto metric) {
        const scenario::PolicyRun* b = &runs[0];
        for (const auto& r : runs) {
          if (metric(r.result.summary) < metric(b->result.summary)) b = &r;
        }
        return b;
      };
      const auto* bj = best([](const sim::Summary& m) { return m.jct_s.mean; });
      const auto* bw = best([](const sim::Summary& m) { return m.wait_s.p95; });
      const auto& base = runs[0].result.summary;
      std::cout << fmt::format("\nBest mean JCT: {} ({:.0f} s, {} against {}).\n", bj->policy.name,
                               bj->result.summary.jct_s.mean,
                               pct_change(base.jct_s.mean, bj->result.summary.jct_s.mean),
                               runs[0].policy.name);
      std::cout << fmt::format("Best p95 wait: {} ({:.0f} s, {} against {}).\n", bw->policy.name,
                               bw->result.summary.wait_s.p95,
                               pct_change(base.wait_s.p95, bw->result.summary.wait_s.p95),
                               runs[0].policy.name);
      if (base.cost.total > 0) {
        const auto* bc = best([](const sim::Summary& m) { return m.cost.total; });
        std::cout << fmt::format("Lowest cost:   {} ({:.2f}, {} against {}).\n", bc->policy.name,
                                 bc->result.summary.cost.total,
                                 pct_change(base.cost.total, bc->result.summary.cost.total),
                                 runs[0].policy.name);
      }
    }
    std::cout << fmt::format("\nResults: {}{}\n",
                             fs::absolute(sim_.out).lexically_normal().string(),
                             multi ? " (one folder per policy, comparison.csv)" : "");
  }
  if (cancelled) {
    std::cerr
        << "orrery: interrupted; partial results written (manifest.json says cancelled: true)\n";
    return 130;
  }
  return 0;
}

}  // namespace

Command add_simulate(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  auto& a = *args;
  CLI::App* c =
      app.add_subcommand("simulate", "Replay a trace on a cluster under one or more policies");
  c->description(
      "Replay a workload trace on a modelled cluster under one or more scheduling policies.\n"
      "Either give a scenario file, or --cluster, --trace and --policy. With several policies "
      "each\n"
      "runs (in parallel) into its own subfolder of OUTDIR and a comparison is printed and saved.\n"
      "OUTDIR gets jobs.csv, timeseries.csv, summary.json, manifest.json (see docs/outputs.md).");
  c->add_option("scenario", a.scenario, "Scenario JSON file (docs/scenario.md)")
      ->check(CLI::ExistingFile);
  c->add_option("--cluster", a.cluster, "Cluster JSON file (when no scenario is given)");
  c->add_option("--trace", a.trace, "Trace file (plain, .gz or .zst)");
  c->add_option("--format", a.format, "Trace format, or auto (see 'orrery trace formats')")
      ->capture_default_str();
  c->add_option("--policy", a.policies, "Policy name; repeat to compare (see 'orrery policies')");
  c->add_option("--placement", a.placement,
                "Placement: pack, spread or consolidate (default pack)");
  c->add_option("--seed", a.seed, "Random seed (default: the scenario's, or 1)")
      ->each([args](const std::string&) { args->seed_set = true; });
  c->add_option("-o,--out", a.out, "Output folder (created)")->required();
  c->add_option("--threads", a.threads, "Policies run at once (default: all cores)");
  c->add_flag("--strict", a.strict, "Any dropped or adjusted trace row is an error");
  c->add_flag("--enforce-time-limits", a.enforce_time_limits,
              "Kill a job once it has run its walltime request, as Slurm does (the scenario's "
              "time_limits: grace and check interval; docs/scenario.md)");
  c->add_flag("-q,--quiet", a.quiet, "No progress line and no table");
  c->add_option("--progress-every", a.progress_every,
                "When stderr is not a terminal (a log), print progress every SECONDS")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  return {c, [args]() { return simulate(*args); }};
}

}  // namespace orrery::cli
