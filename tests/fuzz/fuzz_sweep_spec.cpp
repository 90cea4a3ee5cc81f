// libFuzzer target: sweep specs (plan::load_sweep_spec), then the first and last runs expanded
// (run_at, run_document), as `orrery sweep` does before running anything. base.json, cluster.json
// and trace.csv (fixtures.hpp) are valid files the spec can name. A path that does not fit the
// base document is plan::PathError, documented for run_document.
#include <cstddef>
#include <cstdint>

#include "fixtures.hpp"
#include "orrery/plan/json_path.hpp"
#include "orrery/plan/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  namespace plan = orrery::plan;
  fz::write_fixtures();
  const std::string path = fz::scratch().write(
      "sweep.json", std::string_view(reinterpret_cast<const char*>(data), size));
  return fz::expect_input_errors([&] {
    const plan::SweepSpec spec = plan::load_sweep_spec(path);
    const std::size_t n = spec.run_count();
    for (const std::size_t i : {std::size_t{0}, n - 1}) {
      if (i >= n) continue;
      const plan::RunPlan run = plan::run_at(spec, i);
      (void)plan::describe_params(run.params);
      try {
        (void)plan::run_document(spec, run);
      } catch (const plan::PathError&) {
      }
    }
  });
}
