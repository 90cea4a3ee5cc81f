// Bad-input classes of docs/bad-input.md not covered by a format's own table: a 100 MB line,
// invalid UTF-8, rows out of submit order, a policy parameter out of range in a scenario file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <map>

#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/simulation.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

struct Times {
  std::int64_t start_ms = -1, end_ms = -1;
  bool operator==(const Times&) const = default;
};

// Each job's start and end by id, FIFO on one node of 2 GPUs.
std::map<std::string, Times> schedule(const sim::Workload& w) {
  sim::Simulation s(uniform_cluster(1, 2), w, policies::make_policy("fifo"),
                    policies::make_placer("pack"), std::make_unique<sim::ObservedRuntime>(), {});
  const sim::RunResult r = s.run();
  std::map<std::string, Times> out;
  for (const sim::JobOutcome& o : r.jobs) {
    Times& t = out[w.jobs[o.job].id];
    if (o.start) t.start_ms = o.start->ms();
    if (o.end) t.end_ms = o.end->ms();
  }
  return out;
}

TEST(BadInputClasses, AHundredMegabyteLineIsAnErrorNamingTheLine) {
  // Gzipped, the 100 MB line is small on disk; the reader stops at its line limit (16 MiB)
  // instead of decompressing and holding all of it.
  TempDir tmp;
  const auto path = tmp / "t.csv.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  const std::string header = "job_id,submit_s,gpus_per_task,duration_s\na,0,1,10\n";
  gzwrite(gz, header.data(), static_cast<unsigned>(header.size()));
  const std::string piece(1U << 20, 'x');
  for (int i = 0; i < 100; ++i) gzwrite(gz, piece.data(), static_cast<unsigned>(piece.size()));
  gzwrite(gz, "\n", 1);
  ASSERT_EQ(gzclose(gz), Z_OK);
  try {
    traces::import_trace(path.string(), "auto", {});
    FAIL() << "a 100 MB line was accepted";
  } catch (const sim::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("t.csv.gz:3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("line longer than"), std::string::npos) << msg;
  }
}

TEST(BadInputClasses, InvalidUtf8IsAnErrorNamingFileAndLine) {
  TempDir tmp;
  const std::string header = "job_id,submit_s,user,gpus_per_task,duration_s\n";
  // Well-formed UTF-8 of every length is text like any other.
  write_text(tmp / "ok.csv",
             header + "a,0,caf\xC3\xA9,1,10\nb,1,\xE7\x94\xA8\xF0\x9F\x9A\x80,1,10\n");
  const auto ok = traces::import_trace((tmp / "ok.csv").string(), "auto", {});
  ASSERT_EQ(ok.workload.jobs.size(), 2U);
  EXPECT_EQ(ok.workload.users[ok.workload.jobs[0].user], "caf\xC3\xA9");
  // A Latin-1 byte, a truncated sequence, an overlong form, a surrogate: each an error.
  for (const std::string& bad : {std::string("caf\xE9"), std::string("x\xE7\x94"),
                                 std::string("\xC0\xAF"), std::string("\xED\xA0\x80")}) {
    write_text(tmp / "t.csv", header + "a,0,alice,1,10\nb,1," + bad + ",1,10\n");
    try {
      traces::import_trace((tmp / "t.csv").string(), "auto", {});
      ADD_FAILURE() << "invalid UTF-8 was accepted";
    } catch (const sim::InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("t.csv:3"), std::string::npos) << msg;
      EXPECT_NE(msg.find("invalid UTF-8"), std::string::npos) << msg;
    }
  }
}

TEST(BadInputClasses, RowsOutOfSubmitOrderAreScheduledByTheirSubmitTimes) {
  // Rows in file order are not arrival order: the engine orders arrivals by submit time, so a
  // shuffled file gives the schedule of the sorted one (nothing is dropped or reordered wrongly).
  TempDir tmp;
  const std::string header = "job_id,submit_s,gpus_per_task,duration_s\n";
  const std::vector<std::string> rows = {"a,0,2,100\n", "b,10,1,50\n", "c,20,2,30\n", "d,30,1,10\n",
                                         "e,40,1,70\n"};
  std::string sorted = header, shuffled = header;
  for (const auto& r : rows) sorted += r;
  for (std::size_t i : {3U, 0U, 4U, 2U, 1U}) shuffled += rows[i];
  write_text(tmp / "sorted.csv", sorted);
  write_text(tmp / "shuffled.csv", shuffled);
  const auto a = traces::import_trace((tmp / "sorted.csv").string(), "auto", {});
  const auto b = traces::import_trace((tmp / "shuffled.csv").string(), "auto", {});
  ASSERT_EQ(b.workload.jobs.size(), rows.size());
  EXPECT_EQ(b.report.dropped.size(), 0U);
  const auto sa = schedule(a.workload);
  const auto sb = schedule(b.workload);
  EXPECT_EQ(sa, sb);
  // FIFO by submit time: a (2 GPUs, 0..100) blocks b, so b starts at 100, not before.
  EXPECT_EQ(sb.at("b").start_ms, sb.at("a").end_ms);
  for (const auto& [id, t] : sb) EXPECT_GE(t.start_ms, 0) << id << " never started";
}

TEST(BadInputClasses, PolicyParameterOutOfRangeInAScenarioNamesFileAndParameter) {
  TempDir tmp;
  write_text(tmp / "t.csv", "job_id,submit_s,gpus_per_task,duration_s\na,0,1,10\n");
  write_text(tmp / "s.json",
             R"({"cluster": {"pools": [{"gpu_type": "A100", "gpus_per_node": 8, "nodes": 1}]},
      "workload": {"trace": "t.csv"},
      "policies": [{"name": "kube-default", "params": {"percentageOfNodesToScore": 101}}]})");
  try {
    scenario::load_scenario((tmp / "s.json").string());
    FAIL() << "an out-of-range policy parameter was accepted";
  } catch (const sim::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("s.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("percentageOfNodesToScore"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace orrery::test
