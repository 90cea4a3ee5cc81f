#include "orrery/reports/analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace orrery::reports {

using nlohmann::json;

namespace {

struct KnownMetric {
  const char* key;
  const char* label;
  const char* group;
  Unit unit;
  Better better;
};

constexpr const char* kJct = "Job completion time (JCT)";
constexpr const char* kWait = "Wait before first start";
constexpr const char* kCluster = "Cluster";
constexpr const char* kJobs = "Job outcomes";

const KnownMetric kKnown[] = {
    {"jct_s.mean", "Mean", kJct, Unit::kSeconds, Better::kLower},
    {"jct_s.p50", "p50", kJct, Unit::kSeconds, Better::kLower},
    {"jct_s.p95", "p95", kJct, Unit::kSeconds, Better::kLower},
    {"jct_s.p99", "p99", kJct, Unit::kSeconds, Better::kLower},
    {"jct_s.max", "Max", kJct, Unit::kSeconds, Better::kLower},
    {"wait_s.mean", "Mean", kWait, Unit::kSeconds, Better::kLower},
    {"wait_s.p50", "p50", kWait, Unit::kSeconds, Better::kLower},
    {"wait_s.p95", "p95", kWait, Unit::kSeconds, Better::kLower},
    {"wait_s.p99", "p99", kWait, Unit::kSeconds, Better::kLower},
    {"wait_s.max", "Max", kWait, Unit::kSeconds, Better::kLower},
    {"makespan_s", "Makespan", kCluster, Unit::kSeconds, Better::kLower},
    {"gpu_utilization", "GPU utilization", kCluster, Unit::kFraction, Better::kHigher},
    {"gpu_hours_allocated", "GPU-hours allocated", kCluster, Unit::kGpuHours, Better::kNeither},
    {"preemptions", "Preemptions", kCluster, Unit::kCount, Better::kLower},
    {"jobs", "Jobs", kJobs, Unit::kCount, Better::kNeither},
    {"completed", "Completed", kJobs, Unit::kCount, Better::kHigher},
    {"failed", "Failed", kJobs, Unit::kCount, Better::kLower},
    {"rejected", "Rejected", kJobs, Unit::kCount, Better::kLower},
    {"unfinished", "Unfinished", kJobs, Unit::kCount, Better::kLower},
};

bool contains(const std::string& s, std::string_view w) {
  return s.find(w) != std::string::npos;
}
bool ends_with(const std::string& s, std::string_view w) {
  return s.size() >= w.size() && s.compare(s.size() - w.size(), w.size(), w) == 0;
}

std::string humanize(std::string s) {
  for (std::string_view suffix : {"_usd", "_s"}) {
    if (ends_with(s, suffix) && s.size() > suffix.size()) s.resize(s.size() - suffix.size());
  }
  for (char& c : s) {
    if (c == '_') c = ' ';
  }
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

void collect_numeric(const json& j, const std::string& prefix, std::vector<std::string>& keys) {
  for (const auto& [k, v] : j.items()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_number()) {
      keys.push_back(key);
    } else if (v.is_object()) {
      collect_numeric(v, key, keys);
    }
  }
}

TextPart name_part(const std::string& s) {
  return {TextPart::Kind::kName, s, -1};
}
TextPart num_part(const std::string& s) {
  return {TextPart::Kind::kNumber, s, -1};
}
TextPart text_part(const std::string& s) {
  return {TextPart::Kind::kText, s, -1};
}
// A run's name, coloured like its series.
TextPart run_part(const std::vector<RunData>& runs, std::size_t i) {
  return {TextPart::Kind::kName, runs[i].label, static_cast<int>(i)};
}

// "`a`", "`a` and `b`", "`a`, `b` and `c`"
void append_names(RichText& t, const std::vector<RunData>& runs,
                  const std::vector<std::size_t>& idx) {
  for (std::size_t k = 0; k < idx.size(); ++k) {
    if (k > 0) t.push_back(text_part(k + 1 == idx.size() ? " and " : ", "));
    t.push_back(run_part(runs, idx[k]));
  }
}

std::vector<double> metric_values(const std::vector<RunData>& runs, const std::string& key) {
  std::vector<double> v;
  for (const RunData& r : runs) v.push_back(r.metric(key).value_or(kMissing));
  return v;
}

bool better_than(double a, double b, Better better) {
  return better == Better::kHigher ? a > b : a < b;
}

// All indices whose value ties with the best present value (even when all are equal).
std::vector<std::size_t> best_set(const std::vector<double>& v, Better better) {
  std::vector<std::size_t> out;
  double best = kMissing;
  for (double x : v) {
    if (present(x) && (!present(best) || better_than(x, best, better))) best = x;
  }
  if (!present(best)) return out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (present(v[i]) && nearly_equal(v[i], best)) out.push_back(i);
  }
  return out;
}

