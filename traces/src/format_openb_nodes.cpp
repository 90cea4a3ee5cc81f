// Alibaba openb node lists (cluster-trace-gpu-v2023), cluster format `openb-nodes`, read either
// as the CSV `sn,cpu_milli,memory_mib,gpu,model` or as Kubernetes Node objects in YAML
// (`node_yaml/openb_node_list_gpu_node.yaml`: `---`-separated documents, or one `kind: List`).
//
// From a Node: metadata.name; GPU model from the label alibabacloud.com/gpu-card-model (or
// nvidia.com/gpu.product); GPUs, CPU and memory from status.allocatable (else status.capacity):
// alibabacloud.com/gpu-count (or nvidia.com/gpu), cpu ("64000m" or "64"), memory ("262144Mi",
// "256Gi", bytes ...). Identical nodes become one pool; an empty model is a CPU-only node
// ("G1, G2, G3 are undisclosed internal GPU codes" and are kept as given). The YAML is read one
// document at a time, so memory follows the largest document, not the file.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <unordered_set>

#include "orrery/traces/public_formats.hpp"
#include "public_common.hpp"

namespace orrery::traces {

namespace {
using namespace pub;

struct NodeRow {
  const char* name_col = "sn";  // where the name came from, for messages
  std::string name;
  std::string model;
  std::int64_t gpus = 0;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
};

class NodeSink {
 public:
  NodeSink(ImportReport& report, FieldReader& f) : report_(report), f_(f) {}
  void add(const NodeRow& n) {
    ++report_.rows;
    if (!names_.insert(n.name).second) {
      f_.problem(n.name_col, "duplicate node name " + quote_text(n.name));
      return;
    }
    std::string_view model = n.model;
    if (n.gpus > 0 && model.empty()) {
      count(report_.adjusted, "GPU node without a GPU model (type 'unknown')");
      model = "unknown";
    }
    if (n.cpu_milli % 1000 != 0) count(report_.adjusted, "CPU not in whole cores (rounded down)");
    if (n.cpu_milli < 1000) {
      f_.problem("cpu_milli",
                 "must be at least 1000 (one core), got " + std::to_string(n.cpu_milli));
      return;
    }
    pools_.add(model, static_cast<std::uint32_t>(n.gpus),
               static_cast<std::uint32_t>(n.cpu_milli / 1000),
               static_cast<std::uint64_t>(n.memory_mib));
  }
  const PoolBuilder& pools() const { return pools_; }

 private:
  ImportReport& report_;
  FieldReader& f_;
  PoolBuilder pools_;
  std::unordered_set<std::string> names_;
};

enum Col : std::size_t { kSn, kCpu, kMem, kGpu, kModel, kN };
constexpr ColumnSpec kCols[kN] = {
    {"sn", true}, {"cpu_milli", true}, {"memory_mib", true}, {"gpu", true}, {"model", false}};

void read_csv(LineReader& in, const std::string& head, FieldReader& f, sim::Problems& problems,
              NodeSink& sink) {
  const std::string& path = in.path();
  Fields row;
  if (!row.split(head)) throw sim::InputError(path + ":1", "unterminated quoted field in header");
  const Header h(row, kCols, path, 1, problems);
  problems.throw_if_any();
  const std::size_t width = h.width();
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
    const std::size_t before = problems.size();
    NodeRow n;
    n.name = std::string(trim(row[h[kSn]]));
    if (n.name.empty()) f.problem("sn", "must not be empty");
    const auto cpu = read_int(f, "cpu_milli", row[h[kCpu]], 0, 100'000'000);
    const auto mem = read_int(f, "memory_mib", row[h[kMem]], 0, std::int64_t{1} << 40);
    const auto gpu = read_int(f, "gpu", row[h[kGpu]], 0, 64);
    if (h.has(kModel) && !is_missing(row[h[kModel]])) n.model = std::string(trim(row[h[kModel]]));
    if (problems.size() != before) continue;
    n.cpu_milli = *cpu;
    n.memory_mib = *mem;
    n.gpus = *gpu;
    sink.add(n);
  }
}

// A Kubernetes resource quantity ("64000m", "262144Mi", "1.5Gi", "3e9") in base units.
std::optional<double> quantity(std::string_view s) {
  s = trim(s);
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data() || !std::isfinite(v) || v < 0) return std::nullopt;
  const std::string_view suffix(p, static_cast<std::size_t>(s.data() + s.size() - p));
  static const std::pair<std::string_view, double> kSuffixes[] = {{"", 1.0},
                                                                  {"m", 1e-3},
                                                                  {"k", 1e3},
                                                                  {"M", 1e6},
                                                                  {"G", 1e9},
                                                                  {"T", 1e12},
                                                                  {"P", 1e15},
                                                                  {"E", 1e18},
                                                                  {"Ki", 1024.0},
                                                                  {"Mi", 1048576.0},
                                                                  {"Gi", 1073741824.0},
                                                                  {"Ti", 1099511627776.0},
                                                                  {"Pi", 1125899906842624.0},
                                                                  {"Ei", 1152921504606846976.0},
                                                                  {"u", 1e-6},
                                                                  {"n", 1e-9}};
  for (const auto& [name, scale] : kSuffixes) {
    if (suffix == name) return v * scale;
  }
  return std::nullopt;
}

class YamlReader {
 public:
  YamlReader(FieldReader& f, const sim::Problems& problems, NodeSink& sink)
      : f_(f), problems_(problems), sink_(sink) {}

