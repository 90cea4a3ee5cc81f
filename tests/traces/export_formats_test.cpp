// Importers of exports from running clusters (Slurm sacct --json, sacct -P, jobcomp/filetxt;
// kubectl get pods / nodes -o json) on saved outputs in tests/traces/data, written by hand from
// each tool's documented output schema (see docs/formats.md), and on broken inputs.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/slurm_state.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using traces::import_trace;
using traces::Imported;
using traces::ImportOptions;

std::string data(const std::string& name) {
  return (source_dir() / "tests" / "traces" / "data" / name).string();
}

const sim::JobSpec& job(const Imported& t, const std::string& id) {
  for (const auto& j : t.workload.jobs) {
    if (j.id == id) return j;
  }
  ADD_FAILURE() << "no job " << id;
  static sim::JobSpec none;
  return none;
}

std::uint64_t dropped(const Imported& t, const std::string& reason) {
  auto it = t.report.dropped.find(reason);
  return it == t.report.dropped.end() ? 0 : it->second;
}
std::uint64_t adjusted(const Imported& t, const std::string& reason) {
  auto it = t.report.adjusted.find(reason);
  return it == t.report.adjusted.end() ? 0 : it->second;
}

// The message of the InputError thrown by `f`, or "" when none was thrown.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return {};
}

std::string import_error(const std::string& path, const std::string& format, bool strict = false) {
  ImportOptions o;
  o.strict = strict;
  return error_of([&] { import_trace(path, format, o); });
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "expected \"" << part << "\" in:\n" << text;
}

