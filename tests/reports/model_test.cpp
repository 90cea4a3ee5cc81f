// The Qt-free half of reports/: reading results, the numbers, the findings' wording, the
// document's tables, escaping. Cheap: no rendering.
#include <gtest/gtest.h>

#include <cmath>

#include "orrery/reports/analysis.hpp"
#include "orrery/reports/document.hpp"
#include "orrery/reports/results.hpp"
#include "orrery/reports/writers.hpp"
#include "orrery/sim/problems.hpp"
#include "report_test_support.hpp"

namespace orrery::test {
namespace {

using namespace orrery::reports;
using nlohmann::json;

const char* const kJobsHeader =
    "job_id,submit_s,start_s,end_s,wait_s,jct_s,gpus,nodes,preemptions,status,user,queue\n";

RunData run_with(const std::string& label, const json& summary) {
  RunData r;
  r.label = label;
  r.policy = label;
  r.summary = summary;
  return r;
}

std::vector<std::string> sentences(const std::vector<RunData>& runs, std::size_t base = 0) {
  std::vector<std::string> out;
  for (const RichText& t : findings(runs, base)) out.push_back(plain_text(t));
  return out;
}

bool any_contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v) {
    if (x.find(s) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

TEST(ReportResults, ReadsEveryPolicyOfTheExampleInScenarioOrder) {
  const auto& out = example_output();
  ASSERT_FALSE(out.empty());
  const LoadedInput in = read_input(out);
  EXPECT_EQ(in.kind, "simulate");
  ASSERT_EQ(in.runs.size(), 5U);
  const char* order[] = {"fifo", "fifo-skip", "sjf", "srtf", "easy-backfill"};
  for (std::size_t i = 0; i < 5; ++i) {
    const RunData& r = in.runs[i];
    EXPECT_EQ(r.policy, order[i]);
    EXPECT_TRUE(r.has_jobs);
    EXPECT_EQ(r.jobs.size(), 300U);
    EXPECT_TRUE(r.has_timeseries);
    EXPECT_FALSE(r.timeseries.empty());
    EXPECT_EQ(tenant_count(r, TenantKind::kUser), 5U);
    EXPECT_EQ(tenant_count(r, TenantKind::kQueue), 3U);
    EXPECT_EQ(r.manifest_string("scenario.workload.trace"), "examples/small-trace.csv");
  }
  EXPECT_TRUE(in.notes.empty()) << in.notes.front();
}

TEST(ReportResults, ReadsOnePolicyFolder) {
  const auto& out = example_output();
  ASSERT_FALSE(out.empty());
  const LoadedInput in = read_input(out / "sjf");
  ASSERT_EQ(in.runs.size(), 1U);
  EXPECT_EQ(in.runs[0].label, "sjf");
  // The summary's numbers are read as written.
  const json summary = json::parse(read_text(out / "sjf" / "summary.json"));
  EXPECT_EQ(*in.runs[0].metric("wait_s.p95"), summary["wait_s"]["p95"].get<double>());
  EXPECT_EQ(*in.runs[0].metric("makespan_s"), summary["makespan_s"].get<double>());
}

TEST(ReportResults, SamePolicyFromTwoInputsGetsDistinctLabels) {
  const auto& out = example_output();
  ASSERT_FALSE(out.empty());
  std::vector<LoadedInput> inputs = {read_input(out / "fifo"), read_input(out)};
  const std::vector<RunData> runs = merge_runs(inputs);
  ASSERT_EQ(runs.size(), 6U);
  std::set<std::string> labels;
  for (const RunData& r : runs) labels.insert(r.label);
  EXPECT_EQ(labels.size(), 6U);
}

TEST(ReportResults, UnknownInputNamesTheKnownKinds) {
  TempDir tmp;
  try {
    read_input(tmp.path());
    FAIL() << "expected an error";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("simulate"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_input(tmp / "missing"), sim::InputError);
}

TEST(ReportResults, MalformedJobsCsvNamesFileLineAndColumn) {
  TempDir tmp;
  write_run_folder(tmp / "fifo", summary_for("fifo", 100, 10, 0.5),
                   std::string(kJobsHeader) + "j1,0,0,10,0,10,1,1,0,completed,a,q\n" +
                       "j2,1,2,x12,1,oops,1,1,0,completed,a,q\n",
                   "");
  try {
    read_input(tmp / "fifo");
    FAIL() << "expected an error";
  } catch (const sim::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("jobs.csv:3: column 'jct_s'"), std::string::npos) << msg;
  }
}

TEST(ReportResults, InvalidSummaryJsonIsAnInputError) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "run");
  write_text(tmp / "run" / "summary.json", "{\"jobs\": ");
  EXPECT_THROW(read_input(tmp / "run"), sim::InputError);
}

TEST(ReportAnalysis, JainsIndex) {
  EXPECT_DOUBLE_EQ(jain_index({1, 1, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(jain_index({1, 0, 0, 0}), 0.25);
  EXPECT_NEAR(jain_index({1, 2}), 9.0 / 10.0, 1e-12);
  EXPECT_TRUE(std::isnan(jain_index({})));
  EXPECT_DOUBLE_EQ(jain_index({2, kMissing, 2}), 1.0);
}

TEST(ReportAnalysis, CdfIsAStepFunctionEndingAtOne) {
  const auto pts = cdf_points({3, 1, 2, 2});
  ASSERT_FALSE(pts.empty());
  EXPECT_EQ(pts.front().x, 1);
  EXPECT_EQ(pts.front().y, 0);
  EXPECT_EQ(pts.back().y, 1.0);
  EXPECT_EQ(pts.back().x, 3);
  for (std::size_t i = 1; i < pts.size(); ++i) {
    EXPECT_GE(pts[i].x, pts[i - 1].x);
    EXPECT_GE(pts[i].y, pts[i - 1].y);
  }
  // At x = 2 the CDF reaches 3/4 (1, 2, 2 are <= 2).
  bool found = false;
  for (const Point& p : pts) found = found || (p.x == 2 && std::abs(p.y - 0.75) < 1e-12);
  EXPECT_TRUE(found);
}

TEST(ReportAnalysis, LargeCdfIsSampledButKeepsItsEnds) {
  std::vector<double> v;
  for (int i = 0; i < 100000; ++i) v.push_back(i);
  const auto pts = cdf_points(v, 1000);
  EXPECT_LE(pts.size(), 1100U);
  EXPECT_EQ(pts.front().x, 0);
  EXPECT_EQ(pts.back().x, 99999);
  EXPECT_EQ(pts.back().y, 1.0);
}

TEST(ReportAnalysis, DownsampleKeepsPeaks) {
  std::vector<Point> pts;
  for (int i = 0; i < 10000; ++i) pts.push_back({double(i), i == 4321 ? 100.0 : 1.0});
  const auto d = downsample(pts, 300);
  EXPECT_LE(d.size(), 301U);
  double peak = 0;
  for (const Point& p : d) peak = std::max(peak, p.y);
  EXPECT_EQ(peak, 100.0);
  EXPECT_EQ(d.back().x, 9999);
}

TEST(ReportAnalysis, BestIndicesMarkTiesAndNothingWhenAllEqual) {
  EXPECT_EQ(best_indices({3, 1, 2}, Better::kLower), (std::vector<std::size_t>{1}));
  EXPECT_EQ(best_indices({3, 1, 3}, Better::kHigher), (std::vector<std::size_t>{0, 2}));
  EXPECT_TRUE(best_indices({2, 2, 2}, Better::kLower).empty());
  EXPECT_TRUE(best_indices({1, 2}, Better::kNeither).empty());
  EXPECT_TRUE(best_indices({1}, Better::kLower).empty());
  EXPECT_EQ(best_indices({kMissing, 5, 4}, Better::kLower), (std::vector<std::size_t>{2}));
}

TEST(ReportAnalysis, Formatting) {
  EXPECT_EQ(format_duration(0), "0 s");
  EXPECT_EQ(format_duration(4.25), "4.2 s");
  EXPECT_EQ(format_duration(33), "33 s");
  EXPECT_EQ(format_duration(162), "2.7 min");
  EXPECT_EQ(format_duration(3000), "50 min");
  EXPECT_EQ(format_duration(6550.38), "1.82 h");
  EXPECT_EQ(format_duration(70285), "19.5 h");
  EXPECT_EQ(format_duration(5 * 86400), "5.0 days");
  EXPECT_EQ(format_value(0.5541, Unit::kFraction), "55.4%");
  EXPECT_EQ(format_value(1234567, Unit::kCount), "1,234,567");
  EXPECT_EQ(format_value(kMissing, Unit::kSeconds), "–");
  EXPECT_EQ(format_value(1024, Unit::kNumber), "1,024");
  EXPECT_EQ(format_value(692.4066, Unit::kGpuHours), "692.4");
  EXPECT_EQ(format_value(12.5, Unit::kUsd), "$12.50");
  EXPECT_EQ(format_percent_change(-0.412), "41%");
  EXPECT_EQ(format_percent_change(0.001), "less than 1%");
  EXPECT_EQ(exact_number(300), "300");
  EXPECT_EQ(exact_number(0.5541412894578491), "0.5541412894578491");
}

TEST(ReportAnalysis, DemandMixBucketsByPowersOfTwo) {
  RunData r;
  for (double g : {0.5, 1.0, 1.0, 2.0, 3.0, 4.0, 8.0, 16.0}) {
    JobRow j;
    j.gpus = g;
    r.jobs.push_back(j);
  }
  const auto mix = demand_mix(r);
  std::vector<std::string> labels;
  for (const auto& b : mix) labels.push_back(b.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"<1 GPU (shared)", "1 GPU", "2 GPUs", "3–4 GPUs",
                                              "5–8 GPUs", "9–16 GPUs"}));
  EXPECT_EQ(mix[1].jobs, 2U);
  EXPECT_EQ(mix[3].jobs, 2U);
  double share = 0;
  for (const auto& b : mix) share += b.gpu_share;
  EXPECT_NEAR(share, 1.0, 1e-12);
}

TEST(ReportAnalysis, NewSummaryKeysAreReportedWithGuessedUnitsAndDirection) {
  json s = summary_for("fifo", 100, 10, 0.5);
  s["goodput"] = 0.93;
  s["cost_usd"] = 1234.5;
  s["fragmentation"] = {{"mean", 0.12}, {"p95", 0.3}};
  s["node_failures"] = 3;
  s["placement_score"] = 7.5;
  const std::vector<RunData> runs = {run_with("fifo", s)};
  const auto metrics = discover_metrics(runs);
  auto find = [&](const std::string& key) {
    for (const auto& m : metrics) {
      if (m.key == key) return m;
    }
    ADD_FAILURE() << "no metric " << key;
    return MetricDef{};
  };
  EXPECT_EQ(find("goodput").better, Better::kHigher);
  EXPECT_EQ(find("goodput").unit, Unit::kFraction);
  EXPECT_EQ(find("cost_usd").better, Better::kLower);
  EXPECT_EQ(find("cost_usd").unit, Unit::kUsd);
  EXPECT_EQ(find("fragmentation.p95").group, "Fragmentation");
  EXPECT_EQ(find("fragmentation.p95").better, Better::kLower);
  EXPECT_EQ(find("node_failures").unit, Unit::kCount);
  EXPECT_EQ(find("placement_score").better, Better::kNeither);
  // Known keys keep their place before the new ones.
  EXPECT_EQ(metrics.front().key, "jct_s.mean");
}

TEST(ReportFindings, NamesTheBestPolicyAndItsCutAgainstTheBaseline) {
  const std::vector<RunData> runs = {run_with("fifo", summary_for("fifo", 1000, 1000, 0.5)),
                                     run_with("sjf", summary_for("sjf", 800, 590, 0.5))};
  const auto s = sentences(runs);
  EXPECT_TRUE(any_contains(s, "sjf cut p95 wait by 41% against fifo (from 17 min to 9.8 min)."))
      << joined(s);
  EXPECT_TRUE(any_contains(s, "sjf cut mean JCT by 20% against fifo")) << joined(s);
  EXPECT_TRUE(any_contains(s, "GPU utilization is the same under every policy (50.0%)"))
      << joined(s);
}

TEST(ReportFindings, TiesAreSaidAsTies) {
  const std::vector<RunData> runs = {run_with("fifo", summary_for("fifo", 1000, 1000, 0.5)),
                                     run_with("a", summary_for("a", 500, 500, 0.5)),
                                     run_with("b", summary_for("b", 500, 500, 0.5))};
  const auto s = sentences(runs);
  EXPECT_TRUE(
      any_contains(s, "a and b tie for the lowest p95 wait, cutting it by 50% against fifo"))
      << joined(s);
  EXPECT_TRUE(any_contains(s, "a and b are best on mean JCT and p95 wait alike.")) << joined(s);
}

TEST(ReportFindings, BaselineAlreadyBestAndAllEqual) {
  const std::vector<RunData> runs = {run_with("fifo", summary_for("fifo", 1000, 600, 0.5)),
                                     run_with("sjf", summary_for("sjf", 1000, 900, 0.5))};
  const auto s = sentences(runs);
  EXPECT_TRUE(any_contains(s,
                           "fifo (the baseline) already has the lowest p95 wait (10 min); the "
                           "next best, sjf, is 50% higher (15 min)."))
      << joined(s);
  EXPECT_TRUE(any_contains(s, "Both policies have the same mean JCT (17 min).")) << joined(s);
  // Another baseline flips the comparison.
  const auto t = sentences(runs, 1);
  EXPECT_TRUE(any_contains(t, "fifo cut p95 wait by 33% against sjf")) << joined(t);
}

TEST(ReportFindings, SinglePolicyIsDescribedNotCompared) {
  json s = summary_for("fifo", 6550.38, 15348.5, 0.554);
  s["failed"] = 28;
  s["completed"] = 272;
  s["jobs"] = 300;
  const auto f = sentences({run_with("fifo", s)});
  EXPECT_TRUE(any_contains(f, "fifo completed 272 of 300 jobs (28 failed).")) << joined(f);
  EXPECT_TRUE(any_contains(f, "Mean JCT was 1.82 h")) << joined(f);
  EXPECT_TRUE(any_contains(f, "GPUs were 55.4% utilized over a 2.00 h makespan.")) << joined(f);
  EXPECT_FALSE(any_contains(f, "against")) << joined(f);
}

TEST(ReportFindings, PreemptionsAndRejectionsAreMentioned) {
  json a = summary_for("fifo", 100, 10, 0.5);
  json b = summary_for("srtf", 90, 5, 0.5, 12);
  a["rejected"] = 2;
  b["rejected"] = 2;
  const auto s = sentences({run_with("fifo", a), run_with("srtf", b)});
  EXPECT_TRUE(any_contains(s, "srtf preempted jobs 12 times; the other policy never preempted."))
      << joined(s);
  EXPECT_TRUE(any_contains(s, "2 jobs were rejected under every policy")) << joined(s);
}

TEST(ReportFindings, JobsKilledAtTheirTimeLimitAreMentioned) {
  json a = summary_for("fifo", 100, 10, 0.5);
  json b = summary_for("slurm", 90, 5, 0.5);
  a["timed_out"] = 0;
  b["timed_out"] = 7;
  const auto s = sentences({run_with("fifo", a), run_with("slurm", b)});
  EXPECT_TRUE(any_contains(s, "slurm had 7 jobs killed at their time limit")) << joined(s);
  a["timed_out"] = 3;
  b["timed_out"] = 3;
  const auto t = sentences({run_with("fifo", a), run_with("slurm", b)});
  EXPECT_TRUE(any_contains(t, "3 jobs were killed at their time limit under every policy"))
      << joined(t);
  // Nothing said when no job was killed (or the key is absent: results from before).
  a["timed_out"] = 0;
  b.erase("timed_out");
  EXPECT_FALSE(any_contains(sentences({run_with("fifo", a), run_with("slurm", b)}), "time limit"));
}

TEST(ReportDocument, TablesMarkTheBestValueAndKeepExactNumbers) {
  const std::vector<RunData> runs = {run_with("fifo", summary_for("fifo", 1000, 1000, 0.55)),
                                     run_with("sjf", summary_for("sjf", 800, 590, 0.52))};
  const Document doc = build_document(runs, {});
  const Table* wait = nullptr;
  for (const Table* t : all_tables(doc)) {
    if (t->id == "metrics-wait-before-first-start") wait = t;
  }
  ASSERT_NE(wait, nullptr);
  ASSERT_EQ(wait->columns[3].key, "wait_s.p95");
  EXPECT_FALSE(wait->rows[0][3].best);
  EXPECT_TRUE(wait->rows[1][3].best);
  EXPECT_EQ(wait->rows[1][3].value, 590);
  const std::string csv = table_csv(*wait);
  EXPECT_NE(csv.find("sjf,295,0,590,590,590"), std::string::npos) << csv;
  DocumentOptions bad;
  bad.baseline = "nosuch";
  EXPECT_THROW(build_document(runs, {}, bad), sim::InputError);
  EXPECT_THROW(build_document({}, {}), sim::InputError);
}

TEST(ReportEscaping, HtmlAndMarkdown) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(markdown_escape("*a*_b_|c|[d](e)<f>`g`\nh"),
            "\\*a\\*\\_b\\_\\|c\\|\\[d\\](e)&lt;f&gt;\\`g\\` h");
  EXPECT_EQ(base64("Man"), "TWFu");
  EXPECT_EQ(base64("Ma"), "TWE=");
  EXPECT_EQ(base64("M"), "TQ==");
}

TEST(ReportEscaping, TraceStringsAreEscapedEverywhere) {
  // User and queue names come from the trace; policy labels from folders and configs.
  TempDir tmp;
  const std::string evil_user = "<script>alert(1)</script>";
  const std::string evil_queue = "=HYPERLINK(\"http://x\")";
  std::string jobs = kJobsHeader;
  jobs +=
      "j1,0,0,100,0,100,1,1,0,completed,\"" + evil_user + "\",\"=HYPERLINK(\"\"http://x\"\")\"\n";
  jobs += "j2,0,0,50,0,50,1,1,0,completed,bob|*x*,q\n";
  write_run_folder(tmp / "in" / "a", summary_for("<b>a</b>", 75, 0, 0.5), jobs, "");
  write_run_folder(tmp / "in" / "b", summary_for("b", 80, 0, 0.5), jobs, "");
  std::vector<LoadedInput> inputs = {read_input(tmp / "in")};
  const std::vector<RunData> runs = merge_runs(inputs);
  ASSERT_EQ(runs.size(), 2U);
  ASSERT_EQ(runs[0].users.front(), evil_user);
  const Document doc = build_document(runs, inputs);
  const std::string html = write_html(doc, {});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<b>a</b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;a&lt;/b&gt;"), std::string::npos);
  const std::string md = write_markdown(doc, {});
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("bob\\|\\*x\\*"), std::string::npos);
  bool checked = false;
  for (const Table* t : all_tables(doc)) {
    if (t->id != "tenants-queue") continue;
    const std::string csv = table_csv(*t);
    // csv_escape: quoted, and a leading = defused with '.
    EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"http://x\"\")\""), std::string::npos) << csv;
    checked = true;
  }
  EXPECT_TRUE(checked);
  (void)evil_queue;
}

}  // namespace
}  // namespace orrery::test
