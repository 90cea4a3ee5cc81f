// kueue: Kueue (kueue.sigs.k8s.io), Kubernetes-native job queueing: quota first, then placement.
//
// A job is a Workload in the LocalQueue its trace queue names (a job without one goes to the
// LocalQueue "default", and is managed only with manageJobsWithoutQueueName; otherwise it goes
// straight to the scheduler), and each LocalQueue points to a ClusterQueue ("localQueues"). A
// ClusterQueue has resourceGroups of coveredResources (nvidia.com/gpu, cpu, memory) with, per
// ResourceFlavor, a nominalQuota and optionally a borrowingLimit and a lendingLimit; a flavor is
// a GPU model here (its nodeLabels "nvidia.com/gpu.product"). ClusterQueues in a cohort lend
// their unused quota to each other: a ClusterQueue may use its nominal quota plus what the rest
// of the cohort lends (each lends at most lendingLimit of its nominal quota, keeping the rest for
// itself), up to borrowingLimit beyond its own. A workload is admitted whole (quota reservation):
// for each resource group, the first flavor in order where it fits (borrowing if need be); then
// its pods are placed, all at once, when they fit (by the scenario's placer, or best fit on the
// flavor's GPU model where the flavor narrows the job's). queueingStrategy StrictFIFO admits a
// ClusterQueue's workloads strictly in order (priority, then creation): the head blocks the rest;
// BestEffortFIFO sets an inadmissible head aside and tries the next. Preemption: a workload that
// does not fit may evict admitted workloads of its own ClusterQueue (withinClusterQueue: Never,
// LowerPriority, LowerOrNewerEqualPriority) and, when it would then fit within its nominal
// quota, reclaim quota from ClusterQueues of the cohort that are borrowing (reclaimWithinCohort:
// Never, LowerPriority, Any): candidates from other ClusterQueues first, then lower priority,
// then the most recently admitted; removed in that order until the workload fits (another
// ClusterQueue's workloads only while that ClusterQueue still borrows), then put back, in reverse,
// those not needed.
// Simplifications (docs/policies.md): admission is event-driven with no cycle latency; evicted
// workloads free their quota at once and the preemptor is admitted in the same pass; within a
// pass ClusterQueues take turns, each admitting its head in turn (Kueue orders each cycle's heads
// by borrowing, priority and creation); flavorFungibility is Kueue's default (borrow before
// trying the next flavor, try the next flavor before preempting); resources a workload requests
// but no resource group covers are not limited; a placed workload's pods are placed together
// (kube-scheduler would bind them one by one).
// Sources: kueue.sigs.k8s.io docs: Concepts (ClusterQueue, LocalQueue, ResourceFlavor, Cohort,
// Preemption, Workload), KEP-1224 lendingLimit, Kueue Configuration API.
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "production_parts.hpp"
#include "production_support.hpp"
#include "research_common.hpp"

namespace orrery::policies {

namespace {

using prod::FreeMap;
using prod::Res;
using prod::Resource;

constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max() / 4;

enum class Strategy { kStrictFifo, kBestEffortFifo };
enum class Within { kNever, kLowerPriority, kLowerOrNewerEqualPriority };
enum class Reclaim { kNever, kLowerPriority, kAny };

struct FlavorSpec {
  std::string name;
  std::string gpu_product;  // nodeLabels["nvidia.com/gpu.product"]; empty: any node
};

struct FlavorQuota {
  std::uint32_t flavor = 0;  // index into flavors
  Res nominal;
  Res borrowing{kNoLimit, kNoLimit, kNoLimit};
  Res lending{kNoLimit, kNoLimit, kNoLimit};
};

struct ResourceGroup {
  bool covers[3] = {false, false, false};  // gpu, cpu, memory
  std::vector<FlavorQuota> flavors;
};

struct ClusterQueueSpec {
  std::string name;
  std::string cohort;
  Strategy strategy = Strategy::kBestEffortFifo;
  std::vector<ResourceGroup> groups;
  Within within = Within::kNever;
  Reclaim reclaim = Reclaim::kNever;
};

struct KueueConfig {
  bool defaulted = true;  // no clusterQueues given: one ClusterQueue with the whole cluster
  std::vector<FlavorSpec> flavors;
  std::vector<ClusterQueueSpec> cqs;
  std::map<std::string, std::string> local_queues;  // LocalQueue -> ClusterQueue
  bool manage_without_queue_name = false;
};

Res covered_part(const Res& r, const ResourceGroup& g) {
  Res out;
  if (g.covers[0]) out.gpu = r.gpu;
  if (g.covers[1]) out.cpu = r.cpu;
  if (g.covers[2]) out.mem = r.mem;
  return out;
}

class Kueue final : public sim::Policy {
 public:
  explicit Kueue(KueueConfig cfg) : cfg_(std::move(cfg)) {}
  std::string_view name() const override { return "kueue"; }

  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    return {-static_cast<std::int64_t>(ctx.job(j).priority), ctx.job(j).submit.ms()};
  }

  void schedule(sim::SchedulingContext& ctx) override {
    if (!resolved_) resolve(ctx);
    LazyMap m{*this, ctx};
    map_.sync(ctx);
    release_finished(ctx);
    place_admitted(ctx, m);
    if (unmanaged_jobs_) place_unmanaged(ctx, m);
    if (managed_jobs_) admit(ctx, m);
    place_admitted(ctx, m);
  }

