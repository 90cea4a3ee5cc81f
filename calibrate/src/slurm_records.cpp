#include "orrery/calibrate/slurm_records.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/slurm_state.hpp"

namespace orrery::calibrate {

namespace {

std::optional<std::uint64_t> digits_at(std::string_view s, std::size_t pos, std::size_t* end) {
  std::size_t i = pos;
  std::uint64_t v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - pos < 19) {
    v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    ++i;
  }
  if (i == pos) return std::nullopt;
  if (end) *end = i;
  return v;
}

// The job id after "JobId=" (the first occurrence after `from`).
std::optional<std::uint64_t> job_id_after(std::string_view line, std::size_t from = 0) {
  const auto at = line.find("JobId=", from);
  if (at == std::string_view::npos) return std::nullopt;
  return digits_at(line, at + 6, nullptr);
}

std::string word_after(std::string_view line, std::string_view key) {
  const auto at = line.find(key);
  if (at == std::string_view::npos) return {};
  std::size_t b = at + key.size();
  std::size_t e = b;
  while (e < line.size() && !std::isspace(static_cast<unsigned char>(line[e]))) ++e;
  return std::string(line.substr(b, e - b));
}

// The whole number N of {"set": true, "number": N} (Slurm 23.02 and later), or nullptr when it
// is not set or absent. A "set" that is not a boolean, or an N that is not a whole number, is not
// squeue's JSON: an error at `where` (nlohmann's value() threw type_error on {"set": 7}, and a
// fractional 1e300 made an out-of-range double-to-integer conversion).
const nlohmann::json* set_number(const nlohmann::json& v, const std::string& where) {
  if (!v.contains("set")) return nullptr;
  const auto& set = v.at("set");
  if (!set.is_boolean())
    throw sim::InputError("squeue --json",
                          where + ".set: must be true or false, got " + set.dump());
  if (!set.get<bool>() || !v.contains("number")) return nullptr;
  const auto& n = v.at("number");
  if (!n.is_number_integer())
    throw sim::InputError("squeue --json",
                          where + ".number: must be a whole number, got " + n.dump());
  return &n;
}

// `where` is the job's location ("jobs[3]").
std::optional<std::int64_t> json_epoch(const nlohmann::json& job, const char* key,
                                       const std::string& where) {
  if (!job.contains(key)) return std::nullopt;
  const auto& v = job.at(key);
  // Slurm 22.05 writes plain numbers; 23.02 and later write {"set": true, "number": N}.
  const nlohmann::json* number = nullptr;
  if (v.is_number_integer()) {
    number = &v;
  } else if (v.is_object()) {
    number = set_number(v, where + "." + key);
  }
  if (!number) return std::nullopt;
  // An unsigned beyond int64 would wrap to a negative number: not a time either.
  const auto n = number->get<std::int64_t>();
  return n > 0 ? std::optional<std::int64_t>(n) : std::nullopt;
}

std::string json_string(const nlohmann::json& job, const char* key) {
  if (!job.contains(key)) return {};
  const auto& v = job.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty() && v.front().is_string()) return v.front().get<std::string>();
  return {};
}

std::uint32_t json_u32(const nlohmann::json& job, const char* key, const std::string& where) {
  if (!job.contains(key)) return 0;
  const auto& v = job.at(key);
  const nlohmann::json* number = nullptr;
  if (v.is_number_integer()) {
    number = &v;
  } else if (v.is_object()) {
    number = set_number(v, where + "." + key);
  }
  if (!number) return 0;
  const auto n = number->get<std::int64_t>();
  return n > 0 && n < (1LL << 32) ? static_cast<std::uint32_t>(n) : 0;
}

}  // namespace

std::optional<std::int64_t> parse_local_timestamp_ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.mmm]
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const auto Y = num(0, 4), M = num(5, 2), D = num(8, 2), h = num(11, 2), m = num(14, 2),
             s = num(17, 2);
  if (!Y || !M || !D || !h || !m || !s) return std::nullopt;
  int ms = 0;
  if (t.size() >= 23 && t[19] == '.') {
    const auto f = num(20, 3);
    if (!f) return std::nullopt;
    ms = *f;
  }
  std::tm tm{};
  tm.tm_year = *Y - 1900;
  tm.tm_mon = *M - 1;
  tm.tm_mday = *D;
  tm.tm_hour = *h;
  tm.tm_min = *m;
  tm.tm_sec = *s;
  tm.tm_isdst = -1;
  const std::time_t secs = std::mktime(&tm);
  if (secs == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(secs) * 1000 + ms;
}

