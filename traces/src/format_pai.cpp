// Alibaba PAI 2020 (cluster-trace-gpu-v2020, Weng et al., "MLaaS in the Wild", NSDI '22), format
// `pai-2020`. The path names pai_job_table.csv; pai_task_table.csv (required) and
// pai_instance_table.csv (optional) are read from the same folder (each may be .csv, .csv.gz or
// .csv.zst). The tables have no header line (one matching the .header file is skipped):
//
//   pai_job_table:      job_name,inst_id,user,status,start_time,end_time
//   pai_task_table:     job_name,task_name,inst_num,status,start_time,end_time,plan_cpu,plan_mem,
//                       plan_gpu,gpu_type
//   pai_instance_table: job_name,task_name,inst_name,worker_name,inst_id,status,start_time,
//                       end_time,machine
//
// Units (official README): times in seconds "deducted by a constant", read as Unix time in UTC+8
// (they keep time of day and weekday), t = 0 is midnight UTC+8 of the earliest job start_time;
// plan_cpu in percent of a core (600 = 6 cores), plan_mem in GB (read as GiB), plan_gpu in percent
// of a GPU (50 = half a GPU; "MISC" = older GPU models). Job start_time is the submission; the
// earliest task or instance start_time is the observed start (their difference is the queueing
// delay), job end_time the observed end. Job status Terminated (the only success) / Failed /
// Running / Waiting -> completed / failed / unfinished / dropped (never started).
//
// A JobSpec is a gang of identical tasks, a PAI job a set of task roles (worker, ps, ...): the
// gang is the instances of the tasks that ask for GPUs (CPU-only roles of a GPU job are left out),
// or of all tasks for a CPU-only job, each instance asking the largest plan among those tasks.
// Both simplifications are counted as adjustments. The instance table adds the machines used
// (observed placement, first 16 distinct machines).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

namespace {
using namespace pub;

constexpr std::int32_t kUtc8 = 8 * 3600;
constexpr std::size_t kMaxMachines = 16;
constexpr double kMaxAbsSeconds = 1e11;

enum class PaiStatus : std::uint8_t { kTerminated, kFailed, kRunning, kWaiting };

std::optional<PaiStatus> pai_status(std::string_view s) {
  s = trim(s);
  if (s == "Terminated") return PaiStatus::kTerminated;
  if (s == "Failed") return PaiStatus::kFailed;
  if (s == "Running") return PaiStatus::kRunning;
  if (s == "Waiting") return PaiStatus::kWaiting;
  return std::nullopt;
}

struct Plan {
  std::uint32_t gpu_milli = 0, cpu_milli = 0;
  std::uint64_t memory_mib = 0;
  bool operator==(const Plan&) const = default;
};

struct Roles {
  std::uint64_t instances = 0;
  Plan max;
  std::optional<Plan> first;
  bool mixed = false;
  void add(const Plan& p, std::uint64_t n) {
    instances += n;
    if (!first) {
      first = p;
    } else if (!(*first == p)) {
      mixed = true;
    }
    max.gpu_milli = std::max(max.gpu_milli, p.gpu_milli);
    max.cpu_milli = std::max(max.cpu_milli, p.cpu_milli);
    max.memory_mib = std::max(max.memory_mib, p.memory_mib);
  }
};

struct JobAgg {
  PaiStatus status = PaiStatus::kTerminated;
  std::optional<std::int64_t> end;
  Roles gpu, cpu;
  std::uint32_t gpu_type = 0;
  bool type_mixed = false;
  std::uint32_t machines = 0;
  bool machines_cut = false;
  std::optional<std::int64_t> first_start, last_end;  // tasks and instances
};

std::string sibling(const std::string& job_path, const std::string& table) {
  const std::filesystem::path dir = std::filesystem::path(job_path).parent_path();
  for (const char* ext : {".csv", ".csv.gz", ".csv.zst"}) {
    const std::filesystem::path p = dir / (table + ext);
    if (std::filesystem::exists(p)) return p.string();
  }
  return "";
}

// Optional seconds (negative allowed: the times are shifted by an unknown constant).
bool abs_seconds(FieldReader& f, std::string_view col, std::string_view text,
                 std::optional<std::int64_t>& out) {
  out.reset();
  if (is_missing(text)) return true;
  const auto v = read_number(f, col, text, -kMaxAbsSeconds, kMaxAbsSeconds);
  if (!v) return false;
  out = sim::SimTime::from_seconds(*v).ms();
  return true;
}

class PaiReader {
 public:
  explicit PaiReader(Imported& out)
      : out_(out), users_(out.workload.users), types_(out.workload.gpu_types) {}

