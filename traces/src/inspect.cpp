#include "orrery/traces/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace orrery::traces {

namespace {

constexpr const char* kWeekdays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

double interpolate(const std::vector<double>& x, double p) {
  const double h = static_cast<double>(x.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= x.size()) return x.back();
  return x[lo] + (h - static_cast<double>(lo)) * (x[lo + 1] - x[lo]);
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  const std::int64_t r = a % b;
  return r < 0 ? r + b : r;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return (a - floor_mod(a, b)) / b;
}

std::vector<NamedCount> top(const std::vector<std::uint64_t>& counts, const sim::StringTable& names,
                            std::uint64_t& distinct) {
  std::vector<NamedCount> all;
  for (std::size_t id = 1; id < counts.size(); ++id) {
    if (counts[id] > 0) all.push_back({names[static_cast<std::uint32_t>(id)], counts[id]});
  }
  distinct = all.size();
  std::sort(all.begin(), all.end(), [](const NamedCount& a, const NamedCount& b) {
    return a.jobs != b.jobs ? a.jobs > b.jobs : a.name < b.name;
  });
  if (all.size() > 10) all.resize(10);
  return all;
}

// Peak of a sum of intervals [from, to) of `milli` thousandths of GPUs: ends before starts at
// the same instant, so back-to-back jobs do not overlap.
std::pair<double, double> peak(std::vector<std::pair<std::int64_t, std::int64_t>>& events) {
  std::sort(events.begin(), events.end());
  std::int64_t level = 0, best = 0, best_at = events.empty() ? 0 : events.front().first;
  for (const auto& [t, delta] : events) {
    level += delta;
    if (level > best) {
      best = level;
      best_at = t;
    }
  }
  return {static_cast<double>(best) / 1000.0, static_cast<double>(best_at) / 1000.0};
}

std::string num(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::fabs(v) >= 1e6 || (std::fabs(v) < 1e-3 && v != 0)) return fmt::format("{:.4g}", v);
  std::string s = fmt::format("{:.3f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string human_duration(double s) {
  if (s < 120) return num(s) + " s";
  if (s < 7200) return num(s / 60.0) + " min";
  if (s < 172800) return num(s / 3600.0) + " h";
  return num(s / 86400.0) + " d";
}

nlohmann::json quantiles_json(const Quantiles& q) {
  return {{"n", q.n},     {"mean", q.mean}, {"min", q.min}, {"p10", q.p10}, {"p25", q.p25},
          {"p50", q.p50}, {"p75", q.p75},   {"p90", q.p90}, {"p99", q.p99}, {"max", q.max}};
}

nlohmann::json counts_json(const std::vector<NamedCount>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& c : v) a.push_back({{"name", c.name}, {"jobs", c.jobs}});
  return a;
}

void quantiles_text(std::ostream& out, const char* title, const Quantiles& q) {
  if (q.n == 0) {
    out << fmt::format("  {:<14} n/a\n", title);
    return;
  }
  out << fmt::format(
      "  {:<14} n={} mean={} min={} p10={} p25={} p50={} p75={} p90={} p99={} max={}\n", title, q.n,
      num(q.mean), num(q.min), num(q.p10), num(q.p25), num(q.p50), num(q.p75), num(q.p90),
      num(q.p99), num(q.max));
}

}  // namespace

Quantiles quantiles(std::vector<double>& v) {
  Quantiles q;
  q.n = v.size();
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  q.mean = sum / static_cast<double>(v.size());
  q.min = v.front();
  q.max = v.back();
  q.p10 = interpolate(v, 0.10);
  q.p25 = interpolate(v, 0.25);
  q.p50 = interpolate(v, 0.50);
  q.p75 = interpolate(v, 0.75);
  q.p90 = interpolate(v, 0.90);
  q.p99 = interpolate(v, 0.99);
  return q;
}

