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

std::vector<CalibrationFigure> calibration_figures(const CalibrationData& cal) {
  struct Figure {
    const char* key;
    const char* sub;  // nullptr: `key` is the number
    const char* label;
    Unit unit;
  };
  static constexpr Figure kFigures[] = {
      {"start_abs_error_s", "median", "Start error, median |s|", Unit::kSeconds},
      {"start_abs_error_s", "p95", "Start error, p95 |s|", Unit::kSeconds},
      {"start_abs_error_s", "mean", "Start error, mean |s|", Unit::kSeconds},
      {"wait_abs_error_s", "median", "Wait error, median |s|", Unit::kSeconds},
      {"jct_abs_error_s", "median", "JCT error, median |s|", Unit::kSeconds},
      {"jct_abs_error_s", "p95", "JCT error, p95 |s|", Unit::kSeconds},
      {"start_median_error_over_makespan", nullptr, "Median start error / makespan",
       Unit::kFraction},
      {"kendall_tau_start_order", nullptr, "Kendall's tau, start order", Unit::kIndex},
      {"makespan_rel_error", nullptr, "Makespan error", Unit::kFraction},
      {"utilization_mae_gpus", nullptr, "Utilization error (mean |GPUs|)", Unit::kNumber},
      {"objective", nullptr, "Objective (fitting minimises)", Unit::kNumber},
  };
  auto value = [&](const char* side, const Figure& f) {
    const nlohmann::json& c = cal.calibration;
    if (!c.is_object() || !c.contains(side) || !c[side].is_object() || !c[side].contains(f.key))
      return kMissing;
    const nlohmann::json* p = &c[side][f.key];
    if (f.sub) p = p->is_object() && p->contains(f.sub) ? &(*p)[f.sub] : nullptr;
    return p && p->is_number() ? p->get<double>() : kMissing;
  };
  std::vector<CalibrationFigure> out;
  for (const Figure& f : kFigures) {
    CalibrationFigure fig;
    fig.key = f.sub ? std::string(f.key) + "." + f.sub : std::string(f.key);
    fig.label = f.label;
    fig.unit = f.unit;
    fig.before = value("errors_before", f);
    fig.after = value("errors_after", f);
    if (present(fig.before) || present(fig.after)) out.push_back(std::move(fig));
  }
  return out;
}

}  // namespace orrery::reports
