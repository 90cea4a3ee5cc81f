#include "main_window.hpp"

#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "allocation_timeline.hpp"
#include "calibration_view.hpp"
#include "chart_util.hpp"
#include "orrery/reports/analysis.hpp"
#include "orrery/reports/charts.hpp"
#include "orrery/reports/charts_extra.hpp"
#include "orrery/reports/report.hpp"
#include "problems_dialog.hpp"
#include "results_model.hpp"
#include "scenario_editor.hpp"
#include "scenario_io.hpp"
#include "sweep_run.hpp"
#include "sweep_view.hpp"

namespace orrery::gui {

namespace {

constexpr int kMaxRecent = 8;

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName("orreryMainWindow");
  setAcceptDrops(true);
  ask_unsaved = [this](const QString& question) {
    return QMessageBox::question(this, tr("Unsaved changes"), question,
                                 QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel,
                                 QMessageBox::Save);
  };
  locate_input = [this](const QString& what, const QString& start) {
    return QFileDialog::getOpenFileName(
        this, tr("Find the sweep's %1 (the file it ran with)").arg(what), start);
  };
  controller_ = new RunController(this);

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  main_tabs_ = new QTabWidget(central);
  main_tabs_->setObjectName("mainTabs");
  editor_ = new ScenarioEditor(main_tabs_);
  main_tabs_->addTab(editor_, tr("Scenario"));
  main_tabs_->addTab(build_results(), tr("Results"));
  layout->addWidget(main_tabs_, 1);

  auto* run_bar = new QHBoxLayout();
  run_button_ = new QPushButton(tr("Run"), central);
  run_button_->setObjectName("runButton");
  cancel_button_ = new QPushButton(tr("Cancel"), central);
  cancel_button_->setObjectName("cancelButton");
  cancel_button_->setEnabled(false);
  progress_ = new QProgressBar(central);
  progress_->setObjectName("runProgress");
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_->setTextVisible(true);
  progress_->setFormat(tr("idle"));
  status_ = new QLabel(tr("Ready."), central);
  status_->setObjectName("runStatus");
  status_->setMinimumWidth(320);
  run_bar->addWidget(run_button_);
  run_bar->addWidget(cancel_button_);
  run_bar->addWidget(progress_, 1);
  run_bar->addWidget(status_);
  layout->addLayout(run_bar);
  setCentralWidget(central);

  build_menus();
  connect(run_button_, &QPushButton::clicked, this, &MainWindow::start_run);
  connect(cancel_button_, &QPushButton::clicked, this, &MainWindow::cancel_run);
  connect(controller_, &RunController::progress, this, &MainWindow::on_progress);
  connect(controller_, &RunController::finished, this, &MainWindow::on_finished);
  connect(editor_, &ScenarioEditor::changed, this, [this] { set_dirty(true); });

  editor_->set_scenario(default_scenario());
  set_dirty(false);
  resize(1360, 860);
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::build_results() {
  auto* page = new QWidget(this);
  auto* layout = new QVBoxLayout(page);
  results_note_ = new QLabel(tr("No results yet: set up a scenario and press Run."), page);
  results_note_->setObjectName("resultsNote");
  results_note_->setWordWrap(true);
  layout->addWidget(results_note_);
  results_tabs_ = new QTabWidget(page);
  results_tabs_->setObjectName("resultsTabs");
  layout->addWidget(results_tabs_, 1);

  // Comparison table.
  auto* table_page = new QWidget(results_tabs_);
  auto* tl = new QVBoxLayout(table_page);
  results_model_ = new ResultsTableModel(this);
  results_view_ = new QTableView(table_page);
  results_view_->setObjectName("resultsTable");
  results_view_->setModel(results_model_);
  results_view_->setAlternatingRowColors(true);
  results_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  results_view_->verticalHeader()->setVisible(false);
  tl->addWidget(results_view_, 1);
  auto* buttons = new QHBoxLayout();
  auto* copy = new QPushButton(tr("Copy table as CSV"), table_page);
  auto* exp = new QPushButton(tr("Export report…"), table_page);
  buttons->addWidget(copy);
  buttons->addWidget(exp);
  buttons->addStretch(1);
  auto* legend = new QLabel(tr("Bold: best in its column."), table_page);
  legend->setStyleSheet("color: #57606a;");
  buttons->addWidget(legend);
  tl->addLayout(buttons);
  connect(copy, &QPushButton::clicked, this,
          [this] { QApplication::clipboard()->setText(table_csv()); });
  connect(exp, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Export report"), "report.html",
                                                   tr("HTML report (*.html)"));
    if (!f.isEmpty()) export_report(f);
  });
  results_tabs_->addTab(table_page, tr("Comparison"));

