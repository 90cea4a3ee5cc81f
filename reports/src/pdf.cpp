// The PDF: the Document laid out by a QTextDocument (headings, findings box, tables whose title
// and header repeat on every page they span), charts drawn as vector graphics by a text-object
// handler, paginated by hand onto a QPdfWriter with a footer on every page.
#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QObject>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextList>
#include <QTextObjectInterface>
#include <QTextTable>
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "chart_scene.hpp"
#include "orrery/reports/charts.hpp"
#include "orrery/reports/render.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::reports {

namespace {

constexpr int kChartObjectType = QTextFormat::UserObject + 1;
constexpr int kChartIdProperty = QTextFormat::UserProperty + 1;
const QSize kChartSize(kChartWidth, kChartHeight);
constexpr std::size_t kPdfMaxColumns = 7;

const QColor kInk(0x1f, 0x23, 0x28);
const QColor kMuted(0x59, 0x63, 0x6e);
const QColor kRule(0xd0, 0xd7, 0xde);
const QColor kHeaderBg(0xf3, 0xf5, 0xf7);
const QColor kBestBg(0xda, 0xfb, 0xe1);
const QColor kBestInk(0x0f, 0x53, 0x23);
const QColor kFindingsBg(0xee, 0xf4, 0xfb);
const QColor kNameBg(0xe3, 0xe9, 0xf0);

}  // namespace

// Draws a chart (by id) wherever the document placed its object character.
class ChartObjectHandler : public QObject, public QTextObjectInterface {
  Q_OBJECT
  Q_INTERFACES(QTextObjectInterface)

 public:
  ChartObjectHandler(std::map<QString, std::unique_ptr<ChartScene>>& scenes, double width)
      : scenes_(scenes), width_(width) {}

  QSizeF intrinsicSize(QTextDocument*, int, const QTextFormat&) override {
    return {width_, width_ * kChartSize.height() / kChartSize.width()};
  }
  void drawObject(QPainter* painter, const QRectF& rect, QTextDocument*, int,
                  const QTextFormat& format) override {
    const QString id = format.property(kChartIdProperty).toString();
    const auto it = scenes_.find(id);
    if (it == scenes_.end()) return;
    it->second->render(*painter, rect);
    drawn.push_back({id, rect});
  }

  struct Drawn {
    QString id;
    QRectF rect;  // document coordinates
  };
  std::vector<Drawn> drawn;

 private:
  std::map<QString, std::unique_ptr<ChartScene>>& scenes_;
  double width_;
};

namespace {

QString q(const std::string& s) {
  return QString::fromStdString(s);
}

class PdfBuilder {
 public:
  PdfBuilder(QTextDocument& doc, const QString& family)
      : doc_(doc), cursor_(&doc), family_(family) {}

  QTextCharFormat text_format(double pt, bool bold = false, QColor color = kInk) const {
    QTextCharFormat f;
    f.setFontFamilies({family_});
    f.setFontPointSize(pt);
    f.setFontWeight(bold ? QFont::Bold : QFont::Normal);
    f.setForeground(color);
    return f;
  }

  void block(double top, double bottom, Qt::Alignment align = Qt::AlignLeft) {
    QTextBlockFormat b;
    b.setTopMargin(top);
    b.setBottomMargin(bottom);
    b.setAlignment(align);
    if (first_) {
      cursor_.setBlockFormat(b);
      first_ = false;
    } else {
      cursor_.insertBlock(b);
    }
  }

  void rich(QTextCursor& c, const RichText& t, double pt) {
    for (const TextPart& p : t) {
      QTextCharFormat f = text_format(pt);
      if (p.kind == TextPart::Kind::kName) {
        if (p.series >= 0) {
          c.insertText(
              QStringLiteral("■"),
              text_format(pt * 0.8, false, series_qcolor(static_cast<std::size_t>(p.series))));
        }
        f.setFontFamilies({QStringLiteral("DejaVu Sans Mono"), family_});
        f.setBackground(kNameBg);
        // Names stay on one line: non-breaking hyphens and spaces.
        QString name = q(p.text);
        name.replace(QLatin1Char('-'), QChar(0x2011)).replace(QLatin1Char(' '), QChar(0xa0));
        c.insertText(name, f);
        continue;
      } else if (p.kind == TextPart::Kind::kNumber) {
        f.setFontWeight(QFont::Bold);
      }
      c.insertText(q(p.text), f);
    }
  }

