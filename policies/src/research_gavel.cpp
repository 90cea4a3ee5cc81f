// gavel-maxmin, gavel-makespan, gavel-throughput: Gavel (Narayanan et al., "Heterogeneity-Aware
// Cluster Scheduling Policies for Deep Learning Workloads", OSDI'20).
//
// Policy: an allocation X[m][k], the fraction of time job m should spend on GPU type k, from a
// linear program over the throughput matrix T[m][k] (ThroughputTable::defaults(), row = the job's
// class from Workload::job_classes, relative to V100 = 1; a GPU type the table does not know
// counts as 1). Constraints, as in the paper: X >= 0, sum_k X[m][k] <= 1, and per type
// sum_m z_m X[m][k] <= GPUs of type k, where the scale factor z_m is the job's GPU count (a
// 4-GPU job occupying a type for a round uses 4 of its GPUs); X[m][k] = 0 where the job's GPU
// type constraint excludes k. Objectives:
//   gavel-maxmin      heterogeneity-aware max-min fairness: maximise min_m T_m(X) / T_m(X^eq),
//                     where T_m(X) = sum_k T[m][k] X[m][k] and X^eq_m is the job's
//                     heterogeneity-agnostic fair share: the water-filling time share that gives
//                     every job the same number of GPUs (z_m x_m equal, x_m <= 1), spread over
//                     the types in proportion to their GPU counts. A second LP keeps that minimum
//                     and maximises the sum of the ratios, so leftover capacity is used (the
//                     role of Gavel's water-filling variant). Jobs with the same class, scale
//                     factor and type constraint are interchangeable here, so the LP has one
//                     row per such group, whatever the number of jobs.
//   gavel-makespan    Gavel's minimise-makespan policy (min_total_duration): the smallest T such
//                     that every job finishes its remaining work by T: maximise s = 1/T subject
//                     to T_m(X) >= remaining_m s (one LP, no bisection); as in Gavel, any optimal
//                     X (GPUs it leaves go to jobs by the round mechanism). Jobs alike but for
//                     their remaining work share a row per 10% band of remaining work (each as if
//                     it had the band's largest).
//   gavel-throughput  maximise total throughput sum_m T_m(X) (Gavel's max-sum-throughput).
// The LP is solved with COIN-OR CLP (dual simplex); it is recomputed at a round when the set of
// active jobs has changed since the last solve, as Gavel's simulator does.
//
// Mechanism: rounds of `time_per_iteration` seconds (360 as in Gavel's simulator). At each round
// the priority of job m on type k is X[m][k] / f[m][k], f being the fraction of the job's time in
// the system it has received on k so far (infinite, ordered by X, while f = 0); pairs are taken
// in decreasing priority and a job gets type k if it is not yet scheduled and enough GPUs of k
// are still unassigned in this round. Jobs that keep their type keep running; the others are
// preempted, and the newly scheduled ones start on their type. Nothing starts between rounds.
// Simplifications (docs/policies.md): no space sharing (Gavel's packing variants), the isolated
// share uses one water-filling over all GPUs, time received is measured in time, not rounds.
#include <ClpSimplex.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

#include "orrery/policies/placers.hpp"
#include "orrery/sim/throughput.hpp"
#include "params.hpp"
#include "policy_list.hpp"
#include "research_common.hpp"

namespace orrery::policies {

namespace {

enum class Objective { kMaxMin, kMakespan, kThroughput };

struct GavelParams {
  Objective objective = Objective::kMaxMin;
  double round_s = 360;
};

// A small wrapper over CLP: columns with bounds and objective, rows added as sparse lists.
class LinearProgram {
 public:
  int add_column(double lower, double upper, double objective) {
    col_lower_.push_back(lower);
    col_upper_.push_back(upper);
    objective_.push_back(objective);
    columns_.emplace_back();
    return static_cast<int>(columns_.size() - 1);
  }
  void add_row(const std::vector<std::pair<int, double>>& entries, double lower, double upper) {
    const int row = static_cast<int>(row_lower_.size());
    row_lower_.push_back(lower);
    row_upper_.push_back(upper);
    for (const auto& [col, v] : entries)
      columns_[static_cast<std::size_t>(col)].push_back({row, v});
  }
  // Maximises; false when CLP does not prove optimality.
  bool maximize() {
    std::vector<CoinBigIndex> start{0};
    std::vector<int> index;
    std::vector<double> value;
    for (const auto& col : columns_) {
      for (const auto& [row, v] : col) {
        index.push_back(row);
        value.push_back(v);
      }
      start.push_back(static_cast<CoinBigIndex>(index.size()));
    }
    model_.setLogLevel(0);
    model_.loadProblem(static_cast<int>(columns_.size()), static_cast<int>(row_lower_.size()),
                       start.data(), index.data(), value.data(), col_lower_.data(),
                       col_upper_.data(), objective_.data(), row_lower_.data(), row_upper_.data());
    model_.setOptimizationDirection(-1);
    model_.dual();
    return model_.isProvenOptimal();
  }
  // Re-solves from the previous basis with a new objective and a new lower bound on one column.
  bool maximize_again(const std::vector<double>& objective, int column, double lower) {
    for (std::size_t i = 0; i < objective.size(); ++i)
      model_.setObjectiveCoefficient(static_cast<int>(i), objective[i]);
    model_.setColumnLower(column, lower);
    model_.primal(1);
    return model_.isProvenOptimal();
  }
  double value(int column) const { return model_.primalColumnSolution()[column]; }
  std::size_t columns() const { return columns_.size(); }

