// The report's charts as Qt Charts, one builder per chart: a function from the runs to a new
// QChart (the caller owns it; a QChartView or QGraphicsScene takes it over). The report renders
// them offscreen; a Qt GUI shows the same charts in a QChartView.
//
//   QChart* c = jct_cdf_chart(runs);
//   auto* view = new QChartView(c);   // in a GUI
//
// Run i is drawn in series_color(i) in every chart, matching the swatches in the tables.
// Needs a QApplication (QChart is a QGraphicsWidget).
#pragma once

#include <QChart>
#include <QColor>
#include <QFont>
#include <vector>

#include "orrery/reports/document.hpp"
#include "orrery/reports/results.hpp"

namespace orrery::reports {

struct ChartStyle {
  bool show_title = true;        // the report prints titles itself and turns this off
  std::size_t max_tenants = 12;  // users in the per-tenant chart
  QString font_family = QStringLiteral("DejaVu Sans");
  int font_px = 12;  // base font size in pixels; titles and labels scale from it
};

QColor series_qcolor(std::size_t index);

// The size (CSS pixels) a report lays its charts out at; the PDF scales them as vectors.
inline constexpr int kChartWidth = 900;
inline constexpr int kChartHeight = 430;

// Empirical CDF of each run's JCT (ended jobs), log-scaled time axis with readable units.
QChart* jct_cdf_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});
// Empirical CDF of each run's wait before first start; waits under 1 s are drawn at 1 s.
QChart* wait_cdf_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});
// gpus_allocated / gpus_total over simulated time, per run.
QChart* utilization_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});
// jobs_pending over simulated time, per run.
QChart* queue_length_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});
// Mean JCT per user (the users with the most jobs), one bar per run.
QChart* tenant_jct_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});

// Fragmentation over time (analysis.hpp), one line per run with node_ids.
QChart* fragmentation_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});
// One run's GPU allocation as a heat map: nodes (rows) by simulated time (columns), each cell the
// share of the node's GPUs allocated (allocation_grid). `index` picks nothing but the title.
QChart* allocation_heatmap_chart(const RunData& run, const ChartStyle& style = {});

// The charts of the runs only (the five above and fragmentation).
QChart* make_chart(ChartKind kind, const std::vector<RunData>& runs, const ChartStyle& style = {});
// Any chart slot of a document: charts of one run or one input use slot.source.
QChart* make_chart(const ChartSlot& slot, const std::vector<RunData>& runs,
                   const std::vector<LoadedInput>& inputs, const ChartStyle& style = {});

}  // namespace orrery::reports
