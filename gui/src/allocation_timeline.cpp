#include "allocation_timeline.hpp"

#include <QComboBox>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollBar>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <queue>
#include <set>

#include "orrery/reports/analysis.hpp"

namespace orrery::gui {

namespace {

constexpr double kSlotHeight = 10.0;     // scene units per GPU slot
constexpr double kSceneWidth = 2000.0;   // scene units for the whole run at zoom 1
constexpr std::size_t kMaxBars = 50000;  // beyond this the view would crawl

QColor user_color(const std::string& user) {
  static const QColor palette[] = {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b),
                                   QColor(0xe1, 0x57, 0x59), QColor(0x76, 0xb7, 0xb2),
                                   QColor(0x59, 0xa1, 0x4f), QColor(0xed, 0xc9, 0x48),
                                   QColor(0xb0, 0x7a, 0xa1), QColor(0xff, 0x9d, 0xa7),
                                   QColor(0x9c, 0x75, 0x5f), QColor(0xba, 0xb0, 0xac)};
  const std::size_t h = std::hash<std::string>{}(user);
  return palette[h % (sizeof palette / sizeof palette[0])];
}

QString job_tooltip(const TimelineJob& j) {
  QString s = QStringLiteral("<b>%1</b>").arg(QString::fromStdString(j.id).toHtmlEscaped());
  if (!j.user.empty())
    s += QStringLiteral(" (%1)").arg(QString::fromStdString(j.user).toHtmlEscaped());
  s += QStringLiteral("<br>%1 GPU%2").arg(j.gpus).arg(j.gpus == 1.0 ? "" : "s");
  if (!j.gpu_type.empty()) s += " " + QString::fromStdString(j.gpu_type).toHtmlEscaped();
  s += QStringLiteral(" on %1 node%2").arg(j.nodes).arg(j.nodes == 1 ? "" : "s");
  s += QStringLiteral("<br>submitted %1, started %2 (waited %3)")
           .arg(QString::fromStdString(reports::format_duration(j.submit_s)),
                QString::fromStdString(reports::format_duration(j.start_s)),
                QString::fromStdString(reports::format_duration(j.start_s - j.submit_s)));
  if (j.ended) {
    s += QStringLiteral("<br>ended %1 (%2)")
             .arg(QString::fromStdString(reports::format_duration(j.end_s)),
                  QString::fromStdString(std::string(sim::to_string(j.status))));
  } else {
    s += QStringLiteral("<br>still running at the end of the run");
  }
  if (j.preemptions > 0)
    s += QStringLiteral("<br>preempted %1 time%2 (the bar spans first start to end)")
             .arg(j.preemptions)
             .arg(j.preemptions == 1 ? "" : "s");
  return s;
}

// A "nice" step (1, 2, 5 x 10^k, or clock units) for about `target` ticks over `span` seconds.
double nice_step(double span, int target) {
  static const double steps[] = {1,     2,     5,      10,     15,      30,      60,     120,
                                 300,   600,   900,    1800,   3600,    7200,    10800,  21600,
                                 43200, 86400, 172800, 604800, 1209600, 2592000, 7776000};
  const double raw = span / std::max(1, target);
  for (double s : steps)
    if (s >= raw) return s;
  return std::pow(10.0, std::ceil(std::log10(raw)));
}

}  // namespace

SlotLayout layout_slots(const RunTimeline& run) {
  SlotLayout out;
  std::set<int> free;
  const int capacity = static_cast<int>(std::ceil(run.gpus_total));
  for (int i = 0; i < capacity; ++i) free.insert(i);
  int next_extra = capacity;
  // (end, job) of jobs holding slots, soonest end first.
  using Held = std::pair<double, std::size_t>;
  std::priority_queue<Held, std::vector<Held>, std::greater<>> held;
  std::map<std::size_t, std::vector<int>> slots_of;
  const std::size_t n = std::min(run.jobs.size(), kMaxBars);
  for (std::size_t i = 0; i < n; ++i) {
    const TimelineJob& j = run.jobs[i];
    while (!held.empty() && held.top().first <= j.start_s) {
      for (int s : slots_of[held.top().second]) free.insert(s);
      slots_of.erase(held.top().second);
      held.pop();
    }
    const int want = std::max(1, static_cast<int>(std::ceil(j.gpus - 1e-9)));
    std::vector<int> mine;
    while (static_cast<int>(mine.size()) < want) {
      if (free.empty()) {
        mine.push_back(next_extra++);
      } else {
        mine.push_back(*free.begin());
        free.erase(free.begin());
      }
    }
    std::sort(mine.begin(), mine.end());
    for (std::size_t k = 0; k < mine.size();) {
      std::size_t e = k + 1;
      while (e < mine.size() && mine[e] == mine[e - 1] + 1) ++e;
      out.ranges.push_back({i, mine[k], static_cast<int>(e - k)});
      k = e;
    }
    held.emplace(j.end_s, i);
    slots_of[i] = std::move(mine);
  }
  out.slot_count = next_extra;
  return out;
}