std::map<std::uint64_t, CtldJobEvents> parse_ctld_log(std::string_view text) {
  std::map<std::uint64_t, CtldJobEvents> events;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.size() < 26 || line[0] != '[') continue;
    const auto close = line.find(']');
    if (close == std::string_view::npos) continue;
    const auto when = parse_local_timestamp_ms(line.substr(1, close - 1));
    if (!when) continue;
    const std::string_view msg = line.substr(close + 1);
    if (msg.find("JobId=") == std::string_view::npos) continue;
    const auto id = job_id_after(msg);
    if (!id) continue;
    if (msg.find("_slurm_rpc_submit_batch_job:") != std::string_view::npos) {
      events[*id].submit_ms = *when;
    } else if (msg.find("_release_job_rec: release hold on") != std::string_view::npos) {
      events[*id].release_ms = *when;
    } else if (msg.find(" sched: Allocate JobId=") != std::string_view::npos) {
      auto& e = events[*id];
      if (!e.start_ms) {
        e.start_ms = *when;
        e.started_by = StartedBy::kMainScheduler;
        e.nodes = word_after(msg, "NodeList=");
      }
    } else if (msg.find("_start_job: Started JobId=") != std::string_view::npos) {
      auto& e = events[*id];
      if (!e.start_ms) {
        e.start_ms = *when;
        e.started_by = StartedBy::kBackfill;
        e.nodes = word_after(msg, " on ");
      }
    } else if (msg.find("_job_complete: JobId=") != std::string_view::npos &&
               msg.find(" done") != std::string_view::npos) {
      events[*id].complete_ms = *when;
    }
  }
  return events;
}

SchedulerActivity scheduler_activity(const std::map<std::uint64_t, CtldJobEvents>& events) {
  std::set<std::int64_t> main_ms, bf_ms;
  for (const auto& [id, e] : events) {
    if (!e.start_ms) continue;
    if (e.started_by == StartedBy::kMainScheduler) main_ms.insert(*e.start_ms);
    if (e.started_by == StartedBy::kBackfill) bf_ms.insert(*e.start_ms);
  }
  // Jobs one cycle starts are logged a few milliseconds apart: keep each cycle's first.
  auto cycles = [](const std::set<std::int64_t>& s) {
    std::vector<std::int64_t> out;
    for (std::int64_t t : s) {
      if (out.empty() || t - out.back() > 100) out.push_back(t);
    }
    return out;
  };
  return {cycles(main_ms), cycles(bf_ms)};
}

std::string ctld_log_excerpt(std::string_view text, const std::vector<std::uint64_t>& job_ids) {
  const std::set<std::uint64_t> ids(job_ids.begin(), job_ids.end());
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    // A line may name several jobs; keep it when every job it names is ours.
    bool any = false, all = true;
    for (std::size_t at = line.find("JobId="); at != std::string_view::npos;
         at = line.find("JobId=", at + 6)) {
      const auto id = digits_at(line, at + 6, nullptr);
      if (!id) continue;
      any = true;
      all = all && ids.count(*id) > 0;
    }
    if (any && all) {
      out.append(line);
      out += '\n';
    }
  }
  return out;
}

