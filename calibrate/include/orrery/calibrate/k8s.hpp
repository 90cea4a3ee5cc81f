// Kubernetes calibration: read a cluster and its finished workload, replay it under the
// Kubernetes-family policies, compare and fit.
//
// Live, it runs `kubectl get nodes -o json` and `kubectl get pods -A -o json` with the user's
// kubeconfig (read-only: the only verb ever used is `get`; --kubeconfig and --context pass
// through). Saved, it reads the output of `kubectl get nodes,pods -A -o json` (one List with
// both kinds) or of the two commands concatenated. Nodes and pods are imported by the traces
// library's `k8s-nodes` and `k8s-pods` formats. Credentials are never written: the copies saved
// in the result folder drop container env values, envFrom, last-applied-configuration and
// managedFields, and any logged command has tokens redacted.
//
//   K8sCalibration k = calibrate_k8s({.from_saved = "cluster.json", .out_dir = "out"});
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "orrery/calibrate/fit.hpp"

namespace orrery::calibrate {

struct K8sCalibrationOptions {
  std::string from_saved;  // saved kubectl JSON; empty: ask kubectl
  std::string kubeconfig;  // passed to kubectl as --kubeconfig (never read or copied here)
  std::string context;
  std::string policy = "auto";  // auto: every registered one of kube-default, volcano, kueue
  std::string placement;        // default: the model's (fitted)
  bool fit = true;
  std::string out_dir;
  std::string command_line;
  std::function<void(const std::string&)> log;
};

struct K8sPolicyResult {
  std::string policy;
  Errors errors;
};

struct K8sCalibration {
  sim::ClusterSpec cluster;
  sim::Workload observed;
  FitReport fit;
  CalibrationProfile profile;
  std::vector<K8sPolicyResult> policies;  // every policy replayed, unfitted model
  std::string policy_note;
};

K8sCalibration calibrate_k8s(const K8sCalibrationOptions& options);

// The argument vector for a read-only kubectl query.
std::vector<std::string> kubectl_get(const std::string& what, const K8sCalibrationOptions& o);
// Splits kubectl JSON (one List of mixed kinds, or several JSON documents) into a List of
// Nodes and a List of Pods.
std::pair<nlohmann::json, nlohmann::json> split_kubectl_json(const std::string& text,
                                                             const std::string& where);
// A copy safe to save: no env values, envFrom, last-applied-configuration or managedFields.
nlohmann::json redact_k8s_json(nlohmann::json j);

}  // namespace orrery::calibrate
