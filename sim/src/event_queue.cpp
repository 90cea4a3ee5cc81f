#include "orrery/sim/event_queue.hpp"

#include <cassert>
#include <utility>

namespace orrery::sim {

namespace {
constexpr std::size_t kArity = 4;
}

void EventQueue::push(SimTime time, Phase phase, EventKind kind, std::uint32_t job,
                      std::uint32_t epoch) {
  assert(next_seq_ < (std::uint64_t{1} << 48));
  Event e{time,
          (static_cast<std::uint64_t>(phase) << 56) | (static_cast<std::uint64_t>(kind) << 48) |
              next_seq_++,
          job, epoch};
  std::size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

Event EventQueue::pop() {
  assert(!heap_.empty());
  Event result = heap_.front();
  Event last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return result;
  std::size_t i = 0;
  for (;;) {
    const std::size_t first = i * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + kArity < n ? first + kArity : n;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    if (!before(heap_[best], last)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = last;
  return result;
}

}  // namespace orrery::sim
