// The scenario editor: cluster (node pools and topology), workload (trace, format, transforms,
// statistics and sanity warnings), policies (a checkable list from the registry, parameters as
// JSON validated on Apply) and the run settings. It edits a copy of a Scenario; fields it has no
// widget for (runtime model, failures, overheads, calibration) pass through unchanged.
#pragma once

#include <QWidget>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QSpinBox;
class QTableView;

namespace orrery::gui {

class PoolTableModel;

class ScenarioEditor : public QWidget {
  Q_OBJECT
 public:
  explicit ScenarioEditor(QWidget* parent = nullptr);

  void set_scenario(const scenario::Scenario& s);
  // The scenario as edited; every problem of the editor's own fields (transforms JSON, no policy)
  // goes into `problems`.
  scenario::Scenario collect(sim::Problems& problems) const;

  // Sets the trace file (and inspects it). Returns false when it does not import.
  bool set_trace(const QString& path);
  // Imports the current trace and shows its statistics; shows every problem in a dialog and
  // returns false when no format imports it.
  bool inspect_trace();
  // Applies the parameter text to the selected policy; false (and a dialog) when invalid.
  bool apply_params();
  void set_policy_checked(const QString& name, bool checked);

  PoolTableModel* pool_model() const { return pools_; }
  QString detected_format() const { return detected_format_; }
  QString stats_text() const;

 signals:
  void changed();

 private:
  void on_policy_selected(QListWidgetItem* current);
  void fill_policy_list(const std::vector<scenario::PolicyChoice>& chosen);

  scenario::Scenario base_;
  PoolTableModel* pools_ = nullptr;
  QTableView* pool_view_ = nullptr;
  QLineEdit* name_ = nullptr;
  QLineEdit* cluster_name_ = nullptr;
  QSpinBox* nodes_per_rack_ = nullptr;
  QDoubleSpinBox* nvlink_ = nullptr;
  QDoubleSpinBox* pcie_ = nullptr;
  QDoubleSpinBox* node_link_ = nullptr;
  QDoubleSpinBox* uplink_ = nullptr;
  QLineEdit* trace_ = nullptr;
  QComboBox* format_ = nullptr;
  QCheckBox* strict_ = nullptr;
  QPlainTextEdit* transforms_ = nullptr;
  QPlainTextEdit* stats_ = nullptr;
  QLabel* warnings_ = nullptr;
  QListWidget* policies_ = nullptr;
  QPlainTextEdit* params_ = nullptr;
  QLabel* params_status_ = nullptr;
  QComboBox* placement_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QDoubleSpinBox* sample_interval_ = nullptr;
  std::map<std::string, nlohmann::json> params_by_policy_;
  QString detected_format_;
  bool loading_ = false;
};

}  // namespace orrery::gui
