// Tiresias simulator job list (Gu et al., NSDI '19; SymbioticLab/Tiresias simulator/README.md),
// format `tiresias`:
//
//   job_id,num_gpu,submit_time,iterations,model_name,duration,interval
//
// "the time value starts from 0, and in second-scale": submit_time (s) is kept as is, so t = 0 is
// the trace's own zero. A job of num_gpu GPUs is num_gpu tasks of one GPU each (the Tiresias
// simulator spreads a job over nodes and prefers consolidated placements, which the placement
// policy decides here). model_name is the job class; `iterations` and `interval` (seconds to the
// next submission, redundant with submit_time) are not used.
#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

namespace {
using namespace pub;
enum Col : std::size_t { kId, kGpus, kSubmit, kIters, kModel, kDuration, kN };
constexpr ColumnSpec kCols[kN] = {{"job_id", true},      {"num_gpu", true},
                                  {"submit_time", true}, {"iterations", false},
                                  {"model_name", false}, {"duration", true}};
}  // namespace

Imported read_tiresias(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "tiresias";
  out.report.path = path;
  out.workload.source = path;
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  const std::string head = first_line(in, "the header job_id,num_gpu,submit_time,...");
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  const Header h(row, kCols, path, 1, problems);
  problems.throw_if_any();
  const std::size_t width = h.width();
  Interner classes(out.workload.job_classes);
  JobSink sink(out.workload.jobs, in);
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
    const std::string_view id = trim(row[h[kId]]);
    if (id.empty()) f.problem("job_id", "must not be empty");
    const auto gpus = read_int(f, "num_gpu", row[h[kGpus]], 0, 1'000'000);
    const auto submit = read_seconds(f, "submit_time", row[h[kSubmit]], 1e11);
    const auto duration = read_seconds(f, "duration", row[h[kDuration]], 1e11);
    if (problems.size() != before) {
      if (f.full()) break;
      continue;
    }
    sim::JobSpec& j = sink.start(id, in.line_number());
    j.submit = sim::SimTime::from_ms(*submit);
    j.duration = sim::SimTime::from_ms(*duration);
    if (*gpus > 0) {
      j.tasks = static_cast<std::uint32_t>(*gpus);
      j.gpu_milli = 1000;
    }
    if (h.has(kModel)) j.job_class = classes(trim(row[h[kModel]]));
    if (const std::uint64_t first = sink.commit()) {
      f.problem("job_id", "duplicate job id " + quote_text(id) + " (first at line " +
                              std::to_string(first) + ")");
      if (f.full()) break;
    }
  }
  problems.throw_if_any();
  sink.finish();
  out.report.jobs = out.workload.jobs.size();
  return out;
}

bool detect_tiresias(std::string_view header) {
  return header.rfind("job_id,num_gpu,submit_time", 0) == 0;
}

}  // namespace orrery::traces
