// SenseTime Helios (Hu et al., SC '21): `cluster_log.csv` of one cluster (format `helios`), and
// the per-day VC GPU quotas `cluster_gpu_number.csv` (read_vc_quotas, for VC policies).
//
// cluster_log.csv (HeliosData README): job_id,user,vc,gpu_num,cpu_num,node_num,state,
// submit_time,start_time,end_time,duration,queue; times naive "YYYY-MM-DD HH:MM:SS" (China
// Standard Time, UTC+8, not stated upstream); states COMPLETED, CANCELLED, FAILED, TIMEOUT,
// NODE_FAIL (the last two "regarded as failed") and one SUSPENDED in Uranus ("we ignore it").
// The job-log reader is shared with Acme (format_common.cpp).
#include <algorithm>

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

Imported read_helios(const std::string& path, const ImportOptions& options) {
  return pub::read_job_log(path, options, {.format = "helios", .use_vc = true});
}

bool detect_helios(std::string_view header) {
  return header.rfind("job_id,user,vc,", 0) == 0 &&
         header.find("submit_time") != std::string_view::npos;
}

std::optional<std::size_t> VcQuotas::vc_index(std::string_view vc) const {
  for (std::size_t i = 0; i < vcs.size(); ++i) {
    if (vcs[i] == vc) return i;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> VcQuotas::at(std::string_view vc, std::int64_t day) const {
  const auto v = vc_index(vc);
  if (!v || day < first_day || day - first_day >= static_cast<std::int64_t>(gpus.size()))
    return std::nullopt;
  return gpus[static_cast<std::size_t>(day - first_day)][*v];
}

std::vector<std::uint32_t> VcQuotas::day_quotas(std::int64_t day) const {
  if (day < first_day || day - first_day >= static_cast<std::int64_t>(gpus.size())) return {};
  return gpus[static_cast<std::size_t>(day - first_day)];
}

VcQuotas read_vc_quotas(const std::string& path) {
  using namespace pub;
  VcQuotas q;
  q.source = path;
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  Fields row;
  const std::string head = first_line(in, "a header date,<vc>,...,total");
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  if (row.size() < 2 || trim(row[0]) != "date" || trim(row[row.size() - 1]) != "total") {
    throw sim::InputError(path + ":1",
                          "expected a header date,<vc>,...,<vc>,total, got " + quote_text(head));
  }
  const std::size_t width = row.size();
  for (std::size_t i = 1; i + 1 < width; ++i) {
    const std::string vc(trim(row[i]));
    if (vc.empty()) problems.add(path + ":1", "empty VC name in column " + std::to_string(i + 1));
    if (std::find(q.vcs.begin(), q.vcs.end(), vc) != q.vcs.end())
      problems.add(path + ":1", "VC " + quote_text(vc) + " appears twice");
    q.vcs.push_back(vc);
  }
  problems.throw_if_any();
  std::string line;
  while (in.next(line)) {
    f.at_line(in.line_number());
    if (line.empty()) continue;
    if (!row.split(line) || row.size() != width) {
      f.problem_row("expected " + std::to_string(width) + " columns, found " +
                    std::to_string(row.size()));
      if (f.full()) break;
      continue;
    }
    const std::string_view date = trim(row[0]);
    const auto t = parse_datetime(std::string(date) + " 00:00:00");
    if (!t || date.size() != 10) {
      f.problem("date", quote_text(date) + " is not a date (YYYY-MM-DD)");
      continue;
    }
    const std::int64_t day = t->wall_ms / kMsPerDay;
    if (q.gpus.empty()) {
      q.first_day = day;
    } else if (day != q.first_day + static_cast<std::int64_t>(q.gpus.size())) {
      f.problem("date",
                "expected the next day " +
                    civil_from_days(q.first_day + static_cast<std::int64_t>(q.gpus.size())) +
                    " (one row per consecutive day), got " + quote_text(date));
      continue;
    }
    std::vector<std::uint32_t> day_gpus(q.vcs.size(), 0);
    std::uint64_t sum = 0;
    bool ok = true;
    for (std::size_t i = 0; i < q.vcs.size(); ++i) {
      if (auto v = read_int(f, q.vcs[i], row[i + 1], 0, 10'000'000)) {
        day_gpus[i] = static_cast<std::uint32_t>(*v);
        sum += day_gpus[i];
      } else {
        ok = false;
      }
    }
    const auto total = read_int(f, "total", row[width - 1], 0, 100'000'000);
    if (!ok || !total) continue;
    if (static_cast<std::uint64_t>(*total) != sum) {
      f.problem("total",
                "is " + std::to_string(*total) + " but the VCs sum to " + std::to_string(sum));
      continue;
    }
    q.gpus.push_back(std::move(day_gpus));
    q.total.push_back(static_cast<std::uint32_t>(*total));
  }
  problems.throw_if_any();
  if (q.gpus.empty()) throw sim::InputError(path, "no data rows (expected one row per day)");
  return q;
}

}  // namespace orrery::traces