struct Headline {
  const char* key;
  const char* noun;
  Unit unit;
  Better better;
};

// One comparison sentence for `h` against the baseline.
void compare_sentence(const std::vector<RunData>& runs, std::size_t base, const Headline& h,
                      std::vector<RichText>& out) {
  const std::vector<double> v = metric_values(runs, h.key);
  if (!present(v[base])) return;
  std::size_t n_present = 0;
  for (double x : v)
    if (present(x)) ++n_present;
  if (n_present < 2) return;
  const std::vector<std::size_t> best = best_set(v, h.better);
  const bool lower = h.better == Better::kLower;
  const std::string superlative = lower ? "lowest" : "highest";
  RichText t;
  if (best.size() == n_present) {
    t.push_back(text_part(
        n_present == 2 ? fmt::format("Both policies have the same {} (", h.noun)
                       : fmt::format("All {} policies have the same {} (", n_present, h.noun)));
    t.push_back(num_part(format_value(v[base], h.unit)));
    t.push_back(text_part(")."));
    out.push_back(t);
    return;
  }
  const bool base_is_best = std::find(best.begin(), best.end(), base) != best.end();
  if (base_is_best) {
    std::vector<std::size_t> tied;
    for (std::size_t i : best) {
      if (i != base) tied.push_back(i);
    }
    std::size_t next = v.size();
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!present(v[i]) || std::find(best.begin(), best.end(), i) != best.end()) continue;
      if (next == v.size() || better_than(v[i], v[next], h.better)) next = i;
    }
    t.push_back(run_part(runs, base));
    t.push_back(text_part(" (the baseline) already has the " + superlative + " " + h.noun + " ("));
    t.push_back(num_part(format_value(v[base], h.unit)));
    t.push_back(text_part(")"));
    if (!tied.empty()) {
      t.push_back(text_part(", tied with "));
      append_names(t, runs, tied);
    }
    if (next < v.size()) {
      t.push_back(text_part("; the next best, "));
      t.push_back(run_part(runs, next));
      if (v[base] != 0) {
        t.push_back(text_part(", is "));
        t.push_back(num_part(format_percent_change((v[next] - v[base]) / std::abs(v[base]))));
        t.push_back(text_part(std::string(lower ? " higher" : " lower") + " ("));
      } else {
        t.push_back(text_part(", has "));
      }
      t.push_back(num_part(format_value(v[next], h.unit)));
      if (v[base] != 0) t.push_back(text_part(")"));
    }
    t.push_back(text_part("."));
    out.push_back(t);
    return;
  }
  const double b = v[best.front()];
  append_names(t, runs, best);
  if (best.size() > 1) {
    t.push_back(text_part(" tie for the " + superlative + " " + h.noun + ", "));
    t.push_back(text_part(lower ? "cutting it " : "raising it "));
  } else {
    t.push_back(text_part(std::string(lower ? " cut " : " raised ") + h.noun + " "));
  }
  if (lower && b == 0) {
    t.push_back(text_part("to zero against "));
    t.push_back(run_part(runs, base));
    t.push_back(text_part(" (from "));
    t.push_back(num_part(format_value(v[base], h.unit)));
    t.push_back(text_part(")."));
  } else {
    if (v[base] != 0) {
      t.push_back(text_part("by "));
      t.push_back(num_part(format_percent_change((b - v[base]) / std::abs(v[base]))));
      t.push_back(text_part(" "));
    }
    t.push_back(text_part("against "));
    t.push_back(run_part(runs, base));
    t.push_back(text_part(" (from "));
    t.push_back(num_part(format_value(v[base], h.unit)));
    t.push_back(text_part(" to "));
    t.push_back(num_part(format_value(b, h.unit)));
    t.push_back(text_part(")."));
  }
  out.push_back(t);
}

