#include "orrery/plan/planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "json_checks.hpp"
#include "orrery/plan/run_one.hpp"
#include "orrery/plan/sweep_spec.hpp"
#include "orrery/scenario/scenario.hpp"
#include "orrery/sim/problems.hpp"

namespace orrery::plan {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using detail::check_keys;
using detail::kind;
using detail::string_at;

std::string num(double v) {
  return fmt::format("{:.6g}", v);
}

std::optional<double> price_number(const json& j, const std::string& key, const std::string& where,
                                   sim::Problems& problems) {
  if (!j.contains(key)) return std::nullopt;
  const json& v = j.at(key);
  if (!v.is_number() || v.get<double>() < 0 || !std::isfinite(v.get<double>())) {
    problems.add(where + "." + key, "must be a number >= 0, got " + kind(v));
    return std::nullopt;
  }
  return v.get<double>();
}

std::vector<std::uint32_t> read_counts(const json& n, const std::string& where,
                                       sim::Problems& problems) {
  std::vector<std::uint32_t> out;
  auto add = [&](const json& v, const std::string& w) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 1'000'000) {
      problems.add(w, "must be a whole number of nodes in [0, 1000000], got " + kind(v));
      return;
    }
    out.push_back(static_cast<std::uint32_t>(v.get<std::int64_t>()));
  };
  if (n.is_array()) {
    if (n.empty()) problems.add(where, "must list at least one node count");
    for (std::size_t i = 0; i < n.size(); ++i) add(n[i], where + "[" + std::to_string(i) + "]");
  } else if (n.is_object()) {
    check_keys(n, {"min", "max", "step"}, where, problems);
    const json lo = n.value("min", json(0)), hi = n.value("max", json());
    const json step = n.value("step", json(1));
    if (!lo.is_number_integer() || !hi.is_number_integer() || !step.is_number_integer() ||
        lo.get<std::int64_t>() < 0 || hi.get<std::int64_t>() < lo.get<std::int64_t>() ||
        step.get<std::int64_t>() < 1 || hi.get<std::int64_t>() > 1'000'000) {
      problems.add(where, "needs whole numbers 0 <= min <= max <= 1000000 and step >= 1");
      return out;
    }
    for (std::int64_t v = lo.get<std::int64_t>(); v <= hi.get<std::int64_t>();
         v += step.get<std::int64_t>())
      out.push_back(static_cast<std::uint32_t>(v));
  } else {
    problems.add(where,
                 "must be {\"min\", \"max\", \"step\"} or a list of node counts, got " + kind(n));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The pool objects of the base cluster (a cluster object after resolve_scenario_document).
const json* base_pools(const json& base) {
  if (!base.contains("cluster") || !base["cluster"].is_object()) return nullptr;
  const json& c = base["cluster"];
  if (!c.contains("pools") || !c["pools"].is_array()) return nullptr;
  return &c["pools"];
}

bool leq(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
  }
  return true;
}

}  // namespace

std::string Constraint::text() const {
  return metric + (at_most ? " <= " : " >= ") + num(bound);
}

