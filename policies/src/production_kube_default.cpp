// kube-default: the Kubernetes default scheduler (kube-scheduler's default profile), pod by pod.
//
// Every task of a job is a pod; there are no gangs. Pods are ordered as PrioritySort does: higher
// priority first, then earlier creation; the pods of jobs created at the same instant interleave
// (pod 0 of each, then pod 1 of each, ...), as the controllers of concurrently submitted jobs
// create them, so two multi-pod jobs can each hold some pods and deadlock half-placed, as in
// real clusters. Each pod is filtered (GPU model = node affinity, CPU, memory, GPUs) over the
// nodes kube-scheduler would examine (percentageOfNodesToScore, adaptive by default, starting
// where the last search stopped) and scored by the profile's score plugins:
//   NodeResourcesFit (scoringStrategy LeastAllocated | MostAllocated | RequestedToCapacityRatio
//   with its shape, over weighted resources) and NodeResourcesBalancedAllocation,
// each 0..100, summed with the plugin weights; the best node gets the pod (bind_tasks). A pod
// that fits nowhere runs PostFilter DefaultPreemption: on each node, remove every lower-priority
// pod, keep back as many as still let the pod fit (most important first), and pick the node
// with the lowest highest victim priority, then the smallest priority sum, then the fewest
// victims, then the latest-started victim, then the lowest node id.
// Simplifications (docs/policies.md): a victim pod's whole job is evicted (its controller would
// usually fail or restart the job) and the preemptor binds at once (no graceful termination, no
// nominatedNodeName wait); ties between equal scores go to the lowest node id, not at random;
// PodDisruptionBudgets, affinities other than the GPU model, taints and topology spread are not
// modelled; the default resources of both plugins include nvidia.com/gpu (Kubernetes' default is
// cpu and memory only).
// Sources: kubernetes.io "Scheduling Framework", "Resource Bin Packing", "Pod Priority and
// Preemption", kube-scheduler config API v1 (NodeResourcesFitArgs,
// NodeResourcesBalancedAllocationArgs, percentageOfNodesToScore).
#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <span>

#include "production_parts.hpp"
#include "production_support.hpp"

namespace orrery::policies {

namespace {

using prod::FreeMap;
using prod::Resource;

struct WeightedResource {
  Resource resource;
  double weight;
};

struct ShapePoint {
  double utilization, score;
};

enum class Strategy { kLeastAllocated, kMostAllocated, kRequestedToCapacityRatio };

struct KubeConfig {
  Strategy strategy = Strategy::kLeastAllocated;
  std::vector<WeightedResource> fit_resources = {
      {Resource::kCpu, 1}, {Resource::kMemory, 1}, {Resource::kGpu, 1}};
  std::vector<ShapePoint> shape;
  std::vector<WeightedResource> balanced_resources = {
      {Resource::kCpu, 1}, {Resource::kMemory, 1}, {Resource::kGpu, 1}};
  double fit_weight = 1;
  double balanced_weight = 1;
  bool preemption = true;
  int percentage_of_nodes_to_score = 0;  // 0: adaptive
};

// A node's capacity and requested amount of one resource, with a pod added.
struct Usage {
  double capacity = 0, requested = 0;
};

Usage usage(const FreeMap& m, std::uint32_t node, const sim::Demand& d, Resource r) {
  Usage u;
  switch (r) {
    case Resource::kCpu:
      u.capacity = m.cpu_capacity(node);
      u.requested = u.capacity - m.free_cpu(node) + d.cpu_milli;
      break;
    case Resource::kMemory:
      u.capacity = static_cast<double>(m.mem_capacity(node));
      u.requested =
          u.capacity - static_cast<double>(m.free_mem(node)) + static_cast<double>(d.memory_mib);
      break;
    case Resource::kGpu:
      u.capacity = 1000.0 * m.gpu_capacity(node);
      u.requested = u.capacity - m.idle_gpu_milli(node) +
                    (d.gpu_milli >= 1000 ? 1000.0 * d.gpus_per_task() : d.gpu_milli);
      break;
  }
  return u;
}

double shape_score(const std::vector<ShapePoint>& shape, double utilization) {
  // Piecewise linear through the points; flat outside them. Shape scores are 0..10, scaled to
  // 0..100 as kube-scheduler does.
  if (utilization <= shape.front().utilization) return shape.front().score * 10;
  for (std::size_t i = 1; i < shape.size(); ++i) {
    if (utilization <= shape[i].utilization) {
      const ShapePoint& a = shape[i - 1];
      const ShapePoint& b = shape[i];
      const double t = (utilization - a.utilization) / (b.utilization - a.utilization);
      return (a.score + t * (b.score - a.score)) * 10;
    }
  }
  return shape.back().score * 10;
}

class KubeDefault final : public sim::Policy {
 public:
  explicit KubeDefault(KubeConfig cfg) : cfg_(std::move(cfg)) {}
  std::string_view name() const override { return "kube-default"; }

