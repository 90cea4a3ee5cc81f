#include "orrery/reports/charts_extra.hpp"

#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>
#include <QVariant>
#include <algorithm>
#include <cmath>
#include <map>

#include "chart_style.hpp"
#include "orrery/plan/pareto.hpp"
#include "orrery/reports/analysis.hpp"

namespace orrery::reports {

using namespace detail;

namespace {

// A value axis over [lo, hi] with a little room on both sides (never below 0 when lo >= 0).
QValueAxis* padded_axis(const ChartStyle& s, const QString& title, double lo, double hi) {
  auto* a = new QValueAxis();
  const double pad = std::max((hi - lo) * 0.08, std::abs(hi) * 0.02 + 1e-9);
  a->setRange(lo >= 0 ? std::max(0.0, lo - pad) : lo - pad, hi + pad);
  a->applyNiceNumbers();
  a->setLabelFormat(a->max() - a->min() >= 20 ? "%.0f" : "%.1f");
  style_axis(a, s, title);
  return a;
}

QScatterSeries* points(const QString& name, QColor color, double size) {
  auto* p = new QScatterSeries();
  p->setName(name);
  p->setMarkerShape(QScatterSeries::MarkerShapeCircle);
  p->setMarkerSize(size);
  p->setColor(color);
  p->setBorderColor(color.darker(130));
  return p;
}

// Runs on the front as hollow rings joined by a dashed line, over the points already drawn.
void add_front(QChart* c, const std::vector<QPointF>& front, QAbstractAxis* x, QAbstractAxis* y) {
  if (front.empty()) return;
  auto* line = new QLineSeries();
  line->setName(QStringLiteral("Pareto front"));
  QPen pen(kMuted);
  pen.setStyle(Qt::DashLine);
  pen.setWidthF(1.6);
  line->setPen(pen);
  auto* rings = new QScatterSeries();
  rings->setMarkerShape(QScatterSeries::MarkerShapeCircle);
  rings->setMarkerSize(19);
  rings->setColor(Qt::transparent);
  QPen ring(kInk);
  ring.setWidthF(1.6);
  rings->setPen(ring);
  for (const QPointF& p : front) {
    line->append(p);
    rings->append(p);
  }
  for (QXYSeries* s : {static_cast<QXYSeries*>(line), static_cast<QXYSeries*>(rings)}) {
    c->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
  }
  c->legend()->markers(rings).front()->setVisible(false);
}

// Seconds as hours when the values reach two hours, minutes from ten minutes, else seconds.
struct DurationScale {
  double divisor = 1;
  const char* unit = "s";
};
DurationScale duration_scale(double max_s) {
  if (max_s >= 2 * 3600) return {3600, "hours"};
  if (max_s >= 600) return {60, "min"};
  return {1, "s"};
}

QString metric_axis_title(const std::string& key, const DurationScale& d) {
  if (key == "cost_total") return QStringLiteral("Total cost (USD)");
  if (key == "gpu_hours_allocated") return QStringLiteral("GPU-hours allocated");
  QString label = QString::fromStdString(key);
  if (key == "jct_s.p95") label = QStringLiteral("p95 JCT");
  if (key == "makespan_s") label = QStringLiteral("Makespan");
  if (guess_metric(key).unit == Unit::kSeconds) label += QStringLiteral(" (%1)").arg(d.unit);
  return label;
}

}  // namespace

std::vector<std::size_t> pareto_front(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<std::size_t> idx;
  std::vector<plan::Point2> pts;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!present(x[i]) || !present(y[i])) continue;
    idx.push_back(i);
    pts.push_back({x[i], y[i]});
  }
  std::vector<std::size_t> front;
  for (std::size_t k : plan::pareto_front(pts)) front.push_back(idx[k]);
  return front;
}

QChart* cost_jct_chart(const std::vector<RunData>& runs, const ChartStyle& style) {
  QChart* chart = new_chart(style, QStringLiteral("Cost versus mean job completion time"));
  std::vector<double> cost, jct;
  for (const RunData& r : runs) {
    cost.push_back(r.metric("cost_total").value_or(kMissing));
    jct.push_back(r.metric("jct_s.mean").value_or(kMissing) / 3600.0);
  }
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  bool any = false;
  std::vector<QScatterSeries*> series;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!present(cost[i]) || !present(jct[i])) continue;
    x_lo = any ? std::min(x_lo, cost[i]) : cost[i];
    x_hi = any ? std::max(x_hi, cost[i]) : cost[i];
    y_lo = any ? std::min(y_lo, jct[i]) : jct[i];
    y_hi = any ? std::max(y_hi, jct[i]) : jct[i];
    any = true;
    QScatterSeries* s = points(QString::fromStdString(runs[i].label), series_qcolor(i), 13);
    s->append(cost[i], jct[i]);
    series.push_back(s);
  }
  QValueAxis* x = padded_axis(style, QStringLiteral("Total cost (USD)"), x_lo, x_hi);
  QValueAxis* y = padded_axis(style, QStringLiteral("Mean JCT (hours)"), y_lo, y_hi);
  add_series_on_axes(chart, x, y, series);
  const std::vector<std::size_t> front = pareto_front(cost, jct);
  if (front.size() >= 2) {
    std::vector<QPointF> f;
    for (std::size_t i : front) f.emplace_back(cost[i], jct[i]);
    add_front(chart, f, x, y);
  }
  return chart;
}

