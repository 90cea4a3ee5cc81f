// Shared machinery of the production scheduler models (see production_support.hpp).
#include "production_support.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace orrery::policies::prod {

namespace {
constexpr std::uint32_t kMany = std::numeric_limits<std::uint32_t>::max();
}

Res request_of(const sim::Demand& d) {
  Res r;
  r.gpu = static_cast<std::int64_t>(d.total_gpu_milli());
  r.cpu = static_cast<std::int64_t>(std::uint64_t{d.tasks} * d.cpu_milli);
  r.mem = static_cast<std::int64_t>(std::uint64_t{d.tasks} * d.memory_mib);
  return r;
}

Res cluster_capacity(const sim::Cluster& c) {
  Res r;
  for (const auto& p : c.spec().pools) {
    r.gpu += std::int64_t{p.gpus_per_node} * p.nodes * 1000;
    r.cpu += std::int64_t{p.cpu_cores} * p.nodes * 1000;
    r.mem += static_cast<std::int64_t>(p.memory_mib * p.nodes);
  }
  return r;
}

sim::SimTime next_tick(sim::SimTime t, sim::SimTime period, sim::SimTime phase) {
  const std::int64_t p = period.ms();
  if (p <= 0) return t;
  const std::int64_t rel = t.ms() - phase.ms();
  std::int64_t k = rel >= 0 ? (rel + p - 1) / p : -((-rel) / p);
  return sim::SimTime::from_ms(phase.ms() + k * p);
}

std::optional<Resource> parse_resource_name(const std::string& name) {
  if (name == "nvidia.com/gpu") return Resource::kGpu;
  if (name == "cpu") return Resource::kCpu;
  if (name == "memory") return Resource::kMemory;
  return std::nullopt;
}

void set(Res& r, Resource which, std::int64_t v) {
  switch (which) {
    case Resource::kGpu:
      r.gpu = v;
      break;
    case Resource::kCpu:
      r.cpu = v;
      break;
    case Resource::kMemory:
      r.mem = v;
      break;
  }
}

std::int64_t get(const Res& r, Resource which) {
  switch (which) {
    case Resource::kGpu:
      return r.gpu;
    case Resource::kCpu:
      return r.cpu;
    case Resource::kMemory:
      return r.mem;
  }
  return 0;
}

std::optional<std::int64_t> parse_quantity(const nlohmann::json& v, Resource r, ParamReader& reader,
                                           const std::string& path) {
  double x = 0;
  std::string suffix;
  if (v.is_number()) {
    x = v.get<double>();
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    std::size_t used = 0;
    try {
      x = std::stod(s, &used);
    } catch (const std::exception&) {
      reader.problem(path, "must be a quantity such as 8, \"500m\" or \"64Gi\", got \"" + s + "\"");
      return std::nullopt;
    }
    suffix = s.substr(used);
  } else {
    reader.problem(path, "must be a number or a quantity string, got " + v.dump());
    return std::nullopt;
  }
  if (!(x >= 0) || !std::isfinite(x)) {
    reader.problem(path, "must be >= 0, got " + v.dump());
    return std::nullopt;
  }
  double scale = 1;
  if (suffix == "m") {
    scale = 0.001;
  } else if (suffix == "k") {
    scale = 1e3;
  } else if (suffix == "M") {
    scale = 1e6;
  } else if (suffix == "G") {
    scale = 1e9;
  } else if (suffix == "T") {
    scale = 1e12;
  } else if (suffix == "Ki") {
    scale = 1024.0;
  } else if (suffix == "Mi") {
    scale = 1024.0 * 1024;
  } else if (suffix == "Gi") {
    scale = 1024.0 * 1024 * 1024;
  } else if (suffix == "Ti") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else if (!suffix.empty()) {
    reader.problem(path, "unknown quantity suffix \"" + suffix + "\" in " + v.dump());
    return std::nullopt;
  }
  x *= scale;
  double out = 0;
  switch (r) {
    case Resource::kGpu:
      out = std::round(x * 1000.0);
      break;
    case Resource::kCpu:
      out = std::round(x * 1000.0);
      break;
    case Resource::kMemory:
      out = std::floor(x / (1024.0 * 1024.0));  // bytes to MiB
      break;
  }
  if (out > 9e15) {
    reader.problem(path, "is too large: " + v.dump());
    return std::nullopt;
  }
  return static_cast<std::int64_t>(out);
}