  void jobs(const std::string& path) {
    LineReader in(path);
    sim::Problems problems;
    FieldReader f(problems, path);
    Fields row;
    std::string line;
    bool any_line = false;
    while (in.next(line)) {
      any_line = true;
      f.at_line(in.line_number());
      if (line.empty()) continue;
      if (!row.split(line) || row.size() != 6) {
        f.problem_row(
            "expected 6 columns (job_name,inst_id,user,status,start_time,end_time), "
            "found " +
            std::to_string(row.size()));
        if (f.full()) break;
        continue;
      }
      if (in.line_number() == 1 && trim(row[0]) == "job_name") continue;
      ++out_.report.rows;
      const std::size_t before = problems.size();
      const std::string_view name = trim(row[0]);
      if (name.empty()) f.problem("job_name", "must not be empty");
      const auto status = pai_status(row[3]);
      if (!status) {
        f.problem("status", quote_text(row[3]) +
                                " is not a job status (Terminated, Failed, Running, Waiting)");
      }
      std::optional<std::int64_t> start, end;
      abs_seconds(f, "start_time", row[4], start);
      abs_seconds(f, "end_time", row[5], end);
      if (problems.size() != before) {
        if (f.full()) break;
        continue;
      }
      if (!start) {
        count(out_.report.dropped, "job without start_time (submit time unknown)");
        continue;
      }
      latest(start);
      latest(end);
      sim::JobSpec j;
      j.id = std::string(name);
      j.submit = sim::SimTime::from_ms(*start);
      j.user = users_(trim(row[2]));
      auto& jobs = out_.workload.jobs;
      const auto index = static_cast<std::uint32_t>(jobs.size());
      const std::uint32_t other = ids_.insert(j.id, index, jobs);
      if (other != IdIndex::kNone) {
        f.problem("job_name", "duplicate job " + quote_text(j.id) + " (first at line " +
                                  std::to_string(lines_[other]) + ")");
        if (f.full()) break;
        continue;
      }
      lines_.push_back(in.line_number());
      jobs.push_back(std::move(j));
      JobAgg a;
      a.status = *status;
      a.end = end;
      agg_.push_back(a);
    }
    problems.throw_if_any();
    if (!any_line) throw sim::InputError(path, "empty file (expected pai_job_table rows)");
  }