 private:
  std::vector<double> col_lower_, col_upper_, objective_, row_lower_, row_upper_;
  std::vector<std::vector<std::pair<int, double>>> columns_;
  ClpSimplex model_;
};

class Gavel final : public sim::Policy {
 public:
  explicit Gavel(GavelParams p) : p_(p), table_(sim::ThroughputTable::defaults()) {}

  std::string_view name() const override {
    switch (p_.objective) {
      case Objective::kMaxMin:
        return "gavel-maxmin";
      case Objective::kMakespan:
        return "gavel-makespan";
      case Objective::kThroughput:
        return "gavel-throughput";
    }
    return "gavel";
  }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};
  }

  void schedule(sim::SchedulingContext& ctx) override {
    init(ctx);
    if (ctx.now() >= next_round_) {
      round(ctx);
      next_round_ = ctx.now() + research::seconds(p_.round_s);
    }
    wakeups_.request(ctx, next_round_);
  }

 private:
  std::size_t types() const { return type_gpus_.size(); }
  double& x(sim::JobIndex j, std::size_t k) { return x_[j * types() + k]; }
  double& received(sim::JobIndex j, std::size_t k) { return received_[j * types() + k]; }
  double thr(sim::JobIndex j, std::size_t k) const { return thr_[j * types() + k]; }
  bool allowed(const sim::SchedulingContext& ctx, sim::JobIndex j, std::size_t k) const {
    return research::type_serves(static_cast<std::uint32_t>(k), ctx.demand(j).gpu_type);
  }
  static double scale(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    return static_cast<double>(ctx.demand(j).total_gpu_milli()) / 1000.0;
  }

  void init(const sim::SchedulingContext& ctx) {
    if (initialized_) return;
    initialized_ = true;
    const sim::Cluster& c = ctx.cluster();
    for (std::uint32_t k = 0; k < c.gpu_types().size(); ++k)
      type_gpus_.push_back(static_cast<double>(research::total_milli_of_type(c, k)) / 1000.0);
    const std::size_t n = ctx.workload().jobs.size();
    thr_.assign(n * types(), 1.0);
    x_.assign(n * types(), 0.0);
    received_.assign(n * types(), 0.0);
    running_on_.assign(n, kNone);
    segment_start_.assign(n, sim::SimTime::zero());
    for (sim::JobIndex j = 0; j < n; ++j) {
      const std::string& cls = ctx.workload().job_classes[ctx.job(j).job_class];
      for (std::size_t k = 0; k < types(); ++k) {
        const auto t = table_.throughput(cls.empty() ? sim::ThroughputTable::kDefaultClass : cls,
                                         c.gpu_types()[k]);
        thr_[j * types() + k] = t && *t > 0 ? *t : 1.0;
      }
    }
    pack_ = make_pack_placer();
  }

  // Time each running job has received on its type, up to now (or to its end).
  void credit(const sim::SchedulingContext& ctx) {
    std::erase_if(ours_, [&](sim::JobIndex j) {
      const sim::JobRuntime& rt = ctx.runtime(j);
      const bool running = rt.status == sim::JobStatus::kRunning;
      const sim::SimTime until = running ? ctx.now() : rt.end.value_or(ctx.now());
      received(j, running_on_[j]) += static_cast<double>((until - segment_start_[j]).ms());
      segment_start_[j] = ctx.now();
      if (running) return false;
      running_on_[j] = kNone;
      return true;
    });
  }

