// Run metrics read generically from summary.json: every numeric member, nested objects and arrays
// flattened with dots and indices (jct_s.p95, wait_s.mean, pools[0].cost), so metrics the engine
// adds later (cost_total, energy_kwh, ...) reach sweep tables, Pareto fronts and plan targets
// without changes here. Booleans and strings are not metrics.
//
//   Metrics m = flatten_metrics(summary_json);
//   metric_value(m, "wait_s.p95");          // 1234.5
//   metric_value(m, "completed / jobs");    // a ratio of two metrics
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace orrery::plan {

using Metrics = std::map<std::string, double>;

Metrics flatten_metrics(const nlohmann::json& summary);

// A metric by name, or "A / B" (the ratio of two; empty when B is 0). Empty when absent.
std::optional<double> metric_value(const Metrics& metrics, const std::string& expr);

// Is `expr` a metric name or a ratio "A / B" of names? (Syntax only.)
bool valid_metric_expr(const std::string& expr);

}  // namespace orrery::plan
