#include "orrery/calibrate/local_slurm.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "orrery/calibrate/process.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::calibrate {

namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw LocalSlurmError("cannot write " + p.string());
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  for (std::size_t k = 0; k <= lines && pos > 0; ++k) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

bool port_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A base port with `count` consecutive free ports after it, in the unprivileged range.
int find_free_ports(std::uint32_t count) {
  std::mt19937 rng(static_cast<std::uint32_t>(::getpid()) ^
                   static_cast<std::uint32_t>(epoch_ms_now()));
  std::uniform_int_distribution<int> pick(20000, 60000 - static_cast<int>(count) - 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = pick(rng);
    bool all = true;
    for (std::uint32_t k = 0; k <= count && all; ++k) all = port_free(base + static_cast<int>(k));
    if (all) return base;
  }
  throw LocalSlurmError("no run of " + std::to_string(count + 1) + " free ports found");
}

int read_pid(const fs::path& p) {
  std::ifstream in(p);
  long pid = 0;
  if (!(in >> pid) || pid <= 1 || pid > 1 << 30) return 0;
  return static_cast<int>(pid);
}

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Waits until none of `pids` is alive; true when they all ended in time.
bool wait_gone(const std::vector<int>& pids, double timeout_s) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
  while (std::chrono::steady_clock::now() < until) {
    if (std::none_of(pids.begin(), pids.end(), process_alive)) return true;
    sleep_ms(50);
  }
  return std::none_of(pids.begin(), pids.end(), process_alive);
}

}  // namespace

