// Charts beyond the report's five, in the same style and colours (charts.hpp): so far the
// cost-versus-completion-time trade-off with its Pareto front. Built with the GUI today
// (gui/CMakeLists.txt compiles reports/src/charts_extra.cpp); one line moves it into
// orrery_reports when a report wants it.
#pragma once

#include <QChart>
#include <cstddef>
#include <vector>

#include "orrery/reports/charts.hpp"
#include "orrery/reports/results.hpp"

namespace orrery::reports {

// Indices of the runs no other run beats on both `x` and `y` (lower is better on both), sorted
// by x. Runs with a missing value are left out; equal points are all kept.
std::vector<std::size_t> pareto_front(const std::vector<double>& x, const std::vector<double>& y);

// One point per run: total cost (summary.json "cost_total") against mean JCT ("jct_s.mean"),
// the Pareto front drawn as a dashed line through the runs that are not beaten on both.
QChart* cost_jct_chart(const std::vector<RunData>& runs, const ChartStyle& style = {});

}  // namespace orrery::reports
