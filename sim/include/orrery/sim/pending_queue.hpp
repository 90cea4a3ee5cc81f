// The pending queue: jobs waiting to start, in the policy's queue order.
//
// Jobs are grouped by their exact resolved demand ("shape": tasks, GPUs per task, GPU type, CPU,
// memory). Inside a shape they are ordered by (QueueKey, JobIndex). A pass visits all pending jobs
// in global order by merging the shapes' heads, and a visitor can skip the rest of a shape in one
// step: if the earliest job of a shape cannot be placed, no later job of the same shape can be
// either, so first-fit ("skip") passes cost O(shapes + jobs started), not O(pending jobs).
//
//   queue.visit([&](JobIndex j) {
//     if (auto p = ctx.find_placement(j)) { ctx.start(j, std::move(*p)); return Visit::kNext; }
//     return Visit::kSkipShape;   // or Visit::kStop for strict FIFO (head-of-line blocking)
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "orrery/sim/job.hpp"

namespace orrery::sim {

// A job's place in the queue order; smaller first, compared lexicographically, then by JobIndex.
struct QueueKey {
  std::int64_t primary = 0;
  std::int64_t secondary = 0;
  auto operator<=>(const QueueKey&) const = default;
};

enum class Visit : std::uint8_t {
  kNext,       // go on to the next job in order
  kSkipShape,  // go on, but skip every later job of this job's shape in this pass
  kStop,       // end the pass
};

class PendingQueue {
 public:
  // shape_of[j] is job j's shape id (dense, < shapes).
  PendingQueue(std::vector<std::uint32_t> shape_of, std::uint32_t shapes);

  void insert(JobIndex job, QueueKey key);
  void erase(JobIndex job);
  bool contains(JobIndex job) const { return in_queue_[job]; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint32_t shape_of(JobIndex job) const { return shape_of_[job]; }
  QueueKey key_of(JobIndex job) const { return key_[job]; }

  // Visits pending jobs in queue order. The visitor may erase the job it is given (by starting
  // it) and may insert jobs (preempted ones); those may or may not be visited in this pass.
  // With an epoch (Cluster::release_epoch), shapes marked unplaceable at that epoch are left out
  // of the pass, as if their head had been visited and answered kSkipShape.
  void visit(const std::function<Visit(JobIndex)>& visitor, std::uint64_t epoch = kNoEpoch);

  // A visitor's answer that can also say where its job's shape goes on: `resume`, a later job of
  // the same shape, makes the pass go on in that shape from it (or, when it is no longer pending,
  // from the next pending job after it), passing over the jobs in between as if each had
  // answered kNext. A visitor that knows which later jobs of a shape could matter (easy-backfill:
  // only those short enough for its reservation) then pays for those, not the whole shape.
  struct Step {
    Visit visit = Visit::kNext;
    std::optional<JobIndex> resume;
  };
  void visit_resuming(const std::function<Step(JobIndex)>& visitor, std::uint64_t epoch = kNoEpoch);

  // Fit memo: the head of `shape` found no placement while the cluster's release epoch was
  // `epoch`. Until the epoch changes no job of the shape can be placed (Placer's contract).
  static constexpr std::uint64_t kNoEpoch = 0;
  void mark_unplaceable(std::uint32_t shape, std::uint64_t epoch) { no_fit_epoch_[shape] = epoch; }
  bool unplaceable(std::uint32_t shape, std::uint64_t epoch) const {
    return epoch != kNoEpoch && no_fit_epoch_[shape] == epoch;
  }
  // All pending jobs in queue order (allocates; for round-based policies and tests).
  std::vector<JobIndex> ordered() const;

 private:
  struct Entry {
    QueueKey key;
    JobIndex job;
    bool operator<(const Entry& o) const { return key < o.key || (key == o.key && job < o.job); }
  };
  // A shape's first job, kept for every shape with pending jobs, in queue order (heads_).
  struct Head {
    Entry entry;
    std::uint32_t shape;
    bool operator<(const Head& o) const { return entry < o.entry; }
    bool operator>(const Head& o) const { return o.entry < entry; }
  };
  void add_head(const Head& h);
  void remove_head(const Entry& e);
  template <class Visitor>
  void merge_shapes(Visitor& visitor, std::uint64_t epoch);
  std::vector<std::uint32_t> shape_of_;
  std::vector<QueueKey> key_;
  std::vector<bool> in_queue_;
  std::vector<std::set<Entry>> shapes_;
  std::vector<std::uint64_t> no_fit_epoch_;  // per shape: fit memo (kNoEpoch: none)
  std::vector<Head> heads_;  // the first job of each shape with pending jobs, sorted
  std::size_t size_ = 0;
};

}  // namespace orrery::sim