// "GPU utilization ranges from 47.9% (`srtf`) to 55.4% (`fifo` and `easy-backfill`)"
bool range_clause(const std::vector<RunData>& runs, const std::string& key, const char* noun,
                  Unit unit, Better better, RichText& t) {
  const std::vector<double> v = metric_values(runs, key);
  (void)better;
  const auto lo = best_set(v, Better::kLower), hi = best_set(v, Better::kHigher);
  if (lo.empty()) return false;
  if (nearly_equal(v[lo.front()], v[hi.front()])) {
    t.push_back(text_part(std::string(noun) + " is the same under every policy ("));
    t.push_back(num_part(format_value(v[lo.front()], unit)));
    t.push_back(text_part(")"));
    return true;
  }
  t.push_back(text_part(std::string(noun) + " ranges from "));
  t.push_back(num_part(format_value(v[lo.front()], unit)));
  t.push_back(text_part(" ("));
  append_names(t, runs, lo);
  t.push_back(text_part(") to "));
  t.push_back(num_part(format_value(v[hi.front()], unit)));
  t.push_back(text_part(" ("));
  append_names(t, runs, hi);
  t.push_back(text_part(")"));
  return true;
}

std::string capitalize(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

void tradeoff_sentence(const std::vector<RunData>& runs, std::vector<RichText>& out) {
  struct Win {
    const char* noun;
    std::vector<std::size_t> best;
  };
  std::vector<Win> wins;
  const Headline hs[] = {{"jct_s.mean", "mean JCT", Unit::kSeconds, Better::kLower},
                         {"wait_s.p95", "p95 wait", Unit::kSeconds, Better::kLower},
                         {"gpu_utilization", "GPU utilization", Unit::kFraction, Better::kHigher}};
  for (const Headline& h : hs) {
    const std::vector<double> v = metric_values(runs, h.key);
    auto b = best_indices(v, h.better);
    if (!b.empty()) wins.push_back({h.noun, b});
  }
  if (wins.size() < 2) return;
  // Is one run best on all of them?
  std::vector<std::size_t> common = wins[0].best;
  for (const Win& w : wins) {
    std::vector<std::size_t> keep;
    for (std::size_t i : common) {
      if (std::find(w.best.begin(), w.best.end(), i) != w.best.end()) keep.push_back(i);
    }
    common = keep;
  }
  RichText t;
  auto nouns = [&](const std::vector<const char*>& ns) {
    std::string s;
    for (std::size_t k = 0; k < ns.size(); ++k) {
      if (k > 0) s += k + 1 == ns.size() ? " and " : ", ";
      s += ns[k];
    }
    return s;
  };
  if (!common.empty()) {
    std::vector<const char*> all;
    for (const Win& w : wins) all.push_back(w.noun);
    append_names(t, runs, common);
    t.push_back(text_part(std::string(common.size() > 1 ? " are" : " is") + " best on " +
                          nouns(all) + " alike."));
    out.push_back(t);
    return;
  }
  // Group the metrics by their set of winners, in order.
  std::vector<std::pair<std::vector<std::size_t>, std::vector<const char*>>> groups;
  for (const Win& w : wins) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == w.best; });
    if (it == groups.end()) {
      groups.push_back({w.best, {w.noun}});
    } else {
      it->second.push_back(w.noun);
    }
  }
  t.push_back(text_part("No single policy wins everywhere: "));
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) t.push_back(text_part("; "));
    append_names(t, runs, groups[g].first);
    t.push_back(text_part(std::string(groups[g].first.size() > 1 ? " lead" : " leads") + " on " +
                          nouns(groups[g].second)));
  }
  t.push_back(text_part("."));
  out.push_back(t);
}

void preemption_sentence(const std::vector<RunData>& runs, std::vector<RichText>& out) {
  std::vector<std::size_t> some;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto p = runs[i].metric("preemptions");
    if (p && *p > 0) some.push_back(i);
  }
  if (some.empty()) return;
  RichText t;
  for (std::size_t k = 0; k < some.size(); ++k) {
    const RunData& r = runs[some[k]];
    if (k > 0) t.push_back(text_part(k + 1 == some.size() ? " and " : ", "));
    t.push_back(run_part(runs, some[k]));
    t.push_back(text_part(" preempted jobs "));
    t.push_back(num_part(format_count(*r.metric("preemptions"))));
    t.push_back(text_part(" times"));
    if (r.has_jobs) {
      std::size_t hit = 0;
      for (const JobRow& j : r.jobs)
        if (j.preemptions > 0) ++hit;
      t.push_back(text_part(" ("));
      t.push_back(num_part(format_count(static_cast<double>(hit))));
      t.push_back(text_part(" of "));
      t.push_back(num_part(format_count(static_cast<double>(r.jobs.size()))));
      t.push_back(text_part(" jobs at least once)"));
    }
  }
  if (runs.size() > 1) {
    if (some.size() == runs.size()) {
      t.push_back(text_part("."));
    } else if (runs.size() - some.size() == 1) {
      t.push_back(text_part("; the other policy never preempted."));
    } else {
      t.push_back(text_part("; the other policies never preempted."));
    }
  } else {
    t.push_back(text_part("."));
  }
  out.push_back(t);
}