  void tasks(const std::string& path) {
    LineReader in(path);
    sim::Problems problems;
    FieldReader f(problems, path);
    Fields row;
    std::string line;
    while (in.next(line)) {
      f.at_line(in.line_number());
      if (line.empty()) continue;
      if (!row.split(line) || row.size() != 10) {
        f.problem_row(
            "expected 10 columns (job_name,task_name,inst_num,status,start_time,"
            "end_time,plan_cpu,plan_mem,plan_gpu,gpu_type), found " +
            std::to_string(row.size()));
        if (f.full()) break;
        continue;
      }
      if (in.line_number() == 1 && trim(row[0]) == "job_name") continue;
      ++out_.report.rows;
      const std::size_t before = problems.size();
      const auto inst = read_number(f, "inst_num", row[2], 0, 1e6);
      if (inst && *inst != std::floor(*inst)) f.problem("inst_num", "must be a whole number");
      std::optional<std::int64_t> start, end;
      abs_seconds(f, "start_time", row[4], start);
      abs_seconds(f, "end_time", row[5], end);
      std::optional<double> cpu = 0.0, mem = 0.0, gpu = 0.0;
      if (!is_missing(row[6])) cpu = read_number(f, "plan_cpu", row[6], 0, 1e8);
      if (!is_missing(row[7])) mem = read_number(f, "plan_mem", row[7], 0, 1e8);
      if (!is_missing(row[8])) gpu = read_number(f, "plan_gpu", row[8], 0, 102400);
      if (problems.size() != before) {
        if (f.full()) break;
        continue;
      }
      const std::uint32_t index = ids_.find(trim(row[0]), out_.workload.jobs);
      if (index == IdIndex::kNone) {
        count(out_.report.dropped, "task of a job not in the job table");
        continue;
      }
      if (*inst == 0) {
        count(out_.report.dropped, "task with inst_num 0");
        continue;
      }
      latest(start);
      latest(end);
      JobAgg& a = agg_[index];
      Plan p;
      p.gpu_milli = static_cast<std::uint32_t>(std::llround(*gpu * 10.0));
      if (p.gpu_milli > 1000 && p.gpu_milli % 1000 != 0) {
        count(out_.report.adjusted, "plan_gpu above 100 and not whole GPUs (rounded up)");
        p.gpu_milli = (p.gpu_milli / 1000 + 1) * 1000;
      }
      p.cpu_milli = static_cast<std::uint32_t>(std::llround(*cpu * 10.0));
      p.memory_mib = static_cast<std::uint64_t>(std::llround(*mem * 1024.0));
      const auto n = static_cast<std::uint64_t>(*inst);
      if (p.gpu_milli > 0) {
        a.gpu.add(p, n);
        const std::string_view type = trim(row[9]);
        const std::uint32_t t = is_missing(type) ? 0 : types_(type);
        if (a.gpu.instances == n) {
          a.gpu_type = t;
        } else if (t != a.gpu_type) {
          a.type_mixed = true;
        }
      } else {
        a.cpu.add(p, n);
      }
      if (start && (!a.first_start || *start < *a.first_start)) a.first_start = start;
      if (end && (!a.last_end || *end > *a.last_end)) a.last_end = end;
    }
    problems.throw_if_any();
  }

  void instances(const std::string& path) {
    LineReader in(path);
    sim::Problems problems;
    FieldReader f(problems, path);
    Fields row;
    std::string line;
    while (in.next(line)) {
      f.at_line(in.line_number());
      if (line.empty()) continue;
      if (!row.split(line) || row.size() != 9) {
        f.problem_row(
            "expected 9 columns (job_name,task_name,inst_name,worker_name,inst_id,"
            "status,start_time,end_time,machine), found " +
            std::to_string(row.size()));
        if (f.full()) break;
        continue;
      }
      if (in.line_number() == 1 && trim(row[0]) == "job_name") continue;
      ++out_.report.rows;
      std::optional<std::int64_t> start, end;
      const bool ok =
          abs_seconds(f, "start_time", row[6], start) && abs_seconds(f, "end_time", row[7], end);
      if (!ok) {
        if (f.full()) break;
        continue;
      }
      const std::uint32_t index = ids_.find(trim(row[0]), out_.workload.jobs);
      if (index == IdIndex::kNone) {
        count(out_.report.dropped, "instance of a job not in the job table");
        continue;
      }
      latest(start);
      latest(end);
      JobAgg& a = agg_[index];
      if (start && (!a.first_start || *start < *a.first_start)) a.first_start = start;
      if (end && (!a.last_end || *end > *a.last_end)) a.last_end = end;
      const std::string_view machine = trim(row[8]);
      if (is_missing(machine)) continue;
      std::string& placement = out_.workload.jobs[index].observed.placement;
      if (a.machines >= kMaxMachines) {
        a.machines_cut = true;
        continue;
      }
      bool seen = false;
      for (std::size_t p = 0; !seen && p < placement.size();) {
        const std::size_t comma = placement.find(',', p);
        const std::size_t stop = comma == std::string::npos ? placement.size() : comma;
        seen = std::string_view(placement).substr(p, stop - p) == machine;
        p = stop + 1;
      }
      if (!seen) {
        if (!placement.empty()) placement += ',';
        placement += machine;
        ++a.machines;
      }
    }
    problems.throw_if_any();
  }