std::vector<JobcompRecord> parse_jobcomp(std::string_view text) {
  std::vector<JobcompRecord> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string line(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.rfind("JobId=", 0) != 0) continue;
    // Key=Value fields separated by spaces; a value runs until the next " Key=".
    std::map<std::string, std::string> f;
    std::size_t i = 0;
    while (i < line.size()) {
      const auto eq = line.find('=', i);
      if (eq == std::string::npos) break;
      const std::string key = line.substr(i, eq - i);
      std::size_t next = eq + 1;
      std::size_t end = line.size();
      while (next < line.size()) {
        const auto sp = line.find(' ', next);
        if (sp == std::string::npos) break;
        const auto eq2 = line.find('=', sp + 1);
        const auto sp2 = line.find(' ', sp + 1);
        if (eq2 != std::string::npos && (sp2 == std::string::npos || eq2 < sp2)) {
          end = sp;
          break;
        }
        next = sp + 1;
      }
      f[key] = line.substr(eq + 1, end - eq - 1);
      i = end + 1;
    }
    JobcompRecord r;
    const auto id = digits_at(f["JobId"], 0, nullptr);
    if (!id) continue;
    r.job_id = *id;
    r.name = f["Name"];
    r.state = f["JobState"];
    r.partition = f["Partition"];
    r.nodes = f["NodeList"];
    if (auto n = digits_at(f["NodeCnt"], 0, nullptr)) r.node_count = static_cast<std::uint32_t>(*n);
    if (auto n = digits_at(f["TimeLimit"], 0, nullptr))
      r.time_limit_min = static_cast<std::uint32_t>(*n);
    auto secs = [](const std::string& v) -> std::optional<std::int64_t> {
      auto ms = parse_local_timestamp_ms(v);
      if (!ms) return std::nullopt;
      return *ms / 1000;
    };
    r.submit_s = secs(f["SubmitTime"]);
    r.eligible_s = secs(f["EligibleTime"]);
    r.start_s = secs(f["StartTime"]);
    r.end_s = secs(f["EndTime"]);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SqueueRecord> parse_squeue_json(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number too large
    throw sim::InputError("squeue --json", std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("jobs") || !j.at("jobs").is_array())
    throw sim::InputError("squeue --json", "no \"jobs\" array (is this squeue --json output?)");
  std::vector<SqueueRecord> out;
  std::size_t index = 0;
  for (const auto& job : j.at("jobs")) {
    const std::string where = "jobs[" + std::to_string(index++) + "]";
    if (!job.is_object()) continue;
    SqueueRecord r;
    const auto id = json_u32(job, "job_id", where);
    if (id == 0) continue;
    r.job_id = id;
    r.name = json_string(job, "name");
    r.state = json_string(job, "job_state");
    r.nodes = json_string(job, "nodes");
    r.tres_per_node = json_string(job, "tres_per_node");
    r.comment = json_string(job, "comment");
    r.node_count = json_u32(job, "node_count", where);
    r.time_limit_min = json_u32(job, "time_limit", where);
    r.submit_s = json_epoch(job, "submit_time", where);
    r.eligible_s = json_epoch(job, "eligible_time", where);
    r.start_s = json_epoch(job, "start_time", where);
    r.end_s = json_epoch(job, "end_time", where);
    out.push_back(std::move(r));
  }
  return out;
}

bool is_final_state(std::string_view s) {
  const std::optional<traces::SlurmState> st = traces::parse_slurm_state(s);
  return st &&
         (st->phase == traces::SlurmPhase::kFinished || st->phase == traces::SlurmPhase::kRevoked);
}

ScriptStamps parse_script_stamps(std::string_view text) {
  ScriptStamps st;
  auto stamp = [&](std::string_view key) -> std::optional<std::int64_t> {
    const auto at = text.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t e = 0;
    const auto secs = digits_at(text, at + key.size(), &e);
    // Seconds beyond the year 9999 (or more digits than digits_at reads) are no epoch time: the
    // stamp is unreadable, as a non-number is, rather than a product that overflows int64.
    constexpr std::uint64_t kMaxEpochSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
    if (!secs || *secs > kMaxEpochSeconds) return std::nullopt;
    if (e < text.size() && std::isdigit(static_cast<unsigned char>(text[e]))) return std::nullopt;
    std::int64_t us = static_cast<std::int64_t>(*secs) * 1'000'000;
    if (e < text.size() && (text[e] == '.' || text[e] == ',')) {
      std::size_t f = e + 1;
      std::int64_t scale = 100'000;
      while (f < text.size() && std::isdigit(static_cast<unsigned char>(text[f])) && scale > 0) {
        us += (text[f] - '0') * scale;
        scale /= 10;
        ++f;
      }
    }
    return us;
  };
  st.start_us = stamp("orrery-start ");
  st.end_us = stamp("orrery-end ");
  return st;
}

}  // namespace orrery::calibrate
