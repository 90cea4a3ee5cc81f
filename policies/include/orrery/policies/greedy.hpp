// Ready-made scheduling passes shared by the queue-ordered policies.
//
// greedy_pass walks the pending queue in the policy's order and starts every job the placer can
// place. With Blocking::kHeadOfLine it stops at the first job that does not fit (strict FIFO);
// with Blocking::kSkip later jobs may start (first-fit), and a whole demand shape is skipped once
// one job of it failed to place in this pass.
#pragma once

#include "orrery/sim/scheduler.hpp"

namespace orrery::policies {

enum class Blocking { kHeadOfLine, kSkip };

void greedy_pass(sim::SchedulingContext& ctx, Blocking blocking);

// Estimated time a running job ends: last start + walltime request when the job has one, else
// the engine's expected end (the oracle).
sim::SimTime estimated_end(const sim::SchedulingContext& ctx, sim::JobIndex j);
// Estimated run time of a pending job: its walltime request, else its remaining work.
sim::SimTime estimated_runtime(const sim::SchedulingContext& ctx, sim::JobIndex j);

}  // namespace orrery::policies