PlanSpec parse_plan(const json& j, const std::string& where, const std::string& dir) {
  sim::Problems problems;
  PlanSpec plan;
  if (!j.is_object()) {
    problems.add(where, "must be a JSON object");
    problems.throw_if_any();
  }
  check_keys(j,
             {"name", "description", "base", "pools", "policies", "placements", "target", "cost"},
             where, problems);
  plan.name = string_at(j, "name", "", where + ": name", problems);
  if (j.contains("base") && j.at("base").is_object()) {
    plan.base_path = (fs::path(dir.empty() ? "." : dir) / "plan").string();
    try {
      plan.base = resolve_document(j.at("base"), dir, "plan", where + ": base");
      if (!base_pools(plan.base))
        problems.add(where + ": base.cluster",
                     "a plan needs the base cluster as a file or an inline object (not an import)");
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) problems.add(p.where, p.what);
    }
  } else if (!j.contains("base") || !j.at("base").is_string()) {
    problems.add(where + ": base",
                 "is required: the base scenario (a file name or an object: workload, options)");
  } else {
    const std::string b = j.at("base").get<std::string>();
    plan.base_path = fs::path(b).is_absolute() || dir.empty()
                         ? b
                         : (fs::path(dir) / b).lexically_normal().string();
    try {
      plan.base = resolve_scenario_document(plan.base_path);
      if (!base_pools(plan.base))
        problems.add(plan.base_path + ": cluster",
                     "a plan needs the base cluster as a file or an inline object (not an import)");
    } catch (const sim::InputError& e) {
      for (const auto& p : e.problems()) problems.add(p.where, p.what);
    }
  }
  // Candidate pools.
  if (!j.contains("pools") || !j.at("pools").is_array() || j.at("pools").empty()) {
    problems.add(where + ": pools", "is required: a non-empty list of candidate pools");
  } else {
    const json& pools = j.at("pools");
    std::set<std::string> names;
    for (std::size_t i = 0; i < pools.size(); ++i) {
      const std::string w = where + ": pools[" + std::to_string(i) + "]";
      const json& c = pools[i];
      if (!c.is_object()) {
        problems.add(w, "must be an object");
        continue;
      }
      check_keys(c, {"pool", "nodes", "gpu_hour", "node_hour", "prices"}, w, problems);
      CandidatePool cp;
      if (!c.contains("pool")) {
        problems.add(w + ".pool", "is required: a base pool's name or a pool object");
      } else if (c.at("pool").is_string()) {
        const std::string name = c.at("pool").get<std::string>();
        const json* bp = base_pools(plan.base);
        bool found = false;
        if (bp) {
          for (std::size_t k = 0; k < bp->size(); ++k) {
            const json& p = (*bp)[k];
            const std::string pname = string_at(
                p, "name", "pool" + std::to_string(k),
                plan.base_path + ": cluster.pools[" + std::to_string(k) + "].name", problems);
            if (pname == name) {
              cp.pool = p;
              found = true;
            }
          }
        }
        if (!found && bp)
          problems.add(w + ".pool", "no pool named \"" + name + "\" in the base cluster");
      } else if (c.at("pool").is_object()) {
        cp.pool = c.at("pool");
      } else {
        problems.add(w + ".pool",
                     "must be a base pool's name or a pool object, got " + kind(c.at("pool")));
      }
      if (cp.pool.is_object()) {
        cp.pool.erase("nodes");
        cp.name = string_at(cp.pool, "name", "", w + ".pool.name", problems);
        if (cp.name.empty()) problems.add(w + ".pool.name", "is required");
        if (!names.insert(cp.name).second)
          problems.add(w + ".pool.name", "duplicate candidate pool \"" + cp.name + "\"");
        const json g = cp.pool.value("gpus_per_node", json());
        if (!g.is_number_integer() || g.get<std::int64_t>() < 0 || g.get<std::int64_t>() > 64)
          problems.add(w + ".pool.gpus_per_node", "is required: a whole number in [0, 64]");
        else
          cp.gpus_per_node = static_cast<std::uint32_t>(g.get<std::int64_t>());
      }
      if (!c.contains("nodes"))
        problems.add(w + ".nodes", "is required: {\"min\", \"max\"} or a list of node counts");
      else
        cp.counts = read_counts(c.at("nodes"), w + ".nodes", problems);
      const bool has_list = c.contains("prices");
      const bool has_single = c.contains("gpu_hour") || c.contains("node_hour");
      const bool pool_priced =
          cp.pool.is_object() && cp.pool.contains("price") && cp.pool.at("price").is_object();
      if (!has_list && !has_single && pool_priced) {
        // The pool's own engine price; its per-GPU-hour price also drives the formula.
        PriceOption p;
        const json per = cp.pool.at("price").value("per_gpu_hour", json(0));
        p.gpu_hour = per.is_number() ? per.get<double>() : 0;
        cp.prices.push_back(p);
      } else if (has_list && has_single) {
        problems.add(w, "gives both \"gpu_hour\"/\"node_hour\" and \"prices\"");
      } else if (has_list == has_single) {
        problems.add(w,
                     "needs a price: \"gpu_hour\" (and/or \"node_hour\"), a \"prices\" list, or "
                     "a pool with a \"price\" object");
      } else if (has_single) {
        PriceOption p;
        p.name = "";
        p.gpu_hour = price_number(c, "gpu_hour", w, problems).value_or(0);
        p.node_hour = price_number(c, "node_hour", w, problems).value_or(0);
        cp.prices.push_back(p);
      } else if (!c.at("prices").is_array() || c.at("prices").empty()) {
        problems.add(w + ".prices", "must be a non-empty list of price options");
      } else {
        const json& list = c.at("prices");
        for (std::size_t k = 0; k < list.size(); ++k) {
          const std::string pw = w + ".prices[" + std::to_string(k) + "]";
          if (!list[k].is_object()) {
            problems.add(pw, "must be an object {name, gpu_hour, node_hour, price}");
            continue;
          }
          check_keys(list[k], {"name", "gpu_hour", "node_hour", "price"}, pw, problems);
          PriceOption p;
          p.name = string_at(list[k], "name", "option" + std::to_string(k), pw + ".name", problems);
          p.gpu_hour = price_number(list[k], "gpu_hour", pw, problems).value_or(0);
          p.node_hour = price_number(list[k], "node_hour", pw, problems).value_or(0);
          if (list[k].contains("price")) p.price = list[k].at("price");
          cp.prices.push_back(p);
        }
      }
      plan.pools.push_back(std::move(cp));
    }
  }
  // Policies and placements (default: the base's).
  if (j.contains("policies")) {
    const json& p = j.at("policies");
    if (!p.is_array() || p.empty()) {
      problems.add(where + ": policies", "must be a non-empty list of policies");
    } else {
      plan.policies.assign(p.begin(), p.end());
    }
  } else if (plan.base.contains("policies") && plan.base["policies"].is_array()) {
    plan.policies.assign(plan.base["policies"].begin(), plan.base["policies"].end());
  }
  if (j.contains("placements")) {
    const json& p = j.at("placements");
    if (!p.is_array() || p.empty()) {
      problems.add(where + ": placements", "must be a non-empty list of placement names");
    } else {
      for (const auto& v : p) {
        if (!v.is_string())
          problems.add(where + ": placements", "must be names, got " + kind(v));
        else
          plan.placements.push_back(v.get<std::string>());
      }
    }
  } else {
    // plan.base is null when the base could not be read (already a problem).
    plan.placements.push_back(
        string_at(plan.base, "placement", "pack", plan.base_path + ": placement", problems));
  }
  // Target.
  if (!j.contains("target")) {
    problems.add(where + ": target",
                 "is required: {\"metric\": \"wait_s.p95\", \"<=\": 3600} or a list of such");
  } else {
    json list = j.at("target");
    if (list.is_object()) list = json::array({list});
    if (!list.is_array() || list.empty()) {
      problems.add(where + ": target", "must be a constraint object or a non-empty list of them");
    } else {
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string w = where + ": target[" + std::to_string(i) + "]";
        const json& c = list[i];
        if (!c.is_object()) {
          problems.add(w, "must be {\"metric\": NAME, \"<=\" or \">=\": BOUND}");
          continue;
        }
        check_keys(c, {"metric", "<=", ">="}, w, problems);
        Constraint k;
        if (!c.contains("metric") || !c.at("metric").is_string() ||
            !valid_metric_expr(c.at("metric").get<std::string>())) {
          problems.add(w + ".metric",
                       "must be a metric name (wait_s.p95) or a ratio (completed / jobs)");
        } else {
          k.metric = c.at("metric").get<std::string>();
        }
        const bool le = c.contains("<="), ge = c.contains(">=");
        if (le == ge) {
          problems.add(w, "needs exactly one of \"<=\" or \">=\"");
          continue;
        }
        const json& b = c.at(le ? "<=" : ">=");
        if (!b.is_number()) {
          problems.add(w + (le ? ".<=" : ".>="), "must be a number, got " + kind(b));
          continue;
        }
        k.at_most = le;
        k.bound = b.get<double>();
        plan.target.push_back(k);
      }
    }
  }
  if (j.contains("cost")) {
    const json& c = j.at("cost");
    if (!c.is_string() || (c != "auto" && c != "formula" && c != "cost_total"))
      problems.add(where + ": cost",
                   "must be \"auto\", \"formula\" or \"cost_total\", got " + kind(c));
    else
      plan.cost = c.get<std::string>();
  }
  problems.throw_if_any();
  return plan;
}

