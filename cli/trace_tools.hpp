// The `orrery trace` tools beyond convert: `inspect` (statistics of a trace, optionally against
// a cluster), `synth` (a synthetic trace fitted to a real one) and the transform flags shared by
// `convert` (window, filters, scaling, sampling). Registered by add_trace in cmd_trace.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "orrery/traces/transform.hpp"

namespace orrery::cli {

struct TraceTool {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

TraceTool add_trace_inspect(CLI::App& trace);
TraceTool add_trace_synth(CLI::App& trace);

// Transform flags of a command; read them after parsing with transforms_from_flags.
struct TransformFlags {
  std::string window, gpus;
  std::vector<std::string> users, queues, statuses;
  double arrival_scale = 1, load_scale = 1, duration_scale = 1, sample_fraction = 1;
  std::uint64_t sample_jobs = 0, seed = 0;
  CLI::Option *arrival = nullptr, *load = nullptr, *durations = nullptr, *fraction = nullptr,
              *jobs = nullptr;
};
void add_transform_flags(CLI::App& cmd, TransformFlags& f);
// In a fixed order: window, filter, sample, load, arrival rate, durations. Throws
// sim::InputError naming the flag for a bad value.
std::vector<traces::Transform> transforms_from_flags(const TransformFlags& f);

}  // namespace orrery::cli
