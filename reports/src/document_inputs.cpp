// The document's sections for the GPU allocation of runs, and for the input kinds beyond
// simulate folders: sweep databases, plan results, calibration results (docs/reports.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "document_parts.hpp"

namespace orrery::reports {

namespace {

RichText sentence(std::initializer_list<TextPart> parts) {
  return RichText(parts);
}
TextPart txt(std::string s) {
  return {TextPart::Kind::kText, std::move(s), -1};
}
TextPart name(std::string s) {
  return {TextPart::Kind::kName, std::move(s), -1};
}
TextPart number(std::string s) {
  return {TextPart::Kind::kNumber, std::move(s), -1};
}

Cell metric_cell(const std::optional<double>& v, const std::string& key) {
  return value_cell(v.value_or(kMissing), guess_metric(key).unit);
}

// "sweep", "sweep-2", ...: section and table ids unique when a report has several such inputs.
std::string suffix(std::size_t input) {
  return input == 0 ? std::string() : "-" + std::to_string(input + 1);
}

std::string metric_label(const std::string& key) {
  if (key == "cost_total") return "Total cost";
  if (key == "gpu_hours_allocated") return "GPU-hours allocated";
  if (key == "jct_s.p95") return "p95 JCT";
  if (key == "jct_s.mean") return "Mean JCT";
  if (key == "makespan_s") return "Makespan";
  if (key == "wait_s.p95") return "p95 wait";
  if (key == "gpu_utilization") return "GPU utilization";
  return key;
}

}  // namespace

Section allocation_section(const std::vector<RunData>& runs) {
  Section sec{"allocation", "GPU allocation", {}};
  std::vector<std::size_t> with;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (has_allocation_data(runs[i])) with.push_back(i);
  }
  if (with.empty()) return sec;
  sec.blocks.emplace_back(Paragraph{
      {txt("From jobs.csv: each job holds its GPUs on the nodes of its last placement "
           "(node_ids), shared equally among them, from its first start to its end. A preempted "
           "job is counted on its last nodes for its whole span, so around preemptions the "
           "picture is approximate.")}});
  Table t;
  t.id = "fragmentation";
  t.title = "Fragmentation by policy";
  t.caption =
      "Fragmentation: the share of free GPUs that sit on partly allocated nodes, averaged over "
      "time; lower leaves more whole nodes free for large jobs.";
  t.columns = {{"policy", "Policy", false}, {"mean_fragmentation", "Mean fragmentation", true}};
  std::vector<double> v;
  for (std::size_t i : with) {
    const double m = mean_fragmentation(fragmentation_series(runs[i]));
    v.push_back(m);
    t.rows.push_back({name_cell(runs[i], i), value_cell(m, Unit::kFraction)});
  }
  for (std::size_t k : best_indices(v, Better::kLower)) t.rows[k][1].best = true;
  sec.blocks.emplace_back(std::move(t));
  sec.blocks.emplace_back(ChartSlot{
      "fragmentation", ChartKind::kFragmentation, "Fragmentation over time",
      "Share of the free GPUs that are on nodes also running a job (free, but not as whole "
      "nodes), time-averaged over 150 equal slices of the run.",
      0});
  for (std::size_t i : with) {
    sec.blocks.emplace_back(ChartSlot{
        "allocation-" + std::to_string(i), ChartKind::kAllocationHeatmap,
        "GPU allocation by node: " + runs[i].label,
        "Each row is a node (or a group of nodes), each column a slice of simulated time; the "
        "darker the cell, the larger the share of its GPUs allocated to jobs.",
        i});
  }
  return sec;
}

