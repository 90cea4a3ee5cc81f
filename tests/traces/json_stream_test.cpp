// The streaming JSON importers (slurm-sacct-json, k8s-pods; traces/src/json_stream.hpp): each
// element of the top-level `jobs` / `items` array is read on its own while the file is parsed,
// so problems name the line of the offending value, a document that breaks off after bad
// elements still reports them, compressed files read the same as plain ones, and the shape of
// the document (array missing, element not an object, key twice) is an error, never a crash.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

using traces::import_trace;
using traces::Imported;

std::string data(const std::string& name) {
  return (source_dir() / "tests" / "traces" / "data" / name).string();
}

std::string error_of(const std::string& path, const std::string& format) {
  try {
    import_trace(path, format, {});
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return {};
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "expected \"" << part << "\" in:\n" << text;
}

// The 1-based line of the first occurrence of `needle` at or after `from` in `text`.
std::size_t line_of(const std::string& text, const std::string& needle, std::size_t from = 0) {
  const auto at = text.find(needle, from);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

void write_gzip(const std::filesystem::path& p, const std::string& text) {
  gzFile gz = gzopen(p.string().c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
}

void write_zstd(const std::filesystem::path& p, const std::string& text) {
  std::string z(ZSTD_compressBound(text.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), text.data(), text.size(), 3));
  write_text(p, z);
}

// Everything an import produced that a run or a report uses, as text, to compare two imports.
std::string summary(const Imported& t) {
  std::string s =
      "rows " + std::to_string(t.report.rows) + " jobs " + std::to_string(t.report.jobs) + "\n";
  for (const auto& [reason, n] : t.report.dropped)
    s += "dropped " + reason + " " + std::to_string(n) + "\n";
  for (const auto& [reason, n] : t.report.adjusted)
    s += "adjusted " + reason + " " + std::to_string(n) + "\n";
  for (const auto& j : t.workload.jobs) {
    s += j.id + " " + std::to_string(j.submit.ms()) + " " + std::to_string(j.duration.ms()) + " " +
         std::to_string(j.tasks) + "x" + std::to_string(j.gpu_milli) + " " +
         std::to_string(j.cpu_milli) + " " + std::to_string(j.memory_mib) + " " +
         t.workload.users[j.user] + " " + t.workload.queues[j.queue] + " " +
         t.workload.gpu_types[j.gpu_type] + " " +
         std::to_string(j.observed.start ? j.observed.start->ms() : -1) + " " +
         std::to_string(j.observed.end ? j.observed.end->ms() : -1) + " " + j.observed.placement +
         "\n";
  }
  return s;
}

struct Case {
  const char* fixture;
  const char* format;
  const char* key;
};
const Case kCases[] = {{"slurm_sacct.json", "slurm-sacct-json", "jobs"},
                       {"k8s_pods.json", "k8s-pods", "items"}};

TEST(JsonStream, GzipZstdAndCompactInputsReadTheSameAsPlain) {
  TempDir tmp;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.format);
    const std::string text = read_text(data(c.fixture));
    const std::string plain = summary(import_trace(data(c.fixture), c.format, {}));
    write_gzip(tmp / "in.json.gz", text);
    EXPECT_EQ(summary(import_trace((tmp / "in.json.gz").string(), c.format, {})), plain);
    write_zstd(tmp / "in.json.zst", text);
    EXPECT_EQ(summary(import_trace((tmp / "in.json.zst").string(), c.format, {})), plain);
    // The same document on one line (as `jq -c` writes it), and with CRLF line ends.
    std::string one_line;
    for (const char ch : text) {
      if (ch != '\n') one_line += ch;
    }
    write_text(tmp / "compact.json", one_line);
    EXPECT_EQ(summary(import_trace((tmp / "compact.json").string(), c.format, {})), plain);
    std::string crlf;
    for (const char ch : text) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
    write_text(tmp / "crlf.json", crlf);
    EXPECT_EQ(summary(import_trace((tmp / "crlf.json").string(), c.format, {})), plain);
  }
}

TEST(JsonStream, ProblemsNameTheLineOfTheOffendingValue) {
  TempDir tmp;
  // sacct: a negative GPU count deep in the first job's TRES list.
  const std::string sacct = read_text(data("slurm_sacct.json"));
  const std::string neg = replace_once(sacct,
                                       "\"name\": \"gpu\",\n                  \"id\": 1001,\n"
                                       "                  \"count\": 8",
                                       "\"name\": \"gpu\",\n                  \"id\": 1001,\n"
                                       "                  \"count\": -8");
  write_text(tmp / "neg.json", neg);
  expect_contains(error_of((tmp / "neg.json").string(), "slurm-sacct-json"),
                  "neg.json:" + std::to_string(line_of(neg, "\"count\": -8")) +
                      ": jobs[0].tres.allocated[4].count: must be >= 0, got -8");
  // k8s: a key holding dots ("nvidia.com/gpu") is found whole.
  const std::string pods = read_text(data("k8s_pods.json"));
  const std::string bad =
      replace_once(pods, "\"nvidia.com/gpu\": \"2\"", "\"nvidia.com/gpu\": \"-2\"");
  write_text(tmp / "pods.json", bad);
  expect_contains(error_of((tmp / "pods.json").string(), "k8s-pods"),
                  "pods.json:" + std::to_string(line_of(bad, "\"nvidia.com/gpu\": \"-2\"")) +
                      ": items[0].spec.containers[0].resources.requests.nvidia.com/gpu: must be "
                      ">= 0");
  // A missing member is reported at the line where the object that lacks it begins.
  const std::string no_name = replace_once(pods, "\"name\": \"train-a-0\",", "");
  write_text(tmp / "noname.json", no_name);
  expect_contains(error_of((tmp / "noname.json").string(), "k8s-pods"),
                  "noname.json:" + std::to_string(line_of(no_name, "\"metadata\"")) +
                      ": items[0].metadata.name: is required");
}