void outcome_sentences(const std::vector<RunData>& runs, std::vector<RichText>& out) {
  // Failed jobs: equal everywhere, or a range.
  const std::vector<double> failed = metric_values(runs, "failed");
  const auto lo = best_set(failed, Better::kLower), hi = best_set(failed, Better::kHigher);
  if (!lo.empty() && runs.size() > 1) {
    RichText t;
    if (nearly_equal(failed[lo.front()], failed[hi.front()])) {
      if (failed[lo.front()] > 0) {
        t.push_back(text_part("Every policy saw the same "));
        t.push_back(num_part(format_count(failed[lo.front()])));
        t.push_back(text_part(" failed jobs"));
        const bool replayed =
            runs[0].manifest_string("scenario.options.replay_observed_failures") == "true";
        t.push_back(text_part(replayed ? " (failures replayed from the trace)." : "."));
        out.push_back(t);
      }
    } else {
      t.push_back(text_part("Failed jobs range from "));
      t.push_back(num_part(format_count(failed[lo.front()])));
      t.push_back(text_part(" ("));
      append_names(t, runs, lo);
      t.push_back(text_part(") to "));
      t.push_back(num_part(format_count(failed[hi.front()])));
      t.push_back(text_part(" ("));
      append_names(t, runs, hi);
      t.push_back(text_part(")."));
      out.push_back(t);
    }
  }
  // Jobs rejected, killed at their time limit, left unfinished: (key, all runs alike, per run:
  // verb before the count, words after the list).
  struct Outcome {
    const char* key;
    const char* every;
    const char* verb;
    const char* after;
  };
  for (const Outcome& o :
       {Outcome{"rejected",
                " jobs were rejected under every policy: they can never fit on the cluster.",
                " rejected ", ": they can never fit on the cluster."},
        Outcome{"timed_out",
                " jobs were killed at their time limit under every policy (enforced time limits: "
                "they needed longer than they asked for).",
                " had ", " killed at their time limit (enforced time limits)."},
        Outcome{"unfinished", " jobs were unfinished under every policy when the runs stopped.",
                " left ", " unfinished when the run stopped."}}) {
    const std::vector<double> v = metric_values(runs, o.key);
    std::vector<std::size_t> some;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (present(v[i]) && v[i] > 0) some.push_back(i);
    }
    if (some.empty()) continue;
    RichText t;
    const bool all_same = some.size() == runs.size() &&
                          std::all_of(v.begin(), v.end(), [&](double x) { return x == v[0]; });
    if (all_same && runs.size() > 1) {
      t.push_back(num_part(format_count(v[0])));
      t.push_back(text_part(o.every));
    } else {
      for (std::size_t k = 0; k < some.size(); ++k) {
        if (k > 0) t.push_back(text_part(k + 1 == some.size() ? " and " : ", "));
        t.push_back(run_part(runs, some[k]));
        t.push_back(text_part(o.verb));
        t.push_back(num_part(format_count(v[some[k]])));
        t.push_back(text_part(" jobs"));
      }
      t.push_back(text_part(o.after));
    }
    out.push_back(t);
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto it = runs[i].summary.find("cancelled");
    if (it != runs[i].summary.end() && it->is_boolean() && it->get<bool>()) {
      RichText t{run_part(runs, i),
                 text_part(" was interrupted before the end: its numbers are partial.")};
      out.push_back(t);
    }
  }
}

