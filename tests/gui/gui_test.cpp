// GUI tests, offscreen: models (QAbstractItemModelTester), the example scenario run to the end,
// cancelling a long run, the error dialog for a bad trace and a bad scenario, save and reopen,
// unsaved-changes prompts, CSV copy and report export.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QElapsedTimer>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <filesystem>
#include <fstream>

#include "allocation_timeline.hpp"
#include "main_window.hpp"
#include "orrery/reports/charts_extra.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/synth.hpp"
#include "orrery/traces/trace_format.hpp"
#include "pool_model.hpp"
#include "problems_dialog.hpp"
#include "results_model.hpp"
#include "scenario_editor.hpp"
#include "scenario_io.hpp"

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
};

QTEST_MAIN(GuiTest)
#include "gui_test.moc"
