// Alibaba cluster-trace-gpu-v2023 "openb" pod lists (Weng et al., FGD, USENIX ATC '23), format
// `openb-pods`:
//
//   name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,
//   deletion_time,scheduled_time
//
// One pod = one job of one task. gpu_milli is per GPU and only single-GPU pods share a GPU
// (upstream README), so a pod asks for gpu_milli thousandths when num_gpu == 1 and num_gpu whole
// GPUs otherwise. gpu_spec ("V100M16|V100M32") constrains the GPU model; a JobSpec holds one
// model, so the first is kept. qos (LS, BE, Burstable, Guaranteed) is the job class. Times are
// relative seconds (the first pod is created at 0): submit = creation_time, observed start =
// scheduled_time, observed end = deletion_time, observed status = pod_phase. The `multigpu*`
// variants have only the first five columns: every pod then arrives at 0 in file order and runs
// 365 days (pods never leave, as in the FGD packing experiments), a counted adjustment.
#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

namespace {
using namespace pub;
enum Col : std::size_t {
  kName,
  kCpu,
  kMem,
  kNumGpu,
  kGpuMilli,
  kSpec,
  kQos,
  kPhase,
  kCreate,
  kDelete,
  kSched,
  kN
};
constexpr ColumnSpec kCols[kN] = {
    {"name", true},           {"cpu_milli", true},      {"memory_mib", true},
    {"num_gpu", true},        {"gpu_milli", true},      {"gpu_spec", false},
    {"qos", false},           {"pod_phase", false},     {"creation_time", false},
    {"deletion_time", false}, {"scheduled_time", false}};
constexpr std::int64_t kNoTimeDurationMs = 365 * kMsPerDay;
constexpr double kMaxSeconds = 1e11;

std::optional<std::int64_t> seconds_ms(FieldReader& f, std::string_view col,
                                       std::string_view text) {
  return read_seconds(f, col, text, kMaxSeconds);
}
}  // namespace

