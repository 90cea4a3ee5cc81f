// Workload transforms (traces/transform.hpp): each one's effect, determinism of the seeded ones,
// the JSON form a scenario uses, and the scenario hook (workload.transforms).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/transform.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using namespace traces;

// n jobs, one every 10 s, 1..8 GPUs in turn, users u0..u2, queues q0/q1, alternating status.
sim::Workload ramp(std::size_t n) {
  sim::Workload w;
  for (std::size_t i = 0; i < n; ++i) {
    add_job(w, 10.0 * static_cast<double>(i), 100, static_cast<std::uint32_t>(1 + i % 8), 1, 200.0);
    auto& j = w.jobs.back();
    j.user = w.users.intern("u" + std::to_string(i % 3));
    j.queue = w.queues.intern("q" + std::to_string(i % 2));
    j.observed.status = i % 2 ? sim::JobStatus::kFailed : sim::JobStatus::kCompleted;
    j.observed.start = j.submit + sim::SimTime::from_seconds(5);
    j.observed.end = *j.observed.start + j.duration;
  }
  return w;
}

std::vector<std::string> ids(const sim::Workload& w) {
  std::vector<std::string> out;
  for (const auto& j : w.jobs) out.push_back(j.id);
  return out;
}

TEST(Transform, WindowKeepsSubmissionsInTheHalfOpenInterval) {
  sim::Workload w = ramp(10);
  apply_transform(w, Window{20.0, 50.0});
  EXPECT_EQ(ids(w), (std::vector<std::string>{"j2", "j3", "j4"}));
  sim::Workload open = ramp(10);
  apply_transform(open, Window{std::nullopt, 20.0});
  EXPECT_EQ(open.jobs.size(), 2U);
}

TEST(Transform, FilterByUserQueueGpusAndStatus) {
  sim::Workload w = ramp(24);
  Filter f;
  f.users = {"u0"};
  apply_transform(w, f);
  EXPECT_EQ(w.jobs.size(), 8U);
  for (const auto& j : w.jobs) EXPECT_EQ(w.users[j.user], "u0");

  sim::Workload q = ramp(24);
  apply_transform(q, Filter{{}, {"q1"}, 2.0, 4.0, {sim::JobStatus::kFailed}});
  // q1 and failed are the odd jobs; of those, 2 or 4 GPUs: i % 8 in {1, 3}.
  EXPECT_EQ(ids(q), (std::vector<std::string>{"j1", "j3", "j9", "j11", "j17", "j19"}));

  sim::Workload none = ramp(5);
  apply_transform(none, Filter{{"nobody"}, {}, std::nullopt, std::nullopt, {}});
  EXPECT_TRUE(none.jobs.empty());
}

