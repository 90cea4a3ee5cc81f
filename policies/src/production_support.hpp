// Shared machinery of the production scheduler models (Kubernetes, Volcano, Kueue, Slurm): a
// tentative copy of the cluster's free resources with node scoring, the placements a policy gave
// (the context does not expose them), resource vectors, Kubernetes quantities and timed passes.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orrery/sim/scheduler.hpp"
#include "params.hpp"

namespace orrery::policies::prod {

// GPU milli, CPU milli, memory MiB.
struct Res {
  std::int64_t gpu = 0, cpu = 0, mem = 0;
  Res& operator+=(const Res& o) {
    gpu += o.gpu;
    cpu += o.cpu;
    mem += o.mem;
    return *this;
  }
  Res& operator-=(const Res& o) {
    gpu -= o.gpu;
    cpu -= o.cpu;
    mem -= o.mem;
    return *this;
  }
  friend Res operator+(Res a, const Res& b) { return a += b; }
  friend Res operator-(Res a, const Res& b) { return a -= b; }
  bool fits_in(const Res& cap) const { return gpu <= cap.gpu && cpu <= cap.cpu && mem <= cap.mem; }
  auto operator<=>(const Res&) const = default;
};

// A job's whole request (all tasks).
Res request_of(const sim::Demand& d);
// The cluster's total resources.
Res cluster_capacity(const sim::Cluster& c);

// The first instant of the grid {phase + k * period} at or after t (t itself when period is 0).
sim::SimTime next_tick(sim::SimTime t, sim::SimTime period, sim::SimTime phase);

// Kubernetes quantities: "nvidia.com/gpu" in GPUs, "cpu" in cores or "500m", "memory" in bytes or
// with a suffix (Ki, Mi, Gi, Ti, k, M, G, T). Returns the Res component (GPU milli, CPU milli,
// MiB) or nullopt with a problem recorded.
enum class Resource { kGpu, kCpu, kMemory };
std::optional<Resource> parse_resource_name(const std::string& name);
std::optional<std::int64_t> parse_quantity(const nlohmann::json& v, Resource r, ParamReader& reader,
                                           const std::string& path);
void set(Res& r, Resource which, std::int64_t v);
std::int64_t get(const Res& r, Resource which);

// The placements this policy gave to jobs (start or bind_tasks), valid while the job holds them.
class PlacementBook {
 public:
  void started(const sim::SchedulingContext& ctx, sim::JobIndex j, const sim::Placement& p);
  void bound(const sim::SchedulingContext& ctx, sim::JobIndex j, const sim::Placement& tasks);
  void forget(sim::JobIndex j);
  // The job's placement if it still holds it (running, or pending with tasks bound), else null.
  const sim::Placement* get(const sim::SchedulingContext& ctx, sim::JobIndex j) const;

 private:
  struct Entry {
    std::uint32_t epoch = 0;
    bool valid = false;
    sim::Placement placement;
  };
  std::vector<Entry> entries_;
};

// The cluster's free resources, per node and GPU, for tentative placement, eviction and scoring.
class FreeMap {
 public:
  explicit FreeMap(const sim::Cluster& c);
  const sim::Cluster& cluster() const { return *c_; }
  std::uint32_t nodes() const { return static_cast<std::uint32_t>(cpu_.size()); }
  bool type_ok(std::uint32_t node, const sim::Demand& d) const;
  // How many more tasks of d fit on the node now.
  std::uint32_t capacity(std::uint32_t node, const sim::Demand& d) const;
  // Takes one task of d on the node (whole GPUs: the lowest-numbered idle ones; a share: the GPU
  // with the least room that fits) and appends it to p.
  void take(std::uint32_t node, const sim::Demand& d, sim::Placement& p);
  // Gives back the tasks of a placement of d (d.tasks is ignored: every task of p).
  void give_back(const sim::Demand& d, const sim::Placement& p);
  // Takes the exact resources of a placement made elsewhere (e.g. by the scenario's placer).
  void apply(const sim::Demand& d, const sim::Placement& p);