TraceStats inspect_workload(const sim::Workload& w, const sim::ClusterSpec* cluster_spec) {
  TraceStats s;
  s.source = w.source;
  s.jobs = w.jobs.size();
  // Histogram buckets up to the largest demand.
  double max_gpus = 0;
  for (const auto& j : w.jobs) max_gpus = std::max(max_gpus, j.gpus());
  s.gpu_histogram.push_back({"0", 0, 0, 0, 0});
  s.gpu_histogram.push_back({"<1", 0, 1, 0, 0});
  s.gpu_histogram.push_back({"1", 1, 1, 0, 0});
  s.gpu_histogram.push_back({"2", 1, 2, 0, 0});
  for (double hi = 4; hi / 2 < max_gpus; hi *= 2)
    s.gpu_histogram.push_back({fmt::format("{}-{}", hi / 2 + 1, hi), hi / 2, hi, 0, 0});

  std::vector<double> durations, submits, waits;
  durations.reserve(w.jobs.size());
  submits.reserve(w.jobs.size());
  std::vector<std::uint64_t> user_counts(w.users.size()), queue_counts(w.queues.size());
  std::vector<std::pair<std::int64_t, std::int64_t>> observed, offered;
  double last_end = -std::numeric_limits<double>::infinity();
  for (const auto& j : w.jobs) {
    const double gpus = j.gpus();
    const double hours = gpus * j.duration.seconds() / 3600.0;
    s.gpu_hours += hours;
    if (j.gpu_milli > 0) ++s.gpu_jobs;
    GpuBucket* b = nullptr;
    if (gpus == 0) {
      b = &s.gpu_histogram[0];
    } else if (gpus < 1) {
      b = &s.gpu_histogram[1];
    } else if (gpus == 1) {
      b = &s.gpu_histogram[2];
    } else {
      for (std::size_t k = 3; k < s.gpu_histogram.size(); ++k) {
        if (gpus <= s.gpu_histogram[k].hi) {
          b = &s.gpu_histogram[k];
          break;
        }
      }
    }
    if (b) {
      ++b->jobs;
      b->gpu_hours += hours;
    }
    durations.push_back(j.duration.seconds());
    submits.push_back(j.submit.seconds());
    const std::int64_t sub_s = static_cast<std::int64_t>(std::floor(j.submit.seconds()));
    ++s.by_hour[static_cast<std::size_t>(floor_mod(floor_div(sub_s, 3600), 24))];
    ++s.by_weekday[static_cast<std::size_t>(floor_mod(floor_div(sub_s, 86400), 7))];
    ++user_counts[j.user];
    ++queue_counts[j.queue];
    if (j.observed.status) {
      ++s.with_status;
      ++s.status_counts[std::string(sim::to_string(*j.observed.status))];
    }
    if (j.observed.start) waits.push_back((*j.observed.start - j.submit).seconds());
    if (j.observed.end) last_end = std::max(last_end, j.observed.end->seconds());
    const auto milli = static_cast<std::int64_t>(std::uint64_t{j.tasks} * j.gpu_milli);
    if (cluster_spec && milli > 0) {
      if (j.observed.start && j.observed.end) {
        observed.emplace_back(j.observed.start->ms(), milli);
        observed.emplace_back(j.observed.end->ms(), -milli);
      }
      offered.emplace_back(j.submit.ms(), milli);
      offered.emplace_back((j.submit + j.duration).ms(), -milli);
    }
  }
  if (!submits.empty()) {
    const auto [lo, hi] = std::minmax_element(submits.begin(), submits.end());
    s.first_submit_s = *lo;
    s.last_submit_s = *hi;
    s.span_s = *hi - *lo;
  }
  if (std::isfinite(last_end)) s.last_end_s = last_end;
  s.duration_s = quantiles(durations);
  std::sort(submits.begin(), submits.end());
  std::vector<double> gaps;
  for (std::size_t i = 1; i < submits.size(); ++i) gaps.push_back(submits[i] - submits[i - 1]);
  s.interarrival_s = quantiles(gaps);
  if (!waits.empty()) s.wait_s = quantiles(waits);
  s.top_users = top(user_counts, w.users, s.users);
  s.top_queues = top(queue_counts, w.queues, s.queues);
  if (s.with_status > 0) {
    auto share = [&](sim::JobStatus st) {
      const auto it = s.status_counts.find(std::string(sim::to_string(st)));
      const std::uint64_t n = it == s.status_counts.end() ? 0 : it->second;
      return static_cast<double>(n) / static_cast<double>(s.with_status);
    };
    s.failed_share = share(sim::JobStatus::kFailed);
    s.killed_share = share(sim::JobStatus::kKilled);
    s.timeout_share = share(sim::JobStatus::kTimeout);
  }
  if (cluster_spec) {
    ClusterCheck c;
    const sim::Cluster cluster(*cluster_spec);
    c.name = cluster_spec->name;
    c.capacity_gpus = cluster.total_gpus();
    c.observed_jobs = observed.size() / 2;
    if (!observed.empty()) {
      const auto [p, at] = peak(observed);
      c.peak_observed_gpus = p;
      c.peak_observed_at_s = at;
    }
    const auto [p, at] = peak(offered);
    c.peak_offered_gpus = p;
    c.peak_offered_at_s = at;
    std::unordered_map<std::uint32_t, std::uint64_t> missing;
    for (const auto& j : w.jobs) {
      sim::Demand d;
      d.tasks = j.tasks;
      d.gpu_milli = j.gpu_milli;
      d.cpu_milli = j.cpu_milli;
      d.memory_mib = j.memory_mib;
      bool fits = true;
      if (j.gpu_type != 0 && j.gpu_milli > 0) {
        if (auto t = cluster.find_gpu_type(w.gpu_types[j.gpu_type])) {
          d.gpu_type = *t;
        } else {
          ++missing[j.gpu_type];
          fits = false;
        }
      }
      if (fits) fits = cluster.fits_when_empty(d);
      if (!fits) {
        ++c.never_fit;
        if (c.never_fit_examples.size() < 10) c.never_fit_examples.push_back(j.id);
      }
    }
    for (const auto& [type, n] : missing) c.missing_gpu_types.push_back({w.gpu_types[type], n});
    std::sort(c.missing_gpu_types.begin(), c.missing_gpu_types.end(),
              [](const NamedCount& a, const NamedCount& b) {
                return a.jobs != b.jobs ? a.jobs > b.jobs : a.name < b.name;
              });
    s.cluster = std::move(c);
  }
  return s;
}