  auto* dist = new QWidget(results_tabs_);
  auto* dl = new QHBoxLayout(dist);
  jct_view_ = new_chart_view(dist);
  wait_view_ = new_chart_view(dist);
  dl->addWidget(jct_view_);
  dl->addWidget(wait_view_);
  results_tabs_->addTab(dist, tr("Distributions"));

  auto* over = new QWidget(results_tabs_);
  auto* ol = new QVBoxLayout(over);
  util_view_ = new_chart_view(over);
  queue_view_ = new_chart_view(over);
  ol->addWidget(util_view_);
  ol->addWidget(queue_view_);
  results_tabs_->addTab(over, tr("Over time"));

  tenant_view_ = new_chart_view(results_tabs_);
  results_tabs_->addTab(tenant_view_, tr("Tenants"));

  cost_view_ = new_chart_view(results_tabs_);
  results_tabs_->addTab(cost_view_, tr("Cost vs JCT"));

  timeline_ = new AllocationTimeline(results_tabs_);
  results_tabs_->addTab(timeline_, tr("Allocation timeline"));

  sweep_view_ = new SweepView(results_tabs_);
  results_tabs_->addTab(sweep_view_, tr("Sweep"));
  connect(sweep_view_, &SweepView::open_run, this,
          [this](qulonglong run) { open_sweep_run(static_cast<std::size_t>(run)); });
  calibration_view_ = new CalibrationView(results_tabs_);
  results_tabs_->addTab(calibration_view_, tr("Calibration"));
  // The note above the tabs is about the last run: not shown over opened results.
  connect(results_tabs_, &QTabWidget::currentChanged, this, [this](int) {
    QWidget* w = results_tabs_->currentWidget();
    results_note_->setVisible(w != sweep_view_ && w != calibration_view_);
  });
  return page;
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&New"), QKeySequence::New, this, [this] {
    if (maybe_save()) new_scenario();
  });
  file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
    if (!maybe_save()) return;
    const QString f = QFileDialog::getOpenFileName(
        this, tr("Open scenario"), QFileInfo(path_).path(), tr("Scenario (*.json);;All files (*)"));
    if (!f.isEmpty()) load_file(f);
  });
  recent_menu_ = file->addMenu(tr("Open &recent"));
  file->addAction(tr("&Save"), QKeySequence::Save, this, [this] {
    if (path_.isEmpty())
      save_as();
    else
      save_to(path_);
  });
  file->addAction(tr("Save &as…"), QKeySequence::SaveAs, this, &MainWindow::save_as);
  file->addSeparator();
  file->addAction(tr("Open res&ults…"), this, [this] {
    const QString f = QFileDialog::getOpenFileName(
        this, tr("Open results: a sweep database, or a calibration folder's calibration.json"),
        sweep_path_.isEmpty() ? QFileInfo(path_).path() : QFileInfo(sweep_path_).path(),
        tr("Sweep database or calibration result (*.sqlite *.db calibration.json);;All files (*)"));
    if (!f.isEmpty()) open_results(f);
  });
  file->addAction(tr("Choose &trace…"), this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Choose a trace"));
    if (!f.isEmpty()) open_dropped(f);
  });
  export_action_ = file->addAction(tr("&Export report…"), this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Export report"), "report.html",
                                                   tr("HTML report (*.html)"));
    if (!f.isEmpty()) export_report(f);
  });
  export_action_->setEnabled(false);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run_action_ =
      run->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), this, &MainWindow::start_run);
  cancel_action_ =
      run->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancel_run);
  cancel_action_->setEnabled(false);
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(tr("Copy results as &CSV"), this,
                  [this] { QApplication::clipboard()->setText(table_csv()); });
  refresh_recent_menu();
}

