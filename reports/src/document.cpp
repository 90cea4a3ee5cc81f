#include "orrery/reports/document.hpp"

#include "document_parts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "orrery/sim/problems.hpp"
#include "orrery/sim/version.hpp"
#include "orrery/traces/csv.hpp"

namespace orrery::reports {

using nlohmann::json;

namespace {

// Inputs recorded as "path sha256:hex".
std::pair<std::string, std::string> split_hash(const std::string& s) {
  const auto at = s.rfind(" sha256:");
  if (at == std::string::npos) return {s, ""};
  return {s.substr(0, at), s.substr(at + 8)};
}

Section scenario_section(const std::vector<RunData>& runs, const std::vector<LoadedInput>& inputs,
                         Document& doc) {
  Section sec{"scenario", "Scenario", {}};
  const RunData& r0 = runs.front();
  const json& m = r0.manifest;
  const RunData* with_jobs = nullptr;
  for (const RunData& r : runs) {
    if (r.has_jobs) {
      with_jobs = &r;
      break;
    }
  }

  Table s = key_value_table("scenario", "What was simulated");
  if (m.is_object()) {
    const std::string name = jstr(m, {"scenario", "name"});
    if (!name.empty()) add_kv(s, "Scenario", name);
    const std::string trace = jstr(m, {"scenario", "workload", "trace"});
    const std::string format = jstr(m, {"scenario", "workload", "format"});
    const std::string imported = jstr(m, {"import", "format"});
    if (!trace.empty()) {
      add_kv(s, "Workload trace",
             trace + " (" + (imported.empty() ? format : imported) + " format)");
    }
  }
  if (const auto jobs = r0.metric("jobs")) add_kv(s, "Jobs", format_count(*jobs), *jobs);
  if (m.is_object()) {
    const json* rows = jpath(m, {"import", "rows"});
    const json* dropped = jpath(m, {"import", "dropped"});
    const json* adjusted = jpath(m, {"import", "adjusted"});
    std::string imp;
    if (rows && rows->is_number()) imp = format_count(rows->get<double>()) + " rows read";
    for (const auto& [what, obj] :
         {std::pair{"dropped", dropped}, std::pair{"adjusted", adjusted}}) {
      if (!obj || !obj->is_object()) continue;
      for (const auto& [reason, n] : obj->items()) {
        imp += fmt::format("; {} {}: {}", n.dump(), what, reason);
      }
    }
    if (!imp.empty()) add_kv(s, "Trace import", imp);
  }
  if (with_jobs) {
    const Span sp = submit_span(*with_jobs);
    if (present(sp.first_submit_s)) {
      add_kv(s, "Submit span",
             format_duration(sp.last_submit_s - sp.first_submit_s) + " (first submit at " +
                 format_duration(sp.first_submit_s) + ", last at " +
                 format_duration(sp.last_submit_s) + ")",
             sp.last_submit_s - sp.first_submit_s);
    }
    const std::size_t users = tenant_count(*with_jobs, TenantKind::kUser);
    const std::size_t queues = tenant_count(*with_jobs, TenantKind::kQueue);
    if (users || queues) {
      add_kv(s, "Tenants", fmt::format("{} users, {} queues", users, queues));
    }
  }
  if (m.is_object()) {
    std::string gpus_total;
    const json* pools = jpath(m, {"scenario", "cluster", "pools"});
    if (pools && pools->is_array()) {
      double total = 0;
      for (const auto& p : *pools) {
        if (p.contains("gpus_per_node") && p.contains("nodes") && p["nodes"].is_number() &&
            p["gpus_per_node"].is_number())
          total += p["gpus_per_node"].get<double>() * p["nodes"].get<double>();
      }
      const std::string cname = jstr(m, {"scenario", "cluster", "name"});
      add_kv(s, "Cluster",
             (cname.empty() ? std::string() : cname + ": ") + format_count(total) + " GPUs in " +
                 std::to_string(pools->size()) + (pools->size() == 1 ? " pool" : " pools"),
             total);
    }
    const std::string placement = jstr(m, {"placement"});
    if (!placement.empty()) add_kv(s, "Placement", placement);
    const std::string model = jstr(m, {"runtime_model"});
    if (!model.empty()) add_kv(s, "Runtime model", model);
    const std::string seed = jstr(m, {"seed"});
    if (!seed.empty()) add_kv(s, "Seed", seed);
    const json* sample = jpath(m, {"scenario", "options", "sample_interval_s"});
    if (sample && sample->is_number())
      add_kv(s, "Sample interval", format_duration(sample->get<double>()), sample->get<double>());
    const std::string version = jstr(m, {"orrery_version"});
    if (!version.empty()) add_kv(s, "Orrery version (simulation)", version);
  }
  add_kv(s, "Orrery version (report)", std::string(sim::kVersion));
  std::string sources;
  for (const LoadedInput& in : inputs) {
    if (!sources.empty()) sources += ", ";
    sources += in.path + " (" + in.kind + ")";
  }
  add_kv(s, "Report input", sources);
  sec.blocks.emplace_back(std::move(s));

  // Runs from different scenarios (a different trace or cluster) are still reported, with a
  // warning: their comparison is not like for like.
  std::set<std::string> traces;
  for (const RunData& r : runs) {
    if (r.manifest.is_object()) traces.insert(jstr(r.manifest, {"inputs", "trace"}));
  }
  if (traces.size() > 1) {
    doc.notes.push_back(fmt::format(
        "The runs come from {} different traces; this section describes the first run's "
        "scenario and the comparison is not like for like.",
        traces.size()));
  }

  if (with_jobs) {
    Table d;
    d.id = "workload-demand";
    d.title = "GPU demand mix";
    d.caption = "Jobs by the number of GPUs they request (all tasks together).";
    d.columns = {{"gpus", "GPUs per job", false},
                 {"jobs", "Jobs", true},
                 {"job_share", "Share of jobs", true},
                 {"gpu_share", "Share of GPUs requested", true}};
    const auto mix = demand_mix(*with_jobs);
    const double n = static_cast<double>(with_jobs->jobs.size());
    for (const DemandBucket& b : mix) {
      d.rows.push_back({text_cell(b.label), value_cell(static_cast<double>(b.jobs), Unit::kCount),
                        value_cell(n > 0 ? static_cast<double>(b.jobs) / n : 0, Unit::kFraction),
                        value_cell(b.gpu_share, Unit::kFraction)});
    }
    if (!d.rows.empty()) sec.blocks.emplace_back(std::move(d));
  }

  const json* pools = m.is_object() ? jpath(m, {"scenario", "cluster", "pools"}) : nullptr;
  if (pools && pools->is_array() && !pools->empty()) {
    Table c;
    c.id = "cluster";
    c.title = "Cluster";
    c.columns = {{"pool", "Pool", false},
                 {"gpu_type", "GPU type", false},
                 {"nodes", "Nodes", true},
                 {"gpus_per_node", "GPUs per node", true},
                 {"gpus", "GPUs", true},
                 {"cpu_cores", "CPU cores per node", true},
                 {"memory_gib", "Memory per node (GiB)", true}};
    double total_nodes = 0, total_gpus = 0;
    for (const auto& p : *pools) {
      auto num = [&](const char* k) {
        return p.contains(k) && p[k].is_number() ? p[k].get<double>() : kMissing;
      };
      const double nodes = num("nodes"), per = num("gpus_per_node");
      const double gpus = present(nodes) && present(per) ? nodes * per : kMissing;
      if (present(nodes)) total_nodes += nodes;
      if (present(gpus)) total_gpus += gpus;
      c.rows.push_back({text_cell(jstr(p, {"name"})), text_cell(jstr(p, {"gpu_type"})),
                        value_cell(nodes, Unit::kCount), value_cell(per, Unit::kCount),
                        value_cell(gpus, Unit::kCount), value_cell(num("cpu_cores"), Unit::kCount),
                        value_cell(num("memory_gib"), Unit::kNumber)});
    }
    if (pools->size() > 1) {
      c.rows.push_back({text_cell("Total"), text_cell(""), value_cell(total_nodes, Unit::kCount),
                        text_cell(""), value_cell(total_gpus, Unit::kCount), text_cell(""),
                        text_cell("")});
    }
    sec.blocks.emplace_back(std::move(c));
  }

  Table p;
  p.id = "policies";
  p.title = "Policies compared";
  p.columns = {{"run", "Run", false},
               {"policy", "Policy", false},
               {"parameters", "Parameters", false},
               {"source", "Results folder", false}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunData& r = runs[i];
    const std::string params =
        r.params.is_object() && !r.params.empty() ? r.params.dump() : "defaults";
    p.rows.push_back(
        {name_cell(r, i), text_cell(r.policy), text_cell(params), text_cell(r.source)});
  }
  sec.blocks.emplace_back(std::move(p));

  const json* ins = m.is_object() ? jpath(m, {"inputs"}) : nullptr;
  if (ins && ins->is_object() && !ins->empty()) {
    Table t;
    t.id = "inputs";
    t.title = "Input files";
    t.caption = "SHA-256 of each input as recorded by the simulation (manifest.json).";
    t.columns = {{"input", "Input", false}, {"file", "File", false}, {"sha256", "SHA-256", false}};
    for (const auto& [what, v] : ins->items()) {
      const auto [file, hash] = split_hash(v.is_string() ? v.get<std::string>() : v.dump());
      t.rows.push_back({text_cell(what), text_cell(file), text_cell(hash)});
    }
    sec.blocks.emplace_back(std::move(t));
  }
  return sec;
}

Section results_section(const std::vector<RunData>& runs) {
  Section sec{"results", "Results by policy", {}};
  const std::vector<MetricDef> metrics = discover_metrics(runs);
  Table all;
  all.id = "metrics";
  all.title = "All metrics";
  all.export_only = true;
  all.columns.push_back({"policy", "Policy", false});
  for (const MetricDef& m : metrics) all.columns.push_back({m.key, m.group + ": " + m.label, true});
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<Cell> row{name_cell(runs[i], i)};
    for (const MetricDef& m : metrics)
      row.push_back(value_cell(runs[i].metric(m.key).value_or(kMissing), m.unit));
    all.rows.push_back(row);
  }
  bool any_best = false;
  for (const std::string& group : metric_groups(metrics)) {
    Table t;
    t.id = "metrics-" + slug(group);
    t.title = group;
    t.columns.push_back({"policy", "Policy", false});
    std::vector<const MetricDef*> defs;
    for (const MetricDef& m : metrics) {
      if (m.group != group) continue;
      defs.push_back(&m);
      t.columns.push_back({m.key, m.label, true});
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
      std::vector<Cell> row{name_cell(runs[i], i)};
      for (const MetricDef* m : defs)
        row.push_back(value_cell(runs[i].metric(m->key).value_or(kMissing), m->unit));
      t.rows.push_back(row);
    }
    for (std::size_t c = 0; c < defs.size(); ++c) {
      std::vector<double> v;
      for (const auto& row : t.rows) v.push_back(row[c + 1].value);
      for (std::size_t i : best_indices(v, defs[c]->better)) {
        t.rows[i][c + 1].best = true;
        any_best = true;
      }
    }
    sec.blocks.emplace_back(std::move(t));
  }
  if (any_best) {
    sec.blocks.insert(sec.blocks.begin(),
                      Paragraph{{{TextPart::Kind::kText,
                                  "The best value in each column is highlighted (lowest for times, "
                                  "failures and preemptions; highest for utilization and "
                                  "completed jobs). Columns where every policy is equal, or "
                                  "where neither direction is better, are not marked."}}});
  }
  sec.blocks.emplace_back(std::move(all));
  return sec;
}

Section charts_section(const std::vector<RunData>& runs) {
  Section sec{"distributions", "How long jobs took", {}};
  const bool jobs = std::any_of(runs.begin(), runs.end(), [](const RunData& r) {
    return r.has_jobs && !jct_values(r).empty();
  });
  if (jobs) {
    sec.blocks.emplace_back(ChartSlot{
        "jct-cdf", ChartKind::kJctCdf, "Job completion time (JCT), cumulative",
        "Share of ended jobs (y) whose time from submission to end was at most x (log scale). "
        "Higher and further left is better."});
    sec.blocks.emplace_back(ChartSlot{
        "wait-cdf", ChartKind::kWaitCdf, "Wait before first start, cumulative",
        "Share of started jobs (y) that waited at most x (log scale) before first starting. "
        "Waits under one second are drawn at 1 s, so the curve's height there is the share that "
        "started at once."});
  }
  return sec;
}

Section time_section(const std::vector<RunData>& runs) {
  Section sec{"over-time", "The cluster over time", {}};
  const bool ts = std::any_of(runs.begin(), runs.end(), [](const RunData& r) {
    return r.has_timeseries && !r.timeseries.empty();
  });
  if (ts) {
    sec.blocks.emplace_back(ChartSlot{
        "utilization", ChartKind::kUtilization, "GPU utilization over time",
        "GPUs allocated to jobs as a share of all GPUs (gpus_allocated / gpus_total), per sample "
        "of the simulation."});
    sec.blocks.emplace_back(
        ChartSlot{"queue", ChartKind::kQueueLength, "Queue length over time",
                  "Jobs submitted but not running (jobs_pending), per sample."});
  }
  return sec;
}

Table tenant_table(const std::vector<RunData>& runs, TenantKind kind, std::size_t limit,
                   std::size_t& total) {
  const char* what = kind == TenantKind::kUser ? "user" : "queue";
  Table t;
  t.id = std::string("tenants-") + what;
  t.title = std::string("Mean JCT per ") + what + " and policy";
  const RunData* first = nullptr;
  for (const RunData& r : runs) {
    if (r.has_jobs) {
      first = &r;
      break;
    }
  }
  total = 0;
  if (!first) return t;
  const auto order = tenant_stats(*first, kind);
  total = order.size();
  std::vector<std::map<std::string, TenantStat>> per_run(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    for (const TenantStat& s : tenant_stats(runs[i], kind)) per_run[i][s.name] = s;
  }
  t.columns = {{what, kind == TenantKind::kUser ? "User" : "Queue", false}, {"jobs", "Jobs", true}};
  for (const RunData& r : runs) t.columns.push_back({"mean_jct_s." + r.label, r.label, true});
  for (std::size_t k = 0; k < order.size() && k < limit; ++k) {
    std::vector<Cell> row{text_cell(order[k].name),
                          value_cell(static_cast<double>(order[k].jobs), Unit::kCount)};
    std::vector<double> v;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto it = per_run[i].find(order[k].name);
      v.push_back(it == per_run[i].end() ? kMissing : it->second.mean_jct_s);
      row.push_back(value_cell(v.back(), Unit::kSeconds));
    }
    for (std::size_t i : best_indices(v, Better::kLower)) row[i + 2].best = true;
    t.rows.push_back(row);
  }
  return t;
}

