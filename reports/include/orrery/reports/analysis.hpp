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
