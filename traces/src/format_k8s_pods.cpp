// k8s-pods: `kubectl get pods -A -o json` (a v1 List of Pods, or one Pod). Finished pods become
// jobs; the pods of one gang (a Volcano/coscheduling PodGroup or a Kubeflow training job) become
// one job of several tasks. Documented in docs/formats.md.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "export_common.hpp"
#include "export_formats.hpp"
#include "orrery/traces/csv.hpp"

namespace orrery::traces {

namespace {

using exports::JsonFields;
using nlohmann::json;

constexpr const char* kGpuResource = "nvidia.com/gpu";

struct Resources {
  double cpu = 0;    // cores
  double mem = 0;    // bytes
  double gpu = 0;    // devices
  bool mig = false;  // asked for nvidia.com/mig-* slices
};

struct Pod {
  std::string path;        // "items[i]", as problems name it
  std::uint64_t line = 0;  // where it begins
  std::string group;       // gang key (namespace/name)
  std::string ns;
  std::string queue;
  std::string phase;
  std::string node;
  std::string gpu_type;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> start_ms, end_ms;
  std::int32_t priority = 0;
  Resources req;
};

// What makes pods one gang, tried in this order (docs/formats.md): gang-scheduling metadata and
// the training operators whose pods all run together. Plain batch/v1 Jobs are not gangs: the
// default scheduler places their pods one by one, and with completions > parallelism they run
// one after another; each of their pods is a job of its own.
struct GangKey {
  const char* where;  // "annotations" or "labels"
  const char* key;
};
constexpr GangKey kGangKeys[] = {
    {"annotations", "scheduling.k8s.io/group-name"},  // Volcano PodGroup
    {"labels", "scheduling.x-k8s.io/pod-group"},      // scheduler-plugins coscheduling
    {"labels", "pod-group.scheduling.sigs.k8s.io"},   // coscheduling, older name
    {"labels", "training.kubeflow.org/job-name"},     // Kubeflow training operator
};

class PodReader {
 public:
  explicit PodReader(JsonFields& f) : f_(f) {}

  // The pod's effective request per resource, as the Kubernetes scheduler computes it:
  // max(sum of app containers + restartable init containers, largest one-shot init container
  // plus the sidecars started before it) + pod overhead. A request missing falls back to the
  // limit (as the API server defaults it).
  Resources requests(const json& spec, const std::string& p) {
    Resources app, sidecars, init_max, overhead;
    if (const json* cs = JsonFields::member(spec, "containers"); cs && cs->is_array()) {
      for (std::size_t k = 0; k < cs->size(); ++k)
        add(app, container((*cs)[k], p + ".containers[" + std::to_string(k) + "]"));
    }
    if (const json* cs = JsonFields::member(spec, "initContainers"); cs && cs->is_array()) {
      for (std::size_t k = 0; k < cs->size(); ++k) {
        const Resources r = container((*cs)[k], p + ".initContainers[" + std::to_string(k) + "]");
        const json* rp = JsonFields::member((*cs)[k], "restartPolicy");
        if (rp && rp->is_string() && rp->get<std::string>() == "Always") {
          add(sidecars, r);
        } else {
          Resources with = r;
          add(with, sidecars);
          max_into(init_max, with);
        }
      }
    }
    if (const json* o = JsonFields::member(spec, "overhead"))
      overhead = resource_list(*o, p + ".overhead");
    Resources total = app;
    add(total, sidecars);
    max_into(total, init_max);
    add(total, overhead);
    total.mig = app.mig || sidecars.mig || init_max.mig;
    return total;
  }

 private:
  static void add(Resources& a, const Resources& b) {
    a.cpu += b.cpu;
    a.mem += b.mem;
    a.gpu += b.gpu;
    a.mig = a.mig || b.mig;
  }
  static void max_into(Resources& a, const Resources& b) {
    a.cpu = std::max(a.cpu, b.cpu);
    a.mem = std::max(a.mem, b.mem);
    a.gpu = std::max(a.gpu, b.gpu);
    a.mig = a.mig || b.mig;
  }

