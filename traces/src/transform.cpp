#include "orrery/traces/transform.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "orrery/traces/trace_format.hpp"
#include "rng.hpp"

namespace orrery::traces {

namespace {

using nlohmann::json;

template <typename Keep>
void keep_if(sim::Workload& w, Keep keep) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < w.jobs.size(); ++i) {
    if (!keep(w.jobs[i])) continue;
    if (out != i) w.jobs[out] = std::move(w.jobs[i]);
    ++out;
  }
  w.jobs.resize(out);
}

sim::SimTime first_submit(const sim::Workload& w) {
  sim::SimTime t = sim::SimTime::max();
  for (const auto& j : w.jobs) t = std::min(t, j.submit);
  return t;
}

sim::SimTime scaled(sim::SimTime t, double factor) {
  return sim::SimTime::from_ms(std::llround(static_cast<double>(t.ms()) * factor));
}

void apply(sim::Workload& w, const Window& t, std::uint64_t) {
  const auto from = t.from_s ? std::optional(sim::SimTime::from_seconds(*t.from_s)) : std::nullopt;
  const auto to = t.to_s ? std::optional(sim::SimTime::from_seconds(*t.to_s)) : std::nullopt;
  keep_if(w, [&](const sim::JobSpec& j) {
    return (!from || j.submit >= *from) && (!to || j.submit < *to);
  });
}

void apply(sim::Workload& w, const Filter& t, std::uint64_t) {
  auto ids = [](const std::vector<std::string>& names, const sim::StringTable& table) {
    std::set<std::uint32_t> out;
    for (const auto& n : names) {
      if (auto id = table.find(n)) out.insert(*id);
    }
    return out;
  };
  const auto users = ids(t.users, w.users);
  const auto queues = ids(t.queues, w.queues);
  keep_if(w, [&](const sim::JobSpec& j) {
    if (!t.users.empty() && !users.count(j.user)) return false;
    if (!t.queues.empty() && !queues.count(j.queue)) return false;
    const double g = j.gpus();
    if (t.min_gpus && g < *t.min_gpus) return false;
    if (t.max_gpus && g > *t.max_gpus) return false;
    if (!t.statuses.empty()) {
      if (!j.observed.status) return false;
      if (std::find(t.statuses.begin(), t.statuses.end(), *j.observed.status) == t.statuses.end())
        return false;
    }
    return true;
  });
}

void apply(sim::Workload& w, const ScaleArrivals& t, std::uint64_t) {
  if (w.jobs.empty()) return;
  const sim::SimTime t0 = first_submit(w);
  for (auto& j : w.jobs) {
    const sim::SimTime moved = t0 + scaled(j.submit - t0, 1.0 / t.factor);
    const sim::SimTime shift = moved - j.submit;
    j.submit = moved;
    if (j.observed.start) *j.observed.start += shift;
    if (j.observed.end) *j.observed.end += shift;
  }
}

void apply(sim::Workload& w, const ScaleLoad& t, std::uint64_t default_seed) {
  if (w.jobs.empty()) return;
  Rng rng(t.seed.value_or(default_seed));
  sim::SimTime lo = sim::SimTime::max(), hi = sim::SimTime::zero();
  for (const auto& j : w.jobs) {
    lo = std::min(lo, j.submit);
    hi = std::max(hi, j.submit);
  }
  const double mean_gap = w.jobs.size() > 1 ? static_cast<double>((hi - lo).ms()) /
                                                  static_cast<double>(w.jobs.size() - 1)
                                            : 0.0;
  const double whole = std::floor(t.factor);
  const double frac = t.factor - whole;
  std::vector<sim::JobSpec> out;
  out.reserve(static_cast<std::size_t>(static_cast<double>(w.jobs.size()) * t.factor) + 16);
  for (auto& j : w.jobs) {
    const auto copies = static_cast<std::uint64_t>(whole) + (rng.uniform() < frac ? 1 : 0);
    for (std::uint64_t k = 1; k < copies; ++k) {
      sim::JobSpec c = j;
      c.id += "#" + std::to_string(k);
      c.submit += sim::SimTime::from_ms(std::llround(rng.uniform() * mean_gap));
      c.observed.start.reset();
      c.observed.end.reset();
      out.push_back(std::move(c));
    }
    if (copies > 0) out.push_back(std::move(j));
  }
  std::stable_sort(out.begin(), out.end(), [](const sim::JobSpec& a, const sim::JobSpec& b) {
    return a.submit < b.submit;
  });
  w.jobs = std::move(out);
}

void apply(sim::Workload& w, const ScaleDurations& t, std::uint64_t) {
  for (auto& j : w.jobs) {
    j.duration = scaled(j.duration, t.factor);
    if (j.walltime) j.walltime = scaled(*j.walltime, t.factor);
  }
}