void fairness_sentence(const std::vector<RunData>& runs, std::vector<RichText>& out) {
  std::vector<double> jain;
  std::size_t users = 0;
  for (const RunData& r : runs) {
    const std::size_t n = tenant_count(r, TenantKind::kUser);
    users = std::max(users, n);
    jain.push_back(n >= 2 ? jain_of_mean_jct(r, TenantKind::kUser) : kMissing);
  }
  if (users < 2) return;
  const auto hi = best_set(jain, Better::kHigher), lo = best_set(jain, Better::kLower);
  if (hi.empty()) return;
  RichText t;
  t.push_back(text_part("Across "));
  t.push_back(num_part(format_count(static_cast<double>(users))));
  t.push_back(text_part(" users, "));
  if (runs.size() == 1) {
    t.push_back(text_part("Jain's fairness index of per-user mean JCT is "));
    t.push_back(num_part(format_value(jain[0], Unit::kIndex)));
    t.push_back(text_part(" (1 means every user sees the same mean JCT)"));
    const auto stats = tenant_stats(runs[0], TenantKind::kUser);
    const TenantStat* worst = nullptr;
    for (const TenantStat& s : stats) {
      if (present(s.mean_jct_s) && (!worst || s.mean_jct_s > worst->mean_jct_s)) worst = &s;
    }
    const auto overall = runs[0].metric("jct_s.mean");
    if (worst && overall) {
      t.push_back(text_part("; "));
      t.push_back(name_part(worst->name));
      t.push_back(text_part(" has the longest mean JCT ("));
      t.push_back(num_part(format_duration(worst->mean_jct_s)));
      t.push_back(text_part(" against "));
      t.push_back(num_part(format_duration(*overall)));
      t.push_back(text_part(" overall)"));
    }
    t.push_back(text_part("."));
    out.push_back(t);
    return;
  }
  if (nearly_equal(jain[hi.front()], jain[lo.front()], 0.005)) {
    t.push_back(text_part("every policy shares mean JCT about as evenly (Jain's index "));
    t.push_back(num_part(format_value(jain[hi.front()], Unit::kIndex)));
    t.push_back(text_part(")."));
    out.push_back(t);
    return;
  }
  append_names(t, runs, hi);
  t.push_back(text_part(" spread" + std::string(hi.size() > 1 ? "" : "s") +
                        " mean JCT most evenly (Jain's index "));
  t.push_back(num_part(format_value(jain[hi.front()], Unit::kIndex)));
  t.push_back(text_part("), "));
  append_names(t, runs, lo);
  t.push_back(text_part(" least ("));
  t.push_back(num_part(format_value(jain[lo.front()], Unit::kIndex)));
  t.push_back(text_part(")."));
  out.push_back(t);
}

void single_run_sentences(const RunData& r, std::vector<RichText>& out) {
  const auto jobs = r.metric("jobs"), completed = r.metric("completed");
  if (jobs && completed) {
    RichText t{TextPart{TextPart::Kind::kName, r.label, 0},
               text_part(" completed "),
               num_part(format_count(*completed)),
               text_part(" of "),
               num_part(format_count(*jobs)),
               text_part(" jobs")};
    std::vector<std::pair<const char*, const char*>> extra = {
        {"failed", "failed"}, {"rejected", "rejected"}, {"unfinished", "unfinished"}};
    bool first = true;
    for (const auto& [key, word] : extra) {
      const auto v = r.metric(key);
      if (!v || *v <= 0) continue;
      t.push_back(text_part(first ? " (" : ", "));
      t.push_back(num_part(format_count(*v)));
      t.push_back(text_part(std::string(" ") + word));
      first = false;
    }
    if (!first) t.push_back(text_part(")"));
    t.push_back(text_part("."));
    out.push_back(t);
  }
  const auto jct = r.metric("jct_s.mean"), jct95 = r.metric("jct_s.p95"),
             wait95 = r.metric("wait_s.p95");
  if (jct && wait95) {
    RichText t{text_part("Mean JCT was "), num_part(format_duration(*jct))};
    if (jct95) {
      t.push_back(text_part(" (p95 "));
      t.push_back(num_part(format_duration(*jct95)));
      t.push_back(text_part(")"));
    }
    t.push_back(text_part(" and p95 wait was "));
    t.push_back(num_part(format_duration(*wait95)));
    t.push_back(text_part("."));
    out.push_back(t);
  }
  const auto util = r.metric("gpu_utilization"), makespan = r.metric("makespan_s");
  if (util && makespan) {
    out.push_back(RichText{text_part("GPUs were "), num_part(format_value(*util, Unit::kFraction)),
                           text_part(" utilized over a "), num_part(format_duration(*makespan)),
                           text_part(" makespan.")});
  }
}

}  // namespace

std::vector<MetricDef> discover_metrics(const std::vector<RunData>& runs) {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const RunData& r : runs) {
    std::vector<std::string> k;
    collect_numeric(r.summary, "", k);
    for (auto& s : k) {
      if (seen.insert(s).second) keys.push_back(s);
    }
  }
  std::vector<MetricDef> out;
  for (const KnownMetric& k : kKnown) {
    if (seen.count(k.key)) out.push_back({k.key, k.label, k.group, k.unit, k.better});
  }
  for (const std::string& key : keys) {
    const bool known = std::any_of(std::begin(kKnown), std::end(kKnown),
                                   [&](const KnownMetric& k) { return key == k.key; });
    if (known) continue;
    MetricDef d = guess_metric(key);
    if (d.unit == Unit::kFraction) {
      for (const RunData& r : runs) {
        const auto v = r.metric(key);
        if (v && (*v < 0 || *v > 1)) d.unit = Unit::kNumber;
      }
    }
    out.push_back(d);
  }
  return out;
}

