// CSV rows and typed fields with exact error locations, shared by every CSV importer.
//
//   CsvRow row;
//   if (!split_csv(line, row.fields)) problems.add(where(line_no), "unterminated quoted field");
//   FieldReader f(problems, path, line_no);
//   auto gpus = f.number("num_gpu", row.fields[3]);      // records a problem if not a number
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orrery/sim/problems.hpp"

namespace orrery::traces {

// Splits one CSV line (RFC 4180 quoting, separator `sep`) into fields. False on an unterminated
// quote. `fields` is reused between calls to keep allocation out of the hot loop.
bool split_csv(std::string_view line, std::vector<std::string>& fields, char sep = ',');

// Writes one field, quoting it when needed; a leading = + - @ is prefixed with ' so spreadsheet
// programs do not run it as a formula (CSV injection).
std::string csv_escape(std::string_view field);
// csv_escape(field) appended to `out`, without a temporary when the field needs no escaping.
void append_csv_field(std::string& out, std::string_view field);

// Collects typed-field problems as "file:line: column 'name': ..." and stops collecting at a cap.
class FieldReader {
 public:
  FieldReader(sim::Problems& problems, std::string path)
      : problems_(problems), path_(std::move(path)) {}
  void at_line(std::uint64_t line) { line_ = line; }
  std::string where() const { return path_ + ":" + std::to_string(line_); }
  std::string where(std::string_view column) const {
    return where() + ": column '" + std::string(column) + "'";
  }
  void problem(std::string_view column, std::string what);
  void problem_row(std::string what);

  // A finite number; nullopt (and a problem) when not a number, NaN or infinite.
  std::optional<double> number(std::string_view column, std::string_view text);
  // Optional number: empty text is nullopt without a problem.
  std::optional<double> optional_number(std::string_view column, std::string_view text);
  // A whole number in [min, max].
  std::optional<std::int64_t> integer(std::string_view column, std::string_view text,
                                      std::int64_t min, std::int64_t max);

  bool full() const { return problems_.size() >= kMaxProblems; }
  static constexpr std::size_t kMaxProblems = 100;

 private:
  sim::Problems& problems_;
  std::string path_;
  std::uint64_t line_ = 0;
};

std::string quote_text(std::string_view text);  // "text" shortened for messages

}  // namespace orrery::traces
