// slurm-jobcomp: the log of Slurm's jobcomp/filetxt plugin (JobCompType=jobcomp/filetxt), one
// line per finished job: "JobId=N UserId=NAME(UID) GroupId=... Name=... JobState=... Partition=...
// TimeLimit=MIN StartTime=... EndTime=... NodeList=... NodeCnt=N ProcCnt=N WorkDir=...
// ReservationName=... Tres=... Account=... QOS=... WcKey=... Cluster=... SubmitTime=...
// EligibleTime=... [ArrayJobId=N ArrayTaskId=N] [HetJobId=N HetJobOffset=N] DerivedExitCode=...
// ExitCode=...". Times are whole seconds on the controller's local clock. Values are not quoted
// (a job name may hold spaces), so keys are found in Slurm's fixed order. See docs/formats.md.
#include <array>

#include "export_common.hpp"
#include "export_formats.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::traces {

namespace {

enum Key : std::size_t {
  kJobId,
  kUserId,
  kGroupId,
  kName,
  kJobState,
  kPartition,
  kTimeLimit,
  kStartTime,
  kEndTime,
  kNodeList,
  kNodeCnt,
  kProcCnt,
  kWorkDir,
  kReservationName,
  kTres,
  kAccount,
  kQos,
  kWcKey,
  kCluster,
  kSubmitTime,
  kEligibleTime,
  kArrayJobId,
  kArrayTaskId,
  kHetJobId,
  kHetJobOffset,
  kDerivedExitCode,
  kExitCode,
  kKeys
};
constexpr std::array<std::string_view, kKeys> kKeyNames = {
    "JobId",        "UserId",          "GroupId",      "Name",       "JobState",    "Partition",
    "TimeLimit",    "StartTime",       "EndTime",      "NodeList",   "NodeCnt",     "ProcCnt",
    "WorkDir",      "ReservationName", "Tres",         "Account",    "QOS",         "WcKey",
    "Cluster",      "SubmitTime",      "EligibleTime", "ArrayJobId", "ArrayTaskId", "HetJobId",
    "HetJobOffset", "DerivedExitCode", "ExitCode"};

// Finds each key in Slurm's order; values run to the next key found.
void split_record(std::string_view line, std::array<std::optional<std::string_view>, kKeys>& v) {
  v.fill(std::nullopt);
  std::array<std::size_t, kKeys> key_at{};
  std::array<std::size_t, kKeys> value_at{};
  std::array<bool, kKeys> found{};
  std::size_t from = 0;
  for (std::size_t k = 0; k < kKeys; ++k) {
    std::size_t at = std::string_view::npos;
    if (k == kJobId) {
      if (line.rfind("JobId=", 0) == 0) at = 0;
    } else {
      std::string needle = " ";
      needle += kKeyNames[k];
      needle += '=';
      at = line.find(needle, from);
      if (at != std::string_view::npos) ++at;
    }
    if (at == std::string_view::npos) continue;
    found[k] = true;
    key_at[k] = at;
    value_at[k] = at + kKeyNames[k].size() + 1;
    from = value_at[k];
  }
  std::size_t prev = kKeys;
  for (std::size_t k = 0; k <= kKeys; ++k) {
    if (k < kKeys && !found[k]) continue;
    if (prev < kKeys) {
      std::size_t stop = k < kKeys ? key_at[k] : line.size();
      while (stop > value_at[prev] && line[stop - 1] == ' ') --stop;
      v[prev] = line.substr(value_at[prev], stop - value_at[prev]);
    }
    prev = k;
  }
}

}  // namespace

bool detect_slurm_jobcomp(std::string_view first_line) {
  return first_line.rfind("JobId=", 0) == 0 &&
         first_line.find(" JobState=") != std::string_view::npos;
}

