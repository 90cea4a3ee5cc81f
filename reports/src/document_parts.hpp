// Building blocks of the document shared by its sections (document.cpp, document_inputs.cpp).
// Private to reports/.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orrery/reports/document.hpp"

namespace orrery::reports {

using nlohmann::json;

inline Cell text_cell(std::string s) {
  Cell c;
  c.text = std::move(s);
  return c;
}

inline Cell value_cell(double v, Unit unit) {
  Cell c;
  c.value = v;
  c.text = format_value(v, unit);
  return c;
}

inline Cell name_cell(const RunData& r, std::size_t i) {
  Cell c;
  c.text = r.label;
  c.series = static_cast<int>(i);
  return c;
}

inline std::string slug(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

inline const json* jpath(const json& j, std::initializer_list<const char*> keys) {
  const json* p = &j;
  for (const char* k : keys) {
    if (!p->is_object()) return nullptr;
    auto it = p->find(k);
    if (it == p->end()) return nullptr;
    p = &*it;
  }
  return p;
}

inline std::string jstr(const json& j, std::initializer_list<const char*> keys) {
  const json* p = jpath(j, keys);
  if (!p || p->is_null()) return {};
  if (p->is_string()) return p->get<std::string>();
  return p->dump();
}

inline Table key_value_table(std::string id, std::string title) {
  Table t;
  t.id = std::move(id);
  t.title = std::move(title);
  t.columns = {{"item", "Item", false}, {"value", "Value", false}};
  return t;
}

inline void add_kv(Table& t, std::string key, std::string value, double number = kMissing) {
  Cell v = text_cell(std::move(value));
  v.value = number;
  t.rows.push_back({text_cell(std::move(key)), v});
}

// Sections for the input kinds beyond simulate folders, and the allocation section of the runs;
// each adds its findings to `doc` (document_inputs.cpp).
Section allocation_section(const std::vector<RunData>& runs);
void add_sweep_section(Document& doc, const SweepData& sweep, std::size_t input);
void add_plan_section(Document& doc, const PlanData& plan);
void add_calibration_section(Document& doc, const CalibrationData& cal, std::size_t input);

}  // namespace orrery::reports