  sim::QueueKey queue_key(const sim::SchedulingContext& ctx, sim::JobIndex j) const override {
    // A preempted job's pods are recreated by its controller: they are created now.
    const sim::SimTime created = ctx.runtime(j).preemptions > 0 ? ctx.now() : ctx.job(j).submit;
    return {-static_cast<std::int64_t>(ctx.job(j).priority), created.ms()};
  }

  void schedule(sim::SchedulingContext& ctx) override {
    running_.pass_begins();
    follow_running(ctx);
    FreeMap m(ctx.cluster());
    failed_.clear();
    std::vector<sim::JobIndex> group;
    sim::QueueKey group_key{};
    auto flush = [&]() {
      if (!group.empty()) schedule_group(ctx, m, group);
      group.clear();
    };
    // The jobs pending when the pass begins, in order. Jobs evicted by this pass's preemptions
    // join the queue (created now) but wait for the next pass. A job whose pod shape already found
    // no node in this pass is blocked, and so is every later job of its shape: the queue skips
    // them in one step.
    const std::size_t arrived_before = ctx.arrivals().size();
    auto arrived_in_pass = [&](sim::JobIndex j) {
      const std::span<const sim::JobIndex> arrivals = ctx.arrivals();
      return std::find(arrivals.begin() + static_cast<std::ptrdiff_t>(arrived_before),
                       arrivals.end(), j) != arrivals.end();
    };
    ctx.pending().visit([&](sim::JobIndex j) {
      if (!ctx.pending().contains(j) || arrived_in_pass(j)) return sim::Visit::kNext;
      const sim::QueueKey k = ctx.pending().key_of(j);
      if (!group.empty() && !(k == group_key)) flush();
      if (failed_.count(pod_shape(ctx.demand(j)))) return sim::Visit::kSkipShape;
      group_key = k;
      group.push_back(j);
      return sim::Visit::kNext;
    });
    flush();
    follow_running(ctx);  // this pass's own starts and evictions: the engine forgets them now
  }

 private:
  using PodShape = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t>;
  static PodShape pod_shape(const sim::Demand& d) {
    return {d.gpu_milli, d.gpu_type, d.cpu_milli, d.memory_mib};
  }

  // Pods of jobs created at the same instant, interleaved: pod k of each job, then pod k+1.
  void schedule_group(sim::SchedulingContext& ctx, FreeMap& m, std::vector<sim::JobIndex>& jobs) {
    std::vector<bool> blocked(jobs.size(), false);
    bool progress = true;
    while (progress) {
      progress = false;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const sim::JobIndex j = jobs[i];
        if (blocked[i] || !ctx.pending().contains(j) || !prod::is_waiting(ctx, j)) continue;
        const sim::Demand& d = ctx.demand(j);
        if (ctx.runtime(j).bound_tasks >= d.tasks) continue;
        if (failed_.count(pod_shape(d))) {
          blocked[i] = true;
          continue;
        }
        if (schedule_pod(ctx, m, j)) {
          progress = true;
        } else {
          failed_.insert(pod_shape(d));
          blocked[i] = true;
        }
      }
    }
  }