LocalSlurmOptions parse_local_spec(const std::string& spec) {
  LocalSlurmOptions o;
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  std::string p;
  while (std::getline(ss, p, ':')) parts.push_back(p);
  auto number = [&](const std::string& s, const char* what, std::uint32_t max) {
    std::size_t used = 0;
    unsigned long v = 0;
    try {
      v = std::stoul(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || s.empty() || v == 0 || v > max) {
      throw sim::InputError("--local", std::string(what) + " must be a whole number in [1, " +
                                           std::to_string(max) + "], got \"" + s + "\"");
    }
    return static_cast<std::uint32_t>(v);
  };
  if (parts.size() != 3) {
    throw sim::InputError(
        "--local", "expected NODES:GPUS_PER_NODE:GPU_TYPE (e.g. 4:8:a100), got \"" + spec + "\"");
  }
  o.nodes = number(parts[0], "NODES", 256);
  o.gpus_per_node = number(parts[1], "GPUS_PER_NODE", 64);
  o.gpu_type = parts[2];
  const bool type_ok =
      !o.gpu_type.empty() && o.gpu_type.size() <= 32 &&
      std::all_of(o.gpu_type.begin(), o.gpu_type.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
  if (!type_ok) {
    throw sim::InputError(
        "--local", "GPU_TYPE must be letters, digits, '_', '-' or '.', got \"" + o.gpu_type + "\"");
  }
  return o;
}

std::optional<std::string> LocalSlurm::missing_tools(const std::string& auth) {
  std::vector<std::string> missing;
  for (const char* tool : {"slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "sinfo"}) {
    if (!find_program(tool)) missing.emplace_back(tool);
  }
  if (auth == "munge" && !find_program("munged")) missing.emplace_back("munged");
  if (missing.empty()) return std::nullopt;
  std::string s;
  for (const auto& m : missing) s += (s.empty() ? "" : ", ") + m;
  return s + " not installed (apt-get install slurm-wlm munge)";
}

LocalSlurm::LocalSlurm(LocalSlurmOptions options) : options_(std::move(options)) {
  if (options_.nodes == 0 || options_.gpus_per_node == 0)
    throw LocalSlurmError("a local cluster needs at least one node and one GPU per node");
  if (options_.auth != "none" && options_.auth != "munge")
    throw LocalSlurmError("auth must be \"none\" or \"munge\", got \"" + options_.auth + "\"");
  if (!options_.node_weights.empty() && options_.node_weights.size() != options_.nodes)
    throw LocalSlurmError("node_weights has " + std::to_string(options_.node_weights.size()) +
                          " entries for " + std::to_string(options_.nodes) + " nodes");
}

LocalSlurm::~LocalSlurm() {
  try {
    stop();
  } catch (...) {
    // A destructor must not throw; stop() already did what it could.
  }
}

std::vector<std::pair<std::string, std::string>> LocalSlurm::client_env() const {
  return {{"SLURM_CONF", slurm_conf()}};
}

std::vector<std::string> LocalSlurm::pid_files() const {
  std::vector<std::string> files;
  for (std::uint32_t k = 1; k <= options_.nodes; ++k)
    files.push_back(dir_ + "/run/slurmd-n" + std::to_string(k) + ".pid");
  files.push_back(dir_ + "/run/slurmctld.pid");
  files.push_back(dir_ + "/run/munged.pid");
  return files;
}

std::vector<int> LocalSlurm::daemon_pids() const {
  std::vector<int> pids;
  if (dir_.empty()) return pids;
  for (const auto& f : pid_files()) {
    if (const int pid = read_pid(f); pid > 0) pids.push_back(pid);
  }
  return pids;
}

std::vector<int> LocalSlurm::leftover_processes() const {
  std::vector<int> found;
  if (dir_.empty()) return found;
  const int self = ::getpid();
  std::map<int, int> parent;  // every live process -> its parent
  std::set<int> ours;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const int pid = std::stoi(name);
    if (pid == self || !process_alive(pid)) continue;
    const std::string stat = read_file(entry.path() / "stat");
    const auto close = stat.rfind(')');
    int ppid = 0;
    if (close != std::string::npos) {
      std::istringstream rest(stat.substr(close + 2));
      char state = 0;
      rest >> state >> ppid;
    }
    parent[pid] = ppid;
    bool mine = process_cmdline(pid).find(dir_) != std::string::npos;
    if (!mine) {
      // Daemons and job steps carry the cluster's slurm.conf or folder in their environment.
      const std::string env = read_file(entry.path() / "environ");
      mine = env.find(dir_ + "/") != std::string::npos;
    }
    if (!mine) {
      std::error_code e2;
      const fs::path cwd = fs::read_symlink(entry.path() / "cwd", e2);
      mine = !e2 && cwd.string().rfind(dir_ + "/", 0) == 0;
    }
    if (mine) ours.insert(pid);
  }
  // Job scripts and their children descend from a job step of this cluster.
  for (const auto& [pid, ppid] : parent) {
    int p = ppid;
    for (int depth = 0; depth < 64 && p > 1 && !ours.count(pid); ++depth) {
      if (ours.count(p)) {
        ours.insert(pid);
        break;
      }
      auto it = parent.find(p);
      p = it == parent.end() ? 0 : it->second;
    }
  }
  found.assign(ours.begin(), ours.end());
  return found;
}

bool LocalSlurm::controller_alive() const {
  return process_alive(read_pid(dir_ + "/run/slurmctld.pid"));
}

void LocalSlurm::write_files() {
  const fs::path d(dir_);
  for (const char* sub : {"etc", "bin", "dev", "state", "log", "run", "spool", "munge", "jobs"})
    fs::create_directories(d / sub);
  for (std::uint32_t k = 1; k <= options_.nodes; ++k)
    fs::create_directories(d / "spool" / ("n" + std::to_string(k)));
  // Dummy character devices (same numbers as /dev/null): a file-less GPU GRES is dropped by
  // Slurm 22.05 and plain files are refused.
  for (std::uint32_t g = 0; g < options_.gpus_per_node; ++g) {
    const fs::path dev = d / "dev" / ("gpu" + std::to_string(g));
    if (fs::exists(dev)) continue;
    if (::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
      throw LocalSlurmError("cannot create the fake GPU device " + dev.string() + ": " +
                            std::strerror(errno) + " (the local cluster needs root)");
    }
  }
  // Slurm's daemons must run under their own names (Debian's slurmd-wlm drops every GRES).
  for (const char* daemon : {"slurmctld", "slurmd"}) {
    const auto found = find_program(daemon);
    if (!found) throw LocalSlurmError(std::string(daemon) + " is not installed");
    const fs::path target = fs::canonical(*found);
    const fs::path link = d / "bin" / daemon;
    fs::remove(link);
    fs::create_symlink(target, link);
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  hostname_ = host;
  base_port_ = find_free_ports(options_.nodes + 1);
  const std::string n = std::to_string(options_.nodes);
  const std::string nodes = options_.nodes == 1 ? "n1" : "n[1-" + n + "]";
  const std::string gres =
      "gpu:" + options_.gpu_type + ":" + std::to_string(options_.gpus_per_node);
  std::ostringstream c;
  c << "# Written by orrery's LocalSlurm harness (calibrate/src/local_slurm.cpp).\n"
    << "ClusterName=" << options_.cluster_name << "\n"
    << "SlurmctldHost=" << hostname_ << "(127.0.0.1)\n"
    << "SlurmctldPort=" << base_port_ << "\n"
    << "SlurmdPort=" << base_port_ + 1 << "\n";
  if (options_.auth == "none") {
    c << "AuthType=auth/none\nCredType=cred/none\n";
  } else {
    c << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << dir_
      << "/munge/munge.sock\n";
  }
  c << "SlurmUser=root\nSlurmdUser=root\n"
    << "StateSaveLocation=" << dir_ << "/state\n"
    << "SlurmdSpoolDir=" << dir_ << "/spool/%n\n"
    << "SlurmctldPidFile=" << dir_ << "/run/slurmctld.pid\n"
    << "SlurmdPidFile=" << dir_ << "/run/slurmd-%n.pid\n"
    << "SlurmctldLogFile=" << dir_ << "/log/slurmctld.log\n"
    << "SlurmdLogFile=" << dir_ << "/log/slurmd-%n.log\n"
    << "SlurmctldDebug=info\nSlurmdDebug=info\nLogTimeFormat=iso8601_ms\n"
    << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
    << "JobAcctGatherType=jobacct_gather/none\nMpiDefault=none\nSwitchType=switch/none\n"
    << "SchedulerType=" << options_.scheduler_type << "\n"
    << "SelectType=select/cons_tres\n"
    << "SelectTypeParameters=" << options_.select_type_parameters << "\n";
  if (!options_.scheduler_parameters.empty())
    c << "SchedulerParameters=" << options_.scheduler_parameters << "\n";
  c << "JobCompType=jobcomp/filetxt\nJobCompLoc=" << dir_ << "/log/jobcomp.log\n"
    << "MinJobAge=86400\nMaxJobCount=200000\nReturnToService=2\n"
    << "SlurmdParameters=config_overrides\nCommunicationParameters=NoInAddrAny\n"
    << "GresTypes=gpu\n";
  for (const auto& line : options_.extra_conf_lines) c << line << "\n";
  const std::string node_attrs =
      " NodeHostname=" + hostname_ +
      " NodeAddr=127.0.0.1 CPUs=" + std::to_string(options_.cpus_per_node) +
      " RealMemory=" + std::to_string(options_.memory_mib_per_node) + " Gres=" + gres +
      " State=UNKNOWN";
  if (options_.node_weights.empty()) {
    c << "NodeName=" << nodes << node_attrs << " Port=" << base_port_ + 1 << "-"
      << base_port_ + static_cast<int>(options_.nodes) << "\n";
  } else {
    for (std::uint32_t k = 1; k <= options_.nodes; ++k) {
      c << "NodeName=n" << k << node_attrs << " Port=" << base_port_ + static_cast<int>(k)
        << " Weight=" << options_.node_weights[k - 1] << "\n";
    }
  }
  c << "PartitionName=" << options_.partition << " Nodes=" << nodes
    << " Default=YES MaxTime=INFINITE State=UP\n";
  write_file(d / "etc" / "slurm.conf", c.str());
  const std::string last_gpu = std::to_string(options_.gpus_per_node - 1);
  write_file(d / "etc" / "gres.conf",
             "AutoDetect=off\nNodeName=" + nodes + " Name=gpu Type=" + options_.gpu_type +
                 " File=" + dir_ + "/dev/gpu" +
                 (options_.gpus_per_node == 1 ? "0" : "[0-" + last_gpu + "]") + "\n");
}

std::string LocalSlurm::daemon_logs_tail() const {
  std::string s;
  for (const auto& f : {std::string("slurmctld.log"), std::string("slurmd-n1.log")}) {
    const fs::path p = fs::path(dir_) / "log" / f;
    if (fs::exists(p)) s += "--- " + p.string() + " (last lines)\n" + tail(read_file(p), 15);
  }
  return s;
}

void LocalSlurm::wait_until_idle() {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int>(options_.start_timeout_s * 1000));
  const auto started = std::chrono::steady_clock::now();
  std::string last;
  while (std::chrono::steady_clock::now() < until) {
    ProcessResult r = run_program({"sinfo", "-h", "-N", "-o", "%N %t"},
                                  {.timeout_s = 10, .env = client_env(), .stdin_text = {}});
    last = r.ok() ? r.out : r.describe();
    if (r.ok()) {
      std::uint32_t idle = 0;
      std::istringstream in(r.out);
      std::string node, state;
      while (in >> node >> state) {
        if (state == "idle") ++idle;
      }
      if (idle == options_.nodes) return;
    }
    if (!controller_alive() && std::chrono::steady_clock::now() > started + std::chrono::seconds(3))
      break;
    sleep_ms(100);
  }
  throw LocalSlurmError("the local Slurm cluster in " + dir_ + " did not come up (sinfo: " + last +
                        ")\n" + daemon_logs_tail());
}

void LocalSlurm::start() {
  if (running_) return;
  if (auto missing = missing_tools(options_.auth)) throw LocalSlurmError(*missing);
  if (options_.dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "orrery-slurm-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw LocalSlurmError("cannot create a temporary folder");
    dir_ = tmpl;
    made_dir_ = true;
  } else {
    dir_ = fs::absolute(options_.dir).lexically_normal().string();
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    // An earlier cluster in this folder that was never stopped: its pid files say what it was.
    if (!daemon_pids().empty()) stop();
    fs::create_directories(dir_);
  }
  write_files();
  running_ = true;  // from here on stop() cleans up whatever did start
  try {
    const auto env = client_env();
    if (options_.auth == "munge") {
      const std::string m = dir_ + "/munge";
      std::string key(1024, '\0');
      std::random_device rd;
      for (char& ch : key) ch = static_cast<char>(rd() & 0xff);
      write_file(m + "/munge.key", key);
      fs::permissions(m + "/munge.key", fs::perms::owner_read | fs::perms::owner_write);
      fs::permissions(m, fs::perms::owner_all);
      ProcessResult r = run_program(
          {"munged", "--force", "--socket=" + m + "/munge.sock", "--key-file=" + m + "/munge.key",
           "--pid-file=" + dir_ + "/run/munged.pid", "--log-file=" + dir_ + "/log/munged.log",
           "--seed-file=" + m + "/munge.seed"},
          {.timeout_s = 20, .env = env, .stdin_text = {}});
      if (!r.ok()) throw LocalSlurmError("munged did not start: " + r.describe());
    }
    ProcessResult ctld = run_program({dir_ + "/bin/slurmctld", "-f", slurm_conf()},
                                     {.timeout_s = 30, .env = env, .stdin_text = {}});
    if (!ctld.ok())
      throw LocalSlurmError("slurmctld did not start: " + ctld.describe() + "\n" +
                            daemon_logs_tail());
    for (std::uint32_t k = 1; k <= options_.nodes; ++k) {
      ProcessResult d =
          run_program({dir_ + "/bin/slurmd", "-N", "n" + std::to_string(k), "-f", slurm_conf()},
                      {.timeout_s = 30, .env = env, .stdin_text = {}});
      if (!d.ok())
        throw LocalSlurmError("slurmd n" + std::to_string(k) + " did not start: " + d.describe() +
                              "\n" + daemon_logs_tail());
    }
    wait_until_idle();
  } catch (...) {
    stop();
    throw;
  }
}

std::vector<int> LocalSlurm::stop() {
  std::vector<int> stopped;
  if (dir_.empty()) return stopped;
  const auto env = client_env();
  // 1. Cancel the jobs of this private cluster, so job steps end through Slurm.
  if (controller_alive()) {
    ProcessResult q = run_program({"squeue", "-h", "-t", "PD,R,CG,S", "-o", "%i"},
                                  {.timeout_s = 10, .env = env, .stdin_text = {}});
    std::vector<std::string> ids;
    std::istringstream in(q.out);
    for (std::string id; in >> id;) ids.push_back(id);
    if (q.ok() && !ids.empty()) {
      std::vector<std::string> argv = {"scancel"};
      argv.insert(argv.end(), ids.begin(), ids.end());
      run_program(argv, {.timeout_s = 10, .env = env, .stdin_text = {}});
      for (int k = 0; k < 50; ++k) {
        ProcessResult r = run_program({"squeue", "-h", "-t", "R,CG", "-o", "%i"},
                                      {.timeout_s = 10, .env = env, .stdin_text = {}});
        if (!r.ok() || r.out.find_first_not_of(" \n") == std::string::npos) break;
        sleep_ms(100);
      }
    }
  }
  // 2. The daemons, by their pid files: node daemons first, then the controller, then munged.
  const std::vector<std::string> files = pid_files();
  for (const auto& f : files) {
    const int pid = read_pid(f);
    if (pid <= 0 || !process_alive(pid)) continue;
    ::kill(pid, SIGTERM);
    stopped.push_back(pid);
    if (f.find("slurmctld") != std::string::npos || f.find("munged") != std::string::npos)
      wait_gone({pid}, 10);
  }
  if (!wait_gone(stopped, 10)) {
    for (int pid : stopped) {
      if (process_alive(pid)) ::kill(pid, SIGKILL);
    }
    wait_gone(stopped, 5);
  }
  // 3. Anything still running from this cluster's folder (job steps of a dead slurmd).
  std::vector<int> left = leftover_processes();
  for (int pid : left) ::kill(pid, SIGKILL);
  if (!left.empty()) wait_gone(left, 5);
  stopped.insert(stopped.end(), left.begin(), left.end());
  for (const auto& f : files) {
    std::error_code ec;
    fs::remove(f, ec);
  }
  running_ = false;
  if (made_dir_ && !options_.keep_dir) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  return stopped;
}

}  // namespace orrery::calibrate
