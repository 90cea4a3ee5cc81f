// slurm: hand-worked schedules of the Slurm model.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <random>

#include "orrery/sim/problems.hpp"
#include "production_test_util.hpp"

namespace orrery::test {
namespace {

using prod::run;

// The live cluster's low-latency settings (live-slurm notes): 1 s ticks, no batch delay,
// backfill every second at 1 s resolution.
nlohmann::json low_latency() {
  return {{"batch_sched_delay", 0}, {"bf_interval", 1}, {"bf_resolution", 1}};
}

// An idle cluster: a job submitted at 0.3 s is allocated at the next tick of the 1 s loop, 1.0;
// one submitted at 2.0 (on a tick: submissions come before the tick's pass) at 2.0. With the
// main and backfill grids at phase 0.5 s the second starts at 2.5; with Slurm's default
// batch_sched_delay of 3 s the main scheduler waits 3 s after its previous run, so the second
// starts at 4.0.
TEST(Slurm, TickLatencyShowsInStartTimes) {
  sim::Workload w;
  add_job(w, 0.3, 10, 1);
  add_job(w, 2.0, 10, 1);
  const auto r = run(uniform_cluster(1, 4), w, "slurm", low_latency());
  EXPECT_EQ(r.start(0), 1.0);
  EXPECT_EQ(r.start(1), 2.0);
  nlohmann::json phased = low_latency();
  phased["sched_tick_phase"] = 0.5;
  phased["bf_phase"] = 0.5;  // or backfill, on its own grid, would start it at 2.0
  const auto p = run(uniform_cluster(1, 4), w, "slurm", phased);
  EXPECT_EQ(p.start(0), 0.5);
  EXPECT_EQ(p.start(1), 2.5);
  const auto stock = run(uniform_cluster(1, 4), w, "slurm");
  EXPECT_EQ(stock.start(0), 1.0);
  EXPECT_EQ(stock.start(1), 4.0);
}

// A tick that falls while nothing is pending runs on a live cluster and finds nothing to do (the
// engine calls no policy then). Main loop at phase 0.9, backfill at 0.5: the job submitted at
// 0.3 is started by backfill at 0.5, and the main loop's tick at 0.9 finds the queue empty. The
// job submitted at 2.2, after that idle spell, waits for the next tick (backfill's, 2.5): it
// does not start at its submission as if the tick at 0.9 were still due.
TEST(Slurm, ATickMissedWhileIdleDoesNotStartTheNextJobAtItsSubmission) {
  sim::Workload w;
  add_job(w, 0.3, 10, 1);
  add_job(w, 2.2, 10, 1);
  add_job(w, 3.95, 10, 1);
  nlohmann::json phased = low_latency();
  phased["sched_tick_phase"] = 0.9;
  phased["bf_phase"] = 0.5;
  const auto r = run(uniform_cluster(1, 4), w, "slurm", phased);
  EXPECT_EQ(r.start(0), 0.5);
  EXPECT_EQ(r.start(1), 2.5);
  // Likewise after the main loop's tick at 2.9 found nothing: the job submitted at 3.95 starts
  // at backfill's next tick, 4.5 (before the main loop's, 4.9).
  EXPECT_EQ(r.start(2), 4.5);
}

// Four nodes with one GPU each. A (3 GPUs, 20 s, limit 20 s) starts at 0. B (4 GPUs, 10 s,
// limit 10 s) at 0.5 cannot start: the main scheduler blocks the partition behind it. C (1 GPU,
// 10 s, limit 15 s) and D (1 GPU, 10 s, limit 30 s) arrive at 1. Backfill at 1: B's earliest
// start is 20 (A's limit), reserved on all four nodes for 20..30. C on the free node would end
// by 16 < 20: it starts at 1 (ends 11). D would run past 20 into B's reservation: it is not
// started and reserves 30. B starts at 20 as reserved (not delayed), D at 30.
// With sched/builtin, C waits behind B too: B 20..30, then C and D at 30.
TEST(Slurm, BackfillStartsAShortJobWithoutDelayingTheReservation) {
  sim::Workload w;
  add_job(w, 0, 20, 1, 3, 20);
  add_job(w, 0.5, 10, 1, 4, 10);
  add_job(w, 1, 10, 1, 1, 15);
  add_job(w, 1, 10, 1, 1, 30);
  const auto r = run(uniform_cluster(4, 1), w, "slurm", low_latency());
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(2), 1);
  EXPECT_EQ(r.start(1), 20);
  EXPECT_EQ(r.start(3), 30);

