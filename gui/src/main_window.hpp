// The main window: the scenario editor, the run bar (Run, progress with jobs done and time
// left, Cancel), and the results area, a tab widget (comparison table, distributions, over
// time, tenants, cost vs JCT, allocation timeline, and the Sweep and Calibration tabs that
// File > Open results… or a drop fills from a sweep database or a calibration result folder).
// New run views: add them in MainWindow::build_results() and feed them in show_results().
#pragma once

#include <QMainWindow>
#include <QMessageBox>
#include <functional>
#include <memory>

#include "orrery/reports/results.hpp"
#include "orrery/scenario/scenario.hpp"
#include "run_controller.hpp"

class QAction;
class QChartView;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;

namespace orrery::gui {

class AllocationTimeline;
class CalibrationView;
class ResultsTableModel;
class ScenarioEditor;
class SweepView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads a scenario file; every problem goes to a dialog (false). Does not ask to save.
  bool load_file(const QString& path);
  // Opens a file the way a user does: asks about unsaved changes first.
  bool open_file(const QString& path);
  bool save_to(const QString& path);
  void new_scenario();
  // A dropped or chosen file: a sweep database or a calibration result folder (or its
  // calibration.json) opens as results, a .json scenario opens, anything else is the trace.
  void open_dropped(const QString& path);
  // File > Open results…: a sweep database (Sweep tab) or a calibration result folder
  // (Calibration tab; its calibration.json also names it). Every problem goes to the problems
  // dialog (false).
  bool open_results(const QString& path);
  // Opens run `run` (index into the open sweep's runs) in the results views: rebuilds its
  // scenario from the stored parameters and runs it on the worker (sweep_run.hpp). False, with
  // the problems dialog, when it cannot be rebuilt or a run is already going.
  bool open_sweep_run(std::size_t run);
  // Whether a path is opened by open_results (a folder, a calibration.json, a sweep database).
  static bool is_results_path(const QString& path);

  bool start_run();
  void cancel_run();
  bool export_report(const QString& html_path);
  QString table_csv() const;

  bool dirty() const { return dirty_; }
  QString current_path() const { return path_; }
  ScenarioEditor* editor() const { return editor_; }
  RunController* controller() const { return controller_; }
  ResultsTableModel* results_model() const { return results_model_; }
  AllocationTimeline* timeline() const { return timeline_; }
  SweepView* sweep_view() const { return sweep_view_; }
  CalibrationView* calibration_view() const { return calibration_view_; }
  // What the results views show when it is not the editor's scenario ("" otherwise).
  QString results_origin() const { return run_origin_; }
  QString results_note() const;
  QTabWidget* main_tabs() const { return main_tabs_; }
  QTabWidget* results_tabs() const { return results_tabs_; }
  const RunOutcome& last_outcome() const { return outcome_; }
  QStringList recent_files() const;

  // Asked before unsaved changes would be lost: Save, Discard or Cancel. Tests replace it.
  std::function<QMessageBox::StandardButton(const QString& question)> ask_unsaved;
  // Asked for an input file a sweep run needs that was not found beside the database or
  // remembered (`what`: e.g. "workload.trace"; `start`: a folder to start in); "" cancels.
  // Tests replace it.
  std::function<QString(const QString& what, const QString& start)> locate_input;

 signals:
  void run_finished(bool ok);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void build_menus();
  QWidget* build_results();
  void show_results(const RunOutcome& outcome);
  void on_progress(quint64 done, quint64 total, double seconds_left, const QString& phase);
  void on_finished(const RunOutcome& outcome);
  bool maybe_save();
  bool save_as();
  void set_dirty(bool dirty);
  void add_recent(const QString& path);
  void refresh_recent_menu();
  void update_title();

  ScenarioEditor* editor_ = nullptr;
  RunController* controller_ = nullptr;
  QTabWidget* main_tabs_ = nullptr;
  QTabWidget* results_tabs_ = nullptr;
  ResultsTableModel* results_model_ = nullptr;
  QTableView* results_view_ = nullptr;
  QChartView* jct_view_ = nullptr;
  QChartView* wait_view_ = nullptr;
  QChartView* util_view_ = nullptr;
  QChartView* queue_view_ = nullptr;
  QChartView* tenant_view_ = nullptr;
  QChartView* cost_view_ = nullptr;
  AllocationTimeline* timeline_ = nullptr;
  SweepView* sweep_view_ = nullptr;
  CalibrationView* calibration_view_ = nullptr;
  std::shared_ptr<const reports::SweepData> sweep_;
  QString sweep_path_;
  QString run_origin_;                // set by open_sweep_run until the next run
  QString pending_origin_;            // the origin of the run going on
  std::string expected_fingerprint_;  // the stored schedule fingerprint of that run
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  QPushButton* run_button_ = nullptr;
  QPushButton* cancel_button_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* cancel_action_ = nullptr;
  QAction* export_action_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QLabel* results_note_ = nullptr;
  RunOutcome outcome_;
  QString path_;
  bool dirty_ = false;
};

}  // namespace orrery::gui