Section fairness_section(const std::vector<RunData>& runs, std::size_t max_tenants) {
  Section sec{"fairness", "Fairness across tenants", {}};
  const RunData* first = nullptr;
  for (const RunData& r : runs) {
    if (r.has_jobs) {
      first = &r;
      break;
    }
  }
  if (!first) return sec;
  const std::size_t users = tenant_count(*first, TenantKind::kUser);
  const std::size_t queues = tenant_count(*first, TenantKind::kQueue);
  if (users < 2 && queues < 2) return sec;
  sec.blocks.emplace_back(Paragraph{
      {{TextPart::Kind::kText,
        "Jain's index over the tenants' mean JCT: (Σx)² / (n·Σx²). It is 1 when every tenant sees "
        "the same mean JCT and 1/n when one tenant's mean dominates. Tenants submit different "
        "jobs, so a lower index is a prompt to look closer, not proof of unfairness."}}});
  Table f;
  f.id = "fairness";
  f.title = "Fairness by policy";
  f.columns = {{"policy", "Policy", false}};
  if (users >= 2) f.columns.push_back({"jain_users", "Jain's index (users)", true});
  if (queues >= 2) f.columns.push_back({"jain_queues", "Jain's index (queues)", true});
  if (users >= 2) {
    f.columns.push_back({"slowest_user", "User with longest mean JCT", false});
    f.columns.push_back({"slowest_user_mean_jct_s", "Its mean JCT", true});
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunData& r = runs[i];
    std::vector<Cell> row{name_cell(r, i)};
    if (users >= 2) row.push_back(value_cell(jain_of_mean_jct(r, TenantKind::kUser), Unit::kIndex));
    if (queues >= 2)
      row.push_back(value_cell(jain_of_mean_jct(r, TenantKind::kQueue), Unit::kIndex));
    if (users >= 2) {
      const TenantStat* worst = nullptr;
      const auto stats = tenant_stats(r, TenantKind::kUser);
      for (const TenantStat& s : stats) {
        if (present(s.mean_jct_s) && (!worst || s.mean_jct_s > worst->mean_jct_s)) worst = &s;
      }
      row.push_back(text_cell(worst ? worst->name : "–"));
      row.push_back(value_cell(worst ? worst->mean_jct_s : kMissing, Unit::kSeconds));
    }
    f.rows.push_back(row);
  }
  const std::size_t jain_cols = (users >= 2 ? 1U : 0U) + (queues >= 2 ? 1U : 0U);
  for (std::size_t c = 1; c <= jain_cols; ++c) {
    std::vector<double> v;
    for (const auto& row : f.rows) v.push_back(row[c].value);
    for (std::size_t i : best_indices(v, Better::kHigher)) f.rows[i][c].best = true;
  }
  sec.blocks.emplace_back(std::move(f));
  for (TenantKind kind : {TenantKind::kUser, TenantKind::kQueue}) {
    if ((kind == TenantKind::kUser ? users : queues) < 2) continue;
    std::size_t total = 0;
    Table shown = tenant_table(runs, kind, max_tenants, total);
    const char* what = kind == TenantKind::kUser ? "users" : "queues";
    if (total > max_tenants) {
      Table full = tenant_table(runs, kind, total, total);
      full.export_only = true;
      shown.id += "-top";
      shown.caption = fmt::format(
          "The {} {} with the most jobs of {}; {}.csv has all. The lowest mean JCT in each row is "
          "highlighted.",
          max_tenants, what, total, full.id);
      sec.blocks.emplace_back(std::move(shown));
      sec.blocks.emplace_back(std::move(full));
    } else {
      shown.caption = "The lowest mean JCT in each row is highlighted.";
      sec.blocks.emplace_back(std::move(shown));
    }
    if (kind == TenantKind::kUser) {
      sec.blocks.emplace_back(ChartSlot{
          "tenant-jct", ChartKind::kTenantJct, "Mean JCT per user, compared",
          fmt::format("Mean time from submission to end of each user's jobs, per policy{}.",
                      total > max_tenants
                          ? fmt::format(" ({} users with the most jobs)", max_tenants)
                          : std::string())});
    }
  }
  return sec;
}

