// Shared helpers for tests: paths to the source tree and the shared traces, temporary folders,
// running the CLI, and small builders for clusters and workloads.
#pragma once

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::test {

inline std::filesystem::path source_dir() {
  return ORRERY_SOURCE_DIR;
}

// The shared traces folder, or empty when absent (the caller skips).
inline std::filesystem::path shared_traces() {
  const char* env = std::getenv("ORRERY_SHARED_DIR");
  std::filesystem::path p =
      env && *env ? std::filesystem::path(env) : std::filesystem::path(ORRERY_SHARED_DIR);
  p /= "traces";
  return std::filesystem::exists(p) ? p : std::filesystem::path();
}

#define ORRERY_REQUIRE_SHARED(path_var, rel)                                           \
  const std::filesystem::path path_var = ::orrery::test::shared_traces() / (rel);      \
  if (::orrery::test::shared_traces().empty() || !std::filesystem::exists(path_var)) { \
    GTEST_SKIP() << "shared trace " << (rel)                                           \
                 << " not found (../shared/traces is absent); skipped";                \
  }

// A fresh temporary folder per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "orrery";
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    path_ = std::filesystem::temp_directory_path() /
            ("orrery-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing its output and exit code.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* pipe = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string cli() {
  return ORRERY_CLI;
}

// Runs a program (no shell) with every file it writes limited to `max_file_bytes`
// (RLIMIT_FSIZE, set in the child before exec) and SIGXFSZ ignored: a write past the limit
// fails with EFBIG, as a write to a full disk fails with ENOSPC. Pipes are not limited, so the
// output is captured whole.
inline CommandResult run_with_file_size_limit(const std::vector<std::string>& args,
                                              rlim_t max_file_bytes) {
  CommandResult r;
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) return r;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return r;
  }
  if (pid == 0) {  // async-signal-safe calls only until exec
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    const rlimit lim{max_file_bytes, max_file_bytes};
    ::signal(SIGXFSZ, SIG_IGN);  // an ignored signal stays ignored across exec
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) r.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Files under `dir` (recursively) whose name holds ".tmp": temporaries a writer left behind.
inline std::vector<std::string> leftover_temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp") != std::string::npos)
      out.push_back(e.path().string());
  }
  return out;
}

// A cluster of identical nodes in one pool.
inline sim::ClusterSpec uniform_cluster(std::uint32_t nodes, std::uint32_t gpus_per_node,
                                        const std::string& gpu_type = "A100-80",
                                        std::uint32_t nodes_per_rack = 32) {
  sim::ClusterSpec c;
  c.name = "test";
  sim::NodePoolSpec p;
  p.name = "pool";
  p.gpu_type = gpu_type;
  p.gpus_per_node = gpus_per_node;
  p.nodes = nodes;
  c.pools.push_back(p);
  c.topology.nodes_per_rack = nodes_per_rack;
  return c;
}

// Appends a job: submit and duration in seconds, `gpus` per task (whole GPUs), `tasks` tasks.
inline sim::JobIndex add_job(sim::Workload& w, double submit_s, double duration_s,
                             std::uint32_t gpus, std::uint32_t tasks = 1,
                             std::optional<double> walltime_s = std::nullopt) {
  sim::JobSpec j;
  j.id = "j" + std::to_string(w.jobs.size());
  j.submit = sim::SimTime::from_seconds(submit_s);
  j.duration = sim::SimTime::from_seconds(duration_s);
  j.gpu_milli = gpus * 1000;
  j.tasks = tasks;
  if (walltime_s) j.walltime = sim::SimTime::from_seconds(*walltime_s);
  w.jobs.push_back(j);
  return static_cast<sim::JobIndex>(w.jobs.size() - 1);
}

}  // namespace orrery::test