 private:
  // A workload's quota reservation: per resource group, the flavor chosen and what it takes.
  struct Admission {
    std::uint32_t cq = 0;
    std::vector<std::pair<std::uint32_t, Res>> usage;  // (flavor quota index in cq, amount)
    std::uint32_t gpu_type = sim::Demand::kAnyType;    // narrowed by a labeled flavor
    std::uint64_t order = 0;                           // admission sequence
    std::uint32_t epoch = 0;
    bool placed = false;
  };
  // The free resources as a pass sees them, kept from pass to pass (prod::KeptFreeMap): made
  // when first needed (most passes at a busy cluster place nothing), every start and eviction of
  // a pass going through it.
  struct LazyMap {
    Kueue& k;
    const sim::SchedulingContext& ctx;
    FreeMap& get() { return k.map_.get(ctx); }
  };
  prod::KeptFreeMap map_{"kueue"};
  static constexpr std::uint32_t kUnmanaged = 0xffffffffU;
  static constexpr std::uint32_t kNoQueue = 0xfffffffeU;

  struct FlatQuota {  // one (cq, flavor quota) slot
    std::uint32_t cq, group, index;
  };

  void resolve(const sim::SchedulingContext& ctx) {
    resolved_ = true;
    const sim::Cluster& c = ctx.cluster();
    if (cfg_.defaulted) {
      ClusterQueueSpec cq;
      cq.name = "cluster-queue";
      ResourceGroup g;
      g.covers[0] = true;
      for (std::uint32_t t = 0; t < c.gpu_types().size(); ++t) {
        cfg_.flavors.push_back({c.gpu_types()[t], c.gpu_types()[t]});
        FlavorQuota fq;
        fq.flavor = t;
        for (std::uint32_t pool = 0; pool < c.spec().pools.size(); ++pool) {
          if (c.pool_type(pool) != t) continue;
          const auto& ps = c.spec().pools[pool];
          fq.nominal.gpu += std::int64_t{ps.gpus_per_node} * ps.nodes * 1000;
        }
        g.flavors.push_back(fq);
      }
      if (g.flavors.empty()) {  // a cluster without GPUs: an empty GPU quota
        cfg_.flavors.push_back({"default-flavor", ""});
        g.flavors.push_back(FlavorQuota{});
      }
      cq.groups.push_back(g);
      cfg_.cqs.push_back(cq);
    }
    flavor_type_.clear();
    for (const FlavorSpec& f : cfg_.flavors) {
      if (f.gpu_product.empty()) {
        flavor_type_.push_back(sim::Demand::kAnyType);
      } else {
        auto t = c.find_gpu_type(f.gpu_product);
        flavor_type_.push_back(t ? *t : kNoQueue);  // a model the cluster lacks: no node fits
      }
    }
    usage_.assign(cfg_.cqs.size(), {});
    for (std::size_t q = 0; q < cfg_.cqs.size(); ++q) {
      for (const ResourceGroup& g : cfg_.cqs[q].groups) {
        usage_[q].push_back(std::vector<Res>(g.flavors.size()));
      }
    }
    // Workload -> ClusterQueue.
    const sim::Workload& w = ctx.workload();
    std::vector<std::uint32_t> by_queue(w.queues.size(), kNoQueue);
    for (std::uint32_t q = 0; q < w.queues.size(); ++q) {
      const std::string lq = q == 0 ? "default" : w.queues[q];
      std::string target;
      if (cfg_.defaulted) {
        target = "cluster-queue";
      } else if (auto it = cfg_.local_queues.find(lq); it != cfg_.local_queues.end()) {
        target = it->second;
      } else {
        target = lq;  // a LocalQueue named as its ClusterQueue
      }
      for (std::uint32_t i = 0; i < cfg_.cqs.size(); ++i) {
        if (cfg_.cqs[i].name == target) by_queue[q] = i;
      }
      if (q == 0 && !cfg_.manage_without_queue_name) by_queue[q] = kUnmanaged;
    }
    cq_of_.resize(w.jobs.size());
    for (sim::JobIndex j = 0; j < w.jobs.size(); ++j) cq_of_[j] = by_queue[w.jobs[j].queue];
    admission_.resize(w.jobs.size());
    admitted_flag_.assign(w.jobs.size(), false);
    unplaced_at_.assign(w.jobs.size(), 0);
    const auto unmanaged = std::count(cq_of_.begin(), cq_of_.end(), kUnmanaged);
    unmanaged_jobs_ = unmanaged > 0;
    managed_jobs_ = static_cast<std::size_t>(unmanaged) < cq_of_.size();
    monotone_ = std::all_of(cfg_.cqs.begin(), cfg_.cqs.end(), [](const ClusterQueueSpec& q) {
      return q.within == Within::kNever && q.reclaim == Reclaim::kNever;
    });
    inadmissible_at_.assign(cfg_.cqs.size(), {});
  }

