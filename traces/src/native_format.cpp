#include <array>
#include <charconv>
#include <cmath>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"
#include "orrery/traces/trace_format.hpp"
#include "public_common.hpp"

namespace orrery::traces {

const char* const kNativeHeader =
    "job_id,submit_s,user,queue,priority,tasks,gpus_per_task,gpu_type,cpu_per_task,"
    "memory_mib_per_task,duration_s,walltime_s,job_class,observed_start_s,observed_end_s,"
    "observed_status";

namespace {

enum Col : std::size_t {
  kJobId,
  kSubmit,
  kUser,
  kQueue,
  kPriority,
  kTasks,
  kGpus,
  kGpuType,
  kCpu,
  kMem,
  kDuration,
  kWalltime,
  kClass,
  kObsStart,
  kObsEnd,
  kObsStatus,
  kColumns
};
constexpr std::array<std::string_view, kColumns> kNames = {"job_id",         "submit_s",
                                                           "user",           "queue",
                                                           "priority",       "tasks",
                                                           "gpus_per_task",  "gpu_type",
                                                           "cpu_per_task",   "memory_mib_per_task",
                                                           "duration_s",     "walltime_s",
                                                           "job_class",      "observed_start_s",
                                                           "observed_end_s", "observed_status"};
constexpr std::array<bool, kColumns> kRequired = {true,  true,  false, false, false, false,
                                                  true,  false, false, false, true,  false,
                                                  false, false, false, false};

constexpr double kMaxSeconds = 1e12;  // ~31,700 years: anything larger is a unit mistake

std::optional<sim::SimTime> seconds(FieldReader& f, std::string_view col, std::string_view text,
                                    bool optional) {
  auto v = optional ? f.optional_number(col, text) : f.number(col, text);
  if (!v) return std::nullopt;
  if (*v < 0) {
    f.problem(col, "must be >= 0, got " + quote_text(text));
    return std::nullopt;
  }
  if (*v > kMaxSeconds) {
    f.problem(col, "must be <= 1e12 seconds, got " + quote_text(text));
    return std::nullopt;
  }
  return sim::SimTime::from_seconds(*v);
}

}  // namespace

void append_seconds(std::string& out, std::int64_t ms) {
  const bool neg = ms < 0;
  const std::uint64_t a =
      neg ? static_cast<std::uint64_t>(-(ms + 1)) + 1 : static_cast<std::uint64_t>(ms);
  if (neg) out += '-';
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, a / 1000);
  out.append(buf, end);
  std::uint64_t frac = a % 1000;
  if (frac != 0) {
    char f[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                 static_cast<char>('0' + frac % 10)};
    std::size_t len = 4;
    while (f[len - 1] == '0') --len;
    out.append(f, len);
  }
}

std::string format_seconds(std::int64_t ms) {
  std::string s;
  append_seconds(s, ms);
  return s;
}

