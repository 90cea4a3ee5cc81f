// yarn-cs: the YARN capacity scheduler (Apache Hadoop YARN, CapacityScheduler) with virtual
// clusters as its queues, as Microsoft's Philly and SenseTime's Helios clusters ran it (Jeon et
// al., ATC'19; Hu et al., SC'21).
//
// Each job belongs to the VC named by its queue (JobSpec::queue; jobs without one are in
// "default"). A VC is guaranteed `capacity` (percent of the cluster's GPUs, as YARN's
// yarn.scheduler.capacity.<queue>.capacity) or `gpus` (an absolute quota), and may grow up to
// `maximum-capacity` percent (or `max_gpus`) by borrowing GPUs other VCs leave idle (elasticity;
// default: the whole cluster; set it equal to the capacity for a hard quota). Inside a VC jobs
// are FIFO by submit time with head-of-line blocking. A pass repeatedly serves the most
// under-served VC (smallest used / guaranteed) whose head fits: first within guarantees, then,
// with the GPUs not owed to VCs whose waiting head fits their guarantee, up to the maximum
// capacities. With `preemption` (YARN's ProportionalCapacityPreemptionPolicy; off by default as
// in YARN), a VC below its guarantee whose head fits its guarantee reclaims borrowed GPUs by
// preempting the most recently started jobs of VCs above theirs.
//
// Daily quotas (Helios publishes the GPUs of each VC per day): `quotas` is a list of
// {"day": d, "vc": name, "gpus": n}; from day d (workload time [d x 86400 s, (d+1) x 86400 s))
// the VC's guarantee is n GPUs, until a later entry; before its first entry a VC has its
// configured capacity. With no `queues` and no `quotas`, every VC in the workload gets an equal
// share and may borrow up to the whole cluster; with some configured, unlisted VCs get no
// guarantee and may only borrow.
// Simplifications (docs/policies.md): GPUs are the only resource counted against quotas (CPU and
// memory still limit placement); one level of queues (no hierarchy, no user limits); YARN's
// node-locality reservations are replaced by the "owed GPUs" rule above.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <set>

#include "params.hpp"
#include "policy_list.hpp"
#include "research_common.hpp"

namespace orrery::policies {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

struct VcConfig {
  double capacity_pct = -1;  // percent of the cluster, or -1
  double gpus = -1;          // absolute, or -1
  double max_pct = -1;
  double max_gpus = -1;
};

struct YarnParams {
  std::map<std::string, VcConfig> queues;
  std::map<std::string, std::vector<std::pair<std::int64_t, double>>> quotas;  // day -> GPUs
  bool preemption = false;
};

class YarnCapacity final : public sim::Policy {
 public:
  explicit YarnCapacity(YarnParams p) : p_(std::move(p)) {}
  std::string_view name() const override { return "yarn-cs"; }
  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {ctx.job(j).submit.ms(), 0};
  }

  void schedule(sim::SchedulingContext& ctx) override {
    init(ctx);
    absorb_arrivals(ctx);
    // Jobs the engine stopped (node failures, spot reclaims) are pending again: back in their VC.
    for (sim::JobIndex j : last_running_) {
      if (ctx.pending().contains(j)) fifo_[vc_[j]].insert({ctx.job(j).submit.ms(), j});
    }
    const std::size_t vcs = vc_names_.size();
    used_.assign(vcs, 0);
    for (sim::JobIndex r : ctx.running()) used_[vc_[r]] += milli(ctx, r);
    std::vector<double> guarantee(vcs), maximum(vcs);
    for (std::size_t v = 0; v < vcs; ++v) {
      guarantee[v] = guarantee_at(v, ctx.now());
      maximum[v] = std::max(maximum_[v], guarantee[v]);
    }
    serve(ctx, guarantee, guarantee, false);
    if (p_.preemption) reclaim(ctx, guarantee);
    serve(ctx, guarantee, maximum, true);
    plan_wakeup(ctx);
    last_running_.assign(ctx.running().begin(), ctx.running().end());
  }

 private:
  static double milli(const sim::SchedulingContext& ctx, sim::JobIndex j) {
    return static_cast<double>(ctx.demand(j).total_gpu_milli());
  }

