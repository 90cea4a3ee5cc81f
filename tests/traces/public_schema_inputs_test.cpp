// Importers of traces with no sample in ../shared (Philly cluster_job_log, Helios cluster_log,
// Acme, PAI 2020 tables, SWF), on small inputs written from each documented schema, including the
// quirks the documentation names. Expected values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include "orrery/scenario/scenario.hpp"
#include "public_test_util.hpp"

namespace orrery::test {
namespace {

using sim::JobStatus;

// --- Philly cluster_job_log -------------------------------------------------------------------

// Six jobs in the README's layout (pretty-printed JSON array):
//  A  Pass, two attempts on one 8-GPU machine (the README example);
//  B  Killed, no attempts ("A job may have no recorded scheduling attempts");
//  C  Failed, first attempt without start_time ("None"), second on two machines of 2 GPUs;
//  D  Pass, last attempt end_time null: still running at the snapshot; 8 + 4 GPUs (uneven);
//  E  submitted_time null;
//  F  attempts with an empty placement, plus an unknown nested key.
const char* kPhilly = R"([
    {
        "status": "Pass",
        "vc": "ee9e8c",
        "jobid": "application_1506638472019_14199",
        "attempts": [
            {
                "start_time": "2017-10-07 01:12:09",
                "end_time": "2017-10-07 01:13:23",
                "detail": [{"ip": "m47", "gpus": ["gpu0", "gpu1", "gpu2", "gpu3", "gpu4", "gpu5", "gpu6", "gpu7"]}]
            },
            {
                "start_time": "2017-10-07 01:13:30",
                "end_time": "2017-10-09 06:53:12",
                "detail": [{"ip": "m412", "gpus": ["gpu0", "gpu1", "gpu2", "gpu3", "gpu4", "gpu5", "gpu6", "gpu7"]}]
            }
        ],
        "submitted_time": "2017-10-07 01:11:39",
        "user": "ce2f4c"
    },
    {"status": "Killed", "vc": "ee9e8c", "jobid": "B", "attempts": [],
     "submitted_time": "2017-10-07 05:00:00", "user": "u2"},
    {"status": "Failed", "vc": "6214e9", "jobid": "C",
     "attempts": [
        {"start_time": "None", "end_time": "2017-10-07 03:00:00",
         "detail": [{"ip": "m1", "gpus": ["gpu0", "gpu1"]}]},
        {"start_time": "2017-10-07 03:10:00", "end_time": "2017-10-07 04:10:00",
         "detail": [{"ip": "m1", "gpus": ["gpu0", "gpu1"]}, {"ip": "m2", "gpus": ["gpu2", "gpu3"]}]}],
     "submitted_time": "2017-10-07 02:00:00", "user": "u3"},
    {"status": "Pass", "vc": "6214e9", "jobid": "D",
     "attempts": [{"start_time": "2017-10-08 00:00:00", "end_time": null,
         "detail": [{"ip": "m3", "gpus": ["gpu0","gpu1","gpu2","gpu3","gpu4","gpu5","gpu6","gpu7"]},
                    {"ip": "m4", "gpus": ["gpu0","gpu1","gpu2","gpu3"]}]}],
     "submitted_time": "2017-10-07 23:59:00", "user": "u3"},
    {"status": "Pass", "vc": "6214e9", "jobid": "E", "attempts": [], "submitted_time": null,
     "user": "u4"},
    {"status": "Failed", "vc": "6214e9", "jobid": "F", "extra": {"a": [1, {"b": null}]},
     "attempts": [{"start_time": "2017-10-07 06:00:00", "end_time": "2017-10-07 06:00:05",
                   "detail": []}],
     "submitted_time": "2017-10-07 06:00:00", "user": "u5"}
]
)";

