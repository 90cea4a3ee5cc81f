#include "orrery/plan/metrics.hpp"

#include <cmath>

namespace orrery::plan {

using nlohmann::json;

namespace {

void flatten(const json& j, const std::string& prefix, Metrics& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      flatten(j[i], prefix + "[" + std::to_string(i) + "]", out);
  } else if (j.is_number()) {
    const double v = j.get<double>();
    if (std::isfinite(v) && !prefix.empty()) out[prefix] = v;
  }
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool valid_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '/') return false;
  }
  return true;
}

}  // namespace

Metrics flatten_metrics(const json& summary) {
  Metrics m;
  flatten(summary, "", m);
  return m;
}

bool valid_metric_expr(const std::string& expr) {
  const auto slash = expr.find('/');
  if (slash == std::string::npos) return valid_name(trim(expr));
  return valid_name(trim(expr.substr(0, slash))) && valid_name(trim(expr.substr(slash + 1)));
}

std::optional<double> metric_value(const Metrics& metrics, const std::string& expr) {
  const auto slash = expr.find('/');
  if (slash == std::string::npos) {
    const auto it = metrics.find(trim(expr));
    if (it == metrics.end()) return std::nullopt;
    return it->second;
  }
  const auto a = metrics.find(trim(expr.substr(0, slash)));
  const auto b = metrics.find(trim(expr.substr(slash + 1)));
  if (a == metrics.end() || b == metrics.end() || b->second == 0) return std::nullopt;
  return a->second / b->second;
}

}  // namespace orrery::plan