QChart* sweep_pareto_chart(const SweepData& sweep, const ChartStyle& style) {
  const SweepTradeoff tr = sweep_tradeoff(sweep);
  QChart* chart = new_chart(style, QStringLiteral("Cost against completion time"));
  double t_max = 0;
  for (std::size_t i : tr.plotted) t_max = std::max(t_max, *sweep.runs[i].metric(tr.time_metric));
  const DurationScale ts =
      guess_metric(tr.time_metric).unit == Unit::kSeconds ? duration_scale(t_max) : DurationScale{};
  // One series per policy, in order of first appearance.
  std::vector<std::string> policies;
  std::map<std::string, QScatterSeries*> by_policy;
  std::map<std::string, QVariantList> runs_of;  // per policy, the run behind each point
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  bool any = false;
  auto point_of = [&](std::size_t i) {
    const SweepRun& r = sweep.runs[i];
    return QPointF(*r.metric(tr.cost_metric), *r.metric(tr.time_metric) / ts.divisor);
  };
  for (std::size_t i : tr.plotted) {
    const SweepRun& r = sweep.runs[i];
    const std::string policy =
        r.params.contains("policy") ? param_text(r.params["policy"]) : r.policy;
    auto it = by_policy.find(policy);
    if (it == by_policy.end()) {
      it = by_policy
               .emplace(policy, points(QString::fromStdString(policy.empty() ? "runs" : policy),
                                       series_qcolor(policies.size()), 13))
               .first;
      policies.push_back(policy);
    }
    const QPointF p = point_of(i);
    it->second->append(p);
    runs_of[policy].append(QVariant::fromValue(static_cast<qulonglong>(i)));
    x_lo = any ? std::min(x_lo, p.x()) : p.x();
    x_hi = any ? std::max(x_hi, p.x()) : p.x();
    y_lo = any ? std::min(y_lo, p.y()) : p.y();
    y_hi = any ? std::max(y_hi, p.y()) : p.y();
    any = true;
  }
  QValueAxis* x = padded_axis(style, metric_axis_title(tr.cost_metric, {}), x_lo, x_hi);
  QValueAxis* y = padded_axis(style, metric_axis_title(tr.time_metric, ts), y_lo, y_hi);
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  for (const std::string& p : policies) {
    by_policy[p]->setProperty(kSweepRunsProperty, runs_of[p]);
    chart->addSeries(by_policy[p]);
    by_policy[p]->attachAxis(x);
    by_policy[p]->attachAxis(y);
  }
  std::vector<QPointF> front;
  for (std::size_t i : tr.front) front.push_back(point_of(i));
  add_front(chart, front, x, y);
  return chart;
}

QChart* calibration_scatter_chart(const CalibrationData& cal, const ChartStyle& style) {
  QChart* chart = new_chart(style, QStringLiteral("Simulated against observed start"));
  double hi = 0;
  for (const CalibrationJob& j : cal.jobs) {
    for (double v : {j.observed_start_s, j.start_before_s, j.start_after_s}) {
      if (present(v)) hi = std::max(hi, v);
    }
  }
  const DurationScale d = duration_scale(hi);
  // Before: rings, after: dots inside them, so a job whose start did not move shows both.
  auto* before = points(QStringLiteral("before fitting"), series_qcolor(1), 15);
  before->setColor(Qt::transparent);
  QPen ring(series_qcolor(1));
  ring.setWidthF(2.2);
  before->setPen(ring);
  auto* after = points(QStringLiteral("after fitting"), series_qcolor(0), 8);
  for (const CalibrationJob& j : cal.jobs) {
    if (!present(j.observed_start_s)) continue;
    if (present(j.start_before_s))
      before->append(j.observed_start_s / d.divisor, j.start_before_s / d.divisor);
    if (present(j.start_after_s))
      after->append(j.observed_start_s / d.divisor, j.start_after_s / d.divisor);
  }
  const double top = std::max(hi / d.divisor, 1e-9);
  QValueAxis* x = padded_axis(style, QStringLiteral("Observed start (%1)").arg(d.unit), 0, top);
  QValueAxis* y = padded_axis(style, QStringLiteral("Simulated start (%1)").arg(d.unit), 0, top);
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  auto* diagonal = new QLineSeries();
  diagonal->setName(QStringLiteral("exact (y = x)"));
  QPen pen(kAxisLine);
  pen.setStyle(Qt::DashLine);
  pen.setWidthF(1.2);
  diagonal->setPen(pen);
  diagonal->append(0, 0);
  diagonal->append(x->max(), x->max());
  for (QXYSeries* s : {static_cast<QXYSeries*>(diagonal), static_cast<QXYSeries*>(before),
                       static_cast<QXYSeries*>(after)}) {
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
  }
  return chart;
}

