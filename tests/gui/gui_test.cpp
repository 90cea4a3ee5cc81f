// GUI tests, offscreen: models (QAbstractItemModelTester), the example scenario run to the end,
// cancelling a long run, the error dialog for a bad trace and a bad scenario, save and reopen,
// unsaved-changes prompts, CSV copy and report export; a real sweep database (plan::run_sweep,
// as `orrery sweep` runs it) in the Sweep tab, its Pareto front, and opening a run from the
// chart and the table; a real calibration result folder (`orrery calibrate k8s --from-saved`)
// in the Calibration tab; bad result inputs in the problems dialog.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QChartView>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QProcess>
#include <QScatterSeries>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "allocation_timeline.hpp"
#include "calibration_view.hpp"
#include "main_window.hpp"
#include "orrery/plan/results_db.hpp"
#include "orrery/plan/sweep.hpp"
#include "orrery/plan/sweep_spec.hpp"
#include "orrery/reports/charts_extra.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/synth.hpp"
#include "orrery/traces/trace_format.hpp"
#include "pool_model.hpp"
#include "problems_dialog.hpp"
#include "results_model.hpp"
#include "scenario_editor.hpp"
#include "scenario_io.hpp"
#include "sweep_view.hpp"

using namespace orrery;
using namespace orrery::gui;

