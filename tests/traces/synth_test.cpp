// Synthetic traces (traces/synth.hpp): the generated marginals stay within a KS distance of 0.05
// of the fitted ones on the Philly and Helios cuts, the output is valid native CSV, and the same
// seed gives the same bytes.
#include <gtest/gtest.h>

#include <sstream>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/synth.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"
#include "trace_tools_support.hpp"

namespace orrery::test {
namespace {

traces::SynthReport synth_to(const sim::Workload& w, std::uint64_t n, std::uint64_t seed,
                             std::string& out) {
  const auto m = traces::SynthModel::fit(w);
  std::ostringstream s;
  const auto r = m.generate(n, seed, s);
  out = s.str();
  return r;
}

void expect_close_marginals(const traces::SynthReport& r, const char* name) {
  SCOPED_TRACE(name);
  EXPECT_LE(r.ks.gpu_count, 0.05);
  EXPECT_LE(r.ks.duration, 0.05);
  EXPECT_LE(r.ks.interarrival, 0.05);
  EXPECT_LE(r.ks.hour_of_day, 0.05);
  EXPECT_LE(r.max_checked(), 0.05);
  std::cout << "[ synth    ] " << name << ": KS gpu_count " << r.ks.gpu_count << ", duration "
            << r.ks.duration << ", inter-arrival " << r.ks.interarrival << ", hour_of_day "
            << r.ks.hour_of_day << " (day_of_week " << r.ks.day_of_week << ")\n";
}

TEST(Synth, PhillyCutMarginalsWithinKs005) {
  ORRERY_REQUIRE_SHARED(path, "philly/dirlab/philly_data_training.csv");
  const sim::Workload w = dirlab_cut(path.string());
  std::string out;
  const auto r = synth_to(w, 60000, 1, out);
  EXPECT_EQ(r.fitted_jobs, w.jobs.size());
  EXPECT_EQ(r.generated_jobs, 60000U);
  expect_close_marginals(r, "philly");
}

TEST(Synth, HeliosCutMarginalsWithinKs005) {
  ORRERY_REQUIRE_SHARED(path, "helios/dirlab/helios_data_training.csv");
  const sim::Workload w = dirlab_cut(path.string());
  std::string out;
  const auto r = synth_to(w, 60000, 2, out);
  expect_close_marginals(r, "helios");
}

TEST(Synth, SameSeedSameBytesAndTheOutputIsNative) {
  ORRERY_REQUIRE_SHARED(path, "tiresias/60_job.csv");
  const sim::Workload w = tiresias_60(path.string());
  std::string a, b, c;
  synth_to(w, 2000, 9, a);
  synth_to(w, 2000, 9, b);
  synth_to(w, 2000, 10, c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  TempDir tmp;
  write_text(tmp / "synth.csv", a);
  const auto t = traces::import_trace((tmp / "synth.csv").string(), "native", {});
  ASSERT_EQ(t.workload.jobs.size(), 2000U);
  EXPECT_EQ(t.workload.jobs[0].id, "s1");
  // Tiresias jobs ask for 1, 2, 4 or 8 GPUs and run at least 121 s.
  for (const auto& j : t.workload.jobs) {
    EXPECT_TRUE(j.gpu_milli == 1000 || j.gpu_milli == 2000 || j.gpu_milli == 4000 ||
                j.gpu_milli == 8000)
        << j.gpu_milli;
    EXPECT_GE(j.duration.ms(), 121'000);
    EXPECT_LE(j.duration.ms(), 1'800'000);
  }
  for (std::size_t i = 1; i < t.workload.jobs.size(); ++i) {
    EXPECT_LE(t.workload.jobs[i - 1].submit, t.workload.jobs[i].submit);
  }
}

TEST(Synth, SmallHandMadeTraceKeepsUsersQueuesAndStatuses) {
  sim::Workload w;
  for (int i = 0; i < 200; ++i) {
    add_job(w, 3600.0 * 9 + 37.0 * i, 60.0 + i, i % 4 == 0 ? 8 : 1);
    auto& j = w.jobs.back();
    j.user = w.users.intern(i % 2 ? "ann" : "bo,b");  // a name that needs CSV quoting
    j.queue = w.queues.intern("vc1");
    j.observed.status = i % 5 ? sim::JobStatus::kCompleted : sim::JobStatus::kKilled;
  }
  std::string out;
  const auto r = synth_to(w, 5000, 3, out);
  TempDir tmp;
  write_text(tmp / "s.csv", out);
  const auto t = traces::import_trace((tmp / "s.csv").string(), "native", {});
  std::size_t killed = 0, bob = 0;
  for (const auto& j : t.workload.jobs) {
    killed += *j.observed.status == sim::JobStatus::kKilled ? 1U : 0U;
    bob += t.workload.users[j.user] == "bo,b" ? 1U : 0U;
    EXPECT_EQ(t.workload.queues[j.queue], "vc1");
    // All fitted arrivals fell between 09:00 and 11:03: generated ones skip the other hours.
    const auto hour = (j.submit.ms() / 3'600'000) % 24;
    EXPECT_TRUE(hour >= 9 && hour <= 11) << hour;
  }
  EXPECT_NEAR(static_cast<double>(killed) / 5000.0, 0.2, 0.03);
  EXPECT_NEAR(static_cast<double>(bob) / 5000.0, 0.5, 0.03);
  EXPECT_LE(r.ks.gpu_count, 0.05);
}

TEST(Synth, NeedsTwoJobs) {
  sim::Workload w;
  w.source = "tiny.csv";
  add_job(w, 0, 10, 1);
  EXPECT_THROW(traces::SynthModel::fit(w), sim::InputError);
}

}  // namespace
}  // namespace orrery::test