MetricDef guess_metric(const std::string& key) {
  MetricDef d;
  d.key = key;
  const auto dot = key.rfind('.');
  const std::string leaf = dot == std::string::npos ? key : key.substr(dot + 1);
  const std::string top = key.substr(0, key.find('.'));
  d.label = humanize(leaf);
  d.group = dot == std::string::npos ? "Other metrics" : humanize(key.substr(0, dot));
  std::string lower = key;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ends_with(lower, "_s") || contains(lower, "_s.")) {
    d.unit = Unit::kSeconds;
  } else if (contains(lower, "usd") || contains(lower, "cost")) {
    d.unit = Unit::kUsd;
  } else if (contains(lower, "gpu_hours")) {
    d.unit = Unit::kGpuHours;
  } else if (contains(lower, "jain") || contains(lower, "fairness")) {
    d.unit = Unit::kIndex;
  } else if (contains(lower, "utilization") || contains(lower, "fraction") ||
             contains(lower, "share") || contains(lower, "ratio") || contains(lower, "goodput") ||
             contains(lower, "efficiency") || contains(lower, "fragmentation")) {
    d.unit = Unit::kFraction;
  } else if (contains(lower, "count") || contains(lower, "jobs") || contains(lower, "preempt") ||
             contains(lower, "restart") || contains(lower, "failures") ||
             contains(lower, "events")) {
    d.unit = Unit::kCount;
  }
  for (std::string_view w :
       {"goodput", "utilization", "efficiency", "throughput", "completed", "jain", "fairness"}) {
    if (contains(lower, w)) d.better = Better::kHigher;
  }
  if (d.better == Better::kNeither) {
    for (std::string_view w :
         {"cost", "usd", "fail", "reject", "unfinished", "preempt", "fragment", "wait", "jct",
          "slowdown", "makespan", "idle", "waste", "latency", "lost", "overhead", "restart"}) {
      if (contains(lower, w)) d.better = Better::kLower;
    }
    if (d.unit == Unit::kSeconds) d.better = Better::kLower;
  }
  return d;
}

std::vector<std::string> metric_groups(const std::vector<MetricDef>& metrics) {
  std::vector<std::string> g;
  for (const MetricDef& m : metrics) {
    if (std::find(g.begin(), g.end(), m.group) == g.end()) g.push_back(m.group);
  }
  return g;
}

std::string format_duration(double s) {
  if (!present(s)) return "–";
  const double a = std::abs(s);
  if (a == 0) return "0 s";
  if (a < 10) return fmt::format("{:.1f} s", s);
  if (a < 59.5) return fmt::format("{:.0f} s", s);
  if (a < 599.5) return fmt::format("{:.1f} min", s / 60);
  if (a < 3570) return fmt::format("{:.0f} min", s / 60);
  if (a < 35982) return fmt::format("{:.2f} h", s / 3600);
  if (a < 172800) return fmt::format("{:.1f} h", s / 3600);
  return fmt::format("{:.1f} days", s / 86400);
}

std::string format_count(double v) {
  if (!present(v)) return "–";
  if (std::abs(v - std::round(v)) > 1e-9) return format_number(v);
  const long long n = std::llround(v);
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_number(double v, int significant) {
  if (!present(v)) return "–";
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1e9 || a < 1e-4) return fmt::format("{:.{}g}", v, significant);
  if (a < 1e15 && v == std::floor(v)) return format_count(v);
  const int magnitude = static_cast<int>(std::floor(std::log10(a)));
  const int decimals = std::max(0, significant - 1 - magnitude);
  if (decimals == 0) return format_count(std::round(v));
  return fmt::format("{:.{}f}", v, decimals);
}

std::string format_value(double v, Unit unit) {
  if (!present(v)) return "–";
  switch (unit) {
    case Unit::kSeconds:
      return format_duration(v);
    case Unit::kFraction:
      return fmt::format("{:.1f}%", 100.0 * v);
    case Unit::kCount:
      return format_count(v);
    case Unit::kGpuHours:
      return format_number(v);
    case Unit::kUsd:
      return std::abs(v) >= 1000 ? "$" + format_count(std::round(v)) : fmt::format("${:.2f}", v);
    case Unit::kIndex:
      return fmt::format("{:.3f}", v);
    case Unit::kNumber:
      break;
  }
  return format_number(v);
}