Imported read_openb_pods(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "openb-pods";
  out.report.path = path;
  out.workload.source = path;
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  const std::string head = first_line(in, "a header name,cpu_milli,memory_mib,num_gpu,gpu_milli");
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  const Header h(row, kCols, path, 1, problems);
  if (h.has(kCreate) != h.has(kDelete)) {
    problems.add(path + ":1", "creation_time and deletion_time must both be present or absent");
  }
  problems.throw_if_any();
  const bool timed = h.has(kCreate);
  const std::size_t width = h.width();
  Interner classes(out.workload.job_classes), types(out.workload.gpu_types);
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
    sink.peek(trim(row[h[kName]]));
    const std::size_t before = problems.size();
    const auto cpu = read_int(f, "cpu_milli", row[h[kCpu]], 0, 1'000'000'000);
    const auto mem = read_int(f, "memory_mib", row[h[kMem]], 0, std::int64_t{1} << 40);
    const auto num_gpu = read_int(f, "num_gpu", row[h[kNumGpu]], 0, 1024);
    const auto gpu_milli = read_int(f, "gpu_milli", row[h[kGpuMilli]], 0, 1000);
    std::optional<sim::JobStatus> phase;
    if (h.has(kPhase)) {
      const std::string_view p = trim(row[h[kPhase]]);
      if (p == "Running") {
        phase = sim::JobStatus::kRunning;
      } else if (p == "Pending") {
        phase = sim::JobStatus::kPending;
      } else if (p == "Succeeded") {
        phase = sim::JobStatus::kCompleted;
      } else if (p == "Failed") {
        phase = sim::JobStatus::kFailed;
      } else if (!p.empty()) {
        f.problem("pod_phase",
                  quote_text(p) + " is not a pod phase (Running, Pending, Succeeded, Failed)");
      }
    }
    std::optional<std::int64_t> created, deleted, scheduled;
    bool no_deletion = false;
    if (timed) {
      created = seconds_ms(f, "creation_time", row[h[kCreate]]);
      if (is_missing(row[h[kDelete]])) {
        no_deletion = true;
      } else {
        deleted = seconds_ms(f, "deletion_time", row[h[kDelete]]);
      }
      if (h.has(kSched) && !is_missing(row[h[kSched]]))
        scheduled = seconds_ms(f, "scheduled_time", row[h[kSched]]);
    }
    const std::string_view name = trim(row[h[kName]]);
    if (name.empty()) f.problem("name", "must not be empty");
    if (problems.size() != before) {
      if (f.full()) break;
      continue;
    }
    if (timed && no_deletion) {
      count(out.report.dropped, "no deletion_time");
      continue;
    }
    if (timed && *deleted < (scheduled ? *scheduled : *created)) {
      count(out.report.dropped, "deleted before it was scheduled (ends before it starts)");
      continue;
    }
    sim::JobSpec& j = sink.start(name, in.line_number());
    j.cpu_milli = static_cast<std::uint32_t>(*cpu);
    j.memory_mib = static_cast<std::uint64_t>(*mem);
    if (*num_gpu == 0) {
      if (*gpu_milli != 0) count(out.report.adjusted, "gpu_milli on a pod without GPUs (ignored)");
    } else if (*num_gpu == 1) {
      if (*gpu_milli == 0) {
        count(out.report.adjusted, "num_gpu 1 with gpu_milli 0 (read as one whole GPU)");
        j.gpu_milli = 1000;
      } else {
        j.gpu_milli = static_cast<std::uint32_t>(*gpu_milli);
      }
    } else {
      if (*gpu_milli != 1000)
        count(out.report.adjusted, "multi-GPU pod with gpu_milli < 1000 (whole GPUs used)");
      j.gpu_milli = static_cast<std::uint32_t>(*num_gpu) * 1000;
    }
    if (h.has(kSpec) && !is_missing(row[h[kSpec]])) {
      std::string_view spec = trim(row[h[kSpec]]);
      if (*num_gpu == 0) {
        count(out.report.adjusted, "gpu_spec on a pod without GPUs (ignored)");
      } else {
        if (const auto bar = spec.find('|'); bar != std::string_view::npos) {
          count(out.report.adjusted, "gpu_spec lists several GPU models (first kept)");
          spec = trim(spec.substr(0, bar));
        }
        j.gpu_type = types(spec);
      }
    }
    if (h.has(kQos)) j.job_class = classes(trim(row[h[kQos]]));
    j.observed.status = phase;
    if (!timed) {
      count(out.report.adjusted, "no time columns (submit 0 in file order, duration 365 days)");
      j.duration = sim::SimTime::from_ms(kNoTimeDurationMs);
    } else {
      const std::int64_t start = scheduled ? *scheduled : *created;
      std::int64_t submit = *created;
      if (scheduled && *scheduled < submit) {
        count(out.report.adjusted, "scheduled before it was created (creation set to scheduled)");
        submit = *scheduled;
      }
      if (!scheduled) {
        count(out.report.adjusted,
              "never scheduled (duration taken as deletion_time - creation_time)");
      } else {
        j.observed.start = sim::SimTime::from_ms(*scheduled);
      }
      j.submit = sim::SimTime::from_ms(submit);
      j.observed.end = sim::SimTime::from_ms(*deleted);
      j.duration = sim::SimTime::from_ms(*deleted - start);
    }
    if (const std::uint64_t first = sink.commit()) {
      f.problem("name", "duplicate pod name " + quote_text(name) + " (first at line " +
                            std::to_string(first) + ")");
      if (f.full()) break;
    }
  }
  problems.throw_if_any();
  sink.finish();
  out.report.jobs = out.workload.jobs.size();
  return out;
}

bool detect_openb_pods(std::string_view header) {
  return header.rfind("name,cpu_milli,memory_mib,num_gpu,gpu_milli", 0) == 0;
}

}  // namespace orrery::traces