TEST(JsonStream, EveryBadElementIsReportedWithItsOwnLine) {
  TempDir tmp;
  // Elements that are not objects, then a good one, then a bad field: all reported, in order.
  const std::string doc =
      "{\"meta\": {\"plugin\": {\"type\": \"slurmdbd\"}},\n"
      " \"jobs\": [\n"
      "  5,\n"
      "  [1, 2],\n"
      "  {\"job_id\": 7, \"state\": {\"current\": \"COMPLETED\"}, \"time\": {\"submission\": "
      "1715072400, \"start\": 1715072460, \"end\": 1715076060}},\n"
      "  {\"job_id\": 8,\n"
      "   \"state\": {\"current\": \"NOT_A_STATE\"}}\n"
      " ]\n"
      "}\n";
  write_text(tmp / "jobs.json", doc);
  const std::string e = error_of((tmp / "jobs.json").string(), "slurm-sacct-json");
  expect_contains(e, "jobs.json:3: jobs[0]: must be an object, got the number 5");
  expect_contains(e, "jobs.json:4: jobs[1]: must be an object, got an array");
  expect_contains(e,
                  "jobs.json:7: jobs[3].state.current: \"NOT_A_STATE\" is not a Slurm job state");
  EXPECT_EQ(e.find("jobs[2]"), std::string::npos) << e;
}

TEST(JsonStream, ADocumentCutMidArrayReportsTheElementsReadBeforeTheCut) {
  // Proof that elements are read while the file is parsed, not after: the first job's problem
  // is found although the document as a whole never parses.
  TempDir tmp;
  const std::string sacct = read_text(data("slurm_sacct.json"));
  const std::string bad = replace_once(sacct, "\"job_id\": 1001", "\"job_id\": \"abc\"");
  const std::size_t cut = bad.find("\"job_id\": 1003");  // inside the fourth job
  write_text(tmp / "cut.json", bad.substr(0, cut));
  const std::string e = error_of((tmp / "cut.json").string(), "slurm-sacct-json");
  expect_contains(e, "cut.json:" + std::to_string(line_of(bad, "\"job_id\": \"abc\"")) +
                         ": jobs[0].job_id: must be a whole number, got a string \"abc\"");
  expect_contains(e, "cut.json:" + std::to_string(line_of(bad, "\"job_id\": 1003")) +
                         ": invalid JSON (truncated or corrupt file?)");
  // Same for pods, cut inside the second item; a clean cut reports only the truncation.
  const std::string pods = read_text(data("k8s_pods.json"));
  const std::string second = "\"name\": \"ddp-llm-worker-0\"";
  ASSERT_NE(pods.find(second), std::string::npos);
  write_text(tmp / "pods.json", pods.substr(0, pods.find(second)));
  const std::string p = error_of((tmp / "pods.json").string(), "k8s-pods");
  expect_contains(p, "invalid JSON (truncated or corrupt file?)");
  EXPECT_EQ(std::count(p.begin(), p.end(), '\n'), 0) << p;
  // A gzip file cut short: the decompressor's error, never a crash.
  std::string gz;
  {
    write_gzip(tmp / "whole.json.gz", sacct);
    gz = read_text(tmp / "whole.json.gz");
  }
  write_text(tmp / "cut.json.gz", gz.substr(0, gz.size() / 2));
  expect_contains(error_of((tmp / "cut.json.gz").string(), "slurm-sacct-json"), "gzip");
  std::string z(ZSTD_compressBound(sacct.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), sacct.data(), sacct.size(), 3));
  write_text(tmp / "cut.json.zst", z.substr(0, z.size() / 2));
  expect_contains(error_of((tmp / "cut.json.zst").string(), "slurm-sacct-json"), "zstd");
}

