// The cluster's network topology as a Boost.Graph tree: GPU -> NVLink domain -> node -> rack
// switch -> spine. Each edge carries the bandwidth of that link (GB/s, one direction).
//
// Placement and the runtime model ask one question of it: for a set of GPUs, what is the widest
// level the set spans (same NVLink domain, same node, same rack, whole cluster) and the bottleneck
// bandwidth on the tree that connects them (the slowest link a collective among them must cross).
//
//   TopologySpan s = cluster.topology().span(placement.gpus);
//   if (s.level >= TopologyLevel::kRack) { ... crosses racks ... }
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace orrery::sim {

struct TopologySpec {
  std::uint32_t nodes_per_rack = 32;  // nodes under one top-of-rack switch (per pool)
  double nvlink_gbps = 300.0;         // GPU <-> NVLink domain (A100 NVLink3: 600 GB/s bidir.)
  double pcie_gbps = 32.0;            // NVLink domain <-> node (PCIe 4.0 x16, one direction)
  double node_link_gbps = 25.0;       // node <-> rack switch (200 Gb/s InfiniBand HDR)
  double rack_uplink_gbps = 100.0;    // rack switch <-> spine (per rack, oversubscribed)
};

enum class TopologyLevel : std::uint8_t {
  kGpu = 0,     // a single GPU (or empty set)
  kNvlink = 1,  // within one NVLink domain
  kNode = 2,    // within one node, across NVLink domains
  kRack = 3,    // within one rack, across nodes
  kSpine = 4,   // across racks
};

struct TopologySpan {
  TopologyLevel level = TopologyLevel::kGpu;
  double bottleneck_gbps = 0.0;  // +inf-like (max double) for a single GPU
  std::uint32_t nodes = 0;
  std::uint32_t racks = 0;
};

// One node's position, given to the Topology builder.
struct TopologyNode {
  std::uint32_t rack = 0;
  std::uint32_t gpus = 0;
  std::uint32_t nvlink_domain = 0;  // GPUs per domain (0 = all)
};

class Topology {
 public:
  Topology(const TopologySpec& spec, std::span<const TopologyNode> nodes);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  TopologySpan span(std::span<const std::uint32_t> gpus) const;
  std::uint32_t vertex_count() const;
  std::uint32_t rack_count() const { return racks_; }
  const TopologySpec& spec() const { return spec_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TopologySpec spec_;
  std::uint32_t racks_ = 0;
};

}  // namespace orrery::sim
