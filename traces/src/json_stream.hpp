// Streaming JSON for the importers of large JSON documents (sacct --json, kubectl get pods -o
// json, Philly's cluster_job_log), so that memory follows the jobs kept, not the file size.
// Internal to traces/ (not installed).
//
//  * JsonStreamBuf: a std::streambuf over a LineReader (plain, gzip or zstd; line numbers) for
//    nlohmann::json's SAX parser. It hands over pieces of at most 64 KiB, so a compact one-line
//    document costs no more than a pretty-printed one.
//  * stream_array(): parses a document whose top level is an object holding one large array
//    under `key` ({"meta": ..., "jobs": [...]}). Each element of that array is built as a small
//    DOM, handed to the caller (which converts it with its ordinary DOM code) and dropped.
//    Everything else is only checked to be JSON, or kept as a DOM on request (small: a List's
//    apiVersion, kind and metadata).
//  * JsonLines: the line where each value of the element being built begins, so a problem
//    named by JSON path ("jobs[3].tres.allocated[4].count") also names its line.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::traces::jsonstream {

constexpr int kMaxDepth = 64;  // containers nested deeper than this are refused

class JsonStreamBuf : public std::streambuf {
 public:
  explicit JsonStreamBuf(LineReader& in) : in_(in) {}
  // Whether anything but whitespace was read (tells an empty file from invalid JSON).
  bool saw_text() const { return saw_text_; }

 protected:
  int_type underflow() override;

 private:
  LineReader& in_;
  std::string buf_;
  bool saw_text_ = false;
};

// The line where each value of one JSON value (an element, or the kept top level) begins, keyed
// by a hash of its path from that value. Recording costs one hash of the key and one push per
// value; the lookup from a path (only when there is a problem) walks the path's steps.
class JsonLines {
 public:
  static constexpr std::uint64_t kRoot = 14695981039346656037ULL;  // FNV-1a offset basis
  static std::uint64_t member(std::uint64_t parent, std::string_view key);
  static std::uint64_t index(std::uint64_t parent, std::size_t i);

  // Starts over for a value named `root_path` in problems ("jobs[3]", "(pod)").
  void reset(std::string root_path) {
    root_path_ = std::move(root_path);
    entries_.clear();
  }
  void set_root_path(std::string root_path) { root_path_ = std::move(root_path); }
  void add(std::uint64_t path_hash, std::uint64_t line) { entries_.emplace_back(path_hash, line); }
  // The line where the value itself begins (0 before anything was recorded).
  std::uint64_t root_line() const { return entries_.empty() ? 0 : entries_.front().second; }
  // The line where the value at `json_path` (a path as problems name it: root path, then
  // ".key" and "[i]" steps; keys may hold dots) begins, or where its deepest recorded ancestor
  // begins; 0 when the path is not under the root path.
  std::uint64_t line_of(std::string_view json_path) const;

 private:
  const std::uint64_t* find(std::uint64_t path_hash) const;
  std::string root_path_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> entries_;  // (path hash, line)
};

struct StreamSpec {
  std::string key;                   // the top-level member holding the array ("jobs", "items")
  std::vector<std::string> discard;  // members skipped at any depth (never built, saves memory)
  bool keep_rest = false;            // keep the top-level object's other members as a DOM
};

struct StreamedDoc {
  bool top_object = false;  // the document is a JSON object
  bool found = false;       // ... and `key` holds an array (its elements were handed over)
  std::size_t elements = 0;
  nlohmann::json rest;   // keep_rest: the top-level object without `key`
  JsonLines rest_lines;  // keep_rest: the lines of rest's values (root path "")
};

// Called with each element of the array (any JSON value), its index and the lines of its
// values (root path "KEY[index]"). The element may be moved from. Returns false to stop reading
// (for example when enough problems were found); stream_array then throws them.
using ElementFn = std::function<bool(nlohmann::json& element, std::size_t index, JsonLines& lines)>;

// Streams `in` as described above. Invalid or truncated JSON, nesting deeper than kMaxDepth, an
// empty file, `key` twice at the top level, or a stop asked by `on_element`: the problem (file
// and line) joins `problems`, and all of them are thrown as one sim::InputError. A missing
// `key`, or one that is not an array, is left to the caller (found == false) to word.
StreamedDoc stream_array(LineReader& in, const StreamSpec& spec, sim::Problems& problems,
                         const ElementFn& on_element);

}  // namespace orrery::traces::jsonstream
