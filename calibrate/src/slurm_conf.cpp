#include "orrery/calibrate/slurm_conf.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "orrery/sim/problems.hpp"

namespace orrery::calibrate {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

// Splits "A=1 B=x,y C" into (key, value) pairs; keys keep their case.
std::vector<std::pair<std::string, std::string>> split_pairs(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::size_t j = i;
    bool quoted = false;
    while (j < line.size() && (quoted || !std::isspace(static_cast<unsigned char>(line[j])))) {
      if (line[j] == '"') quoted = !quoted;
      ++j;
    }
    std::string token(line.substr(i, j - i));
    const auto eq = token.find('=');
    if (eq == std::string::npos) {
      out.emplace_back(token, "");
    } else {
      std::string v = token.substr(eq + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      out.emplace_back(token.substr(0, eq), v);
    }
    i = j;
  }
  return out;
}

std::optional<std::uint64_t> to_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > (1ULL << 53)) return std::nullopt;
  }
  return v;
}

// Gres=gpu:a100:8,gpu:v100:2(S:0),mps:100 -> the first gpu entry's type and count.
void parse_gres(std::string_view gres, SlurmNode& node, const std::string& where,
                sim::Problems& problems) {
  std::stringstream ss{std::string(gres)};
  std::string entry;
  while (std::getline(ss, entry, ',')) {
    const auto paren = entry.find('(');
    if (paren != std::string::npos) entry.resize(paren);
    std::vector<std::string> parts;
    std::stringstream es(entry);
    std::string p;
    while (std::getline(es, p, ':')) parts.push_back(p);
    if (parts.empty() || parts[0] != "gpu") continue;
    std::optional<std::uint64_t> n;
    if (parts.size() == 2) {
      n = to_uint(parts[1]);
    } else if (parts.size() >= 3) {
      node.gpu_type = parts[1];
      n = to_uint(parts[2]);
    }
    if (!n || *n > 1024) {
      problems.add(where, "Gres entry \"" + entry + "\" is not gpu:N or gpu:TYPE:N");
      continue;
    }
    node.gpus += static_cast<std::uint32_t>(*n);
  }
}

}  // namespace

// The most host names one hostlist may expand to (a million nodes).
constexpr std::size_t kMaxHostlistNames = 1'000'000;

std::vector<std::string> expand_hostlist(std::string_view list) {
  std::vector<std::string> out;
  std::size_t i = 0;
  const std::string text(list);
  while (i < text.size()) {
    // One item: prefix[ranges]suffix, items separated by commas outside brackets.
    std::size_t j = i;
    int depth = 0;
    while (j < text.size() && (depth > 0 || text[j] != ',')) {
      if (text[j] == '[') ++depth;
      if (text[j] == ']') --depth;
      if (depth < 0) throw sim::InputError("hostlist", "unbalanced ']' in \"" + text + "\"");
      ++j;
    }
    if (depth != 0) throw sim::InputError("hostlist", "unbalanced '[' in \"" + text + "\"");
    const std::string item = trim(text.substr(i, j - i));
    i = j + 1;
    if (item.empty()) continue;
    const auto open = item.find('[');
    if (open == std::string::npos) {
      out.push_back(item);
      continue;
    }
    const auto close = item.find(']', open);
    const std::string prefix = item.substr(0, open);
    const std::string suffix = item.substr(close + 1);
    std::vector<std::string> middles;
    std::stringstream ranges(item.substr(open + 1, close - open - 1));
    std::string range;
    while (std::getline(ranges, range, ',')) {
      const auto dash = range.find('-');
      const std::string a = range.substr(0, dash);
      const std::string b = dash == std::string::npos ? a : range.substr(dash + 1);
      const auto lo = to_uint(a), hi = to_uint(b);
      if (!lo || !hi || *hi < *lo || *hi - *lo > 100000)
        throw sim::InputError("hostlist", "bad range \"" + range + "\" in \"" + text + "\"");
      if (middles.size() + (*hi - *lo) >= kMaxHostlistNames) {
        throw sim::InputError("hostlist", "\"" + text + "\" names more than " +
                                              std::to_string(kMaxHostlistNames) + " hosts");
      }
      for (std::uint64_t k = *lo; k <= *hi; ++k) {
        std::string num = std::to_string(k);
        if (num.size() < a.size()) num.insert(0, a.size() - num.size(), '0');
        middles.push_back(num);
      }
    }
    // A suffix may hold another bracket group (rack[1-2]n[1-2]): expand it once, recursively.
    const std::vector<std::string> rests = suffix.find('[') != std::string::npos
                                               ? expand_hostlist(suffix)
                                               : std::vector<std::string>{suffix};
    // Each group is bounded, but groups multiply (n[1-99999][1-99999]): bound the product.
    if (middles.size() * rests.size() > kMaxHostlistNames - out.size()) {
      throw sim::InputError("hostlist", "\"" + text + "\" names more than " +
                                            std::to_string(kMaxHostlistNames) + " hosts");
    }
    for (const auto& m : middles) {
      for (const auto& rest : rests) out.push_back(prefix + m + rest);
    }
  }
  return out;
}

