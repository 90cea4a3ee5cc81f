// fifo and fifo-skip: first come, first served by submit time.
//
// fifo is strict: the pass stops at the first job that does not fit (head-of-line blocking), as
// in Tiresias's simulator's `fifo` and Slurm's sched/builtin without backfill.
// fifo-skip is first-fit: later jobs may start when they fit, so small jobs overtake large ones
// (and large ones can starve).
#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {
class Fifo final : public sim::Policy {
 public:
  explicit Fifo(Blocking b) : blocking_(b) {}
  std::string_view name() const override {
    return blocking_ == Blocking::kHeadOfLine ? "fifo" : "fifo-skip";
  }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};
  }
  void schedule(sim::SchedulingContext& ctx) override { greedy_pass(ctx, blocking_); }

 private:
  Blocking blocking_;
};
}  // namespace

PolicyInfo fifo_policy() {
  return {"fifo", "first come first served; stops at the first job that does not fit",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("fifo", params);
            r.finish();
            return std::make_unique<Fifo>(Blocking::kHeadOfLine);
          }};
}

PolicyInfo fifo_skip_policy() {
  return {"fifo-skip", "first come first served, first fit: later jobs start when they fit",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("fifo-skip", params);
            r.finish();
            return std::make_unique<Fifo>(Blocking::kSkip);
          }};
}

}  // namespace orrery::policies
