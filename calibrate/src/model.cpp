#include "orrery/calibrate/model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "orrery/policies/registry.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/sim/simulation.hpp"

namespace orrery::calibrate {

using nlohmann::json;

namespace {

constexpr const char* kMarkerId = "__orrery_tick_marker__";

// Engine features that arrive with newer sim/ versions, used when present.
template <typename Options>
bool set_engine_overheads(Options& o, sim::SimTime launch, sim::SimTime completion) {
  if constexpr (requires { o.overheads.launch_latency = launch; }) {
    o.overheads.launch_latency = launch;
    o.overheads.completion_latency = completion;
    return true;
  } else {
    return false;
  }
}

template <typename Options>
bool set_engine_phase(Options& o, sim::SimTime phase) {
  if constexpr (requires { o.scheduler_phase = phase; }) {
    o.scheduler_phase = phase;
    return true;
  } else {
    return false;
  }
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Nearest-rank percentile.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

json ModelParams::to_json() const {
  json speed = json::object();
  for (const auto& [t, s] : gpu_speed) speed[t] = s;
  return {{"policy", policy},
          {"policy_params", policy_params},
          {"placement", placement},
          {"tick_s", tick_s},
          {"phase_s", phase_s},
          {"launch_latency_s", launch_latency_s},
          {"completion_latency_s", completion_latency_s},
          {"gpu_speed", speed}};
}

ModelParams ModelParams::from_json(const json& j, const std::string& where) {
  ModelParams m;
  if (!j.is_object()) throw sim::InputError(where, "model must be a JSON object");
  try {
    m.policy = j.value("policy", m.policy);
    if (j.contains("policy_params")) m.policy_params = j.at("policy_params");
    m.placement = j.value("placement", m.placement);
    m.tick_s = j.value("tick_s", m.tick_s);
    m.phase_s = j.value("phase_s", m.phase_s);
    m.launch_latency_s = j.value("launch_latency_s", m.launch_latency_s);
    m.completion_latency_s = j.value("completion_latency_s", m.completion_latency_s);
    if (j.contains("gpu_speed")) {
      for (const auto& [t, s] : j.at("gpu_speed").items()) m.gpu_speed[t] = s.get<double>();
    }
  } catch (const json::exception& e) {
    throw sim::InputError(where, std::string("bad model value: ") + e.what());
  }
  sim::Problems p;
  if (!(m.tick_s >= 0) || m.tick_s > 3600) p.add(where + ": tick_s", "must be in [0, 3600]");
  if (!(m.phase_s >= 0)) p.add(where + ": phase_s", "must be >= 0");
  if (!(m.launch_latency_s >= 0) || m.launch_latency_s > 3600)
    p.add(where + ": launch_latency_s", "must be in [0, 3600]");
  if (!(m.completion_latency_s >= 0) || m.completion_latency_s > 3600)
    p.add(where + ": completion_latency_s", "must be in [0, 3600]");
  for (const auto& [t, s] : m.gpu_speed) {
    if (!(s > 0) || s > 1000) p.add(where + ": gpu_speed." + t, "must be in (0, 1000]");
  }
  p.throw_if_any();
  return m;
}

json slurm_policy_params(const SlurmConf& conf, const ModelParams& m,
                         std::vector<std::string>* dropped) {
  if (!policies::has_policy("slurm")) return json::object();
  // The registered policy's parameter names are its own; offer the slurm.conf values under the
  // names Slurm uses (with and without a unit suffix) and keep those the policy accepts.
  const double bf = conf.scheduler_seconds("bf_interval", 30);
  const double res = conf.scheduler_seconds("bf_resolution", 60);
  const double delay = conf.scheduler_seconds("batch_sched_delay", 3);
  const double sched = conf.scheduler_seconds("sched_interval", 60);
  const auto whole = [](double v) { return static_cast<std::int64_t>(std::llround(v)); };
  const std::vector<std::pair<std::string, json>> offers = {
      {"SchedulerType", conf.scheduler_type()},
      {"bf_interval", bf},
      {"bf_resolution", res},
      {"batch_sched_delay", delay},
      {"sched_interval", sched},
      {"bf_window", conf.scheduler_seconds("bf_window", 1440)},
      {"default_queue_depth", whole(conf.scheduler_seconds("default_queue_depth", 100))},
      {"bf_max_job_test", whole(conf.scheduler_seconds("bf_max_job_test", 500))},
      {"bf_job_part_count_reserve", whole(conf.scheduler_seconds("bf_job_part_count_reserve", 0))},
      {"bf_node_space_size",
       whole(conf.scheduler_seconds("bf_node_space_size",
                                    conf.scheduler_seconds("bf_max_job_test", 500)))},
      {"bf_window_linear", conf.scheduler_seconds("bf_window_linear", 0)},
  };
  (void)m;
  json params = json::object();
  for (const auto& [key, value] : offers) {
    json one = json::object();
    one[key] = value;
    try {
      policies::make_policy("slurm", one);
      params[key] = value;
    } catch (const sim::InputError&) {
      if (dropped) dropped->push_back(key);
    }
  }
  return params;
}

ModelParams default_model(const SlurmConf& conf, const std::string& policy_choice) {
  ModelParams m;
  const bool builtin = conf.scheduler_type() == "sched/builtin";
  if (policy_choice == "auto") {
    m.policy = policies::has_policy("slurm") ? "slurm" : builtin ? "fifo" : "easy-backfill";
  } else {
    m.policy = policy_choice;
  }
  m.tick_s = builtin ? 1.0 : std::max(1.0, conf.scheduler_seconds("bf_interval", 30));
  if (m.policy == "slurm") m.policy_params = slurm_policy_params(conf, m);
  return m;
}

bool engine_has_overheads() {
  static const bool has = [] {
    sim::SimulationOptions probe;
    if (!set_engine_overheads(probe, sim::SimTime::from_seconds(2), sim::SimTime::zero()))
      return false;
    sim::ClusterSpec c;
    sim::NodePoolSpec pool;
    pool.name = "p";
    pool.gpu_type = "g";
    pool.gpus_per_node = 1;
    pool.nodes = 1;
    c.pools.push_back(pool);
    sim::Workload w;
    sim::JobSpec j;
    j.id = "probe";
    j.gpu_milli = 1000;
    j.duration = sim::SimTime::from_seconds(1);
    w.jobs.push_back(j);
    sim::Simulation s(c, w, policies::make_policy("fifo"), policies::make_placer("pack"),
                      std::make_unique<sim::ObservedRuntime>(), probe);
    const sim::RunResult r = s.run();
    return r.jobs.size() == 1 && r.jobs[0].end && r.jobs[0].end->ms() == 3000;
  }();
  return has;
}

sim::RunResult replay(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                      const ModelParams& m, const ReplayOptions& ro) {
  sim::Workload w = observed;
  sim::SimulationOptions opts;
  opts.seed = ro.seed;
  opts.sample_interval = sim::SimTime::from_seconds(ro.sample_interval_s);
  opts.replay_observed_failures = false;
  const auto launch = sim::SimTime::from_seconds(m.launch_latency_s);
  const auto completion = sim::SimTime::from_seconds(m.completion_latency_s);
  const bool engine_overheads =
      engine_has_overheads() && set_engine_overheads(opts, launch, completion);
  for (sim::JobSpec& j : w.jobs) {
    double speed = 1.0;
    if (auto it = m.gpu_speed.find(w.gpu_types[j.gpu_type]); it != m.gpu_speed.end())
      speed = it->second;
    sim::SimTime d = sim::SimTime::from_seconds(j.duration.seconds() / speed);
    if (!engine_overheads) d += launch + completion;
    j.duration = d;
    j.observed = {};
  }
  std::int64_t tick = static_cast<std::int64_t>(std::llround(m.tick_s * 1000));
  json policy_params = m.policy_params;
  if (m.policy == "slurm") {
    // The slurm policy keeps its own main-scheduler and backfill ticks (absolute times, t = 0
    // at the first submission): the model's tick and phase are its backfill interval and phase.
    const double bf = std::max(1.0, m.tick_s);
    policy_params["bf_interval"] = bf;
    policy_params["bf_phase"] = std::fmod(std::max(0.0, m.phase_s), bf);
    tick = 0;
  }
  opts.scheduler_interval = sim::SimTime::from_ms(tick);
  std::int64_t shift = 0;
  bool marker = false;
  if (tick > 0) {
    std::int64_t phase = static_cast<std::int64_t>(std::llround(m.phase_s * 1000)) % tick;
    if (phase < 0) phase += tick;
    if (!set_engine_phase(opts, sim::SimTime::from_ms(phase))) {
      // Every submit moves one tick later and a marker arrives at `phase`: the engine's ticks
      // run from its first arrival, so they fall on phase + k * tick of the original times.
      shift = tick;
      for (sim::JobSpec& j : w.jobs) j.submit += sim::SimTime::from_ms(shift);
      sim::JobSpec mk;
      mk.id = kMarkerId;
      mk.submit = sim::SimTime::from_ms(phase);
      mk.tasks = 1;
      mk.gpu_milli = 0;
      mk.duration = sim::SimTime::zero();
      w.jobs.push_back(mk);
      marker = true;
    }
  }
  sim::Simulation simulation(cluster, w, policies::make_policy(m.policy, policy_params),
                             policies::make_placer(m.placement),
                             std::make_unique<sim::ObservedRuntime>(), opts);
  sim::RunResult r = simulation.run();
  if (!marker) return r;
  const sim::JobOutcome mk = r.jobs.back();
  r.jobs.pop_back();
  const auto back = sim::SimTime::from_ms(shift);
  for (sim::JobOutcome& o : r.jobs) {
    o.submit -= back;
    if (o.start) *o.start -= back;
    if (o.end) *o.end -= back;
  }
  std::vector<sim::Sample> samples;
  for (sim::Sample s : r.timeseries) {
    if (s.time < back) continue;
    s.time -= back;
    samples.push_back(s);
  }
  r.timeseries = std::move(samples);
  // The summary again, without the marker.
  sim::Summary& s = r.summary;
  s.jobs = r.jobs.size();
  if (mk.status == sim::JobStatus::kCompleted && s.completed > 0) --s.completed;
  if (mk.status == sim::JobStatus::kUnfinished && s.unfinished > 0) --s.unfinished;
  std::vector<double> jct, wait;
  std::optional<sim::SimTime> first, last;
  for (const sim::JobOutcome& o : r.jobs) {
    if (!first || o.submit < *first) first = o.submit;
    if (o.start) wait.push_back((*o.start - o.submit).seconds());
    if (o.end) {
      jct.push_back((*o.end - o.submit).seconds());
      if (!last || *o.end > *last) last = o.end;
    }
  }
  s.jct_s = sim::quantiles(jct);
  s.wait_s = sim::quantiles(wait);
  s.makespan_s = first && last ? (*last - *first).seconds() : 0;
  std::uint64_t gpus = 0;
  for (const auto& p : cluster.pools) gpus += std::uint64_t{p.gpus_per_node} * p.nodes;
  s.gpu_utilization = s.makespan_s > 0 && gpus > 0 ? s.gpu_hours_allocated * 3600.0 /
                                                         (s.makespan_s * static_cast<double>(gpus))
                                                   : 0;
  return r;
}

std::string node_names(const std::vector<std::string>& names,
                       const std::vector<std::uint32_t>& ids) {
  std::string out;
  for (std::uint32_t id : ids) {
    if (!out.empty()) out += ',';
    out += id < names.size() ? names[id] : "#" + std::to_string(id);
  }
  return out;
}

bool same_nodes(const std::vector<std::string>& names, const JobComparison& job) {
  if (job.observed_nodes.empty() || job.simulated_node_ids.empty()) return false;
  std::vector<std::string> observed;
  try {
    observed = expand_hostlist(job.observed_nodes);
  } catch (const sim::InputError&) {
    return false;
  }
  std::vector<std::string> simulated;
  for (std::uint32_t id : job.simulated_node_ids) {
    if (id >= names.size()) return false;
    simulated.push_back(names[id]);
  }
  std::sort(observed.begin(), observed.end());
  std::sort(simulated.begin(), simulated.end());
  return observed == simulated;
}

NodeAgreement node_agreement(const std::vector<std::string>& names,
                             const std::vector<JobComparison>& a,
                             const std::vector<JobComparison>& b) {
  NodeAgreement n;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].observed_nodes.empty()) continue;
    ++n.known;
    n.same_a += same_nodes(names, a[i]) ? 1U : 0U;
    n.same_b += same_nodes(names, b[i]) ? 1U : 0U;
  }
  return n;
}

