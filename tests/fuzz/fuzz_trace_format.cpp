// One libFuzzer target per trace or cluster format of traces/ (the list is in CMakeLists.txt).
// The build gives each target, as compile definitions:
//   ORRERY_FUZZ_FORMATS  registered format names, comma-separated ("dirlab,philly-csv"); with
//                        more than one, the input's first byte picks the format;
//   ORRERY_FUZZ_CLUSTER  1 for a cluster format (import_cluster), 0 for a trace (import_trace);
//   ORRERY_FUZZ_FILES    the file names the input's parts are written to, comma-separated; the
//                        first is the one the importer is given (PAI reads its sibling tables).
// An imported workload is also checked against the invariants every importer promises
// (sim/job.hpp): a violation is a finding even though nothing crashed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "orrery/traces/trace_format.hpp"

namespace {

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= text.size()) {
    std::size_t at = text.find(',', from);
    if (at == std::string_view::npos) at = text.size();
    out.emplace_back(text.substr(from, at - from));
    from = at + 1;
  }
  return out;
}

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
  std::abort();
}

// The promises of sim::JobSpec and sim::Workload that the engine relies on.
void check_workload(const orrery::sim::Workload& w) {
  std::set<std::string_view> ids;
  for (const orrery::sim::JobSpec& j : w.jobs) {
    if (!ids.insert(j.id).second) broken("duplicate job id '" + j.id + "'");
    if (j.tasks < 1) broken("job '" + j.id + "' has no tasks");
    if (j.gpu_milli > 1000 && j.gpu_milli % 1000 != 0)
      broken("job '" + j.id + "': gpu_milli " + std::to_string(j.gpu_milli) +
             " is above one GPU but not whole GPUs");
    if (j.duration.ms() < 0) broken("job '" + j.id + "' has a negative duration");
    if (j.walltime && j.walltime->ms() < 0) broken("job '" + j.id + "' has a negative walltime");
    if (j.user >= w.users.size() || j.queue >= w.queues.size() ||
        j.gpu_type >= w.gpu_types.size() || j.job_class >= w.job_classes.size())
      broken("job '" + j.id + "' names a string that is not interned");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = orrery::fuzz;
  static const std::vector<std::string> formats = split_commas(ORRERY_FUZZ_FORMATS);
  static const std::vector<std::string> files = split_commas(ORRERY_FUZZ_FILES);
  std::string_view format = formats.front();
  if (formats.size() > 1) {
    if (size == 0) return 0;
    format = formats[data[0] % formats.size()];
    ++data;
    --size;
  }
  const auto parts = fz::split_files(data, size);
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i < parts.size()) {
      fz::scratch().write(files[i], parts[i]);
    } else {
      fz::scratch().remove(files[i]);
    }
  }
  const std::string path = fz::scratch().path(files.front());
  return fz::expect_input_errors([&] {
    if (ORRERY_FUZZ_CLUSTER) {
      orrery::traces::ImportReport report;
      (void)orrery::traces::import_cluster(path, format, {}, &report);
    } else {
      check_workload(orrery::traces::import_trace(path, format, {}).workload);
    }
  });
}