void check_philly(const traces::Imported& t) {
  EXPECT_EQ(t.report.format, "philly-json");
  EXPECT_EQ(t.report.rows, 6U);
  ASSERT_EQ(t.workload.jobs.size(), 3U);
  EXPECT_EQ(reason(t.report.dropped, "no scheduling attempts"), 1U);              // B
  EXPECT_EQ(reason(t.report.dropped, "no submitted_time (null or None)"), 1U);    // E
  EXPECT_EQ(reason(t.report.dropped, "no GPUs in any attempt's placement"), 1U);  // F
  const auto& w = t.workload;
  // t = 0 is midnight of 2017-10-07 (earliest kept submit 01:11:39).
  const auto* a = find_job(w, "application_1506638472019_14199");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->submit.ms(), (3600 + 11 * 60 + 39) * 1000LL);
  EXPECT_EQ(a->tasks, 1U);
  EXPECT_EQ(a->gpu_milli, 8000U);
  // 74 s + (2017-10-09 06:53:12 - 2017-10-07 01:13:30) = 74 + 193,182 s
  EXPECT_EQ(a->duration.ms(), 193'256'000);
  EXPECT_EQ(a->observed.start->ms(), (3600 + 12 * 60 + 9) * 1000LL);
  EXPECT_EQ(a->observed.end->ms(), (2 * 86400 + 6 * 3600 + 53 * 60 + 12) * 1000LL);
  EXPECT_EQ(a->observed.status, JobStatus::kCompleted);
  EXPECT_EQ(w.queues[a->queue], "ee9e8c");
  EXPECT_EQ(w.users[a->user], "ce2f4c");
  EXPECT_EQ(a->observed.placement, "m412:gpu0,gpu1,gpu2,gpu3,gpu4,gpu5,gpu6,gpu7");
  const auto* c = find_job(w, "C");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tasks, 2U);
  EXPECT_EQ(c->gpu_milli, 2000U);
  EXPECT_EQ(c->duration.ms(), 3'600'000) << "the attempt without start_time is not counted";
  EXPECT_EQ(c->observed.status, JobStatus::kFailed);
  EXPECT_EQ(c->observed.placement, "m1:gpu0,gpu1;m2:gpu2,gpu3");
  EXPECT_EQ(c->observed.start->ms(), (3 * 3600 + 10 * 60) * 1000LL);  // earliest attempt start
  EXPECT_EQ(c->observed.end->ms(), (4 * 3600 + 10 * 60) * 1000LL);    // latest attempt end
  const auto* d = find_job(w, "D");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->tasks, 3U) << "8 + 4 GPUs: three tasks of gcd(8, 4) = 4 GPUs";
  EXPECT_EQ(d->gpu_milli, 4000U);
  EXPECT_EQ(d->observed.status, JobStatus::kUnfinished);
  EXPECT_FALSE(d->observed.end);
  // Runs until the latest timestamp of the file, 2017-10-09 06:53:12: 1 day 06:53:12.
  EXPECT_EQ(d->duration.ms(), (86400 + 6 * 3600 + 53 * 60 + 12) * 1000LL);
  EXPECT_EQ(reason(t.report.adjusted, "uneven GPUs per machine (tasks of the gcd of GPUs)"), 1U);
  EXPECT_EQ(reason(t.report.adjusted, "attempts with different GPU counts (last placement used)"),
            1U);
  EXPECT_EQ(reason(t.report.adjusted, "attempt without start_time or end_time (time not counted)"),
            1U);
  EXPECT_EQ(
      reason(t.report.adjusted, "still running at the snapshot (runs until the last timestamp)"),
      1U);
}

TEST(PhillyJson, DocumentedSchemaWithItsQuirks) {
  TempDir tmp;
  write_text(tmp / "cluster_job_log", kPhilly);
  const auto t = traces::import_trace((tmp / "cluster_job_log").string(), "auto", {});
  check_philly(t);
}

TEST(PhillyJson, CompactSingleLineAndGzipGiveTheSameJobs) {
  TempDir tmp;
  std::string compact;
  for (const char c : std::string(kPhilly)) {
    if (c != '\n') compact += c;
  }
  write_gzip(tmp / "log.json.gz", compact);
  check_philly(traces::import_trace((tmp / "log.json.gz").string(), "philly-json", {}));
}

TEST(PhillyJson, StrictRefusesDroppedJobs) {
  TempDir tmp;
  write_text(tmp / "log.json", kPhilly);
  traces::ImportOptions strict;
  strict.strict = true;
  const std::string msg = input_error(
      [&] { traces::import_trace((tmp / "log.json").string(), "philly-json", strict); });
  EXPECT_NE(msg.find("1 rows dropped: no scheduling attempts (--strict)"), std::string::npos)
      << msg;
}

