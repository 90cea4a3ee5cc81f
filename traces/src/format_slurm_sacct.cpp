// slurm-sacct: `sacct -P` (--parsable2; `-p` with its trailing '|' is read too) with a header
// line. Columns are found by name (case-insensitive); job steps (123.batch, 123.0) are dropped.
// Documented in docs/formats.md.
#include <array>
#include <cctype>

#include "export_common.hpp"
#include "export_formats.hpp"
#include "orrery/traces/csv.hpp"
#include "orrery/traces/line_reader.hpp"

namespace orrery::traces {

namespace {

enum Col : std::size_t {
  kJobId,
  kState,
  kSubmit,
  kEligible,
  kStart,
  kEnd,
  kElapsed,
  kTimelimit,
  kNNodes,
  kNCpus,
  kAllocCpus,
  kReqMem,
  kAllocTres,
  kReqTres,
  kNodeList,
  kUser,
  kPartition,
  kPriority,
  kColumns
};
constexpr std::array<std::string_view, kColumns> kNames = {
    "jobid",     "state",     "submit",   "eligible", "start",     "end",
    "elapsed",   "timelimit", "nnodes",   "ncpus",    "alloccpus", "reqmem",
    "alloctres", "reqtres",   "nodelist", "user",     "partition", "priority"};

std::string lower(std::string_view s) {
  std::string l(s);
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return l;
}

void split_pipes(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t from = 0;
  while (true) {
    const auto bar = line.find('|', from);
    out.push_back(line.substr(from, bar == std::string_view::npos ? bar : bar - from));
    if (bar == std::string_view::npos) break;
    from = bar + 1;
  }
}

}  // namespace

bool detect_slurm_sacct(std::string_view header) {
  std::vector<std::string_view> f;
  split_pipes(header, f);
  bool id = false, state = false;
  for (auto n : f) {
    id = id || lower(n) == "jobid";
    state = state || lower(n) == "state";
  }
  return f.size() > 1 && id && state;
}

Imported read_slurm_sacct(const std::string& path, const ImportOptions&) {
  Imported out;
  out.report.format = "slurm-sacct";
  out.report.path = path;
  out.workload.source = path;
  exports::Tally tally(out.report);
  LineReader in(path);
  std::string line;
  if (!in.next(line))
    throw sim::InputError(path, "empty file (expected the header line of `sacct -P`)");
  std::vector<std::string_view> fields;
  split_pipes(line, fields);
  const bool trailing_bar = fields.size() > 1 && fields.back().empty();  // `sacct -p`
  if (trailing_bar) fields.pop_back();
  std::array<std::size_t, kColumns> pos;
  pos.fill(SIZE_MAX);
  sim::Problems problems;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string name = lower(fields[i]);
    for (std::size_t c = 0; c < kColumns; ++c) {
      if (name == kNames[c]) {
        if (pos[c] != SIZE_MAX)
          problems.add(path + ":1", "column " + quote_text(fields[i]) + " appears twice");
        pos[c] = i;
      }
    }
  }
  if (pos[kJobId] == SIZE_MAX || pos[kState] == SIZE_MAX) {
    throw sim::InputError(path + ":1",
                          "not a `sacct -P` header (needs the columns JobID and State; export "
                          "with sacct -P --format=JobID,State,Submit,Start,End,... and without "
                          "--noheader), got " +
                              quote_text(line));
  }
  if (pos[kSubmit] == SIZE_MAX && pos[kEligible] == SIZE_MAX)
    problems.add(path + ":1", "missing column Submit (or Eligible)");
  if ((pos[kStart] == SIZE_MAX || pos[kEnd] == SIZE_MAX) && pos[kElapsed] == SIZE_MAX)
    problems.add(path + ":1", "missing columns Start and End (or Elapsed)");
  problems.throw_if_any();
  const std::size_t ncols = fields.size();
  const std::vector<std::string> names(fields.begin(), fields.end());  // `line` is reused below
  auto name_of = [&](Col c) -> const std::string& { return names[pos[c]]; };
  std::vector<std::string_view> row;
  FieldReader f(problems, path);
  auto& w = out.workload;
  auto get = [&](Col c) -> std::string_view {
    return pos[c] == SIZE_MAX ? std::string_view() : row[pos[c]];
  };
  auto time_of = [&](Col c) -> std::optional<std::int64_t> {
    const std::string_view t = get(c);
    if (exports::is_no_time(t)) return std::nullopt;
    auto v = exports::parse_naive_datetime(t);
    if (!v)
      f.problem(name_of(c), quote_text(t) + " is not a time (YYYY-MM-DDTHH:MM:SS or Unknown)");
    return v;
  };
  auto count_of = [&](Col c) -> std::optional<std::uint64_t> {
    const std::string_view t = get(c);
    if (t.empty()) return std::nullopt;
    auto v = f.integer(name_of(c), t, 0, std::int64_t{1} << 40);
    if (!v) return std::nullopt;
    return static_cast<std::uint64_t>(*v);
  };
  auto tres_of = [&](Col c) -> exports::Tres {
    const std::string_view t = get(c);
    std::string err;
    auto v = exports::parse_tres_string(t, err);
    if (!v) {
      f.problem(name_of(c), err);
      return {};
    }
    return *v;
  };
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    ++out.report.rows;
    split_pipes(line, row);
    if (trailing_bar && row.size() == ncols + 1 && row.back().empty()) row.pop_back();
    if (row.size() != ncols) {
      f.problem_row("expected " + std::to_string(ncols) + " '|'-separated columns (from the " +
                    "header), found " + std::to_string(row.size()));
      if (f.full()) break;
      continue;
    }
    const std::string_view id = get(kJobId);
    if (id.empty()) {
      f.problem(name_of(kJobId), "must not be empty");
      continue;
    }
    if (id.find('.') != std::string_view::npos) {
      tally.drop("job step (not a job)");
      continue;
    }
    const std::size_t before = problems.size();
    exports::SlurmRecord r;
    r.id = std::string(id);
    auto st = parse_slurm_state(get(kState));
    if (!st) {
      f.problem(name_of(kState), quote_text(get(kState)) + " is not a Slurm job state");
    } else {
      r.state = *st;
    }
    r.submission = time_of(kSubmit);
    r.eligible = time_of(kEligible);
    r.start = time_of(kStart);
    r.end = time_of(kEnd);
    if (!get(kElapsed).empty()) {
      r.elapsed_s = exports::parse_slurm_duration(get(kElapsed));
      if (!r.elapsed_s)
        f.problem(name_of(kElapsed),
                  quote_text(get(kElapsed)) + " is not a duration ([D-]HH:MM:SS)");
    }
    if (const std::string_view tl = get(kTimelimit); !tl.empty() && tl != "UNLIMITED" &&
                                                     tl != "Partition_Limit" && tl != "NONE" &&
                                                     tl != "INVALID") {
      r.limit_s = exports::parse_slurm_duration(tl);
      if (!r.limit_s)
        f.problem(name_of(kTimelimit),
                  quote_text(tl) + " is not a time limit ([D-]HH:MM:SS or UNLIMITED)");
    }
    r.nodes = count_of(kNNodes);
    r.cpus = count_of(kNCpus);
    if (!r.cpus) r.cpus = count_of(kAllocCpus);
    if (std::string_view m = get(kReqMem); !m.empty()) {
      // Older versions append n (per node) or c (per CPU); the total is what matters here.
      const char last = m.back();
      const bool per_cpu = last == 'c', per_node = last == 'n';
      if (per_cpu || per_node) m.remove_suffix(1);
      if (auto mib = exports::parse_slurm_memory_mib(m)) {
        const std::uint64_t k = per_cpu ? r.cpus.value_or(1) : per_node ? r.nodes.value_or(1) : 1;
        r.mem_mib = *mib * (k == 0 ? 1 : k);
      } else {
        f.problem(name_of(kReqMem), quote_text(get(kReqMem)) + " is not a memory size");
      }
    }
    r.alloc = tres_of(kAllocTres);
    r.req = tres_of(kReqTres);
    r.nodelist = std::string(get(kNodeList));
    if (r.nodelist == "None assigned" || r.nodelist == "(null)") r.nodelist.clear();
    r.user = std::string(get(kUser));
    r.partition = std::string(get(kPartition));
    if (!get(kPriority).empty()) {
      if (auto v = f.integer(name_of(kPriority), get(kPriority), -(std::int64_t{1} << 40),
                             std::int64_t{1} << 40))
        r.priority = *v;
    }
    if (f.full()) break;
    if (problems.size() != before) continue;
    if (auto bad = exports::add_slurm_job(w, r, tally)) {
      const Col c = bad->field == exports::SlurmField::kTres
                        ? (pos[kAllocTres] != SIZE_MAX ? kAllocTres : kReqTres)
                        : (pos[kEnd] != SIZE_MAX ? kEnd : kElapsed);
      f.problem(pos[c] == SIZE_MAX ? "AllocTRES" : name_of(c), bad->what);
    }
  }
  problems.throw_if_any();
  exports::drop_duplicate_ids(w, tally);
  exports::rebase_to_week(w);
  out.report.jobs = w.jobs.size();
  return out;
}

}  // namespace orrery::traces
