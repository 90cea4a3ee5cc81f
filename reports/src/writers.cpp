#include "orrery/reports/writers.hpp"

#include <fmt/format.h>

namespace orrery::reports {

namespace {

const char* const kCss = R"css(
:root { --ink: #1f2328; --muted: #59636e; --line: #d0d7de; --soft: #eaeef2;
        --best-bg: #dafbe1; --best-ink: #0f5323; --accent: #4e79a7; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #f3f5f7; color: var(--ink);
       font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 36px 48px 48px; background: #fff; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 22px; font-size: 13.5px; }
h2 { font-size: 19px; margin: 34px 0 12px; padding-bottom: 5px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 22px 0 6px; }
p { margin: 6px 0 10px; }
.findings { background: #eef4fb; border-left: 5px solid var(--accent); border-radius: 4px;
            padding: 12px 22px 10px; }
.findings h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 17px; }
.findings ul { margin: 4px 0 6px; padding-left: 20px; }
.findings li { margin: 5px 0; }
.name { white-space: nowrap; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em;
        background: #e3e9f0; border-radius: 3px; padding: 0 4px; }
.num { font-weight: 700; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 4px;
       vertical-align: 1px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 4px; font-size: 13.5px;
        font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; background: #f6f8fa; padding: 6px 9px;
     border-bottom: 1px solid var(--line); vertical-align: bottom; }
td { padding: 5px 9px; border-bottom: 1px solid var(--soft); vertical-align: top; }
th.n, td.n { text-align: right; white-space: nowrap; }
td.best { background: var(--best-bg); color: var(--best-ink); font-weight: 700; }
td.mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11.5px;
          word-break: break-all; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
          margin-right: 7px; vertical-align: -1px; }
.caption, figcaption { color: var(--muted); font-size: 12.5px; margin: 3px 0 14px; }
figure { margin: 14px 0 26px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--soft);
             border-radius: 4px; }
.notes { color: var(--muted); font-size: 12.5px; }
footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--soft);
         color: var(--muted); font-size: 12px; }
@media print {
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  figure, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
)css";

bool mono_column(const std::string& key) {
  return key == "sha256" || key == "fingerprint";
}

std::string html_rich(const RichText& t) {
  std::string s;
  for (const TextPart& p : t) {
    switch (p.kind) {
      case TextPart::Kind::kName:
        s += "<span class=\"name\">";
        if (p.series >= 0) {
          s += "<span class=\"dot\" style=\"background:" +
               series_color(static_cast<std::size_t>(p.series)) + "\"></span>";
        }
        s += html_escape(p.text) + "</span>";
        break;
      case TextPart::Kind::kNumber:
        s += "<span class=\"num\">" + html_escape(p.text) + "</span>";
        break;
      case TextPart::Kind::kText:
        s += html_escape(p.text);
        break;
    }
  }
  return s;
}

std::string md_name(const std::string& s) {
  const bool plain = s.find_first_of("`\n\r") == std::string::npos && !s.empty();
  return plain ? "`" + s + "`" : markdown_escape(s);
}

std::string md_rich(const RichText& t) {
  std::string s;
  for (const TextPart& p : t) {
    switch (p.kind) {
      case TextPart::Kind::kName:
        s += md_name(p.text);
        break;
      case TextPart::Kind::kNumber:
        s += "**" + markdown_escape(p.text) + "**";
        break;
      case TextPart::Kind::kText:
        s += markdown_escape(p.text);
        break;
    }
  }
  return s;
}

void html_table(const Table& t, std::string& out) {
  out += "<h3>" + html_escape(t.title) + "</h3>\n<table id=\"table-" + html_escape(t.id) +
         "\">\n<thead><tr>";
  for (const Column& c : t.columns) {
    out += c.numeric ? "<th class=\"n\">" : "<th>";
    out += html_escape(c.label) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const Cell& cell = row[c];
      const bool numeric = c < t.columns.size() && t.columns[c].numeric;
      std::string cls;
      if (numeric) cls += " n";
      if (cell.best) cls += " best";
      if (c < t.columns.size() && mono_column(t.columns[c].key)) cls += " mono";
      out += cls.empty() ? "<td>" : "<td class=\"" + cls.substr(1) + "\"";
      if (!cls.empty()) out += cell.best ? " title=\"best\">" : ">";
      if (cell.series >= 0) {
        out += "<span class=\"swatch\" style=\"background:" +
               series_color(static_cast<std::size_t>(cell.series)) + "\"></span>";
      }
      out += html_escape(cell.text) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  if (!t.caption.empty()) out += "<p class=\"caption\">" + html_escape(t.caption) + "</p>\n";
}

void md_table(const Table& t, std::string& out) {
  out += "### " + markdown_escape(t.title) + "\n\n|";
  for (const Column& c : t.columns) out += " " + markdown_escape(c.label) + " |";
  out += "\n|";
  for (const Column& c : t.columns) out += c.numeric ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const Cell& cell : row) {
      std::string text = cell.series >= 0 ? md_name(cell.text) : markdown_escape(cell.text);
      if (cell.best) text = "**" + text + "**";
      out += " " + text + " |";
    }
    out += "\n";
  }
  out += "\n";
  if (!t.caption.empty()) out += "*" + markdown_escape(t.caption) + "*\n\n";
}

