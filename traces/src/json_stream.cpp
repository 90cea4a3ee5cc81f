#include "json_stream.hpp"

#include <charconv>
#include <unordered_set>

namespace orrery::traces::jsonstream {

namespace {

using json = nlohmann::json;

constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t mix(std::uint64_t h, unsigned char byte) {
  return (h ^ byte) * kFnvPrime;
}

// The SAX handler behind stream_array. Every open container has a Frame saying what becomes of
// its contents: ignored (only checked to be JSON), built into a DOM (an element, or the kept top
// level), or the streamed array itself, whose every value starts a new element.
class ArraySax {
 public:
  ArraySax(LineReader& in, const JsonStreamBuf& buf, const StreamSpec& spec,
           sim::Problems& problems, StreamedDoc& doc, const ElementFn& on_element)
      : in_(in),
        buf_(buf),
        spec_(spec),
        discard_(spec.discard.begin(), spec.discard.end()),
        problems_(problems),
        doc_(doc),
        on_element_(on_element) {}

  // --- nlohmann::json SAX interface ---
  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return scalar(json(v)); }
  bool string(std::string& s) { return scalar(json(std::move(s))); }
  bool binary(json::binary_t&) { return true; }  // never produced by JSON text
  bool key(std::string& k) {
    if (too_deep()) return false;
    key_.swap(k);
    return true;
  }
  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    const std::string& path = in_.path();
    if (!buf_.saw_text()) {
      problems_.add(path, "empty file (expected a JSON document)");
      return false;
    }
    std::string msg = ex.what();
    if (dynamic_cast<const json::parse_error*>(&ex)) {
      // "[json.exception.parse_error.101] parse error at line 9, column 1: syntax error ..."
      if (const auto p = msg.find("parse error"); p != std::string::npos) msg = msg.substr(p);
      msg = "invalid JSON (truncated or corrupt file?): " + msg;
    } else {  // e.g. out_of_range.406, a number too large for a double
      if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
      msg = "invalid JSON: " + msg;
    }
    problems_.add(where(), std::move(msg));
    return false;
  }

 private:
  enum class Role : std::uint8_t { kIgnored, kBuilt, kArray };
  struct Frame {
    Role role = Role::kIgnored;
    json* value = nullptr;       // kBuilt: the container being filled
    std::uint64_t hash = 0;      // kBuilt: its path hash
    std::size_t next = 0;        // arrays: the index of the next value
    JsonLines* lines = nullptr;  // kBuilt: where its values' lines go
    bool element = false;        // kBuilt: the root of an element (hand it over when closed)
  };
  // Where a new value goes: nowhere (target null), into a DOM, or it is the streamed key's value.
  struct Slot {
    json* target = nullptr;
    std::uint64_t hash = 0;
    JsonLines* lines = nullptr;
    bool element = false;  // the value is an element of the streamed array
    bool key = false;      // the value of the top-level `key`
  };

  std::string where() const { return in_.path() + ":" + std::to_string(in_.line_number()); }

  // Nesting is bounded before anything is built: more than kMaxDepth open containers is an error.
  bool too_deep() {
    if (stack_.size() <= static_cast<std::size_t>(kMaxDepth)) return false;
    problems_.add(where(), "JSON nested deeper than " + std::to_string(kMaxDepth) +
                               " levels; not an export this importer reads");
    return true;
  }

  Slot place(bool is_object) {
    if (stack_.empty()) {  // the document itself
      doc_.top_object = is_object;
      if (!is_object || !spec_.keep_rest) return {};
      doc_.rest_lines.reset("");
      return {&doc_.rest, JsonLines::kRoot, &doc_.rest_lines, false, false};
    }
    Frame& parent = stack_.back();
    if (stack_.size() == 1 && doc_.top_object && key_ == spec_.key) return {.key = true};
    if (parent.role == Role::kArray) {  // a new element
      index_ = parent.next++;
      element_ = json();
      lines_.reset(spec_.key + "[" + std::to_string(index_) + "]");
      return {&element_, JsonLines::kRoot, &lines_, true, false};
    }
    if (parent.role == Role::kIgnored) return {};
    if (parent.value->is_object()) {
      if (discard_.count(key_)) return {};
      // A key given twice keeps the last value, as nlohmann's own DOM parser does.
      json& slot = (*parent.value)[key_];
      return {&slot, JsonLines::member(parent.hash, key_), parent.lines, false, false};
    }
    parent.value->push_back(json());
    return {&parent.value->back(), JsonLines::index(parent.hash, parent.next++), parent.lines,
            false, false};
  }

  bool scalar(json&& v) {
    if (too_deep()) return false;
    const Slot s = place(false);
    if (!s.target) return true;  // ignored, discarded, or a key that is not an array
    *s.target = std::move(v);
    s.lines->add(s.hash, in_.line_number());
    return s.element ? deliver() : true;
  }

