#include "orrery/sim/event_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

namespace orrery::sim {
namespace {

struct OrderCase {
  const char* name;
  std::vector<std::tuple<std::int64_t, Phase, std::uint32_t>> pushed;  // time, phase, tag
  std::vector<std::uint32_t> expected_tags;
};

class EventOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(EventOrder, PopsInTimePhaseSequenceOrder) {
  EventQueue q;
  for (const auto& [t, phase, tag] : GetParam().pushed) {
    q.push(SimTime::from_ms(t), phase, EventKind::kArrival, tag);
  }
  std::vector<std::uint32_t> got;
  while (!q.empty()) got.push_back(q.pop().job);
  EXPECT_EQ(got, GetParam().expected_tags);
}

INSTANTIATE_TEST_SUITE_P(
    Table, EventOrder,
    ::testing::Values(
        OrderCase{
            "earlier_time_first", {{10, Phase::kArrival, 1}, {5, Phase::kArrival, 2}}, {2, 1}},
        OrderCase{"finish_before_arrival_at_same_time",
                  {{5, Phase::kArrival, 1}, {5, Phase::kFinish, 2}},
                  {2, 1}},
        OrderCase{"pass_after_arrivals_and_finishes",
                  {{5, Phase::kSchedule, 1}, {5, Phase::kArrival, 2}, {5, Phase::kFinish, 3}},
                  {3, 2, 1}},
        OrderCase{"sample_last", {{5, Phase::kSample, 1}, {5, Phase::kSchedule, 2}}, {2, 1}},
        OrderCase{"fifo_among_equals",
                  {{5, Phase::kArrival, 1}, {5, Phase::kArrival, 2}, {5, Phase::kArrival, 3}},
                  {1, 2, 3}},
        OrderCase{"time_beats_phase", {{6, Phase::kFinish, 1}, {5, Phase::kSample, 2}}, {2, 1}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(EventQueue, RandomPushesPopSorted) {
  std::mt19937_64 rng(42);
  EventQueue q;
  std::vector<std::tuple<std::int64_t, int, std::uint64_t>> expected;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    const auto t = static_cast<std::int64_t>(rng() % 1000);
    const auto phase = static_cast<Phase>(rng() % 4);
    q.push(SimTime::from_ms(t), phase, EventKind::kArrival, i);
    expected.emplace_back(t, static_cast<int>(phase), i);  // sequence == i here
  }
  std::sort(expected.begin(), expected.end());
  for (const auto& [t, phase, seq] : expected) {
    ASSERT_FALSE(q.empty());
    const Event e = q.pop();
    EXPECT_EQ(e.time.ms(), t);
    EXPECT_EQ(static_cast<int>(e.phase()), phase);
    EXPECT_EQ(e.sequence(), seq);
  }
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, InterleavedPushPopKeepsOrder) {
  std::mt19937_64 rng(7);
  EventQueue q;
  std::int64_t now = 0;
  for (int i = 0; i < 50000; ++i) {
    if (q.empty() || rng() % 3 != 0) {
      q.push(SimTime::from_ms(now + static_cast<std::int64_t>(rng() % 100)), Phase::kArrival,
             EventKind::kArrival);
    } else {
      const Event e = q.pop();
      ASSERT_GE(e.time.ms(), now);
      now = e.time.ms();
    }
  }
}

TEST(SimTime, SecondsRoundToNearestMillisecond) {
  EXPECT_EQ(SimTime::from_seconds(1.5).ms(), 1500);
  EXPECT_EQ(SimTime::from_seconds(0.0004).ms(), 0);
  EXPECT_EQ(SimTime::from_seconds(0.0005).ms(), 1);
  EXPECT_EQ(SimTime::from_seconds(-1.2).ms(), -1200);
  EXPECT_DOUBLE_EQ((SimTime::from_ms(1500) + SimTime::from_ms(250)).seconds(), 1.75);
}

}  // namespace
}  // namespace orrery::sim
