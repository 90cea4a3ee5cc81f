// Charts of trade-offs and of the input kinds beyond simulate folders, in the same style and
// colours as charts.hpp: cost against completion time with the Pareto front (of runs, and of a
// sweep database's runs), and a calibration's simulated-against-observed starts and errors.
// Pareto fronts are plan::pareto_front's.
#pragma once

#include <QChart>
#include <cstddef>
#include <vector>

#include "orrery/reports/charts.hpp"
#include "orrery/reports/results.hpp"

namespace orrery::reports {

// Indices of the runs no other run beats on both `x` and `y` (lower is better on both), sorted
// by x (plan::pareto_front). Runs with a missing value are left out; equal points are all kept.
std::vector<std::size_t> pareto_front(const std::vector<double>& x, const std::vector<double>& y);

// One point per run: total cost (summary.json "cost_total") against mean JCT ("jct_s.mean"),
// the Pareto front drawn as a dashed line through the runs that are not beaten on both.
QChart* cost_jct_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});

// A sweep's runs: cost against completion time (sweep_tradeoff's metrics), coloured by policy,
// the Pareto front circled and joined by a dashed line. Each policy's QScatterSeries carries the
// property kSweepRunsProperty: a QVariantList of indices into sweep.runs, one per point in the
// series' order, so a viewer can tell which run a clicked point is (the front's series have no
// such property).
inline constexpr const char* kSweepRunsProperty = "orreryRuns";
QChart* sweep_pareto_chart(const SweepData& sweep, const ChartStyle& style = {});
// Simulated against observed start per job, before and after fitting, with the diagonal.
QChart* calibration_scatter_chart(const CalibrationData& cal, const ChartStyle& style = {});
// Cumulative distribution of |simulated - observed start| before and after fitting.
QChart* calibration_error_chart(const CalibrationData& cal, const ChartStyle& style = {});
// GPUs allocated over time (utilization.csv): observed, and simulated before and after fitting,
// with the cluster's GPU count ("capacity") as a dashed line.
QChart* calibration_utilization_chart(const CalibrationData& cal, const ChartStyle& style = {});

}  // namespace orrery::reports
