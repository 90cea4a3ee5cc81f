#include "orrery/calibrate/slurm_calibration.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "orrery/calibrate/result_folder.hpp"
#include "orrery/policies/registry.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::calibrate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_text(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json distortion_json(const Distortion& d) {
  return {{"trace_jobs_seen", d.trace_jobs_seen},
          {"dropped_no_gpu", d.dropped_no_gpu},
          {"gpus_capped", d.gpus_capped},
          {"rounded_to_whole_nodes", d.rounded_to_nodes},
          {"raised_to_min_duration", d.raised_to_min},
          {"cut_to_max_duration", d.cut_to_max},
          {"busiest_second_arrivals", d.busiest_second_arrivals},
          {"seconds_over_arrival_rate", d.seconds_over_rate},
          {"trace_span_s", d.trace_span_s},
          {"planned_span_s", d.planned_span_s},
          {"planned_gpu_seconds", d.total_gpu_seconds},
          {"notes", d.notes}};
}

}  // namespace

Errors evaluate_model(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                      const ModelParams& model) {
  return compare(observed, replay(cluster, observed, model), cluster.total_gpus());
}

SlurmCalibration calibrate_slurm(const SlurmCalibrationOptions& o) {
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  sim::Problems problems;
  if (o.trace.empty()) problems.add("--trace", "is required");
  if (!o.local && o.slurm_conf.empty() && !std::getenv("SLURM_CONF"))
    problems.add("--local", "give --local N:G:TYPE, --slurm-conf FILE, or set SLURM_CONF");
  if (o.policy != "auto" && !policies::has_policy(o.policy))
    problems.add("--policy", "unknown policy \"" + o.policy + "\"");
  problems.throw_if_any();

  SlurmCalibration c;
  // The trace first: bad input fails before any cluster starts.
  std::string format_used;
  const sim::Workload trace = load_trace(o.trace, o.format, &format_used);
  log(fmt::format("trace {}: {} jobs (format {})", o.trace, trace.jobs.size(), format_used));

  std::optional<LocalSlurm> local;
  std::string conf_path = o.slurm_conf;
  if (o.local) {
    local.emplace(*o.local);
    log(fmt::format("starting a local Slurm: {} nodes x {} GPUs ({})", o.local->nodes,
                    o.local->gpus_per_node, o.local->gpu_type));
    local->start();
    log("local Slurm up in " + local->dir());
    conf_path = local->slurm_conf();
  } else if (conf_path.empty()) {
    conf_path = std::getenv("SLURM_CONF");
  }
  c.conf = read_slurm_conf(conf_path);
  const SlurmPartition* part = c.conf.partition(o.partition);
  if (!part) throw sim::InputError("--partition", "no partition \"" + o.partition + "\"");
  std::vector<std::uint64_t> pool_weights;  // of c.cluster's pools (slurm.conf's Weight=)
  c.cluster = c.conf.cluster_spec(part->name, &pool_weights);
  ClusterShape shape;
  shape.partition = part->name;
  shape.nodes = static_cast<std::uint32_t>(part->nodes.size());
  shape.gpus_per_node = 0;
  for (const auto& n : part->nodes) {
    const SlurmNode* node = c.conf.node(n);
    if (!node || node->gpus == 0) continue;
    shape.gpus_per_node =
        shape.gpus_per_node == 0 ? node->gpus : std::min(shape.gpus_per_node, node->gpus);
    if (shape.gpu_type.empty()) shape.gpu_type = node->gpu_type;
  }
  c.plan = plan_slice(trace, o.slice, shape);
  for (const auto& n : c.plan.distortion.notes) log("slice: " + n);
  log(fmt::format("plan: {} jobs over {:.0f} s of arrivals, {:.0f} GPU-s of work on {} GPUs",
                  c.plan.jobs.size(), c.plan.distortion.planned_span_s,
                  c.plan.distortion.total_gpu_seconds, c.cluster.total_gpus()));

  LiveRunOptions lo;
  lo.env = {{"SLURM_CONF", conf_path}};
  lo.conf = c.conf;
  lo.work_dir = !o.work_dir.empty()  ? o.work_dir
                : local              ? local->dir() + "/jobs"
                : !o.out_dir.empty() ? (fs::path(o.out_dir) / "live").string()
                                     : (fs::temp_directory_path() / "orrery-calibrate").string();
  if (local) lo.controller_alive = [&local] { return local->controller_alive(); };
  lo.log = o.log;
  lo.stop = o.stop;
  c.live = run_live(c.plan, lo);
  log(fmt::format("live run: {:.0f} s{}", c.live.wall_s,
                  c.live.error.empty() ? "" : " (stopped early: " + c.live.error + ")"));
  const std::string ctld_log_path = c.conf.get("slurmctldlogfile");
  const std::string conf_text = read_text(conf_path);
  if (local) c.stopped_pids = local->stop();

  c.observed = observed_workload(c.plan, c.live, shape.gpu_type);
  ModelParams initial = default_model(c.conf, o.policy);
  if (initial.policy == "slurm") {
    c.policy_note =
        "slurm (registered), parameters from slurm.conf: " + initial.policy_params.dump();
  } else if (initial.policy == "easy-backfill") {
    c.policy_note = fmt::format(
        "easy-backfill with the engine's scheduler_interval = {} s (the `slurm` policy is not "
        "registered yet)",
        initial.tick_s);
  } else {
    c.policy_note = initial.policy;
  }
  if (c.conf.weights_differ(shape.partition)) {
    if (initial.policy == "slurm") {
      // Slurm allocates the lowest Weight= first: the model gets them per pool.
      nlohmann::json w = nlohmann::json::object();
      for (std::size_t i = 0; i < c.cluster.pools.size(); ++i)
        w[c.cluster.pools[i].name] = pool_weights[i];
      initial.policy_params["Weight"] = w;
      c.policy_note += "; node Weight= values per pool: " + w.dump();
    } else {
      c.policy_note +=
          "; note: the partition's nodes have different Weight= values, which " + initial.policy +
          " takes equal (Slurm allocates the lowest first): its node choices may differ";
    }
  }
  log("model: " + c.policy_note);
  FitOptions fo;
  if (!o.fit) fo = {false, false, false, false, false, 0};
  c.fit = fit_model(c.cluster, c.observed, &c.live, initial, fo);
  json source = {{"kind", "slurm"},
                 {"slurm_conf", conf_path},
                 {"cluster", c.conf.get("clustername")},
                 {"scheduler_type", c.conf.scheduler_type()},
                 {"scheduler_parameters", c.conf.get("schedulerparameters")},
                 {"partition", shape.partition},
                 {"trace", o.trace},
                 {"jobs", c.observed.jobs.size()},
                 {"compress", o.slice.compress}};
  c.profile = make_profile(c.fit, source);
  {
    const NodeAgreement n = node_agreement(
        part->nodes, job_comparisons(c.observed, replay(c.cluster, c.observed, c.fit.before)),
        job_comparisons(c.observed, replay(c.cluster, c.observed, c.fit.after)));
    c.nodes_known = n.known;
    c.nodes_same_before = n.same_a;
    c.nodes_same_after = n.same_b;
  }

  if (!o.out_dir.empty()) {
    ResultInputs in;
    in.kind = "slurm";
    in.cluster = c.cluster;
    in.observed = c.observed;
    in.fit = c.fit;
    in.profile = c.profile;
    in.node_names = part->nodes;  // the cluster's nodes, in its order (cluster_spec)
    for (const ObservedJob& j : c.live.jobs) {
      if (!j.release_ms) continue;
      ObservedJobRow row;
      row.id = c.plan.jobs[j.plan_index].trace_id;
      row.scheduler_id = std::to_string(j.job_id);
      row.nodes = j.nodes;
      row.state = j.state;
      row.start_source = j.time_source;
      if (j.started_by == StartedBy::kBackfill) row.start_source += ", backfill";
      if (j.started_by == StartedBy::kMainScheduler) row.start_source += ", main scheduler";
      if (j.script_start_us)
        row.script_start_s = static_cast<double>(*j.script_start_us / 1000 - c.live.t0_ms) / 1e3;
      if (j.script_end_us)
        row.script_end_s = static_cast<double>(*j.script_end_us / 1000 - c.live.t0_ms) / 1e3;
      in.observed_rows.push_back(row);
    }
    in.captures = {{"squeue.json", c.live.squeue_json},
                   {"jobcomp.log", c.live.jobcomp_text},
                   {"slurmctld.log", c.live.ctld_log_text},
                   {"slurm.conf", conf_text}};
    std::string plan_csv =
        "trace_id,slurm_name,arrival_s,sleep_s,nodes,gpus_per_node,time_limit_min,"
        "trace_submit_s,trace_duration_s,trace_gpus\n";
    for (const auto& p : c.plan.jobs) {
      plan_csv += fmt::format("{},{},{:.3f},{:.3f},{},{},{},{:.3f},{:.3f},{}\n", p.trace_id, p.name,
                              p.arrival_s, p.sleep_s, p.nodes, p.gpus_per_node, p.time_limit_min,
                              p.trace_submit_s, p.trace_duration_s, p.trace_gpus);
    }
    in.captures.emplace_back("plan.csv", plan_csv);
    in.summary = {{"command", o.command_line},
                  {"slurm_conf", conf_path},
                  {"slurmctld_log", ctld_log_path},
                  {"cluster",
                   {{"nodes", shape.nodes},
                    {"gpus_per_node", shape.gpus_per_node},
                    {"gpu_type", shape.gpu_type},
                    {"partition", shape.partition}}},
                  {"trace", {{"path", o.trace}, {"format", format_used}}},
                  {"slice",
                   {{"skip", o.slice.skip},
                    {"jobs", o.slice.jobs ? json(*o.slice.jobs) : json(nullptr)},
                    {"from_s", o.slice.from_s ? json(*o.slice.from_s) : json(nullptr)},
                    {"to_s", o.slice.to_s ? json(*o.slice.to_s) : json(nullptr)},
                    {"compress", o.slice.compress},
                    {"min_duration_s", o.slice.min_duration_s},
                    {"max_duration_s",
                     o.slice.max_duration_s ? json(*o.slice.max_duration_s) : json(nullptr)}}},
                  {"distortion", distortion_json(c.plan.distortion)},
                  {"policy_note", c.policy_note},
                  {"live",
                   {{"complete", c.live.complete},
                    {"error", c.live.error},
                    {"wall_s", c.live.wall_s},
                    {"notes", c.live.notes},
                    {"main_scheduler_starts", c.live.activity.main_ms.size()},
                    {"backfill_cycles_with_starts", c.live.activity.backfill_ms.size()}}}};
    write_result_folder(o.out_dir, in);
    log("results: " + fs::absolute(o.out_dir).lexically_normal().string());
  }
  return c;
}

}  // namespace orrery::calibrate