  nlohmann::json builtin = low_latency();
  builtin["SchedulerType"] = "sched/builtin";
  const auto b = run(uniform_cluster(4, 1), w, "slurm", builtin);
  EXPECT_EQ(b.start(1), 20);
  EXPECT_EQ(b.start(2), 30);
  EXPECT_EQ(b.start(3), 30);
}

// A backfill reservation takes its nodes whole (Slurm's backfill map is of nodes; the live run in
// tests/calibrate/data/whole-node-run is this workload). Two nodes with 8 GPUs each. A1 (8 GPUs,
// 100 s, limit 120) starts at 0 on n1, A2 (6 GPUs, 105 s, limit 120) at 30 on n2. At 35 B
// (4 GPUs, 30 s, limit 60) cannot start; backfill reserves n1 for it over 120..180 (A1's limit).
// C (4 GPUs, limit 60) at 36: n1 is B's until 180, n2 frees at 150 (A2's limit): C is reserved
// n2 over 150..210. E (2 GPUs, 150 s, limit 180) at 37 fits n2's 2 idle GPUs now, but its run
// would reach into C's reservation, so it is not started (per GPU, it would have been: n2 has
// 8 GPUs at 150, C takes 4). A1 ends at 100: the main scheduler starts B and C on n1, and E,
// on n2's 2 GPUs.
TEST(Slurm, AReservationTakesItsNodesWhole) {
  sim::Workload w;
  add_job(w, 0, 100, 8, 1, 120);
  add_job(w, 30, 105, 6, 1, 120);
  add_job(w, 35, 30, 4, 1, 60);
  add_job(w, 36, 30, 4, 1, 60);
  add_job(w, 37, 150, 2, 1, 180);
  const auto r = run(uniform_cluster(2, 8), w, "slurm", low_latency());
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(1), 30);
  EXPECT_EQ(r.start(2), 100);
  EXPECT_EQ(r.start(3), 100);
  EXPECT_EQ(r.start(4), 100);
}

// Slurm's will-run answers the last end of the first batch of running-job ends after which the
// job fits, not the exact earliest start (docs/slurm-backfill.md, section 3; the live run in
// tests/calibrate/data/will-run-batch-run is this case). Three nodes with 8 GPUs, low-latency
// settings (1 s resolution). From 0, each running to its limit: X (8 GPUs, limit 660) on n1;
// Y (6 GPUs, 720) and W (2 GPUs, 190) on n2; V (4 GPUs, 470) on n3. P (8 GPUs, 100 s, limit
// 240) at 5 cannot start. Exactly, it could start when n3 frees at 470. The will-run: the anchor
// is W's end, 190, raised to the next 30 s mark, 210; the first batch ends at 210 + 30 (W), the
// next at 210 + 480 = 690 (V at 470 and X at 660; Y later): P fits after it, and the answer is
// its last end, 660. P's reservation is n1 over 660..900. Q (4 GPUs, limit 500) at 6 fits n3's
// 4 idle GPUs and ends by 506 < 660: it starts at once. V ends at 470 with Q still on n3; Q ends
// at 506 and P starts there.
// With bf_window_linear 120 the boundaries are 210 + 30, 150, 270, 390, 510: the batch with V
// ends at 480 without X, so P's answer is V's end, 470, and its reservation (n3, the first node
// where P fits then) covers Q's run: Q waits. P starts at 470 on n3, Q when P ends, at 570.
TEST(Slurm, TheWillRunAnswersTheLastEndOfTheFirstBatchThatFits) {
  sim::Workload w;
  add_job(w, 0, 660, 8, 1, 660);  // X
  add_job(w, 0, 720, 6, 1, 720);  // Y
  add_job(w, 0, 190, 2, 1, 190);  // W
  add_job(w, 0, 470, 4, 1, 470);  // V
  add_job(w, 5, 100, 8, 1, 240);  // P
  add_job(w, 6, 500, 4, 1, 500);  // Q
  const auto r = run(uniform_cluster(3, 8), w, "slurm", low_latency());
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(3), 0);
  EXPECT_EQ(r.start(5), 6);
  EXPECT_EQ(r.start(4), 506);
  nlohmann::json linear = low_latency();
  linear["bf_window_linear"] = 120;
  const auto l = run(uniform_cluster(3, 8), w, "slurm", linear);
  EXPECT_EQ(l.start(4), 470);
  EXPECT_EQ(l.start(5), 570);
}