Section details_section(const std::vector<RunData>& runs) {
  Section sec{"details", "Run details", {}};
  Table t;
  t.id = "runs";
  t.title = "Runs";
  t.caption = "Equal fingerprints mean identical schedules.";
  t.columns = {{"policy", "Policy", false},
               {"fingerprint", "Fingerprint", false},
               {"events", "Events", true},
               {"wall_seconds", "Simulation wall time (s)", true},
               {"cancelled", "Interrupted", false}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunData& r = runs[i];
    auto num = [&](const char* k) {
      return r.manifest.is_object() && r.manifest.contains(k) && r.manifest[k].is_number()
                 ? r.manifest[k].get<double>()
                 : kMissing;
    };
    std::string fp = r.summary.contains("fingerprint") && r.summary["fingerprint"].is_string()
                         ? r.summary["fingerprint"].get<std::string>()
                         : "";
    const bool cancelled = r.summary.contains("cancelled") && r.summary["cancelled"].is_boolean() &&
                           r.summary["cancelled"].get<bool>();
    Cell wall = value_cell(num("wall_seconds"), Unit::kNumber);
    t.rows.push_back({name_cell(r, i), text_cell(fp), value_cell(num("events"), Unit::kCount), wall,
                      text_cell(cancelled ? "yes" : "no")});
  }
  sec.blocks.emplace_back(std::move(t));
  return sec;
}

}  // namespace

