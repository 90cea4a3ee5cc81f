// Disk full while writing results, through the real binary: `orrery simulate` runs with its
// files limited in size (RLIMIT_FSIZE with SIGXFSZ ignored: write() fails with EFBIG, as it
// fails with ENOSPC on a full disk). It must exit non-zero naming the file, and every result
// file must be either the previous complete version or absent, with no temporaries left.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "test_support.hpp"

namespace orrery::test {
namespace {

// A native trace of `jobs` one-GPU jobs of 10 s, one a second.
void write_trace(const std::filesystem::path& p, int jobs) {
  std::string t = "job_id,submit_s,gpus_per_task,duration_s\n";
  for (int i = 0; i < jobs; ++i)
    t += "job-" + std::to_string(i) + "," + std::to_string(i) + ",1,10\n";
  write_text(p, t);
}

std::map<std::string, std::string> files_in(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file())
      out[std::filesystem::relative(e.path(), dir).string()] = read_text(e.path());
  }
  return out;
}

TEST(CliDiskFull, SimulateReportsTheFileAndKeepsThePreviousResults) {
  if (cli().empty()) GTEST_SKIP() << "the orrery CLI was not built";
  TempDir tmp;
  const auto out = tmp / "out";
  const std::string cluster = (source_dir() / "examples/cluster.json").string();
  constexpr rlim_t kLimit = 256 * 1024;
  // Small: every result file is far under the limit. Big: jobs.csv has a row of more than 30
  // bytes per job, several times the limit, so it is streamed in pieces and fails part way.
  write_trace(tmp / "small.csv", 10);
  constexpr int kBigJobs = 40'000;
  static_assert(kBigJobs * 30 > 4 * kLimit);
  write_trace(tmp / "big.csv", kBigJobs);

  auto simulate = [&](const std::string& trace) {
    return std::vector<std::string>{cli(),     "simulate", "--cluster", cluster,
                                    "--trace", trace,      "--policy",  "fifo",
                                    "-q",      "-o",       out.string()};
  };
  const CommandResult first =
      run_with_file_size_limit(simulate((tmp / "small.csv").string()), RLIM_INFINITY);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto before = files_in(out);
  ASSERT_TRUE(before.count("jobs.csv")) << "simulate wrote no jobs.csv";
  for (const auto& [name, content] : before) ASSERT_LT(content.size(), kLimit) << name;

  const CommandResult full = run_with_file_size_limit(simulate((tmp / "big.csv").string()), kLimit);
  EXPECT_GT(full.exit_code, 0) << "a failed write must fail the command (-1: killed by a signal)\n"
                               << full.output;
  EXPECT_NE(full.output.find((out / "jobs.csv").string()), std::string::npos)
      << "the error must name the file being written:\n"
      << full.output;
  // Nothing half-written under a result's name: the same files, each its previous version.
  EXPECT_EQ(files_in(out), before);
  EXPECT_TRUE(leftover_temporaries(out).empty());

  // The limit was the only reason: without it the same command writes the big results whole.
  const CommandResult again =
      run_with_file_size_limit(simulate((tmp / "big.csv").string()), RLIM_INFINITY);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const std::string jobs = read_text(out / "jobs.csv");
  EXPECT_GT(jobs.size(), kLimit);
  EXPECT_EQ(static_cast<int>(std::count(jobs.begin(), jobs.end(), '\n')), kBigJobs + 1);
}

}  // namespace
}  // namespace orrery::test
