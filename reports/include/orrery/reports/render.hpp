// Rendering with Qt, offscreen: the application object, the font check, charts to SVG and PNG,
// and the paginated PDF.
//
//   auto app = ensure_application();   // QT_QPA_PLATFORM=offscreen unless set; null if one exists
//   check_fonts();                     // throws sim::InputError naming fonts-dejavu-core
//   std::string svg = render_svg(jct_cdf_chart(runs), {900, 420});
#pragma once

#include <QApplication>
#include <QChart>
#include <QImage>
#include <QRectF>
#include <QSize>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "orrery/reports/document.hpp"

namespace orrery::reports {

// A QApplication for offscreen rendering when none exists yet (the caller keeps it alive while
// rendering); null when the process already has one. Sets QT_QPA_PLATFORM=offscreen if unset.
std::unique_ptr<QApplication> ensure_application();

// The font every chart and the PDF use. Throws sim::InputError when no usable font is installed
// (charts would silently render empty boxes), naming the package to install.
QString check_fonts();
inline constexpr const char* kFontPackage = "fonts-dejavu-core";

// Renders and deletes `chart`. SVG text, or a PNG of size x scale pixels.
std::string render_svg(QChart* chart, QSize size);
// Drops the empty groups QSvgGenerator writes (same picture, far smaller).
std::string compact_svg(const std::string& svg);
QImage render_image(QChart* chart, QSize size, double scale = 2.0);
std::string png_bytes(const QImage& image);

// Where each chart landed in the PDF, for tests that look at the rendered pages.
struct PdfChartPlacement {
  std::string id;
  int page = 0;  // 0-based
  QRectF rect;   // in fractions of the page (0..1)
};
struct PdfLayout {
  int pages = 0;
  std::vector<PdfChartPlacement> charts;
};

// Writes the document as a paginated A4 PDF with vector charts built by make_chart; tables wider
// than seven columns are transposed or split (fit_columns).
PdfLayout write_pdf(const Document& doc, const std::vector<RunData>& runs,
                    const std::vector<LoadedInput>& inputs, const std::string& path,
                    const QString& font_family);

}  // namespace orrery::reports
