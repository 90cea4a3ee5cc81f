// Chart views shared by the main window's tabs: one look (antialiased, a minimum size) and one
// way to swap a view's chart (the view does not own the chart it showed before).
#pragma once

#include <QChart>
#include <QChartView>
#include <QPainter>

namespace orrery::gui {

inline QChartView* new_chart_view(QWidget* parent, const char* object_name = nullptr,
                                  QSize minimum = {360, 260}) {
  auto* v = new QChartView(parent);
  if (object_name) v->setObjectName(object_name);
  v->setRenderHint(QPainter::Antialiasing);
  v->setMinimumSize(minimum);
  return v;
}

// Shows `chart` in `view` and deletes the chart it showed before.
inline void replace_chart(QChartView* view, QChart* chart) {
  QChart* old = view->chart();
  view->setChart(chart);
  delete old;
}

}  // namespace orrery::gui