PlanSpec load_plan(const std::string& path) {
  const json j = scenario::json_read_file(path);
  const std::string dir = fs::path(path).parent_path().string();
  PlanSpec plan = parse_plan(j, path, dir.empty() ? "." : dir);
  plan.path = path;
  if (plan.name.empty()) plan.name = fs::path(path).stem().string();
  return plan;
}

std::vector<Variant> variants(const PlanSpec& plan) {
  std::vector<Variant> out;
  for (std::size_t p = 0; p < plan.policies.size(); ++p) {
    for (std::size_t q = 0; q < plan.placements.size(); ++q) {
      std::vector<std::size_t> price(plan.pools.size(), 0);
      while (true) {
        out.push_back(Variant{p, q, price});
        bool carry = true;
        for (std::size_t d = plan.pools.size(); carry && d > 0;) {
          --d;
          if (++price[d] < plan.pools[d].prices.size()) {
            carry = false;
          } else {
            price[d] = 0;
          }
        }
        if (carry) break;
      }
    }
  }
  return out;
}

std::string describe_variant(const PlanSpec& plan, const Variant& v) {
  std::string s = value_text(plan.policies.at(v.policy));
  if (plan.placements.size() > 1) s += "/" + plan.placements.at(v.placement);
  for (std::size_t i = 0; i < plan.pools.size(); ++i) {
    if (plan.pools[i].prices.size() > 1)
      s += ", " + plan.pools[i].name + "@" + plan.pools[i].prices[v.price[i]].name;
  }
  return s;
}

json config_document(const PlanSpec& plan, const Variant& v,
                     const std::vector<std::uint32_t>& nodes) {
  json doc = plan.base;
  json pools = json::array();
  for (std::size_t i = 0; i < plan.pools.size(); ++i) {
    if (nodes.at(i) == 0) continue;
    json p = plan.pools[i].pool;
    p["nodes"] = nodes[i];
    const PriceOption& price = plan.pools[i].prices.at(v.price.at(i));
    if (!price.price.is_null()) p["price"] = price.price;
    pools.push_back(std::move(p));
  }
  doc["cluster"]["pools"] = std::move(pools);
  doc["policies"] = json::array({plan.policies.at(v.policy)});
  doc["placement"] = plan.placements.at(v.placement);
  return doc;
}

double hourly_rate(const PlanSpec& plan, const Variant& v,
                   const std::vector<std::uint32_t>& nodes) {
  double r = 0;
  for (std::size_t i = 0; i < plan.pools.size(); ++i) {
    const PriceOption& p = plan.pools[i].prices.at(v.price.at(i));
    r += static_cast<double>(nodes.at(i)) *
         (static_cast<double>(plan.pools[i].gpus_per_node) * p.gpu_hour + p.node_hour);
  }
  return r;
}

json engine_price(const CandidatePool& pool, const PriceOption& option) {
  if (!option.price.is_null()) return option.price;
  if (pool.pool.contains("price")) return pool.pool.at("price");
  return json();
}

bool engine_prices_everywhere(const PlanSpec& plan) {
  for (const CandidatePool& cp : plan.pools) {
    for (const PriceOption& o : cp.prices) {
      if (!engine_price(cp, o).is_object()) return false;
    }
  }
  return true;
}

namespace {

using Config = std::vector<std::size_t>;  // an index into each pool's counts

class Searcher {
 public:
  Searcher(const PlanSpec& plan, const PlanOptions& options)
      : plan_(plan), options_(options), variants_(variants(plan)) {
    const unsigned hw = std::max(1U, std::thread::hardware_concurrency());
    threads_ = options.threads == 0 ? hw : options.threads;
    per_variant_.resize(variants_.size());
  }

  PlanResult run() {
    const auto t0 = std::chrono::steady_clock::now();
    validate();
    for (std::size_t v = 0; v < variants_.size() && !stopped(); ++v) {
      VariantOutcome o;
      o.variant = variants_[v];
      if (options_.exhaustive) {
        exhaustive(v, o);
      } else {
        search(v, o);
      }
      result_.variants.push_back(std::move(o));
    }
    result_.cancelled = stopped();
    finish();
    result_.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(result_);
  }

 private:
  bool stopped() const { return options_.stop.stop_requested(); }

  std::vector<std::uint32_t> nodes_of(const Config& c) const {
    std::vector<std::uint32_t> n(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) n[i] = plan_.pools[i].counts[c[i]];
    return n;
  }
  Config max_config() const {
    Config c(plan_.pools.size());
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = plan_.pools[i].counts.size() - 1;
    return c;
  }
  std::string label(std::size_t v, const Config& c) const {
    std::string s = describe_variant(plan_, variants_[v]) + ":";
    const auto n = nodes_of(c);
    for (std::size_t i = 0; i < n.size(); ++i)
      s += " " + plan_.pools[i].name + "=" + std::to_string(n[i]);
    return s;
  }

