#include "orrery/calibrate/fit.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>

#include "orrery/calibrate/saved_run.hpp"
#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::calibrate {

using nlohmann::json;

namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

template <typename Options>
bool set_overheads(Options& o, double launch_s, double completion_s) {
  if constexpr (requires { o.overheads.launch_latency = sim::SimTime{}; }) {
    o.overheads.launch_latency = sim::SimTime::from_seconds(launch_s);
    o.overheads.completion_latency = sim::SimTime::from_seconds(completion_s);
    return true;
  } else {
    return false;
  }
}

}  // namespace

TickEstimate estimate_tick(const std::vector<double>& times_in, double guess) {
  TickEstimate e;
  std::vector<double> t = times_in;
  std::sort(t.begin(), t.end());
  e.points = t.size();
  e.period_s = guess;
  if (t.empty() || !(guess > 0)) return e;
  if (t.size() < 3) {
    double s = 0;
    for (double x : t) s += std::fmod(x, guess);
    e.phase_s = s / static_cast<double>(t.size());
    return e;
  }
  double period = guess;
  e.phase_s = t[0];
  for (int iter = 0; iter < 4; ++iter) {
    const auto n = static_cast<Eigen::Index>(t.size());
    Eigen::MatrixXd A(n, 2);
    Eigen::VectorXd y(n);
    // Tick numbers counted from one event to the next: a gap of a few ticks tells its count
    // even when the period is off by a few ms, which over a whole run (counted from the first
    // event) would add up to a wrong tick.
    double k = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto u = static_cast<std::size_t>(i);
      if (u > 0) k += std::round((t[u] - t[u - 1]) / period);
      A(i, 0) = 1.0;
      A(i, 1) = k;
      y(i) = t[u];
    }
    const Eigen::Vector2d x = A.colPivHouseholderQr().solve(y);
    if (!(x(1) > 0.5 * guess && x(1) < 1.5 * guess)) break;  // a degenerate fit: keep the last
    period = x(1);
    e.phase_s = x(0);
    const Eigen::VectorXd r = A * x - y;
    e.rms_residual_s = std::sqrt(r.squaredNorm() / static_cast<double>(n));
  }
  e.period_s = period;
  e.phase_s = std::fmod(e.phase_s, period);
  if (e.phase_s < 0) e.phase_s += period;
  return e;
}

RunLengthEstimate estimate_run_length(const sim::Workload& w) {
  RunLengthEstimate e;
  std::vector<std::string> types;
  for (const auto& j : w.jobs) {
    const std::string& t = w.gpu_types[j.gpu_type];
    if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
  }
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < w.jobs.size(); ++i) {
    if (w.jobs[i].observed.start && w.jobs[i].observed.end) rows.push_back(i);
  }
  e.points = rows.size();
  if (rows.size() < types.size() + 2) return e;
  // A type whose jobs all have (nearly) the same work cannot separate speed from overhead:
  // its speed stays 1 and its work is taken off the run length instead.
  std::vector<int> column(types.size(), -1);
  int free_types = 0;
  for (std::size_t t = 0; t < types.size(); ++t) {
    double lo = 1e300, hi = 0, sum = 0;
    std::size_t count = 0;
    for (std::size_t i : rows) {
      if (w.gpu_types[w.jobs[i].gpu_type] != types[t]) continue;
      const double work = w.jobs[i].duration.seconds();
      lo = std::min(lo, work);
      hi = std::max(hi, work);
      sum += work;
      ++count;
    }
    if (count >= 3 && sum > 0 && (hi - lo) / (sum / static_cast<double>(count)) > 0.05)
      column[t] = ++free_types;
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  const auto cols = static_cast<Eigen::Index>(free_types + 1);
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(n, cols);
  Eigen::VectorXd y(n);
  for (Eigen::Index r = 0; r < n; ++r) {
    const sim::JobSpec& j = w.jobs[rows[static_cast<std::size_t>(r)]];
    const auto t = static_cast<std::size_t>(
        std::find(types.begin(), types.end(), w.gpu_types[j.gpu_type]) - types.begin());
    A(r, 0) = 1.0;
    y(r) = (*j.observed.end - *j.observed.start).seconds();
    if (column[t] > 0)
      A(r, column[t]) = j.duration.seconds();
    else
      y(r) -= j.duration.seconds();
  }
  const Eigen::VectorXd x = A.colPivHouseholderQr().solve(y);
  e.overhead_s = x(0);
  for (std::size_t t = 0; t < types.size(); ++t) {
    const double b = column[t] > 0 ? x(column[t]) : 1.0;
    e.speed[types[t]] = b > 0 ? 1.0 / b : 1.0;
  }
  const Eigen::VectorXd res = A * x - y;
  e.rms_residual_s = std::sqrt(res.squaredNorm() / static_cast<double>(n));
  return e;
}