// --- PlacementBook ---

void PlacementBook::started(const sim::SchedulingContext& ctx, sim::JobIndex j,
                            const sim::Placement& p) {
  if (entries_.size() <= j) entries_.resize(ctx.workload().jobs.size());
  Entry& e = entries_[j];
  e.epoch = ctx.runtime(j).epoch;
  e.valid = true;
  e.placement = p;
}

void PlacementBook::bound(const sim::SchedulingContext& ctx, sim::JobIndex j,
                          const sim::Placement& tasks) {
  if (entries_.size() <= j) entries_.resize(ctx.workload().jobs.size());
  Entry& e = entries_[j];
  if (!e.valid || e.epoch != ctx.runtime(j).epoch) {
    e.placement = sim::Placement{};
    e.epoch = ctx.runtime(j).epoch;
    e.valid = true;
  }
  e.placement.milli_per_gpu = tasks.milli_per_gpu;
  e.placement.task_nodes.insert(e.placement.task_nodes.end(), tasks.task_nodes.begin(),
                                tasks.task_nodes.end());
  e.placement.gpus.insert(e.placement.gpus.end(), tasks.gpus.begin(), tasks.gpus.end());
}

void PlacementBook::forget(sim::JobIndex j) {
  if (j < entries_.size()) {
    entries_[j].valid = false;
    entries_[j].placement = sim::Placement{};
  }
}

const sim::Placement* PlacementBook::get(const sim::SchedulingContext& ctx, sim::JobIndex j) const {
  if (j >= entries_.size() || !entries_[j].valid) return nullptr;
  const Entry& e = entries_[j];
  const sim::JobRuntime& rt = ctx.runtime(j);
  if (rt.epoch != e.epoch) return nullptr;
  if (rt.status == sim::JobStatus::kRunning) return &e.placement;
  if ((rt.status == sim::JobStatus::kPending || rt.status == sim::JobStatus::kPreempted) &&
      rt.bound_tasks > 0 && rt.bound_tasks == e.placement.task_nodes.size()) {
    return &e.placement;
  }
  return nullptr;
}

// --- FreeMap ---

FreeMap::FreeMap(const sim::Cluster& c) : c_(&c) {
  const std::uint32_t n = c.node_count();
  cpu_.resize(n);
  mem_.resize(n);
  idle_.resize(n);
  used_.resize(c.total_gpus());
  for (std::uint32_t g = 0; g < c.total_gpus(); ++g)
    used_[g] = static_cast<std::uint16_t>(c.gpu_used_milli(g));
  for (std::uint32_t i = 0; i < n; ++i) {
    const sim::Node& node = c.node(i);
    cpu_[i] = node.free_cpu_milli;
    mem_[i] = node.free_memory_mib;
    idle_[i] = node.free_gpus;
    if (node.down) {  // out of service: nothing fits there
      cpu_[i] = 0;
      mem_[i] = 0;
      idle_[i] = 0;
      for (std::uint32_t g = node.first_gpu; g < node.first_gpu + node.gpus; ++g) used_[g] = 1000;
    }
  }
  idle_by_type_.assign(c.gpu_types().size(), 0);
  for (std::uint32_t t = 0; t < c.gpu_types().size(); ++t) idle_by_type_[t] = c.free_whole_gpus(t);
  std::uint32_t most = 0;
  for (std::uint32_t i = 0; i < n; ++i) most = std::max(most, c.node(i).gpus);
  nodes_by_idle_.assign(c.gpu_types().size() + 1, std::vector<std::uint32_t>(most + 1, 0));
  most_gpus_ = most;
  words_ = (n + 63) / 64;
  with_idle_.assign(nodes_by_idle_.size() * most * words_, 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    ++nodes_by_idle_[type_slot(i)][idle_[i]];
    for (std::uint32_t k = 1; k <= idle_[i]; ++k)
      idle_word(type_slot(i), k, i) |= std::uint64_t{1} << (i % 64);
  }
}