  void title(const Document& d) {
    block(0, 2);
    cursor_.insertText(q(d.title), text_format(18, true));
    block(0, 10);
    cursor_.insertText(q(d.subtitle), text_format(8.5, false, kMuted));
  }

  void findings(const std::vector<RichText>& items) {
    if (items.empty()) return;
    QTextFrameFormat ff;
    ff.setBackground(kFindingsBg);
    ff.setPadding(8);
    ff.setBorder(0);
    ff.setTopMargin(2);
    ff.setBottomMargin(6);
    ff.setWidth(QTextLength(QTextLength::PercentageLength, 100));
    QTextFrame* frame = cursor_.insertFrame(ff);
    QTextCursor c = frame->firstCursorPosition();
    QTextBlockFormat hb;
    hb.setBottomMargin(3);
    c.setBlockFormat(hb);
    c.insertText(QStringLiteral("Key findings"), text_format(12, true));
    QTextListFormat lf;
    lf.setStyle(QTextListFormat::ListDisc);
    lf.setIndent(1);
    QTextBlockFormat ib;
    ib.setBottomMargin(3);
    QTextList* list = nullptr;
    for (std::size_t i = 0; i < items.size(); ++i) {
      c.insertBlock(ib, text_format(9.5));
      if (!list) {
        list = c.createList(lf);
      } else {
        list->add(c.block());
      }
      rich(c, items[i], 9.5);
    }
    cursor_ = QTextCursor(&doc_);
    cursor_.movePosition(QTextCursor::End);
  }

  void heading(const std::string& text, bool page_break) {
    QTextBlockFormat b;
    b.setTopMargin(page_break ? 0 : 14);
    b.setBottomMargin(5);
    if (page_break) b.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
    cursor_.insertBlock(b);
    cursor_.insertText(q(text), text_format(14, true, QColor(0x2b, 0x4c, 0x7e)));
  }

  void paragraph(const RichText& t, double pt = 9, QColor color = kInk) {
    QTextBlockFormat b;
    b.setTopMargin(2);
    b.setBottomMargin(6);
    cursor_.insertBlock(b);
    QTextCharFormat base = text_format(pt, false, color);
    cursor_.setCharFormat(base);
    for (const TextPart& p : t) {
      QTextCharFormat f = base;
      if (p.kind != TextPart::Kind::kText) f.setFontWeight(QFont::Bold);
      cursor_.insertText(q(p.text), f);
    }
  }