  std::uint32_t gpu_used(std::uint32_t gpu) const { return used_[gpu]; }  // milli, global GPU id
  std::uint32_t free_cpu(std::uint32_t n) const { return cpu_[n]; }
  std::uint64_t free_mem(std::uint32_t n) const { return mem_[n]; }
  std::uint32_t idle_gpus(std::uint32_t n) const;       // GPUs with nothing on them
  std::uint32_t idle_gpu_milli(std::uint32_t n) const;  // idle capacity summed over GPUs
  std::uint32_t cpu_capacity(std::uint32_t n) const;    // milli
  std::uint64_t mem_capacity(std::uint32_t n) const;    // MiB
  std::uint32_t gpu_capacity(std::uint32_t n) const;    // GPUs
  std::uint64_t free_whole_gpus(std::uint32_t type) const;
  // Same free resources, node by node and GPU by GPU (a map kept up to date against a fresh copy).
  bool operator==(const FreeMap&) const = default;
  // How many tasks of d the idle GPUs of d's nodes could hold, node by node (each task's GPUs on
  // one node; CPU and memory not counted): an upper bound on what place_gang can place. 0 for a
  // demand without whole GPUs is not a bound: it is only meaningful when d.gpu_milli >= 1000.
  std::uint64_t whole_gpu_slots(const sim::Demand& d) const;
  // The first node at or after `from` that can hold a task of d by its idle GPUs (of d's type,
  // at least d's GPUs per task), or nodes() if none: the nodes it skips have capacity 0 for d.
  // Every node is a candidate for a demand without whole GPUs.
  std::uint32_t next_candidate(const sim::Demand& d, std::uint32_t from) const;

 private:
  void set_idle(std::uint32_t node, std::uint32_t idle);

  const sim::Cluster* c_;
  std::vector<std::uint32_t> cpu_;
  std::vector<std::uint64_t> mem_;
  std::vector<std::uint16_t> used_;  // per GPU, milli
  std::vector<std::uint32_t> idle_;  // per node, idle GPUs
  std::vector<std::uint64_t> idle_by_type_;
  // Free-GPU index: per GPU type (the last slot: pools without one), how many nodes have k idle
  // GPUs, k = 0..most GPUs on a node. Rules out whole-GPU demands without scanning the nodes.
  std::vector<std::vector<std::uint32_t>> nodes_by_idle_;
  // The same index by node: per GPU type slot and k >= 1, a bitset of the nodes with at least k
  // idle GPUs, for next_candidate; all in one array (see idle_word).
  std::vector<std::uint64_t> with_idle_;
  std::uint32_t most_gpus_ = 0;  // on a node
  std::uint64_t& idle_word(std::uint32_t slot, std::uint32_t k, std::uint32_t node) {
    return with_idle_[(std::size_t{slot} * most_gpus_ + k - 1) * words_ + node / 64];
  }
  std::uint64_t idle_word(std::uint32_t slot, std::uint32_t k, std::size_t word) const {
    return with_idle_[(std::size_t{slot} * most_gpus_ + k - 1) * words_ + word];
  }
  std::size_t words_ = 0;  // per bitset
  std::uint32_t type_slot(std::uint32_t node) const;
};

// The free resources a policy's passes read, kept from pass to pass instead of copied from the
// cluster at each (a copy costs O(nodes + GPUs): a third of kueue's run and a twelfth of slurm's
// with 1M jobs on 10,000 GPUs). Made when first needed; synced at every call of the policy (the
// run changes list only the changes since the last call), brought up to date from them (a job's
// resources given back when it stops, taken when it starts: mirroring is idempotent, so a change
// seen twice is harmless); made again when a node changed service (Cluster::service_epoch). The
// policy's own starts take their resources from the map and say so (took), its evictions give them
// back (give_back). With assertions on, the first get() after each sync compares it with a fresh
// copy of the cluster's free resources.
//
//   kept.sync(ctx);                       // at every call: each call's run changes once
//   FreeMap& m = kept.get(ctx);
//   if (auto p = place_gang(m, d, score)) { kept.took(j, *p); ctx.start(j, std::move(*p)); }
class KeptFreeMap {
 public:
  explicit KeptFreeMap(std::string_view policy) : policy_(policy) {}
  void sync(const sim::SchedulingContext& ctx);
  FreeMap& get(const sim::SchedulingContext& ctx);
  // Job j holds p, whose resources the caller took from get() (placed through it, or applied).
  void took(sim::JobIndex j, const sim::Placement& p) { in_map_.insert_or_assign(j, p); }
  // Gives back what the map counts for job j, if anything (j is evicted or stopped).
  void give_back(const sim::SchedulingContext& ctx, sim::JobIndex j);

