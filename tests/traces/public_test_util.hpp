// Helpers for the public-trace importer tests: compressed files, totals, report lookups.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <map>
#include <string>

#include "orrery/sim/job.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/traces/public_formats.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"

namespace orrery::test {

inline void write_gzip(const std::filesystem::path& p, const std::string& text) {
  gzFile gz = gzopen(p.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
}

// Count of one reason in a report map (0 when absent).
inline std::uint64_t reason(const std::map<std::string, std::uint64_t>& m, const std::string& r) {
  auto it = m.find(r);
  return it == m.end() ? 0 : it->second;
}

inline std::uint64_t total(const std::map<std::string, std::uint64_t>& m) {
  std::uint64_t n = 0;
  for (const auto& [k, v] : m) n += v;
  return n;
}

// The message of the InputError an import throws, or "" (and a test failure) when none.
template <typename F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected sim::InputError, got another exception: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected sim::InputError, got none";
  return "";
}

inline std::uint64_t total_gpu_milli(const sim::Workload& w) {
  std::uint64_t n = 0;
  for (const auto& j : w.jobs) n += std::uint64_t{j.tasks} * j.gpu_milli;
  return n;
}

inline std::uint64_t cluster_gpus(const sim::ClusterSpec& c) {
  std::uint64_t n = 0;
  for (const auto& p : c.pools) n += std::uint64_t{p.gpus_per_node} * p.nodes;
  return n;
}

inline std::uint64_t cluster_nodes(const sim::ClusterSpec& c) {
  std::uint64_t n = 0;
  for (const auto& p : c.pools) n += p.nodes;
  return n;
}

// Nodes with (gpu_type, gpus per node), summed over pools.
inline std::uint64_t nodes_of(const sim::ClusterSpec& c, const std::string& type,
                              std::uint32_t gpus) {
  std::uint64_t n = 0;
  for (const auto& p : c.pools) {
    if (p.gpu_type == type && p.gpus_per_node == gpus) n += p.nodes;
  }
  return n;
}

inline const sim::JobSpec* find_job(const sim::Workload& w, const std::string& id) {
  for (const auto& j : w.jobs) {
    if (j.id == id) return &j;
  }
  return nullptr;
}

}  // namespace orrery::test