void add_sweep_section(Document& doc, const SweepData& sw, std::size_t input) {
  const std::string sfx = suffix(input);
  Section sec{"sweep" + sfx, "Sweep: " + (sw.name.empty() ? std::string("results") : sw.name), {}};
  const SweepTradeoff tr = sweep_tradeoff(sw);

  Table about = key_value_table("sweep-about" + sfx, "The sweep");
  if (!sw.name.empty()) add_kv(about, "Name", sw.name);
  add_kv(about, "Runs finished", fmt::format("{} of {}", sw.runs.size(), sw.runs_total),
         double(sw.runs.size()));
  if (sw.failures)
    add_kv(about, "Runs that failed", std::to_string(sw.failures), double(sw.failures));
  std::string axes;
  for (const std::string& a : sw.axes) axes += (axes.empty() ? "" : ", ") + a;
  add_kv(about, "Axes", axes.empty() ? "none" : axes);
  if (!sw.shard.empty()) add_kv(about, "Shard", sw.shard);
  if (!sw.fingerprint.empty()) add_kv(about, "Spec fingerprint", sw.fingerprint);
  if (!sw.orrery_version.empty()) add_kv(about, "Orrery version (sweep)", sw.orrery_version);
  if (!sw.created_utc.empty()) add_kv(about, "Created", sw.created_utc);
  sec.blocks.emplace_back(std::move(about));

  std::vector<bool> on_front(sw.runs.size(), false);
  for (std::size_t i : tr.front) on_front[i] = true;

  // Every run: its parameters and the headline metrics.
  std::vector<std::string> shown_metrics;
  for (const std::string& m :
       {tr.cost_metric, tr.time_metric, std::string("makespan_s"), std::string("jct_s.mean"),
        std::string("wait_s.p95"), std::string("gpu_utilization")}) {
    if (m.empty() ||
        std::find(shown_metrics.begin(), shown_metrics.end(), m) != shown_metrics.end())
      continue;
    if (std::any_of(sw.runs.begin(), sw.runs.end(),
                    [&](const SweepRun& r) { return r.metric(m).has_value(); }))
      shown_metrics.push_back(m);
  }
  Table runs;
  runs.id = "sweep-runs" + sfx;
  runs.title = "Runs";
  runs.columns.push_back({"run_index", "Run", true});
  for (const std::string& a : sw.axes) runs.columns.push_back({"param." + a, a, false});
  for (const std::string& m : shown_metrics) runs.columns.push_back({m, metric_label(m), true});
  if (!tr.front.empty()) runs.columns.push_back({"pareto_front", "Pareto front", false});
  for (std::size_t i = 0; i < sw.runs.size(); ++i) {
    const SweepRun& r = sw.runs[i];
    std::vector<Cell> row{value_cell(double(r.index), Unit::kCount)};
    for (const std::string& a : sw.axes)
      row.push_back(text_cell(r.params.contains(a) ? param_text(r.params[a]) : ""));
    for (const std::string& m : shown_metrics) row.push_back(metric_cell(r.metric(m), m));
    if (!tr.front.empty()) {
      Cell c = text_cell(on_front[i] ? "yes" : "");
      c.best = on_front[i];
      row.push_back(c);
    }
    runs.rows.push_back(std::move(row));
  }
  constexpr std::size_t kMaxShownRuns = 60;
  if (sw.runs.size() > kMaxShownRuns) {
    runs.export_only = true;
    sec.blocks.emplace_back(Paragraph{{txt(fmt::format(
        "{} runs: {}.csv beside this report has every one; the Pareto front and the best run "
        "of each objective follow.",
        sw.runs.size(), runs.id))}});
  } else {
    runs.caption = tr.front.empty()
                       ? ""
                       : "Runs on the Pareto front of " + metric_label(tr.cost_metric) +
                             " against " + metric_label(tr.time_metric) + " are marked.";
  }
  sec.blocks.emplace_back(std::move(runs));

  if (!tr.front.empty()) {
    sec.blocks.emplace_back(ChartSlot{
        "sweep-pareto" + sfx, ChartKind::kSweepPareto,
        metric_label(tr.cost_metric) + " against " + metric_label(tr.time_metric),
        fmt::format("One point per run (colour: its policy). The dashed line joins the Pareto "
                    "front: the {} runs no other run beats on both {} and {} (lower is better "
                    "on both).",
                    tr.front.size(), tr.cost_metric, tr.time_metric),
        input});
    Table f;
    f.id = "sweep-front" + sfx;
    f.title = "Pareto front";
    f.caption = "By " + metric_label(tr.cost_metric) + ", cheapest first.";
    f.columns = {{"run_index", "Run", true},
                 {"params", "Parameters", false},
                 {tr.cost_metric, metric_label(tr.cost_metric), true},
                 {tr.time_metric, metric_label(tr.time_metric), true}};
    for (std::size_t i : tr.front) {
      const SweepRun& r = sw.runs[i];
      f.rows.push_back({value_cell(double(r.index), Unit::kCount),
                        text_cell(params_text(r, sw.axes)),
                        metric_cell(r.metric(tr.cost_metric), tr.cost_metric),
                        metric_cell(r.metric(tr.time_metric), tr.time_metric)});
    }
    sec.blocks.emplace_back(std::move(f));
  }

  // The best run of each objective the sweep records.
  Table best;
  best.id = "sweep-best" + sfx;
  best.title = "Best run per objective";
  best.caption = "Ties: the lowest run index.";
  best.columns = {{"objective", "Objective", false},
                  {"metric", "Metric", false},
                  {"run_index", "Run", true},
                  {"params", "Parameters", false},
                  {"value", "Value", true}};
  struct Objective {
    const char* metric;
    bool lower;
  };
  for (const Objective o :
       {Objective{"cost_total", true}, Objective{"makespan_s", true}, Objective{"jct_s.mean", true},
        Objective{"jct_s.p95", true}, Objective{"wait_s.p95", true},
        Objective{"gpu_utilization", false}, Objective{"gpu_hours_allocated", true}}) {
    const SweepRun* b = nullptr;
    for (const SweepRun& r : sw.runs) {
      const auto v = r.metric(o.metric);
      if (!v) continue;
      const double bv = b ? *b->metric(o.metric) : 0;
      if (!b || (o.lower ? *v < bv : *v > bv)) b = &r;
    }
    if (!b) continue;
    std::string label = metric_label(o.metric);
    if (label.rfind("GPU", 0) != 0) label[0] = static_cast<char>(std::tolower(label[0]));
    best.rows.push_back({text_cell(std::string(o.lower ? "Lowest " : "Highest ") + label),
                         text_cell(o.metric), value_cell(double(b->index), Unit::kCount),
                         text_cell(params_text(*b, sw.axes)),
                         metric_cell(b->metric(o.metric), o.metric)});
  }
  if (!best.rows.empty()) sec.blocks.emplace_back(std::move(best));
  doc.sections.push_back(std::move(sec));

  // Findings.
  doc.findings.push_back(sentence(
      {txt("The sweep "), name(sw.name.empty() ? "(unnamed)" : sw.name), txt(" has "),
       number(fmt::format("{} of {}", sw.runs.size(), sw.runs_total)), txt(" runs finished"),
       txt(sw.failures ? fmt::format(" ({} failed)", sw.failures) : std::string()), txt(".")}));
  if (!tr.front.empty()) {
    const SweepRun& cheap = sw.runs[tr.front.front()];
    const SweepRun& fast = sw.runs[tr.front.back()];
    const Unit cu = guess_metric(tr.cost_metric).unit, tu = guess_metric(tr.time_metric).unit;
    doc.findings.push_back(sentence({number(std::to_string(tr.front.size())),
                                     txt(" of "),
                                     number(std::to_string(tr.plotted.size())),
                                     txt(" runs are on the Pareto front of " + tr.cost_metric +
                                         " against " + tr.time_metric + "; the cheapest, run "),
                                     number(std::to_string(cheap.index)),
                                     txt(" ("),
                                     name(params_text(cheap, sw.axes)),
                                     txt("), costs "),
                                     number(format_value(*cheap.metric(tr.cost_metric), cu)),
                                     txt(" with " + metric_label(tr.time_metric) + " "),
                                     number(format_value(*cheap.metric(tr.time_metric), tu)),
                                     txt("; the fastest, run "),
                                     number(std::to_string(fast.index)),
                                     txt(" ("),
                                     name(params_text(fast, sw.axes)),
                                     txt("), reaches "),
                                     number(format_value(*fast.metric(tr.time_metric), tu)),
                                     txt(" for "),
                                     number(format_value(*fast.metric(tr.cost_metric), cu)),
                                     txt(".")}));
  }
}

