#include "orrery/policies/greedy.hpp"

#include <algorithm>

namespace orrery::policies {

void greedy_pass(sim::SchedulingContext& ctx, Blocking blocking) {
  // The fit memo: a shape whose head found no placement since the last release is not tried
  // again (same answer, by the Placer contract); a first-fit pass then costs O(shapes that may
  // fit) instead of a placement attempt per pending shape.
  sim::PendingQueue& queue = ctx.pending();
  const std::uint64_t epoch = ctx.cluster().release_epoch();
  const bool skip = blocking == Blocking::kSkip;
  queue.visit(
      [&](sim::JobIndex j) {
        const std::uint32_t shape = queue.shape_of(j);
        if (!queue.unplaceable(shape, epoch)) {
          if (auto p = ctx.find_placement(j)) {
            ctx.start(j, std::move(*p));
            return sim::Visit::kNext;
          }
          queue.mark_unplaceable(shape, epoch);
        }
        return skip ? sim::Visit::kSkipShape : sim::Visit::kStop;
      },
      skip ? epoch : sim::PendingQueue::kNoEpoch);
}

sim::SimTime estimated_end(const sim::SchedulingContext& ctx, sim::JobIndex j) {
  const sim::JobSpec& spec = ctx.job(j);
  const sim::JobRuntime& rt = ctx.runtime(j);
  sim::SimTime end = rt.expected_end;
  if (spec.walltime) end = rt.last_start + *spec.walltime;
  return std::max(end, ctx.now());
}

sim::SimTime estimated_runtime(const sim::SchedulingContext& ctx, sim::JobIndex j) {
  const sim::JobSpec& spec = ctx.job(j);
  return spec.walltime ? *spec.walltime : ctx.remaining_work(j);
}

}  // namespace orrery::policies