  void round(sim::SchedulingContext& ctx) {
    credit(ctx);
    // Active GPU jobs, in index order.
    std::vector<sim::JobIndex> active;
    for (sim::JobIndex j : ctx.pending().ordered()) {
      if (ctx.demand(j).gpu_milli > 0) active.push_back(j);
    }
    for (sim::JobIndex j : ctx.running()) {
      if (ctx.demand(j).gpu_milli > 0) active.push_back(j);
    }
    std::sort(active.begin(), active.end());
    if (active != lp_jobs_) {
      solve(ctx, active);
      lp_jobs_ = active;
    }
    // Priorities: X / fraction received (infinite while nothing was received).
    struct Pick {
      bool never = false;
      double priority = 0;
      sim::JobIndex job = 0;
      std::size_t type = 0;
    };
    std::vector<Pick> picks;
    for (sim::JobIndex j : active) {
      const double in_system =
          std::max(1.0, static_cast<double>((ctx.now() - ctx.job(j).submit).ms()));
      bool any = false;
      for (std::size_t k = 0; k < types(); ++k) {
        if (x(j, k) <= 1e-9 || !allowed(ctx, j, k)) continue;
        any = true;
        const double frac = received(j, k) / in_system;
        if (frac <= 0) {
          picks.push_back({true, x(j, k), j, k});
        } else {
          picks.push_back({false, x(j, k) / frac, j, k});
        }
      }
      if (!any) {  // no share in the LP: only leftover GPUs, after everyone else
        for (std::size_t k = 0; k < types(); ++k) {
          if (allowed(ctx, j, k)) picks.push_back({false, -thr(j, k), j, k});
        }
      }
    }
    std::sort(picks.begin(), picks.end(), [&](const Pick& a, const Pick& b) {
      if (a.never != b.never) return a.never;
      if (a.priority != b.priority) return a.priority > b.priority;
      if (ctx.job(a.job).submit != ctx.job(b.job).submit)
        return ctx.job(a.job).submit < ctx.job(b.job).submit;
      return std::tie(a.job, a.type) < std::tie(b.job, b.type);
    });
    std::vector<double> left = type_gpus_;
    std::vector<std::size_t> assigned(ctx.workload().jobs.size(), kNone);
    std::vector<std::pair<sim::JobIndex, std::size_t>> order;
    for (const Pick& p : picks) {
      if (assigned[p.job] != kNone) continue;
      const double z = scale(ctx, p.job);
      if (left[p.type] + 1e-9 < z) continue;
      left[p.type] -= z;
      assigned[p.job] = p.type;
      order.emplace_back(p.job, p.type);
    }
    // Jobs that lose or change their type are preempted at the round boundary.
    const std::vector<sim::JobIndex> running(ctx.running().begin(), ctx.running().end());
    for (sim::JobIndex r : running) {
      if (ctx.demand(r).gpu_milli == 0 || running_on_[r] == kNone) continue;
      if (assigned[r] != running_on_[r]) {
        ctx.preempt(r);
        running_on_[r] = kNone;
      }
    }
    std::erase_if(ours_, [&](sim::JobIndex j) { return running_on_[j] == kNone; });
    for (const auto& [j, k] : order) {
      if (ctx.runtime(j).status == sim::JobStatus::kRunning) continue;
      if (auto placement = place_on_type(ctx, j, k)) {
        ctx.start(j, std::move(*placement));
        running_on_[j] = k;
        segment_start_[j] = ctx.now();
        ours_.push_back(j);
      }
    }
    // Jobs that need no GPU start whenever they fit.
    ctx.pending().visit([&](sim::JobIndex j) {
      if (ctx.demand(j).gpu_milli != 0) return sim::Visit::kSkipShape;
      if (auto p = ctx.find_placement(j)) {
        ctx.start(j, std::move(*p));
        return sim::Visit::kNext;
      }
      return sim::Visit::kSkipShape;
    });
  }

  // The engine's placer when it lands on type k (always, on a one-type cluster); otherwise the
  // pack placer restricted to type k.
  std::optional<sim::Placement> place_on_type(const sim::SchedulingContext& ctx, sim::JobIndex j,
                                              std::size_t k) const {
    auto p = ctx.find_placement(j);
    if (p) {
      const bool on_k = std::all_of(p->task_nodes.begin(), p->task_nodes.end(), [&](auto n) {
        return ctx.cluster().pool_type(ctx.cluster().node(n).pool) == k;
      });
      if (on_k) return p;
    }
    if (types() == 1) return std::nullopt;
    sim::Demand d = ctx.demand(j);
    d.gpu_type = static_cast<std::uint32_t>(k);
    return pack_->place(ctx.cluster(), d);
  }