  // --- quota arithmetic ---
  const FlavorQuota& quota(std::uint32_t cq, std::uint32_t g, std::uint32_t f) const {
    return cfg_.cqs[cq].groups[g].flavors[f];
  }
  static std::int64_t lendable(const FlavorQuota& q, Resource r) {
    return std::min(prod::get(q.nominal, r), prod::get(q.lending, r));
  }

  // Can cq take `req` more of flavor slot (g, f), given current usage?
  bool fits(std::uint32_t cq, std::uint32_t g, std::uint32_t f, const Res& req) const {
    const ClusterQueueSpec& spec = cfg_.cqs[cq];
    const FlavorQuota& q = quota(cq, g, f);
    const Res& used = usage_[cq][g][f];
    const std::uint32_t flavor = q.flavor;
    for (Resource r : {Resource::kGpu, Resource::kCpu, Resource::kMemory}) {
      const std::int64_t want = prod::get(req, r);
      if (want == 0) continue;
      const std::int64_t nominal = prod::get(q.nominal, r);
      const std::int64_t u = prod::get(used, r);
      if (spec.cohort.empty()) {
        if (u + want > nominal) return false;
        continue;
      }
      if (u + want > nominal + std::min(prod::get(q.borrowing, r), kNoLimit)) return false;
      // Own guaranteed headroom, then the cohort's lendable pool.
      const std::int64_t guaranteed = nominal - lendable(q, r);
      std::int64_t pool = 0, pool_used = 0;
      for_cohort_flavor(
          spec.cohort, flavor, [&](std::uint32_t oq, std::uint32_t og, std::uint32_t of) {
            const FlavorQuota& o = quota(oq, og, of);
            const std::int64_t og_guaranteed = prod::get(o.nominal, r) - lendable(o, r);
            pool += lendable(o, r);
            pool_used +=
                std::max<std::int64_t>(0, prod::get(usage_[oq][og][of], r) - og_guaranteed);
          });
      const std::int64_t headroom = std::max<std::int64_t>(0, guaranteed - u);
      if (want > headroom + std::max<std::int64_t>(0, pool - pool_used)) return false;
    }
    return true;
  }

  template <typename F>
  void for_cohort_flavor(const std::string& cohort, std::uint32_t flavor, F&& f) const {
    for (std::uint32_t q = 0; q < cfg_.cqs.size(); ++q) {
      if (cfg_.cqs[q].cohort != cohort) continue;
      for (std::uint32_t g = 0; g < cfg_.cqs[q].groups.size(); ++g) {
        const auto& fl = cfg_.cqs[q].groups[g].flavors;
        for (std::uint32_t i = 0; i < fl.size(); ++i) {
          if (fl[i].flavor == flavor) f(q, g, i);
        }
      }
    }
  }

  bool borrowing(std::uint32_t cq, std::uint32_t g, std::uint32_t f) const {
    const FlavorQuota& q = quota(cq, g, f);
    const Res& u = usage_[cq][g][f];
    return u.gpu > q.nominal.gpu || u.cpu > q.nominal.cpu || u.mem > q.nominal.mem;
  }

  // The flavor slot (g, f) -> amount assignment for a workload, per Kueue's default fungibility:
  // the first flavor that fits (borrowing allowed); with `for_preemption`, the first eligible
  // flavor of a group where none fits.
  std::optional<Admission> assign(const sim::SchedulingContext& ctx, sim::JobIndex j,
                                  bool for_preemption, bool* fits_now) const {
    const std::uint32_t cq = cq_of_[j];
    const sim::Demand& d = ctx.demand(j);
    const Res req = prod::request_of(d);
    Admission a;
    a.cq = cq;
    *fits_now = true;
    for (std::uint32_t g = 0; g < cfg_.cqs[cq].groups.size(); ++g) {
      const ResourceGroup& group = cfg_.cqs[cq].groups[g];
      const Res part = covered_part(req, group);
      if (part == Res{}) continue;
      std::optional<std::uint32_t> chosen, fallback;
      for (std::uint32_t f = 0; f < group.flavors.size(); ++f) {
        const std::uint32_t type = flavor_type_[group.flavors[f].flavor];
        if (d.gpu_milli > 0 && group.covers[0]) {
          if (type == kNoQueue) continue;
          if (type != sim::Demand::kAnyType && d.gpu_type != sim::Demand::kAnyType &&
              type != d.gpu_type)
            continue;
          if (type != sim::Demand::kAnyType && a.gpu_type != sim::Demand::kAnyType &&
              type != a.gpu_type)
            continue;
          // A flavor whose nodes can never hold the workload's pods is skipped: in a real cluster
          // the pods would stay Pending until waitForPodsReady requeued the workload, which
          // would then try the next flavor.
          if (type != sim::Demand::kAnyType && d.gpu_type == sim::Demand::kAnyType) {
            sim::Demand narrowed = d;
            narrowed.gpu_type = type;
            if (!ctx.cluster().fits_when_empty(narrowed)) continue;
          }
        }
        if (!fallback) fallback = f;
        if (fits(cq, g, f, part)) {
          chosen = f;
          break;
        }
      }
      if (!chosen) {
        *fits_now = false;
        if (!for_preemption || !fallback) return std::nullopt;
        chosen = fallback;
      }
      const std::uint32_t type = flavor_type_[group.flavors[*chosen].flavor];
      if (d.gpu_milli > 0 && group.covers[0] && type != sim::Demand::kAnyType) a.gpu_type = type;
      a.usage.emplace_back(g * 65536U + *chosen, part);
    }
    return a;
  }

