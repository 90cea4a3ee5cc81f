#include "orrery/traces/slurm_state.hpp"

#include <cctype>
#include <string>

namespace orrery::traces {

std::optional<SlurmState> parse_slurm_state(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  if (const auto sp = s.find_first_of(" \t\r\n"); sp != std::string_view::npos)
    s = s.substr(0, sp);  // "CANCELLED by 1000"
  while (!s.empty() && s.back() == '+') s.remove_suffix(1);
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  using sim::JobStatus;
  auto finished = [](JobStatus st) { return SlurmState{SlurmPhase::kFinished, st}; };
  if (u == "COMPLETED") return finished(JobStatus::kCompleted);
  if (u == "CANCELLED") return finished(JobStatus::kKilled);
  // TIMEOUT: slurmctld killed the job past its time limit (the simulator's own kill by
  // SimulationOptions::time_limits gives the same status).
  if (u == "TIMEOUT") return finished(JobStatus::kTimeout);
  if (u == "FAILED" || u == "NODE_FAIL" || u == "PREEMPTED" || u == "BOOT_FAIL" ||
      u == "DEADLINE" || u == "OUT_OF_MEMORY" || u == "SPECIAL_EXIT")
    return finished(JobStatus::kFailed);
  if (u == "PENDING" || u == "REQUEUE_HOLD" || u == "REQUEUE_FED" || u == "RESV_DEL_HOLD")
    return SlurmState{SlurmPhase::kPending, JobStatus::kPending};
  if (u == "RUNNING" || u == "SUSPENDED" || u == "COMPLETING" || u == "CONFIGURING" ||
      u == "RESIZING" || u == "SIGNALING" || u == "STAGE_OUT" || u == "STOPPED" ||
      u == "POWER_UP_NODE" || u == "UPDATE_DB")
    return SlurmState{SlurmPhase::kRunning, JobStatus::kRunning};
  if (u == "REQUEUED") return SlurmState{SlurmPhase::kRequeued, JobStatus::kPreempted};
  if (u == "REVOKED") return SlurmState{SlurmPhase::kRevoked, JobStatus::kKilled};
  return std::nullopt;
}

}  // namespace orrery::traces
