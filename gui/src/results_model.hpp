// The policy comparison table: one row per run, one column per headline metric, over an
// immutable, shared list of runs (a new run replaces the list; nothing edits it in place).
// The best value of each column is bold. DisplayRole is formatted text, Qt::UserRole the exact
// number (for sorting and CSV).
#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <string>
#include <vector>

#include "orrery/reports/analysis.hpp"
#include "orrery/reports/results.hpp"

namespace orrery::gui {

using Runs = std::shared_ptr<const std::vector<reports::RunData>>;

struct ResultColumn {
  std::string key;  // dotted path in summary.json; empty for the label column
  QString label;
  reports::Unit unit = reports::Unit::kNumber;
  reports::Better better = reports::Better::kNeither;
};

class ResultsTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  explicit ResultsTableModel(QObject* parent = nullptr);

  void set_runs(Runs runs);
  const Runs& runs() const { return runs_; }
  static const std::vector<ResultColumn>& columns();

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  // The whole table as CSV (header row, exact numbers, text through traces::csv_escape).
  std::string to_csv() const;

 private:
  double value(std::size_t row, std::size_t column) const;
  Runs runs_;
  std::vector<std::vector<std::size_t>> best_;  // per column, the best rows
};

}  // namespace orrery::gui
