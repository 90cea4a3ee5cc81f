// The input kinds beyond simulate folders, from inputs made by the real commands: a tiny sweep
// into a real SQLite file (`orrery sweep`), a real plan (`orrery plan`), a calibration result
// folder (`orrery calibrate k8s --from-saved`, which writes the documented format). Every section
// is present, the numbers in the report are the inputs' numbers, strings are escaped, the charts
// are drawn, and bad inputs give clear errors. Also the allocation numbers and table fitting.
#include <gtest/gtest.h>

#include <QImage>
#include <algorithm>
#include <cmath>

#include "orrery/plan/results_db.hpp"
#include "orrery/reports/analysis.hpp"
#include "orrery/reports/charts.hpp"
#include "orrery/reports/charts_extra.hpp"
#include "orrery/reports/report.hpp"
#include "orrery/reports/writers.hpp"
#include "orrery/sim/problems.hpp"
#include "report_test_support.hpp"

namespace orrery::test {
namespace {

using namespace orrery::reports;
using nlohmann::json;
namespace fs = std::filesystem;

const std::string kEvilName = "tiny <script>alert(1)</script> & \"co\"";

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

const fs::path& work_dir() {
  static ScopedFolder folder(fs::temp_directory_path() /
                             ("orrery-report-inputs-" + std::to_string(::getpid())));
  return folder.path();
}

// `orrery sweep` of the example on 3 and 4 A100 nodes under fifo and sjf: 4 runs.
const fs::path& sweep_db() {
  static const fs::path db = [] {
    const fs::path spec = work_dir() / "sweep.json";
    const json s = {
        {"name", kEvilName},
        {"base", (source_dir() / "examples" / "scenario.json").string()},
        {"axes",
         {{{"name", "a100_nodes"}, {"path", "cluster.pools[name=a100].nodes"}, {"values", {3, 4}}},
          {{"policy", {"fifo", "sjf"}}}}}};
    write_text(spec, s.dump(2));
    const fs::path out = work_dir() / "sweep.sqlite";
    const auto r = run_command(cli() + " sweep " + q(spec) + " -o " + q(out) + " -q --threads 2");
    if (r.exit_code != 0) {
      ADD_FAILURE() << "sweep failed:\n" << r.output;
      return fs::path();
    }
    return out;
  }();
  return db;
}

// `orrery plan` over A100 counts 2..4 and V100 counts 0 or 2 for a p95-wait target that the
// smallest clusters miss.
const fs::path& plan_dir() {
  static const fs::path dir = [] {
    const fs::path spec = work_dir() / "plan.json";
    const json p = {{"name", kEvilName},
                    {"base", (source_dir() / "examples" / "scenario.json").string()},
                    {"pools",
                     {{{"pool", "a100"}, {"nodes", {2, 3, 4}}, {"gpu_hour", 2.9}},
                      {{"pool", "v100"}, {"nodes", {0, 2}}, {"gpu_hour", 1.2}}}},
                    {"policies", {"easy-backfill"}},
                    {"target", {{"metric", "wait_s.p95"}, {"<=", 40000}}}};
    write_text(spec, p.dump(2));
    const fs::path out = work_dir() / "plan";
    const auto r = run_command(cli() + " plan " + q(spec) + " -o " + q(out) + " -q --threads 2");
    if (r.exit_code != 0 && r.exit_code != 3) {
      ADD_FAILURE() << "plan failed:\n" << r.output;
      return fs::path();
    }
    return out;
  }();
  return dir;
}

// `orrery calibrate k8s` from the saved kubectl output the calibrate tests use. Empty (and the
// tests skip) when this build has no Kubernetes pod importer.
const fs::path& calibration_dir() {
  static const fs::path dir = [] {
    const fs::path out = work_dir() / "calib";
    const auto r =
        run_command(cli() + " calibrate k8s --from-saved " +
                    q(source_dir() / "tests" / "calibrate" / "data" / "kubectl_nodes_pods.json") +
                    " -o " + q(out) + " -q");
    if (r.exit_code != 0 || !fs::exists(out / "calibration.json")) {
      std::cerr << "calibrate k8s --from-saved did not write a result folder:\n" << r.output;
      return fs::path();
    }
    return out;
  }();
  return dir;
}

struct Written {
  fs::path dir;
  ReportResult result;
  std::string html;
};

Written report_of(const std::vector<fs::path>& inputs, const std::string& name, bool pdf = true) {
  ensure_qt();
  Written w;
  w.dir = work_dir() / ("report-" + name);
  ReportOptions o;
  for (const fs::path& p : inputs) o.inputs.push_back(p.string());
  o.html = (w.dir / "report.html").string();
  if (pdf) o.pdf = (w.dir / "report.pdf").string();
  o.markdown = true;
  w.result = write_report(o);
  w.html = read_text(w.dir / "report.html");
  return w;
}

const Table* table(const Document& d, const std::string& id) {
  for (const Table* t : all_tables(d)) {
    if (t->id == id) return t;
  }
  return nullptr;
}

std::size_t column(const Table& t, const std::string& key) {
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (t.columns[c].key == key) return c;
  }
  ADD_FAILURE() << t.id << " has no column " << key;
  return 0;
}

bool has_tool(const std::string& name) {
  return run_command("command -v " + name).exit_code == 0;
}

// Draws the PDF's pages and checks every chart's region has series colours in it.
void expect_pdf_charts_drawn(const Written& w, std::size_t expected_charts) {
  if (!has_tool("pdftoppm")) {
    std::cerr << "pdftoppm (poppler-utils) is not installed: PDF pages not checked\n";
    return;
  }
  const auto conv =
      run_command("pdftoppm -r 50 -png " + q(w.dir / "report.pdf") + " " + q(w.dir / "page"));
  ASSERT_EQ(conv.exit_code, 0) << conv.output;
  const PdfLayout& layout = w.result.pdf;
  ASSERT_EQ(layout.charts.size(), expected_charts);
  for (const PdfChartPlacement& c : layout.charts) {
    QImage img;
    for (const std::string& n : {std::to_string(c.page + 1), "0" + std::to_string(c.page + 1),
                                 "00" + std::to_string(c.page + 1)}) {
      const fs::path f = w.dir / ("page-" + n + ".png");
      if (fs::exists(f)) img.load(QString::fromStdString(f.string()));
    }
    ASSERT_FALSE(img.isNull()) << c.id << " page " << c.page;
    const QRect area(static_cast<int>(c.rect.left() * img.width()),
                     static_cast<int>(c.rect.top() * img.height()),
                     static_cast<int>(c.rect.width() * img.width()),
                     static_cast<int>(c.rect.height() * img.height()));
    const PixelCount n = count_pixels(img, area);
    EXPECT_GT(n.colored, 40) << c.id << ": no series colours where the chart should be";
  }
}

// ---------------------------------------------------------------------------------------------
// Sweep databases

TEST(ReportSweep, ReadsTheDatabaseByContent) {
  ASSERT_FALSE(sweep_db().empty());
  const LoadedInput in = read_input(sweep_db());
  EXPECT_EQ(in.kind, "sweep");
  ASSERT_TRUE(in.sweep);
  EXPECT_EQ(in.sweep->name, kEvilName);
  EXPECT_EQ(in.sweep->runs.size(), 4U);
  EXPECT_EQ(in.sweep->runs_total, 4U);
  EXPECT_EQ(in.sweep->axes, (std::vector<std::string>{"a100_nodes", "policy"}));
  EXPECT_TRUE(in.runs.empty());
  // The same file under another name is still a sweep: the kind comes from the content.
  fs::copy_file(sweep_db(), work_dir() / "results.data", fs::copy_options::overwrite_existing);
  EXPECT_EQ(read_input(work_dir() / "results.data").kind, "sweep");
}

TEST(ReportSweep, EverySectionAndTheDatabaseNumbers) {
  ASSERT_FALSE(sweep_db().empty());
  const Written w = report_of({sweep_db()}, "sweep");
  for (const char* id : {"findings", "sweep"})
    EXPECT_NE(w.html.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
  for (const char* id : {"sweep-about", "sweep-runs", "sweep-front", "sweep-best"})
    EXPECT_NE(w.html.find("id=\"table-" + std::string(id) + "\""), std::string::npos) << id;
  EXPECT_NE(w.html.find("id=\"chart-sweep-pareto\""), std::string::npos);

  // Every number of the runs table is the database's.
  plan::ResultsDb db(sweep_db().string(), plan::ResultsDb::Mode::kReadOnly);
  const auto stored = db.runs();
  const Table* runs = table(w.result.document, "sweep-runs");
  ASSERT_NE(runs, nullptr);
  ASSERT_EQ(runs->rows.size(), stored.size());
  const std::string cost = "cost_total", time = "jct_s.p95";
  const std::size_t c_cost = column(*runs, cost), c_time = column(*runs, time),
                    c_front = column(*runs, "pareto_front");
  std::vector<std::pair<double, double>> pts;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(runs->rows[i][0].value, double(stored[i].index));
    EXPECT_EQ(runs->rows[i][c_cost].value, stored[i].metrics.at(cost));
    EXPECT_EQ(runs->rows[i][c_time].value, stored[i].metrics.at(time));
    EXPECT_EQ(runs->rows[i][column(*runs, "param.policy")].text,
              stored[i].params["policy"].get<std::string>());
    pts.push_back({stored[i].metrics.at(cost), stored[i].metrics.at(time)});
  }
  // The front marks match the definition (no other run at least as good on both, better on one).
  for (std::size_t i = 0; i < pts.size(); ++i) {
    bool beaten = false;
    for (std::size_t j = 0; j < pts.size(); ++j) {
      beaten = beaten || (pts[j].first <= pts[i].first && pts[j].second <= pts[i].second &&
                          (pts[j].first < pts[i].first || pts[j].second < pts[i].second));
    }
    EXPECT_EQ(runs->rows[i][c_front].text == "yes", !beaten) << "run " << i;
  }
  // Best per objective: the lowest cost is the database's lowest cost.
  const Table* best = table(w.result.document, "sweep-best");
  ASSERT_NE(best, nullptr);
  double lowest = pts.front().first;
  for (const auto& p : pts) lowest = std::min(lowest, p.first);
  bool found = false;
  for (const auto& row : best->rows) {
    if (row[1].text == "cost_total") {
      EXPECT_EQ(row[4].value, lowest);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // The CSV beside the report holds the same exact numbers.
  EXPECT_TRUE(fs::exists(fs::path(w.result.data_dir) / "sweep-runs.csv"));
  // The sweep's name (from the spec) is escaped everywhere in the HTML.
  EXPECT_EQ(w.html.find("<script>"), std::string::npos);
  EXPECT_NE(w.html.find(html_escape(kEvilName)), std::string::npos);
  expect_pdf_charts_drawn(w, 1);
}

// ---------------------------------------------------------------------------------------------
// Plan results

TEST(ReportPlan, EverySectionAndThePlanNumbers) {
  ASSERT_FALSE(plan_dir().empty());
  const LoadedInput in = read_input(plan_dir());
  EXPECT_EQ(in.kind, "plan");
  EXPECT_EQ(read_input(plan_dir() / "plan.json").kind, "plan");
  const json plan = json::parse(read_text(plan_dir() / "plan.json"));
  const Written w = report_of({plan_dir()}, "plan");
  EXPECT_NE(w.html.find("id=\"plan\""), std::string::npos);
  for (const char* id : {"plan-target", "plan-answer", "plan-candidates", "plan-variants"})
    EXPECT_NE(w.html.find("id=\"table-" + std::string(id) + "\""), std::string::npos) << id;
  const Table* cand = table(w.result.document, "plan-candidates");
  ASSERT_NE(cand, nullptr);
  ASSERT_EQ(cand->rows.size(), plan["evaluations"].size());
  std::size_t answers = 0, passing = 0, failing = 0;
  for (std::size_t i = 0; i < cand->rows.size(); ++i) {
    const json& e = plan["evaluations"][i];
    const auto& row = cand->rows[i];
    EXPECT_EQ(row[column(*cand, "meets_target")].text,
              e["meets_target"].get<bool>() ? "yes" : "no");
    if (e.contains("cost")) {
      EXPECT_EQ(row[column(*cand, "cost")].value, e["cost"].get<double>());
    }
    EXPECT_EQ(row[column(*cand, "gpus")].value, e["gpus"].get<double>());
    const std::string why = row[column(*cand, "why")].text;
    EXPECT_FALSE(why.empty());
    answers += why.rfind("the answer", 0) == 0 ? 1U : 0U;
    passing += e["meets_target"].get<bool>() ? 1U : 0U;
    failing += e["meets_target"].get<bool>() ? 0U : 1U;
  }
  // The target is chosen so that the search sees both sides.
  EXPECT_GT(passing, 0U);
  EXPECT_GT(failing, 0U);
  ASSERT_TRUE(plan["answer"].is_object());
  EXPECT_EQ(answers, 1U);
  const Table* a = table(w.result.document, "plan-answer");
  ASSERT_NE(a, nullptr);
  bool cost_seen = false;
  for (const auto& row : a->rows) {
    if (row[0].text == "Cost") {
      EXPECT_EQ(row[1].value, plan["answer"]["cost"].get<double>());
      cost_seen = true;
    }
  }
  EXPECT_TRUE(cost_seen);
  const Table* target = table(w.result.document, "plan-target");
  ASSERT_NE(target, nullptr);
  ASSERT_EQ(target->rows.size(), plan["answer"]["margins"].size());
  EXPECT_EQ(target->rows[0][1].value, plan["answer"]["margins"][0]["value"].get<double>());
  // The plain-language summary names the cost of the answer.
  const std::string first = plain_text(w.result.document.findings.front());
  EXPECT_NE(first.find("cheapest cluster"), std::string::npos) << first;
  EXPECT_NE(first.find(format_value(plan["answer"]["cost"].get<double>(), Unit::kUsd)),
            std::string::npos)
      << first;
  EXPECT_EQ(w.html.find("<script>"), std::string::npos);
  EXPECT_NE(w.html.find(html_escape(kEvilName)), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Calibration results

TEST(ReportCalibration, EverySectionAndTheCalibrationNumbers) {
  if (calibration_dir().empty()) GTEST_SKIP() << "no calibration folder (k8s-pods importer?)";
  const LoadedInput in = read_input(calibration_dir());
  EXPECT_EQ(in.kind, "calibration");
  ASSERT_TRUE(in.calibration);
  EXPECT_EQ(in.runs.size(), 2U);  // the replays before and after fitting
  const json cal = json::parse(read_text(calibration_dir() / "calibration.json"));
  const Written w = report_of({calibration_dir()}, "calibration");
  for (const char* id : {"calibration", "scenario", "results", "allocation"})
    EXPECT_NE(w.html.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
  for (const char* id : {"calibration-errors", "calibration-model", "calibration-about"})
    EXPECT_NE(w.html.find("id=\"table-" + std::string(id) + "\""), std::string::npos) << id;
  for (const char* id : {"calibration-scatter", "calibration-errors", "fragmentation"})
    EXPECT_NE(w.html.find("id=\"chart-" + std::string(id) + "\""), std::string::npos) << id;
  const Table* e = table(w.result.document, "calibration-errors");
  ASSERT_NE(e, nullptr);
  bool median = false, tau = false;
  for (const auto& row : e->rows) {
    if (row[0].text == "Start error, median |s|") {
      EXPECT_EQ(row[1].value, cal["errors_before"]["start_abs_error_s"]["median"].get<double>());
      EXPECT_EQ(row[2].value, cal["errors_after"]["start_abs_error_s"]["median"].get<double>());
      median = true;
    }
    if (row[0].text == "Kendall's tau, start order") {
      EXPECT_EQ(row[2].value, cal["errors_after"]["kendall_tau_start_order"].get<double>());
      tau = true;
    }
  }
  EXPECT_TRUE(median && tau);
  const json errors = json::parse(read_text(calibration_dir() / "errors.json"));
  const Table* m = table(w.result.document, "calibration-model");
  ASSERT_NE(m, nullptr);
  for (const auto& row : m->rows) {
    if (row[0].text == "tick_s") {
      EXPECT_EQ(row[2].value, errors["model_after"]["tick_s"].get<double>());
    }
  }
  // Per job: the jobs of comparison.csv.
  const Table* jobs = table(w.result.document, "calibration-jobs");
  ASSERT_NE(jobs, nullptr);
  EXPECT_EQ(jobs->rows.size(), in.calibration->jobs.size());
  EXPECT_GT(jobs->rows.size(), 0U);
  expect_pdf_charts_drawn(w, all_charts(w.result.document).size());
}

// ---------------------------------------------------------------------------------------------
// Bad inputs

TEST(ReportInputErrors, UnknownKindNamesTheFileAndWhatWasExpected) {
  const fs::path f = work_dir() / "notes.txt";
  write_text(f, "hello\n");
  try {
    read_input(f);
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(f.string()), std::string::npos) << msg;
    for (const char* kind : {"simulate:", "sweep:", "plan:", "calibration:"})
      EXPECT_NE(msg.find(kind), std::string::npos) << msg;
  }
}

TEST(ReportInputErrors, TruncatedSqliteIsACleanError) {
  ASSERT_FALSE(sweep_db().empty());
  const std::string bytes = read_text(sweep_db());
  ASSERT_GT(bytes.size(), 4096U);
  const fs::path cut = work_dir() / "truncated.sqlite";
  write_text(cut, bytes.substr(0, 4096 + 100));
  try {
    read_input(cut);
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(cut.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("'orrery sweep' results database"), std::string::npos) << msg;
  }
  // From the command line: exit 2 with the reason.
  const auto r = run_command(cli() + " report " + q(cut) + " -o " + q(work_dir() / "t.html"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("results database"), std::string::npos) << r.output;
}

TEST(ReportInputErrors, MissingFilesAreNamed) {
  // A calibration folder without comparison.csv.
  if (!calibration_dir().empty()) {
    const fs::path c = work_dir() / "calib-broken";
    fs::create_directories(c);
    fs::copy_file(calibration_dir() / "calibration.json", c / "calibration.json",
                  fs::copy_options::overwrite_existing);
    try {
      read_input(c);
      FAIL() << "no error";
    } catch (const sim::InputError& e) {
      EXPECT_NE(std::string(e.what()).find((c / "comparison.csv").string() + ": missing"),
                std::string::npos)
          << e.what();
    }
  }
  // A plan folder whose plan.json is something else.
  const fs::path p = work_dir() / "plan-broken";
  fs::create_directories(p);
  write_text(p / "plan.json", "{\"plan\": \"x\"}");
  try {
    read_input(p);
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((p / "plan.json").string() + ": evaluations"), std::string::npos) << msg;
    EXPECT_NE(msg.find("orrery plan"), std::string::npos) << msg;
  }
}

// ---------------------------------------------------------------------------------------------
// Allocation timeline and fragmentation

// Two nodes of 4 GPUs: job a holds 2 GPUs of node 0 over [0, 100), job b all of node 1 over
// [50, 150).
RunData two_node_run() {
  const fs::path dir = work_dir() / "two-nodes";
  write_run_folder(
      dir, summary_for("fifo", 100, 0, 0.5),
      "job_id,submit_s,start_s,end_s,wait_s,jct_s,gpus,nodes,preemptions,status,user,queue,"
      "node_ids\n"
      "a,0,0,100,0,100,2,1,0,completed,u,q,0\n"
      "b,0,50,150,50,150,4,1,0,completed,u,q,1\n"
      "c,0,,,,,1,0,0,unfinished,u,q,\n",
      "time_s,gpus_allocated,gpus_total,jobs_running,jobs_pending\n0,2,8,1,1\n150,0,8,0,0\n",
      {{"scenario",
        {{"name", "two"},
         {"cluster", {{"pools", {{{"name", "p"}, {"nodes", 2}, {"gpus_per_node", 4}}}}}}}}});
  return read_run_folder(dir);
}

TEST(ReportAllocation, FragmentationByHand) {
  const RunData r = two_node_run();
  ASSERT_TRUE(has_allocation_data(r));
  const auto f = fragmentation_series(r);
  // 0: 2 of 6 free GPUs are on node 0, which runs a; 50: node 1 full, both free GPUs on node 0;
  // 100: node 0 idle; 150: all idle.
  ASSERT_EQ(f.size(), 4U);
  EXPECT_DOUBLE_EQ(f[0].x, 0);
  EXPECT_DOUBLE_EQ(f[0].y, 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(f[1].y, 1.0);
  EXPECT_DOUBLE_EQ(f[2].y, 0.0);
  EXPECT_DOUBLE_EQ(f[3].x, 150);
  EXPECT_NEAR(mean_fragmentation(f), (2.0 / 6.0 * 50 + 50) / 150, 1e-12);
  // The chart's slices: 75 s each, [0, 75) is 50 s at 1/3 and 25 s at 1.
  const auto m = slice_means(f, 2);
  ASSERT_EQ(m.size(), 2U);
  EXPECT_DOUBLE_EQ(m[0].x, 37.5);
  EXPECT_NEAR(m[0].y, (50.0 / 3 + 25) / 75, 1e-12);
  EXPECT_NEAR(m[1].y, 25.0 / 75, 1e-12);
}

TEST(ReportAllocation, GridByHand) {
  const RunData r = two_node_run();
  const AllocationGrid g = allocation_grid(r, 48, 3);
  ASSERT_EQ(g.rows.size(), 2U);
  EXPECT_EQ(g.rows[0], "p 0");
  EXPECT_DOUBLE_EQ(g.t1, 150);
  EXPECT_DOUBLE_EQ(g.at(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(g.at(0, 1), 0.5);
  EXPECT_DOUBLE_EQ(g.at(0, 2), 0.0);
  EXPECT_DOUBLE_EQ(g.at(1, 0), 0.0);
  EXPECT_DOUBLE_EQ(g.at(1, 1), 1.0);
  EXPECT_DOUBLE_EQ(g.at(1, 2), 1.0);
  // Grouped rows: one row of both nodes holds the mean.
  const AllocationGrid one = allocation_grid(r, 1, 3);
  ASSERT_EQ(one.rows.size(), 1U);
  EXPECT_EQ(one.rows[0], "p 0–1");
  EXPECT_DOUBLE_EQ(one.at(0, 1), 0.75);
}

TEST(ReportAllocation, TheExampleGridHoldsEveryGpuSecondOfJobsNeverPreempted) {
  ASSERT_FALSE(example_output().empty());
  const RunData r = read_run_folder(example_output() / "fifo");
  ASSERT_TRUE(has_allocation_data(r));
  double gpu_s = 0;
  for (const JobRow& j : r.jobs) {
    ASSERT_EQ(j.preemptions, 0U);
    if (present(j.start_s) && present(j.end_s)) gpu_s += j.gpus * (j.end_s - j.start_s);
  }
  const AllocationGrid g = allocation_grid(r, 1000, 200);
  double area = 0;
  const double width = (g.t1 - g.t0) / double(g.bins);
  for (std::size_t row = 0; row < g.rows.size(); ++row) {
    for (std::size_t c = 0; c < g.bins; ++c) area += g.at(row, c) * g.row_gpus[row] * width;
  }
  EXPECT_NEAR(area, gpu_s, gpu_s * 1e-9);
  EXPECT_NEAR(gpu_s / 3600, *r.metric("gpu_hours_allocated"), 0.01);
}

TEST(ReportAllocation, ChartsAreDrawn) {
  ensure_qt();
  const RunData r = read_run_folder(example_output() / "sjf");
  const QImage heat = render_image(allocation_heatmap_chart(r), {kChartWidth, kChartHeight}, 1);
  EXPECT_GT(count_pixels(heat, heat.rect()).colored, 20000);
  const QImage frag = render_image(fragmentation_chart({r}), {kChartWidth, kChartHeight}, 1);
  EXPECT_GT(count_pixels(frag, frag.rect()).colored, 500);
}

// ---------------------------------------------------------------------------------------------
// Wide tables in the PDF

Table wide_table(std::size_t rows, std::size_t metrics) {
  Table t;
  t.id = "wide";
  t.title = "Other metrics";
  t.columns.push_back({"policy", "Policy", false});
  for (std::size_t c = 0; c < metrics; ++c)
    t.columns.push_back({"m" + std::to_string(c), "Metric " + std::to_string(c), true});
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<Cell> row{{"run" + std::to_string(r), kMissing, false, static_cast<int>(r)}};
    for (std::size_t c = 0; c < metrics; ++c)
      row.push_back({std::to_string(r * 100 + c), double(r * 100 + c), r == 0 && c == 3, -1});
    t.rows.push_back(row);
  }
  return t;
}

TEST(ReportTables, WideTablesAreTransposedOrSplit) {
  EXPECT_EQ(fit_columns(wide_table(3, 4), 7).size(), 1U);
  EXPECT_EQ(fit_columns(wide_table(3, 4), 7)[0].columns.size(), 5U);  // as it is
  // 12 metrics of 5 runs: a row per metric, a column per run.
  const auto x = fit_columns(wide_table(5, 12), 7);
  ASSERT_EQ(x.size(), 1U);
  ASSERT_EQ(x[0].columns.size(), 6U);
  ASSERT_EQ(x[0].rows.size(), 12U);
  EXPECT_EQ(x[0].columns[2].label, "run1");
  EXPECT_EQ(x[0].rows[3][0].text, "Metric 3");
  EXPECT_EQ(x[0].rows[3][2].value, 103);
  EXPECT_TRUE(x[0].rows[3][1].best);
  // 12 metrics of 9 runs: split into tables of 6 metrics, each with the run names.
  const auto s = fit_columns(wide_table(9, 12), 7);
  ASSERT_EQ(s.size(), 2U);
  EXPECT_EQ(s[0].columns.size(), 7U);
  EXPECT_EQ(s[1].columns.size(), 7U);
  EXPECT_EQ(s[1].rows[8][0].text, "run8");
  EXPECT_EQ(s[1].rows[8][1].value, 806);
  EXPECT_TRUE(s[0].rows[0][4].best);
  EXPECT_NE(s[0].id, s[1].id);
}

}  // namespace
}  // namespace orrery::test
