// Workload transforms: cut a time window, filter jobs, scale the arrival rate, the load or the
// durations, and sample. Used by `orrery trace convert` flags and by a scenario's
// "workload": {"transforms": [...]} list (applied in list order after import).
// Random transforms take a seed (default: the scenario's or the command's seed) and use
// Orrery's own generator, so the same seed gives the same jobs on every platform.
//
//   std::vector<Transform> t = {Window{.from_s = 0, .to_s = 86400}, ScaleLoad{.factor = 1.5}};
//   apply_transforms(workload, t, /*default_seed=*/7);
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "orrery/sim/job.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::traces {

// Keeps jobs submitted in [from_s, to_s) on the trace's clock (either bound may be open).
struct Window {
  std::optional<double> from_s, to_s;
};

// Keeps jobs matching every given criterion (an empty list matches all).
struct Filter {
  std::vector<std::string> users;
  std::vector<std::string> queues;
  std::optional<double> min_gpus, max_gpus;  // total GPUs of the job (tasks x per task), inclusive
  std::vector<sim::JobStatus> statuses;      // observed status; jobs without one do not match
};

// Multiplies the arrival rate by `factor`: submissions move towards the first one,
// t' = t0 + (t - t0) / factor. Observed start and end move with their submission.
struct ScaleArrivals {
  double factor = 1;
};

// Multiplies the number of jobs by `factor`: each job is kept floor(factor) times plus once
// more with probability frac(factor) (so factor < 1 thins the trace at random). Copies get ids
// "ID#k", no observed start or end, and a submission delayed by a uniform random fraction of
// the trace's mean inter-arrival time.
struct ScaleLoad {
  double factor = 1;
  std::optional<std::uint64_t> seed;
};

// Multiplies every duration (and time limit) by `factor`; observed times are kept.
struct ScaleDurations {
  double factor = 1;
};

// Keeps a uniformly random subset of exactly `jobs` jobs, or round(fraction x jobs), in their
// original order.
struct Sample {
  std::optional<double> fraction;
  std::optional<std::uint64_t> jobs;
  std::optional<std::uint64_t> seed;
};

using Transform = std::variant<Window, Filter, ScaleArrivals, ScaleLoad, ScaleDurations, Sample>;

void apply_transform(sim::Workload& w, const Transform& t, std::uint64_t default_seed = 0);
void apply_transforms(sim::Workload& w, const std::vector<Transform>& list,
                      std::uint64_t default_seed = 0);

// One line per transform, for logs and manifests ("window [0 s, 86400 s)").
std::string describe(const Transform& t);

// Reads a "transforms" list; problems are named `where`[i].key. Each element is an object with
// "type" (window, filter, scale_arrivals, scale_load, scale_durations, sample) and its keys
// (docs/traces.md).
std::vector<Transform> parse_transforms(const nlohmann::json& list, const std::string& where,
                                        sim::Problems& problems);
nlohmann::json transforms_json(const std::vector<Transform>& list);

}  // namespace orrery::traces
