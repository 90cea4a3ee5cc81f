// libFuzzer target: cluster JSON files (scenario::load_cluster: parse and validate every pool,
// price, autoscaling and topology field).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  const std::string path = fz::scratch().write(
      "cluster.json", std::string_view(reinterpret_cast<const char*>(data), size));
  return fz::expect_input_errors([&] { (void)orrery::scenario::load_cluster(path); });
}
