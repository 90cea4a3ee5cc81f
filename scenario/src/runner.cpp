#include <fmt/format.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "orrery/policies/registry.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::scenario {

namespace fs = std::filesystem;
using nlohmann::json;

RunContext load_workload(const Scenario& s) {
  traces::ImportOptions opts;
  opts.strict = s.strict;
  traces::Imported imported = traces::import_trace(s.trace_path, s.trace_format, opts);
  traces::apply_transforms(imported.workload, s.transforms, s.options.seed);
  return RunContext{std::move(imported.workload), std::move(imported.report)};
}

std::vector<PolicyRun> run_scenario(const Scenario& s, const RunContext& ctx, unsigned threads,
                                    const ScenarioProgress& progress, std::stop_token stop) {
  const std::size_t n = s.policies.size();
  std::vector<PolicyRun> runs(n);
  std::vector<std::atomic<std::uint64_t>> done(n);
  for (auto& d : done) d = 0;
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  const std::uint64_t total = ctx.workload.jobs.size() * n;
  std::mutex progress_mutex;
  auto worker = [&]() {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        const PolicyChoice& choice = s.policies[i];
        sim::Simulation sim(
            s.cluster, ctx.workload, policies::make_policy(choice.name, choice.params),
            policies::make_placer(s.placement), make_runtime(s, ctx.workload), s.options);
        if (progress) {
          sim.set_progress([&, i](const sim::Progress& p) {
            done[i] = p.jobs_done;
            std::uint64_t sum = 0;
            for (auto& d : done) sum += d;
            std::lock_guard lock(progress_mutex);
            progress(sum, total);
          });
        }
        runs[i] = PolicyRun{choice, sim.run(stop)};
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  unsigned t = threads == 0 ? std::max(1U, std::thread::hardware_concurrency()) : threads;
  t = static_cast<unsigned>(std::min<std::size_t>(t, n));
  {
    std::vector<std::jthread> pool;
    for (unsigned k = 1; k < t; ++k) pool.emplace_back(worker);
    worker();
  }
  if (error) std::rethrow_exception(error);
  const std::string trace_hash = ctx.import.sha256;
  for (auto& r : runs) {
    auto& inputs = r.result.manifest.inputs;
    inputs.emplace_back("trace", s.trace_path + " sha256:" + trace_hash);
    if (!s.path.empty())
      inputs.emplace_back("scenario", s.path + " sha256:" + traces::sha256_file(s.path));
    if (s.cluster_source != "inline" && !s.cluster_source.empty() && fs::exists(s.cluster_source)) {
      inputs.emplace_back("cluster",
                          s.cluster_source + " sha256:" + traces::sha256_file(s.cluster_source));
    }
  }
  return runs;
}

namespace {

// A file written through a temporary beside it (PATH.tmp.PID) that is renamed into place only
// once all of it is on disk: a failed or interrupted write never leaves a partial file under the
// real name. Not committed (an exception on the way): the temporary is removed.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path)
      : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (!f_) throw sim::InputError(path_, "cannot write: " + std::string(std::strerror(errno)));
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() {
    if (f_) {
      std::fclose(f_);
      std::remove(tmp_.c_str());
    }
  }
  // Throws at the first failed write (a full disk, a file size limit): a streamed file stops
  // there instead of formatting the rest for nothing.
  void write(std::string_view data) {
    if (std::fwrite(data.data(), 1, data.size(), f_) != data.size()) fail(errno);
  }
  void commit() {
    // Every step is checked: a full disk can fail the flush, the sync or the close (NFS reports
    // some errors only there).
    if (std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0) fail(errno);
    const bool closed = std::fclose(f_) == 0;
    const int close_err = errno;
    f_ = nullptr;
    if (!closed) {
      std::remove(tmp_.c_str());
      throw_write_failed(close_err);
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      const int e = errno;
      std::remove(tmp_.c_str());
      throw sim::InputError(path_, "cannot rename into place: " + std::string(std::strerror(e)));
    }
  }

 private:
  [[noreturn]] void fail(int err) {
    std::fclose(f_);
    f_ = nullptr;
    std::remove(tmp_.c_str());
    throw_write_failed(err);
  }
  [[noreturn]] void throw_write_failed(int err) const {
    throw sim::InputError(path_, "write failed (" + std::string(std::strerror(err ? err : EIO)) +
                                     "): disk full or over a file size limit? The previous "
                                     "file, if any, is left as it was");
  }

  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
};

}  // namespace

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicFile f(path);
  f.write(content);
  f.commit();
}

