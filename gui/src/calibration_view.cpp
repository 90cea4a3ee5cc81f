#include "calibration_view.hpp"

#include <QChartView>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <cstdio>

#include "chart_util.hpp"
#include "orrery/reports/charts_extra.hpp"

namespace orrery::gui {

namespace {

QTableView* new_table(QWidget* parent, const char* name) {
  auto* t = new QTableView(parent);
  t->setObjectName(name);
  t->setAlternatingRowColors(true);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->verticalHeader()->setVisible(false);
  t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 8);
  return t;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

CalibrationErrorsModel::CalibrationErrorsModel(QObject* parent) : QAbstractTableModel(parent) {}

void CalibrationErrorsModel::set_calibration(const Calibration& cal) {
  beginResetModel();
  figures_ = cal ? reports::calibration_figures(*cal) : std::vector<reports::CalibrationFigure>{};
  endResetModel();
}

int CalibrationErrorsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(figures_.size());
}

int CalibrationErrorsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 3;
}

QVariant CalibrationErrorsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
  const reports::CalibrationFigure& f = figures_[static_cast<std::size_t>(index.row())];
  if (index.column() == 0) {
    if (role == Qt::DisplayRole) return QString::fromStdString(f.label);
    if (role == Qt::ToolTipRole) return QString::fromStdString(f.key);
    return {};
  }
  const double v = index.column() == 1 ? f.before : f.after;
  if (role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::UserRole) return reports::present(v) ? QVariant(v) : QVariant();
  if (role == Qt::DisplayRole)
    return reports::present(v) ? QString::fromStdString(reports::format_value(v, f.unit))
                               : QString();
  return {};
}

QVariant CalibrationErrorsModel::headerData(int section, Qt::Orientation orientation,
                                            int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case 0:
      return tr("Figure");
    case 1:
      return tr("Before fitting");
    case 2:
      return tr("After fitting");
    default:
      return {};
  }
}

// ---------------------------------------------------------------------------------------------

CalibrationJobsModel::CalibrationJobsModel(QObject* parent) : QAbstractTableModel(parent) {}

void CalibrationJobsModel::set_calibration(Calibration cal) {
  beginResetModel();
  cal_ = std::move(cal);
  endResetModel();
}

int CalibrationJobsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !cal_ ? 0 : static_cast<int>(cal_->jobs.size());
}

int CalibrationJobsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

double CalibrationJobsModel::value(std::size_t row, int column) const {
  if (!cal_ || row >= cal_->jobs.size()) return reports::kMissing;
  const reports::CalibrationJob& j = cal_->jobs[row];
  auto diff = [](double sim, double obs) {
    return reports::present(sim) && reports::present(obs) ? sim - obs : reports::kMissing;
  };
  switch (column) {
    case kSubmit:
      return j.submit_s;
    case kGpus:
      return j.gpus;
    case kObservedStart:
      return j.observed_start_s;
    case kObservedEnd:
      return j.observed_end_s;
    case kStartBefore:
      return j.start_before_s;
    case kEndBefore:
      return j.end_before_s;
    case kErrorBefore:
      return diff(j.start_before_s, j.observed_start_s);
    case kStartAfter:
      return j.start_after_s;
    case kEndAfter:
      return j.end_after_s;
    case kErrorAfter:
      return diff(j.start_after_s, j.observed_start_s);
    default:
      return reports::kMissing;
  }
}

QVariant CalibrationJobsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
  const auto row = static_cast<std::size_t>(index.row());
  if (index.column() == kJob) {
    if (role == Qt::DisplayRole || role == Qt::UserRole)
      return QString::fromStdString(cal_->jobs[row].id);
    return {};
  }
  const double v = value(row, index.column());
  switch (role) {
    case Qt::TextAlignmentRole:
      return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::UserRole:
      return reports::present(v) ? QVariant(v) : QVariant();
    case Qt::DisplayRole: {
      if (!reports::present(v)) return QString();
      if (index.column() == kGpus) return QString::fromStdString(reports::format_number(v));
      char buf[48];
      std::snprintf(buf, sizeof buf, "%.3f", v);
      return QString::fromLatin1(buf);
    }
    default:
      return {};
  }
}

