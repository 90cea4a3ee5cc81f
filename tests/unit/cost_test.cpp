// Cost arithmetic, autoscaling and spot interruptions, against hand-worked cases.
#include <gtest/gtest.h>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/simulation.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using sim::PoolPrice;
using sim::SimTime;

sim::RunResult run(const sim::ClusterSpec& c, const sim::Workload& w,
                   const sim::SimulationOptions& o = {}) {
  sim::Simulation s(c, w, policies::make_policy("fifo"), policies::make_placer("pack"),
                    std::make_unique<sim::ObservedRuntime>(), o);
  return s.run();
}

TEST(Cost, OnDemandBillsUpNodesRoundedToTheGranularity) {
  // One node of 4 GPUs at $2 per GPU-hour, billed by the hour. One 1-GPU job runs 0..1800 s.
  // The node is up for 1800 s, billed as 1 hour: 4 GPUs x $2 = $8. The job used 0.5 GPU-hours:
  // it is charged $1; the other $7 is idle capacity.
  auto c = uniform_cluster(1, 4);
  c.pools[0].price.kind = PoolPrice::Kind::kOnDemand;
  c.pools[0].price.per_gpu_hour = 2;
  c.pools[0].price.billing_granularity_s = 3600;
  sim::Workload w;
  add_job(w, 0, 1800, 1);
  const auto r = run(c, w);
  EXPECT_NEAR(r.summary.cost.total, 8.0, 1e-9);
  EXPECT_NEAR(r.summary.cost.cloud_on_demand, 8.0, 1e-9);
  EXPECT_NEAR(r.jobs[0].cost, 1.0, 1e-9);
  EXPECT_NEAR(r.summary.cost.idle, 7.0, 1e-9);
  EXPECT_NEAR(r.summary.cost_per_job, 8.0, 1e-9);
  ASSERT_EQ(r.summary.cost.by_queue.size(), 1U);
  EXPECT_NEAR(r.summary.cost.by_queue[0].second, 1.0, 1e-9);
}

TEST(Cost, ReservedPaysForTheWholeCommitment) {
  // Two nodes of 8 GPUs reserved at $1 per GPU-hour; an 8-GPU job runs for an hour. Both nodes
  // are paid for the hour, used or not: 2 x 8 x $1 = $16; the job is charged 8 GPU-hours = $8.
  auto c = uniform_cluster(2, 8);
  c.pools[0].price.kind = PoolPrice::Kind::kReserved;
  c.pools[0].price.per_gpu_hour = 1;
  sim::Workload w;
  add_job(w, 0, 3600, 8);
  const auto r = run(c, w);
  EXPECT_NEAR(r.summary.cost.cloud_reserved, 16.0, 1e-9);
  EXPECT_NEAR(r.jobs[0].cost, 8.0, 1e-9);
  EXPECT_NEAR(r.summary.cost.idle, 8.0, 1e-9);
}

TEST(Cost, OnPremisesAmortizesCapitalAndPaysOperationsAndEnergy) {
  // One node of 8 GPUs: capital 8,766 amortized over 1 year ($1 per hour: a year is 8,766 hours),
  // operations 8,766 per year ($1 per hour), power 1 kW idle and 3 kW at full load, PUE 1.5,
  // $0.10 per kWh. One 4-GPU job runs 2 hours.
  //   capital 2 x $1 = $2, operations $2,
  //   energy (1 kW x 2 h + (3 - 1) kW x (4 GPUs x 2 h) / 8 GPUs) x 1.5 = (2 + 2) x 1.5 = 6 kWh =
  //   $0.60. total $4.60 over 16 GPU-hours of capacity: $0.2875 per GPU-hour; the job used 8:
  //   $2.30.
  auto c = uniform_cluster(1, 8);
  auto& p = c.pools[0].price;
  p.kind = PoolPrice::Kind::kOnPrem;
  p.capex_per_node = 8766;
  p.amortization_years = 1;
  p.ops_per_node_year = 8766;
  p.power_idle_kw = 1;
  p.power_load_kw = 3;
  p.pue = 1.5;
  p.price_per_kwh = 0.1;
  sim::Workload w;
  add_job(w, 0, 7200, 4);
  const auto r = run(c, w);
  EXPECT_NEAR(r.summary.cost.onprem_capital, 2.0, 1e-9);
  EXPECT_NEAR(r.summary.cost.onprem_operations, 2.0, 1e-9);
  EXPECT_NEAR(r.summary.cost.energy_kwh, 6.0, 1e-9);
  EXPECT_NEAR(r.summary.cost.energy, 0.6, 1e-9);
  EXPECT_NEAR(r.summary.cost.total, 4.6, 1e-9);
  EXPECT_NEAR(r.jobs[0].cost, 2.3, 1e-9);
}

