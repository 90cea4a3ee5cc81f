// The example report rendered for real: every section present, the numbers equal to
// summary.json, a self-contained HTML file, and charts that are not blank, both in the PDF pages
// (pdftoppm) and in the HTML as headless Chromium draws it.
#include <gtest/gtest.h>

#include <QByteArray>
#include <QImage>
#include <cmath>
#include <fstream>

#include "orrery/reports/analysis.hpp"
#include "orrery/reports/charts.hpp"
#include "orrery/reports/report.hpp"
#include "orrery/reports/writers.hpp"
#include "orrery/traces/csv.hpp"
#include "report_test_support.hpp"

namespace orrery::test {
namespace {

using namespace orrery::reports;
using nlohmann::json;
namespace fs = std::filesystem;

struct ExampleReport {
  fs::path dir;
  ReportResult result;
  std::string html;
  std::string markdown;
};

// The example's report (HTML, PDF, Markdown), written once for all tests here.
const ExampleReport& example_report() {
  static ScopedFolder folder(fs::temp_directory_path() /
                             ("orrery-report-render-" + std::to_string(::getpid())));
  static const ExampleReport report = [] {
    ensure_qt();
    ExampleReport r;
    r.dir = folder.path();
    ReportOptions o;
    o.inputs = {example_output().string()};
    o.html = (r.dir / "report.html").string();
    o.pdf = (r.dir / "report.pdf").string();
    o.markdown = true;
    r.result = write_report(o);
    r.html = read_text(r.dir / "report.html");
    r.markdown = read_text(r.dir / "report.md");
    return r;
  }();
  return report;
}

bool has_tool(const std::string& name) {
  return run_command("command -v " + name).exit_code == 0;
}

// The <table id="table-ID"> element's HTML.
std::string table_html(const std::string& html, const std::string& id) {
  const auto start = html.find("<table id=\"table-" + id + "\">");
  if (start == std::string::npos) return {};
  const auto end = html.find("</table>", start);
  return html.substr(start, end - start);
}

// The row of a table whose first cell is `label` (after its colour swatch).
std::string row_html(const std::string& table, const std::string& label) {
  const std::string key = "</span>" + html_escape(label) + "</td>";
  const auto at = table.find(key);
  if (at == std::string::npos) return {};
  const auto start = table.rfind("<tr>", at);
  const auto end = table.find("</tr>", at);
  return table.substr(start, end - start);
}

void flatten(const json& j, const std::string& prefix, std::map<std::string, double>& out) {
  for (const auto& [k, v] : j.items()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_number()) out[key] = v.get<double>();
    if (v.is_object()) flatten(v, key, out);
  }
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_text(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    traces::split_csv(line, f);
    rows.push_back(f);
  }
  return rows;
}

TEST(ReportRender, EverySectionChartAndTableIsPresent) {
  const auto& r = example_report();
  for (const char* id :
       {"findings", "scenario", "results", "distributions", "over-time", "fairness", "details"}) {
    EXPECT_NE(r.html.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
  }
  for (const char* id : {"jct-cdf", "wait-cdf", "utilization", "queue", "tenant-jct"}) {
    EXPECT_NE(r.html.find("id=\"chart-" + std::string(id) + "\""), std::string::npos) << id;
  }
  for (const Table* t : all_tables(r.result.document)) {
    if (!t->export_only) {
      EXPECT_NE(r.html.find("id=\"table-" + t->id + "\""), std::string::npos) << t->id;
      EXPECT_NE(r.markdown.find("### " + markdown_escape(t->title)), std::string::npos) << t->id;
    }
    EXPECT_TRUE(fs::exists(fs::path(r.result.data_dir) / (t->id + ".csv"))) << t->id;
    EXPECT_TRUE(fs::exists(fs::path(r.result.data_dir) / (t->id + ".json"))) << t->id;
  }
  for (const char* title : {"GPU demand mix", "Cluster", "Policies compared", "Input files",
                            "Job completion time (JCT)", "Wait before first start",
                            "Fairness by policy", "Mean JCT per user and policy"}) {
    EXPECT_NE(r.html.find(std::string(">") + title + "</h3>"), std::string::npos) << title;
  }
  // Scenario facts from manifest.json.
  for (const char* fact : {"examples/small-trace.csv", "example-64: 64 GPUs in 2 pools", "A100-80",
                           "V100", "5 users, 3 queues", "pack", "0.1.0",
                           "a2328a5699e745154e3b8796fb9f5e76eada66f4c550a93d5880c6c440af8a35"}) {
    EXPECT_NE(r.html.find(fact), std::string::npos) << fact;
  }
  EXPECT_NE(r.markdown.find("## Key findings"), std::string::npos);
  EXPECT_NE(r.markdown.find("![Job completion time (JCT), cumulative]"), std::string::npos);
  EXPECT_TRUE(fs::exists(fs::path(r.result.data_dir) / "charts" / "jct-cdf.png"));
  // Five charts of the runs, fragmentation, and a GPU allocation heat map per policy.
  EXPECT_EQ(r.result.pdf.charts.size(), 11U);
  for (const char* id : {"fragmentation", "allocation-0", "allocation-4"}) {
    EXPECT_NE(r.html.find("id=\"chart-" + std::string(id) + "\""), std::string::npos) << id;
  }
  EXPECT_NE(r.html.find("id=\"table-fragmentation\""), std::string::npos);
}

TEST(ReportRender, NumbersEqualSummaryJson) {
  const auto& r = example_report();
  const auto csv = read_csv(fs::path(r.result.data_dir) / "metrics.csv");
  ASSERT_EQ(csv.size(), 6U);  // header + 5 policies
  const auto& header = csv[0];
  std::vector<RunData> runs;
  for (const auto& row : std::vector<std::vector<std::string>>(csv.begin() + 1, csv.end())) {
    const fs::path folder = example_output() / row[0];
    const json summary = json::parse(read_text(folder / "summary.json"));
    std::map<std::string, double> numbers;
    flatten(summary, "", numbers);
    ASSERT_EQ(header.size(), numbers.size() + 1) << row[0];
    for (std::size_t c = 1; c < header.size(); ++c) {
      ASSERT_TRUE(numbers.count(header[c])) << header[c];
      // Exact: the CSV carries the shortest text that reads back as the same double.
      EXPECT_EQ(std::stod(row[c]), numbers[header[c]]) << row[0] << " " << header[c];
    }
    RunData run;
    run.label = row[0];
    run.summary = summary;
    runs.push_back(run);
  }
  // The HTML shows each of them, formatted, in the policy's row of its table.
  const auto metrics = discover_metrics(runs);
  int checked = 0;
  for (const MetricDef& m : metrics) {
    std::string id = "metrics-";
    for (char ch : m.group) {
      const auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c)) {
        id += static_cast<char>(std::tolower(c));
      } else if (id.back() != '-') {
        id += '-';
      }
    }
    while (id.back() == '-') id.pop_back();
    const std::string table = table_html(r.html, id);
    ASSERT_FALSE(table.empty()) << id;
    for (const RunData& run : runs) {
      const std::string row = row_html(table, run.label);
      ASSERT_FALSE(row.empty()) << id << " " << run.label;
      const std::string shown = html_escape(format_value(*run.metric(m.key), m.unit)) + "</td>";
      EXPECT_NE(row.find(">" + shown), std::string::npos) << m.key << " " << run.label << "\n"
                                                          << row;
      ++checked;
    }
  }
  EXPECT_GE(checked, 5 * 19);
}

