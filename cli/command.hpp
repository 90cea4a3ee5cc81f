// How a subcommand plugs into `orrery`: each command file defines one `add_*` function that
// registers its CLI11 subcommand and returns the action to run when it was chosen. main.cpp
// lists them, one line each.
//
//   CommandAction add_policies(CLI::App& app);   // in cmd_policies.cpp
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

namespace orrery::cli {

// Runs the command; returns the exit code (0 ok, 2 bad input, 1 internal error, 130 interrupted).
// Throw sim::InputError for bad input: main prints every problem and exits 2.
using CommandAction = std::function<int()>;

struct Command {
  CLI::App* app = nullptr;  // the subcommand (parsed() says whether it was chosen)
  CommandAction run;
};

Command add_simulate(CLI::App& app);
Command add_policies(CLI::App& app);
Command add_validate(CLI::App& app);
Command add_trace(CLI::App& app);
Command add_report(CLI::App& app);
Command add_calibrate(CLI::App& app);
Command add_sweep(CLI::App&app), add_pareto(CLI::App&app), add_plan(CLI::App&app);  // plan/
Command add_fgd_fill(CLI::App& app);  // cmd_fgd_fill.cpp

}  // namespace orrery::cli
