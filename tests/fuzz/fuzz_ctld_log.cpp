// libFuzzer target: slurmctld.log and the job scripts' own stamps, as a live calibration reads
// them (calibrate::parse_ctld_log, scheduler_activity, ctld_log_excerpt, parse_script_stamps).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_support.hpp"
#include "orrery/calibrate/slurm_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cal = orrery::calibrate;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return orrery::fuzz::expect_input_errors([&] {
    const auto events = cal::parse_ctld_log(text);
    (void)cal::scheduler_activity(events);
    std::vector<std::uint64_t> ids;
    for (const auto& [id, e] : events) ids.push_back(id);
    (void)cal::ctld_log_excerpt(text, ids);
    (void)cal::parse_script_stamps(text);
  });
}
