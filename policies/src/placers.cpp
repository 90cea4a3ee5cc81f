#include "orrery/policies/placers.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace orrery::policies {

namespace {

using sim::Cluster;
using sim::Demand;
using sim::DynamicBitset;
using sim::Node;
using sim::Placement;

constexpr std::uint32_t kMany = std::numeric_limits<std::uint32_t>::max();

// How many more tasks of `d` fit on `node`, given `already` tasks of it placed there tentatively.
std::uint32_t capacity(const Cluster& c, const Demand& d, std::uint32_t node_id,
                       std::uint32_t already) {
  const Node& n = c.node(node_id);
  if (n.down || !c.pool_matches(n.pool, d)) return 0;
  std::uint64_t cap = kMany;
  if (d.gpu_milli >= 1000) {
    cap = n.free_gpus / d.gpus_per_task();
  } else if (d.gpu_milli > 0) {
    std::uint64_t slots = 0;
    for (std::uint32_t g = n.first_gpu; g < n.first_gpu + n.gpus; ++g) {
      slots += (1000U - c.gpu_used_milli(g)) / d.gpu_milli;
    }
    cap = slots;
  }
  if (d.cpu_milli > 0) cap = std::min<std::uint64_t>(cap, n.free_cpu_milli / d.cpu_milli);
  if (d.memory_mib > 0) cap = std::min<std::uint64_t>(cap, n.free_memory_mib / d.memory_mib);
  if (cap == kMany && d.gpu_milli == 0 && d.cpu_milli == 0 && d.memory_mib == 0) return kMany;
  return cap > already ? static_cast<std::uint32_t>(std::min<std::uint64_t>(cap - already, kMany))
                       : 0;
}

bool quick_reject(const Cluster& c, const Demand& d) {
  if (d.tasks == 0) return true;
  if (d.gpu_milli >= 1000) {
    return c.free_whole_gpus(d.gpu_type) < std::uint64_t{d.tasks} * d.gpus_per_task();
  }
  return false;
}

std::uint32_t max_gpus_per_node(const Cluster& c) {
  std::uint32_t m = 0;
  for (const auto& p : c.spec().pools) m = std::max(m, p.gpus_per_node);
  return m;
}

// Turns (node, task count) steps into a Placement, choosing GPUs on each node.
class Builder {
 public:
  Builder(const Cluster& c, const Demand& d, bool domain_aware)
      : c_(c), d_(d), domain_aware_(domain_aware) {
    p_.milli_per_gpu = d.milli_per_gpu();
  }

  void add(std::uint32_t node_id, std::uint32_t tasks) {
    const Node& n = c_.node(node_id);
    const std::uint32_t g = d_.gpus_per_task();
    for (std::uint32_t t = 0; t < tasks; ++t) p_.task_nodes.push_back(node_id);
    if (g == 0) return;
    if (d_.gpu_milli >= 1000) {
      const std::uint32_t want = g * tasks;
      std::uint32_t from = n.first_gpu;
      std::uint32_t to = n.first_gpu + n.gpus;
      if (domain_aware_) narrow_to_domain(n, want, from, to);
      std::uint32_t got = 0;
      for (std::uint32_t gpu = from; gpu < to && got < want; ++gpu) {
        if (c_.gpu_used_milli(gpu) == 0 && !taken(gpu)) {
          p_.gpus.push_back(gpu);
          ++got;
        }
      }
      for (std::uint32_t gpu = n.first_gpu; gpu < n.first_gpu + n.gpus && got < want; ++gpu) {
        if (c_.gpu_used_milli(gpu) == 0 && !taken(gpu)) {
          p_.gpus.push_back(gpu);
          ++got;
        }
      }
    } else {
      // Shared GPUs: best fit per task on the GPU with the least room that still fits.
      for (std::uint32_t t = 0; t < tasks; ++t) {
        std::uint32_t best = kMany;
        std::uint32_t best_room = kMany;
        for (std::uint32_t gpu = n.first_gpu; gpu < n.first_gpu + n.gpus; ++gpu) {
          const std::uint32_t room = 1000U - c_.gpu_used_milli(gpu) - extra(gpu);
          if (room >= d_.gpu_milli && room < best_room) {
            best = gpu;
            best_room = room;
          }
        }
        p_.gpus.push_back(best);
      }
    }
  }