std::vector<JobComparison> job_comparisons(const sim::Workload& observed,
                                           const sim::RunResult& simulated) {
  std::vector<JobComparison> out;
  for (std::size_t i = 0; i < observed.jobs.size(); ++i) {
    const sim::JobSpec& j = observed.jobs[i];
    JobComparison c;
    c.id = j.id;
    c.submit_s = j.submit.seconds();
    c.gpus = j.gpus();
    if (j.observed.start) c.observed_start_s = j.observed.start->seconds();
    if (j.observed.end) c.observed_end_s = j.observed.end->seconds();
    c.observed_nodes = j.observed.placement;
    if (i < simulated.jobs.size()) {
      const sim::JobOutcome& o = simulated.jobs[i];
      if (o.start) c.simulated_start_s = o.start->seconds();
      if (o.end) c.simulated_end_s = o.end->seconds();
      c.simulated_node_ids = o.node_ids;
    }
    out.push_back(std::move(c));
  }
  return out;
}

double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n < 2) return 1.0;
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = i + 1; k < n; ++k) {
      const double da = a[i] - a[k], db = b[i] - b[k];
      if (da == 0 && db == 0) continue;
      if (da == 0) {
        ++ties_a;
      } else if (db == 0) {
        ++ties_b;
      } else if ((da > 0) == (db > 0)) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  }
  const double denom =
      std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denom > 0 ? (concordant - discordant) / denom : 1.0;
}