void apply(sim::Workload& w, const Sample& t, std::uint64_t default_seed) {
  const std::uint64_t n = w.jobs.size();
  std::uint64_t want = n;
  if (t.jobs) want = std::min<std::uint64_t>(*t.jobs, n);
  if (t.fraction)
    want = std::min<std::uint64_t>(
        n, static_cast<std::uint64_t>(std::llround(*t.fraction * static_cast<double>(n))));
  Rng rng(t.seed.value_or(default_seed));
  // Selection sampling (Knuth, TAOCP vol. 2, 3.4.2, Algorithm S): every subset of `want` jobs is
  // equally likely and the kept jobs stay in order.
  std::uint64_t seen = 0, kept = 0;
  keep_if(w, [&](const sim::JobSpec&) {
    const std::uint64_t left = n - seen++;
    const bool keep = static_cast<double>(left) * rng.uniform() < static_cast<double>(want - kept);
    if (keep) ++kept;
    return keep;
  });
}

std::string opt_seed(const std::optional<std::uint64_t>& s) {
  return s ? fmt::format(", seed {}", *s) : std::string();
}

std::string g(double v) {
  return fmt::format("{}", v);
}

// Reads the keys of one transform object.
class Keys {
 public:
  Keys(const json& o, std::string where, sim::Problems& problems)
      : o_(o), where_(std::move(where)), problems_(problems) {}
  std::string loc(const std::string& key) const { return where_ + "." + key; }
  const json* get(const std::string& key) {
    seen_.insert(key);
    auto it = o_.find(key);
    return it == o_.end() || it->is_null() ? nullptr : &*it;
  }
  std::optional<double> number(const std::string& key, double min, double max, bool min_open) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) {
      problems_.add(loc(key), "must be a number, got " + v->dump());
      return std::nullopt;
    }
    const double x = v->get<double>();
    if ((min_open ? x <= min : x < min) || x > max) {
      problems_.add(loc(key), fmt::format("must be in {}{}, {}], got {}", min_open ? "(" : "[",
                                          g(min), g(max), v->dump()));
      return std::nullopt;
    }
    return x;
  }
  std::optional<std::uint64_t> count(const std::string& key) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
      problems_.add(loc(key), "must be a whole number >= 0, got " + v->dump());
      return std::nullopt;
    }
    return v->get<std::uint64_t>();
  }
  std::vector<std::string> strings(const std::string& key) {
    std::vector<std::string> out;
    const json* v = get(key);
    if (!v) return out;
    if (v->is_string()) return {v->get<std::string>()};
    if (!v->is_array()) {
      problems_.add(loc(key), "must be a list of strings, got " + v->dump());
      return out;
    }
    for (const json& e : *v) {
      if (!e.is_string()) {
        problems_.add(loc(key), "must be a list of strings, got the element " + e.dump());
        continue;
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  void finish() {
    for (const auto& [key, value] : o_.items()) {
      if (seen_.count(key)) continue;
      std::string known;
      for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
      problems_.add(loc(key), "unknown key (known: " + known + ")");
    }
  }

 private:
  const json& o_;
  std::string where_;
  sim::Problems& problems_;
  std::set<std::string> seen_;
};

}  // namespace

void apply_transform(sim::Workload& w, const Transform& t, std::uint64_t default_seed) {
  std::visit([&](const auto& x) { apply(w, x, default_seed); }, t);
}

void apply_transforms(sim::Workload& w, const std::vector<Transform>& list,
                      std::uint64_t default_seed) {
  for (const auto& t : list) apply_transform(w, t, default_seed);
}

std::string describe(const Transform& t) {
  struct Describe {
    std::string operator()(const Window& x) const {
      return fmt::format("window [{}, {})", x.from_s ? g(*x.from_s) + " s" : "-inf",
                         x.to_s ? g(*x.to_s) + " s" : "+inf");
    }
    std::string operator()(const Filter& x) const {
      std::string s = "filter";
      auto list = [&](const char* name, const std::vector<std::string>& v) {
        if (v.empty()) return;
        s += std::string(" ") + name + "=";
        for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
      };
      list("users", x.users);
      list("queues", x.queues);
      if (x.min_gpus || x.max_gpus)
        s += fmt::format(" gpus=[{}, {}]", x.min_gpus ? g(*x.min_gpus) : "0",
                         x.max_gpus ? g(*x.max_gpus) : "inf");
      if (!x.statuses.empty()) {
        s += " status=";
        for (std::size_t i = 0; i < x.statuses.size(); ++i)
          s += (i ? "," : "") + std::string(sim::to_string(x.statuses[i]));
      }
      return s;
    }
    std::string operator()(const ScaleArrivals& x) const {
      return "scale arrival rate x" + g(x.factor);
    }
    std::string operator()(const ScaleLoad& x) const {
      return "scale load (jobs) x" + g(x.factor) + opt_seed(x.seed);
    }
    std::string operator()(const ScaleDurations& x) const {
      return "scale durations x" + g(x.factor);
    }
    std::string operator()(const Sample& x) const {
      return (x.jobs ? fmt::format("sample {} jobs", *x.jobs)
                     : fmt::format("sample {} of the jobs", g(x.fraction.value_or(1)))) +
             opt_seed(x.seed);
    }
  };
  return std::visit(Describe{}, t);
}

std::vector<Transform> parse_transforms(const json& list, const std::string& where,
                                        sim::Problems& problems) {
  std::vector<Transform> out;
  if (!list.is_array()) {
    problems.add(where, "must be a list of transform objects, got " + list.dump());
    return out;
  }
  constexpr double kBig = 1e12;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const json& o = list[i];
    if (!o.is_object()) {
      problems.add(at, "must be an object with a \"type\"");
      continue;
    }
    Keys k(o, at, problems);
    const json* type = k.get("type");
    if (!type || !type->is_string()) {
      problems.add(k.loc("type"),
                   "is required: window, filter, scale_arrivals, scale_load, "
                   "scale_durations or sample");
      continue;
    }
    const std::string name = type->get<std::string>();
    if (name == "window") {
      Window t;
      t.from_s = k.number("from_s", -kBig, kBig, false);
      t.to_s = k.number("to_s", -kBig, kBig, false);
      if (t.from_s && t.to_s && *t.to_s <= *t.from_s)
        problems.add(k.loc("to_s"), "must be greater than from_s");
      out.emplace_back(t);
    } else if (name == "filter") {
      Filter t;
      t.users = k.strings("users");
      t.queues = k.strings("queues");
      t.min_gpus = k.number("min_gpus", 0, kBig, false);
      t.max_gpus = k.number("max_gpus", 0, kBig, false);
      if (t.min_gpus && t.max_gpus && *t.max_gpus < *t.min_gpus)
        problems.add(k.loc("max_gpus"), "must be >= min_gpus");
      for (const auto& s : k.strings("status")) {
        if (auto st = sim::parse_job_status(s)) {
          t.statuses.push_back(*st);
        } else {
          problems.add(k.loc("status"),
                       "\"" + s + "\" is not a status (completed, failed, killed, ...)");
        }
      }
      out.emplace_back(t);
    } else if (name == "scale_arrivals" || name == "scale_durations" || name == "scale_load") {
      auto f = k.number("factor", 0, 1e6, true);
      if (!f && !k.get("factor")) problems.add(k.loc("factor"), "is required (a number > 0)");
      const double factor = f.value_or(1);
      if (name == "scale_arrivals") {
        out.emplace_back(ScaleArrivals{factor});
      } else if (name == "scale_durations") {
        out.emplace_back(ScaleDurations{factor});
      } else {
        out.emplace_back(ScaleLoad{factor, k.count("seed")});
      }
    } else if (name == "sample") {
      Sample t;
      t.fraction = k.number("fraction", 0, 1, false);
      t.jobs = k.count("jobs");
      t.seed = k.count("seed");
      const bool has_fraction = k.get("fraction") != nullptr;
      const bool has_jobs = k.get("jobs") != nullptr;
      if (has_fraction == has_jobs)
        problems.add(at, "needs exactly one of \"fraction\" (0..1) and \"jobs\" (a count)");
      out.emplace_back(t);
    } else {
      problems.add(k.loc("type"), "unknown transform \"" + name +
                                      "\" (known: window, filter, scale_arrivals, scale_load, "
                                      "scale_durations, sample)");
      continue;
    }
    k.finish();
  }
  return out;
}

