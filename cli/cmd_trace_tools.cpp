#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/inspect.hpp"
#include "orrery/traces/synth.hpp"
#include "orrery/traces/trace_format.hpp"
#include "trace_tools.hpp"

namespace orrery::cli {

namespace {

std::optional<double> parse_number(const std::string& flag, std::string_view text) {
  if (text.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v))
    throw sim::InputError(flag, "\"" + std::string(text) + "\" is not a number");
  return v;
}

// "FROM:TO" with either side empty; a single number N means N:N when `single` is true.
std::pair<std::optional<double>, std::optional<double>> parse_range(const std::string& flag,
                                                                    const std::string& text,
                                                                    bool single) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    if (!single)
      throw sim::InputError(flag, "expected FROM:TO (either may be empty), got \"" + text + "\"");
    auto v = parse_number(flag, text);
    return {v, v};
  }
  return {parse_number(flag, std::string_view(text).substr(0, colon)),
          parse_number(flag, std::string_view(text).substr(colon + 1))};
}

std::vector<std::string> split_commas(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    std::size_t from = 0;
    while (from <= s.size()) {
      const auto comma = s.find(',', from);
      const std::string part = s.substr(from, comma == std::string::npos ? comma : comma - from);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
  }
  return out;
}

void print_import(const traces::ImportReport& r, std::ostream& out) {
  out << fmt::format("read {} rows of {} as {}: {} jobs\n", r.rows, r.path, r.format, r.jobs);
  for (const auto& [reason, n] : r.dropped) out << fmt::format("  dropped {}: {}\n", n, reason);
  for (const auto& [reason, n] : r.adjusted) out << fmt::format("  adjusted {}: {}\n", n, reason);
}

nlohmann::json import_json(const traces::ImportReport& r) {
  return {{"format", r.format}, {"path", r.path},       {"sha256", r.sha256},    {"rows", r.rows},
          {"jobs", r.jobs},     {"dropped", r.dropped}, {"adjusted", r.adjusted}};
}

struct InspectArgs {
  std::string in, format = "auto", cluster, cluster_format = "json";
  bool strict = false, json = false;
};

struct SynthArgs {
  std::string fit, format = "auto", out;
  std::uint64_t jobs = 0, seed = 1;
  bool strict = false, json = false;
};

}  // namespace

void add_transform_flags(CLI::App& cmd, TransformFlags& f) {
  cmd.add_option("--window", f.window,
                 "Keep jobs submitted in [FROM, TO) seconds on the trace's clock (FROM:TO, "
                 "either may be empty)");
  cmd.add_option("--user", f.users, "Keep only these users (repeat or comma-separate)");
  cmd.add_option("--queue", f.queues, "Keep only these queues / virtual clusters");
  cmd.add_option("--gpus", f.gpus, "Keep jobs whose total GPUs are in MIN:MAX (or exactly N)");
  cmd.add_option("--status", f.statuses,
                 "Keep jobs with these observed statuses (completed, failed, killed, ...)");
  f.fraction = cmd.add_option("--sample-fraction", f.sample_fraction,
                              "Keep a seeded random fraction (0..1) of the jobs");
  f.jobs = cmd.add_option("--sample-jobs", f.sample_jobs, "Keep a seeded random N jobs");
  f.load = cmd.add_option("--load-scale", f.load_scale,
                          "Multiply the number of jobs (< 1 thins, > 1 replicates; seeded)");
  f.arrival = cmd.add_option("--arrival-scale", f.arrival_scale, "Multiply the arrival rate by F");
  f.durations =
      cmd.add_option("--duration-scale", f.duration_scale, "Multiply every duration by F");
  cmd.add_option("--seed", f.seed, "Seed of the random transforms")->capture_default_str();
}

std::vector<traces::Transform> transforms_from_flags(const TransformFlags& f) {
  std::vector<traces::Transform> out;
  if (!f.window.empty()) {
    auto [from, to] = parse_range("--window", f.window, false);
    if (from && to && *to <= *from) throw sim::InputError("--window", "TO must be above FROM");
    out.push_back(traces::Window{from, to});
  }
  traces::Filter filter;
  filter.users = split_commas(f.users);
  filter.queues = split_commas(f.queues);
  if (!f.gpus.empty()) {
    auto [lo, hi] = parse_range("--gpus", f.gpus, true);
    if ((lo && *lo < 0) || (hi && *hi < 0) || (lo && hi && *hi < *lo))
      throw sim::InputError("--gpus",
                            "expected MIN:MAX with 0 <= MIN <= MAX, got \"" + f.gpus + "\"");
    filter.min_gpus = lo;
    filter.max_gpus = hi;
  }
  for (const auto& s : split_commas(f.statuses)) {
    auto st = sim::parse_job_status(s);
    if (!st) throw sim::InputError("--status", "\"" + s + "\" is not a status (completed, ...)");
    filter.statuses.push_back(*st);
  }
  if (!filter.users.empty() || !filter.queues.empty() || filter.min_gpus || filter.max_gpus ||
      !filter.statuses.empty())
    out.push_back(filter);
  if (f.fraction->count() && f.jobs->count())
    throw sim::InputError("--sample-fraction", "give --sample-fraction or --sample-jobs, not both");
  if (f.fraction->count()) {
    if (!(f.sample_fraction >= 0 && f.sample_fraction <= 1))
      throw sim::InputError("--sample-fraction", "must be in [0, 1]");
    out.push_back(traces::Sample{f.sample_fraction, std::nullopt, f.seed});
  }
  if (f.jobs->count()) out.push_back(traces::Sample{std::nullopt, f.sample_jobs, f.seed});
  auto factor = [](const char* flag, double v) {
    if (!(v > 0 && v <= 1e6)) throw sim::InputError(flag, "must be in (0, 1e6]");
    return v;
  };
  if (f.load->count())
    out.push_back(traces::ScaleLoad{factor("--load-scale", f.load_scale), f.seed});
  if (f.arrival->count())
    out.push_back(traces::ScaleArrivals{factor("--arrival-scale", f.arrival_scale)});
  if (f.durations->count())
    out.push_back(traces::ScaleDurations{factor("--duration-scale", f.duration_scale)});
  return out;
}