UtilizationCurve utilization_curve(const std::vector<JobComparison>& jobs, bool simulated,
                                   double step_s, double horizon_s) {
  UtilizationCurve c;
  c.step_s = step_s;
  const auto cells = static_cast<std::size_t>(std::ceil(horizon_s / step_s)) + 1;
  c.gpus.assign(cells, 0.0);
  for (const JobComparison& j : jobs) {
    const auto& s = simulated ? j.simulated_start_s : j.observed_start_s;
    const auto& e = simulated ? j.simulated_end_s : j.observed_end_s;
    if (!s) continue;
    const double end = e ? *e : horizon_s;
    for (std::size_t k = static_cast<std::size_t>(std::max(0.0, *s / step_s)); k < cells; ++k) {
      const double lo = static_cast<double>(k) * step_s, hi = lo + step_s;
      if (lo >= end) break;
      const double overlap = std::min(hi, end) - std::max(lo, *s);
      if (overlap > 0) c.gpus[k] += j.gpus * overlap / step_s;
    }
  }
  return c;
}

json Errors::to_json() const {
  return {{"jobs", jobs},
          {"start_abs_error_s",
           {{"median", start_abs_median_s}, {"p95", start_abs_p95_s}, {"mean", start_abs_mean_s}}},
          {"wait_abs_error_s", {{"median", wait_abs_median_s}, {"p95", wait_abs_p95_s}}},
          {"jct_abs_error_s", {{"median", jct_abs_median_s}, {"p95", jct_abs_p95_s}}},
          {"start_median_error_over_makespan", start_median_rel_makespan},
          {"kendall_tau_start_order", kendall_tau},
          {"makespan_s", {{"observed", makespan_observed_s}, {"simulated", makespan_simulated_s}}},
          {"makespan_rel_error", makespan_rel_error},
          {"utilization_mae_gpus", utilization_mae_gpus},
          {"utilization_mae_fraction", utilization_mae_fraction},
          {"objective", objective}};
}

