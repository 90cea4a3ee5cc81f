// Scenario files as the GUI reads and writes them: the same JSON the CLI reads (built with
// scenario::scenario_json and read back with scenario::load_scenario), plus the small fix-ups a
// file needs to load again: the cluster is written inline with each pool's price and autoscale
// bounds, and the trace path is made relative to the scenario file when it lies beside it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "orrery/scenario/scenario.hpp"

namespace orrery::gui {

// A new scenario: one 8 x 8-GPU pool, FIFO, no trace yet.
scenario::Scenario default_scenario();

// The JSON written to `path` for `s` (paths relative to `path`'s folder where possible).
nlohmann::json scenario_file_json(const scenario::Scenario& s, const std::string& path);

// Writes the scenario atomically (scenario::write_file_atomic). Throws sim::InputError.
void save_scenario(const scenario::Scenario& s, const std::string& path);

// "on-demand", "reserved", "spot", "on-prem", or "" for no price.
std::string price_kind_name(sim::PoolPrice::Kind kind);
sim::PoolPrice::Kind price_kind_from_name(const std::string& name);

}  // namespace orrery::gui
