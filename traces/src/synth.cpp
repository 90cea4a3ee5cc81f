#include "orrery/traces/synth.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/trace_format.hpp"
#include "rng.hpp"

namespace orrery::traces {

namespace {

constexpr std::size_t kTablePoints = 4097;   // quantile table size (all values when fewer)
constexpr std::uint64_t kMinClassJobs = 30;  // smaller GPU-count classes share a pooled table
constexpr std::size_t kMaxShapes = 256;      // shapes kept per class (the rest join the first)
constexpr std::size_t kMinGaps = 30;         // fewer gaps in an hour bin: use a wider bin
constexpr std::int64_t kHourMs = 3'600'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  return a - floor_div(a, b) * b;
}
std::int64_t hour_of(std::int64_t ms) {
  return floor_mod(floor_div(ms, 3'600'000), 24);
}
std::int64_t weekday_of(std::int64_t ms) {
  return floor_mod(floor_div(ms, 86'400'000), 7);
}

// Inverse CDF by linear interpolation between quantile points.
struct QuantileTable {
  std::vector<double> q;
  static QuantileTable from(std::vector<double> v) {
    QuantileTable t;
    std::sort(v.begin(), v.end());
    if (v.size() <= kTablePoints) {
      t.q = std::move(v);
      return t;
    }
    t.q.resize(kTablePoints);
    for (std::size_t i = 0; i < kTablePoints; ++i) {
      const double h = static_cast<double>(v.size() - 1) * static_cast<double>(i) /
                       static_cast<double>(kTablePoints - 1);
      const auto lo = static_cast<std::size_t>(h);
      t.q[i] = lo + 1 < v.size() ? v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo])
                                 : v.back();
    }
    return t;
  }
  double sample(double u) const {
    if (q.size() == 1) return q[0];
    const double h = u * static_cast<double>(q.size() - 1);
    const auto lo = static_cast<std::size_t>(h);
    if (lo + 1 >= q.size()) return q.back();
    return q[lo] + (h - static_cast<double>(lo)) * (q[lo + 1] - q[lo]);
  }
};

// A categorical distribution from counts.
struct Categorical {
  std::vector<std::uint64_t> cum;
  void add(std::uint64_t count) { cum.push_back((cum.empty() ? 0 : cum.back()) + count); }
  std::size_t sample(Rng& rng) const {
    const std::uint64_t x = rng.below(cum.back());
    return static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
  }
};

// Two-sample Kolmogorov-Smirnov distance between fitted values (kept as distinct values with
// counts) and generated values streamed in: the generated ones are only counted at and between
// the fitted values, which is all the supremum needs (both CDFs are step functions, and between
// two fitted values the fitted CDF is flat).
class Ks {
 public:
  explicit Ks(std::vector<std::int64_t> fitted) : nf_(fitted.size()) {
    std::sort(fitted.begin(), fitted.end());
    for (std::size_t i = 0; i < fitted.size(); ++i) {
      if (a_.empty() || a_.back() != fitted[i]) {
        a_.push_back(fitted[i]);
        cum_.push_back(0);
      }
      cum_.back() = i + 1;
    }
    at_.assign(a_.size(), 0);
    between_.assign(a_.size() + 1, 0);
  }
  void add(std::int64_t x) {
    const auto k = static_cast<std::size_t>(std::lower_bound(a_.begin(), a_.end(), x) - a_.begin());
    if (k < a_.size() && a_[k] == x) {
      ++at_[k];
    } else {
      ++between_[k];
    }
    ++ng_;
  }
  double distance() const {
    if (ng_ == 0 || nf_ == 0) return 0;
    const auto ng = static_cast<double>(ng_), nf = static_cast<double>(nf_);
    double d = 0;
    std::uint64_t g = 0;
    for (std::size_t k = 0; k < a_.size(); ++k) {
      g += between_[k];
      const double before = k ? static_cast<double>(cum_[k - 1]) / nf : 0.0;
      d = std::max(d, std::fabs(static_cast<double>(g) / ng - before));
      g += at_[k];
      d = std::max(d, std::fabs(static_cast<double>(g) / ng - static_cast<double>(cum_[k]) / nf));
    }
    return d;
  }

 private:
  std::vector<std::int64_t> a_;
  std::vector<std::uint64_t> cum_;
  std::uint64_t nf_ = 0, ng_ = 0;
  std::vector<std::uint64_t> at_, between_;
};

void append_uint(std::string& b, std::uint64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  b.append(tmp, r.ptr);
}

struct Shape {
  std::uint32_t tasks = 1, gpu_milli = 0, gpu_type = 0, cpu_milli = 0;
  std::uint64_t memory_mib = 0;
  auto key() const { return std::tie(tasks, gpu_milli, gpu_type, cpu_milli, memory_mib); }
};

