#include "orrery/reports/charts.hpp"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "chart_style.hpp"
#include "orrery/reports/analysis.hpp"
#include "orrery/reports/charts_extra.hpp"

namespace orrery::reports {

namespace detail {

QFont font(const ChartStyle& s, double scale, bool bold) {
  QFont f(s.font_family);
  f.setPixelSize(std::max(6, static_cast<int>(std::lround(s.font_px * scale))));
  f.setBold(bold);
  return f;
}

QChart* new_chart(const ChartStyle& s, const QString& title) {
  auto* c = new QChart();
  c->setTheme(QChart::ChartThemeLight);
  c->setAnimationOptions(QChart::NoAnimation);
  c->setBackgroundRoundness(0);
  c->setDropShadowEnabled(false);
  c->setBackgroundBrush(Qt::white);
  c->setBackgroundPen(Qt::NoPen);
  c->setPlotAreaBackgroundVisible(false);
  c->setMargins(QMargins(4, 6, 14, 4));
  if (s.show_title) {
    c->setTitle(title);
    c->setTitleFont(font(s, 1.25, true));
    c->setTitleBrush(kInk);
  }
  QLegend* l = c->legend();
  l->setAlignment(Qt::AlignBottom);
  l->setFont(font(s, 1.0));
  l->setLabelColor(kInk);
  l->setMarkerShape(QLegend::MarkerShapeFromSeries);
  return c;
}

void style_axis(QAbstractAxis* a, const ChartStyle& s, const QString& title) {
  a->setTitleText(title);
  a->setTitleFont(font(s, 1.0, true));
  a->setTitleBrush(kMuted);
  a->setLabelsFont(font(s, 0.95));
  a->setLabelsColor(kInk);
  a->setGridLineColor(kGrid);
  a->setLinePenColor(kAxisLine);
  a->setShadesVisible(false);
}

void style_line(QLineSeries* series, std::size_t index) {
  QPen pen(series_qcolor(index));
  pen.setWidthF(2.2);
  pen.setCapStyle(Qt::RoundCap);
  pen.setJoinStyle(Qt::RoundJoin);
  series->setPen(pen);
}

QValueAxis* percent_axis(const ChartStyle& s, const QString& title) {
  auto* y = new QValueAxis();
  y->setRange(0, 100);
  y->setTickCount(6);
  y->setLabelFormat("%.0f%%");
  style_axis(y, s, title);
  return y;
}

TimeScale time_scale(double last_s) {
  TimeScale t;
  if (last_s > 4 * 86400) {
    t.divisor = 86400;
    t.title = QStringLiteral("Simulated time (days)");
  } else if (last_s < 600) {
    t.divisor = 1;
    t.title = QStringLiteral("Simulated time (s)");
  } else if (last_s < 3 * 3600) {
    t.divisor = 60;
    t.title = QStringLiteral("Simulated time (min)");
  }
  return t;
}

}  // namespace detail

namespace {

using namespace detail;

struct LogTick {
  double seconds;
  const char* label;
};
const LogTick kLogTicks[] = {
    {1, "≤1 s"},           {10, "10 s"},           {60, "1 min"},    {600, "10 min"},
    {3600, "1 h"},         {36000, "10 h"},        {86400, "1 day"}, {864000, "10 days"},
    {8640000, "100 days"}, {86400000, "1000 days"}};

// A log-scaled time axis with labels in s/min/h/days: the series plot log10(seconds).
QCategoryAxis* log_time_axis(const ChartStyle& s, double lo, double hi, const QString& title) {
  const std::size_t n = sizeof kLogTicks / sizeof kLogTicks[0];
  std::size_t first = 0, last = n - 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (kLogTicks[i].seconds <= std::max(lo, 1.0)) first = i;
  }
  for (std::size_t i = n; i-- > 0;) {
    if (kLogTicks[i].seconds >= hi) last = i;
  }
  if (last <= first) last = std::min(n - 1, first + 1);
  auto* x = new QCategoryAxis();
  x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  const double start = std::log10(kLogTicks[first].seconds);
  x->setStartValue(start - 1e-6);
  for (std::size_t i = first; i <= last; ++i) {
    x->append(QString::fromUtf8(kLogTicks[i].label), std::log10(kLogTicks[i].seconds));
  }
  x->setRange(start, std::log10(kLogTicks[last].seconds));
  style_axis(x, s, title);
  return x;
}

QChart* cdf_chart(const std::vector<RunData>& runs, const ChartStyle& s, bool jct) {
  QChart* c = new_chart(s, jct ? QStringLiteral("Job completion time (JCT), cumulative")
                               : QStringLiteral("Wait before first start, cumulative"));
  double lo = kMissing, hi = kMissing;
  std::vector<QLineSeries*> series(runs.size(), nullptr);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::vector<double> values = jct ? jct_values(runs[i]) : wait_values(runs[i]);
    if (values.empty()) continue;
    const std::vector<Point> pts = cdf_points(values);
    QList<QPointF> q;
    q.reserve(static_cast<qsizetype>(pts.size()));
    for (const Point& p : pts) {
      const double x = std::max(p.x, 1.0);
      lo = present(lo) ? std::min(lo, x) : x;
      hi = present(hi) ? std::max(hi, x) : x;
      q.append(QPointF(std::log10(x), 100.0 * p.y));
    }
    auto* line = new QLineSeries();
    line->setName(QString::fromStdString(runs[i].label));
    line->replace(q);
    series[i] = line;
  }
  if (!present(lo)) {
    lo = 1;
    hi = 3600;
  }
  auto* x = log_time_axis(s, lo, hi,
                          jct ? QStringLiteral("Time from submission to end (log scale)")
                              : QStringLiteral("Wait before first start (log scale)"));
  auto* y = percent_axis(
      s, jct ? QStringLiteral("Jobs ended within x") : QStringLiteral("Jobs started within x"));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (!series[i]) continue;
    c->addSeries(series[i]);
    series[i]->attachAxis(x);
    series[i]->attachAxis(y);
    style_line(series[i], i);
  }
  return c;
}

