// Shared helpers of the public-trace importers (not a format of its own), and the job-log reader
// behind the `helios` and `acme` formats (both are Slurm-style logs: one row per job with
// submit/start/end timestamps and Slurm states).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

// Days since 1970-01-01 of a proleptic Gregorian date: the "days from civil" algorithm described
// by H. Hinnant ("chrono-Compatible Low-Level Date Algorithms"), written out here.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y + (m <= 2 ? 1 : 0)),
                m, d);
  return buf;
}

namespace pub {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_missing(std::string_view s) {
  s = trim(s);
  return s.empty() || s == "None" || s == "nan" || s == "NaN" || s == "NaT" || s == "null" ||
         s == "NULL";
}

bool Fields::split(std::string_view line) {
  views_.clear();
  if (line.find('"') == std::string_view::npos) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t p = line.find(sep_, start);
      if (p == std::string_view::npos) {
        views_.push_back(line.substr(start));
        return true;
      }
      views_.push_back(line.substr(start, p - start));
      start = p + 1;
    }
  }
  if (!split_csv(line, storage_, sep_)) return false;
  for (const std::string& s : storage_) views_.emplace_back(s);
  return true;
}

void Fields::split_blanks(std::string_view line) {
  views_.clear();
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= n) break;
    const std::size_t start = i;
    while (i < n && line[i] != ' ' && line[i] != '\t') ++i;
    views_.push_back(line.substr(start, i - start));
  }
}

Header::Header(const Fields& header, std::span<const ColumnSpec> spec, const std::string& path,
               std::uint64_t line, sim::Problems& problems)
    : pos_(spec.size(), kAbsent), width_(header.size()) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string_view name = trim(header[i]);
    for (std::size_t c = 0; c < spec.size(); ++c) {
      if (name == spec[c].name) {
        if (pos_[c] != kAbsent) {
          problems.add(path + ":" + std::to_string(line),
                       "column '" + std::string(name) + "' appears twice");
        }
        pos_[c] = i;
      }
    }
  }
  std::string expected;
  for (const ColumnSpec& c : spec) {
    if (!expected.empty()) expected += ',';
    expected += c.name;
  }
  for (std::size_t c = 0; c < spec.size(); ++c) {
    if (spec[c].required && pos_[c] == kAbsent) {
      problems.add(path + ":" + std::to_string(line), "missing required column '" +
                                                          std::string(spec[c].name) +
                                                          "' (columns read: " + expected + ")");
    }
  }
}

std::optional<std::int64_t> read_int(FieldReader& f, std::string_view col, std::string_view text,
                                     std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  if (!text.empty() && ec == std::errc() && p == e) {
    if (v < min || v > max) {
      f.problem(col, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                         quote_text(text));
      return std::nullopt;
    }
    return v;
  }
  return f.integer(col, text, min, max);  // "12.0", blanks, "+3", and the error message
}

std::optional<double> read_number(FieldReader& f, std::string_view col, std::string_view text,
                                  double min, double max) {
  double v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  std::optional<double> r;
  if (!text.empty() && ec == std::errc() && p == e && std::isfinite(v)) {
    r = v;
  } else {
    r = f.number(col, text);
    if (!r) return std::nullopt;
  }
  if (*r < min || *r > max) {
    std::ostringstream lo, hi;
    lo << min;
    hi << max;
    f.problem(col, "must be in [" + lo.str() + ", " + hi.str() + "], got " + quote_text(text));
    return std::nullopt;
  }
  return r;
}

std::optional<std::int64_t> read_seconds(FieldReader& f, std::string_view col,
                                         std::string_view text, double max_s) {
  std::int64_t v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  if (!text.empty() && ec == std::errc() && p == e && v >= 0 && static_cast<double>(v) <= max_s)
    return v * 1000;
  if (auto d = read_number(f, col, text, 0, max_s)) return sim::SimTime::from_seconds(*d).ms();
  return std::nullopt;
}

namespace {
bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}
}  // namespace