  Placement take() { return std::move(p_); }

 private:
  bool taken(std::uint32_t gpu) const {
    return std::find(p_.gpus.begin(), p_.gpus.end(), gpu) != p_.gpus.end();
  }
  std::uint32_t extra(std::uint32_t gpu) const {
    return static_cast<std::uint32_t>(std::count(p_.gpus.begin(), p_.gpus.end(), gpu)) *
           d_.gpu_milli;
  }
  // Prefer the NVLink domain with the fewest free GPUs that still holds all `want` GPUs.
  void narrow_to_domain(const Node& n, std::uint32_t want, std::uint32_t& from,
                        std::uint32_t& to) const {
    const std::uint32_t dom = c_.spec().pools[n.pool].nvlink_domain;
    if (dom == 0 || dom >= n.gpus) return;
    std::uint32_t best_free = kMany;
    for (std::uint32_t start = n.first_gpu; start < n.first_gpu + n.gpus; start += dom) {
      std::uint32_t free = 0;
      const std::uint32_t end = std::min(start + dom, n.first_gpu + n.gpus);
      for (std::uint32_t gpu = start; gpu < end; ++gpu)
        free += c_.gpu_used_milli(gpu) == 0 && !taken(gpu);
      if (free >= want && free < best_free) {
        best_free = free;
        from = start;
        to = end;
      }
    }
  }

