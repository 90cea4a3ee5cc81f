#include "orrery/reports/render.hpp"

#include <QBuffer>
#include <QCoreApplication>
#include <QFontDatabase>
#include <QFontMetrics>
#include <QGraphicsScene>
#include <QPainter>
#include <QSvgGenerator>
#include <cstdlib>
#include <string>
#include <vector>

#include "chart_scene.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::reports {

namespace {

QtMessageHandler g_previous_handler = nullptr;

// Qt's note that XDG_RUNTIME_DIR is unset (usual in CI and containers) is noise for a command
// line tool that only renders offscreen; everything else goes to the previous handler.
void filter_messages(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  if (message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set"))) return;
  if (g_previous_handler) g_previous_handler(type, context, message);
}

}  // namespace

std::unique_ptr<QApplication> ensure_application() {
  if (QCoreApplication::instance()) return nullptr;
  if (!std::getenv("QT_QPA_PLATFORM")) ::setenv("QT_QPA_PLATFORM", "offscreen", 0);
  g_previous_handler = qInstallMessageHandler(filter_messages);
  static int argc = 1;
  static char name[] = "orrery";
  static char* argv[] = {name, nullptr};
  return std::make_unique<QApplication>(argc, argv);
}

QString check_fonts() {
  const QString preferred = QStringLiteral("DejaVu Sans");
  const QStringList families = QFontDatabase::families(QFontDatabase::Latin);
  QString chosen;
  if (families.contains(preferred)) {
    chosen = preferred;
  } else {
    for (const QString& f : families) {
      if (!QFontDatabase::isPrivateFamily(f)) {
        chosen = f;
        break;
      }
    }
  }
  if (!chosen.isEmpty()) {
    const QFontMetrics m{QFont(chosen)};
    if (m.inFontUcs4('A') && m.inFontUcs4('0') && m.horizontalAdvance(QStringLiteral("A")) > 0)
      return chosen;
  }
  throw sim::InputError(
      "fonts", std::string("no usable font is installed, so the charts would render as empty "
                           "boxes; install the Debian package ") +
                   kFontPackage + " (apt-get install " + kFontPackage + ")");
}

namespace {

// `<polyline fill="none" vector-effect="none" points="x,y x,y " />` -> its point tokens.
bool polyline_points(const std::string& line, std::vector<std::string>& points) {
  static const std::string kHead = "<polyline fill=\"none\" vector-effect=\"none\" points=\"";
  static const std::string kTail = "\" />";
  if (line.compare(0, kHead.size(), kHead) != 0 || line.size() < kHead.size() + kTail.size() ||
      line.compare(line.size() - kTail.size(), kTail.size(), kTail) != 0)
    return false;
  points.clear();
  const std::string body = line.substr(kHead.size(), line.size() - kHead.size() - kTail.size());
  std::size_t i = 0;
  while (i < body.size()) {
    const std::size_t sp = body.find(' ', i);
    const std::size_t end = sp == std::string::npos ? body.size() : sp;
    if (end > i) points.push_back(body.substr(i, end - i));
    i = end + 1;
  }
  return !points.empty();
}

}  // namespace

std::string compact_svg(const std::string& svg) {
  // QSvgGenerator writes a <g> with the whole painter state at every state change, most of them
  // empty, and a line series as one <polyline> per segment. Drop the empty groups and join
  // segments that continue each other: the same picture at a fraction of the size.
  std::vector<std::string> lines;
  {
    std::size_t i = 0;
    while (i <= svg.size()) {
      const std::size_t nl = svg.find('\n', i);
      const std::size_t end = nl == std::string::npos ? svg.size() : nl;
      std::string line = svg.substr(i, end - i);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      if (nl == std::string::npos) break;
      i = nl + 1;
    }
  }
  std::string out;
  out.reserve(svg.size() / 2);
  std::vector<std::string> pending, points;
  auto flush = [&]() {
    if (pending.empty()) return;
    out += "<polyline fill=\"none\" vector-effect=\"none\" points=\"";
    for (std::size_t k = 0; k < pending.size(); ++k) {
      if (k) out += ' ';
      out += pending[k];
    }
    out += "\" />\n";
    pending.clear();
  };
  // A group opens on a line starting "<g" and closes after the line ending ">"; it is empty
  // when "</g>" follows right after (blank lines aside).
  std::size_t i = 0;
  while (i < lines.size()) {
    const std::string& line = lines[i];
    if (line.rfind("<g", 0) == 0 && (line.size() == 2 || line[2] == ' ')) {
      std::size_t end = i;
      while (end < lines.size() && (lines[end].empty() || lines[end].back() != '>')) ++end;
      std::size_t next = end + 1;
      while (next < lines.size() && lines[next].empty()) ++next;
      if (end < lines.size() && next < lines.size() && lines[next] == "</g>") {
        i = next + 1;
        continue;
      }
    }
    if (polyline_points(line, points)) {
      if (!pending.empty() && pending.back() == points.front()) {
        pending.insert(pending.end(), points.begin() + 1, points.end());
      } else {
        flush();
        pending = points;
      }
      ++i;
      continue;
    }
    flush();
    if (!line.empty()) out += line + '\n';
    ++i;
  }
  flush();
  return out;
}

std::string render_svg(QChart* chart, QSize size) {
  ChartScene scene(chart, size);
  QBuffer buf;
  buf.open(QIODevice::WriteOnly);
  QSvgGenerator gen;
  gen.setOutputDevice(&buf);
  gen.setSize(size);
  gen.setViewBox(QRect(QPoint(0, 0), size));
  gen.setResolution(96);
  QPainter p(&gen);
  p.setRenderHint(QPainter::Antialiasing);
  p.setRenderHint(QPainter::TextAntialiasing);
  scene.render(p, QRectF(QPointF(0, 0), QSizeF(size)));
  p.end();
  return compact_svg(buf.data().toStdString());
}

QImage render_image(QChart* chart, QSize size, double scale) {
  ChartScene scene(chart, size);
  const QSize px(static_cast<int>(std::lround(size.width() * scale)),
                 static_cast<int>(std::lround(size.height() * scale)));
  QImage img(px, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::white);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  p.setRenderHint(QPainter::TextAntialiasing);
  scene.render(p, QRectF(QPointF(0, 0), QSizeF(px)));
  p.end();
  return img;
}

std::string png_bytes(const QImage& image) {
  QBuffer buf;
  buf.open(QIODevice::WriteOnly);
  image.save(&buf, "PNG");
  return buf.data().toStdString();
}

}  // namespace orrery::reports
