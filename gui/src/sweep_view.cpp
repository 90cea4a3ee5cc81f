#include "sweep_view.hpp"

#include <QChartView>
#include <QFileInfo>
#include <QFont>
#include <QHeaderView>
#include <QLabel>
#include <QScatterSeries>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "chart_util.hpp"
#include "orrery/reports/charts_extra.hpp"

namespace orrery::gui {

namespace {

QString metric_label(const std::string& key) {
  static const std::pair<const char*, const char*> kLabels[] = {
      {"cost_total", "Total cost"},
      {"gpu_hours_allocated", "GPU-hours"},
      {"jct_s.p95", "p95 JCT"},
      {"jct_s.mean", "Mean JCT"},
      {"makespan_s", "Makespan"},
      {"wait_s.p95", "p95 wait"},
      {"gpu_utilization", "GPU utilization"},
  };
  for (const auto& [k, label] : kLabels) {
    if (key == k) return QString::fromUtf8(label);
  }
  return QString::fromStdString(key);
}

}  // namespace

SweepRunsModel::SweepRunsModel(QObject* parent) : QAbstractTableModel(parent) {}

void SweepRunsModel::set_sweep(Sweep sweep) {
  beginResetModel();
  sweep_ = std::move(sweep);
  tradeoff_ = {};
  columns_.clear();
  front_.clear();
  if (sweep_) {
    tradeoff_ = reports::sweep_tradeoff(*sweep_);
    front_.assign(sweep_->runs.size(), false);
    for (std::size_t i : tradeoff_.front) front_[i] = true;
    columns_.push_back({Column::Kind::kIndex, "run_index", tr("Run")});
    for (const std::string& a : sweep_->axes)
      columns_.push_back({Column::Kind::kParam, a, QString::fromStdString(a)});
    std::vector<std::string> metrics;
    for (const std::string& m :
         {tradeoff_.cost_metric, tradeoff_.time_metric, std::string("jct_s.mean"),
          std::string("makespan_s"), std::string("wait_s.p95"), std::string("gpu_utilization")}) {
      if (m.empty() || std::find(metrics.begin(), metrics.end(), m) != metrics.end()) continue;
      if (std::any_of(sweep_->runs.begin(), sweep_->runs.end(),
                      [&](const reports::SweepRun& r) { return r.metric(m).has_value(); }))
        metrics.push_back(m);
    }
    for (const std::string& m : metrics)
      columns_.push_back({Column::Kind::kMetric, m, metric_label(m)});
    if (!tradeoff_.cost_metric.empty() && !tradeoff_.time_metric.empty())
      columns_.push_back({Column::Kind::kFront, "pareto_front", tr("Pareto front")});
  }
  endResetModel();
}

int SweepRunsModel::metric_column(const std::string& key) const {
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (columns_[c].kind == Column::Kind::kMetric && columns_[c].key == key)
      return static_cast<int>(c);
  }
  return -1;
}

int SweepRunsModel::front_column() const {
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (columns_[c].kind == Column::Kind::kFront) return static_cast<int>(c);
  }
  return -1;
}

bool SweepRunsModel::on_front(std::size_t run) const {
  return run < front_.size() && front_[run];
}

int SweepRunsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !sweep_ ? 0 : static_cast<int>(sweep_->runs.size());
}

int SweepRunsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(columns_.size());
}

QVariant SweepRunsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || !sweep_ || index.row() >= rowCount() || index.column() >= columnCount())
    return {};
  const auto row = static_cast<std::size_t>(index.row());
  const reports::SweepRun& r = sweep_->runs[row];
  const Column& c = columns_[static_cast<std::size_t>(index.column())];
  if (role == Qt::FontRole && front_[row]) {
    QFont f;
    f.setBold(true);
    return f;
  }
  if (role == Qt::ToolTipRole)
    return tr("Run %1: %2. Double-click to open it.")
        .arg(r.index)
        .arg(QString::fromStdString(reports::params_text(r, sweep_->axes)));
  if (role == Qt::TextAlignmentRole) {
    return c.kind == Column::Kind::kParam || c.kind == Column::Kind::kFront
               ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
               : QVariant(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role != Qt::DisplayRole && role != Qt::UserRole) return {};
  switch (c.kind) {
    case Column::Kind::kIndex:
      return role == Qt::UserRole ? QVariant(static_cast<qulonglong>(r.index))
                                  : QVariant(QString::number(r.index));
    case Column::Kind::kParam:
      return r.params.contains(c.key)
                 ? QVariant(QString::fromStdString(reports::param_text(r.params[c.key])))
                 : QVariant(QString());
    case Column::Kind::kMetric: {
      const auto v = r.metric(c.key);
      if (!v) return role == Qt::UserRole ? QVariant() : QVariant(QString());
      if (role == Qt::UserRole) return *v;
      return QString::fromStdString(reports::format_value(*v, reports::guess_metric(c.key).unit));
    }
    case Column::Kind::kFront:
      return role == Qt::UserRole ? QVariant(bool(front_[row]))
                                  : QVariant(front_[row] ? tr("yes") : QString());
  }
  return {};
}

