// orrery: the command line. Thin: each command lives in its own cmd_*.cpp file; this file lists
// them and maps errors to exit codes (0 ok, 2 bad input, 1 internal error, 130 interrupted).
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <vector>

#include "command.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/sim/version.hpp"

namespace {

// Large runs keep hundreds of MB of per-job tables that the engine reads at random, and the page
// faults and TLB misses of 4 KiB pages cost a quarter of a 1M-job replay (docs/performance.md).
// Debian's kernels give transparent huge pages to programs that ask for them (THP "madvise"
// mode), and glibc's allocator asks only under the glibc.malloc.hugetlb=1 tunable, which it
// reads once at start. So orrery sets it and executes itself again, once, before anything else.
// A GLIBC_TUNABLES of the user's own, or ORRERY_NO_HUGE_PAGES=1, leaves everything as it is.
void ask_for_huge_pages(char** argv) {
  if (std::getenv("GLIBC_TUNABLES") != nullptr || std::getenv("ORRERY_NO_HUGE_PAGES") != nullptr)
    return;
  if (::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  ::unsetenv("GLIBC_TUNABLES");  // no /proc: run on with the default allocator
}

}  // namespace

int main(int argc, char** argv) {
  ask_for_huge_pages(argv);
  CLI::App app{
      "Orrery: a GPU-cluster simulator and capacity planner.\n"
      "Replays workload traces on modelled GPU clusters under scheduling policies and reports job\n"
      "completion times, waits and utilization. Run 'orrery COMMAND --help' for each command.",
      "orrery"};
  app.set_version_flag("--version", std::string(orrery::sim::kVersion));
  app.require_subcommand(1);
  const std::vector<orrery::cli::Command> commands = {
      orrery::cli::add_simulate(app), orrery::cli::add_policies(app),
      orrery::cli::add_validate(app), orrery::cli::add_trace(app),
      orrery::cli::add_report(app),   orrery::cli::add_calibrate(app),
      orrery::cli::add_sweep(app),    orrery::cli::add_pareto(app),
      orrery::cli::add_plan(app),     orrery::cli::add_fgd_fill(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
    return 0;
  } catch (const orrery::sim::InputError& e) {
    for (const auto& p : e.problems()) std::cerr << "error: " << p.to_string() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n"
              << "This is a bug in Orrery; please report it with the command line and inputs.\n";
    return 1;
  }
}
