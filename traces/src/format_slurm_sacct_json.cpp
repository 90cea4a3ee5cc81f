// slurm-sacct-json: the output of `sacct --json` (Slurm 22.05+, data_parser / openapi dbv0.0.38
// schema; the 23.02+ forms {"set", "infinite", "number"} and state.current as a list are read
// too). One job per element of "jobs"; job steps are ignored. Documented in docs/formats.md.
#include "export_common.hpp"
#include "export_formats.hpp"
#include "orrery/traces/csv.hpp"

namespace orrery::traces {

namespace {

using exports::JsonFields;
using nlohmann::json;

constexpr std::int64_t kNoVal = 4294967294;  // Slurm's NO_VAL (unset) for 32-bit fields

// A time in seconds, or nullopt for 0 / unset.
std::optional<std::int64_t> epoch(JsonFields& f, const json& job, const std::string& where,
                                  const char* field) {
  auto v = f.integer(JsonFields::at(job, field), where + "." + field);
  if (!v || *v <= 0) return std::nullopt;
  if (*v > 100'000'000'000) {
    f.problem(where + "." + field, "the time " + std::to_string(*v) + " is out of range");
    return std::nullopt;
  }
  return v;
}

void read_tres_list(JsonFields& f, const json* list, const std::string& where, exports::Tres& t) {
  if (!list) return;
  if (!list->is_array()) {
    f.problem(where, "must be a list of TRES, got " + exports::kind_of(*list));
    return;
  }
  for (std::size_t k = 0; k < list->size(); ++k) {
    const json& e = (*list)[k];
    const std::string p = where + "[" + std::to_string(k) + "]";
    const std::string type = f.text(JsonFields::member(e, "type"), p + ".type");
    const std::string name = f.text(JsonFields::member(e, "name"), p + ".name");
    auto count = f.integer(JsonFields::member(e, "count"), p + ".count");
    if (!count) continue;
    if (*count < 0) {
      f.problem(p + ".count", "must be >= 0, got " + std::to_string(*count));
      continue;
    }
    exports::add_tres_entry(t, type, name, static_cast<std::uint64_t>(*count));
  }
  exports::finish_tres(t);
}

std::string state_text(JsonFields& f, const json& job, const std::string& where) {
  const json* s = JsonFields::at(job, "state.current");
  if (s && s->is_array()) {  // 23.02+: ["COMPLETED"] (flags may follow)
    if (s->empty()) return {};
    return f.text(&(*s)[0], where + ".state.current[0]");
  }
  return f.text(s, where + ".state.current");
}

// One element of "jobs" (named `p` in problems) into a job of `w`, or problems, or a count of why
// it was dropped.
void read_job(JsonFields& f, const json& job, const std::string& p, sim::Workload& w,
              exports::Tally& tally) {
  if (!job.is_object()) {
    f.problem(p, "must be an object, got " + exports::kind_of(job));
    return;
  }
  const std::size_t before = f.count();
  auto job_id = f.integer(JsonFields::member(job, "job_id"), p + ".job_id");
  if (!JsonFields::member(job, "job_id")) f.problem(p + ".job_id", "is required");
  if (job_id && *job_id < 0) f.problem(p + ".job_id", "must be >= 0");
  const std::string state = state_text(f, job, p);
  auto st = parse_slurm_state(state);
  if (state.empty()) {
    f.problem(p + ".state.current", "is required");
  } else if (!st) {
    f.problem(p + ".state.current", quote_text(state) + " is not a Slurm job state");
  }
  auto submission = epoch(f, job, p, "time.submission");
  auto eligible = epoch(f, job, p, "time.eligible");
  auto start = epoch(f, job, p, "time.start");
  auto end = epoch(f, job, p, "time.end");
  auto limit = f.integer(JsonFields::at(job, "time.limit"), p + ".time.limit");
  auto array_job = f.integer(JsonFields::at(job, "array.job_id"), p + ".array.job_id");
  auto array_task = f.integer(JsonFields::at(job, "array.task_id"), p + ".array.task_id");
  const std::string array_range = f.text(JsonFields::at(job, "array.task"), p + ".array.task");
  auto het_job = f.integer(JsonFields::at(job, "het.job_id"), p + ".het.job_id");
  auto het_offset = f.integer(JsonFields::at(job, "het.job_offset"), p + ".het.job_offset");
  exports::Tres alloc, req;
  read_tres_list(f, JsonFields::at(job, "tres.allocated"), p + ".tres.allocated", alloc);
  read_tres_list(f, JsonFields::at(job, "tres.requested"), p + ".tres.requested", req);
  std::optional<std::int64_t> alloc_nodes;
  if (const json* an = JsonFields::member(job, "allocation_nodes")) {
    if (an->is_string()) {
      const std::string s = an->get<std::string>();
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 10)
        alloc_nodes = std::stoll(s);
    } else {
      alloc_nodes = f.integer(an, p + ".allocation_nodes");
    }
  }
  auto req_cpus = f.integer(JsonFields::at(job, "required.CPUs"), p + ".required.CPUs");
  auto priority = f.integer(JsonFields::member(job, "priority"), p + ".priority");
  std::string nodes = f.text(JsonFields::member(job, "nodes"), p + ".nodes");
  if (nodes == "None assigned" || nodes == "(null)") nodes.clear();
  const std::string user = f.text(JsonFields::member(job, "user"), p + ".user");
  const std::string partition = f.text(JsonFields::member(job, "partition"), p + ".partition");
  if (f.count() != before || !job_id || !st) return;

