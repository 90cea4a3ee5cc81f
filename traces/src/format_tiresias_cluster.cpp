// Tiresias simulator cluster shape (cluster_spec.csv, n32g4.csv, ...), cluster format
// `tiresias-cluster`: one row `num_switch,num_node_p_switch,num_gpu_p_node,num_cpu_p_node,
// mem_p_node` (memory in GB, read as GiB). It becomes one pool of num_switch x num_node_p_switch
// identical nodes with num_node_p_switch nodes per rack (one switch = one rack). The GPU model is
// not given: the pool's type is "GPU". Several files end without a newline (handled by
// LineReader).
#include <cmath>

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

sim::ClusterSpec read_tiresias_cluster(const std::string& path, const ImportOptions& options,
                                       ImportReport& report) {
  using namespace pub;
  enum Col : std::size_t { kSwitches, kNodes, kGpus, kCpus, kMem, kN };
  static constexpr ColumnSpec kCols[kN] = {{"num_switch", true},
                                           {"num_node_p_switch", true},
                                           {"num_gpu_p_node", true},
                                           {"num_cpu_p_node", true},
                                           {"mem_p_node", true}};
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  const std::string head = first_line(in, "the header num_switch,num_node_p_switch,...");
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  const Header h(row, kCols, path, 1, problems);
  problems.throw_if_any();
  sim::ClusterSpec spec;
  spec.name = file_stem(path);
  std::string line;
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    ++report.rows;
    if (report.rows > 1) {
      f.problem_row("expected one data row (one cluster shape per file)");
      break;
    }
    if (!row.split(line) || row.size() != h.width()) {
      f.problem_row("expected " + std::to_string(h.width()) + " columns, found " +
                    std::to_string(row.size()));
      break;
    }
    const auto switches = read_int(f, "num_switch", row[h[kSwitches]], 1, 100'000);
    const auto nodes = read_int(f, "num_node_p_switch", row[h[kNodes]], 1, 100'000);
    const auto gpus = read_int(f, "num_gpu_p_node", row[h[kGpus]], 0, 64);
    const auto cpus = read_int(f, "num_cpu_p_node", row[h[kCpus]], 1, 100'000);
    const auto mem = read_number(f, "mem_p_node", row[h[kMem]], 0, 1e9);
    if (!switches || !nodes || !gpus || !cpus || !mem) break;
    if (*switches * *nodes > 1'000'000) {
      f.problem_row("more than 1,000,000 nodes");
      break;
    }
    sim::NodePoolSpec p;
    p.name = "tiresias";
    p.gpu_type = *gpus > 0 ? "GPU" : "";
    p.gpus_per_node = static_cast<std::uint32_t>(*gpus);
    p.cpu_cores = static_cast<std::uint32_t>(*cpus);
    p.memory_mib = static_cast<std::uint64_t>(std::llround(*mem * 1024.0));
    p.nodes = static_cast<std::uint32_t>(*switches * *nodes);
    spec.pools.push_back(p);
    spec.topology.nodes_per_rack = static_cast<std::uint32_t>(*nodes);
  }
  problems.throw_if_any();
  if (spec.pools.empty()) throw sim::InputError(path, "no data row (expected one cluster shape)");
  enforce_strict(report, options);
  return spec;
}

}  // namespace orrery::traces