std::string SlurmConf::get(std::string_view key, std::string fallback) const {
  auto it = keys.find(lower(key));
  return it == keys.end() ? fallback : it->second;
}

double SlurmConf::scheduler_seconds(const std::string& name, double fallback) const {
  auto it = scheduler_parameters.find(name);
  if (it == scheduler_parameters.end()) return fallback;
  try {
    std::size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used == it->second.size() && v >= 0) {
      // batch_sched_delay and sched_interval are seconds; sched_min_interval is microseconds.
      return name == "sched_min_interval" ? v / 1e6 : v;
    }
  } catch (const std::exception&) {
  }
  return fallback;
}

const SlurmPartition* SlurmConf::partition(std::string_view name) const {
  for (const auto& p : partitions) {
    if (!name.empty() ? p.name == name : p.is_default) return &p;
  }
  if (name.empty() && !partitions.empty()) return &partitions.front();
  return nullptr;
}

const SlurmNode* SlurmConf::node(std::string_view name) const {
  for (const auto& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

sim::ClusterSpec SlurmConf::cluster_spec(std::string_view partition_name,
                                         std::vector<std::uint64_t>* weights) const {
  const SlurmPartition* part = partition(partition_name);
  if (!part) {
    throw sim::InputError(path, "no partition \"" + std::string(partition_name) + "\"");
  }
  sim::ClusterSpec spec;
  spec.name = get("clustername", "slurm");
  std::vector<std::uint64_t> pool_weight;
  for (const auto& name : part->nodes) {
    const SlurmNode* n = node(name);
    if (!n) throw sim::InputError(path, "partition " + part->name + " lists unknown node " + name);
    sim::NodePoolSpec* last = spec.pools.empty() ? nullptr : &spec.pools.back();
    const std::string type = n->gpu_type.empty() && n->gpus > 0 ? "gpu" : n->gpu_type;
    if (last && last->gpu_type == type && last->gpus_per_node == n->gpus &&
        last->cpu_cores == n->cpus && last->memory_mib == n->memory_mib &&
        pool_weight.back() == n->weight) {
      ++last->nodes;
      continue;
    }
    pool_weight.push_back(n->weight);
    sim::NodePoolSpec pool;
    pool.name = "pool" + std::to_string(spec.pools.size()) + "-" + name;
    pool.gpu_type = type;
    pool.gpus_per_node = n->gpus;
    pool.cpu_cores = n->cpus;
    pool.memory_mib = n->memory_mib;
    pool.nodes = 1;
    spec.pools.push_back(pool);
  }
  if (weights) *weights = std::move(pool_weight);
  return spec;
}

bool SlurmConf::weights_differ(std::string_view partition_name) const {
  const SlurmPartition* part = partition(partition_name);
  if (!part) return false;
  std::optional<std::uint64_t> first;
  for (const auto& name : part->nodes) {
    const SlurmNode* n = node(name);
    if (!n) continue;
    if (first && *first != n->weight) return true;
    first = n->weight;
  }
  return false;
}

namespace {

// How deep Include lines may nest (slurm.conf including a file that includes another ...).
constexpr std::size_t kMaxIncludeDepth = 16;

// The files being read, outermost first, to refuse an Include cycle (a.conf includes b.conf,
// which includes a.conf) instead of recursing until the stack overflows.
using IncludeStack = std::vector<std::filesystem::path>;

std::filesystem::path include_key(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::path key = std::filesystem::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : key;
}

SlurmConf parse_conf(const std::string& text, const std::string& path, IncludeStack& stack);

}  // namespace

SlurmConf parse_slurm_conf(const std::string& text, const std::string& path) {
  IncludeStack stack{include_key(path)};
  return parse_conf(text, path, stack);
}

namespace {

SlurmConf parse_conf(const std::string& text, const std::string& path, IncludeStack& stack) {
  SlurmConf conf;
  conf.path = path;
  sim::Problems problems;
  SlurmNode defaults;
  std::stringstream in(text);
  std::string raw;
  std::uint64_t line_no = 0;
  std::string pending;
  while (std::getline(in, raw)) {
    ++line_no;
    const auto hash = raw.find('#');
    if (hash != std::string::npos) raw.resize(hash);
    std::string line = trim(raw);
    if (!line.empty() && line.back() == '\\') {  // continuation
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    line = trim(pending + line);
    pending.clear();
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    auto pairs = split_pairs(line);
    const std::string first = lower(pairs.front().first);
    if (first == "include") {
      const std::string inc = line.substr(line.find_first_of(" \t") + 1);
      std::filesystem::path p = trim(inc);
      if (p.is_relative()) p = std::filesystem::path(path).parent_path() / p;
      const std::filesystem::path key = include_key(p);
      if (std::find(stack.begin(), stack.end(), key) != stack.end()) {
        problems.add(where, "Include cycle: " + p.string() + " is already being read");
        continue;
      }
      if (stack.size() >= kMaxIncludeDepth) {
        problems.add(where, "Include nested more than " + std::to_string(kMaxIncludeDepth) +
                                " files deep at " + p.string());
        continue;
      }
      std::ifstream f(p);
      if (!f) {
        problems.add(where, "cannot read included file " + p.string());
        continue;
      }
      std::stringstream ss;
      ss << f.rdbuf();
      stack.push_back(key);
      SlurmConf sub = parse_conf(ss.str(), p.string(), stack);
      stack.pop_back();
      for (auto& [k, v] : sub.keys) conf.keys[k] = v;
      for (auto& n : sub.nodes) conf.nodes.push_back(n);
      for (auto& pt : sub.partitions) conf.partitions.push_back(pt);
      for (auto& [k, v] : sub.scheduler_parameters) conf.scheduler_parameters[k] = v;
      continue;
    }
    if (first == "nodename") {
      SlurmNode proto = defaults;
      proto.gpus = 0;
      proto.gpu_type.clear();
      bool gres_seen = false;
      for (std::size_t k = 1; k < pairs.size(); ++k) {
        const std::string key = lower(pairs[k].first);
        const std::string& v = pairs[k].second;
        if (key == "cpus" || key == "procs") {
          if (auto n = to_uint(v))
            proto.cpus = static_cast<std::uint32_t>(*n);
          else
            problems.add(where, "CPUs=" + v + " is not a whole number");
        } else if (key == "realmemory") {
          if (auto n = to_uint(v))
            proto.memory_mib = *n;
          else
            problems.add(where, "RealMemory=" + v + " is not a whole number");
        } else if (key == "gres") {
          gres_seen = true;
          parse_gres(v, proto, where, problems);
        } else if (key == "weight") {
          if (auto n = to_uint(v))
            proto.weight = *n;
          else
            problems.add(where, "Weight=" + v + " is not a whole number");
        }
      }
      if (!gres_seen) {
        proto.gpus = defaults.gpus;
        proto.gpu_type = defaults.gpu_type;
      }
      const std::string& names = pairs.front().second;
      if (lower(names) == "default") {
        defaults = proto;
        continue;
      }
      try {
        for (const auto& n : expand_hostlist(names)) {
          SlurmNode node = proto;
          node.name = n;
          conf.nodes.push_back(node);
        }
      } catch (const sim::InputError& e) {
        problems.add(where, e.what());
      }
      continue;
    }
    if (first == "partitionname") {
      if (lower(pairs.front().second) == "default") continue;
      SlurmPartition part;
      part.name = pairs.front().second;
      for (std::size_t k = 1; k < pairs.size(); ++k) {
        const std::string key = lower(pairs[k].first);
        if (key == "nodes") {
          if (lower(pairs[k].second) == "all") {
            part.nodes.push_back("ALL");
          } else {
            try {
              part.nodes = expand_hostlist(pairs[k].second);
            } catch (const sim::InputError& e) {
              problems.add(where, e.what());
            }
          }
        } else if (key == "default") {
          part.is_default = lower(pairs[k].second) == "yes";
        }
      }
      conf.partitions.push_back(part);
      continue;
    }
    for (const auto& [k, v] : pairs) {
      if (k.empty()) continue;
      conf.keys[lower(k)] = v;
      if (lower(k) == "schedulerparameters") {
        std::stringstream ps(v);
        std::string item;
        while (std::getline(ps, item, ',')) {
          item = trim(item);
          if (item.empty()) continue;
          const auto eq = item.find('=');
          conf.scheduler_parameters[lower(item.substr(0, eq))] =
              eq == std::string::npos ? std::string() : item.substr(eq + 1);
        }
      }
    }
  }
  for (auto& part : conf.partitions) {
    if (part.nodes.size() == 1 && part.nodes[0] == "ALL") {
      part.nodes.clear();
      for (const auto& n : conf.nodes) part.nodes.push_back(n.name);
    }
  }
  problems.throw_if_any();
  return conf;
}

}  // namespace

SlurmConf read_slurm_conf(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw sim::InputError(path, "cannot read slurm.conf");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_slurm_conf(ss.str(), path);
}

}  // namespace orrery::calibrate
