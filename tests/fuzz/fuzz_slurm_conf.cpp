// libFuzzer target: slurm.conf (calibrate::read_slurm_conf), with the cluster it describes
// (cluster_spec of the default partition) and its scheduler settings. The input's first part is
// a.conf, the file read; a second part, if any, is b.conf, which it may Include.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/calibrate/slurm_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  namespace cal = orrery::calibrate;
  const auto parts = fz::split_files(data, size);
  const std::string path = fz::scratch().write("a.conf", parts[0]);
  if (parts.size() > 1) {
    fz::scratch().write("b.conf", parts[1]);
  } else {
    fz::scratch().remove("b.conf");
  }
  return fz::expect_input_errors([&] {
    const cal::SlurmConf conf = cal::read_slurm_conf(path);
    (void)conf.scheduler_type();
    (void)conf.scheduler_seconds("bf_interval", 30);
    (void)conf.scheduler_seconds("sched_interval", 60);
    if (conf.partition() != nullptr) (void)conf.cluster_spec();
  });
}
