// Orrery's version, recorded in every manifest.
#pragma once

#include <string_view>

namespace orrery::sim {
inline constexpr std::string_view kVersion = "0.1.0";
}
