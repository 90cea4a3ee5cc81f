// Kubernetes calibration on saved kubectl output. data/kubectl_nodes_pods.json is hand-written
// in the shape of `kubectl get nodes,pods -A -o json` (v1 List; two A100 nodes, six finished
// pods); no Kubernetes API server can run on the project's machines (notes/live-slurm.md).
#include <filesystem>

#include "orrery/calibrate/k8s.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"

namespace orrery::calibrate {
namespace {

namespace fs = std::filesystem;
const fs::path kData = ORRERY_CALIBRATE_DATA;

TEST(K8s, SplitsAMixedListAndConcatenatedDocuments) {
  const std::string text = test::read_text(kData / "kubectl_nodes_pods.json");
  auto [nodes, pods] = split_kubectl_json(text, "saved");
  EXPECT_EQ(nodes["items"].size(), 2U);
  EXPECT_EQ(pods["items"].size(), 6U);
  // Two outputs one after the other (`kubectl get nodes -o json; kubectl get pods -A -o json`).
  const std::string two = nodes.dump() + "\n" + pods.dump(2) + "\n";
  auto [n2, p2] = split_kubectl_json(two, "two");
  EXPECT_EQ(n2["items"].size(), 2U);
  EXPECT_EQ(p2["items"].size(), 6U);
  EXPECT_THROW(split_kubectl_json("{not json", "bad"), sim::InputError);
}

TEST(K8s, SavedCopiesCarryNoCredentials) {
  const std::string text = test::read_text(kData / "kubectl_nodes_pods.json");
  ASSERT_NE(text.find("hf_secretvalue"), std::string::npos);
  auto [nodes, pods] = split_kubectl_json(text, "saved");
  const std::string safe = redact_k8s_json(pods).dump();
  EXPECT_EQ(safe.find("hf_secretvalue"), std::string::npos);
  EXPECT_EQ(safe.find("secretKeyRef"), std::string::npos);
  EXPECT_EQ(safe.find("last-applied-configuration"), std::string::npos);
  EXPECT_EQ(safe.find("managedFields"), std::string::npos);
  EXPECT_NE(safe.find("nvidia.com/gpu"), std::string::npos);  // the resources stay
}

TEST(K8s, KubectlIsOnlyAskedToGet) {
  K8sCalibrationOptions o;
  o.kubeconfig = "/home/me/.kube/config";
  o.context = "prod";
  for (const char* what : {"nodes", "pods"}) {
    const auto argv = kubectl_get(what, o);
    ASSERT_GE(argv.size(), 3U);
    EXPECT_EQ(argv[0], "kubectl");
    EXPECT_EQ(argv[1], "get");
    EXPECT_NE(std::find(argv.begin(), argv.end(), "--context=prod"), argv.end());
  }
}

TEST(K8s, CalibratesFromSavedOutput) {
  bool registered = false;
  for (const auto& f : traces::trace_formats()) registered = registered || f.name == "k8s-pods";
  if (!registered) GTEST_SKIP() << "the k8s-pods importer is not registered in this build";
  test::TempDir tmp;
  K8sCalibrationOptions o;
  o.from_saved = (kData / "kubectl_nodes_pods.json").string();
  o.out_dir = (tmp / "out").string();
  const K8sCalibration k = calibrate_k8s(o);
  EXPECT_EQ(k.observed.jobs.size(), 6U);
  ASSERT_FALSE(k.policies.empty());
  EXPECT_LE(k.fit.errors_after.objective, k.fit.errors_before.objective);
  for (const char* f : {"calibration.json", "comparison.csv", "profile.json", "capture/pods.json"})
    EXPECT_TRUE(fs::exists(tmp / "out" / f)) << f;
  EXPECT_EQ(test::read_text(tmp / "out" / "capture" / "pods.json").find("hf_secretvalue"),
            std::string::npos);
}

}  // namespace
}  // namespace orrery::calibrate