QVariant CalibrationJobsModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kLabels[kColumnCount] = {"Job",
                                                    "Submit (s)",
                                                    "GPUs",
                                                    "Observed start",
                                                    "Observed end",
                                                    "Sim. start before",
                                                    "Sim. end before",
                                                    "Start error before",
                                                    "Sim. start after",
                                                    "Sim. end after",
                                                    "Start error after"};
  if (section < 0 || section >= kColumnCount) return {};
  return tr(kLabels[section]);
}

// ---------------------------------------------------------------------------------------------

CalibrationView::CalibrationView(QWidget* parent) : QWidget(parent) {
  setObjectName("calibrationView");
  auto* layout = new QVBoxLayout(this);
  about_ = new QLabel(tr("No calibration open. File > Open results… opens an 'orrery calibrate' "
                         "result folder (choose its calibration.json, or drop the folder on the "
                         "window)."),
                      this);
  about_->setObjectName("calibrationAbout");
  about_->setWordWrap(true);
  about_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(about_);

  auto* vsplit = new QSplitter(Qt::Vertical, this);
  auto* top = new QSplitter(Qt::Horizontal, vsplit);
  errors_model_ = new CalibrationErrorsModel(this);
  errors_table_ = new_table(top, "calibrationErrors");
  errors_table_->setModel(errors_model_);
  errors_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  scatter_view_ = new_chart_view(top, "calibrationScatter");
  utilization_view_ = new_chart_view(top, "calibrationUtilization");
  top->addWidget(errors_table_);
  top->addWidget(scatter_view_);
  top->addWidget(utilization_view_);
  top->setStretchFactor(0, 0);
  top->setStretchFactor(1, 1);
  top->setStretchFactor(2, 1);

  jobs_model_ = new CalibrationJobsModel(this);
  jobs_table_ = new_table(vsplit, "calibrationJobs");
  jobs_table_->setModel(jobs_model_);
  jobs_table_->setSortingEnabled(false);
  vsplit->addWidget(top);
  vsplit->addWidget(jobs_table_);
  vsplit->setStretchFactor(0, 3);
  vsplit->setStretchFactor(1, 2);
  layout->addWidget(vsplit, 1);
}

void CalibrationView::set_calibration(Calibration cal, const QString& path,
                                      const std::vector<std::string>& notes) {
  errors_model_->set_calibration(cal);
  jobs_model_->set_calibration(cal);
  reports::ChartStyle style;
  replace_chart(scatter_view_, reports::calibration_scatter_chart(*cal, style));
  replace_chart(utilization_view_, reports::calibration_utilization_chart(*cal, style));
  const nlohmann::json& c = cal->calibration;
  QString text = tr("<b>Calibration</b> — %1: %2 jobs compared")
                     .arg(QFileInfo(path).fileName().toHtmlEscaped())
                     .arg(cal->jobs.size());
  if (c.contains("kind") && c["kind"].is_string())
    text += tr(" on a %1 cluster").arg(QString::fromStdString(c["kind"].get<std::string>()));
  if (c.contains("policy"))
    text += tr("; policy after fitting: %1")
                .arg(QString::fromStdString(reports::param_text(c["policy"])).toHtmlEscaped());
  text += ".";
  for (const std::string& n : notes) text += "<br>" + QString::fromStdString(n).toHtmlEscaped();
  about_->setText(text);
  errors_table_->resizeColumnsToContents();
  jobs_table_->resizeColumnsToContents();
  // The error table shows its three columns whole; the charts share the rest.
  errors_table_->setMinimumWidth(errors_table_->horizontalHeader()->length() +
                                 2 * errors_table_->frameWidth() + 4);
}

}  // namespace orrery::gui
