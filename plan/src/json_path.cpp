#include "orrery/plan/json_path.hpp"

#include <charconv>

namespace orrery::plan {

using nlohmann::json;

namespace {

bool parse_index(const std::string& s, std::size_t& out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc();
}

std::string unescape_pointer(const std::string& token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

JsonPath parse_pointer(const std::string& text) {
  JsonPath p;
  p.text = text;
  std::size_t pos = 1;
  while (pos <= text.size()) {
    std::size_t next = text.find('/', pos);
    if (next == std::string::npos) next = text.size();
    const std::string token = unescape_pointer(text.substr(pos, next - pos));
    PathStep step;
    std::size_t index = 0;
    if (parse_index(token, index)) {
      // A number selects an array element, or a member of that name in an object.
      step.kind = PathStep::Kind::kIndex;
      step.index = index;
      step.key = token;
    } else {
      step.key = token;
    }
    p.steps.push_back(step);
    pos = next + 1;
  }
  return p;
}

std::string describe_step(const JsonPath& path, std::size_t upto) {
  // The path up to and including step `upto`, for messages.
  std::string s;
  for (std::size_t i = 0; i <= upto && i < path.steps.size(); ++i) {
    const PathStep& st = path.steps[i];
    switch (st.kind) {
      case PathStep::Kind::kKey:
        s += (s.empty() ? "" : ".") + st.key;
        break;
      case PathStep::Kind::kIndex:
        s += "[" + std::to_string(st.index) + "]";
        break;
      case PathStep::Kind::kMatch:
        s += "[" + st.key + "=" + st.match_value + "]";
        break;
    }
  }
  return s;
}

std::string kind_of(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_number()) return "a number";
  if (v.is_boolean()) return "a boolean";
  return "null";
}

// Index of the one element of `arr` whose member `key` equals `value`; PathError otherwise.
std::size_t match_index(const json& arr, const PathStep& st, const JsonPath& path, std::size_t i) {
  std::size_t found = arr.size();
  std::size_t count = 0;
  for (std::size_t k = 0; k < arr.size(); ++k) {
    const json& e = arr[k];
    if (!e.is_object() || !e.contains(st.key)) continue;
    const json& v = e.at(st.key);
    const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (text == st.match_value) {
      if (count == 0) found = k;
      ++count;
    }
  }
  if (count == 0) {
    throw PathError(path.text + ": no element matches [" + st.key + "=" + st.match_value + "] at " +
                    describe_step(path, i));
  }
  if (count > 1) {
    throw PathError(path.text + ": " + std::to_string(count) + " elements match [" + st.key + "=" +
                    st.match_value + "] at " + describe_step(path, i));
  }
  return found;
}

}  // namespace

JsonPath JsonPath::parse(const std::string& text) {
  if (text.empty()) throw PathError("an empty path");
  if (text[0] == '/') return parse_pointer(text);
  JsonPath p;
  p.text = text;
  std::size_t i = 0;
  const std::size_t n = text.size();
  bool expect_key = true;
  while (i < n) {
    if (text[i] == '[') {
      const std::size_t close = text.find(']', i);
      if (close == std::string::npos) throw PathError(text + ": '[' without ']'");
      const std::string inside = text.substr(i + 1, close - i - 1);
      PathStep st;
      const std::size_t eq = inside.find('=');
      if (eq != std::string::npos) {
        st.kind = PathStep::Kind::kMatch;
        st.key = inside.substr(0, eq);
        st.match_value = inside.substr(eq + 1);
        if (st.key.empty()) throw PathError(text + ": [key=value] needs a key");
      } else {
        st.kind = PathStep::Kind::kIndex;
        if (!parse_index(inside, st.index))
          throw PathError(text + ": [" + inside + "] is neither an index nor key=value");
      }
      if (p.steps.empty() && expect_key) throw PathError(text + ": starts with '['");
      p.steps.push_back(st);
      i = close + 1;
      expect_key = false;
      continue;
    }
    if (text[i] == '.') {
      if (expect_key) throw PathError(text + ": empty key before '.'");
      expect_key = true;
      ++i;
      continue;
    }
    if (!expect_key)
      throw PathError(text + ": expected '.' or '[' at column " + std::to_string(i + 1));
    std::size_t end = i;
    while (end < n && text[end] != '.' && text[end] != '[') ++end;
    PathStep st;
    st.key = text.substr(i, end - i);
    p.steps.push_back(st);
    i = end;
    expect_key = false;
  }
  if (expect_key) throw PathError(text + ": ends with '.'");
  return p;
}

const json* find_path(const json& doc, const JsonPath& path) {
  const json* cur = &doc;
  for (std::size_t i = 0; i < path.steps.size(); ++i) {
    const PathStep& st = path.steps[i];
    switch (st.kind) {
      case PathStep::Kind::kKey:
        if (!cur->is_object() || !cur->contains(st.key)) return nullptr;
        cur = &cur->at(st.key);
        break;
      case PathStep::Kind::kIndex:
        if (cur->is_array()) {
          if (st.index >= cur->size()) return nullptr;
          cur = &(*cur)[st.index];
        } else if (cur->is_object() && !st.key.empty() && cur->contains(st.key)) {
          cur = &cur->at(st.key);  // a JSON Pointer token that is a number, naming a member
        } else {
          return nullptr;
        }
        break;
      case PathStep::Kind::kMatch:
        if (!cur->is_array()) return nullptr;
        try {
          cur = &(*cur)[match_index(*cur, st, path, i)];
        } catch (const PathError&) {
          return nullptr;
        }
        break;
    }
  }
  return cur;
}

void set_path(json& doc, const JsonPath& path, json value) {
  json* cur = &doc;
  for (std::size_t i = 0; i < path.steps.size(); ++i) {
    const PathStep& st = path.steps[i];
    const bool last = i + 1 == path.steps.size();
    json* next = nullptr;
    switch (st.kind) {
      case PathStep::Kind::kKey:
        if (cur->is_null()) *cur = json::object();
        if (!cur->is_object()) {
          throw PathError(path.text + ": " +
                          (i == 0 ? std::string("the document") : describe_step(path, i - 1)) +
                          " is " + kind_of(*cur) + ", not an object");
        }
        if (!cur->contains(st.key)) (*cur)[st.key] = last ? json() : json::object();
        next = &(*cur)[st.key];
        break;
      case PathStep::Kind::kIndex:
        if (cur->is_object() && !st.key.empty()) {
          if (!cur->contains(st.key)) (*cur)[st.key] = last ? json() : json::object();
          next = &(*cur)[st.key];
          break;
        }
        if (!cur->is_array()) {
          throw PathError(path.text + ": " + describe_step(path, i > 0 ? i - 1 : 0) + " is " +
                          kind_of(*cur) + ", not an array");
        }
        if (st.index >= cur->size()) {
          throw PathError(path.text + ": index " + std::to_string(st.index) +
                          " is past the end of " +
                          (i > 0 ? describe_step(path, i - 1) : std::string("the array")) + " (" +
                          std::to_string(cur->size()) + " elements)");
        }
        next = &(*cur)[st.index];
        break;
      case PathStep::Kind::kMatch:
        if (!cur->is_array()) {
          throw PathError(path.text + ": " + describe_step(path, i > 0 ? i - 1 : 0) + " is " +
                          kind_of(*cur) + ", not an array");
        }
        next = &(*cur)[match_index(*cur, st, path, i)];
        break;
    }
    cur = next;
  }
  *cur = std::move(value);
}

}  // namespace orrery::plan