Imported read_native(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "native";
  out.report.path = path;
  out.workload.source = path;
  LineReader in(path);
  std::string line;
  sim::Problems problems;
  FieldReader f(problems, path);
  if (!in.next(line))
    throw sim::InputError(path,
                          "empty file (expected the header: " + std::string(kNativeHeader) + ")");
  std::vector<std::string> fields;
  if (!split_csv(line, fields))
    throw sim::InputError(path + ":1", "unterminated quoted field in the header");
  std::array<std::size_t, kColumns> pos;
  pos.fill(SIZE_MAX);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    bool known = false;
    for (std::size_t c = 0; c < kColumns; ++c) {
      if (fields[i] == kNames[c]) {
        if (pos[c] != SIZE_MAX)
          problems.add(path + ":1", "column '" + fields[i] + "' appears twice");
        pos[c] = i;
        known = true;
      }
    }
    if (!known)
      problems.add(path + ":1", "unknown column " + quote_text(fields[i]) +
                                    " (native columns: " + kNativeHeader + ")");
  }
  for (std::size_t c = 0; c < kColumns; ++c) {
    if (kRequired[c] && pos[c] == SIZE_MAX)
      problems.add(path + ":1", "missing required column '" + std::string(kNames[c]) + "'");
  }
  problems.throw_if_any();
  const std::size_t ncols = fields.size();
  pub::JobSink sink(out.workload.jobs, in);  // duplicate-id index; reserves room from the file size
  auto field = [&](Col c) -> std::string_view {
    return pos[c] == SIZE_MAX ? std::string_view() : std::string_view(fields[pos[c]]);
  };
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;  // blank lines carry nothing (not counted as rows)
    ++out.report.rows;
    sink.line(line.size());
    if (!split_csv(line, fields)) {
      f.problem_row("unterminated quoted field");
      continue;
    }
    if (fields.size() != ncols) {
      f.problem_row("expected " + std::to_string(ncols) + " columns, found " +
                    std::to_string(fields.size()));
      continue;
    }
    const std::string_view id = field(kJobId);
    sim::JobSpec& j = sink.start(id, in.line_number());
    if (id.empty()) f.problem(kNames[kJobId], "must not be empty");
    if (auto t = seconds(f, kNames[kSubmit], field(kSubmit), false)) j.submit = *t;
    j.user = out.workload.users.intern(field(kUser));
    j.queue = out.workload.queues.intern(field(kQueue));
    if (!field(kPriority).empty()) {
      if (auto p = f.integer(kNames[kPriority], field(kPriority), -1'000'000'000, 1'000'000'000))
        j.priority = static_cast<std::int32_t>(*p);
    }
    if (!field(kTasks).empty()) {
      if (auto t = f.integer(kNames[kTasks], field(kTasks), 1, 1'000'000))
        j.tasks = static_cast<std::uint32_t>(*t);
    }
    if (auto g = f.number(kNames[kGpus], field(kGpus))) {
      if (*g < 0) {
        f.problem(kNames[kGpus], "must be >= 0, got " + quote_text(field(kGpus)));
      } else if (*g > 1024) {
        f.problem(kNames[kGpus], "must be <= 1024 GPUs per task, got " + quote_text(field(kGpus)));
      } else {
        const double milli = std::round(*g * 1000.0);
        if (milli > 1000 && std::fmod(milli, 1000.0) != 0) {
          f.problem(kNames[kGpus], "a task of more than one GPU must use whole GPUs, got " +
                                       quote_text(field(kGpus)));
        } else if (*g > 0 && milli < 1) {
          f.problem(kNames[kGpus],
                    "a shared GPU share must be at least 0.001, got " + quote_text(field(kGpus)));
        } else {
          j.gpu_milli = static_cast<std::uint32_t>(milli);
        }
      }
    }
    j.gpu_type = out.workload.gpu_types.intern(field(kGpuType));
    if (auto c = f.optional_number(kNames[kCpu], field(kCpu))) {
      if (*c < 0 || *c > 1e6)
        f.problem(kNames[kCpu], "must be in [0, 1e6] cores, got " + quote_text(field(kCpu)));
      else
        j.cpu_milli = static_cast<std::uint32_t>(std::llround(*c * 1000.0));
    }
    if (!field(kMem).empty()) {
      if (auto m = f.integer(kNames[kMem], field(kMem), 0, std::int64_t{1} << 40))
        j.memory_mib = static_cast<std::uint64_t>(*m);
    }
    if (auto d = seconds(f, kNames[kDuration], field(kDuration), false)) j.duration = *d;
    j.walltime = seconds(f, kNames[kWalltime], field(kWalltime), true);
    j.job_class = out.workload.job_classes.intern(field(kClass));
    j.observed.start = seconds(f, kNames[kObsStart], field(kObsStart), true);
    j.observed.end = seconds(f, kNames[kObsEnd], field(kObsEnd), true);
    if (j.observed.start && j.observed.end && *j.observed.end < *j.observed.start) {
      f.problem(kNames[kObsEnd],
                "ends before observed_start_s (" + format_seconds(j.observed.start->ms()) + ")");
    }
    if (j.observed.start && *j.observed.start < j.submit) {
      f.problem(kNames[kObsStart],
                "starts before submit_s (" + format_seconds(j.submit.ms()) + ")");
    }
    if (!field(kObsStatus).empty()) {
      j.observed.status = sim::parse_job_status(field(kObsStatus));
      if (!j.observed.status)
        f.problem(kNames[kObsStatus], quote_text(field(kObsStatus)) +
                                          " is not a status (completed, failed, killed, ...)");
    }
    if (id.empty()) {
      sink.cancel();
    } else if (const std::uint64_t first = sink.commit()) {
      f.problem(kNames[kJobId], "duplicate job id " + quote_text(id) + " (first at line " +
                                    std::to_string(first) + ")");
    }
    if (f.full()) break;
  }
  problems.throw_if_any();
  sink.finish();
  out.report.jobs = out.workload.jobs.size();
  return out;
}

void write_native(const sim::Workload& w, std::ostream& out) {
  out << kNativeHeader << '\n';
  std::string row;
  for (const sim::JobSpec& j : w.jobs) {
    row.clear();
    row += csv_escape(j.id);
    row += ',' + format_seconds(j.submit.ms());
    row += ',' + csv_escape(w.users[j.user]);
    row += ',' + csv_escape(w.queues[j.queue]);
    row += ',' + std::to_string(j.priority);
    row += ',' + std::to_string(j.tasks);
    row += ',' + format_seconds(j.gpu_milli);  // thousandths -> GPUs, same shortest form
    row += ',' + csv_escape(w.gpu_types[j.gpu_type]);
    row += ',' + format_seconds(j.cpu_milli);
    row += ',' + std::to_string(j.memory_mib);
    row += ',' + format_seconds(j.duration.ms());
    row += ',' + (j.walltime ? format_seconds(j.walltime->ms()) : std::string());
    row += ',' + csv_escape(w.job_classes[j.job_class]);
    row += ',' + (j.observed.start ? format_seconds(j.observed.start->ms()) : std::string());
    row += ',' + (j.observed.end ? format_seconds(j.observed.end->ms()) : std::string());
    row +=
        ',' + (j.observed.status ? std::string(sim::to_string(*j.observed.status)) : std::string());
    out << row << '\n';
  }
}

}  // namespace orrery::traces