void MainWindow::update_title() {
  const QString name = path_.isEmpty() ? tr("untitled") : QFileInfo(path_).fileName();
  setWindowTitle(name + "[*] — Orrery");
  setWindowModified(dirty_);
}

void MainWindow::set_dirty(bool dirty) {
  dirty_ = dirty;
  update_title();
}

bool MainWindow::maybe_save() {
  if (!dirty_) return true;
  const auto answer = ask_unsaved(tr("The scenario has unsaved changes. Save them?"));
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Discard) return true;
  return path_.isEmpty() ? save_as() : save_to(path_);
}

void MainWindow::new_scenario() {
  editor_->set_scenario(default_scenario());
  path_.clear();
  set_dirty(false);
}

bool MainWindow::load_file(const QString& path) {
  try {
    const scenario::Scenario s = scenario::load_scenario(path.toStdString());
    editor_->set_scenario(s);
  } catch (const sim::InputError& e) {
    show_problems(this, tr("Scenario has errors"), tr("%1 was not opened").arg(path), e.problems());
    return false;
  } catch (const std::exception& e) {
    show_problems(this, tr("Scenario has errors"), tr("%1 was not opened").arg(path),
                  {{path.toStdString(), e.what()}});
    return false;
  }
  path_ = path;
  set_dirty(false);
  add_recent(path);
  status_->setText(tr("Opened %1").arg(QFileInfo(path).fileName()));
  return true;
}

bool MainWindow::open_file(const QString& path) {
  return maybe_save() && load_file(path);
}

bool MainWindow::save_as() {
  const QString f = QFileDialog::getSaveFileName(this, tr("Save scenario"),
                                                 path_.isEmpty() ? "scenario.json" : path_,
                                                 tr("Scenario (*.json)"));
  return !f.isEmpty() && save_to(f);
}

bool MainWindow::save_to(const QString& path) {
  sim::Problems problems;
  scenario::Scenario s = editor_->collect(problems);
  if (!problems.empty()) {
    show_problems(this, tr("Scenario not saved"), tr("Fix these first"), problems.list());
    return false;
  }
  try {
    save_scenario(s, path.toStdString());
  } catch (const sim::InputError& e) {
    show_problems(this, tr("Scenario not saved"), tr("Writing %1 failed").arg(path), e.problems());
    return false;
  }
  path_ = path;
  set_dirty(false);
  add_recent(path);
  status_->setText(tr("Saved %1").arg(QFileInfo(path).fileName()));
  return true;
}

bool MainWindow::is_results_path(const QString& path) {
  const QFileInfo info(path);
  if (info.isDir() || info.fileName() == "calibration.json") return true;
  if (!info.isFile()) return false;
  for (const auto& reader : reports::input_readers()) {
    if (reader->kind() == "sweep" && reader->accepts(path.toStdString())) return true;
  }
  return false;
}