  bool open(json::value_t type) {
    if (too_deep()) return false;
    const bool is_object = type == json::value_t::object;
    const Slot s = place(is_object);
    if (s.key && !is_object) {
      if (doc_.found) {
        problems_.add(where(), "\"" + spec_.key + "\" appears twice at the top level");
        return false;
      }
      doc_.found = true;
      stack_.push_back({.role = Role::kArray});
      return true;
    }
    if (!s.target) {
      stack_.push_back({});
      return true;
    }
    *s.target = json(type);
    s.lines->add(s.hash, in_.line_number());
    stack_.push_back({Role::kBuilt, s.target, s.hash, 0, s.lines, s.element});
    return true;
  }

  bool close() {
    const bool element = stack_.back().element;
    stack_.pop_back();
    return element ? deliver() : true;
  }

  // Hands the finished element over and drops it.
  bool deliver() {
    ++doc_.elements;
    const bool more = on_element_(element_, index_, lines_);
    element_ = json();
    if (!more && problems_.empty())
      problems_.add(in_.path(), "stopped reading");  // on_element asked; defensive
    return more;
  }

  LineReader& in_;
  const JsonStreamBuf& buf_;
  const StreamSpec& spec_;
  std::unordered_set<std::string> discard_;
  sim::Problems& problems_;
  StreamedDoc& doc_;
  const ElementFn& on_element_;
  std::vector<Frame> stack_;
  std::string key_;
  json element_;
  std::size_t index_ = 0;
  JsonLines lines_;
};

}  // namespace

JsonStreamBuf::int_type JsonStreamBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (!in_.next_piece(buf_)) return traits_type::eof();
  if (!saw_text_) saw_text_ = buf_.find_first_not_of(" \t\r\n") != std::string::npos;
  setg(buf_.data(), buf_.data(), buf_.data() + buf_.size());
  return traits_type::to_int_type(*gptr());
}

std::uint64_t JsonLines::member(std::uint64_t parent, std::string_view key) {
  std::uint64_t h = mix(parent, '.');
  for (const char c : key) h = mix(h, static_cast<unsigned char>(c));
  return mix(h, 0xFF);  // never a byte of UTF-8 text: "a" then "b" differs from "ab"
}

std::uint64_t JsonLines::index(std::uint64_t parent, std::size_t i) {
  std::uint64_t h = mix(parent, '[');
  for (int b = 0; b < 8; ++b) h = mix(h, static_cast<unsigned char>(i >> (8 * b)));
  return h;
}

const std::uint64_t* JsonLines::find(std::uint64_t path_hash) const {
  for (const auto& [h, line] : entries_) {
    if (h == path_hash) return &line;
  }
  return nullptr;
}

std::uint64_t JsonLines::line_of(std::string_view json_path) const {
  if (json_path.substr(0, root_path_.size()) != root_path_) return 0;
  const std::string_view rest = json_path.substr(root_path_.size());
  std::uint64_t h = kRoot;
  const std::uint64_t* found = find(h);
  std::uint64_t best = found ? *found : 0;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    if (rest[pos] == '[') {
      const std::size_t close_at = rest.find(']', pos);
      std::size_t i = 0;
      if (close_at == std::string_view::npos ||
          std::from_chars(rest.data() + pos + 1, rest.data() + close_at, i).ptr !=
              rest.data() + close_at)
        break;
      found = find(index(h, i));
      if (!found) break;
      h = index(h, i);
      best = *found;
      pos = close_at + 1;
      continue;
    }
    if (rest[pos] != '.') break;
    ++pos;
    // A key runs to the next '.' or '[', unless the key itself holds them ("nvidia.com/gpu"):
    // the longest recorded key wins.
    bool matched = false;
    for (std::size_t end = rest.size(); end > pos && !matched; --end) {
      if (end != rest.size() && rest[end] != '.' && rest[end] != '[') continue;
      found = find(member(h, rest.substr(pos, end - pos)));
      if (!found) continue;
      h = member(h, rest.substr(pos, end - pos));
      best = *found;
      pos = end;
      matched = true;
    }
    if (!matched) break;
  }
  return best;
}

StreamedDoc stream_array(LineReader& in, const StreamSpec& spec, sim::Problems& problems,
                         const ElementFn& on_element) {
  StreamedDoc doc;
  JsonStreamBuf buf(in);
  std::istream stream(&buf);
  ArraySax sax(in, buf, spec, problems, doc, on_element);
  if (!nlohmann::json::sax_parse(stream, &sax)) {
    if (problems.empty()) problems.add(in.path(), "invalid JSON");  // defensive
    problems.throw_if_any();
  }
  return doc;
}

}  // namespace orrery::traces::jsonstream
