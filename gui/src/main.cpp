// orrery-gui [SCENARIO.json]
// orrery-gui --screenshot DIR SCENARIO.json   runs the scenario and saves a PNG of each main
//                                             view into DIR, then exits (docs/gui.md).
// orrery-gui --screenshot DIR RESULTS          opens a sweep database or a calibration result
//                                             folder and saves gui-sweep.png (and
//                                             gui-sweep-run.png, its cheapest run on the front,
//                                             opened) or gui-calibration.png.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QScrollBar>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>

#include "allocation_timeline.hpp"
#include "main_window.hpp"
#include "sweep_view.hpp"

namespace {

bool save(QWidget* w, const QString& dir, const QString& name) {
  const QString path = QDir(dir).filePath(name);
  const bool ok = w->grab().save(path);
  std::fprintf(stderr, "%s %s\n", ok ? "wrote" : "FAILED to write", qPrintable(path));
  return ok;
}

int screenshots(QApplication& app, orrery::gui::MainWindow& w, const QString& dir,
                const QString& scenario) {
  QDir().mkpath(dir);
  w.show();
  if (!w.load_file(scenario)) return 2;
  app.processEvents();
  w.main_tabs()->setCurrentIndex(0);
  app.processEvents();
  save(&w, dir, "gui-scenario.png");
  bool grabbed_running = false;
  QObject::connect(w.controller(), &orrery::gui::RunController::progress, &w,
                   [&](quint64 done, quint64 total, double, const QString&) {
                     if (!grabbed_running && total > 0 && done > 0) {
                       grabbed_running = true;
                       save(&w, dir, "gui-running.png");
                     }
                   });
  int rc = 0;
  QObject::connect(&w, &orrery::gui::MainWindow::run_finished, &w, [&](bool ok) {
    if (!ok) {
      rc = 1;
      app.quit();
      return;
    }
    if (!grabbed_running) save(&w, dir, "gui-running.png");
    const char* names[] = {"gui-results.png", "gui-distributions.png", "gui-over-time.png",
                           "gui-tenants.png", "gui-cost.png",          "gui-timeline.png"};
    for (int i = 0; i < w.results_tabs()->count() && i < 6; ++i) {
      w.results_tabs()->setCurrentIndex(i);
      app.processEvents();
      if (i == 5) {
        w.timeline()->view()->fit();
        app.processEvents();
      }
      save(&w, dir, names[i]);
    }
    // A zoomed-in timeline: the first quarter of the run.
    w.timeline()->view()->zoom_time(4.0);
    w.timeline()->view()->horizontalScrollBar()->setValue(0);
    app.processEvents();
    save(&w, dir, "gui-timeline-zoomed.png");
    app.quit();
  });
  QTimer::singleShot(200, &w, [&] {
    if (!w.start_run()) {
      rc = 1;
      app.quit();
    }
  });
  app.exec();
  return rc;
}

int results_screenshots(QApplication& app, orrery::gui::MainWindow& w, const QString& dir,
                        const QString& path) {
  QDir().mkpath(dir);
  w.show();
  if (!w.open_results(path)) return 2;
  app.processEvents();
  if (w.results_tabs()->currentWidget() != w.sweep_view()) {
    save(&w, dir, "gui-calibration.png");
    return 0;
  }
  save(&w, dir, "gui-sweep.png");
  const auto& front = w.sweep_view()->model()->tradeoff().front;
  if (front.empty()) return 0;
  int rc = 0;
  QObject::connect(&w, &orrery::gui::MainWindow::run_finished, &w, [&](bool ok) {
    if (ok) {
      w.results_tabs()->setCurrentIndex(0);
      app.processEvents();
      save(&w, dir, "gui-sweep-run.png");
    }
    rc = ok ? 0 : 1;
    app.quit();
  });
  if (!w.open_sweep_run(front.front())) return 1;
  app.exec();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("orrery");
  QApplication::setApplicationName("orrery-gui");
  QCommandLineParser parser;
  parser.setApplicationDescription("Orrery: simulate GPU-cluster scheduling policies");
  parser.addHelpOption();
  QCommandLineOption shot("screenshot", "Run SCENARIO, save PNGs of each view into DIR, exit.",
                          "DIR");
  parser.addOption(shot);
  parser.addPositionalArgument(
      "input", "A scenario file to open, or results (a sweep database, a calibration folder).",
      "[SCENARIO.json | RESULTS]");
  parser.process(app);
  QApplication::setFont(QFont("DejaVu Sans", 10));

  orrery::gui::MainWindow w;
  const QStringList args = parser.positionalArguments();
  if (parser.isSet(shot)) {
    if (args.isEmpty()) {
      std::fprintf(stderr, "--screenshot needs a scenario file\n");
      return 2;
    }
    w.ask_unsaved = [](const QString&) { return QMessageBox::Discard; };
    w.locate_input = [](const QString&, const QString&) { return QString(); };
    if (orrery::gui::MainWindow::is_results_path(args.front()))
      return results_screenshots(app, w, parser.value(shot), args.front());
    return screenshots(app, w, parser.value(shot), args.front());
  }
  if (!args.isEmpty()) {
    if (orrery::gui::MainWindow::is_results_path(args.front()))
      w.open_results(args.front());
    else
      w.load_file(args.front());
  }
  w.show();
  return app.exec();
}