std::string series_color(std::size_t index) {
  // Tableau 10: distinguishable for common colour-vision deficiencies, readable on white.
  static const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                         "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

std::size_t baseline_index(const std::vector<RunData>& runs, const std::string& baseline) {
  if (baseline.empty()) return 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].label == baseline) return i;
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].policy == baseline) return i;
  }
  std::string names;
  for (const RunData& r : runs) names += (names.empty() ? "" : ", ") + r.label;
  throw sim::InputError("--baseline", "no run named '" + baseline + "'; the runs are: " + names);
}

namespace {

// The title and subtitle when no option names them: from the scenario, else from the inputs.
std::string default_title(const std::vector<RunData>& runs,
                          const std::vector<LoadedInput>& inputs) {
  const std::string scenario_name =
      runs.empty() ? std::string() : runs.front().manifest_string("scenario.name");
  for (const LoadedInput& in : inputs) {
    if (in.sweep) {
      return "Sweep report: " + (in.sweep->name.empty() ? in.path : in.sweep->name);
    }
    if (in.plan) {
      const std::string name = jstr(in.plan->result, {"plan"});
      return "Capacity plan: " + (name.empty() ? in.path : name);
    }
    if (in.calibration) return "Calibration report: " + in.path;
  }
  return !scenario_name.empty() ? "Scheduling report: " + scenario_name
                                : "Orrery scheduling report";
}

}  // namespace