Imported read_slurm_jobcomp(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "slurm-jobcomp";
  out.report.path = path;
  out.workload.source = path;
  exports::Tally tally(out.report);
  LineReader in(path);
  std::string line;
  sim::Problems problems;
  FieldReader f(problems, path);
  auto& w = out.workload;
  std::array<std::optional<std::string_view>, kKeys> v;
  auto text = [&](Key k) { return v[k].value_or(std::string_view()); };
  auto time_of = [&](Key k) -> std::optional<std::int64_t> {
    const std::string_view t = text(k);
    if (exports::is_no_time(t)) return std::nullopt;
    auto s = exports::parse_naive_datetime(t);
    if (!s) f.problem(kKeyNames[k], quote_text(t) + " is not a time (YYYY-MM-DDTHH:MM:SS)");
    return s;
  };
  auto count_of = [&](Key k) -> std::optional<std::int64_t> {
    if (!v[k] || v[k]->empty()) return std::nullopt;
    return f.integer(kKeyNames[k], *v[k], 0, std::int64_t{1} << 40);
  };
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    ++out.report.rows;
    split_record(line, v);
    if (!v[kJobId]) {
      f.problem_row("not a jobcomp/filetxt record (expected a line starting with 'JobId='), got " +
                    quote_text(line));
      if (f.full()) break;
      continue;
    }
    const std::size_t before = problems.size();
    for (Key k : {kJobState, kStartTime, kEndTime}) {
      if (!v[k]) f.problem(kKeyNames[k], "is missing");
    }
    auto job_id = count_of(kJobId);
    if (v[kJobId] && v[kJobId]->empty()) f.problem("JobId", "must not be empty");
    exports::SlurmRecord r;
    if (auto st = parse_slurm_state(text(kJobState))) {
      r.state = *st;
    } else if (v[kJobState]) {
      f.problem("JobState", quote_text(text(kJobState)) + " is not a Slurm job state");
    }
    r.submission = time_of(kSubmitTime);
    r.eligible = time_of(kEligibleTime);
    r.start = time_of(kStartTime);
    r.end = time_of(kEndTime);
    if (const std::string_view tl = text(kTimeLimit);
        !tl.empty() && tl != "UNLIMITED" && tl != "Partition_Limit") {
      if (auto m = f.integer("TimeLimit", tl, 0, std::int64_t{1} << 32)) r.limit_s = *m * 60;
    }
    auto node_cnt = count_of(kNodeCnt);
    auto proc_cnt = count_of(kProcCnt);
    if (node_cnt) r.nodes = static_cast<std::uint64_t>(*node_cnt);
    if (proc_cnt) r.cpus = static_cast<std::uint64_t>(*proc_cnt);
    if (v[kTres]) {
      std::string err;
      if (auto t = exports::parse_tres_string(*v[kTres], err)) {
        r.alloc = *t;
      } else {
        f.problem("Tres", err);
      }
    }
    r.nodelist = std::string(text(kNodeList));
    if (r.nodelist == "(null)" || r.nodelist == "None assigned") r.nodelist.clear();
    std::string_view user = text(kUserId);  // NAME(UID)
    if (const auto paren = user.find('('); paren != std::string_view::npos && paren > 0) {
      user = user.substr(0, paren);
    } else if (paren == 0 && user.size() > 2) {
      user = user.substr(1, user.size() - 2);
    }
    r.user = std::string(user);
    r.partition = std::string(text(kPartition));
    auto array_job = count_of(kArrayJobId);
    auto array_task = count_of(kArrayTaskId);
    auto het_job = count_of(kHetJobId);
    auto het_offset = count_of(kHetJobOffset);
    if (f.full()) break;
    if (problems.size() != before || !job_id) continue;
    if (array_job && *array_job > 0 && array_task) {
      r.id = std::to_string(*array_job) + "_" + std::to_string(*array_task);
    } else if (het_job && *het_job > 0 && het_offset) {
      r.id = std::to_string(*het_job) + "+" + std::to_string(*het_offset);
    } else {
      r.id = std::to_string(*job_id);
    }
    // A job cancelled while pending is logged with StartTime = EndTime and no nodes.
    if (node_cnt && *node_cnt == 0 && r.nodelist.empty()) r.start.reset();
    if (auto bad = exports::add_slurm_job(w, r, tally)) {
      f.problem(bad->field == exports::SlurmField::kEnd ? "EndTime" : "Tres", bad->what);
    }
  }
  problems.throw_if_any();
  exports::drop_duplicate_ids(w, tally);
  exports::rebase_to_week(w);
  out.report.jobs = w.jobs.size();
  return out;
}

}  // namespace orrery::traces