void write_stats_text(const TraceStats& s, std::ostream& out) {
  out << fmt::format("trace: {}\n", s.source);
  out << fmt::format("jobs: {} ({} with GPUs), {} GPU-hours\n", s.jobs, s.gpu_jobs,
                     num(s.gpu_hours));
  out << fmt::format("submissions: {} s .. {} s (span {})\n", num(s.first_submit_s),
                     num(s.last_submit_s), human_duration(s.span_s));
  if (s.last_end_s) out << fmt::format("last observed end: {} s\n", num(*s.last_end_s));
  out << "GPU demand per job (GPUs: jobs, GPU-hours):\n";
  for (const auto& b : s.gpu_histogram) {
    out << fmt::format(
        "  {:>9}: {:>9} {:>6.1f}%  {:>12} GPU-h\n", b.label, b.jobs,
        s.jobs ? 100.0 * static_cast<double>(b.jobs) / static_cast<double>(s.jobs) : 0.0,
        num(b.gpu_hours));
  }
  out << "seconds:\n";
  quantiles_text(out, "duration", s.duration_s);
  quantiles_text(out, "inter-arrival", s.interarrival_s);
  if (s.wait_s) quantiles_text(out, "observed wait", *s.wait_s);
  out << "arrivals by hour of day (t = 0 read as Monday 00:00):\n ";
  for (std::size_t h = 0; h < 24; ++h) out << fmt::format(" {:02}h:{}", h, s.by_hour[h]);
  out << "\narrivals by day of week:\n ";
  for (std::size_t d = 0; d < 7; ++d) out << fmt::format(" {}:{}", kWeekdays[d], s.by_weekday[d]);
  out << "\n";
  auto list = [&](const char* what, std::uint64_t n, const std::vector<NamedCount>& v) {
    out << fmt::format("{}: {}", what, n);
    if (!v.empty()) {
      out << " (most jobs:";
      for (const auto& c : v) out << fmt::format(" {}={}", c.name, c.jobs);
      out << ")";
    }
    out << "\n";
  };
  list("users", s.users, s.top_users);
  list("queues", s.queues, s.top_queues);
  if (s.with_status > 0) {
    out << fmt::format("observed status ({} jobs):", s.with_status);
    for (const auto& [name, n] : s.status_counts) out << fmt::format(" {}={}", name, n);
    out << fmt::format(
        "; failed {}%, killed {}%, timed out {}%\n", num(100.0 * s.failed_share.value_or(0)),
        num(100.0 * s.killed_share.value_or(0)), num(100.0 * s.timeout_share.value_or(0)));
  } else {
    out << "observed status: none recorded\n";
  }
  if (s.cluster) {
    const ClusterCheck& c = *s.cluster;
    out << fmt::format("cluster {}: {} GPUs\n", c.name, c.capacity_gpus);
    if (c.peak_observed_gpus) {
      out << fmt::format(
          "  peak concurrent GPUs (observed, {} jobs): {} at {} s ({}% of capacity)\n",
          c.observed_jobs, num(*c.peak_observed_gpus), num(c.peak_observed_at_s),
          num(c.capacity_gpus ? 100.0 * *c.peak_observed_gpus / static_cast<double>(c.capacity_gpus)
                              : 0.0));
    } else {
      out << "  peak concurrent GPUs (observed): n/a (no observed start and end times)\n";
    }
    out << fmt::format(
        "  peak concurrent GPUs (offered: each job from its submission): {} at {} s ({}% of "
        "capacity)\n",
        num(c.peak_offered_gpus), num(c.peak_offered_at_s),
        num(c.capacity_gpus ? 100.0 * c.peak_offered_gpus / static_cast<double>(c.capacity_gpus)
                            : 0.0));
    out << fmt::format("  jobs that can never fit: {}", c.never_fit);
    if (!c.never_fit_examples.empty()) {
      out << " (e.g.";
      for (const auto& id : c.never_fit_examples) out << " " << id;
      out << ")";
    }
    out << "\n";
    if (!c.missing_gpu_types.empty()) {
      out << "  GPU types the cluster lacks:";
      for (const auto& t : c.missing_gpu_types) out << fmt::format(" {} ({} jobs)", t.name, t.jobs);
      out << "\n";
    }
  }
}

