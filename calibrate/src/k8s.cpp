#include "orrery/calibrate/k8s.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "orrery/calibrate/process.hpp"
#include "orrery/calibrate/result_folder.hpp"
#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::calibrate {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_text(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw sim::InputError(p, "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Adds the Nodes and Pods of one document (a Node, a Pod, or a List of them) to the two lists.
// `where` names the document in errors, `path` the object inside it ("items[3]").
void collect(const json& doc, json& nodes, json& pods, const std::string& where,
             const std::string& path) {
  if (!doc.is_object()) return;
  if (doc.contains("kind") && !doc.at("kind").is_string()) {
    throw sim::InputError(where, (path.empty() ? std::string() : path + ".") +
                                     "kind: must be a string, got " + doc.at("kind").type_name());
  }
  const std::string kind = doc.value("kind", std::string());
  if (kind == "Node") nodes["items"].push_back(doc);
  if (kind == "Pod") pods["items"].push_back(doc);
  if ((kind == "List" || kind == "NodeList" || kind == "PodList") && doc.contains("items") &&
      doc.at("items").is_array()) {
    std::size_t i = 0;
    for (const auto& item : doc.at("items")) {
      const std::string item_path =
          (path.empty() ? std::string() : path + ".") + "items[" + std::to_string(i++) + "]";
      // Items of a typed list may leave out their kind.
      if (item.is_object() && !item.contains("kind") && kind != "List") {
        json copy = item;
        copy["kind"] = kind == "NodeList" ? "Node" : "Pod";
        collect(copy, nodes, pods, where, item_path);
      } else {
        collect(item, nodes, pods, where, item_path);
      }
    }
  }
}

}  // namespace

std::vector<std::string> kubectl_get(const std::string& what, const K8sCalibrationOptions& o) {
  std::vector<std::string> argv = {"kubectl", "get", what, "-o", "json"};
  if (what == "pods") argv.insert(argv.begin() + 3, "-A");
  if (!o.kubeconfig.empty()) argv.push_back("--kubeconfig=" + o.kubeconfig);
  if (!o.context.empty()) argv.push_back("--context=" + o.context);
  return argv;
}

std::pair<json, json> split_kubectl_json(const std::string& text, const std::string& where) {
  json nodes = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
  json pods = nodes;
  // Several documents may follow each other (two kubectl outputs concatenated).
  std::size_t pos = 0;
  bool any = false;
  while (pos < text.size()) {
    const auto start = text.find_first_not_of(" \t\r\n", pos);
    if (start == std::string::npos) break;
    json doc;
    std::size_t used = 0;
    try {
      // Parse one value; nlohmann reports where it stopped through the sax interface only, so
      // find the value's end by matching braces outside strings.
      int depth = 0;
      bool in_str = false, esc = false;
      std::size_t i = start;
      for (; i < text.size(); ++i) {
        const char c = text[i];
        if (in_str) {
          if (esc)
            esc = false;
          else if (c == '\\')
            esc = true;
          else if (c == '"')
            in_str = false;
          continue;
        }
        if (c == '"') in_str = true;
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
          if (--depth == 0) break;
        }
      }
      used = i + 1 - start;
      doc = json::parse(text.substr(start, used));
    } catch (const json::exception& e) {  // a syntax error, or a number too large (1e400)
      throw sim::InputError(where, std::string("not kubectl JSON output: ") + e.what());
    }
    collect(doc, nodes, pods, where, "");
    any = true;
    pos = start + used;
  }
  if (!any) throw sim::InputError(where, "empty input");
  return {nodes, pods};
}

json redact_k8s_json(json j) {
  if (j.is_object()) {
    j.erase("managedFields");
    j.erase("envFrom");
    if (j.contains("annotations") && j.at("annotations").is_object())
      j.at("annotations").erase("kubectl.kubernetes.io/last-applied-configuration");
    if (j.contains("env") && j.at("env").is_array()) {
      for (auto& e : j.at("env")) {
        if (!e.is_object()) continue;
        if (e.contains("value")) e["value"] = "REDACTED";
        e.erase("valueFrom");
      }
    }
    for (auto& [k, v] : j.items()) v = redact_k8s_json(std::move(v));
  } else if (j.is_array()) {
    for (auto& v : j) v = redact_k8s_json(std::move(v));
  }
  return j;
}

