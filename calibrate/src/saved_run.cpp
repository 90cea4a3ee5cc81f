#include "orrery/calibrate/saved_run.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "orrery/calibrate/slurm_calibration.hpp"
#include "orrery/calibrate/slurm_records.hpp"
#include "orrery/calibrate/workload_slice.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"

namespace orrery::calibrate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_file(const fs::path& p, const char* what) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    throw sim::InputError(p.string(), std::string("cannot read ") + what +
                                          " (is this a folder written by `orrery calibrate "
                                          "slurm`?)");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct StampRow {
  std::string id;
  std::uint64_t scheduler_id = 0;
  std::optional<double> script_start_s, script_end_s;
};

std::vector<StampRow> read_observed_jobs(const fs::path& path) {
  const std::string text = read_file(path, "the observed jobs");
  std::istringstream in(text);
  sim::Problems problems;
  traces::FieldReader f(problems, path.string());
  std::vector<std::string> fields;
  std::vector<StampRow> rows;
  std::string line;
  std::uint64_t line_no = 0;
  std::vector<std::string> header;
  auto column = [&](std::string_view name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      throw sim::InputError(path.string() + ":1", "missing column '" + std::string(name) + "'");
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  std::size_t c_id = 0, c_sched = 0, c_start = 0, c_end = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    f.at_line(line_no);
    if (!traces::split_csv(line, fields)) {
      f.problem_row("unterminated quoted field");
      continue;
    }
    if (line_no == 1) {
      header = fields;
      c_id = column("job_id");
      c_sched = column("scheduler_job_id");
      c_start = column("script_start_s");
      c_end = column("script_end_s");
      continue;
    }
    if (line.empty()) continue;
    if (fields.size() != header.size()) {
      f.problem_row("has " + std::to_string(fields.size()) + " fields, the header " +
                    std::to_string(header.size()));
      continue;
    }
    StampRow r;
    r.id = fields[c_id];
    const auto sched = f.integer("scheduler_job_id", fields[c_sched], 1, INT64_MAX);
    r.script_start_s = f.optional_number("script_start_s", fields[c_start]);
    r.script_end_s = f.optional_number("script_end_s", fields[c_end]);
    if (!sched) continue;
    r.scheduler_id = static_cast<std::uint64_t>(*sched);
    rows.push_back(std::move(r));
  }
  if (line_no == 0) throw sim::InputError(path.string(), "is empty (no header)");
  problems.throw_if_any();
  return rows;
}

// The phase of events at `times` (seconds) on a known period: the first event's position in
// its period plus the mean offset of the others from their nearest tick. Fewer than
// `min_points` events: none.
std::optional<double> phase_on_period(std::vector<double> times, double period,
                                      std::size_t min_points = 3) {
  if (times.size() < std::max<std::size_t>(1, min_points) || !(period > 0)) return std::nullopt;
  std::sort(times.begin(), times.end());
  const double t0 = times.front();
  double sum = 0;
  for (double t : times) sum += (t - t0) - std::round((t - t0) / period) * period;
  double phase = std::fmod(t0 + sum / static_cast<double>(times.size()), period);
  if (phase < 0) phase += period;
  return std::round(phase * 1000.0) / 1000.0;
}

// A loop's period on this run: the least-squares period of its events (3 or more) when within
// 1% of `guess`, to the ms; else `guess`.
double run_period(const std::vector<double>& times, double guess) {
  if (times.size() < 3) return guess;
  const TickEstimate te = estimate_tick(times, guess);
  if (std::abs(te.period_s - guess) > 0.01 * guess) return guess;
  return std::round(te.period_s * 1000.0) / 1000.0;
}

std::vector<double> relative_s(const std::vector<std::int64_t>& ms, std::int64_t t0_ms) {
  std::vector<double> out;
  out.reserve(ms.size());
  for (auto t : ms) out.push_back(static_cast<double>(t - t0_ms) / 1000.0);
  return out;
}

}  // namespace