TraceTool add_trace_inspect(CLI::App& trace) {
  auto a = std::make_shared<InspectArgs>();
  CLI::App* c = trace.add_subcommand(
      "inspect", "Statistics of a trace; with --cluster, checked against a cluster");
  c->add_option("input", a->in, "Input trace (plain, .gz or .zst)")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--format", a->format, "Input format, or auto")->capture_default_str();
  c->add_option("--cluster", a->cluster, "Cluster to check the trace against")
      ->check(CLI::ExistingFile);
  c->add_option("--cluster-format", a->cluster_format,
                "Format of --cluster: json (Orrery's cluster JSON) or a cluster format such as "
                "k8s-nodes")
      ->capture_default_str();
  c->add_flag("--strict", a->strict, "Any dropped or adjusted row is an error");
  c->add_flag("--json", a->json, "Print JSON instead of text");
  return {c, [a]() {
            traces::ImportOptions opts;
            opts.strict = a->strict;
            traces::Imported t = traces::import_trace(a->in, a->format, opts);
            std::optional<sim::ClusterSpec> cluster;
            if (!a->cluster.empty()) {
              cluster = a->cluster_format == "json"
                            ? scenario::load_cluster(a->cluster)
                            : traces::import_cluster(a->cluster, a->cluster_format, opts);
            }
            const traces::TraceStats s =
                traces::inspect_workload(t.workload, cluster ? &*cluster : nullptr);
            if (a->json) {
              nlohmann::json j = traces::stats_to_json(s);
              j["import"] = import_json(t.report);
              std::cout << j.dump(2) << "\n";
            } else {
              print_import(t.report, std::cout);
              traces::write_stats_text(s, std::cout);
            }
            return 0;
          }};
}

TraceTool add_trace_synth(CLI::App& trace) {
  auto a = std::make_shared<SynthArgs>();
  CLI::App* c = trace.add_subcommand(
      "synth", "Generate a synthetic trace (native format) fitted to a real one");
  c->add_option("--fit", a->fit, "Trace to fit the model to")->required()->check(CLI::ExistingFile);
  c->add_option("--format", a->format, "Format of --fit, or auto")->capture_default_str();
  c->add_option("-n,--jobs", a->jobs, "Number of jobs to generate")->required();
  c->add_option("--seed", a->seed, "Random seed (same seed, same output)")->capture_default_str();
  c->add_option("-o,--out", a->out, "Output native CSV (- for standard output)")->required();
  c->add_flag("--strict", a->strict, "Any dropped or adjusted row of --fit is an error");
  c->add_flag("--json", a->json, "Print the report as JSON");
  return {
      c, [a]() {
        traces::ImportOptions opts;
        opts.strict = a->strict;
        traces::Imported t = traces::import_trace(a->fit, a->format, opts);
        const traces::SynthModel model = traces::SynthModel::fit(t.workload);
        traces::SynthReport r;
        const bool to_stdout = a->out == "-";
        if (to_stdout) {
          r = model.generate(a->jobs, a->seed, std::cout);
        } else {
          const std::string tmp = a->out + ".tmp";
          {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw sim::InputError(a->out, "cannot open for writing");
            try {
              r = model.generate(a->jobs, a->seed, out);
            } catch (...) {
              std::remove(tmp.c_str());
              throw;
            }
            out.close();
            if (!out) {
              std::remove(tmp.c_str());
              throw sim::InputError(a->out, "write failed (disk full?)");
            }
          }
          std::error_code ec;
          std::filesystem::rename(tmp, a->out, ec);
          if (ec) throw sim::InputError(a->out, "cannot rename the output: " + ec.message());
        }
        std::ostream& log = to_stdout ? std::cerr : std::cout;
        if (a->json) {
          nlohmann::json j = {{"fit", import_json(t.report)},
                              {"model", model.summary()},
                              {"out", a->out},
                              {"seed", a->seed},
                              {"generated_jobs", r.generated_jobs},
                              {"ks",
                               {{"gpu_count", r.ks.gpu_count},
                                {"duration", r.ks.duration},
                                {"interarrival", r.ks.interarrival},
                                {"hour_of_day", r.ks.hour_of_day},
                                {"day_of_week", r.ks.day_of_week}}},
                              {"max_checked_ks", r.max_checked()}};
          log << j.dump(2) << "\n";
        } else {
          print_import(t.report, log);
          log << model.summary() << "\n";
          log << fmt::format("wrote {} jobs to {} (seed {})\n", r.generated_jobs, a->out, a->seed);
          log << fmt::format(
              "KS distance, generated vs fitted: gpu_count {:.4f}, duration {:.4f}, "
              "inter-arrival {:.4f}, hour_of_day {:.4f} (day_of_week {:.4f}, informative)\n",
              r.ks.gpu_count, r.ks.duration, r.ks.interarrival, r.ks.hour_of_day, r.ks.day_of_week);
          if (r.max_checked() > 0.05)
            log << fmt::format(
                "warning: a KS distance is above 0.05 ({:.4f}); with few jobs (-n) the "
                "sampling noise alone is about 1.36/sqrt(n)\n",
                r.max_checked());
        }
        return 0;
      }};
}

}  // namespace orrery::cli
