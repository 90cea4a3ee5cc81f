#include "orrery/calibrate/result_folder.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::calibrate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string opt(const std::optional<double>& v) {
  return v ? fmt::format("{:.3f}", *v) : std::string();
}

std::string diff(const std::optional<double>& a, const std::optional<double>& b) {
  return a && b ? fmt::format("{:.3f}", *a - *b) : std::string();
}

void write_simulated(const std::string& dir, const std::string& name, const ResultInputs& in,
                     const ModelParams& m, const sim::RunResult& r, const std::string& trace_path) {
  scenario::Scenario s;
  s.name = name;
  s.cluster = in.cluster;
  s.cluster_source = "inline";
  s.trace_path = trace_path;
  s.trace_format = "native";
  s.policies.push_back({m.policy, m.policy_params});
  s.placement = m.placement;
  s.options.scheduler_interval = sim::SimTime::from_seconds(m.tick_s);
  s.options.sample_interval = sim::SimTime::from_seconds(1);
  scenario::RunContext ctx;
  ctx.workload = in.observed;
  ctx.import.format = "native";
  ctx.import.path = trace_path;
  ctx.import.rows = in.observed.jobs.size();
  ctx.import.jobs = in.observed.jobs.size();
  scenario::PolicyRun run{{m.policy, m.policy_params}, r};
  run.result.manifest.inputs.emplace_back("trace", trace_path + " (observed run)");
  run.result.manifest.inputs.emplace_back("calibration_model", m.to_json().dump());
  scenario::write_run(run, s, ctx, dir);
}

}  // namespace

std::string errors_table(const Errors& b, const Errors& a, const std::string& before_title,
                         const std::string& after_title) {
  std::string s = fmt::format("{:<34} {:>12} {:>12}\n", "", before_title, after_title);
  auto row = [&](const char* what, double x, double y, const char* unit) {
    s += fmt::format("{:<34} {:>11.3f}{} {:>11.3f}{}\n", what, x, unit, y, unit);
  };
  row("start error, median |s|", b.start_abs_median_s, a.start_abs_median_s, "s");
  row("start error, p95 |s|", b.start_abs_p95_s, a.start_abs_p95_s, "s");
  row("JCT error, median |s|", b.jct_abs_median_s, a.jct_abs_median_s, "s");
  row("JCT error, p95 |s|", b.jct_abs_p95_s, a.jct_abs_p95_s, "s");
  row("median start error / makespan", 100 * b.start_median_rel_makespan,
      100 * a.start_median_rel_makespan, "%");
  row("Kendall tau, start order", b.kendall_tau, a.kendall_tau, " ");
  row("makespan error", 100 * b.makespan_rel_error, 100 * a.makespan_rel_error, "%");
  row("utilization error (mean |GPUs|)", b.utilization_mae_gpus, a.utilization_mae_gpus, " ");
  return s;
}

