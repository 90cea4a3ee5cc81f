// Microsoft Philly `cluster_job_log` (Jeon et al., ATC '19; msr-fiddle/philly-traces README),
// format `philly-json`: one JSON array of jobs
//
//   {"status": "Pass", "vc": "ee9e8c", "jobid": "application_1506638472019_14199",
//    "attempts": [{"start_time": "2017-10-07 01:12:09", "end_time": "2017-10-07 01:13:23",
//                  "detail": [{"ip": "m47", "gpus": ["gpu0", ..., "gpu7"]}]}, ...],
//    "submitted_time": "2017-10-07 01:11:39", "user": "ce2f4c"}
//
// The file is parsed as a stream (nlohmann::json SAX over LineReader, json_stream.hpp), so memory
// follows the jobs kept, not the file, whether it is pretty-printed or one compact line.
// Times are naive "YYYY-MM-DD HH:MM:SS" (US Pacific by the util logs' PDT/PST, no DST
// correction); t = 0 is midnight of the day of the earliest submitted_time. README quirks:
//  * "A job may have no recorded scheduling attempts": dropped, counted.
//  * "A scheduling attempt may have no recorded start_time and/or end_time" (logging error):
//    that attempt's time is not counted (adjusted). null, "None" and "" all mean missing.
//  * "a None value for its last attempt's end_time": still running at the snapshot; that attempt
//    runs until the latest timestamp in the file, observed status `unfinished` (adjusted).
// Retries: the work (duration) is the sum of the attempts' run times; observed start is the
// earliest attempt start, observed end the latest attempt end. Demand comes from the last attempt
// with a placement: machines x GPUs, split into identical tasks of gcd(GPUs per machine) GPUs.
// status Pass / Killed / Failed -> completed / killed / failed; vc -> queue.
#include <nlohmann/json.hpp>

#include <numeric>

#include "json_stream.hpp"
#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

namespace {
using namespace pub;
using json = nlohmann::json;

struct RawAttempt {
  std::optional<std::int64_t> start, end;
  std::vector<std::uint32_t> gpus;  // per machine
  std::string placement;
};

struct RawJob {
  std::uint64_t line = 0;
  std::string id, user, vc, status;
  bool has_id = false, has_status = false, has_submit_key = false;
  std::optional<std::int64_t> submit;
  std::vector<RawAttempt> attempts;
};

class PhillySax {
 public:
  PhillySax(LineReader& in, Imported& out, sim::Problems& problems)
      : in_(in),
        out_(out),
        problems_(problems),
        f_(problems, in.path()),
        users_(out.workload.users),
        queues_(out.workload.queues) {}

