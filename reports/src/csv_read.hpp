// CSV reading shared by the report's input readers: columns by header name, numbers with the
// file, line and column of anything malformed. Private to reports/.
#pragma once

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "orrery/reports/results.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::reports {

// Column positions by header name; absent columns are npos.
struct Columns {
  std::map<std::string, std::size_t, std::less<>> index;
  std::size_t operator[](std::string_view name) const {
    const auto it = index.find(name);
    return it == index.end() ? std::string::npos : it->second;
  }
};

inline Columns read_header(traces::LineReader& in, const std::string& path) {
  std::string line;
  if (!in.next(line)) throw sim::InputError(path, "empty file (no header line)");
  std::vector<std::string> fields;
  if (!traces::split_csv(line, fields)) throw sim::InputError(path + ":1", "unterminated quote");
  Columns c;
  for (std::size_t i = 0; i < fields.size(); ++i) c.index.emplace(fields[i], i);
  return c;
}

// Each required column the header lacks is a problem at line 1.
inline void require_columns(const Columns& c, const std::string& path, sim::Problems& problems,
                            std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (c[name] == std::string::npos)
      problems.add(path + ":1", std::string("missing column '") + name + "'");
  }
}

// Splits a data row into `fields`; an unterminated quoted field is a problem at line `ln`
// (false).
inline bool split_row(const std::string& line, std::uint64_t ln, const std::string& path,
                      sim::Problems& problems, std::vector<std::string>& fields) {
  if (traces::split_csv(line, fields)) return true;
  problems.add(path + ":" + std::to_string(ln), "unterminated quoted field");
  return false;
}

class CsvFields {
 public:
  CsvFields(const std::string& path, sim::Problems& problems) : path_(path), problems_(problems) {}
  // Number in column `col` (npos: the column is absent); empty is kMissing.
  double number(const std::vector<std::string>& f, std::size_t col, std::string_view name,
                std::uint64_t line) {
    if (col == std::string::npos || col >= f.size() || f[col].empty()) return kMissing;
    const std::string& s = f[col];
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
      if (problems_.size() < 20) {
        problems_.add(path_ + ":" + std::to_string(line) + ": column '" + std::string(name) + "'",
                      "not a number: " + traces::quote_text(s));
      }
      return kMissing;
    }
    return v;
  }

 private:
  std::string path_;
  sim::Problems& problems_;
};

// One data row of a file read by for_each_row: fields by header name, problems at its line.
class CsvRow {
 public:
  CsvRow(const std::vector<std::string>& fields, std::uint64_t line, const Columns& cols,
         CsvFields& numbers, sim::Problems& problems, const std::string& path)
      : f_(fields), line_(line), cols_(cols), num_(numbers), problems_(problems), path_(path) {}
  // The number in column `name`; kMissing when empty or absent (malformed: a problem too).
  double number(const char* name) const { return num_.number(f_, cols_[name], name, line_); }
  std::string text(const char* name) const {
    const std::size_t c = cols_[name];
    return c < f_.size() ? f_[c] : std::string();
  }
  void problem(const char* name, std::string what) const {
    problems_.add(path_ + ":" + std::to_string(line_) + ": column '" + name + "'", std::move(what));
  }

 private:
  const std::vector<std::string>& f_;
  std::uint64_t line_;
  const Columns& cols_;
  CsvFields& num_;
  sim::Problems& problems_;
  const std::string& path_;
};

// Reads a CSV file with a header line: every `required` column must be there, then
// `row(const CsvRow&)` runs for each non-empty data row until it returns false, a row cannot be
// split, or 20 problems are collected; the problems are thrown (sim::InputError).
template <typename RowFn>
void for_each_row(const std::string& path, std::initializer_list<const char*> required,
                  RowFn&& row) {
  traces::LineReader in(path);
  const Columns cols = read_header(in, path);
  sim::Problems problems;
  require_columns(cols, path, problems, required);
  problems.throw_if_any();
  CsvFields num(path, problems);
  std::vector<std::string> f;
  std::string line;
  while (in.next(line)) {
    if (line.empty()) continue;
    const std::uint64_t ln = in.line_number();
    if (!split_row(line, ln, path, problems, f)) break;
    if (!row(CsvRow(f, ln, cols, num, problems, path))) break;
    if (problems.size() >= 20) break;
  }
  problems.throw_if_any();
}

}  // namespace orrery::reports