namespace {

QString example(const char* name) {
  return QString::fromStdString(
      (std::filesystem::path(ORRERY_SOURCE_DIR) / "examples" / name).string());
}

// The open problems dialogs (opened with open(), never blocking), newest last.
QList<ProblemsDialog*> problem_dialogs() {
  QList<ProblemsDialog*> out;
  for (QWidget* w : QApplication::topLevelWidgets())
    if (auto* d = qobject_cast<ProblemsDialog*>(w); d && d->isVisible()) out << d;
  return out;
}

void close_dialogs() {
  for (ProblemsDialog* d : problem_dialogs()) d->close();
  QApplication::processEvents();
}

// The sweep the tests open: the example scenario on 3 and 4 A100 nodes under fifo and sjf (4
// runs), run through plan::run_sweep as `orrery sweep` runs it, into DIR/sweep.sqlite.
QString make_sweep(const QTemporaryDir& dir) {
  const std::string spec_path = dir.filePath("sweep.json").toStdString();
  {
    const nlohmann::json spec = {
        {"name", "gui test sweep"},
        {"base", example("scenario.json").toStdString()},
        {"axes",
         {{{"name", "a100_nodes"}, {"path", "cluster.pools[name=a100].nodes"}, {"values", {3, 4}}},
          {{"policy", {"fifo", "sjf"}}}}}};
    std::ofstream(spec_path) << spec.dump(2);
  }
  const QString db = dir.filePath("sweep.sqlite");
  plan::SweepOptions o;
  o.threads = 2;
  const plan::SweepReport r =
      plan::run_sweep(plan::load_sweep_spec(spec_path), db.toStdString(), o);
  if (r.ran != 4 || !r.failures.empty()) return {};
  return db;
}

// `orrery calibrate k8s --from-saved` on the calibrate tests' saved kubectl output: a real result
// folder (calibration.json, comparison.csv, utilization.csv, errors.json, simulated/). Empty when
// the CLI is not built or cannot write one.
QString make_calibration(const QTemporaryDir& dir) {
  const QString cli = QStringLiteral(ORRERY_CLI);
  if (cli.isEmpty()) return {};
  const QString out = dir.filePath("calib");
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(cli, {"calibrate", "k8s", "--from-saved",
                QString::fromStdString((std::filesystem::path(ORRERY_SOURCE_DIR) / "tests" /
                                        "calibrate" / "data" / "kubectl_nodes_pods.json")
                                           .string()),
                "-o", out, "-q"});
  if (!p.waitForFinished(120000) || p.exitCode() != 0 ||
      !QFileInfo(out + "/calibration.json").exists()) {
    qWarning("calibrate k8s --from-saved wrote no result folder: %s", p.readAll().constData());
    return {};
  }
  return out;
}

// The policy series of the sweep chart (they carry the run behind each point).
QList<QScatterSeries*> run_series(QChart* chart) {
  QList<QScatterSeries*> out;
  for (QAbstractSeries* s : chart->series()) {
    auto* sc = qobject_cast<QScatterSeries*>(s);
    if (sc && sc->property(reports::kSweepRunsProperty).isValid()) out << sc;
  }
  return out;
}

QLineSeries* front_series(QChart* chart) {
  for (QAbstractSeries* s : chart->series()) {
    if (s->name() == "Pareto front") return qobject_cast<QLineSeries*>(s);
  }
  return nullptr;
}

// Splits a CSV line with no quoted fields (comparison.csv of the k8s fixture has none).
std::vector<std::string> split_plain(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

nlohmann::json comparable(const scenario::Scenario& s) {
  nlohmann::json j = scenario::scenario_json(s);
  j["cluster"].erase("source");
  return j;
}

}  // namespace

class GuiTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName("orrery-test");
    QApplication::setApplicationName("orrery-gui-test");
  }
  void cleanup() { close_dialogs(); }

  void pool_model_is_a_valid_model() {
    PoolTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.set_pools(default_scenario().cluster.pools);
    QCOMPARE(model.rowCount(), 1);
    model.add_pool();
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(model.setData(model.index(1, PoolTableModel::kNodes), "12"));
    QCOMPARE(model.pools()[1].nodes, 12U);
    QVERIFY(!model.setData(model.index(1, PoolTableModel::kNodes), "0"));  // nodes >= 1
    QVERIFY(!model.setData(model.index(1, PoolTableModel::kGpusPerNode), "x"));
    QVERIFY(model.setData(model.index(1, PoolTableModel::kPriceKind), "spot"));
    QVERIFY(model.setData(model.index(1, PoolTableModel::kPricePerGpuHour), "1.5"));
    QCOMPARE(model.pools()[1].price.kind, sim::PoolPrice::Kind::kSpot);
    QVERIFY(!model.setData(model.index(1, PoolTableModel::kPriceKind), "free"));
    QVERIFY(model.setData(model.index(1, PoolTableModel::kAutoscaleMin), "2"));
    QVERIFY(model.pools()[1].autoscale.enabled);
    QVERIFY(model.setData(model.index(1, PoolTableModel::kAutoscaleMin), ""));
    QVERIFY(!model.pools()[1].autoscale.enabled);
    model.remove_pool(0);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.data(model.index(0, PoolTableModel::kNodes)).toInt(), 12);
  }

  void results_model_is_a_valid_model_and_copies_csv() {
    ResultsTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    auto runs = std::make_shared<std::vector<reports::RunData>>(2);
    (*runs)[0].label = "fifo";
    (*runs)[0].summary = {{"jobs", 10}, {"jct_s", {{"mean", 120.5}}}, {"gpu_utilization", 0.5}};
    (*runs)[1].label = "sjf, \"fast\"";
    (*runs)[1].summary = {{"jobs", 10}, {"jct_s", {{"mean", 60.25}}}, {"gpu_utilization", 0.5}};
    model.set_runs(runs);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.data(model.index(1, 0)).toString(), QString("sjf, \"fast\""));
    const int jct = 5;  // "Mean JCT"
    QCOMPARE(model.headerData(jct, Qt::Horizontal).toString(), QString("Mean JCT"));
    QCOMPARE(model.data(model.index(1, jct), Qt::UserRole).toDouble(), 60.25);
    QVERIFY(model.data(model.index(1, jct), Qt::FontRole).value<QFont>().bold());
    QVERIFY(!model.data(model.index(0, jct), Qt::FontRole).isValid());
    // Equal utilization: nobody is best.
    QVERIFY(!model.data(model.index(0, 10), Qt::FontRole).isValid());
    const std::string csv = model.to_csv();
    QVERIFY(csv.rfind("policy,jobs,completed,", 0) == 0);
    QVERIFY(csv.find("\n\"sjf, \"\"fast\"\"\",10,,,,60.25,") != std::string::npos);
  }

  void pareto_front_keeps_the_runs_not_beaten_on_both() {
    const double nan = reports::kMissing;
    const std::vector<double> cost = {10, 5, 7, 12, nan, 5};
    const std::vector<double> jct = {1, 4, 2, 3, 0.5, 4};
    const auto front = reports::pareto_front(cost, jct);
    QCOMPARE(front, (std::vector<std::size_t>{1, 5, 2, 0}));  // 3 is beaten by 0; 4 missing
  }

  void runs_the_example_scenario_to_completion() {
    MainWindow w;
    QVERIFY(w.load_file(example("scenario.json")));
    QVERIFY(!w.dirty());
    QSignalSpy done(&w, &MainWindow::run_finished);
    QVERIFY(w.start_run());
    QVERIFY(w.controller()->running());
    QVERIFY(done.wait(60000));
    QCOMPARE(done.takeFirst().at(0).toBool(), true);
    ResultsTableModel* m = w.results_model();
    QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(m->rowCount(), 5);
    QCOMPARE(m->data(m->index(0, 0)).toString(), QString("fifo"));
    QCOMPARE(m->data(m->index(4, 0)).toString(), QString("easy-backfill"));
    for (int r = 0; r < 5; ++r) {
      QCOMPARE(m->data(m->index(r, 1), Qt::UserRole).toDouble(), 300.0);  // jobs
      QVERIFY(m->data(m->index(r, 5), Qt::UserRole).toDouble() > 0);      // mean JCT
    }
    QCOMPARE(w.controller()->jobs_done(), 1500U);
    QCOMPARE(w.main_tabs()->currentIndex(), 1);
    // The timeline has every started job of the first run.
    const auto& tl = *w.last_outcome().timelines;
    QCOMPARE(tl.size(), 5U);
    QCOMPARE(tl[0].gpus_total, 64.0);
    QVERIFY(tl[0].jobs.size() > 250);
    const SlotLayout layout = layout_slots(tl[0]);
    QVERIFY(layout.slot_count >= 64);
    QVERIFY(w.timeline()->view()->bars() >= tl[0].jobs.size());
    // CSV and report.
    QVERIFY(w.table_csv().count('\n') == 6);
    QTemporaryDir dir;
    const QString html = dir.filePath("report.html");
    QVERIFY(w.export_report(html));
    QVERIFY(std::filesystem::file_size(html.toStdString()) > 1000);
    QVERIFY(problem_dialogs().isEmpty());
  }

  void cancels_a_long_run() {
    // A workload large enough that the run takes seconds: synthesized from the example trace.
    QTemporaryDir dir;
    const std::string big = dir.filePath("big.csv").toStdString();
    {
      const traces::Imported small =
          traces::import_trace(example("small-trace.csv").toStdString(), "native", {});
      const traces::SynthModel model = traces::SynthModel::fit(small.workload);
      std::ofstream out(big);
      model.generate(100000, 7, out);
    }
    MainWindow w;
    w.ask_unsaved = [](const QString&) { return QMessageBox::Discard; };
    QVERIFY(w.load_file(example("scenario.json")));
    w.editor()->set_trace(QString::fromStdString(big));
    for (const char* p : {"fifo-skip", "srtf", "easy-backfill"})
      w.editor()->set_policy_checked(p, false);
    QSignalSpy done(&w, &MainWindow::run_finished);
    QVERIFY(w.start_run());
    QTRY_VERIFY_WITH_TIMEOUT(w.controller()->jobs_done() > 0, 20000);
    QVERIFY(w.controller()->running());
    QElapsedTimer t;
    t.start();
    w.cancel_run();
    QVERIFY(done.wait(20000));
    qInfo("cancel took %lld ms", static_cast<long long>(t.elapsed()));
    QVERIFY(t.elapsed() < 10000);  // stops at the next event; the rest is building results
    QCOMPARE(done.takeFirst().at(0).toBool(), false);
    QVERIFY(w.last_outcome().runs == nullptr);  // nothing from the cancelled run is shown
    QVERIFY(w.controller()->jobs_done() < w.controller()->jobs_total());
    QVERIFY(!w.controller()->running());
    QVERIFY(problem_dialogs().isEmpty());
  }

  void failing_import_shows_every_problem() {
    QTemporaryDir dir;
    const QString bad = dir.filePath("bad.csv");
    {
      std::ofstream out(bad.toStdString());
      out << traces::kNativeHeader << "\n";
      out << "j1,notanumber,u,q,0,1,1,,1,1,10,,,,,\n";
      out << "j2,5,u,q,0,-3,1,,1,1,10,,,,,\n";
    }
    MainWindow w;
    QVERIFY(!w.editor()->set_trace(bad));
    const auto dialogs = problem_dialogs();
    QCOMPARE(dialogs.size(), 1);
    const auto& problems = dialogs.front()->problems();
    QVERIFY(!problems.empty());
    for (const auto& p : problems) QVERIFY(!p.where.empty());
    QVERIFY(problems.front().where.find("bad.csv") != std::string::npos);
    auto* list = dialogs.front()->findChild<QTreeWidget*>("problemList");
    QVERIFY(list);
    QCOMPARE(list->topLevelItemCount(), static_cast<int>(problems.size()));
    close_dialogs();

    // A scenario with several errors: all of them, each with its JSON path.
    const QString scen = dir.filePath("bad.json");
    {
      std::ofstream out(scen.toStdString());
      out << R"({"cluster": {"pools": [{"name": "a", "gpus_per_node": 0, "nodes": 0}]},
                 "workload": {"trace": "missing.csv"}, "policies": ["no-such-policy"],
                 "typo": 1})";
    }
    QVERIFY(!w.load_file(scen));
    const auto d2 = problem_dialogs();
    QCOMPARE(d2.size(), 1);
    QVERIFY(d2.front()->problems().size() >= 2);
    bool has_pool = false, has_typo = false;
    for (const auto& p : d2.front()->problems()) {
      has_pool = has_pool || p.where.find("pools[0].nodes") != std::string::npos;
      has_typo = has_typo || p.where.find("typo") != std::string::npos;
    }
    QVERIFY(has_pool);
    QVERIFY(has_typo);
  }

  void invalid_policy_params_are_not_applied() {
    MainWindow w;
    QVERIFY(w.load_file(example("scenario.json")));
    auto* params = w.editor()->findChild<QPlainTextEdit*>("policyParams");
    QVERIFY(params);
    params->setPlainText("{\"no_such_key\": 1}");
    QVERIFY(!w.editor()->apply_params());
    QCOMPARE(problem_dialogs().size(), 1);
    close_dialogs();
    params->setPlainText("{not json");
    QVERIFY(!w.editor()->apply_params());
    close_dialogs();
  }

  void saves_and_reopens_the_same_scenario() {
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(w.load_file(example("scenario.json")));
    PoolTableModel* pools = w.editor()->pool_model();
    QVERIFY(pools->setData(pools->index(0, PoolTableModel::kNodes), "5"));
    QVERIFY(pools->setData(pools->index(1, PoolTableModel::kAutoscaleMin), "1"));
    w.editor()->set_policy_checked("sjf", false);
    QVERIFY(w.dirty());
    // Unsaved changes: Cancel keeps them and opens nothing.
    int asked = 0;
    w.ask_unsaved = [&](const QString&) {
      ++asked;
      return QMessageBox::Cancel;
    };
    QVERIFY(!w.open_file(example("scenario.json")));
    QCOMPARE(asked, 1);
    QVERIFY(w.dirty());
    QCOMPARE(pools->pools()[0].nodes, 5U);

    const QString path = dir.filePath("saved.json");
    QVERIFY(w.save_to(path));
    QVERIFY(!w.dirty());
    QCOMPARE(w.recent_files().value(0), QFileInfo(path).absoluteFilePath());
    sim::Problems p1;
    const scenario::Scenario before = w.editor()->collect(p1);
    QVERIFY(p1.empty());

    // The CLI's loader reads it, and a new window shows the same scenario.
    const scenario::Scenario loaded = scenario::load_scenario(path.toStdString());
    QCOMPARE(loaded.cluster.pools[0].nodes, 5U);
    QVERIFY(loaded.cluster.pools[1].autoscale.enabled);
    QCOMPARE(loaded.cluster.pools[1].price.kind, sim::PoolPrice::Kind::kReserved);
    QCOMPARE(loaded.policies.size(), 4U);
    MainWindow w2;
    QVERIFY(w2.load_file(path));
    sim::Problems p2;
    const scenario::Scenario after = w2.editor()->collect(p2);
    QVERIFY(p2.empty());
    QCOMPARE(QString::fromStdString(comparable(after).dump(1)),
             QString::fromStdString(comparable(before).dump(1)));
    QVERIFY(problem_dialogs().isEmpty());
  }

  // -------------------------------------------------------------------------------------------
  // Sweeps

  void sweep_tab_shows_every_run_and_the_pareto_front() {
    const QString db = sweep_db();
    QVERIFY(!db.isEmpty());
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.open_results(db));
    QTest::qWait(200);  // laid out, so run_near maps points to pixels
    QVERIFY(problem_dialogs().isEmpty());
    QCOMPARE(w.main_tabs()->currentIndex(), 1);
    QCOMPARE(w.results_tabs()->currentWidget(), static_cast<QWidget*>(w.sweep_view()));
    SweepRunsModel* m = w.sweep_view()->model();
    QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(m->rowCount(), 4);

    // The model's numbers are the database's.
    plan::ResultsDb store(db.toStdString(), plan::ResultsDb::Mode::kReadOnly);
    const std::vector<plan::StoredRun> stored = store.runs();
    QCOMPARE(stored.size(), 4U);
    const std::string cost_key = m->tradeoff().cost_metric;
    const std::string time_key = m->tradeoff().time_metric;
    QVERIFY(!cost_key.empty() && !time_key.empty());
    const int cost_col = m->metric_column(cost_key);
    const int time_col = m->metric_column(time_key);
    const int front_col = m->front_column();
    QVERIFY(cost_col > 0 && time_col > 0 && front_col > 0);
    std::vector<double> cost, time;
    for (int r = 0; r < 4; ++r) {
      QCOMPARE(m->data(m->index(r, 0), Qt::UserRole).toULongLong(),
               static_cast<qulonglong>(stored[static_cast<std::size_t>(r)].index));
      cost.push_back(m->data(m->index(r, cost_col), Qt::UserRole).toDouble());
      time.push_back(m->data(m->index(r, time_col), Qt::UserRole).toDouble());
      QCOMPARE(cost.back(), stored[static_cast<std::size_t>(r)].metrics.at(cost_key));
      QCOMPARE(time.back(), stored[static_cast<std::size_t>(r)].metrics.at(time_key));
    }
    // The front, computed here: a run is on it iff no other run is at least as good on both and
    // better on one.
    std::set<std::size_t> expected;
    for (std::size_t i = 0; i < 4; ++i) {
      bool beaten = false;
      for (std::size_t j = 0; j < 4; ++j) {
        if (j != i && cost[j] <= cost[i] && time[j] <= time[i] &&
            (cost[j] < cost[i] || time[j] < time[i]))
          beaten = true;
      }
      if (!beaten) expected.insert(i);
    }
    QVERIFY(!expected.empty());
    for (std::size_t i = 0; i < 4; ++i) {
      const QModelIndex f = m->index(static_cast<int>(i), front_col);
      QCOMPARE(m->data(f, Qt::UserRole).toBool(), expected.count(i) == 1);
      QCOMPARE(m->data(f).toString(), QString(expected.count(i) ? "yes" : ""));
      QCOMPARE(m->data(m->index(static_cast<int>(i), 0), Qt::FontRole).isValid(),
               expected.count(i) == 1);
    }

    // The chart: one point per run, each run once, at its cost; the front through the same runs.
    QChart* chart = w.sweep_view()->chart_view()->chart();
    QVERIFY(chart);
    std::multiset<std::size_t> plotted;
    for (QScatterSeries* s : run_series(chart)) {
      const QVariantList runs = s->property(reports::kSweepRunsProperty).toList();
      QCOMPARE(runs.size(), s->count());
      for (int k = 0; k < s->count(); ++k) {
        const std::size_t run = runs[k].toULongLong();
        plotted.insert(run);
        QCOMPARE(s->at(k).x(), cost[run]);
        QCOMPARE(w.sweep_view()->run_near(s->at(k), s), static_cast<long long>(run));
      }
    }
    QCOMPARE(plotted, (std::multiset<std::size_t>{0, 1, 2, 3}));
    QLineSeries* front = front_series(chart);
    QVERIFY(front);
    QCOMPARE(static_cast<std::size_t>(front->count()), expected.size());
    std::multiset<double> front_costs, expected_costs;
    for (int k = 0; k < front->count(); ++k) front_costs.insert(front->at(k).x());
    for (std::size_t i : expected) expected_costs.insert(cost[i]);
    QVERIFY(front_costs == expected_costs);
  }

  void clicking_a_point_or_a_row_opens_that_run() {
    const QString db = sweep_db();
    QVERIFY(!db.isEmpty());
    QSettings().remove("sweepInputs");  // nothing remembered: the trace must be asked for
    MainWindow w;
    int asked = 0;
    w.locate_input = [&](const QString& what, const QString&) {
      ++asked;
      [&] { QCOMPARE(what, QString("workload.trace")); }();
      return example("small-trace.csv");
    };
    w.resize(1360, 860);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.open_results(db));
    QTest::qWait(200);  // the chart lays its plot area out when shown
    SweepRunsModel* m = w.sweep_view()->model();
    const reports::SweepData& sweep = *m->sweep();

    // Click the point of run 3 (a100_nodes=4, policy=sjf) where the chart draws it.
    const std::size_t target = 3;
    QCOMPARE(reports::param_text(sweep.runs[target].params["policy"]), std::string("sjf"));
    QChartView* view = w.sweep_view()->chart_view();
    QScatterSeries* series = nullptr;
    QPointF point;
    for (QScatterSeries* s : run_series(view->chart())) {
      const QVariantList runs = s->property(reports::kSweepRunsProperty).toList();
      for (int k = 0; k < s->count(); ++k) {
        if (runs[k].toULongLong() == target) {
          series = s;
          point = s->at(k);
        }
      }
    }
    QVERIFY(series);
    const QPoint at = view->mapFromScene(view->chart()->mapToPosition(point, series));
    QSignalSpy done(&w, &MainWindow::run_finished);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QVERIFY(w.controller()->running());
    QVERIFY(done.wait(60000));
    QCOMPARE(done.takeFirst().at(0).toBool(), true);
    QCOMPARE(asked, 1);
    QVERIFY(problem_dialogs().isEmpty());

    // The results views show that run: one policy run, its stored numbers, named in the note.
    ResultsTableModel* results = w.results_model();
    QCOMPARE(results->rowCount(), 1);
    QCOMPARE(results->data(results->index(0, 0)).toString(), QString("sjf"));
    const auto& run = w.last_outcome().runs->front();
    for (const char* key : {"jobs", "jct_s.mean", "makespan_s", "cost_total"}) {
      const auto stored = sweep.runs[target].metric(key);
      if (!stored) continue;
      QCOMPARE(run.metric(key).value_or(-1), *stored);
    }
    QCOMPARE(run.summary.value("fingerprint", std::string()), sweep.runs[target].fingerprint);
    QVERIFY(w.results_origin().contains("run 3 (a100_nodes=4, policy=sjf)"));
    QVERIFY(w.results_note().contains("run 3 (a100_nodes=4, policy=sjf)"));
    QVERIFY(w.results_note().contains("Same schedule as the sweep stored"));
    QCOMPARE(w.last_outcome().timelines->size(), 1U);
    QCOMPARE(w.last_outcome().timelines->front().gpus_total, 4 * 8.0 + 16.0);

    // Double-clicking (activating) a row opens that run; the trace is remembered now.
    QTableView* table = w.sweep_view()->table();
    table->activated(m->index(0, 0));
    QVERIFY(done.wait(60000));
    QCOMPARE(done.takeFirst().at(0).toBool(), true);
    QCOMPARE(asked, 1);
    QCOMPARE(results->rowCount(), 1);
    QCOMPARE(results->data(results->index(0, 0)).toString(), QString("fifo"));
    QVERIFY(w.results_note().contains("run 0 (a100_nodes=3, policy=fifo)"));
    QCOMPARE(w.last_outcome().runs->front().metric("jct_s.mean").value_or(-1),
             *sweep.runs[0].metric("jct_s.mean"));

    // Running the editor's scenario afterwards is no longer "a sweep run".
    QVERIFY(w.load_file(example("scenario.json")));
    QVERIFY(w.start_run());
    QVERIFY(done.wait(60000));
    QVERIFY(w.results_origin().isEmpty());
  }

  void a_wrong_trace_for_a_sweep_run_is_refused() {
    const QString db = sweep_db();
    QVERIFY(!db.isEmpty());
    QSettings().remove("sweepInputs");
    QTemporaryDir dir;
    const QString other = dir.filePath("other.csv");
    std::ofstream(other.toStdString()) << traces::kNativeHeader << "\n";
    MainWindow w;
    w.locate_input = [&](const QString&, const QString&) { return other; };
    QVERIFY(w.open_results(db));
    QVERIFY(!w.open_sweep_run(1));
    QVERIFY(!w.controller()->running());
    const auto dialogs = problem_dialogs();
    QCOMPARE(dialogs.size(), 1);
    QCOMPARE(dialogs.front()->problems().size(), 1U);
    QCOMPARE(QString::fromStdString(dialogs.front()->problems().front().where), other);
    QVERIFY(dialogs.front()->problems().front().what.find("workload.trace") != std::string::npos);
    close_dialogs();
    // Cancelling the question opens nothing and says nothing.
    w.locate_input = [](const QString&, const QString&) { return QString(); };
    QVERIFY(!w.open_sweep_run(1));
    QVERIFY(problem_dialogs().isEmpty());
  }

  // -------------------------------------------------------------------------------------------
  // Calibration

  void calibration_folder_opens_with_one_row_per_job() {
    const QString dir = calibration_dir();
    if (dir.isEmpty()) QSKIP("no calibration result folder (orrery CLI or k8s importer missing)");
    MainWindow w;
    QVERIFY(w.open_results(dir));
    QVERIFY(problem_dialogs().isEmpty());
    QCOMPARE(w.results_tabs()->currentWidget(), static_cast<QWidget*>(w.calibration_view()));
    CalibrationJobsModel* jobs = w.calibration_view()->jobs_model();
    CalibrationErrorsModel* errors = w.calibration_view()->errors_model();
    QAbstractItemModelTester t1(jobs, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(errors, QAbstractItemModelTester::FailureReportingMode::QtTest);

    // comparison.csv, read here line by line: one row per job with its values.
    std::ifstream in((dir + "/comparison.csv").toStdString());
    std::string line;
    std::getline(in, line);
    const std::vector<std::string> header = split_plain(line);
    auto col = [&](const std::string& name) {
      return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) -
                                      header.begin());
    };
    std::vector<std::vector<std::string>> rows;
    while (std::getline(in, line))
      if (!line.empty()) rows.push_back(split_plain(line));
    QVERIFY(!rows.empty());
    QCOMPARE(jobs->rowCount(), static_cast<int>(rows.size()));
    const std::pair<int, const char*> numeric[] = {
        {CalibrationJobsModel::kSubmit, "submit_s"},
        {CalibrationJobsModel::kObservedStart, "observed_start_s"},
        {CalibrationJobsModel::kObservedEnd, "observed_end_s"},
        {CalibrationJobsModel::kStartBefore, "simulated_start_before_s"},
        {CalibrationJobsModel::kStartAfter, "simulated_start_after_s"},
        {CalibrationJobsModel::kEndAfter, "simulated_end_after_s"},
        {CalibrationJobsModel::kErrorAfter, "start_error_after_s"}};
    for (int r = 0; r < jobs->rowCount(); ++r) {
      const auto& f = rows[static_cast<std::size_t>(r)];
      QCOMPARE(jobs->data(jobs->index(r, CalibrationJobsModel::kJob)).toString(),
               QString::fromStdString(f[col("job_id")]));
      for (const auto& [c, name] : numeric) {
        const std::string& cell = f[col(name)];
        const QVariant v = jobs->data(jobs->index(r, c), Qt::UserRole);
        if (cell.empty()) {
          QVERIFY(!v.isValid());
        } else if (c == CalibrationJobsModel::kErrorAfter) {
          QVERIFY(std::abs(v.toDouble() - std::stod(cell)) < 1e-3);  // CSV: 3 decimals
        } else {
          QCOMPARE(v.toDouble(), std::stod(cell));
          QCOMPARE(jobs->data(jobs->index(r, c)).toString(), QString::fromStdString(cell));
        }
      }
    }
    // The error figures are calibration.json's.
    const auto cal = scenario::json_read_file((dir + "/calibration.json").toStdString());
    bool median = false, tau = false;
    for (int r = 0; r < errors->rowCount(); ++r) {
      const QString label = errors->data(errors->index(r, 0)).toString();
      if (label == "Start error, median |s|") {
        QCOMPARE(errors->data(errors->index(r, 1), Qt::UserRole).toDouble(),
                 cal["errors_before"]["start_abs_error_s"]["median"].get<double>());
        QCOMPARE(errors->data(errors->index(r, 2), Qt::UserRole).toDouble(),
                 cal["errors_after"]["start_abs_error_s"]["median"].get<double>());
        median = true;
      }
      if (label == "Kendall's tau, start order") {
        QCOMPARE(errors->data(errors->index(r, 2), Qt::UserRole).toDouble(),
                 cal["errors_after"]["kendall_tau_start_order"].get<double>());
        tau = true;
      }
    }
    QVERIFY(median && tau);
    // The charts: every job with both starts in the scatter; the utilization curves drawn.
    QChart* scatter = w.calibration_view()->scatter_view()->chart();
    int after_points = 0;
    for (QAbstractSeries* s : scatter->series())
      if (s->name() == "after fitting") after_points = qobject_cast<QXYSeries*>(s)->count();
    int with_both = 0;
    for (const auto& f : rows)
      with_both +=
          !f[col("observed_start_s")].empty() && !f[col("simulated_start_after_s")].empty();
    QCOMPARE(after_points, with_both);
    QChart* util = w.calibration_view()->utilization_view()->chart();
    int curves = 0;
    for (QAbstractSeries* s : util->series())
      curves += qobject_cast<QXYSeries*>(s)->count() > 1 ? 1 : 0;
    QVERIFY(curves >= 3);

    // Its calibration.json, or the folder dropped on the window, opens it too.
    MainWindow w2;
    QVERIFY(w2.open_results(dir + "/calibration.json"));
    QCOMPARE(w2.calibration_view()->jobs_model()->rowCount(), jobs->rowCount());
    MainWindow w3;
    w3.open_dropped(dir);
    QCOMPARE(w3.calibration_view()->jobs_model()->rowCount(), jobs->rowCount());
    QVERIFY(problem_dialogs().isEmpty());
  }

  // -------------------------------------------------------------------------------------------
  // Bad result inputs: the problems dialog with every problem and where, never a crash.

  void bad_result_inputs_show_the_problems_dialog() {
    QTemporaryDir dir;
    MainWindow w;
    auto expect_problems = [&](const QString& path, const std::string& where_has,
                               const std::string& what_has) {
      QVERIFY2(!w.open_results(path), qPrintable(path));
      const auto dialogs = problem_dialogs();
      QCOMPARE(dialogs.size(), 1);
      const auto& problems = dialogs.front()->problems();
      QVERIFY(!problems.empty());
      bool where_found = false, what_found = false;
      for (const auto& p : problems) {
        QVERIFY(!p.where.empty());
        where_found = where_found || p.where.find(where_has) != std::string::npos;
        what_found = what_found || p.what.find(what_has) != std::string::npos;
      }
      QVERIFY2(where_found, where_has.c_str());
      QVERIFY2(what_found, what_has.c_str());
      auto* list = dialogs.front()->findChild<QTreeWidget*>("problemList");
      QVERIFY(list);
      QCOMPARE(list->topLevelItemCount(), static_cast<int>(problems.size()));
      close_dialogs();
    };
    // A file that is not a sweep database.
    const QString text = dir.filePath("notes.txt");
    std::ofstream(text.toStdString()) << "hello\n";
    expect_problems(text, "notes.txt", "sweep");
    // A corrupt database: the SQLite header, then garbage.
    const QString corrupt = dir.filePath("corrupt.sqlite");
    {
      std::ofstream out(corrupt.toStdString(), std::ios::binary);
      out.write("SQLite format 3\0", 16);
      for (int i = 0; i < 8192; ++i) out.put(static_cast<char>((i * 37) & 0xff));
    }
    expect_problems(corrupt, "corrupt.sqlite", "'orrery sweep' results database");
    // A real sweep database cut short.
    const QString db = sweep_db();
    QVERIFY(!db.isEmpty());
    const QString cut = dir.filePath("cut.sqlite");
    {
      std::ifstream in(db.toStdString(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      std::ofstream(cut.toStdString(), std::ios::binary) << bytes.substr(0, bytes.size() / 3);
    }
    expect_problems(cut, "cut.sqlite", "'orrery sweep' results database");
    // A calibration folder missing its comparison.csv.
    const QString calib = calibration_dir();
    if (!calib.isEmpty()) {
      const QString broken = dir.filePath("broken-calib");
      QDir().mkpath(broken);
      QVERIFY(QFile::copy(calib + "/calibration.json", broken + "/calibration.json"));
      expect_problems(broken, "comparison.csv", "missing");
    }
    // A folder of nothing known.
    const QString empty = dir.filePath("empty");
    QDir().mkpath(empty);
    expect_problems(empty, "empty", "calibration");
    // Dropped, a bad input shows the same dialog.
    w.open_dropped(corrupt);
    QCOMPARE(problem_dialogs().size(), 1);
    close_dialogs();
    QCOMPARE(w.sweep_view()->model()->rowCount(), 0);  // nothing half-opened
  }

 private:
  QString sweep_db() {
    if (sweep_db_.isEmpty()) sweep_db_ = make_sweep(fixtures_);
    return sweep_db_;
  }
  QString calibration_dir() {
    if (!calibration_tried_) {
      calibration_tried_ = true;
      calibration_dir_ = make_calibration(fixtures_);
    }
    return calibration_dir_;
  }
  QTemporaryDir fixtures_;
  QString sweep_db_, calibration_dir_;
  bool calibration_tried_ = false;
};

QTEST_MAIN(GuiTest)
#include "gui_test.moc"