  void init(const sim::SchedulingContext& ctx) {
    if (initialized_) return;
    initialized_ = true;
    const sim::Workload& w = ctx.workload();
    const std::size_t n = w.jobs.size();
    total_ =
        static_cast<double>(research::total_milli_of_type(ctx.cluster(), sim::Demand::kAnyType));
    // VCs: the workload's queues ("" is "default"), plus the configured ones.
    std::map<std::string, std::size_t> index;
    vc_.resize(n);
    auto vc_of = [&](const std::string& name) {
      auto [it, fresh] = index.emplace(name, vc_names_.size());
      if (fresh) vc_names_.push_back(name);
      return it->second;
    };
    for (sim::JobIndex j = 0; j < n; ++j) {
      const std::string& q = w.queues[w.jobs[j].queue];
      vc_[j] = vc_of(q.empty() ? "default" : q);
    }
    const std::size_t in_workload = vc_names_.size();
    for (const auto& [name, cfg] : p_.queues) vc_of(name);
    for (const auto& [name, days] : p_.quotas) vc_of(name);
    const bool configured = !p_.queues.empty() || !p_.quotas.empty();
    base_.assign(vc_names_.size(), 0);
    maximum_.assign(vc_names_.size(), total_);
    schedule_.resize(vc_names_.size());
    for (std::size_t v = 0; v < vc_names_.size(); ++v) {
      const std::string& name = vc_names_[v];
      if (!configured) {
        base_[v] = total_ / static_cast<double>(std::max<std::size_t>(in_workload, 1));
        continue;
      }
      if (auto it = p_.queues.find(name); it != p_.queues.end()) {
        const VcConfig& c = it->second;
        if (c.capacity_pct >= 0) base_[v] = total_ * c.capacity_pct / 100.0;
        if (c.gpus >= 0) base_[v] = c.gpus * 1000.0;
        if (c.max_pct >= 0) maximum_[v] = total_ * c.max_pct / 100.0;
        if (c.max_gpus >= 0) maximum_[v] = c.max_gpus * 1000.0;
      }
      if (auto it = p_.quotas.find(name); it != p_.quotas.end()) {
        for (const auto& [day, gpus] : it->second) schedule_[v].emplace_back(day, gpus * 1000.0);
        std::sort(schedule_[v].begin(), schedule_[v].end());
      }
    }
    fifo_.resize(vc_names_.size());
    arrivals_.resize(n);
    for (sim::JobIndex j = 0; j < n; ++j) arrivals_[j] = j;
    std::stable_sort(arrivals_.begin(), arrivals_.end(), [&](sim::JobIndex a, sim::JobIndex b) {
      return w.jobs[a].submit < w.jobs[b].submit;
    });
  }

  // Pending jobs per VC: arrivals up to now join their VC's FIFO; we start and preempt the rest.
  void absorb_arrivals(sim::SchedulingContext& ctx) {
    while (next_arrival_ < arrivals_.size() &&
           ctx.job(arrivals_[next_arrival_]).submit <= ctx.now()) {
      const sim::JobIndex j = arrivals_[next_arrival_++];
      if (ctx.pending().contains(j)) fifo_[vc_[j]].insert({ctx.job(j).submit.ms(), j});
    }
  }

  double guarantee_at(std::size_t v, sim::SimTime t) const {
    const auto& days = schedule_[v];
    const std::int64_t day = t.ms() >= 0 ? t.ms() / kDayMs : -1;
    auto it = std::upper_bound(days.begin(), days.end(),
                               std::make_pair(day, std::numeric_limits<double>::infinity()));
    return it == days.begin() ? base_[v] : std::prev(it)->second;
  }

  bool start_head(sim::SchedulingContext& ctx, std::size_t v) {
    const sim::JobIndex j = fifo_[v].begin()->second;
    auto p = ctx.find_placement(j);
    if (!p) return false;
    ctx.start(j, std::move(*p));
    fifo_[v].erase(fifo_[v].begin());
    used_[v] += milli(ctx, j);
    return true;
  }