QChart* time_chart(const std::vector<RunData>& runs, const ChartStyle& s, bool utilization) {
  QChart* c = new_chart(s, utilization ? QStringLiteral("GPU utilization over time")
                                       : QStringLiteral("Queue length over time"));
  double last = 0;
  for (const RunData& r : runs) {
    if (!r.timeseries.empty()) last = std::max(last, r.timeseries.back().time_s);
  }
  const TimeScale ts = time_scale(last);
  double xmax = 0, ymax = 0;
  std::vector<QLineSeries*> series(runs.size(), nullptr);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].timeseries.empty()) continue;
    std::vector<Point> pts;
    pts.reserve(runs[i].timeseries.size());
    for (const Sample& x : runs[i].timeseries) {
      double y = 0;
      if (utilization) {
        if (!present(x.gpus_allocated) || !present(x.gpus_total) || x.gpus_total <= 0) continue;
        y = 100.0 * x.gpus_allocated / x.gpus_total;
      } else {
        if (!present(x.jobs_pending)) continue;
        y = x.jobs_pending;
      }
      pts.push_back({x.time_s / ts.divisor, y});
    }
    pts = downsample(pts);
    QList<QPointF> q;
    q.reserve(static_cast<qsizetype>(pts.size()));
    for (const Point& p : pts) {
      q.append(QPointF(p.x, p.y));
      xmax = std::max(xmax, p.x);
      ymax = std::max(ymax, p.y);
    }
    auto* line = new QLineSeries();
    line->setName(QString::fromStdString(runs[i].label));
    line->replace(q);
    series[i] = line;
  }
  auto* x = new QValueAxis();
  x->setRange(0, xmax > 0 ? xmax : 1);
  x->applyNiceNumbers();
  x->setLabelFormat("%.0f");
  style_axis(x, s, ts.title);
  QValueAxis* y = nullptr;
  if (utilization) {
    y = percent_axis(s, QStringLiteral("GPUs allocated"));
  } else {
    y = new QValueAxis();
    y->setRange(0, std::max(1.0, ymax * 1.05));
    y->applyNiceNumbers();
    y->setLabelFormat("%.0f");
    style_axis(y, s, QStringLiteral("Jobs waiting"));
  }
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (!series[i]) continue;
    c->addSeries(series[i]);
    series[i]->attachAxis(x);
    series[i]->attachAxis(y);
    QPen pen(series_qcolor(i));
    pen.setWidthF(1.6);
    pen.setJoinStyle(Qt::RoundJoin);
    series[i]->setPen(pen);
  }
  return c;
}

}  // namespace

QColor series_qcolor(std::size_t index) {
  return QColor(QString::fromStdString(series_color(index)));
}

QChart* jct_cdf_chart(const std::vector<RunData>& runs, const ChartStyle& style) {
  return cdf_chart(runs, style, true);
}

QChart* wait_cdf_chart(const std::vector<RunData>& runs, const ChartStyle& style) {
  return cdf_chart(runs, style, false);
}

QChart* utilization_chart(const std::vector<RunData>& runs, const ChartStyle& style) {
  return time_chart(runs, style, true);
}

QChart* queue_length_chart(const std::vector<RunData>& runs, const ChartStyle& style) {
  return time_chart(runs, style, false);
}

