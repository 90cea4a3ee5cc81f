// The numbers a report shows, computed from RunData: metric definitions read generically from
// summary.json, display formatting, best-value marking, CDFs, per-tenant fairness, the GPU-demand
// mix, series downsampling, and the plain-language findings. No Qt.
//
//   auto metrics = discover_metrics(runs);             // known keys first, then any new ones
//   auto best = best_indices(values, Better::kLower);  // ties all marked; none when all equal
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "orrery/reports/results.hpp"

namespace orrery::reports {

enum class Better { kLower, kHigher, kNeither };
enum class Unit { kSeconds, kFraction, kCount, kNumber, kGpuHours, kUsd, kIndex };

struct MetricDef {
  std::string key;    // dotted path in summary.json ("wait_s.p95")
  std::string label;  // column label ("p95")
  std::string group;  // table it belongs in ("Wait")
  Unit unit = Unit::kNumber;
  Better better = Better::kNeither;
};

// Every numeric key of the runs' summary.json: the known ones in a fixed order and grouping,
// then any other numeric key (or object of numbers) in the order first seen, with unit and
// direction guessed from its name (docs/reports.md lists the rules).
std::vector<MetricDef> discover_metrics(const std::vector<RunData>& runs);
// Guesses for a key not known by name ("cost_usd", "goodput.mean").
MetricDef guess_metric(const std::string& key);
// The groups in display order, as they occur in `metrics`.
std::vector<std::string> metric_groups(const std::vector<MetricDef>& metrics);

// Display text: durations in s/min/h/days, fractions as percent, counts with separators.
std::string format_value(double v, Unit unit);
std::string format_duration(double seconds);
std::string format_count(double v);
std::string format_number(double v, int significant = 4);
// Exact, shortest text of a double for CSV and JSON ("0.5541412894578491", "300").
std::string exact_number(double v);
// "41%" / "less than 1%" for a relative change (0.41).
std::string format_percent_change(double fraction);

// Indices of the best values (ties within a relative 1e-9 all count); empty when `better` is
// kNeither, when fewer than two values are present, or when every present value is equal.
std::vector<std::size_t> best_indices(const std::vector<double>& values, Better better);
bool nearly_equal(double a, double b, double rel = 1e-9);

struct Point {
  double x = 0, y = 0;
};
// Empirical CDF of the present values as a step line (x ascending, y in [0, 1]); at most about
// `max_points` points (quantile-sampled beyond that).
std::vector<Point> cdf_points(std::vector<double> values, std::size_t max_points = 1200);
// Keeps the shape of a long series: per bucket its first, minimum and maximum points.
std::vector<Point> downsample(const std::vector<Point>& points, std::size_t max_points = 1500);

// Values of one jobs.csv column over a run's jobs (present values only).
std::vector<double> jct_values(const RunData& run);
std::vector<double> wait_values(const RunData& run);

enum class TenantKind { kUser, kQueue };
struct TenantStat {
  std::string name;
  std::size_t jobs = 0;           // jobs of the tenant
  std::size_t ended = 0;          // jobs with a JCT
  double mean_jct_s = kMissing;   // over ended jobs
  double mean_wait_s = kMissing;  // over started jobs
};
// Per tenant, sorted by job count (descending), then name.
std::vector<TenantStat> tenant_stats(const RunData& run, TenantKind kind);
// Jain's fairness index (sum x)^2 / (n sum x^2) over the present values: 1 when all are equal,
// 1/n when one tenant has everything. kMissing when no value is present or all are zero.
double jain_index(const std::vector<double>& values);
double jain_of_mean_jct(const RunData& run, TenantKind kind);
std::size_t tenant_count(const RunData& run, TenantKind kind);  // distinct non-empty names

struct DemandBucket {
  std::string label;  // "1 GPU", "2 GPUs", "3-4 GPUs", "<1 GPU (shared)"
  std::size_t jobs = 0;
  double gpu_share = 0;  // share of all requested GPUs (by count, not time)
};
std::vector<DemandBucket> demand_mix(const RunData& run);

struct Span {
  double first_submit_s = kMissing, last_submit_s = kMissing;
};
Span submit_span(const RunData& run);

// GPU allocation by node over time, from jobs.csv (start_s, end_s, gpus, node_ids) and the
// cluster in manifest.json. A job holds gpus / (its nodes) GPUs on each node of its last
// placement from its first start to its end (to the end of the run when it did not end); for a
// preempted job that span includes the time it was suspended, so the picture is approximate
// there (docs/reports.md).
struct NodeInfo {
  std::string pool;
  double gpus = 0;
};
// The cluster's nodes by node id (pool by pool in the cluster file's order, as the engine numbers
// them); empty when the manifest has no cluster.
std::vector<NodeInfo> cluster_nodes(const RunData& run);
// Can the allocation charts be drawn for this run (node_ids and a cluster)?
bool has_allocation_data(const RunData& run);

struct AllocationGrid {
  std::vector<std::string> rows;  // row labels, bottom row first ("a100 0", "v100 16-23")
  std::vector<double> row_gpus;   // GPUs per row
  double t0 = 0, t1 = 0;          // simulated time the columns cover (seconds)
  std::size_t bins = 0;
  std::vector<double> share;  // rows x bins, row-major: mean share of the row's GPUs allocated
  double at(std::size_t row, std::size_t bin) const { return share[row * bins + bin]; }
};
// Nodes (grouped into at most `max_rows` rows of equal node count within a pool when there are
// more) by `bins` equal time columns, each cell the time-averaged share of GPUs allocated,
// capped at 1.
AllocationGrid allocation_grid(const RunData& run, std::size_t max_rows = 48,
                               std::size_t bins = 180);

// Fragmentation over time: the share of the free GPUs that are on partly allocated nodes (free,
// but not as whole nodes). 0 when every free GPU is on an idle node (or none is free), 1 when
// every free GPU shares its node with a job. One point per instant the allocation changes.
std::vector<Point> fragmentation_series(const RunData& run);
// Its time-weighted mean over [first point, last point]; kMissing without data.
double mean_fragmentation(const std::vector<Point>& series);
// A step function (each y holds until the next x) as the time-weighted mean over `bins` equal
// slices of [first x, last x], one point per slice at its middle.
std::vector<Point> slice_means(const std::vector<Point>& steps, std::size_t bins);

// A sweep's trade-off between cost and completion time: the metrics the sweep records (cost:
// cost_total, else gpu_hours_allocated; time: jct_s.p95, else makespan_s; both minimised) and
// the Pareto front over them, computed by plan::pareto_front.
struct SweepTradeoff {
  std::string cost_metric, time_metric;  // empty when the sweep records neither
  std::vector<std::size_t> plotted;      // runs with both metrics (indices into sweep.runs)
  std::vector<std::size_t> front;        // runs on the front, by cost ascending
};
SweepTradeoff sweep_tradeoff(const SweepData& sweep);
// A parameter value as text: strings bare, a policy as its name, anything else as JSON.
std::string param_text(const nlohmann::json& value);
// "a100_nodes=3, policy=fifo" in the axes' order.
std::string params_text(const SweepRun& run, const std::vector<std::string>& axes);

// Calibration: simulated minus observed start per job (before or after fitting), over jobs with
// both; seconds.
std::vector<double> start_errors(const CalibrationData& cal, bool after);

// One error figure of a calibration, before and after fitting, as calibration.json records it
// (errors_before / errors_after; docs/calibration.md defines each).
struct CalibrationFigure {
  std::string key;    // dotted path in errors_before/after: "start_abs_error_s.median"
  std::string label;  // "Start error, median |s|"
  Unit unit = Unit::kNumber;
  double before = kMissing, after = kMissing;
};
// The figures a report and the GUI show (median/p95/mean start error, wait and JCT errors,
// start error over makespan, Kendall's tau, makespan error, utilization error, the objective),
// in that order; a figure missing both before and after is left out.
std::vector<CalibrationFigure> calibration_figures(const CalibrationData& cal);

// A sentence as parts, so writers can style and escape names and numbers.
struct TextPart {
  enum class Kind { kText, kName, kNumber } kind = Kind::kText;
  std::string text;
  int series = -1;  // a run's name: its colour index
};
using RichText = std::vector<TextPart>;
std::string plain_text(const RichText& t);

// The findings at the top of a report, computed from the numbers: headline comparisons against
// the baseline run (index `baseline`), ties, trade-offs, preemptions, failures and fairness; for
// one run, a description of it.
std::vector<RichText> findings(const std::vector<RunData>& runs, std::size_t baseline = 0);

}  // namespace orrery::reports
