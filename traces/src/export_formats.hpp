// The importers of exports from running clusters, registered in formats_exports.cpp. Each lives
// in its own format_<name>.cpp. Internal to traces/.
#pragma once

#include <string>
#include <string_view>

#include "orrery/traces/trace_format.hpp"

namespace orrery::traces {

Imported read_slurm_sacct_json(const std::string& path, const ImportOptions& options);
Imported read_slurm_sacct(const std::string& path, const ImportOptions& options);
Imported read_slurm_jobcomp(const std::string& path, const ImportOptions& options);
Imported read_k8s_pods(const std::string& path, const ImportOptions& options);
sim::ClusterSpec read_k8s_nodes(const std::string& path, const ImportOptions& options,
                                ImportReport& report);

// Header sniffers for --format auto. The JSON formats are recognised only when the document
// starts on its first line (compact JSON); pretty-printed JSON needs --format.
bool detect_slurm_sacct_json(std::string_view first_line);
bool detect_slurm_sacct(std::string_view header);
bool detect_slurm_jobcomp(std::string_view first_line);
bool detect_k8s_pods(std::string_view first_line);

}  // namespace orrery::traces
