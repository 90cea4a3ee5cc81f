// libFuzzer target: capacity-plan specs (plan::load_plan: pools, node ranges, prices, targets,
// cost). base.json, cluster.json and trace.csv (fixtures.hpp) are valid files it can name.
#include <cstddef>
#include <cstdint>

#include "fixtures.hpp"
#include "orrery/plan/planner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  fz::write_fixtures();
  const std::string path =
      fz::scratch().write("plan.json", std::string_view(reinterpret_cast<const char*>(data), size));
  return fz::expect_input_errors([&] { (void)orrery::plan::load_plan(path); });
}
