// The formats of exports from running clusters (Slurm sacct and jobcomp, kubectl JSON).
// One line per format; each importer lives in its own file.
#include "export_formats.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::traces {

std::vector<TraceFormat> export_trace_formats() {
  return {
      {"slurm-sacct-json", "Slurm sacct --json", detect_slurm_sacct_json, read_slurm_sacct_json},
      {"slurm-sacct", "Slurm `sacct -P` with a header line", detect_slurm_sacct, read_slurm_sacct},
      {"slurm-jobcomp", "Slurm jobcomp/filetxt log", detect_slurm_jobcomp, read_slurm_jobcomp},
      {"k8s-pods", "Kubernetes `kubectl get pods -A -o json`", detect_k8s_pods, read_k8s_pods},
  };
}
std::vector<ClusterFormat> export_cluster_formats() {
  return {
      {"k8s-nodes", "Kubernetes `kubectl get nodes -o json`", read_k8s_nodes},
  };
}

}  // namespace orrery::traces
