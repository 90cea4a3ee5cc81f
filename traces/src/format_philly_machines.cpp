// Microsoft Philly machine lists (Jeon et al., ATC '19), cluster format `philly-machines`, read
// from either file:
//  * the official `cluster_machine_list`: `machineId, number of GPUs, single GPU mem` with a
//    leading blank after each comma (`m0,2, 12GB`); GPU type "Philly-<mem>" (e.g. Philly-12GB;
//    the models are not given upstream);
//  * the revised list `revised_machine_list.csv` (`,machineId,number of GPUs`, a pandas index
//    column first), re-derived from cluster_gpu_util by the author of msr-fiddle/philly-traces
//    issue #8, which shows the official GPU counts are wrong (8-GPU jobs on "2-GPU" machines).
//    Prefer it: it is the one with the GPU counts the jobs actually used. It has no memory
//    column, so its GPU type is "Philly".
// CPU cores and memory are not in either list; pools keep the NodePoolSpec defaults. Machines
// reporting 0 GPUs (13 in the revised list) are dropped and counted.
#include <unordered_set>

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

sim::ClusterSpec read_philly_machines(const std::string& path, const ImportOptions& options,
                                      ImportReport& report) {
  using namespace pub;
  enum Col : std::size_t { kId, kGpus, kMem, kN };
  static constexpr ColumnSpec kCols[kN] = {
      {"machineId", true}, {"number of GPUs", true}, {"single GPU mem", false}};
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  const std::string head = first_line(in, "a header machineId, number of GPUs[, single GPU mem]");
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  const Header h(row, kCols, path, 1, problems);
  problems.throw_if_any();
  const std::size_t width = h.width();
  const sim::NodePoolSpec defaults;
  PoolBuilder pools;
  std::unordered_set<std::string> names;
  std::string line, type;
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    if (!row.split(line) || row.size() != width) {
      f.problem_row("expected " + std::to_string(width) + " columns, found " +
                    std::to_string(row.size()));
      if (f.full()) break;
      continue;
    }
    ++report.rows;
    const std::string_view id = trim(row[h[kId]]);
    if (id.empty()) {
      f.problem("machineId", "must not be empty");
      continue;
    }
    const auto gpus = read_int(f, "number of GPUs", trim(row[h[kGpus]]), 0, 64);
    if (!gpus) {
      if (f.full()) break;
      continue;
    }
    if (!names.insert(std::string(id)).second) {
      f.problem("machineId", "duplicate machine " + quote_text(id));
      continue;
    }
    if (*gpus == 0) {
      count(report.dropped, "machine with 0 GPUs");
      continue;
    }
    type = "Philly";
    if (h.has(kMem)) {
      const std::string_view mem = trim(row[h[kMem]]);
      if (!mem.empty()) type += "-" + std::string(mem);
    }
    pools.add(type, static_cast<std::uint32_t>(*gpus), defaults.cpu_cores, defaults.memory_mib);
  }
  problems.throw_if_any();
  if (pools.nodes() == 0) throw sim::InputError(path, "no machines with GPUs");
  enforce_strict(report, options);
  return pools.build(file_stem(path));
}

}  // namespace orrery::traces
