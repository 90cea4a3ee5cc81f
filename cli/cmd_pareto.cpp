// orrery pareto RESULTS.sqlite --cost METRIC --time METRIC [--format table|csv|json]
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "command.hpp"
#include "orrery/plan/metrics.hpp"
#include "orrery/plan/pareto.hpp"
#include "orrery/plan/results_db.hpp"
#include "orrery/plan/sweep_spec.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::cli {

namespace {

struct ParetoArgs {
  std::string db, cost, time, format = "table";
  std::vector<std::string> where;
  bool all = false;
};

std::string num(double v) {
  return fmt::format("{:.6g}", v);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A run's values: its metrics, and its numeric parameters under their axis names (so a
// parameter such as a node count can be an objective too).
plan::Metrics values_of(const plan::StoredRun& r) {
  plan::Metrics m = r.metrics;
  for (const auto& [k, v] : r.params.items()) {
    if (v.is_number() && !m.count(k)) m[k] = v.get<double>();
  }
  return m;
}

int pareto(const ParetoArgs& a) {
  sim::Problems problems;
  for (const auto& [flag, expr] : {std::pair{"--cost", a.cost}, std::pair{"--time", a.time}}) {
    if (!plan::valid_metric_expr(expr))
      problems.add(flag, "must be a metric name (cost_total, jct_s.p95) or a ratio A / B");
  }
  if (a.format != "table" && a.format != "csv" && a.format != "json")
    problems.add("--format", "must be table, csv or json, got \"" + a.format + "\"");
  std::vector<std::pair<std::string, std::string>> filters;
  for (const auto& w : a.where) {
    const auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      problems.add("--where", "must be NAME=VALUE (a parameter), got \"" + w + "\"");
    else
      filters.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  problems.throw_if_any();
  plan::ResultsDb db(a.db, plan::ResultsDb::Mode::kReadOnly);
  const auto meta = db.meta();
  if (!meta) throw sim::InputError(a.db, "holds no sweep");
  std::vector<plan::StoredRun> runs = db.runs();
  // Filters on parameters.
  std::erase_if(runs, [&](const plan::StoredRun& r) {
    for (const auto& [name, value] : filters) {
      if (!r.params.contains(name)) return true;
      if (plan::value_text(r.params.at(name)) != value) return true;
    }
    return false;
  });
  std::vector<plan::Point2> points;
  std::vector<std::size_t> which;
  std::size_t missing = 0;
  std::set<std::string> names;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const plan::Metrics m = values_of(runs[i]);
    for (const auto& [k, v] : m) names.insert(k);
    const auto x = plan::metric_value(m, a.cost), y = plan::metric_value(m, a.time);
    if (!x || !y) {
      ++missing;
      continue;
    }
    points.push_back({*x, *y});
    which.push_back(i);
  }
  if (points.empty() && !runs.empty()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw sim::InputError(a.db, "no run has both \"" + a.cost + "\" and \"" + a.time +
                                    "\" (metrics and numeric parameters: " + list + ")");
  }
  const std::vector<std::size_t> front = plan::pareto_front(points);
  std::set<std::size_t> on_front(front.begin(), front.end());
  std::vector<std::size_t> shown;  // indices into points
  if (a.all) {
    for (std::size_t i = 0; i < points.size(); ++i) shown.push_back(i);
    std::sort(shown.begin(), shown.end(), [&](std::size_t p, std::size_t q) {
      if (points[p].x != points[q].x) return points[p].x < points[q].x;
      return points[p].y < points[q].y;
    });
  } else {
    shown = front;
  }
  const std::vector<std::string>& axes = meta->axes;
  if (a.format == "json") {
    nlohmann::json out = {{"database", a.db},
                          {"sweep", meta->name},
                          {"cost", a.cost},
                          {"time", a.time},
                          {"runs", runs.size()},
                          {"runs_without_metrics", missing},
                          {"front", nlohmann::json::array()}};
    if (a.all) out["all"] = nlohmann::json::array();
    for (std::size_t p : shown) {
      const plan::StoredRun& r = runs[which[p]];
      nlohmann::json row = {{"run_index", r.index},
                            {"run_key", r.key},
                            {"params", r.params},
                            {"policy", r.policy},
                            {a.cost, points[p].x},
                            {a.time, points[p].y},
                            {"pareto", on_front.count(p) > 0}};
      out[a.all ? "all" : "front"].push_back(row);
    }
    if (a.all) {
      for (std::size_t p : front) out["front"].push_back(runs[which[p]].index);
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (a.format == "csv") {
    std::string csv = "run_index,run_key";
    for (const auto& ax : axes) csv += "," + csv_field(ax);
    csv += "," + csv_field(a.cost) + "," + csv_field(a.time) + (a.all ? ",pareto" : "") + "\n";
    for (std::size_t p : shown) {
      const plan::StoredRun& r = runs[which[p]];
      csv += std::to_string(r.index) + "," + r.key;
      for (const auto& ax : axes)
        csv += "," + csv_field(r.params.contains(ax) ? plan::value_text(r.params.at(ax)) : "");
      csv += "," + num(points[p].x) + "," + num(points[p].y);
      if (a.all) csv += on_front.count(p) ? ",1" : ",0";
      csv += "\n";
    }
    std::cout << csv;
    return 0;
  }
  // Table: widths from the content.
  std::vector<std::string> header = {"run"};
  for (const auto& ax : axes) header.push_back(ax);
  header.push_back(a.cost);
  header.push_back(a.time);
  if (a.all) header.push_back("pareto");
  std::vector<std::vector<std::string>> rows;
  for (std::size_t p : shown) {
    const plan::StoredRun& r = runs[which[p]];
    std::vector<std::string> row = {std::to_string(r.index)};
    for (const auto& ax : axes)
      row.push_back(r.params.contains(ax) ? plan::value_text(r.params.at(ax)) : "");
    row.push_back(num(points[p].x));
    row.push_back(num(points[p].y));
    if (a.all) row.push_back(on_front.count(p) ? "*" : "");
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool right = c == 0 || c + (a.all ? 3 : 2) >= row.size();
      s += (c ? "  " : "") + (right ? fmt::format("{:>{}}", row[c], width[c])
                                    : fmt::format("{:<{}}", row[c], width[c]));
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::cout << fmt::format("Pareto front of sweep \"{}\": minimising {} and {}\n", meta->name,
                           a.cost, a.time);
  std::cout << fmt::format(
      "{} of {} runs are on the front{}\n\n", front.size(), runs.size(),
      missing ? fmt::format(" ({} runs lack a metric and are left out)", missing) : std::string());
  std::cout << line(header);
  for (const auto& row : rows) std::cout << line(row);
  return 0;
}

}  // namespace

Command add_pareto(CLI::App& app) {
  auto args = std::make_shared<ParetoArgs>();
  auto& a = *args;
  CLI::App* c = app.add_subcommand("pareto", "The non-dominated runs of a sweep on two metrics");
  c->description(
      "Read a sweep's results database and list the runs no other run beats on both metrics\n"
      "(both minimised): e.g. --cost cost_total --time jct_s.p95. A metric is any numeric member\n"
      "of summary.json (nested ones with dots), a numeric sweep parameter, or a ratio 'A / B'.");
  c->add_option("results", a.db, "Results database from 'orrery sweep'")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--cost", a.cost, "First metric to minimise (x)")->required();
  c->add_option("--time", a.time, "Second metric to minimise (y)")->required();
  c->add_option("--format", a.format, "table, csv or json")->capture_default_str();
  c->add_option("--where", a.where, "Only runs whose parameter NAME has VALUE (NAME=VALUE)");
  c->add_flag("--all", a.all, "List every run, marking the front");
  return {c, [args]() { return pareto(*args); }};
}

}  // namespace orrery::cli