  // --- the allocation LPs ---
  void solve(const sim::SchedulingContext& ctx, const std::vector<sim::JobIndex>& active) {
    for (sim::JobIndex j : lp_jobs_) {
      for (std::size_t k = 0; k < types(); ++k) x(j, k) = 0;
    }
    if (active.empty()) return;
    if (p_.objective == Objective::kMakespan) {
      solve_makespan(ctx, active);
    } else {
      solve_grouped(ctx, active);
    }
  }

  // Max-min and max-sum-throughput: one LP row per group of interchangeable jobs.
  void solve_grouped(const sim::SchedulingContext& ctx, const std::vector<sim::JobIndex>& active) {
    using Key = std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>;  // class, GPUs, type
    std::map<Key, std::size_t> group_of;
    std::vector<std::vector<sim::JobIndex>> groups;
    for (sim::JobIndex j : active) {
      const Key key{ctx.job(j).job_class, ctx.demand(j).total_gpu_milli(), ctx.demand(j).gpu_type};
      auto [it, fresh] = group_of.emplace(key, groups.size());
      if (fresh) groups.emplace_back();
      groups[it->second].push_back(j);
    }
    // Isolated share: water-filling of GPUs, z_m x_m = min(z_m, level), sum = min(G, sum z).
    double gpus_total = 0;
    for (double g : type_gpus_) gpus_total += g;
    std::vector<double> z;
    for (sim::JobIndex j : active) z.push_back(scale(ctx, j));
    std::sort(z.begin(), z.end());
    double level = std::numeric_limits<double>::infinity();
    {
      double left = gpus_total;
      for (std::size_t i = 0; i < z.size(); ++i) {
        const double share = left / static_cast<double>(z.size() - i);
        if (z[i] > share) {
          level = share;
          break;
        }
        left -= z[i];
      }
    }
    LinearProgram lp;
    const bool maxmin = p_.objective == Objective::kMaxMin;
    const int t = maxmin ? lp.add_column(0, 1e9, 1) : -1;
    std::vector<std::vector<int>> col(groups.size(), std::vector<int>(types(), -1));
    std::vector<std::vector<std::pair<int, double>>> per_type(types());
    std::vector<double> ratio_weight;  // coefficient of each column in sum of ratios/throughputs
    std::vector<double> second(lp.columns(), 0);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const sim::JobIndex j = groups[g].front();
      const double zj = scale(ctx, j);
      const double n = static_cast<double>(groups[g].size());
      // Isolated throughput: x_iso spread over the allowed types by their GPU counts.
      double iso = 0, iso_gpus = 0;
      for (std::size_t k = 0; k < types(); ++k) {
        if (!allowed(ctx, j, k)) continue;
        iso += type_gpus_[k] * thr(j, k);
        iso_gpus += type_gpus_[k];
      }
      const double x_iso = std::min(1.0, level / zj);
      iso = iso_gpus > 0 ? x_iso * iso / iso_gpus : 0;
      std::vector<std::pair<int, double>> share, ratio;
      for (std::size_t k = 0; k < types(); ++k) {
        if (!allowed(ctx, j, k) || type_gpus_[k] < zj) continue;
        const double coef = maxmin ? (iso > 0 ? thr(j, k) / iso : 0) : thr(j, k);
        col[g][k] = lp.add_column(0, 1, maxmin ? 0 : n * coef);
        second.push_back(n * coef);
        share.emplace_back(col[g][k], 1.0);
        ratio.emplace_back(col[g][k], coef);
        per_type[k].emplace_back(col[g][k], n * zj);
      }
      if (share.empty()) continue;
      lp.add_row(share, -1e30, 1.0);
      if (maxmin) {
        ratio.emplace_back(t, -1.0);
        lp.add_row(ratio, 0, 1e30);
      }
    }
    for (std::size_t k = 0; k < types(); ++k) {
      if (!per_type[k].empty()) lp.add_row(per_type[k], -1e30, type_gpus_[k]);
    }
    if (!lp.maximize()) return;
    if (maxmin) {
      const double best = lp.value(t);
      second[static_cast<std::size_t>(t)] = 0;
      if (!lp.maximize_again(second, t, best * (1 - 1e-7))) return;
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (std::size_t k = 0; k < types(); ++k) {
        if (col[g][k] < 0) continue;
        const double v = std::clamp(lp.value(col[g][k]), 0.0, 1.0);
        for (sim::JobIndex j : groups[g]) x(j, k) = v;
      }
    }
  }

  // Makespan: maximise s with T_m(X) >= remaining_m s, remaining in hours of reference work.
  // Jobs with the same class, scale factor and type constraint whose remaining work falls in the
  // same 10% band are treated alike, each as if it had the band's largest remaining work: the LP
  // has one row per band whatever the number of jobs (at most 10% conservative on the work).
  void solve_makespan(const sim::SchedulingContext& ctx, const std::vector<sim::JobIndex>& active) {
    using Key = std::tuple<std::uint32_t, std::uint64_t, std::uint32_t, std::int64_t>;
    std::map<Key, std::size_t> group_of;
    std::vector<std::vector<sim::JobIndex>> groups;
    std::vector<double> hours;  // the band's largest remaining work
    for (sim::JobIndex j : active) {
      const double h = std::max(static_cast<double>(ctx.remaining_work(j).ms()) / 3.6e6, 1e-6);
      const auto band = static_cast<std::int64_t>(std::floor(std::log(h) / std::log(1.1)));
      const Key key{ctx.job(j).job_class, ctx.demand(j).total_gpu_milli(), ctx.demand(j).gpu_type,
                    band};
      auto [it, fresh] = group_of.emplace(key, groups.size());
      if (fresh) {
        groups.emplace_back();
        hours.push_back(0);
      }
      groups[it->second].push_back(j);
      hours[it->second] = std::max(hours[it->second], h);
    }
    LinearProgram lp;
    const int s = lp.add_column(0, 1e9, 1);
    std::vector<std::vector<std::pair<int, double>>> per_type(types());
    std::vector<std::vector<int>> col(groups.size(), std::vector<int>(types(), -1));
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const sim::JobIndex j = groups[g].front();
      const double zj = scale(ctx, j);
      const double n = static_cast<double>(groups[g].size());
      std::vector<std::pair<int, double>> share, work;
      for (std::size_t k = 0; k < types(); ++k) {
        if (!allowed(ctx, j, k) || type_gpus_[k] < zj) continue;
        col[g][k] = lp.add_column(0, 1, 0);
        share.emplace_back(col[g][k], 1.0);
        work.emplace_back(col[g][k], thr(j, k));
        per_type[k].emplace_back(col[g][k], n * zj);
      }
      if (share.empty()) continue;
      lp.add_row(share, -1e30, 1.0);
      work.emplace_back(s, -hours[g]);
      lp.add_row(work, 0, 1e30);
    }
    for (std::size_t k = 0; k < types(); ++k) {
      if (!per_type[k].empty()) lp.add_row(per_type[k], -1e30, type_gpus_[k]);
    }
    if (!lp.maximize()) return;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (std::size_t k = 0; k < types(); ++k) {
        if (col[g][k] < 0) continue;
        const double v = std::clamp(lp.value(col[g][k]), 0.0, 1.0);
        for (sim::JobIndex j : groups[g]) x(j, k) = v;
      }
    }
  }

  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  GavelParams p_;
  sim::ThroughputTable table_;
  bool initialized_ = false;
  std::vector<double> type_gpus_;  // GPUs per cluster type
  std::vector<double> thr_;        // [job][type] throughput relative to V100
  std::vector<double> x_;          // [job][type] the LP's time fractions
  std::vector<double> received_;   // [job][type] milliseconds run on the type
  std::vector<std::size_t> running_on_;
  std::vector<sim::SimTime> segment_start_;
  std::vector<sim::JobIndex> ours_;     // jobs running on a type we chose
  std::vector<sim::JobIndex> lp_jobs_;  // active jobs of the last LP
  std::unique_ptr<sim::Placer> pack_;
  sim::SimTime next_round_ = sim::SimTime::from_ms(std::numeric_limits<std::int64_t>::min());
  research::Wakeups wakeups_;
};

PolicyInfo gavel_policy(const std::string& name, Objective objective, const std::string& summary) {
  return {name, summary,
          [name, objective](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r(name, params);
            GavelParams p;
            p.objective = objective;
            p.round_s = r.number("time_per_iteration", 360, 1e-3, 1e9);
            r.finish();
            return std::make_unique<Gavel>(p);
          }};
}

}  // namespace

PolicyInfo gavel_maxmin_policy() {
  return gavel_policy(
      "gavel-maxmin", Objective::kMaxMin,
      "Gavel heterogeneity-aware max-min fairness (LP, CLP) with round-based leases");
}
PolicyInfo gavel_makespan_policy() {
  return gavel_policy("gavel-makespan", Objective::kMakespan,
                      "Gavel heterogeneity-aware minimum makespan (LP, CLP), round-based");
}
PolicyInfo gavel_throughput_policy() {
  return gavel_policy("gavel-throughput", Objective::kThroughput,
                      "Gavel heterogeneity-aware maximum total throughput (LP, CLP), round-based");
}

}  // namespace orrery::policies