void add_plan_section(Document& doc, const PlanData& p) {
  const json& j = p.result;
  const std::string plan_name = jstr(j, {"plan"});
  Section sec{"plan", "Capacity plan" + (plan_name.empty() ? "" : ": " + plan_name), {}};
  const json& answer = j["answer"];
  auto num = [](const json& o, const char* k) {
    return o.is_object() && o.contains(k) && o[k].is_number() ? o[k].get<double>() : kMissing;
  };
  auto nodes_text = [](const json& e) {
    std::string s;
    for (const json& pool : e["pools"]) {
      if (!s.empty()) s += ", ";
      s += fmt::format("{}: {}", jstr(pool, {"name"}), jstr(pool, {"nodes"}));
    }
    return s;
  };

  Table target;
  target.id = "plan-target";
  target.title = "Target";
  target.columns = {{"constraint", "Constraint", false}};
  const bool with_margins = answer.is_object() && answer.contains("margins");
  if (with_margins) {
    target.columns.push_back({"answer_value", "The answer's value", true});
    target.columns.push_back({"margin", "Margin", true});
    target.columns.push_back({"relative_margin", "Relative margin", true});
    target.caption = "Margin: how far the answer is inside the bound (positive: met).";
    for (const json& m : answer["margins"]) {
      target.rows.push_back({text_cell(jstr(m, {"constraint"})),
                             value_cell(num(m, "value"), Unit::kNumber),
                             value_cell(num(m, "margin"), Unit::kNumber),
                             value_cell(num(m, "relative"), Unit::kFraction)});
    }
  } else {
    for (const json& c : j["target"]) {
      std::string s = jstr(c, {"metric"});
      for (const char* op : {"<=", ">="}) {
        if (c.is_object() && c.contains(op)) s += std::string(" ") + op + " " + c[op].dump();
      }
      target.rows.push_back({text_cell(s)});
    }
  }
  sec.blocks.emplace_back(std::move(target));

  Table a = key_value_table("plan-answer", "The chosen cluster");
  const double sims = num(j, "simulations"), grid = num(j, "grid_points");
  if (answer.is_object()) {
    add_kv(a, "Variant", jstr(answer, {"variant"}));
    add_kv(a, "Policy", param_text(answer.value("policy", json())));
    add_kv(a, "Placement", jstr(answer, {"placement"}));
    for (const json& pool : answer["pools"]) {
      add_kv(a, "Pool " + jstr(pool, {"name"}),
             fmt::format("{} nodes, {} GPUs at {}/GPU-hour{}", jstr(pool, {"nodes"}),
                         jstr(pool, {"gpus"}), format_value(num(pool, "gpu_hour"), Unit::kUsd),
                         jstr(pool, {"price"}).empty() ? std::string()
                                                       : " (" + jstr(pool, {"price"}) + ")"),
             num(pool, "nodes"));
    }
    add_kv(a, "GPUs", format_count(num(answer, "gpus")), num(answer, "gpus"));
    add_kv(a, "Price per hour", format_value(num(answer, "hourly_rate"), Unit::kUsd),
           num(answer, "hourly_rate"));
    add_kv(
        a, "Cost",
        format_value(num(answer, "cost"), Unit::kUsd) + " (" + jstr(answer, {"cost_source"}) + ")",
        num(answer, "cost"));
    if (answer.contains("metrics")) {
      for (const auto& [k, v] : answer["metrics"].items()) {
        if (v.is_number())
          add_kv(a, k, format_value(v.get<double>(), guess_metric(k).unit), v.get<double>());
      }
    }
  } else {
    add_kv(a, "Answer", "none: no configuration in the ranges meets the target");
  }
  add_kv(
      a, "Simulations",
      fmt::format("{} for {} configurations", jstr(j, {"simulations"}), jstr(j, {"grid_points"})),
      sims);
  add_kv(a, "Cost source", jstr(j, {"cost_source"}));
  sec.blocks.emplace_back(std::move(a));

  // Every configuration looked at, and why it was accepted or rejected.
  Table c;
  c.id = "plan-candidates";
  c.title = "Candidates evaluated";
  c.caption =
      "Every configuration the search looked at, in order. Known by dominance: not simulated, "
      "because a configuration with at least as many nodes in every pool failed (or one with at "
      "most as many passed).";
  c.columns = {{"variant", "Variant", false}, {"nodes", "Nodes", false},
               {"gpus", "GPUs", true},        {"hourly_rate", "Per hour", true},
               {"cost", "Cost", true},        {"meets_target", "Meets target", false},
               {"why", "Why", false}};
  const double answer_cost = num(answer, "cost");
  const std::string answer_key =
      answer.is_object() ? jstr(answer, {"variant"}) + "|" + nodes_text(answer) : "";
  std::size_t simulated = 0, passing = 0;
  for (const json& e : j["evaluations"]) {
    const bool meets = e.value("meets_target", false);
    const bool sim = e.value("simulated", false);
    simulated += sim ? 1 : 0;
    passing += meets ? 1 : 0;
    std::string why;
    const double cost = num(e, "cost");
    const bool is_answer = jstr(e, {"variant"}) + "|" + nodes_text(e) == answer_key;
    if (is_answer) {
      why = "the answer: the cheapest configuration that meets the target";
    } else if (meets && !sim) {
      why = "meets the target by dominance (not simulated)";
    } else if (meets) {
      why = present(answer_cost) && present(cost)
                ? "meets the target but costs " + format_value(cost - answer_cost, Unit::kUsd) +
                      " more than the answer"
                : "meets the target";
    } else if (!sim) {
      bool empty = true;
      for (const json& pool : e["pools"]) empty = empty && num(pool, "nodes") == 0;
      why = empty ? "no nodes" : "fails by dominance (not simulated)";
    } else {
      std::string v;
      if (e.contains("violated")) {
        for (const json& x : e["violated"]) v += (v.empty() ? "" : "; ") + param_text(x);
      }
      why = v.empty() ? "fails the target" : "fails " + v;
    }
    Cell meets_cell = text_cell(meets ? "yes" : "no");
    meets_cell.best = is_answer;
    c.rows.push_back({text_cell(jstr(e, {"variant"})), text_cell(nodes_text(e)),
                      value_cell(num(e, "gpus"), Unit::kCount),
                      value_cell(num(e, "hourly_rate"), Unit::kUsd), value_cell(cost, Unit::kUsd),
                      meets_cell, text_cell(why)});
  }
  sec.blocks.emplace_back(std::move(c));

  if (j.contains("variants") && j["variants"].is_array() && !j["variants"].empty()) {
    Table v;
    v.id = "plan-variants";
    v.title = "Variants searched";
    v.columns = {{"variant", "Variant", false},
                 {"feasible_at_max", "Meets the target at the largest size", false},
                 {"best_nodes", "Cheapest passing configuration", false},
                 {"best_cost", "Its cost", true}};
    for (const json& x : j["variants"]) {
      const json best = x.value("best", json());
      v.rows.push_back({text_cell(jstr(x, {"variant"})),
                        text_cell(x.value("feasible_at_max", false) ? "yes" : "no"),
                        text_cell(best.is_object() ? nodes_text(best) : "none"),
                        value_cell(num(best, "cost"), Unit::kUsd)});
    }
    sec.blocks.emplace_back(std::move(v));
  }
  doc.sections.push_back(std::move(sec));

  if (answer.is_object()) {
    doc.findings.push_back(
        sentence({txt("The cheapest cluster that meets the target is "), name(nodes_text(answer)),
                  txt(" under "), name(jstr(answer, {"variant"})), txt(", costing "),
                  number(format_value(answer_cost, Unit::kUsd)), txt(" ("),
                  number(format_value(num(answer, "hourly_rate"), Unit::kUsd)), txt(" per hour)"),
                  txt(".")}));
  } else {
    doc.findings.push_back(
        sentence({txt("No configuration in the plan's ranges meets the target.")}));
  }
  doc.findings.push_back(sentence({txt("The search simulated "), number(format_count(sims)),
                                   txt(" of "), number(format_count(grid)),
                                   txt(" configurations; "), number(std::to_string(passing)),
                                   txt(" of the "), number(std::to_string(j["evaluations"].size())),
                                   txt(" it looked at meet the target.")}));
  (void)simulated;
}

