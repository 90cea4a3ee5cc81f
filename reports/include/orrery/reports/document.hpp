// A report as a document model, independent of the output format: sections of paragraphs,
// tables (each also saved as CSV and JSON) and chart slots. build_document() computes it from
// the runs; the writers (HTML, Markdown, PDF) only lay it out. No Qt.
//
//   Document doc = build_document(runs, inputs, {.title = "Q3 capacity"});
//   for (const Table* t : all_tables(doc)) write(t->id + ".csv", table_csv(*t));
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "orrery/reports/analysis.hpp"
#include "orrery/reports/results.hpp"

namespace orrery::reports {

// The colour of run i in every chart and table of a report ("#4e79a7"); colour-blind-safe,
// distinct for the first 10 runs, then repeating.
std::string series_color(std::size_t index);

enum class ChartKind {
  kJctCdf,
  kWaitCdf,
  kUtilization,
  kQueueLength,
  kTenantJct,
  kFragmentation,       // every run's fragmentation over time
  kAllocationHeatmap,   // one run's GPU allocation by node over time (ChartSlot::source: the run)
  kSweepPareto,         // a sweep's cost against completion time (source: the input)
  kCalibrationScatter,  // simulated against observed start per job (source: the input)
  kCalibrationErrors,   // distribution of the start errors (source: the input)
  kCalibrationUtilization,  // allocated GPUs over time, observed and simulated (source: input)
};

struct Cell {
  std::string text;         // as displayed
  double value = kMissing;  // the exact number behind it, for CSV/JSON (kMissing: text only)
  bool best = false;        // best in its column (or row, for per-tenant tables)
  int series = -1;          // a run's name: its colour index
};

struct Column {
  std::string key;    // CSV/JSON field name ("wait_s.p95")
  std::string label;  // header text
  bool numeric = false;
};

struct Table {
  std::string id;  // file name stem for the CSV/JSON ("metrics-wait")
  std::string title;
  std::string caption;  // one line under the table
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  bool export_only = false;  // saved as CSV/JSON, not shown
};

struct Paragraph {
  RichText text;
};

struct ChartSlot {
  std::string id;  // "jct-cdf"
  ChartKind kind = ChartKind::kJctCdf;
  std::string title;
  std::string caption;     // how to read it
  std::size_t source = 0;  // the run or input the chart draws, for kinds of one run or input
};

using Block = std::variant<Paragraph, Table, ChartSlot>;

struct Section {
  std::string id;
  std::string title;
  std::vector<Block> blocks;
};

struct Document {
  std::string title;
  std::string subtitle;
  std::vector<RichText> findings;
  std::vector<Section> sections;
  std::vector<std::string> notes;  // input notes (missing files, mixed scenarios)
};

struct DocumentOptions {
  std::string title;             // empty: from the scenario name
  std::string baseline;          // run label or policy name; empty: the first run
  std::string generated;         // "2024-05-01 14:03 UTC", shown in the subtitle when set
  std::size_t max_tenants = 12;  // tenants shown per table and chart (all are in the CSV)
};

// Throws sim::InputError when the inputs hold nothing to report on (no run, sweep, plan or
// calibration) or the baseline names no run.
Document build_document(const std::vector<RunData>& runs, const std::vector<LoadedInput>& inputs,
                        const DocumentOptions& options = {});
std::size_t baseline_index(const std::vector<RunData>& runs, const std::string& baseline);

std::vector<const Table*> all_tables(const Document& doc);
// A table laid out for a narrow page: as it is when it has at most `max_columns` columns;
// transposed (a row per column, a column per row) when that fits; else split into tables of at
// most `max_columns` columns, each repeating the first column. Cells keep their marks.
std::vector<Table> fit_columns(const Table& t, std::size_t max_columns);
std::vector<const ChartSlot*> all_charts(const Document& doc);
// A table as CSV (exact numbers; text through traces::csv_escape) and as JSON (array of
// objects, numbers as numbers).
std::string table_csv(const Table& t);
nlohmann::json table_json(const Table& t);
// Findings (plain text) and every table, for notebooks and golden tests.
nlohmann::json document_json(const Document& doc);

}  // namespace orrery::reports
