#include "orrery/policies/greedy.hpp"

#include <algorithm>

namespace orrery::policies {

void greedy_pass(sim::SchedulingContext& ctx, Blocking blocking) {
  ctx.pending().visit([&](sim::JobIndex j) {
    if (auto p = ctx.find_placement(j)) {
      ctx.start(j, std::move(*p));
      return sim::Visit::kNext;
    }
    return blocking == Blocking::kHeadOfLine ? sim::Visit::kStop : sim::Visit::kSkipShape;
  });
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
