// FGD: the fragmentation measure, the GPU-sharing placements and the fill experiment.
#include <gtest/gtest.h>

#include <sstream>

#include "orrery/policies/fgd_fill.hpp"
#include "orrery/policies/fragmentation.hpp"
#include "orrery/policies/sharing_placers.hpp"
#include "orrery/sim/problems.hpp"
#include "production_test_util.hpp"

namespace orrery::test {
namespace {

using policies::NodeResources;
using policies::SharingStrategy;
using policies::TaskClass;
using policies::TaskDistribution;

NodeResources node(std::vector<std::uint16_t> gpu_free, std::uint32_t cpu = 8000,
                   std::uint32_t type = 0) {
  NodeResources n;
  n.gpu_type = type;
  n.cpu_free_milli = cpu;
  n.cpu_capacity_milli = 8000;
  n.memory_free_mib = 1 << 20;
  n.gpus = static_cast<std::uint32_t>(gpu_free.size());
  for (std::size_t i = 0; i < gpu_free.size(); ++i) n.gpu_free_milli[i] = gpu_free[i];
  return n;
}

// A node with 4 GPUs idle 1000, 1000, 500, 200 (2700 idle) and 8 idle CPUs. The target workload:
//   A: 0.5 GPU + 2 CPUs, p = 0.5: fits; only the 200 GPU is below 0.5 -> F = 200
//   B: 2 GPUs + 4 CPUs, p = 0.25: fits on the two idle GPUs; partly used GPUs are fragments for
//      a whole-GPU task -> F = 500 + 200 = 700
//   C: CPU only, p = 0.25: uses no GPU -> all 2700 idle are fragments
// F_n(M) = 0.5 * 200 + 0.25 * 700 + 0.25 * 2700 = 950. With only 3 idle CPUs, B does not fit
// at all -> F(B) = 2700 and F_n(M) = 100 + 675 + 675 = 1450. A task restricted to another GPU
// model sees every idle GPU as fragment.
TEST(Fragmentation, HandComputedNode) {
  TaskDistribution m;
  m.add({.cpu_milli = 2000, .gpu_milli = 500}, 2);
  m.add({.cpu_milli = 4000, .gpu_milli = 2000}, 1);
  m.add({.cpu_milli = 1000, .gpu_milli = 0}, 1);
  m.finish();
  const NodeResources n = node({1000, 1000, 500, 200});
  EXPECT_EQ(n.idle_gpu_milli(), 2700U);
  EXPECT_DOUBLE_EQ(policies::task_fragmentation(n, m.classes()[0]), 200);
  EXPECT_DOUBLE_EQ(policies::task_fragmentation(n, m.classes()[1]), 700);
  EXPECT_DOUBLE_EQ(policies::task_fragmentation(n, m.classes()[2]), 2700);
  EXPECT_DOUBLE_EQ(policies::node_fragmentation(n, m), 950);
  EXPECT_DOUBLE_EQ(policies::node_fragmentation(node({1000, 1000, 500, 200}, 3000), m), 1450);
  TaskClass other{.gpu_milli = 500, .type_mask = policies::gpu_type_bit(1)};
  EXPECT_DOUBLE_EQ(policies::task_fragmentation(n, other), 2700);
}

// The cluster measure sums nodes; the ratio is over idle GPUs. Two 2-GPU nodes; one holds a
// 0.7-GPU task: idle 0.3 + 1 + 2 = 3.3 GPUs. Target: 0.5-GPU tasks only. Node 0 fragments: its
// 0.3 GPU (below 0.5) = 0.3; node 1: none. Ratio 0.3 / 3.3.
TEST(Fragmentation, ClusterSummary) {
  sim::Cluster c(uniform_cluster(2, 2));
  sim::Demand d;
  d.gpu_milli = 700;
  d.gpu_type = 0;
  sim::Placement p;
  p.task_nodes = {0};
  p.gpus = {0};
  p.milli_per_gpu = 700;
  c.allocate(d, p);
  TaskDistribution m;
  m.add({.gpu_milli = 500}, 1);
  m.finish();
  const auto s = policies::cluster_fragmentation(c, m);
  EXPECT_NEAR(s.fragmented_gpus, 0.3, 1e-9);
  EXPECT_NEAR(s.idle_gpus, 3.3, 1e-9);
  EXPECT_NEAR(s.ratio(), 0.3 / 3.3, 1e-9);
}

// Two 1-GPU nodes: A has 0.6 of its GPU idle, B 0.8. A 0.5-GPU task arrives; the target workload
// is 0.3-GPU tasks. BestFit takes A (0.1 left, the least). FGD compares fragmentation growth:
//   on A: before 0 (0.6 >= 0.3), after 0.1 idle < 0.3: +100
//   on B: before 0, after 0.3 idle still takes a 0.3 task: +0
// so FGD takes B and leaves no fragment, BestFit leaves 0.1 GPU that no expected task can use.
TEST(SharingPlacers, FgdLeavesLessFragmentationThanBestFit) {
  TaskDistribution m;
  m.add({.cpu_milli = 1000, .gpu_milli = 300}, 1);
  m.finish();
  const std::vector<NodeResources> nodes = {node({600}), node({800})};
  const TaskClass task{.cpu_milli = 1000, .gpu_milli = 500};

  policies::SharingChooser fgd(SharingStrategy::kFgd, 1);
  policies::SharingChooser best(SharingStrategy::kBestFit, 1);
  const auto f = fgd.choose(nodes, task, &m);
  const auto b = best.choose(nodes, task, &m);
  ASSERT_TRUE(f && b);
  EXPECT_EQ(f->node, 1U);
  EXPECT_EQ(b->node, 0U);

  auto frag_after = [&](std::uint32_t n) {
    std::vector<NodeResources> after = nodes;
    policies::TaskChoice c{n, {0}};
    policies::apply_task(after[n], task, c);
    return policies::node_fragmentation(after[0], m) + policies::node_fragmentation(after[1], m);
  };
  EXPECT_DOUBLE_EQ(frag_after(f->node), 0);
  EXPECT_DOUBLE_EQ(frag_after(b->node), 100);

  // The memoized path (the fill experiment's) decides the same.
  policies::FgdMemo memo;
  for (std::uint32_t i = 0; i < nodes.size(); ++i) memo.set_node(i, nodes[i]);
  policies::SharingChooser fgd2(SharingStrategy::kFgd, 1);
  EXPECT_EQ(fgd2.choose(nodes, task, &m, &memo, 0)->node, 1U);
}

// The baselines on a hand-made state: node 0 has one GPU 0.5 used; node 1 is idle (2 GPUs each).
// A 0.25-GPU task: gpu-packing prefers the partly used GPU (node 0); dotprod the node whose idle
// resources align least with the demand (node 0: 1.5 idle GPUs < 2); random is seeded.
TEST(SharingPlacers, Baselines) {
  const std::vector<NodeResources> nodes = {node({500, 1000}), node({1000, 1000})};
  const TaskClass task{.cpu_milli = 0, .gpu_milli = 250};
  policies::SharingChooser packing(SharingStrategy::kGpuPacking, 1);
  auto c = packing.choose(nodes, task, nullptr);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node, 0U);
  EXPECT_EQ(c->gpus, std::vector<std::uint32_t>{0});
  policies::SharingChooser dot(SharingStrategy::kDotProd, 1);
  EXPECT_EQ(dot.choose(nodes, task, nullptr)->node, 0U);
  policies::SharingChooser r1(SharingStrategy::kRandom, 7), r2(SharingStrategy::kRandom, 7);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(r1.choose(nodes, task, nullptr)->node, r2.choose(nodes, task, nullptr)->node);
  const TaskClass too_big{.gpu_milli = 3000};
  EXPECT_FALSE(packing.choose(nodes, too_big, nullptr));
}

// The sharing placers as engine placements: fractional GPUs share GPUs, gangs are placed whole.
TEST(SharingPlacers, RunInTheEngine) {
  sim::Workload w;
  for (int i = 0; i < 6; ++i) {
    sim::JobSpec j;
    j.id = "p" + std::to_string(i);
    j.submit = sim::SimTime::from_seconds(i);
    j.duration = sim::SimTime::from_seconds(100);
    j.gpu_milli = i % 2 == 0 ? 500 : 250;
    j.cpu_milli = 1000;
    w.jobs.push_back(j);
  }
  add_job(w, 10, 100, 2, 2);
  for (const char* name :
       {"fgd", "bestfit", "dotprod", "gpu-packing", "gpu-clustering", "random"}) {
    const auto r = prod::run(uniform_cluster(2, 2), w, "fifo", {}, name);
    for (sim::JobIndex j = 0; j < w.jobs.size(); ++j)
      EXPECT_EQ(r.status(j), sim::JobStatus::kCompleted) << name << " job " << j;
    // Six shares of 0.5/0.25 GPU (2.25 GPUs) fit on two GPUs of one node or spread; all start at
    // once on 4 GPUs.
    for (sim::JobIndex j = 0; j < 6; ++j) EXPECT_EQ(r.start(j), j) << name;
  }
}

// Fill: two 1-GPU nodes, pods 0.6, 0.6, 0.4, 0.5 GPU in order, bestfit. 0.6 -> node 0; 0.6 ->
// node 1 (0.4 left on node 0); 0.4 -> node 0 (best fit: 0.4 left there vs 0.4 on node 1: tie,
// lowest id); 0.5 fits nowhere (0.4 idle on node 1): failed. Allocated 1.6 of 2 GPUs. Target
// workload = the list: node 1's 0.4 idle cannot take a 0.6 or a 0.5 pod (p = 3/4) -> 0.3 GPU of
// fragmentation, ratio 0.3 / 0.4.
TEST(FgdFill, HandWorkedFill) {
  sim::ClusterSpec c = uniform_cluster(2, 1);
  std::vector<policies::FillPod> pods;
  for (std::uint32_t g : {600U, 600U, 400U, 500U}) {
    policies::FillPod p;
    p.gpu_milli = g;
    pods.push_back(p);
  }
  policies::FillOptions o;
  o.placements = {SharingStrategy::kBestFit};
  const auto runs = policies::run_fgd_fill(c, pods, o);
  ASSERT_EQ(runs.size(), 1U);
  const auto& f = runs[0].final;
  EXPECT_EQ(f.pods, 4U);
  EXPECT_EQ(f.failed, 1U);
  EXPECT_NEAR(f.arrived_gpus, 2.1, 1e-9);
  EXPECT_NEAR(f.allocated_gpus, 1.6, 1e-9);
  EXPECT_NEAR(f.idle_gpus, 0.4, 1e-9);
  EXPECT_NEAR(f.fragmented_gpus, 0.3, 1e-9);
  std::ostringstream csv;
  policies::write_fill_csv(runs, csv);
  EXPECT_NE(csv.str().find("bestfit,4,1,2.1,1.05,1.6,0.8,0.3,0.75,0.4"), std::string::npos)
      << csv.str();
}

// Inflation: the list, then seeded draws until the arrived GPU demand reaches the multiple;
// deterministic; a smaller multiple cuts the list.
TEST(FgdFill, InflationIsSeededAndReachesTheTarget) {
  std::vector<policies::FillPod> pods(3);
  pods[0].gpu_milli = 1000;
  pods[1].gpu_milli = 500;
  pods[2].gpu_milli = 0;
  const auto a = policies::inflate_pods(pods, 10, 1.3, 5);
  const auto b = policies::inflate_pods(pods, 10, 1.3, 5);
  double total = 0;
  for (const auto& p : a) total += p.gpus();
  EXPECT_GE(total, 13.0);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].gpu_milli, b[i].gpu_milli);
  EXPECT_EQ(policies::inflate_pods(pods, 10, 0.1, 5).size(), 1U);
}

// Every placement fills the same list without over-allocating and the random one is reproducible.
TEST(FgdFill, AllPlacementsAreDeterministic) {
  sim::ClusterSpec c = uniform_cluster(4, 2);
  std::vector<policies::FillPod> pods;
  for (int i = 0; i < 40; ++i) {
    policies::FillPod p;
    p.gpu_milli =
        std::vector<std::uint32_t>{250, 500, 1000, 2000, 0}[static_cast<std::size_t>(i % 5)];
    p.cpu_milli = 4000;
    pods.push_back(p);
  }
  policies::FillOptions o;
  const auto a = policies::run_fgd_fill(c, pods, o);
  const auto b = policies::run_fgd_fill(c, pods, o);
  ASSERT_EQ(a.size(), 6U);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(a[i].final.allocated_gpus, 8.0);
    EXPECT_EQ(a[i].final.failed, b[i].final.failed);
    EXPECT_DOUBLE_EQ(a[i].final.fragmented_gpus, b[i].final.fragmented_gpus);
  }
  policies::FillOptions bad;
  bad.inflate = -1;
  EXPECT_THROW(policies::run_fgd_fill(c, pods, bad), sim::InputError);
}

}  // namespace
}  // namespace orrery::test
