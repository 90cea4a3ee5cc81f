// Bad input for every public-trace importer: a truncated file, a corrupt or truncated gzip
// stream, a wrong column count, a non-numeric field, a negative GPU count, an end before the
// start and a duplicate job id each give a sim::InputError naming the file (and line and column
// where there is one) or a counted, reported drop; never a crash and never a silent skip.
#include <gtest/gtest.h>

#include <functional>

#include "public_test_util.hpp"

namespace orrery::test {
namespace {

struct CsvCase {
  std::string format;
  std::string file;
  std::string header;             // empty: the format has no header line
  std::vector<std::string> rows;  // two valid rows
  char sep = ',';
  std::size_t id_col = 0;
  std::size_t num_col = 0;  // a numeric column
  std::size_t gpu_col = 0;
  std::string negative = "-1";
  std::string end_before_start;  // a row ending before it starts
  std::string drop_reason;       // its counted reason, or "" when it is an error
};

std::vector<std::string> split(const std::string& row, char sep) {
  std::vector<std::string> out(1);
  for (const char c : row) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& f, char sep) {
  std::string s;
  for (std::size_t i = 0; i < f.size(); ++i) s += (i ? std::string(1, sep) : "") + f[i];
  return s;
}

std::string with_field(const CsvCase& c, std::size_t col, const std::string& value) {
  auto f = split(c.rows[1], c.sep);
  f.at(col) = value;
  return join(f, c.sep);
}

std::string text(const CsvCase& c, const std::vector<std::string>& rows) {
  std::string s = c.header.empty() ? "" : c.header + "\n";
  for (const auto& r : rows) s += r + "\n";
  return s;
}

std::uint64_t bad_line(const CsvCase& c) {
  return c.header.empty() ? 2 : 3;  // the second data row
}

std::vector<CsvCase> cases() {
  std::vector<CsvCase> v;
  const std::string dirlab_header =
      "u_id,user,gpu_num,cpu_num,node_num,interval,run_time,wall_time,new_status";
  for (const char* f : {"dirlab", "philly-csv", "helios-dirlab", "bluewaters"}) {
    v.push_back({f,
                 "cut.csv",
                 dirlab_header,
                 {"0,1,8,0,1,0,100,0,Pass", "1,2,16,0,2,10,200,0,Killed"},
                 ',',
                 0,
                 5,
                 2,
                 "-1",
                 "2,3,1,0,1,5,-7,0,Pass",
                 ""});
  }
  v.push_back({"helios",
               "cluster_log.csv",
               "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,"
               "duration,queue",
               {"1,u1,vc1,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 "
                "04:55:09,36848,0",
                "2,u2,vc2,8,16,1,FAILED,2020-06-09 18:41:27,2020-06-09 18:41:27,2020-06-09 "
                "18:45:36,249,0"},
               ',',
               0,
               4,
               3,
               "-1",
               "3,u2,vc2,8,16,1,FAILED,2020-06-09 18:41:27,2020-06-09 18:41:27,2020-06-09 "
               "18:40:36,0,0",
               "ends before it starts"});
  v.push_back({"acme",
               "trace_seren.csv",
               "job_id,user,node_num,gpu_num,cpu_num,type,state,submit_time,start_time,end_time,"
               "duration,queue,gpu_time",
               {"1,u,1,8,128,Other,FAILED,2023-03-01 00:18:22+08:00,2023-03-01 00:18:54+08:00,"
                "2023-03-01 00:20:51+08:00,117,32,936.0",
                "2,u,2,16,256,SFT,COMPLETED,2023-03-01 00:23:58+08:00,2023-03-01 00:24:11+08:00,"
                "2023-03-01 01:09:04+08:00,2693,13,21544.0"},
               ',',
               0,
               4,
               3,
               "-1",
               "3,u,1,8,128,Other,FAILED,2023-03-01 00:18:22+08:00,2023-03-01 00:18:54+08:00,"
               "2023-03-01 00:10:51+08:00,0,32,0",
               "ends before it starts"});
  v.push_back({"openb-pods",
               "pods.csv",
               "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
               "deletion_time,scheduled_time",
               {"openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0",
                "openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061"},
               ',',
               0,
               1,
               3,
               "-1",
               "openb-pod-0002,6000,12288,1,460,,LS,Running,427061,427000,427061",
               "deleted before it was scheduled (ends before it starts)"});
  v.push_back({"tiresias",
               "60_job.csv",
               "job_id,num_gpu,submit_time,iterations,model_name,duration,interval",
               {"0,1,0,606,vgg19,164,30", "1,8,30,133,vgg11,147,23"},
               ',',
               0,
               2,
               1,
               "-1",
               "2,2,53,157,inception4,-127,26",
               ""});
  v.push_back({"swf",
               "log.swf",
               "; Version: 2.2",
               {"1 0 10 100 4 -1 -1 4 200 -1 1 3 1 -1 1 1 -1 -1",
                "2 5 1 50 8 -1 -1 8 -1 -1 0 4 1 -1 2 -1 -1 -1"},
               ' ',
               0,
               3,
               4,
               "-2",
               "3 7 3 -100 2 -1 -1 2 -1 -1 5 3 1 -1 1 1 -1 -1",
               ""});
  return v;
}

class PublicCsvBadInput : public ::testing::TestWithParam<CsvCase> {};

TEST_P(PublicCsvBadInput, EveryClassOfBadInput) {
  const CsvCase& c = GetParam();
  TempDir tmp;
  const std::string path = (tmp / c.file).string();
  auto import = [&] { return traces::import_trace(path, c.format, {}); };
  const std::string at = c.file + ":" + std::to_string(bad_line(c));

  write_text(path, text(c, c.rows));
  EXPECT_EQ(import().workload.jobs.size(), 2U) << "the valid sample imports";

  // Truncated file: the last row cut in the middle.
  std::string cut = text(c, {c.rows[0]}) + c.rows[1].substr(0, c.rows[1].size() / 2);
  write_text(path, cut);
  std::string msg = input_error(import);
  EXPECT_NE(msg.find(at), std::string::npos) << c.format << ": " << msg;

  // Corrupt and truncated gzip.
  write_text(path, std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) +
                       "this is not deflate data at all, not at all");
  msg = input_error(import);
  EXPECT_NE(msg.find("gzip"), std::string::npos) << c.format << ": " << msg;
  write_gzip(tmp / "full.gz", text(c, c.rows));
  const std::string gz = read_text(tmp / "full.gz");
  write_text(path, gz.substr(0, gz.size() * 2 / 3));
  msg = input_error(import);
  EXPECT_NE(msg.find("gzip"), std::string::npos) << c.format << ": " << msg;

