// Import speed of every trace importer, in rows (jobs) per second and MB per second.
//
// Each benchmark writes one synthetic file of its format once (into a temporary folder, removed
// at exit), then times traces::import_trace on it: reading, decompression check, parsing, checks,
// the canonical job records and the file's SHA-256 (the fingerprint every import computes).
// Rows are varied (ids, users, sizes, times) so that no parser sees the same line twice. The
// JSON formats are built by replicating an entry of the test fixtures in tests/traces/data with
// new ids. Single thread. ORRERY_BENCH_ROWS overrides the row count of the CSV formats (default
// 1,000,000; the JSON formats use a fifth of it).
//
//   orrery_bench_traces --benchmark_filter=helios
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "orrery/traces/trace_format.hpp"

namespace {

namespace fs = std::filesystem;
using ull = unsigned long long;

std::uint64_t csv_rows() {
  const char* env = std::getenv("ORRERY_BENCH_ROWS");
  return env && *env ? std::strtoull(env, nullptr, 10) : 1'000'000;
}

// The folder the generated files live in, removed when the process exits.
const fs::path& work_dir() {
  struct Dir {
    fs::path path;
    Dir() {
      path = fs::temp_directory_path() / ("orrery-bench-traces-" + std::to_string(::getpid()));
      fs::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Writes `header` (if any) and `rows` lines made by `row(i, line)`.
void write_lines(const fs::path& p, const std::string& header, std::uint64_t rows,
                 const std::function<void(std::uint64_t, std::string&)>& row) {
  std::ofstream out(p, std::ios::binary);
  if (!header.empty()) out << header << '\n';
  std::string line;
  for (std::uint64_t i = 0; i < rows; ++i) {
    line.clear();
    row(i, line);
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

// "2020-06-DD HH:MM:SS" for second i of June 2020 (wraps after 28 days).
std::string stamp(std::uint64_t i, char sep = ' ') {
  const auto s = static_cast<ull>(i);
  char b[32];
  std::snprintf(b, sizeof b, "2020-06-%02llu%c%02llu:%02llu:%02llu", 1 + (s / 86400) % 28, sep,
                (s / 3600) % 24, (s / 60) % 60, s % 60);
  return b;
}

using Maker = std::function<std::uint64_t(const fs::path&)>;  // writes the file, returns rows

struct Case {
  const char* format;
  const char* file;
  Maker make;
};

std::uint64_t make_native(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[256];
  write_lines(p,
              "job_id,submit_s,user,queue,priority,tasks,gpus_per_task,gpu_type,cpu_per_task,"
              "memory_mib_per_task,duration_s,walltime_s,job_class,observed_start_s,"
              "observed_end_s,observed_status",
              n, [&](std::uint64_t i, std::string& s) {
                std::snprintf(
                    b, sizeof b,
                    "job%07llu,%llu.5,u%llu,q%llu,0,%llu,%llu,,8,65536,%llu,,,,,completed",
                    static_cast<ull>(i), static_cast<ull>(i * 3), static_cast<ull>(i % 500),
                    static_cast<ull>(i % 7), static_cast<ull>(1 + i % 2),
                    static_cast<ull>(1 + i % 8), static_cast<ull>(60 + i % 86400));
                s += b;
              });
  return n;
}

std::uint64_t make_dirlab(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[128];
  write_lines(p, "u_id,user,gpu_num,cpu_num,node_num,interval,run_time,wall_time,new_status", n,
              [&](std::uint64_t i, std::string& s) {
                std::snprintf(b, sizeof b, "%llu,%llu,%llu,0,1,%llu,%llu,0,Pass",
                              static_cast<ull>(i), static_cast<ull>(i % 136),
                              static_cast<ull>(1 + i % 8), static_cast<ull>(i % 7),
                              static_cast<ull>(60 + i % 86400));
                s += b;
              });
  return n;
}

std::uint64_t make_helios(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[256];
  write_lines(p,
              "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,"
              "duration,queue",
              n, [&](std::uint64_t i, std::string& s) {
                const std::string t = stamp(i);
                std::snprintf(
                    b, sizeof b, "%llu,u%llu,vc%llu,%llu,%llu,1,COMPLETED,%s,%s,%s,%llu,0",
                    static_cast<ull>(i), static_cast<ull>(i % 1000), static_cast<ull>(i % 25),
                    static_cast<ull>(i % 9), static_cast<ull>(4 * (i % 9) + 1), t.c_str(),
                    t.c_str(), stamp(i + 100 + i % 3000).c_str(), static_cast<ull>(100 + i % 3000));
                s += b;
              });
  return n;
}

std::uint64_t make_acme(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[320];
  write_lines(p,
              "job_id,user,node_num,gpu_num,cpu_num,type,state,submit_time,start_time,end_time,"
              "duration,queue,gpu_time",
              n, [&](std::uint64_t i, std::string& s) {
                const ull gpus = 1ULL << (i % 4);
                std::snprintf(
                    b, sizeof b,
                    "%llu,u%llu,1,%llu,%llu,SFT,COMPLETED,%s+08:00,%s+08:00,%s+08:00,%llu,"
                    "%llu,%llu.0",
                    static_cast<ull>(i), static_cast<ull>(i % 300), gpus, 16 * gpus,
                    stamp(i).c_str(), stamp(i + 30).c_str(), stamp(i + 30 + 60 + i % 5000).c_str(),
                    static_cast<ull>(60 + i % 5000), static_cast<ull>(i % 40),
                    gpus * (60 + i % 5000));
                s += b;
              });
  return n;
}

std::uint64_t make_openb(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[256];
  write_lines(p,
              "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
              "deletion_time,scheduled_time",
              n, [&](std::uint64_t i, std::string& s) {
                std::snprintf(b, sizeof b,
                              "openb-pod-%07llu,%llu,%llu,1,%llu,,LS,Running,%llu,%llu,%llu",
                              static_cast<ull>(i), static_cast<ull>(1000 + i % 64000),
                              static_cast<ull>(1024 + i % 100000), static_cast<ull>(100 + i % 900),
                              static_cast<ull>(i * 5), static_cast<ull>(i * 5 + 3600),
                              static_cast<ull>(i * 5 + 7));
                s += b;
              });
  return n;
}

std::uint64_t make_tiresias(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[128];
  write_lines(p, "job_id,num_gpu,submit_time,iterations,model_name,duration,interval", n,
              [&](std::uint64_t i, std::string& s) {
                std::snprintf(b, sizeof b, "%llu,%llu,%llu,%llu,vgg19,%llu,30", static_cast<ull>(i),
                              static_cast<ull>(1ULL << (i % 4)), static_cast<ull>(i * 3),
                              static_cast<ull>(100 + i % 900), static_cast<ull>(60 + i % 7200));
                s += b;
              });
  return n;
}

std::uint64_t make_swf(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[160];
  write_lines(p, "; Version: 2.2", n, [&](std::uint64_t i, std::string& s) {
    std::snprintf(b, sizeof b, "%llu %llu 10 %llu 4 -1 -1 4 7200 -1 1 %llu 1 -1 1 1 -1 -1",
                  static_cast<ull>(i + 1), static_cast<ull>(i * 3), static_cast<ull>(60 + i % 3600),
                  static_cast<ull>(i % 500));
    s += b;
  });
  return n;
}

std::uint64_t make_sacct(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[512];
  write_lines(p,
              "JobID|JobIDRaw|JobName|Partition|Account|User|State|Submit|Eligible|Start|End|"
              "Elapsed|Timelimit|NNodes|NCPUS|ReqMem|AllocTRES|ReqTRES|NodeList|Priority",
              n, [&](std::uint64_t i, std::string& s) {
                const ull g = 1ULL << (i % 4);
                const std::string sub = stamp(i, 'T');
                std::snprintf(
                    b, sizeof b,
                    "%llu|%llu|train|gpu|ml|u%llu|COMPLETED|%s|%s|%s|%s|00:10:00|1-00:00:00|1|%llu|"
                    "64G|billing=%llu,cpu=%llu,gres/gpu=%llu,mem=64G,node=1|"
                    "billing=%llu,cpu=%llu,gres/gpu=%llu,mem=64G,node=1|gn%02llu|5000",
                    static_cast<ull>(i), static_cast<ull>(i), static_cast<ull>(i % 300),
                    sub.c_str(), sub.c_str(), stamp(i + 60, 'T').c_str(),
                    stamp(i + 660 + i % 3000, 'T').c_str(), 8 * g, 8 * g, 8 * g, g, 8 * g, 8 * g, g,
                    static_cast<ull>(i % 64));
                s += b;
              });
  return n;
}

std::uint64_t make_jobcomp(const fs::path& p) {
  const std::uint64_t n = csv_rows();
  char b[640];
  write_lines(p, "", n, [&](std::uint64_t i, std::string& s) {
    const ull g = 1ULL << (i % 4);
    std::snprintf(b, sizeof b,
                  "JobId=%llu UserId=u%llu(%llu) GroupId=g(100) Name=train JobState=COMPLETED "
                  "Partition=gpu TimeLimit=120 StartTime=%s EndTime=%s NodeList=gn%02llu NodeCnt=1 "
                  "ProcCnt=%llu WorkDir=/home/u ReservationName= Tres=cpu=%llu,mem=64G,node=1,"
                  "billing=%llu,gres/gpu=%llu Account=ml QOS=normal WcKey= Cluster=hpc "
                  "SubmitTime=%s EligibleTime=%s DerivedExitCode=0:0 ExitCode=0:0 ",
                  static_cast<ull>(i + 1), static_cast<ull>(i % 300),
                  static_cast<ull>(1000 + i % 300), stamp(i + 60, 'T').c_str(),
                  stamp(i + 660 + i % 3000, 'T').c_str(), static_cast<ull>(i % 64), 8 * g, 8 * g,
                  8 * g, g, stamp(i, 'T').c_str(), stamp(i, 'T').c_str());
    s += b;
  });
  return n;
}

std::uint64_t make_philly_json(const fs::path& p) {
  const std::uint64_t n = csv_rows() / 5;
  std::ofstream out(p, std::ios::binary);
  out << "[\n";
  for (std::uint64_t i = 0; i < n; ++i) {
    const ull g = 1ULL << (i % 4);
    out << (i ? ",\n" : "") << R"({"status": "Pass", "vc": "vc)" << i % 14
        << R"(", "jobid": "application_)" << i << R"(", "attempts": [{"start_time": ")"
        << stamp(i + 60) << R"(", "end_time": ")" << stamp(i + 660 + i % 3000)
        << R"(", "detail": [{"ip": "m)" << i % 500 << R"(", "gpus": [)";
    for (ull k = 0; k < g; ++k) out << (k ? ", " : "") << "\"gpu" << k << '"';
    out << R"(]}]}], "submitted_time": ")" << stamp(i) << R"(", "user": "u)" << i % 300 << "\"}";
  }
  out << "\n]\n";
  return n;
}

// Replicates the first entry of a fixture's array `key` (or of the top-level array) n times,
// giving each copy new ids through `renumber`.
std::uint64_t replicate_fixture(
    const fs::path& p, const char* fixture, const char* key,
    const std::function<void(nlohmann::json&, std::uint64_t)>& renumber) {
  std::ifstream in(fs::path(ORRERY_SOURCE_DIR) / "tests/traces/data" / fixture);
  nlohmann::json doc = nlohmann::json::parse(in);
  nlohmann::json& items = doc[key];
  const nlohmann::json first = items.at(0);
  items = nlohmann::json::array();
  const std::uint64_t n = csv_rows() / 5;
  for (std::uint64_t i = 0; i < n; ++i) {
    nlohmann::json e = first;
    renumber(e, i);
    items.push_back(std::move(e));
  }
  std::ofstream(p, std::ios::binary) << doc.dump();
  return n;
}

std::uint64_t make_sacct_json(const fs::path& p) {
  return replicate_fixture(p, "slurm_sacct.json", "jobs", [](nlohmann::json& e, std::uint64_t i) {
    e["job_id"] = 100000 + i;
    e["name"] = "train-" + std::to_string(i);
    e["time"]["submission"] = 1715072400 + i;
    e["time"]["eligible"] = 1715072400 + i;
    e["time"]["start"] = 1715072460 + i;
    e["time"]["end"] = 1715076060 + i;
  });
}

std::uint64_t make_k8s_pods(const fs::path& p) {
  return replicate_fixture(p, "k8s_pods.json", "items", [](nlohmann::json& e, std::uint64_t i) {
    e["metadata"]["name"] = "train-" + std::to_string(i);
    e["metadata"]["uid"] = "uid-" + std::to_string(i);
  });
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

void BM_Import(benchmark::State& state, const Case& c) {
  const fs::path path = work_dir() / c.file;
  const std::uint64_t rows = c.make(path);
  const auto bytes = static_cast<std::int64_t>(fs::file_size(path));
  std::size_t jobs = 0;
  for (auto _ : state) {
    const auto t = orrery::traces::import_trace(path.string(), c.format, {});
    jobs = t.workload.jobs.size();
    benchmark::DoNotOptimize(t);
  }
  fs::remove(path);
  if (jobs != rows) {
    state.SkipWithError(("imported " + std::to_string(jobs) + " jobs of " + std::to_string(rows) +
                         " rows: the generator or the importer is wrong")
                            .c_str());
    return;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows) * state.iterations());
  state.SetBytesProcessed(bytes * state.iterations());
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

const bool registered = [] {
  static const Case cases[] = {
      {"native", "trace.csv", make_native},
      {"philly-csv", "philly_cut.csv", make_dirlab},
      {"helios", "cluster_log.csv", make_helios},
      {"acme", "trace_seren.csv", make_acme},
      {"openb-pods", "pods.csv", make_openb},
      {"tiresias", "jobs.csv", make_tiresias},
      {"swf", "log.swf", make_swf},
      {"slurm-sacct", "sacct.txt", make_sacct},
      {"slurm-jobcomp", "jobcomp.log", make_jobcomp},
      {"philly-json", "cluster_job_log", make_philly_json},
      {"slurm-sacct-json", "sacct.json", make_sacct_json},
      {"k8s-pods", "pods.json", make_k8s_pods},
  };
  for (const Case& c : cases) {
    benchmark::RegisterBenchmark((std::string("import/") + c.format).c_str(), BM_Import, c)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