 private:
  std::string_view policy_;
  std::optional<FreeMap> map_;
  std::uint64_t service_epoch_ = 0;
  std::unordered_map<sim::JobIndex, sim::Placement> in_map_;  // jobs whose resources map_ counts
  bool unchecked_ = false;  // synced since get() last compared it with the cluster (assertions)
};

// Node scores: higher is better; ties go to the lowest node id.
using NodeScore = std::function<double(const FreeMap&, std::uint32_t node, const sim::Demand&)>;
using NodeFilter = std::function<bool(std::uint32_t node)>;

// True when d's whole GPUs cannot fit the idle ones at all (too few of its type, or too few
// node slots for its tasks): a placement need not scan the nodes. False for shares.
bool whole_gpus_rule_out(const FreeMap& m, const sim::Demand& d);

// Places every task of d, one at a time, each on the allowed node of best score where it fits,
// taking the resources in `m` as it goes; nullopt (and `m` unchanged) when the gang does not fit.
std::optional<sim::Placement> place_gang(FreeMap& m, const sim::Demand& d, const NodeScore& score,
                                         const NodeFilter& allow = {});
// A one-task placement (for pod-by-pod binding).
std::optional<sim::Placement> place_task(FreeMap& m, const sim::Demand& d, const NodeScore& score,
                                         const NodeFilter& allow = {});

// Best fit: fewest idle GPUs, then least idle CPU (Kueue admission falls back to it where the
// scenario's placer cannot be told a GPU model).
double best_fit_score(const FreeMap& m, std::uint32_t node, const sim::Demand& d);

// Whether a pending job may take resources now (not rejected and not finished).
bool is_waiting(const sim::SchedulingContext& ctx, sim::JobIndex j);

// Reads a duration given in seconds, >= min_s.
sim::SimTime seconds_param(ParamReader& r, const std::string& key, double fallback_s, double min_s,
                           double max_s);

// Which jobs are running, kept from the engine's run changes: follow() calls
// changed(job, running) only when a job's running state differs from what it last saw (a start
// and a stop within one window cancel out). Call pass_begins() at the start of every pass: the
// engine's run changes start afresh then.
class RunningJobs {
 public:
  void pass_begins() { seen_ = 0; }
  template <typename Changed>
  void follow(const sim::SchedulingContext& ctx, Changed&& changed) {
    if (running_.size() < ctx.workload().jobs.size())
      running_.resize(ctx.workload().jobs.size(), false);
    const std::span<const sim::RunChange> changes = ctx.run_changes();
    for (; seen_ < changes.size(); ++seen_) {
      const sim::JobIndex j = changes[seen_].job;
      const bool running = ctx.runtime(j).status == sim::JobStatus::kRunning;
      if (running == running_[j]) continue;
      running_[j] = running;
      changed(j, running);
    }
  }

 private:
  std::vector<bool> running_;  // per job, as last seen
  std::size_t seen_ = 0;       // run changes seen in this pass
};

}  // namespace orrery::policies::prod
