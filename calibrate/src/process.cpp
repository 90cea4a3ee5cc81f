#include "orrery/calibrate/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

extern char** environ;

namespace orrery::calibrate {

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Closes a file descriptor once.
struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::vector<std::string> merged_environment(
    const std::vector<std::pair<std::string, std::string>>& extra, bool clean) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string s(*e);
    const auto eq = s.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = s.substr(0, eq);
    if (clean && name != "PATH" && name != "LANG" && name != "TZ") continue;
    env[name] = s.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) {
    if (v.empty())
      env.erase(k);
    else
      env[k] = v;
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

std::string ProcessResult::describe() const {
  if (!started) return "could not start: " + spawn_error;
  std::string s = timed_out ? "timed out" : "exit status " + std::to_string(exit_code);
  std::string first = err.empty() ? out : err;
  const auto nl = first.find('\n');
  if (nl != std::string::npos) first.resize(nl);
  if (!first.empty()) s += ": " + redact(first);
  return s;
}

ProcessResult run_program(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessResult r;
  if (argv.empty()) {
    r.spawn_error = "empty argument vector";
    return r;
  }
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    r.spawn_error = std::strerror(errno);
    return r;
  }
  Fd out_r{out_pipe[0]}, out_w{out_pipe[1]};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.spawn_error = std::strerror(errno);
    return r;
  }
  Fd err_r{err_pipe[0]}, err_w{err_pipe[1]};
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    r.spawn_error = std::strerror(errno);
    return r;
  }
  Fd in_r{in_pipe[0]}, in_w{in_pipe[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child starts with default signal handling (our SIGINT handler must not be inherited).
  sigset_t all;
  sigemptyset(&all);
  sigaddset(&all, SIGINT);
  sigaddset(&all, SIGTERM);
  sigaddset(&all, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::vector<std::string> env_strings = merged_environment(options.env, options.clean_env);
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    r.spawn_error = argv[0] + ": " + std::strerror(rc);
    return r;
  }
  r.started = true;
  out_w.reset();
  err_w.reset();
  in_r.reset();
  // Small inputs only (scontrol and kubectl arguments never need more than a pipe buffer).
  if (!options.stdin_text.empty()) {
    const ssize_t w = ::write(in_w.fd, options.stdin_text.data(), options.stdin_text.size());
    (void)w;
  }
  in_w.reset();

  const std::int64_t deadline = steady_ms() + static_cast<std::int64_t>(options.timeout_s * 1000);
  char buf[65536];
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    pollfd fds[2];
    nfds_t n = 0;
    if (out_r.fd >= 0) fds[n++] = {out_r.fd, POLLIN, 0};
    if (err_r.fd >= 0) fds[n++] = {err_r.fd, POLLIN, 0};
    const std::int64_t left = deadline - steady_ms();
    if (left <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    const int p = ::poll(fds, n, static_cast<int>(std::min<std::int64_t>(left, 1000)));
    if (p < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      Fd& which = fds[i].fd == out_r.fd ? out_r : err_r;
      std::string& dest = fds[i].fd == out_r.fd ? r.out : r.err;
      if (got > 0) {
        dest.append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        which.reset();
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

std::string redact(std::string text) {
  static const std::regex patterns[] = {
      std::regex(R"((--(?:token|password|client-key-data|client-certificate-data)[= ])\S+)",
                 std::regex::icase),
      std::regex(R"((Bearer\s+)[A-Za-z0-9._~+/=-]+)", std::regex::icase),
      std::regex(R"(((?:token|password|secret)["']?\s*[:=]\s*["']?)[^"'\s,}]+)", std::regex::icase),
  };
  for (const auto& re : patterns) text = std::regex_replace(text, re, "$1REDACTED");
  return text;
}

std::string display_command(const std::vector<std::string>& argv) {
  std::string s;
  bool redact_next = false;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    std::string arg = redact_next ? std::string("REDACTED") : redact(a);
    redact_next = a == "--token" || a == "--password" || a == "--client-key-data";
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
                                           "klmnopqrstuvwxyz0123456789-_.,/:=@%+"
                                           "[]") == std::string::npos;
    if (plain) {
      s += arg;
    } else {
      s += '\'';
      for (char c : arg) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
      s += '\'';
    }
  }
  return s;
}

std::optional<std::string> find_program(const std::string& name) {
  namespace fs = std::filesystem;
  auto executable = [](const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    if (executable(name)) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin:/usr/local/sbin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path p = fs::path(dir) / name;
    if (executable(p)) return p.string();
  }
  return std::nullopt;
}

bool process_alive(int pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return ::kill(pid, 0) == 0;
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return true;
  const char state = stat[close + 2];
  return state != 'Z' && state != 'X';
}

std::string process_cmdline(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char& c : s) {
    if (c == '\0') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace orrery::calibrate