  // Every variant's largest configuration loads as a valid scenario (all problems at once).
  void validate() {
    sim::Problems problems;
    std::set<std::string> seen;
    for (std::size_t v = 0; v < variants_.size(); ++v) {
      const json doc = config_document(plan_, variants_[v], nodes_of(max_config()));
      const std::string h = stable_hash(doc);
      if (!seen.insert(h).second) continue;
      try {
        scenario_from_document(
            doc, plan_.path.empty() ? "plan" : plan_.path + " (" + label(v, max_config()) + ")");
      } catch (const sim::InputError& e) {
        for (const auto& p : e.problems()) problems.add(p.where, p.what);
      }
    }
    problems.throw_if_any();
  }

  // Known status of a configuration: evaluated, or implied by dominance.
  std::optional<bool> status(std::size_t v, const Config& c) const {
    const auto& pv = per_variant_[v];
    auto it = pv.index.find(c);
    if (it != pv.index.end()) return result_.evaluations[it->second].feasible;
    for (const Config& f : pv.passing) {
      if (leq(f, c)) return true;
    }
    for (const Config& f : pv.failing) {
      if (leq(c, f)) return false;
    }
    const auto n = nodes_of(c);
    if (std::all_of(n.begin(), n.end(), [](std::uint32_t x) { return x == 0; })) return false;
    return std::nullopt;
  }

  const Evaluation* evaluated(std::size_t v, const Config& c) const {
    const auto& pv = per_variant_[v];
    auto it = pv.index.find(c);
    return it == pv.index.end() ? nullptr : &result_.evaluations[it->second];
  }

  // Simulates the configurations not evaluated yet (in parallel), records them in order.
  void evaluate(std::size_t v, const std::vector<Config>& configs) {
    struct Job {
      Config config;
      json doc;
      std::string hash;
      bool empty = false;
    };
    std::vector<Job> jobs;
    std::set<Config> queued;
    for (const Config& c : configs) {
      if (evaluated(v, c) || !queued.insert(c).second) continue;
      Job j;
      j.config = c;
      const auto n = nodes_of(c);
      j.empty = std::all_of(n.begin(), n.end(), [](std::uint32_t x) { return x == 0; });
      if (!j.empty) {
        j.doc = config_document(plan_, variants_[v], n);
        j.hash = stable_hash(j.doc);
      }
      jobs.push_back(std::move(j));
    }
    // Distinct scenarios not simulated before, run on up to threads_ threads.
    std::vector<std::size_t> to_run;
    std::set<std::string> hashes;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      if (!jobs[k].empty && !sims_.count(jobs[k].hash) && hashes.insert(jobs[k].hash).second)
        to_run.push_back(k);
    }
    std::vector<std::optional<Metrics>> outputs(to_run.size());
    std::vector<std::exception_ptr> errors(to_run.size());
    {
      std::atomic<std::size_t> next{0};
      auto worker = [&]() {
        for (std::size_t i = next++; i < to_run.size(); i = next++) {
          try {
            const Job& j = jobs[to_run[i]];
            scenario::Scenario s = scenario_from_document(j.doc, label(v, j.config));
            RunOutput out = run_one(s, cache_, options_.stop);
            if (!out.cancelled) outputs[i] = std::move(out.metrics);
          } catch (...) {
            errors[i] = std::current_exception();
          }
        }
      };
      const unsigned t = static_cast<unsigned>(std::min<std::size_t>(threads_, to_run.size()));
      std::vector<std::jthread> pool;
      for (unsigned k = 1; k < t; ++k) pool.emplace_back(worker);
      if (t > 0) worker();
    }
    for (std::size_t i = 0; i < to_run.size(); ++i) {
      if (errors[i]) std::rethrow_exception(errors[i]);
      if (outputs[i]) sims_[jobs[to_run[i]].hash] = std::move(*outputs[i]);
    }
    for (Job& j : jobs) {
      Evaluation e;
      e.variant = v;
      e.nodes = nodes_of(j.config);
      e.doc_hash = j.hash;
      if (j.empty) {
        e.empty_cluster = true;
        e.feasible = false;
        e.violated.push_back("no nodes at all");
      } else {
        auto it = sims_.find(j.hash);
        if (it == sims_.end()) continue;  // cancelled
        e.simulated = true;
        e.metrics = it->second;
        judge(v, e);
      }
      if (options_.log) {
        std::string line = fmt::format("[{}] {} -> {}", sims_.size(), label(v, j.config),
                                       e.feasible ? "meets the target" : "fails");
        if (e.cost) line += fmt::format(", cost {}", num(*e.cost));
        if (!e.violated.empty()) line += " (" + e.violated.front() + ")";
        options_.log(line);
      }
      auto& pv = per_variant_[v];
      pv.index[j.config] = result_.evaluations.size();
      (e.feasible ? pv.passing : pv.failing).push_back(j.config);
      result_.evaluations.push_back(std::move(e));
    }
  }