TimelineView::TimelineView(QWidget* parent) : QGraphicsView(parent) {
  setObjectName("allocationTimeline");
  setScene(new QGraphicsScene(this));
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setRenderHint(QPainter::Antialiasing, false);
  setBackgroundBrush(QColor(0xfa, 0xfb, 0xfc));
  setViewportUpdateMode(QGraphicsView::FullViewportUpdate);
}

void TimelineView::show_run(const RunTimeline* run) {
  scene()->clear();
  run_ = run;
  bars_ = 0;
  fitted_ = false;
  if (!run) return;
  gpus_total_ = run->gpus_total;
  end_s_ = std::max(1.0, run->end_s);
  const SlotLayout layout = layout_slots(*run);
  slots_ = std::max(1, layout.slot_count);
  const double xs = kSceneWidth / end_s_;
  // Capacity band and the cluster's edge.
  scene()->addRect(0, 0, end_s_ * xs, gpus_total_ * kSlotHeight, QPen(Qt::NoPen),
                   QBrush(Qt::white));
  if (layout.slot_count > static_cast<int>(std::ceil(gpus_total_))) {
    scene()->addRect(0, gpus_total_ * kSlotHeight, end_s_ * xs,
                     (layout.slot_count - gpus_total_) * kSlotHeight, QPen(Qt::NoPen),
                     QBrush(QColor(0xfd, 0xec, 0xec)));
  }
  for (const SlotRange& r : layout.ranges) {
    const TimelineJob& j = run->jobs[r.job];
    const double x0 = j.start_s * xs;
    const double w = std::max(0.5, (j.end_s - j.start_s) * xs);
    // Slot 0 at the bottom, as in a stacked chart.
    const double y0 = (slots_ - r.first - r.count) * kSlotHeight;
    auto* item = new QGraphicsRectItem(x0, y0, w, r.count * kSlotHeight - 0.6);
    QColor c = user_color(j.user);
    if (!j.ended) c = c.lighter(130);
    item->setBrush(c);
    QPen pen(j.preemptions > 0 ? QColor(0x20, 0x20, 0x20) : c.darker(140));
    pen.setCosmetic(true);
    pen.setWidthF(j.preemptions > 0 ? 1.5 : 0.6);
    if (j.preemptions > 0) pen.setStyle(Qt::DashLine);
    item->setPen(pen);
    item->setToolTip(job_tooltip(j));
    scene()->addItem(item);
    ++bars_;
  }
  // Capacity line.
  QPen cap(QColor(0xc0, 0x39, 0x2b));
  cap.setCosmetic(true);
  cap.setWidthF(1.5);
  const double cap_y = (slots_ - gpus_total_) * kSlotHeight;
  scene()->addLine(0, cap_y, end_s_ * xs, cap_y, cap);
  scene()->setSceneRect(0, 0, end_s_ * xs, slots_ * kSlotHeight);
  fit();
}

void TimelineView::fit() {
  if (!run_) return;
  resetTransform();
  fitInView(sceneRect(), Qt::IgnoreAspectRatio);
  fitted_ = true;
}

void TimelineView::zoom_time(double factor) {
  const double current = transform().m11();
  const double fit_scale = viewport()->width() / std::max(1.0, sceneRect().width());
  const double next = std::clamp(current * factor, fit_scale, fit_scale * 5000);
  scale(next / current, 1.0);
  fitted_ = false;
}

void TimelineView::wheelEvent(QWheelEvent* event) {
  const double f = std::pow(1.0015, event->angleDelta().y());
  if (event->modifiers() & Qt::ControlModifier) {
    const double fit_y = viewport()->height() / std::max(1.0, sceneRect().height());
    const double y = transform().m22();
    const double ny = std::clamp(y * f, fit_y, fit_y * 200);
    scale(1.0, ny / y);
  }
  zoom_time(f);
  event->accept();
}

void TimelineView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (fitted_) fit();
}