namespace {
json quantiles_json(const sim::Quantiles& q) {
  return {{"mean", q.mean}, {"p50", q.p50}, {"p95", q.p95}, {"p99", q.p99}, {"max", q.max}};
}
}  // namespace

namespace {
json cost_json(const sim::CostBreakdown& c) {
  json by_pool = json::object(), by_queue = json::object();
  for (const auto& [k, v] : c.by_pool) by_pool[k] = v;
  for (const auto& [k, v] : c.by_queue) by_queue[k] = v;
  return {{"total", c.total},
          {"cloud_on_demand", c.cloud_on_demand},
          {"cloud_reserved", c.cloud_reserved},
          {"cloud_spot", c.cloud_spot},
          {"onprem_capital", c.onprem_capital},
          {"onprem_operations", c.onprem_operations},
          {"energy", c.energy},
          {"idle", c.idle},
          {"energy_kwh", c.energy_kwh},
          {"node_hours_billed", c.node_hours_billed},
          {"by_pool", by_pool},
          {"by_queue", by_queue}};
}
}  // namespace

json summary_json(const sim::Summary& s, const sim::Manifest& m) {
  return {{"policy", m.policy},
          {"placement", m.placement},
          {"jobs", s.jobs},
          {"completed", s.completed},
          {"failed", s.failed},
          {"timed_out", s.timed_out},
          {"rejected", s.rejected},
          {"unfinished", s.unfinished},
          {"jct_s", quantiles_json(s.jct_s)},
          {"wait_s", quantiles_json(s.wait_s)},
          {"makespan_s", s.makespan_s},
          {"gpu_utilization", s.gpu_utilization},
          {"gpu_hours_allocated", s.gpu_hours_allocated},
          {"preemptions", s.preemptions},
          {"restarts", s.restarts},
          {"node_failures", s.node_failures},
          {"goodput", s.goodput},
          {"effective_utilization", s.effective_utilization},
          {"gpu_hours_lost_failures", s.gpu_hours_lost_failures},
          {"gpu_hours_lost_preemption", s.gpu_hours_lost_preemption},
          {"gpu_hours_overhead", s.gpu_hours_overhead},
          {"gpu_hours_lost_time_limits", s.gpu_hours_lost_time_limits},
          {"cost_total", s.cost.total},
          {"cost_per_job", s.cost_per_job},
          {"cost_idle", s.cost.idle},
          {"energy_kwh", s.cost.energy_kwh},
          {"cost", cost_json(s.cost)},
          {"spot_reclaims", s.spot_reclaims},
          {"nodes_provisioned", s.nodes_provisioned},
          {"nodes_released", s.nodes_released},
          {"fingerprint", m.fingerprint},
          {"cancelled", m.cancelled}};
}