  // Serves the most under-served VC whose head fits its limit, until none can start.
  void serve(sim::SchedulingContext& ctx, const std::vector<double>& guarantee,
             const std::vector<double>& limit, bool borrowing) {
    auto ratio = [&](std::size_t v) {
      return guarantee[v] > 0 ? used_[v] / guarantee[v] : std::numeric_limits<double>::infinity();
    };
    using Entry = std::pair<double, std::size_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    for (std::size_t v = 0; v < fifo_.size(); ++v) {
      if (!fifo_[v].empty()) heap.push({ratio(v), v});
    }
    while (!heap.empty()) {
      const std::size_t v = heap.top().second;
      heap.pop();
      const sim::JobIndex j = fifo_[v].begin()->second;
      if (used_[v] + milli(ctx, j) > limit[v] + 1e-6) continue;
      if (borrowing && milli(ctx, j) > 0) {
        // Borrow only GPUs not owed to VCs whose waiting head fits their guarantee.
        double owed = 0;
        for (std::size_t u = 0; u < fifo_.size(); ++u) {
          if (u == v || fifo_[u].empty()) continue;
          if (used_[u] + milli(ctx, fifo_[u].begin()->second) <= guarantee[u] + 1e-6)
            owed += guarantee[u] - used_[u];
        }
        const double free =
            static_cast<double>(ctx.cluster().free_whole_gpus(sim::Demand::kAnyType)) * 1000.0;
        if (used_[v] + milli(ctx, j) > guarantee[v] && milli(ctx, j) > free - owed + 1e-6) continue;
      }
      if (!start_head(ctx, v)) continue;  // head-of-line blocking inside the VC
      if (!fifo_[v].empty()) heap.push({ratio(v), v});
    }
  }

  // Preempts borrowed GPUs (newest jobs of VCs above their guarantee) for VCs below theirs.
  void reclaim(sim::SchedulingContext& ctx, const std::vector<double>& guarantee) {
    for (std::size_t v = 0; v < fifo_.size(); ++v) {
      if (fifo_[v].empty()) continue;
      const sim::JobIndex j = fifo_[v].begin()->second;
      if (milli(ctx, j) == 0 || used_[v] + milli(ctx, j) > guarantee[v] + 1e-6) continue;
      std::vector<sim::JobIndex> victims;
      for (sim::JobIndex r : ctx.running()) {
        if (vc_[r] != v && used_[vc_[r]] > guarantee[vc_[r]] + 1e-6) victims.push_back(r);
      }
      std::sort(victims.begin(), victims.end(), [&](sim::JobIndex a, sim::JobIndex b) {
        const auto sa = ctx.runtime(a).last_start, sb = ctx.runtime(b).last_start;
        return sa != sb ? sa > sb : a > b;
      });
      for (sim::JobIndex r : victims) {
        if (ctx.find_placement(j)) break;
        const std::size_t u = vc_[r];
        if (used_[u] <= guarantee[u] + 1e-6) continue;  // back at its guarantee
        if (!research::type_serves(ctx.demand(j).gpu_type, ctx.demand(r).gpu_type)) continue;
        ctx.preempt(r);
        used_[u] -= milli(ctx, r);
        fifo_[u].insert({ctx.job(r).submit.ms(), r});
      }
      start_head(ctx, v);
    }
  }

  // The next day at which some VC's quota changes.
  void plan_wakeup(sim::SchedulingContext& ctx) {
    const std::int64_t day = ctx.now().ms() / kDayMs;
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    for (const auto& days : schedule_) {
      for (const auto& [d, gpus] : days) {
        if (d > day) {
          next = std::min(next, d);
          break;
        }
      }
    }
    if (next != std::numeric_limits<std::int64_t>::max())
      wakeups_.request(ctx, sim::SimTime::from_ms(next * kDayMs));
  }

  YarnParams p_;
  bool initialized_ = false;
  double total_ = 0;  // GPUs of the cluster, thousandths
  std::vector<std::string> vc_names_;
  std::vector<std::size_t> vc_;  // job -> VC
  std::vector<double> base_;     // configured guarantee, thousandths of GPUs
  std::vector<double> maximum_;  // maximum capacity, thousandths of GPUs
  std::vector<std::vector<std::pair<std::int64_t, double>>> schedule_;  // VC -> (day, quota)
  std::vector<double> used_;
  std::vector<std::set<std::pair<std::int64_t, sim::JobIndex>>> fifo_;  // pending, per VC
  std::vector<sim::JobIndex> arrivals_;
  std::size_t next_arrival_ = 0;
  std::vector<sim::JobIndex> last_running_;
  research::Wakeups wakeups_;
};

