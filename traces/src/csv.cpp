#include "orrery/traces/csv.hpp"

#include <charconv>
#include <cmath>

namespace orrery::traces {

bool split_csv(std::string_view line, std::vector<std::string>& fields, char sep) {
  std::size_t n = 0;
  std::size_t i = 0;
  const std::size_t len = line.size();
  while (true) {
    if (fields.size() <= n) fields.emplace_back();
    std::string& f = fields[n++];
    f.clear();
    if (i < len && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < len) {
        const char c = line[i++];
        if (c == '"') {
          if (i < len && line[i] == '"') {
            f += '"';
            ++i;
          } else {
            closed = true;
            break;
          }
        } else {
          f += c;
        }
      }
      if (!closed) {
        fields.resize(n);
        return false;
      }
      // Anything between the closing quote and the separator is kept verbatim.
      while (i < len && line[i] != sep) f += line[i++];
    } else {
      const std::size_t end = line.find(sep, i);
      const std::size_t stop = end == std::string_view::npos ? len : end;
      f.assign(line.data() + i, stop - i);
      i = stop;
    }
    if (i >= len) break;
    ++i;             // separator
    if (i == len) {  // trailing separator: one more empty field
      if (fields.size() <= n) fields.emplace_back();
      fields[n++].clear();
      break;
    }
  }
  fields.resize(n);
  return true;
}

void append_csv_field(std::string& out, std::string_view field) {
  const bool formula =
      !field.empty() && (field[0] == '=' || field[0] == '+' || field[0] == '-' || field[0] == '@');
  if (!formula && field.find_first_of(",\"\n\r") == std::string_view::npos) {
    out += field;
  } else {
    out += csv_escape(field);
  }
}

std::string csv_escape(std::string_view field) {
  std::string s(field);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) {
    // A negative number is data, not a formula.
    bool numeric = s[0] == '-' && s.size() > 1;
    for (std::size_t i = 1; numeric && i < s.size(); ++i) {
      numeric =
          (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '-';
    }
    if (!numeric) s.insert(0, 1, '\'');
  }
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string quote_text(std::string_view text) {
  std::string s = "\"";
  const std::size_t limit = 40;
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      s += '?';
    } else {
      s += static_cast<char>(c);
    }
  }
  if (text.size() > limit) s += "...";
  return s + "\"";
}

void FieldReader::problem(std::string_view column, std::string what) {
  if (!full()) problems_.add(where(column), std::move(what));
}

void FieldReader::problem_row(std::string what) {
  if (!full()) problems_.add(where(), std::move(what));
}

std::optional<double> FieldReader::number(std::string_view column, std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  double v = 0;
  const char* first = t.data();
  const char* last = t.data() + t.size();
  if (!t.empty() && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (t.empty() || ec != std::errc() || ptr != last) {
    if (ec == std::errc::result_out_of_range) {
      problem(column, quote_text(text) + " is out of range");
    } else {
      problem(column, quote_text(text) + " is not a number");
    }
    return std::nullopt;
  }
  if (!std::isfinite(v)) {
    problem(column, quote_text(text) + " is not a finite number");
    return std::nullopt;
  }
  return v;
}

std::optional<double> FieldReader::optional_number(std::string_view column, std::string_view text) {
  if (text.empty()) return std::nullopt;
  return number(column, text);
}

std::optional<std::int64_t> FieldReader::integer(std::string_view column, std::string_view text,
                                                 std::int64_t min, std::int64_t max) {
  auto v = number(column, text);
  if (!v) return std::nullopt;
  if (*v != std::floor(*v)) {
    problem(column, quote_text(text) + " is not a whole number");
    return std::nullopt;
  }
  if (*v < static_cast<double>(min) || *v > static_cast<double>(max)) {
    problem(column, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                        quote_text(text));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*v);
}

}  // namespace orrery::traces
