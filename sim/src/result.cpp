#include "orrery/sim/result.hpp"

#include <algorithm>
#include <cmath>

namespace orrery::sim {

namespace {
// Nearest-rank percentile on sorted values (p in (0, 100]).
double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const std::size_t idx = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(idx, sorted.size() - 1)];
}
}  // namespace

Quantiles quantiles(std::vector<double> values) {
  Quantiles q;
  if (values.empty()) return q;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  q.mean = sum / static_cast<double>(values.size());
  q.p50 = nearest_rank(values, 50);
  q.p95 = nearest_rank(values, 95);
  q.p99 = nearest_rank(values, 99);
  q.max = values.back();
  return q;
}

Summary summarize(const std::vector<JobOutcome>& jobs, const Accounting& acc,
                  std::uint32_t gpus_total) {
  const double gpu_ms_allocated = acc.allocated_gpu_ms;
  Summary s;
  s.jobs = jobs.size();
  std::vector<double> jct, wait;
  jct.reserve(jobs.size());
  wait.reserve(jobs.size());
  bool any = false;
  SimTime first_submit, last_end;
  for (const JobOutcome& o : jobs) {
    if (!any || o.submit < first_submit) first_submit = o.submit;
    if (!any) last_end = o.submit;
    any = true;
    switch (o.status) {
      case JobStatus::kCompleted:
        ++s.completed;
        break;
      case JobStatus::kFailed:
      case JobStatus::kKilled:
        ++s.failed;
        break;
      case JobStatus::kTimeout:
        ++s.failed;
        ++s.timed_out;
        break;
      case JobStatus::kRejected:
        ++s.rejected;
        break;
      default:
        ++s.unfinished;
        break;
    }
    s.preemptions += o.preemptions;
    s.restarts += o.restarts;
    if (o.start) wait.push_back((*o.start - o.submit).seconds());
    if (o.end) {
      jct.push_back((*o.end - o.submit).seconds());
      last_end = std::max(last_end, *o.end);
    }
  }
  s.jct_s = quantiles(std::move(jct));
  s.wait_s = quantiles(std::move(wait));
  if (any) s.makespan_s = (last_end - first_submit).seconds();
  s.gpu_hours_allocated = gpu_ms_allocated / 3.6e6;
  if (s.makespan_s > 0 && gpus_total > 0) {
    s.gpu_utilization = gpu_ms_allocated / 1000.0 / (s.makespan_s * gpus_total);
    s.effective_utilization = acc.productive_gpu_ms / 1000.0 / (s.makespan_s * gpus_total);
  }
  s.goodput = gpu_ms_allocated > 0 ? acc.productive_gpu_ms / gpu_ms_allocated : 1.0;
  s.gpu_hours_lost_failures = acc.failure_lost_gpu_ms / 3.6e6;
  s.gpu_hours_lost_preemption = acc.preemption_gpu_ms / 3.6e6;
  s.gpu_hours_overhead = acc.overhead_gpu_ms / 3.6e6;
  s.gpu_hours_lost_time_limits = acc.time_limit_lost_gpu_ms / 3.6e6;
  s.node_failures = acc.node_failures;
  return s;
}

}  // namespace orrery::sim
