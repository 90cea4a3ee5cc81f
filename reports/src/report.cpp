#include "orrery/reports/report.hpp"

#include <filesystem>
#include <fstream>

#include "orrery/reports/charts.hpp"
#include "orrery/reports/writers.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::reports {

namespace fs = std::filesystem;

namespace {

const QSize kChartSize(kChartWidth, kChartHeight);

// Tables and chart images beside the report: written whole through a temporary file and a
// rename (no fsync: they are regenerated with the report).
void write_plain(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw sim::InputError(path.string(), "cannot write (disk full or not writable?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw sim::InputError(path.string(), "cannot rename into place: " + ec.message());
}

void ensure_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw sim::InputError(dir.string(), "cannot create the folder: " + ec.message());
}

}  // namespace

std::string data_dir_for(const std::string& html) {
  const fs::path p(html);
  return (p.parent_path() / (p.stem().string() + "-data")).string();
}

ReportResult write_report(const ReportOptions& o) {
  sim::Problems problems;
  if (o.inputs.empty()) problems.add("INPUT", "at least one input is required");
  if (o.html.empty()) problems.add("-o", "an output HTML file is required");
  problems.throw_if_any();

  std::vector<LoadedInput> inputs;
  for (const std::string& in : o.inputs) inputs.push_back(read_input(in));
  std::vector<RunData> runs = merge_runs(inputs);
  const QString family = check_fonts();

  ReportResult result;
  DocumentOptions dopt;
  dopt.title = o.title;
  dopt.baseline = o.baseline;
  dopt.generated = o.generated;
  result.document = build_document(runs, inputs, dopt);
  const Document& doc = result.document;

  const fs::path html(o.html);
  if (html.has_parent_path()) ensure_dir(html.parent_path());
  const fs::path data = data_dir_for(o.html);
  result.data_dir = data.string();
  ensure_dir(data);
  // The report itself is synced to disk; the files beside it are plain writes.
  auto save = [&](const fs::path& p, const std::string& content) {
    scenario::write_file_atomic(p.string(), content);
    result.files.push_back(p.string());
  };
  auto save_data = [&](const fs::path& p, const std::string& content) {
    write_plain(p, content);
    result.files.push_back(p.string());
  };

  ChartStyle style;
  style.font_family = family;
  style.show_title = false;  // the HTML and Markdown print the title above the chart
  std::map<std::string, EmbeddedChart> embedded;
  std::map<std::string, std::string> chart_files;
  const fs::path charts_dir = data / "charts";
  for (const ChartSlot* c : all_charts(doc)) {
    const std::string svg = render_svg(make_chart(*c, runs, inputs, style), kChartSize);
    embedded[c->id] = {"image/svg+xml", svg, kChartSize.width(), kChartSize.height()};
    if (o.markdown) {
      ensure_dir(charts_dir);
      save_data(charts_dir / (c->id + ".png"),
                png_bytes(render_image(make_chart(*c, runs, inputs, style), kChartSize, 2.0)));
      chart_files[c->id] =
          (fs::path(data.filename()) / "charts" / (c->id + ".png")).generic_string();
    }
  }

  save(html, write_html(doc, embedded));
  for (const Table* t : all_tables(doc)) {
    save_data(data / (t->id + ".csv"), table_csv(*t));
    save_data(data / (t->id + ".json"), table_json(*t).dump(2) + "\n");
  }
  save_data(data / "document.json", document_json(doc).dump(2) + "\n");
  if (o.markdown) {
    fs::path md = html;
    md.replace_extension(".md");
    save(md, write_markdown(doc, chart_files));
  }
  if (!o.pdf.empty()) {
    const fs::path pdf(o.pdf);
    if (pdf.has_parent_path()) ensure_dir(pdf.parent_path());
    result.pdf = write_pdf(doc, runs, inputs, o.pdf, family);
    result.files.push_back(o.pdf);
  }
  return result;
}

}  // namespace orrery::reports