struct Class {
  std::uint64_t milli = 0;  // total GPU thousandths of the job
  std::uint64_t jobs = 0;
  std::vector<Shape> shapes;
  Categorical shape_pick;
  std::size_t durations = 0;  // index into Impl::tables
  std::vector<int> statuses;  // -1 = none, else a sim::JobStatus
  Categorical status_pick;
  double walltime_share = 0;
  std::optional<std::size_t> walltime_ratios;  // index into Impl::tables
};

}  // namespace

struct SynthModel::Impl {
  // Inter-arrival gaps (ms) grouped by the (hour of day, day of week) of the arrival they
  // follow: bin b = hour * 7 + weekday holds gaps[offset[b] .. offset[b + 1]), so an hour of the
  // day is the contiguous range of its seven weekdays.
  std::vector<std::int64_t> gaps;
  std::array<std::size_t, 24 * 7 + 1> offset{};
  std::array<bool, 24> active_hour{};  // hours of the day with at least one fitted arrival
  std::int64_t start_ms = 0;
  bool whole_second_durations = true;
  std::vector<Class> classes;
  Categorical class_pick;
  std::vector<QuantileTable> tables;
  std::vector<std::pair<std::string, std::string>> user_queue;  // CSV-escaped
  Categorical user_queue_pick;
  std::vector<std::string> gpu_types;  // CSV-escaped, by workload id
  std::vector<std::int64_t> fit_gpu, fit_duration, fit_gap, fit_hour, fit_weekday;
  std::uint64_t fitted_jobs = 0;
  std::uint64_t pooled_classes = 0;

  // The gap after an arrival at `t_ms`: drawn from the fitted gaps that followed arrivals in the
  // same hour of the same weekday; with fewer than kMinGaps of those, in the same hour of any
  // day; with fewer still, from all gaps.
  std::int64_t next_gap(std::int64_t t_ms, Rng& rng) const {
    const auto h = static_cast<std::size_t>(hour_of(t_ms));
    const auto b = h * 7 + static_cast<std::size_t>(weekday_of(t_ms));
    std::size_t lo = offset[b], hi = offset[b + 1];
    if (hi - lo < kMinGaps) {
      lo = offset[h * 7];
      hi = offset[h * 7 + 7];
    }
    if (hi - lo < kMinGaps) {
      lo = 0;
      hi = gaps.size();
    }
    return gaps[lo + rng.below(hi - lo)];
  }
  // Arrivals never fall in an hour of the day the fitted trace had none in: such a time moves
  // to the start of the next hour that had some.
  std::int64_t skip_quiet_hours(std::int64_t t_ms) const {
    for (int k = 0; k < 24 && !active_hour[static_cast<std::size_t>(hour_of(t_ms))]; ++k)
      t_ms = (floor_div(t_ms, kHourMs) + 1) * kHourMs;
    return t_ms;
  }
};

SynthModel::SynthModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SynthModel::SynthModel(SynthModel&&) noexcept = default;
SynthModel& SynthModel::operator=(SynthModel&&) noexcept = default;
SynthModel::~SynthModel() = default;

double SynthReport::max_checked() const {
  return std::max({ks.gpu_count, ks.duration, ks.interarrival, ks.hour_of_day});
}

