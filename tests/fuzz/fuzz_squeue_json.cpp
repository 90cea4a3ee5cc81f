// libFuzzer target: `squeue --json -t all` output captured by a live Slurm calibration
// (calibrate::parse_squeue_json).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/calibrate/slurm_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return orrery::fuzz::expect_input_errors([&] {
    for (const auto& r : orrery::calibrate::parse_squeue_json(text))
      (void)orrery::calibrate::is_final_state(r.state);
  });
}
