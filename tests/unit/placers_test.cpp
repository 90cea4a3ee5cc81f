#include "orrery/policies/placers.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "orrery/policies/registry.hpp"
#include "test_support.hpp"

namespace orrery::policies {
namespace {

using sim::Cluster;
using sim::Demand;
using sim::Placement;

Demand whole(std::uint32_t tasks, std::uint32_t gpus) {
  Demand d;
  d.tasks = tasks;
  d.gpu_milli = gpus * 1000;
  return d;
}

// Occupies `gpus` GPUs of `node` with a throw-away allocation.
void occupy(Cluster& c, std::uint32_t node, std::uint32_t gpus) {
  Placement p;
  p.task_nodes = {node};
  for (std::uint32_t g = 0; g < gpus; ++g) p.gpus.push_back(c.node(node).first_gpu + g);
  c.allocate(whole(1, gpus), p);
}

TEST(Pack, BestFitPrefersTheFullestNodeThatFits) {
  Cluster c(test::uniform_cluster(3, 4));
  occupy(c, 0, 3);  // 1 free
  occupy(c, 1, 2);  // 2 free
  auto p = make_pack_placer()->place(c, whole(1, 1));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->task_nodes, std::vector<std::uint32_t>{0});
  p = make_pack_placer()->place(c, whole(1, 2));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->task_nodes, std::vector<std::uint32_t>{1}) << "node 0 has only 1 free";
}

TEST(Pack, GangTasksFillANodeBeforeTheNext) {
  Cluster c(test::uniform_cluster(2, 8));
  auto p = make_pack_placer()->place(c, whole(4, 2));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->distinct_nodes(), 1U);
  EXPECT_EQ(p->gpus.size(), 8U);
}

TEST(Pack, GangIsAllOrNothing) {
  Cluster c(test::uniform_cluster(2, 4));
  occupy(c, 0, 3);
  EXPECT_FALSE(make_pack_placer()->place(c, whole(2, 4)));
  EXPECT_TRUE(make_pack_placer()->place(c, whole(1, 4)));
}

// A CPU-only gang of thousands of tasks (the Blue Waters cut has gangs of 2,702 nodes) is placed
// best fit, node by node from the least free CPU, whole or not at all. 3,000 nodes of 32 cores:
// every third node has 16 cores taken; a gang of 2,500 tasks of 16 cores takes the 1,000 half-used
// nodes first (one task each), then 750 empty nodes, two tasks each, lowest ids first.
TEST(Pack, AHugeCpuGangIsPlacedBestFitWholeOrNot) {
  sim::ClusterSpec spec = test::uniform_cluster(3000, 0);
  spec.pools[0].gpu_type.clear();
  spec.pools[0].cpu_cores = 32;
  Cluster c(spec);
  Demand half;
  half.tasks = 1;
  half.cpu_milli = 16'000;
  for (std::uint32_t n = 0; n < 3000; n += 3) {
    Placement p;
    p.task_nodes = {n};
    c.allocate(half, p);
  }
  Demand gang = half;
  gang.tasks = 2500;
  const auto p = make_pack_placer()->place(c, gang);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->task_nodes.size(), 2500U);
  std::vector<std::uint32_t> want;
  for (std::uint32_t n = 0; n < 3000; n += 3) want.push_back(n);
  for (std::uint32_t n = 0, k = 0; k < 750; ++n) {
    if (n % 3 == 0) continue;
    want.push_back(n);
    want.push_back(n);
    ++k;
  }
  EXPECT_EQ(p->task_nodes, want);
  gang.tasks = 5001;  // 1,000 + 2 x 2,000 = 5,000 fit; one more does not
  EXPECT_FALSE(make_pack_placer()->place(c, gang));
  gang.tasks = 5000;
  EXPECT_TRUE(make_pack_placer()->place(c, gang));
}