YarnParams parse_yarn(ParamReader& r) {
  YarnParams p;
  p.preemption = r.boolean("preemption", false);
  if (const nlohmann::json* q = r.raw("queues")) {
    if (!q->is_object()) {
      r.problem("queues",
                "must be an object of VC name -> {capacity | gpus, maximum-capacity | "
                "max_gpus}, got " +
                    q->dump());
    } else {
      double total_pct = 0;
      for (const auto& [name, spec] : q->items()) {
        const std::string at = "queues." + name;
        if (!spec.is_object()) {
          r.problem(at, "must be an object, got " + spec.dump());
          continue;
        }
        VcConfig c;
        for (const auto& [key, value] : spec.items()) {
          if (!value.is_number() || value.get<double>() < 0) {
            r.problem(at + "." + key, "must be a non-negative number, got " + value.dump());
            continue;
          }
          const double x = value.get<double>();
          if (key == "capacity" && x <= 100) {
            c.capacity_pct = x;
          } else if (key == "maximum-capacity" && x <= 100) {
            c.max_pct = x;
          } else if (key == "gpus") {
            c.gpus = x;
          } else if (key == "max_gpus") {
            c.max_gpus = x;
          } else if (key == "capacity" || key == "maximum-capacity") {
            r.problem(at + "." + key, "is a percentage, must be in [0, 100], got " + value.dump());
          } else {
            r.problem(at + "." + key,
                      "unknown key (known: capacity, maximum-capacity, gpus, max_gpus)");
          }
        }
        if (c.capacity_pct >= 0 && c.gpus >= 0)
          r.problem(at, "give capacity (percent) or gpus, not both");
        if (c.capacity_pct < 0 && c.gpus < 0) c.capacity_pct = 0;
        if (c.capacity_pct >= 0) total_pct += c.capacity_pct;
        if (c.max_pct >= 0 && c.capacity_pct > c.max_pct)
          r.problem(at, "maximum-capacity must be >= capacity");
        if (c.max_gpus >= 0 && c.gpus > c.max_gpus) r.problem(at, "max_gpus must be >= gpus");
        p.queues[name] = c;
      }
      if (total_pct > 100 + 1e-9) r.problem("queues", "capacities add up to more than 100 percent");
    }
  }
  if (const nlohmann::json* q = r.raw("quotas")) {
    if (!q->is_array()) {
      r.problem("quotas", "must be an array of {\"day\": d, \"vc\": name, \"gpus\": n}");
    } else {
      for (std::size_t i = 0; i < q->size(); ++i) {
        const nlohmann::json& e = (*q)[i];
        const std::string at = "quotas[" + std::to_string(i) + "]";
        const bool ok = e.is_object() && e.size() == 3 && e.contains("day") &&
                        e["day"].is_number_integer() && e["day"].get<std::int64_t>() >= 0 &&
                        e.contains("vc") && e["vc"].is_string() && e.contains("gpus") &&
                        e["gpus"].is_number() && e["gpus"].get<double>() >= 0;
        if (!ok) {
          r.problem(at,
                    "must be {\"day\": whole number >= 0, \"vc\": name, \"gpus\": number >= 0}"
                    ", got " +
                        e.dump());
          continue;
        }
        p.quotas[e["vc"].get<std::string>()].emplace_back(e["day"].get<std::int64_t>(),
                                                          e["gpus"].get<double>());
      }
    }
  }
  return p;
}

}  // namespace

PolicyInfo yarn_cs_policy() {
  return {"yarn-cs",
          "YARN capacity scheduler: VC guarantees and elastic maximums, FIFO per VC, daily quotas",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("yarn-cs", params);
            YarnParams p = parse_yarn(r);
            r.finish();
            return std::make_unique<YarnCapacity>(std::move(p));
          }};
}

}  // namespace orrery::policies
