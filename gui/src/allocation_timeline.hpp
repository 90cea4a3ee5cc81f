// The GPU allocation timeline: a Gantt chart of a run's jobs over simulated time. Each job is a
// bar as wide as it held GPUs (first start to end) and as tall as its GPU count, stacked into
// GPU slots: at its start a job takes the lowest free slots, so the picture shows how full the
// cluster was and who held it. Slots are not physical GPU ids (RunResult keeps no per-GPU
// placement). Wheel zooms time around the cursor (Ctrl+wheel zooms both axes), dragging pans,
// hovering a bar shows the job.
#pragma once

#include <QGraphicsView>
#include <QWidget>
#include <memory>
#include <vector>

#include "run_controller.hpp"

class QComboBox;
class QLabel;

namespace orrery::gui {

// Slot layout of one run: for each drawn job, its slot ranges [first, first + count).
struct SlotRange {
  std::size_t job = 0;  // index into RunTimeline::jobs
  int first = 0, count = 0;
};
struct SlotLayout {
  std::vector<SlotRange> ranges;
  int slot_count = 0;  // slots used (>= the cluster's GPUs when jobs overlapped, e.g. preemptions)
};
SlotLayout layout_slots(const RunTimeline& run);

class TimelineView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit TimelineView(QWidget* parent = nullptr);
  void show_run(const RunTimeline* run);
  void zoom_time(double factor);
  void fit();
  std::size_t bars() const { return bars_; }

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  const RunTimeline* run_ = nullptr;
  double gpus_total_ = 0;
  double end_s_ = 0;
  int slots_ = 0;
  std::size_t bars_ = 0;
  bool fitted_ = false;
};

class AllocationTimeline : public QWidget {
  Q_OBJECT
 public:
  explicit AllocationTimeline(QWidget* parent = nullptr);
  void set_timelines(std::shared_ptr<const std::vector<RunTimeline>> timelines);
  TimelineView* view() const { return view_; }

 private:
  void show_index(int index);
  std::shared_ptr<const std::vector<RunTimeline>> timelines_;
  QComboBox* run_box_ = nullptr;
  QLabel* info_ = nullptr;
  TimelineView* view_ = nullptr;
};

}  // namespace orrery::gui