SynthModel SynthModel::fit(const sim::Workload& wl) {
  const auto& jobs = wl.jobs;
  if (jobs.size() < 2) {
    throw sim::InputError(wl.source, "synth needs a trace of at least 2 jobs to fit, got " +
                                         std::to_string(jobs.size()));
  }
  auto m = std::make_unique<Impl>();
  m->fitted_jobs = jobs.size();
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].submit < jobs[b].submit; });
  m->start_ms = jobs[order.front()].submit.ms();
  for (const auto& j : jobs) {
    m->active_hour[static_cast<std::size_t>(hour_of(j.submit.ms()))] = true;
    m->whole_second_durations = m->whole_second_durations && j.duration.ms() % 1000 == 0;
  }
  // Gaps, bucketed by the (hour, weekday) of the arrival they follow (a counting sort).
  std::vector<std::size_t> bin_of(order.size() - 1);
  std::array<std::size_t, 24 * 7> count{};
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    const std::int64_t t = jobs[order[i]].submit.ms();
    bin_of[i] = static_cast<std::size_t>(hour_of(t)) * 7 + static_cast<std::size_t>(weekday_of(t));
    ++count[bin_of[i]];
  }
  for (std::size_t b = 0; b < 24 * 7; ++b) m->offset[b + 1] = m->offset[b] + count[b];
  m->gaps.resize(order.size() - 1);
  std::array<std::size_t, 24 * 7> fill{};
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    const std::int64_t gap = (jobs[order[i + 1]].submit - jobs[order[i]].submit).ms();
    m->gaps[m->offset[bin_of[i]] + fill[bin_of[i]]++] = gap;
    m->fit_gap.push_back(gap);
  }

  // GPU-count classes, ascending.
  std::map<std::uint64_t, std::vector<std::size_t>> by_class;
  for (std::size_t i = 0; i < jobs.size(); ++i)
    by_class[std::uint64_t{jobs[i].tasks} * jobs[i].gpu_milli].push_back(i);
  std::vector<double> pooled_durations, pooled_ratios;
  std::uint64_t pooled_walltime_jobs = 0, pooled_jobs = 0;
  std::vector<std::size_t> pooled;
  for (const auto& [milli, members] : by_class) {
    Class c;
    c.milli = milli;
    c.jobs = members.size();
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t>,
             std::uint64_t>
        shapes;
    std::map<int, std::uint64_t> statuses;
    std::vector<double> durations, ratios;
    std::uint64_t with_walltime = 0;
    for (std::size_t i : members) {
      const auto& j = jobs[i];
      ++shapes[{j.tasks, j.gpu_milli, j.gpu_type, j.cpu_milli, j.memory_mib}];
      ++statuses[j.observed.status ? static_cast<int>(*j.observed.status) : -1];
      durations.push_back(j.duration.seconds());
      if (j.walltime) {
        ++with_walltime;
        if (j.duration.ms() > 0) ratios.push_back(j.walltime->seconds() / j.duration.seconds());
      }
    }
    std::vector<std::pair<std::uint64_t, Shape>> ranked;
    for (const auto& [k, n] : shapes) {
      Shape s;
      std::tie(s.tasks, s.gpu_milli, s.gpu_type, s.cpu_milli, s.memory_mib) = k;
      ranked.emplace_back(n, s);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t k = kMaxShapes; k < ranked.size(); ++k) ranked[0].first += ranked[k].first;
    if (ranked.size() > kMaxShapes) ranked.resize(kMaxShapes);
    for (const auto& [n, s] : ranked) {
      c.shapes.push_back(s);
      c.shape_pick.add(n);
    }
    for (const auto& [st, n] : statuses) {
      c.statuses.push_back(st);
      c.status_pick.add(n);
    }
    if (members.size() >= kMinClassJobs) {
      c.durations = m->tables.size();
      m->tables.push_back(QuantileTable::from(std::move(durations)));
      c.walltime_share = static_cast<double>(with_walltime) / static_cast<double>(members.size());
      if (!ratios.empty()) {
        c.walltime_ratios = m->tables.size();
        m->tables.push_back(QuantileTable::from(std::move(ratios)));
      }
    } else {
      pooled.push_back(m->classes.size());
      pooled_durations.insert(pooled_durations.end(), durations.begin(), durations.end());
      pooled_ratios.insert(pooled_ratios.end(), ratios.begin(), ratios.end());
      pooled_walltime_jobs += with_walltime;
      pooled_jobs += members.size();
    }
    m->class_pick.add(members.size());
    m->classes.push_back(std::move(c));
  }
  if (!pooled.empty()) {
    const std::size_t dt = m->tables.size();
    m->tables.push_back(QuantileTable::from(std::move(pooled_durations)));
    std::optional<std::size_t> rt;
    if (!pooled_ratios.empty()) {
      rt = m->tables.size();
      m->tables.push_back(QuantileTable::from(std::move(pooled_ratios)));
    }
    for (std::size_t c : pooled) {
      m->classes[c].durations = dt;
      m->classes[c].walltime_ratios = rt;
      m->classes[c].walltime_share =
          static_cast<double>(pooled_walltime_jobs) / static_cast<double>(pooled_jobs);
    }
    m->pooled_classes = pooled.size();
  }

  // (user, queue) pairs, most jobs first.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> pairs;
  for (const auto& j : jobs) ++pairs[{j.user, j.queue}];
  std::vector<std::pair<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>>> ranked;
  for (const auto& [k, n] : pairs) ranked.emplace_back(n, k);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [n, k] : ranked) {
    m->user_queue.emplace_back(csv_escape(wl.users[k.first]), csv_escape(wl.queues[k.second]));
    m->user_queue_pick.add(n);
  }
  for (const auto& name : wl.gpu_types.names()) m->gpu_types.push_back(csv_escape(name));

  for (const auto& j : jobs) {
    m->fit_gpu.push_back(static_cast<std::int64_t>(std::uint64_t{j.tasks} * j.gpu_milli));
    m->fit_duration.push_back(j.duration.ms());
    m->fit_hour.push_back(hour_of(j.submit.ms()));
    m->fit_weekday.push_back(weekday_of(j.submit.ms()));
  }
  return SynthModel(std::move(m));
}

