// orrery plan PLAN.json -o OUT/ [--threads N] [--exhaustive]
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <stop_token>

#include "command.hpp"
#include "orrery/plan/planner.hpp"

namespace orrery::cli {

namespace fs = std::filesystem;

namespace {

struct PlanArgs {
  std::string plan, out;
  unsigned threads = 0;
  bool exhaustive = false, quiet = false, verbose = false;
};

std::stop_source* g_plan_stop = nullptr;
extern "C" void on_plan_sigint(int) {
  if (g_plan_stop) g_plan_stop->request_stop();
}

int run(const PlanArgs& a) {
  const plan::PlanSpec spec = plan::load_plan(a.plan);
  plan::PlanOptions o;
  o.threads = a.threads;
  o.exhaustive = a.exhaustive;
  std::mutex log_mutex;
  const bool show = !a.quiet && (a.verbose || ::isatty(STDERR_FILENO));
  if (show) {
    o.log = [&](const std::string& line) {
      std::lock_guard lock(log_mutex);
      std::cerr << "  " << line << "\n";
    };
  }
  std::stop_source stop;
  g_plan_stop = &stop;
  std::signal(SIGINT, on_plan_sigint);
  o.stop = stop.get_token();
  plan::PlanResult r;
  try {
    r = plan::run_plan(spec, o);
  } catch (...) {
    std::signal(SIGINT, SIG_DFL);
    g_plan_stop = nullptr;
    throw;
  }
  std::signal(SIGINT, SIG_DFL);
  g_plan_stop = nullptr;
  plan::write_plan_outputs(spec, r, a.out);
  if (!a.quiet) {
    std::cout << plan::plan_report(spec, r);
    std::cout << fmt::format("\nResults: {} (plan.json, plan.md, evaluations.csv{})\n",
                             fs::absolute(a.out).lexically_normal().string(),
                             r.answer ? ", answer-scenario.json" : "");
  }
  if (r.cancelled) return 130;
  return r.answer ? 0 : 3;
}

}  // namespace

Command add_plan(CLI::App& app) {
  auto args = std::make_shared<PlanArgs>();
  auto& a = *args;
  CLI::App* c = app.add_subcommand("plan", "Find the cheapest cluster that meets a target");
  c->description(
      "Given a workload (the plan's base scenario), candidate node pools with prices and ranges "
      "of\n"
      "node counts, policies and a target (any summary metric <= or >= a bound), find the\n"
      "cheapest configuration that meets it. More capacity never makes the target harder, so it\n"
      "bisects node counts instead of trying every point, and says how many simulations it took.\n"
      "Writes plan.json, plan.md, evaluations.csv and answer-scenario.json into OUT.\n"
      "Exit code 3: no configuration in the ranges meets the target. See docs/sweeps.md.");
  c->add_option("plan", a.plan, "Plan JSON file")->required()->check(CLI::ExistingFile);
  c->add_option("-o,--out", a.out, "Output folder (created)")->required();
  c->add_option("--threads", a.threads,
                "Simulations at once (default: all cores; more threads try more points per step)");
  c->add_flag("--exhaustive", a.exhaustive,
              "Simulate every configuration (to check the search; slow)");
  c->add_flag("-v,--verbose", a.verbose, "Log every simulation on stderr (default on a terminal)");
  c->add_flag("-q,--quiet", a.quiet, "No log and no report on stdout");
  return {c, [args]() { return run(*args); }};
}

}  // namespace orrery::cli
