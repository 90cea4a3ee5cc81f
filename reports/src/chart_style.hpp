// The look every report chart shares (fonts, colours, axes), defined in charts.cpp and used by
// every chart builder file. Private to reports/.
#pragma once

#include <QAbstractAxis>
#include <QChart>
#include <QColor>
#include <QFont>
#include <QLineSeries>
#include <QString>
#include <QValueAxis>
#include <vector>

#include "orrery/reports/charts.hpp"

namespace orrery::reports::detail {

inline const QColor kInk(0x24, 0x29, 0x2f);
inline const QColor kMuted(0x57, 0x60, 0x6a);
inline const QColor kGrid(0xe4, 0xe8, 0xec);
inline const QColor kAxisLine(0x8c, 0x95, 0x9f);

QFont font(const ChartStyle& s, double scale = 1.0, bool bold = false);
// A white chart with the report's title font and a legend at the bottom.
QChart* new_chart(const ChartStyle& s, const QString& title);
void style_axis(QAbstractAxis* a, const ChartStyle& s, const QString& title);
// Run i's line: its colour, 2.2 px, round joins.
void style_line(QLineSeries* series, std::size_t index);
// 0-100% with ticks every 20%.
QValueAxis* percent_axis(const ChartStyle& s, const QString& title);

// Adds x (bottom) and y (left) to the chart, then each series attached to both.
template <typename Series>
void add_series_on_axes(QChart* chart, QAbstractAxis* x, QAbstractAxis* y,
                        const std::vector<Series*>& series) {
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  for (Series* s : series) {
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
  }
}

// Simulated time in hours; days for spans over four days, minutes under three hours, seconds
// under ten minutes.
struct TimeScale {
  double divisor = 3600;
  QString title = QStringLiteral("Simulated time (hours)");
};
TimeScale time_scale(double last_s);

}  // namespace orrery::reports::detail