std::uint32_t FreeMap::type_slot(std::uint32_t node) const {
  const std::uint32_t type = c_->pool_type(c_->node(node).pool);
  return type == sim::Demand::kAnyType ? static_cast<std::uint32_t>(idle_by_type_.size()) : type;
}

void FreeMap::set_idle(std::uint32_t node, std::uint32_t idle) {
  const std::uint32_t slot = type_slot(node);
  --nodes_by_idle_[slot][idle_[node]];
  ++nodes_by_idle_[slot][idle];
  const std::uint64_t bit = std::uint64_t{1} << (node % 64);
  for (std::uint32_t k = std::min(idle, idle_[node]) + 1; k <= std::max(idle, idle_[node]); ++k) {
    std::uint64_t& word = idle_word(slot, k, node);
    word = idle >= k ? word | bit : word & ~bit;
  }
  idle_[node] = idle;
}

std::uint32_t FreeMap::next_candidate(const sim::Demand& d, std::uint32_t from) const {
  const std::uint32_t n = nodes();
  if (from >= n) return n;
  if (d.gpu_milli < 1000) return from;
  const std::uint32_t g = d.gpus_per_task();
  if (g > most_gpus_) return n;
  for (std::size_t w = from / 64; w < words_; ++w) {
    std::uint64_t bits = 0;
    for (std::uint32_t t = 0; t < nodes_by_idle_.size(); ++t) {
      if (d.gpu_type == sim::Demand::kAnyType || t == d.gpu_type) bits |= idle_word(t, g, w);
    }
    if (w == from / 64) bits &= ~std::uint64_t{0} << (from % 64);
    if (bits != 0)
      return static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
  }
  return n;
}

std::uint64_t FreeMap::whole_gpu_slots(const sim::Demand& d) const {
  const std::uint32_t g = d.gpus_per_task();
  if (d.gpu_milli < 1000 || g == 0) return 0;
  std::uint64_t slots = 0;
  for (std::uint32_t t = 0; t < nodes_by_idle_.size(); ++t) {
    const bool matches = d.gpu_type == sim::Demand::kAnyType || t == d.gpu_type;
    if (!matches) continue;
    const std::vector<std::uint32_t>& counts = nodes_by_idle_[t];
    for (std::uint32_t k = g; k < counts.size(); ++k) slots += std::uint64_t{counts[k]} * (k / g);
  }
  return slots;
}

bool FreeMap::type_ok(std::uint32_t node, const sim::Demand& d) const {
  return c_->pool_matches(c_->node(node).pool, d);
}

std::uint32_t FreeMap::capacity(std::uint32_t node, const sim::Demand& d) const {
  // A down node holds nothing, a task asking for nothing included.
  if (!type_ok(node, d) || c_->node(node).down) return 0;
  const sim::Node& n = c_->node(node);
  std::uint64_t cap = kMany;
  if (d.gpu_milli >= 1000) {
    cap = idle_[node] / d.gpus_per_task();
  } else if (d.gpu_milli > 0) {
    std::uint64_t slots = 0;
    for (std::uint32_t g = n.first_gpu; g < n.first_gpu + n.gpus; ++g)
      slots += (1000U - used_[g]) / d.gpu_milli;
    cap = slots;
  }
  if (d.cpu_milli > 0) cap = std::min<std::uint64_t>(cap, cpu_[node] / d.cpu_milli);
  if (d.memory_mib > 0) cap = std::min<std::uint64_t>(cap, mem_[node] / d.memory_mib);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(cap, kMany));
}