nlohmann::json stats_to_json(const TraceStats& s) {
  using nlohmann::json;
  json hist = json::array();
  for (const auto& b : s.gpu_histogram) {
    hist.push_back({{"label", b.label},
                    {"lo", b.lo},
                    {"hi", b.hi},
                    {"jobs", b.jobs},
                    {"gpu_hours", b.gpu_hours}});
  }
  json weekdays = json::object();
  for (std::size_t d = 0; d < 7; ++d) weekdays[kWeekdays[d]] = s.by_weekday[d];
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json j = {
      {"source", s.source},
      {"jobs", s.jobs},
      {"gpu_jobs", s.gpu_jobs},
      {"gpu_hours", s.gpu_hours},
      {"first_submit_s", s.first_submit_s},
      {"last_submit_s", s.last_submit_s},
      {"span_s", s.span_s},
      {"last_observed_end_s", opt(s.last_end_s)},
      {"gpu_histogram", hist},
      {"duration_s", quantiles_json(s.duration_s)},
      {"interarrival_s", quantiles_json(s.interarrival_s)},
      {"observed_wait_s", s.wait_s ? quantiles_json(*s.wait_s) : json(nullptr)},
      {"arrivals_by_hour", s.by_hour},
      {"arrivals_by_weekday", weekdays},
      {"users", s.users},
      {"queues", s.queues},
      {"top_users", counts_json(s.top_users)},
      {"top_queues", counts_json(s.top_queues)},
      {"jobs_with_status", s.with_status},
      {"status_counts", s.status_counts},
      {"failed_share", opt(s.failed_share)},
      {"killed_share", opt(s.killed_share)},
      {"timeout_share", opt(s.timeout_share)},
  };
  if (s.cluster) {
    const ClusterCheck& c = *s.cluster;
    j["cluster"] = {
        {"name", c.name},
        {"capacity_gpus", c.capacity_gpus},
        {"observed_jobs", c.observed_jobs},
        {"peak_observed_gpus", opt(c.peak_observed_gpus)},
        {"peak_observed_at_s", c.peak_observed_gpus ? json(c.peak_observed_at_s) : json(nullptr)},
        {"peak_offered_gpus", c.peak_offered_gpus},
        {"peak_offered_at_s", c.peak_offered_at_s},
        {"never_fit", c.never_fit},
        {"never_fit_examples", c.never_fit_examples},
        {"missing_gpu_types", counts_json(c.missing_gpu_types)}};
  }
  return j;
}

void write_stats_json(const TraceStats& s, std::ostream& out) {
  out << stats_to_json(s).dump(2) << "\n";
}

}  // namespace orrery::traces
