// Golden test: the example scenario's report tables and findings, as shown and as exported.
// The expected file was checked by hand against the runs' summary.json files; after a change
// that moves the numbers on purpose, regenerate it with
//   ORRERY_UPDATE_GOLDEN=1 ./build/.../orrery_report_tests --gtest_filter='ReportGolden.*'
// and review the diff before committing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "orrery/reports/document.hpp"
#include "orrery/reports/results.hpp"
#include "report_test_support.hpp"

namespace orrery::test {
namespace {

using namespace orrery::reports;
using nlohmann::json;
namespace fs = std::filesystem;

// Tables whose content depends only on the scenario (no paths, hashes or wall times).
bool golden_table(const std::string& id) {
  return id == "workload-demand" || id == "cluster" || id == "fairness" ||
         id.rfind("metrics", 0) == 0 || id.rfind("tenants-", 0) == 0;
}

json golden_view(const Document& doc) {
  const json all = document_json(doc);
  json out;
  out["findings"] = all["findings"];
  json tables = json::object();
  for (const auto& [id, t] : all["tables"].items()) {
    if (golden_table(id)) tables[id] = t;
  }
  out["tables"] = tables;
  return out;
}

// Equal, numbers within a relative 1e-9 (sums may differ in the last bit between compilers).
void expect_same(const json& want, const json& got, const std::string& path) {
  if (want.is_number() && got.is_number()) {
    const double a = want.get<double>(), b = got.get<double>();
    EXPECT_LE(std::abs(a - b), 1e-9 * std::max(std::abs(a), std::abs(b))) << path;
    return;
  }
  ASSERT_EQ(want.type(), got.type()) << path << ": " << want.dump() << " vs " << got.dump();
  if (want.is_object()) {
    for (const auto& [k, v] : want.items()) {
      ASSERT_TRUE(got.contains(k)) << path << "." << k << " missing";
      expect_same(v, got[k], path + "." + k);
    }
    for (const auto& [k, v] : got.items()) {
      EXPECT_TRUE(want.contains(k)) << path << "." << k << " is new";
    }
  } else if (want.is_array()) {
    ASSERT_EQ(want.size(), got.size()) << path;
    for (std::size_t i = 0; i < want.size(); ++i) {
      expect_same(want[i], got[i], path + "[" + std::to_string(i) + "]");
    }
  } else {
    EXPECT_EQ(want, got) << path;
  }
}

TEST(ReportGolden, ExampleScenarioTablesAndFindings) {
  ASSERT_FALSE(example_output().empty());
  std::vector<LoadedInput> inputs = {read_input(example_output())};
  const std::vector<RunData> runs = merge_runs(inputs);
  const json got = golden_view(build_document(runs, inputs));
  const fs::path file = fs::path(ORRERY_REPORT_GOLDEN_DIR) / "example-report.json";
  const char* update = std::getenv("ORRERY_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    write_text(file, got.dump(2) + "\n");
    GTEST_SKIP() << "regenerated " << file << "; review the diff";
  }
  ASSERT_TRUE(fs::exists(file)) << file << " is missing; run with ORRERY_UPDATE_GOLDEN=1";
  const json want = json::parse(read_text(file));
  expect_same(want, got, "golden");
}

TEST(ReportGolden, GoldenNumbersAreTheSummaryJsonNumbers) {
  // The golden file itself agrees with what the simulator wrote.
  const fs::path file = fs::path(ORRERY_REPORT_GOLDEN_DIR) / "example-report.json";
  ASSERT_TRUE(fs::exists(file));
  const json golden = json::parse(read_text(file));
  const json& rows = golden["tables"]["metrics"]["rows"];
  ASSERT_EQ(rows.size(), 5U);
  for (const json& row : rows) {
    const std::string policy = row["policy"].get<std::string>();
    const json summary = json::parse(read_text(example_output() / policy / "summary.json"));
    for (const char* group : {"jct_s", "wait_s"}) {
      for (const char* q : {"mean", "p50", "p95", "p99", "max"}) {
        const std::string key = std::string(group) + "." + q;
        EXPECT_EQ(row[key].get<double>(), summary[group][q].get<double>()) << policy << key;
      }
    }
    for (const char* key : {"makespan_s", "gpu_utilization", "preemptions", "failed", "jobs"}) {
      EXPECT_EQ(row[key].get<double>(), summary[key].get<double>()) << policy << key;
    }
  }
}

}  // namespace
}  // namespace orrery::test