TEST(Spread, LeastAllocatedPrefersTheEmptiestNode) {
  Cluster c(test::uniform_cluster(3, 4));
  occupy(c, 0, 1);
  occupy(c, 2, 2);
  auto p = make_spread_placer()->place(c, whole(1, 1));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->task_nodes, std::vector<std::uint32_t>{1});
  // Two tasks go to two different nodes: after the first lands on node 1, node 0 is emptiest.
  p = make_spread_placer()->place(c, whole(2, 1));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->distinct_nodes(), 2U);
}

TEST(Consolidate, KeepsAGangInsideOneRack) {
  // 4 nodes x 4 GPUs, 2 nodes per rack. Node 1 (rack 0) is half used, so rack 0 cannot hold a
  // 2x4 gang on two nodes; rack 1 (nodes 2, 3) can. Consolidate must pick nodes 2 and 3.
  Cluster c(test::uniform_cluster(4, 4, "A100-80", 2));
  occupy(c, 1, 2);
  auto p = make_consolidate_placer()->place(c, whole(2, 4));
  ASSERT_TRUE(p);
  std::vector<std::uint32_t> nodes = p->task_nodes;
  std::sort(nodes.begin(), nodes.end());
  EXPECT_EQ(nodes, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(c.topology().span(p->gpus).racks, 1U);
}

TEST(Consolidate, UsesFewestNodes) {
  // 8 tasks of 1 GPU fit on one 8-GPU node: one node, not eight.
  Cluster c(test::uniform_cluster(4, 8));
  occupy(c, 0, 1);
  auto p = make_consolidate_placer()->place(c, whole(8, 1));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->distinct_nodes(), 1U);
  EXPECT_NE(p->task_nodes[0], 0U);
}

TEST(Consolidate, PrefersOneNvlinkDomain) {
  sim::ClusterSpec spec = test::uniform_cluster(1, 8);
  spec.pools[0].nvlink_domain = 4;
  Cluster c(spec);
  occupy(c, 0, 1);  // GPU 0 used: domain 0 has 3 free, domain 1 has 4
  auto p = make_consolidate_placer()->place(c, whole(1, 2));
  ASSERT_TRUE(p);
  // Best fit among domains with room: domain 0 (3 free) keeps domain 1 whole.
  EXPECT_EQ(c.topology().span(p->gpus).level, sim::TopologyLevel::kNvlink);
  EXPECT_LT(p->gpus[0], 4U);
}

TEST(Placers, RespectGpuType) {
  sim::ClusterSpec spec = test::uniform_cluster(1, 8, "V100");
  sim::NodePoolSpec a100;
  a100.name = "a100";
  a100.gpu_type = "A100-80";
  a100.gpus_per_node = 8;
  a100.nodes = 1;
  spec.pools.push_back(a100);
  Cluster c(spec);
  Demand d = whole(1, 1);
  d.gpu_type = *c.find_gpu_type("A100-80");
  for (const auto& info : placer_registry()) {
    auto p = info.make()->place(c, d);
    ASSERT_TRUE(p) << info.name;
    EXPECT_EQ(c.node(p->task_nodes[0]).pool, 1U) << info.name;
  }
}

TEST(Placers, SharedGpusBestFitOnThePartlyUsedGpu) {
  Cluster c(test::uniform_cluster(1, 2));
  Demand quarter;
  quarter.tasks = 1;
  quarter.gpu_milli = 250;
  c.allocate(quarter, Placement{{0}, {1}, 250});
  auto p = make_pack_placer()->place(c, quarter);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->gpus, std::vector<std::uint32_t>{1}) << "GPU 1 has the least room that fits";
  EXPECT_EQ(p->milli_per_gpu, 250U);
}

TEST(Placers, CpuAndMemoryLimitTasksPerNode) {
  sim::ClusterSpec spec = test::uniform_cluster(2, 8);
  spec.pools[0].cpu_cores = 8;
  Cluster c(spec);
  Demand d = whole(2, 1);
  d.cpu_milli = 6000;  // only one such task per node
  auto p = make_pack_placer()->place(c, d);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->distinct_nodes(), 2U);
}

}  // namespace
}  // namespace orrery::policies