  // Keeps the number of running jobs at each priority from the engine's run changes.
  void follow_running(const sim::SchedulingContext& ctx) {
    running_.follow(ctx, [&](sim::JobIndex j, bool running) {
      const std::int32_t prio = ctx.job(j).priority;
      if (running) {
        ++running_priorities_[prio];
      } else if (--running_priorities_[prio] == 0) {
        running_priorities_.erase(prio);
      }
    });
  }

  // Whether any pod holding resources (of a running or partly bound job) has a priority below.
  bool lower_priority_holder(const sim::SchedulingContext& ctx, std::int32_t prio) {
    follow_running(ctx);
    if (!running_priorities_.empty() && running_priorities_.begin()->first < prio) return true;
    for (sim::JobIndex v : partial_) {
      if (ctx.job(v).priority < prio) return true;
    }
    return false;
  }

  std::uint32_t feasible_to_find(std::uint32_t n) const {
    if (n < 100 || cfg_.percentage_of_nodes_to_score >= 100) return n;
    int pct = cfg_.percentage_of_nodes_to_score;
    if (pct == 0) {
      pct = 50 - static_cast<int>(n / 125);
      if (pct < 5) pct = 5;
    }
    std::uint32_t num =
        static_cast<std::uint32_t>(std::uint64_t{n} * static_cast<unsigned>(pct) / 100);
    return std::min(n, std::max(num, 100U));
  }

  double score(const FreeMap& m, std::uint32_t node, const sim::Demand& d) const {
    double total = 0;
    if (cfg_.fit_weight > 0) {
      double sum = 0, weights = 0;
      for (const WeightedResource& wr : cfg_.fit_resources) {
        const Usage u = usage(m, node, d, wr.resource);
        weights += wr.weight;
        if (u.capacity <= 0 || u.requested > u.capacity) continue;
        double s = 0;
        switch (cfg_.strategy) {
          case Strategy::kLeastAllocated:
            s = (u.capacity - u.requested) * 100.0 / u.capacity;
            break;
          case Strategy::kMostAllocated:
            s = u.requested * 100.0 / u.capacity;
            break;
          case Strategy::kRequestedToCapacityRatio:
            s = shape_score(cfg_.shape, u.requested * 100.0 / u.capacity);
            break;
        }
        sum += wr.weight * s;
      }
      if (weights > 0) total += cfg_.fit_weight * sum / weights;
    }
    if (cfg_.balanced_weight > 0) {
      // The standard deviation of the requested fractions, in two passes (no list per node).
      auto each_fraction = [&](auto&& f) {
        for (const WeightedResource& wr : cfg_.balanced_resources) {
          const Usage u = usage(m, node, d, wr.resource);
          if (u.capacity > 0) f(std::min(1.0, u.requested / u.capacity));
        }
      };
      double mean = 0, sd = 0;
      std::size_t count = 0;
      each_fraction([&](double f) {
        mean += f;
        ++count;
      });
      if (count > 0) {
        mean /= static_cast<double>(count);
        each_fraction([&](double f) { sd += (f - mean) * (f - mean); });
        sd = std::sqrt(sd / static_cast<double>(count));
      }
      total += cfg_.balanced_weight * (1.0 - sd) * 100.0;
    }
    return total;
  }

  // Filter and score over the nodes kube-scheduler would examine; the best node, or none.
  std::optional<std::uint32_t> select_node(const FreeMap& m, const sim::Demand& d) {
    const std::uint32_t n = m.nodes();
    if (n == 0) return std::nullopt;
    // No node has the idle GPUs: none passes the filter (and the search start stays).
    if (d.gpu_milli >= 1000 && m.whole_gpu_slots(d) == 0) return std::nullopt;
    const std::uint32_t want = feasible_to_find(n);
    std::uint32_t found = 0, examined = n;
    std::optional<std::uint32_t> best;
    double best_score = 0;
    // Filters one node; false once `want` nodes passed (the search stops after this one).
    auto filter = [&](std::uint32_t node) {
      if (m.capacity(node, d) == 0) return true;
      ++found;
      const double s = score(m, node, d);
      if (!best || s > best_score || (s == best_score && node < *best)) {
        best = node;
        best_score = s;
      }
      if (found < want) return true;
      examined = (node + n - next_start_) % n + 1;
      return false;
    };
    // The nodes from next_start_ on, wrapping around; those the free-GPU index rules out would
    // fail the filter and are not visited.
    bool more = true;
    for (std::uint32_t node = m.next_candidate(d, next_start_); more && node < n;
         node = m.next_candidate(d, node + 1)) {
      more = filter(node);
    }
    for (std::uint32_t node = m.next_candidate(d, 0); more && node < next_start_;
         node = m.next_candidate(d, node + 1)) {
      more = filter(node);
    }
    next_start_ = (next_start_ + examined) % n;
    return best;
  }