void add_calibration_section(Document& doc, const CalibrationData& cal, std::size_t input) {
  const std::string sfx = suffix(input);
  const json& c = cal.calibration;
  Section sec{"calibration" + sfx, "Calibration: simulated against observed", {}};
  Table about = key_value_table("calibration-about" + sfx, "The calibration run");
  if (const std::string k = jstr(c, {"kind"}); !k.empty()) add_kv(about, "Cluster kind", k);
  add_kv(about, "Jobs compared", std::to_string(cal.jobs.size()), double(cal.jobs.size()));
  if (c.contains("policy")) add_kv(about, "Policy (after fit)", param_text(c["policy"]));
  if (const std::string cmd = jstr(c, {"command"}); !cmd.empty()) add_kv(about, "Command", cmd);
  sec.blocks.emplace_back(std::move(about));

  // The error figures before and after fitting, as calibration.json records them.
  const std::vector<CalibrationFigure> figures = calibration_figures(cal);
  Table e;
  e.id = "calibration-errors" + sfx;
  e.title = "Error figures";
  e.caption =
      "Before: the model the scheduler's configuration implies; after: the fitted model. "
      "docs/calibration.md defines each figure.";
  e.columns = {{"figure", "Figure", false},
               {"before", "Before fitting", true},
               {"after", "After fitting", true}};
  for (const CalibrationFigure& f : figures)
    e.rows.push_back(
        {text_cell(f.label), value_cell(f.before, f.unit), value_cell(f.after, f.unit)});
  sec.blocks.emplace_back(std::move(e));

  if (cal.errors.is_object() && cal.errors.contains("model_after")) {
    Table m;
    m.id = "calibration-model" + sfx;
    m.title = "Fitted parameters";
    m.columns = {{"parameter", "Parameter", false},
                 {"before", "Before fitting", false},
                 {"after", "After fitting", false}};
    const json& mb = cal.errors.value("model_before", json::object());
    const json& ma = cal.errors["model_after"];
    for (const auto& item : ma.items()) {
      // Plain variables, not structured bindings: clang before 16 cannot capture those.
      const std::string k = item.key();
      const json& v = item.value();
      const json b = mb.is_object() && mb.contains(k) ? mb[k] : json();
      auto cell = [&](const json& x) {
        if (x.is_number()) {
          Cell cc = text_cell(format_number(x.get<double>()) +
                              (k.size() > 2 && k.substr(k.size() - 2) == "_s" ? " s" : ""));
          cc.value = x.get<double>();
          return cc;
        }
        return text_cell(x.is_null() ? "" : param_text(x));
      };
      m.rows.push_back({text_cell(k), cell(b), cell(v)});
    }
    sec.blocks.emplace_back(std::move(m));
  }
  if (!cal.jobs.empty()) {
    sec.blocks.emplace_back(ChartSlot{
        "calibration-scatter" + sfx, ChartKind::kCalibrationScatter,
        "Simulated against observed start, per job",
        "One point per job: when it started on the live cluster (x) and in the simulator (y), "
        "before and after fitting. On the diagonal the simulator is exact.",
        input});
    sec.blocks.emplace_back(ChartSlot{
        "calibration-errors" + sfx, ChartKind::kCalibrationErrors, "Start error distribution",
        "Share of jobs (y) whose simulated start is within x seconds of the observed one, "
        "before and after fitting. Higher and further left is better.",
        input});
    Table jobs;
    jobs.id = "calibration-jobs" + sfx;
    jobs.title = "Per job";
    jobs.export_only = true;
    jobs.columns = {{"job_id", "Job", false},
                    {"observed_start_s", "Observed start", true},
                    {"simulated_start_before_s", "Simulated start before", true},
                    {"simulated_start_after_s", "Simulated start after", true},
                    {"observed_end_s", "Observed end", true},
                    {"simulated_end_after_s", "Simulated end after", true}};
    for (const CalibrationJob& j : cal.jobs) {
      jobs.rows.push_back(
          {text_cell(j.id), value_cell(j.observed_start_s, Unit::kNumber),
           value_cell(j.start_before_s, Unit::kNumber), value_cell(j.start_after_s, Unit::kNumber),
           value_cell(j.observed_end_s, Unit::kNumber), value_cell(j.end_after_s, Unit::kNumber)});
    }
    sec.blocks.emplace_back(std::move(jobs));
  }
  if (!cal.utilization.empty()) {
    sec.blocks.emplace_back(ChartSlot{
        "calibration-utilization" + sfx, ChartKind::kCalibrationUtilization,
        "Allocated GPUs, observed and simulated",
        "GPUs allocated over time on the live cluster and in the simulator before and after "
        "fitting (utilization.csv, one sample per second).",
        input});
  }
  doc.sections.push_back(std::move(sec));

  auto find = [&](const char* key) {
    for (const CalibrationFigure& f : figures) {
      if (f.key == key) return f;
    }
    return CalibrationFigure{};
  };
  const CalibrationFigure median = find("start_abs_error_s.median");
  const CalibrationFigure p95 = find("start_abs_error_s.p95");
  const double mb = median.before, ma = median.after, pb = p95.before, pa = p95.after;
  if (present(mb) && present(ma)) {
    doc.findings.push_back(sentence(
        {txt(ma <= mb ? "Fitting cut the median start error from "
                      : "Fitting raised the median start error from "),
         number(format_duration(mb)), txt(" to "), number(format_duration(ma)), txt(" (p95 from "),
         number(format_duration(pb)), txt(" to "), number(format_duration(pa)), txt(") over "),
         number(std::to_string(cal.jobs.size())), txt(" jobs.")}));
  }
  const double tau = find("kendall_tau_start_order").after;
  const double ms = find("makespan_rel_error").after;
  if (present(tau) && present(ms)) {
    doc.findings.push_back(sentence(
        {txt("After fitting, Kendall's tau between the observed and simulated start order is "),
         number(format_number(tau, 3)), txt(" and the makespan error "),
         number(format_value(ms, Unit::kFraction)), txt(".")}));
  }
}

}  // namespace orrery::reports
