// A chart laid out at a fixed size in its own QGraphicsScene, ready to paint onto any device
// (SVG generator, image, PDF). The scene owns and deletes the chart. Private to reports/.
#pragma once

#include <QChart>
#include <QCoreApplication>
#include <QGraphicsScene>
#include <QPainter>
#include <QSize>

namespace orrery::reports {

class ChartScene {
 public:
  ChartScene(QChart* chart, QSize size) {
    scene_.addItem(chart);
    chart->setGeometry(QRectF(QPointF(0, 0), QSizeF(size)));
    // The chart lays out its axes and series through posted layout events.
    for (int i = 0; i < 3; ++i) {
      QCoreApplication::sendPostedEvents();
      QCoreApplication::processEvents();
    }
    scene_.setSceneRect(QRectF(QPointF(0, 0), QSizeF(size)));
  }
  ChartScene(const ChartScene&) = delete;
  ChartScene& operator=(const ChartScene&) = delete;
  void render(QPainter& p, const QRectF& target) {
    scene_.render(&p, target, scene_.sceneRect(), Qt::IgnoreAspectRatio);
  }

 private:
  QGraphicsScene scene_;
};

}  // namespace orrery::reports