StampLatencies latencies_from_stamps(const LiveRun& live) {
  std::vector<double> launch, completion;
  for (const ObservedJob& j : live.jobs) {
    if (j.start_ms && j.script_start_us)
      launch.push_back(static_cast<double>(*j.script_start_us) / 1e6 -
                       static_cast<double>(*j.start_ms) / 1e3);
    if (j.end_ms && j.script_end_us)
      completion.push_back(static_cast<double>(*j.end_ms) / 1e3 -
                           static_cast<double>(*j.script_end_us) / 1e6);
  }
  StampLatencies l;
  l.jobs = launch.size();
  if (launch.size() >= 3 && completion.size() >= 3) {
    l.launch_s = median_of(launch);
    l.completion_s = median_of(completion);
  }
  return l;
}

FitReport fit_model(const sim::ClusterSpec& cluster, const sim::Workload& observed,
                    const LiveRun* live, const ModelParams& initial, const FitOptions& opt) {
  FitReport rep;
  rep.before = initial;
  const std::uint32_t gpus = cluster.total_gpus();
  auto evaluate = [&](const ModelParams& m) {
    ++rep.evaluations;
    return compare(observed, replay(cluster, observed, m), gpus);
  };
  rep.errors_before = evaluate(initial);
  ModelParams best = initial;
  json est = json::object();

  // 1. Direct estimates.
  if (live && opt.tick && initial.tick_s > 0) {
    const auto& act = live->activity;
    const auto& stream =
        act.backfill_ms.size() >= act.main_ms.size() ? act.backfill_ms : act.main_ms;
    std::vector<double> times;
    for (auto t : stream) times.push_back(static_cast<double>(t - live->t0_ms) / 1000.0);
    const TickEstimate te = estimate_tick(times, initial.tick_s);
    std::vector<double> main_times;
    for (auto t : act.main_ms) main_times.push_back(static_cast<double>(t - live->t0_ms) / 1000.0);
    const TickEstimate tm = estimate_tick(main_times, 1.0);
    est["tick"] = {{"stream", &stream == &act.backfill_ms ? "backfill" : "main"},
                   {"period_s", te.period_s},
                   {"phase_s", te.phase_s},
                   {"rms_residual_s", te.rms_residual_s},
                   {"points", te.points}};
    est["main_scheduler_tick"] = {{"period_s", tm.period_s},
                                  {"phase_s", tm.phase_s},
                                  {"rms_residual_s", tm.rms_residual_s},
                                  {"points", tm.points}};
    if (te.points >= 3) {
      best.tick_s = std::round(te.period_s * 1000.0) / 1000.0;
      if (opt.phase) best.phase_s = std::round(te.phase_s * 1000.0) / 1000.0;
    }
    // The slurm policy models the main scheduler's own 1 s loop too: give it its phase.
    if (best.policy == "slurm" && opt.phase && tm.points >= 3)
      best.policy_params["sched_tick_phase"] =
          std::fmod(std::round(tm.phase_s * 1000.0) / 1000.0, 1.0);
  }
  const RunLengthEstimate rl = estimate_run_length(observed);
  {
    json speed = json::object();
    for (const auto& [t, s] : rl.speed) speed[t] = s;
    est["run_length"] = {{"overhead_s", rl.overhead_s},
                         {"speed", speed},
                         {"rms_residual_s", rl.rms_residual_s},
                         {"points", rl.points}};
  }
  if (opt.speed && rl.points >= 5) {
    for (const auto& [t, s] : rl.speed) best.gpu_speed[t] = std::clamp(s, 0.5, 2.0);
  }
  bool latency_measured = false;  // from the job scripts' own stamps
  if (opt.latency) {
    const StampLatencies stamps = live ? latencies_from_stamps(*live) : StampLatencies{};
    if (stamps.launch_s && stamps.completion_s) {
      latency_measured = true;
      best.launch_latency_s = std::max(0.0, *stamps.launch_s);
      best.completion_latency_s = std::max(0.0, *stamps.completion_s);
      est["latency_from_job_stamps"] = {{"launch_median_s", best.launch_latency_s},
                                        {"completion_median_s", best.completion_latency_s},
                                        {"jobs", stamps.jobs}};
    } else if (rl.points >= 3) {
      best.launch_latency_s = std::max(0.0, rl.overhead_s);
      best.completion_latency_s = 0;
    }
  }
  // The search starts from the best of: all estimates, each group of them alone (the loops'
  // tick and phase; latencies and speeds), the run's loops as `calibrate check` measures them
  // (with_run_loops) with and without the other estimates, and the initial model. On a discrete
  // 1 s tick one estimate can move a start by a whole tick and hide what another gets right, so
  // an estimate that does not help as part of the whole is tried without the others before it
  // is dropped (a run whose fit once dropped measured latencies this way kept none of them).
  Errors best_err = evaluate(best);
  {
    ModelParams timing_only = initial;
    timing_only.tick_s = best.tick_s;
    timing_only.phase_s = best.phase_s;
    timing_only.policy_params = best.policy_params;
    ModelParams run_only = best;
    run_only.tick_s = initial.tick_s;
    run_only.phase_s = initial.phase_s;
    run_only.policy_params = initial.policy_params;
    const ModelParams all = best;
    ModelParams run_loops = live ? with_run_loops(all, *live) : all;
    ModelParams run_loops_only = live ? with_run_loops(initial, *live) : initial;
    for (const ModelParams* m : {&timing_only, &run_only, &run_loops, &run_loops_only}) {
      if (m->to_json() == all.to_json() || m->to_json() == initial.to_json()) continue;
      const Errors e = evaluate(*m);
      if (e.objective < best_err.objective - 1e-9) {
        best = *m;
        best_err = e;
      }
    }
    if (rep.errors_before.objective < best_err.objective) {
      best = initial;
      best_err = rep.errors_before;
    }
  }

  // 2. Bounded coordinate search.
  auto round_ms = [](double x) { return std::round(x * 1000.0) / 1000.0; };
  auto try_values = [&](const std::vector<double>& values, double ModelParams::*field, double lo,
                        double hi) {
    for (double v : values) {
      v = round_ms(std::clamp(v, lo, hi));
      if (v == best.*field) continue;
      ModelParams m = best;
      m.*field = v;
      const Errors e = evaluate(m);
      if (e.objective < best_err.objective - 1e-9) {
        best = m;
        best_err = e;
      }
    }
  };
  std::vector<std::string> placers;
  if (opt.placement) {
    for (const auto& p : policies::placer_registry()) placers.push_back(p.name);
  }
  for (int round = 0; round < opt.rounds; ++round) {
    const double before_round = best_err.objective;
    if (opt.tick && best.tick_s > 0) {
      std::vector<double> v;
      for (int d = -3; d <= 3; ++d) v.push_back(best.tick_s + 0.001 * d);
      v.push_back(initial.tick_s);
      try_values(v, &ModelParams::tick_s, best.policy == "slurm" ? 1.0 : 0.001, 3600);
    }
    if (opt.phase && best.tick_s > 0) {
      std::vector<double> v;
      const double step = round == 0 ? best.tick_s / 40.0 : 0.005;
      const double span = round == 0 ? best.tick_s : 0.05;
      for (double x = round == 0 ? 0 : best.phase_s - span;
           x < (round == 0 ? span : best.phase_s + span); x += step) {
        v.push_back(std::fmod(x + best.tick_s, best.tick_s));
      }
      try_values(v, &ModelParams::phase_s, 0, best.tick_s - 0.001);
    }
    // A launch latency the job scripts' stamps measured is kept as measured: searched, it
    // drifts to make up for errors of the loops' timing on this run, which do not carry to
    // other runs. The completion latency is searched even so: the stamps see the script end and
    // the controller's completion, but the resources are free for the next job only after the
    // epilog completes (slurmctld's EPILOG_COMPLETE), which nothing in the capture stamps.
    if (opt.latency) {
      std::vector<double> v;
      if (!latency_measured) {
        for (int d = -6; d <= 6; ++d) v.push_back(best.launch_latency_s + 0.05 * d);
        try_values(v, &ModelParams::launch_latency_s, 0, 60);
        v.clear();
      }
      for (int d = -5; d <= 5; ++d) v.push_back(best.completion_latency_s + 0.02 * d);
      try_values(v, &ModelParams::completion_latency_s, 0, 60);
    }
    for (const auto& p : placers) {
      if (p == best.placement) continue;
      ModelParams m = best;
      m.placement = p;
      try {
        const Errors e = evaluate(m);
        if (e.objective < best_err.objective - 1e-9) {
          best = m;
          best_err = e;
        }
      } catch (const std::exception&) {
        // A placer that cannot handle this workload is simply not a candidate.
      }
    }
    if (best_err.objective >= before_round - 1e-6) break;
  }
  rep.after = best;
  rep.errors_after = best_err;
  rep.estimates = est;
  return rep;
}

