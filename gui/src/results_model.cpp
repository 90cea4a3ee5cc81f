#include "results_model.hpp"

#include <QBrush>
#include <QFont>
#include <algorithm>

#include "orrery/reports/charts.hpp"
#include "orrery/traces/csv.hpp"

namespace orrery::gui {

using reports::Better;
using reports::Unit;

ResultsTableModel::ResultsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

const std::vector<ResultColumn>& ResultsTableModel::columns() {
  static const std::vector<ResultColumn> cols = {
      {"", "Policy", Unit::kNumber, Better::kNeither},
      {"jobs", "Jobs", Unit::kCount, Better::kNeither},
      {"completed", "Completed", Unit::kCount, Better::kHigher},
      {"failed", "Failed", Unit::kCount, Better::kNeither},
      {"unfinished", "Unfinished", Unit::kCount, Better::kLower},
      {"jct_s.mean", "Mean JCT", Unit::kSeconds, Better::kLower},
      {"jct_s.p95", "p95 JCT", Unit::kSeconds, Better::kLower},
      {"wait_s.mean", "Mean wait", Unit::kSeconds, Better::kLower},
      {"wait_s.p95", "p95 wait", Unit::kSeconds, Better::kLower},
      {"makespan_s", "Makespan", Unit::kSeconds, Better::kLower},
      {"gpu_utilization", "GPU utilization", Unit::kFraction, Better::kHigher},
      {"preemptions", "Preemptions", Unit::kCount, Better::kLower},
      {"cost_total", "Cost", Unit::kUsd, Better::kLower},
  };
  return cols;
}

void ResultsTableModel::set_runs(Runs runs) {
  beginResetModel();
  runs_ = std::move(runs);
  best_.assign(columns().size(), {});
  if (runs_) {
    for (std::size_t c = 1; c < columns().size(); ++c) {
      std::vector<double> values;
      for (std::size_t r = 0; r < runs_->size(); ++r) values.push_back(value(r, c));
      best_[c] = reports::best_indices(values, columns()[c].better);
    }
  }
  endResetModel();
}

double ResultsTableModel::value(std::size_t row, std::size_t column) const {
  const auto v = (*runs_)[row].metric(columns()[column].key);
  return v ? *v : reports::kMissing;
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !runs_) return 0;
  return static_cast<int>(runs_->size());
}

int ResultsTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(columns().size());
}

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
  const auto row = static_cast<std::size_t>(index.row());
  const auto col = static_cast<std::size_t>(index.column());
  const reports::RunData& run = (*runs_)[row];
  if (col == 0) {
    switch (role) {
      case Qt::DisplayRole:
        return QString::fromStdString(run.label);
      case Qt::DecorationRole:
        return reports::series_qcolor(row);
      case Qt::ToolTipRole:
        return QString::fromStdString(run.policy + " " + run.params.dump());
      default:
        return {};
    }
  }
  const double v = value(row, col);
  switch (role) {
    case Qt::DisplayRole:
      return reports::present(v)
                 ? QString::fromStdString(reports::format_value(v, columns()[col].unit))
                 : QStringLiteral("–");
    case Qt::UserRole:
      return v;
    case Qt::TextAlignmentRole:
      return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole: {
      const auto& b = best_[col];
      if (std::find(b.begin(), b.end(), row) == b.end()) return {};
      QFont f;
      f.setBold(true);
      return f;
    }
    default:
      return {};
  }
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (orientation == Qt::Vertical) return section + 1;
  if (section < 0 || section >= columnCount()) return {};
  return columns()[static_cast<std::size_t>(section)].label;
}

std::string ResultsTableModel::to_csv() const {
  std::string out;
  for (std::size_t c = 0; c < columns().size(); ++c) {
    if (c) out += ',';
    out += traces::csv_escape(c == 0 ? std::string("policy") : columns()[c].key);
  }
  out += '\n';
  if (!runs_) return out;
  for (std::size_t r = 0; r < runs_->size(); ++r) {
    out += traces::csv_escape((*runs_)[r].label);
    for (std::size_t c = 1; c < columns().size(); ++c) {
      const double v = value(r, c);
      out += ',';
      if (reports::present(v)) out += reports::exact_number(v);
    }
    out += '\n';
  }
  return out;
}

}  // namespace orrery::gui