  exports::SlurmRecord r;
  if (array_job && *array_job > 0 && array_task && *array_task >= 0 && *array_task < kNoVal) {
    r.id = std::to_string(*array_job) + "_" + std::to_string(*array_task);
  } else if (array_job && *array_job > 0 && !array_range.empty()) {
    r.id = std::to_string(*array_job) + "_[" + array_range + "]";
  } else if (het_job && *het_job > 0 && het_offset && *het_offset >= 0 && *het_offset < kNoVal) {
    r.id = std::to_string(*het_job) + "+" + std::to_string(*het_offset);
  } else {
    r.id = std::to_string(*job_id);
  }
  r.state = *st;
  r.submission = submission;
  r.eligible = eligible;
  r.start = start;
  r.end = end;
  if (limit && *limit > 0 && *limit < kNoVal) r.limit_s = *limit * 60;
  r.alloc = std::move(alloc);
  r.req = std::move(req);
  if (alloc_nodes && *alloc_nodes > 0) r.nodes = static_cast<std::uint64_t>(*alloc_nodes);
  if (req_cpus && *req_cpus > 0) r.cpus = static_cast<std::uint64_t>(*req_cpus);
  r.user = user;
  r.partition = partition;
  r.nodelist = nodes;
  r.priority = priority;
  if (auto bad = exports::add_slurm_job(w, r, tally)) {
    f.problem(p + (bad->field == exports::SlurmField::kEnd ? ".time.end" : ".tres"), bad->what);
  }
}

}  // namespace

Imported read_slurm_sacct_json(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "slurm-sacct-json";
  out.report.path = path;
  out.workload.source = path;
  exports::Tally tally(out.report);
  sim::Problems problems;
  JsonFields f(problems, path);
  auto& w = out.workload;
  // Streamed: each element of "jobs" is built alone, converted below and dropped (steps, batch
  // scripts and environments are never built).
  const auto on_job = [&](json& job, std::size_t i, jsonstream::JsonLines& lines) {
    f.set_lines(&lines);
    read_job(f, job, "jobs[" + std::to_string(i) + "]", w, tally);
    f.set_lines(nullptr);
    return !f.full();
  };
  LineReader in(path, exports::kMaxJsonBytes);
  const jsonstream::StreamedDoc doc = jsonstream::stream_array(
      in, {"jobs", {"steps", "script", "environment"}, false}, problems, on_job);
  if (!doc.found) {
    throw sim::InputError(path + ": jobs",
                          "missing or not a list: expected the output of "
                          "`sacct --json` (an object with a \"jobs\" list)");
  }
  out.report.rows = doc.elements;
  problems.throw_if_any();
  exports::drop_duplicate_ids(w, tally);
  exports::rebase_to_week(w);
  out.report.jobs = w.jobs.size();
  return out;
}

}  // namespace orrery::traces

namespace orrery::traces {

bool detect_slurm_sacct_json(std::string_view first_line) {
  return !first_line.empty() && first_line.front() == '{' &&
         first_line.find("\"jobs\"") != std::string_view::npos &&
         first_line.find("\"meta\"") != std::string_view::npos;
}

}  // namespace orrery::traces