TEST(ReportRender, HtmlIsOneSelfContainedFile) {
  const auto& r = example_report();
  for (const char* bad :
       {"<script", "<link", "src=\"http", "src='http", "url(", "@import", "<iframe"}) {
    EXPECT_EQ(r.html.find(bad), std::string::npos) << bad;
  }
  std::size_t images = 0;
  for (std::size_t at = r.html.find("<img"); at != std::string::npos;
       at = r.html.find("<img", at + 1)) {
    const auto src = r.html.find("src=\"", at);
    EXPECT_EQ(r.html.compare(src + 5, 11, "data:image/"), 0);
    ++images;
  }
  EXPECT_EQ(images, 11U);
}

TEST(ReportRender, ChartSvgsDrawEveryPolicyInItsColour) {
  const auto& r = example_report();
  const std::string marker = "data:image/svg+xml;base64,";
  std::size_t charts = 0;
  for (std::size_t at = r.html.find(marker); at != std::string::npos;
       at = r.html.find(marker, at + 1)) {
    const auto start = at + marker.size();
    const auto end = r.html.find('"', start);
    const QByteArray svg =
        QByteArray::fromBase64(QByteArray::fromStdString(r.html.substr(start, end - start)));
    const std::string s = svg.toStdString();
    EXPECT_NE(s.find("<svg"), std::string::npos);
    // A heat map draws one run in shades of blue, not the runs' colours.
    const auto figure = r.html.rfind("id=\"chart-", at);
    if (r.html.compare(figure, 21, "id=\"chart-allocation-") == 0) continue;
    for (std::size_t i = 0; i < 5; ++i) {
      EXPECT_NE(s.find(series_color(i)), std::string::npos) << "chart " << charts << " run " << i;
    }
    ++charts;
  }
  EXPECT_EQ(charts, 6U);
}

