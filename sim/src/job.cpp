#include "orrery/sim/job.hpp"

#include <array>
#include <utility>

namespace orrery::sim {

namespace {
constexpr std::array<std::pair<JobStatus, std::string_view>, 9> kStatusNames{{
    {JobStatus::kPending, "pending"},
    {JobStatus::kRunning, "running"},
    {JobStatus::kPreempted, "preempted"},
    {JobStatus::kCompleted, "completed"},
    {JobStatus::kFailed, "failed"},
    {JobStatus::kKilled, "killed"},
    {JobStatus::kRejected, "rejected"},
    {JobStatus::kUnfinished, "unfinished"},
    {JobStatus::kTimeout, "timeout"},
}};
}  // namespace

std::string_view to_string(JobStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "unknown";
}

std::optional<JobStatus> parse_job_status(std::string_view s) {
  for (const auto& [status, name] : kStatusNames) {
    if (name == s) return status;
  }
  return std::nullopt;
}

std::uint32_t StringTable::intern(std::string_view s) {
  if (s.empty()) return 0;
  auto it = index_.find(std::string(s));
  if (it != index_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(s);
  index_.emplace(std::string(s), id);
  return id;
}

std::optional<std::uint32_t> StringTable::find(std::string_view s) const {
  if (s.empty()) return 0;
  auto it = index_.find(std::string(s));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace orrery::sim