Errors compare(const sim::Workload& observed, const sim::RunResult& simulated,
               std::uint32_t cluster_gpus) {
  const std::vector<JobComparison> jobs = job_comparisons(observed, simulated);
  Errors e;
  std::vector<double> start_err, wait_err, jct_err, obs_start, sim_start;
  double first_submit = 0, obs_last = 0, sim_last = 0, missing = 0;
  bool any = false;
  for (const JobComparison& j : jobs) {
    if (!any || j.submit_s < first_submit) first_submit = j.submit_s;
    any = true;
    if (j.observed_end_s) obs_last = std::max(obs_last, *j.observed_end_s);
    if (j.simulated_end_s) sim_last = std::max(sim_last, *j.simulated_end_s);
    if (j.observed_start_s && !j.simulated_start_s) ++missing;
    if (!j.observed_start_s || !j.simulated_start_s) continue;
    const double ds = *j.simulated_start_s - *j.observed_start_s;
    start_err.push_back(std::abs(ds));
    wait_err.push_back(
        std::abs((*j.simulated_start_s - j.submit_s) - (*j.observed_start_s - j.submit_s)));
    obs_start.push_back(*j.observed_start_s);
    sim_start.push_back(*j.simulated_start_s);
    if (j.observed_end_s && j.simulated_end_s) {
      jct_err.push_back(
          std::abs((*j.simulated_end_s - j.submit_s) - (*j.observed_end_s - j.submit_s)));
    }
  }
  e.jobs = start_err.size();
  e.start_abs_median_s = median_of(start_err);
  e.start_abs_p95_s = percentile(start_err, 95);
  e.start_abs_mean_s = mean_of(start_err);
  e.wait_abs_median_s = median_of(wait_err);
  e.wait_abs_p95_s = percentile(wait_err, 95);
  e.jct_abs_median_s = median_of(jct_err);
  e.jct_abs_p95_s = percentile(jct_err, 95);
  e.makespan_observed_s = obs_last - first_submit;
  e.makespan_simulated_s = sim_last - first_submit;
  e.makespan_rel_error =
      e.makespan_observed_s > 0
          ? std::abs(e.makespan_simulated_s - e.makespan_observed_s) / e.makespan_observed_s
          : 0;
  e.start_median_rel_makespan =
      e.makespan_observed_s > 0 ? e.start_abs_median_s / e.makespan_observed_s : 0;
  e.kendall_tau = kendall_tau(obs_start, sim_start);
  const double horizon = std::max(obs_last, sim_last);
  const UtilizationCurve uo = utilization_curve(jobs, false, 1.0, horizon);
  const UtilizationCurve us = utilization_curve(jobs, true, 1.0, horizon);
  double mae = 0;
  for (std::size_t k = 0; k < uo.gpus.size(); ++k) mae += std::abs(uo.gpus[k] - us.gpus[k]);
  e.utilization_mae_gpus = uo.gpus.empty() ? 0 : mae / static_cast<double>(uo.gpus.size());
  e.utilization_mae_fraction = cluster_gpus ? e.utilization_mae_gpus / cluster_gpus : 0;
  // Fitting minimises the mean absolute start and JCT errors; a job that never started in the
  // simulation (or live) costs as much as the whole makespan.
  e.objective =
      e.start_abs_mean_s + mean_of(jct_err) +
      (jobs.empty() ? 0 : missing * e.makespan_observed_s / static_cast<double>(jobs.size()));
  return e;
}

}  // namespace orrery::calibrate
