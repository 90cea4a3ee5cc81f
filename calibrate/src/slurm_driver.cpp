#include "orrery/calibrate/slurm_driver.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "orrery/calibrate/process.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/slurm_state.hpp"

namespace orrery::calibrate {

namespace fs = std::filesystem;

namespace {

constexpr const char* kJobScript =
    "#!/bin/bash\n"
    "# orrery calibration job: sleeps its compressed duration and stamps its own start and end.\n"
    "echo \"orrery-start $EPOCHREALTIME\"\n"
    "sleep \"$1\"\n"
    "echo \"orrery-end $EPOCHREALTIME\"\n";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string join_ids(const std::vector<std::uint64_t>& ids) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

void sleep_until_epoch_ms(std::int64_t t, const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    const std::int64_t left = t - epoch_ms_now();
    if (left <= 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(left, 50)));
  }
}

std::string format_sleep(double s) {
  return fmt::format("{:.3f}", s);
}

}  // namespace

void merge_records(LiveRun& run, const std::map<std::uint64_t, std::string>& script_outputs) {
  const auto events = parse_ctld_log(run.ctld_log_text);
  run.activity = scheduler_activity(events);
  std::map<std::uint64_t, SqueueRecord> sq;
  if (!run.squeue_json.empty()) {
    try {
      for (auto& r : parse_squeue_json(run.squeue_json)) sq[r.job_id] = r;
    } catch (const sim::InputError& e) {
      run.notes.push_back(std::string("squeue output unreadable: ") + e.what());
    }
  }
  std::map<std::uint64_t, JobcompRecord> jc;
  for (auto& r : parse_jobcomp(run.jobcomp_text)) jc[r.job_id] = r;
  for (ObservedJob& j : run.jobs) {
    if (auto it = script_outputs.find(j.job_id); it != script_outputs.end()) {
      const ScriptStamps st = parse_script_stamps(it->second);
      j.script_start_us = st.start_us;
      j.script_end_us = st.end_us;
    }
    if (auto it = events.find(j.job_id); it != events.end()) {
      const CtldJobEvents& e = it->second;
      if (e.release_ms) j.release_ms = e.release_ms;
      j.start_ms = e.start_ms;
      j.end_ms = e.complete_ms;
      j.started_by = e.started_by;
      if (!e.nodes.empty()) j.nodes = e.nodes;
      if (e.start_ms) j.time_source = "slurmctld.log (ms)";
    }
    if (auto it = sq.find(j.job_id); it != sq.end()) {
      const SqueueRecord& r = it->second;
      j.state = r.state;
      if (j.nodes.empty()) j.nodes = r.nodes;
      if (!j.start_ms && r.start_s && r.state != "PENDING") {
        j.start_ms = *r.start_s * 1000;
        j.time_source = "squeue (s)";
      }
      if (!j.end_ms && r.end_s && is_final_state(r.state)) j.end_ms = *r.end_s * 1000;
    }
    if (auto it = jc.find(j.job_id); it != jc.end()) {
      const JobcompRecord& r = it->second;
      if (j.state.empty()) j.state = r.state;
      if (j.nodes.empty()) j.nodes = r.nodes;
      if (!j.start_ms && r.start_s) {
        j.start_ms = *r.start_s * 1000;
        j.time_source = "jobcomp (s)";
      }
      if (!j.end_ms && r.end_s) j.end_ms = *r.end_s * 1000;
    }
  }
  std::optional<std::int64_t> t0;
  for (const ObservedJob& j : run.jobs) {
    const std::int64_t rel = j.release_ms.value_or(j.planned_release_ms);
    if (!t0 || rel < *t0) t0 = rel;
  }
  if (t0) run.t0_ms = *t0;
}