bool MainWindow::open_results(const QString& chosen) {
  QString path = chosen;
  if (QFileInfo(path).fileName() == "calibration.json") path = QFileInfo(path).absolutePath();
  const QString intro = tr("%1 was not opened").arg(path);
  try {
    reports::LoadedInput in = reports::read_input(path.toStdString());
    if (in.sweep) {
      sweep_ = std::make_shared<const reports::SweepData>(std::move(*in.sweep));
      sweep_path_ = path;
      sweep_view_->set_sweep(sweep_, path, in.notes);
      results_tabs_->setCurrentWidget(sweep_view_);
    } else if (in.calibration) {
      auto cal = std::make_shared<const reports::CalibrationData>(std::move(*in.calibration));
      calibration_view_->set_calibration(std::move(cal), path, in.notes);
      results_tabs_->setCurrentWidget(calibration_view_);
    } else {
      throw sim::InputError(path.toStdString(),
                            "is " +
                                (in.kind == "simulate" ? std::string("an output folder of "
                                                                     "'orrery simulate'")
                                                       : "a '" + in.kind + "' result") +
                                ": Open results shows sweep databases and calibration result "
                                "folders (open a scenario and run it for the results views)");
    }
  } catch (const sim::InputError& e) {
    show_problems(this, tr("Results not opened"), intro, e.problems());
    return false;
  } catch (const std::exception& e) {
    show_problems(this, tr("Results not opened"), intro, {{path.toStdString(), e.what()}});
    return false;
  }
  main_tabs_->setCurrentIndex(1);
  status_->setText(tr("Opened %1").arg(QFileInfo(path).fileName()));
  return true;
}

bool MainWindow::open_sweep_run(std::size_t run) {
  if (!sweep_ || run >= sweep_->runs.size()) return false;
  const QString title = QString::fromStdString(sweep_run_title(*sweep_, run));
  if (controller_->running()) {
    show_problems(this, tr("Run not opened"), tr("%1 was not opened").arg(title),
                  {{"run", "a run is going on: wait for it or cancel it first"}});
    return false;
  }
  // Find the input files the sweep ran with: remembered from an earlier open, the editor's
  // trace, files beside the database; then ask.
  std::map<std::string, std::string> files;
  QSettings settings;
  const QString db_dir = QFileInfo(sweep_path_).absolutePath();
  for (const StoredInput& need : stored_inputs(sweep_->spec)) {
    const QString key = "sweepInputs/" + QString::fromStdString(need.sha256);
    QStringList candidates;
    candidates << settings.value(key).toString();
    sim::Problems none;
    candidates << QString::fromStdString(editor_->collect(none).trace_path);
    constexpr int kMaxBeside = 32;  // each candidate is hashed: keep the look cheap
    int beside = 0;
    for (const QFileInfo& f : QDir(db_dir).entryInfoList(QDir::Files, QDir::Name)) {
      if (f.absoluteFilePath() == QFileInfo(sweep_path_).absoluteFilePath() ||
          f.fileName().startsWith(QFileInfo(sweep_path_).fileName()) || ++beside > kMaxBeside)
        continue;
      candidates << f.absoluteFilePath();
    }
    QString found;
    for (const QString& c : candidates) {
      if (!c.isEmpty() && has_contents(c.toStdString(), need.sha256)) {
        found = c;
        break;
      }
    }
    if (found.isEmpty()) {
      const QString asked = locate_input(QString::fromStdString(need.field), db_dir);
      if (asked.isEmpty()) return false;  // cancelled
      if (!has_contents(asked.toStdString(), need.sha256)) {
        show_problems(
            this, tr("Run not opened"), tr("%1 was not opened").arg(title),
            {{asked.toStdString(),
              "is not the file the sweep ran with as " + need.field +
                  " (its contents differ: the sweep recorded sha256:" + need.sha256 + ")"}});
        return false;
      }
      found = asked;
    }
    settings.setValue(key, QFileInfo(found).absoluteFilePath());
    files[need.field] = QFileInfo(found).absoluteFilePath().toStdString();
  }
  scenario::Scenario s;
  try {
    s = sweep_run_scenario(*sweep_, run, files, sweep_path_.toStdString());
  } catch (const sim::InputError& e) {
    show_problems(this, tr("Run not opened"), tr("%1 could not be rebuilt").arg(title),
                  e.problems());
    return false;
  } catch (const std::exception& e) {
    show_problems(this, tr("Run not opened"), tr("%1 could not be rebuilt").arg(title),
                  {{sweep_path_.toStdString(), e.what()}});
    return false;
  }
  if (!controller_->start(s)) return false;
  pending_origin_ = tr("Sweep %1 of %2").arg(title, QFileInfo(sweep_path_).fileName());
  expected_fingerprint_ = sweep_->runs[run].fingerprint;
  run_button_->setEnabled(false);
  run_action_->setEnabled(false);
  cancel_button_->setEnabled(true);
  cancel_action_->setEnabled(true);
  status_->setText(tr("Running sweep %1 again…").arg(title));
  return true;
}

