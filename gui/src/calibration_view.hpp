// The Calibration tab: an `orrery calibrate` result folder (docs/calibration.md) read by
// reports::read_input, shown as the error figures before and after fitting
// (CalibrationErrorsModel, reports::calibration_figures), simulated against observed start times
// and the utilization curves (reports' chart builders, as `orrery report` draws them), and the
// per-job comparison (CalibrationJobsModel over comparison.csv). Models over immutable data.
#pragma once

#include <QAbstractTableModel>
#include <QWidget>
#include <memory>
#include <string>
#include <vector>

#include "orrery/reports/analysis.hpp"
#include "orrery/reports/results.hpp"

class QChartView;
class QLabel;
class QTableView;

namespace orrery::gui {

using Calibration = std::shared_ptr<const reports::CalibrationData>;

// One row per error figure: figure, before fitting, after fitting. UserRole: the exact number.
class CalibrationErrorsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  explicit CalibrationErrorsModel(QObject* parent = nullptr);
  void set_calibration(const Calibration& cal);
  const std::vector<reports::CalibrationFigure>& figures() const { return figures_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::vector<reports::CalibrationFigure> figures_;
};

// One row per job of comparison.csv. Columns: job, submit, GPUs, observed start and end,
// simulated start and end before fitting, start error before, simulated start and end after
// fitting, start error after (errors: simulated - observed). DisplayRole is text (seconds with
// three decimals, as the CSV), UserRole the exact number (invalid when the CSV cell is empty).
class CalibrationJobsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    kJob,
    kSubmit,
    kGpus,
    kObservedStart,
    kObservedEnd,
    kStartBefore,
    kEndBefore,
    kErrorBefore,
    kStartAfter,
    kEndAfter,
    kErrorAfter,
    kColumnCount
  };
  explicit CalibrationJobsModel(QObject* parent = nullptr);
  void set_calibration(Calibration cal);
  const Calibration& calibration() const { return cal_; }
  // The exact value of a numeric column for job `row` (kMissing when absent).
  double value(std::size_t row, int column) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  Calibration cal_;
};

class CalibrationView : public QWidget {
  Q_OBJECT
 public:
  explicit CalibrationView(QWidget* parent = nullptr);

  void set_calibration(Calibration cal, const QString& path, const std::vector<std::string>& notes);
  CalibrationErrorsModel* errors_model() const { return errors_model_; }
  CalibrationJobsModel* jobs_model() const { return jobs_model_; }
  QChartView* scatter_view() const { return scatter_view_; }
  QChartView* utilization_view() const { return utilization_view_; }

 private:
  CalibrationErrorsModel* errors_model_ = nullptr;
  CalibrationJobsModel* jobs_model_ = nullptr;
  QTableView* errors_table_ = nullptr;
  QTableView* jobs_table_ = nullptr;
  QChartView* scatter_view_ = nullptr;
  QChartView* utilization_view_ = nullptr;
  QLabel* about_ = nullptr;
};

}  // namespace orrery::gui