  void finish() {
    auto& jobs = out_.workload.jobs;
    auto& report = out_.report;
    std::size_t kept = 0;
    std::int64_t min_submit = INT64_MAX;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      sim::JobSpec& j = jobs[i];
      const JobAgg& a = agg_[i];
      if (a.status == PaiStatus::kWaiting) {
        count(report.dropped, "never started (status Waiting)");
        continue;
      }
      if (a.gpu.instances == 0 && a.cpu.instances == 0) {
        count(report.dropped, "no task rows (no resource demand)");
        continue;
      }
      const Roles& gang = a.gpu.instances > 0 ? a.gpu : a.cpu;
      if (a.gpu.instances > 0 && a.cpu.instances > 0)
        count(report.adjusted, "CPU-only tasks of a GPU job left out");
      if (gang.mixed) count(report.adjusted, "tasks with different plans (largest plan used)");
      if (a.type_mixed) count(report.adjusted, "tasks with different GPU types (first kept)");
      if (gang.instances > 1'000'000) {
        count(report.dropped, "more than 1,000,000 instances");
        continue;
      }
      std::int64_t submit = j.submit.ms();
      std::int64_t start = submit;
      if (a.first_start) {
        start = *a.first_start;
      } else {
        count(report.adjusted, "no task start_time (started at submit: queueing unknown)");
      }
      std::optional<std::int64_t> end = a.end;
      if (!end && a.status == PaiStatus::kRunning) {
        count(report.adjusted, "still running at the trace end (runs until the last timestamp)");
        end = latest_;
      } else if (!end && a.last_end) {
        count(report.adjusted, "job without end_time (latest task end used)");
        end = a.last_end;
      }
      if (!end) {
        count(report.dropped, "no end_time");
        continue;
      }
      if (*end < start) {
        count(report.dropped, "ends before it starts");
        continue;
      }
      if (start < submit) {
        count(report.adjusted, "starts before it was submitted (submit set to start)");
        submit = start;
      }
      if (a.machines_cut) j.observed.placement += ",...";
      j.submit = sim::SimTime::from_ms(submit);
      j.tasks = static_cast<std::uint32_t>(gang.instances);
      j.gpu_milli = gang.max.gpu_milli;
      j.cpu_milli = gang.max.cpu_milli;
      j.memory_mib = gang.max.memory_mib;
      j.gpu_type = a.gpu.instances > 0 ? a.gpu_type : 0;
      j.duration = sim::SimTime::from_ms(*end - start);
      if (a.first_start) j.observed.start = sim::SimTime::from_ms(start);
      if (a.status != PaiStatus::kRunning || a.end) j.observed.end = sim::SimTime::from_ms(*end);
      j.observed.status = a.status == PaiStatus::kTerminated ? sim::JobStatus::kCompleted
                          : a.status == PaiStatus::kFailed   ? sim::JobStatus::kFailed
                                                             : sim::JobStatus::kUnfinished;
      min_submit = std::min(min_submit, submit);
      if (kept != i) jobs[kept] = std::move(j);
      ++kept;
    }
    jobs.resize(kept);
    jobs.shrink_to_fit();
    agg_.clear();
    ids_.clear();
    if (!jobs.empty()) rebase(out_.workload, local_midnight_ms(min_submit, kUtc8));
    report.jobs = jobs.size();
  }

 private:
  void latest(const std::optional<std::int64_t>& t) {
    if (t) latest_ = std::max(latest_, *t);
  }

  Imported& out_;
  Interner users_, types_;
  IdIndex ids_;
  std::vector<std::uint64_t> lines_;
  std::vector<JobAgg> agg_;
  std::int64_t latest_ = INT64_MIN;
};

}  // namespace

Imported read_pai_2020(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "pai-2020";
  out.report.path = path;
  out.workload.source = path;
  const std::string task_path = sibling(path, "pai_task_table");
  if (task_path.empty()) {
    throw sim::InputError(path,
                          "pai-2020 needs pai_task_table.csv (or .csv.gz / .csv.zst) in the same "
                          "folder as the job table (the task table holds the resource plans)");
  }
  const std::string instance_path = sibling(path, "pai_instance_table");
  PaiReader r(out);
  r.jobs(path);
  r.tasks(task_path);
  if (!instance_path.empty()) r.instances(instance_path);
  r.finish();
  return out;
}

bool detect_pai_2020(std::string_view header) {
  if (header.rfind("job_name,inst_id,user,status,start_time,end_time", 0) == 0) return true;
  Fields row;
  if (!row.split(header) || row.size() != 6) return false;
  return pai_status(row[3]).has_value();
}

}  // namespace orrery::traces
