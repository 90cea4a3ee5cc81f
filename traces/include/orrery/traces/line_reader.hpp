// Reads a text file line by line, decompressing gzip and zstd transparently (by magic bytes,
// not by file name), stripping a UTF-8 byte-order mark and CRLF line ends, and counting lines so
// every error can name file and line. Memory stays constant whatever the file size; a line
// longer than the limit (default 16 MiB) is an error, not an allocation spree.
//
//   LineReader in("trace.csv.zst");
//   std::string line;
//   while (in.next(line)) { ... in.line_number() ... }
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace orrery::traces {

class LineReader {
 public:
  static constexpr std::size_t kDefaultMaxLine = 16U << 20;
  explicit LineReader(const std::string& path, std::size_t max_line = kDefaultMaxLine);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line without its line end; false at the end of the file. Throws sim::InputError on a
  // read error, a corrupt or truncated compressed stream, or an over-long line.
  bool next(std::string& line);
  // The next piece of text for a streaming parser: the rest of the current line up to and
  // including its '\n', but at most about 64 KiB, so a file that is one long line (compact JSON)
  // costs no more memory than any other. false at the end of the file. line_number() is then the
  // line of the piece's last byte. Line ends are kept as they are (CR included); the byte-order
  // mark is stripped. Use either next() or next_piece() on one reader, not both.
  bool next_piece(std::string& piece);
  std::uint64_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }
  const char* compression() const;

 private:
  class Source;
  bool fill();
  std::string path_;
  std::size_t max_line_;
  std::unique_ptr<Source> source_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::uint64_t line_no_ = 0;
  bool piece_starts_line_ = true;  // next_piece: the next piece begins a new line
};

// SHA-256 of a file's bytes as stored (hex), for manifests.
std::string sha256_file(const std::string& path);

}  // namespace orrery::traces
