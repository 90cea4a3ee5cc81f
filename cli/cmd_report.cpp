// `orrery report`: turns results (simulate output folders, sweep databases, plan results,
// calibration result folders) into a report for people who were not in the room: one self-contained
// HTML file, optionally a PDF and Markdown, and every table as CSV and JSON beside it. Built with
// the Qt parts (ORRERY_BUILD_GUI); without them the command is still listed and says how to get it.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "orrery/sim/problems.hpp"

#ifdef ORRERY_HAVE_REPORTS
#include "orrery/reports/report.hpp"
#include "orrery/reports/results.hpp"
#endif

namespace orrery::cli {

namespace {

struct ReportArgs {
  std::vector<std::string> inputs;
  std::string out, pdf, title, baseline;
  bool markdown = false, quiet = false;
};

#ifdef ORRERY_HAVE_REPORTS
// "2024-05-01 14:03 UTC"; SOURCE_DATE_EPOCH (reproducible builds) fixes it.
std::string generated_at() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    const long long v = std::strtoll(epoch, &end, 10);
    if (end && *end == '\0') t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}
#endif

int report(const ReportArgs& a) {
#ifdef ORRERY_HAVE_REPORTS
  auto app = reports::ensure_application();
  reports::ReportOptions o;
  o.inputs = a.inputs;
  o.html = a.out;
  o.pdf = a.pdf;
  o.markdown = a.markdown;
  o.title = a.title;
  o.baseline = a.baseline;
  o.generated = generated_at();
  const auto start = std::chrono::steady_clock::now();
  const reports::ReportResult r = reports::write_report(o);
  if (!a.quiet) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << fmt::format("Report: {}\n", std::filesystem::absolute(a.out).string());
    if (!a.pdf.empty())
      std::cout << fmt::format("PDF:    {} ({} pages)\n", std::filesystem::absolute(a.pdf).string(),
                               r.pdf.pages);
    if (a.markdown) {
      std::filesystem::path md(a.out);
      md.replace_extension(".md");
      std::cout << fmt::format("Markdown: {}\n", std::filesystem::absolute(md).string());
    }
    std::cout << fmt::format("Tables (CSV, JSON): {}\n",
                             std::filesystem::absolute(r.data_dir).string());
    for (const std::string& n : r.document.notes) std::cerr << "note: " << n << "\n";
    std::cerr << fmt::format("orrery: report written in {:.2f} s\n", s);
  }
  return 0;
#else
  (void)a;
  throw sim::InputError("report",
                        "this orrery was built without the Qt parts (ORRERY_BUILD_GUI=OFF); "
                        "rebuild with -DORRERY_BUILD_GUI=ON (Debian: qt6-base-dev qt6-charts-dev "
                        "qt6-svg-dev) to write reports");
#endif
}

}  // namespace

Command add_report(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto& a = *args;
  CLI::App* c = app.add_subcommand("report", "Write a report (HTML, PDF, Markdown) from results");
  std::string kinds;
#ifdef ORRERY_HAVE_REPORTS
  for (const auto& r : reports::input_readers()) kinds += "\n  " + r->describe();
#else
  kinds = "\n  (not built: needs the Qt parts)";
#endif
  c->description(
      "Turn results into a report to hand on: one self-contained HTML file (charts inline, opens\n"
      "with no network), optionally a paginated PDF and Markdown, and every table as CSV and JSON\n"
      "in a folder beside the HTML (report.html -> report-data/). Several inputs are compared\n"
      "in one report. See docs/reports.md. Inputs:" +
      kinds);
  c->add_option(
       "inputs", a.inputs,
       "Results to report on: simulate folders, sweep databases, plan results, calibration folders")
      ->required();
  c->add_option("-o,--out", a.out, "HTML file to write (created with its folder)")->required();
  c->add_option("--pdf", a.pdf, "Also write this PDF (A4)");
  c->add_flag("--md", a.markdown, "Also write Markdown beside the HTML (report.md)");
  c->add_option("--title", a.title, "Report title (default: from the scenario name)");
  c->add_option("--baseline", a.baseline,
                "Run the findings compare against (default: the first policy)");
  c->add_flag("-q,--quiet", a.quiet, "Print nothing on success");
  return {c, [args]() { return report(*args); }};
}

}  // namespace orrery::cli