json CalibrationProfile::to_json() const {
  return {{"format", "orrery-calibration-profile"},
          {"version", 1},
          {"created", created},
          {"simulation_options",
           {{"scheduler_interval_s", model.tick_s},
            {"scheduler_phase_s", model.phase_s},
            {"launch_latency_s", model.launch_latency_s},
            {"completion_latency_s", model.completion_latency_s}}},
          {"policy", {{"name", model.policy}, {"params", model.policy_params}}},
          {"placement", model.placement},
          {"model", model.to_json()},
          {"errors", {{"before", errors_before.to_json()}, {"after", errors_after.to_json()}}},
          {"source", source}};
}

CalibrationProfile CalibrationProfile::from_json(const json& j, const std::string& where) {
  // Compared as JSON values: value<std::string>() would throw type_error on {"format": 5}.
  if (!j.is_object() || j.value("format", json()) != "orrery-calibration-profile")
    throw sim::InputError(where,
                          "not an orrery calibration profile (\"format\" must be "
                          "\"orrery-calibration-profile\")");
  if (j.value("version", json()) != 1)
    throw sim::InputError(where,
                          "unsupported profile version " + j.value("version", json()).dump());
  CalibrationProfile p;
  if (!j.contains("model")) throw sim::InputError(where, "\"model\" is required");
  p.model = ModelParams::from_json(j.at("model"), where + ": model");
  if (j.contains("created") && !j.at("created").is_string())
    throw sim::InputError(where + ": created", "must be a string, got " + j.at("created").dump());
  p.created = j.value("created", std::string());
  if (j.contains("source")) p.source = j.at("source");
  return p;
}

