#include <fmt/format.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stop_token>

#include "command.hpp"
#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/trace_format.hpp"
#include "orrery/traces/transform.hpp"
#include "trace_tools.hpp"

namespace orrery::cli {

namespace {
struct ConvertArgs {
  std::string in, format = "auto", out;
  bool strict = false;
  TransformFlags transforms;
};
}  // namespace

Command add_trace(CLI::App& app) {
  CLI::App* c = app.add_subcommand("trace", "Work with trace files (convert, list formats)");
  c->require_subcommand(1);
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* convert =
      c->add_subcommand("convert", "Convert a trace to the native format (docs/formats.md)");
  convert->add_option("input", args->in, "Input trace (plain, .gz or .zst)")
      ->required()
      ->check(CLI::ExistingFile);
  convert->add_option("--format", args->format, "Input format, or auto")->capture_default_str();
  convert->add_option("-o,--out", args->out, "Output native CSV")->required();
  convert->add_flag("--strict", args->strict, "Any dropped or adjusted row is an error");
  add_transform_flags(*convert, args->transforms);
  CLI::App* formats = c->add_subcommand("formats", "List the trace formats");
  const TraceTool inspect = add_trace_inspect(*c);
  const TraceTool synth = add_trace_synth(*c);
  return {c, [convert, formats, args, inspect, synth]() {
            if (inspect.app->parsed()) return inspect.run();
            if (synth.app->parsed()) return synth.run();
            if (formats->parsed()) {
              for (const auto& f : traces::trace_formats())
                std::cout << fmt::format("{:<16} {}\n", f.name, f.summary);
              std::cout << "cluster formats (inspect --cluster-format, scenario cluster import):\n";
              for (const auto& f : traces::cluster_formats())
                std::cout << fmt::format("{:<16} {}\n", f.name, f.summary);
              return 0;
            }
            if (convert->parsed()) {
              traces::ImportOptions opts;
              opts.strict = args->strict;
              const auto transforms = transforms_from_flags(args->transforms);
              traces::Imported t = traces::import_trace(args->in, args->format, opts);
              for (const auto& [reason, n] : t.report.dropped)
                std::cout << fmt::format("dropped {} rows: {}\n", n, reason);
              for (const auto& [reason, n] : t.report.adjusted)
                std::cout << fmt::format("adjusted {} rows: {}\n", n, reason);
              for (const auto& tr : transforms) {
                const std::size_t before = t.workload.jobs.size();
                traces::apply_transform(t.workload, tr, args->transforms.seed);
                std::cout << fmt::format("{}: {} -> {} jobs\n", traces::describe(tr), before,
                                         t.workload.jobs.size());
              }
              std::ostringstream out;
              traces::write_native(t.workload, out);
              scenario::write_file_atomic(args->out, out.str());
              std::cout << fmt::format("wrote {} jobs to {}\n", t.workload.jobs.size(), args->out);
            }
            return 0;
          }};
}

}  // namespace orrery::cli
