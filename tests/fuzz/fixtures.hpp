// Small valid files the JSON targets (scenario, cluster, sweep, plan) can refer to by name from
// the scratch folder: trace.csv (native), cluster.json, base.json (a scenario using both).
// Written once per process; the fuzzed document is written beside them.
#pragma once

#include "fuzz_support.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::fuzz {

inline void write_fixtures() {
  static const bool done = [] {
    scratch().write("trace.csv", std::string(traces::kNativeHeader) +
                                     "\n"
                                     "j1,0,alice,research,0,1,8,,32,262144,3071.076,12360,,,,\n"
                                     "j2,5.5,bob,prod,0,2,1,V100,4,32768,97.9,480,,,,completed\n");
    scratch().write("cluster.json", R"({"name": "fixture",
 "pools": [{"name": "a100", "gpu_type": "A100-80", "gpus_per_node": 8, "nodes": 2,
            "cpu_cores": 128, "memory_gib": 1024},
           {"name": "v100", "gpu_type": "V100", "gpus_per_node": 4, "nodes": 2}]})");
    scratch().write("base.json", R"({"name": "base", "cluster": "cluster.json",
 "workload": {"trace": "trace.csv", "format": "native"},
 "policies": ["fifo", "easy-backfill"], "placement": "pack", "seed": 1})");
    return true;
  }();
  (void)done;
}

}  // namespace orrery::fuzz