  void judge(std::size_t v, Evaluation& e) {
    for (const Constraint& c : plan_.target) {
      const auto x = metric_value(e.metrics, c.metric);
      if (!x) {
        std::string names;
        for (const auto& [k, val] : e.metrics) names += (names.empty() ? "" : ", ") + k;
        throw sim::InputError(
            (plan_.path.empty() ? std::string("plan") : plan_.path) + ": target",
            "metric \"" + c.metric + "\" is not in the run's summary (has: " + names + ")");
      }
      const bool ok = c.at_most ? *x <= c.bound : *x >= c.bound;
      if (!ok) e.violated.push_back(fmt::format("{} = {}", c.metric, num(*x)));
    }
    e.feasible = e.violated.empty();
    const auto total = e.metrics.find("cost_total");
    if (mode_.empty()) {
      // Decided once, at the first simulation, so every cost of the plan is comparable.
      if (plan_.cost == "cost_total") {
        mode_ = "cost_total";
      } else if (plan_.cost == "auto") {
        mode_ =
            total != e.metrics.end() && engine_prices_everywhere(plan_) ? "cost_total" : "formula";
      } else {
        mode_ = "formula";
      }
    }
    if (mode_ == "cost_total") {
      if (total == e.metrics.end()) {
        throw sim::InputError((plan_.path.empty() ? std::string("plan") : plan_.path) + ": cost",
                              "\"cost_total\" was asked for, but the engine's summary has no "
                              "cost_total (use \"auto\" or \"formula\")");
      }
      e.cost = total->second;
      e.cost_source = "cost_total";
    } else {
      const auto ms = e.metrics.find("makespan_s");
      const double hours = ms == e.metrics.end() ? 0.0 : ms->second / 3600.0;
      e.cost = hourly_rate(plan_, variants_[v], e.nodes) * hours;
      e.cost_source = "formula";
    }
  }

  // A lower bound on the price per hour of a configuration, for pruning: the formula's rate; for
  // the engine's cost, the GPU-hour price of on-demand and reserved pools without autoscaling
  // (their nodes are billed for the whole run), and 0 for the others (spot, on-prem,
  // autoscaling: their cost is only known to be >= 0).
  double bound_rate(std::size_t v, const std::vector<std::uint32_t>& nodes) const {
    if (mode_ != "cost_total") return hourly_rate(plan_, variants_[v], nodes);
    double r = 0;
    for (std::size_t i = 0; i < plan_.pools.size(); ++i) {
      const CandidatePool& cp = plan_.pools[i];
      const json price = engine_price(cp, cp.prices.at(variants_[v].price.at(i)));
      if (cp.pool.contains("autoscale") || !price.is_object()) continue;
      const std::string kind = price.value("kind", std::string());
      const json per = price.value("per_gpu_hour", json(0));
      if ((kind == "on-demand" || kind == "reserved") && per.is_number() && per.get<double>() > 0)
        r += static_cast<double>(nodes.at(i)) * cp.gpus_per_node * per.get<double>();
    }
    return r;
  }

  // The cheaper of two evaluations: by cost, then variant order, then node counts.
  bool better(std::size_t a, std::optional<std::size_t> b) const {
    if (!b) return true;
    const Evaluation& x = result_.evaluations[a];
    const Evaluation& y = result_.evaluations[*b];
    if (*x.cost != *y.cost) return *x.cost < *y.cost;
    if (x.variant != y.variant) return x.variant < y.variant;
    return x.nodes < y.nodes;
  }
  void consider(std::size_t eval_index, VariantOutcome& o) {
    const Evaluation& e = result_.evaluations[eval_index];
    if (!e.feasible || !e.cost) return;
    if (better(eval_index, o.best)) o.best = eval_index;
    if (better(eval_index, best_)) best_ = eval_index;
  }
  std::optional<double> best_cost() const {
    if (!best_) return std::nullopt;
    return result_.evaluations[*best_].cost;
  }

  // Makes sure a configuration was simulated (for its cost); returns its evaluation index.
  std::optional<std::size_t> simulated(std::size_t v, const Config& c) {
    evaluate(v, {c});
    auto it = per_variant_[v].index.find(c);
    if (it == per_variant_[v].index.end()) return std::nullopt;
    return it->second;
  }

