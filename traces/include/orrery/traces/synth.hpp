// Synthetic traces from an empirical model fitted to a real one (`orrery trace synth`).
//
// The model (docs/traces.md), all of it empirical: arrivals follow the trace's own gaps, each
// gap drawn from those that followed arrivals in the same hour of the same day of the week (the
// hour-of-day and day-of-week profile; the same hour of any day, or all gaps, when that hour of
// the week has fewer than 30), and never in an hour of the day the trace had no arrival in; each
// job draws a GPU-count class (total GPUs) from the trace's mix, a shape (tasks, GPUs per task,
// GPU type, CPU, memory) from that class, a duration from the class's empirical quantiles
// (classes of fewer than 30 jobs share one pooled distribution), an observed status and a time
// limit ratio from the class, and a (user, queue) pair from the trace's mix.
//
// Generation streams the native format (constant memory whatever N) and measures, on the fly,
// the Kolmogorov-Smirnov distance between the generated and the fitted marginals.
//
//   SynthModel m = SynthModel::fit(imported.workload);
//   SynthReport r = m.generate(1'000'000, /*seed=*/7, out);   // r.ks.duration, ...
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "orrery/sim/job.hpp"

namespace orrery::traces {

struct KsDistances {
  double gpu_count = 0;     // total GPUs per job
  double duration = 0;      // seconds
  double interarrival = 0;  // seconds between consecutive submissions
  double hour_of_day = 0;   // submission hour, t = 0 read as Monday 00:00
  double day_of_week = 0;   // informative only (short traces do not cover every weekday evenly)
};

struct SynthReport {
  std::uint64_t fitted_jobs = 0;
  std::uint64_t generated_jobs = 0;
  KsDistances ks;
  // The largest of the four checked distances (GPU count, duration, inter-arrival, hour).
  double max_checked() const;
};

class SynthModel {
 public:
  // Fits to a workload of at least 2 jobs; throws sim::InputError otherwise.
  static SynthModel fit(const sim::Workload& w);
  SynthModel(SynthModel&&) noexcept;
  SynthModel& operator=(SynthModel&&) noexcept;
  ~SynthModel();

  // Writes a native-format CSV (header included) of `n` jobs; same seed, same bytes.
  SynthReport generate(std::uint64_t n, std::uint64_t seed, std::ostream& out) const;
  // One paragraph describing what was fitted.
  std::string summary() const;

 private:
  struct Impl;
  explicit SynthModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orrery::traces