// select/cons_tres chooses nodes by runs of consecutive nodes where the job fits, the shortest
// run that holds it first, then its first node; not by best fit (docs/slurm-backfill.md, "Which
// nodes"). Four nodes with 4 GPUs, from 0 (each placed by the same rule): A (4 GPUs, 100 s) on
// n0, B (4 GPUs) on n1, C (3 GPUs) on n2, D (3 GPUs) on n3, leaving one GPU idle on n2 and n3.
// A ends at 100. E (1 GPU) at 150 fits n0 (4 idle), n2 and n3 (1 each): the runs are n0 and
// n2-n3, and n0, alone, is the shorter; best fit would take n2. F (2 tasks of 1 GPU) at 160:
// n0 holds both (3 idle), as does the run n2-n3, one task each; the first of the two, n0, wins
// and, holding every task, takes both.
TEST(Slurm, NodesAreChosenByRunsOfConsecutiveFreeNodesNotByBestFit) {
  sim::Workload w;
  add_job(w, 0, 100, 4, 1, 100);    // A
  add_job(w, 0, 1000, 4, 1, 1000);  // B
  add_job(w, 0, 1000, 3, 1, 1000);  // C
  add_job(w, 0, 1000, 3, 1, 1000);  // D
  add_job(w, 150, 100, 1, 1, 100);  // E
  add_job(w, 160, 10, 1, 2, 10);    // F
  const auto r = run(uniform_cluster(4, 4), w, "slurm", low_latency());
  for (sim::JobIndex j = 0; j < 4; ++j) {
    EXPECT_EQ(r.start(j), 0);
    EXPECT_EQ(r.first_node(j), j);
  }
  EXPECT_EQ(r.start(4), 150);
  EXPECT_EQ(r.first_node(4), 0U);
  EXPECT_EQ(r.start(5), 160);
  EXPECT_EQ(r.rec.starts.at(5).front().second.task_nodes, (std::vector<std::uint32_t>{0, 0}));

  // Gangs. Six nodes with 1 GPU; six one-GPU jobs from 0 take n0..n5 in turn (each the first
  // node of the one run left), two of them for long; at 50 the others end. Then a gang of
  // `tasks` at 60: where does it start?
  auto gang_nodes = [](int held1, int held2, std::uint32_t tasks) {
    sim::Workload w6;
    for (int k = 0; k < 6; ++k) add_job(w6, 0, k == held1 || k == held2 ? 1000 : 50, 1, 1);
    add_job(w6, 60, 10, 1, tasks);
    const auto r6 = run(uniform_cluster(6, 1), w6, "slurm", low_latency());
    for (sim::JobIndex j = 0; j < 6; ++j) EXPECT_EQ(r6.first_node(j), j);
    EXPECT_EQ(r6.start(6), 60);
    return r6.rec.starts.at(6).front().second.task_nodes;
  };
  // n1 and n4 held: free runs n0, n2-n3, n5. Two tasks take n2 and n3, the only run holding
  // both (best fit, all nodes equal, would take n0 and n2).
  EXPECT_EQ(gang_nodes(1, 4, 2), (std::vector<std::uint32_t>{2, 3}));
  // When no run holds the gang, the largest goes first, then the run that holds what is left.
  // n1 and n3 held: free runs n0, n2, n4-n5. Three tasks take n4 and n5, then n0, the first of
  // the runs that hold the last task (in index order: n0, n2, n4).
  EXPECT_EQ(gang_nodes(1, 3, 3), (std::vector<std::uint32_t>{0, 4, 5}));
}

// The will-run reserves the nodes cons_tres would choose once the answer's batch has ended
// (the live run tests/calibrate/data/will-run-pick-run is this case). Three nodes with 8 GPUs,
// low-latency settings; each job runs to its limit. A (8 GPUs, 300 s) on n0 from 0; B (6 GPUs,
// 240 s) at 40 on n1 (n1-n2 is one run: its first node); C (8 GPUs, 540 s) at 45 on n2. R (8
// GPUs, 120 s) at 60 cannot start; exactly it fits when B ends (n1, 280), but the will-run's
// batch from B's end (280 up to 300 + 30) holds A's end too: the answer is 300, when n0 and n1
// are both free, one run, and the pick is its first node, n0. (Reserving n1, the node where R
// first fits, would be the old model's pick.) S (2 GPUs, 660 s) at 61 fits n1's 2 idle GPUs and
// n1 is not reserved: it starts at once. R starts at 300 on n0, when A ends.
TEST(Slurm, TheWillRunReservesTheNodesConsTresWouldChoose) {
  sim::Workload w;
  add_job(w, 0, 300, 8, 1, 300);   // A
  add_job(w, 40, 240, 6, 1, 240);  // B
  add_job(w, 45, 540, 8, 1, 540);  // C
  add_job(w, 60, 120, 8, 1, 120);  // R
  add_job(w, 61, 660, 2, 1, 660);  // S
  const auto r = run(uniform_cluster(3, 8), w, "slurm", low_latency());
  EXPECT_EQ(r.first_node(0), 0U);
  EXPECT_EQ(r.first_node(1), 1U);
  EXPECT_EQ(r.first_node(2), 2U);
  EXPECT_EQ(r.start(4), 61);
  EXPECT_EQ(r.first_node(4), 1U);
  EXPECT_EQ(r.start(3), 300);
  EXPECT_EQ(r.first_node(3), 0U);
}