TEST(JsonStream, TheShapeOfTheDocumentIsChecked) {
  TempDir tmp;
  auto err = [&](const std::string& format, const std::string& text) {
    write_text(tmp / "doc.json", text);
    return error_of((tmp / "doc.json").string(), format);
  };
  // The array missing, or not an array.
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.format);
    const std::string key = c.key;
    expect_contains(err(c.format, "{\"meta\": {}}"),
                    "doc.json: " + key + ": missing or not a list");
    expect_contains(err(c.format, "{\"" + key + "\": {\"a\": 1}}"), "missing or not a list");
    expect_contains(err(c.format, "{\"" + key + "\": null}"), "missing or not a list");
    expect_contains(err(c.format, "[{\"" + key + "\": []}]"), "missing or not a list");
    expect_contains(err(c.format, "\"" + key + "\""), "missing or not a list");
    // Twice at the top level: which one is meant is unclear.
    expect_contains(err(c.format, "{\"" + key + "\": [],\n\"" + key + "\": []}"),
                    "doc.json:2: \"" + key + "\" appears twice at the top level");
    // An empty array is an empty workload, not an error.
    write_text(tmp / "empty.json", "{\"" + key + "\": []}");
    EXPECT_EQ(import_trace((tmp / "empty.json").string(), c.format, {}).workload.jobs.size(), 0U);
    // Whitespace only, and bad JSON outside the array.
    expect_contains(err(c.format, "  \n\n"), "empty file");
    expect_contains(err(c.format, "{\"meta\": {\"x\": tru},\n \"" + key + "\": []}"),
                    "doc.json:1: invalid JSON");
    expect_contains(err(c.format, "{\"" + key + "\": []} {}"), "invalid JSON");
    // Nesting is bounded inside and outside the array.
    expect_contains(
        err(c.format, "{\"" + key + "\": [" + std::string(100, '[') + std::string(100, ']') + "]}"),
        "nested deeper than 64 levels");
    expect_contains(err(c.format, "{\"x\": " + std::string(100, '[') + std::string(100, ']') + "}"),
                    "nested deeper");
  }
  // kubectl get pod NAME -o json: one Pod, not a List.
  const std::string pods = read_text(data("k8s_pods.json"));
  const auto first = pods.find("        {");
  const auto end = pods.find("\n        },\n        {", first);
  write_text(tmp / "pod.json", pods.substr(first, end + 10 - first) + "\n");
  const Imported one = import_trace((tmp / "pod.json").string(), "k8s-pods", {});
  EXPECT_EQ(one.report.rows, 1U);
  ASSERT_EQ(one.workload.jobs.size(), 1U);
  EXPECT_EQ(one.workload.jobs[0].id, "team-a/train-a-0");
  const std::string bad =
      replace_once(pods.substr(first, end + 10 - first), "\"2024-05-07T09:00:00Z\"", "\"soon\"");
  write_text(tmp / "badpod.json", bad);
  expect_contains(error_of((tmp / "badpod.json").string(), "k8s-pods"),
                  "badpod.json:" + std::to_string(line_of(bad, "\"soon\"")) +
                      ": (pod).metadata.creationTimestamp: a string \"soon\" is not an RFC 3339 "
                      "time");
}

TEST(JsonStream, ManyElementsOnlyTheKeptOnesBecomeJobs) {
  // 20,000 pods of which every 1,000th finished: the rest (running, pending) are read one at a
  // time, counted and dropped; a problem in the last element still names its line.
  TempDir tmp;
  std::string doc = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n";
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const bool done = i % 1000 == 0;
    doc += std::string(i ? ",\n" : "") + "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p" +
           std::to_string(i) +
           "\", \"namespace\": \"ns\", \"creationTimestamp\": \"2024-05-07T09:00:00Z\"}, "
           "\"spec\": {\"containers\": [{\"resources\": {\"requests\": {\"nvidia.com/gpu\": "
           "\"1\"}}}], \"env\": [{\"name\": \"BIG\", \"value\": \"" +
           std::string(200, 'x') + "\"}]}, \"status\": {\"phase\": \"" +
           (done ? "Succeeded\", \"startTime\": \"2024-05-07T09:00:10Z\", "
                   "\"containerStatuses\": [{\"state\": {\"terminated\": {\"startedAt\": "
                   "\"2024-05-07T09:00:10Z\", \"finishedAt\": \"2024-05-07T09:10:10Z\"}}}]}}"
                 : "Running\"}}");
  }
  doc += "\n]}\n";
  write_gzip(tmp / "many.json.gz", doc);
  const Imported t = import_trace((tmp / "many.json.gz").string(), "k8s-pods", {});
  EXPECT_EQ(t.report.rows, static_cast<std::uint64_t>(n));
  EXPECT_EQ(t.workload.jobs.size(), 20U);
  EXPECT_EQ(t.report.dropped.at("running at export (no end time)"),
            static_cast<std::uint64_t>(n - 20));
  EXPECT_EQ(t.workload.jobs[1].id, "ns/p1000");
  EXPECT_EQ(t.workload.jobs[1].duration.ms(), 600'000);
  // The last pod's name missing: its metadata is on the document's 20,001st line (the items
  // start on line 2).
  const std::string last = "\"name\": \"p" + std::to_string(n - 1) + "\", ";
  write_zstd(tmp / "bad.json.zst", replace_once(doc, last, ""));
  expect_contains(error_of((tmp / "bad.json.zst").string(), "k8s-pods"),
                  "bad.json.zst:" + std::to_string(n + 1) + ": items[" + std::to_string(n - 1) +
                      "].metadata.name: is required");
}

}  // namespace
}  // namespace orrery::test