std::string exact_number(double v) {
  if (!present(v)) return "";
  if (std::abs(v) < 1e15 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string format_percent_change(double fraction) {
  const double pct = std::abs(fraction) * 100.0;
  if (pct < 0.5) return "less than 1%";
  return fmt::format("{:.0f}%", pct);
}

bool nearly_equal(double a, double b, double rel) {
  if (a == b) return true;
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

std::vector<std::size_t> best_indices(const std::vector<double>& values, Better better) {
  if (better == Better::kNeither) return {};
  std::size_t n = 0;
  double lo = kMissing, hi = kMissing;
  for (double v : values) {
    if (!present(v)) continue;
    ++n;
    lo = present(lo) ? std::min(lo, v) : v;
    hi = present(hi) ? std::max(hi, v) : v;
  }
  if (n < 2 || nearly_equal(lo, hi)) return {};
  return best_set(values, better);
}

std::vector<Point> cdf_points(std::vector<double> values, std::size_t max_points) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !present(v); }),
               values.end());
  std::vector<Point> out;
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double dn = static_cast<double>(n);
  const std::size_t steps = std::max<std::size_t>(2, max_points / 2);
  out.push_back({values[0], 0.0});
  if (n <= steps) {
    for (std::size_t i = 0; i < n; ++i) {
      // Jump at each value; equal values make one taller step.
      if (i + 1 < n && values[i + 1] == values[i]) continue;
      out.push_back({values[i], static_cast<double>(i + 1) / dn});
      if (i + 1 < n) out.push_back({values[i + 1], static_cast<double>(i + 1) / dn});
    }
    return out;
  }
  double prev_y = 0;
  for (std::size_t k = 1; k <= steps; ++k) {
    const std::size_t rank = std::max<std::size_t>(
        1, static_cast<std::size_t>(
               std::llround(static_cast<double>(k) * dn / static_cast<double>(steps))));
    const double x = values[rank - 1];
    out.push_back({x, prev_y});
    prev_y = static_cast<double>(rank) / dn;
    out.push_back({x, prev_y});
  }
  return out;
}

std::vector<Point> downsample(const std::vector<Point>& points, std::size_t max_points) {
  if (points.size() <= max_points || max_points < 6) return points;
  const std::size_t buckets = max_points / 3;
  std::vector<Point> out;
  out.reserve(buckets * 3 + 1);
  const std::size_t n = points.size();
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t begin = b * n / buckets, end = (b + 1) * n / buckets;
    if (begin >= end) continue;
    std::size_t lo = begin, hi = begin;
    for (std::size_t i = begin; i < end; ++i) {
      if (points[i].y < points[lo].y) lo = i;
      if (points[i].y > points[hi].y) hi = i;
    }
    std::size_t idx[3] = {begin, std::min(lo, hi), std::max(lo, hi)};
    for (std::size_t k = 0; k < 3; ++k) {
      if (k > 0 && idx[k] == idx[k - 1]) continue;
      out.push_back(points[idx[k]]);
    }
  }
  out.push_back(points.back());
  return out;
}

std::vector<double> jct_values(const RunData& run) {
  std::vector<double> v;
  v.reserve(run.jobs.size());
  for (const JobRow& j : run.jobs) {
    if (present(j.jct_s)) v.push_back(j.jct_s);
  }
  return v;
}

std::vector<double> wait_values(const RunData& run) {
  std::vector<double> v;
  v.reserve(run.jobs.size());
  for (const JobRow& j : run.jobs) {
    if (present(j.wait_s)) v.push_back(j.wait_s);
  }
  return v;
}

std::vector<TenantStat> tenant_stats(const RunData& run, TenantKind kind) {
  const std::vector<std::string>& names = kind == TenantKind::kUser ? run.users : run.queues;
  struct Acc {
    std::size_t jobs = 0, ended = 0, started = 0;
    double jct = 0, wait = 0;
  };
  std::vector<Acc> acc(names.size());
  for (const JobRow& j : run.jobs) {
    const std::uint32_t t = kind == TenantKind::kUser ? j.user : j.queue;
    if (t >= acc.size()) continue;
    Acc& a = acc[t];
    ++a.jobs;
    if (present(j.jct_s)) {
      ++a.ended;
      a.jct += j.jct_s;
    }
    if (present(j.wait_s)) {
      ++a.started;
      a.wait += j.wait_s;
    }
  }
  std::vector<TenantStat> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Acc& a = acc[i];
    if (a.jobs == 0) continue;
    TenantStat s;
    s.name = names[i].empty() ? "(none)" : names[i];
    s.jobs = a.jobs;
    s.ended = a.ended;
    if (a.ended) s.mean_jct_s = a.jct / static_cast<double>(a.ended);
    if (a.started) s.mean_wait_s = a.wait / static_cast<double>(a.started);
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const TenantStat& a, const TenantStat& b) {
    return a.jobs != b.jobs ? a.jobs > b.jobs : a.name < b.name;
  });
  return out;
}