void write_run(const PolicyRun& run, const Scenario& s, const RunContext& ctx,
               const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw sim::InputError(dir, "cannot create the output folder: " + ec.message());
  const sim::Workload& w = ctx.workload;
  const sim::RunResult& r = run.result;
  // jobs.csv is streamed in 1 MiB pieces (10M jobs make a 1 GB file; it is never all in memory).
  AtomicFile jobs_file(dir + "/jobs.csv");
  constexpr std::size_t kChunk = 1U << 20;
  std::string jobs =
      "job_id,submit_s,start_s,end_s,wait_s,jct_s,gpus,nodes,preemptions,status,user,queue,"
      "gpu_type,speed,restarts,lost_work_s,cost,node_ids\n";
  jobs.reserve(kChunk + 4096);
  // Appends only (no per-field temporaries): this loop writes millions of rows on large runs.
  auto num = [&jobs](std::uint64_t v) {
    char buf[24];
    auto [end, err] = std::to_chars(buf, buf + sizeof buf, v);
    jobs.append(buf, end);
  };
  auto secs = [&jobs](std::int64_t ms) {
    jobs += ',';
    traces::append_seconds(jobs, ms);
  };
  auto opt_secs = [&](const std::optional<sim::SimTime>& t) {
    if (t) {
      secs(t->ms());
    } else {
      jobs += ',';
    }
  };
  auto text = [&jobs](std::string_view v) {
    jobs += ',';
    traces::append_csv_field(jobs, v);
  };
  for (const sim::JobOutcome& o : r.jobs) {
    const sim::JobSpec& spec = w.jobs[o.job];
    traces::append_csv_field(jobs, spec.id);
    secs(o.submit.ms());
    opt_secs(o.start);
    opt_secs(o.end);
    opt_secs(o.start ? std::optional<sim::SimTime>(*o.start - o.submit) : std::nullopt);
    opt_secs(o.end ? std::optional<sim::SimTime>(*o.end - o.submit) : std::nullopt);
    secs(static_cast<std::int64_t>(o.gpu_milli));
    jobs += ',';
    num(o.nodes);
    jobs += ',';
    num(o.preemptions);
    jobs += ',';
    jobs += sim::to_string(o.status);
    text(w.users[spec.user]);
    text(w.queues[spec.queue]);
    text(o.gpu_type);
    jobs += ',';
    if (o.start) fmt::format_to(std::back_inserter(jobs), "{:.4f}", o.speed);
    jobs += ',';
    num(o.restarts);
    secs(o.lost_work.ms());
    fmt::format_to(std::back_inserter(jobs), ",{:.4f},", o.cost);
    for (std::size_t k = 0; k < o.node_ids.size(); ++k) {
      if (k > 0) jobs += ';';
      num(o.node_ids[k]);
    }
    jobs += '\n';
    if (jobs.size() >= kChunk) {
      jobs_file.write(jobs);
      jobs.clear();
    }
  }
  jobs_file.write(jobs);
  jobs_file.commit();
  std::string ts = "time_s,gpus_allocated,gpus_total,jobs_running,jobs_pending\n";
  for (const sim::Sample& x : r.timeseries) {
    ts += traces::format_seconds(x.time.ms()) + ',' +
          traces::format_seconds(static_cast<std::int64_t>(x.gpu_milli_allocated)) + ',' +
          std::to_string(x.gpus_total) + ',' + std::to_string(x.jobs_running) + ',' +
          std::to_string(x.jobs_pending) + '\n';
  }
  write_file_atomic(dir + "/timeseries.csv", ts);
  write_file_atomic(dir + "/summary.json", summary_json(r.summary, r.manifest).dump(2) + "\n");
  json inputs = json::object();
  for (const auto& [what, hash] : r.manifest.inputs) inputs[what] = hash;
  json import_report = {{"format", ctx.import.format},
                        {"rows", ctx.import.rows},
                        {"jobs", ctx.import.jobs},
                        {"dropped", ctx.import.dropped},
                        {"adjusted", ctx.import.adjusted}};
  json manifest = {{"orrery_version", r.manifest.orrery_version},
                   {"policy", {{"name", run.policy.name}, {"params", run.policy.params}}},
                   {"placement", r.manifest.placement},
                   {"runtime_model", r.manifest.runtime_model},
                   {"seed", r.manifest.seed},
                   {"inputs", inputs},
                   {"import", import_report},
                   {"scenario", scenario_json(s)},
                   {"events", r.manifest.events},
                   {"fingerprint", r.manifest.fingerprint},
                   {"cancelled", r.manifest.cancelled},
                   {"wall_seconds", r.manifest.wall_seconds}};
  write_file_atomic(dir + "/manifest.json", manifest.dump(2) + "\n");
}

}  // namespace orrery::scenario