  void exhaustive(std::size_t v, VariantOutcome& o) {
    Config c(plan_.pools.size(), 0);
    std::vector<Config> all;
    while (true) {
      all.push_back(c);
      std::size_t d = c.size();
      bool done = true;
      while (d > 0) {
        --d;
        if (++c[d] < plan_.pools[d].counts.size()) {
          done = false;
          break;
        }
        c[d] = 0;
      }
      if (done) break;
    }
    for (std::size_t k = 0; k < all.size() && !stopped(); k += threads_) {
      std::vector<Config> batch(
          all.begin() + static_cast<std::ptrdiff_t>(k),
          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), k + threads_)));
      evaluate(v, batch);
    }
    for (const Config& x : all) {
      const Evaluation* e = evaluated(v, x);
      if (!e) continue;
      if (e->feasible) {
        const std::size_t idx = per_variant_[v].index.at(x);
        consider(idx, o);
        bool minimal = true;
        for (const Config& f : per_variant_[v].passing) {
          if (f != x && leq(f, x)) minimal = false;
        }
        if (minimal) o.frontier.push_back(idx);
      }
    }
    o.feasible_at_max = status(v, max_config()).value_or(false);
  }

  void search(std::size_t v, VariantOutcome& o) {
    const std::size_t d = plan_.pools.size();
    const Config top = max_config();
    const auto top_eval = simulated(v, top);
    if (!top_eval) return;
    const Evaluation& te = result_.evaluations[*top_eval];
    o.feasible_at_max = te.feasible;
    if (!te.feasible) return;
    const auto ms = te.metrics.find("makespan_s");
    o.makespan_bound_h = ms == te.metrics.end() ? 0.0 : ms->second / 3600.0;
    const std::size_t last = d - 1;
    const std::size_t n_last = plan_.pools[last].counts.size();
    Config prefix(d, 0);  // the last coordinate is ignored while enumerating
    while (!stopped()) {
      bool skip = false;
      if (best_cost()) {
        Config low = prefix;
        low[last] = 0;
        const double lb = bound_rate(v, nodes_of(low)) * o.makespan_bound_h;
        if (lb > *best_cost()) skip = true;
      }
      if (!skip) search_prefix(v, prefix, n_last, o);
      // Next prefix (odometer over all but the last pool).
      std::size_t k = last;
      bool done = true;
      while (k > 0) {
        --k;
        if (++prefix[k] < plan_.pools[k].counts.size()) {
          done = false;
          break;
        }
        prefix[k] = 0;
      }
      if (done) break;
    }
  }

  void search_prefix(std::size_t v, Config c, std::size_t n_last, VariantOutcome& o) {
    const std::size_t last = c.size() - 1;
    c[last] = n_last - 1;
    auto st = status(v, c);
    if (!st) {
      evaluate(v, {c});
      st = status(v, c);
    }
    if (!st || !*st) return;  // nothing passes with this prefix (or cancelled)
    // Smallest passing count of the last pool: k-ary search in [lo, hi], hi passes.
    std::size_t lo = 0, hi = n_last - 1;
    while (lo < hi && !stopped()) {
      std::vector<std::size_t> points;
      const std::size_t width = hi - lo;  // candidates lo .. hi-1
      const std::size_t k = std::min<std::size_t>(threads_, width);
      for (std::size_t i = 1; i <= k; ++i) {
        const std::size_t p = lo + (width * i) / (k + 1);
        if (points.empty() || points.back() != p) points.push_back(p);
      }
      // Points already known (evaluated or implied) cost nothing; simulate the others together.
      std::vector<Config> unknown;
      for (std::size_t p : points) {
        Config x = c;
        x[last] = p;
        if (!status(v, x)) unknown.push_back(x);
      }
      if (!unknown.empty()) evaluate(v, unknown);
      for (std::size_t p : points) {
        Config x = c;
        x[last] = p;
        const auto s = status(v, x);
        if (!s) return;  // cancelled
        if (*s) {
          hi = std::min(hi, p);
        } else {
          lo = std::max(lo, p + 1);
        }
      }
    }
    c[last] = hi;
    const auto idx = simulated(v, c);
    if (!idx) return;
    // Keep it on the frontier unless an earlier frontier point lies below it.
    bool minimal = true;
    for (std::size_t f : o.frontier) {
      Config fc(c.size());
      const auto& fe = result_.evaluations[f];
      for (std::size_t i = 0; i < c.size(); ++i) {
        const auto& counts = plan_.pools[i].counts;
        fc[i] = static_cast<std::size_t>(
            std::lower_bound(counts.begin(), counts.end(), fe.nodes[i]) - counts.begin());
      }
      if (leq(fc, c)) minimal = false;
    }
    if (minimal) o.frontier.push_back(*idx);
    consider(*idx, o);
    // Above the smallest passing count the makespan may still shrink: look further up while the
    // rate bound times the makespan bound could still beat the best.
    for (std::size_t t = hi + 1; t < n_last && !stopped(); ++t) {
      Config x = c;
      x[last] = t;
      const double lb = bound_rate(v, nodes_of(x)) * o.makespan_bound_h;
      if (best_cost() && lb > *best_cost()) break;
      if (const auto i = simulated(v, x)) consider(*i, o);
    }
  }

  void finish() {
    result_.answer = best_;
    std::set<std::string> hashes;
    std::set<std::string> sources;
    for (const Evaluation& e : result_.evaluations) {
      if (e.simulated) sources.insert(e.cost_source);
    }
    result_.cost_source = sources.empty() ? "" : sources.size() == 1 ? *sources.begin() : "mixed";
    result_.simulations = sims_.size();
    std::size_t grid = 1;
    for (const auto& p : plan_.pools) grid *= p.counts.size();
    result_.grid_points = grid * variants_.size();
    std::set<std::string> signatures;
    for (const Variant& v : variants_) {
      json sig = {{"policy", plan_.policies[v.policy]},
                  {"placement", plan_.placements[v.placement]}};
      for (std::size_t i = 0; i < plan_.pools.size(); ++i)
        sig["price"].push_back(plan_.pools[i].prices[v.price[i]].price);
      signatures.insert(sig.dump());
    }
    result_.distinct_grid_points = grid * signatures.size();
    if (!best_ || stopped()) return;
    const Evaluation& a = result_.evaluations[*best_];
    for (const Constraint& c : plan_.target) {
      Margin m;
      m.constraint = c;
      m.value = metric_value(a.metrics, c.metric).value_or(0);
      m.margin = c.at_most ? c.bound - m.value : m.value - c.bound;
      m.relative = c.bound != 0 ? m.margin / std::abs(c.bound) : 0;
      result_.margins.push_back(m);
    }
    // Neighbours: one step down in one pool (simulated for the report).
    Config ac(a.nodes.size());
    for (std::size_t i = 0; i < ac.size(); ++i) {
      const auto& counts = plan_.pools[i].counts;
      ac[i] = static_cast<std::size_t>(std::lower_bound(counts.begin(), counts.end(), a.nodes[i]) -
                                       counts.begin());
    }
    const std::size_t v = a.variant;
    std::vector<Config> down;
    for (std::size_t i = 0; i < ac.size(); ++i) {
      if (ac[i] == 0) continue;
      Config x = ac;
      --x[i];
      down.push_back(x);
    }
    evaluate(v, down);
    for (const Config& x : down) {
      if (const Evaluation* e = evaluated(v, x)) {
        result_.neighbours.push_back(per_variant_[v].index.at(x));
        (void)e;
      }
    }
    result_.simulations = sims_.size();
    // Alternatives: the other variants' best, and this variant's other frontier points.
    std::vector<std::size_t> alt;
    for (const VariantOutcome& o : result_.variants) {
      for (std::size_t f : o.frontier) {
        if (f != *best_ && result_.evaluations[f].cost) alt.push_back(f);
      }
      if (o.best && *o.best != *best_) alt.push_back(*o.best);
    }
    std::sort(alt.begin(), alt.end(), [&](std::size_t x, std::size_t y) { return better(x, y); });
    alt.erase(std::unique(alt.begin(), alt.end()), alt.end());
    if (alt.size() > 8) alt.resize(8);
    result_.alternatives = alt;
  }

  struct PerVariant {
    std::map<Config, std::size_t> index;  // evaluated configurations
    std::vector<Config> passing, failing;
  };

  const PlanSpec& plan_;
  const PlanOptions& options_;
  std::vector<Variant> variants_;
  unsigned threads_ = 1;
  WorkloadCache cache_{4};
  std::map<std::string, Metrics> sims_;  // scenario hash -> metrics
  std::vector<PerVariant> per_variant_;
  PlanResult result_;
  std::optional<std::size_t> best_;
  std::string mode_;  // "formula" or "cost_total", fixed at the first simulation
};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

