// `orrery calibrate`: check the simulator against a live cluster and fit its parameters.
//   orrery calibrate slurm --local 4:8:a100 --trace T --jobs 100 --compress 60 -o OUT
//   orrery calibrate slurm --trace T --jobs 100 --compress 60 -o OUT      (SLURM_CONF's cluster)
//   orrery calibrate k8s --from-saved cluster.json -o OUT                  (or kubectl, read-only)
//   orrery calibrate check --profile OUT/profile.json OTHER_OUT            (a profile on another
//   run)
//   orrery calibrate fit OUT -o profile.json                               (fit a saved run again)
#include <fmt/format.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stop_token>

#include "command.hpp"
#include "orrery/calibrate/k8s.hpp"
#include "orrery/calibrate/local_slurm.hpp"
#include "orrery/calibrate/process.hpp"
#include "orrery/calibrate/result_folder.hpp"
#include "orrery/calibrate/saved_run.hpp"
#include "orrery/calibrate/slurm_calibration.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"

namespace orrery::cli {

namespace {

struct CalibrateArgs {
  std::string local, slurm_conf, partition, trace, format = "auto", policy = "auto", out, work_dir;
  std::string auth = "none", scheduler_parameters;
  std::uint64_t skip = 0, jobs = 0;
  double from_s = -1, to_s = -1, compress = 1, min_duration = 30, max_duration = 0;
  bool no_fit = false, keep_cluster = false, quiet = false;
  // k8s
  std::string from_saved, kubeconfig, context, placement;
  // check
  std::string profile, per_job;
  std::vector<std::string> runs;
  std::string command_line;
};

// This process's command line as given (for the result folder), credentials redacted.
std::string own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
  return calibrate::display_command(argv);
}

std::stop_source* g_stop = nullptr;
extern "C" void on_signal(int) {
  if (g_stop) g_stop->request_stop();
}

int run_slurm(const CalibrateArgs& a) {
  calibrate::SlurmCalibrationOptions o;
  if (!a.local.empty()) {
    o.local = calibrate::parse_local_spec(a.local);
    o.local->auth = a.auth;
    o.local->keep_dir = a.keep_cluster;
    if (!a.scheduler_parameters.empty()) o.local->scheduler_parameters = a.scheduler_parameters;
    if (auto missing = calibrate::LocalSlurm::missing_tools(a.auth))
      throw sim::InputError("--local", *missing);
  }
  o.slurm_conf = a.slurm_conf;
  o.partition = a.partition;
  o.trace = a.trace;
  o.format = a.format;
  o.slice.skip = a.skip;
  if (a.jobs > 0) o.slice.jobs = a.jobs;
  if (a.from_s >= 0) o.slice.from_s = a.from_s;
  if (a.to_s >= 0) o.slice.to_s = a.to_s;
  o.slice.compress = a.compress;
  o.slice.min_duration_s = a.min_duration;
  if (a.max_duration > 0) o.slice.max_duration_s = a.max_duration;
  o.policy = a.policy;
  o.fit = !a.no_fit;
  o.out_dir = a.out;
  o.work_dir = a.work_dir;
  o.command_line = a.command_line;
  if (!a.quiet) o.log = [](const std::string& s) { std::cerr << "orrery: " << s << "\n"; };
  std::stop_source stop;
  g_stop = &stop;
  o.stop = stop.get_token();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  calibrate::SlurmCalibration c;
  try {
    c = calibrate::calibrate_slurm(o);
  } catch (const calibrate::LocalSlurmError& e) {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::cerr << "error: the local Slurm cluster failed: " << e.what() << "\n";
    return 1;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  g_stop = nullptr;
  std::cout << fmt::format("{} jobs replayed; model: {}\n", c.observed.jobs.size(), c.policy_note);
  std::cout << calibrate::errors_table(c.fit.errors_before, c.fit.errors_after);
  if (c.nodes_known > 0) {
    std::cout << fmt::format(
        "jobs on the nodes Slurm chose: before fit {} of {}, after fit {} of {}\n",
        c.nodes_same_before, c.nodes_known, c.nodes_same_after, c.nodes_known);
  }
  const auto& m = c.fit.after;
  std::cout << fmt::format(
      "fitted: tick {:.3f} s, phase {:.3f} s, launch {:.3f} s, completion {:.3f} s, placement {}\n",
      m.tick_s, m.phase_s, m.launch_latency_s, m.completion_latency_s, m.placement);
  if (!a.out.empty())
    std::cout << "Results: " << std::filesystem::absolute(a.out).lexically_normal().string()
              << "\n";
  if (!c.live.error.empty()) {
    std::cerr << "error: the live run stopped early: " << c.live.error << "\n";
    for (const auto& n : c.live.notes) std::cerr << "  " << n << "\n";
    return c.live.error == "interrupted" ? 130 : 1;
  }
  return 0;
}

int run_k8s(const CalibrateArgs& a) {
  calibrate::K8sCalibrationOptions o;
  o.from_saved = a.from_saved;
  o.kubeconfig = a.kubeconfig;
  o.context = a.context;
  o.policy = a.policy;
  o.placement = a.placement;
  o.fit = !a.no_fit;
  o.out_dir = a.out;
  o.command_line = a.command_line;
  if (!a.quiet) o.log = [](const std::string& s) { std::cerr << "orrery: " << s << "\n"; };
  const calibrate::K8sCalibration k = calibrate::calibrate_k8s(o);
  std::cout << fmt::format("{} jobs; model: {}\n", k.observed.jobs.size(), k.policy_note);
  for (const auto& p : k.policies) {
    std::cout << fmt::format("  {:<14} median start error {:.2f} s, p95 {:.2f} s, tau {:.3f}\n",
                             p.policy, p.errors.start_abs_median_s, p.errors.start_abs_p95_s,
                             p.errors.kendall_tau);
  }
  std::cout << calibrate::errors_table(k.fit.errors_before, k.fit.errors_after);
  std::cout << "Results: " << std::filesystem::absolute(a.out).lexically_normal().string() << "\n";
  return 0;
}

int run_check(const CalibrateArgs& a) {
  const calibrate::CalibrationProfile profile = calibrate::CalibrationProfile::load(a.profile);
  const auto& m = profile.model;
  std::cout << fmt::format(
      "profile {}: policy {}, tick {:.3f} s, launch {:.3f} s, completion {:.3f} s, placement {}\n",
      a.profile, m.policy, m.tick_s, m.launch_latency_s, m.completion_latency_s, m.placement);
  // Read every folder first: a bad one fails before any output about the others.
  std::vector<calibrate::SavedSlurmRun> runs;
  for (const auto& dir : a.runs) runs.push_back(calibrate::load_saved_slurm_run(dir));
  int worse = 0;
  std::string per_job =
      "run,job_id,submit_s,observed_start_s,observed_end_s,unfitted_start_s,unfitted_end_s,"
      "profile_start_s,profile_end_s,observed_nodes,unfitted_nodes,profile_nodes\n";
  auto cell = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.3f}", *v) : std::string();
  };
  for (const auto& r : runs) {
    const calibrate::ProfileCheck c = calibrate::check_profile(r, profile);
    if (!a.per_job.empty()) {
      const auto& d = c.jobs_defaults;
      const auto& p = c.jobs_profile;
      for (std::size_t i = 0; i < d.size(); ++i) {
        per_job +=
            fmt::format("{},{},{:.3f},{},{},{},{},{},{},{},{},{}\n", traces::csv_escape(r.dir),
                        traces::csv_escape(d[i].id), d[i].submit_s, cell(d[i].observed_start_s),
                        cell(d[i].observed_end_s), cell(d[i].simulated_start_s),
                        cell(d[i].simulated_end_s), cell(p[i].simulated_start_s),
                        cell(p[i].simulated_end_s), traces::csv_escape(d[i].observed_nodes),
                        traces::csv_escape(calibrate::simulated_node_names(r, d[i])),
                        traces::csv_escape(calibrate::simulated_node_names(r, p[i])));
      }
    }
    std::cout << fmt::format("\n{}: {} jobs; both models on this run's loop phases\n", r.dir,
                             c.errors_profile.jobs);
    std::cout << calibrate::errors_table(c.errors_defaults, c.errors_profile, "unfitted",
                                         "profile");
    const calibrate::SlurmPartition* part = r.conf.partition(r.partition);
    const calibrate::NodeAgreement n =
        part ? calibrate::node_agreement(part->nodes, c.jobs_defaults, c.jobs_profile)
             : calibrate::NodeAgreement{};
    if (n.known > 0) {
      std::cout << fmt::format(
          "jobs on the nodes Slurm chose: unfitted {} of {}, profile {} of {}\n", n.same_a, n.known,
          n.same_b, n.known);
    }
    if (const calibrate::StampLatencies& l = c.run_latencies; l.launch_s && l.completion_s) {
      std::cout << fmt::format(
          "latencies the job scripts measured on this run (median of {} jobs): launch {:.3f} s,"
          " completion {:.3f} s; the profile's: launch {:.3f} s, completion {:.3f} s\n",
          l.jobs, *l.launch_s, *l.completion_s, m.launch_latency_s, m.completion_latency_s);
      // 0.05 s: the step of the fit's launch-latency search; a quiet and a compiling 2-core
      // machine measured 0.080 s and 0.175 s (docs/calibration.md).
      if (const double gap = *l.launch_s - m.launch_latency_s; std::abs(gap) > 0.05) {
        std::cout << fmt::format(
            "note: this run's jobs launched {:.3f} s {} than the profile says: the machine was"
            " probably {} than when the profile was fitted, and a profile's latencies carry"
            " over to a machine about as busy as the one it was fitted on\n",
            std::abs(gap), gap > 0 ? "slower" : "faster", gap > 0 ? "busier" : "quieter");
      }
    }
    const bool better = c.errors_profile.objective < c.errors_defaults.objective;
    std::cout << fmt::format(
        "objective (mean |start| + mean |JCT| error): {:.3f} s -> {:.3f} s ({})\n",
        c.errors_defaults.objective, c.errors_profile.objective,
        better ? "the profile is closer" : "the profile is NOT closer");
    if (!better) ++worse;
  }
  if (!a.per_job.empty()) {
    scenario::write_file_atomic(a.per_job, per_job);
    std::cout << "Per job: " << std::filesystem::absolute(a.per_job).lexically_normal().string()
              << "\n";
  }
  return worse == 0 ? 0 : 3;
}

