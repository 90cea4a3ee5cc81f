#include "orrery/sim/topology.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "orrery/sim/cluster.hpp"
#include "test_support.hpp"

namespace orrery::sim {
namespace {

struct SpanCase {
  const char* name;
  std::vector<std::uint32_t> gpus;
  TopologyLevel level;
  double bottleneck;  // 0 = "no link" (single GPU)
  std::uint32_t nodes, racks;
};

class Span : public ::testing::TestWithParam<SpanCase> {};

// 3 nodes of 8 GPUs in NVLink domains of 4; 2 nodes per rack: nodes 0,1 in rack 0, node 2 in
// rack 1.
TEST_P(Span, LevelAndBottleneck) {
  ClusterSpec spec = test::uniform_cluster(3, 8, "A100-80", 2);
  spec.pools[0].nvlink_domain = 4;
  spec.topology = TopologySpec{2, 300, 32, 25, 12.5};
  Cluster c(spec);
  const SpanCase& k = GetParam();
  const TopologySpan s = c.topology().span(k.gpus);
  EXPECT_EQ(s.level, k.level);
  if (k.bottleneck > 0) {
    EXPECT_DOUBLE_EQ(s.bottleneck_gbps, k.bottleneck);
  }
  EXPECT_EQ(s.nodes, k.nodes);
  EXPECT_EQ(s.racks, k.racks);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Span,
    ::testing::Values(SpanCase{"single_gpu", {3}, TopologyLevel::kGpu, 0, 1, 1},
                      SpanCase{"same_domain", {0, 1, 2, 3}, TopologyLevel::kNvlink, 300, 1, 1},
                      SpanCase{"two_domains", {0, 4}, TopologyLevel::kNode, 32, 1, 1},
                      SpanCase{"two_nodes_one_rack", {0, 8}, TopologyLevel::kRack, 25, 2, 1},
                      SpanCase{"across_racks", {0, 16}, TopologyLevel::kSpine, 12.5, 2, 2},
                      SpanCase{"duplicates_ignored", {5, 5}, TopologyLevel::kGpu, 0, 1, 1}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Topology, GraphHasEveryVertex) {
  ClusterSpec spec = test::uniform_cluster(3, 8, "A100-80", 2);
  spec.pools[0].nvlink_domain = 4;
  Cluster c(spec);
  // spine + 2 racks + 3 nodes + 6 domains + 24 GPUs
  EXPECT_EQ(c.topology().vertex_count(), 1U + 2 + 3 + 6 + 24);
  EXPECT_EQ(c.topology().rack_count(), 2U);
}

}  // namespace
}  // namespace orrery::sim
