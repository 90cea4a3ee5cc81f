// Simulated time: a strong integer type with millisecond resolution.
//
// Orrery never uses floating-point time inside the engine: every event time is an exact integer
// count of milliseconds since the start of the workload (t = 0 is the earliest submit time after
// import). The same type serves as a point in time and as a span (duration), as in OMNeT++'s
// simtime_t; the named factories keep the unit explicit at every call site.
//
//   SimTime t = SimTime::from_seconds(1.5);   // 1500 ms
//   SimTime d = SimTime::from_ms(250);
//   double s = (t + d).seconds();             // 1.75
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace orrery::sim {

class SimTime {
 public:
  constexpr SimTime() = default;
  static constexpr SimTime from_ms(std::int64_t ms) { return SimTime(ms); }
  // Rounds to the nearest millisecond (half away from zero).
  static constexpr SimTime from_seconds(double s) {
    const double ms = s * 1000.0;
    return SimTime(static_cast<std::int64_t>(ms < 0 ? ms - 0.5 : ms + 0.5));
  }
  static constexpr SimTime zero() { return SimTime(0); }
  static constexpr SimTime max() { return SimTime(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t ms() const { return ms_; }
  constexpr double seconds() const { return static_cast<double>(ms_) / 1000.0; }

  constexpr SimTime operator+(SimTime o) const { return SimTime(ms_ + o.ms_); }
  constexpr SimTime operator-(SimTime o) const { return SimTime(ms_ - o.ms_); }
  constexpr SimTime& operator+=(SimTime o) {
    ms_ += o.ms_;
    return *this;
  }
  constexpr SimTime& operator-=(SimTime o) {
    ms_ -= o.ms_;
    return *this;
  }
  constexpr auto operator<=>(const SimTime&) const = default;

 private:
  constexpr explicit SimTime(std::int64_t ms) : ms_(ms) {}
  std::int64_t ms_ = 0;
};

}  // namespace orrery::sim
