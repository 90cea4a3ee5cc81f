// libFuzzer target: the Helios per-day virtual-cluster quota table (traces::read_vc_quotas),
// then lookups on the first and last day.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/traces/public_formats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  const std::string path = fz::scratch().write(
      "cluster_gpu_number.csv", std::string_view(reinterpret_cast<const char*>(data), size));
  return fz::expect_input_errors([&] {
    const orrery::traces::VcQuotas q = orrery::traces::read_vc_quotas(path);
    if (q.days() == 0) return;
    const std::int64_t last = q.first_day + static_cast<std::int64_t>(q.days()) - 1;
    for (const std::int64_t day : {q.first_day, last}) {
      (void)q.day_quotas(day);
      for (const std::string& vc : q.vcs) (void)q.at(vc, day);
    }
  });
}
