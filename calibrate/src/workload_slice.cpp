#include "orrery/calibrate/workload_slice.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::calibrate {

namespace {

constexpr const char* kDirlabHeader = "u_id,user,gpu_num,cpu_num,node_num,interval,run_time";

// The DIR-LAB cut, read with the traces library's LineReader and CSV splitter. Used only while
// no registered format reads the file.
sim::Workload read_dirlab_fallback(const std::string& path) {
  traces::LineReader in(path);
  std::string line;
  if (!in.next(line)) throw sim::InputError(path, "empty file");
  std::vector<std::string> fields;
  traces::split_csv(line, fields);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < fields.size(); ++i) col[fields[i]] = i;
  for (const char* need : {"u_id", "gpu_num", "node_num", "interval", "run_time"}) {
    if (!col.count(need))
      throw sim::InputError(path + ":1", std::string("missing column '") + need + "'");
  }
  sim::Workload w;
  w.source = path;
  sim::Problems problems;
  traces::FieldReader f(problems, path);
  double submit = 0;
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    if (!traces::split_csv(line, fields) || fields.size() < col.size()) {
      f.problem_row("expected " + std::to_string(col.size()) + " columns");
      if (f.full()) break;
      continue;
    }
    const auto gpus = f.integer("gpu_num", fields[col["gpu_num"]], 0, 100000);
    const auto nodes = f.integer("node_num", fields[col["node_num"]], 0, 100000);
    const auto gap = f.number("interval", fields[col["interval"]]);
    const auto run = f.number("run_time", fields[col["run_time"]]);
    if (!gpus || !nodes || !gap || !run) {
      if (f.full()) break;
      continue;
    }
    submit += *gap;
    sim::JobSpec j;
    j.id = fields[col["u_id"]];
    j.submit = sim::SimTime::from_seconds(submit);
    j.duration = sim::SimTime::from_seconds(std::max(0.0, *run));
    if (col.count("user")) j.user = w.users.intern(fields[col["user"]]);
    const std::int64_t n = std::max<std::int64_t>(1, *nodes);
    if (*gpus > 0 && *gpus % n == 0) {
      j.tasks = static_cast<std::uint32_t>(n);
      j.gpu_milli = static_cast<std::uint32_t>(*gpus / n * 1000);
    } else {
      j.tasks = 1;
      j.gpu_milli = static_cast<std::uint32_t>(*gpus * 1000);
    }
    w.jobs.push_back(std::move(j));
  }
  problems.throw_if_any();
  return w;
}

bool format_registered(const std::string& name) {
  for (const auto& f : traces::trace_formats()) {
    if (f.name == name) return true;
  }
  return false;
}

bool any_detects(const std::string& header) {
  for (const auto& f : traces::trace_formats()) {
    if (f.detect && f.detect(header)) return true;
  }
  return false;
}

}  // namespace

std::string sanitize_job_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= 64) break;
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  while (!out.empty() && out.front() == '-') out.front() = '_';
  if (out.empty()) out = "job";
  return out;
}

sim::Workload load_trace(const std::string& path, const std::string& format,
                         std::string* format_used) {
  std::string header;
  {
    traces::LineReader in(path);
    in.next(header);
  }
  const bool dirlab = header.rfind(kDirlabHeader, 0) == 0;
  const bool dirlab_name =
      format == "dirlab" || format == "philly-csv" || format == "helios-dirlab";
  const bool registered = format == "auto" ? any_detects(header) : format_registered(format);
  if (registered || !dirlab || (format != "auto" && !dirlab_name)) {
    traces::Imported t = traces::import_trace(path, format, {});
    if (format_used) *format_used = t.report.format;
    return std::move(t.workload);
  }
  if (format_used) *format_used = "dirlab (calibrate's fallback reader)";
  return read_dirlab_fallback(path);
}