// A gang's earliest start on a node set that a reservation has cut: the count of tasks at a time
// is the count after every release at that time, whichever node the last one is on. Four nodes
// with 8 GPUs (pool a: n0-n1, pool b: n2-n3; partition "one" = pool b, "all" the default). At 0
// W (limit 1 s) starts on n0, X0 and X1 (limit 100 s) on n1 and n2, Y (300 s) on n3. R (8 GPUs,
// 50 s, partition "one") at 2, G (a gang of 2 x 8 GPUs, 400 s) at 3 and B (8 GPUs, 120 s) at 4
// cannot start. Backfill at 4: R is reserved n2 from 100. G's window crosses that reservation, so
// G may use n0, n1 and n3: one task on idle n0, a second once n1 is released at 100 (n2's release
// at 100 comes after it and is not G's). G is reserved n0-n1 from 100, so B, which would run on n0
// to 124, cannot start; at 100 R starts on n2 and G on n0-n1, and B starts when R ends, at 150.
// (Counting only at a release on G's nodes, G's count would reach 2 at n3's 300; the retry past
// R's reservation would reserve G from 150, and B would start on n0 at 4 and hold G back to 124.)
TEST(Slurm, AGangReachesItsTasksAtAReleaseTimeWhicheverNodeIsReleasedLast) {
  sim::ClusterSpec c = uniform_cluster(2, 8);
  c.pools[0].name = "a";
  c.pools.push_back(c.pools[0]);
  c.pools[1].name = "b";
  sim::Workload w;
  add_job(w, 0, 1, 8, 1, 1);      // W
  add_job(w, 0, 100, 8, 1, 100);  // X0
  add_job(w, 0, 100, 8, 1, 100);  // X1
  add_job(w, 0, 300, 8, 1, 300);  // Y
  add_job(w, 2, 50, 8, 1, 50);    // R
  add_job(w, 3, 400, 8, 2, 400);  // G
  add_job(w, 4, 120, 8, 1, 120);  // B
  prod::set_queue(w, 4, "one");
  nlohmann::json params = low_latency();
  params["partitions"] = {{{"PartitionName", "one"}, {"Nodes", "b"}},
                          {{"PartitionName", "all"}, {"Nodes", "ALL"}, {"Default", "YES"}}};
  const auto r = run(c, w, "slurm", params);
  ASSERT_EQ(r.first_node(0), 0U);
  ASSERT_EQ(r.first_node(1), 1U);
  ASSERT_EQ(r.first_node(2), 2U);
  ASSERT_EQ(r.first_node(3), 3U);
  EXPECT_EQ(r.start(4), 100);
  EXPECT_EQ(r.first_node(4), 2U);
  EXPECT_EQ(r.start(5), 100);
  EXPECT_EQ(r.first_node(5), 0U);
  EXPECT_EQ(r.start(6), 150);
}

// The backfill map holds at most bf_node_space_size slices; when a reservation finds it full,
// the pass ends (Slurm: "table size limit ... reached"). Four nodes with one GPU each: A (3 GPUs,
// 20 s) runs from 0; B (4 GPUs, limit 10) at 0.5 cannot start and blocks the main scheduler; at
// 1 come X (4 GPUs, limit 10) and C (1 GPU, limit 15). With the default size the pass reserves
// B over 20..30, X over 30..40 and starts C at 1 on the idle GPU (it ends by 16). With 2 slices,
// B's reservation leaves three, so the pass ends at X and C is never tested: it waits for B
// (20..30) and X (30..40) and starts at 40.
TEST(Slurm, AFullBackfillMapEndsThePass) {
  sim::Workload w;
  add_job(w, 0, 20, 1, 3, 20);
  add_job(w, 0.5, 10, 1, 4, 10);
  add_job(w, 1, 10, 1, 4, 10);
  add_job(w, 1, 10, 1, 1, 15);
  const auto r = run(uniform_cluster(4, 1), w, "slurm", low_latency());
  EXPECT_EQ(r.start(3), 1);
  EXPECT_EQ(r.start(1), 20);
  EXPECT_EQ(r.start(2), 30);
  nlohmann::json small = low_latency();
  small["bf_node_space_size"] = 2;
  const auto f = run(uniform_cluster(4, 1), w, "slurm", small);
  EXPECT_EQ(f.start(1), 20);
  EXPECT_EQ(f.start(2), 30);
  EXPECT_EQ(f.start(3), 40);
}

