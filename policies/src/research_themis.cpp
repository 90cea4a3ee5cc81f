// themis: Themis (Mahajan et al., "Themis: Fair and Efficient GPU Cluster Scheduling", NSDI'20).
//
// Finish-time fairness: rho = T_shared / T_independent. T_independent is the time the job would
// take alone on its fair share, 1/N of the cluster (N = active jobs now): its work D (trace
// duration on the reference hardware) if G/N GPUs cover its gang of g GPUs, else D x g N / G (it
// could run only that fraction of the time). T_shared is the time it will have taken here if it
// runs without interruption from now: (now - submit) + remaining work. rho > 1: worse than its
// fair share; the policy drives the largest rho down.
//
// Resources are leased for `lease_s` seconds; all leases end together at round boundaries. At a
// round every lease is auctioned again: the fraction 1 - f of jobs furthest from fairness (largest
// rho; at least one) are offered the cluster first. Among them a greedy approximation of Themis'
// partial-allocation auction (which maximises the product of the rho improvements, i.e. the sum
// of their logarithms) takes jobs in decreasing log-improvement per GPU, the improvement of
// running now rather than one lease later being log((T_sh + lease) / T_sh). The GPUs left go to
// the other jobs in decreasing rho (work conservation). Running jobs left out are preempted at
// the round boundary; jobs kept keep running. Between rounds, GPUs freed by finishing jobs go to
// pending jobs in decreasing rho, without preemption.
// Simplifications (docs/policies.md): an app is one job (no hyper-parameter groups); bids are
// all-or-nothing gangs (no partial GPU sets, no hidden payments); placement sensitivity is left
// to the placer; T_independent uses the current N.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "params.hpp"
#include "policy_list.hpp"
#include "research_common.hpp"

namespace orrery::policies {

namespace {

struct ThemisParams {
  double lease_s = 600;
  double f = 0.8;
};

struct Candidate {
  sim::JobIndex job = 0;
  double rho = 0;
  double gain_per_gpu = 0;
};

class Themis final : public sim::Policy {
 public:
  explicit Themis(ThemisParams p) : p_(p) {}
  std::string_view name() const override { return "themis"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};
  }

  void schedule(sim::SchedulingContext& ctx) override {
    if (ctx.now() >= next_round_) {
      round(ctx);
      next_round_ = ctx.now() + research::seconds(p_.lease_s);
    } else {
      fill(ctx);
    }
    wakeups_.request(ctx, next_round_);
  }

 private:
  // Candidates (running and pending jobs) with their finish-time fairness, largest rho first.
  std::vector<Candidate> candidates(sim::SchedulingContext& ctx, bool with_running) {
    std::vector<sim::JobIndex> jobs = ctx.pending().ordered();
    const auto active = static_cast<double>(jobs.size() + ctx.running().size());
    if (with_running) jobs.insert(jobs.end(), ctx.running().begin(), ctx.running().end());
    const double lease_ms = static_cast<double>(research::seconds(p_.lease_s).ms());
    std::vector<Candidate> out;
    out.reserve(jobs.size());
    for (sim::JobIndex j : jobs) {
      const sim::Demand& d = ctx.demand(j);
      const double g = static_cast<double>(d.total_gpu_milli()) / 1000.0;
      const double cluster = type_gpus(ctx, d.gpu_type);
      const double work = std::max(1.0, static_cast<double>(ctx.job(j).duration.ms()));
      const double t_id = work * std::max(1.0, cluster > 0 ? g * active / cluster : 1.0);
      const double t_sh = static_cast<double>((ctx.now() - ctx.job(j).submit).ms()) +
                          static_cast<double>(ctx.remaining_work(j).ms());
      const double gain = std::log((std::max(t_sh, 1.0) + lease_ms) / std::max(t_sh, 1.0));
      out.push_back({j, t_sh / t_id, gain / std::max(g, 1e-3)});
    }
    std::sort(out.begin(), out.end(), [&](const Candidate& a, const Candidate& b) {
      if (a.rho != b.rho) return a.rho > b.rho;
      if (ctx.job(a.job).submit != ctx.job(b.job).submit)
        return ctx.job(a.job).submit < ctx.job(b.job).submit;
      return a.job < b.job;
    });
    return out;
  }

  // GPUs of a type (kAnyType: all), counted once.
  double type_gpus(const sim::SchedulingContext& ctx, std::uint32_t type) {
    if (type_gpus_.empty()) {
      const sim::Cluster& c = ctx.cluster();
      for (std::uint32_t t = 0; t < c.gpu_types().size(); ++t)
        type_gpus_.push_back(static_cast<double>(research::total_milli_of_type(c, t)) / 1000.0);
      all_gpus_ =
          static_cast<double>(research::total_milli_of_type(c, sim::Demand::kAnyType)) / 1000.0;
    }
    return type == sim::Demand::kAnyType ? all_gpus_ : type_gpus_[type];
  }

