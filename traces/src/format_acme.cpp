// Shanghai AI Lab Acme (Hu et al., NSDI '24): trace_seren.csv and trace_kalos.csv (format `acme`).
//
// AcmeTrace README: Seren job_id,user,node_num,gpu_num,cpu_num,type,state,submit_time,
// start_time,end_time,duration,queue,gpu_time; Kalos adds mem_per_pod_GB, shared_mem_per_pod,
// fail_time, stop_time. Timestamps carry their UTC offset ("+08:00" in Seren, "+00:00" in Kalos),
// so each row is converted to UTC and the origin is local midnight at the offset of the earliest
// submit. `type` (Pretrain, SFT, Evaluation, Debug, Other ...) becomes the job class; Kalos'
// per-pod memory becomes memory per task (one task per node). The reader is shared with Helios
// (format_common.cpp).
#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

Imported read_acme(const std::string& path, const ImportOptions& options) {
  return pub::read_job_log(path, options,
                           {.format = "acme", .use_vc = false, .use_type = true, .use_mem = true});
}

bool detect_acme(std::string_view header) {
  return header.rfind("job_id,user,node_num,gpu_num,cpu_num,", 0) == 0 &&
         header.find("submit_time") != std::string_view::npos;
}

}  // namespace orrery::traces