LiveRun run_live(const SlicePlan& plan, const LiveRunOptions& o) {
  const auto wall_start = std::chrono::steady_clock::now();
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  LiveRun run;
  const fs::path work = fs::absolute(o.work_dir);
  fs::create_directories(work / "out");
  const fs::path script = work / "orrery-calibration-job.sh";
  scenario::write_file_atomic(script.string(), kJobScript);  // a full disk is an error here
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  const ProcessOptions popts{.timeout_s = 60, .env = o.env, .stdin_text = {}};
  const std::string partition = plan.shape.partition;
  const std::string type = plan.shape.gpu_type;
  std::vector<std::uint64_t> ids;
  auto cancel_ours = [&](const char* why) {
    if (ids.empty()) return;
    std::vector<std::string> argv = {"scancel"};
    for (auto id : ids) argv.push_back(std::to_string(id));
    ProcessResult r = run_program(argv, popts);
    log(fmt::format("cancelled this run's {} jobs ({}): {}", ids.size(), why,
                    r.ok() ? "ok" : r.describe()));
  };

  // 1. Submit everything, held.
  log(fmt::format("submitting {} jobs (held)", plan.jobs.size()));
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    if (o.stop.stop_requested()) {
      cancel_ours("interrupted");
      run.error = "interrupted while submitting";
      return run;
    }
    const PlannedJob& p = plan.jobs[i];
    std::vector<std::string> argv = {
        "sbatch",
        "--parsable",
        "--hold",
        "--job-name=" + sanitize_job_name(p.name),
        "--comment=orrery-calibrate",
        "--nodes=" + std::to_string(p.nodes),
        "--ntasks-per-node=1",
        "--gres=gpu:" + (type.empty() ? std::string() : type + ":") +
            std::to_string(p.gpus_per_node),
        "--time=" + std::to_string(p.time_limit_min),
        "--chdir=" + work.string(),
        "--output=" + (work / "out" / "%j.out").string(),
    };
    if (!partition.empty()) argv.push_back("--partition=" + partition);
    argv.push_back(script.string());
    argv.push_back(format_sleep(p.sleep_s));
    // sbatch exports its environment into the job: give it a clean one (no credentials of
    // ours travel; --export=NONE would make slurmd fetch a login environment, ~20 s per job).
    ProcessOptions sbatch_opts = popts;
    sbatch_opts.clean_env = true;
    sbatch_opts.env.emplace_back("HOME", work.string());
    ProcessResult r = run_program(argv, sbatch_opts);
    std::uint64_t id = 0;
    if (r.ok()) {
      const std::string first = r.out.substr(0, r.out.find_first_of(";\n"));
      try {
        id = std::stoull(first);
      } catch (const std::exception&) {
        id = 0;
      }
    }
    if (id == 0) {
      cancel_ours("a submission failed");
      run.error = "sbatch failed for job " + p.trace_id + ": " + r.describe() +
                  " (command: " + display_command(argv) + ")";
      return run;
    }
    ids.push_back(id);
    ObservedJob j;
    j.plan_index = i;
    j.job_id = id;
    run.jobs.push_back(j);
  }

  // 2. Release each arrival instant's jobs with one scontrol call.
  const std::int64_t t0 = epoch_ms_now() + static_cast<std::int64_t>(o.lead_s * 1000);
  std::map<std::int64_t, std::vector<std::size_t>> instants;
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    const auto at = static_cast<std::int64_t>(std::llround(plan.jobs[i].arrival_s * 1000));
    instants[at].push_back(i);
    run.jobs[i].planned_release_ms = t0 + at;
  }
  log(fmt::format("releasing at {} instants over {:.0f} s", instants.size(),
                  plan.distortion.planned_span_s));
  std::size_t failures = 0;
  for (const auto& [at, members] : instants) {
    sleep_until_epoch_ms(t0 + at, o.stop);
    if (o.stop.stop_requested()) break;
    std::vector<std::uint64_t> batch;
    for (std::size_t i : members) batch.push_back(run.jobs[i].job_id);
    const std::int64_t before = epoch_ms_now();
    ProcessResult r = run_program({"scontrol", "release", join_ids(batch)}, popts);
    for (std::size_t i : members) run.jobs[i].release_ms = before;
    if (!r.ok()) {
      ++failures;
      log("scontrol release failed: " + r.describe());
      if ((o.controller_alive && !o.controller_alive()) || failures >= 3) {
        run.error = "the Slurm controller stopped answering while jobs were released (" +
                    r.describe() + ")";
        break;
      }
    }
  }

  // 3. Wait until every job has ended.
  double longest = 0;
  for (const auto& p : plan.jobs) longest = std::max(longest, p.sleep_s);
  const double timeout_s =
      o.timeout_s > 0 ? o.timeout_s : 2 * (plan.distortion.planned_span_s + longest) + 120;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  std::size_t consecutive_failures = 0;
  std::set<std::uint64_t> seen_final;
  while (run.error.empty()) {
    if (o.stop.stop_requested()) {
      run.error = "interrupted";
      cancel_ours("interrupted");
      break;
    }
    if (o.controller_alive && !o.controller_alive()) {
      run.error = "the Slurm controller (slurmctld) died during the run";
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      run.error = fmt::format("jobs still not finished after {:.0f} s", timeout_s);
      cancel_ours("timed out");
      break;
    }
    ProcessResult r =
        run_program({"squeue", "-h", "-t", "all", "--jobs=" + join_ids(ids), "-o", "%i %T"}, popts);
    if (!r.ok()) {
      if (++consecutive_failures >= 5) {
        run.error = "the Slurm controller stopped answering (squeue: " + r.describe() + ")";
        break;
      }
    } else {
      consecutive_failures = 0;
      std::map<std::uint64_t, std::string> states;
      std::istringstream in(r.out);
      std::uint64_t id = 0;
      std::string state;
      while (in >> id >> state) states[id] = state;
      std::size_t done = 0;
      for (auto jid : ids) {
        auto it = states.find(jid);
        // A job no longer listed has been purged after ending (MinJobAge).
        if (it == states.end() || is_final_state(it->second)) ++done;
      }
      if (done == ids.size()) {
        run.complete = true;
        break;
      }
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<std::int64_t>(o.poll_interval_s * 1000)));
  }

  // 4. Capture what happened, our jobs only.
  {
    ProcessResult r =
        run_program({"squeue", "--json", "-t", "all", "--jobs=" + join_ids(ids)}, popts);
    if (r.ok()) {
      run.squeue_json = r.out;
    } else {
      run.notes.push_back("squeue --json failed: " + r.describe());
    }
  }
  const std::string ctld_log = o.conf.get("slurmctldlogfile");
  if (!ctld_log.empty() && fs::exists(ctld_log)) {
    run.ctld_log_text = ctld_log_excerpt(read_text(ctld_log), ids);
  } else {
    run.notes.push_back("slurmctld.log not readable here (" + ctld_log +
                        "): times are whole seconds from squeue");
  }
  const std::string jobcomp = o.conf.get("jobcomploc");
  if (o.conf.get("jobcomptype") == "jobcomp/filetxt" && !jobcomp.empty() && fs::exists(jobcomp)) {
    const std::string all = read_text(jobcomp);
    const std::set<std::uint64_t> ours(ids.begin(), ids.end());
    for (const auto& rec_line : [&] {
           std::vector<std::string> lines;
           std::istringstream in(all);
           for (std::string l; std::getline(in, l);) lines.push_back(l);
           return lines;
         }()) {
      const auto recs = parse_jobcomp(rec_line);
      if (!recs.empty() && ours.count(recs.front().job_id)) run.jobcomp_text += rec_line + "\n";
    }
  }
  std::map<std::uint64_t, std::string> outputs;
  for (auto id : ids) {
    const fs::path p = work / "out" / (std::to_string(id) + ".out");
    if (fs::exists(p)) outputs[id] = read_text(p);
  }
  merge_records(run, outputs);
  std::size_t started = 0, ended = 0;
  for (const auto& j : run.jobs) {
    if (j.start_ms) ++started;
    if (j.end_ms) ++ended;
  }
  if (!run.error.empty()) {
    run.notes.push_back(fmt::format("captured before stopping: {} of {} jobs started, {} ended",
                                    started, run.jobs.size(), ended));
  }
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return run;
}

