// Writers that lay a Document out as HTML (one self-contained file) and Markdown. No Qt: the
// charts arrive already rendered (SVG or PNG bytes for HTML, file paths for Markdown).
//
//   std::map<std::string, EmbeddedChart> charts = {{"jct-cdf", {"image/svg+xml", svg, 900, 420}}};
//   std::string html = write_html(doc, charts);
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "orrery/reports/document.hpp"

namespace orrery::reports {

struct EmbeddedChart {
  std::string mime;   // "image/svg+xml" or "image/png"
  std::string bytes;  // the image file's content
  int width = 0;      // intrinsic size in CSS pixels
  int height = 0;
};

// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view s);
// Escapes Markdown syntax (and HTML, which Markdown passes through) so the text renders as
// itself; line breaks become spaces.
std::string markdown_escape(std::string_view s);
std::string base64(std::string_view bytes);

// One HTML file with inline styles and data-URI charts: opens with no network access.
std::string write_html(const Document& doc, const std::map<std::string, EmbeddedChart>& charts);
// Markdown; `chart_files` maps a chart id to the image path relative to the .md file.
std::string write_markdown(const Document& doc,
                           const std::map<std::string, std::string>& chart_files);

}  // namespace orrery::reports