TEST(PhillyJson, MalformedJobsNameTheirLine) {
  TempDir tmp;
  write_text(tmp / "a.json",
             "[\n{\"status\": \"Pass\", \"jobid\": \"x\", \"attempts\": [],\n"
             " \"submitted_time\": \"2017-13-01 00:00:00\"}\n]\n");
  std::string msg = input_error([&] { traces::read_philly_json((tmp / "a.json").string(), {}); });
  EXPECT_NE(msg.find("a.json:3: column 'submitted_time': \"2017-13-01 00:00:00\" is not a time"),
            std::string::npos)
      << msg;
  write_text(tmp / "b.json",
             "[\n{\"status\": \"Done\", \"jobid\": \"x\", \"attempts\": [],\n"
             " \"submitted_time\": \"2017-10-01 00:00:00\"}\n]\n");
  msg = input_error([&] { traces::read_philly_json((tmp / "b.json").string(), {}); });
  EXPECT_NE(msg.find("b.json:2: column 'status': \"Done\" is not a status"), std::string::npos)
      << msg;
  write_text(tmp / "c.json", "{\"jobid\": \"x\"}\n");
  msg = input_error([&] { traces::read_philly_json((tmp / "c.json").string(), {}); });
  EXPECT_NE(msg.find("expected a JSON array of jobs"), std::string::npos) << msg;
  write_text(tmp / "d.json", "[\n{\"status\": \"Pass\", \"jobid\": 12, \"attempts\": 5,\n");
  msg = input_error([&] { traces::read_philly_json((tmp / "d.json").string(), {}); });
  EXPECT_NE(msg.find("d.json:2"), std::string::npos) << msg;
}

// --- Helios cluster_log.csv
// -----------------------------------------------------------------------

// The README's three example rows, then a multi-node TIMEOUT job, a job cancelled before it
// started, the one SUSPENDED job, and a NODE_FAIL job whose GPUs do not divide by its nodes.
const char* kHelios =
    "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue\n"
    "1425511,uXBbc,vcJkd,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 "
    "04:55:09,36848,0\n"
    "1425512,uVMrF,vchbv,4,16,1,FAILED,2020-06-09 18:41:27,2020-06-09 18:41:27,2020-06-09 "
    "18:45:36,249,0\n"
    "1425513,uzqls,vcpDC,1,1,1,CANCELLED,2020-06-09 18:41:28,2020-06-09 18:41:28,2020-06-17 "
    "14:15:21,675233,0\n"
    "1425514,uXBbc,vcJkd,16,64,2,TIMEOUT,2020-06-09 19:00:00,2020-06-09 19:10:00,2020-06-09 "
    "20:10:00,3600,600\n"
    "1425515,uXBbc,vcJkd,0,8,1,CANCELLED,2020-06-09 19:05:00,,,0,0\n"
    "1425516,uAAAA,vcJkd,1,1,1,SUSPENDED,2020-06-09 19:06:00,2020-06-09 19:06:00,2020-06-09 "
    "19:07:00,60,0\n"
    "1425517,uAAAA,vcJkd,3,6,2,NODE_FAIL,2020-06-09 20:00:00,2020-06-09 20:00:05,2020-06-09 "
    "20:00:10,5,5\n";