  // Parses one document that starts at file line `first_line`.
  void document(const std::string& text, std::uint64_t first_line) {
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      f_.at_line(first_line + static_cast<std::uint64_t>(std::max(e.mark.line, 0)));
      f_.problem_row("invalid YAML: " + e.msg);
      return;
    }
    if (!doc || doc.IsNull()) return;
    if (!doc.IsMap()) {
      f_.at_line(first_line);
      f_.problem_row("expected a Kubernetes Node object (a YAML mapping)");
      return;
    }
    if (doc["items"] && doc["items"].IsSequence()) {
      for (const YAML::Node& item : doc["items"]) node(item, first_line);
      return;
    }
    node(doc, first_line);
  }

 private:
  std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : ""; }

  void node(const YAML::Node& n, std::uint64_t first_line) {
    f_.at_line(first_line + static_cast<std::uint64_t>(std::max(n.Mark().line, 0)));
    if (!n.IsMap()) {
      f_.problem_row("expected a Kubernetes Node object (a YAML mapping)");
      return;
    }
    const std::string kind = scalar(n["kind"]);
    if (!kind.empty() && kind != "Node") {
      f_.problem("kind", "expected Node, got " + quote_text(kind));
      return;
    }
    NodeRow row;
    row.name_col = "metadata.name";
    const YAML::Node meta = n["metadata"];
    row.name = meta && meta.IsMap() ? scalar(meta["name"]) : "";
    if (row.name.empty()) {
      f_.problem("metadata.name", "is required");
      return;
    }
    if (meta["labels"] && meta["labels"].IsMap()) {
      row.model = scalar(meta["labels"]["alibabacloud.com/gpu-card-model"]);
      if (row.model.empty()) row.model = scalar(meta["labels"]["nvidia.com/gpu.product"]);
    }
    const YAML::Node status = n["status"];
    YAML::Node res;
    std::string res_name;
    if (status && status.IsMap()) {
      if (status["allocatable"] && status["allocatable"].IsMap()) {
        res = status["allocatable"];
        res_name = "status.allocatable";
      } else if (status["capacity"] && status["capacity"].IsMap()) {
        res = status["capacity"];
        res_name = "status.capacity";
      }
    }
    if (!res) {
      f_.problem("status", "node " + quote_text(row.name) +
                               " has neither status.allocatable nor status.capacity");
      return;
    }
    const std::size_t before = problems_.size();
    auto get = [&](const char* key, double scale, std::int64_t max) -> std::optional<std::int64_t> {
      const std::string text = scalar(res[key]);
      const std::string col = res_name + "." + key;
      if (text.empty()) return std::nullopt;
      const auto q = quantity(text);
      if (!q || *q * scale > static_cast<double>(max)) {
        f_.problem(col, quote_text(text) + " is not a resource quantity in range");
        return std::nullopt;
      }
      return static_cast<std::int64_t>(std::floor(*q * scale + 1e-9));
    };
    auto gpus = get("alibabacloud.com/gpu-count", 1.0, 64);
    if (!gpus) gpus = get("nvidia.com/gpu", 1.0, 64);
    const auto cpu = get("cpu", 1000.0, 100'000'000);
    const auto mem = get("memory", 1.0 / 1048576.0, std::int64_t{1} << 40);
    if (problems_.size() != before) return;
    if (!cpu) {
      f_.problem(res_name + ".cpu", "is required");
      return;
    }
    if (!mem) {
      f_.problem(res_name + ".memory", "is required");
      return;
    }
    row.gpus = gpus.value_or(0);
    row.cpu_milli = *cpu;
    row.memory_mib = *mem;
    sink_.add(row);
  }
  FieldReader& f_;
  const sim::Problems& problems_;
  NodeSink& sink_;
};

}  // namespace

sim::ClusterSpec read_openb_nodes(const std::string& path, const ImportOptions& options,
                                  ImportReport& report) {
  LineReader in(path);
  sim::Problems problems;
  FieldReader f(problems, path);
  NodeSink sink(report, f);
  const std::string head =
      first_line(in, "the header sn,cpu_milli,memory_mib,gpu,model or Kubernetes Node YAML");
  const std::string_view h = trim(head);
  if (h.rfind("sn,", 0) == 0) {
    read_csv(in, head, f, problems, sink);
  } else if (h == "---" || h.rfind("apiVersion:", 0) == 0 || h.rfind("kind:", 0) == 0 ||
             h.rfind("#", 0) == 0 || h.rfind("metadata:", 0) == 0 || h.rfind("items:", 0) == 0) {
    YamlReader yaml(f, problems, sink);
    std::string doc, line = head;
    std::uint64_t doc_line = 1;
    bool more = true;
    while (more) {
      const bool separator = line == "---" || line.rfind("--- ", 0) == 0 || line == "...";
      if (separator) {
        yaml.document(doc, doc_line);
        doc.clear();
        doc_line = in.line_number() + 1;
      } else {
        doc += line;
        doc += '\n';
      }
      if (f.full()) break;
      more = in.next(line);
    }
    yaml.document(doc, doc_line);
  } else {
    throw sim::InputError(path + ":1",
                          "expected the header sn,cpu_milli,memory_mib,gpu,model or Kubernetes "
                          "Node YAML, got " +
                              quote_text(head));
  }
  problems.throw_if_any();
  if (sink.pools().nodes() == 0) throw sim::InputError(path, "no nodes");
  report.jobs = 0;
  enforce_strict(report, options);
  return sink.pools().build(file_stem(path));
}

}  // namespace orrery::traces