  bool schedule_pod(sim::SchedulingContext& ctx, FreeMap& m, sim::JobIndex j) {
    sim::Demand pod = ctx.demand(j);
    pod.tasks = 1;
    std::optional<std::uint32_t> node = select_node(m, pod);
    if (!node && cfg_.preemption) node = preempt_for(ctx, m, j, pod);
    if (!node) return false;
    sim::Placement p;
    m.take(*node, pod, p);
    book_.bound(ctx, j, p);
    if (ctx.demand(j).tasks > 1) partial_.insert(j);
    ctx.bind_tasks(j, std::move(p));
    if (ctx.runtime(j).status == sim::JobStatus::kRunning) partial_.erase(j);
    return true;
  }

  struct Victim {
    sim::JobIndex job;
    std::int32_t priority;
    sim::SimTime start;
    std::vector<std::size_t> tasks;  // indices into its placement on this node
  };

  // One node's free resources, for trying evictions there.
  struct NodeSlot {
    NodeSlot(const FreeMap& m, std::uint32_t node)
        : first_gpu(m.cluster().node(node).first_gpu),
          cpu(m.free_cpu(node)),
          mem(m.free_mem(node)) {
      const std::uint32_t gpus = m.cluster().node(node).gpus;
      for (std::uint32_t g = 0; g < gpus; ++g) used.push_back(m.gpu_used(first_gpu + g));
    }
    // Adds (sign +1) or removes (-1) the victim's tasks on this node.
    void change(const sim::SchedulingContext& ctx, const sim::Placement& p, const Victim& v,
                int sign) {
      const sim::Demand& d = ctx.demand(v.job);
      const std::uint32_t g = d.gpus_per_task();
      for (std::size_t t : v.tasks) {
        cpu = sign > 0 ? cpu - d.cpu_milli : cpu + d.cpu_milli;
        mem = sign > 0 ? mem - d.memory_mib : mem + d.memory_mib;
        for (std::uint32_t k = 0; k < g; ++k) {
          std::uint32_t& u = used[p.gpus[t * g + k] - first_gpu];
          u = sign > 0 ? u + p.milli_per_gpu : u - p.milli_per_gpu;
        }
      }
    }
    bool fits(const sim::Demand& pod) const {
      if (cpu < pod.cpu_milli || mem < pod.memory_mib) return false;
      if (pod.gpu_milli == 0) return true;
      std::uint32_t room = 0;
      for (std::uint32_t u : used) {
        if (pod.gpu_milli >= 1000) {
          room += u == 0;
        } else if (1000 - u >= pod.gpu_milli) {
          return true;
        }
      }
      return pod.gpu_milli >= 1000 && room >= pod.gpus_per_task();
    }
    std::uint32_t first_gpu;
    std::uint32_t cpu;
    std::uint64_t mem;
    std::vector<std::uint32_t> used;
  };

