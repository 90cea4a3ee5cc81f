// A saved Slurm calibration run read back (data/saved-run/: a 45-job `orrery calibrate slurm
// --no-fit` run on the local 4 x 8 GPU cluster, skip 1545 of the Philly DIR-LAB cut; the profile
// data/saved-run-profile.json was fitted on another run, skip 1500), the run's loop phases, and
// checking a profile on it.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "orrery/calibrate/saved_run.hpp"
#include "orrery/calibrate/slurm_calibration.hpp"
#include "orrery/sim/problems.hpp"
#include "test_support.hpp"

namespace orrery::calibrate {
namespace {

namespace fs = std::filesystem;

const fs::path kData = ORRERY_CALIBRATE_DATA;

// Copies the saved run into `to` so a test can break one file of it.
void copy_run(const fs::path& to) {
  fs::copy(kData / "saved-run", to, fs::copy_options::recursive);
}

// Replays the saved run data/`run` with its own profile.json (for a --no-fit run, the unfitted
// model) and expects `jobs` jobs, each started within `tolerance_s` of the live cluster.
ProfileCheck replay_within(const std::string& run, std::size_t jobs, double tolerance_s) {
  const SavedSlurmRun r = load_saved_slurm_run((kData / run).string());
  const CalibrationProfile p = CalibrationProfile::load((kData / run / "profile.json").string());
  ProfileCheck c = check_profile(r, p);
  EXPECT_EQ(c.jobs_defaults.size(), jobs) << run;
  for (const JobComparison& j : c.jobs_defaults) {
    EXPECT_TRUE(j.observed_start_s && j.simulated_start_s) << run << " " << j.id;
    if (j.observed_start_s && j.simulated_start_s)
      EXPECT_NEAR(*j.simulated_start_s, *j.observed_start_s, tolerance_s) << run << " " << j.id;
  }
  return c;
}

std::string error_of(const std::string& dir) {
  try {
    load_saved_slurm_run(dir);
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SavedRun, ReadsBackEveryJobWithItsTimesStampsAndTheLoopsActivity) {
  const SavedSlurmRun r = load_saved_slurm_run((kData / "saved-run").string());
  EXPECT_EQ(r.partition, "gpu");
  std::uint32_t gpus = 0;
  for (const auto& p : r.cluster.pools) gpus += p.nodes * p.gpus_per_node;
  EXPECT_EQ(gpus, 32U);
  ASSERT_EQ(r.live.jobs.size(), r.observed.jobs.size());
  ASSERT_GE(r.live.jobs.size(), 40U);
  EXPECT_GT(r.live.t0_ms, 0);
  for (std::size_t i = 0; i < r.live.jobs.size(); ++i) {
    const ObservedJob& j = r.live.jobs[i];
    ASSERT_TRUE(j.release_ms && j.start_ms && j.end_ms) << j.job_id;
    ASSERT_TRUE(j.script_start_us && j.script_end_us) << j.job_id;
    EXPECT_GE(*j.release_ms, r.live.t0_ms);
    EXPECT_LE(*j.start_ms, *j.end_ms);
    // The script runs inside its allocation (stamps to the ms, the log to the ms).
    EXPECT_GE(*j.script_start_us / 1000, *j.start_ms) << j.job_id;
    EXPECT_LE(*j.script_end_us / 1000, *j.end_ms) << j.job_id;
    // The log's allocation time is the observed trace's start.
    const auto& o = r.observed.jobs[i];
    ASSERT_TRUE(o.observed.start);
    EXPECT_EQ(o.observed.start->ms(), *j.start_ms - r.live.t0_ms) << j.job_id;
  }
  EXPECT_GE(r.live.activity.main_ms.size() + r.live.activity.backfill_ms.size(), 3U);
}

LiveRun activity_at(std::vector<double> backfill_s, std::vector<double> main_s) {
  LiveRun l;
  l.t0_ms = 1'700'000'000'000;
  for (double s : backfill_s) l.activity.backfill_ms.push_back(l.t0_ms + std::llround(s * 1000));
  for (double s : main_s) l.activity.main_ms.push_back(l.t0_ms + std::llround(s * 1000));
  return l;
}

TEST(RunPhases, MeasuresEachLoopsPhaseOnTheModelsPeriod) {
  ModelParams m;
  m.policy = "slurm";
  m.tick_s = 1.0;
  m.phase_s = 0.9;
  const LiveRun l = activity_at({0.248, 3.252, 4.25, 9.249}, {1.601, 2.599, 7.6});
  const ModelParams p = with_run_loops(m, l);
  EXPECT_NEAR(p.phase_s, 0.25, 0.002);
  EXPECT_NEAR(p.policy_params.at("sched_tick_phase").get<double>(), 0.6, 0.002);
  // Only the loops change (this run's backfill period is 1.000 s).
  EXPECT_EQ(p.tick_s, m.tick_s);
  EXPECT_EQ(p.launch_latency_s, m.launch_latency_s);
}

// A backfill loop that takes 4 ms per pass on top of its 1 s interval: the run's period, from its
// log, whatever the model's tick (slurm.conf's 1 s or a profile's 1.002 s from another run).
TEST(RunPhases, TakesTheBackfillPeriodFromTheRun) {
  std::vector<double> bf;
  for (int k : {0, 1, 3, 7, 12, 20, 33, 54, 88, 143}) bf.push_back(0.3 + 1.004 * k);
  for (double tick : {1.0, 1.002}) {
    ModelParams m;
    m.policy = "slurm";
    m.tick_s = tick;
    const ModelParams p = with_run_loops(m, activity_at(bf, {}));
    EXPECT_DOUBLE_EQ(p.tick_s, 1.004) << tick;
    EXPECT_NEAR(p.phase_s, 0.3, 0.002) << tick;
  }
}

TEST(RunPhases, APhaseAtTheEndOfThePeriodDoesNotAverageToTheMiddle) {
  ModelParams m;
  m.tick_s = 1.0;
  const ModelParams p = with_run_loops(m, activity_at({0.998, 2.002, 2.999, 5.001}, {}));
  const double d = std::min(p.phase_s, 1.0 - p.phase_s);  // distance from 0 on the circle
  EXPECT_LT(d, 0.003) << p.phase_s;
}

// slurmctld's main loop sleeps ten times 100 ms and then works: its period is a little over 1 s
// and its phase drifts over a run. From 3 starts or more the model's main loop takes this run's
// period (policy parameter sched_tick) and its phase on it.
TEST(RunPhases, TakesTheMainLoopsPeriodFromThreeStarts) {
  ModelParams m;
  m.policy = "slurm";
  m.tick_s = 1.0;
  const ModelParams p = with_run_loops(
      m, activity_at({0.5, 1.5, 2.5},
                     {0.9 + 1.002 * 50, 0.9 + 1.002 * 80, 0.9 + 1.002 * 81, 0.9 + 1.002 * 130}));
  EXPECT_NEAR(p.policy_params.at("sched_tick").get<double>(), 1.002, 1e-9);
  EXPECT_NEAR(p.policy_params.at("sched_tick_phase").get<double>(), 0.9, 0.002);
  // Two starts: the phase on the 1 s period, no sched_tick.
  const ModelParams q = with_run_loops(m, activity_at({0.5, 1.5, 2.5}, {50.9, 80.9}));
  EXPECT_FALSE(q.policy_params.contains("sched_tick"));
  EXPECT_NEAR(q.policy_params.at("sched_tick_phase").get<double>(), 0.9, 0.002);
}

// Too few starts to measure a loop's phase: phase 0, as slurm.conf's model has, and never the
// phases the model came with (a profile's belong to the run it was fitted on; carried into a
// check they made a profile look worse than the unfitted model on a run whose main loop had
// started only one job). The main loop's phase is taken from as few as one start.
TEST(RunPhases, TooFewStartsGivePhaseZeroNotTheModelsOwn) {
  ModelParams m;
  m.policy = "slurm";
  m.phase_s = 0.4;
  m.policy_params["sched_tick_phase"] = 0.8;
  const ModelParams p = with_run_loops(m, activity_at({0.1, 1.1}, {}));
  EXPECT_EQ(p.phase_s, 0.0);
  EXPECT_FALSE(p.policy_params.contains("sched_tick_phase"));
  const ModelParams one = with_run_loops(m, activity_at({0.1, 1.1}, {3.7}));
  EXPECT_EQ(one.phase_s, 0.0);
  EXPECT_NEAR(one.policy_params.at("sched_tick_phase").get<double>(), 0.7, 1e-9);
}

TEST(ProfileCheck, AProfileFittedOnOneRunIsCloserOnAnotherRunThanTheUnfittedModel) {
  const SavedSlurmRun r = load_saved_slurm_run((kData / "saved-run").string());
  const CalibrationProfile p =
      CalibrationProfile::load((kData / "saved-run-profile.json").string());
  const ProfileCheck c = check_profile(r, p);
  EXPECT_EQ(c.errors_profile.jobs, r.observed.jobs.size());
  // The unfitted model has no launch latency: every simulated job ends early by about the
  // latency the profile measured, so the profile's JCT errors are smaller.
  EXPECT_EQ(c.defaults.launch_latency_s, 0.0);
  EXPECT_GT(c.profile.launch_latency_s, 0.1);
  EXPECT_LT(c.errors_profile.jct_abs_median_s, c.errors_defaults.jct_abs_median_s);
  EXPECT_LT(c.errors_profile.objective, c.errors_defaults.objective);
  // Both ran on this run's phases, not the profile's (the backfill phase is on each model's own
  // tick period, so only the main loop's, on 1 s for both, is the same number).
  EXPECT_EQ(c.profile.policy_params.at("sched_tick_phase"),
            c.defaults.policy_params.at("sched_tick_phase"));
}

// Slurm's select/cons_tres does not choose by best fit: it takes the first node of the shortest
// run of consecutive nodes where the job fits (docs/slurm-backfill.md, "Which nodes"). In the
// 45-job run seven 1-GPU jobs went to a node with more idle GPUs than another node where they
// fitted: at ~40 s to n4 (2 idle), alone, and not n1 (1 idle), in the run n1-n2; at ~46 s to n2
// (5 idle), not n3 (1 idle), the run n2-n3 beginning at n2. The model puts every job on the
// nodes Slurm allocated but one, whose choice hinges on an end the replay has 0.25 s early: at
// 49.41 s job 1588 went to n2 (n1 was full until 1548 ended at 49.57 s); the unfitted model,
// without completion latency, ends 1548 at 49.32 s, and n1-n3 is one run then, so it takes n1.
// data/gang-pick-run (`orrery calibrate slurm --local 4:8:a100 --min-duration 1 --no-fit`; submit
// s, nodes x GPUs, sleep s): F 0, 1 x 8, 20 (n1); L 1, 1 x 8, 100 (n2); G 30, 2 x 8, 30; K 31,
// 1 x 8, 30. At 30 n1, n3 and n4 are free: the runs are n1 and n3-n4, and only the second holds
// G: Slurm gave it n[3-4] (best fit, all nodes equal, would have taken n1 and n3) and K n1.
TEST(SavedRun, TheModelChoosesTheNodesSlurmChose) {
  for (const std::string run : {"saved-run", "whole-node-run", "will-run-batch-run",
                                "will-run-pick-run", "gang-pick-run"}) {
    const SavedSlurmRun r = load_saved_slurm_run((kData / run).string());
    // jobs_defaults is the run's unfitted model; the profile only makes jobs_profile.
    const fs::path profile =
        run == "saved-run" ? kData / "saved-run-profile.json" : kData / run / "profile.json";
    const ProfileCheck c = check_profile(r, CalibrationProfile::load(profile.string()));
    ASSERT_FALSE(c.jobs_defaults.empty()) << run;
    for (const JobComparison& j : c.jobs_defaults) {
      EXPECT_FALSE(j.observed_nodes.empty()) << run << " " << j.id;
      if (run == "saved-run" && j.id == "1588") continue;
      EXPECT_TRUE(same_nodes(r, j)) << run << " " << j.id << ": Slurm " << j.observed_nodes
                                    << ", model " << simulated_node_names(r, j);
    }
  }
}

// data/whole-node-run/: a live run on the local 2 x 8 GPU Slurm 22.05 (`orrery calibrate slurm
// --local 2:8:a100 --min-duration 1 --no-fit`, its profile.json is the unfitted model) of five
// jobs made to tell whole-node reservations from per-GPU ones (submit s, GPUs, sleep s, limit
// min): A1 0, 8, 100, 2 (n1, planned to end at ~121); A2 30, 6, 105, 2 (n2, planned ~151, 2 GPUs
// idle); B 35, 4, 30, 1 (reserved on n1 from ~121); C 36, 4, 30, 1; E 37, 2, 150, 3. Per GPU, C
// would be reserved beside B on n1 and E (2 GPUs, 180 s) would start at once on n2's idle GPUs.
// Slurm reserves n1 whole for B, so C is reserved on n2 from ~151 and E, whose window overlaps
// that, waits: it started with B and C when A1 ended (observed 101.0 s, 64 s after submission).
// Within one tick of the live cluster: its backfill loop started jobs in two cycles only, too few
// to measure the loop's phase (3 are needed), so the replay's backfill ticks fall on whole
// seconds; A1 starts 0.97 s early and the jobs after it follow.
TEST(SavedRun, ReservationsTakeWholeNodesAsOnTheLiveCluster) {
  const ProfileCheck c = replay_within("whole-node-run", 5, 1.5);
  ASSERT_FALSE(c.jobs_defaults.empty());
  const JobComparison& e = c.jobs_defaults.back();
  ASSERT_EQ(e.id, "E");
  ASSERT_TRUE(e.simulated_start_s);
  EXPECT_GT(*e.simulated_start_s, e.submit_s + 60) << "E was backfilled beside a reservation";
}

// data/will-run-batch-run: a live run on the local 3 x 8 GPU Slurm (`orrery calibrate slurm
// --local 3:8:a100 --min-duration 1 --no-fit`, its profile.json is the unfitted model) made to
// tell Slurm's will-run batches from the exact earliest start (submit s, GPUs, sleep s, limit
// min): J3 0, 8, 600, 11 (n1, ends by limit at ~661); J4 1, 6, 700, 12 (n2, ~722); J1 70, 2, 110,
// 2 (n2, ~190); J2 110, 4, 340, 6 (n3, ~470); P 114, 8, 200, 4; Q 115, 4, 400, 7. P can run
// once J2 ends (n3, ~470), but the will-run removes running jobs in 30 s-aligned, doubling
// batches from J1's end: J1 alone, then J2 and J3 together (the batch up to J1's end rounded up
// to 30 s plus 480 s), and answers the batch's last end, J3's ~661. So P's reservation begins at
// ~661 and Q (4 GPUs, by limit to ~535) starts at once on n3's idle GPUs; with P reserved from
// ~470 Q would have waited for n1 to free at ~600 (the model before this was 484 s off on Q).
TEST(SavedRun, TheWillRunAnswersTheLastEndOfItsBatchAsOnTheLiveCluster) {
  const ProfileCheck c = replay_within("will-run-batch-run", 6, 1.5);
  ASSERT_FALSE(c.jobs_defaults.empty());
  const JobComparison& q = c.jobs_defaults.back();
  ASSERT_EQ(q.id, "Q");
  ASSERT_TRUE(q.simulated_start_s);
  EXPECT_LT(*q.simulated_start_s, q.submit_s + 2) << "Q was held by a reservation at J2's end";
}

// data/will-run-pick-run: a live run on the local 3 x 8 GPU Slurm (`orrery calibrate slurm
// --local 3:8:a100 --min-duration 1 --no-fit`, its profile.json is the unfitted model) made to
// tell which nodes the will-run reserves (submit s, GPUs, sleep s, limit min): A 0, 8, 290, 5
// (n1, ends by limit at ~301); B 40, 6, 230, 4 (n2, ~281); C 45, 8, 500, 9 (n3); R 60, 8, 100, 2;
// S 61, 2, 600, 11. R fits first on n2 (B's end), but the will-run's batch from there holds A's
// end too, and with n1 and n2 both free, one run of consecutive nodes, cons_tres picks n1, the
// first: R is reserved n1 and S starts at once on n2's 2 idle GPUs (the model before this
// reserved n2, the node where R first fits, and held S back 228 s).
TEST(SavedRun, TheWillRunReservesTheNodeConsTresChoosesAsOnTheLiveCluster) {
  const ProfileCheck c = replay_within("will-run-pick-run", 5, 1.5);
  ASSERT_EQ(c.jobs_defaults.size(), 5U);
  const JobComparison& s = c.jobs_defaults.back();
  ASSERT_EQ(s.id, "S");
  ASSERT_TRUE(s.simulated_start_s);
  EXPECT_LT(*s.simulated_start_s, s.submit_s + 2) << "S was held by R's reservation on n2";
  EXPECT_EQ(s.observed_nodes, "n2");
  EXPECT_EQ(c.jobs_defaults[3].observed_nodes, "n1");  // R
}

TEST(SavedRun, NamesTheMissingFile) {
  test::TempDir tmp;
  copy_run(tmp / "run");
  fs::remove(tmp / "run" / "capture" / "slurmctld.log");
  const std::string e = error_of((tmp / "run").string());
  EXPECT_NE(e.find("slurmctld.log"), std::string::npos) << e;
  EXPECT_NE(error_of((tmp / "nosuch").string()).find("not a folder"), std::string::npos);
}

TEST(SavedRun, NamesTheLineAndColumnOfABadStampRow) {
  test::TempDir tmp;
  copy_run(tmp / "run");
  {
    std::ofstream out(tmp / "run" / "observed_jobs.csv", std::ios::app);
    out << "x,17,n1,COMPLETED,log,soon,3.0\n";
  }
  const std::string e = error_of((tmp / "run").string());
  EXPECT_NE(e.find("observed_jobs.csv:"), std::string::npos) << e;
  EXPECT_NE(e.find("script_start_s"), std::string::npos) << e;
}

TEST(SavedRun, RefusesAKubernetesCalibrationFolder) {
  test::TempDir tmp;
  copy_run(tmp / "run");
  {
    std::ofstream out(tmp / "run" / "calibration.json", std::ios::trunc);
    out << R"({"kind": "k8s"})";
  }
  const std::string e = error_of((tmp / "run").string());
  EXPECT_NE(e.find("not a Slurm calibration"), std::string::npos) << e;
}

}  // namespace
}  // namespace orrery::calibrate