// bf_max_job_test counts the jobs backfill tests for a start, not those that can never run in
// their partition. Partition "small" (the default) is pool a, one node with 4 GPUs; pool b, one
// node with 8, is partition "big". R (2 GPUs, 100 s) runs from 0; B (4 GPUs, 10 s) at 1 cannot
// start and blocks the main scheduler; X (8 GPUs) at 2 can never run in "small"; S (1 GPU, 10 s)
// at 3 fits the 2 idle GPUs and ends long before B's reservation at 100. With bf_max_job_test 2,
// backfill tests B and S (X is passed over uncounted) and starts S at 3; counting X, it would
// never reach S, which would start after B, at 110.
TEST(Slurm, AJobThatCanNeverRunDoesNotCountAgainstTheBackfillDepth) {
  sim::ClusterSpec c = uniform_cluster(1, 4);
  c.pools[0].name = "a";
  c.pools.push_back(c.pools[0]);
  c.pools[1].name = "b";
  c.pools[1].gpus_per_node = 8;
  sim::Workload w;
  add_job(w, 0, 100, 2, 1, 100);
  add_job(w, 1, 10, 4, 1, 10);
  add_job(w, 2, 10, 8, 1, 10);
  add_job(w, 3, 10, 1, 1, 10);
  nlohmann::json params = low_latency();
  params["partitions"] = {{{"PartitionName", "small"}, {"Nodes", "a"}, {"Default", "YES"}},
                          {{"PartitionName", "big"}, {"Nodes", "b"}}};
  params["bf_max_job_test"] = 2;
  const auto r = run(c, w, "slurm", params);
  EXPECT_EQ(r.start(1), 100);
  EXPECT_EQ(r.start(3), 3);
}

// Two nodes with 4 GPUs each (low-latency settings). A (4 GPUs, 1000 s) and Z (2 GPUs, 500 s)
// start at 0 on different nodes. B (a gang of 2 x 4 GPUs, 100 s) at 1 cannot start: backfill
// reserves 1000..1100 on both nodes. C (4 GPUs, 400 s) at 2 cannot start (2 GPUs idle); its
// earliest start is Z's end, 500, on Z's node, and it ends by 900 < 1000. E (2 GPUs, 800 s)
// at 3 fits the 2 idle GPUs now but would run to 803, into C's reservation.
// Slurm's default bf_job_part_count_reserve 0 reserves for C too: C starts at 500, B at 1000,
// and E, which fits nowhere before B's reservation ends, at 1100.
// With bf_job_part_count_reserve 1 only B holds a reservation: E starts at 3 (it ends before
// B's), and C, which no longer fits by 1000 once E holds half of Z's node, starts after B, 1100.
TEST(Slurm, ReservationCountLetsALaterJobStartAheadOfAnUnreservedOne) {
  sim::Workload w;
  add_job(w, 0, 1000, 4);
  add_job(w, 0, 500, 2);
  add_job(w, 1, 100, 4, 2);
  add_job(w, 2, 400, 4);
  add_job(w, 3, 800, 2);
  const auto all = run(uniform_cluster(2, 4), w, "slurm", low_latency());
  EXPECT_EQ(all.start(0), 0);
  EXPECT_EQ(all.start(1), 0);
  EXPECT_EQ(all.start(3), 500);
  EXPECT_EQ(all.start(2), 1000);
  EXPECT_EQ(all.start(4), 1100);
  nlohmann::json one = low_latency();
  one["bf_job_part_count_reserve"] = 1;
  const auto easy = run(uniform_cluster(2, 4), w, "slurm", one);
  EXPECT_EQ(easy.start(4), 3);
  EXPECT_EQ(easy.start(2), 1000);
  EXPECT_EQ(easy.start(3), 1100);
}