PlanResult run_plan(const PlanSpec& plan, const PlanOptions& options) {
  Searcher s(plan, options);
  return s.run();
}

namespace {

std::string config_text(const PlanSpec& plan, const Evaluation& e) {
  std::string s;
  for (std::size_t i = 0; i < e.nodes.size(); ++i)
    s += (s.empty() ? "" : ", ") + plan.pools[i].name + "=" + std::to_string(e.nodes[i]);
  return s;
}

json evaluation_json(const PlanSpec& plan, const std::vector<Variant>& vs, const Evaluation& e) {
  json pools = json::array();
  std::uint64_t gpus = 0;
  for (std::size_t i = 0; i < e.nodes.size(); ++i) {
    const PriceOption& p = plan.pools[i].prices[vs[e.variant].price[i]];
    gpus += std::uint64_t{e.nodes[i]} * plan.pools[i].gpus_per_node;
    pools.push_back({{"name", plan.pools[i].name},
                     {"nodes", e.nodes[i]},
                     {"gpus", e.nodes[i] * plan.pools[i].gpus_per_node},
                     {"price", p.name},
                     {"gpu_hour", p.gpu_hour},
                     {"node_hour", p.node_hour}});
  }
  json j = {{"variant", describe_variant(plan, vs[e.variant])},
            {"policy", plan.policies[vs[e.variant].policy]},
            {"placement", plan.placements[vs[e.variant].placement]},
            {"pools", pools},
            {"gpus", gpus},
            {"hourly_rate", hourly_rate(plan, vs[e.variant], e.nodes)},
            {"meets_target", e.feasible},
            {"simulated", e.simulated}};
  if (e.cost) {
    j["cost"] = *e.cost;
    j["cost_source"] = e.cost_source;
  }
  if (!e.violated.empty()) j["violated"] = e.violated;
  if (e.simulated) {
    json m = json::object();
    for (const Constraint& c : plan.target) {
      if (auto x = metric_value(e.metrics, c.metric)) m[c.metric] = *x;
    }
    for (const char* k :
         {"makespan_s", "cost_total", "wait_s.p95", "jct_s.mean", "gpu_utilization"}) {
      auto it = e.metrics.find(k);
      if (it != e.metrics.end()) m[k] = it->second;
    }
    j["metrics"] = m;
  }
  return j;
}

}  // namespace

std::string plan_report(const PlanSpec& plan, const PlanResult& r) {
  const auto vs = variants(plan);
  std::string s = "# Capacity plan: " + plan.name + "\n\n";
  std::string target;
  for (const Constraint& c : plan.target) target += (target.empty() ? "" : " and ") + c.text();
  s += "Target: " + target + "\n";
  s += "Cost: " +
       std::string(r.cost_source == "cost_total" ? "the engine's cost_total (summary.json)"
                   : r.cost_source == "mixed"
                       ? "mixed (some runs had cost_total, some not)"
                       : "nodes x GPUs per node x price per GPU-hour (+ nodes x price per "
                         "node-hour) x makespan hours") +
       "\n";
  s += fmt::format(
      "Search: {} simulations for {} configurations ({} distinct scenarios; {} variants: policy, "
      "placement, price options), {:.1f} s\n\n",
      r.simulations, r.grid_points, r.distinct_grid_points, vs.size(), r.wall_s);
  if (r.cancelled)
    s += "**Interrupted**: the search stopped early; the answer may not be final.\n\n";
  if (!r.answer) {
    s += "**No configuration meets the target.**\n\n";
    for (std::size_t vi = 0; vi < r.variants.size(); ++vi) {
      const VariantOutcome& o = r.variants[vi];
      if (o.feasible_at_max) continue;
      for (const Evaluation& e : r.evaluations) {
        bool is_max = e.variant == vi && e.simulated;
        for (std::size_t i = 0; is_max && i < e.nodes.size(); ++i)
          is_max = e.nodes[i] == plan.pools[i].counts.back();
        if (!is_max) continue;
        std::string why;
        for (const auto& v : e.violated) why += (why.empty() ? "" : ", ") + v;
        s += "- " + describe_variant(plan, o.variant) + ", largest configuration (" +
             config_text(plan, e) + "): " + why + "\n";
      }
    }
    return s;
  }
  const Evaluation& a = r.evaluations[*r.answer];
  s += "## Answer\n\n";
  s += fmt::format("{} with {} -- cost {} ({:.2f} per hour x {:.2f} h makespan)\n\n",
                   describe_variant(plan, vs[a.variant]), config_text(plan, a), num(*a.cost),
                   hourly_rate(plan, vs[a.variant], a.nodes),
                   a.metrics.count("makespan_s") ? a.metrics.at("makespan_s") / 3600.0 : 0.0);
  s += "| constraint | value | margin | relative |\n| --- | ---: | ---: | ---: |\n";
  for (const Margin& m : r.margins) {
    s += fmt::format("| {} | {} | {} | {:+.1f}% |\n", m.constraint.text(), num(m.value),
                     num(m.margin), 100.0 * m.relative);
  }
  s += "\n## Frontier: one step cheaper in one pool\n\n";
  if (r.neighbours.empty()) s += "(none: every pool is at its smallest count)\n";
  for (std::size_t n : r.neighbours) {
    const Evaluation& e = r.evaluations[n];
    std::string why;
    for (const auto& v : e.violated) why += (why.empty() ? "" : ", ") + v;
    s += "- " + config_text(plan, e) + ": " +
         (e.feasible ? "meets the target, cost " + num(e.cost.value_or(0)) +
                           " (no cheaper: shorter capacity, longer makespan)"
                     : "fails (" + why + ")") +
         "\n";
  }
  if (!r.alternatives.empty()) {
    s += "\n## Next cheapest configurations that meet the target\n\n";
    for (std::size_t i : r.alternatives) {
      const Evaluation& e = r.evaluations[i];
      s += "- " + describe_variant(plan, vs[e.variant]) + ": " + config_text(plan, e) +
           " -- cost " + num(*e.cost) + "\n";
    }
  }
  std::string none;
  for (const VariantOutcome& o : r.variants) {
    if (!o.feasible_at_max) none += (none.empty() ? "" : "; ") + describe_variant(plan, o.variant);
  }
  if (!none.empty())
    s += "\nNot even the largest configuration meets the target with: " + none + "\n";
  return s;
}