QChart* calibration_error_chart(const CalibrationData& cal, const ChartStyle& style) {
  QChart* chart = new_chart(style, QStringLiteral("Start error, cumulative"));
  double hi = 0;
  std::vector<QLineSeries*> lines;
  for (const bool after : {false, true}) {
    std::vector<double> abs_err;
    for (double e : start_errors(cal, after)) abs_err.push_back(std::abs(e));
    auto* line = new QLineSeries();
    line->setName(after ? QStringLiteral("after fitting") : QStringLiteral("before fitting"));
    for (const Point& p : cdf_points(abs_err)) {
      line->append(p.x, 100.0 * p.y);
      hi = std::max(hi, p.x);
    }
    style_line(line, after ? 0 : 1);
    lines.push_back(line);
  }
  QValueAxis* x =
      padded_axis(style, QStringLiteral("|Simulated − observed start| (s)"), 0, std::max(hi, 1e-3));
  QValueAxis* y = percent_axis(style, QStringLiteral("Jobs within x"));
  add_series_on_axes(chart, x, y, lines);
  return chart;
}

QChart* calibration_utilization_chart(const CalibrationData& cal, const ChartStyle& style) {
  QChart* chart = new_chart(style, QStringLiteral("Allocated GPUs, observed and simulated"));
  double last = 0, top = 0, total = 0;
  for (const CalibrationUtilization& u : cal.utilization) {
    last = std::max(last, u.time_s);
    for (double v : {u.observed, u.before, u.after}) {
      if (present(v)) top = std::max(top, v);
    }
    if (present(u.total)) total = std::max(total, u.total);
  }
  const TimeScale ts = time_scale(last);
  struct Curve {
    QString name;
    double CalibrationUtilization::*value;
    QColor color;
    double width;
  };
  const Curve curves[] = {
      {QStringLiteral("observed"), &CalibrationUtilization::observed, kInk, 2.4},
      {QStringLiteral("before fitting"), &CalibrationUtilization::before, series_qcolor(1), 2.0},
      {QStringLiteral("after fitting"), &CalibrationUtilization::after, series_qcolor(0), 2.0},
  };
  std::vector<QLineSeries*> lines;
  for (const Curve& c : curves) {
    auto* line = new QLineSeries();
    line->setName(c.name);
    for (const CalibrationUtilization& u : cal.utilization) {
      if (present(u.*c.value)) line->append(u.time_s / ts.divisor, u.*c.value);
    }
    QPen pen(c.color);
    pen.setWidthF(c.width);
    pen.setJoinStyle(Qt::RoundJoin);
    line->setPen(pen);
    lines.push_back(line);
  }
  if (total > 0) {
    auto* cap = new QLineSeries();
    cap->setName(QStringLiteral("capacity"));
    QPen pen(kAxisLine);
    pen.setStyle(Qt::DashLine);
    pen.setWidthF(1.2);
    cap->setPen(pen);
    cap->append(0, total);
    cap->append(last / ts.divisor, total);
    lines.push_back(cap);
  }
  auto* x = new QValueAxis();
  x->setRange(0, std::max(last / ts.divisor, 1e-9));
  x->applyNiceNumbers();
  x->setLabelFormat(x->max() >= 20 ? "%.0f" : "%.1f");
  QString x_title = ts.title;  // the observed curve is wall-clock time on the live cluster
  x_title.replace(QStringLiteral("Simulated time"), QStringLiteral("Time"));
  style_axis(x, style, x_title);
  QValueAxis* y =
      padded_axis(style, QStringLiteral("GPUs allocated"), 0, std::max({top, total, 1.0}));
  add_series_on_axes(chart, x, y, lines);
  return chart;
}

}  // namespace orrery::reports
