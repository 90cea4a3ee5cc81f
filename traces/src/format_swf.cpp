// Standard Workload Format (Parallel Workloads Archive, SWF version 2.2), formats `swf` and
// `swf-gpu`. One job per line, 18 whitespace-separated fields, -1 = unknown, lines starting with
// ';' are comments (the header: Version, Computer, UnixStartTime, MaxProcs, ...):
//
//   1 job number, 2 submit time (s, the log's zero is its earliest time), 3 wait time (s),
//   4 run time (s), 5 allocated processors, 6 average CPU time, 7 used memory (KB per
//   processor), 8 requested processors, 9 requested time (s), 10 requested memory (KB per
//   processor), 11 status (1 completed, 0 failed, 5 cancelled; 2/3/4 partial executions),
//   12 user, 13 group, 14 executable, 15 queue, 16 partition, 17 preceding job, 18 think time.
//
// A job is one task per processor (allocated, else requested): one CPU core each for `swf`, one
// GPU each for `swf-gpu` (HPC logs used as a GPU workload proxy). Submit times keep the log's own
// zero; observed start = submit + wait, end = start + run. Requested time is the walltime
// request, requested (else used) memory per processor the memory per task. The queue number is
// the queue, the partition number the job class. Lines with status 2, 3 or 4 describe partial
// executions of a checkpointed job whose summary line (status 0, 1 or 5) is also in the log: they
// are dropped and counted, so each job is imported once.
#include <cmath>

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

namespace {
using namespace pub;

constexpr const char* kNames[18] = {
    "job_number",   "submit_time",   "wait_time",       "run_time",       "allocated_procs",
    "avg_cpu_time", "used_memory",   "requested_procs", "requested_time", "requested_memory",
    "status",       "user_id",       "group_id",        "executable",     "queue",
    "partition",    "preceding_job", "think_time"};

// A field that may be -1 (unknown): nullopt for unknown, or for a problem (recorded in f).
std::optional<double> swf_value(FieldReader& f, int field, std::string_view text, double max,
                                bool& bad) {
  const auto v = read_number(f, kNames[field], text, -1, max);
  if (!v) {
    bad = true;
    return std::nullopt;
  }
  if (*v == -1) return std::nullopt;
  if (*v < 0) {
    f.problem(kNames[field], "must be >= 0 or -1 (unknown), got " + quote_text(text));
    bad = true;
    return std::nullopt;
  }
  return v;
}

Imported read_swf_as(const std::string& path, bool gpus) {
  Imported out;
  out.report.format = gpus ? "swf-gpu" : "swf";
  out.report.path = path;
  out.workload.source = path;
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  Interner users(out.workload.users), queues(out.workload.queues),
      classes(out.workload.job_classes);
  JobSink sink(out.workload.jobs, in);
  std::string line;
  bool any_line = false;
  while (in.next(line)) {
    any_line = true;
    f.at_line(in.line_number());
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == ';') continue;
    ++out.report.rows;
    sink.line(line.size());
    row.split_blanks(t);
    if (row.size() != 18) {
      f.problem_row("expected 18 whitespace-separated fields, found " + std::to_string(row.size()));
      if (f.full()) break;
      continue;
    }
    sink.peek(row[0]);
    bool bad = false;
    const std::string_view id = row[0];
    const auto submit = swf_value(f, 1, row[1], 1e11, bad);
    const auto wait = swf_value(f, 2, row[2], 1e11, bad);
    const auto run = swf_value(f, 3, row[3], 1e11, bad);
    const auto alloc = swf_value(f, 4, row[4], 1e6, bad);
    const auto used_mem = swf_value(f, 6, row[6], 1e15, bad);
    const auto req = swf_value(f, 7, row[7], 1e6, bad);
    const auto req_time = swf_value(f, 8, row[8], 1e11, bad);
    const auto req_mem = swf_value(f, 9, row[9], 1e15, bad);
    const auto status = swf_value(f, 10, row[10], 5, bad);
    std::optional<sim::JobStatus> observed;
    bool partial = false;
    if (status) {
      const double s = *status;
      if (s == 1) {
        observed = sim::JobStatus::kCompleted;
      } else if (s == 0) {
        observed = sim::JobStatus::kFailed;
      } else if (s == 5) {
        observed = sim::JobStatus::kKilled;
      } else if (s == 2 || s == 3 || s == 4) {
        partial = true;
      } else {
        f.problem(kNames[10], "must be -1, 0, 1, 2, 3, 4 or 5, got " + quote_text(row[10]));
        bad = true;
      }
    }
    if (bad) {
      if (f.full()) break;
      continue;
    }
    if (partial) {
      count(out.report.dropped,
            "partial execution line (status 2, 3 or 4; the job's summary line is kept)");
      continue;
    }
    if (!submit) {
      count(out.report.dropped, "submit time unknown (-1)");
      continue;
    }
    if (!run) {
      count(out.report.dropped, "run time unknown (-1)");
      continue;
    }
    const double procs = alloc && *alloc > 0 ? *alloc : (req ? *req : 0.0);
    if (procs < 1) {
      count(out.report.dropped, "processor count unknown or 0");
      continue;
    }
    if (procs != std::floor(procs)) {
      f.problem(kNames[alloc && *alloc > 0 ? 4 : 7], "must be a whole number of processors");
      continue;
    }
    sim::JobSpec& j = sink.start(id, in.line_number());
    j.submit = sim::SimTime::from_seconds(*submit);
    j.duration = sim::SimTime::from_seconds(*run);
    j.tasks = static_cast<std::uint32_t>(procs);
    if (gpus) {
      j.gpu_milli = 1000;
    } else {
      j.cpu_milli = 1000;
    }
    const std::optional<double> mem_kb = req_mem && *req_mem > 0 ? req_mem : used_mem;
    if (mem_kb && *mem_kb > 0) j.memory_mib = static_cast<std::uint64_t>(std::ceil(*mem_kb / 1024));
    if (req_time && *req_time > 0) j.walltime = sim::SimTime::from_seconds(*req_time);
    if (wait) {
      j.observed.start = j.submit + sim::SimTime::from_seconds(*wait);
      j.observed.end = *j.observed.start + j.duration;
    }
    j.observed.status = observed;
    if (row[11] != "-1") j.user = users(row[11]);
    if (row[14] != "-1") j.queue = queues(row[14]);
    if (row[15] != "-1") j.job_class = classes(row[15]);
    if (const std::uint64_t first = sink.commit()) {
      f.problem(kNames[0], "duplicate job number " + quote_text(id) + " (first at line " +
                               std::to_string(first) + ")");
      if (f.full()) break;
    }
  }
  problems.throw_if_any();
  sink.finish();
  if (!any_line) throw sim::InputError(path, "empty file (expected SWF lines)");
  out.report.jobs = out.workload.jobs.size();
  return out;
}
}  // namespace

Imported read_swf(const std::string& path, const ImportOptions&) {
  return read_swf_as(path, false);
}
Imported read_swf_gpu(const std::string& path, const ImportOptions&) {
  return read_swf_as(path, true);
}

bool detect_swf(std::string_view header) {
  const std::string_view t = pub::trim(header);
  if (!t.empty() && t.front() == ';') return true;
  pub::Fields row;
  row.split_blanks(t);
  if (row.size() != 18) return false;
  for (std::size_t i = 0; i < row.size(); ++i) {
    for (const char c : row[i]) {
      if ((c < '0' || c > '9') && c != '-' && c != '.') return false;
    }
  }
  return true;
}

}  // namespace orrery::traces