  void table(const Table& t) {
    const int cols = static_cast<int>(t.columns.size());
    const int rows = static_cast<int>(t.rows.size()) + 2;
    QTextBlockFormat spacer;
    spacer.setTopMargin(4);
    cursor_.insertBlock(spacer);
    QTextTableFormat tf;
    tf.setBorder(0.6);
    tf.setBorderBrush(kRule);
    tf.setBorderCollapse(true);
    tf.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
    tf.setCellPadding(2.5);
    tf.setCellSpacing(0);
    tf.setHeaderRowCount(2);
    tf.setWidth(QTextLength(QTextLength::PercentageLength, 100));
    tf.setBottomMargin(2);
    if (cols == 2 && t.columns[0].key == "item") {
      tf.setColumnWidthConstraints({QTextLength(QTextLength::PercentageLength, 28),
                                    QTextLength(QTextLength::PercentageLength, 72)});
    }
    QTextTable* table = cursor_.insertTable(rows, cols, tf);
    table->mergeCells(0, 0, 1, cols);
    {
      QTextTableCell cell = table->cellAt(0, 0);
      QTextTableCellFormat cf;
      cf.setBottomPadding(3);
      cf.setTopPadding(2);
      cf.setLeftPadding(0);
      cf.setBorderBrush(Qt::white);
      cell.setFormat(cf);
      QTextCursor c = cell.firstCursorPosition();
      c.insertText(q(t.title), text_format(10.5, true));
    }
    for (int c = 0; c < cols; ++c) {
      QTextTableCell cell = table->cellAt(1, c);
      QTextTableCellFormat cf;
      cf.setBackground(kHeaderBg);
      cell.setFormat(cf);
      QTextCursor cur = cell.firstCursorPosition();
      QTextBlockFormat b;
      b.setAlignment(t.columns[static_cast<std::size_t>(c)].numeric ? Qt::AlignRight
                                                                    : Qt::AlignLeft);
      cur.setBlockFormat(b);
      cur.insertText(q(t.columns[static_cast<std::size_t>(c)].label), text_format(8, true));
    }
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      for (std::size_t c = 0; c < t.rows[r].size() && c < t.columns.size(); ++c) {
        const Cell& cell = t.rows[r][c];
        QTextTableCell tc = table->cellAt(static_cast<int>(r) + 2, static_cast<int>(c));
        if (cell.best) {
          QTextTableCellFormat cf;
          cf.setBackground(kBestBg);
          tc.setFormat(cf);
        }
        QTextCursor cur = tc.firstCursorPosition();
        QTextBlockFormat b;
        b.setAlignment(t.columns[c].numeric ? Qt::AlignRight : Qt::AlignLeft);
        cur.setBlockFormat(b);
        if (cell.series >= 0) {
          cur.insertText(
              QStringLiteral("■ "),
              text_format(8, false, series_qcolor(static_cast<std::size_t>(cell.series))));
        }
        const bool mono = t.columns[c].key == "sha256" || t.columns[c].key == "fingerprint";
        QTextCharFormat f = text_format(mono ? 6.5 : 8, cell.best, cell.best ? kBestInk : kInk);
        if (mono) f.setFontFamilies({QStringLiteral("DejaVu Sans Mono"), family_});
        cur.insertText(q(cell.text), f);
      }
    }
    cursor_.movePosition(QTextCursor::End);
    if (!t.caption.empty()) {
      QTextBlockFormat b;
      b.setTopMargin(1);
      b.setBottomMargin(6);
      cursor_.insertBlock(b);
      cursor_.insertText(q(t.caption), text_format(7.5, false, kMuted));
    }
  }

  void chart(const ChartSlot& c) {
    QTextBlockFormat b;
    b.setTopMargin(8);
    b.setBottomMargin(1);
    b.setAlignment(Qt::AlignHCenter);
    cursor_.insertBlock(b);
    QTextCharFormat f;
    f.setObjectType(kChartObjectType);
    f.setProperty(kChartIdProperty, q(c.id));
    cursor_.insertText(QString(QChar::ObjectReplacementCharacter), f);
    QTextBlockFormat cb;
    cb.setBottomMargin(8);
    cursor_.insertBlock(cb);
    cursor_.insertText(q(c.caption), text_format(7.5, false, kMuted));
  }

 private:
  QTextDocument& doc_;
  QTextCursor cursor_;
  QString family_;
  bool first_ = true;
};

}  // namespace