  bool fits_all(const Admission& a) const {
    for (const auto& [slot, amount] : a.usage) {
      if (!fits(a.cq, slot / 65536U, slot % 65536U, amount)) return false;
    }
    return true;
  }

  void charge(const Admission& a, int sign) {
    if (sign < 0) ++releases_;
    for (const auto& [slot, amount] : a.usage) {
      Res& u = usage_[a.cq][slot / 65536U][slot % 65536U];
      if (sign > 0) {
        u += amount;
      } else {
        u -= amount;
      }
    }
  }

  // Does an admitted workload still hold its quota: running, or waiting to be placed since its
  // admission (not preempted, rejected or finished since)?
  bool holds(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
    const sim::JobRuntime& rt = ctx.runtime(j);
    return rt.status == sim::JobStatus::kRunning ||
           (prod::is_waiting(ctx, j) && rt.epoch == admission_[j].epoch);
  }
  void release(sim::JobIndex j) {
    charge(admission_[j], -1);
    admitted_flag_[j] = false;
    admitted_.erase(j);
    unplaced_.erase(j);
  }
  // Quota comes back when an admitted workload stops holding it. Running ones can only stop by
  // leaving the running set (the engine's run changes); the unplaced ones are checked each pass.
  void release_finished(const sim::SchedulingContext& ctx) {
    for (const sim::RunChange& c : ctx.run_changes()) {
      if (c.started || !admitted_flag_[c.job]) continue;
      if (holds(ctx, c.job)) {
        unplaced_.insert(c.job);
      } else {
        release(c.job);
      }
    }
    std::vector<sim::JobIndex> gone;
    for (sim::JobIndex j : unplaced_) {
      if (!holds(ctx, j)) gone.push_back(j);
    }
    for (sim::JobIndex j : gone) release(j);
  }

  bool start_on(sim::SchedulingContext& ctx, LazyMap& lazy, sim::JobIndex j,
                std::uint32_t gpu_type) {
    // Free resources only shrink between releases: a workload that found no room finds none
    // until something is released.
    const std::uint64_t epoch = ctx.cluster().release_epoch();
    if (unplaced_at_[j] == epoch) return false;
    if (!start_placed(ctx, lazy, j, gpu_type)) {
      unplaced_at_[j] = epoch;
      return false;
    }
    unplaced_.erase(j);
    return true;
  }
  bool start_placed(sim::SchedulingContext& ctx, LazyMap& lazy, sim::JobIndex j,
                    std::uint32_t gpu_type) {
    const sim::Demand& d = ctx.demand(j);
    // A flavor with a GPU model narrows a job that asked for any model.
    const bool narrow =
        gpu_type != sim::Demand::kAnyType && d.gpu_type == sim::Demand::kAnyType && d.gpu_milli > 0;
    sim::Demand narrowed = d;
    if (narrow) narrowed.gpu_type = gpu_type;
    // The pass's free map mirrors the cluster, so the cluster's free-GPU index can rule a gang
    // out before a search over every node.
    if (!research::may_fit_by_gpu_count(ctx.cluster(), narrowed)) return false;
    if (narrow) {
      auto p = prod::place_gang(lazy.get(), narrowed, prod::best_fit_score);
      if (!p) return false;
      map_.took(j, *p);
      ctx.start(j, std::move(*p));
      return true;
    }
    auto p = ctx.find_placement(j);
    if (!p) return false;
    lazy.get().apply(d, *p);
    map_.took(j, *p);
    ctx.start(j, std::move(*p));
    return true;
  }

  void place_admitted(sim::SchedulingContext& ctx, LazyMap& m) {
    std::vector<sim::JobIndex> order;
    for (sim::JobIndex j : unplaced_) {
      if (prod::is_waiting(ctx, j) && ctx.pending().contains(j)) order.push_back(j);
    }
    std::sort(order.begin(), order.end(), [&](sim::JobIndex a, sim::JobIndex b) {
      return admission_[a].order < admission_[b].order;
    });
    for (sim::JobIndex j : order) start_on(ctx, m, j, admission_[j].gpu_type);
  }

  // Jobs Kueue does not manage go straight to the scheduler, in queue order. A shape that did
  // not fit is skipped for the rest of the pass, and for later passes until something is
  // released (the pending queue's fit memo), as fifo-skip does.
  void place_unmanaged(sim::SchedulingContext& ctx, LazyMap& m) {
    const std::uint64_t epoch = ctx.cluster().release_epoch();
    ctx.pending().visit(
        [&](sim::JobIndex j) {
          if (cq_of_[j] != kUnmanaged) return sim::Visit::kNext;
          if (start_on(ctx, m, j, sim::Demand::kAnyType)) return sim::Visit::kNext;
          ctx.pending().mark_unplaceable(ctx.pending().shape_of(j), epoch);
          return sim::Visit::kSkipShape;
        },
        epoch);
  }