void MainWindow::open_dropped(const QString& path) {
  if (is_results_path(path)) {
    open_results(path);
  } else if (path.endsWith(".json", Qt::CaseInsensitive)) {
    open_file(path);
  } else {
    editor_->set_trace(path);
    set_dirty(true);
    main_tabs_->setCurrentIndex(0);
  }
}

QStringList MainWindow::recent_files() const {
  return QSettings().value("recentFiles").toStringList();
}

void MainWindow::add_recent(const QString& path) {
  QStringList list = recent_files();
  const QString abs = QFileInfo(path).absoluteFilePath();
  list.removeAll(abs);
  list.prepend(abs);
  while (list.size() > kMaxRecent) list.removeLast();
  QSettings().setValue("recentFiles", list);
  refresh_recent_menu();
}

void MainWindow::refresh_recent_menu() {
  recent_menu_->clear();
  const QStringList list = recent_files();
  for (const QString& f : list) recent_menu_->addAction(f, this, [this, f] { open_file(f); });
  recent_menu_->setEnabled(!list.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybe_save()) {
    event->ignore();
    return;
  }
  controller_->cancel();
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.front().isLocalFile()) return;
  event->acceptProposedAction();
  open_dropped(urls.front().toLocalFile());
}

bool MainWindow::start_run() {
  if (controller_->running()) return false;
  sim::Problems problems;
  scenario::Scenario s = editor_->collect(problems);
  if (!path_.isEmpty()) s.path = path_.toStdString();
  scenario::validate(s, problems);
  if (!problems.empty()) {
    show_problems(this, tr("Cannot run"), tr("The scenario has errors"), problems.list());
    return false;
  }
  if (!path_.isEmpty() && dirty_) s.path.clear();  // the file on disk is not what runs
  controller_->start(s);
  pending_origin_.clear();
  expected_fingerprint_.clear();
  run_button_->setEnabled(false);
  run_action_->setEnabled(false);
  cancel_button_->setEnabled(true);
  cancel_action_->setEnabled(true);
  status_->setText(
      tr("Running %1 polic%2…").arg(s.policies.size()).arg(s.policies.size() == 1 ? "y" : "ies"));
  return true;
}

void MainWindow::cancel_run() {
  if (!controller_->running()) return;
  controller_->cancel();
  cancel_button_->setEnabled(false);
  status_->setText(tr("Cancelling…"));
}

void MainWindow::on_progress(quint64 done, quint64 total, double seconds_left,
                             const QString& phase) {
  if (total == 0) {
    progress_->setRange(0, 0);  // busy indicator while importing
    progress_->setFormat(phase);
    return;
  }
  progress_->setRange(0, 1000);
  progress_->setValue(
      static_cast<int>(1000.0 * static_cast<double>(done) / static_cast<double>(total)));
  QString text =
      QStringLiteral("%1: %2 / %3 jobs")
          .arg(phase, QString::fromStdString(reports::format_count(static_cast<double>(done))),
               QString::fromStdString(reports::format_count(static_cast<double>(total))));
  if (seconds_left >= 0)
    text +=
        tr(", about %1 left").arg(QString::fromStdString(reports::format_duration(seconds_left)));
  progress_->setFormat(text);
}