QChart* tenant_jct_chart(const std::vector<RunData>& runs, const ChartStyle& s) {
  QChart* c = new_chart(s, QStringLiteral("Mean JCT per user"));
  c->legend()->setMarkerShape(QLegend::MarkerShapeRectangle);
  const RunData* first = nullptr;
  for (const RunData& r : runs) {
    if (r.has_jobs) {
      first = &r;
      break;
    }
  }
  std::vector<std::string> names;
  if (first) {
    for (const TenantStat& t : tenant_stats(*first, TenantKind::kUser)) {
      if (names.size() >= s.max_tenants) break;
      names.push_back(t.name);
    }
  }
  std::vector<std::map<std::string, double>> means(runs.size());
  double ymax = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    for (const TenantStat& t : tenant_stats(runs[i], TenantKind::kUser)) {
      if (!present(t.mean_jct_s)) continue;
      means[i][t.name] = t.mean_jct_s;
      if (std::find(names.begin(), names.end(), t.name) != names.end())
        ymax = std::max(ymax, t.mean_jct_s);
    }
  }
  const bool hours = ymax >= 2 * 3600;
  const double div = hours ? 3600 : 60;
  auto* bars = new QBarSeries();
  bars->setBarWidth(0.82);
  std::vector<QBarSet*> sets;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto* set = new QBarSet(QString::fromStdString(runs[i].label));
    for (const std::string& n : names) {
      const auto it = means[i].find(n);
      set->append(it == means[i].end() ? 0.0 : it->second / div);
    }
    bars->append(set);
    sets.push_back(set);
  }
  c->addSeries(bars);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    sets[i]->setColor(series_qcolor(i));
    sets[i]->setBorderColor(series_qcolor(i));
  }
  auto* x = new QBarCategoryAxis();
  QStringList cats;
  for (const std::string& n : names) cats << QString::fromStdString(n);
  x->append(cats);
  style_axis(x, s, QStringLiteral("User (most jobs first)"));
  x->setGridLineVisible(false);
  auto* y = new QValueAxis();
  y->setRange(0, std::max(ymax / div * 1.05, 1e-9));
  y->applyNiceNumbers();
  y->setLabelFormat(hours ? "%.1f" : "%.0f");
  style_axis(y, s, hours ? QStringLiteral("Mean JCT (hours)") : QStringLiteral("Mean JCT (min)"));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  bars->attachAxis(x);
  bars->attachAxis(y);
  return c;
}

QChart* make_chart(ChartKind kind, const std::vector<RunData>& runs, const ChartStyle& style) {
  switch (kind) {
    case ChartKind::kJctCdf:
      return jct_cdf_chart(runs, style);
    case ChartKind::kWaitCdf:
      return wait_cdf_chart(runs, style);
    case ChartKind::kUtilization:
      return utilization_chart(runs, style);
    case ChartKind::kQueueLength:
      return queue_length_chart(runs, style);
    case ChartKind::kTenantJct:
      return tenant_jct_chart(runs, style);
    case ChartKind::kFragmentation:
      return fragmentation_chart(runs, style);
    case ChartKind::kAllocationHeatmap:
    case ChartKind::kSweepPareto:
    case ChartKind::kCalibrationScatter:
    case ChartKind::kCalibrationErrors:
    case ChartKind::kCalibrationUtilization:
      break;  // charts of one run or input: the ChartSlot overload
  }
  return nullptr;
}

QChart* make_chart(const ChartSlot& slot, const std::vector<RunData>& runs,
                   const std::vector<LoadedInput>& inputs, const ChartStyle& style) {
  const std::size_t i = slot.source;
  switch (slot.kind) {
    case ChartKind::kAllocationHeatmap:
      if (i < runs.size()) return allocation_heatmap_chart(runs[i], style);
      break;
    case ChartKind::kSweepPareto:
      if (i < inputs.size() && inputs[i].sweep) return sweep_pareto_chart(*inputs[i].sweep, style);
      break;
    case ChartKind::kCalibrationScatter:
      if (i < inputs.size() && inputs[i].calibration)
        return calibration_scatter_chart(*inputs[i].calibration, style);
      break;
    case ChartKind::kCalibrationErrors:
      if (i < inputs.size() && inputs[i].calibration)
        return calibration_error_chart(*inputs[i].calibration, style);
      break;
    case ChartKind::kCalibrationUtilization:
      if (i < inputs.size() && inputs[i].calibration)
        return calibration_utilization_chart(*inputs[i].calibration, style);
      break;
    default:
      return make_chart(slot.kind, runs, style);
  }
  throw std::logic_error("chart '" + slot.id + "' names no run or input of its kind");
}

}  // namespace orrery::reports
