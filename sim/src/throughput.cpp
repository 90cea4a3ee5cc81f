#include "orrery/sim/throughput.hpp"

#include <set>

namespace orrery::sim {

// Relative training throughput per GPU, V100 = 1.0. Compiled from (see docs/runtime-model.md):
//  [G] Narayanan et al., "Heterogeneity-Aware Cluster Scheduling Policies for Deep Learning
//      Workloads" (Gavel), OSDI'20, Fig. 1 / Table 2: K80, P100, V100 throughputs per model.
//  [A] NVIDIA A100 Tensor Core GPU Architecture whitepaper (2020): A100 vs V100 training speedups.
//  [H] NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022) and H200 product brief (2023).
//  [M] MLPerf Training v2.1-v3.1 per-accelerator results (ResNet-50, BERT) for L40S/A10/T4 ratios.
// They are order-of-magnitude defaults for what-if questions, not measurements of your cluster:
// calibrate (orrery calibrate) or override them in the scenario.
ThroughputTable ThroughputTable::defaults() {
  ThroughputTable t;
  const std::vector<std::string> types = {"K80",  "M60",     "P100",    "T4",   "V100", "A10",
                                          "L40S", "A100-40", "A100-80", "H100", "H200"};
  const std::map<std::string, std::vector<double>> rows = {
      //                K80   M60   P100  T4    V100  A10   L40S  A100-40 A100-80 H100  H200
      {"default", {0.12, 0.14, 0.45, 0.25, 1.00, 0.65, 1.60, 2.10, 2.20, 4.00, 4.40}},
      {"cnn", {0.10, 0.12, 0.50, 0.22, 1.00, 0.60, 1.50, 2.00, 2.10, 3.50, 3.70}},
      {"transformer", {0.08, 0.10, 0.40, 0.25, 1.00, 0.70, 1.80, 2.50, 2.60, 5.00, 5.60}},
      {"llm", {0.05, 0.06, 0.30, 0.20, 1.00, 0.70, 1.80, 2.40, 2.80, 6.00, 7.00}},
      {"recommendation", {0.20, 0.22, 0.60, 0.35, 1.00, 0.70, 1.40, 1.80, 1.90, 3.00, 3.40}},
      {"rl", {0.40, 0.45, 0.80, 0.60, 1.00, 0.90, 1.20, 1.30, 1.30, 1.60, 1.60}},
  };
  for (const auto& [cls, values] : rows) {
    for (std::size_t i = 0; i < types.size(); ++i) t.set(cls, types[i], values[i]);
  }
  // Communication share at NVLink bandwidth: larger for models with big gradients relative to
  // compute (Tiresias NSDI'19 Fig. 3 and Gandiva OSDI'18 report 1.2x-2x slowdowns for VGG-class
  // models spread across servers, little for ResNet-class).
  t.set_profile("default", {0.05});
  t.set_profile("cnn", {0.03});
  t.set_profile("transformer", {0.08});
  t.set_profile("llm", {0.12});
  t.set_profile("recommendation", {0.10});
  t.set_profile("rl", {0.01});
  // Aliases used by traces.
  for (const auto& [alias, canonical] :
       std::vector<std::pair<std::string, std::string>>{{"A100", "A100-80"},
                                                        {"V100M32", "V100"},
                                                        {"V100-32", "V100"},
                                                        {"A800", "A100-80"},
                                                        {"H800", "H100"},
                                                        {"1080Ti", "P100"},
                                                        {"P40", "P100"}}) {
    for (auto& [cls, row] : t.table_) {
      auto it = row.find(canonical);
      if (it != row.end() && !row.count(alias)) row[alias] = it->second;
    }
  }
  return t;
}

const std::map<std::string, double>* ThroughputTable::row(const std::string& job_class) const {
  auto it = table_.find(job_class);
  if (it == table_.end()) it = table_.find(kDefaultClass);
  return it == table_.end() ? nullptr : &it->second;
}

std::optional<double> ThroughputTable::throughput(const std::string& job_class,
                                                  const std::string& gpu_type) const {
  const auto* r = row(job_class.empty() ? kDefaultClass : job_class);
  if (!r) return std::nullopt;
  auto it = r->find(gpu_type);
  if (it == r->end()) return std::nullopt;
  return it->second;
}

double ThroughputTable::relative(const std::string& job_class, const std::string& to,
                                 const std::string& from) const {
  if (to.empty() || from.empty() || to == from) return 1.0;
  const auto a = throughput(job_class, to);
  const auto b = throughput(job_class, from);
  if (!a || !b || *b <= 0) return 1.0;
  return *a / *b;
}

const JobClassProfile& ThroughputTable::profile(const std::string& job_class) const {
  static const JobClassProfile fallback{};
  auto it = profiles_.find(job_class.empty() ? kDefaultClass : job_class);
  if (it == profiles_.end()) it = profiles_.find(kDefaultClass);
  return it == profiles_.end() ? fallback : it->second;
}

void ThroughputTable::set(const std::string& job_class, const std::string& gpu_type, double value) {
  table_[job_class][gpu_type] = value;
}

void ThroughputTable::set_profile(const std::string& job_class, JobClassProfile p) {
  profiles_[job_class] = p;
}

std::vector<std::string> ThroughputTable::classes() const {
  std::vector<std::string> out;
  for (const auto& [c, r] : table_) out.push_back(c);
  return out;
}

std::vector<std::string> ThroughputTable::gpu_types() const {
  std::set<std::string> s;
  for (const auto& [c, r] : table_) {
    for (const auto& [t, v] : r) s.insert(t);
  }
  return {s.begin(), s.end()};
}

}  // namespace orrery::sim