  // --- nlohmann::json SAX interface ---
  bool null() { return scalar(nullptr, nullptr, false); }
  bool boolean(bool) { return scalar(nullptr, nullptr, true); }
  bool number_integer(json::number_integer_t v) { return number(std::to_string(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return number(std::to_string(v)); }
  bool number_float(json::number_float_t, const std::string& s) { return number(s); }
  bool string(std::string& s) { return scalar(&s, nullptr, false); }
  bool binary(json::binary_t&) { return scalar(nullptr, nullptr, true); }
  bool key(std::string& k) {
    key_ = k;
    return true;
  }
  bool start_object(std::size_t) {
    if (stack_.empty()) {
      at_line();
      f_.problem_row(
          "expected a JSON array of jobs (the cluster_job_log list), got an object at the top");
      return false;
    }
    switch (stack_.back()) {
      case kTop:
        job_ = RawJob{};
        job_.line = in_.line_number();
        stack_.push_back(kJob);
        return true;
      case kAttempts:
        job_.attempts.emplace_back();
        stack_.push_back(kAttempt);
        return true;
      case kDetails:
        job_.attempts.back().gpus.push_back(0);
        stack_.push_back(kDetail);
        return true;
      default:
        return nested("an object");
    }
  }
  bool end_object() {
    const Ctx c = stack_.back();
    stack_.pop_back();
    if (c == kJob) finish_job();
    return !f_.full();
  }
  bool start_array(std::size_t) {
    if (stack_.empty()) {
      stack_.push_back(kTop);
      return true;
    }
    const Ctx c = stack_.back();
    if (c == kJob && key_ == "attempts") {
      stack_.push_back(kAttempts);
    } else if (c == kAttempt && key_ == "detail") {
      stack_.push_back(kDetails);
    } else if (c == kDetail && key_ == "gpus") {
      stack_.push_back(kGpus);
    } else {
      return nested("an array");
    }
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    at_line();
    std::string what = ex.what();
    if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    f_.problem_row("invalid JSON: " + what);
    return false;
  }

  void finish() {
    // Jobs still running at the snapshot run until the latest timestamp seen in the file.
    for (const auto& [index, open_start] : running_) {
      sim::JobSpec& j = out_.workload.jobs[index];
      j.duration += sim::SimTime::from_ms(std::max<std::int64_t>(0, latest_ - open_start));
    }
    if (!out_.workload.jobs.empty()) rebase(out_.workload, local_midnight_ms(min_submit_, 0));
  }

 private:
  enum Ctx { kTop, kJob, kAttempts, kAttempt, kDetails, kDetail, kGpus, kSkip };

  void at_line() { f_.at_line(in_.line_number()); }

  // What a known key's value must be, or nullptr for keys this reader does not use.
  const char* expected_for_key(Ctx c) const {
    if (c == kJob) {
      if (key_ == "attempts") return "a list of attempts";
      if (key_ == "status" || key_ == "vc" || key_ == "jobid" || key_ == "user") return "a string";
      if (key_ == "submitted_time") return "a time string \"YYYY-MM-DD HH:MM:SS\" or null";
    } else if (c == kAttempt) {
      if (key_ == "detail") return "a list of machines";
      if (key_ == "start_time" || key_ == "end_time")
        return "a time string \"YYYY-MM-DD HH:MM:SS\" or null";
    } else if (c == kDetail) {
      if (key_ == "gpus") return "a list of GPU names";
      if (key_ == "ip") return "a string";
    }
    return nullptr;
  }

  // A container where none is expected: skipped when it is the value of an unknown key.
  bool nested(const char* what) {
    const Ctx c = stack_.back();
    const char* expected = expected_for_key(c);
    if (c == kSkip || ((c == kJob || c == kAttempt || c == kDetail) && !expected)) {
      stack_.push_back(kSkip);
      return true;
    }
    at_line();
    if (c == kTop) {
      f_.problem_row(std::string("expected a job object in the top-level array, got ") + what);
    } else if (c == kAttempts || c == kDetails) {
      f_.problem(c == kAttempts ? "attempts" : "detail",
                 std::string("expected a list of objects, got ") + what);
    } else if (c == kGpus) {
      f_.problem("gpus", std::string("expected a list of GPU names, got ") + what);
    } else {
      f_.problem(key_, std::string("must be ") + expected + ", got " + what);
    }
    job_bad_line_ = job_.line;
    stack_.push_back(kSkip);
    return !f_.full();
  }

  bool number(const std::string& text) { return scalar(nullptr, &text, false); }

  // A scalar value: `s` for strings, `num` for numbers (as text), neither for null / others.
  bool scalar(std::string* s, const std::string* num, bool other) {
    if (stack_.empty()) {
      at_line();
      f_.problem_row("expected a JSON array of jobs, got a single value");
      return false;
    }
    const Ctx c = stack_.back();
    const bool missing = !s && !num && !other;  // null
    if (c == kSkip) return true;
    if (c == kGpus) {
      if (missing || other) return type_problem("gpus", "a GPU name");
      ++job_.attempts.back().gpus.back();
      RawAttempt& a = job_.attempts.back();
      if (!a.placement.empty() && a.placement.back() != ':') a.placement += ',';
      a.placement += s ? *s : *num;
      return true;
    }
    if (c == kTop || c == kAttempts || c == kDetails) {
      at_line();
      f_.problem_row(c == kTop ? "expected a job object in the top-level array"
                               : "expected a list of objects");
      job_bad_line_ = job_.line;
      return !f_.full();
    }
    if ((c == kJob && key_ == "attempts") || (c == kAttempt && key_ == "detail") ||
        (c == kDetail && key_ == "gpus")) {
      if (missing) return true;  // null: no attempts / machines / GPUs
      return type_problem(key_, expected_for_key(c));
    }
    if (c == kJob) {
      if (key_ == "jobid") {
        if (missing || other) return type_problem("jobid", "a string");
        job_.id = s ? *s : *num;
        job_.has_id = true;
      } else if (key_ == "status") {
        if (!s) return type_problem("status", "a string");
        job_.status = *s;
        job_.has_status = true;
      } else if (key_ == "vc" || key_ == "user") {
        if (other) return type_problem(key_, "a string");
        (key_ == "vc" ? job_.vc : job_.user) = s ? *s : (num ? *num : "");
      } else if (key_ == "submitted_time") {
        job_.has_submit_key = true;
        return time_value(s, num || other, "submitted_time", job_.submit);
      }
      return true;
    }
    if (c == kAttempt) {
      RawAttempt& a = job_.attempts.back();
      if (key_ == "start_time") return time_value(s, num || other, "start_time", a.start);
      if (key_ == "end_time") return time_value(s, num || other, "end_time", a.end);
      return true;
    }
    if (c == kDetail && key_ == "ip") {
      if (!s) return type_problem("ip", "a string");
      RawAttempt& a = job_.attempts.back();
      if (!a.placement.empty()) a.placement += ';';
      a.placement += *s;
      a.placement += ':';
    }
    return true;
  }

  bool type_problem(const std::string& col, const char* expected) {
    at_line();
    f_.problem(col, std::string("must be ") + expected);
    job_bad_line_ = job_.line;
    return !f_.full();
  }

  bool time_value(const std::string* s, bool wrong_type, const char* col,
                  std::optional<std::int64_t>& out) {
    if (wrong_type) return type_problem(col, "a time string \"YYYY-MM-DD HH:MM:SS\" or null");
    if (!s || is_missing(*s)) {
      out.reset();
      return true;
    }
    const auto t = parse_datetime(*s);
    if (!t) {
      at_line();
      f_.problem(col, quote_text(*s) + " is not a time (YYYY-MM-DD HH:MM:SS)");
      job_bad_line_ = job_.line;
      return !f_.full();
    }
    out = t->utc_ms();
    latest_ = std::max(latest_, *out);
    return true;
  }

  void finish_job() {
    ++out_.report.rows;
    const RawJob& r = job_;
    f_.at_line(r.line);
    if (job_bad_line_ == r.line) return;  // problems already recorded
    const std::size_t before = problems_.size();
    if (!r.has_id || r.id.empty()) f_.problem("jobid", "is required");
    if (!r.has_submit_key) f_.problem("submitted_time", "is required");
    std::optional<sim::JobStatus> status;
    if (!r.has_status) {
      f_.problem("status", "is required");
    } else if (r.status == "Pass") {
      status = sim::JobStatus::kCompleted;
    } else if (r.status == "Killed") {
      status = sim::JobStatus::kKilled;
    } else if (r.status == "Failed") {
      status = sim::JobStatus::kFailed;
    } else {
      f_.problem("status", quote_text(r.status) + " is not a status (Pass, Killed, Failed)");
    }
    if (problems_.size() != before) return;
    auto& report = out_.report;
    if (!r.submit) {
      count(report.dropped, "no submitted_time (null or None)");
      return;
    }
    if (r.attempts.empty()) {
      count(report.dropped, "no scheduling attempts");
      return;
    }
    // Demand: the last attempt with GPUs.
    const RawAttempt* placed = nullptr;
    std::uint64_t placed_total = 0;
    bool differ = false;
    std::optional<std::uint64_t> first_total;
    for (const RawAttempt& a : r.attempts) {
      std::uint64_t total = 0;
      for (const std::uint32_t g : a.gpus) total += g;
      if (total == 0) continue;
      if (first_total && *first_total != total) differ = true;
      if (!first_total) first_total = total;
      placed = &a;
      placed_total = total;
    }
    if (!placed) {
      count(report.dropped, "no GPUs in any attempt's placement");
      return;
    }
    std::uint32_t per = 0;
    for (const std::uint32_t g : placed->gpus) {
      if (g > 0) per = std::gcd(per, g);
    }
    bool uneven = false;
    for (const std::uint32_t g : placed->gpus) uneven = uneven || g != per;
    // Times.
    std::int64_t work = 0;
    bool counted = false, gap = false, backwards = false, running = false;
    std::optional<std::int64_t> first_start, open_start;
    for (std::size_t i = 0; i < r.attempts.size(); ++i) {
      const RawAttempt& a = r.attempts[i];
      if (a.start && (!first_start || *a.start < *first_start)) first_start = a.start;
      if (a.start && a.end) {
        if (*a.end < *a.start) {
          backwards = true;
        } else {
          work += *a.end - *a.start;
          counted = true;
        }
      } else if (a.start && i + 1 == r.attempts.size()) {
        running = true;
        open_start = a.start;
      } else {
        gap = true;
      }
    }
    if (!counted && !running) {
      count(report.dropped, backwards && !gap ? "every attempt ends before it starts"
                                              : "no attempt with both start_time and end_time");
      return;
    }
    sim::JobSpec j;
    j.id = r.id;
    std::int64_t submit = *r.submit;
    if (first_start && *first_start < submit) {
      count(report.adjusted, "starts before it was submitted (submit set to start)");
      submit = *first_start;
    }
    j.submit = sim::SimTime::from_ms(submit);
    j.tasks = static_cast<std::uint32_t>(placed_total / per);
    j.gpu_milli = per * 1000;
    j.duration = sim::SimTime::from_ms(work);
    j.user = users_(r.user);
    j.queue = queues_(r.vc);
    j.observed.start = sim::SimTime::from_ms(*first_start);
    if (!running) {
      // The last time the job was seen running: the latest end of an attempt.
      std::optional<std::int64_t> last_end;
      for (const RawAttempt& a : r.attempts) {
        if (a.end && (!last_end || *a.end > *last_end)) last_end = a.end;
      }
      if (last_end && *last_end >= *first_start) j.observed.end = sim::SimTime::from_ms(*last_end);
    }
    j.observed.status = running ? sim::JobStatus::kUnfinished : *status;
    j.observed.placement = placed->placement;
    const auto index = static_cast<std::uint32_t>(out_.workload.jobs.size());
    const std::uint32_t other = ids_.insert(j.id, index, out_.workload.jobs);
    if (other != IdIndex::kNone) {
      f_.problem("jobid", "duplicate job id " + quote_text(j.id) + " (first at line " +
                              std::to_string(lines_[other]) + ")");
      return;
    }
    if (uneven) count(report.adjusted, "uneven GPUs per machine (tasks of the gcd of GPUs)");
    if (differ) count(report.adjusted, "attempts with different GPU counts (last placement used)");
    if (gap) count(report.adjusted, "attempt without start_time or end_time (time not counted)");
    if (backwards) count(report.adjusted, "attempt ends before it starts (time not counted)");
    if (running) {
      count(report.adjusted, "still running at the snapshot (runs until the last timestamp)");
      running_.emplace_back(index, *open_start);
    }
    min_submit_ = std::min(min_submit_, submit);
    lines_.push_back(r.line);
    out_.workload.jobs.push_back(std::move(j));
  }

  LineReader& in_;
  Imported& out_;
  sim::Problems& problems_;
  FieldReader f_;
  Interner users_, queues_;
  IdIndex ids_;
  std::vector<std::uint64_t> lines_;
  std::vector<Ctx> stack_;
  std::string key_;
  RawJob job_;
  std::uint64_t job_bad_line_ = 0;
  std::int64_t latest_ = INT64_MIN;
  std::int64_t min_submit_ = INT64_MAX;
  std::vector<std::pair<std::uint32_t, std::int64_t>> running_;
};

}  // namespace

Imported read_philly_json(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "philly-json";
  out.report.path = path;
  out.workload.source = path;
  LineReader in(path);  // read in pieces (next_piece): no line length limit applies
  sim::Problems problems;
  PhillySax sax(in, out, problems);
  jsonstream::JsonStreamBuf buf(in);
  std::istream stream(&buf);
  const bool ok = json::sax_parse(stream, &sax);
  if (!ok && problems.empty()) throw sim::InputError(path, "invalid JSON");
  problems.throw_if_any();
  sax.finish();
  out.report.jobs = out.workload.jobs.size();
  return out;
}

bool detect_philly_json(std::string_view header) {
  const std::string_view t = pub::trim(header);
  if (t.empty() || t.front() != '[') return false;
  return t == "[" || t.find("\"jobid\"") != std::string_view::npos ||
         t.find("\"attempts\"") != std::string_view::npos ||
         t.find("\"submitted_time\"") != std::string_view::npos;
}

}  // namespace orrery::traces