  const Cluster& c_;
  const Demand& d_;
  bool domain_aware_;
  Placement p_;
};

bool used_in(const std::vector<std::uint32_t>& used, std::uint32_t node) {
  return std::find(used.begin(), used.end(), node) != used.end();
}

// Calls f(node) for d's nodes with at least `need` free GPUs, fewest free GPUs first (pools in
// order, then node ids), until f returns true; returns that node, or kMany. Each node is in one
// free-GPU bucket, so it is visited once.
template <class F>
std::uint32_t walk_best_fit_whole(const Cluster& c, const Demand& d, std::uint32_t need, F f) {
  const std::uint32_t top = max_gpus_per_node(c);
  for (std::uint32_t k = need; k <= top; ++k) {
    for (std::uint32_t pool = 0; pool < c.spec().pools.size(); ++pool) {
      if (!c.pool_matches(pool, d) || c.spec().pools[pool].gpus_per_node < k) continue;
      const DynamicBitset& bucket = c.nodes_with_free(pool, k);
      const std::uint32_t base = c.pool_first_node(pool);
      for (std::uint32_t i = bucket.find_next(0); i != DynamicBitset::npos;
           i = bucket.find_next(i + 1)) {
        if (f(base + i)) return base + i;
      }
    }
  }
  return kMany;
}

// Best fit for whole-GPU tasks: the node with the fewest free GPUs that takes >= min_tasks tasks.
std::uint32_t best_fit_whole(const Cluster& c, const Demand& d, std::uint32_t min_tasks) {
  return walk_best_fit_whole(c, d, d.gpus_per_task() * min_tasks, [&](std::uint32_t node) {
    return capacity(c, d, node, 0) >= min_tasks;
  });
}

// Best fit for shared-GPU tasks: a scan, scored by the room left after placing.
std::uint32_t best_fit_scan(const Cluster& c, const Demand& d,
                            const std::vector<std::uint32_t>& exclude) {
  std::uint32_t best = kMany;
  std::uint64_t best_score = std::numeric_limits<std::uint64_t>::max();
  for (std::uint32_t node = 0; node < c.node_count(); ++node) {
    if (used_in(exclude, node) || capacity(c, d, node, 0) == 0) continue;
    const Node& n = c.node(node);
    std::uint64_t least_room = 1000;
    for (std::uint32_t g = n.first_gpu; g < n.first_gpu + n.gpus; ++g) {
      const std::uint32_t room = 1000U - c.gpu_used_milli(g);
      if (room >= d.gpu_milli) least_room = std::min<std::uint64_t>(least_room, room);
    }
    const std::uint64_t score = least_room * 1'000'000'000ULL + n.free_cpu_milli;
    if (score < best_score) {
      best_score = score;
      best = node;
    }
  }
  return best;
}

class PackPlacer final : public sim::Placer {
 public:
  std::string_view name() const override { return "pack"; }
  std::optional<Placement> place(const Cluster& c, const Demand& d) const override {
    if (quick_reject(c, d)) return std::nullopt;
    Builder b(c, d, false);
    std::uint32_t remaining = d.tasks;
    // Takes what the node holds of the tasks left; true once none is left.
    auto take = [&](std::uint32_t node) {
      const std::uint32_t k = std::min(capacity(c, d, node, 0), remaining);
      if (k == 0) return false;
      b.add(node, k);
      remaining -= k;
      return remaining == 0;
    };
    // Whole GPUs and CPU-only tasks: each next node is the best fit among the nodes not taken
    // yet, and the cluster does not change while placing, so the picks are the free-GPU buckets
    // (fewest free GPUs first) or the free-CPU index (least free CPU first) read once in order
    // (a node is in one bucket, once in the index). A search per task would cost O(tasks^2):
    // minutes for the Blue Waters cut's gangs of thousands of CPU tasks.
    if (d.gpu_milli >= 1000) {
      if (walk_best_fit_whole(c, d, d.gpus_per_task(), take) == kMany) return std::nullopt;
      return b.take();
    }
    if (d.gpu_milli == 0) {
      const auto& index = c.nodes_by_free_cpu();
      for (auto it = index.lower_bound(Cluster::free_cpu_key(d.cpu_milli, 0)); it != index.end();
           ++it) {
        if (take(Cluster::free_cpu_key_node(*it))) return b.take();
      }
      return std::nullopt;
    }
    // Shared GPUs: a scan per task, scored by the room left on the node's GPUs (such jobs have
    // few tasks).
    std::vector<std::uint32_t> used;
    while (remaining > 0) {
      const std::uint32_t node = best_fit_scan(c, d, used);
      if (node == kMany) return std::nullopt;
      used.push_back(node);
      take(node);
    }
    return b.take();
  }
};

class SpreadPlacer final : public sim::Placer {
 public:
  std::string_view name() const override { return "spread"; }
  std::optional<Placement> place(const Cluster& c, const Demand& d) const override {
    if (quick_reject(c, d)) return std::nullopt;
    Builder b(c, d, false);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> tentative;  // node, tasks
    auto already = [&](std::uint32_t node) {
      for (auto& [n, k] : tentative) {
        if (n == node) return k;
      }
      return 0U;
    };
    const std::uint32_t g = d.gpus_per_task();
    for (std::uint32_t t = 0; t < d.tasks; ++t) {
      // Score: free share of the node's GPUs after the tentative tasks (CPU share for CPU-only).
      std::uint32_t best = kMany;
      double best_share = -1;
      auto consider = [&](std::uint32_t node) {
        const std::uint32_t a = already(node);
        if (capacity(c, d, node, a) == 0) return;
        const Node& n = c.node(node);
        double share = 0;
        if (g > 0 && d.gpu_milli >= 1000) {
          share = static_cast<double>(n.free_gpus - a * g) / n.gpus;
        } else if (g > 0) {
          std::uint64_t room = 0;
          for (std::uint32_t gpu = n.first_gpu; gpu < n.first_gpu + n.gpus; ++gpu)
            room += 1000U - c.gpu_used_milli(gpu);
          share = static_cast<double>(room - std::uint64_t{a} * d.gpu_milli) / (1000.0 * n.gpus);
        } else {
          const double cpu_total = c.spec().pools[n.pool].cpu_cores * 1000.0;
          share = cpu_total > 0 ? (n.free_cpu_milli - a * d.cpu_milli) / cpu_total : 0;
        }
        if (share > best_share || (share == best_share && node < best)) {
          best_share = share;
          best = node;
        }
      };
      if (d.gpu_milli >= 1000) {
        for (auto& [node, k] : tentative) consider(node);
        for (std::uint32_t pool = 0; pool < c.spec().pools.size(); ++pool) {
          if (!c.pool_matches(pool, d)) continue;
          const std::uint32_t top = c.spec().pools[pool].gpus_per_node;
          const std::uint32_t base = c.pool_first_node(pool);
          bool found = false;
          for (std::uint32_t k = top; k >= g && k > 0 && !found; --k) {
            const DynamicBitset& bucket = c.nodes_with_free(pool, k);
            for (std::uint32_t i = bucket.find_next(0); i != DynamicBitset::npos;
                 i = bucket.find_next(i + 1)) {
              if (already(base + i) > 0) continue;
              if (capacity(c, d, base + i, 0) > 0) {
                consider(base + i);
                found = true;
                break;
              }
            }
          }
        }
      } else {
        for (std::uint32_t node = 0; node < c.node_count(); ++node) consider(node);
      }
      if (best == kMany) return std::nullopt;
      bool merged = false;
      for (auto& [n, k] : tentative) {
        if (n == best) {
          ++k;
          merged = true;
        }
      }
      if (!merged) tentative.emplace_back(best, 1);
    }
    for (auto& [node, k] : tentative) b.add(node, k);
    return b.take();  // tasks grouped by node; task order carries no meaning
  }
};

class ConsolidatePlacer final : public sim::Placer {
 public:
  std::string_view name() const override { return "consolidate"; }
  std::optional<Placement> place(const Cluster& c, const Demand& d) const override {
    if (quick_reject(c, d)) return std::nullopt;
    if (d.gpu_milli < 1000) return PackPlacer().place(c, d);
    Builder b(c, d, true);
    // 1. One node for the whole gang, best fit.
    const std::uint32_t one = best_fit_whole(c, d, d.tasks);
    if (one != kMany) {
      b.add(one, d.tasks);
      return b.take();
    }
    // 2. Fewest nodes; among those, one rack if possible.
    struct Cand {
      std::uint32_t cap, rack, node;
    };
    std::vector<Cand> cands;
    for (std::uint32_t node = 0; node < c.node_count(); ++node) {
      const std::uint32_t cap = capacity(c, d, node, 0);
      if (cap > 0) cands.push_back({std::min(cap, d.tasks), c.node(node).rack, node});
    }
    std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& x) {
      return a.cap != x.cap ? a.cap > x.cap
                            : (a.rack != x.rack ? a.rack < x.rack : a.node < x.node);
    });
    std::uint32_t n_min = 0;
    for (std::uint64_t sum = 0; n_min < cands.size() && sum < d.tasks; ++n_min)
      sum += cands[n_min].cap;
    std::uint64_t total = 0;
    for (std::uint32_t i = 0; i < n_min; ++i) total += cands[i].cap;
    if (total < d.tasks) return std::nullopt;
    std::map<std::uint32_t, std::vector<Cand>> by_rack;
    for (const Cand& x : cands) by_rack[x.rack].push_back(x);  // keeps the cap-desc order
    const std::vector<Cand>* best_rack = nullptr;
    std::uint64_t best_left = std::numeric_limits<std::uint64_t>::max();
    for (const auto& [rack, list] : by_rack) {
      std::uint64_t sum = 0;
      std::uint32_t used = 0;
      while (used < list.size() && sum < d.tasks) sum += list[used++].cap;
      if (sum >= d.tasks && used == n_min && sum - d.tasks < best_left) {
        best_left = sum - d.tasks;
        best_rack = &list;
      }
    }
    const std::vector<Cand>& chosen = best_rack ? *best_rack : cands;
    std::uint32_t remaining = d.tasks;
    for (const Cand& x : chosen) {
      if (remaining == 0) break;
      const std::uint32_t k = std::min(x.cap, remaining);
      b.add(x.node, k);
      remaining -= k;
    }
    return b.take();
  }
};

}  // namespace

std::unique_ptr<sim::Placer> make_pack_placer() {
  return std::make_unique<PackPlacer>();
}
std::unique_ptr<sim::Placer> make_spread_placer() {
  return std::make_unique<SpreadPlacer>();
}
std::unique_ptr<sim::Placer> make_consolidate_placer() {
  return std::make_unique<ConsolidatePlacer>();
}

}  // namespace orrery::policies
