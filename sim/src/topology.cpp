#include "orrery/sim/topology.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/visitors.hpp>
#include <limits>
#include <stdexcept>

namespace orrery::sim {

namespace {
struct EdgeProps {
  double gbps = 0.0;
};
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                    boost::no_property, EdgeProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
}  // namespace

struct Topology::Impl {
  Graph graph;
  std::vector<Vertex> gpu_vertex;    // GPU id -> vertex
  std::vector<Vertex> parent;        // vertex -> parent vertex (spine: itself)
  std::vector<double> parent_gbps;   // bandwidth of the edge to the parent
  std::vector<std::uint32_t> depth;  // spine 0, rack 1, node 2, domain 3, GPU 4
};

Topology::Topology(const TopologySpec& spec, std::span<const TopologyNode> nodes)
    : impl_(std::make_unique<Impl>()), spec_(spec) {
  Graph& g = impl_->graph;
  const Vertex spine = boost::add_vertex(g);
  std::vector<Vertex> rack_vertex;
  for (const TopologyNode& n : nodes) racks_ = std::max(racks_, n.rack + 1);
  for (std::uint32_t r = 0; r < racks_; ++r) {
    const Vertex v = boost::add_vertex(g);
    boost::add_edge(v, spine, EdgeProps{spec.rack_uplink_gbps}, g);
    rack_vertex.push_back(v);
  }
  for (const TopologyNode& n : nodes) {
    const Vertex node_v = boost::add_vertex(g);
    boost::add_edge(node_v, rack_vertex[n.rack], EdgeProps{spec.node_link_gbps}, g);
    const std::uint32_t per_domain = n.nvlink_domain == 0 ? std::max(n.gpus, 1U) : n.nvlink_domain;
    Vertex domain_v = node_v;
    for (std::uint32_t i = 0; i < n.gpus; ++i) {
      if (i % per_domain == 0) {
        domain_v = boost::add_vertex(g);
        boost::add_edge(domain_v, node_v, EdgeProps{spec.pcie_gbps}, g);
      }
      const Vertex gpu_v = boost::add_vertex(g);
      boost::add_edge(gpu_v, domain_v, EdgeProps{spec.nvlink_gbps}, g);
      impl_->gpu_vertex.push_back(gpu_v);
    }
  }
  // Root the tree at the spine: a breadth-first search records each vertex's parent and depth.
  const std::size_t n = boost::num_vertices(g);
  impl_->parent.assign(n, spine);
  impl_->depth.assign(n, 0);
  impl_->parent_gbps.assign(n, std::numeric_limits<double>::max());
  auto& parent = impl_->parent;
  auto& depth = impl_->depth;
  auto& parent_gbps = impl_->parent_gbps;
  struct Recorder : boost::default_bfs_visitor {
    std::vector<Vertex>* parent;
    std::vector<std::uint32_t>* depth;
    std::vector<double>* gbps;
    void tree_edge(boost::graph_traits<Graph>::edge_descriptor e, const Graph& gr) const {
      const Vertex from = boost::source(e, gr);
      const Vertex to = boost::target(e, gr);
      (*parent)[to] = from;
      (*depth)[to] = (*depth)[from] + 1;
      (*gbps)[to] = gr[e].gbps;
    }
  } recorder;
  recorder.parent = &parent;
  recorder.depth = &depth;
  recorder.gbps = &parent_gbps;
  boost::breadth_first_search(g, spine, boost::visitor(recorder));
}

Topology::~Topology() = default;

std::uint32_t Topology::vertex_count() const {
  return static_cast<std::uint32_t>(boost::num_vertices(impl_->graph));
}

TopologySpan Topology::span(std::span<const std::uint32_t> gpus) const {
  TopologySpan out;
  out.bottleneck_gbps = std::numeric_limits<double>::max();
  if (gpus.empty()) return out;
  const auto& parent = impl_->parent;
  // Ancestors at each depth: GPU (4), domain (3), node (2), rack (1).
  std::vector<Vertex> domains, nodes, racks;
  domains.reserve(gpus.size());
  for (std::uint32_t gpu : gpus) {
    if (gpu >= impl_->gpu_vertex.size()) throw std::out_of_range("topology: GPU id out of range");
    const Vertex gv = impl_->gpu_vertex[gpu];
    const Vertex dv = parent[gv];
    const Vertex nv = parent[dv];
    domains.push_back(dv);
    nodes.push_back(nv);
    racks.push_back(parent[nv]);
  }
  auto distinct = [](std::vector<Vertex>& v) {
    std::sort(v.begin(), v.end());
    return static_cast<std::uint32_t>(std::unique(v.begin(), v.end()) - v.begin());
  };
  std::vector<Vertex> gpu_copy(gpus.begin(), gpus.end());
  const std::uint32_t n_gpus = distinct(gpu_copy);
  const std::uint32_t n_domains = distinct(domains);
  out.nodes = distinct(nodes);
  out.racks = distinct(racks);
  if (out.racks > 1) {
    out.level = TopologyLevel::kSpine;
  } else if (out.nodes > 1) {
    out.level = TopologyLevel::kRack;
  } else if (n_domains > 1) {
    out.level = TopologyLevel::kNode;
  } else if (n_gpus > 1) {
    out.level = TopologyLevel::kNvlink;
  } else {
    return out;
  }
  // The bottleneck is the slowest edge on the paths from each GPU up to the lowest common
  // ancestor, whose depth is 4 - level.
  const std::uint32_t lca_depth = 4U - static_cast<std::uint32_t>(out.level);
  for (std::uint32_t gpu : gpus) {
    Vertex v = impl_->gpu_vertex[gpu];
    while (impl_->depth[v] > lca_depth) {
      out.bottleneck_gbps = std::min(out.bottleneck_gbps, impl_->parent_gbps[v]);
      v = parent[v];
    }
  }
  return out;
}

}  // namespace orrery::sim