TEST(ReportRender, BlankChartDetectorTellsEmptyFromDrawn) {
  // The pixel checks below are only worth something if an empty chart fails them.
  ensure_qt();
  std::vector<RunData> runs;
  runs.push_back(read_input(example_output() / "fifo").runs.front());
  const QImage drawn = render_image(jct_cdf_chart(runs), {kChartWidth, kChartHeight}, 1.0);
  runs.front().jobs.clear();
  const QImage empty = render_image(jct_cdf_chart(runs), {kChartWidth, kChartHeight}, 1.0);
  EXPECT_GT(count_pixels(drawn, drawn.rect()).colored, 800);
  EXPECT_LT(count_pixels(empty, empty.rect()).colored, 50);
  EXPECT_GT(count_pixels(empty, empty.rect()).non_white, 500);  // axes and labels
}

TEST(ReportRender, PdfPagesShowEveryChart) {
  if (!has_tool("pdftoppm")) GTEST_SKIP() << "pdftoppm (poppler-utils) is not installed";
  const auto& r = example_report();
  const fs::path pdf = r.dir / "report.pdf";
  const std::string head = read_text(pdf).substr(0, 5);
  ASSERT_EQ(head, "%PDF-");
  const auto conv =
      run_command("pdftoppm -r 60 -png '" + pdf.string() + "' '" + (r.dir / "page").string() + "'");
  ASSERT_EQ(conv.exit_code, 0) << conv.output;
  const PdfLayout& layout = r.result.pdf;
  EXPECT_GE(layout.pages, 3);
  std::vector<QImage> pages;
  for (int p = 1; p <= layout.pages; ++p) {
    // pdftoppm names pages page-1.png or page-01.png depending on the count.
    QImage img;
    for (const std::string& name :
         {"page-" + std::to_string(p) + ".png", "page-0" + std::to_string(p) + ".png"}) {
      if (fs::exists(r.dir / name)) img.load(QString::fromStdString((r.dir / name).string()));
    }
    ASSERT_FALSE(img.isNull()) << "page " << p;
    // Every page has content (no blank page from a bad break).
    EXPECT_GT(count_pixels(img, img.rect()).non_white, img.width() * img.height() / 100)
        << "page " << p;
    pages.push_back(img);
  }
  ASSERT_EQ(layout.charts.size(), 11U);
  for (const PdfChartPlacement& c : layout.charts) {
    ASSERT_LT(c.page, static_cast<int>(pages.size()));
    const QImage& img = pages[static_cast<std::size_t>(c.page)];
    const QRect area(static_cast<int>(c.rect.left() * img.width()),
                     static_cast<int>(c.rect.top() * img.height()),
                     static_cast<int>(c.rect.width() * img.width()),
                     static_cast<int>(c.rect.height() * img.height()));
    const PixelCount n = count_pixels(img, area);
    EXPECT_GT(area.width(), img.width() / 2) << c.id;
    EXPECT_GT(n.non_white, n.total / 50) << c.id;
    EXPECT_GT(n.colored, 150) << c.id << ": no series colours where the chart should be";
  }
}

