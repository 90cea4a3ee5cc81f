// Slurm's job states as Orrery reads them, wherever they come from: the sacct and jobcomp
// importers, the public traces' Slurm-derived schemas (Helios, Acme) and the live calibration's
// capture of a real cluster (calibrate/). One table, so that a state means the same everywhere
// (Slurm's names: slurm.schedmd.com/job_state_codes.html).
//
//   auto st = parse_slurm_state("CANCELLED by 1000");  // {kFinished, JobStatus::kKilled}
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "orrery/sim/job.hpp"

namespace orrery::traces {

enum class SlurmPhase : std::uint8_t {
  kPending,   // never started yet
  kRunning,   // started, not ended (running, suspended, completing, ...)
  kFinished,  // ended: `status` says how
  kRequeued,  // an attempt that was requeued (a later record has the final state)
  kRevoked,   // federation: ran on another cluster
};
struct SlurmState {
  SlurmPhase phase = SlurmPhase::kPending;
  sim::JobStatus status = sim::JobStatus::kPending;
};

// "COMPLETED", "CANCELLED by 1000", "CANCELLED+" (sacct's truncation), "FAILED", "TIMEOUT"
// (the simulator's kTimeout: killed past the time limit), "NODE_FAIL", "OUT_OF_MEMORY",
// "PENDING", "RUNNING", ... (case-insensitive, blanks around ignored). nullopt for an unknown
// state.
std::optional<SlurmState> parse_slurm_state(std::string_view text);

}  // namespace orrery::traces