void MainWindow::on_finished(const RunOutcome& outcome) {
  run_button_->setEnabled(true);
  run_action_->setEnabled(true);
  cancel_button_->setEnabled(false);
  cancel_action_->setEnabled(false);
  progress_->setRange(0, 1000);
  if (!outcome.problems.empty()) {
    progress_->setValue(0);
    progress_->setFormat(tr("failed"));
    status_->setText(tr("The run failed."));
    show_problems(this, tr("Run failed"), tr("The run stopped on bad input"), outcome.problems);
    emit run_finished(false);
    return;
  }
  if (outcome.cancelled) {
    progress_->setFormat(tr("cancelled"));
    status_->setText(tr("Cancelled after %1; earlier results are kept.")
                         .arg(QString::fromStdString(reports::format_duration(outcome.wall_s))));
    emit run_finished(false);
    return;
  }
  outcome_ = outcome;
  run_origin_ = pending_origin_;
  progress_->setValue(1000);
  progress_->setFormat(tr("done"));
  status_->setText(
      tr("Done in %1.").arg(QString::fromStdString(reports::format_duration(outcome.wall_s))));
  show_results(outcome);
  main_tabs_->setCurrentIndex(1);
  emit run_finished(true);
}

void MainWindow::show_results(const RunOutcome& outcome) {
  results_model_->set_runs(outcome.runs);
  const auto& runs = *outcome.runs;
  replace_chart(jct_view_, reports::jct_cdf_chart(runs));
  replace_chart(wait_view_, reports::wait_cdf_chart(runs));
  replace_chart(util_view_, reports::utilization_chart(runs));
  replace_chart(queue_view_, reports::queue_length_chart(runs));
  replace_chart(tenant_view_, reports::tenant_jct_chart(runs));
  replace_chart(cost_view_, reports::cost_jct_chart(runs));
  timeline_->set_timelines(outcome.timelines);
  export_action_->setEnabled(true);
  QString note = tr("%1 run(s), finished %2 in %3 wall time.")
                     .arg(runs.size())
                     .arg(QDateTime::currentDateTime().toString("HH:mm:ss"))
                     .arg(QString::fromStdString(reports::format_duration(outcome.wall_s)));
  if (!runs.empty()) {
    const auto jobs = runs.front().metric("jobs");
    if (jobs)
      note += tr(" %1 jobs each.").arg(QString::fromStdString(reports::format_count(*jobs)));
  }
  if (!run_origin_.isEmpty()) {
    note = run_origin_ + tr(": rebuilt from the parameters the database stores and run again. ") +
           note;
    const std::string got =
        runs.size() == 1 ? runs.front().summary.value("fingerprint", std::string()) : "";
    if (!expected_fingerprint_.empty()) {
      note += got == expected_fingerprint_
                  ? tr(" Same schedule as the sweep stored (fingerprint %1).")
                        .arg(QString::fromStdString(got))
                  : tr(" Warning: the schedule differs from the one the sweep stored (fingerprint "
                       "%1, stored %2): another Orrery version?")
                        .arg(QString::fromStdString(got),
                             QString::fromStdString(expected_fingerprint_));
    }
  }
  results_note_->setText(note);
}

QString MainWindow::results_note() const {
  return results_note_->text();
}

QString MainWindow::table_csv() const {
  return QString::fromStdString(results_model_->to_csv());
}

bool MainWindow::export_report(const QString& html_path) {
  if (!outcome_.output_dir) {
    show_problems(this, tr("No report"), tr("Run the scenario first"),
                  {{"report", "there are no results to report"}});
    return false;
  }
  try {
    reports::ReportOptions o;
    o.inputs = {outcome_.output_dir->path().toStdString()};
    o.html = html_path.toStdString();
    o.generated = QDateTime::currentDateTimeUtc().toString("yyyy-MM-dd HH:mm 'UTC'").toStdString();
    const reports::ReportResult r = reports::write_report(o);
    status_->setText(tr("Report written: %1 (%2 files)").arg(html_path).arg(r.files.size()));
  } catch (const sim::InputError& e) {
    show_problems(this, tr("Report failed"), tr("The report was not written"), e.problems());
    return false;
  } catch (const std::exception& e) {
    show_problems(this, tr("Report failed"), tr("The report was not written"),
                  {{html_path.toStdString(), e.what()}});
    return false;
  }
  return true;
}

}  // namespace orrery::gui
