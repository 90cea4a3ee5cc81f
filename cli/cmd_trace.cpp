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

namespace orrery::cli {

namespace {
struct ConvertArgs {
  std::string in, format = "auto", out;
  bool strict = false;
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
  CLI::App* formats = c->add_subcommand("formats", "List the trace formats");
  return {c, [convert, formats, args]() {
            if (formats->parsed()) {
              for (const auto& f : traces::trace_formats())
                std::cout << fmt::format("{:<16} {}\n", f.name, f.summary);
              return 0;
            }
            if (convert->parsed()) {
              traces::ImportOptions opts;
              opts.strict = args->strict;
              traces::Imported t = traces::import_trace(args->in, args->format, opts);
              std::ostringstream out;
              traces::write_native(t.workload, out);
              scenario::write_file_atomic(args->out, out.str());
              std::cout << fmt::format("wrote {} jobs to {}\n", t.workload.jobs.size(), args->out);
            }
            return 0;
          }};
}

}  // namespace orrery::cli
