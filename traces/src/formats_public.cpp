// The formats of the public traces of this field (Philly, Helios, PAI, openb, Acme, Tiresias,
// SWF). One line per format; each importer lives in its own file (format_<name>.cpp), documented
// in docs/formats.md. Order matters for --format auto: the first detector that accepts the header
// wins (the DIR-LAB cuts share one header, so only the generic `dirlab` detects).
#include "orrery/traces/public_formats.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::traces {

std::vector<TraceFormat> public_trace_formats() {
  return {
      {"philly-json", "Microsoft Philly cluster_job_log (JSON)", detect_philly_json,
       read_philly_json},
      {"philly-csv", "Philly 15k-job DIR-LAB cut (CSV)", nullptr, read_philly_csv},
      {"helios", "SenseTime Helios cluster_log.csv", detect_helios, read_helios},
      {"helios-dirlab", "Helios 15k-job DIR-LAB cut (CSV)", nullptr, read_helios_dirlab},
      {"bluewaters", "Blue Waters 15k-job DIR-LAB cut (CSV)", nullptr, read_bluewaters},
      {"dirlab", "DIR-LAB Gen-Parallel-Workloads cut, any system", detect_dirlab, read_dirlab},
      {"acme", "Shanghai AI Lab Acme trace_seren.csv / trace_kalos.csv", detect_acme, read_acme},
      {"pai-2020", "Alibaba PAI 2020 pai_job_table (+ task, instance tables)", detect_pai_2020,
       read_pai_2020},
      {"openb-pods", "Alibaba openb 2023 pod list (CSV)", detect_openb_pods, read_openb_pods},
      {"tiresias", "Tiresias simulator job CSV", detect_tiresias, read_tiresias},
      {"swf", "Standard Workload Format, processors as CPU cores", detect_swf, read_swf},
      {"swf-gpu", "Standard Workload Format, processors as GPUs", nullptr, read_swf_gpu},
  };
}
std::vector<ClusterFormat> public_cluster_formats() {
  return {
      {"philly-machines", "Philly cluster_machine_list or revised_machine_list.csv",
       read_philly_machines},
      {"openb-nodes", "Alibaba openb node list (CSV or Kubernetes Node YAML)", read_openb_nodes},
      {"pai-machines", "Alibaba PAI 2020 pai_machine_spec.csv", read_pai_machines},
      {"tiresias-cluster", "Tiresias cluster shape (cluster_spec.csv, n32g4.csv, ...)",
       read_tiresias_cluster},
  };
}

}  // namespace orrery::traces
