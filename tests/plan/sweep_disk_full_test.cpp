// Disk full while a sweep stores its runs, through the real binary: `orrery sweep --per-job` runs
// with its files limited in size (RLIMIT_FSIZE, SIGXFSZ ignored: SQLite's writes fail as on a
// full disk). The sweep must stop with an error naming the database, keep every run committed
// before (each whole, with all its jobs), and a rerun with room must finish the sweep.
#include <gtest/gtest.h>

#include "plan_test_support.hpp"

namespace orrery::plan {
namespace {

using orrery::test::CommandResult;
using orrery::test::run_with_file_size_limit;
using orrery::test::TempDir;

TEST(SweepDiskFull, StopsNamingTheDatabaseKeepsWholeRunsAndResumes) {
  if (orrery::test::cli().empty()) GTEST_SKIP() << "the orrery CLI was not built";
  TempDir tmp;
  const std::string spec = test::write_json(tmp / "spec.json", test::small_spec());
  const std::string db = (tmp / "results.sqlite").string();
  // The schema and the spec fit in the limit; the per-job rows of all 40 runs (300 jobs each)
  // do not.
  constexpr rlim_t kLimit = 192 * 1024;
  const std::vector<std::string> args = {orrery::test::cli(), "sweep",     spec, "-o", db,
                                         "--per-job",         "--threads", "2",  "-q"};

  const CommandResult full = run_with_file_size_limit(args, kLimit);
  EXPECT_GT(full.exit_code, 0) << "-1: killed by a signal\n" << full.output;
  EXPECT_NE(full.output.find(db), std::string::npos) << "the error must name the database:\n"
                                                     << full.output;
  EXPECT_NE(full.output.find("cannot store a finished run"), std::string::npos) << full.output;

  // What is there is a sound database holding only whole runs.
  ASSERT_TRUE(std::filesystem::exists(db));
  const auto check = test::sql_rows(db, "PRAGMA integrity_check");
  ASSERT_FALSE(check.empty());
  EXPECT_EQ(check[0][0], "ok");
  const long long stored = test::sql_count(db, "SELECT count(*) FROM runs");
  const long long total = test::sql_count(db, "SELECT value FROM meta WHERE key = 'runs_total'");
  EXPECT_GE(stored, 0);
  EXPECT_LT(stored, total) << "the limit did not stop the sweep: the test proves nothing";
  EXPECT_EQ(test::sql_count(db,
                            "SELECT count(*) FROM runs r WHERE json_extract(r.summary, '$.jobs') "
                            "<> (SELECT count(*) FROM jobs j WHERE j.run_key = r.run_key)"),
            0)
      << "a stored run lacks some of its jobs";

  // With room again, the same command resumes: every run once, none twice.
  const CommandResult again = run_with_file_size_limit(args, RLIM_INFINITY);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(test::sql_count(db, "SELECT count(*) FROM runs"), total);
  EXPECT_EQ(test::sql_count(db, "SELECT count(DISTINCT run_key) FROM runs"), total);
  EXPECT_EQ(test::sql_count(db, "SELECT count(*) FROM failures"), 0);
  EXPECT_EQ(test::sql_count(db,
                            "SELECT count(*) FROM runs r WHERE json_extract(r.summary, '$.jobs') "
                            "<> (SELECT count(*) FROM jobs j WHERE j.run_key = r.run_key)"),
            0);
}

}  // namespace
}  // namespace orrery::plan