  // DefaultPreemption, simplified: evicts victims and returns the node the pod now fits on.
  std::optional<std::uint32_t> preempt_for(sim::SchedulingContext& ctx, FreeMap& m, sim::JobIndex j,
                                           const sim::Demand& pod) {
    const std::int32_t prio = ctx.job(j).priority;
    if (!lower_priority_holder(ctx, prio)) return std::nullopt;  // no victims
    // Pods (tasks) of lower priority, by node.
    std::map<std::uint32_t, std::vector<Victim>> by_node;
    auto consider = [&](sim::JobIndex v) {
      if (v == j || ctx.job(v).priority >= prio) return;
      const sim::Placement* p = book_.get(ctx, v);
      if (!p) return;
      for (std::size_t t = 0; t < p->task_nodes.size(); ++t) {
        auto& list = by_node[p->task_nodes[t]];
        if (list.empty() || list.back().job != v) {
          list.push_back({v, ctx.job(v).priority, ctx.runtime(v).last_start, {}});
        }
        list.back().tasks.push_back(t);
      }
    };
    // (The candidates and victims are ordered below: the order they are gathered in is free.)
    for (sim::JobIndex v : ctx.running()) consider(v);
    for (sim::JobIndex v : partial_) consider(v);

    struct Candidate {
      std::uint32_t node;
      std::vector<Victim> victims;
      std::int32_t highest;
      std::int64_t sum;
      sim::SimTime latest_start;
    };
    std::optional<Candidate> best;
    for (auto& [node, victims] : by_node) {
      if (!m.type_ok(node, pod)) continue;
      // Most important first: higher priority, then earlier start.
      std::sort(victims.begin(), victims.end(), [](const Victim& a, const Victim& b) {
        return a.priority != b.priority ? a.priority > b.priority
                                        : (a.start != b.start ? a.start < b.start : a.job < b.job);
      });
      NodeSlot trial(m, node);
      for (const Victim& v : victims) trial.change(ctx, *book_.get(ctx, v.job), v, -1);
      if (!trial.fits(pod)) continue;
      // Reprieve as many as possible, most important first.
      std::vector<Victim> chosen;
      for (const Victim& v : victims) {
        trial.change(ctx, *book_.get(ctx, v.job), v, +1);
        if (!trial.fits(pod)) {
          trial.change(ctx, *book_.get(ctx, v.job), v, -1);
          chosen.push_back(v);
        }
      }
      Candidate c{node, chosen, std::numeric_limits<std::int32_t>::min(), 0, sim::SimTime::zero()};
      for (const Victim& v : chosen) {
        c.highest = std::max(c.highest, v.priority);
        c.sum += static_cast<std::int64_t>(v.priority) - INT32_MIN;
      }
      for (const Victim& v : chosen) {
        if (v.priority == c.highest) c.latest_start = std::max(c.latest_start, v.start);
      }
      auto better = [](const Candidate& a, const Candidate& b) {
        if (a.highest != b.highest) return a.highest < b.highest;
        if (a.sum != b.sum) return a.sum < b.sum;
        if (a.victims.size() != b.victims.size()) return a.victims.size() < b.victims.size();
        if (a.latest_start != b.latest_start) return a.latest_start > b.latest_start;
        return a.node < b.node;
      };
      if (!best || better(c, *best)) best = std::move(c);
    }
    if (!best) return std::nullopt;
    for (const Victim& v : best->victims) evict(ctx, m, v.job);
    if (m.capacity(best->node, pod) == 0) return std::nullopt;
    return best->node;
  }

  void evict(sim::SchedulingContext& ctx, FreeMap& m, sim::JobIndex v) {
    const sim::Placement* p = book_.get(ctx, v);
    if (!p) return;
    sim::Demand d = ctx.demand(v);
    d.tasks = static_cast<std::uint32_t>(p->task_nodes.size());
    m.give_back(d, *p);
    if (ctx.runtime(v).status == sim::JobStatus::kRunning) {
      ctx.preempt(v);
    } else {
      ctx.unbind_tasks(v);
    }
    book_.forget(v);
    partial_.erase(v);
  }

