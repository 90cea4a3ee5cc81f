// libFuzzer target: scenario JSON (scenario::load_scenario: parse, validate, resolve files).
// The input's first part is scenario.json; a second part, if any, is other.json, which the
// scenario may name as its cluster or calibration profile. trace.csv, cluster.json and base.json
// (fixtures.hpp) are valid files it can also name.
#include <cstddef>
#include <cstdint>

#include "fixtures.hpp"
#include "orrery/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  fz::write_fixtures();
  const auto parts = fz::split_files(data, size);
  const std::string path = fz::scratch().write("scenario.json", parts[0]);
  if (parts.size() > 1) {
    fz::scratch().write("other.json", parts[1]);
  } else {
    fz::scratch().remove("other.json");
  }
  return fz::expect_input_errors([&] {
    const orrery::scenario::Scenario s = orrery::scenario::load_scenario(path);
    (void)orrery::scenario::scenario_json(s);  // what a run's manifest records
  });
}