  // Wrong column count.
  write_text(path, text(c, {c.rows[0], c.rows[1] + c.sep + "extra"}));
  msg = input_error(import);
  EXPECT_NE(msg.find(at), std::string::npos) << c.format << ": " << msg;

  // Non-numeric field.
  write_text(path, text(c, {c.rows[0], with_field(c, c.num_col, "abc")}));
  msg = input_error(import);
  EXPECT_NE(msg.find(at + ": column '"), std::string::npos) << c.format << ": " << msg;
  EXPECT_NE(msg.find("\"abc\" is not a number"), std::string::npos) << c.format << ": " << msg;

  // Negative GPU count.
  write_text(path, text(c, {c.rows[0], with_field(c, c.gpu_col, c.negative)}));
  msg = input_error(import);
  EXPECT_NE(msg.find(at + ": column '"), std::string::npos) << c.format << ": " << msg;

  // End before start: a counted drop, or an error for formats that give only a duration.
  write_text(path, text(c, {c.rows[0], c.rows[1], c.end_before_start}));
  if (c.drop_reason.empty()) {
    msg = input_error(import);
    EXPECT_NE(msg.find(c.file + ":"), std::string::npos) << c.format << ": " << msg;
  } else {
    const auto t = import();
    EXPECT_EQ(t.workload.jobs.size(), 2U);
    EXPECT_EQ(reason(t.report.dropped, c.drop_reason), 1U) << c.format;
  }

  // Duplicate job id.
  write_text(path, text(c, {c.rows[0], c.rows[1], c.rows[0]}));
  msg = input_error(import);
  EXPECT_NE(msg.find("duplicate"), std::string::npos) << c.format << ": " << msg;
  EXPECT_NE(msg.find("(first at line " + std::to_string(bad_line(c) - 1) + ")"), std::string::npos)
      << c.format << ": " << msg;

