// The Sweep tab: an `orrery sweep` results database as a table of its runs (SweepRunsModel, over
// an immutable reports::SweepData) beside the cost-against-completion-time chart with its Pareto
// front, drawn by reports::sweep_pareto_chart exactly as `orrery report` draws it. Clicking a
// point or activating (double-clicking) a row asks to open that run: open_run(index into
// SweepData::runs).
#pragma once

#include <QAbstractTableModel>
#include <QWidget>
#include <memory>
#include <string>
#include <vector>

#include "orrery/reports/analysis.hpp"
#include "orrery/reports/results.hpp"

class QAbstractSeries;
class QChartView;
class QLabel;
class QTableView;

namespace orrery::gui {

using Sweep = std::shared_ptr<const reports::SweepData>;

// One row per run (in run-index order, as SweepData::runs), columns: the run index, one per
// axis, the trade-off's cost and time metrics, a few headline metrics the sweep records, and
// whether the run is on the Pareto front. DisplayRole is text, Qt::UserRole the exact value
// (numbers as double, the front as bool); runs on the front are bold.
class SweepRunsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  struct Column {
    enum class Kind { kIndex, kParam, kMetric, kFront } kind = Kind::kIndex;
    std::string key;  // axis name or metric key
    QString label;
  };

  explicit SweepRunsModel(QObject* parent = nullptr);

  void set_sweep(Sweep sweep);
  const Sweep& sweep() const { return sweep_; }
  const reports::SweepTradeoff& tradeoff() const { return tradeoff_; }
  const std::vector<Column>& columns() const { return columns_; }
  // The column of a metric key, or -1.
  int metric_column(const std::string& key) const;
  int front_column() const;
  bool on_front(std::size_t run) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  Sweep sweep_;
  reports::SweepTradeoff tradeoff_;
  std::vector<Column> columns_;
  std::vector<bool> front_;
};

class SweepView : public QWidget {
  Q_OBJECT
 public:
  explicit SweepView(QWidget* parent = nullptr);

  // Shows a sweep read from `path`; notes are the reader's remarks (partial sweep, ...).
  void set_sweep(Sweep sweep, const QString& path, const std::vector<std::string>& notes);
  SweepRunsModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  QChartView* chart_view() const { return chart_view_; }
  // The run whose point the chart draws nearest to `value` of `series` (any series of the
  // chart: a click on the front's rings or line lands on them, drawn above the runs), within
  // `max_px` pixels; -1 when none. Runs are found through kSweepRunsProperty.
  long long run_near(const QPointF& value, const QAbstractSeries* series, double max_px = 14) const;

 signals:
  void open_run(qulonglong run);

 private:
  SweepRunsModel* model_ = nullptr;
  QTableView* table_ = nullptr;
  QChartView* chart_view_ = nullptr;
  QLabel* about_ = nullptr;
};

}  // namespace orrery::gui