// A section's blocks laid out by one writer: paragraphs, shown tables (export-only ones are
// only saved as files) and charts, in order. Empty when nothing in it is shown.
template <typename ParagraphFn, typename TableFn, typename ChartFn>
std::string section_body(const Section& s, ParagraphFn paragraph, TableFn table, ChartFn chart) {
  std::string body;
  for (const Block& b : s.blocks) {
    if (const auto* p = std::get_if<Paragraph>(&b)) {
      paragraph(*p, body);
    } else if (const auto* t = std::get_if<Table>(&b)) {
      if (!t->export_only) table(*t, body);
    } else if (const auto* c = std::get_if<ChartSlot>(&b)) {
      chart(*c, body);
    }
  }
  return body;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string markdown_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '#':
      case '|':
      case '~':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (unsigned{byte(i)} << 16) | (unsigned{byte(i + 1)} << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = unsigned{byte(i)} << 16;
    if (i + 1 < bytes.size()) v |= unsigned{byte(i + 1)} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string write_html(const Document& doc, const std::map<std::string, EmbeddedChart>& charts) {
  std::string out;
  out.reserve(1 << 16);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"Orrery\">\n";
  out += "<title>" + html_escape(doc.title) + "</title>\n<style>" + kCss + "</style>\n";
  out += "</head>\n<body>\n<main>\n<header>\n<h1>" + html_escape(doc.title) + "</h1>\n";
  out += "<p class=\"subtitle\">" + html_escape(doc.subtitle) + "</p>\n</header>\n";
  if (!doc.findings.empty()) {
    out += "<section class=\"findings\" id=\"findings\">\n<h2>Key findings</h2>\n<ul>\n";
    for (const RichText& f : doc.findings) out += "<li>" + html_rich(f) + "</li>\n";
    out += "</ul>\n</section>\n";
  }
  for (const Section& s : doc.sections) {
    const std::string shown = section_body(
        s,
        [](const Paragraph& p, std::string& body) { body += "<p>" + html_rich(p.text) + "</p>\n"; },
        html_table,
        [&](const ChartSlot& slot, std::string& body) {
          const ChartSlot* c = &slot;
          const auto it = charts.find(c->id);
          body += "<figure class=\"chart\" id=\"chart-" + html_escape(c->id) + "\">\n<h3>" +
                  html_escape(c->title) + "</h3>\n";
          if (it != charts.end()) {
            body += fmt::format(
                "<img alt=\"{}\" width=\"{}\" height=\"{}\" src=\"data:{};base64,{}\">\n",
                html_escape(c->title), it->second.width, it->second.height, it->second.mime,
                base64(it->second.bytes));
          } else {
            body += "<p class=\"notes\">(chart not rendered)</p>\n";
          }
          body += "<figcaption>" + html_escape(c->caption) + "</figcaption>\n</figure>\n";
        });
    if (shown.empty()) continue;
    out += "<section id=\"" + html_escape(s.id) + "\">\n<h2>" + html_escape(s.title) + "</h2>\n";
    if (s.id == "scenario") {
      for (const std::string& n : doc.notes) {
        if (n.find("different traces") != std::string::npos)
          out += "<p class=\"notes\"><strong>Note:</strong> " + html_escape(n) + "</p>\n";
      }
    }
    out += shown + "</section>\n";
  }
  out += "<footer>\n";
  if (!doc.notes.empty()) {
    out += "<p class=\"notes\">Notes on the inputs:</p>\n<ul class=\"notes\">\n";
    for (const std::string& n : doc.notes) out += "<li>" + html_escape(n) + "</li>\n";
    out += "</ul>\n";
  }
  out +=
      "<p>Produced by <code>orrery report</code>. Every table is also saved as CSV and JSON "
      "beside this file. docs/reports.md explains how each figure is computed.</p>\n";
  out += "</footer>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string write_markdown(const Document& doc,
                           const std::map<std::string, std::string>& chart_files) {
  std::string out =
      "# " + markdown_escape(doc.title) + "\n\n*" + markdown_escape(doc.subtitle) + "*\n\n";
  if (!doc.findings.empty()) {
    out += "## Key findings\n\n";
    for (const RichText& f : doc.findings) out += "- " + md_rich(f) + "\n";
    out += "\n";
  }
  for (const Section& s : doc.sections) {
    const std::string shown = section_body(
        s, [](const Paragraph& p, std::string& body) { body += md_rich(p.text) + "\n\n"; },
        md_table,
        [&](const ChartSlot& c, std::string& body) {
          body += "### " + markdown_escape(c.title) + "\n\n";
          const auto it = chart_files.find(c.id);
          if (it != chart_files.end()) {
            body += "![" + markdown_escape(c.title) + "](<" + it->second + ">)\n\n";
          }
          body += "*" + markdown_escape(c.caption) + "*\n\n";
        });
    if (shown.empty()) continue;
    out += "## " + markdown_escape(s.title) + "\n\n" + shown;
  }
  if (!doc.notes.empty()) {
    out += "## Notes on the inputs\n\n";
    for (const std::string& n : doc.notes) out += "- " + markdown_escape(n) + "\n";
    out += "\n";
  }
  out +=
      "---\n\nProduced by `orrery report`. Every table is also saved as CSV and JSON beside "
      "this file.\n";
  return out;
}

}  // namespace orrery::reports
