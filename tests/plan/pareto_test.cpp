// Pareto fronts: the O(n log n) scan against the definition (brute force) on random points,
// including many ties, and hand-worked cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "orrery/plan/pareto.hpp"

namespace orrery::plan {
namespace {

std::vector<std::size_t> brute_force(const std::vector<Point2>& pts) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < pts.size() && !dominated; ++j) {
      if (pts[j].x <= pts[i].x && pts[j].y <= pts[i].y &&
          (pts[j].x < pts[i].x || pts[j].y < pts[i].y))
        dominated = true;
    }
    if (!dominated) out.push_back(i);
  }
  return out;
}

TEST(Pareto, HandWorked) {
  const std::vector<Point2> pts = {{3, 1}, {1, 3}, {2, 2}, {3, 3}, {2, 2}, {1, 4}, {4, 0.5}};
  std::vector<std::size_t> f = pareto_front(pts);
  // Ordered by x: (1,3), (2,2) twice (equal points are both kept), (3,1), (4,0.5).
  EXPECT_EQ(f, (std::vector<std::size_t>{1, 2, 4, 0, 6}));
  EXPECT_TRUE(pareto_front({}).empty());
  EXPECT_EQ(pareto_front({{5, 5}}), (std::vector<std::size_t>{0}));
  EXPECT_TRUE(dominates({1, 1}, {1, 2}));
  EXPECT_FALSE(dominates({1, 1}, {1, 1}));
  EXPECT_FALSE(dominates({1, 3}, {2, 2}));
}

TEST(Pareto, EqualsBruteForceOnRandomPoints) {
  std::mt19937_64 rng(20240611);
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = 1 + rng() % 200;
    // Small integer grids make ties in x, in y and whole duplicates common.
    const bool coarse = trial % 2 == 0;
    std::uniform_int_distribution<int> small(0, 12);
    std::uniform_real_distribution<double> wide(-1e3, 1e3);
    std::vector<Point2> pts(n);
    for (auto& p : pts) {
      p.x = coarse ? small(rng) : wide(rng);
      p.y = coarse ? small(rng) : wide(rng);
    }
    std::vector<std::size_t> fast = pareto_front(pts);
    std::vector<std::size_t> slow = brute_force(pts);
    // The front's order is by x; compare as sets, and check that order.
    for (std::size_t i = 1; i < fast.size(); ++i) EXPECT_LE(pts[fast[i - 1]].x, pts[fast[i]].x);
    std::sort(fast.begin(), fast.end());
    ASSERT_EQ(fast, slow) << "trial " << trial << " with " << n << " points";
  }
}

}  // namespace
}  // namespace orrery::plan