// Fits the model again on a saved run, without the cluster: the same fit `calibrate slurm` runs
// at the end of a live run (after a change to the fit, or to fit a run recorded with --no-fit).
int run_refit(const CalibrateArgs& a) {
  const calibrate::SavedSlurmRun r = calibrate::load_saved_slurm_run(a.runs.front());
  const calibrate::ModelParams initial = calibrate::default_model(r.conf, a.policy);
  const calibrate::FitReport f = calibrate::fit_model(r.cluster, r.observed, &r.live, initial);
  std::cout << fmt::format("{}: {} jobs; model {} from its slurm.conf\n", r.dir,
                           r.observed.jobs.size(), initial.policy);
  std::cout << calibrate::errors_table(f.errors_before, f.errors_after);
  std::cout << "estimates: " << f.estimates.dump() << "\n";
  const auto& m = f.after;
  std::cout << fmt::format(
      "fitted: tick {:.3f} s, phase {:.3f} s, launch {:.3f} s, completion {:.3f} s, placement {}"
      " ({} replays)\n",
      m.tick_s, m.phase_s, m.launch_latency_s, m.completion_latency_s, m.placement, f.evaluations);
  nlohmann::json source = {{"refit_of", r.dir}, {"command", a.command_line}};
  calibrate::make_profile(f, std::move(source)).save(a.out);
  std::cout << "Profile: " << std::filesystem::absolute(a.out).lexically_normal().string() << "\n";
  return 0;
}

}  // namespace