std::optional<DateTime> parse_datetime(std::string_view s) {
  s = trim(s);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 19 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
      mi > 59 || se > 60) {
    return std::nullopt;
  }
  DateTime t;
  std::size_t i = 19;
  int frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int scale = 100;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  if (i < s.size()) {
    const char c = s[i];
    if (c == 'Z' && i + 1 == s.size()) {
      t.has_offset = true;
    } else if (c == '+' || c == '-') {
      int oh = 0, om = 0;
      const std::size_t rest = s.size() - i - 1;
      if (!digits(s, i + 1, 2, oh)) return std::nullopt;
      if (rest == 5 && s[i + 3] == ':') {
        if (!digits(s, i + 4, 2, om)) return std::nullopt;
      } else if (rest == 4) {
        if (!digits(s, i + 3, 2, om)) return std::nullopt;
      } else if (rest != 2) {
        return std::nullopt;
      }
      if (oh > 18 || om > 59) return std::nullopt;
      t.has_offset = true;
      t.offset_s = (c == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  t.wall_ms = ((days * 24 + h) * 60 + mi) * 60'000 + std::int64_t{se} * 1000 + frac_ms;
  return t;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::int64_t local_midnight_ms(std::int64_t utc_ms, std::int32_t offset_s) {
  const std::int64_t off = std::int64_t{offset_s} * 1000;
  return floor_div(utc_ms + off, kMsPerDay) * kMsPerDay - off;
}

std::uint32_t Interner::operator()(std::string_view s) {
  if (s.empty()) return 0;
  if (s == last_ && last_id_ != 0) return last_id_;
  std::uint32_t id = 0;
  auto it = cache_.find(s);
  if (it != cache_.end()) {
    id = it->second;
  } else {
    id = table_.intern(s);
    cache_.emplace(std::string(s), id);
  }
  last_.assign(s);
  last_id_ = id;
  return id;
}

namespace {
std::uint32_t hash32(std::string_view s) {
  const std::uint64_t h = std::hash<std::string_view>{}(s);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}
}  // namespace

std::uint32_t IdIndex::find(std::string_view id, const std::vector<sim::JobSpec>& jobs) const {
  if (slots_.empty()) return kNone;
  const std::uint32_t h = hash32(id);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const std::uint64_t s = slots_[i];
    if (s == 0) return kNone;
    if (static_cast<std::uint32_t>(s >> 32) == h) {
      const auto index = static_cast<std::uint32_t>(s & 0xffffffffU) - 1;
      if (jobs[index].id == id) return index;
    }
  }
}

std::uint32_t IdIndex::insert(std::string_view id, std::uint32_t index,
                              const std::vector<sim::JobSpec>& jobs) {
  return insert_hashed(hash32(id), id, index, jobs);
}

std::uint32_t IdIndex::prefetch(std::string_view id) {
  const std::uint32_t h = hash32(id);
  if (!slots_.empty()) __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
  return h;
}

std::uint32_t IdIndex::insert_hashed(std::uint32_t h, std::string_view id, std::uint32_t index,
                                     const std::vector<sim::JobSpec>& jobs) {
  if ((used_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const std::uint64_t s = slots_[i];
    if (s == 0) {
      slots_[i] = (std::uint64_t{h} << 32) | (std::uint64_t{index} + 1);
      ++used_;
      return kNone;
    }
    if (static_cast<std::uint32_t>(s >> 32) == h) {
      const auto other = static_cast<std::uint32_t>(s & 0xffffffffU) - 1;
      if (other != index && jobs[other].id == id) return other;
    }
  }
}

void JobSink::line(std::size_t bytes) {
  ++rows_;
  bytes_ += bytes + 1;
  constexpr std::uint64_t kSample = 4096;
  if (reserved_ || rows_ < kSample) return;
  reserved_ = true;
  if (std::string_view(in_.compression()) != "none") return;
  std::error_code ec;
  const auto size = std::filesystem::file_size(in_.path(), ec);
  if (ec || bytes_ == 0) return;
  const double rows =
      static_cast<double>(size) / static_cast<double>(bytes_) * static_cast<double>(rows_) * 1.02;
  if (rows < 1e9) {
    const std::size_t n = static_cast<std::size_t>(rows) + 64;
    jobs_.reserve(n);
    advise_huge_pages(jobs_.data(), n * sizeof(sim::JobSpec));
    lines_.reserve(n);
    advise_huge_pages(lines_.data(), n * sizeof(std::uint64_t));
  }
}

sim::JobSpec& JobSink::start(std::string_view id, std::uint64_t line) {
  sim::JobSpec& j = jobs_.emplace_back();
  j.id.assign(id);
  if (!peeked_) hash_ = ids_.prefetch(id);
  peeked_ = false;
  line_ = line;
  return j;
}

std::uint64_t JobSink::commit() {
  const auto index = static_cast<std::uint32_t>(jobs_.size() - 1);
  const std::uint32_t other = ids_.insert_hashed(hash_, jobs_.back().id, index, jobs_);
  if (other != IdIndex::kNone) {
    jobs_.pop_back();
    return lines_[other];
  }
  lines_.push_back(line_);
  return 0;
}

void JobSink::finish() {
  if (jobs_.capacity() > jobs_.size() + jobs_.size() / 4 + 1024) jobs_.shrink_to_fit();
  ids_.clear();
  lines_ = {};
}

void advise_huge_pages(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Large tables filled row by row (or probed at random) fault and miss the TLB once per 4 KiB
  // page; transparent huge pages cut both. Advice only: failure changes nothing.
  constexpr std::uintptr_t kHuge = 2U << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

void IdIndex::grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  const std::size_t size = old.empty() ? 1024 : old.size() * 2;
  slots_ = {};
  slots_.reserve(size);
  advise_huge_pages(slots_.data(), size * sizeof(std::uint64_t));
  slots_.assign(size, 0);
  const std::size_t mask = slots_.size() - 1;
  for (const std::uint64_t s : old) {
    if (s == 0) continue;
    std::size_t i = static_cast<std::uint32_t>(s >> 32) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

const char* gang_shape(std::uint64_t gpus, std::uint64_t nodes, double cpus, Gang& g) {
  const char* reason = nullptr;
  if (nodes == 0) {
    nodes = 1;
    reason = "node count 0 (read as 1)";
  }
  if (gpus == 0) {
    g.tasks = static_cast<std::uint32_t>(nodes);
    g.gpu_milli = 0;
  } else if (gpus % nodes == 0 && gpus / nodes <= 1024) {
    g.tasks = static_cast<std::uint32_t>(nodes);
    g.gpu_milli = static_cast<std::uint32_t>(gpus / nodes * 1000);
  } else {
    g.tasks = static_cast<std::uint32_t>(gpus);
    g.gpu_milli = 1000;
    reason = "GPUs not divisible by nodes (one task per GPU)";
  }
  g.cpu_milli = static_cast<std::uint32_t>(std::ceil(cpus * 1000.0 / g.tasks - 1e-9));
  return reason;
}

std::optional<sim::JobStatus> slurm_state(std::string_view s, bool& ignore) {
  ignore = false;
  const std::optional<SlurmState> st = parse_slurm_state(s);
  if (!st) return std::nullopt;
  if (st->phase == SlurmPhase::kFinished) return st->status;
  if (trim(s) == "SUSPENDED") {
    ignore = true;
    return sim::JobStatus::kFailed;
  }
  return std::nullopt;  // a job log lists ended jobs: RUNNING, PENDING, ... are errors
}

void count(std::map<std::string, std::uint64_t>& reasons, std::string_view reason) {
  auto it = reasons.find(std::string(reason));
  if (it == reasons.end()) {
    reasons.emplace(std::string(reason), 1);
  } else {
    ++it->second;
  }
}

void rebase(sim::Workload& w, std::int64_t origin_ms) {
  const sim::SimTime o = sim::SimTime::from_ms(origin_ms);
  for (sim::JobSpec& j : w.jobs) {
    j.submit -= o;
    if (j.observed.start) *j.observed.start -= o;
    if (j.observed.end) *j.observed.end -= o;
  }
}

std::string first_line(LineReader& in, const std::string& expected) {
  std::string line;
  if (!in.next(line)) throw sim::InputError(in.path(), "empty file (expected " + expected + ")");
  return line;
}

void enforce_strict(const ImportReport& report, const ImportOptions& options) {
  if (!options.strict) return;
  std::vector<sim::Problem> problems;
  for (const auto& [reason, n] : report.dropped) {
    problems.push_back(
        {report.path, std::to_string(n) + " rows dropped: " + reason + " (--strict)"});
  }
  for (const auto& [reason, n] : report.adjusted) {
    problems.push_back(
        {report.path, std::to_string(n) + " rows adjusted: " + reason + " (--strict)"});
  }
  if (!problems.empty()) throw sim::InputError(problems);
}

void PoolBuilder::add(std::string_view gpu_type, std::uint32_t gpus, std::uint32_t cpu_cores,
                      std::uint64_t memory_mib) {
  ++nodes_;
  const std::string_view type = gpus > 0 ? gpu_type : std::string_view();
  for (sim::NodePoolSpec& p : pools_) {
    if (p.gpu_type == type && p.gpus_per_node == gpus && p.cpu_cores == cpu_cores &&
        p.memory_mib == memory_mib) {
      ++p.nodes;
      return;
    }
  }
  sim::NodePoolSpec p;
  p.gpu_type = std::string(type);
  p.gpus_per_node = gpus;
  p.cpu_cores = cpu_cores;
  p.memory_mib = memory_mib;
  p.nodes = 1;
  p.name = (type.empty() ? std::string("cpu") : std::string(type) + "x" + std::to_string(gpus)) +
           "-" + std::to_string(cpu_cores) + "c-" +
           (memory_mib % 1024 == 0 ? std::to_string(memory_mib / 1024) + "gib"
                                   : std::to_string(memory_mib) + "mib");
  // Distinct keys give distinct names except for types that differ only in characters
  // the name keeps; make them unique anyway.
  const std::string base = p.name;
  for (int k = 2;; ++k) {
    bool clash = false;
    for (const sim::NodePoolSpec& q : pools_) clash = clash || q.name == p.name;
    if (!clash) break;
    p.name = base + "-" + std::to_string(k);
  }
  pools_.push_back(std::move(p));
}

sim::ClusterSpec PoolBuilder::build(std::string name) const {
  sim::ClusterSpec c;
  c.name = std::move(name);
  c.pools = pools_;
  return c;
}

std::string file_stem(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".zst", ".csv", ".yaml", ".yml", ".txt"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      name.resize(name.size() - e.size());
    }
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Helios cluster_log.csv and Acme trace_{seren,kalos}.csv.

namespace {
enum JobLogCol : std::size_t {
  kId,
  kUser,
  kVc,
  kGpus,
  kCpus,
  kNodes,
  kState,
  kSubmit,
  kStart,
  kEnd,
  kType,
  kMem,
  kJobLogCols
};
constexpr ColumnSpec kJobLogSpec[kJobLogCols] = {
    {"job_id", true},     {"user", false},     {"vc", false},   {"gpu_num", true},
    {"cpu_num", false},   {"node_num", false}, {"state", true}, {"submit_time", true},
    {"start_time", true}, {"end_time", true},  {"type", false}, {"mem_per_pod_GB", false}};
}  // namespace

Imported read_job_log(const std::string& path, const ImportOptions&, const JobLogConfig& cfg) {
  Imported out;
  out.report.format = std::string(cfg.format);
  out.report.path = path;
  out.workload.source = path;
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  const std::string head = first_line(in, "a header starting with job_id,user");
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  const Header h(row, kJobLogSpec, path, 1, problems);
  problems.throw_if_any();
  const std::size_t width = h.width();
  Interner users(out.workload.users), queues(out.workload.queues),
      classes(out.workload.job_classes);
  JobSink sink(out.workload.jobs, in);
  std::optional<bool> offsets;  // whether the file's timestamps carry a UTC offset
  std::int64_t min_submit = INT64_MAX;
  std::int32_t min_submit_offset = 0;
  std::string line;
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    ++out.report.rows;
    sink.line(line.size());
    if (!row.split(line)) {
      f.problem_row("unterminated quoted field");
      continue;
    }
    if (row.size() != width) {
      f.problem_row("expected " + std::to_string(width) + " columns, found " +
                    std::to_string(row.size()));
      if (f.full()) break;
      continue;
    }
    sink.peek(trim(row[h[kId]]));
    const std::size_t before = problems.size();
    bool ignore = false;
    const std::string_view state_text = row[h[kState]];
    const auto state = slurm_state(state_text, ignore);
    if (!state) {
      f.problem(kJobLogSpec[kState].name,
                quote_text(state_text) +
                    " is not a job state (COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL)");
    }
    const auto gpus = read_int(f, "gpu_num", row[h[kGpus]], 0, 1'000'000);
    std::optional<double> cpus = 0.0;
    if (h.has(kCpus) && !is_missing(row[h[kCpus]]))
      cpus = read_number(f, "cpu_num", row[h[kCpus]], 0, 1e8);
    std::optional<std::int64_t> nodes = 1;
    if (h.has(kNodes) && !is_missing(row[h[kNodes]]))
      nodes = read_int(f, "node_num", row[h[kNodes]], 0, 1'000'000);
    std::optional<double> mem_gb = 0.0;
    if (cfg.use_mem && h.has(kMem) && !is_missing(row[h[kMem]]))
      mem_gb = read_number(f, "mem_per_pod_GB", row[h[kMem]], 0, 1e7);
    std::optional<DateTime> t[3];
    bool missing[3] = {false, false, false};
    const JobLogCol tcols[3] = {kSubmit, kStart, kEnd};
    for (int k = 0; k < 3; ++k) {
      const std::string_view text = row[h[tcols[k]]];
      if (is_missing(text)) {
        missing[k] = true;
        continue;
      }
      t[k] = parse_datetime(text);
      if (!t[k]) {
        f.problem(kJobLogSpec[tcols[k]].name,
                  quote_text(text) + " is not a time (YYYY-MM-DD HH:MM:SS[+HH:MM])");
      } else if (!offsets) {
        offsets = t[k]->has_offset;
      } else if (*offsets != t[k]->has_offset) {
        f.problem(kJobLogSpec[tcols[k]].name,
                  "mixes timestamps with and without a UTC offset, got " + quote_text(text));
      }
    }
    const std::string_view id = row[h[kId]];
    if (trim(id).empty()) f.problem("job_id", "must not be empty");
    if (problems.size() != before) {
      if (f.full()) break;
      continue;
    }
    if (ignore) {
      count(out.report.dropped, "state SUSPENDED (ignored, as in the Helios analysis)");
      continue;
    }
    if (missing[0]) {
      count(out.report.dropped, "no submit_time");
      continue;
    }
    if (missing[1]) {
      count(out.report.dropped, "never started (no start_time)");
      continue;
    }
    if (missing[2]) {
      count(out.report.dropped, "no end_time");
      continue;
    }
    std::int64_t submit = t[0]->utc_ms(), start = t[1]->utc_ms();
    const std::int64_t end = t[2]->utc_ms();
    if (end < start) {
      count(out.report.dropped, "ends before it starts");
      continue;
    }
    if (start < submit) {
      count(out.report.adjusted, "starts before it was submitted (submit set to start)");
      submit = start;
    }
    sim::JobSpec& j = sink.start(trim(id), in.line_number());
    j.submit = sim::SimTime::from_ms(submit);
    j.observed.start = sim::SimTime::from_ms(start);
    j.observed.end = sim::SimTime::from_ms(end);
    j.observed.status = *state;
    j.duration = sim::SimTime::from_ms(end - start);
    Gang g;
    if (const char* why = gang_shape(static_cast<std::uint64_t>(*gpus),
                                     static_cast<std::uint64_t>(*nodes), *cpus, g)) {
      count(out.report.adjusted, why);
    }
    j.tasks = g.tasks;
    j.gpu_milli = g.gpu_milli;
    j.cpu_milli = g.cpu_milli;
    j.memory_mib = static_cast<std::uint64_t>(std::llround(*mem_gb * 1024.0));
    if (h.has(kUser)) j.user = users(trim(row[h[kUser]]));
    if (cfg.use_vc && h.has(kVc)) j.queue = queues(trim(row[h[kVc]]));
    if (cfg.use_type && h.has(kType)) j.job_class = classes(trim(row[h[kType]]));
    if (const std::uint64_t first = sink.commit()) {
      f.problem("job_id", "duplicate job id " + quote_text(trim(id)) + " (first at line " +
                              std::to_string(first) + ")");
      if (f.full()) break;
      continue;
    }
    if (submit < min_submit) {
      min_submit = submit;
      min_submit_offset = t[0]->offset_s;
    }
  }
  problems.throw_if_any();
  sink.finish();
  // Origin: local midnight (the file's own UTC offset, or its naive clock) of the earliest submit.
  if (!out.workload.jobs.empty())
    rebase(out.workload, local_midnight_ms(min_submit, min_submit_offset));
  out.report.jobs = out.workload.jobs.size();
  return out;
}

}  // namespace pub
}  // namespace orrery::traces
