// The FGD fill experiment (see fgd_fill.hpp).
#include "orrery/policies/fgd_fill.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "orrery/sim/problems.hpp"

namespace orrery::policies {

namespace {

double total_gpus(const std::vector<FillPod>& pods) {
  double t = 0;
  for (const FillPod& p : pods) t += p.gpus();
  return t;
}

TaskClass class_of(const FillPod& p, const sim::Cluster& cluster) {
  TaskClass c;
  c.cpu_milli = p.cpu_milli;
  c.memory_mib = p.memory_mib;
  c.gpu_milli = p.gpu_milli;
  if (!p.gpu_models.empty() && p.gpu_milli > 0) {
    c.type_mask = 0;
    for (const std::string& m : p.gpu_models) {
      if (auto t = cluster.find_gpu_type(m)) c.type_mask |= gpu_type_bit(*t);
    }
  }
  return c;
}

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::vector<FillPod> inflate_pods(const std::vector<FillPod>& pods, double capacity_gpus,
                                  double ratio, std::uint64_t seed) {
  const double target = ratio * capacity_gpus;
  std::vector<FillPod> out;
  double arrived = 0;
  for (const FillPod& p : pods) {
    if (arrived >= target) return out;
    out.push_back(p);
    arrived += p.gpus();
  }
  if (pods.empty() || total_gpus(pods) <= 0) return out;
  std::mt19937_64 rng(seed);
  while (arrived < target) {
    const FillPod& p = pods[rng() % pods.size()];
    out.push_back(p);
    out.back().name += "-r" + std::to_string(out.size());
    arrived += p.gpus();
  }
  return out;
}

std::vector<FillRun> run_fgd_fill(const sim::ClusterSpec& spec, const std::vector<FillPod>& list,
                                  const FillOptions& options) {
  sim::Problems problems;
  const sim::Cluster cluster(spec);
  if (cluster.node_count() == 0 || cluster.total_gpus() == 0)
    problems.add("fgd-fill", "the cluster has no GPU nodes");
  for (std::uint32_t i = 0; i < cluster.node_count(); ++i) {
    if (cluster.node(i).gpus > kMaxNodeGpus) {
      problems.add("fgd-fill", "a node has " + std::to_string(cluster.node(i).gpus) +
                                   " GPUs; at most " + std::to_string(kMaxNodeGpus) +
                                   " are supported");
      break;
    }
  }
  if (options.inflate && !(*options.inflate > 0 && *options.inflate <= 1000))
    problems.add("--inflate", "must be in (0, 1000], got " + fmt_double(*options.inflate));
  if (!(options.record_every > 0 && options.record_every <= 1))
    problems.add("record_every", "must be in (0, 1], got " + fmt_double(options.record_every));
  if (options.placements.empty()) problems.add("--placement", "at least one placement is needed");
  problems.throw_if_any();

  const double capacity = cluster.total_gpus();
  const std::vector<FillPod> pods =
      options.inflate ? inflate_pods(list, capacity, *options.inflate, options.seed) : list;

  // The target workload: the list's own distribution (before inflation).
  TaskDistribution target;
  for (const FillPod& p : list) target.add(class_of(p, cluster), 1.0);
  if (target.empty()) target.add(TaskClass{}, 1.0);
  target.finish();
  std::vector<std::uint32_t> class_index(pods.size(), 0);
  std::vector<TaskClass> pod_class(pods.size());
  for (std::size_t i = 0; i < pods.size(); ++i) {
    pod_class[i] = class_of(pods[i], cluster);
    const auto classes = target.classes();
    for (std::uint32_t k = 0; k < classes.size(); ++k) {
      if (classes[k].same_shape(pod_class[i])) {
        class_index[i] = k;
        break;
      }
    }
  }

  std::vector<NodeResources> initial(cluster.node_count());
  for (std::uint32_t i = 0; i < cluster.node_count(); ++i) initial[i] = node_resources(cluster, i);

  std::vector<FillRun> runs;
  for (SharingStrategy strategy : options.placements) {
    const auto wall_start = std::chrono::steady_clock::now();
    FillRun run;
    run.placement = strategy;
    run.capacity_gpus = capacity;
    std::vector<NodeResources> nodes = initial;
    std::vector<double> frag(nodes.size());
    FgdMemo memo;
    for (std::uint32_t i = 0; i < nodes.size(); ++i) {
      frag[i] = node_fragmentation(nodes[i], target);
      memo.set_node(i, nodes[i]);
    }
    SharingChooser chooser(strategy, options.seed);
    const bool use_memo = strategy == SharingStrategy::kFgd;

    FillPoint now;
    double allocated_milli = 0;
    auto snapshot = [&]() {
      FillPoint p = now;
      p.allocated_gpus = allocated_milli / 1000.0;
      double f = 0, idle = 0;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        f += frag[i];
        idle += nodes[i].idle_gpu_milli();
      }
      p.fragmented_gpus = f / 1000.0;
      p.idle_gpus = idle / 1000.0;
      return p;
    };
    run.curve.push_back(snapshot());
    double next_record = options.record_every * capacity;
    for (std::size_t i = 0; i < pods.size(); ++i) {
      const TaskClass& task = pod_class[i];
      ++now.pods;
      now.arrived_gpus += pods[i].gpus();
      auto choice =
          chooser.choose(nodes, task, &target, use_memo ? &memo : nullptr, class_index[i]);
      if (choice) {
        NodeResources& n = nodes[choice->node];
        apply_task(n, task, *choice);
        allocated_milli += task.gpu_milli;
        frag[choice->node] = node_fragmentation(n, target);
        if (use_memo) memo.set_node(choice->node, n);
      } else {
        ++now.failed;
      }
      if (now.arrived_gpus >= next_record) {
        run.curve.push_back(snapshot());
        while (next_record <= now.arrived_gpus) next_record += options.record_every * capacity;
      }
    }
    run.final = snapshot();
    if (run.curve.back().pods != run.final.pods) run.curve.push_back(run.final);
    run.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    runs.push_back(std::move(run));
  }
  return runs;
}

void write_fill_csv(const std::vector<FillRun>& runs, std::ostream& out) {
  out << "placement,pods,failed_pods,arrived_gpus,arrived_ratio,allocated_gpus,allocation_ratio,"
         "fragmented_gpus,fragmentation_ratio,idle_gpus\n";
  for (const FillRun& r : runs) {
    for (const FillPoint& p : r.curve) {
      out << sharing_strategy_name(r.placement) << ',' << p.pods << ',' << p.failed << ','
          << fmt_double(p.arrived_gpus) << ',' << fmt_double(p.arrived_gpus / r.capacity_gpus)
          << ',' << fmt_double(p.allocated_gpus) << ','
          << fmt_double(p.allocated_gpus / r.capacity_gpus) << ',' << fmt_double(p.fragmented_gpus)
          << ',' << fmt_double(p.idle_gpus > 0 ? p.fragmented_gpus / p.idle_gpus : 0.0) << ','
          << fmt_double(p.idle_gpus) << '\n';
    }
  }
}

}  // namespace orrery::policies