TEST(Transform, ScaleArrivalsCompressesTowardTheFirstSubmission) {
  sim::Workload w = ramp(4);
  for (auto& j : w.jobs) {
    j.submit += sim::SimTime::from_seconds(1000);
    *j.observed.start += sim::SimTime::from_seconds(1000);
    *j.observed.end += sim::SimTime::from_seconds(1000);
  }
  apply_transform(w, ScaleArrivals{2.0});
  EXPECT_EQ(w.jobs[0].submit.ms(), 1'000'000);
  EXPECT_EQ(w.jobs[1].submit.ms(), 1'005'000);
  EXPECT_EQ(w.jobs[3].submit.ms(), 1'015'000);
  // Observed times keep their wait.
  EXPECT_EQ((*w.jobs[3].observed.start - w.jobs[3].submit).ms(), 5000);
  EXPECT_EQ(w.jobs[3].duration.ms(), 100'000);
}

TEST(Transform, ScaleDurationsScalesWorkAndLimits) {
  sim::Workload w = ramp(3);
  apply_transform(w, ScaleDurations{0.25});
  EXPECT_EQ(w.jobs[0].duration.ms(), 25'000);
  EXPECT_EQ(w.jobs[0].walltime->ms(), 50'000);
  EXPECT_EQ(w.jobs[0].submit.ms(), 0);
}

TEST(Transform, ScaleLoadThinsOrReplicatesDeterministically) {
  sim::Workload thin = ramp(10000);
  apply_transform(thin, ScaleLoad{0.3, 42});
  // Binomial(10000, 0.3): mean 3000, sd 45.8.
  EXPECT_NEAR(static_cast<double>(thin.jobs.size()), 3000.0, 4.5 * 45.8);
  sim::Workload again = ramp(10000);
  apply_transform(again, ScaleLoad{0.3, 42});
  EXPECT_EQ(ids(thin), ids(again));
  sim::Workload other = ramp(10000);
  apply_transform(other, ScaleLoad{0.3, 43});
  EXPECT_NE(ids(thin), ids(other));

  sim::Workload rep = ramp(1000);
  apply_transform(rep, ScaleLoad{2.5, std::nullopt}, /*default_seed=*/7);
  // Each job twice, plus a third copy with probability 0.5: 2500 +- 4.5 x 15.8.
  EXPECT_NEAR(static_cast<double>(rep.jobs.size()), 2500.0, 4.5 * 15.8);
  std::set<std::string> unique;
  std::size_t copies = 0;
  for (std::size_t i = 0; i < rep.jobs.size(); ++i) {
    const auto& j = rep.jobs[i];
    EXPECT_TRUE(unique.insert(j.id).second) << j.id;
    if (i > 0) {
      EXPECT_LE(rep.jobs[i - 1].submit, j.submit);
    }
    if (j.id.find('#') != std::string::npos) {
      ++copies;
      EXPECT_FALSE(j.observed.start.has_value());  // copies did not run
    }
  }
  EXPECT_EQ(copies, rep.jobs.size() - 1000);
  EXPECT_NE(unique.count("j0#1"), 0U);
}

TEST(Transform, SampleKeepsExactlyNInOrder) {
  sim::Workload w = ramp(1000);
  apply_transform(w, Sample{std::nullopt, 100, 5});
  ASSERT_EQ(w.jobs.size(), 100U);
  for (std::size_t i = 1; i < w.jobs.size(); ++i) {
    EXPECT_LT(w.jobs[i - 1].submit, w.jobs[i].submit);
  }
  sim::Workload same = ramp(1000);
  apply_transform(same, Sample{std::nullopt, 100, 5});
  EXPECT_EQ(ids(w), ids(same));
  sim::Workload frac = ramp(1000);
  apply_transform(frac, Sample{0.25, std::nullopt, 5});
  EXPECT_EQ(frac.jobs.size(), 250U);
  sim::Workload all = ramp(10);
  apply_transform(all, Sample{std::nullopt, 50, 1});
  EXPECT_EQ(all.jobs.size(), 10U);
}

TEST(Transform, ParsedFromJsonInOrderAndRoundTrips) {
  const auto j = nlohmann::json::parse(R"([
    {"type": "window", "from_s": 0, "to_s": 100},
    {"type": "filter", "users": ["u0", "u1"], "min_gpus": 2, "status": "completed"},
    {"type": "scale_arrivals", "factor": 2},
    {"type": "scale_load", "factor": 0.5, "seed": 3},
    {"type": "scale_durations", "factor": 1.5},
    {"type": "sample", "jobs": 10}
  ])");
  sim::Problems p;
  const auto list = parse_transforms(j, "s.json: workload.transforms", p);
  ASSERT_TRUE(p.empty()) << p.list()[0].to_string();
  ASSERT_EQ(list.size(), 6U);
  EXPECT_TRUE(std::holds_alternative<Window>(list[0]));
  EXPECT_EQ(std::get<Filter>(list[1]).statuses.size(), 1U);
  EXPECT_EQ(std::get<ScaleLoad>(list[3]).seed, 3U);
  EXPECT_EQ(describe(list[0]), "window [0 s, 100 s)");
  sim::Problems p2;
  const auto again = parse_transforms(transforms_json(list), "x", p2);
  EXPECT_TRUE(p2.empty());
  EXPECT_EQ(transforms_json(again), transforms_json(list));
}

TEST(Transform, BadJsonNamesEveryProblem) {
  const auto j = nlohmann::json::parse(R"([
    {"type": "window", "from_s": 10, "to_s": 5},
    {"type": "scale_load", "factor": -1},
    {"type": "scale_arrivals"},
    {"type": "sample", "fraction": 0.5, "jobs": 3},
    {"type": "filter", "status": ["done"], "colour": "red"},
    {"type": "teleport"},
    42
  ])");
  sim::Problems p;
  parse_transforms(j, "s.json: workload.transforms", p);
  std::string all;
  for (const auto& x : p.list()) all += x.to_string() + "\n";
  for (const char* want : {"workload.transforms[0].to_s: must be greater than from_s",
                           "workload.transforms[1].factor: must be in (0, 1000000], got -1",
                           "workload.transforms[2].factor: is required",
                           "workload.transforms[3]: needs exactly one of \"fraction\"",
                           "workload.transforms[4].status: \"done\" is not a status",
                           "workload.transforms[4].colour: unknown key",
                           "workload.transforms[5].type: unknown transform \"teleport\"",
                           "workload.transforms[6]: must be an object"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want << "\nin:\n" << all;
  }
}

TEST(Transform, ScenarioWorkloadTransformsAreApplied) {
  TempDir tmp;
  std::string csv = "job_id,submit_s,gpus_per_task,duration_s\n";
  for (int i = 0; i < 20; ++i)
    csv += "j" + std::to_string(i) + "," + std::to_string(i * 60) + ",1,100\n";
  write_text(tmp / "trace.csv", csv);
  write_text(tmp / "s.json", R"({
    "cluster": {"pools": [{"gpu_type": "A100", "gpus_per_node": 8, "nodes": 1}]},
    "workload": {"trace": "trace.csv", "format": "native",
                 "transforms": [{"type": "window", "from_s": 300},
                                {"type": "scale_durations", "factor": 2},
                                {"type": "sample", "jobs": 5}]},
    "policies": ["fifo"],
    "seed": 11
  })");
  const scenario::Scenario s = scenario::load_scenario((tmp / "s.json").string());
  ASSERT_EQ(s.transforms.size(), 3U);
  const scenario::RunContext ctx = scenario::load_workload(s);
  ASSERT_EQ(ctx.workload.jobs.size(), 5U);
  for (const auto& j : ctx.workload.jobs) {
    EXPECT_GE(j.submit.ms(), 300'000);
    EXPECT_EQ(j.duration.ms(), 200'000);
  }
  // The scenario's seed is the default seed: the same scenario samples the same jobs.
  const scenario::RunContext again = scenario::load_workload(s);
  EXPECT_EQ(ids(ctx.workload), ids(again.workload));
  EXPECT_EQ(scenario::scenario_json(s)["workload"]["transforms"].size(), 3U);

  write_text(tmp / "bad.json", R"({
    "cluster": {"pools": [{"gpu_type": "A100", "gpus_per_node": 8, "nodes": 1}]},
    "workload": {"trace": "trace.csv", "transforms": [{"type": "scale_load"}]},
    "policies": ["fifo"]
  })");
  try {
    scenario::load_scenario((tmp / "bad.json").string());
    ADD_FAILURE() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json: workload.transforms[0].factor: is required"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace orrery::test
