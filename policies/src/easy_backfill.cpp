// easy-backfill: FIFO with EASY backfilling (Lifka 1995; Mu'alem and Feitelson, TPDS 2001).
//
// Jobs start in submit order while they fit. The first job that does not fit (the head) gets a
// reservation: the "shadow time" at which, by the running jobs' estimated ends, enough GPUs of its
// type will be free, and the "extra" GPUs left over at that time. A later job may start now
// (backfill) if it fits now and either ends, by its estimate, before the shadow time, or uses no
// more than the extra GPUs. Estimates are the walltime request when the trace has one, otherwise
// the job's actual duration (an oracle; documented in docs/policies.md).
// Simplifications: the reservation counts GPUs of the head's type, not their position on nodes
// (fragmentation can delay the head slightly past its shadow time); a head job that needs no GPU
// makes no reservation.
#include <algorithm>

#include "orrery/policies/greedy.hpp"
#include "params.hpp"
#include "policy_list.hpp"

namespace orrery::policies {

namespace {
class EasyBackfill final : public sim::Policy {
 public:
  std::string_view name() const override { return "easy-backfill"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};
  }
  void schedule(sim::SchedulingContext& ctx) override {
    bool reserved = false;
    sim::SimTime shadow = sim::SimTime::max();
    std::uint64_t extra_milli = 0;
    std::uint32_t head_type = sim::Demand::kAnyType;
    ctx.pending().visit([&](sim::JobIndex j) {
      auto p = ctx.find_placement(j);
      if (!reserved) {
        if (p) {
          ctx.start(j, std::move(*p));
          return sim::Visit::kNext;
        }
        const sim::Demand& head = ctx.demand(j);
        if (head.gpu_milli == 0) return sim::Visit::kSkipShape;
        reserved = true;
        head_type = head.gpu_type;
        reserve(ctx, head, shadow, extra_milli);
        return sim::Visit::kSkipShape;
      }
      if (!p) return sim::Visit::kSkipShape;
      const sim::Demand& d = ctx.demand(j);
      const bool competes = head_type == sim::Demand::kAnyType ||
                            d.gpu_type == sim::Demand::kAnyType || d.gpu_type == head_type;
      if (!competes || d.gpu_milli == 0 || ctx.now() + estimated_runtime(ctx, j) <= shadow) {
        ctx.start(j, std::move(*p));
      } else if (d.total_gpu_milli() <= extra_milli) {
        extra_milli -= d.total_gpu_milli();
        ctx.start(j, std::move(*p));
      }
      return sim::Visit::kNext;
    });
  }

 private:
  static void reserve(const sim::SchedulingContext& ctx, const sim::Demand& head,
                      sim::SimTime& shadow, std::uint64_t& extra_milli) {
    std::vector<std::pair<sim::SimTime, sim::JobIndex>> ends;
    for (sim::JobIndex r : ctx.running()) {
      const sim::Demand& rd = ctx.demand(r);
      if (rd.gpu_milli == 0) continue;
      if (head.gpu_type != sim::Demand::kAnyType && rd.gpu_type != head.gpu_type &&
          rd.gpu_type != sim::Demand::kAnyType) {
        continue;
      }
      ends.emplace_back(estimated_end(ctx, r), r);
    }
    std::sort(ends.begin(), ends.end());
    std::uint64_t free_milli = ctx.cluster().free_whole_gpus(head.gpu_type) * 1000;
    const std::uint64_t need = head.total_gpu_milli();
    shadow = sim::SimTime::max();
    extra_milli = 0;
    for (const auto& [end, r] : ends) {
      if (free_milli >= need) break;
      free_milli += ctx.demand(r).total_gpu_milli();
      shadow = end;
    }
    if (free_milli >= need) extra_milli = free_milli - need;
  }
};
}  // namespace

PolicyInfo easy_backfill_policy() {
  return {"easy-backfill",
          "FIFO with EASY backfilling: reservation for the head job, backfill by walltime",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("easy-backfill", params);
            r.finish();
            return std::make_unique<EasyBackfill>();
          }};
}

}  // namespace orrery::policies
