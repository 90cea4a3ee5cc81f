#include "orrery/reports/charts_extra.hpp"

#include <QFont>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "orrery/reports/analysis.hpp"

namespace orrery::reports {

std::vector<std::size_t> pareto_front(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (present(x[i]) && present(y[i])) idx.push_back(i);
  std::vector<std::size_t> front;
  for (std::size_t i : idx) {
    bool beaten = false;
    for (std::size_t j : idx) {
      if (j == i) continue;
      const bool no_worse = x[j] <= x[i] && y[j] <= y[i];
      const bool better = x[j] < x[i] || y[j] < y[i];
      if (no_worse && better) {
        beaten = true;
        break;
      }
    }
    if (!beaten) front.push_back(i);
  }
  std::stable_sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && y[a] > y[b]);
  });
  return front;
}

QChart* cost_jct_chart(const std::vector<RunData>& runs, const ChartStyle& style) {
  auto* chart = new QChart();
  chart->setTheme(QChart::ChartThemeLight);
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->setBackgroundRoundness(0);
  chart->setBackgroundBrush(Qt::white);
  chart->setBackgroundPen(Qt::NoPen);
  QFont base(style.font_family);
  base.setPixelSize(style.font_px);
  QFont title = base;
  title.setPixelSize(static_cast<int>(std::lround(style.font_px * 1.25)));
  title.setBold(true);
  if (style.show_title) {
    chart->setTitle(QStringLiteral("Cost versus mean job completion time"));
    chart->setTitleFont(title);
  }
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->legend()->setFont(base);

  std::vector<double> cost, jct;
  for (const RunData& r : runs) {
    cost.push_back(r.metric("cost_total").value_or(kMissing));
    jct.push_back(r.metric("jct_s.mean").value_or(kMissing));
  }
  auto* x_axis = new QValueAxis();
  auto* y_axis = new QValueAxis();
  x_axis->setTitleText(QStringLiteral("Total cost (USD)"));
  y_axis->setTitleText(QStringLiteral("Mean JCT (hours)"));
  for (QValueAxis* a : {x_axis, y_axis}) {
    a->setLabelsFont(base);
    QFont bold = base;
    bold.setBold(true);
    a->setTitleFont(bold);
    a->setGridLineColor(QColor(0xe4, 0xe8, 0xec));
  }
  chart->addAxis(x_axis, Qt::AlignBottom);
  chart->addAxis(y_axis, Qt::AlignLeft);
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  bool any = false;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!present(cost[i]) || !present(jct[i])) continue;
    const double h = jct[i] / 3600.0;
    if (!any) {
      x_lo = x_hi = cost[i];
      y_lo = y_hi = h;
      any = true;
    }
    x_lo = std::min(x_lo, cost[i]);
    x_hi = std::max(x_hi, cost[i]);
    y_lo = std::min(y_lo, h);
    y_hi = std::max(y_hi, h);
    auto* s = new QScatterSeries();
    s->setName(QString::fromStdString(runs[i].label));
    s->setMarkerSize(13);
    s->setColor(series_qcolor(i));
    s->setBorderColor(series_qcolor(i).darker(130));
    s->append(cost[i], h);
    chart->addSeries(s);
    s->attachAxis(x_axis);
    s->attachAxis(y_axis);
  }
  const std::vector<std::size_t> front = pareto_front(cost, jct);
  if (front.size() >= 2) {
    auto* line = new QLineSeries();
    line->setName(QStringLiteral("Pareto front"));
    QPen pen(QColor(0x57, 0x60, 0x6a));
    pen.setStyle(Qt::DashLine);
    pen.setWidthF(1.5);
    line->setPen(pen);
    for (std::size_t i : front) line->append(cost[i], jct[i] / 3600.0);
    chart->addSeries(line);
    line->attachAxis(x_axis);
    line->attachAxis(y_axis);
  }
  const double xp = std::max((x_hi - x_lo) * 0.1, std::abs(x_hi) * 0.02 + 1e-9);
  const double yp = std::max((y_hi - y_lo) * 0.1, std::abs(y_hi) * 0.02 + 1e-9);
  x_axis->setRange(std::max(0.0, x_lo - xp), x_hi + xp);
  y_axis->setRange(std::max(0.0, y_lo - yp), y_hi + yp);
  x_axis->applyNiceNumbers();
  y_axis->applyNiceNumbers();
  return chart;
}

}  // namespace orrery::reports