SavedSlurmRun load_saved_slurm_run(const std::string& dir) {
  SavedSlurmRun r;
  r.dir = dir;
  const fs::path d(dir);
  if (!fs::is_directory(d)) throw sim::InputError(dir, "not a folder");
  const fs::path summary_path = d / "calibration.json";
  json summary;
  try {
    summary = json::parse(read_file(summary_path, "the calibration summary"));
  } catch (const json::exception& e) {
    throw sim::InputError(summary_path.string(), std::string("invalid JSON: ") + e.what());
  }
  if (summary.value("kind", json()) != "slurm")
    throw sim::InputError(
        summary_path.string() + ": kind",
        "not a Slurm calibration (\"kind\" is " + summary.value("kind", json()).dump() + ")");
  const json cl = summary.value("cluster", json::object());
  if (!cl.contains("partition") || !cl.at("partition").is_string())
    throw sim::InputError(summary_path.string() + ": cluster.partition", "missing");
  r.partition = cl.at("partition").get<std::string>();
  r.conf = read_slurm_conf((d / "capture" / "slurm.conf").string());
  if (!r.conf.partition(r.partition))
    throw sim::InputError((d / "capture" / "slurm.conf").string(),
                          "no partition \"" + r.partition + "\" (calibration.json names it)");
  r.cluster = r.conf.cluster_spec(r.partition);
  r.observed = load_trace((d / "observed.csv").string(), "native");

  const std::vector<StampRow> rows = read_observed_jobs(d / "observed_jobs.csv");
  const fs::path log_path = d / "capture" / "slurmctld.log";
  const auto events = parse_ctld_log(read_file(log_path, "the controller log excerpt"));
  r.live.activity = scheduler_activity(events);
  std::optional<std::int64_t> t0;
  for (const StampRow& row : rows) {
    const auto it = events.find(row.scheduler_id);
    if (it == events.end() || !it->second.release_ms) continue;
    if (!t0 || *it->second.release_ms < *t0) t0 = *it->second.release_ms;
  }
  if (!t0)
    throw sim::InputError(log_path.string(),
                          "no hold release of the run's jobs (the time origin) in the log");
  r.live.t0_ms = *t0;
  r.live.complete = true;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const StampRow& row = rows[i];
    ObservedJob j;
    j.plan_index = i;
    j.job_id = row.scheduler_id;
    if (const auto it = events.find(row.scheduler_id); it != events.end()) {
      j.release_ms = it->second.release_ms;
      j.start_ms = it->second.start_ms;
      j.end_ms = it->second.complete_ms;
      j.started_by = it->second.started_by;
      j.nodes = it->second.nodes;
      j.time_source = "slurmctld.log (ms)";
    }
    auto us = [&](double s) { return (*t0 + std::llround(s * 1000.0)) * 1000; };
    if (row.script_start_s) j.script_start_us = us(*row.script_start_s);
    if (row.script_end_s) j.script_end_us = us(*row.script_end_s);
    r.live.jobs.push_back(std::move(j));
  }
  // The nodes Slurm allocated (the log's), as the live calibration records them.
  std::map<std::string, const ObservedJob*> by_id;
  for (std::size_t i = 0; i < rows.size(); ++i) by_id[rows[i].id] = &r.live.jobs[i];
  for (sim::JobSpec& j : r.observed.jobs) {
    const auto it = by_id.find(j.id);
    if (it != by_id.end() && j.observed.placement.empty()) j.observed.placement = it->second->nodes;
  }
  return r;
}

ModelParams with_run_loops(ModelParams m, const LiveRun& live) {
  const auto& act = live.activity;
  // The same loop the fit takes the tick from: backfill when it started at least as many.
  const auto& stream = act.backfill_ms.size() >= act.main_ms.size() ? act.backfill_ms : act.main_ms;
  // A loop that started too few jobs to measure its phase gets phase 0, as slurm.conf's model
  // has: never the phase the model came with (a profile's is another run's).
  m.phase_s = 0;
  if (m.tick_s > 0) {
    // The loop's period is its interval plus the time its own passes took on this run (1.0005
    // to 1.004 s for a 1 s bf_interval on the same cluster).
    const std::vector<double> times = relative_s(stream, live.t0_ms);
    m.tick_s = run_period(times, m.tick_s);
    if (auto p = phase_on_period(times, m.tick_s)) m.phase_s = *p;
  }
  if (m.policy == "slurm") {
    // The will-run's batches of running-job ends are aligned on 30 s of epoch time
    // (docs/slurm-backfill.md): the run's time origin gives the alignment.
    m.policy_params["epoch_offset"] = static_cast<double>(live.t0_ms % 30'000) / 1000.0;
    // Next to a backfill loop every second the main loop starts few jobs (those submitted
    // between the backfill tick and its own): its phase is taken from as few as one start.
    // Its period is 1 s plus the loop's own work (slurmctld's background loop: ten 100 ms
    // sleeps, then its work): over a few minutes that drifts by a few tenths of a second, so
    // it is this run's too, by least squares, when the main loop started 3 jobs or more.
    m.policy_params.erase("sched_tick_phase");
    m.policy_params.erase("sched_tick");
    const std::vector<double> main = relative_s(act.main_ms, live.t0_ms);
    const double period = run_period(main, 1.0);
    if (period != 1.0) m.policy_params["sched_tick"] = period;
    if (auto p = phase_on_period(main, period, 1)) m.policy_params["sched_tick_phase"] = *p;
  }
  return m;
}

ProfileCheck check_profile(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                           const LiveRun& live, const ModelParams& defaults,
                           const CalibrationProfile& profile) {
  ProfileCheck c;
  c.defaults = with_run_loops(defaults, live);
  c.profile = with_run_loops(profile.model, live);
  const sim::RunResult d = replay(cluster, observed, c.defaults);
  const sim::RunResult p = replay(cluster, observed, c.profile);
  c.errors_defaults = compare(observed, d, cluster.total_gpus());
  c.errors_profile = compare(observed, p, cluster.total_gpus());
  c.jobs_defaults = job_comparisons(observed, d);
  c.jobs_profile = job_comparisons(observed, p);
  c.run_latencies = latencies_from_stamps(live);
  return c;
}

ProfileCheck check_profile(const SavedSlurmRun& run, const CalibrationProfile& profile) {
  ModelParams defaults = default_model(run.conf, profile.model.policy);
  return check_profile(run.cluster, run.observed, run.live, defaults, profile);
}

std::string simulated_node_names(const SavedSlurmRun& run, const JobComparison& job) {
  const SlurmPartition* part = run.conf.partition(run.partition);
  return node_names(part ? part->nodes : std::vector<std::string>{}, job.simulated_node_ids);
}

bool same_nodes(const SavedSlurmRun& run, const JobComparison& job) {
  const SlurmPartition* part = run.conf.partition(run.partition);
  return part && same_nodes(part->nodes, job);
}

}  // namespace orrery::calibrate
