// The formats of exports from running clusters (Slurm sacct and jobcomp, kubectl JSON).
// One line per format; each importer lives in its own file.
#include "orrery/traces/trace_format.hpp"

namespace orrery::traces {

std::vector<TraceFormat> export_trace_formats() {
  return {};
}
std::vector<ClusterFormat> export_cluster_formats() {
  return {};
}

}  // namespace orrery::traces
