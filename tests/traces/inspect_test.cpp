// Trace statistics (traces/inspect.hpp), checked by hand on the Tiresias 60-job sample and on
// the saved sacct --json export. The expected figures were computed independently from the
// CSV (numpy-style linear-interpolation quantiles).
#include <gtest/gtest.h>

#include <sstream>

#include "orrery/traces/inspect.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"
#include "trace_tools_support.hpp"

namespace orrery::test {
namespace {

TEST(Inspect, Tiresias60JobFigures) {
  ORRERY_REQUIRE_SHARED(path, "tiresias/60_job.csv");
  const sim::Workload w = tiresias_60(path.string());
  const traces::TraceStats s = traces::inspect_workload(w);
  EXPECT_EQ(s.jobs, 60U);
  EXPECT_EQ(s.gpu_jobs, 60U);
  EXPECT_DOUBLE_EQ(s.first_submit_s, 0);
  EXPECT_DOUBLE_EQ(s.last_submit_s, 1779);
  EXPECT_DOUBLE_EQ(s.span_s, 1779);
  EXPECT_NEAR(s.gpu_hours, 7.395556, 1e-5);
  // GPU demand: 30 x 1, 10 x 2, 10 x 4, 10 x 8.
  ASSERT_GE(s.gpu_histogram.size(), 6U);
  EXPECT_EQ(s.gpu_histogram[0].label, "0");
  EXPECT_EQ(s.gpu_histogram[0].jobs, 0U);
  EXPECT_EQ(s.gpu_histogram[1].jobs, 0U);  // fractional
  EXPECT_EQ(s.gpu_histogram[2].jobs, 30U);
  EXPECT_EQ(s.gpu_histogram[3].jobs, 10U);
  EXPECT_EQ(s.gpu_histogram[4].label, "3-4");
  EXPECT_EQ(s.gpu_histogram[4].jobs, 10U);
  EXPECT_EQ(s.gpu_histogram[5].label, "5-8");
  EXPECT_EQ(s.gpu_histogram[5].jobs, 10U);
  EXPECT_NEAR(s.gpu_histogram[5].gpu_hours, 3.411111, 1e-5);
  EXPECT_EQ(s.gpu_histogram.size(), 6U);
  // Durations (s): mean 178.4167, min 121, p25 121, p50 125, p75 148.25, p90 211.1, max 1800.
  EXPECT_EQ(s.duration_s.n, 60U);
  EXPECT_NEAR(s.duration_s.mean, 178.416667, 1e-5);
  EXPECT_DOUBLE_EQ(s.duration_s.min, 121);
  EXPECT_DOUBLE_EQ(s.duration_s.p10, 121);
  EXPECT_DOUBLE_EQ(s.duration_s.p25, 121);
  EXPECT_DOUBLE_EQ(s.duration_s.p50, 125);
  EXPECT_DOUBLE_EQ(s.duration_s.p75, 148.25);
  EXPECT_NEAR(s.duration_s.p90, 211.1, 1e-9);
  EXPECT_NEAR(s.duration_s.p99, 1054.24, 1e-6);
  EXPECT_DOUBLE_EQ(s.duration_s.max, 1800);
  // Inter-arrival (s): 59 gaps, mean 30.1525, min 20, p10 24.8, p50 29, p90 37.2, max 44.
  EXPECT_EQ(s.interarrival_s.n, 59U);
  EXPECT_NEAR(s.interarrival_s.mean, 1779.0 / 59.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.interarrival_s.min, 20);
  EXPECT_NEAR(s.interarrival_s.p10, 24.8, 1e-9);
  EXPECT_DOUBLE_EQ(s.interarrival_s.p25, 26);
  EXPECT_DOUBLE_EQ(s.interarrival_s.p50, 29);
  EXPECT_DOUBLE_EQ(s.interarrival_s.p75, 33);
  EXPECT_NEAR(s.interarrival_s.p90, 37.2, 1e-9);
  EXPECT_DOUBLE_EQ(s.interarrival_s.max, 44);
  // Every submission falls in the first half hour of "Monday".
  EXPECT_EQ(s.by_hour[0], 60U);
  EXPECT_EQ(s.by_weekday[0], 60U);
  EXPECT_EQ(s.users, 0U);
  EXPECT_EQ(s.queues, 0U);
  EXPECT_EQ(s.with_status, 0U);
  EXPECT_FALSE(s.failed_share.has_value());
  EXPECT_FALSE(s.wait_s.has_value());
  EXPECT_FALSE(s.cluster.has_value());
}

TEST(Inspect, Tiresias60JobsAgainstASmallCluster) {
  ORRERY_REQUIRE_SHARED(path, "tiresias/60_job.csv");
  sim::Workload w = tiresias_60(path.string());
  // Ask for a GPU type the cluster lacks on the six vgg19 jobs.
  const auto k80 = w.gpu_types.intern("K80");
  for (auto& j : w.jobs) {
    if (w.job_classes[j.job_class] == "vgg19") j.gpu_type = k80;
  }
  const sim::ClusterSpec c = uniform_cluster(4, 4, "V100");
  const traces::TraceStats s = traces::inspect_workload(w, &c);
  ASSERT_TRUE(s.cluster.has_value());
  EXPECT_EQ(s.cluster->capacity_gpus, 16U);
  EXPECT_FALSE(s.cluster->peak_observed_gpus.has_value());  // no observed times
  EXPECT_EQ(s.cluster->observed_jobs, 0U);
  // Each job from its submission for its duration: 26 GPUs at t = 1067 s.
  EXPECT_DOUBLE_EQ(s.cluster->peak_offered_gpus, 26);
  EXPECT_DOUBLE_EQ(s.cluster->peak_offered_at_s, 1067);
  // Ten 8-GPU tasks on 4-GPU nodes plus six K80 jobs, one of them an 8-GPU job.
  EXPECT_EQ(s.cluster->never_fit, 15U);
  EXPECT_EQ(s.cluster->never_fit_examples.front(), "0");
  ASSERT_EQ(s.cluster->missing_gpu_types.size(), 1U);
  EXPECT_EQ(s.cluster->missing_gpu_types[0].name, "K80");
  EXPECT_EQ(s.cluster->missing_gpu_types[0].jobs, 6U);
}

TEST(Inspect, ObservedPeakStatusAndCalendarFromASlurmExport) {
  const auto path = source_dir() / "tests" / "traces" / "data" / "slurm_sacct.json";
  const auto t = traces::import_trace(path.string(), "slurm-sacct-json", {});
  const sim::ClusterSpec c = uniform_cluster(2, 8, "a100");
  const traces::TraceStats s = traces::inspect_workload(t.workload, &c);
  EXPECT_EQ(s.jobs, 10U);
  // 1001 (8 GPUs, 118860-122460 s) overlaps 1002 (1 GPU, 122430-122490 s).
  ASSERT_TRUE(s.cluster->peak_observed_gpus.has_value());
  EXPECT_DOUBLE_EQ(*s.cluster->peak_observed_gpus, 9);
  EXPECT_DOUBLE_EQ(s.cluster->peak_observed_at_s, 122430);
  EXPECT_EQ(s.cluster->observed_jobs, 9U);  // the CPU-only job holds no GPU
  // Only 1002 asks for a type this cluster lacks (v100).
  ASSERT_EQ(s.cluster->missing_gpu_types.size(), 1U);
  EXPECT_EQ(s.cluster->missing_gpu_types[0].name, "v100");
  EXPECT_EQ(s.cluster->never_fit, 1U);
  // Statuses: 8 completed, 1 failed (FAILED), 1 killed at its time limit (TIMEOUT).
  EXPECT_EQ(s.with_status, 10U);
  EXPECT_EQ(s.status_counts.at("completed"), 8U);
  EXPECT_EQ(s.status_counts.at("failed"), 1U);
  EXPECT_EQ(s.status_counts.at("timeout"), 1U);
  EXPECT_DOUBLE_EQ(*s.failed_share, 0.1);
  EXPECT_DOUBLE_EQ(*s.killed_share, 0.0);
  EXPECT_DOUBLE_EQ(*s.timeout_share, 0.1);
  // Calendar: Tuesday 09:00-11:00 UTC and Wednesday 09:00-14:00 UTC.
  EXPECT_EQ(s.by_weekday[1], 4U);  // 1001, 1002, 1010_0, 1010_1
  EXPECT_EQ(s.by_weekday[2], 6U);
  EXPECT_EQ(s.by_hour[9], 3U);   // 1001, 1020, 1021
  EXPECT_EQ(s.by_hour[11], 3U);  // 1010_0, 1010_1, 1022 (eligible at 11:00)
  EXPECT_EQ(s.users, 4U);
  EXPECT_EQ(s.top_users[0].name, "alice");
  EXPECT_EQ(s.top_users[0].jobs, 3U);
  EXPECT_EQ(s.queues, 3U);
  ASSERT_TRUE(s.wait_s.has_value());
  EXPECT_DOUBLE_EQ(s.wait_s->min, 5);  // 1010_0
  // Text and JSON render without surprises.
  std::ostringstream text, json;
  traces::write_stats_text(s, text);
  traces::write_stats_json(s, json);
  EXPECT_NE(text.str().find("peak concurrent GPUs (observed, 9 jobs): 9"), std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("failed 10%, killed 0%, timed out 10%"), std::string::npos)
      << text.str();
  const auto j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["cluster"]["peak_observed_gpus"], 9.0);
  EXPECT_EQ(j["arrivals_by_weekday"]["Tue"], 4);
  EXPECT_EQ(j["status_counts"]["failed"], 1);
  EXPECT_EQ(j["status_counts"]["timeout"], 1);
  EXPECT_DOUBLE_EQ(j["timeout_share"].get<double>(), 0.1);
}

TEST(Inspect, EmptyWorkloadIsFine) {
  sim::Workload w;
  const sim::ClusterSpec c = uniform_cluster(1, 8);
  const traces::TraceStats s = traces::inspect_workload(w, &c);
  EXPECT_EQ(s.jobs, 0U);
  EXPECT_EQ(s.duration_s.n, 0U);
  std::ostringstream text;
  traces::write_stats_text(s, text);
  EXPECT_NE(text.str().find("jobs: 0"), std::string::npos);
}

}  // namespace
}  // namespace orrery::test
