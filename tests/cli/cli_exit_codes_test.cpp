// The command line's contract: exit 0 on success, 2 on bad input with a message that names the
// problem and its location, never a crash.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace orrery::test {
namespace {

TEST(Cli, PoliciesListsEveryRegisteredPolicy) {
  const auto r = run_command(cli() + " policies");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* name :
       {"fifo", "fifo-skip", "sjf", "srtf", "easy-backfill", "pack", "spread", "consolidate"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << name;
  }
}

TEST(Cli, UnknownPolicyIsBadInputNamingTheKnownOnes) {
  TempDir tmp;
  const auto ex = source_dir() / "examples";
  const auto r = run_command(cli() + " simulate --cluster " + (ex / "cluster.json").string() +
                             " --trace " + (ex / "small-trace.csv").string() +
                             " --policy nosuch -o " + (tmp / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown policy 'nosuch'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fifo-skip"), std::string::npos) << r.output;
}

TEST(Cli, MissingRequiredOptionIsExitTwo) {
  const auto r = run_command(cli() + " simulate");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(Cli, HelpExitsZero) {
  for (const char* cmd :
       {" --help", " simulate --help", " validate --help", " trace convert --help"}) {
    const auto r = run_command(cli() + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  }
}

TEST(Cli, CalibrateCheckComparesAProfileOnASavedRunAndNamesABadFolder) {
  const auto data = source_dir() / "tests" / "calibrate" / "data";
  const std::string profile = " --profile " + (data / "saved-run-profile.json").string();
  auto r = run_command(cli() + " calibrate check" + profile + " " + (data / "saved-run").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unfitted"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the profile is closer"), std::string::npos) << r.output;
  TempDir tmp;
  r = run_command(cli() + " calibrate check" + profile + " " + tmp.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("calibration.json"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace orrery::test