// One node with 6 GPUs. R0 (4 GPUs, 0..100) and R1 (2 GPUs, 0..1000) fill it. At 1, 2, 3 arrive
// J1 (1 GPU, 50 s), J2 (4 GPUs, 50 s), J3 (1 GPU, 50 s, priority 10). sched/builtin.
// Plain FIFO (all weights 0): at 100, J1 starts (3 GPUs left), J2 does not fit and blocks J3;
// J1 ends at 150: J2 150..200; then J3 at 200.
// Multifactor with PriorityWeightQOS 10000 and PriorityWeightJobSize 1000: J3 = 10000 + 166,
// J2 = 666, J1 = 166: at 100 J3 starts, J2 blocks J1; J3 ends at 150: J2 150..200; J1 at 200.
TEST(Slurm, MultifactorPriorityOrder) {
  sim::Workload w;
  add_job(w, 0, 100, 4);
  add_job(w, 0, 1000, 2);
  add_job(w, 1, 50, 1);
  add_job(w, 2, 50, 4);
  add_job(w, 3, 50, 1);
  w.jobs[4].priority = 10;
  nlohmann::json params = low_latency();
  params["SchedulerType"] = "sched/builtin";
  const auto fifo = run(uniform_cluster(1, 6), w, "slurm", params);
  EXPECT_EQ(fifo.start(2), 100);
  EXPECT_EQ(fifo.start(3), 150);
  EXPECT_EQ(fifo.start(4), 200);
  params["PriorityWeightQOS"] = 10000;
  params["PriorityWeightJobSize"] = 1000;
  const auto multi = run(uniform_cluster(1, 6), w, "slurm", params);
  EXPECT_EQ(multi.start(4), 100);
  EXPECT_EQ(multi.start(3), 150);
  EXPECT_EQ(multi.start(2), 200);
}

// Fair share: one GPU. alice runs A0 0..100. A1 (alice) arrives at 50, B1 (bob) at 60. At 100,
// alice has used 100 GPU-s and bob nothing; shares are equal (S = 0.5): F(alice) = 2^-(1/0.5) =
// 0.25, F(bob) = 1. With PriorityWeightFairshare 1000: B1 (1000) before A1 (250) although A1 was
// submitted first: B1 100..110, A1 110..120. Without fair share: A1 first.
TEST(Slurm, FairShareOrdersByUsage) {
  sim::Workload w;
  add_job(w, 0, 100, 1);
  add_job(w, 50, 10, 1);
  add_job(w, 60, 10, 1);
  prod::set_user(w, 0, "alice");
  prod::set_user(w, 1, "alice");
  prod::set_user(w, 2, "bob");
  nlohmann::json params = low_latency();
  params["PriorityCalcPeriod"] = "0:01";
  const auto plain = run(uniform_cluster(1, 1), w, "slurm", params);
  EXPECT_EQ(plain.start(1), 100);
  EXPECT_EQ(plain.start(2), 110);
  params["PriorityWeightFairshare"] = 1000;
  const auto fs = run(uniform_cluster(1, 1), w, "slurm", params);
  EXPECT_EQ(fs.start(2), 100);
  EXPECT_EQ(fs.start(1), 110);
}

// Partitions restrict nodes: "small" has only pool a (one 1-GPU node); a job queued there waits
// although pool b is idle.
TEST(Slurm, PartitionsRestrictNodes) {
  sim::ClusterSpec c = uniform_cluster(1, 1, "T4");
  c.pools[0].name = "a";
  c.pools.push_back(c.pools[0]);
  c.pools[1].name = "b";
  sim::Workload w;
  add_job(w, 0, 100, 1);
  add_job(w, 0, 100, 1);
  prod::set_queue(w, 0, "small");
  prod::set_queue(w, 1, "small");
  nlohmann::json params = low_latency();
  params["partitions"] = {{{"PartitionName", "small"}, {"Nodes", "a"}},
                          {{"PartitionName", "all"}, {"Nodes", "ALL"}, {"Default", "YES"}}};
  const auto r = run(c, w, "slurm", params);
  EXPECT_EQ(r.start(0), 0);
  EXPECT_EQ(r.start(1), 100);
}