  // Empty file.
  write_text(path, "");
  input_error(import);
}

INSTANTIATE_TEST_SUITE_P(Formats, PublicCsvBadInput, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) {
                           std::string n = param_info.param.format;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

// --- PAI 2020: the three tables -----------------------------------------------------------------

TEST(Pai2020BadInput, EveryClassOfBadInput) {
  TempDir tmp;
  const std::string jobs = (tmp / "pai_job_table.csv").string();
  const std::string tasks = (tmp / "pai_task_table.csv").string();
  auto import = [&] { return traces::import_trace(jobs, "pai-2020", {}); };
  const std::string good_jobs =
      "j1,i1,u1,Terminated,1000000,1003600\nj2,i2,u2,Failed,1000100,1000700\n";
  const std::string good_tasks =
      "j1,worker,4.0,Terminated,1000060,1003600,600,29,50,T4\n"
      "j2,worker,1,Failed,1000110,1000700,600,29,100,V100\n";
  write_text(jobs, good_jobs);
  write_text(tasks, good_tasks);
  EXPECT_EQ(import().workload.jobs.size(), 2U);

  write_text(jobs, "j1,i1,u1,Terminated,1000000,1003600\nj2,i2,u2,Fai");
  EXPECT_NE(input_error(import).find("pai_job_table.csv:2"), std::string::npos);
  write_text(jobs, std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage", 25));
  EXPECT_NE(input_error(import).find("gzip"), std::string::npos);
  write_text(jobs, good_jobs);
  write_text(tasks, good_tasks + "j2,worker,1,Failed,1000110,1000700,600,29,100\n");
  EXPECT_NE(input_error(import).find("pai_task_table.csv:3: expected 10 columns"),
            std::string::npos);
  write_text(tasks, good_tasks + "j2,worker,x,Failed,1000110,1000700,600,29,100,V100\n");
  EXPECT_NE(input_error(import).find("pai_task_table.csv:3: column 'inst_num': \"x\" is not a"),
            std::string::npos);
  write_text(tasks, good_tasks + "j2,worker,1,Failed,1000110,1000700,600,29,-50,V100\n");
  EXPECT_NE(input_error(import).find("pai_task_table.csv:3: column 'plan_gpu'"), std::string::npos);
  write_text(tasks, good_tasks);
  write_text(jobs, good_jobs + "j3,i3,u2,Failed,1000100,1000000\n");
  write_text(tasks, good_tasks + "j3,worker,1,Failed,1000110,1000000,600,29,100,V100\n");
  const auto t = import();
  EXPECT_EQ(t.workload.jobs.size(), 2U);
  EXPECT_EQ(reason(t.report.dropped, "ends before it starts"), 1U);
  write_text(jobs, good_jobs + "j1,i1,u1,Terminated,1000000,1003600\n");
  EXPECT_NE(input_error(import).find("pai_job_table.csv:3: column 'job_name': duplicate job"),
            std::string::npos);
  write_text(jobs, good_jobs);
  write_text(tasks, good_tasks.substr(0, good_tasks.size() - 20));
  EXPECT_NE(input_error(import).find("pai_task_table.csv:2"), std::string::npos);
}

// --- Philly cluster_job_log ---------------------------------------------------------------------

TEST(PhillyJsonBadInput, EveryClassOfBadInput) {
  TempDir tmp;
  const std::string path = (tmp / "cluster_job_log").string();
  auto import = [&] { return traces::import_trace(path, "philly-json", {}); };
  auto job = [](const std::string& id, const std::string& gpus, const std::string& start,
                const std::string& end) {
    return "{\"status\": \"Pass\", \"vc\": \"v\", \"jobid\": \"" + id +
           "\", \"submitted_time\": \"2017-10-07 01:00:00\", \"user\": \"u\",\n \"attempts\": "
           "[{\"start_time\": \"" +
           start + "\", \"end_time\": \"" + end +
           "\", \"detail\": [{\"ip\": \"m1\", \"gpus\": " + gpus + "}]}]}";
  };
  const std::string a = job("a", "[\"gpu0\"]", "2017-10-07 01:00:00", "2017-10-07 02:00:00");
  const std::string b = job("b", "[\"gpu0\"]", "2017-10-07 01:00:00", "2017-10-07 03:00:00");
  write_text(path, "[\n" + a + ",\n" + b + "\n]\n");
  EXPECT_EQ(import().workload.jobs.size(), 2U);
  // Truncated.
  const std::string full = "[\n" + a + ",\n" + b + "\n]\n";
  write_text(path, full.substr(0, full.size() - 30));
  EXPECT_NE(input_error(import).find("invalid JSON"), std::string::npos);
  // Corrupt and truncated gzip.
  write_text(path, std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage", 25));
  EXPECT_NE(input_error(import).find("gzip"), std::string::npos);
  write_gzip(tmp / "full.gz", full);
  const std::string gz = read_text(tmp / "full.gz");
  write_text(path, gz.substr(0, gz.size() / 2));
  EXPECT_NE(input_error(import).find("gzip"), std::string::npos);
  // Wrong shape ("column count"): gpus is not a list.
  write_text(path, "[\n" + a + ",\n" + job("c", "4", "2017-10-07 01:00:00", "2017-10-07 02:00:00") +
                       "\n]\n");
  std::string msg = input_error(import);
  EXPECT_NE(msg.find("cluster_job_log:5: column 'gpus': must be a list of GPU names"),
            std::string::npos)
      << msg;
  // Non-numeric (here: non-time) field.
  write_text(path, "[\n" + a + ",\n" + job("c", "[\"gpu0\"]", "yesterday", "2017-10-07 02:00:00") +
                       "\n]\n");
  msg = input_error(import);
  EXPECT_NE(msg.find("column 'start_time': \"yesterday\" is not a time"), std::string::npos) << msg;
  // A negative GPU count cannot be written in this format (GPUs are listed by name); an empty list
  // is a job without GPUs, dropped and counted.
  write_text(path, "[\n" + a + ",\n" +
                       job("c", "[]", "2017-10-07 01:00:00", "2017-10-07 02:00:00") + "\n]\n");
  auto t = import();
  EXPECT_EQ(reason(t.report.dropped, "no GPUs in any attempt's placement"), 1U);
  // End before start.
  write_text(path, "[\n" + a + ",\n" +
                       job("c", "[\"gpu0\"]", "2017-10-07 05:00:00", "2017-10-07 02:00:00") +
                       "\n]\n");
  t = import();
  EXPECT_EQ(t.workload.jobs.size(), 1U);
  EXPECT_EQ(reason(t.report.dropped, "every attempt ends before it starts"), 1U);
  // Duplicate id.
  write_text(path, "[\n" + a + ",\n" + a + "\n]\n");
  msg = input_error(import);
  EXPECT_NE(msg.find("cluster_job_log:4: column 'jobid': duplicate job id \"a\" (first at line 2)"),
            std::string::npos)
      << msg;
}

// --- machine and node lists ---------------------------------------------------------------------

struct ClusterCase {
  std::string format;
  std::string file;
  std::string header;
  std::vector<std::string> rows;
  std::size_t num_col, gpu_col;
};

class PublicClusterBadInput : public ::testing::TestWithParam<ClusterCase> {};

TEST_P(PublicClusterBadInput, EveryClassOfBadInput) {
  const ClusterCase& c = GetParam();
  TempDir tmp;
  const std::string path = (tmp / c.file).string();
  auto import = [&] { return traces::import_cluster(path, c.format, {}); };
  auto body = [&](const std::vector<std::string>& rows) {
    std::string s = c.header.empty() ? "" : c.header + "\n";
    for (const auto& r : rows) s += r + "\n";
    return s;
  };
  auto with = [&](std::size_t col, const std::string& v) {
    auto f = split(c.rows.back(), ',');
    f.at(col) = v;
    return join(f, ',');
  };
  const std::string at =
      c.file + ":" + std::to_string(c.rows.size() + (c.header.empty() ? 0 : 1)) + ": ";
  write_text(path, body(c.rows));
  EXPECT_GE(cluster_nodes(import()), 1U);
  std::vector<std::string> rows = c.rows;
  rows.back() = rows.back().substr(0, rows.back().size() / 2);
  write_text(path, body(rows));
  EXPECT_NE(input_error(import).find(at), std::string::npos);
  write_text(path, std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage", 25));
  EXPECT_NE(input_error(import).find("gzip"), std::string::npos);
  rows = c.rows;
  rows.back() += ",extra";
  write_text(path, body(rows));
  EXPECT_NE(input_error(import).find(at), std::string::npos);
  rows = c.rows;
  rows.back() = with(c.num_col, "abc");
  write_text(path, body(rows));
  std::string msg = input_error(import);
  EXPECT_NE(msg.find(at + "column '"), std::string::npos) << c.format << ": " << msg;
  rows.back() = with(c.gpu_col, "-8");
  write_text(path, body(rows));
  msg = input_error(import);
  EXPECT_NE(msg.find(at + "column '"), std::string::npos) << c.format << ": " << msg;
  write_text(path, "");
  input_error(import);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, PublicClusterBadInput,
    ::testing::Values(
        ClusterCase{"openb-nodes",
                    "nodes.csv",
                    "sn,cpu_milli,memory_mib,gpu,model",
                    {"n0,64000,262144,2,P100", "n1,96000,786432,8,G2"},
                    1,
                    3},
        ClusterCase{"philly-machines",
                    "cluster_machine_list",
                    "machineId, number of GPUs, single GPU mem",
                    {"m0,2, 12GB", "m100,8, 24GB"},
                    1,
                    1},
        ClusterCase{
            "pai-machines", "pai_machine_spec.csv", "", {"a,P100,64,512,2", "b,T4,96,512,2"}, 2, 4},
        ClusterCase{"tiresias-cluster",
                    "n32g4.csv",
                    "num_switch,num_node_p_switch,num_gpu_p_node,num_cpu_p_node,mem_p_node",
                    {"1,32,4,40,256"},
                    1,
                    2}),
    [](const auto& param_info) {
      std::string n = param_info.param.format;
      for (char& ch : n) {
        if (ch == '-') ch = '_';
      }
      return n;
    });

TEST(PublicClusterBadInput, DuplicateMachinesAreErrors) {
  TempDir tmp;
  write_text(tmp / "nodes.csv",
             "sn,cpu_milli,memory_mib,gpu,model\nn0,64000,1,2,P100\n"
             "n0,64000,1,2,P100\n");
  EXPECT_NE(input_error([&] {
              traces::import_cluster((tmp / "nodes.csv").string(), "openb-nodes", {});
            }).find("nodes.csv:3: column 'sn': duplicate node name \"n0\""),
            std::string::npos);
  write_text(tmp / "m.csv", "a,P100,64,512,2\na,P100,64,512,2\n");
  EXPECT_NE(input_error([&] {
              traces::import_cluster((tmp / "m.csv").string(), "pai-machines", {});
            }).find("m.csv:2: column 'machine': duplicate machine"),
            std::string::npos);
  write_text(tmp / "p.csv", "machineId, number of GPUs\nm0,2\nm0,8\n");
  EXPECT_NE(input_error([&] {
              traces::import_cluster((tmp / "p.csv").string(), "philly-machines", {});
            }).find("p.csv:3: column 'machineId': duplicate machine"),
            std::string::npos);
}

TEST(HeliosQuotasBadInput, ErrorsNameFileLineAndColumn) {
  TempDir tmp;
  const std::string path = (tmp / "q.csv").string();
  write_text(path, "date,vcA,vcB,total\n2020-04-01,8,8,16\n2020-04-03,8,8,16\n");
  EXPECT_NE(input_error([&] {
              traces::read_vc_quotas(path);
            }).find("q.csv:3: column 'date': expected the next day 2020-04-02"),
            std::string::npos);
  write_text(path, "date,vcA,vcB,total\n2020-04-01,8,-8,0\n");
  EXPECT_NE(input_error([&] { traces::read_vc_quotas(path); }).find("q.csv:2: column 'vcB'"),
            std::string::npos);
  write_text(path, "date,vcA,vcB,total\n2020-04-01,8,8,17\n");
  EXPECT_NE(input_error([&] {
              traces::read_vc_quotas(path);
            }).find("q.csv:2: column 'total': is 17 but the VCs sum to 16"),
            std::string::npos);
  write_text(path, "date,vcA,vcB,total\n2020-04-01,8,8\n");
  EXPECT_NE(input_error([&] { traces::read_vc_quotas(path); }).find("q.csv:2: expected 4 columns"),
            std::string::npos);
  write_text(path, "day,vcA,total\n");
  EXPECT_NE(input_error([&] { traces::read_vc_quotas(path); }).find("q.csv:1: expected a header"),
            std::string::npos);
}

}  // namespace
}  // namespace orrery::test
