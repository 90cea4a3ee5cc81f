// libFuzzer target: saved kubectl output as `orrery calibrate k8s --from-saved` reads it:
// calibrate::split_kubectl_json (one List of mixed kinds, or several documents), the redacted
// copies written as files, then imported by the k8s-nodes and k8s-pods formats.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "orrery/calibrate/k8s.hpp"
#include "orrery/traces/trace_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  namespace cal = orrery::calibrate;
  const std::string text(reinterpret_cast<const char*>(data), size);
  return fz::expect_input_errors([&] {
    const auto [nodes, pods] = cal::split_kubectl_json(text, "saved.json");
    const std::string nodes_path =
        fz::scratch().write("nodes.json", cal::redact_k8s_json(nodes).dump(1));
    const std::string pods_path =
        fz::scratch().write("pods.json", cal::redact_k8s_json(pods).dump(1));
    (void)orrery::traces::import_cluster(nodes_path, "k8s-nodes", {});
    (void)orrery::traces::import_trace(pods_path, "k8s-pods", {});
  });
}