  Resources resource_list(const json& list, const std::string& p) {
    Resources r;
    if (!list.is_object()) {
      f_.problem(p, "must be an object of resource quantities, got " + exports::kind_of(list));
      return r;
    }
    for (const auto& [name, value] : list.items()) {
      const bool cpu = name == "cpu", mem = name == "memory", gpu = name == kGpuResource;
      if (name.rfind("nvidia.com/mig-", 0) == 0) r.mig = true;
      if (!cpu && !mem && !gpu) continue;
      const std::string vp = p + "." + name;
      std::optional<double> q;
      if (value.is_string()) {
        q = exports::parse_k8s_quantity(value.get<std::string>());
      } else if (value.is_number()) {
        q = value.get<double>();
      }
      if (!q) {
        f_.problem(vp, exports::kind_of(value) + " is not a resource quantity");
        continue;
      }
      if (*q < 0) {
        f_.problem(vp, "must be >= 0, got " + exports::kind_of(value));
        continue;
      }
      if (gpu && std::floor(*q) != *q) {
        f_.problem(vp, "GPUs must be a whole number, got " + exports::kind_of(value));
        continue;
      }
      if (*q > 1e18) {
        f_.problem(vp, exports::kind_of(value) + " is out of range");
        continue;
      }
      (cpu ? r.cpu : mem ? r.mem : r.gpu) = *q;
    }
    return r;
  }

  Resources container(const json& c, const std::string& p) {
    Resources req, lim;
    const json* requests = JsonFields::at(c, "resources.requests");
    const json* limits = JsonFields::at(c, "resources.limits");
    if (requests) req = resource_list(*requests, p + ".resources.requests");
    if (limits) lim = resource_list(*limits, p + ".resources.limits");
    auto has = [](const json* l, const char* k) { return l && l->is_object() && l->contains(k); };
    if (!has(requests, "cpu")) req.cpu = lim.cpu;
    if (!has(requests, "memory")) req.mem = lim.mem;
    if (!has(requests, kGpuResource)) req.gpu = lim.gpu;
    req.mig = req.mig || lim.mig;
    return req;
  }

