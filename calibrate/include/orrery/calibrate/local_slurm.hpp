// A real multi-node Slurm cluster with fake typed GPUs on this one machine (a harness for tests
// and for `orrery calibrate slurm --local N:G:TYPE`).
//
// Follows the project's established facts (shared/notes/live-slurm.md): one slurmd per emulated
// node (`slurmd -N nK`, each on its own port, NodeAddr=127.0.0.1), daemons run through symlinks
// named `slurmd`/`slurmctld` (Debian's `*-wlm` names make slurmd drop every GRES), GPUs are dummy
// character devices (mknod c 1 3) named in gres.conf with AutoDetect=off, auth/none (or a private
// munged on its own socket and key), jobcomp/filetxt, and low-latency SchedulerParameters.
// Everything lives in one directory; ports are chosen free, so two clusters can run side by side.
// stop() ends only the processes this cluster started, found through the pid files in its
// directory, and checks they are gone. The destructor stops a running cluster.
//
//   LocalSlurm cluster({.nodes = 4, .gpus_per_node = 8, .gpu_type = "a100"});
//   cluster.start();                          // throws LocalSlurmError with the daemon logs
//   run_program({"sinfo"}, {.env = cluster.client_env()});
//   cluster.stop();
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace orrery::calibrate {

class LocalSlurmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kLowLatencySchedulerParameters =
    "batch_sched_delay=0,sched_min_interval=0,bf_interval=1,bf_resolution=1,bf_continue,"
    "default_queue_depth=1000,bf_max_job_test=10000";

struct LocalSlurmOptions {
  std::uint32_t nodes = 4;
  std::uint32_t gpus_per_node = 8;
  std::string gpu_type = "a100";
  std::uint32_t cpus_per_node = 64;
  std::uint64_t memory_mib_per_node = 512 * 1024;
  std::string dir{};          // empty: a fresh folder under the temporary directory
  bool keep_dir = false;      // leave the folder (logs, records) after stop()
  std::string auth = "none";  // "none" or "munge" (a private munged)
  std::string scheduler_type = "sched/backfill";
  std::string scheduler_parameters = kLowLatencySchedulerParameters;
  std::string select_type_parameters = "CR_Core";
  std::string partition = "gpu";
  std::string cluster_name = "orrery";
  double start_timeout_s = 60;  // until every node is idle
  std::vector<std::string> extra_conf_lines{};
  // Per node (n1, n2, ...), its Weight= (Slurm allocates the lowest first); empty: Slurm's 1.
  std::vector<std::uint64_t> node_weights{};
};

// Parses "N:G:TYPE" (e.g. "4:8:a100") as given to --local.
LocalSlurmOptions parse_local_spec(const std::string& spec);

class LocalSlurm {
 public:
  explicit LocalSlurm(LocalSlurmOptions options);
  ~LocalSlurm();
  LocalSlurm(const LocalSlurm&) = delete;
  LocalSlurm& operator=(const LocalSlurm&) = delete;

  // Are slurmctld, slurmd and (for auth=munge) munged installed? Says what is missing.
  static std::optional<std::string> missing_tools(const std::string& auth = "none");

  void start();
  // Stops what start() started: cancels the cluster's jobs, ends the daemons by their pid files
  // (SIGTERM, then SIGKILL after a grace period), and checks that none is left. Returns the PIDs
  // that were stopped. Safe to call twice.
  std::vector<int> stop();
  bool running() const { return running_; }

  const LocalSlurmOptions& options() const { return options_; }
  const std::string& dir() const { return dir_; }
  std::string slurm_conf() const { return dir_ + "/etc/slurm.conf"; }
  std::string ctld_log() const { return dir_ + "/log/slurmctld.log"; }
  std::string jobcomp_log() const { return dir_ + "/log/jobcomp.log"; }
  int ctld_port() const { return base_port_; }
  // Environment for client commands (sbatch, squeue, ...): SLURM_CONF.
  std::vector<std::pair<std::string, std::string>> client_env() const;
  // PIDs from the pid files (daemons only), and every process that still runs from this
  // cluster (daemons, job steps, job scripts), found through /proc.
  std::vector<int> daemon_pids() const;
  std::vector<int> leftover_processes() const;
  // Is slurmctld still alive?
  bool controller_alive() const;

 private:
  void write_files();
  void wait_until_idle();
  std::string daemon_logs_tail() const;
  std::vector<std::string> pid_files() const;

  LocalSlurmOptions options_;
  std::string dir_;
  bool made_dir_ = false;
  bool running_ = false;
  int base_port_ = 0;
  std::string hostname_;
};

}  // namespace orrery::calibrate
