// Trace formats: each is an adapter from a file into the canonical sim::Workload.
//
// Every importer streams its input (LineReader: plain, gzip or zstd), reports every row it drops
// or adjusts by reason in an ImportReport, turns any such row into an error with --strict, and
// throws sim::InputError naming file, line and column for malformed input.
//
//   Imported t = import_trace("jobs.csv", "auto", {});
//   t.workload.jobs.size();
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "orrery/sim/cluster.hpp"
#include "orrery/sim/job.hpp"

namespace orrery::traces {

struct ImportOptions {
  bool strict = false;  // any dropped or adjusted row is an error
};

struct ImportReport {
  std::string format;
  std::string path;
  std::string sha256;
  std::uint64_t rows = 0;                         // data rows read
  std::uint64_t jobs = 0;                         // jobs in the workload
  std::map<std::string, std::uint64_t> dropped;   // reason -> rows
  std::map<std::string, std::uint64_t> adjusted;  // reason -> rows
};

struct Imported {
  sim::Workload workload;
  ImportReport report;
};

struct TraceFormat {
  std::string name;
  std::string summary;
  // Does this header line look like this format? (for --format auto)
  std::function<bool(std::string_view header)> detect;
  std::function<Imported(const std::string& path, const ImportOptions& options)> read;
};

// A cluster description read from a trace's machine or node list (Philly machine list, openb
// node list, kubectl get nodes, Tiresias cluster spec, PAI machine spec, ...).
struct ClusterFormat {
  std::string name;
  std::string summary;
  std::function<sim::ClusterSpec(const std::string& path, const ImportOptions& options,
                                 ImportReport& report)>
      read;
};

// All registered formats: native, then the public traces' formats (formats_public.cpp), then
// cluster-export formats (formats_exports.cpp). Each list is one line per format.
const std::vector<TraceFormat>& trace_formats();
std::vector<TraceFormat> public_trace_formats();
std::vector<TraceFormat> export_trace_formats();
const std::vector<ClusterFormat>& cluster_formats();
std::vector<ClusterFormat> public_cluster_formats();
std::vector<ClusterFormat> export_cluster_formats();
sim::ClusterSpec import_cluster(const std::string& path, std::string_view format,
                                const ImportOptions& options, ImportReport* report = nullptr);
// `format` is a registered name or "auto". Throws sim::InputError.
Imported import_trace(const std::string& path, std::string_view format,
                      const ImportOptions& options);

// The native format (CSV with header), documented in docs/formats.md.
Imported read_native(const std::string& path, const ImportOptions& options);
void write_native(const sim::Workload& workload, std::ostream& out);
extern const char* const kNativeHeader;

// Seconds with millisecond precision, shortest exact form ("12", "12.5", "0.001").
std::string format_seconds(std::int64_t ms);
// The same, appended to `out` (no temporary: for writers of millions of rows).
void append_seconds(std::string& out, std::int64_t ms);

}  // namespace orrery::traces
