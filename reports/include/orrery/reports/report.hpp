// `orrery report` as a library call: read the inputs, build the document, render the charts
// offscreen and write HTML (always), PDF and Markdown (on request), and every table as CSV and
// JSON in a folder beside the HTML.
//
//   ReportOptions o;
//   o.inputs = {"out/"};
//   o.html = "report.html";          // also report-data/ (tables, document.json, charts)
//   ReportResult r = write_report(o);
#pragma once

#include <string>
#include <vector>

#include "orrery/reports/document.hpp"
#include "orrery/reports/render.hpp"

namespace orrery::reports {

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string html;  // required
  std::string pdf;   // empty: no PDF
  bool markdown = false;
  std::string title;
  std::string baseline;
  std::string generated;  // shown in the subtitle ("2024-05-01 14:03 UTC"); empty: not shown
};

struct ReportResult {
  std::vector<std::string> files;  // everything written
  std::string data_dir;            // the folder of tables beside the HTML
  Document document;
  PdfLayout pdf;  // where the charts are in the PDF
};

// The folder beside `html` for tables and chart images: "report.html" -> "report-data".
std::string data_dir_for(const std::string& html);

// Needs a QApplication (ensure_application). Throws sim::InputError for bad input or missing
// fonts.
ReportResult write_report(const ReportOptions& options);

}  // namespace orrery::reports