  void admit_now(sim::SchedulingContext& ctx, sim::JobIndex j, Admission a) {
    a.order = ++sequence_;
    a.epoch = ctx.runtime(j).epoch;
    charge(a, +1);
    admission_[j] = std::move(a);
    admitted_flag_[j] = true;
    admitted_.insert(j);
    unplaced_.insert(j);
  }

  // Without preemption anywhere, a ClusterQueue's usage only grows between releases, so a
  // workload shape that did not fit its quota does not fit until quota is released: remembered
  // per (ClusterQueue, shape) against the count of releases.
  bool known_inadmissible(std::uint32_t cq, std::uint32_t shape) const {
    const auto& at = inadmissible_at_[cq];
    return monotone_ && shape < at.size() && at[shape] == releases_ + 1;
  }
  void note_inadmissible(std::uint32_t cq, std::uint32_t shape) {
    if (!monotone_) return;
    auto& at = inadmissible_at_[cq];
    if (at.size() <= shape) at.resize(shape + 1, 0);
    at[shape] = releases_ + 1;
  }

  // One ClusterQueue that never preempts (the default configuration): its turn is the whole
  // pass, so admission walks the queue directly; a shape known inadmissible is skipped whole
  // (BestEffortFIFO) or ends the walk (StrictFIFO: the head blocks). A pass at a full cluster
  // costs O(shapes), not O(pending).
  void admit_one_queue(sim::SchedulingContext& ctx, LazyMap& m) {
    const bool strict = cfg_.cqs[0].strategy == Strategy::kStrictFifo;
    ctx.pending().visit([&](sim::JobIndex j) {
      if (cq_of_[j] != 0 || admitted_flag_[j] || !prod::is_waiting(ctx, j))
        return sim::Visit::kNext;
      const std::uint32_t shape = ctx.pending().shape_of(j);
      if (!known_inadmissible(0, shape) && try_admit(ctx, m, j)) return sim::Visit::kNext;
      note_inadmissible(0, shape);
      return strict ? sim::Visit::kStop : sim::Visit::kSkipShape;
    });
  }

  void admit(sim::SchedulingContext& ctx, LazyMap& m) {
    if (cfg_.cqs.size() == 1 && monotone_) {
      admit_one_queue(ctx, m);
      return;
    }
    // Pending, not admitted workloads of each ClusterQueue, in queue order.
    std::vector<std::vector<sim::JobIndex>> queue(cfg_.cqs.size());
    ctx.pending().visit([&](sim::JobIndex j) {
      const std::uint32_t cq = cq_of_[j];
      if (cq < cfg_.cqs.size() && !admitted_flag_[j] && prod::is_waiting(ctx, j))
        queue[cq].push_back(j);
      return sim::Visit::kNext;
    });
    std::vector<std::size_t> head(cfg_.cqs.size(), 0);
    std::vector<bool> blocked(cfg_.cqs.size(), false);
    bool progress = true;
    while (progress) {
      progress = false;
      for (std::uint32_t cq = 0; cq < cfg_.cqs.size(); ++cq) {
        if (blocked[cq] || head[cq] >= queue[cq].size()) continue;
        const sim::JobIndex j = queue[cq][head[cq]];
        const std::uint32_t shape = ctx.pending().shape_of(j);
        if (!known_inadmissible(cq, shape) && try_admit(ctx, m, j)) {
          ++head[cq];
          progress = true;
          continue;
        }
        note_inadmissible(cq, shape);
        if (cfg_.cqs[cq].strategy == Strategy::kStrictFifo) {
          blocked[cq] = true;  // the head blocks the rest of its ClusterQueue
        } else {
          ++head[cq];  // BestEffortFIFO: set aside, try the next
          progress = true;
        }
      }
    }
  }

  bool try_admit(sim::SchedulingContext& ctx, LazyMap& m, sim::JobIndex j) {
    bool fits_now = false;
    auto a = assign(ctx, j, false, &fits_now);
    if (a && fits_now) {
      admit_now(ctx, j, std::move(*a));
      return true;
    }
    auto p = assign(ctx, j, true, &fits_now);
    if (!p) return false;
    auto victims = preemption_targets(ctx, j, *p);
    if (victims.empty()) return false;
    for (sim::JobIndex v : victims) evict(ctx, m, v);
    if (!fits_all(*p)) return false;
    admit_now(ctx, j, std::move(*p));
    return true;
  }

  void evict(sim::SchedulingContext& ctx, LazyMap& m, sim::JobIndex v) {
    release(v);
    if (ctx.runtime(v).status == sim::JobStatus::kRunning) {
      m.get();
      map_.give_back(ctx, v);
      ctx.preempt(v);
    }
  }