void write_result_folder(const std::string& dir, const ResultInputs& in) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "capture", ec);
  if (ec) throw sim::InputError(dir, "cannot create the result folder: " + ec.message());
  const std::string observed_path = (fs::path(dir) / "observed.csv").string();
  {
    std::ostringstream out;
    traces::write_native(in.observed, out);
    scenario::write_file_atomic(observed_path, out.str());
  }
  {
    std::string csv =
        "job_id,scheduler_job_id,nodes,state,start_source,script_start_s,script_end_s\n";
    for (const auto& r : in.observed_rows) {
      csv += traces::csv_escape(r.id) + ',' + traces::csv_escape(r.scheduler_id) + ',' +
             traces::csv_escape(r.nodes) + ',' + traces::csv_escape(r.state) + ',' +
             traces::csv_escape(r.start_source) + ',' + opt(r.script_start_s) + ',' +
             opt(r.script_end_s) + '\n';
    }
    scenario::write_file_atomic((fs::path(dir) / "observed_jobs.csv").string(), csv);
  }
  const std::uint32_t gpus = in.cluster.total_gpus();
  const sim::RunResult before = replay(in.cluster, in.observed, in.fit.before);
  const sim::RunResult after = replay(in.cluster, in.observed, in.fit.after);
  write_simulated((fs::path(dir) / "simulated" / "before").string(), "calibration-before", in,
                  in.fit.before, before, observed_path);
  write_simulated((fs::path(dir) / "simulated" / "after").string(), "calibration-after", in,
                  in.fit.after, after, observed_path);
  const auto cb = job_comparisons(in.observed, before);
  const auto ca = job_comparisons(in.observed, after);
  {
    std::string csv =
        "job_id,submit_s,gpus,observed_nodes,observed_start_s,observed_end_s,"
        "simulated_start_before_s,simulated_end_before_s,start_error_before_s,"
        "simulated_start_after_s,simulated_end_after_s,start_error_after_s,end_error_after_s,"
        "simulated_nodes_before,simulated_nodes_after\n";
    // Where each model put the job, by node name (empty where the calibration has no names).
    auto names = [&](const std::vector<std::uint32_t>& ids) {
      return in.node_names.empty() ? std::string()
                                   : traces::csv_escape(node_names(in.node_names, ids));
    };
    for (std::size_t i = 0; i < cb.size(); ++i) {
      const auto& b = cb[i];
      const auto& a = ca[i];
      csv += traces::csv_escape(b.id) + ',' + fmt::format("{:.3f}", b.submit_s) + ',' +
             fmt::format("{}", b.gpus) + ',' + traces::csv_escape(b.observed_nodes) + ',' +
             opt(b.observed_start_s) + ',' + opt(b.observed_end_s) + ',' +
             opt(b.simulated_start_s) + ',' + opt(b.simulated_end_s) + ',' +
             diff(b.simulated_start_s, b.observed_start_s) + ',' + opt(a.simulated_start_s) + ',' +
             opt(a.simulated_end_s) + ',' + diff(a.simulated_start_s, a.observed_start_s) + ',' +
             diff(a.simulated_end_s, a.observed_end_s) + ',' + names(b.simulated_node_ids) + ',' +
             names(a.simulated_node_ids) + '\n';
    }
    scenario::write_file_atomic((fs::path(dir) / "comparison.csv").string(), csv);
  }
  {
    double horizon = 0;
    for (const auto* set : {&cb, &ca}) {
      for (const auto& j : *set) {
        for (const auto& v : {j.observed_end_s, j.simulated_end_s}) {
          if (v) horizon = std::max(horizon, *v);
        }
      }
    }
    const auto uo = utilization_curve(cb, false, 1.0, horizon);
    const auto ub = utilization_curve(cb, true, 1.0, horizon);
    const auto ua = utilization_curve(ca, true, 1.0, horizon);
    std::string csv =
        "time_s,observed_gpus,simulated_before_gpus,simulated_after_gpus,gpus_total\n";
    for (std::size_t k = 0; k < uo.gpus.size(); ++k) {
      csv +=
          fmt::format("{},{:.3f},{:.3f},{:.3f},{}\n", k, uo.gpus[k], ub.gpus[k], ua.gpus[k], gpus);
    }
    scenario::write_file_atomic((fs::path(dir) / "utilization.csv").string(), csv);
  }
  const json errors = {{"before", in.fit.errors_before.to_json()},
                       {"after", in.fit.errors_after.to_json()},
                       {"model_before", in.fit.before.to_json()},
                       {"model_after", in.fit.after.to_json()},
                       {"estimates", in.fit.estimates},
                       {"evaluations", in.fit.evaluations}};
  scenario::write_file_atomic((fs::path(dir) / "errors.json").string(), errors.dump(2) + "\n");
  in.profile.save((fs::path(dir) / "profile.json").string());
  for (const auto& [name, content] : in.captures) {
    scenario::write_file_atomic((fs::path(dir) / "capture" / name).string(), content);
  }
  json summary = in.summary;
  summary["kind"] = in.kind;
  summary["jobs"] = in.observed.jobs.size();
  summary["policy"] = {{"name", in.fit.after.policy}, {"params", in.fit.after.policy_params}};
  summary["errors_before"] = in.fit.errors_before.to_json();
  summary["errors_after"] = in.fit.errors_after.to_json();
  summary["files"] = {"observed.csv",    "observed_jobs.csv", "simulated/before",
                      "simulated/after", "comparison.csv",    "utilization.csv",
                      "errors.json",     "profile.json",      "capture/"};
  scenario::write_file_atomic((fs::path(dir) / "calibration.json").string(),
                              summary.dump(2) + "\n");
}

}  // namespace orrery::calibrate