SlicePlan plan_slice(const sim::Workload& trace, const SliceOptions& o, const ClusterShape& shape) {
  sim::Problems problems;
  if (!(o.compress > 0) || !std::isfinite(o.compress))
    problems.add("--compress", "must be > 0, got " + fmt::format("{}", o.compress));
  if (o.min_duration_s < 0) problems.add("--min-duration", "must be >= 0");
  if (o.max_duration_s && *o.max_duration_s < o.min_duration_s)
    problems.add("--max-duration", "must be >= --min-duration");
  if (shape.nodes == 0 || shape.gpus_per_node == 0)
    problems.add("cluster", "has no GPU nodes in the chosen partition");
  problems.throw_if_any();

  SlicePlan plan;
  plan.source = trace.source;
  plan.options = o;
  plan.shape = shape;
  Distortion& d = plan.distortion;
  std::vector<std::size_t> order(trace.jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return trace.jobs[a].submit < trace.jobs[b].submit;
  });
  const sim::SimTime origin = order.empty() ? sim::SimTime{} : trace.jobs[order[0]].submit;
  const std::uint32_t total_gpus = shape.nodes * shape.gpus_per_node;
  std::uint64_t skipped = 0;
  std::optional<double> first_submit;
  for (std::size_t idx : order) {
    const sim::JobSpec& j = trace.jobs[idx];
    const double t = (j.submit - origin).seconds();
    if (o.from_s && t < *o.from_s) continue;
    if (o.to_s && t >= *o.to_s) break;
    if (skipped < o.skip) {
      ++skipped;
      continue;
    }
    if (o.jobs && plan.jobs.size() >= *o.jobs) break;
    ++d.trace_jobs_seen;
    const double gpus = j.gpus();
    if (gpus <= 0) {
      ++d.dropped_no_gpu;
      continue;
    }
    auto want = static_cast<std::uint32_t>(std::ceil(gpus - 1e-9));
    if (want > total_gpus) {
      ++d.gpus_capped;
      want = total_gpus;
    }
    PlannedJob p;
    p.trace_id = j.id;
    p.user = trace.users[j.user];
    p.trace_submit_s = t;
    p.trace_duration_s = j.duration.seconds();
    p.trace_gpus = gpus;
    if (want <= shape.gpus_per_node) {
      p.nodes = 1;
      p.gpus_per_node = want;
    } else {
      p.nodes = (want + shape.gpus_per_node - 1) / shape.gpus_per_node;
      p.gpus_per_node = shape.gpus_per_node;
      if (p.nodes * p.gpus_per_node != want) ++d.rounded_to_nodes;
    }
    if (!first_submit) first_submit = t;
    p.arrival_s = std::round((t - *first_submit) / o.compress * 1000.0) / 1000.0;
    double dur = p.trace_duration_s / o.compress;
    if (dur < o.min_duration_s) {
      dur = o.min_duration_s;
      ++d.raised_to_min;
    }
    if (o.max_duration_s && dur > *o.max_duration_s) {
      dur = *o.max_duration_s;
      ++d.cut_to_max;
    }
    p.sleep_s = std::max(0.001, std::round(dur * 1000.0) / 1000.0);
    p.time_limit_min = std::max<std::uint32_t>(
        1, static_cast<std::uint32_t>(std::ceil((p.sleep_s + o.limit_margin_s) / 60.0 - 1e-9)));
    p.name = sanitize_job_name("orrery-cal-" + std::to_string(plan.jobs.size()) + "-" + j.id);
    d.total_gpu_seconds += p.sleep_s * p.nodes * p.gpus_per_node;
    plan.jobs.push_back(std::move(p));
  }
  if (plan.jobs.empty()) {
    throw sim::InputError("--trace", "the slice has no GPU job (" +
                                         std::to_string(d.trace_jobs_seen) + " jobs looked at)");
  }
  d.trace_span_s = plan.jobs.back().trace_submit_s - plan.jobs.front().trace_submit_s;
  d.planned_span_s = plan.jobs.back().arrival_s;
  // Arrivals per one-second window (sliding over the sorted arrival times).
  std::size_t lo = 0;
  double busiest = 0;
  std::int64_t last_counted_second = -1;
  for (std::size_t hi = 0; hi < plan.jobs.size(); ++hi) {
    while (plan.jobs[hi].arrival_s - plan.jobs[lo].arrival_s >= 1.0) ++lo;
    const double n = static_cast<double>(hi - lo + 1);
    busiest = std::max(busiest, n);
    const auto second = static_cast<std::int64_t>(plan.jobs[hi].arrival_s);
    if (n > o.max_arrivals_per_s && second != last_counted_second) {
      ++d.seconds_over_rate;
      last_counted_second = second;
    }
  }
  d.busiest_second_arrivals = busiest;
  const auto n = static_cast<double>(plan.jobs.size());
  auto pct = [&](std::uint64_t k) { return 100.0 * static_cast<double>(k) / n; };
  if (d.dropped_no_gpu)
    d.notes.push_back(fmt::format("{} jobs without GPUs dropped", d.dropped_no_gpu));
  if (d.gpus_capped)
    d.notes.push_back(
        fmt::format("{} jobs capped at the cluster's {} GPUs", d.gpus_capped, total_gpus));
  if (d.rounded_to_nodes)
    d.notes.push_back(
        fmt::format("{} multi-node jobs rounded up to whole nodes", d.rounded_to_nodes));
  if (d.raised_to_min)
    d.notes.push_back(
        fmt::format("{} jobs ({:.0f}%) shorter than {} s after compression ran {} s instead",
                    d.raised_to_min, pct(d.raised_to_min), o.min_duration_s, o.min_duration_s));
  if (d.cut_to_max)
    d.notes.push_back(fmt::format("{} jobs ({:.0f}%) longer than {} s after compression were cut",
                                  d.cut_to_max, pct(d.cut_to_max), o.max_duration_s.value_or(0)));
  if (d.seconds_over_rate)
    d.notes.push_back(fmt::format(
        "{} seconds with more than {} arrivals (busiest: {}); Slurm's latency distorts such bursts",
        d.seconds_over_rate, o.max_arrivals_per_s, busiest));
  if (o.min_duration_s < 30)
    d.notes.push_back(
        "durations under ~30 s are distorted by Slurm's ~1 s decision ticks (notes/live-slurm.md)");
  return plan;
}

}  // namespace orrery::calibrate