  KubeConfig cfg_;
  prod::PlacementBook book_;
  std::set<sim::JobIndex> partial_;  // pending jobs with some pods bound
  std::set<PodShape> failed_;        // pod shapes that found no node in this pass
  std::uint32_t next_start_ = 0;     // where the next node search starts
  std::map<std::int32_t, std::uint32_t> running_priorities_;  // running jobs per priority
  prod::RunningJobs running_;  // per job: counted in running_priorities_
};

bool parse_resources(ParamReader& r, const nlohmann::json& list, const std::string& path,
                     std::vector<WeightedResource>& out) {
  if (!list.is_array() || list.empty()) {
    r.problem(path, "must be a non-empty array of {\"name\", \"weight\"}");
    return false;
  }
  out.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& e = list[i];
    const std::string where = path + "[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("name") || !e.at("name").is_string()) {
      r.problem(where, "must be an object with a \"name\" (cpu, memory, nvidia.com/gpu)");
      return false;
    }
    auto res = prod::parse_resource_name(e.at("name").get<std::string>());
    if (!res) {
      r.problem(where + ".name",
                "must be cpu, memory or nvidia.com/gpu, got " + e.at("name").dump());
      return false;
    }
    double w = 1;
    if (e.contains("weight")) {
      if (!e.at("weight").is_number() || e.at("weight").get<double>() < 1 ||
          e.at("weight").get<double>() > 100) {
        r.problem(where + ".weight", "must be a number in [1, 100], got " + e.at("weight").dump());
        return false;
      }
      w = e.at("weight").get<double>();
    }
    for (const auto& [key, value] : e.items()) {
      if (key != "name" && key != "weight") r.problem(where + "." + key, "unknown field");
    }
    out.push_back({*res, w});
  }
  return true;
}

void parse_plugins(ParamReader& r, const nlohmann::json& plugins, KubeConfig& cfg) {
  if (!plugins.is_object()) {
    r.problem("plugins", "must be an object like {\"score\": {\"enabled\": [...]}}");
    return;
  }
  auto names = [&](const nlohmann::json& set, const std::string& path, bool weights, auto&& each) {
    if (!set.is_array()) {
      r.problem(path,
                "must be an array of {\"name\"" + std::string(weights ? ", \"weight\"" : "") + "}");
      return;
    }
    for (std::size_t i = 0; i < set.size(); ++i) {
      const auto& e = set[i];
      const std::string where = path + "[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("name") || !e.at("name").is_string()) {
        r.problem(where, "must be an object with a \"name\"");
        continue;
      }
      double w = 1;
      if (e.contains("weight")) {
        if (!weights || !e.at("weight").is_number() || e.at("weight").get<double>() < 0 ||
            e.at("weight").get<double>() > 100) {
          r.problem(where + ".weight", "must be a number in [0, 100]");
          continue;
        }
        w = e.at("weight").get<double>();
      }
      each(e.at("name").get<std::string>(), w, where);
    }
  };
  for (const auto& [point, value] : plugins.items()) {
    if (point != "score" && point != "postFilter") {
      r.problem("plugins." + point, "only the score and postFilter extension points are modelled");
      continue;
    }
    if (!value.is_object()) {
      r.problem("plugins." + point, "must be an object with \"enabled\" and/or \"disabled\"");
      continue;
    }
    for (const auto& [kind, set] : value.items()) {
      const std::string path = "plugins." + point + "." + kind;
      if (kind != "enabled" && kind != "disabled") {
        r.problem(path, "must be enabled or disabled");
        continue;
      }
      const bool enable = kind == "enabled";
      // A plain bool, not the structured binding `point`: clang before 16 cannot capture
      // structured bindings in a lambda (the fuzzing build uses Debian 12's clang 14).
      const bool post_filter = point == "postFilter";
      names(set, path, point == "score" && enable,
            [&](const std::string& name, double w, const std::string& where) {
              if (post_filter) {
                if (name == "DefaultPreemption" || name == "*") {
                  cfg.preemption = enable;
                } else {
                  r.problem(where + ".name",
                            "only DefaultPreemption is modelled, got \"" + name + "\"");
                }
                return;
              }
              if (name == "*" && !enable) {
                cfg.fit_weight = 0;
                cfg.balanced_weight = 0;
              } else if (name == "NodeResourcesFit") {
                cfg.fit_weight = enable ? w : 0;
              } else if (name == "NodeResourcesBalancedAllocation") {
                cfg.balanced_weight = enable ? w : 0;
              } else {
                r.problem(where + ".name",
                          "only NodeResourcesFit and NodeResourcesBalancedAllocation are "
                          "modelled, got \"" +
                              name + "\"");
              }
            });
    }
  }
}