  // Kueue's preemption candidates and greedy selection; empty when preemption cannot help.
  std::vector<sim::JobIndex> preemption_targets(const sim::SchedulingContext& ctx, sim::JobIndex j,
                                                const Admission& want) {
    const std::uint32_t cq = want.cq;
    const ClusterQueueSpec& spec = cfg_.cqs[cq];
    if (spec.within == Within::kNever && (spec.reclaim == Reclaim::kNever || spec.cohort.empty()))
      return {};  // this ClusterQueue never preempts: no need to look at the admitted ones
    const std::int32_t prio = ctx.job(j).priority;
    const sim::SimTime created = ctx.job(j).submit;
    std::set<std::uint32_t> flavors;  // flavors the workload needs
    for (const auto& [slot, amount] : want.usage)
      flavors.insert(quota(cq, slot / 65536U, slot % 65536U).flavor);
    auto uses_needed_flavor = [&](sim::JobIndex v) {
      for (const auto& [slot, amount] : admission_[v].usage) {
        if (flavors.count(quota(admission_[v].cq, slot / 65536U, slot % 65536U).flavor))
          return true;
      }
      return false;
    };
    std::vector<sim::JobIndex> same, others;
    for (sim::JobIndex v : admitted_) {
      if (v == j || !uses_needed_flavor(v)) continue;
      const std::int32_t vp = ctx.job(v).priority;
      if (admission_[v].cq == cq) {
        const bool ok = (spec.within == Within::kLowerPriority && vp < prio) ||
                        (spec.within == Within::kLowerOrNewerEqualPriority &&
                         (vp < prio || (vp == prio && ctx.job(v).submit > created)));
        if (ok) same.push_back(v);
      } else if (!spec.cohort.empty() && cfg_.cqs[admission_[v].cq].cohort == spec.cohort) {
        const bool ok =
            spec.reclaim == Reclaim::kAny || (spec.reclaim == Reclaim::kLowerPriority && vp < prio);
        if (ok) others.push_back(v);
      }
    }
    // Reclaim only if the workload would fit within its nominal quota once its own candidates
    // are gone.
    if (!others.empty()) {
      for (sim::JobIndex v : same) charge(admission_[v], -1);
      bool within_nominal = true;
      for (const auto& [slot, amount] : want.usage) {
        const FlavorQuota& q = quota(cq, slot / 65536U, slot % 65536U);
        const Res after = usage_[cq][slot / 65536U][slot % 65536U] + amount;
        if (!after.fits_in(q.nominal)) within_nominal = false;
      }
      for (sim::JobIndex v : same) charge(admission_[v], +1);
      if (!within_nominal) others.clear();
    }
    std::vector<sim::JobIndex> cand = others;
    auto order = [&](sim::JobIndex a, sim::JobIndex b) {
      const auto pa = ctx.job(a).priority, pb = ctx.job(b).priority;
      if (pa != pb) return pa < pb;
      return admission_[a].order > admission_[b].order;  // most recently admitted first
    };
    std::sort(cand.begin(), cand.end(), order);
    std::sort(same.begin(), same.end(), order);
    cand.insert(cand.end(), same.begin(), same.end());
    if (cand.empty()) return {};

    std::vector<sim::JobIndex> removed;
    bool ok = false;
    for (sim::JobIndex v : cand) {
      const Admission& va = admission_[v];
      if (va.cq != cq) {
        bool still_borrowing = false;
        for (const auto& [slot, amount] : va.usage)
          still_borrowing = still_borrowing || borrowing(va.cq, slot / 65536U, slot % 65536U);
        if (!still_borrowing) continue;
      }
      charge(va, -1);
      removed.push_back(v);
      if (fits_all(want)) {
        ok = true;
        break;
      }
    }
    if (ok) {
      // Keep back, in reverse, the ones not needed.
      for (std::size_t i = removed.size(); i-- > 0;) {
        charge(admission_[removed[i]], +1);
        if (fits_all(want)) {
          removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
          charge(admission_[removed[i]], -1);
        }
      }
    }
    for (sim::JobIndex v : removed) charge(admission_[v], +1);  // evict() charges them off
    if (!ok) return {};
    return removed;
  }