TEST(Helios, ClusterLogFromTheReadmeSchema) {
  TempDir tmp;
  write_text(tmp / "cluster_log.csv", kHelios);
  const auto t = traces::import_trace((tmp / "cluster_log.csv").string(), "auto", {});
  EXPECT_EQ(t.report.format, "helios");
  EXPECT_EQ(t.report.rows, 7U);
  ASSERT_EQ(t.workload.jobs.size(), 5U);
  EXPECT_EQ(reason(t.report.dropped, "never started (no start_time)"), 1U);
  EXPECT_EQ(reason(t.report.dropped, "state SUSPENDED (ignored, as in the Helios analysis)"), 1U);
  EXPECT_EQ(reason(t.report.adjusted, "GPUs not divisible by nodes (one task per GPU)"), 1U);
  const auto& w = t.workload;
  const auto& a = w.jobs[0];
  EXPECT_EQ(a.submit.ms(), (18 * 3600 + 41 * 60 + 1) * 1000LL);  // midnight 2020-06-09
  EXPECT_EQ(a.duration.ms(), 36'848'000);  // the README's duration = end - start
  EXPECT_EQ(w.queues[a.queue], "vcJkd");
  EXPECT_EQ(w.users[a.user], "uXBbc");
  EXPECT_EQ(a.observed.status, JobStatus::kCompleted);
  EXPECT_EQ(w.jobs[1].gpu_milli, 4000U);
  EXPECT_EQ(w.jobs[1].cpu_milli, 16000U);
  EXPECT_EQ(w.jobs[1].observed.status, JobStatus::kFailed);
  EXPECT_EQ(w.jobs[2].observed.status, JobStatus::kKilled);
  EXPECT_EQ(w.jobs[2].duration.ms(), 675'233'000);
  const auto& d = w.jobs[3];
  EXPECT_EQ(d.tasks, 2U);
  EXPECT_EQ(d.gpu_milli, 8000U);
  EXPECT_EQ(d.cpu_milli, 32000U);
  EXPECT_EQ(d.observed.start->ms() - d.submit.ms(), 600'000);  // the `queue` column
  EXPECT_EQ(d.observed.status, JobStatus::kTimeout);           // TIMEOUT: killed at its limit
  const auto& e = w.jobs[4];
  EXPECT_EQ(e.tasks, 3U);
  EXPECT_EQ(e.gpu_milli, 1000U);
  EXPECT_EQ(e.cpu_milli, 2000U);
}

// A job log lists ended jobs: a state of a job still running or pending, or no Slurm state at
// all, is an error naming the file, line and column; lower case and sacct's forms are read.
TEST(Helios, StatesOfJobsNotEndedAreErrors) {
  TempDir tmp;
  const std::string head =
      "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,"
      "queue\n";
  auto row = [](int id, const std::string& state) {
    return std::to_string(id) + ",u,vc,1,1,1," + state +
           ",2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-09 18:51:01,600,0\n";
  };
  write_text(tmp / "ok.csv", head + row(1, "completed") + row(2, "CANCELLED by 1000"));
  const auto t = traces::import_trace((tmp / "ok.csv").string(), "helios", {});
  ASSERT_EQ(t.workload.jobs.size(), 2U);
  EXPECT_EQ(t.workload.jobs[0].observed.status, JobStatus::kCompleted);
  EXPECT_EQ(t.workload.jobs[1].observed.status, JobStatus::kKilled);
  write_text(tmp / "bad.csv", head + row(1, "COMPLETED") + row(2, "RUNNING") + row(3, "DONE"));
  const std::string msg =
      input_error([&] { traces::import_trace((tmp / "bad.csv").string(), "helios", {}); });
  EXPECT_NE(msg.find("bad.csv:3: column 'state': \"RUNNING\" is not a job state"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("bad.csv:4: column 'state': \"DONE\" is not a job state"), std::string::npos)
      << msg;
}

// --- Acme
// ------------------------------------------------------------------------------------------

TEST(Acme, SerenAndKalosWithTheirOwnUtcOffsets) {
  TempDir tmp;
  write_text(tmp / "trace_seren.csv",
             "job_id,user,node_num,gpu_num,cpu_num,type,state,submit_time,start_time,end_time,"
             "duration,queue,gpu_time\n"
             "5778432,u5907,1,8,128,Other,FAILED,2023-03-01 00:18:22+08:00,2023-03-01 "
             "00:18:54+08:00,2023-03-01 00:20:51+08:00,117,32,936.0\n"
             "5778469,u5907,1,8,128,Other,COMPLETED,2023-03-01 00:23:58+08:00,2023-03-01 "
             "00:24:11+08:00,2023-03-01 01:09:04+08:00,2693,13,21544.0\n"
             "5778470,u1,0,0,4,Debug,CANCELLED,2023-03-01 00:30:00+08:00,,,0,0,0.0\n");
  const auto s = traces::import_trace((tmp / "trace_seren.csv").string(), "auto", {});
  EXPECT_EQ(s.report.format, "acme");
  ASSERT_EQ(s.workload.jobs.size(), 2U);
  EXPECT_EQ(reason(s.report.dropped, "never started (no start_time)"), 1U);
  // Origin: local (UTC+8) midnight of 2023-03-01.
  EXPECT_EQ(s.workload.jobs[0].submit.ms(), (18 * 60 + 22) * 1000LL);
  EXPECT_EQ(s.workload.jobs[0].duration.ms(), 117'000);
  EXPECT_EQ(s.workload.jobs[1].duration.ms(), 2'693'000);
  EXPECT_EQ(s.workload.job_classes[s.workload.jobs[0].job_class], "Other");
  EXPECT_EQ(s.workload.jobs[0].gpu_milli, 8000U);
  EXPECT_EQ(s.workload.jobs[0].cpu_milli, 128000U);

  write_text(tmp / "trace_kalos.csv",
             "job_id,user,node_num,gpu_num,cpu_num,mem_per_pod_GB,shared_mem_per_pod,type,state,"
             "submit_time,start_time,end_time,fail_time,stop_time,duration,queue,gpu_time\n"
             "dlctk696s0jbvitv,uf794,8,64,960,1000,100.0,Other,FAILED,2023-05-17 11:00:58+00:00,"
             "2023-05-17 11:01:08+00:00,2023-05-17 11:01:16+00:00,2023-05-17 11:01:16+00:00,,18,"
             "10.0,1152.0\n"
             "dlc1t2ypl09b8qtp,uf794,8,64,960,1000,100.0,Other,CANCELLED,2023-05-17 "
             "11:28:42+00:00,2023-05-17 11:28:54+00:00,2023-05-17 11:30:04+00:00,,2023-05-17 "
             "11:30:04+00:00,82,12.0,5248.0\n");
  const auto k = traces::import_trace((tmp / "trace_kalos.csv").string(), "acme", {});
  ASSERT_EQ(k.workload.jobs.size(), 2U);
  const auto& j = k.workload.jobs[0];
  EXPECT_EQ(j.submit.ms(), (11 * 3600 + 58) * 1000LL);  // UTC midnight 2023-05-17
  // The README example's `duration` (18, 82) is end - submit; the work is end - start.
  EXPECT_EQ(j.duration.ms(), 8'000);
  EXPECT_EQ(k.workload.jobs[1].duration.ms(), 70'000);
  EXPECT_EQ(j.tasks, 8U);
  EXPECT_EQ(j.gpu_milli, 8000U);
  EXPECT_EQ(j.cpu_milli, 120000U);
  EXPECT_EQ(j.memory_mib, 1000U * 1024U);
  EXPECT_EQ(k.workload.jobs[1].observed.status, JobStatus::kKilled);
}

TEST(Acme, MixedOffsetsAndBadTimesAreErrors) {
  TempDir tmp;
  write_text(tmp / "t.csv",
             "job_id,user,node_num,gpu_num,cpu_num,type,state,submit_time,start_time,end_time,"
             "duration,queue,gpu_time\n"
             "1,u,1,1,1,Other,COMPLETED,2023-03-01 00:00:00+08:00,2023-03-01 00:00:01,2023-03-01 "
             "00:00:02+08:00,1,1,1\n"
             "2,u,1,1,1,Other,COMPLETED,2023-03-01 00:00:00+08:00,2023-03-01 25:00:01+08:00,"
             "2023-03-01 00:00:02+08:00,1,1,1\n");
  const std::string msg = input_error([&] { traces::read_acme((tmp / "t.csv").string(), {}); });
  EXPECT_NE(msg.find("t.csv:2: column 'start_time': mixes timestamps"), std::string::npos) << msg;
  EXPECT_NE(msg.find("t.csv:3: column 'start_time': \"2023-03-01 25:00:01+08:00\" is not a time"),
            std::string::npos)
      << msg;
}

// --- PAI 2020 ------------------------------------------------------------------------------------

// j1: 4 workers at 50 % of a T4 plus 2 CPU-only parameter servers; j2: one 2-GPU task; j3 still
// running; j4 Waiting; j5 without tasks; a task and an instance of unknown jobs.
void write_pai(const TempDir& tmp, const std::string& job_name = "pai_job_table.csv") {
  write_text(tmp / job_name,
             "j1,i1,u1,Terminated,1000000,1003600\n"
             "j2,i2,u2,Failed,1000100,1000700\n"
             "j3,i3,u1,Running,1000200,\n"
             "j4,i4,u3,Waiting,1000300,\n"
             "j5,i5,u2,Terminated,1000400,1000500\n");
  write_text(tmp / "pai_task_table.csv",
             "job_name,task_name,inst_num,status,start_time,end_time,plan_cpu,plan_mem,plan_gpu,"
             "gpu_type\n"
             "j1,worker,4.0,Terminated,1000060,1003600,600,29.296875,50,T4\n"
             "j1,ps,2,Terminated,1000050,1003600,800,10,,\n"
             "j2,tensorflow,1,Failed,1000110,1000700,1200,50,200,V100\n"
             "j3,worker,2,Running,1000300,,400,8,100,MISC\n"
             "j4,worker,1,Waiting,,,100,1,100,P100\n"
             "jx,worker,1,Terminated,1,2,100,1,100,P100\n");
}

TEST(Pai2020, JobTaskAndInstanceTablesFromTheHeaders) {
  TempDir tmp;
  write_pai(tmp);
  write_text(tmp / "pai_instance_table.csv",
             "j1,worker,inst0,w0,i1,Terminated,1000060,1003600,m1\n"
             "j1,worker,inst1,w1,i1,Terminated,1000061,1003600,m1\n"
             "j1,worker,inst2,w2,i1,Terminated,1000062,1003600,m2\n"
             "j1,ps,inst3,w3,i1,Terminated,1000050,1003600,m3\n"
             "jy,worker,inst0,w0,i9,Terminated,1,2,m9\n");
  const auto t = traces::import_trace((tmp / "pai_job_table.csv").string(), "auto", {});
  EXPECT_EQ(t.report.format, "pai-2020");
  EXPECT_EQ(t.report.rows, 5U + 6U + 5U);
  ASSERT_EQ(t.workload.jobs.size(), 3U);
  EXPECT_EQ(reason(t.report.dropped, "never started (status Waiting)"), 1U);
  EXPECT_EQ(reason(t.report.dropped, "no task rows (no resource demand)"), 1U);
  EXPECT_EQ(reason(t.report.dropped, "task of a job not in the job table"), 1U);
  EXPECT_EQ(reason(t.report.dropped, "instance of a job not in the job table"), 1U);
  EXPECT_EQ(reason(t.report.adjusted, "CPU-only tasks of a GPU job left out"), 1U);
  EXPECT_EQ(
      reason(t.report.adjusted, "still running at the trace end (runs until the last timestamp)"),
      1U);
  const auto& w = t.workload;
  // Origin: midnight UTC+8 of 1,000,000 s = 921,600 s (1970-01-12 00:00 UTC+8).
  const auto& j1 = w.jobs[0];
  EXPECT_EQ(j1.id, "j1");
  EXPECT_EQ(j1.submit.ms(), (1'000'000 - 921'600) * 1000LL);
  EXPECT_EQ(j1.tasks, 4U);
  EXPECT_EQ(j1.gpu_milli, 500U);     // plan_gpu 50 = half a GPU
  EXPECT_EQ(j1.cpu_milli, 6000U);    // plan_cpu 600 = 6 cores
  EXPECT_EQ(j1.memory_mib, 30000U);  // 29.296875 GB
  EXPECT_EQ(w.gpu_types[j1.gpu_type], "T4");
  EXPECT_EQ(w.users[j1.user], "u1");
  // The earliest task/instance start (the ps at 1,000,050) is the observed start.
  EXPECT_EQ(j1.observed.start->ms() - j1.submit.ms(), 50'000);
  EXPECT_EQ(j1.duration.ms(), 3'550'000);
  EXPECT_EQ(j1.observed.placement, "m1,m2,m3");
  EXPECT_EQ(j1.observed.status, JobStatus::kCompleted);
  const auto& j2 = w.jobs[1];
  EXPECT_EQ(j2.tasks, 1U);
  EXPECT_EQ(j2.gpu_milli, 2000U);
  EXPECT_EQ(j2.duration.ms(), 590'000);
  EXPECT_EQ(j2.observed.status, JobStatus::kFailed);
  const auto& j3 = w.jobs[2];
  EXPECT_EQ(w.gpu_types[j3.gpu_type], "MISC");
  EXPECT_EQ(j3.observed.status, JobStatus::kUnfinished);
  EXPECT_EQ(j3.duration.ms(), (1'003'600 - 1'000'300) * 1000LL);  // to the latest timestamp
  EXPECT_FALSE(j3.observed.end);
}

TEST(Pai2020, NeedsTheTaskTable) {
  TempDir tmp;
  write_text(tmp / "pai_job_table.csv", "j1,i1,u1,Terminated,1000000,1003600\n");
  const std::string msg =
      input_error([&] { traces::import_trace((tmp / "pai_job_table.csv").string(), "auto", {}); });
  EXPECT_NE(msg.find("needs pai_task_table.csv"), std::string::npos) << msg;
}

// --- SWF
// -------------------------------------------------------------------------------------------

const char* kSwf =
    "; Version: 2.2\n"
    "; Computer: Test machine\n"
    "; UnixStartTime: 1000000000\n"
    "; MaxProcs: 128\n"
    "1 0 10 100 4 -1 -1 4 200 -1 1 3 1 -1 1 1 -1 -1\n"
    "2 5 -1 50 -1 -1 2048 8 -1 -1 0 4 1 -1 2 -1 -1 -1\n"
    "3 7 3 -1 2 -1 -1 2 -1 -1 5 3 1 -1 1 1 -1 -1\n"
    "4 9 1 20 2 -1 -1 2 100 -1 1 3 1 -1 1 1 -1 -1\n"
    "4 9 1 10 2 -1 -1 2 100 -1 2 3 1 -1 1 1 -1 -1\n"
    "4 20 1 10 2 -1 -1 2 100 -1 3 3 1 -1 1 1 -1 -1\n"
    "\t5  12.5 0 1.5 1 -1 -1 1 -1 1024 5 -1 -1 -1 -1 -1 -1 -1  \n";

TEST(Swf, FieldsUnknownsCommentsAndPartialExecutions) {
  TempDir tmp;
  write_text(tmp / "log.swf", kSwf);
  const auto t = traces::import_trace((tmp / "log.swf").string(), "auto", {});
  EXPECT_EQ(t.report.format, "swf");
  EXPECT_EQ(t.report.rows, 7U);
  ASSERT_EQ(t.workload.jobs.size(), 4U);
  EXPECT_EQ(reason(t.report.dropped, "run time unknown (-1)"), 1U);
  EXPECT_EQ(reason(t.report.dropped,
                   "partial execution line (status 2, 3 or 4; the job's summary line is kept)"),
            2U);
  const auto& w = t.workload;
  const auto& a = w.jobs[0];
  EXPECT_EQ(a.tasks, 4U);
  EXPECT_EQ(a.cpu_milli, 1000U);
  EXPECT_EQ(a.gpu_milli, 0U);
  EXPECT_EQ(a.submit.ms(), 0);
  EXPECT_EQ(a.duration.ms(), 100'000);
  EXPECT_EQ(a.walltime->ms(), 200'000);
  EXPECT_EQ(a.observed.start->ms(), 10'000);
  EXPECT_EQ(a.observed.end->ms(), 110'000);
  EXPECT_EQ(a.observed.status, JobStatus::kCompleted);
  EXPECT_EQ(w.users[a.user], "3");
  EXPECT_EQ(w.queues[a.queue], "1");
  EXPECT_EQ(w.job_classes[a.job_class], "1");
  const auto& b = w.jobs[1];
  EXPECT_EQ(b.tasks, 8U) << "allocated unknown: requested processors";
  EXPECT_EQ(b.memory_mib, 2U) << "2048 KB used per processor";
  EXPECT_FALSE(b.observed.start);
  EXPECT_EQ(b.observed.status, JobStatus::kFailed);
  const auto& d = w.jobs[3];
  EXPECT_EQ(d.id, "5");
  EXPECT_EQ(d.submit.ms(), 12'500);
  EXPECT_EQ(d.duration.ms(), 1'500);
  EXPECT_EQ(d.memory_mib, 1U);
  EXPECT_EQ(d.user, 0U);
  EXPECT_EQ(d.observed.status, JobStatus::kKilled);

  const auto g = traces::import_trace((tmp / "log.swf").string(), "swf-gpu", {});
  ASSERT_EQ(g.workload.jobs.size(), 4U);
  EXPECT_EQ(g.workload.jobs[0].gpu_milli, 1000U);
  EXPECT_EQ(g.workload.jobs[0].cpu_milli, 0U);
}

// --- openb node YAML forms
// ---------------------------------------------------------------------------

TEST(OpenbNodes, KubernetesListAndQuantities) {
  TempDir tmp;
  write_text(tmp / "nodes.yaml",
             "apiVersion: v1\n"
             "kind: List\n"
             "items:\n"
             "- apiVersion: v1\n"
             "  kind: Node\n"
             "  metadata:\n"
             "    name: a\n"
             "    labels: {nvidia.com/gpu.product: A100-SXM4-80GB}\n"
             "  status:\n"
             "    capacity: {cpu: '128', memory: 1Ti, nvidia.com/gpu: '8'}\n"
             "- kind: Node\n"
             "  metadata: {name: b, labels: {nvidia.com/gpu.product: A100-SXM4-80GB}}\n"
             "  status:\n"
             "    allocatable: {cpu: 128000m, memory: '1099511627776', nvidia.com/gpu: 8}\n"
             "- kind: Node\n"
             "  metadata: {name: c}\n"
             "  status: {allocatable: {cpu: '64', memory: 512Gi}}\n");
  traces::ImportReport r;
  const auto c = traces::import_cluster((tmp / "nodes.yaml").string(), "openb-nodes", {}, &r);
  EXPECT_EQ(r.rows, 3U);
  ASSERT_EQ(c.pools.size(), 2U);
  EXPECT_EQ(c.pools[0].gpu_type, "A100-SXM4-80GB");
  EXPECT_EQ(c.pools[0].nodes, 2U);
  EXPECT_EQ(c.pools[0].gpus_per_node, 8U);
  EXPECT_EQ(c.pools[0].cpu_cores, 128U);
  EXPECT_EQ(c.pools[0].memory_mib, 1024U * 1024U);
  EXPECT_EQ(c.pools[1].gpus_per_node, 0U);
  EXPECT_EQ(c.pools[1].memory_mib, 512U * 1024U);

  write_text(tmp / "bad.yaml",
             "---\nkind: Node\nmetadata: {name: a}\nstatus: {capacity: {cpu: lots, memory: 1Gi}}\n"
             "---\nkind: Pod\nmetadata: {name: p}\n---\nkind: Node\nmetadata: {name: b\n");
  const std::string msg =
      input_error([&] { traces::import_cluster((tmp / "bad.yaml").string(), "openb-nodes", {}); });
  EXPECT_NE(msg.find("bad.yaml:2: column 'status.capacity.cpu': \"lots\""), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("bad.yaml:6: column 'kind': expected Node, got \"Pod\""), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;
}

// --- a scenario whose cluster is an imported node list
// ---------------------------------------------

TEST(ScenarioClusterImport, ReadsAnImportedNodeList) {
  TempDir tmp;
  write_text(tmp / "nodes.csv",
             "sn,cpu_milli,memory_mib,gpu,model\n"
             "n0,64000,262144,8,G2\nn1,64000,262144,8,G2\nn2,32000,131072,0,\n");
  write_text(tmp / "trace.csv", std::string(traces::kNativeHeader) + "\na,0,,,0,1,1,,,,10,,,,,\n");
  write_text(tmp / "s.json",
             R"({"cluster": {"import": "nodes.csv", "format": "openb-nodes"},
                 "workload": {"trace": "trace.csv"}, "policies": ["fifo"]})");
  const auto s = scenario::load_scenario((tmp / "s.json").string());
  EXPECT_EQ(s.cluster_source, (tmp / "nodes.csv").string());
  EXPECT_EQ(cluster_gpus(s.cluster), 16U);
  EXPECT_EQ(cluster_nodes(s.cluster), 3U);

  write_text(tmp / "t.json",
             R"({"cluster": {"import": "nodes.csv", "format": "nope", "extra": 1},
                 "workload": {"trace": "trace.csv"}, "policies": ["fifo"]})");
  const std::string msg = input_error([&] { scenario::load_scenario((tmp / "t.json").string()); });
  EXPECT_NE(msg.find("unknown cluster format 'nope'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cluster.extra: unknown key"), std::string::npos) << msg;
}

}  // namespace
}  // namespace orrery::test