Document build_document(const std::vector<RunData>& runs, const std::vector<LoadedInput>& inputs,
                        const DocumentOptions& options) {
  const bool other = std::any_of(inputs.begin(), inputs.end(), [](const LoadedInput& in) {
    return in.sweep || in.plan || in.calibration;
  });
  if (runs.empty() && !other)
    throw sim::InputError("report", "the inputs hold no run to report on");
  Document doc;
  const std::size_t base = runs.empty() ? 0 : baseline_index(runs, options.baseline);
  if (runs.empty() && !options.baseline.empty())
    throw sim::InputError("--baseline", "the inputs hold no policy run to compare against");
  doc.title = !options.title.empty() ? options.title : default_title(runs, inputs);
  std::vector<std::string> parts;
  for (const LoadedInput& in : inputs) {
    if (in.sweep) parts.push_back(fmt::format("sweep of {} runs", in.sweep->runs.size()));
    if (in.plan) parts.push_back("capacity plan");
    if (in.calibration)
      parts.push_back(fmt::format("calibration of {} jobs", in.calibration->jobs.size()));
  }
  if (!runs.empty()) {
    std::string p = fmt::format("{} polic{}", runs.size(), runs.size() == 1 ? "y" : "ies");
    if (const auto jobs = runs.front().metric("jobs")) p += ", " + format_count(*jobs) + " jobs";
    if (runs.size() > 1) p += ", baseline " + runs[base].label;
    parts.push_back(p);
  }
  std::string sub;
  for (const std::string& p : parts) sub += (sub.empty() ? "" : "; ") + p;
  if (!options.generated.empty()) sub += " · generated " + options.generated;
  sub += " · Orrery " + std::string(sim::kVersion);
  doc.subtitle = sub;
  for (const LoadedInput& in : inputs) {
    for (const std::string& n : in.notes) doc.notes.push_back(n);
  }
  // The input kinds' own sections first: a sweep, plan or calibration is what the report is
  // about; their findings lead.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].sweep) add_sweep_section(doc, *inputs[i].sweep, i);
    if (inputs[i].plan) add_plan_section(doc, *inputs[i].plan);
    if (inputs[i].calibration) add_calibration_section(doc, *inputs[i].calibration, i);
  }
  if (!runs.empty()) {
    for (RichText& f : findings(runs, base)) doc.findings.push_back(std::move(f));
    doc.sections.push_back(scenario_section(runs, inputs, doc));
    doc.sections.push_back(results_section(runs));
    for (Section s : {charts_section(runs), time_section(runs), allocation_section(runs),
                      fairness_section(runs, options.max_tenants)}) {
      if (!s.blocks.empty()) doc.sections.push_back(std::move(s));
    }
  }
  // Tables an input kind brings as they are.
  Section extra{"extra", "More from the inputs", {}};
  for (const LoadedInput& in : inputs) {
    for (const ExtraTable& e : in.tables) {
      Table t;
      t.id = e.id;
      t.title = e.title;
      for (const std::string& c : e.columns) t.columns.push_back({slug(c), c, false});
      for (const auto& r : e.rows) {
        std::vector<Cell> row;
        for (const std::string& v : r) row.push_back(text_cell(v));
        t.rows.push_back(row);
      }
      extra.blocks.emplace_back(std::move(t));
    }
  }
  if (!extra.blocks.empty()) doc.sections.push_back(std::move(extra));
  if (!runs.empty()) doc.sections.push_back(details_section(runs));
  return doc;
}