void TimelineView::drawForeground(QPainter* painter, const QRectF&) {
  if (!run_) return;
  // Axes in viewport pixels over the scene: time along the bottom, GPU slots on the left.
  painter->save();
  painter->resetTransform();
  const QRect vp = viewport()->rect();
  const QPointF tl = mapToScene(vp.topLeft());
  const QPointF br = mapToScene(vp.bottomRight());
  const double xs = kSceneWidth / end_s_;
  const double t0 = std::max(0.0, tl.x() / xs), t1 = br.x() / xs;
  const double step = nice_step(t1 - t0, std::max(2, vp.width() / 110));
  QFont f = font();
  f.setPixelSize(11);
  painter->setFont(f);
  QPen grid(QColor(0, 0, 0, 40));
  grid.setStyle(Qt::DotLine);
  for (double t = std::ceil(t0 / step) * step; t <= t1; t += step) {
    const int x = mapFromScene(QPointF(t * xs, 0)).x();
    painter->setPen(grid);
    painter->drawLine(x, 0, x, vp.height());
    painter->setPen(QColor(0x24, 0x29, 0x2f));
    const QString label = QString::fromStdString(reports::format_duration(t));
    painter->fillRect(QRect(x + 2, vp.height() - 16, 70, 15), QColor(255, 255, 255, 200));
    painter->drawText(QRect(x + 3, vp.height() - 16, 70, 15), Qt::AlignLeft | Qt::AlignVCenter,
                      label);
  }
  // GPU-slot ticks.
  const double s_top = slots_ - tl.y() / kSlotHeight, s_bottom = slots_ - br.y() / kSlotHeight;
  const double sstep =
      std::max(1.0, nice_step(std::abs(s_top - s_bottom), std::max(2, vp.height() / 60)));
  for (double s = std::ceil(std::max(0.0, s_bottom) / sstep) * sstep; s <= s_top; s += sstep) {
    const int y = mapFromScene(QPointF(0, (slots_ - s) * kSlotHeight)).y();
    painter->setPen(grid);
    painter->drawLine(0, y, vp.width(), y);
    painter->setPen(QColor(0x24, 0x29, 0x2f));
    painter->fillRect(QRect(2, y - 14, 60, 13), QColor(255, 255, 255, 200));
    painter->drawText(QRect(3, y - 14, 60, 13), Qt::AlignLeft | Qt::AlignVCenter,
                      QStringLiteral("%1 GPU").arg(s));
  }
  painter->restore();
}

AllocationTimeline::AllocationTimeline(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout();
  bar->addWidget(new QLabel(tr("Run:"), this));
  run_box_ = new QComboBox(this);
  run_box_->setObjectName("timelineRun");
  run_box_->setMinimumContentsLength(18);
  bar->addWidget(run_box_);
  auto* zin = new QPushButton(tr("Zoom in"), this);
  auto* zout = new QPushButton(tr("Zoom out"), this);
  auto* zfit = new QPushButton(tr("Fit"), this);
  bar->addWidget(zin);
  bar->addWidget(zout);
  bar->addWidget(zfit);
  info_ = new QLabel(this);
  info_->setWordWrap(true);
  bar->addWidget(info_, 1);
  layout->addLayout(bar);
  view_ = new TimelineView(this);
  layout->addWidget(view_, 1);
  auto* help = new QLabel(
      tr("Each bar is a job, from its first start to its end, as tall as its GPUs, stacked into "
         "the "
         "lowest free GPU slots (not physical GPU ids); colour by user; dashed: preempted; pale: "
         "still running when the run ended. The red line is the cluster's GPU count. Wheel: zoom "
         "time (Ctrl: both axes); drag: pan; hover: job details."),
      this);
  help->setWordWrap(true);
  help->setStyleSheet("color: #57606a;");
  layout->addWidget(help);
  connect(zin, &QPushButton::clicked, this, [this] { view_->zoom_time(2.0); });
  connect(zout, &QPushButton::clicked, this, [this] { view_->zoom_time(0.5); });
  connect(zfit, &QPushButton::clicked, this, [this] { view_->fit(); });
  connect(run_box_, &QComboBox::currentIndexChanged, this, &AllocationTimeline::show_index);
}

void AllocationTimeline::set_timelines(std::shared_ptr<const std::vector<RunTimeline>> timelines) {
  timelines_ = std::move(timelines);
  const QSignalBlocker block(run_box_);
  run_box_->clear();
  if (timelines_)
    for (const RunTimeline& t : *timelines_) run_box_->addItem(QString::fromStdString(t.label));
  show_index(run_box_->count() > 0 ? 0 : -1);
}

void AllocationTimeline::show_index(int index) {
  if (!timelines_ || index < 0 || index >= static_cast<int>(timelines_->size())) {
    view_->show_run(nullptr);
    info_->clear();
    return;
  }
  const RunTimeline& t = (*timelines_)[static_cast<std::size_t>(index)];
  view_->show_run(&t);
  QString text = tr("%1 jobs started on %2 GPUs over %3")
                     .arg(t.jobs.size())
                     .arg(t.gpus_total)
                     .arg(QString::fromStdString(reports::format_duration(t.end_s)));
  if (t.jobs.size() > kMaxBars) text += tr(" (the first %1 shown)").arg(kMaxBars);
  info_->setText(text);
}

}  // namespace orrery::gui
