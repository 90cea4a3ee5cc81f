// Alibaba PAI 2020 (cluster-trace-gpu-v2020, Weng et al., NSDI '22) machine list
// pai_machine_spec.csv, cluster format `pai-machines`. No header line (an optional header
// `machine,gpu_type,cap_cpu,cap_mem,cap_gpu` is skipped); columns as in pai_machine_spec.header:
// machine (hashed name), gpu_type (P100, T4, V100, V100M32, MISC = "GPUs of older generations,
// e.g. K40m, K80, M60", CPU), cap_cpu (cores), cap_mem (GB, read as GiB), cap_gpu (GPUs).
// Machines with 0 GPUs (gpu_type CPU) become CPU-only pools.
#include <cmath>
#include <unordered_set>

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

sim::ClusterSpec read_pai_machines(const std::string& path, const ImportOptions& options,
                                   ImportReport& report) {
  using namespace pub;
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  PoolBuilder pools;
  std::unordered_set<std::string> names;
  std::string line;
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    if (!row.split(line) || row.size() != 5) {
      f.problem_row("expected 5 columns (machine,gpu_type,cap_cpu,cap_mem,cap_gpu), found " +
                    std::to_string(row.size()));
      if (f.full()) break;
      continue;
    }
    if (in.line_number() == 1 && trim(row[0]) == "machine") continue;  // optional header
    ++report.rows;
    const std::size_t before = problems.size();
    const std::string_view name = trim(row[0]);
    if (name.empty()) f.problem("machine", "must not be empty");
    const std::string_view type = trim(row[1]);
    const auto cpu = read_int(f, "cap_cpu", row[2], 1, 100'000);
    const auto mem = read_number(f, "cap_mem", row[3], 0, 1e9);
    const auto gpus = read_int(f, "cap_gpu", row[4], 0, 64);
    if (problems.size() != before) {
      if (f.full()) break;
      continue;
    }
    if (!names.insert(std::string(name)).second) {
      f.problem("machine", "duplicate machine " + quote_text(name));
      continue;
    }
    if (*gpus > 0 && (type.empty() || type == "CPU")) {
      count(report.adjusted, "machine with GPUs but gpu_type CPU or empty (type 'unknown')");
    }
    const std::string_view t = *gpus > 0 && (type.empty() || type == "CPU") ? "unknown" : type;
    pools.add(t, static_cast<std::uint32_t>(*gpus), static_cast<std::uint32_t>(*cpu),
              static_cast<std::uint64_t>(std::llround(*mem * 1024.0)));
  }
  problems.throw_if_any();
  if (pools.nodes() == 0) throw sim::InputError(path, "no machines");
  enforce_strict(report, options);
  return pools.build(file_stem(path));
}

}  // namespace orrery::traces
