// A write that fails part way (a full disk; here a file size limit, RLIMIT_FSIZE, which fails
// write() with EFBIG as a full disk fails it with ENOSPC) is an error naming the file, and the
// file keeps its previous complete version: no mocks, the real write path in a child process.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstring>

#include "orrery/scenario/scenario.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

struct ChildResult {
  int exit_code = -1;   // 0: write_file_atomic threw sim::InputError, 1: it returned
  std::string message;  // the error's text
};

// write_file_atomic(path, content) in a forked child whose files are limited to `limit` bytes.
ChildResult write_in_limited_child(const std::filesystem::path& path, const std::string& content,
                                   rlim_t limit) {
  ChildResult r;
  int fds[2];
  if (::pipe(fds) != 0) return r;
  const pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(3);
    int code = 1;
    std::string msg;
    try {
      scenario::write_file_atomic(path.string(), content);
    } catch (const sim::InputError& e) {
      code = 0;
      msg = e.what();
    }
    if (::write(fds[1], msg.data(), msg.size()) < 0) code = 4;
    ::_exit(code);
  }
  ::close(fds[1]);
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) r.message.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(WriteFileAtomic, FailedWriteKeepsThePreviousFileWholeAndNamesIt) {
  TempDir tmp;
  const auto path = tmp / "jobs.csv";
  const std::string old_content = "job_id,submit_s\na,0\n";
  scenario::write_file_atomic(path.string(), old_content);
  const rlim_t limit = 16 * 1024;
  // A larger file than the limit allows: the temporary's write fails part way.
  std::string big;
  while (big.size() <= 4 * limit) big += "job-with-a-long-name,12345.000\n";
  const ChildResult r = write_in_limited_child(path, big, limit);
  ASSERT_EQ(r.exit_code, 0) << "write_file_atomic did not report the failed write";
  EXPECT_NE(r.message.find(path.string()), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(std::strerror(EFBIG)), std::string::npos) << r.message;
  EXPECT_EQ(read_text(path), old_content) << "the previous version was not kept";
  EXPECT_TRUE(leftover_temporaries(tmp.path()).empty());
}

TEST(WriteFileAtomic, FailedFirstWriteLeavesNoFile) {
  TempDir tmp;
  const auto path = tmp / "summary.json";
  const rlim_t limit = 4096;
  const ChildResult r = write_in_limited_child(path, std::string(3 * limit, 'x'), limit);
  ASSERT_EQ(r.exit_code, 0) << "write_file_atomic did not report the failed write";
  EXPECT_NE(r.message.find(path.string()), std::string::npos) << r.message;
  EXPECT_FALSE(std::filesystem::exists(path)) << "a partial file was left under the real name";
  EXPECT_TRUE(leftover_temporaries(tmp.path()).empty());
}

TEST(WriteFileAtomic, WriteWithinTheLimitSucceedsInTheSameChild) {
  // The limit itself does not break writing: what fits is written whole and renamed into place.
  TempDir tmp;
  const auto path = tmp / "small.csv";
  const rlim_t limit = 4096;
  const std::string content(limit / 2, 'y');
  const ChildResult r = write_in_limited_child(path, content, limit);
  ASSERT_EQ(r.exit_code, 1) << r.message;
  EXPECT_EQ(read_text(path), content);
  EXPECT_TRUE(leftover_temporaries(tmp.path()).empty());
}

}  // namespace
}  // namespace orrery::test
