// orrery fgd-fill: the FGD fill experiment (policies/fgd_fill.hpp) on an openb pod list and node
// list (Alibaba cluster-trace-gpu-v2023, FGD USENIX ATC '23).
//
// The two CSVs are read here with the traces library's LineReader and split_csv: the pod list
// keeps every model of gpu_spec ("V100M16|V100M32") as allowed alternatives, which the
// canonical JobSpec (one GPU type) cannot hold; the node list becomes one node pool per run of
// identical consecutive nodes, so node ids follow the file's order.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "command.hpp"
#include "orrery/policies/fgd_fill.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::cli {

namespace {

struct FillArgs {
  std::string pods, nodes, out;
  std::vector<std::string> placements;
  double inflate = 0;
  bool inflate_set = false;
  std::uint64_t seed = 1;
  double step = 0.01;
};

// Column positions by header name; every `required` column must be there.
std::map<std::string, std::size_t> header_columns(const std::vector<std::string>& header,
                                                  const std::vector<std::string>& required,
                                                  const std::string& path) {
  std::map<std::string, std::size_t> cols;
  for (std::size_t i = 0; i < header.size(); ++i) cols[header[i]] = i;
  sim::Problems problems;
  for (const auto& r : required) {
    if (!cols.count(r)) problems.add(path + ":1", "missing column '" + r + "'");
  }
  problems.throw_if_any();
  return cols;
}

std::vector<policies::FillPod> read_pods(const std::string& path) {
  traces::LineReader in(path);
  std::string line;
  std::vector<std::string> f;
  if (!in.next(line) || !traces::split_csv(line, f))
    throw sim::InputError(path + ":1", "expected a header name,cpu_milli,memory_mib,num_gpu,...");
  const auto cols =
      header_columns(f, {"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"}, path);
  const bool has_spec = cols.count("gpu_spec") > 0;
  sim::Problems problems;
  traces::FieldReader fr(problems, path);
  std::vector<policies::FillPod> pods;
  while (in.next(line) && !fr.full()) {
    fr.at_line(in.line_number());
    if (line.empty()) continue;
    if (!traces::split_csv(line, f)) {
      fr.problem_row("unterminated quoted field");
      continue;
    }
    if (f.size() < cols.size()) {
      fr.problem_row("expected " + std::to_string(cols.size()) + " fields, got " +
                     std::to_string(f.size()));
      continue;
    }
    policies::FillPod p;
    p.name = f[cols.at("name")];
    auto cpu = fr.integer("cpu_milli", f[cols.at("cpu_milli")], 0, 1'000'000'000);
    auto mem = fr.integer("memory_mib", f[cols.at("memory_mib")], 0, 1'000'000'000'000);
    auto num = fr.integer("num_gpu", f[cols.at("num_gpu")], 0, 64);
    auto milli = fr.integer("gpu_milli", f[cols.at("gpu_milli")], 0, 1000);
    if (!cpu || !mem || !num || !milli) continue;
    p.cpu_milli = static_cast<std::uint32_t>(*cpu);
    p.memory_mib = static_cast<std::uint64_t>(*mem);
    // gpu_milli is per GPU and only single-GPU pods share one (upstream README).
    if (*num == 1) {
      p.gpu_milli = static_cast<std::uint32_t>(*milli == 0 ? 1000 : *milli);
    } else {
      p.gpu_milli = static_cast<std::uint32_t>(*num) * 1000U;
    }
    if (has_spec && *num > 0) {
      const std::string& spec = f[cols.at("gpu_spec")];
      std::size_t pos = 0;
      while (pos < spec.size()) {
        const std::size_t bar = std::min(spec.find('|', pos), spec.size());
        if (bar > pos && spec.substr(pos, bar - pos) != "nan")
          p.gpu_models.push_back(spec.substr(pos, bar - pos));
        pos = bar + 1;
      }
    }
    pods.push_back(std::move(p));
  }
  problems.throw_if_any();
  if (pods.empty()) throw sim::InputError(path, "no pods");
  return pods;
}

sim::ClusterSpec read_nodes(const std::string& path) {
  traces::LineReader in(path);
  std::string line;
  std::vector<std::string> f;
  if (!in.next(line) || !traces::split_csv(line, f))
    throw sim::InputError(path + ":1", "expected a header sn,cpu_milli,memory_mib,gpu,model");
  const auto cols = header_columns(f, {"sn", "cpu_milli", "memory_mib", "gpu", "model"}, path);
  sim::Problems problems;
  traces::FieldReader fr(problems, path);
  sim::ClusterSpec spec;
  spec.name = path;
  while (in.next(line) && !fr.full()) {
    fr.at_line(in.line_number());
    if (line.empty()) continue;
    if (!traces::split_csv(line, f) || f.size() < cols.size()) {
      fr.problem_row("malformed row");
      continue;
    }
    auto cpu = fr.integer("cpu_milli", f[cols.at("cpu_milli")], 0, 100'000'000);
    auto mem = fr.integer("memory_mib", f[cols.at("memory_mib")], 0, 1'000'000'000'000);
    auto gpus = fr.integer("gpu", f[cols.at("gpu")], 0, policies::kMaxNodeGpus);
    if (!cpu || !mem || !gpus) continue;
    if (*cpu % 1000 != 0) {
      fr.problem("cpu_milli",
                 "must be whole CPUs (a multiple of 1000), got " + f[cols.at("cpu_milli")]);
      continue;
    }
    sim::NodePoolSpec n;
    n.name = f[cols.at("sn")];
    n.gpu_type = *gpus > 0 ? f[cols.at("model")] : std::string();
    n.gpus_per_node = static_cast<std::uint32_t>(*gpus);
    n.cpu_cores = static_cast<std::uint32_t>(*cpu / 1000);
    n.memory_mib = static_cast<std::uint64_t>(*mem);
    n.nodes = 1;
    sim::NodePoolSpec* last = spec.pools.empty() ? nullptr : &spec.pools.back();
    if (last && last->gpu_type == n.gpu_type && last->gpus_per_node == n.gpus_per_node &&
        last->cpu_cores == n.cpu_cores && last->memory_mib == n.memory_mib) {
      ++last->nodes;  // a run of identical nodes is one pool, so node ids follow the file
    } else {
      spec.pools.push_back(n);
    }
  }
  problems.throw_if_any();
  if (spec.pools.empty()) throw sim::InputError(path, "no nodes");
  return spec;
}

}  // namespace

Command add_fgd_fill(CLI::App& app) {
  auto args = std::make_shared<FillArgs>();
  CLI::App* c = app.add_subcommand(
      "fgd-fill",
      "FGD fill experiment (ATC'23): place an openb pod list onto an openb node list in order and "
      "report GPU allocation and fragmentation against arrived workload");
  c->add_option("--pods", args->pods, "openb pod list CSV (e.g. openb_pod_list_default.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--nodes", args->nodes, "openb node list CSV (e.g. openb_node_list_gpu_node.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--placement", args->placements,
                "Placement(s): fgd, bestfit, dotprod, gpu-packing, gpu-clustering, random "
                "(default: all six)");
  c->add_option("--inflate", args->inflate,
                "Inflate (or cut) the pod list to this multiple of the cluster's GPUs, drawing "
                "extra pods uniformly with replacement (the paper uses 1.3)");
  c->add_option("--seed", args->seed, "Seed of the inflation and of the random placement")
      ->capture_default_str();
  c->add_option("--step", args->step, "Record a curve point per this share of capacity arrived")
      ->capture_default_str();
  c->add_option("-o,--out", args->out, "Write the curves as CSV here (default: stdout)");
  CLI::Option* inflate_opt = c->get_option("--inflate");
  return {c, [args, inflate_opt]() {
            sim::Problems problems;
            policies::FillOptions o;
            if (!args->placements.empty()) {
              o.placements.clear();
              for (const auto& name : args->placements) {
                auto s = policies::parse_sharing_strategy(name);
                if (!s) {
                  problems.add("--placement", "unknown placement '" + name +
                                                  "' (known: fgd, bestfit, dotprod, gpu-packing, "
                                                  "gpu-clustering, random)");
                } else {
                  o.placements.push_back(*s);
                }
              }
            }
            problems.throw_if_any();
            if (inflate_opt->count() > 0) o.inflate = args->inflate;
            o.seed = args->seed;
            o.record_every = args->step;
            const auto t0 = std::chrono::steady_clock::now();
            const std::vector<policies::FillPod> pods = read_pods(args->pods);
            const sim::ClusterSpec cluster = read_nodes(args->nodes);
            const auto runs = policies::run_fgd_fill(cluster, pods, o);
            const double wall =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::ostringstream csv;
            policies::write_fill_csv(runs, csv);
            if (args->out.empty()) {
              std::cout << csv.str();
            } else {
              scenario::write_file_atomic(args->out, csv.str());
            }
            std::ostream& log = args->out.empty() ? std::cerr : std::cout;
            log << fmt::format("{} pods ({} arrived) on {} GPUs\n", pods.size(),
                               runs.empty() ? 0 : runs[0].final.pods,
                               runs.empty() ? 0.0 : runs[0].capacity_gpus);
            log << fmt::format("{:<15} {:>8} {:>10} {:>10} {:>10} {:>8}\n", "placement", "failed",
                               "allocated", "frag_gpus", "frag_ratio", "wall_s");
            for (const auto& r : runs) {
              const auto& f = r.final;
              log << fmt::format("{:<15} {:>8} {:>9.1f}% {:>10.1f} {:>9.1f}% {:>8.3f}\n",
                                 policies::sharing_strategy_name(r.placement), f.failed,
                                 100.0 * f.allocated_gpus / r.capacity_gpus, f.fragmented_gpus,
                                 f.idle_gpus > 0 ? 100.0 * f.fragmented_gpus / f.idle_gpus : 0.0,
                                 r.wall_seconds);
            }
            log << fmt::format("total wall time {:.3f} s\n", wall);
            return 0;
          }};
}

}  // namespace orrery::cli
