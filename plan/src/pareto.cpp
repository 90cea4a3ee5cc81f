#include "orrery/plan/pareto.hpp"

#include <algorithm>
#include <numeric>

namespace orrery::plan {

bool dominates(const Point2& a, const Point2& b) {
  return a.x <= b.x && a.y <= b.y && (a.x < b.x || a.y < b.y);
}

std::vector<std::size_t> pareto_front(const std::vector<Point2>& points) {
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].x != points[b].x) return points[a].x < points[b].x;
    if (points[a].y != points[b].y) return points[a].y < points[b].y;
    return a < b;
  });
  // Scanning by x ascending (y ascending within equal x), a point is on the front when its y is
  // below every y seen at a smaller x, and it equals the best point of its own x.
  std::vector<std::size_t> front;
  bool any = false;
  double best_y = 0;  // smallest y among points with x strictly smaller than the current group
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    const double x = points[order[i]].x;
    while (j < order.size() && points[order[j]].x == x) ++j;
    const double group_min_y = points[order[i]].y;  // sorted by y within the group
    if (!any || group_min_y < best_y) {
      for (std::size_t k = i; k < j && points[order[k]].y == group_min_y; ++k)
        front.push_back(order[k]);
      best_y = group_min_y;
      any = true;
    }
    i = j;
  }
  return front;
}

}  // namespace orrery::plan
