// Shared pieces of the libFuzzer targets (docs/fuzzing.md).
//
// Orrery's parsers read files, so a target writes libFuzzer's input into a scratch folder of its
// own (one per process, under $TMPDIR) and parses it from there. One input may carry several
// files (the PAI tables, a scenario's cluster): they are separated by the line kFileSeparator.
//
// What counts as a finding: anything but a clean return or the parsers' documented error,
// sim::InputError (every problem with its file, line and column or JSON path). A crash, a
// sanitizer report, any other exception (it reaches libFuzzer as an abort), a hang (-timeout)
// or a huge allocation (-malloc_limit_mb) all stop the fuzzer with a reproducer.
//
//   extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
//     const auto parts = orrery::fuzz::split_files(data, size);
//     const std::string path = orrery::fuzz::scratch().write("in.csv", parts[0]);
//     return orrery::fuzz::expect_input_errors([&] { parse(path); });
//   }
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "orrery/sim/problems.hpp"

namespace orrery::fuzz {

// Between the files of a multi-file input (a line of its own).
inline constexpr std::string_view kFileSeparator = "\n--8<--\n";

// Splits the input at kFileSeparator; there is always at least one part.
inline std::vector<std::string_view> split_files(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  std::size_t from = 0;
  for (;;) {
    const std::size_t at = all.find(kFileSeparator, from);
    if (at == std::string_view::npos) {
      parts.push_back(all.substr(from));
      return parts;
    }
    parts.push_back(all.substr(from, at - from));
    from = at + kFileSeparator.size();
  }
}

// The process's scratch folder: created on first use, removed when the process exits normally
// (scripts/fuzz.sh also points TMPDIR at a folder of its own and removes it).
class Scratch {
 public:
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
           ("orrery-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string path(std::string_view name) const { return (dir_ / name).string(); }

  // Writes `content` to the file `name` in the folder (replacing it) and returns its path.
  std::string write(std::string_view name, std::string_view content) const {
    const std::string p = path(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) std::abort();  // the harness itself failed: not a finding in the parser
    return p;
  }
  // Removes the file `name` if present (so a part missing from this input is missing on disk).
  void remove(std::string_view name) const {
    std::error_code ec;
    std::filesystem::remove(dir_ / name, ec);
  }

 private:
  std::filesystem::path dir_;
};

inline Scratch& scratch() {
  static Scratch s;
  return s;
}

// Runs `parse`; the documented sim::InputError is an expected outcome, anything else escapes to
// libFuzzer (an uncaught exception aborts, which libFuzzer reports as a crash with the input).
// Returns 0, as LLVMFuzzerTestOneInput must.
template <typename F>
int expect_input_errors(F&& parse) {
  try {
    parse();
  } catch (const sim::InputError& e) {
    // Every problem must say where it is (or at least what is wrong): an empty list or an
    // empty message would be an error the user cannot act on.
    if (e.problems().empty()) std::abort();
    for (const sim::Problem& p : e.problems()) {
      if (p.what.empty()) std::abort();
    }
  }
  return 0;
}

}  // namespace orrery::fuzz