CalibrationProfile CalibrationProfile::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw sim::InputError(path, "cannot read the calibration profile");
  std::stringstream ss;
  ss << in.rdbuf();
  json j;
  try {
    j = json::parse(ss.str());
  } catch (const json::exception& e) {  // a syntax error, or a number too large (1e400)
    throw sim::InputError(path, std::string("invalid JSON: ") + e.what());
  }
  return from_json(j, path);
}

void CalibrationProfile::save(const std::string& path) const {
  // Through a temporary and a rename: a full disk never leaves half a profile behind.
  scenario::write_file_atomic(path, to_json().dump(2) + "\n");
}

std::vector<std::string> CalibrationProfile::apply(sim::SimulationOptions& o) const {
  std::vector<std::string> unmapped;
  o.scheduler_interval = sim::SimTime::from_seconds(model.tick_s);
  if (!set_overheads(o, model.launch_latency_s, model.completion_latency_s)) {
    unmapped.emplace_back("launch_latency_s");
    unmapped.emplace_back("completion_latency_s");
  }
  unmapped.emplace_back("scheduler_phase_s");
  return unmapped;
}

CalibrationProfile make_profile(const FitReport& fit, json source) {
  CalibrationProfile p;
  p.model = fit.after;
  p.errors_before = fit.errors_before;
  p.errors_after = fit.errors_after;
  p.source = std::move(source);
  p.created = now_utc();
  return p;
}

}  // namespace orrery::calibrate