// Node Weight (slurm.conf's Weight=, per node pool): runs of consecutive nodes break where the
// weight changes and the lowest-weight run goes first, even when a heavier run would fit better
// (`_eval_nodes`). Pools "hi" (n0, n1) and "lo" (n2, n3), 2 GPUs each; four long jobs started
// one by one: A (1 GPU) goes to n2, the first node of the light run (n0 without weights); B (2
// GPUs) to n3, the only light node with room; C (1 GPU) to n2's free GPU, light, before the heavy
// run n0-n1; D (two tasks of 2 GPUs, whole nodes) to n0 and n1, the light nodes being full.
TEST(Slurm, LighterNodesAreChosenFirst) {
  sim::ClusterSpec c = uniform_cluster(2, 2);
  c.pools[0].name = "hi";
  c.pools.push_back(c.pools[0]);
  c.pools[1].name = "lo";
  sim::Workload w;
  add_job(w, 0, 1000, 1);     // A
  add_job(w, 1, 1000, 2);     // B
  add_job(w, 2, 1000, 1);     // C
  add_job(w, 3, 1000, 2, 2);  // D
  nlohmann::json params = low_latency();
  params["Weight"] = {{"hi", 10}, {"lo", 1}};
  const auto r = run(c, w, "slurm", params);
  auto nodes = [&](sim::JobIndex j) { return r.rec.starts.at(j).front().second.task_nodes; };
  EXPECT_EQ(nodes(0), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(nodes(1), (std::vector<std::uint32_t>{3}));
  EXPECT_EQ(nodes(2), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(nodes(3), (std::vector<std::uint32_t>{0, 1}));
  // Equal weights (given or not): one run n0-n3, A on n0.
  params["Weight"] = {{"hi", 5}, {"lo", 5}};
  EXPECT_EQ(run(c, w, "slurm", params).rec.starts.at(0).front().second.task_nodes,
            (std::vector<std::uint32_t>{0}));
  params.erase("Weight");
  EXPECT_EQ(run(c, w, "slurm", params).rec.starts.at(0).front().second.task_nodes,
            (std::vector<std::uint32_t>{0}));
  // A pool the cluster lacks is an error naming it.
  params["Weight"] = {{"hi", 10}, {"gpu-old", 1}};
  try {
    run(c, w, "slurm", params);
    ADD_FAILURE() << "a Weight for an unknown pool was accepted";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("Weight.gpu-old: no node pool named \"gpu-old\""),
              std::string::npos)
        << e.what();
  }
}

TEST(Slurm, RejectsBadParameters) {
  EXPECT_THROW(policies::make_policy("slurm", {{"Weight", {{"a", -1}}}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"Weight", {{"a", 1.5}}}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"Weight", 3}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"bf_interval", 0}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"SchedulerType", "sched/wiki"}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"bf_node_space_size", 1}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"epoch_offset", 31}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"bf_window_linear", -1}}), sim::InputError);
  EXPECT_THROW(policies::make_policy("slurm", {{"PriorityMaxAge", "soon"}}), sim::InputError);
  try {
    policies::make_policy("slurm", {{"check_summaries", "yes"}});
    ADD_FAILURE() << "a non-boolean check_summaries was accepted";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("check_summaries"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("must be true or false"), std::string::npos) << e.what();
  }
  EXPECT_THROW(policies::make_policy("slurm", {{"sched_tick", 1}, {"sched_tick_phase", 1}}),
               sim::InputError);
  EXPECT_THROW(policies::make_policy(
                   "slurm", {{"partitions", {{{"PartitionName", "p"}, {"MaxTime", "x"}}}}}),
               sim::InputError);
  EXPECT_NO_THROW(policies::make_policy(
      "slurm", {{"PriorityMaxAge", "7-0"},
                {"partitions", {{{"PartitionName", "p"}, {"MaxTime", "1-00:00:00"}}}}}));
}

// The priority order holds while many jobs join between two recalculations (they wait in a
// second sorted list that is merged into the main one once long) and across recalculations: on
// one GPU, each job that starts is the best waiting one by (priority, submission).
TEST(Slurm, QueueOrderHoldsWithManyArrivalsBetweenRecalculations) {
  const sim::ClusterSpec c = uniform_cluster(1, 1);
  sim::Workload w;
  for (int i = 0; i < 300; ++i) {
    const sim::JobIndex j = add_job(w, i, 100, 1);
    w.jobs[j].priority = (i * 7) % 13;
  }
  for (const char* period : {"1-00:00:00", "10:00"}) {
    nlohmann::json params = low_latency();
    params["PriorityWeightQOS"] = 1000;
    params["PriorityCalcPeriod"] = period;
    const auto r = run(c, w, "slurm", params);
    std::size_t checked = 0;
    for (sim::JobIndex j = 0; j < w.jobs.size(); ++j) {
      ASSERT_GE(r.start(j), 0) << "job " << j;
      for (sim::JobIndex k = 0; k < w.jobs.size(); ++k) {
        const double submit_k = w.jobs[k].submit.seconds();
        if (k == j || submit_k >= r.start(j) - 1 || r.start(k) <= r.start(j)) continue;
        ++checked;
        const bool better = w.jobs[k].priority > w.jobs[j].priority ||
                            (w.jobs[k].priority == w.jobs[j].priority && k < j);
        EXPECT_FALSE(better) << "period " << period << ": job " << k << " (priority "
                             << w.jobs[k].priority << ") waited while job " << j << " (priority "
                             << w.jobs[j].priority << ") started at " << r.start(j);
      }
    }
    EXPECT_GT(checked, 10000U) << period;  // the queue was long for most of the run
  }
}

