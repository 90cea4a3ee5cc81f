// libFuzzer target: Slurm hostlists ("n[1-3,5],gpu[01-16]"; calibrate::expand_hostlist), used
// by slurm.conf, squeue, jobcomp and slurmctld.log parsing.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/calibrate/slurm_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return orrery::fuzz::expect_input_errors([&] { (void)orrery::calibrate::expand_hostlist(text); });
}
