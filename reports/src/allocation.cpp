// GPU allocation by node over time and fragmentation, from jobs.csv's node_ids (analysis.hpp).
#include <algorithm>
#include <cmath>

#include "orrery/reports/analysis.hpp"

namespace orrery::reports {

using nlohmann::json;

namespace {

constexpr double kEps = 1e-9;

struct NodeEvent {
  double t = 0;
  std::uint32_t node = 0;
  double delta = 0;  // GPUs taken (+) or given back (-)
};

// The end of the run: the last job end or the last sample, whichever is later.
double horizon(const RunData& run) {
  double h = 0;
  for (const JobRow& j : run.jobs) {
    if (present(j.end_s)) h = std::max(h, j.end_s);
    if (present(j.start_s)) h = std::max(h, j.start_s);
  }
  if (!run.timeseries.empty()) h = std::max(h, run.timeseries.back().time_s);
  return h;
}

// Every job's holding of GPUs on each node of its last placement, as start and end events,
// sorted by time (ends before starts at the same instant, as the engine orders them).
std::vector<NodeEvent> node_events(const RunData& run, std::size_t nodes, double end_of_run) {
  std::vector<NodeEvent> ev;
  for (const JobRow& j : run.jobs) {
    if (!present(j.start_s) || j.node_count == 0 || !present(j.gpus) || j.gpus <= 0) continue;
    const double end = present(j.end_s) ? j.end_s : end_of_run;
    if (end <= j.start_s) continue;
    const double per = j.gpus / j.node_count;
    for (std::uint32_t k = 0; k < j.node_count; ++k) {
      const std::uint32_t node = run.job_nodes[j.node_first + k];
      if (node >= nodes) continue;
      ev.push_back({j.start_s, node, per});
      ev.push_back({end, node, -per});
    }
  }
  std::stable_sort(ev.begin(), ev.end(), [](const NodeEvent& a, const NodeEvent& b) {
    if (a.t != b.t) return a.t < b.t;
    return a.delta < b.delta;
  });
  return ev;
}

}  // namespace

std::vector<NodeInfo> cluster_nodes(const RunData& run) {
  std::vector<NodeInfo> out;
  if (!run.manifest.is_object()) return out;
  const json* pools = &run.manifest;
  for (const char* k : {"scenario", "cluster", "pools"}) {
    if (!pools->is_object() || !pools->contains(k)) return {};
    pools = &(*pools)[k];
  }
  if (!pools->is_array()) return out;
  for (const json& p : *pools) {
    if (!p.is_object() || !p.contains("nodes") || !p["nodes"].is_number_unsigned() ||
        !p.contains("gpus_per_node") || !p["gpus_per_node"].is_number())
      return {};
    const std::string name =
        p.contains("name") && p["name"].is_string() ? p["name"].get<std::string>() : "";
    const auto n = p["nodes"].get<std::size_t>();
    if (n > 1000000) return {};
    for (std::size_t i = 0; i < n; ++i) out.push_back({name, p["gpus_per_node"].get<double>()});
  }
  return out;
}

bool has_allocation_data(const RunData& run) {
  if (!run.has_jobs || !run.has_node_ids || run.job_nodes.empty()) return false;
  const auto nodes = cluster_nodes(run);
  double gpus = 0;
  for (const NodeInfo& n : nodes) gpus += n.gpus;
  return gpus > 0;
}

AllocationGrid allocation_grid(const RunData& run, std::size_t max_rows, std::size_t bins) {
  AllocationGrid g;
  const std::vector<NodeInfo> nodes = cluster_nodes(run);
  if (nodes.empty() || bins == 0) return g;
  const double end = horizon(run);
  g.t0 = 0;
  for (const JobRow& j : run.jobs) {
    if (present(j.start_s)) g.t0 = std::min(g.t0, j.start_s);
  }
  g.t1 = std::max(end, g.t0 + 1);
  g.bins = bins;
  // Rows: one per node, or groups of equal size that never span two pools.
  const std::size_t per_row =
      std::max<std::size_t>(1, (nodes.size() + std::max<std::size_t>(1, max_rows) - 1) /
                                   std::max<std::size_t>(1, max_rows));
  std::vector<std::size_t> row_of(nodes.size());
  for (std::size_t i = 0; i < nodes.size();) {
    std::size_t e = i;
    while (e < nodes.size() && e - i < per_row && nodes[e].pool == nodes[i].pool) ++e;
    const std::string pool = nodes[i].pool.empty() ? "node" : nodes[i].pool;
    g.rows.push_back(e - i == 1 ? pool + " " + std::to_string(i)
                                : pool + " " + std::to_string(i) + "–" + std::to_string(e - 1));
    double gpus = 0;
    for (std::size_t k = i; k < e; ++k) {
      row_of[k] = g.rows.size() - 1;
      gpus += nodes[k].gpus;
    }
    g.row_gpus.push_back(gpus);
    i = e;
  }
  std::vector<double> area(g.rows.size() * bins, 0.0);
  const double width = (g.t1 - g.t0) / static_cast<double>(bins);
  // Per node, walk its allocation level through time and spread each level over the columns.
  std::vector<NodeEvent> ev = node_events(run, nodes.size(), end);
  std::stable_sort(ev.begin(), ev.end(),
                   [](const NodeEvent& a, const NodeEvent& b) { return a.node < b.node; });
  for (std::size_t i = 0; i < ev.size();) {
    std::size_t e = i;
    while (e < ev.size() && ev[e].node == ev[i].node) ++e;
    const std::size_t row = row_of[ev[i].node];
    double level = 0;
    for (std::size_t k = i; k < e; ++k) {
      level += ev[k].delta;
      const double a = ev[k].t;
      const double b = k + 1 < e ? ev[k + 1].t : a;
      if (level <= kEps || b <= a) continue;
      auto col = static_cast<std::size_t>(std::clamp((a - g.t0) / width, 0.0, double(bins - 1)));
      for (; col < bins; ++col) {
        const double lo = g.t0 + width * static_cast<double>(col);
        const double hi = lo + width;
        if (lo >= b) break;
        const double overlap = std::min(b, hi) - std::max(a, lo);
        if (overlap > 0) area[row * bins + col] += level * overlap;
      }
    }
    i = e;
  }
  g.share.resize(area.size());
  for (std::size_t r = 0; r < g.rows.size(); ++r) {
    for (std::size_t c = 0; c < bins; ++c) {
      const double cap = g.row_gpus[r] * width;
      g.share[r * bins + c] = cap > 0 ? std::min(1.0, area[r * bins + c] / cap) : 0.0;
    }
  }
  return g;
}

std::vector<Point> fragmentation_series(const RunData& run) {
  std::vector<Point> out;
  const std::vector<NodeInfo> nodes = cluster_nodes(run);
  if (nodes.empty() || !run.has_node_ids) return out;
  const std::vector<NodeEvent> ev = node_events(run, nodes.size(), horizon(run));
  std::vector<double> used(nodes.size(), 0.0);
  // Free GPUs in all and on partly allocated nodes, kept up to date node by node.
  double free_all = 0, free_partial = 0;
  for (const NodeInfo& n : nodes) free_all += n.gpus;
  auto contribution = [&](std::size_t node, double& all, double& partial) {
    const double cap = nodes[node].gpus;
    const double free = std::max(0.0, cap - used[node]);
    all = free;
    partial = used[node] > kEps && free > kEps ? free : 0.0;
  };
  out.push_back({ev.empty() ? 0.0 : std::min(0.0, ev.front().t), 0.0});
  for (std::size_t i = 0; i < ev.size();) {
    const double t = ev[i].t;
    for (; i < ev.size() && ev[i].t == t; ++i) {
      double a0 = 0, p0 = 0, a1 = 0, p1 = 0;
      contribution(ev[i].node, a0, p0);
      used[ev[i].node] += ev[i].delta;
      if (std::abs(used[ev[i].node]) < kEps) used[ev[i].node] = 0;
      contribution(ev[i].node, a1, p1);
      free_all += a1 - a0;
      free_partial += p1 - p0;
    }
    const double f = free_all > kEps ? std::clamp(free_partial / free_all, 0.0, 1.0) : 0.0;
    if (!out.empty() && out.back().x == t) {
      out.back().y = f;
    } else {
      out.push_back({t, f});
    }
  }
  return out;
}

double mean_fragmentation(const std::vector<Point>& s) {
  if (s.size() < 2) return kMissing;
  double area = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) area += s[i].y * (s[i + 1].x - s[i].x);
  const double span = s.back().x - s.front().x;
  return span > 0 ? area / span : kMissing;
}

std::vector<Point> slice_means(const std::vector<Point>& s, std::size_t bins) {
  std::vector<Point> out;
  if (s.size() < 2 || bins == 0 || s.back().x <= s.front().x) return out;
  const double t0 = s.front().x, width = (s.back().x - t0) / static_cast<double>(bins);
  std::vector<double> area(bins, 0.0);
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    const double a = s[i].x, b = s[i + 1].x;
    if (b <= a) continue;
    auto col = static_cast<std::size_t>(std::clamp((a - t0) / width, 0.0, double(bins - 1)));
    for (; col < bins; ++col) {
      const double lo = t0 + width * static_cast<double>(col), hi = lo + width;
      if (lo >= b) break;
      const double overlap = std::min(b, hi) - std::max(a, lo);
      if (overlap > 0) area[col] += s[i].y * overlap;
    }
  }
  for (std::size_t c = 0; c < bins; ++c)
    out.push_back({t0 + width * (static_cast<double>(c) + 0.5), area[c] / width});
  return out;
}

}  // namespace orrery::reports
