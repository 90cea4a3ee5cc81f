// How fast each class of job runs on each GPU type, relative to one V100 (= 1.0).
//
// A job's work is its duration on the hardware the trace observed; on another GPU type it runs
// throughput(class, new) / throughput(class, observed) times as fast. Gavel uses the same table
// for its heterogeneity-aware allocation. Default values are order-of-magnitude figures compiled
// from published measurements (sources per row in docs/runtime-model.md); every entry can be
// overridden in the scenario ("runtime": {"throughput": {"cnn": {"H100": 3.4}}}).
//
//   ThroughputTable t = ThroughputTable::defaults();
//   double r = t.relative("transformer", "A100-80", "V100");   // about 2.5
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orrery::sim {

struct JobClassProfile {
  // Share of a training step spent communicating when all GPUs sit in one NVLink domain; the
  // placement model scales this part by the bandwidth the placement actually has.
  double comm_fraction = 0.05;
};

class ThroughputTable {
 public:
  static ThroughputTable defaults();
  static constexpr const char* kDefaultClass = "default";

  // Throughput of a class on a GPU type relative to V100; unknown class -> "default" row;
  // unknown GPU type -> nullopt.
  std::optional<double> throughput(const std::string& job_class, const std::string& gpu_type) const;
  // throughput(class, to) / throughput(class, from); 1.0 when either type is unknown or empty.
  double relative(const std::string& job_class, const std::string& to,
                  const std::string& from) const;
  const JobClassProfile& profile(const std::string& job_class) const;

  void set(const std::string& job_class, const std::string& gpu_type, double value);
  void set_profile(const std::string& job_class, JobClassProfile p);
  std::vector<std::string> classes() const;
  std::vector<std::string> gpu_types() const;

 private:
  const std::map<std::string, double>* row(const std::string& job_class) const;
  std::map<std::string, std::map<std::string, double>> table_;
  std::map<std::string, JobClassProfile> profiles_;
};

}  // namespace orrery::sim