sim::ClusterSpec autoscaled(std::uint32_t min_nodes) {
  auto c = uniform_cluster(2, 4);
  c.pools[0].price.kind = PoolPrice::Kind::kOnDemand;
  c.pools[0].price.per_gpu_hour = 1;
  auto& a = c.pools[0].autoscale;
  a.enabled = true;
  a.min_nodes = min_nodes;
  a.scale_up_after_s = 10;
  a.provisioning_delay_s = 100;
  a.scale_down_after_s = 50;
  return c;
}

TEST(Autoscale, APendingJobBringsANodeUpAfterTheThresholdAndTheDelay) {
  // No node up at first. The autoscaler looks every 5 s (half the smallest threshold). A 4-GPU
  // job submitted at 0 has waited 10 s at t=10: one node is requested, ready at 110; the job
  // runs 110..1110. Billing from the request: 1,100 s x 4 GPUs x $1/h = $1.2222.
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  const auto r = run(autoscaled(0), w);
  ASSERT_TRUE(r.jobs[0].start);
  EXPECT_EQ(r.jobs[0].start->ms(), 110'000);
  EXPECT_EQ(r.summary.nodes_provisioned, 1U);
  EXPECT_NEAR(r.summary.cost.total, 1100.0 * 4 / 3600.0, 1e-9);
}

TEST(Autoscale, AnIdleNodeAboveTheMinimumGoesAway) {
  // One node up (the minimum). j0 (4 GPUs, 100 s) runs 0..100; j1 (4 GPUs, 1000 s) waits and at
  // t=10 asks for a node (ready at 110). j0 ends at 100 and j1 starts on node 0 at once, so
  // node 1 comes up idle at 110 and is released at the first look 50 s later: t=160.
  // Billed: node 0 0..1100, node 1 10..160: 1,250 node-seconds x 4 GPUs x $1/h.
  sim::Workload w;
  add_job(w, 0, 100, 4);
  add_job(w, 0, 1000, 4);
  const auto r = run(autoscaled(1), w);
  EXPECT_EQ(r.jobs[1].start->ms(), 100'000);
  EXPECT_EQ(r.summary.nodes_provisioned, 1U);
  EXPECT_EQ(r.summary.nodes_released, 1U);
  EXPECT_NEAR(r.summary.cost.total, 1250.0 * 4 / 3600.0, 1e-9);
}

TEST(Spot, ReclaimsPreemptJobsThatStillFinish) {
  auto c = uniform_cluster(4, 8);
  c.pools[0].price.kind = PoolPrice::Kind::kSpot;
  c.pools[0].price.per_gpu_hour = 0.8;
  c.pools[0].price.spot_interruptions_per_node_hour = 0.5;
  c.pools[0].price.spot_recovery_s = 300;
  sim::Workload w;
  for (int i = 0; i < 60; ++i) add_job(w, i * 120.0, 1800 + (i * 71) % 3600, 1U << (i % 4));
  sim::SimulationOptions o;
  o.seed = 5;
  o.overheads.save_base_s = 30;
  const auto a = run(c, w, o);
  const auto b = run(c, w, o);
  EXPECT_GT(a.summary.spot_reclaims, 0U);
  EXPECT_GT(a.summary.preemptions, 0U);
  EXPECT_EQ(a.summary.completed, 60U);
  EXPECT_EQ(a.manifest.fingerprint, b.manifest.fingerprint);
  EXPECT_GT(a.summary.cost.cloud_spot, 0.0);
  EXPECT_GT(a.summary.gpu_hours_lost_preemption, 0.0);
}

}  // namespace
}  // namespace orrery::test
