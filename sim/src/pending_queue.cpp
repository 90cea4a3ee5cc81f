#include "orrery/sim/pending_queue.hpp"

#include <algorithm>
#include <queue>
#include <stdexcept>

namespace orrery::sim {

namespace {
constexpr std::uint32_t kNotActive = 0xffffffffU;
}

PendingQueue::PendingQueue(std::vector<std::uint32_t> shape_of, std::uint32_t shapes)
    : shape_of_(std::move(shape_of)),
      key_(shape_of_.size()),
      in_queue_(shape_of_.size(), false),
      shapes_(shapes),
      active_pos_(shapes, kNotActive),
      no_fit_epoch_(shapes, kNoEpoch) {}

void PendingQueue::insert(JobIndex job, QueueKey key) {
  if (in_queue_[job]) throw std::logic_error("pending queue: job inserted twice");
  const std::uint32_t s = shape_of_[job];
  key_[job] = key;
  in_queue_[job] = true;
  shapes_[s].insert(Entry{key, job});
  if (active_pos_[s] == kNotActive) {
    active_pos_[s] = static_cast<std::uint32_t>(active_shapes_.size());
    active_shapes_.push_back(s);
  }
  ++size_;
}

void PendingQueue::erase(JobIndex job) {
  if (!in_queue_[job]) throw std::logic_error("pending queue: erasing a job that is not pending");
  const std::uint32_t s = shape_of_[job];
  shapes_[s].erase(Entry{key_[job], job});
  in_queue_[job] = false;
  if (shapes_[s].empty()) {
    const std::uint32_t pos = active_pos_[s];
    const std::uint32_t last = active_shapes_.back();
    active_shapes_[pos] = last;
    active_pos_[last] = pos;
    active_shapes_.pop_back();
    active_pos_[s] = kNotActive;
  }
  --size_;
}

template <class Visitor>
void PendingQueue::merge_shapes(Visitor& visitor, std::uint64_t epoch) {
  if (size_ == 0) return;
  struct Head {
    Entry entry;
    std::uint32_t shape;
    bool operator>(const Head& o) const { return o.entry < entry; }
  };
  std::vector<Head> heads;
  heads.reserve(active_shapes_.size());
  for (std::uint32_t s : active_shapes_) {
    if (!unplaceable(s, epoch)) heads.push_back(Head{*shapes_[s].begin(), s});
  }
  std::priority_queue<Head, std::vector<Head>, std::greater<>> merge(std::greater<>{},
                                                                     std::move(heads));
  while (!merge.empty()) {
    const Head h = merge.top();
    merge.pop();
    const Step step = visitor(h.entry.job);
    if (step.visit == Visit::kStop) return;
    if (step.visit == Visit::kSkipShape) continue;
    // upper_bound works whether or not the visitor erased h.entry or inserted jobs.
    auto& set = shapes_[h.shape];
    auto it = set.upper_bound(h.entry);
    if (step.resume) {
      const JobIndex r = *step.resume;
      const Entry at{key_[r], r};
      if (shape_of_[r] != h.shape || !(h.entry < at)) {
        throw std::logic_error(
            "pending queue: a visit resumed at a job that is not a later job "
            "of the same shape");
      }
      it = set.lower_bound(at);
    }
    if (it != set.end()) merge.push(Head{*it, h.shape});
  }
}

void PendingQueue::visit(const std::function<Visit(JobIndex)>& visitor, std::uint64_t epoch) {
  auto plain = [&](JobIndex j) { return Step{visitor(j), std::nullopt}; };
  merge_shapes(plain, epoch);
}

void PendingQueue::visit_resuming(const std::function<Step(JobIndex)>& visitor,
                                  std::uint64_t epoch) {
  merge_shapes(visitor, epoch);
}

std::vector<JobIndex> PendingQueue::ordered() const {
  std::vector<Entry> all;
  all.reserve(size_);
  for (std::uint32_t s : active_shapes_)
    all.insert(all.end(), shapes_[s].begin(), shapes_[s].end());
  std::sort(all.begin(), all.end());
  std::vector<JobIndex> out;
  out.reserve(all.size());
  for (const Entry& e : all) out.push_back(e.job);
  return out;
}

}  // namespace orrery::sim
