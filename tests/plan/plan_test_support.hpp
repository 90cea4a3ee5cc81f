// Helpers for the plan tests: small sweep specs over the built-in example, and raw SQLite reads
// of a results database (independent of the ResultsDb reader under test).
#pragma once

#include <sqlite3.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace orrery::plan::test {

inline std::string example_scenario() {
  return (orrery::test::source_dir() / "examples" / "scenario.json").string();
}

// 5 x 4 x 2 = 40 runs of the example (300 jobs each): A100 and V100 node counts and two policies.
inline nlohmann::json small_spec() {
  return {{"name", "test-small"},
          {"base", example_scenario()},
          {"axes",
           {{{"name", "a100_nodes"},
             {"path", "cluster.pools[name=a100].nodes"},
             {"range", {{"from", 2}, {"to", 6}}}},
            {{"name", "v100_nodes"}, {"path", "cluster.pools[1].nodes"}, {"values", {1, 2, 3, 4}}},
            {{"policy", {"fifo", "easy-backfill"}}}}}};
}

inline std::string write_json(const std::filesystem::path& p, const nlohmann::json& j) {
  orrery::test::write_text(p, j.dump(2));
  return p.string();
}

// Opens read-only; the callback gets each row's columns as text.
inline std::vector<std::vector<std::string>> sql_rows(const std::string& db_path,
                                                      const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << db_path;
    return rows;
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

inline long long sql_count(const std::string& db_path, const std::string& sql) {
  const auto rows = sql_rows(db_path, sql);
  return rows.empty() ? -1 : std::stoll(rows[0][0]);
}

// run_key -> metric name -> value (as SQLite prints it: 17 significant digits round-trip).
inline std::map<std::string, std::map<std::string, std::string>> metrics_by_key(
    const std::string& db_path) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& r :
       sql_rows(db_path, "SELECT run_key, name, printf('%.17g', value) FROM metrics"))
    out[r[0]][r[1]] = r[2];
  return out;
}

// run_key -> summary JSON text, params JSON text, run index.
inline std::map<std::string, std::vector<std::string>> runs_by_key(const std::string& db_path) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& r :
       sql_rows(db_path, "SELECT run_key, summary, params, run_index, fingerprint FROM runs"))
    out[r[0]] = {r[1], r[2], r[3], r[4]};
  return out;
}

}  // namespace orrery::plan::test