TEST(ReportRender, HtmlChartsAreDrawnByHeadlessChromium) {
  if (!has_tool("chromium")) {
    GTEST_SKIP() << "chromium is not installed (Debian package 'chromium'); the HTML rendering "
                    "check is skipped";
  }
  const auto& r = example_report();
  // The same report with everything but the chart images hidden (layout unchanged), so the
  // chart regions are the only non-white bands of the screenshot.
  std::string only_charts = r.html;
  only_charts.replace(only_charts.find("</style>"), 8,
                      "body,main{background:#fff!important} body *{visibility:hidden!important}"
                      " figure img{visibility:visible!important;border:0!important}</style>");
  write_text(r.dir / "charts-only.html", only_charts);
  const auto shot = [&](const std::string& page, const std::string& png) {
    const fs::path profile = r.dir / ("chromium-profile-" + png);
    fs::create_directories(profile);
    return run_command(
        "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--hide-scrollbars --user-data-dir='" +
        profile.string() + "' --screenshot='" + (r.dir / png).string() +
        "' --window-size=1100,16000 'file://" + (r.dir / page).string() + "'");
  };
  const auto a = shot("charts-only.html", "charts-only.png");
  ASSERT_TRUE(fs::exists(r.dir / "charts-only.png")) << a.output;
  QImage img(QString::fromStdString((r.dir / "charts-only.png").string()));
  ASSERT_FALSE(img.isNull());
  // Bands of rows with content, separated by white rows.
  std::vector<std::pair<int, int>> bands;
  int start = -1;
  for (int y = 0; y < img.height(); ++y) {
    const bool content = count_pixels(img, QRect(0, y, img.width(), 1)).non_white > 3;
    if (content && start < 0) start = y;
    if (!content && start >= 0) {
      if (y - start > 100) bands.push_back({start, y});
      start = -1;
    }
  }
  ASSERT_EQ(bands.size(), 11U) << "expected one band per chart";
  for (const auto& [top, bottom] : bands) {
    const PixelCount n = count_pixels(img, QRect(0, top, img.width(), bottom - top));
    EXPECT_GT(n.colored, 1500) << "chart at y=" << top << " has no series drawn";
    EXPECT_GT(n.non_white, n.total / 40) << "chart at y=" << top;
  }
  // The page as a reader sees it: styled (the findings box's tint) and not blank.
  const auto b = shot("report.html", "report.png");
  ASSERT_TRUE(fs::exists(r.dir / "report.png")) << b.output;
  QImage page(QString::fromStdString((r.dir / "report.png").string()));
  long tint = 0;
  const QImage top = page.copy(0, 0, page.width(), 600).convertToFormat(QImage::Format_RGB32);
  for (int y = 0; y < top.height(); ++y) {
    for (int x = 0; x < top.width(); ++x) {
      const QRgb c = top.pixel(x, y);
      if (std::abs(qRed(c) - 0xee) < 4 && std::abs(qGreen(c) - 0xf4) < 4 &&
          std::abs(qBlue(c) - 0xfb) < 4)
        ++tint;
    }
  }
  EXPECT_GT(tint, 20000) << "the findings box is not styled: inline CSS not applied?";
}

}  // namespace
}  // namespace orrery::test
