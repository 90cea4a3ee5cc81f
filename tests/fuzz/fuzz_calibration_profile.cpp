// libFuzzer target: calibration profiles (calibrate::CalibrationProfile::load), the files a
// scenario's "calibration" key names.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/calibrate/fit.hpp"
#include "orrery/sim/simulation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  const std::string path = fz::scratch().write(
      "profile.json", std::string_view(reinterpret_cast<const char*>(data), size));
  return fz::expect_input_errors([&] {
    const auto profile = orrery::calibrate::CalibrationProfile::load(path);
    orrery::sim::SimulationOptions options;
    (void)profile.apply(options);
    (void)profile.to_json();
  });
}
