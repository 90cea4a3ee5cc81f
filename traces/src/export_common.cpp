#include "export_common.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::traces::exports {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Unsigned decimal of at most 18 digits.
std::optional<std::int64_t> digits(std::string_view s) {
  if (!all_digits(s) || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// "YYYY-MM-DD?HH:MM:SS" at the start of `s`: seconds since 1970-01-01 on that clock.
std::optional<std::int64_t> date_time_prefix(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto y = digits(s.substr(0, 4));
  auto mo = digits(s.substr(5, 2));
  auto d = digits(s.substr(8, 2));
  auto h = digits(s.substr(11, 2));
  auto mi = digits(s.substr(14, 2));
  auto se = digits(s.substr(17, 2));
  if (!y || !mo || !d || !h || !mi || !se) return std::nullopt;
  if (*mo < 1 || *mo > 12 || *d < 1 ||
      *d > static_cast<std::int64_t>(days_in_month(*y, static_cast<unsigned>(*mo))) || *h > 23 ||
      *mi > 59 || *se > 60)
    return std::nullopt;
  return days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400 +
         *h * 3600 + *mi * 60 + *se;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  // Shift the year to start in March so the leap day is the last day of the year.
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;                                          // [0, 399]
  const std::int64_t mp = m > 2 ? m - 3 : m + 9;                                   // March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + static_cast<std::int64_t>(d) - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                  // [0, 146096]
  return era * 146097 + doe - 719468;  // 719468 days from 0000-03-01 to 1970-01-01
}

std::optional<std::int64_t> parse_naive_datetime(std::string_view text) {
  if (text.size() != 19) return std::nullopt;
  return date_time_prefix(text);
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) {
  auto base = date_time_prefix(text);
  if (!base) return std::nullopt;
  std::string_view rest = text.substr(19);
  std::int64_t ms = 0;
  if (!rest.empty() && rest[0] == '.') {
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 1) return std::nullopt;
    std::string frac(rest.substr(1, n - 1));
    frac.resize(3, '0');  // milliseconds, truncated
    ms = *digits(frac);
    rest.remove_prefix(n);
  }
  std::int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    auto oh = digits(rest.substr(1, 2));
    auto om = digits(rest.substr(4, 2));
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = (*oh * 3600 + *om * 60) * (rest[0] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  return (*base - offset) * 1000 + ms;
}

bool is_no_time(std::string_view t) {
  return t.empty() || t == "Unknown" || t == "None" || t == "N/A" || t == "0" || t == "(null)";
}

std::optional<std::int64_t> parse_slurm_duration(std::string_view text) {
  std::string_view s = text;
  std::int64_t days = 0;
  bool has_days = false;
  if (const auto dash = s.find('-'); dash != std::string_view::npos) {
    auto d = digits(s.substr(0, dash));
    if (!d) return std::nullopt;
    days = *d;
    has_days = true;
    s.remove_prefix(dash + 1);
  }
  if (const auto dot = s.find('.'); dot != std::string_view::npos) {
    if (!all_digits(s.substr(dot + 1))) return std::nullopt;
    s = s.substr(0, dot);  // microseconds: ignored
  }
  std::vector<std::int64_t> parts;
  while (true) {
    const auto colon = s.find(':');
    auto v = digits(s.substr(0, colon));
    if (!v) return std::nullopt;
    parts.push_back(*v);
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  if (parts.size() > 3) return std::nullopt;
  std::int64_t h = 0, m = 0, sec = 0;
  if (has_days) {  // D-HH, D-HH:MM, D-HH:MM:SS
    h = parts[0];
    if (parts.size() > 1) m = parts[1];
    if (parts.size() > 2) sec = parts[2];
  } else if (parts.size() == 3) {  // HH:MM:SS
    h = parts[0];
    m = parts[1];
    sec = parts[2];
  } else if (parts.size() == 2) {  // MM:SS
    m = parts[0];
    sec = parts[1];
  } else {  // MM
    m = parts[0];
  }
  if (days > 1'000'000 || h > 1'000'000 || m > 100'000'000 || sec > 100'000'000)
    return std::nullopt;
  return ((days * 24 + h) * 60 + m) * 60 + sec;
}

std::int64_t week_origin(std::int64_t t) {
  const std::int64_t day = floor_div(t, 86400);
  // 1970-01-01 was a Thursday: Monday-based weekday index 3.
  const std::int64_t weekday = ((day + 3) % 7 + 7) % 7;
  return (day - weekday) * 86400;
}

std::optional<std::uint64_t> parse_slurm_memory_mib(std::string_view text) {
  std::string_view s = text;
  double mult = 1.0;  // to MiB
  if (!s.empty()) {
    switch (std::toupper(static_cast<unsigned char>(s.back()))) {
      case 'K':
        mult = 1.0 / 1024.0;
        break;
      case 'M':
        mult = 1.0;
        break;
      case 'G':
        mult = 1024.0;
        break;
      case 'T':
        mult = 1024.0 * 1024.0;
        break;
      case 'P':
        mult = 1024.0 * 1024.0 * 1024.0;
        break;
      default:
        mult = 0;
    }
    if (mult != 0) s.remove_suffix(1);
    if (mult == 0) mult = 1.0;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v) || v < 0)
    return std::nullopt;
  const double mib = std::ceil(v * mult);
  if (mib > 1e15) return std::nullopt;
  return static_cast<std::uint64_t>(mib);
}

void add_tres_entry(Tres& t, std::string_view type, std::string_view name, std::uint64_t count) {
  t.any = true;
  if (type == "cpu") {
    t.cpus = count;
  } else if (type == "mem") {
    t.mem_mib = count;
  } else if (type == "node") {
    t.nodes = count;
  } else if (type == "gres") {
    if (name == "gpu") {
      t.untyped_gpus = count;
    } else if (name.rfind("gpu:", 0) == 0) {
      t.typed_gpus.emplace_back(std::string(name.substr(4)), count);
    }
  }
}

void finish_tres(Tres& t) {
  std::uint64_t typed = 0;
  std::string type;
  int types = 0;
  for (const auto& [name, count] : t.typed_gpus) {
    typed += count;
    if (count > 0) {
      ++types;
      type = name;
    }
  }
  if (t.untyped_gpus) {
    t.gpus = t.untyped_gpus;
  } else if (!t.typed_gpus.empty()) {
    t.gpus = typed;
  }
  if (types == 1 && t.gpus && *t.gpus == typed) t.gpu_type = type;
}

std::optional<Tres> parse_tres_string(std::string_view text, std::string& error) {
  Tres t;
  std::string_view s = text;
  while (!s.empty()) {
    const auto comma = s.find(',');
    const std::string_view entry = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) {
      error = "TRES entry " + quote_text(entry) + " is not NAME=COUNT";
      return std::nullopt;
    }
    const std::string_view key = entry.substr(0, eq);
    const std::string_view value = entry.substr(eq + 1);
    std::string_view type = key;
    std::string_view name;
    if (const auto slash = key.find('/'); slash != std::string_view::npos) {
      type = key.substr(0, slash);
      name = key.substr(slash + 1);
    }
    const bool used = type == "cpu" || type == "mem" || type == "node" ||
                      (type == "gres" && (name == "gpu" || name.rfind("gpu:", 0) == 0));
    if (!used) {
      t.any = true;
      continue;
    }
    std::uint64_t count = 0;
    if (type == "mem") {
      auto mib = parse_slurm_memory_mib(value);
      if (!mib) {
        error = "TRES mem " + quote_text(value) + " is not a memory size";
        return std::nullopt;
      }
      count = *mib;
    } else {
      if (!value.empty() && value[0] == '-') {
        error = "TRES " + std::string(key) + " must be >= 0, got " + quote_text(value);
        return std::nullopt;
      }
      auto v = digits(value);
      if (!v) {
        error = "TRES " + std::string(key) + " " + quote_text(value) + " is not a whole number";
        return std::nullopt;
      }
      count = static_cast<std::uint64_t>(*v);
    }
    add_tres_entry(t, type, name, count);
  }
  finish_tres(t);
  return t;
}

std::optional<double> parse_k8s_quantity(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  // The number: [+-]digits[.digits]; then a suffix.
  std::size_t n = 0;
  if (s[n] == '+' || s[n] == '-') ++n;
  const std::size_t digits_from = n;
  while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.')) ++n;
  if (n == digits_from) return std::nullopt;
  const std::string number(s.substr(0, n));
  const std::string_view suffix = s.substr(n);
  double v = 0;
  const char* first = number.data() + (number[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, number.data() + number.size(), v);
  if (ec != std::errc() || ptr != number.data() + number.size()) return std::nullopt;
  double mult = 1;
  if (suffix.empty()) {
    mult = 1;
  } else if (suffix == "n") {
    mult = 1e-9;
  } else if (suffix == "u") {
    mult = 1e-6;
  } else if (suffix == "m") {
    mult = 1e-3;
  } else if (suffix == "k") {
    mult = 1e3;
  } else if (suffix == "M") {
    mult = 1e6;
  } else if (suffix == "G") {
    mult = 1e9;
  } else if (suffix == "T") {
    mult = 1e12;
  } else if (suffix == "P") {
    mult = 1e15;
  } else if (suffix == "E") {
    mult = 1e18;
  } else if (suffix == "Ki") {
    mult = 1024.0;
  } else if (suffix == "Mi") {
    mult = 1024.0 * 1024;
  } else if (suffix == "Gi") {
    mult = 1024.0 * 1024 * 1024;
  } else if (suffix == "Ti") {
    mult = 1024.0 * 1024 * 1024 * 1024;
  } else if (suffix == "Pi") {
    mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
  } else if (suffix == "Ei") {
    mult = 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024;
  } else if ((suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {
    std::string_view e = suffix.substr(1);
    bool neg = false;
    if (e[0] == '+' || e[0] == '-') {
      neg = e[0] == '-';
      e.remove_prefix(1);
    }
    auto x = digits(e);
    if (!x || *x > 30) return std::nullopt;
    mult = std::pow(10.0, static_cast<double>(neg ? -*x : *x));
  } else {
    return std::nullopt;
  }
  const double r = v * mult;
  if (!std::isfinite(r)) return std::nullopt;
  return r;
}

std::string set_slurm_shape(sim::JobSpec& j, std::uint64_t nodes, std::uint64_t gpus,
                            std::uint64_t cpus, std::uint64_t mem_mib, Tally& tally) {
  if (nodes == 0) nodes = 1;
  if (nodes > 1'000'000) return "node count " + std::to_string(nodes) + " is more than 1000000";
  std::uint64_t tasks = nodes;
  std::uint64_t per_task_gpus = 0;
  if (gpus > 0) {
    if (gpus % nodes == 0) {
      per_task_gpus = gpus / nodes;
    } else {
      tasks = gpus;
      per_task_gpus = 1;
      tally.adjust("GPUs not a multiple of the node count (one task per GPU)");
    }
  }
  if (tasks > 1'000'000) return "GPU count " + std::to_string(gpus) + " is more than 1000000";
  if (per_task_gpus > 1024)
    return std::to_string(per_task_gpus) + " GPUs on one node is more than 1024";
  j.tasks = static_cast<std::uint32_t>(tasks);
  j.gpu_milli = static_cast<std::uint32_t>(per_task_gpus * 1000);
  const std::uint64_t cpu_per_task = cpus / tasks;
  if (cpu_per_task > 1'000'000) return "CPU count " + std::to_string(cpus) + " is out of range";
  j.cpu_milli = static_cast<std::uint32_t>(cpu_per_task * 1000);
  j.memory_mib = mem_mib / tasks;
  return {};
}

void rebase_to_week(sim::Workload& w) {
  if (w.jobs.empty()) return;
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  for (const auto& j : w.jobs) first = std::min(first, j.submit.ms());
  const std::int64_t origin_ms = week_origin(floor_div(first, 1000)) * 1000;
  const sim::SimTime origin = sim::SimTime::from_ms(origin_ms);
  for (auto& j : w.jobs) {
    j.submit -= origin;
    if (j.observed.start) *j.observed.start -= origin;
    if (j.observed.end) *j.observed.end -= origin;
  }
}

void drop_duplicate_ids(sim::Workload& w, Tally& tally) {
  std::unordered_set<std::string> seen;
  seen.reserve(w.jobs.size());
  std::size_t out = 0;
  for (std::size_t i = 0; i < w.jobs.size(); ++i) {
    if (!seen.insert(w.jobs[i].id).second) {
      tally.drop("duplicate job id (the first record is kept)");
      continue;
    }
    if (out != i) w.jobs[out] = std::move(w.jobs[i]);
    ++out;
  }
  w.jobs.resize(out);
}

nlohmann::json read_json(const std::string& path, const std::vector<std::string>& discard) {
  std::string text;
  {
    LineReader in(path, kMaxJsonBytes);
    std::string line;
    while (in.next(line)) {
      if (text.size() + line.size() + 1 > kMaxJsonBytes) {
        throw sim::InputError(path,
                              "more than 1 GiB of JSON; export a shorter period or fewer "
                              "objects (sacct -S/-E, kubectl -l/-n)");
      }
      text += line;
      text += '\n';
    }
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw sim::InputError(path, "empty file (expected a JSON document)");
  const std::unordered_set<std::string> drop(discard.begin(), discard.end());
  nlohmann::json::parser_callback_t cb = [&](int depth, nlohmann::json::parse_event_t event,
                                             nlohmann::json& parsed) {
    if (depth > kMaxJsonDepth) {
      throw sim::InputError(path, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                      " levels; not an export this importer reads");
    }
    if (event == nlohmann::json::parse_event_t::key && parsed.is_string() &&
        drop.count(parsed.get_ref<const std::string&>()))
      return false;
    return true;
  };
  try {
    return nlohmann::json::parse(text, cb);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t at = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const auto line =
        1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    std::string msg = e.what();
    const auto p = msg.find("parse error");
    if (p != std::string::npos) msg = msg.substr(p);
    throw sim::InputError(path + ":" + std::to_string(line),
                          "invalid JSON (truncated or corrupt file?): " + msg);
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double
    std::string msg = e.what();
    const auto p = msg.find("] ");
    if (p != std::string::npos) msg = msg.substr(p + 2);
    throw sim::InputError(path, "invalid JSON: " + msg);
  }
}

void JsonFields::problem(const std::string& json_path, std::string what) {
  problem_at(lines_ ? lines_->line_of(json_path) : 0, json_path, std::move(what));
}

void JsonFields::problem_at(std::uint64_t line, const std::string& json_path, std::string what) {
  if (full()) return;
  if (line == 0) {
    problems_.add(file_ + ": " + json_path, std::move(what));
  } else {
    problems_.add(file_ + ":" + std::to_string(line) + ": " + json_path, std::move(what));
  }
}

const nlohmann::json* JsonFields::member(const nlohmann::json& o, std::string_view key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json* JsonFields::at(const nlohmann::json& o, std::string_view dotted) {
  const nlohmann::json* cur = &o;
  while (cur) {
    const auto dot = dotted.find('.');
    cur = member(*cur, dotted.substr(0, dot));
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  return cur;
}

std::optional<std::int64_t> JsonFields::integer(const nlohmann::json* v,
                                                const std::string& json_path) {
  if (!v) return std::nullopt;
  if (v->is_object()) {  // Slurm 23.02+: {"set": true, "infinite": false, "number": N}
    const auto* set = member(*v, "set");
    const auto* inf = member(*v, "infinite");
    if (set && set->is_boolean() && !set->get<bool>()) return std::nullopt;
    if (inf && inf->is_boolean() && inf->get<bool>()) return std::nullopt;
    const auto* num = member(*v, "number");
    if (!num) return std::nullopt;
    return integer(num, json_path + ".number");
  }
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      problem(json_path, "the number " + v->dump() + " is out of range");
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
  }
  problem(json_path, "must be a whole number, got " + kind_of(*v));
  return std::nullopt;
}

std::string JsonFields::text(const nlohmann::json* v, const std::string& json_path) {
  if (!v) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number()) return v->dump();
  problem(json_path, "must be a string, got " + kind_of(*v));
  return {};
}

std::string kind_of(const nlohmann::json& v) {
  if (v.is_string()) return "a string " + quote_text(v.get<std::string>());
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_boolean()) return v.dump();
  if (v.is_null()) return "null";
  if (v.is_array()) return "an array";
  return "an object";
}

}  // namespace orrery::traces::exports

namespace orrery::traces::exports {

std::optional<SlurmProblem> add_slurm_job(sim::Workload& w, const SlurmRecord& r, Tally& tally) {
  switch (r.state.phase) {
    case SlurmPhase::kPending:
      tally.drop("pending at export (never started)");
      return std::nullopt;
    case SlurmPhase::kRunning:
      tally.drop("running at export (no end time)");
      return std::nullopt;
    case SlurmPhase::kRequeued:
      tally.drop("requeued attempt (a later record holds the final state)");
      return std::nullopt;
    case SlurmPhase::kRevoked:
      tally.drop("revoked (a federated job that ran on another cluster)");
      return std::nullopt;
    case SlurmPhase::kFinished:
      break;
  }
  std::optional<std::int64_t> start = r.start;
  std::optional<std::int64_t> end = r.end;
  const bool ran = r.elapsed_s && *r.elapsed_s > 0;
  if (!start && end && ran) {
    start = *end - *r.elapsed_s;
    tally.adjust("no start time (end - elapsed used)");
  }
  if (!start) {
    tally.drop(r.state.status == sim::JobStatus::kKilled
                   ? "cancelled before it started"
                   : "ended without starting (no start time)");
    return std::nullopt;
  }
  if (!end && r.elapsed_s) {
    end = *start + *r.elapsed_s;
    tally.adjust("no end time (start + elapsed used)");
  }
  if (!end) {
    tally.drop("finished without an end time");
    return std::nullopt;
  }
  if (*end < *start) {
    return SlurmProblem{SlurmField::kEnd, "ends before the start (" + std::to_string(*end) + " < " +
                                              std::to_string(*start) + " s)"};
  }
  std::int64_t submit = 0;
  if (r.submission) {
    submit = *r.submission;
    // A held or dependent job becomes schedulable at its eligible time.
    if (r.eligible && *r.eligible > submit && *r.eligible <= *start) submit = *r.eligible;
  } else {
    submit = r.eligible && *r.eligible <= *start ? *r.eligible : *start;
    tally.adjust("no submission time (eligible or start time used)");
  }
  if (submit > *start) {
    tally.adjust("submitted after it started (submit set to start)");
    submit = *start;
  }
  const Tres* t = &r.alloc;
  if (!r.alloc.any) {
    if (r.req.any) {
      t = &r.req;
      tally.adjust("no allocated TRES (requested TRES used)");
    } else {
      tally.adjust("no TRES (0 GPUs assumed)");
    }
  }
  sim::JobSpec j;
  j.id = r.id;
  const std::uint64_t nodes = t->nodes.value_or(r.nodes.value_or(0));
  const std::uint64_t cpus = t->cpus.value_or(r.cpus.value_or(0));
  const std::uint64_t mem = t->mem_mib.value_or(r.mem_mib.value_or(0));
  if (std::string err = set_slurm_shape(j, nodes, t->gpus.value_or(0), cpus, mem, tally);
      !err.empty())
    return SlurmProblem{SlurmField::kTres, std::move(err)};
  j.gpu_type = w.gpu_types.intern(t->gpu_type);
  j.user = w.users.intern(r.user);
  j.queue = w.queues.intern(r.partition);
  if (r.priority) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
    if (*r.priority > kMax || *r.priority < -kMax) {
      tally.adjust("priority outside the 32-bit range (clamped)");
      j.priority = static_cast<std::int32_t>(*r.priority > 0 ? kMax : -kMax);
    } else {
      j.priority = static_cast<std::int32_t>(*r.priority);
    }
  }
  if (r.limit_s && *r.limit_s > 0) j.walltime = sim::SimTime::from_ms(*r.limit_s * 1000);
  j.submit = sim::SimTime::from_ms(submit * 1000);
  j.duration = sim::SimTime::from_ms((*end - *start) * 1000);
  j.observed.start = sim::SimTime::from_ms(*start * 1000);
  j.observed.end = sim::SimTime::from_ms(*end * 1000);
  j.observed.status = r.state.status;
  j.observed.placement = r.nodelist;
  w.jobs.push_back(std::move(j));
  return std::nullopt;
}

}  // namespace orrery::traces::exports