  void round(sim::SchedulingContext& ctx) {
    std::vector<Candidate> all = candidates(ctx, true);
    if (all.empty()) return;
    // Offer to the 1 - f furthest from fairness first, best log-improvement per GPU first.
    const auto offered = std::clamp<std::size_t>(
        static_cast<std::size_t>(std::ceil((1.0 - p_.f) * static_cast<double>(all.size()))), 1,
        all.size());
    std::stable_sort(
        all.begin(), all.begin() + static_cast<std::ptrdiff_t>(offered),
        [](const Candidate& a, const Candidate& b) { return a.gain_per_gpu > b.gain_per_gpu; });
    // Admit by counting GPUs (per type for typed jobs, in total for all).
    const sim::Cluster& cluster = ctx.cluster();
    std::vector<std::uint64_t> free_type;
    for (std::uint32_t t = 0; t < cluster.gpu_types().size(); ++t)
      free_type.push_back(static_cast<std::uint64_t>(std::llround(type_gpus(ctx, t) * 1000)));
    auto free_total =
        static_cast<std::uint64_t>(std::llround(type_gpus(ctx, sim::Demand::kAnyType) * 1000));
    std::vector<char> keep(ctx.workload().jobs.size(), 0);
    std::vector<sim::JobIndex> order;
    for (const Candidate& c : all) {
      const sim::Demand& d = ctx.demand(c.job);
      const std::uint64_t need = d.total_gpu_milli();
      const bool typed = d.gpu_type != sim::Demand::kAnyType;
      if (need > free_total || (typed && need > free_type[d.gpu_type])) continue;
      free_total -= need;
      if (typed) free_type[d.gpu_type] -= need;
      keep[c.job] = 1;
      order.push_back(c.job);
    }
    // Leases end: preempt what was not re-admitted, then start the newcomers in auction order.
    const std::vector<sim::JobIndex> running(ctx.running().begin(), ctx.running().end());
    for (sim::JobIndex r : running) {
      if (!keep[r]) ctx.preempt(r);
    }
    ShapeSkip skip;
    for (sim::JobIndex j : order) {
      if (ctx.runtime(j).status != sim::JobStatus::kRunning) try_start(ctx, j, skip);
    }
    fill(ctx);
  }

  // Starts j if it can be placed; once a shape failed in a pass, later jobs of it are skipped.
  struct ShapeSkip {
    std::vector<char> failed;
  };
  static void try_start(sim::SchedulingContext& ctx, sim::JobIndex j, ShapeSkip& skip) {
    const std::uint32_t shape = ctx.pending().shape_of(j);
    if (shape < skip.failed.size() && skip.failed[shape]) return;
    const sim::Demand& d = ctx.demand(j);
    std::optional<sim::Placement> p;
    if (d.gpu_milli < 1000 || research::free_milli_for(ctx, d) >= d.total_gpu_milli())
      p = ctx.find_placement(j);
    if (p) {
      ctx.start(j, std::move(*p));
    } else {
      if (shape >= skip.failed.size()) skip.failed.resize(shape + 1, 0);
      skip.failed[shape] = 1;
    }
  }

  // Free GPUs to pending jobs, largest rho first, no preemption.
  void fill(sim::SchedulingContext& ctx) {
    if (ctx.pending().empty()) return;
    // Nothing can start without a free GPU, unless some job needs less than a whole one.
    if (ctx.cluster().free_whole_gpus(sim::Demand::kAnyType) == 0) {
      bool small = false;
      ctx.pending().visit([&](sim::JobIndex j) {
        small = small || ctx.demand(j).gpu_milli < 1000;
        return small ? sim::Visit::kStop : sim::Visit::kSkipShape;
      });
      if (!small) return;
    }
    ShapeSkip skip;
    for (const Candidate& c : candidates(ctx, false)) {
      if (ctx.runtime(c.job).status != sim::JobStatus::kRunning) try_start(ctx, c.job, skip);
    }
  }

  ThemisParams p_;
  std::vector<double> type_gpus_;
  double all_gpus_ = 0;
  sim::SimTime next_round_ = sim::SimTime::from_ms(std::numeric_limits<std::int64_t>::min());
  research::Wakeups wakeups_;
};

}  // namespace

PolicyInfo themis_policy() {
  return {"themis",
          "Themis finish-time fairness: leases, auction for the 1-f furthest from fair share",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("themis", params);
            ThemisParams p;
            p.lease_s = r.number("lease_s", 600, 1e-3, 1e9);
            p.f = r.number("f", 0.8, 0, 1);
            r.finish();
            return std::make_unique<Themis>(p);
          }};
}

}  // namespace orrery::policies
