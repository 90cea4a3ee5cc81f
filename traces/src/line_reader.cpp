#include "orrery/traces/line_reader.hpp"

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include <utf8.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "orrery/sim/problems.hpp"

namespace orrery::traces {

namespace {
constexpr std::size_t kChunk = 1U << 16;

std::string errno_text() {
  return std::strerror(errno);
}

// The offset of the first byte that is not part of well-formed UTF-8 (utfcpp's validation:
// RFC 3629, no overlong forms, no surrogates, nothing above U+10FFFF), or npos. Trace lines are
// nearly always ASCII: a line without a byte >= 0x80 (checked 8 bytes at a time) skips it.
std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  if (i == s.size()) return std::string_view::npos;
  const auto bad = utf8::find_invalid(s.begin() + static_cast<std::ptrdiff_t>(i), s.end());
  return bad == s.end() ? std::string_view::npos : static_cast<std::size_t>(bad - s.begin());
}
}  // namespace

class LineReader::Source {
 public:
  enum class Kind { kPlain, kGzip, kZstd };
  explicit Source(const std::string& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw sim::InputError(path, "cannot open: " + errno_text());
    unsigned char magic[4] = {0, 0, 0, 0};
    const std::size_t n = std::fread(magic, 1, 4, file_);
    std::rewind(file_);
    if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      kind_ = Kind::kGzip;
      std::fclose(file_);
      file_ = nullptr;
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) throw sim::InputError(path, "cannot open gzip stream");
      gzbuffer(gz_, 1U << 17);
    } else if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
               magic[3] == 0xfd) {
      kind_ = Kind::kZstd;
      zstd_ = ZSTD_createDStream();
      ZSTD_initDStream(zstd_);
      in_.resize(ZSTD_DStreamInSize());
    }
  }
  ~Source() {
    if (file_) std::fclose(file_);
    if (gz_) gzclose(gz_);
    if (zstd_) ZSTD_freeDStream(zstd_);
  }
  Kind kind() const { return kind_; }

  // Appends up to kChunk bytes; returns 0 at the end.
  std::size_t read(std::string& out) {
    const std::size_t old = out.size();
    out.resize(old + kChunk);
    std::size_t got = 0;
    switch (kind_) {
      case Kind::kPlain:
        got = std::fread(out.data() + old, 1, kChunk, file_);
        if (got == 0 && std::ferror(file_))
          throw sim::InputError(path_, "read error: " + errno_text());
        break;
      case Kind::kGzip: {
        const int r = gzread(gz_, out.data() + old, static_cast<unsigned>(kChunk));
        int code = Z_OK;
        const char* msg = gzerror(gz_, &code);
        if (r < 0 || (code != Z_OK && code != Z_STREAM_END)) {
          throw sim::InputError(path_, std::string("corrupt or truncated gzip data: ") + msg);
        }
        got = static_cast<std::size_t>(r);
        break;
      }
      case Kind::kZstd:
        got = read_zstd(out.data() + old);
        break;
    }
    out.resize(old + got);
    return got;
  }

 private:
  std::size_t read_zstd(char* dst) {
    ZSTD_outBuffer output{dst, kChunk, 0};
    while (output.pos == 0) {
      if (input_.pos == input_.size) {
        const std::size_t n = std::fread(in_.data(), 1, in_.size(), file_);
        if (n == 0) {
          if (std::ferror(file_)) throw sim::InputError(path_, "read error: " + errno_text());
          if (frame_open_)
            throw sim::InputError(path_, "truncated zstd data (the last frame is incomplete)");
          return 0;
        }
        input_ = ZSTD_inBuffer{in_.data(), n, 0};
      }
      const std::size_t r = ZSTD_decompressStream(zstd_, &output, &input_);
      if (ZSTD_isError(r)) {
        throw sim::InputError(path_, std::string("corrupt zstd data: ") + ZSTD_getErrorName(r));
      }
      frame_open_ = r != 0;
    }
    return output.pos;
  }

  std::string path_;
  Kind kind_ = Kind::kPlain;
  std::FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
  ZSTD_DStream* zstd_ = nullptr;
  std::vector<char> in_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool frame_open_ = false;
};

LineReader::LineReader(const std::string& path, std::size_t max_line)
    : path_(path), max_line_(max_line), source_(std::make_unique<Source>(path)) {}

LineReader::~LineReader() = default;

const char* LineReader::compression() const {
  switch (source_->kind()) {
    case Source::Kind::kGzip:
      return "gzip";
    case Source::Kind::kZstd:
      return "zstd";
    default:
      return "none";
  }
}

bool LineReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  if (source_->read(buf_) == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

bool LineReader::next(std::string& line) {
  std::size_t scan_from = pos_;
  for (;;) {
    const std::size_t nl = buf_.find('\n', scan_from);
    if (nl != std::string::npos) {
      line.assign(buf_, pos_, nl - pos_);
      pos_ = nl + 1;
      break;
    }
    if (buf_.size() - pos_ > max_line_) {
      throw sim::InputError(path_ + ":" + std::to_string(line_no_ + 1),
                            "line longer than " + std::to_string(max_line_) + " bytes");
    }
    const std::size_t scanned = buf_.size() - pos_;
    if (!fill()) {
      if (pos_ >= buf_.size()) return false;
      line.assign(buf_, pos_, std::string::npos);
      pos_ = buf_.size();
      break;
    }
    scan_from = pos_ + scanned;
  }
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line_no_ == 1 && line.size() >= 3 && static_cast<unsigned char>(line[0]) == 0xEF &&
      static_cast<unsigned char>(line[1]) == 0xBB && static_cast<unsigned char>(line[2]) == 0xBF) {
    line.erase(0, 3);
  }
  // Text from a trace ends up in JSON, HTML and the GUI: bytes that are not UTF-8 (a Latin-1
  // export, a binary file) are an error here, where the file and line are known.
  if (const std::size_t bad = invalid_utf8_at(line); bad != std::string_view::npos) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(line[bad]));
    std::size_t from = bad - std::min<std::size_t>(bad, 40);
    while (from < bad && (static_cast<unsigned char>(line[from]) & 0xC0) == 0x80) ++from;
    throw sim::InputError(path_ + ":" + std::to_string(line_no_),
                          "invalid UTF-8: byte " + std::string(hex) + " at byte " +
                              std::to_string(bad + 1) + " of the line, after \"" +
                              line.substr(from, bad - from) + "\"");
  }
  return true;
}

bool LineReader::next_piece(std::string& piece) {
  if (pos_ >= buf_.size() && !fill()) return false;
  if (line_no_ == 0 && piece_starts_line_ && buf_.size() - pos_ >= 3 &&
      buf_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) {
    pos_ += 3;  // the byte-order mark
    if (pos_ >= buf_.size() && !fill()) return false;
  }
  // Up to the end of the line when it is in the buffer, else what the buffer holds (one chunk at
  // most after fill() dropped what was consumed).
  const std::size_t nl = buf_.find('\n', pos_);
  const std::size_t end = nl == std::string::npos ? buf_.size() : nl + 1;
  piece.assign(buf_, pos_, end - pos_);
  pos_ = end;
  if (piece_starts_line_) ++line_no_;
  piece_starts_line_ = piece.back() == '\n';
  return true;
}

std::string sha256_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw sim::InputError(path, "cannot open: " + errno_text());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<unsigned char> buf(1U << 16);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) EVP_DigestUpdate(ctx, buf.data(), n);
  std::fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace orrery::traces
