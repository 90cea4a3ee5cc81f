// Placement strategies: where a job's tasks go.
//
//   pack        best fit: each task goes to the node with the fewest free GPUs that still fits,
//               filling that node with as many of the gang's tasks as fit (lowest node id on ties)
//   spread      least allocated: each task to the node with the largest free share of its GPUs
//   consolidate fewest nodes, then fewest racks (via the topology), GPUs inside one NVLink
//               domain where possible
// All three are deterministic, respect GPU type, CPU and memory, and place a gang whole or not
// at all. Shared (fractional) tasks go best-fit onto the partly used GPU with the least room.
#pragma once

#include <memory>

#include "orrery/sim/scheduler.hpp"

namespace orrery::policies {

std::unique_ptr<sim::Placer> make_pack_placer();
std::unique_ptr<sim::Placer> make_spread_placer();
std::unique_ptr<sim::Placer> make_consolidate_placer();

}  // namespace orrery::policies
