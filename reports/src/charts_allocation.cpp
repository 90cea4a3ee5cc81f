// GPU allocation charts: the heat map of nodes over time and fragmentation over time.
#include <QCategoryAxis>
#include <QGraphicsItem>
#include <QLegend>
#include <QLineSeries>
#include <QPainter>
#include <QScatterSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "chart_style.hpp"
#include "orrery/reports/analysis.hpp"
#include "orrery/reports/charts.hpp"

namespace orrery::reports {

using namespace detail;

namespace {

// Sequential blues: light for a little allocated, dark for full; idle nodes a pale grey.
const QColor kIdle(0xf1, 0xf3, 0xf5);
const QColor kLow(0xc6, 0xdb, 0xef);
const QColor kHigh(0x08, 0x30, 0x6b);

QColor share_color(double share) {
  if (share <= 1e-6) return kIdle;
  const double t = std::clamp(share, 0.0, 1.0);
  auto mix = [t](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * t)); };
  return QColor(mix(kLow.red(), kHigh.red()), mix(kLow.green(), kHigh.green()),
                mix(kLow.blue(), kHigh.blue()));
}

// The cells, drawn inside the chart's plot area from the axes' current ranges, so the picture
// follows the chart when a view resizes it. Qt Charts has no heat map series.
class HeatmapItem : public QGraphicsItem {
 public:
  HeatmapItem(QChart* chart, AllocationGrid grid, double divisor, QValueAxis* x)
      : QGraphicsItem(chart), chart_(chart), grid_(std::move(grid)), divisor_(divisor), x_(x) {
    setZValue(-1);  // under the axes' lines and labels
    QObject::connect(chart, &QChart::plotAreaChanged, chart, [this](const QRectF&) {
      prepareGeometryChange();
      update();
    });
  }
  QRectF boundingRect() const override { return chart_->plotArea(); }
  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    const QRectF area = chart_->plotArea();
    const std::size_t rows = grid_.rows.size();
    if (rows == 0 || grid_.bins == 0 || area.isEmpty()) return;
    const double x0 = x_->min(), x1 = x_->max();
    const double col_w = (grid_.t1 - grid_.t0) / static_cast<double>(grid_.bins) / divisor_;
    const double row_h = area.height() / static_cast<double>(rows);
    auto px = [&](double t) { return area.left() + (t - x0) / (x1 - x0) * area.width(); };
    p->save();
    p->setClipRect(area, Qt::IntersectClip);  // within the page's clip in a PDF
    p->setPen(Qt::NoPen);
    for (std::size_t r = 0; r < rows; ++r) {
      const double top = area.bottom() - static_cast<double>(r + 1) * row_h;
      // Runs of equal colour are drawn as one rectangle (smaller SVG and PDF).
      std::size_t c = 0;
      while (c < grid_.bins) {
        const QColor color = share_color(grid_.at(r, c));
        std::size_t e = c + 1;
        while (e < grid_.bins && share_color(grid_.at(r, e)) == color) ++e;
        const double left = px(grid_.t0 / divisor_ + static_cast<double>(c) * col_w);
        const double right = px(grid_.t0 / divisor_ + static_cast<double>(e) * col_w);
        p->setBrush(color);
        // A hairline gap between rows keeps nodes apart when there are few.
        const double gap = rows <= 32 ? std::min(1.0, row_h * 0.1) : 0.0;
        p->drawRect(QRectF(left, top, right - left + 0.3, row_h - gap));
        c = e;
      }
    }
    p->restore();
  }

 private:
  QChart* chart_;
  AllocationGrid grid_;
  double divisor_;
  QValueAxis* x_;
};

}  // namespace

QChart* allocation_heatmap_chart(const RunData& run, const ChartStyle& s) {
  QChart* c = new_chart(
      s, QStringLiteral("GPU allocation by node: %1").arg(QString::fromStdString(run.label)));
  c->legend()->setMarkerShape(QLegend::MarkerShapeRectangle);
  AllocationGrid grid = allocation_grid(run);
  const TimeScale ts = time_scale(grid.t1);
  auto* x = new QValueAxis();
  x->setRange(grid.t0 / ts.divisor, std::max(grid.t1, grid.t0 + 1) / ts.divisor);
  x->applyNiceNumbers();
  x->setLabelFormat(x->max() - x->min() < 10 ? "%.1f" : "%.0f");
  style_axis(x, s, ts.title);
  x->setGridLineVisible(false);
  auto* y = new QCategoryAxis();
  y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  const std::size_t rows = std::max<std::size_t>(1, grid.rows.size());
  const std::size_t every = (rows + 15) / 16;  // at most 16 labels
  for (std::size_t r = 0; r < grid.rows.size(); r += every) {
    y->append(QString::fromStdString(grid.rows[r]), static_cast<double>(r) + 0.5);
  }
  y->setRange(0, static_cast<double>(rows));
  style_axis(y, s,
             grid.rows.size() == cluster_nodes(run).size() ? QStringLiteral("Node")
                                                           : QStringLiteral("Nodes"));
  y->setGridLineVisible(false);
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  // The colour key as legend entries (empty series, one per shade).
  const std::pair<const char*, double> key[] = {
      {"idle", 0.0}, {"25% of GPUs", 0.25}, {"50%", 0.5}, {"75%", 0.75}, {"100%", 1.0}};
  for (const auto& [label, share] : key) {
    auto* k = new QScatterSeries();
    k->setName(QString::fromUtf8(label));
    k->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    k->setColor(share_color(share));
    k->setBorderColor(share == 0.0 ? kAxisLine : share_color(share));
    c->addSeries(k);
    k->attachAxis(x);
    k->attachAxis(y);
  }
  new HeatmapItem(c, std::move(grid), ts.divisor, x);
  return c;
}

QChart* fragmentation_chart(const std::vector<RunData>& runs, const ChartStyle& s) {
  QChart* c = new_chart(s, QStringLiteral("Fragmentation over time"));
  std::vector<std::vector<Point>> series(runs.size());
  double last = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!has_allocation_data(runs[i])) continue;
    series[i] = fragmentation_series(runs[i]);
    if (!series[i].empty()) last = std::max(last, series[i].back().x);
  }
  const TimeScale ts = time_scale(last);
  auto* x = new QValueAxis();
  x->setRange(0, last > 0 ? last / ts.divisor : 1);
  x->applyNiceNumbers();
  x->setLabelFormat("%.0f");
  style_axis(x, s, ts.title);
  QValueAxis* y = percent_axis(s, QStringLiteral("Free GPUs on partly used nodes"));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (series[i].empty()) continue;
    // Instant values flip between 0 and 100% whenever few GPUs are free: the chart shows the
    // time-weighted mean over 150 slices.
    auto* line = new QLineSeries();
    line->setName(QString::fromStdString(runs[i].label));
    for (const Point& p : slice_means(series[i], 150)) line->append(p.x / ts.divisor, 100.0 * p.y);
    c->addSeries(line);
    line->attachAxis(x);
    line->attachAxis(y);
    QPen pen(series_qcolor(i));
    pen.setWidthF(1.8);
    line->setPen(pen);
  }
  return c;
}

}  // namespace orrery::reports