KubeConfig parse_config(ParamReader& r) {
  KubeConfig cfg;
  if (const auto* s = r.raw("scoringStrategy")) {
    if (!s->is_object()) {
      r.problem("scoringStrategy",
                "must be an object with type, resources, "
                "requestedToCapacityRatio");
    } else {
      for (const auto& [key, value] : s->items()) {
        if (key == "type") {
          const std::string t = value.is_string() ? value.get<std::string>() : "";
          if (t == "LeastAllocated") {
            cfg.strategy = Strategy::kLeastAllocated;
          } else if (t == "MostAllocated") {
            cfg.strategy = Strategy::kMostAllocated;
          } else if (t == "RequestedToCapacityRatio") {
            cfg.strategy = Strategy::kRequestedToCapacityRatio;
          } else {
            r.problem("scoringStrategy.type",
                      "must be LeastAllocated, MostAllocated or RequestedToCapacityRatio, got " +
                          value.dump());
          }
        } else if (key == "resources") {
          parse_resources(r, value, "scoringStrategy.resources", cfg.fit_resources);
        } else if (key == "requestedToCapacityRatio") {
          const nlohmann::json* shape =
              value.is_object() && value.contains("shape") ? &value.at("shape") : nullptr;
          if (!shape || !shape->is_array() || shape->empty()) {
            r.problem("scoringStrategy.requestedToCapacityRatio",
                      "must be {\"shape\": [{\"utilization\": 0..100, \"score\": 0..10}, ...]}");
            continue;
          }
          cfg.shape.clear();
          for (std::size_t i = 0; i < shape->size(); ++i) {
            const auto& pt = (*shape)[i];
            const std::string where =
                "scoringStrategy.requestedToCapacityRatio.shape[" + std::to_string(i) + "]";
            if (!pt.is_object() || !pt.contains("utilization") || !pt.contains("score") ||
                !pt.at("utilization").is_number() || !pt.at("score").is_number()) {
              r.problem(where, "must be {\"utilization\": number, \"score\": number}");
              continue;
            }
            const double u = pt.at("utilization").get<double>();
            const double sc = pt.at("score").get<double>();
            if (u < 0 || u > 100) r.problem(where + ".utilization", "must be in [0, 100]");
            if (sc < 0 || sc > 10) r.problem(where + ".score", "must be in [0, 10]");
            if (!cfg.shape.empty() && u <= cfg.shape.back().utilization)
              r.problem(where + ".utilization", "must increase along the shape");
            cfg.shape.push_back({u, sc});
          }
        } else {
          r.problem("scoringStrategy." + key, "unknown field");
        }
      }
    }
  }
  if (cfg.strategy == Strategy::kRequestedToCapacityRatio && cfg.shape.empty()) {
    r.problem("scoringStrategy.requestedToCapacityRatio",
              "is required with type RequestedToCapacityRatio");
  }
  if (const auto* b = r.raw("balancedAllocation")) {
    if (!b->is_object() || !b->contains("resources") || b->size() != 1) {
      r.problem("balancedAllocation", "must be {\"resources\": [{\"name\", \"weight\"}, ...]}");
    } else {
      parse_resources(r, b->at("resources"), "balancedAllocation.resources",
                      cfg.balanced_resources);
    }
  }
  if (const auto* p = r.raw("plugins")) parse_plugins(r, *p, cfg);
  cfg.percentage_of_nodes_to_score =
      static_cast<int>(r.integer("percentageOfNodesToScore", 0, 0, 100));
  return cfg;
}

}  // namespace

PolicyInfo kube_default_policy() {
  return {"kube-default",
          "Kubernetes default scheduler: pod by pod (no gangs), priority order, "
          "NodeResourcesFit/BalancedAllocation scores, priority preemption",
          [](const nlohmann::json& params) -> std::unique_ptr<sim::Policy> {
            ParamReader r("kube-default", params);
            KubeConfig cfg = parse_config(r);
            r.finish();
            return std::make_unique<KubeDefault>(std::move(cfg));
          },
          /*gang=*/false};
}

}  // namespace orrery::policies
