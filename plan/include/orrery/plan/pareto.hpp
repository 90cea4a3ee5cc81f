// Pareto fronts over two minimised objectives.
//
// A point dominates another when it is no worse in both and strictly better in one. The front is
// every point no other point dominates (equal points are all kept). O(n log n).
//
//   std::vector<std::size_t> front = pareto_front({{3, 1}, {1, 3}, {2, 2}, {3, 3}});  // 0, 1, 2
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace orrery::plan {

struct Point2 {
  double x = 0, y = 0;
};

bool dominates(const Point2& a, const Point2& b);

// Indices of the non-dominated points, ordered by x ascending (then y, then index).
std::vector<std::size_t> pareto_front(const std::vector<Point2>& points);

}  // namespace orrery::plan
