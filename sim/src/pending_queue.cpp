#include "orrery/sim/pending_queue.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace orrery::sim {

PendingQueue::PendingQueue(std::vector<std::uint32_t> shape_of, std::uint32_t shapes)
    : shape_of_(std::move(shape_of)),
      key_(shape_of_.size()),
      in_queue_(shape_of_.size(), false),
      shapes_(shapes),
      no_fit_epoch_(shapes, kNoEpoch) {}

void PendingQueue::add_head(const Head& h) {
  heads_.insert(std::upper_bound(heads_.begin(), heads_.end(), h), h);
}

void PendingQueue::remove_head(const Entry& e) {
  const auto it = std::lower_bound(heads_.begin(), heads_.end(), Head{e, 0});
  if (it == heads_.end() || it->entry.job != e.job)
    throw std::logic_error("pending queue: a shape's first job is not among the heads");
  heads_.erase(it);
}

void PendingQueue::insert(JobIndex job, QueueKey key) {
  if (in_queue_[job]) throw std::logic_error("pending queue: job inserted twice");
  const std::uint32_t s = shape_of_[job];
  key_[job] = key;
  in_queue_[job] = true;
  const Entry e{key, job};
  auto& set = shapes_[s];
  if (set.empty()) {
    add_head(Head{e, s});
  } else if (e < *set.begin()) {
    remove_head(*set.begin());
    add_head(Head{e, s});
  }
  set.insert(e);
  ++size_;
}

void PendingQueue::erase(JobIndex job) {
  if (!in_queue_[job]) throw std::logic_error("pending queue: erasing a job that is not pending");
  const std::uint32_t s = shape_of_[job];
  auto& set = shapes_[s];
  const Entry e{key_[job], job};
  const bool was_head = set.begin()->job == job;
  set.erase(e);
  in_queue_[job] = false;
  if (was_head) {
    remove_head(e);
    if (!set.empty()) add_head(Head{*set.begin(), s});
  }
  --size_;
}

// A pass reads the heads of the shapes, kept in queue order (heads_), as they were when it began;
// a shape's next job after a visit that went on in it joins a small heap merged with them. (One
// heap of every head, made at each pass, cost a pop of O(log shapes) per head, and most heads
// end their shape's turn.)
template <class Visitor>
void PendingQueue::merge_shapes(Visitor& visitor, std::uint64_t epoch) {
  if (size_ == 0) return;
  std::vector<Head> heads;
  heads.reserve(heads_.size());
  for (const Head& h : heads_) {
    if (!unplaceable(h.shape, epoch)) heads.push_back(h);
  }
  std::vector<Head> later;  // a min-heap (std::greater)
  std::size_t next = 0;
  for (;;) {
    Head h;
    if (next < heads.size() && (later.empty() || heads[next] < later.front())) {
      h = heads[next++];
    } else if (!later.empty()) {
      std::pop_heap(later.begin(), later.end(), std::greater<>{});
      h = later.back();
      later.pop_back();
    } else {
      return;
    }
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
    if (it != set.end()) {
      later.push_back(Head{*it, h.shape});
      std::push_heap(later.begin(), later.end(), std::greater<>{});
    }
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
  for (const Head& h : heads_)  // one per shape with pending jobs
    all.insert(all.end(), shapes_[h.shape].begin(), shapes_[h.shape].end());
  std::sort(all.begin(), all.end());
  std::vector<JobIndex> out;
  out.reserve(all.size());
  for (const Entry& e : all) out.push_back(e.job);
  return out;
}

}  // namespace orrery::sim
