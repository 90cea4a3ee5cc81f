#include "orrery/sim/cluster.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace orrery::sim {
namespace {

Demand whole(std::uint32_t tasks, std::uint32_t gpus, std::uint32_t type = Demand::kAnyType) {
  Demand d;
  d.tasks = tasks;
  d.gpu_milli = gpus * 1000;
  d.gpu_type = type;
  return d;
}

TEST(Cluster, IdsRunPoolByPoolAndNodeByNode) {
  ClusterSpec spec = test::uniform_cluster(2, 8);
  NodePoolSpec small;
  small.name = "v100";
  small.gpu_type = "V100";
  small.gpus_per_node = 4;
  small.nodes = 3;
  spec.pools.push_back(small);
  Cluster c(spec);
  EXPECT_EQ(c.node_count(), 5U);
  EXPECT_EQ(c.total_gpus(), 2U * 8 + 3U * 4);
  EXPECT_EQ(c.node(2).first_gpu, 16U);
  EXPECT_EQ(c.node(2).pool, 1U);
  EXPECT_EQ(c.gpu_types().size(), 2U);
  EXPECT_EQ(c.free_whole_gpus(*c.find_gpu_type("V100")), 12U);
}

TEST(Cluster, AllocateAndReleaseAccountEveryGpu) {
  Cluster c(test::uniform_cluster(2, 4));
  const Demand d = whole(2, 2);
  Placement p{{0, 1}, {0, 1, 4, 5}, 1000};
  c.allocate(d, p);
  EXPECT_EQ(c.allocated_gpu_milli(), 4000U);
  EXPECT_EQ(c.node(0).free_gpus, 2U);
  EXPECT_EQ(c.free_whole_gpus(), 4U);
  EXPECT_TRUE(c.nodes_with_free(0, 2).test(0));
  c.release(d, p);
  EXPECT_EQ(c.allocated_gpu_milli(), 0U);
  EXPECT_EQ(c.node(1).free_gpus, 4U);
  EXPECT_TRUE(c.nodes_with_free(0, 4).test(1));
}

TEST(Cluster, RefusesToDoubleBookAndChangesNothing) {
  Cluster c(test::uniform_cluster(1, 4));
  c.allocate(whole(1, 2), Placement{{0}, {0, 1}, 1000});
  EXPECT_THROW(c.allocate(whole(1, 2), Placement{{0}, {1, 2}, 1000}), std::logic_error);
  EXPECT_EQ(c.gpu_used_milli(2), 0U) << "a refused allocation must leave no trace";
  EXPECT_EQ(c.allocated_gpu_milli(), 2000U);
  EXPECT_THROW(c.allocate(whole(1, 1), Placement{{0}, {7}, 1000}), std::logic_error)
      << "GPU not on node";
}

TEST(Cluster, SharedGpusTakeThousandths) {
  Cluster c(test::uniform_cluster(1, 1));
  Demand half;
  half.tasks = 1;
  half.gpu_milli = 500;
  c.allocate(half, Placement{{0}, {0}, 500});
  c.allocate(half, Placement{{0}, {0}, 500});
  EXPECT_EQ(c.gpu_used_milli(0), 1000U);
  EXPECT_THROW(c.allocate(half, Placement{{0}, {0}, 500}), std::logic_error);
  EXPECT_EQ(c.node(0).free_gpus, 0U);
}

struct FitCase {
  const char* name;
  std::uint32_t tasks, gpus, cpu_milli;
  bool fits;
};

class FitsWhenEmpty : public ::testing::TestWithParam<FitCase> {};

TEST_P(FitsWhenEmpty, AnswersNeverFits) {
  ClusterSpec spec = test::uniform_cluster(4, 8);
  spec.pools[0].cpu_cores = 16;
  Cluster c(spec);
  Demand d = whole(GetParam().tasks, GetParam().gpus);
  d.cpu_milli = GetParam().cpu_milli;
  EXPECT_EQ(c.fits_when_empty(d), GetParam().fits);
}

INSTANTIATE_TEST_SUITE_P(Table, FitsWhenEmpty,
                         ::testing::Values(FitCase{"one_gpu", 1, 1, 0, true},
                                           FitCase{"whole_cluster", 4, 8, 0, true},
                                           FitCase{"more_than_cluster", 5, 8, 0, false},
                                           FitCase{"task_bigger_than_node", 1, 16, 0, false},
                                           FitCase{"many_small_tasks", 32, 1, 0, true},
                                           FitCase{"cpu_bound", 4, 1, 17000, false},
                                           FitCase{"cpu_fits", 4, 1, 16000, true}),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(Cluster, WrongGpuTypeNeverFits) {
  Cluster c(test::uniform_cluster(1, 8, "V100"));
  EXPECT_FALSE(c.fits_when_empty(whole(1, 1, 5)));
}

}  // namespace
}  // namespace orrery::sim
