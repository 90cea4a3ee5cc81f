// The interfaces a scheduling policy, a placement strategy and a runtime model implement.
//
// In the spirit of the Kubernetes scheduling framework, a policy only implements the extension
// points it needs:
//   - queue order: `queue_key` gives a job its place when it (re)joins the pending queue;
//   - the pass: `schedule` is called once per scheduling cycle with a SchedulingContext through
//     which it starts and preempts jobs. Queue policies use the ready-made greedy passes in
//     policies/; round-based policies (Gavel, Themis) write their own whole pass and ask to be
//     woken with `request_wakeup`.
// Placement (filter and score of nodes for a job's tasks) is a separate Placer, so any policy
// runs with any placement. Expected outcomes are values: a job that does not fit gets
// std::nullopt from find_placement, never an exception.
//
//   class Fifo : public Policy {
//     QueueKey queue_key(const SchedulingContext& c, JobIndex j) const override {
//       return {c.job(j).submit.ms(), 0};
//     }
//     void schedule(SchedulingContext& c) override { greedy_pass(c, Blocking::kHeadOfLine); }
//   };
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"
#include "orrery/sim/pending_queue.hpp"
#include "orrery/sim/time.hpp"

namespace orrery::sim {

// The engine's view of one job while it is simulated.
struct JobRuntime {
  JobStatus status = JobStatus::kPending;
  bool arrived = false;
  std::optional<SimTime> first_start;
  std::optional<SimTime> end;
  SimTime last_start;          // start of the current (or last) run segment
  SimTime remaining_work;      // reference-hardware milliseconds still to run
  SimTime expected_end;        // when the current segment will finish, if undisturbed
  double speed = 1.0;          // reference-work milliseconds per simulated millisecond
  double attained_gpu_ms = 0;  // GPU-milliseconds of service received (completed segments)
  std::uint32_t preemptions = 0;
  std::uint32_t nodes = 0;        // distinct nodes of the current or last placement
  std::uint32_t bound_tasks = 0;  // tasks holding resources (all of them while running)
  std::uint32_t epoch = 0;        // bumps at each preemption; stale finish events are ignored
  SimTime overhead;               // this segment's time before work starts (launch + restore)
  SimTime preempt_overhead;       // the part of `overhead` that pays for a preemption or failure
  SimTime pending_overhead;       // save + restore to pay when the job next starts
  SimTime checkpointed_work;      // reference work safe in a checkpoint
  SimTime lost_work;              // reference work lost to failures
  std::uint32_t restarts = 0;     // restarts after node failures
  SimTime pending_since;          // when it last became pending (arrival, preemption, restart)
};

class Placer {
 public:
  virtual ~Placer() = default;
  virtual std::string_view name() const = 0;
  // A placement for every task of the demand on the cluster as it is now, or nullopt.
  // Contract: failure is monotone. If a demand finds no placement, it finds none on any state of
  // the cluster with less free (Cluster::release_epoch unchanged); the pending queue's fit memo
  // relies on it. A placer that refuses for other reasons (a quota, a time) must not be a Placer.
  virtual std::optional<Placement> place(const Cluster& cluster, const Demand& demand) const = 0;
};

class RuntimeModel {
 public:
  virtual ~RuntimeModel() = default;
  virtual std::string_view name() const = 0;
  // Reference-work milliseconds done per simulated millisecond, for this job at this placement.
  virtual double speed(const JobSpec& job, const Demand& demand, const Placement& placement,
                       const Cluster& cluster) const = 0;
};

// The spine's runtime model: a job runs exactly its observed duration wherever it is placed.
class ObservedRuntime final : public RuntimeModel {
 public:
  std::string_view name() const override { return "observed"; }
  double speed(const JobSpec&, const Demand&, const Placement&, const Cluster&) const override {
    return 1.0;
  }
};

// A job that started or stopped running (finished, failed, preempted, evicted).
struct RunChange {
  JobIndex job;
  bool started;
};

class SchedulingContext {
 public:
  virtual ~SchedulingContext() = default;
  virtual SimTime now() const = 0;
  virtual const Cluster& cluster() const = 0;
  virtual const Workload& workload() const = 0;
  const JobSpec& job(JobIndex j) const { return workload().jobs[j]; }
  virtual const Demand& demand(JobIndex j) const = 0;
  virtual const JobRuntime& runtime(JobIndex j) const = 0;
  virtual PendingQueue& pending() = 0;
  // Running jobs, in a deterministic order (sort by runtime(j).last_start for start order).
  virtual std::span<const JobIndex> running() const = 0;
  // Jobs that started or stopped running since the policy's previous pass returned, in order,
  // including those of the current pass so far. A policy that keeps its own view of the running
  // jobs (ordered by priority, by time limit, ...) updates it from these in time proportional to
  // the changes, not to the number of running jobs.
  virtual std::span<const RunChange> run_changes() const = 0;
  // Jobs that joined the pending queue (submitted, preempted, evicted by a node failure) since the
  // policy's previous pass returned, in order, including those of the current pass so far. With
  // run_changes() (which has every job that left it by starting), a policy can keep its own
  // order of the pending jobs without walking the whole queue every pass.
  virtual std::span<const JobIndex> arrivals() const = 0;
  // Service attained so far including the current segment, in GPU-milliseconds.
  virtual double attained_gpu_ms(JobIndex j) const = 0;
  // Remaining reference work, accounting for the current segment.
  virtual SimTime remaining_work(JobIndex j) const = 0;

  // The resources a running (or partly bound) job holds now; empty for other jobs.
  virtual const Placement& placement(JobIndex j) const = 0;
  virtual std::optional<Placement> find_placement(JobIndex j) const = 0;
  // A placement for only `tasks` of the job's tasks (for policies without gang semantics).
  virtual std::optional<Placement> find_task_placement(JobIndex j, std::uint32_t tasks) const = 0;
  virtual void start(JobIndex j, Placement placement) = 0;
  // Binds some tasks of a pending job now, holding their resources, as Kubernetes' default
  // scheduler binds pods one at a time; the job starts when its last task is bound. Without
  // gangs, two half-bound jobs can deadlock, as they do in real clusters.
  virtual void bind_tasks(JobIndex j, Placement tasks) = 0;
  // Releases every task bound so far of a pending job.
  virtual void unbind_tasks(JobIndex j) = 0;
  // Evicts a running job; it rejoins the pending queue with its remaining work.
  virtual void preempt(JobIndex j) = 0;
  // Asks for another pass at time t (round-based policies).
  virtual void request_wakeup(SimTime t) = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  virtual QueueKey queue_key(const SchedulingContext& ctx, JobIndex j) const = 0;
  virtual void schedule(SchedulingContext& ctx) = 0;
};

}  // namespace orrery::sim