sim::Workload observed_workload(const SlicePlan& plan, const LiveRun& run,
                                const std::string& gpu_type) {
  sim::Workload w;
  w.source = "live Slurm run of " + plan.source;
  const std::uint32_t type = gpu_type.empty() ? 0 : w.gpu_types.intern(gpu_type);
  for (const ObservedJob& o : run.jobs) {
    const PlannedJob& p = plan.jobs[o.plan_index];
    if (!o.release_ms) continue;
    sim::JobSpec j;
    j.id = p.trace_id;
    auto rel = [&](std::int64_t epoch_ms) {
      return sim::SimTime::from_ms(std::max<std::int64_t>(0, epoch_ms - run.t0_ms));
    };
    j.submit = rel(*o.release_ms);
    j.user = w.users.intern(p.user);
    j.tasks = p.nodes;
    j.gpu_milli = p.gpus_per_node * 1000;
    j.gpu_type = type;
    j.cpu_milli = 1000;
    j.duration = sim::SimTime::from_seconds(p.sleep_s);
    j.walltime = sim::SimTime::from_seconds(60.0 * p.time_limit_min);
    if (o.start_ms) j.observed.start = std::max(j.submit, rel(*o.start_ms));
    if (o.end_ms && j.observed.start) j.observed.end = std::max(*j.observed.start, rel(*o.end_ms));
    if (is_final_state(o.state)) j.observed.status = traces::parse_slurm_state(o.state)->status;
    j.observed.placement = o.nodes;
    w.jobs.push_back(std::move(j));
  }
  return w;
}

}  // namespace orrery::calibrate