void FreeMap::take(std::uint32_t node, const sim::Demand& d, sim::Placement& p) {
  if (capacity(node, d) == 0) throw std::logic_error("freemap: task does not fit the node");
  const sim::Node& n = c_->node(node);
  cpu_[node] -= d.cpu_milli;
  mem_[node] -= d.memory_mib;
  p.milli_per_gpu = d.milli_per_gpu();
  p.task_nodes.push_back(node);
  const std::uint32_t type = c_->pool_type(n.pool);
  if (d.gpu_milli >= 1000) {
    std::uint32_t want = d.gpus_per_task();
    for (std::uint32_t g = n.first_gpu; g < n.first_gpu + n.gpus && want > 0; ++g) {
      if (used_[g] == 0) {
        used_[g] = 1000;
        p.gpus.push_back(g);
        --want;
      }
    }
    set_idle(node, idle_[node] - d.gpus_per_task());
    if (type != sim::Demand::kAnyType) idle_by_type_[type] -= d.gpus_per_task();
  } else if (d.gpu_milli > 0) {
    std::uint32_t best = kMany, best_room = kMany;
    for (std::uint32_t g = n.first_gpu; g < n.first_gpu + n.gpus; ++g) {
      const std::uint32_t room = 1000U - used_[g];
      if (room >= d.gpu_milli && room < best_room) {
        best = g;
        best_room = room;
      }
    }
    if (used_[best] == 0) {
      set_idle(node, idle_[node] - 1);
      if (type != sim::Demand::kAnyType) --idle_by_type_[type];
    }
    used_[best] = static_cast<std::uint16_t>(used_[best] + d.gpu_milli);
    p.gpus.push_back(best);
  }
}

void FreeMap::give_back(const sim::Demand& d, const sim::Placement& p) {
  const std::uint32_t g = d.gpus_per_task();
  const std::uint32_t milli = p.milli_per_gpu;
  for (std::size_t t = 0; t < p.task_nodes.size(); ++t) {
    const std::uint32_t node = p.task_nodes[t];
    const sim::Node& n = c_->node(node);
    const std::uint32_t type = c_->pool_type(n.pool);
    cpu_[node] += d.cpu_milli;
    mem_[node] += d.memory_mib;
    for (std::uint32_t k = 0; k < g; ++k) {
      const std::uint32_t gpu = p.gpus[t * g + k];
      if (used_[gpu] < milli) throw std::logic_error("freemap: giving back a free GPU");
      used_[gpu] = static_cast<std::uint16_t>(used_[gpu] - milli);
      if (used_[gpu] == 0) {
        set_idle(node, idle_[node] + 1);
        if (type != sim::Demand::kAnyType) ++idle_by_type_[type];
      }
    }
  }
}

void FreeMap::apply(const sim::Demand& d, const sim::Placement& p) {
  const std::uint32_t g = d.gpus_per_task();
  const std::uint32_t milli = p.milli_per_gpu;
  for (std::size_t t = 0; t < p.task_nodes.size(); ++t) {
    const std::uint32_t node = p.task_nodes[t];
    const sim::Node& n = c_->node(node);
    const std::uint32_t type = c_->pool_type(n.pool);
    if (cpu_[node] < d.cpu_milli || mem_[node] < d.memory_mib)
      throw std::logic_error("freemap: applying a placement that does not fit");
    cpu_[node] -= d.cpu_milli;
    mem_[node] -= d.memory_mib;
    for (std::uint32_t k = 0; k < g; ++k) {
      const std::uint32_t gpu = p.gpus[t * g + k];
      if (used_[gpu] + milli > 1000) throw std::logic_error("freemap: GPU over-allocated");
      if (used_[gpu] == 0) {
        set_idle(node, idle_[node] - 1);
        if (type != sim::Demand::kAnyType) --idle_by_type_[type];
      }
      used_[gpu] = static_cast<std::uint16_t>(used_[gpu] + milli);
    }
  }
}

void KeptFreeMap::sync(const sim::SchedulingContext& ctx) {
  if (!map_) return;
  if (ctx.cluster().service_epoch() != service_epoch_) {
    map_.reset();
    in_map_.clear();
    return;
  }
  for (const sim::RunChange& c : ctx.run_changes()) {
    give_back(ctx, c.job);
    if (ctx.runtime(c.job).status == sim::JobStatus::kRunning) {
      const sim::Placement& p = ctx.placement(c.job);
      map_->apply(ctx.demand(c.job), p);
      in_map_.emplace(c.job, p);
    }
  }
  unchecked_ = true;
}

FreeMap& KeptFreeMap::get(const sim::SchedulingContext& ctx) {
  if (!map_) {
    map_.emplace(ctx.cluster());
    service_epoch_ = ctx.cluster().service_epoch();
    in_map_.clear();
    for (sim::JobIndex j : ctx.running()) in_map_.emplace(j, ctx.placement(j));
  }
#ifndef NDEBUG
  if (unchecked_ && !(*map_ == FreeMap(ctx.cluster())))
    throw std::logic_error(std::string(policy_) +
                           ": the free map kept between passes differs from the cluster");
#endif
  unchecked_ = false;
  return *map_;
}