double jain_index(const std::vector<double>& values) {
  double sum = 0, sq = 0;
  std::size_t n = 0;
  for (double v : values) {
    if (!present(v)) continue;
    sum += v;
    sq += v * v;
    ++n;
  }
  if (n == 0 || sq == 0) return kMissing;
  return sum * sum / (static_cast<double>(n) * sq);
}

double jain_of_mean_jct(const RunData& run, TenantKind kind) {
  std::vector<double> means;
  for (const TenantStat& s : tenant_stats(run, kind)) means.push_back(s.mean_jct_s);
  if (means.size() < 2) return kMissing;
  return jain_index(means);
}

std::size_t tenant_count(const RunData& run, TenantKind kind) {
  const std::vector<std::string>& names = kind == TenantKind::kUser ? run.users : run.queues;
  std::size_t n = 0;
  for (const std::string& s : names)
    if (!s.empty()) ++n;
  return n;
}

std::vector<DemandBucket> demand_mix(const RunData& run) {
  // Buckets: CPU only, shared (<1), 1, 2, 3-4, 5-8, ... by the next power of two.
  std::map<int, DemandBucket> buckets;
  double total = 0;
  for (const JobRow& j : run.jobs) {
    if (!present(j.gpus)) continue;
    int key = 0;
    std::string label;
    if (j.gpus <= 0) {
      key = -2;
      label = "CPU only";
    } else if (j.gpus < 1) {
      key = -1;
      label = "<1 GPU (shared)";
    } else {
      const double g = std::ceil(j.gpus - 1e-9);
      int p = 0;
      while (std::pow(2.0, p) < g) ++p;
      key = p;
      const long long hi = 1LL << p, lo = p == 0 ? 1 : (1LL << (p - 1)) + 1;
      label = hi == 1    ? "1 GPU"
              : lo == hi ? fmt::format("{} GPUs", hi)
                         : fmt::format("{}–{} GPUs", lo, hi);
    }
    DemandBucket& b = buckets[key];
    b.label = label;
    ++b.jobs;
    b.gpu_share += std::max(0.0, j.gpus);
    total += std::max(0.0, j.gpus);
  }
  std::vector<DemandBucket> out;
  for (auto& [k, b] : buckets) {
    b.gpu_share = total > 0 ? b.gpu_share / total : 0;
    out.push_back(b);
  }
  return out;
}

Span submit_span(const RunData& run) {
  Span s;
  for (const JobRow& j : run.jobs) {
    if (!present(j.submit_s)) continue;
    s.first_submit_s =
        present(s.first_submit_s) ? std::min(s.first_submit_s, j.submit_s) : j.submit_s;
    s.last_submit_s = present(s.last_submit_s) ? std::max(s.last_submit_s, j.submit_s) : j.submit_s;
  }
  return s;
}

std::string plain_text(const RichText& t) {
  std::string s;
  for (const TextPart& p : t) s += p.text;
  return s;
}

std::vector<RichText> findings(const std::vector<RunData>& runs, std::size_t baseline) {
  std::vector<RichText> out;
  if (runs.empty()) return out;
  if (runs.size() == 1) {
    single_run_sentences(runs[0], out);
    preemption_sentence(runs, out);
    outcome_sentences(runs, out);
    fairness_sentence(runs, out);
    return out;
  }
  if (baseline >= runs.size()) baseline = 0;
  compare_sentence(runs, baseline, {"wait_s.p95", "p95 wait", Unit::kSeconds, Better::kLower}, out);
  compare_sentence(runs, baseline, {"jct_s.mean", "mean JCT", Unit::kSeconds, Better::kLower}, out);
  RichText t;
  if (range_clause(runs, "gpu_utilization", "GPU utilization", Unit::kFraction, Better::kHigher,
                   t)) {
    RichText m;
    if (range_clause(runs, "makespan_s", "makespan", Unit::kSeconds, Better::kLower, m)) {
      t.push_back(text_part("; "));
      t.insert(t.end(), m.begin(), m.end());
    }
    t.push_back(text_part("."));
    out.push_back(t);
  }
  tradeoff_sentence(runs, out);
  preemption_sentence(runs, out);
  outcome_sentences(runs, out);
  fairness_sentence(runs, out);
  for (RichText& s : out) {
    // Sentences start with a capital even when they start with "every", a name stays as is.
    if (!s.empty() && s[0].kind == TextPart::Kind::kText) s[0].text = capitalize(s[0].text);
  }
  return out;
}

}  // namespace orrery::reports
