// sjf: shortest job first with oracle knowledge of each job's duration; non-preemptive.
// Jobs are ordered by their observed duration (ties by submit time); the pass is first-fit.
#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {
class Sjf final : public sim::Policy {
 public:
  std::string_view name() const override { return "sjf"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).duration.ms(), ctx.job(j).submit.ms()};
  }
  void schedule(sim::SchedulingContext& ctx) override { greedy_pass(ctx, Blocking::kSkip); }
};
}  // namespace

PolicyInfo sjf_policy() {
  return {"sjf", "shortest job first (oracle duration), non-preemptive, first fit",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("sjf", params);
            r.finish();
            return std::make_unique<Sjf>();
          }};
}

}  // namespace orrery::policies
