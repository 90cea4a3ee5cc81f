// Import speed of the CSV-style public formats, in rows per second. Disabled by default (it
// writes and reads files of a few hundred MB); run it on a Release build with
//   orrery_trace_tests --gtest_also_run_disabled_tests --gtest_filter='*ImportSpeed*'
// ORRERY_SPEED_ROWS sets the rows per file (default 2,000,000).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include "public_test_util.hpp"

namespace orrery::test {
namespace {

std::uint64_t speed_rows() {
  const char* env = std::getenv("ORRERY_SPEED_ROWS");
  return env && *env ? std::strtoull(env, nullptr, 10) : 2'000'000;
}

// Writes `rows` rows made by `row(i, buf)`; returns the file size in bytes.
template <typename RowFn>
std::uint64_t write_rows(const std::filesystem::path& p, const std::string& header,
                         std::uint64_t rows, RowFn row) {
  std::ofstream out(p, std::ios::binary);
  std::string buf;
  if (!header.empty()) out << header << '\n';
  for (std::uint64_t i = 0; i < rows; ++i) {
    buf.clear();
    row(i, buf);
    buf += '\n';
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  }
  out.close();
  return std::filesystem::file_size(p);
}

// Best of ORRERY_SPEED_REPEAT (default 3) imports: wall time, and this process's CPU time (the
// machine may be shared with other work, which inflates wall time first).
void time_import(const std::filesystem::path& p, const std::string& format, std::uint64_t rows) {
  const char* env = std::getenv("ORRERY_SPEED_REPEAT");
  const int repeat = env && *env ? std::max(1, std::atoi(env)) : 3;
  double best_wall = 1e300, best_cpu = 1e300;
  for (int k = 0; k < repeat; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const auto t = traces::import_trace(p.string(), format, {});
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(t.workload.jobs.size(), rows);
    best_wall = std::min(best_wall, s);
    best_cpu = std::min(best_cpu, cpu);
  }
  const double mb = static_cast<double>(std::filesystem::file_size(p)) / 1e6;
  const double n = static_cast<double>(rows);
  std::cout << "[speed] " << format << ": " << rows << " rows, " << mb << " MB, best of " << repeat
            << ": wall " << best_wall << " s = " << static_cast<std::uint64_t>(n / best_wall)
            << " rows/s; CPU " << best_cpu << " s = " << static_cast<std::uint64_t>(n / best_cpu)
            << " rows/s (includes the file's SHA-256)\n";
}

TEST(DISABLED_ImportSpeed, CsvFormats) {
  TempDir tmp;
  const std::uint64_t n = speed_rows();
  char b[256];
  write_rows(
      tmp / "pods.csv",
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
      "deletion_time,scheduled_time",
      n, [&](std::uint64_t i, std::string& s) {
        std::snprintf(
            b, sizeof b, "openb-pod-%07llu,%llu,%llu,1,%llu,,LS,Running,%llu,%llu,%llu",
            static_cast<unsigned long long>(i), static_cast<unsigned long long>(1000 + i % 64000),
            static_cast<unsigned long long>(1024 + i % 100000),
            static_cast<unsigned long long>(100 + i % 900), static_cast<unsigned long long>(i * 5),
            static_cast<unsigned long long>(i * 5 + 3600),
            static_cast<unsigned long long>(i * 5 + 7));
        s += b;
      });
  time_import(tmp / "pods.csv", "openb-pods", n);
  std::filesystem::remove(tmp / "pods.csv");

  write_rows(tmp / "cluster_log.csv",
             "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,"
             "duration,queue",
             n, [&](std::uint64_t i, std::string& s) {
               const unsigned long long sec = i % 60, min = (i / 60) % 60, hour = (i / 3600) % 24,
                                        day = 1 + (i / 86400) % 28;
               std::snprintf(
                   b, sizeof b,
                   "%llu,u%llu,vc%llu,%llu,%llu,1,COMPLETED,2020-06-%02llu "
                   "%02llu:%02llu:%02llu,2020-06-%02llu %02llu:%02llu:%02llu,2020-06-%02llu "
                   "23:59:59,100,0",
                   static_cast<unsigned long long>(i), static_cast<unsigned long long>(i % 1000),
                   static_cast<unsigned long long>(i % 25), static_cast<unsigned long long>(i % 9),
                   static_cast<unsigned long long>(4 * (i % 9) + 1), day, hour, min, sec, day, hour,
                   min, sec, day);
               s += b;
             });
  time_import(tmp / "cluster_log.csv", "helios", n);
  std::filesystem::remove(tmp / "cluster_log.csv");

  write_rows(
      tmp / "cut.csv", "u_id,user,gpu_num,cpu_num,node_num,interval,run_time,wall_time,new_status",
      n, [&](std::uint64_t i, std::string& s) {
        std::snprintf(b, sizeof b, "%llu,%llu,%llu,0,1,%llu,%llu,0,Pass",
                      static_cast<unsigned long long>(i), static_cast<unsigned long long>(i % 136),
                      static_cast<unsigned long long>(1 + i % 8),
                      static_cast<unsigned long long>(i % 7),
                      static_cast<unsigned long long>(60 + i % 86400));
        s += b;
      });
  time_import(tmp / "cut.csv", "philly-csv", n);
  std::filesystem::remove(tmp / "cut.csv");

  write_rows(tmp / "log.swf", "; Version: 2.2", n, [&](std::uint64_t i, std::string& s) {
    std::snprintf(b, sizeof b, "%llu %llu 10 %llu 4 -1 -1 4 7200 -1 1 %llu 1 -1 1 1 -1 -1",
                  static_cast<unsigned long long>(i + 1), static_cast<unsigned long long>(i * 3),
                  static_cast<unsigned long long>(60 + i % 3600),
                  static_cast<unsigned long long>(i % 500));
    s += b;
  });
  time_import(tmp / "log.swf", "swf", n);
}

}  // namespace
}  // namespace orrery::test