json transforms_json(const std::vector<Transform>& list) {
  json out = json::array();
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  for (const auto& t : list) {
    struct ToJson {
      decltype(opt)& o;
      json operator()(const Window& x) const {
        return {{"type", "window"}, {"from_s", o(x.from_s)}, {"to_s", o(x.to_s)}};
      }
      json operator()(const Filter& x) const {
        json st = json::array();
        for (auto s : x.statuses) st.push_back(std::string(sim::to_string(s)));
        return {{"type", "filter"},          {"users", x.users},          {"queues", x.queues},
                {"min_gpus", o(x.min_gpus)}, {"max_gpus", o(x.max_gpus)}, {"status", st}};
      }
      json operator()(const ScaleArrivals& x) const {
        return {{"type", "scale_arrivals"}, {"factor", x.factor}};
      }
      json operator()(const ScaleLoad& x) const {
        return {{"type", "scale_load"}, {"factor", x.factor}, {"seed", o(x.seed)}};
      }
      json operator()(const ScaleDurations& x) const {
        return {{"type", "scale_durations"}, {"factor", x.factor}};
      }
      json operator()(const Sample& x) const {
        return {{"type", "sample"},
                {"fraction", o(x.fraction)},
                {"jobs", o(x.jobs)},
                {"seed", o(x.seed)}};
      }
    };
    out.push_back(std::visit(ToJson{opt}, t));
  }
  return out;
}

}  // namespace orrery::traces