  JsonFields& f_;
};

std::optional<std::int64_t> time_at(JsonFields& f, const json* v, const std::string& p) {
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    f.problem(p, "must be an RFC 3339 time, got " + exports::kind_of(*v));
    return std::nullopt;
  }
  auto t = exports::parse_rfc3339_ms(v->get<std::string>());
  if (!t) f.problem(p, exports::kind_of(*v) + " is not an RFC 3339 time");
  return t;
}

std::string string_at(const json& o, std::string_view dotted) {
  const json* v = JsonFields::at(o, dotted);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string map_value(const json& meta, const char* map, const char* key) {
  const json* m = JsonFields::member(meta, map);
  if (!m || !m->is_object()) return {};
  auto it = m->find(key);
  return it != m->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool detect_k8s_pods(std::string_view first_line) {
  return !first_line.empty() && first_line.front() == '{' &&
         first_line.find("\"apiVersion\"") != std::string_view::npos &&
         (first_line.find("\"kind\":\"Pod\"") != std::string_view::npos ||
          (first_line.find("\"kind\":\"List\"") != std::string_view::npos &&
           first_line.find("\"Pod\"") != std::string_view::npos));
}

Imported read_k8s_pods(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "k8s-pods";
  out.report.path = path;
  out.workload.source = path;
  exports::Tally tally(out.report);
  sim::Problems problems;
  JsonFields f(problems, path);
  PodReader reader(f);
  std::vector<Pod> pods;
  std::set<std::pair<std::string, std::string>> names;
  // One element of "items" (or the one Pod), named `p` in problems, into `pods`.
  const auto read_pod = [&](const json& item, const std::string& p, std::uint64_t line) {
    if (!item.is_object()) {
      f.problem(p, "must be an object, got " + exports::kind_of(item));
      return;
    }
    const std::string kind = string_at(item, "kind");
    if (!kind.empty() && kind != "Pod") {
      f.problem(p + ".kind", "must be \"Pod\", got " + quote_text(kind) +
                                 " (export pods with `kubectl get pods -A -o json`)");
      return;
    }
    const std::size_t before = f.count();
    const json* meta = JsonFields::member(item, "metadata");
    const json* spec = JsonFields::member(item, "spec");
    if (!meta || !meta->is_object()) {
      f.problem(p + ".metadata", "is required");
      return;
    }
    Pod pod;
    pod.line = line;
    pod.path = p;
    pod.ns = string_at(*meta, "namespace");
    const std::string name = string_at(*meta, "name");
    if (name.empty()) f.problem(p + ".metadata.name", "is required");
    auto created = time_at(f, JsonFields::member(*meta, "creationTimestamp"),
                           p + ".metadata.creationTimestamp");
    if (!JsonFields::member(*meta, "creationTimestamp"))
      f.problem(p + ".metadata.creationTimestamp", "is required");
    if (spec) pod.req = reader.requests(*spec, p + ".spec");
    pod.phase = string_at(item, "status.phase");
    pod.node = spec ? string_at(*spec, "nodeName") : std::string();
    if (spec) {
      if (const json* pr = JsonFields::member(*spec, "priority")) {
        if (auto v = f.integer(pr, p + ".spec.priority")) {
          pod.priority = static_cast<std::int32_t>(
              std::clamp<std::int64_t>(*v, -2'000'000'000, 2'000'000'000));
        }
      }
      if (const json* sel = JsonFields::member(*spec, "nodeSelector"); sel && sel->is_object()) {
        auto it = sel->find("nvidia.com/gpu.product");
        if (it != sel->end() && it->is_string()) pod.gpu_type = it->get<std::string>();
      }
    }
    // Placement time: the PodScheduled condition; else the kubelet's startTime; else the first
    // container start.
    std::optional<std::int64_t> scheduled, first_container, last_finish;
    const json* conds = JsonFields::at(item, "status.conditions");
    if (conds && conds->is_array()) {
      for (std::size_t k = 0; k < conds->size(); ++k) {
        const json& c = (*conds)[k];
        if (string_at(c, "type") == "PodScheduled" && string_at(c, "status") == "True") {
          scheduled =
              time_at(f, JsonFields::member(c, "lastTransitionTime"),
                      p + ".status.conditions[" + std::to_string(k) + "].lastTransitionTime");
        }
      }
    }
    auto kubelet_start =
        time_at(f, JsonFields::at(item, "status.startTime"), p + ".status.startTime");
    for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
      const json* cs = JsonFields::at(item, std::string("status.") + list);
      if (!cs || !cs->is_array()) continue;
      for (std::size_t k = 0; k < cs->size(); ++k) {
        const std::string cp = p + ".status." + list + "[" + std::to_string(k) + "].state";
        const json* state = JsonFields::member((*cs)[k], "state");
        if (!state) continue;
        if (const json* term = JsonFields::member(*state, "terminated")) {
          auto s = time_at(f, JsonFields::member(*term, "startedAt"), cp + ".terminated.startedAt");
          auto e =
              time_at(f, JsonFields::member(*term, "finishedAt"), cp + ".terminated.finishedAt");
          if (s && (!first_container || *s < *first_container)) first_container = s;
          if (e && (!last_finish || *e > *last_finish)) last_finish = e;
          if (s && e && *e < *s) f.problem(cp + ".terminated.finishedAt", "ends before startedAt");
        } else if (const json* run = JsonFields::member(*state, "running")) {
          auto s = time_at(f, JsonFields::member(*run, "startedAt"), cp + ".running.startedAt");
          if (s && (!first_container || *s < *first_container)) first_container = s;
        }
      }
    }
    if (f.count() != before || !created) return;
    if (!names.insert({pod.ns, name}).second) {
      tally.drop("duplicate pod (same namespace and name)");
      return;
    }
    pod.created_ms = *created;
    pod.start_ms = scheduled ? scheduled : kubelet_start ? kubelet_start : first_container;
    pod.end_ms = last_finish;
    if (pod.end_ms && pod.start_ms && *pod.end_ms < *pod.start_ms) {
      f.problem(p + ".status", "the last container finished before the pod was scheduled");
      return;
    }
    if (pod.req.mig) tally.adjust("MIG slices (nvidia.com/mig-*) not modelled (ignored)");
    pod.queue = map_value(*meta, "annotations", "scheduling.volcano.sh/queue-name");
    if (pod.queue.empty()) pod.queue = map_value(*meta, "labels", "kueue.x-k8s.io/queue-name");
    if (pod.queue.empty()) pod.queue = pod.ns;
    std::string group;
    for (const GangKey& g : kGangKeys) {
      group = map_value(*meta, g.where, g.key);
      if (!group.empty()) break;
    }
    if (group.empty()) {  // a Volcano Job's pods (they also carry the PodGroup annotation)
      if (const json* owners = JsonFields::member(*meta, "ownerReferences");
          owners && owners->is_array()) {
        for (const json& o : *owners) {
          if (string_at(o, "kind") == "Job" &&
              string_at(o, "apiVersion").rfind("batch.volcano.sh/", 0) == 0)
            group = string_at(o, "name");
        }
      }
    }
    pod.group = pod.ns + "/" + (group.empty() ? name : group);
    pods.push_back(std::move(pod));
  };
  // Streamed: each element of "items" is built alone (without the members below, which can be
  // large and are not used), read and dropped. The rest of the top level is kept: a List's
  // apiVersion, kind and metadata, or a whole single Pod.
  LineReader in(path, exports::kMaxJsonBytes);
  const jsonstream::StreamSpec spec{
      "items",
      {"managedFields", "env", "envFrom", "volumes", "volumeMounts", "command", "args",
       "livenessProbe", "readinessProbe", "startupProbe", "last-applied-configuration",
       "kubectl.kubernetes.io/last-applied-configuration"},
      true};
  jsonstream::StreamedDoc doc = jsonstream::stream_array(
      in, spec, problems, [&](json& item, std::size_t i, jsonstream::JsonLines& lines) {
        f.set_lines(&lines);
        read_pod(item, "items[" + std::to_string(i) + "]", lines.root_line());
        f.set_lines(nullptr);
        return !f.full();
      });
  out.report.rows = doc.elements;
  if (!doc.found) {
    if (!doc.top_object || string_at(doc.rest, "kind") != "Pod") {
      throw sim::InputError(path + ": items",
                            "missing or not a list: expected the output of `kubectl get pods -A "
                            "-o json` (a List with \"items\") or one Pod");
    }
    // `kubectl get pod NAME -o json`: the document is the Pod.
    doc.rest_lines.set_root_path("(pod)");
    f.set_lines(&doc.rest_lines);
    read_pod(doc.rest, "(pod)", doc.rest_lines.root_line());
    f.set_lines(nullptr);
    out.report.rows = 1;
  }
  problems.throw_if_any();

  // Gangs in order of their first pod.
  std::unordered_map<std::string, std::size_t> gang_of;
  std::vector<std::vector<std::size_t>> gangs;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    auto [it, fresh] = gang_of.try_emplace(pods[i].group, gangs.size());
    if (fresh) gangs.emplace_back();
    gangs[it->second].push_back(i);
  }
  auto& w = out.workload;
  for (const auto& members : gangs) {
    auto each = [&](const char* reason) {
      for (std::size_t k = 0; k < members.size(); ++k) tally.drop(reason);
    };
    bool pending = false, running = false, unknown = false, failed = false, unstarted = false,
         no_end = false;
    for (std::size_t m : members) {
      const Pod& pod = pods[m];
      if (pod.phase == "Pending") {
        pending = true;
      } else if (pod.phase == "Running") {
        running = true;
      } else if (pod.phase == "Succeeded" || pod.phase == "Failed") {
        failed = failed || pod.phase == "Failed";
        if (!pod.start_ms) unstarted = true;
        if (!pod.end_ms) no_end = true;
      } else {
        unknown = true;
      }
    }
    if (running) {
      each("running at export (no end time)");
      continue;
    }
    if (pending) {
      each("pending at export (never started)");
      continue;
    }
    if (unknown) {
      each("phase Unknown or missing (node lost?)");
      continue;
    }
    if (unstarted) {
      each("ended without starting (no start time)");
      continue;
    }
    if (no_end) {
      each("finished without an end time");
      continue;
    }
    // The tasks: the GPU pods when the gang has any (launchers and parameter servers without
    // GPUs are left out), else all pods.
    const bool has_gpu = std::any_of(members.begin(), members.end(),
                                     [&](std::size_t m) { return pods[m].req.gpu > 0; });
    std::vector<std::size_t> tasks;
    for (std::size_t m : members) {
      if (!has_gpu || pods[m].req.gpu > 0) {
        tasks.push_back(m);
      } else {
        tally.adjust("CPU-only pods of a GPU gang left out (launcher or parameter server)");
      }
    }
    Resources shape;
    sim::JobSpec j;
    std::int64_t submit = std::numeric_limits<std::int64_t>::max();
    std::int64_t start = std::numeric_limits<std::int64_t>::min();
    std::int64_t end = std::numeric_limits<std::int64_t>::min();
    std::set<std::string> nodes, types;
    std::int32_t priority = std::numeric_limits<std::int32_t>::min();
    for (std::size_t m : members) {
      const Pod& pod = pods[m];
      submit = std::min(submit, pod.created_ms);
      start = std::max(start, *pod.start_ms);
      end = std::max(end, *pod.end_ms);
      priority = std::max(priority, pod.priority);
    }
    for (std::size_t m : tasks) {
      const Pod& pod = pods[m];
      if (shape.gpu != 0 && pod.req.gpu != shape.gpu)
        tally.adjust("gang pods request different GPU counts (the largest is used)");
      shape.gpu = std::max(shape.gpu, pod.req.gpu);
      shape.cpu = std::max(shape.cpu, pod.req.cpu);
      shape.mem = std::max(shape.mem, pod.req.mem);
      if (!pod.node.empty()) nodes.insert(pod.node);
      types.insert(pod.gpu_type);
    }
    const Pod& first = pods[members.front()];
    if (shape.gpu > 1024) {
      const Pod& big = pods[tasks.front()];
      f.problem_at(big.line, big.path + ".spec", "more than 1024 GPUs in one pod");
      continue;
    }
    if (start < submit) {
      tally.adjust("scheduled before it was created (submit set to start)");
      submit = start;
    }
    j.id = first.group;
    j.tasks = static_cast<std::uint32_t>(tasks.size());
    j.gpu_milli = static_cast<std::uint32_t>(shape.gpu) * 1000;
    j.cpu_milli = static_cast<std::uint32_t>(std::min(std::ceil(shape.cpu * 1000.0), 1e9));
    j.memory_mib = static_cast<std::uint64_t>(std::ceil(shape.mem / (1024.0 * 1024.0)));
    j.gpu_type = w.gpu_types.intern(types.size() == 1 ? *types.begin() : std::string());
    j.user = w.users.intern(first.ns);
    j.queue = w.queues.intern(first.queue);
    j.priority = priority;
    j.submit = sim::SimTime::from_ms(submit);
    j.duration = sim::SimTime::from_ms(end - start);
    j.observed.start = sim::SimTime::from_ms(start);
    j.observed.end = sim::SimTime::from_ms(end);
    j.observed.status = failed ? sim::JobStatus::kFailed : sim::JobStatus::kCompleted;
    for (const auto& n : nodes)
      j.observed.placement += (j.observed.placement.empty() ? "" : ",") + n;
    w.jobs.push_back(std::move(j));
  }
  problems.throw_if_any();
  exports::rebase_to_week(w);
  out.report.jobs = w.jobs.size();
  return out;
}

}  // namespace orrery::traces
