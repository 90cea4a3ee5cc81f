// `orrery report` from the command line: the files it promises, escaping of what the user
// types, exit codes for bad input, the font check, and the offscreen default.
#include <gtest/gtest.h>

#include "report_test_support.hpp"

namespace orrery::test {
namespace {

namespace fs = std::filesystem;

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

TEST(ReportCli, HelpNamesTheInputKinds) {
  const auto r = run_command(cli() + " report --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("simulate"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--pdf"), std::string::npos) << r.output;
}

TEST(ReportCli, WritesHtmlPdfMarkdownAndTables) {
  ASSERT_FALSE(example_output().empty());
  TempDir tmp;
  // Without QT_QPA_PLATFORM: the command renders offscreen by itself.
  const auto r = run_command("env -u QT_QPA_PLATFORM -u DISPLAY " + cli() + " report " +
                             q(example_output()) + " -o " + q(tmp / "out" / "r.html") + " --pdf " +
                             q(tmp / "out" / "r.pdf") + " --md --title 'Q3 <review> & \"plan\"'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("r.html"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("XDG_RUNTIME_DIR"), std::string::npos) << r.output;
  for (const char* f :
       {"out/r.html", "out/r.pdf", "out/r.md", "out/r-data/metrics.csv", "out/r-data/metrics.json",
        "out/r-data/document.json", "out/r-data/charts/wait-cdf.png"}) {
    EXPECT_TRUE(fs::exists(tmp / f)) << f;
  }
  const std::string html = read_text(tmp / "out" / "r.html");
  EXPECT_NE(html.find("<title>Q3 &lt;review&gt; &amp; &quot;plan&quot;</title>"),
            std::string::npos);
  const std::string md = read_text(tmp / "out" / "r.md");
  EXPECT_NE(md.find("# Q3 &lt;review&gt; &amp; \"plan\""), std::string::npos) << md.substr(0, 200);
}

TEST(ReportCli, BadInputIsExitTwoWithTheReason) {
  TempDir tmp;
  auto r = run_command(cli() + " report " + q(tmp / "nosuch") + " -o " + q(tmp / "r.html"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no such file or folder"), std::string::npos) << r.output;
  r = run_command(cli() + " report " + q(tmp.path()) + " -o " + q(tmp / "r.html"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("known inputs"), std::string::npos) << r.output;
  r = run_command(cli() + " report " + q(example_output()) + " --baseline nosuch -o " +
                  q(tmp / "r.html"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no run named 'nosuch'"), std::string::npos) << r.output;
  r = run_command(cli() + " report " + q(example_output()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(ReportCli, MissingFontsFailLoudlyNamingThePackage) {
  TempDir tmp;
  // A fontconfig configuration with no font folders: what a machine without fonts looks like.
  write_text(tmp / "fonts.conf",
             "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n"
             "<fontconfig><cachedir>" +
                 (tmp / "cache").string() + "</cachedir></fontconfig>\n");
  const auto r = run_command("FONTCONFIG_FILE=" + q(tmp / "fonts.conf") + " " + cli() + " report " +
                             q(example_output()) + " -o " + q(tmp / "r.html"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("fonts-dejavu-core"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp / "r.html"));
}

}  // namespace
}  // namespace orrery::test