SynthReport SynthModel::generate(std::uint64_t n, std::uint64_t seed, std::ostream& out) const {
  const Impl& m = *impl_;
  Rng rng(seed);
  Ks ks_gpu(m.fit_gpu), ks_duration(m.fit_duration), ks_gap(m.fit_gap), ks_hour(m.fit_hour),
      ks_weekday(m.fit_weekday);
  std::string buf;
  constexpr std::size_t kFlush = std::size_t{1} << 20;
  buf.reserve(kFlush + 4096);
  buf += kNativeHeader;
  buf += '\n';
  std::int64_t submit_ms = m.start_ms;
  std::int64_t prev_ms = m.start_ms;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i > 0) submit_ms = m.skip_quiet_hours(prev_ms + m.next_gap(prev_ms, rng));
    const Class& c = m.classes[m.class_pick.sample(rng)];
    const Shape& s = c.shapes[c.shape_pick.sample(rng)];
    const double d = std::max(0.0, m.tables[c.durations].sample(rng.uniform()));
    const std::int64_t duration_ms =
        m.whole_second_durations ? std::llround(d) * 1000 : std::llround(d * 1000.0);
    const auto& uq = m.user_queue[m.user_queue_pick.sample(rng)];
    const int status = c.statuses[c.status_pick.sample(rng)];
    std::optional<std::int64_t> walltime_ms;
    if (c.walltime_ratios && rng.uniform() < c.walltime_share) {
      const double r = m.tables[*c.walltime_ratios].sample(rng.uniform());
      walltime_ms =
          static_cast<std::int64_t>(std::ceil(r * static_cast<double>(duration_ms) / 1000.0)) *
          1000;
    }
    // job_id,submit_s,user,queue,priority,tasks,gpus_per_task,gpu_type,cpu_per_task,
    // memory_mib_per_task,duration_s,walltime_s,job_class,observed_start_s,observed_end_s,
    // observed_status
    buf += 's';
    append_uint(buf, i + 1);
    buf += ',';
    append_seconds(buf, submit_ms);
    buf += ',';
    buf += uq.first;
    buf += ',';
    buf += uq.second;
    buf += ",0,";
    append_uint(buf, s.tasks);
    buf += ',';
    append_seconds(buf, s.gpu_milli);
    buf += ',';
    buf += m.gpu_types[s.gpu_type];
    buf += ',';
    append_seconds(buf, s.cpu_milli);
    buf += ',';
    append_uint(buf, s.memory_mib);
    buf += ',';
    append_seconds(buf, duration_ms);
    buf += ',';
    if (walltime_ms) append_seconds(buf, *walltime_ms);
    buf += ",,,,";
    if (status >= 0) buf += sim::to_string(static_cast<sim::JobStatus>(status));
    buf += '\n';
    if (buf.size() >= kFlush) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
    ks_gpu.add(static_cast<std::int64_t>(std::uint64_t{s.tasks} * s.gpu_milli));
    ks_duration.add(duration_ms);
    if (i > 0) ks_gap.add(submit_ms - prev_ms);
    ks_hour.add(hour_of(submit_ms));
    ks_weekday.add(weekday_of(submit_ms));
    prev_ms = submit_ms;
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.flush();
  if (!out) throw sim::InputError("synth output", "write failed (disk full?)");
  SynthReport r;
  r.fitted_jobs = m.fitted_jobs;
  r.generated_jobs = n;
  r.ks.gpu_count = ks_gpu.distance();
  r.ks.duration = ks_duration.distance();
  r.ks.interarrival = ks_gap.distance();
  r.ks.hour_of_day = ks_hour.distance();
  r.ks.day_of_week = ks_weekday.distance();
  return r;
}

std::string SynthModel::summary() const {
  const Impl& m = *impl_;
  std::size_t hours = 0;
  for (bool a : m.active_hour) hours += a ? 1 : 0;
  std::size_t bins = 0;
  for (std::size_t b = 0; b < 24 * 7; ++b) bins += m.offset[b + 1] - m.offset[b] >= kMinGaps;
  return fmt::format(
      "fitted {} jobs: {} GPU-count classes ({} pooled for having fewer than {} jobs), {} (user, "
      "queue) pairs; arrivals in {} hours of the day, gaps drawn per hour of the week ({} of 168 "
      "hours with at least {} gaps of their own); durations in whole seconds: {}",
      m.fitted_jobs, m.classes.size(), m.pooled_classes, kMinClassJobs, m.user_queue.size(), hours,
      bins, kMinGaps, m.whole_second_durations ? "yes" : "no");
}

}  // namespace orrery::traces