PdfLayout write_pdf(const Document& d, const std::vector<RunData>& runs,
                    const std::vector<LoadedInput>& inputs, const std::string& path,
                    const QString& family) {
  // Drawn into memory, then written through a temporary file and a rename: a full disk is an
  // error naming the PDF, never a truncated PDF left behind.
  QBuffer bytes;
  bytes.open(QIODevice::WriteOnly);
  QPdfWriter writer(&bytes);
  writer.setResolution(300);
  writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait,
                                   QMarginsF(16, 14, 16, 12), QPageLayout::Millimeter));
  writer.setTitle(q(d.title));
  writer.setCreator(QStringLiteral("Orrery"));
  const QRectF paint = writer.pageLayout().paintRectPixels(writer.resolution());
  const QRectF full = writer.pageLayout().fullRectPixels(writer.resolution());
  const double footer = writer.resolution() * 0.32;  // inches
  const QSizeF page(paint.width(), paint.height() - footer);

  // Charts first: each laid out once at the HTML size, drawn scaled (as vectors) into the page.
  std::map<QString, std::unique_ptr<ChartScene>> scenes;
  ChartStyle style;
  style.font_family = family;
  style.show_title = true;
  for (const ChartSlot* c : all_charts(d)) {
    scenes[q(c->id)] =
        std::make_unique<ChartScene>(make_chart(*c, runs, inputs, style), kChartSize);
  }

  // The layout is attached only once the content is in: with a layout every insertion would
  // lay the document out again (seconds instead of milliseconds).
  QTextDocument doc;
  doc.setDocumentMargin(0);
  QFont base(family);
  base.setPointSizeF(9);
  doc.setDefaultFont(base);

  PdfBuilder b(doc, family);
  b.title(d);
  b.findings(d.findings);
  for (const Section& s : d.sections) {
    bool any = false;
    for (const Block& blk : s.blocks) {
      if (const auto* t = std::get_if<Table>(&blk))
        any = any || !t->export_only;
      else
        any = true;
    }
    if (!any) continue;
    const bool has_chart = std::any_of(s.blocks.begin(), s.blocks.end(), [](const Block& x) {
      return std::holds_alternative<ChartSlot>(x);
    });
    b.heading(s.title, has_chart);
    for (const Block& blk : s.blocks) {
      if (const auto* p = std::get_if<Paragraph>(&blk)) {
        b.paragraph(p->text, 8.5, kMuted);
      } else if (const auto* t = std::get_if<Table>(&blk)) {
        // Wide tables are transposed or split: an A4 column of 12 numbers wraps every header.
        if (!t->export_only) {
          for (const Table& part : fit_columns(*t, kPdfMaxColumns)) b.table(part);
        }
      } else if (const auto* c = std::get_if<ChartSlot>(&blk)) {
        b.chart(*c);
      }
    }
  }
  if (!d.notes.empty()) {
    b.heading("Notes on the inputs", false);
    for (const std::string& n : d.notes) b.paragraph({{TextPart::Kind::kText, n}}, 8, kMuted);
  }

  ChartObjectHandler handler(scenes, page.width());
  doc.documentLayout()->setPaintDevice(&writer);
  doc.documentLayout()->registerHandler(kChartObjectType, &handler);
  doc.setPageSize(page);

  QPainter painter;
  if (!painter.begin(&writer))
    throw sim::InputError(path, "cannot write the PDF (is the folder writable?)");
  const int pages = doc.pageCount();
  PdfLayout layout;
  layout.pages = pages;
  std::set<QString> placed;
  QFont foot(family);
  foot.setPointSizeF(7);
  for (int p = 0; p < pages; ++p) {
    if (p > 0) writer.newPage();
    const double top = p * page.height();
    painter.save();
    painter.translate(0, -top);
    QAbstractTextDocumentLayout::PaintContext ctx;
    ctx.clip = QRectF(0, top, page.width(), page.height());
    ctx.palette.setColor(QPalette::Text, kInk);
    painter.setClipRect(ctx.clip);
    handler.drawn.clear();
    doc.documentLayout()->draw(&painter, ctx);
    painter.restore();
    for (const auto& dr : handler.drawn) {
      // The layout may ask for a chart that starts on the next page (outside this page's clip).
      if (dr.rect.top() < top - 1 || dr.rect.bottom() > top + page.height() + 1) continue;
      if (!placed.insert(dr.id).second) continue;
      const QRectF r(paint.left() - full.left() + dr.rect.left(),
                     paint.top() - full.top() + dr.rect.top() - top, dr.rect.width(),
                     dr.rect.height());
      layout.charts.push_back({dr.id.toStdString(), p,
                               QRectF(r.left() / full.width(), r.top() / full.height(),
                                      r.width() / full.width(), r.height() / full.height())});
    }
    painter.setFont(foot);
    painter.setPen(kMuted);
    painter.drawLine(QPointF(0, page.height() + footer * 0.3),
                     QPointF(page.width(), page.height() + footer * 0.3));
    const QRectF fr(0, page.height() + footer * 0.35, page.width(), footer * 0.65);
    painter.drawText(fr, Qt::AlignLeft | Qt::AlignVCenter, q(d.title));
    painter.drawText(fr, Qt::AlignRight | Qt::AlignVCenter,
                     QStringLiteral("Page %1 of %2").arg(p + 1).arg(pages));
  }
  if (!painter.end()) throw sim::InputError(path, "cannot draw the PDF");
  scenario::write_file_atomic(
      path, std::string(bytes.data().constData(), static_cast<std::size_t>(bytes.data().size())));
  return layout;
}

}  // namespace orrery::reports

#include "pdf.moc"