std::vector<Table> fit_columns(const Table& t, std::size_t max_columns) {
  max_columns = std::max<std::size_t>(max_columns, 2);
  if (t.columns.size() <= max_columns) return {t};
  std::vector<Table> out;
  if (t.rows.size() + 1 <= max_columns) {
    // Transposed: the first column's cells become the headers.
    Table x;
    x.id = t.id;
    x.title = t.title;
    x.caption = t.caption;
    x.export_only = t.export_only;
    // The first column now names what the rows are: the metrics of a per-policy table.
    x.columns.push_back(
        {"column", t.columns.front().key == "policy" ? "Metric" : t.columns.front().label, false});
    for (const auto& row : t.rows) {
      x.columns.push_back(
          {row.empty() ? "" : row.front().text, row.empty() ? "" : row.front().text, true});
    }
    for (std::size_t c = 1; c < t.columns.size(); ++c) {
      std::vector<Cell> r{text_cell(t.columns[c].label)};
      for (const auto& row : t.rows) r.push_back(c < row.size() ? row[c] : text_cell(""));
      // Header swatches are lost in a transposed table; a cell of a name keeps its colour.
      x.rows.push_back(std::move(r));
    }
    for (std::size_t c = 1; c < x.columns.size(); ++c) {
      bool numeric = true;
      for (std::size_t k = 1; k < t.columns.size(); ++k) numeric = numeric && t.columns[k].numeric;
      x.columns[c].numeric = numeric;
    }
    out.push_back(std::move(x));
    return out;
  }
  const std::size_t per = max_columns - 1;
  const std::size_t parts = (t.columns.size() - 1 + per - 1) / per;
  for (std::size_t p = 0; p < parts; ++p) {
    Table x;
    x.id = t.id + "-" + std::to_string(p + 1);
    x.title = fmt::format("{} ({} of {})", t.title, p + 1, parts);
    if (p + 1 == parts) x.caption = t.caption;
    x.export_only = t.export_only;
    const std::size_t from = 1 + p * per, to = std::min(t.columns.size(), from + per);
    x.columns.push_back(t.columns.front());
    for (std::size_t c = from; c < to; ++c) x.columns.push_back(t.columns[c]);
    for (const auto& row : t.rows) {
      std::vector<Cell> r{row.empty() ? text_cell("") : row.front()};
      for (std::size_t c = from; c < to; ++c) r.push_back(c < row.size() ? row[c] : text_cell(""));
      x.rows.push_back(std::move(r));
    }
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<const Table*> all_tables(const Document& doc) {
  std::vector<const Table*> out;
  for (const Section& s : doc.sections) {
    for (const Block& b : s.blocks) {
      if (const auto* t = std::get_if<Table>(&b)) out.push_back(t);
    }
  }
  return out;
}

std::vector<const ChartSlot*> all_charts(const Document& doc) {
  std::vector<const ChartSlot*> out;
  for (const Section& s : doc.sections) {
    for (const Block& b : s.blocks) {
      if (const auto* c = std::get_if<ChartSlot>(&b)) out.push_back(c);
    }
  }
  return out;
}

std::string table_csv(const Table& t) {
  std::string out;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (c) out += ',';
    out += traces::csv_escape(t.columns[c].key);
  }
  out += '\n';
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      const Cell& cell = row[c];
      out += present(cell.value) ? exact_number(cell.value) : traces::csv_escape(cell.text);
    }
    out += '\n';
  }
  return out;
}