  KueueConfig cfg_;
  bool resolved_ = false;
  std::vector<std::uint32_t> flavor_type_;
  std::vector<std::vector<std::vector<Res>>> usage_;  // [cq][group][flavor]
  std::vector<std::uint32_t> cq_of_;
  std::vector<Admission> admission_;
  std::vector<bool> admitted_flag_;
  std::set<sim::JobIndex> admitted_;
  std::set<sim::JobIndex> unplaced_;        // admitted, not running (yet, or again)
  std::vector<std::uint64_t> unplaced_at_;  // release epoch of the last failed placement
  bool unmanaged_jobs_ = false;             // any job bypassing Kueue
  bool managed_jobs_ = false;               // any job in a ClusterQueue
  bool monotone_ = false;                   // no ClusterQueue preempts
  std::uint64_t releases_ = 0;              // quota releases so far
  std::vector<std::vector<std::uint64_t>> inadmissible_at_;  // [cq][shape]: releases_ + 1
  std::uint64_t sequence_ = 0;
};

// --- parameters ---

template <typename E>
std::optional<E> enum_field(ParamReader& r, const nlohmann::json& obj, const std::string& key,
                            const std::string& path,
                            const std::vector<std::pair<std::string, E>>& values) {
  if (!obj.contains(key)) return std::nullopt;
  const auto& v = obj.at(key);
  std::string names;
  for (const auto& [n, e] : values) {
    names += (names.empty() ? "" : ", ") + n;
    if (v.is_string() && v.get<std::string>() == n) return e;
  }
  r.problem(path, "must be one of " + names + ", got " + v.dump());
  return std::nullopt;
}

void parse_flavor_quotas(ParamReader& r, const nlohmann::json& fl, const std::string& path,
                         ResourceGroup& g, KueueConfig& cfg) {
  if (!fl.is_array() || fl.empty()) {
    r.problem(path, "must be a non-empty array of {\"name\", \"resources\"}");
    return;
  }
  for (std::size_t i = 0; i < fl.size(); ++i) {
    const auto& f = fl[i];
    const std::string where = path + "[" + std::to_string(i) + "]";
    if (!f.is_object() || !f.contains("name") || !f.at("name").is_string() ||
        !f.contains("resources") || !f.at("resources").is_array()) {
      r.problem(where, "must be {\"name\": flavor, \"resources\": [...]}");
      continue;
    }
    FlavorQuota q;
    const std::string name = f.at("name").get<std::string>();
    q.flavor = static_cast<std::uint32_t>(cfg.flavors.size());
    for (std::uint32_t k = 0; k < cfg.flavors.size(); ++k) {
      if (cfg.flavors[k].name == name) q.flavor = k;
    }
    if (q.flavor == cfg.flavors.size()) cfg.flavors.push_back({name, name});  // name = GPU model
    for (const FlavorQuota& o : g.flavors) {
      if (o.flavor == q.flavor) r.problem(where + ".name", "flavor \"" + name + "\" given twice");
    }
    const auto& res = f.at("resources");
    for (std::size_t k = 0; k < res.size(); ++k) {
      const auto& e = res[k];
      const std::string rw = where + ".resources[" + std::to_string(k) + "]";
      if (!e.is_object() || !e.contains("name") || !e.at("name").is_string() ||
          !e.contains("nominalQuota")) {
        r.problem(rw,
                  "must be {\"name\", \"nominalQuota\"[, \"borrowingLimit\", "
                  "\"lendingLimit\"]}");
        continue;
      }
      auto which = prod::parse_resource_name(e.at("name").get<std::string>());
      if (!which) {
        r.problem(rw + ".name", "must be nvidia.com/gpu, cpu or memory");
        continue;
      }
      if (!g.covers[static_cast<int>(*which)])
        r.problem(rw + ".name", "is not among the group's coveredResources");
      for (const auto& [key, value] : e.items()) {
        if (key == "name") continue;
        auto v = prod::parse_quantity(value, *which, r, rw + "." + key);
        if (!v) continue;
        if (key == "nominalQuota") {
          prod::set(q.nominal, *which, *v);
        } else if (key == "borrowingLimit") {
          prod::set(q.borrowing, *which, *v);
        } else if (key == "lendingLimit") {
          prod::set(q.lending, *which, *v);
        } else {
          r.problem(rw + "." + key, "unknown field");
        }
      }
      if (prod::get(q.lending, *which) != kNoLimit &&
          prod::get(q.lending, *which) > prod::get(q.nominal, *which))
        r.problem(rw + ".lendingLimit", "must not exceed nominalQuota");
    }
    g.flavors.push_back(q);
  }
}

KueueConfig parse_config(ParamReader& r) {
  KueueConfig cfg;
  if (const auto* fl = r.raw("resourceFlavors")) {
    if (!fl->is_array()) {
      r.problem("resourceFlavors", "must be an array of {\"name\", \"nodeLabels\"}");
    } else {
      for (std::size_t i = 0; i < fl->size(); ++i) {
        const auto& f = (*fl)[i];
        const std::string where = "resourceFlavors[" + std::to_string(i) + "]";
        if (!f.is_object() || !f.contains("name") || !f.at("name").is_string()) {
          r.problem(where, "must be an object with a \"name\"");
          continue;
        }
        FlavorSpec s{f.at("name").get<std::string>(), ""};
        for (const auto& [key, value] : f.items()) {
          if (key == "name") continue;
          if (key != "nodeLabels" || !value.is_object()) {
            r.problem(where + "." + key, "only nodeLabels (an object) is modelled");
            continue;
          }
          for (const auto& [label, lv] : value.items()) {
            if (label != "nvidia.com/gpu.product" || !lv.is_string()) {
              r.problem(where + ".nodeLabels." + label,
                        "only \"nvidia.com/gpu.product\": GPU model is modelled");
              continue;
            }
            s.gpu_product = lv.get<std::string>();
          }
        }
        for (const FlavorSpec& o : cfg.flavors) {
          if (o.name == s.name) r.problem(where + ".name", "flavor given twice");
        }
        cfg.flavors.push_back(s);
      }
    }
  }
  if (const auto* cqs = r.raw("clusterQueues")) {
    cfg.defaulted = false;
    if (!cqs->is_array() || cqs->empty()) {
      r.problem("clusterQueues", "must be a non-empty array of ClusterQueue specs");
    } else {
      for (std::size_t i = 0; i < cqs->size(); ++i) {
        const auto& c = (*cqs)[i];
        const std::string where = "clusterQueues[" + std::to_string(i) + "]";
        if (!c.is_object() || !c.contains("name") || !c.at("name").is_string()) {
          r.problem(where, "must be an object with a \"name\"");
          continue;
        }
        ClusterQueueSpec s;
        s.name = c.at("name").get<std::string>();
        for (const auto& o : cfg.cqs) {
          if (o.name == s.name) r.problem(where + ".name", "ClusterQueue given twice");
        }
        for (const auto& [key, value] : c.items()) {
          const std::string kp = where + "." + key;
          if (key == "name") continue;
          if (key == "cohort" || key == "cohortName") {
            if (!value.is_string()) {
              r.problem(kp, "must be a string");
            } else {
              s.cohort = value.get<std::string>();
            }
          } else if (key == "queueingStrategy") {
            if (auto e = enum_field<Strategy>(r, c, key, kp,
                                              {{"StrictFIFO", Strategy::kStrictFifo},
                                               {"BestEffortFIFO", Strategy::kBestEffortFifo}}))
              s.strategy = *e;
          } else if (key == "preemption") {
            if (!value.is_object()) {
              r.problem(kp, "must be an object");
              continue;
            }
            for (const auto& [pk, pv] : value.items()) {
              if (pk == "withinClusterQueue") {
                if (auto e = enum_field<Within>(
                        r, value, pk, kp + "." + pk,
                        {{"Never", Within::kNever},
                         {"LowerPriority", Within::kLowerPriority},
                         {"LowerOrNewerEqualPriority", Within::kLowerOrNewerEqualPriority}}))
                  s.within = *e;
              } else if (pk == "reclaimWithinCohort") {
                if (auto e = enum_field<Reclaim>(r, value, pk, kp + "." + pk,
                                                 {{"Never", Reclaim::kNever},
                                                  {"LowerPriority", Reclaim::kLowerPriority},
                                                  {"Any", Reclaim::kAny}}))
                  s.reclaim = *e;
              } else {
                r.problem(kp + "." + pk,
                          "only withinClusterQueue and reclaimWithinCohort are modelled");
              }
            }
          } else if (key == "resourceGroups") {
            if (!value.is_array() || value.empty()) {
              r.problem(kp, "must be a non-empty array of {\"coveredResources\", \"flavors\"}");
              continue;
            }
            for (std::size_t gi = 0; gi < value.size(); ++gi) {
              const auto& gj = value[gi];
              const std::string gw = kp + "[" + std::to_string(gi) + "]";
              if (!gj.is_object() || !gj.contains("coveredResources") ||
                  !gj.at("coveredResources").is_array() || !gj.contains("flavors")) {
                r.problem(gw, "must be {\"coveredResources\": [...], \"flavors\": [...]}");
                continue;
              }
              ResourceGroup g;
              for (const auto& cr : gj.at("coveredResources")) {
                auto which = cr.is_string() ? prod::parse_resource_name(cr.get<std::string>())
                                            : std::nullopt;
                if (!which) {
                  r.problem(gw + ".coveredResources",
                            "must list nvidia.com/gpu, cpu or memory, got " + cr.dump());
                  continue;
                }
                for (const ResourceGroup& other : s.groups) {
                  if (other.covers[static_cast<int>(*which)])
                    r.problem(gw + ".coveredResources", cr.dump() + " is in two groups");
                }
                g.covers[static_cast<int>(*which)] = true;
              }
              parse_flavor_quotas(r, gj.at("flavors"), gw + ".flavors", g, cfg);
              s.groups.push_back(g);
            }
          } else if (key == "namespaceSelector") {
            // Every namespace: the only selector modelled.
          } else {
            r.problem(kp, "unknown field (cohort, queueingStrategy, resourceGroups, preemption)");
          }
        }
        if (s.groups.empty()) r.problem(where + ".resourceGroups", "is required");
        cfg.cqs.push_back(s);
      }
    }
  }
  if (const auto* lqs = r.raw("localQueues")) {
    if (!lqs->is_array()) {
      r.problem("localQueues", "must be an array of {\"name\", \"clusterQueue\"}");
    } else {
      for (std::size_t i = 0; i < lqs->size(); ++i) {
        const auto& l = (*lqs)[i];
        const std::string where = "localQueues[" + std::to_string(i) + "]";
        if (!l.is_object() || !l.contains("name") || !l.at("name").is_string() ||
            !l.contains("clusterQueue") || !l.at("clusterQueue").is_string() || l.size() != 2) {
          r.problem(where, "must be {\"name\": trace queue, \"clusterQueue\": name}");
          continue;
        }
        const std::string target = l.at("clusterQueue").get<std::string>();
        bool known = cfg.defaulted && target == "cluster-queue";
        for (const auto& c : cfg.cqs) known = known || c.name == target;
        if (!known) r.problem(where + ".clusterQueue", "no ClusterQueue \"" + target + "\"");
        cfg.local_queues[l.at("name").get<std::string>()] = target;
      }
    }
  }
  cfg.manage_without_queue_name = r.boolean("manageJobsWithoutQueueName", false);
  return cfg;
}

}  // namespace

PolicyInfo kueue_policy() {
  return {"kueue",
          "Kueue: ClusterQueues with flavor quotas, cohorts (borrowing/lending limits), "
          "StrictFIFO/BestEffortFIFO, preemption and reclaim; workloads admitted whole",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("kueue", params);
            KueueConfig cfg = parse_config(r);
            r.finish();
            return std::make_unique<Kueue>(std::move(cfg));
          }};
}

}  // namespace orrery::policies