void KeptFreeMap::give_back(const sim::SchedulingContext& ctx, sim::JobIndex j) {
  if (!map_) return;
  if (auto it = in_map_.find(j); it != in_map_.end()) {
    map_->give_back(ctx.demand(j), it->second);
    in_map_.erase(it);
  }
}

std::uint32_t FreeMap::idle_gpus(std::uint32_t n) const {
  return idle_[n];
}
std::uint32_t FreeMap::idle_gpu_milli(std::uint32_t n) const {
  const sim::Node& node = c_->node(n);
  std::uint32_t t = 0;
  for (std::uint32_t g = node.first_gpu; g < node.first_gpu + node.gpus; ++g) t += 1000U - used_[g];
  return t;
}
std::uint32_t FreeMap::cpu_capacity(std::uint32_t n) const {
  return c_->spec().pools[c_->node(n).pool].cpu_cores * 1000U;
}
std::uint64_t FreeMap::mem_capacity(std::uint32_t n) const {
  return c_->spec().pools[c_->node(n).pool].memory_mib;
}
std::uint32_t FreeMap::gpu_capacity(std::uint32_t n) const {
  return c_->node(n).gpus;
}
std::uint64_t FreeMap::free_whole_gpus(std::uint32_t type) const {
  if (type != sim::Demand::kAnyType) return type < idle_by_type_.size() ? idle_by_type_[type] : 0;
  std::uint64_t t = 0;
  for (std::uint64_t x : idle_by_type_) t += x;
  return t;
}

std::optional<sim::Placement> place_task(FreeMap& m, const sim::Demand& d, const NodeScore& score,
                                         const NodeFilter& allow) {
  sim::Demand one = d;
  one.tasks = 1;
  return place_gang(m, one, score, allow);
}

bool whole_gpus_rule_out(const FreeMap& m, const sim::Demand& d) {
  return d.gpu_milli >= 1000 &&
         (m.free_whole_gpus(d.gpu_type) < std::uint64_t{d.tasks} * d.gpus_per_task() ||
          m.whole_gpu_slots(d) < d.tasks);
}

std::optional<sim::Placement> place_gang(FreeMap& m, const sim::Demand& d, const NodeScore& score,
                                         const NodeFilter& allow) {
  if (d.tasks == 0 || whole_gpus_rule_out(m, d)) return std::nullopt;
  sim::Placement p;
  p.milli_per_gpu = d.milli_per_gpu();
  for (std::uint32_t t = 0; t < d.tasks; ++t) {
    std::uint32_t best = kMany;
    double best_score = -std::numeric_limits<double>::infinity();
    for (std::uint32_t node = m.next_candidate(d, 0); node < m.nodes();
         node = m.next_candidate(d, node + 1)) {
      if (allow && !allow(node)) continue;
      if (m.capacity(node, d) == 0) continue;
      const double s = score ? score(m, node, d) : 0.0;
      if (best == kMany || s > best_score) {
        best = node;
        best_score = s;
      }
    }
    if (best == kMany) {
      sim::Demand part = d;
      part.tasks = t;
      m.give_back(part, p);
      return std::nullopt;
    }
    m.take(best, d, p);
  }
  return p;
}

double best_fit_score(const FreeMap& m, std::uint32_t node, const sim::Demand&) {
  return -(static_cast<double>(m.idle_gpu_milli(node)) * 1e6 + m.free_cpu(node));
}

bool is_waiting(const sim::SchedulingContext& ctx, sim::JobIndex j) {
  const sim::JobStatus s = ctx.runtime(j).status;
  return s == sim::JobStatus::kPending || s == sim::JobStatus::kPreempted;
}

sim::SimTime seconds_param(ParamReader& r, const std::string& key, double fallback_s, double min_s,
                           double max_s) {
  return sim::SimTime::from_seconds(r.number(key, fallback_s, min_s, max_s));
}

}  // namespace orrery::policies::prod
