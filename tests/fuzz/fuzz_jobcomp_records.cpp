// libFuzzer target: the Slurm jobcomp/filetxt log as a live calibration reads it
// (calibrate::parse_jobcomp; the trace importer of the same log is the slurm_jobcomp target).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/calibrate/slurm_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return orrery::fuzz::expect_input_errors([&] { (void)orrery::calibrate::parse_jobcomp(text); });
}
