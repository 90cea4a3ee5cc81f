#include "orrery/traces/trace_format.hpp"

#include <stdexcept>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::traces {

namespace {
template <typename T>
std::vector<T> checked(std::vector<T> list) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k) {
      if (list[i].name == list[k].name)
        throw std::logic_error("trace formats: duplicate name " + list[i].name);
    }
  }
  return list;
}
}  // namespace

const std::vector<TraceFormat>& trace_formats() {
  static const std::vector<TraceFormat> list = [] {
    std::vector<TraceFormat> all = {
        {"native", "Orrery's own CSV (docs/formats.md)",
         [](std::string_view header) { return header.rfind("job_id,submit_s", 0) == 0; },
         read_native},
    };
    for (auto& f : public_trace_formats()) all.push_back(std::move(f));
    for (auto& f : export_trace_formats()) all.push_back(std::move(f));
    return checked(std::move(all));
  }();
  return list;
}

const std::vector<ClusterFormat>& cluster_formats() {
  static const std::vector<ClusterFormat> list = [] {
    std::vector<ClusterFormat> all;
    for (auto& f : public_cluster_formats()) all.push_back(std::move(f));
    for (auto& f : export_cluster_formats()) all.push_back(std::move(f));
    return checked(std::move(all));
  }();
  return list;
}

sim::ClusterSpec import_cluster(const std::string& path, std::string_view format,
                                const ImportOptions& options, ImportReport* report) {
  std::string known;
  for (const ClusterFormat& f : cluster_formats()) known += (known.empty() ? "" : ", ") + f.name;
  for (const ClusterFormat& f : cluster_formats()) {
    if (f.name == format) {
      ImportReport local;
      ImportReport& r = report ? *report : local;
      r.format = f.name;
      r.path = path;
      sim::ClusterSpec spec = f.read(path, options, r);
      r.sha256 = sha256_file(path);
      return spec;
    }
  }
  throw sim::InputError(
      path, "unknown cluster format '" + std::string(format) + "' (known: " + known + ")");
}

Imported import_trace(const std::string& path, std::string_view format,
                      const ImportOptions& options) {
  const TraceFormat* chosen = nullptr;
  std::string known;
  for (const TraceFormat& f : trace_formats()) known += (known.empty() ? "" : ", ") + f.name;
  if (format == "auto" || format.empty()) {
    LineReader in(path);
    std::string header;
    if (!in.next(header)) throw sim::InputError(path, "empty file");
    for (const TraceFormat& f : trace_formats()) {
      if (f.detect && f.detect(header)) {
        chosen = &f;
        break;
      }
    }
    if (!chosen) {
      throw sim::InputError(
          path + ":1",
          "cannot tell the trace format from the header; give --format (known: " + known + ")");
    }
  } else {
    for (const TraceFormat& f : trace_formats()) {
      if (f.name == format) chosen = &f;
    }
    if (!chosen)
      throw sim::InputError(
          path, "unknown trace format '" + std::string(format) + "' (known: " + known + ")");
  }
  Imported result = chosen->read(path, options);
  result.report.sha256 = sha256_file(path);
  if (options.strict) {
    std::vector<sim::Problem> problems;
    for (const auto& [reason, n] : result.report.dropped) {
      problems.push_back({path, std::to_string(n) + " rows dropped: " + reason + " (--strict)"});
    }
    for (const auto& [reason, n] : result.report.adjusted) {
      problems.push_back({path, std::to_string(n) + " rows adjusted: " + reason + " (--strict)"});
    }
    if (!problems.empty()) throw sim::InputError(problems);
  }
  return result;
}

}  // namespace orrery::traces