Command add_calibrate(CLI::App& app) {
  auto args = std::make_shared<CalibrateArgs>();
  auto& a = *args;
  CLI::App* c = app.add_subcommand(
      "calibrate", "Check the simulator against a live Slurm or Kubernetes cluster and fit it");
  c->require_subcommand(1);
  c->description(
      "Replay a slice of a real trace on a live cluster, replay the same submissions in the\n"
      "simulator, compare job by job, fit the model's latencies and ticks, and save a\n"
      "calibration profile (scenario key \"calibration\"). See docs/calibration.md.");
  CLI::App* s = c->add_subcommand("slurm", "Calibrate against a Slurm cluster");
  s->add_option("--local", a.local,
                "Start a private local Slurm of NODES:GPUS_PER_NODE:GPU_TYPE (e.g. 4:8:a100) "
                "for the run");
  s->add_option("--slurm-conf", a.slurm_conf, "The cluster's slurm.conf (default: $SLURM_CONF)");
  s->add_option("--partition", a.partition, "Partition (default: the default partition)");
  s->add_option("--trace", a.trace, "Trace to take the slice from")->required();
  s->add_option("--format", a.format, "Trace format, or auto")->capture_default_str();
  s->add_option("--skip", a.skip, "Skip this many jobs of the trace first");
  s->add_option("--jobs", a.jobs, "Take at most this many jobs");
  s->add_option("--from", a.from_s, "Trace-time window start (s since the trace's first job)");
  s->add_option("--to", a.to_s, "Trace-time window end (s)");
  s->add_option("--compress", a.compress, "Divide arrival times and durations by this")
      ->capture_default_str();
  s->add_option("--min-duration", a.min_duration,
                "Shortest compressed job, s (shorter ones run this long; reported)")
      ->capture_default_str();
  s->add_option("--max-duration", a.max_duration,
                "Longest compressed job, s (longer ones are cut; reported); 0 = no cut");
  s->add_option("--policy", a.policy,
                "Simulator policy: auto (slurm when registered, else easy-backfill) or a name")
      ->capture_default_str();
  s->add_option("--work-dir", a.work_dir,
                "Where the job script and job outputs go (visible to the compute nodes)");
  s->add_option("--auth", a.auth, "Local cluster authentication: none or munge")
      ->capture_default_str();
  s->add_option("--scheduler-parameters", a.scheduler_parameters,
                "Local cluster SchedulerParameters (default: the low-latency settings)");
  s->add_flag("--keep-cluster-dir", a.keep_cluster, "Keep the local cluster's folder (logs)");
  s->add_flag("--no-fit", a.no_fit, "Compare only; the profile is the unfitted model");
  s->add_option("-o,--out", a.out, "Result folder (created)")->required();
  s->add_flag("-q,--quiet", a.quiet, "No progress messages");

  CLI::App* k = c->add_subcommand("k8s", "Calibrate against a Kubernetes cluster's finished pods");
  k->add_option("--from-saved", a.from_saved,
                "Saved `kubectl get nodes,pods -A -o json` output (default: ask kubectl)")
      ->check(CLI::ExistingFile);
  k->add_option("--kubeconfig", a.kubeconfig, "kubeconfig for kubectl (read-only `get` only)");
  k->add_option("--context", a.context, "kubeconfig context");
  k->add_option("--policy", a.policy,
                "Policy: auto (each registered of kube-default, volcano, kueue) or a name")
      ->capture_default_str();
  k->add_option("--placement", a.placement, "Placement (default: fitted)");
  k->add_flag("--no-fit", a.no_fit, "Compare only");
  k->add_option("-o,--out", a.out, "Result folder (created)")->required();
  k->add_flag("-q,--quiet", a.quiet, "No progress messages");

  CLI::App* ch = c->add_subcommand(
      "check", "Check a calibration profile on other saved Slurm calibration runs");
  ch->description(
      "Replay each saved run (a folder written by `orrery calibrate slurm`, e.g. with\n"
      "--no-fit on a different slice) with the unfitted model of its slurm.conf and with the\n"
      "profile, both on the run's own scheduler-loop phases from its controller log, and\n"
      "compare their errors. Exit 0 when the profile is closer on every run, 3 when not.");
  ch->add_option("--profile", a.profile, "Calibration profile (profile.json)")
      ->required()
      ->check(CLI::ExistingFile);
  ch->add_option("runs", a.runs, "Saved calibration result folders")->required();
  ch->add_option("--per-job", a.per_job,
                 "Also write every job's observed, unfitted and profile start and end (CSV)");

  CLI::App* rf = c->add_subcommand("fit", "Fit the model again on a saved Slurm calibration run");
  rf->description(
      "Fit the model's parameters again on a folder written by `orrery calibrate slurm`\n"
      "(its observed trace, job stamps, controller log and slurm.conf), without the cluster,\n"
      "and write the profile. Useful for a run recorded with --no-fit.");
  rf->add_option("run", a.runs, "Saved calibration result folder")
      ->required()
      ->expected(1)
      ->check(CLI::ExistingDirectory);
  rf->add_option("--policy", a.policy,
                 "Simulator policy: auto (slurm when registered, else easy-backfill) or a name")
      ->capture_default_str();
  rf->add_option("-o,--out", a.out, "Where to write the profile (JSON)")->required();
  return {c, [s, k, ch, rf, args]() {
            args->command_line = own_command_line();
            if (s->parsed()) return run_slurm(*args);
            if (k->parsed()) return run_k8s(*args);
            if (ch->parsed()) return run_check(*args);
            if (rf->parsed()) return run_refit(*args);
            return 0;
          }};
}

}  // namespace orrery::cli