K8sCalibration calibrate_k8s(const K8sCalibrationOptions& o) {
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  sim::Problems problems;
  bool have_pods = false, have_nodes = false;
  for (const auto& f : traces::trace_formats()) have_pods = have_pods || f.name == "k8s-pods";
  for (const auto& f : traces::cluster_formats()) have_nodes = have_nodes || f.name == "k8s-nodes";
  if (!have_pods || !have_nodes)
    problems.add("traces", "the k8s-pods and k8s-nodes importers are not registered in this build");
  if (o.out_dir.empty()) problems.add("--out", "is required");
  problems.throw_if_any();

  json nodes, pods;
  std::string where = o.from_saved;
  if (!o.from_saved.empty()) {
    std::tie(nodes, pods) = split_kubectl_json(read_text(o.from_saved), o.from_saved);
  } else {
    if (!find_program("kubectl")) throw sim::InputError("kubectl", "not installed");
    std::string text;
    for (const char* what : {"nodes", "pods"}) {
      const auto argv = kubectl_get(what, o);
      log("running " + display_command(argv));
      ProcessResult r = run_program(argv, {.timeout_s = 120, .env = {}, .stdin_text = {}});
      if (!r.ok()) throw sim::InputError(display_command(argv), "kubectl failed: " + r.describe());
      text += r.out + "\n";
    }
    where = "kubectl";
    std::tie(nodes, pods) = split_kubectl_json(text, where);
  }
  log(fmt::format("{} nodes, {} pods", nodes["items"].size(), pods["items"].size()));
  // The importers read files: the redacted copies in the result folder serve.
  const fs::path cap = fs::path(o.out_dir) / "capture";
  fs::create_directories(cap);
  const std::string nodes_path = (cap / "nodes.json").string();
  const std::string pods_path = (cap / "pods.json").string();
  scenario::write_file_atomic(nodes_path, redact_k8s_json(nodes).dump(1) + "\n");
  scenario::write_file_atomic(pods_path, redact_k8s_json(pods).dump(1) + "\n");
  K8sCalibration k;
  k.cluster = traces::import_cluster(nodes_path, "k8s-nodes", {});
  traces::Imported imported = traces::import_trace(pods_path, "k8s-pods", {});
  k.observed = std::move(imported.workload);
  // The observed trace starts at t = 0 at its first submission, as replay() expects.
  if (!k.observed.jobs.empty()) {
    sim::SimTime first = k.observed.jobs.front().submit;
    for (const auto& j : k.observed.jobs) first = std::min(first, j.submit);
    for (auto& j : k.observed.jobs) {
      j.submit -= first;
      if (j.observed.start) *j.observed.start -= first;
      if (j.observed.end) *j.observed.end -= first;
    }
  }
  if (k.observed.jobs.empty())
    throw sim::InputError(where, "no finished pods to calibrate against");

  std::vector<std::string> candidates;
  if (o.policy == "auto") {
    for (const char* p : {"kube-default", "volcano", "kueue"}) {
      if (policies::has_policy(p)) candidates.emplace_back(p);
    }
    if (candidates.empty()) {
      candidates.emplace_back("fifo-skip");
      k.policy_note =
          "fifo-skip (none of kube-default, volcano, kueue is registered in this build)";
    }
  } else {
    if (!policies::has_policy(o.policy))
      throw sim::InputError("--policy", "unknown policy \"" + o.policy + "\"");
    candidates.push_back(o.policy);
  }
  const std::uint32_t gpus = k.cluster.total_gpus();
  for (const auto& p : candidates) {
    ModelParams m;
    m.policy = p;
    m.tick_s = 0;  // the Kubernetes scheduler reacts to events, no tick
    if (!o.placement.empty()) m.placement = o.placement;
    k.policies.push_back({p, compare(k.observed, replay(k.cluster, k.observed, m), gpus)});
    log(fmt::format("{}: median start error {:.2f} s, tau {:.3f}", p,
                    k.policies.back().errors.start_abs_median_s,
                    k.policies.back().errors.kendall_tau));
  }
  const auto best = std::min_element(k.policies.begin(), k.policies.end(),
                                     [](const K8sPolicyResult& a, const K8sPolicyResult& b) {
                                       return a.errors.objective < b.errors.objective;
                                     });
  ModelParams initial;
  initial.policy = best->policy;
  initial.tick_s = 0;
  if (!o.placement.empty()) initial.placement = o.placement;
  if (k.policy_note.empty()) k.policy_note = best->policy + " (closest of those registered)";
  FitOptions fo;
  fo.tick = fo.phase = false;
  fo.placement = o.placement.empty();
  if (!o.fit) fo = {false, false, false, false, false, 0};
  k.fit = fit_model(k.cluster, k.observed, nullptr, initial, fo);
  k.profile =
      make_profile(k.fit, {{"kind", "k8s"}, {"input", where}, {"jobs", k.observed.jobs.size()}});
  ResultInputs in;
  in.kind = "k8s";
  in.cluster = k.cluster;
  in.observed = k.observed;
  in.fit = k.fit;
  in.profile = k.profile;
  json per_policy = json::array();
  for (const auto& p : k.policies)
    per_policy.push_back({{"policy", p.policy}, {"errors", p.errors.to_json()}});
  in.summary = {{"command", o.command_line},
                {"input", where},
                {"policy_note", k.policy_note},
                {"policies", per_policy}};
  write_result_folder(o.out_dir, in);
  return k;
}

}  // namespace orrery::calibrate
