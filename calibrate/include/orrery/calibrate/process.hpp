// Running external tools (sbatch, scontrol, squeue, kubectl, the Slurm daemons) without a shell.
//
// Every program runs through posix_spawnp with an argument vector: no command line is ever built
// from strings, so no job name, path or trace field can be interpreted by a shell. Output is
// captured through pipes (both streams read together, so neither can fill up and block), and a
// program that runs past its time limit is killed. `display_command` renders an argument vector
// for logs with credentials (--token=..., bearer tokens, passwords) replaced by "REDACTED".
//
//   ProcessResult r = run_program({"squeue", "--json", "-t", "all"}, {.timeout_s = 30});
//   if (r.ok()) parse(r.out);
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orrery::calibrate {

struct ProcessOptions {
  double timeout_s = 60;  // kill (SIGKILL) after this long
  // Extra environment entries (NAME=value) set on top of this process's environment; an entry
  // "NAME=" with an empty value removes NAME.
  std::vector<std::pair<std::string, std::string>> env{};
  std::string stdin_text{};  // written to the program's standard input, then closed
  // Start from an empty environment (plus PATH, LANG and `env`) instead of this process's: for
  // programs whose environment travels on (sbatch exports it into every job).
  bool clean_env = false;
};

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal or could not start
  bool started = false;
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string spawn_error;  // why it could not start (program not found, ...)
  bool ok() const { return started && !timed_out && exit_code == 0; }
  // One line for error messages: exit status and the first line of stderr.
  std::string describe() const;
};

ProcessResult run_program(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// The argument vector as a readable line, each argument quoted where needed and credentials
// redacted (for logs and error messages only: it is never executed).
std::string display_command(const std::vector<std::string>& argv);
// Replaces credential values in one argument or free text (tokens, passwords, bearer headers).
std::string redact(std::string text);

// Is a program of this name on PATH (or, for a path, executable)?
std::optional<std::string> find_program(const std::string& name);

// Process helpers for the harness: alive (and not a zombie), and its command line.
bool process_alive(int pid);
std::string process_cmdline(int pid);

// Wall-clock time as milliseconds since the Unix epoch.
std::int64_t epoch_ms_now();

}  // namespace orrery::calibrate