json table_json(const Table& t) {
  json rows = json::array();
  for (const auto& row : t.rows) {
    json o = json::object();
    for (std::size_t c = 0; c < row.size() && c < t.columns.size(); ++c) {
      const Cell& cell = row[c];
      if (present(cell.value)) {
        o[t.columns[c].key] = cell.value;
      } else if (t.columns[c].numeric && (cell.text.empty() || cell.text == "–")) {
        o[t.columns[c].key] = nullptr;
      } else {
        o[t.columns[c].key] = cell.text;
      }
    }
    rows.push_back(o);
  }
  return rows;
}

json document_json(const Document& doc) {
  json out;
  out["title"] = doc.title;
  json f = json::array();
  for (const RichText& t : doc.findings) f.push_back(plain_text(t));
  out["findings"] = f;
  json tables = json::object();
  for (const Table* t : all_tables(doc)) {
    json shown = json::array();
    for (const auto& row : t->rows) {
      json r = json::array();
      for (const Cell& c : row) r.push_back(c.best ? c.text + " (best)" : c.text);
      shown.push_back(r);
    }
    tables[t->id] = {{"title", t->title}, {"rows", table_json(*t)}, {"shown", shown}};
  }
  out["tables"] = tables;
  out["notes"] = doc.notes;
  return out;
}

}  // namespace orrery::reports
