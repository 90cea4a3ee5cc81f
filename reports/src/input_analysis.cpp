// The numbers of sweep and calibration inputs (analysis.hpp).
#include <algorithm>

#include "orrery/plan/pareto.hpp"
#include "orrery/reports/analysis.hpp"

namespace orrery::reports {

SweepTradeoff sweep_tradeoff(const SweepData& sweep) {
  SweepTradeoff t;
  auto any_has = [&](const char* m) {
    return std::any_of(sweep.runs.begin(), sweep.runs.end(),
                       [&](const SweepRun& r) { return r.metric(m).has_value(); });
  };
  for (const char* m : {"cost_total", "gpu_hours_allocated"}) {
    if (any_has(m)) {
      t.cost_metric = m;
      break;
    }
  }
  for (const char* m : {"jct_s.p95", "makespan_s"}) {
    if (any_has(m)) {
      t.time_metric = m;
      break;
    }
  }
  if (t.cost_metric.empty() || t.time_metric.empty()) return t;
  std::vector<plan::Point2> points;
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) {
    const auto c = sweep.runs[i].metric(t.cost_metric);
    const auto y = sweep.runs[i].metric(t.time_metric);
    if (!c || !y) continue;
    t.plotted.push_back(i);
    points.push_back({*c, *y});
  }
  for (std::size_t k : plan::pareto_front(points)) t.front.push_back(t.plotted[k]);
  return t;
}

std::string param_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("name") && v["name"].is_string()) {
    std::string s = v["name"].get<std::string>();
    if (v.contains("params") && v["params"].is_object() && !v["params"].empty())
      s += " " + v["params"].dump();
    return s;
  }
  return v.dump();
}

std::string params_text(const SweepRun& run, const std::vector<std::string>& axes) {
  std::string s;
  for (const std::string& a : axes) {
    if (!run.params.contains(a)) continue;
    if (!s.empty()) s += ", ";
    s += a + "=" + param_text(run.params[a]);
  }
  return s;
}

std::vector<double> start_errors(const CalibrationData& cal, bool after) {
  std::vector<double> out;
  for (const CalibrationJob& j : cal.jobs) {
    const double sim = after ? j.start_after_s : j.start_before_s;
    if (present(sim) && present(j.observed_start_s)) out.push_back(sim - j.observed_start_s);
  }
  return out;
}

}  // namespace orrery::reports