void write_plan_outputs(const PlanSpec& plan, const PlanResult& r, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw sim::InputError(dir, "cannot create the output folder: " + ec.message());
  const auto vs = variants(plan);
  json evals = json::array();
  for (const Evaluation& e : r.evaluations) evals.push_back(evaluation_json(plan, vs, e));
  json out = {{"plan", plan.name},
              {"cost_source", r.cost_source},
              {"simulations", r.simulations},
              {"grid_points", r.grid_points},
              {"distinct_grid_points", r.distinct_grid_points},
              {"wall_seconds", r.wall_s},
              {"cancelled", r.cancelled},
              {"target", json::array()},
              {"evaluations", evals}};
  for (const Constraint& c : plan.target)
    out["target"].push_back({{"metric", c.metric}, {c.at_most ? "<=" : ">=", c.bound}});
  if (r.answer) {
    out["answer"] = evaluation_json(plan, vs, r.evaluations[*r.answer]);
    json margins = json::array();
    for (const Margin& m : r.margins) {
      margins.push_back({{"constraint", m.constraint.text()},
                         {"value", m.value},
                         {"margin", m.margin},
                         {"relative", m.relative}});
    }
    out["answer"]["margins"] = margins;
    json nb = json::array();
    for (std::size_t n : r.neighbours) nb.push_back(evaluation_json(plan, vs, r.evaluations[n]));
    out["neighbours"] = nb;
    json alt = json::array();
    for (std::size_t n : r.alternatives) alt.push_back(evaluation_json(plan, vs, r.evaluations[n]));
    out["alternatives"] = alt;
    const Evaluation& a = r.evaluations[*r.answer];
    scenario::write_file_atomic((fs::path(dir) / "answer-scenario.json").string(),
                                config_document(plan, vs[a.variant], a.nodes).dump(2) + "\n");
  } else {
    out["answer"] = nullptr;
  }
  json variants_json = json::array();
  for (const VariantOutcome& o : r.variants) {
    json v = {{"variant", describe_variant(plan, o.variant)},
              {"feasible_at_max", o.feasible_at_max},
              {"makespan_bound_h", o.makespan_bound_h}};
    if (o.best) v["best"] = evaluation_json(plan, vs, r.evaluations[*o.best]);
    variants_json.push_back(v);
  }
  out["variants"] = variants_json;
  scenario::write_file_atomic((fs::path(dir) / "plan.json").string(), out.dump(2) + "\n");
  // evaluations.csv
  std::string csv = "variant";
  for (const auto& p : plan.pools) csv += "," + csv_field(p.name + "_nodes");
  csv += ",gpus,hourly_rate,meets_target,simulated,cost,cost_source";
  for (const Constraint& c : plan.target) csv += "," + csv_field(c.metric);
  csv += ",makespan_s\n";
  for (const Evaluation& e : r.evaluations) {
    std::uint64_t gpus = 0;
    csv += csv_field(describe_variant(plan, vs[e.variant]));
    for (std::size_t i = 0; i < e.nodes.size(); ++i) {
      csv += "," + std::to_string(e.nodes[i]);
      gpus += std::uint64_t{e.nodes[i]} * plan.pools[i].gpus_per_node;
    }
    csv += fmt::format(",{},{},{},{},{},{}", gpus, num(hourly_rate(plan, vs[e.variant], e.nodes)),
                       e.feasible ? 1 : 0, e.simulated ? 1 : 0, e.cost ? num(*e.cost) : "",
                       e.cost_source);
    for (const Constraint& c : plan.target) {
      const auto x = metric_value(e.metrics, c.metric);
      csv += "," + (x ? num(*x) : std::string());
    }
    const auto ms = e.metrics.find("makespan_s");
    csv += "," + (ms != e.metrics.end() ? num(ms->second) : std::string()) + "\n";
  }
  scenario::write_file_atomic((fs::path(dir) / "evaluations.csv").string(), csv);
  scenario::write_file_atomic((fs::path(dir) / "plan.md").string(), plan_report(plan, r));
}

}  // namespace orrery::plan
