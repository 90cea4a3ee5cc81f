// The DIR-LAB "Gen-Parallel-Workloads" training cuts (Soundar Raj et al., JSSPP '24): the latest
// 15,000 jobs of Philly (`philly-csv`), Helios (`helios-dirlab`) and Blue Waters (`bluewaters`),
// re-encoded with one shared header (so `--format auto` picks the generic `dirlab`):
//
//   u_id,user,gpu_num,cpu_num,node_num,interval,run_time,wall_time,new_status
//
// `interval` is seconds since the previous submission (first row 0): submit_i = sum of
// interval_k for k <= i, so t = 0 is the cut's first submission. `run_time` (s) is the duration.
// `wall_time` is 0 in the Philly and Helios cuts; in Blue Waters it holds values that look like
// requested limits (1,939 rows run longer), so a positive wall_time is kept as the walltime
// request, never as an observation. new_status: Pass / Failed / Killed. The cuts carry no
// queue/VC, no start or end times and no GPU model, so those stay empty.
#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

namespace pub {
namespace {
enum Col : std::size_t { kId, kUser, kGpus, kCpus, kNodes, kInterval, kRun, kWall, kStatus, kN };
constexpr ColumnSpec kSpec[kN] = {{"u_id", true},     {"user", false},      {"gpu_num", true},
                                  {"cpu_num", false}, {"node_num", true},   {"interval", true},
                                  {"run_time", true}, {"wall_time", false}, {"new_status", false}};
}  // namespace

Imported read_dirlab_cut(const std::string& path, const ImportOptions&, std::string_view format) {
  Imported out;
  out.report.format = std::string(format);
  out.report.path = path;
  out.workload.source = path;
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  const std::string head = first_line(in, "the header u_id,user,gpu_num,...,new_status");
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  const Header h(row, kSpec, path, 1, problems);
  problems.throw_if_any();
  const std::size_t width = h.width();
  Interner users(out.workload.users);
  JobSink sink(out.workload.jobs, in);
  std::int64_t submit_ms = 0;
  std::string line;
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    ++out.report.rows;
    sink.line(line.size());
    if (!row.split(line) || row.size() != width) {
      f.problem_row("expected " + std::to_string(width) + " columns, found " +
                    std::to_string(row.size()));
      if (f.full()) break;
      continue;
    }
    sink.peek(trim(row[h[kId]]));
    const std::size_t before = problems.size();
    const auto gpus = read_int(f, "gpu_num", row[h[kGpus]], 0, 1'000'000);
    std::optional<double> cpus = 0.0;
    if (h.has(kCpus)) cpus = read_number(f, "cpu_num", row[h[kCpus]], 0, 1e8);
    const auto nodes = read_int(f, "node_num", row[h[kNodes]], 0, 1'000'000);
    const auto interval = read_number(f, "interval", row[h[kInterval]], 0, 1e10);
    const auto run = read_number(f, "run_time", row[h[kRun]], 0, 1e10);
    std::optional<double> wall = 0.0;
    if (h.has(kWall)) wall = read_number(f, "wall_time", row[h[kWall]], 0, 1e10);
    std::optional<sim::JobStatus> status;
    if (h.has(kStatus)) {
      const std::string_view s = trim(row[h[kStatus]]);
      if (s == "Pass") {
        status = sim::JobStatus::kCompleted;
      } else if (s == "Failed") {
        status = sim::JobStatus::kFailed;
      } else if (s == "Killed") {
        status = sim::JobStatus::kKilled;
      } else if (!s.empty()) {
        f.problem("new_status", quote_text(s) + " is not a status (Pass, Failed, Killed)");
      }
    }
    const std::string_view id = trim(row[h[kId]]);
    if (id.empty()) f.problem("u_id", "must not be empty");
    if (problems.size() != before) {
      if (f.full()) break;
      continue;
    }
    submit_ms += sim::SimTime::from_seconds(*interval).ms();
    sim::JobSpec& j = sink.start(id, in.line_number());
    j.submit = sim::SimTime::from_ms(submit_ms);
    j.duration = sim::SimTime::from_seconds(*run);
    if (*wall > 0) j.walltime = sim::SimTime::from_seconds(*wall);
    j.observed.status = status;
    Gang g;
    if (const char* why = gang_shape(static_cast<std::uint64_t>(*gpus),
                                     static_cast<std::uint64_t>(*nodes), *cpus, g)) {
      count(out.report.adjusted, why);
    }
    j.tasks = g.tasks;
    j.gpu_milli = g.gpu_milli;
    j.cpu_milli = g.cpu_milli;
    if (h.has(kUser)) j.user = users(trim(row[h[kUser]]));
    if (const std::uint64_t first = sink.commit()) {
      f.problem("u_id", "duplicate job id " + quote_text(id) + " (first at line " +
                            std::to_string(first) + ")");
      if (f.full()) break;
    }
  }
  problems.throw_if_any();
  sink.finish();
  out.report.jobs = out.workload.jobs.size();
  return out;
}
}  // namespace pub

Imported read_dirlab(const std::string& path, const ImportOptions& options) {
  return pub::read_dirlab_cut(path, options, "dirlab");
}
Imported read_philly_csv(const std::string& path, const ImportOptions& options) {
  return pub::read_dirlab_cut(path, options, "philly-csv");
}
Imported read_helios_dirlab(const std::string& path, const ImportOptions& options) {
  return pub::read_dirlab_cut(path, options, "helios-dirlab");
}
Imported read_bluewaters(const std::string& path, const ImportOptions& options) {
  return pub::read_dirlab_cut(path, options, "bluewaters");
}

bool detect_dirlab(std::string_view header) {
  return header.rfind("u_id,user,gpu_num,cpu_num,node_num,interval,run_time", 0) == 0;
}

}  // namespace orrery::traces