QVariant SweepRunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) return {};
  const Column& c = columns_[static_cast<std::size_t>(section)];
  if (role == Qt::DisplayRole) return c.label;
  if (role == Qt::ToolTipRole) return QString::fromStdString(c.key);
  return {};
}

SweepView::SweepView(QWidget* parent) : QWidget(parent) {
  setObjectName("sweepView");
  auto* layout = new QVBoxLayout(this);
  about_ = new QLabel(
      tr("No sweep open. File > Open results… opens an 'orrery sweep' results database (or drop "
         "one on the window)."),
      this);
  about_->setObjectName("sweepAbout");
  about_->setWordWrap(true);
  about_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(about_);
  auto* split = new QSplitter(Qt::Horizontal, this);
  model_ = new SweepRunsModel(this);
  table_ = new QTableView(split);
  table_->setObjectName("sweepTable");
  table_->setModel(model_);
  table_->setAlternatingRowColors(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
  chart_view_ = new_chart_view(split, "sweepChart", {420, 300});
  split->addWidget(table_);
  split->addWidget(chart_view_);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  layout->addWidget(split, 1);
  auto* hint = new QLabel(tr("Click a point or double-click a row to open that run in the results "
                             "views. Bold: on the Pareto front (no other run is at least as good "
                             "on both and better on one)."),
                          this);
  hint->setWordWrap(true);
  hint->setStyleSheet("color: #57606a;");
  layout->addWidget(hint);
  connect(table_, &QTableView::activated, this, [this](const QModelIndex& index) {
    if (index.isValid() && model_->sweep()) emit open_run(static_cast<qulonglong>(index.row()));
  });
}

long long SweepView::run_near(const QPointF& value, const QAbstractSeries* series,
                              double max_px) const {
  QChart* chart = chart_view_->chart();
  if (!chart || !series) return -1;
  auto* from = const_cast<QAbstractSeries*>(series);
  const QPointF at = chart->mapToPosition(value, from);
  long long best = -1;
  double best_d = max_px;
  for (QAbstractSeries* s : chart->series()) {
    auto* xy = qobject_cast<QXYSeries*>(s);
    if (!xy) continue;
    const QVariantList runs = xy->property(reports::kSweepRunsProperty).toList();
    for (int i = 0; i < xy->count() && i < runs.size(); ++i) {
      const QPointF p = chart->mapToPosition(xy->at(i), xy);
      const double d = std::hypot(p.x() - at.x(), p.y() - at.y());
      if (d <= best_d) {
        best_d = d;
        best = static_cast<long long>(runs[i].toULongLong());
      }
    }
  }
  return best;
}

void SweepView::set_sweep(Sweep sweep, const QString& path, const std::vector<std::string>& notes) {
  model_->set_sweep(sweep);
  QChart* chart = reports::sweep_pareto_chart(*sweep);
  replace_chart(chart_view_, chart);
  // Every series: the front's rings and line are drawn above the runs and take their clicks.
  for (QAbstractSeries* s : chart->series()) {
    auto* xy = qobject_cast<QXYSeries*>(s);
    if (!xy) continue;
    connect(xy, &QXYSeries::clicked, this, [this, xy](const QPointF& p) {
      const long long run = run_near(p, xy);
      if (run >= 0) emit open_run(static_cast<qulonglong>(run));
    });
  }
  const reports::SweepTradeoff& t = model_->tradeoff();
  QString text =
      tr("<b>%1</b> — %2: %3 of %4 runs finished")
          .arg(QString::fromStdString(sweep->name.empty() ? "Sweep" : sweep->name).toHtmlEscaped(),
               QFileInfo(path).fileName().toHtmlEscaped())
          .arg(sweep->runs.size())
          .arg(sweep->runs_total);
  if (sweep->failures) text += tr(", %1 failed").arg(sweep->failures);
  if (!t.front.empty()) {
    text += tr("; %1 on the Pareto front of %2 against %3")
                .arg(t.front.size())
                .arg(metric_label(t.cost_metric), metric_label(t.time_metric));
  } else {
    text += tr("; the runs record no cost and completion-time metrics to trade off");
  }
  text += ".";
  for (const std::string& n : notes) text += "<br>" + QString::fromStdString(n).toHtmlEscaped();
  about_->setText(text);
  table_->resizeColumnsToContents();
}

}  // namespace orrery::gui
