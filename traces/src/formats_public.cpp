// The formats of the public traces of this field (Philly, Helios, PAI, openb, Acme, Tiresias,
// SWF). One line per format; each importer lives in its own file.
#include "orrery/traces/trace_format.hpp"

namespace orrery::traces {

std::vector<TraceFormat> public_trace_formats() {
  return {};
}
std::vector<ClusterFormat> public_cluster_formats() {
  return {};
}

}  // namespace orrery::traces