void write_gzip(const std::filesystem::path& p, const std::string& text) {
  gzFile gz = gzopen(p.string().c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// ---- sacct --json ------------------------------------------------------------------------

TEST(SlurmState, OneTableForEveryReaderOfSlurmStates) {
  using traces::parse_slurm_state;
  using traces::SlurmPhase;
  auto is = [](std::string_view text, SlurmPhase phase, sim::JobStatus status) {
    const auto st = parse_slurm_state(text);
    return st && st->phase == phase && st->status == status;
  };
  // The final states, in the forms sacct, squeue and jobcomp write them.
  EXPECT_TRUE(is("COMPLETED", SlurmPhase::kFinished, sim::JobStatus::kCompleted));
  EXPECT_TRUE(is("CANCELLED by 1000", SlurmPhase::kFinished, sim::JobStatus::kKilled));
  EXPECT_TRUE(is("CANCELLED+", SlurmPhase::kFinished, sim::JobStatus::kKilled));
  EXPECT_TRUE(is(" timeout ", SlurmPhase::kFinished, sim::JobStatus::kTimeout));
  for (const char* failed :
       {"FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED"})
    EXPECT_TRUE(is(failed, SlurmPhase::kFinished, sim::JobStatus::kFailed)) << failed;
  // Not ended: a later record says how it ends.
  EXPECT_TRUE(is("PENDING", SlurmPhase::kPending, sim::JobStatus::kPending));
  EXPECT_TRUE(is("SUSPENDED", SlurmPhase::kRunning, sim::JobStatus::kRunning));
  EXPECT_TRUE(is("REQUEUED", SlurmPhase::kRequeued, sim::JobStatus::kPreempted));
  EXPECT_TRUE(is("REVOKED", SlurmPhase::kRevoked, sim::JobStatus::kKilled));
  for (const char* bad : {"", "DONE", "COMPLETE", "by 1000"})
    EXPECT_FALSE(parse_slurm_state(bad).has_value()) << bad;
}

TEST(SlurmSacctJson, SpotChecksTheSavedExport) {
  const Imported t = import_trace(data("slurm_sacct.json"), "slurm-sacct-json", {});
  EXPECT_EQ(t.report.format, "slurm-sacct-json");
  EXPECT_EQ(t.report.rows, 15U);
  EXPECT_EQ(t.workload.jobs.size(), 10U);
  EXPECT_EQ(t.report.jobs, 10U);
  EXPECT_EQ(dropped(t, "cancelled before it started"), 1U);
  EXPECT_EQ(dropped(t, "pending at export (never started)"), 2U);  // 1004 and array 1010_[2-5]
  EXPECT_EQ(dropped(t, "running at export (no end time)"), 1U);
  EXPECT_EQ(dropped(t, "requeued attempt (a later record holds the final state)"), 1U);
  EXPECT_EQ(adjusted(t, "GPUs not a multiple of the node count (one task per GPU)"), 1U);
  EXPECT_EQ(adjusted(t, "no allocated TRES (requested TRES used)"), 1U);

  // Times: t = 0 is Monday 2024-05-06 00:00 UTC; 1001 was submitted Tuesday 09:00 UTC.
  const auto& a = job(t, "1001");
  EXPECT_EQ(a.submit.ms(), 118'800'000);
  EXPECT_EQ(a.observed.start->ms(), 118'860'000);
  EXPECT_EQ(a.observed.end->ms(), 122'460'000);
  EXPECT_EQ(a.duration.ms(), 3'600'000);
  EXPECT_EQ(a.walltime->ms(), 7'200'000);
  EXPECT_EQ(a.tasks, 2U);
  EXPECT_EQ(a.gpu_milli, 4000U);
  EXPECT_EQ(t.workload.gpu_types[a.gpu_type], "a100");
  EXPECT_EQ(a.cpu_milli, 16000U);
  EXPECT_EQ(a.memory_mib, 131072U);
  EXPECT_EQ(a.priority, 12345);
  EXPECT_EQ(t.workload.users[a.user], "alice");
  EXPECT_EQ(t.workload.queues[a.queue], "gpu");
  EXPECT_EQ(a.observed.placement, "gn[01-02]");
  EXPECT_EQ(*a.observed.status, sim::JobStatus::kCompleted);

  EXPECT_EQ(*job(t, "1002").observed.status, sim::JobStatus::kFailed);
  EXPECT_EQ(t.workload.gpu_types[job(t, "1002").gpu_type], "v100");
  // Array tasks are named ARRAY_TASK, as sacct prints them.
  EXPECT_EQ(job(t, "1010_0").duration.ms(), 1'200'000);
  EXPECT_EQ(job(t, "1010_1").duration.ms(), 600'000);
  // TIMEOUT (killed past its limit) is the simulator's timeout; untyped GPUs have no type.
  const auto& f = job(t, "1020");
  EXPECT_EQ(*f.observed.status, sim::JobStatus::kTimeout);
  EXPECT_EQ(f.gpu_type, 0U);
  EXPECT_EQ(f.gpu_milli, 2000U);
  EXPECT_EQ(f.walltime->ms(), 1'800'000);
  EXPECT_EQ(t.workload.queues[f.queue], "debug");
  // A CPU-only job.
  EXPECT_EQ(job(t, "1021").gpu_milli, 0U);
  EXPECT_EQ(job(t, "1021").cpu_milli, 64000U);
  // A held job arrives when it became eligible (Wednesday 11:00).
  EXPECT_EQ(job(t, "1022").submit.ms(), 212'400'000);
  // 3 GPUs on 2 nodes: three one-GPU tasks.
  EXPECT_EQ(job(t, "1023").tasks, 3U);
  EXPECT_EQ(job(t, "1023").gpu_milli, 1000U);
  EXPECT_EQ(job(t, "1023").cpu_milli, 2000U);
  EXPECT_EQ(job(t, "1024").gpu_milli, 1000U);
  // The requeued attempt is dropped; the final record stays.
  EXPECT_EQ(job(t, "1030").observed.placement, "gn12");
  EXPECT_EQ(job(t, "1030").duration.ms(), 1'800'000);
}

TEST(SlurmSacctJson, ReadsTheSlurm2302Forms) {
  const Imported t = import_trace(data("slurm_sacct_2302.json"), "slurm-sacct-json", {});
  ASSERT_EQ(t.workload.jobs.size(), 2U);
  const auto& a = job(t, "2001");
  EXPECT_EQ(a.submit.ms(), 36'000'000);  // Monday 10:00
  EXPECT_EQ(a.priority, 500);
  EXPECT_EQ(a.walltime->ms(), 3'600'000);
  EXPECT_EQ(a.gpu_milli, 4000U);
  EXPECT_EQ(t.workload.gpu_types[a.gpu_type], "h100");
  const auto& b = job(t, "2000_7");
  EXPECT_FALSE(b.walltime.has_value());  // infinite
  EXPECT_EQ(*b.observed.status, sim::JobStatus::kKilled);
  EXPECT_EQ(b.duration.ms(), 1'800'000);
}

TEST(SlurmSacctJson, StrictTurnsDropsIntoErrors) {
  const std::string e = import_error(data("slurm_sacct.json"), "slurm-sacct-json", true);
  expect_contains(e, "2 rows dropped: pending at export (never started) (--strict)");
  expect_contains(e, "1 rows adjusted: no allocated TRES (requested TRES used) (--strict)");
}

TEST(SlurmSacctJson, BadInputIsAnErrorNamingTheJsonPath) {
  TempDir tmp;
  const std::string full = read_text(data("slurm_sacct.json"));
  // Truncated: invalid JSON at the last line.
  write_text(tmp / "cut.json", full.substr(0, full.size() / 2));
  std::string e = import_error((tmp / "cut.json").string(), "slurm-sacct-json");
  expect_contains(e, "cut.json:");
  expect_contains(e, "invalid JSON");
  // Corrupt gzip.
  write_text(tmp / "bad.json.gz", std::string("\x1f\x8b\x08\x00garbage-not-deflate", 24));
  e = import_error((tmp / "bad.json.gz").string(), "slurm-sacct-json");
  expect_contains(e, "gzip");
  // A gzip that is fine is read.
  write_gzip(tmp / "ok.json.gz", full);
  EXPECT_EQ(
      import_trace((tmp / "ok.json.gz").string(), "slurm-sacct-json", {}).workload.jobs.size(),
      10U);
  // Not an export.
  write_text(tmp / "other.json", "{\"items\": []}");
  expect_contains(import_error((tmp / "other.json").string(), "slurm-sacct-json"), "jobs");
  // Non-numeric field, negative GPU count, end before start.
  write_text(tmp / "nan.json", replace_once(full, "\"job_id\": 1001", "\"job_id\": \"abc\""));
  expect_contains(import_error((tmp / "nan.json").string(), "slurm-sacct-json"),
                  "jobs[0].job_id: must be a whole number, got a string \"abc\"");
  write_text(tmp / "neg.json", replace_once(full,
                                            "\"name\": \"gpu\",\n                  \"id\": 1001,\n"
                                            "                  \"count\": 8",
                                            "\"name\": \"gpu\",\n                  \"id\": 1001,\n"
                                            "                  \"count\": -8"));
  expect_contains(import_error((tmp / "neg.json").string(), "slurm-sacct-json"),
                  "jobs[0].tres.allocated[4].count: must be >= 0, got -8");
  write_text(tmp / "end.json", replace_once(full, "\"end\": 1715076060", "\"end\": 1715072000"));
  expect_contains(import_error((tmp / "end.json").string(), "slurm-sacct-json"),
                  "jobs[0].time.end: ends before the start");
  // Deep nesting is refused before it costs anything.
  // A number too large for a double (found by fuzzing: nlohmann reports it as out_of_range).
  write_text(tmp / "huge.json", "{\"jobs\": [{\"job_id\": 1e400}]}");
  expect_contains(import_error((tmp / "huge.json").string(), "slurm-sacct-json"),
                  "invalid JSON: number overflow");
  write_text(tmp / "deep.json", std::string(1000, '[') + std::string(1000, ']'));
  expect_contains(import_error((tmp / "deep.json").string(), "slurm-sacct-json"), "nested deeper");
  write_text(tmp / "empty.json", "\n");
  expect_contains(import_error((tmp / "empty.json").string(), "slurm-sacct-json"), "empty file");
}

TEST(SlurmSacctJson, DuplicateIdsKeepTheFirstAndAreCounted) {
  TempDir tmp;
  std::string full = read_text(data("slurm_sacct.json"));
  full = replace_once(full, "\"job_id\": 1002", "\"job_id\": 1001");
  write_text(tmp / "dup.json", full);
  const Imported t = import_trace((tmp / "dup.json").string(), "slurm-sacct-json", {});
  EXPECT_EQ(t.workload.jobs.size(), 9U);
  EXPECT_EQ(dropped(t, "duplicate job id (the first record is kept)"), 1U);
  EXPECT_EQ(job(t, "1001").tasks, 2U);
}

// ---- sacct -P ----------------------------------------------------------------------------

TEST(SlurmSacct, SpotChecksTheSavedExport) {
  // CRLF line ends, job steps, an array, "Unknown"/"None" times, "CANCELLED by UID".
  const Imported t = import_trace(data("slurm_sacct_p.txt"), "auto", {});
  EXPECT_EQ(t.report.format, "slurm-sacct");
  EXPECT_EQ(t.report.rows, 13U);
  ASSERT_EQ(t.workload.jobs.size(), 5U);
  EXPECT_EQ(dropped(t, "job step (not a job)"), 4U);
  EXPECT_EQ(dropped(t, "cancelled before it started"), 1U);
  EXPECT_EQ(dropped(t, "pending at export (never started)"), 2U);
  EXPECT_EQ(dropped(t, "running at export (no end time)"), 1U);
  const auto& a = job(t, "3001");
  EXPECT_EQ(a.submit.ms(), 118'800'000);  // Tuesday 09:00 on the cluster's clock
  EXPECT_EQ(a.duration.ms(), 7'200'000);
  EXPECT_EQ(a.walltime->ms(), 86'400'000);  // 1-00:00:00
  EXPECT_EQ(a.tasks, 2U);
  EXPECT_EQ(a.gpu_milli, 8000U);
  EXPECT_EQ(a.cpu_milli, 32000U);
  EXPECT_EQ(a.memory_mib, 256000U);  // 500G over two nodes
  EXPECT_EQ(t.workload.gpu_types[a.gpu_type], "a100");
  EXPECT_EQ(a.priority, 5000);
  EXPECT_EQ(*job(t, "3002").observed.status, sim::JobStatus::kKilled);
  EXPECT_EQ(job(t, "3002").duration.ms(), 610'000);
  EXPECT_EQ(t.workload.gpu_types[job(t, "3005_1").gpu_type], "v100");
  const auto& c = job(t, "3008");
  EXPECT_EQ(c.tasks, 4U);
  EXPECT_EQ(c.gpu_milli, 0U);
  EXPECT_EQ(c.cpu_milli, 32000U);
  EXPECT_EQ(*c.observed.status, sim::JobStatus::kTimeout);  // TIMEOUT
  // Submitted Sunday 23:59, the last minute of the first week.
  EXPECT_EQ(job(t, "3009").submit.ms(), 604'740'000);
  EXPECT_EQ(job(t, "3009").walltime->ms(), 172'800'000);
  EXPECT_EQ(job(t, "3009").priority, 0);
}

TEST(SlurmSacct, ParsableWithTrailingBarIsRead) {
  TempDir tmp;
  write_text(tmp / "p.txt",
             "JobID|State|Submit|Start|End|AllocTRES|\n"
             "7|COMPLETED|2024-05-06T00:00:00|2024-05-06T00:00:10|2024-05-06T00:01:10|"
             "cpu=1,gres/gpu=1,node=1|\n");
  const Imported t = import_trace((tmp / "p.txt").string(), "slurm-sacct", {});
  ASSERT_EQ(t.workload.jobs.size(), 1U);
  EXPECT_EQ(t.workload.jobs[0].duration.ms(), 60'000);
  EXPECT_EQ(t.workload.jobs[0].submit.ms(), 0);
}

TEST(SlurmSacct, BadInputIsAnErrorNamingFileLineAndColumn) {
  TempDir tmp;
  const std::string head = "JobID|State|Submit|Start|End|NNodes|AllocTRES\n";
  const std::string ok =
      "1|COMPLETED|2024-05-06T00:00:00|2024-05-06T00:00:10|2024-05-06T00:01:10|1|gres/gpu=1\n";
  auto err = [&](const std::string& name, const std::string& text) {
    write_text(tmp / name, text);
    return import_error((tmp / name).string(), "slurm-sacct");
  };
  expect_contains(err("cols.txt", head + ok + "2|COMPLETED|2024-05-06T00:00:00\n"),
                  "cols.txt:3: expected 7 '|'-separated columns (from the header), found 3");
  expect_contains(err("nan.txt", head + "2|COMPLETED|2024-05-06T00:00:00|2024-05-06T00:00:10|"
                                        "2024-05-06T00:01:10|two|gres/gpu=1\n"),
                  "nan.txt:2: column 'NNodes': \"two\" is not a number");
  expect_contains(err("neg.txt", head + "2|COMPLETED|2024-05-06T00:00:00|2024-05-06T00:00:10|"
                                        "2024-05-06T00:01:10|1|gres/gpu=-2\n"),
                  "neg.txt:2: column 'AllocTRES': TRES gres/gpu must be >= 0, got \"-2\"");
  expect_contains(err("end.txt", head + "2|COMPLETED|2024-05-06T00:00:00|2024-05-06T00:10:00|"
                                        "2024-05-06T00:01:10|1|gres/gpu=1\n"),
                  "end.txt:2: column 'End': ends before the start");
  expect_contains(err("time.txt", head + "2|COMPLETED|yesterday|2024-05-06T00:10:00|"
                                         "2024-05-06T00:11:10|1|gres/gpu=1\n"),
                  "time.txt:2: column 'Submit': \"yesterday\" is not a time");
  expect_contains(err("state.txt", head + "2|DONE|2024-05-06T00:00:00|2024-05-06T00:10:00|"
                                          "2024-05-06T00:11:10|1|gres/gpu=1\n"),
                  "column 'State': \"DONE\" is not a Slurm job state");
  expect_contains(err("nohead.txt", ok), "not a `sacct -P` header");
  expect_contains(err("empty.txt", ""), "empty file");
  // Truncated mid-row: the short last line is a column-count error, not a crash.
  expect_contains(err("cut.txt", head + ok + "2|COMPLETED|2024-05-06T00:0"),
                  "cut.txt:3: expected 7");
  write_text(tmp / "bad.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03zzzzzz", 16));
  expect_contains(import_error((tmp / "bad.gz").string(), "slurm-sacct"), "gzip");
  // Duplicate job id: counted, the first kept.
  write_text(tmp / "dup.txt", head + ok + ok);
  const Imported t = import_trace((tmp / "dup.txt").string(), "slurm-sacct", {});
  EXPECT_EQ(t.workload.jobs.size(), 1U);
  EXPECT_EQ(dropped(t, "duplicate job id (the first record is kept)"), 1U);
}

// ---- jobcomp/filetxt ---------------------------------------------------------------------

TEST(SlurmJobcomp, SpotChecksTheSavedLog) {
  const Imported t = import_trace(data("slurm_jobcomp.log"), "auto", {});
  EXPECT_EQ(t.report.format, "slurm-jobcomp");
  EXPECT_EQ(t.report.rows, 9U);
  ASSERT_EQ(t.workload.jobs.size(), 6U);
  EXPECT_EQ(dropped(t, "cancelled before it started"), 1U);
  EXPECT_EQ(dropped(t, "requeued attempt (a later record holds the final state)"), 1U);
  EXPECT_EQ(dropped(t, "duplicate job id (the first record is kept)"), 1U);
  const auto& a = job(t, "4001");  // a job name and a work dir with spaces
  EXPECT_EQ(a.submit.ms(), 118'800'000);
  EXPECT_EQ(a.duration.ms(), 3'600'000);
  EXPECT_EQ(a.walltime->ms(), 7'200'000);
  EXPECT_EQ(a.tasks, 2U);
  EXPECT_EQ(a.gpu_milli, 8000U);
  EXPECT_EQ(t.workload.users[a.user], "alice");
  EXPECT_EQ(a.observed.placement, "gn[01-02]");
  EXPECT_EQ(*job(t, "4002").observed.status, sim::JobStatus::kFailed);
  EXPECT_FALSE(job(t, "4002").walltime.has_value());  // UNLIMITED
  EXPECT_EQ(job(t, "4002").duration.ms(), 42'000);
  EXPECT_EQ(job(t, "4010_1").gpu_milli, 1000U);
  const auto& c = job(t, "4020");  // GPUs not tracked in Tres: a CPU job
  EXPECT_EQ(c.gpu_milli, 0U);
  EXPECT_EQ(c.tasks, 4U);
  EXPECT_EQ(c.memory_mib, 64000U);
  EXPECT_FALSE(c.walltime.has_value());  // Partition_Limit
  // The het job's component 4031 ended TIMEOUT: killed at its limit, the simulator's timeout.
  EXPECT_EQ(*job(t, "4030+1").observed.status, sim::JobStatus::kTimeout);
  // Requeued: the final record, arriving when it became eligible again.
  const auto& r = job(t, "4040");
  EXPECT_EQ(r.observed.placement, "gn08");
  EXPECT_EQ(r.submit.ms(), (2 * 86400 + 14 * 3600 + 5 * 60 + 30) * 1000LL);
}

TEST(SlurmJobcomp, BadInputIsAnErrorNamingFileLineAndField) {
  TempDir tmp;
  const std::string log = read_text(data("slurm_jobcomp.log"));
  const std::string first = log.substr(0, log.find('\n') + 1);
  auto err = [&](const std::string& name, const std::string& text) {
    write_text(tmp / name, text);
    return import_error((tmp / name).string(), "slurm-jobcomp");
  };
  expect_contains(err("nan.log", replace_once(first, "NodeCnt=2", "NodeCnt=two")),
                  "nan.log:1: column 'NodeCnt': \"two\" is not a number");
  expect_contains(err("neg.log", replace_once(first, "gres/gpu=16", "gres/gpu=-16")),
                  "neg.log:1: column 'Tres': TRES gres/gpu must be >= 0");
  expect_contains(err("end.log", replace_once(first, "EndTime=2024-05-07T10:00:05",
                                              "EndTime=2024-05-07T08:00:05")),
                  "end.log:1: column 'EndTime': ends before the start");
  expect_contains(err("junk.log", first + "hello world\n"),
                  "junk.log:2: not a jobcomp/filetxt record");
  expect_contains(err("cut.log", first + first.substr(0, 60) + "\n"),
                  "cut.log:2: column 'JobState': is missing");
  expect_contains(err("time.log", replace_once(first, "StartTime=2024-05-07T09:00:05",
                                               "StartTime=2024-13-07T09:00:05")),
                  "column 'StartTime': \"2024-13-07T09:00:05\" is not a time");
  write_text(tmp / "bad.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03zzzzzz", 16));
  expect_contains(import_error((tmp / "bad.gz").string(), "slurm-jobcomp"), "gzip");
}

// ---- kubectl get pods -o json --------------------------------------------------------------

TEST(K8sPods, SpotChecksTheSavedExport) {
  const Imported t = import_trace(data("k8s_pods.json"), "k8s-pods", {});
  EXPECT_EQ(t.report.rows, 11U);
  ASSERT_EQ(t.workload.jobs.size(), 6U);
  EXPECT_EQ(dropped(t, "pending at export (never started)"), 1U);
  EXPECT_EQ(dropped(t, "running at export (no end time)"), 1U);
  EXPECT_EQ(dropped(t, "finished without an end time"), 1U);  // evicted, no container status
  EXPECT_EQ(adjusted(t, "CPU-only pods of a GPU gang left out (launcher or parameter server)"), 1U);
  EXPECT_EQ(adjusted(t, "MIG slices (nvidia.com/mig-*) not modelled (ignored)"), 1U);

  const auto& a = job(t, "team-a/train-a-0");
  EXPECT_EQ(a.submit.ms(), 118'800'000);           // created Tuesday 09:00:00Z
  EXPECT_EQ(a.observed.start->ms(), 118'830'000);  // PodScheduled at 09:00:30Z
  EXPECT_EQ(a.observed.end->ms(), 122'465'000);    // main finished 10:01:05Z
  EXPECT_EQ(a.duration.ms(), 3'635'000);
  EXPECT_EQ(a.tasks, 1U);
  EXPECT_EQ(a.gpu_milli, 2000U);
  EXPECT_EQ(a.cpu_milli, 8000U);  // max(8, init 0.5)
  EXPECT_EQ(a.memory_mib, 32768U);
  EXPECT_EQ(t.workload.gpu_types[a.gpu_type], "NVIDIA-A100-SXM4-80GB");
  EXPECT_EQ(t.workload.users[a.user], "team-a");
  EXPECT_EQ(*a.observed.status, sim::JobStatus::kCompleted);

  // A Volcano PodGroup: two 8-GPU workers make one gang; the launcher is left out of the tasks
  // but its times count.
  const auto& g = job(t, "team-b/ddp-llm");
  EXPECT_EQ(g.tasks, 2U);
  EXPECT_EQ(g.gpu_milli, 8000U);
  EXPECT_EQ(g.cpu_milli, 90000U);
  EXPECT_EQ(g.memory_mib, 900U * 1024U);
  EXPECT_EQ(g.submit.ms(), 122'400'000);
  EXPECT_EQ(g.observed.start->ms(), 122'702'000);  // the last worker scheduled 10:05:02Z
  EXPECT_EQ(g.observed.end->ms(), 129'920'000);    // the launcher finished 12:05:20Z
  EXPECT_EQ(g.priority, 1000);
  EXPECT_EQ(t.workload.queues[g.queue], "research");
  EXPECT_EQ(g.observed.placement, "gpu-node-2,gpu-node-3");

  const auto& e = job(t, "etl/nightly-etl-x7k2p");  // a batch Job's pod: a job of its own
  EXPECT_EQ(e.gpu_milli, 0U);
  EXPECT_EQ(e.cpu_milli, 2000U);
  EXPECT_EQ(e.duration.ms(), 1'802'000);  // scheduled 02:00:01, finished 02:30:03

  const auto& o = job(t, "team-a/debug-oom");  // GPU and memory only as limits
  EXPECT_EQ(o.gpu_milli, 1000U);
  EXPECT_EQ(o.memory_mib, 8192U);
  EXPECT_EQ(*o.observed.status, sim::JobStatus::kFailed);

  const auto& s = job(t, "team-c/serve-batch");  // sidecar + one-shot init containers
  EXPECT_EQ(s.cpu_milli, 4250U);                 // max(1 + 0.25, 4 + 0.25)
  EXPECT_EQ(s.memory_mib, 2176U);                // max(2Gi + 128Mi, 1Gi + 128Mi)
  EXPECT_EQ(s.gpu_milli, 1000U);
  EXPECT_EQ(job(t, "team-c/mig-notebook").gpu_milli, 0U);
}

TEST(K8sPods, BadInputIsAnErrorNamingTheJsonPath) {
  TempDir tmp;
  const std::string full = read_text(data("k8s_pods.json"));
  auto err = [&](const std::string& name, const std::string& text) {
    write_text(tmp / name, text);
    return import_error((tmp / name).string(), "k8s-pods");
  };
  expect_contains(err("cut.json", full.substr(0, 5000)), "invalid JSON");
  expect_contains(err("neg.json", replace_once(full, "\"nvidia.com/gpu\": \"2\"",
                                               "\"nvidia.com/gpu\": \"-2\"")),
                  "items[0].spec.containers[0].resources.requests.nvidia.com/gpu: must be >= 0");
  expect_contains(err("frac.json", replace_once(full, "\"nvidia.com/gpu\": \"2\"",
                                                "\"nvidia.com/gpu\": \"1.5\"")),
                  "GPUs must be a whole number");
  expect_contains(err("nan.json", replace_once(full, "\"cpu\": \"8\"", "\"cpu\": \"lots\"")),
                  "items[0].spec.containers[0].resources.requests.cpu: a string \"lots\" is not "
                  "a resource quantity");
  expect_contains(err("time.json", replace_once(full, "\"2024-05-07T09:00:00Z\"", "\"yesterday\"")),
                  "items[0].metadata.creationTimestamp: a string \"yesterday\" is not an RFC "
                  "3339 time");
  expect_contains(err("end.json", replace_once(full, "\"finishedAt\": \"2024-05-07T10:01:05Z\"",
                                               "\"finishedAt\": \"2024-05-07T08:01:05Z\"")),
                  "finishedAt: ends before startedAt");
  expect_contains(err("nodes.json", read_text(data("k8s_nodes.json"))),
                  "items[0].kind: must be \"Pod\"");
  write_text(tmp / "bad.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03zzzzzz", 16));
  expect_contains(import_error((tmp / "bad.gz").string(), "k8s-pods"), "gzip");
  // The same pod twice (two exports concatenated): counted and dropped.
  std::string twice = full;
  const auto items = twice.find("\"items\": [") + 10;
  const auto first_end = twice.find("\n        },\n        {", items);
  twice.insert(items, twice.substr(items, first_end + 10 - items) + ",");
  write_text(tmp / "dup.json", twice);
  const Imported t = import_trace((tmp / "dup.json").string(), "k8s-pods", {});
  EXPECT_EQ(dropped(t, "duplicate pod (same namespace and name)"), 1U);
  EXPECT_EQ(t.workload.jobs.size(), 6U);
}

// ---- kubectl get nodes -o json -------------------------------------------------------------

TEST(K8sNodes, GroupsNodesIntoPoolsByShapeAndModel) {
  traces::ImportReport r;
  const sim::ClusterSpec c = traces::import_cluster(data("k8s_nodes.json"), "k8s-nodes", {}, &r);
  EXPECT_EQ(r.rows, 8U);
  EXPECT_EQ(r.dropped.at("control-plane node"), 1U);
  EXPECT_EQ(r.dropped.at("cordoned (unschedulable) node"), 1U);
  EXPECT_EQ(r.adjusted.at("GPU node without the nvidia.com/gpu.product label (type "
                          "'unknown-gpu')"),
            1U);
  ASSERT_EQ(c.pools.size(), 4U);
  EXPECT_EQ(c.pools[0].name, "nvidia-a100-sxm4-80gb-x8");
  EXPECT_EQ(c.pools[0].gpu_type, "NVIDIA-A100-SXM4-80GB");
  EXPECT_EQ(c.pools[0].gpus_per_node, 8U);
  EXPECT_EQ(c.pools[0].nodes, 3U);  // memory differing by a few KiB, 95 and 95.5 cores: one pool
  EXPECT_EQ(c.pools[0].cpu_cores, 95U);
  EXPECT_EQ(c.pools[0].memory_mib, 1006U * 1024U);
  EXPECT_EQ(c.pools[1].gpu_type, "Tesla-V100-SXM2-32GB");
  EXPECT_EQ(c.pools[1].gpus_per_node, 4U);
  EXPECT_EQ(c.pools[1].memory_mib, 468U * 1024U);
  EXPECT_EQ(c.pools[2].gpus_per_node, 0U);
  EXPECT_EQ(c.pools[2].gpu_type, "");
  EXPECT_EQ(c.pools[2].cpu_cores, 127U);
  EXPECT_EQ(c.pools[3].gpu_type, "unknown-gpu");
  sim::Cluster cluster(c);  // a valid cluster
  EXPECT_EQ(cluster.total_gpus(), 3U * 8U + 4U + 2U);
}

TEST(K8sNodes, BadInputIsAnError) {
  TempDir tmp;
  const std::string full = read_text(data("k8s_nodes.json"));
  auto err = [&](const std::string& name, const std::string& text, bool strict = false) {
    write_text(tmp / name, text);
    ImportOptions o;
    o.strict = strict;
    return error_of([&] { traces::import_cluster((tmp / name).string(), "k8s-nodes", o); });
  };
  expect_contains(err("cut.json", full.substr(0, 3000)), "invalid JSON");
  expect_contains(err("neg.json", replace_once(full, "\"nvidia.com/gpu\": \"4\"",
                                               "\"nvidia.com/gpu\": \"-4\"")),
                  "items[4].status.allocatable.nvidia.com/gpu: must be >= 0");
  expect_contains(err("big.json", replace_once(full, "\"nvidia.com/gpu\": \"4\"",
                                               "\"nvidia.com/gpu\": \"65\"")),
                  "must be a whole number in [0, 64]");
  expect_contains(err("nan.json", replace_once(full, "\"cpu\": \"63\"", "\"cpu\": \"many\"")),
                  "items[4].status.allocatable.cpu: a string \"many\" is not a resource quantity");
  expect_contains(err("strict.json", full, true), "nodes dropped: control-plane node (--strict)");
  expect_contains(err("pods.json", read_text(data("k8s_pods.json"))),
                  "items[0].kind: must be \"Node\"");
  write_text(tmp / "bad.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03zzzzzz", 16));
  expect_contains(
      error_of([&] { traces::import_cluster((tmp / "bad.gz").string(), "k8s-nodes", {}); }),
      "gzip");
  // The same node twice: counted and dropped.
  write_text(tmp / "dup.json",
             replace_once(full, "\"name\": \"gpu-node-2\"", "\"name\": \"gpu-node-1\""));
  traces::ImportReport r;
  const auto c = traces::import_cluster((tmp / "dup.json").string(), "k8s-nodes", {}, &r);
  EXPECT_EQ(r.dropped.at("duplicate node name"), 1U);
  EXPECT_EQ(c.pools[0].nodes, 2U);
}

// ---- shared helpers ----------------------------------------------------------------------

TEST(ExportFormats, AreRegisteredAndAutoDetectedWhereTheHeaderTellsThem) {
  std::vector<std::string> names;
  for (const auto& f : traces::trace_formats()) names.push_back(f.name);
  for (const char* n : {"slurm-sacct-json", "slurm-sacct", "slurm-jobcomp", "k8s-pods"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  bool nodes = false;
  for (const auto& f : traces::cluster_formats()) nodes = nodes || f.name == "k8s-nodes";
  EXPECT_TRUE(nodes);
  // Pretty-printed JSON starts with "{" alone: --format is needed, and auto says so.
  expect_contains(import_error(data("slurm_sacct.json"), "auto"), "give --format");
  TempDir tmp;
  write_text(tmp / "compact.json",
             "{\"meta\":{},\"errors\":[],\"jobs\":[{\"job_id\":5,\"state\":{\"current\":"
             "\"COMPLETED\"},\"time\":{\"submission\":1714953600,\"start\":1714953610,"
             "\"end\":1714953670},\"tres\":{\"allocated\":[{\"type\":\"gres\",\"name\":\"gpu\","
             "\"count\":2}]}}]}\n");
  const Imported t = import_trace((tmp / "compact.json").string(), "auto", {});
  EXPECT_EQ(t.report.format, "slurm-sacct-json");
  ASSERT_EQ(t.workload.jobs.size(), 1U);
  EXPECT_EQ(t.workload.jobs[0].gpu_milli, 2000U);
  EXPECT_EQ(t.workload.jobs[0].submit.ms(), 0);  // 2024-05-06 is a Monday
}

}  // namespace
}  // namespace orrery::test