// The plan of running jobs and the will-run's per-shape summaries are kept from pass to pass and
// brought up to date from the jobs that started or stopped and the nodes whose plans changed. On
// random workloads (two GPU types, overlapping partitions, gangs, CPU-only and half-GPU tasks,
// jobs that outrun their time limit so their release moves every pass; without and with node
// failures), the check_summaries option makes them again whole at every pass and use and stops
// the run where they differ; the schedule with the check is the one without it.
TEST(Slurm, SummariesKeptFromPassToPassMatchOnesMadeWhole) {
  sim::ClusterSpec c = uniform_cluster(6, 8);
  c.pools[0].name = "a";
  c.pools.push_back(c.pools[0]);
  c.pools[1].name = "b";
  c.pools[1].gpu_type = "H100";
  c.pools[1].gpus_per_node = 4;
  c.pools[1].nodes = 4;
  for (std::uint32_t seed : {1U, 2U, 3U}) {
    std::mt19937 rng(seed);
    auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
    sim::Workload w;
    const std::uint32_t types[] = {0, w.gpu_types.intern("A100-80"), w.gpu_types.intern("H100")};
    double submit = 0;
    for (int i = 0; i < 150; ++i) {
      submit += pick(40);
      const std::uint32_t gpus = std::array<std::uint32_t, 5>{0, 1, 2, 4, 4}[pick(5)];
      const double duration = 10 + pick(1500);
      std::optional<double> walltime;
      if (pick(3) == 1) walltime = duration + pick(600);
      if (pick(3) == 2) walltime = std::max(1.0, duration - 1 - pick(300));  // outruns it
      const sim::JobIndex j = add_job(w, submit, duration, gpus, 1 + pick(3), walltime);
      w.jobs[j].gpu_type = types[pick(3)];
      w.jobs[j].cpu_milli = 1000 * std::array<std::uint32_t, 3>{0, 4, 16}[pick(3)];
      if (w.jobs[j].gpu_type != types[1] && pick(2) == 0) prod::set_queue(w, j, "small");
      if (gpus == 1 && pick(4) == 0) w.jobs[j].gpu_milli = 500;  // half a GPU, shared
    }
    nlohmann::json params = low_latency();
    params["partitions"] = {{{"PartitionName", "small"}, {"Nodes", "b"}},
                            {{"PartitionName", "all"}, {"Nodes", "ALL"}, {"Default", "YES"}}};
    // Without and with node failures (jobs evicted and queued again, nodes down for a while).
    for (const bool failures : {false, true}) {
      sim::SimulationOptions options;
      if (failures) {
        options.failures.repair_hours = 0.5;
        options.failures.scheduled = {{1, sim::SimTime::from_seconds(1500)},
                                      {7, sim::SimTime::from_seconds(2500)},
                                      {2, sim::SimTime::from_seconds(4000)}};
      }
      auto run_with = [&](const nlohmann::json& ps) {
        prod::Run r;
        sim::Simulation s(c, w, policies::make_policy("slurm", ps), policies::make_placer("pack"),
                          std::make_unique<sim::ObservedRuntime>(), options);
        s.add_observer(&r.rec);
        r.result = s.run();
        return r;
      };
      const std::string what = "seed " + std::to_string(seed) + (failures ? ", node failures" : "");
      params["check_summaries"] = false;
      const auto plain = run_with(params);
      params["check_summaries"] = true;
      prod::Run checked;
      ASSERT_NO_THROW(checked = run_with(params)) << what;
      std::size_t started = 0;
      for (sim::JobIndex j = 0; j < w.jobs.size(); ++j) {
        EXPECT_EQ(checked.start(j), plain.start(j)) << what << ", job " << j;
        EXPECT_EQ(checked.end(j), plain.end(j)) << what << ", job " << j;
        started += checked.start(j) >= 0 ? 1 : 0;
      }
      EXPECT_EQ(started, w.jobs.size()) << what;
      if (failures) EXPECT_GT(checked.result.summary.node_failures, 0U) << what;
    }
  }
}

}  // namespace
}  // namespace orrery::test
