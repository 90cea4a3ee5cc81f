#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>

#include "orrery/plan/results_db.hpp"
#include "orrery/sim/problems.hpp"
#include "orrery/sim/version.hpp"

namespace orrery::plan {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kLayout = 1;

// A prepared statement; throws sim::InputError naming the database on any SQLite error.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path, const std::string& sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      fail("prepare");
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, double v) {
    check(sqlite3_bind_double(stmt_, i, v));
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& bind_null(int i) {
    check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  template <class T>
  Stmt& bind_opt(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
    return false;
  }
  void run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail("bind");
  }
  [[noreturn]] void fail(const char* what) {
    throw sim::InputError(path_,
                          std::string("database error (") + what + "): " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* stmt_ = nullptr;
};

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
  run_key TEXT PRIMARY KEY,
  run_index INTEGER NOT NULL UNIQUE,
  params TEXT NOT NULL,
  policy TEXT,
  placement TEXT,
  fingerprint TEXT,
  summary TEXT NOT NULL,
  wall_s REAL,
  shard TEXT,
  host TEXT,
  finished_utc TEXT
);
CREATE TABLE IF NOT EXISTS params (
  run_key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, num NUMERIC,
  PRIMARY KEY (run_key, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metrics (
  run_key TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (run_key, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs (
  run_key TEXT NOT NULL, job INTEGER NOT NULL, job_id TEXT, submit_s REAL, start_s REAL,
  end_s REAL, wait_s REAL, jct_s REAL, gpus REAL, nodes INTEGER, preemptions INTEGER,
  restarts INTEGER, status TEXT, gpu_type TEXT,
  PRIMARY KEY (run_key, job)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS failures (
  run_key TEXT PRIMARY KEY, run_index INTEGER, params TEXT, error TEXT, at_utc TEXT);
)sql";

std::string hostname() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

std::string quote_ident(const std::string& name) {
  std::string s = "\"";
  for (char c : name) {
    if (c == '"') s += '"';
    s += c;
  }
  return s + "\"";
}

std::string quote_literal(const std::string& text) {
  std::string s = "'";
  for (char c : text) {
    if (c == '\'') s += '\'';
    s += c;
  }
  return s + "'";
}

std::string param_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("name") && v.at("name").is_string()) {
    std::string s = v.at("name").get<std::string>();
    if (v.contains("params") && !v.at("params").empty()) s += v.at("params").dump();
    return s;
  }
  return v.dump();
}

double seconds(const sim::SimTime& t) {
  return static_cast<double>(t.ms()) / 1000.0;
}

}  // namespace

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ResultsDb::ResultsDb(const std::string& path, Mode mode)
    : path_(path), writable_(mode == Mode::kReadWrite) {
  if (!writable_ && !fs::exists(path)) throw sim::InputError(path, "no such results database");
  const int flags =
      (writable_ ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
      SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw sim::InputError(path, "cannot open the results database: " + msg);
  }
  sqlite3_busy_timeout(db_, 60'000);
  try {
    if (writable_) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      exec(kSchema);
    } else {
      Stmt s(db_, path_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'");
      if (!s.step() || s.integer(0) == 0)
        throw sim::InputError(path, "not an orrery sweep results database (no meta table)");
    }
  } catch (const sim::InputError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    const std::string what = e.what();
    if (what.find("file is not a database") != std::string::npos)
      throw sim::InputError(path, "not an SQLite database");
    throw;
  }
}

ResultsDb::~ResultsDb() {
  if (db_) sqlite3_close(db_);
}

void ResultsDb::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw sim::InputError(path_, "database error: " + msg);
  }
}

void ResultsDb::rollback_quietly() const {
  // After a failed statement (a full disk among them) the original error is the one to report;
  // SQLite may already have rolled the transaction back itself.
  if (sqlite3_get_autocommit(db_) != 0) return;
  char* err = nullptr;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &err);
  sqlite3_free(err);
}

std::optional<SweepMeta> ResultsDb::meta() const {
  std::map<std::string, std::string> kv;
  Stmt s(db_, path_, "SELECT key, value FROM meta");
  while (s.step()) kv[s.text(0)] = s.text(1);
  if (kv.empty()) return std::nullopt;
  SweepMeta m;
  m.fingerprint = kv["spec_fingerprint"];
  try {
    m.spec = json::parse(kv["spec"]);
    m.runs_total = static_cast<std::size_t>(std::stoull(kv["runs_total"]));
    for (const auto& a : json::parse(kv["axes"])) m.axes.push_back(a.get<std::string>());
  } catch (const std::exception& e) {
    throw sim::InputError(path_, std::string("damaged meta table: ") + e.what());
  }
  if (kv["layout"] != std::to_string(kLayout))
    throw sim::InputError(path_, "results layout " + kv["layout"] + " (this orrery reads " +
                                     std::to_string(kLayout) + ")");
  m.name = kv["name"];
  m.orrery_version = kv["orrery_version"];
  m.created_utc = kv["created_utc"];
  m.shard = kv["shard"];
  return m;
}

void ResultsDb::bind_spec(const SweepMeta& m) {
  exec("BEGIN IMMEDIATE");
  try {
    const auto existing = meta();
    if (!existing) {
      Stmt ins(db_, path_, "INSERT INTO meta(key, value) VALUES (?, ?)");
      json axes = m.axes;
      const std::vector<std::pair<std::string, std::string>> kv = {
          {"layout", std::to_string(kLayout)},
          {"spec_fingerprint", m.fingerprint},
          {"spec", m.spec.dump()},
          {"runs_total", std::to_string(m.runs_total)},
          {"name", m.name},
          {"axes", axes.dump()},
          {"orrery_version",
           m.orrery_version.empty() ? std::string(sim::kVersion) : m.orrery_version},
          {"created_utc", m.created_utc.empty() ? utc_now_iso() : m.created_utc},
          {"shard", m.shard}};
      for (const auto& [k, v] : kv) {
        ins.bind(1, k).bind(2, v);
        ins.run();
      }
    } else {
      if (existing->fingerprint != m.fingerprint) {
        throw sim::InputError(
            path_, "holds the results of a different sweep (spec fingerprint " +
                       existing->fingerprint + ", \"" + existing->name + "\"; this spec is " +
                       m.fingerprint +
                       "): a changed base scenario, trace, cluster or axis changes the "
                       "fingerprint. Use another results file, or delete this one");
      }
      if (existing->shard != m.shard) {
        Stmt up(db_, path_, "UPDATE meta SET value = ? WHERE key = 'shard'");
        up.bind(1, std::string("mixed"));
        up.run();
      }
    }
    exec("COMMIT");
  } catch (...) {
    rollback_quietly();
    throw;
  }
}

std::set<std::string> ResultsDb::finished_keys() const {
  std::set<std::string> keys;
  Stmt s(db_, path_, "SELECT run_key FROM runs");
  while (s.step()) keys.insert(s.text(0));
  return keys;
}

std::size_t ResultsDb::run_count() const {
  Stmt s(db_, path_, "SELECT count(*) FROM runs");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

std::size_t ResultsDb::failure_count() const {
  Stmt s(db_, path_, "SELECT count(*) FROM failures");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

bool ResultsDb::insert_run(const RunRecord& r) {
  exec("BEGIN IMMEDIATE");
  try {
    Stmt run(db_, path_,
             "INSERT OR IGNORE INTO runs(run_key, run_index, params, policy, placement, "
             "fingerprint, summary, wall_s, shard, host, finished_utc) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    run.bind(1, r.key)
        .bind(2, static_cast<std::int64_t>(r.index))
        .bind(3, r.params.dump())
        .bind(4, r.summary.value("policy", std::string()))
        .bind(5, r.summary.value("placement", std::string()))
        .bind(6, r.summary.value("fingerprint", std::string()))
        .bind(7, r.summary.dump())
        .bind(8, r.wall_s)
        .bind(9, r.shard)
        .bind(10, hostname())
        .bind(11, utc_now_iso());
    run.run();
    if (sqlite3_changes(db_) == 0) {
      exec("ROLLBACK");
      return false;
    }
    Stmt p(db_, path_, "INSERT INTO params(run_key, name, value, num) VALUES (?, ?, ?, ?)");
    for (const auto& [name, v] : r.params.items()) {
      p.bind(1, r.key).bind(2, name).bind(3, param_text(v));
      if (v.is_number_integer())
        p.bind(4, v.get<std::int64_t>());
      else if (v.is_number())
        p.bind(4, v.get<double>());
      else
        p.bind_null(4);
      p.run();
    }
    Stmt m(db_, path_, "INSERT INTO metrics(run_key, name, value) VALUES (?, ?, ?)");
    for (const auto& [name, v] : r.metrics) {
      m.bind(1, r.key).bind(2, name).bind(3, v);
      m.run();
    }
    if (r.result && r.workload) {
      Stmt j(db_, path_,
             "INSERT INTO jobs(run_key, job, job_id, submit_s, start_s, end_s, wait_s, jct_s, "
             "gpus, nodes, preemptions, restarts, status, gpu_type) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (const sim::JobOutcome& o : r.result->jobs) {
        j.bind(1, r.key).bind(2, static_cast<std::int64_t>(o.job));
        j.bind(3, r.workload->jobs.at(o.job).id).bind(4, seconds(o.submit));
        if (o.start) {
          j.bind(5, seconds(*o.start)).bind(7, seconds(*o.start - o.submit));
        } else {
          j.bind_null(5).bind_null(7);
        }
        if (o.end) {
          j.bind(6, seconds(*o.end)).bind(8, seconds(*o.end - o.submit));
        } else {
          j.bind_null(6).bind_null(8);
        }
        j.bind(9, static_cast<double>(o.gpu_milli) / 1000.0)
            .bind(10, static_cast<std::int64_t>(o.nodes))
            .bind(11, static_cast<std::int64_t>(o.preemptions))
            .bind(12, static_cast<std::int64_t>(o.restarts))
            .bind(13, std::string(sim::to_string(o.status)))
            .bind(14, o.gpu_type);
        j.run();
      }
    }
    Stmt f(db_, path_, "DELETE FROM failures WHERE run_key = ?");
    f.bind(1, r.key);
    f.run();
    exec("COMMIT");
    return true;
  } catch (...) {
    rollback_quietly();
    throw;
  }
}

void ResultsDb::record_failure(std::size_t index, const std::string& key, const json& params,
                               const std::string& error) {
  Stmt s(db_, path_,
         "INSERT OR REPLACE INTO failures(run_key, run_index, params, error, at_utc) "
         "VALUES (?, ?, ?, ?, ?)");
  s.bind(1, key)
      .bind(2, static_cast<std::int64_t>(index))
      .bind(3, params.dump())
      .bind(4, error)
      .bind(5, utc_now_iso());
  s.run();
}

std::vector<StoredRun> ResultsDb::runs() const {
  std::vector<StoredRun> out;
  std::map<std::string, std::size_t> by_key;
  {
    Stmt s(db_, path_,
           "SELECT run_key, run_index, params, policy, placement, fingerprint, summary, wall_s "
           "FROM runs ORDER BY run_index");
    while (s.step()) {
      StoredRun r;
      r.key = s.text(0);
      r.index = static_cast<std::size_t>(s.integer(1));
      try {
        r.params = json::parse(s.text(2));
        r.summary = json::parse(s.text(6));
      } catch (const json::exception& e) {
        throw sim::InputError(path_, "run " + r.key + ": damaged JSON: " + e.what());
      }
      r.policy = s.text(3);
      r.placement = s.text(4);
      r.fingerprint = s.text(5);
      r.wall_s = s.real(7);
      by_key[r.key] = out.size();
      out.push_back(std::move(r));
    }
  }
  Stmt m(db_, path_, "SELECT run_key, name, value FROM metrics");
  while (m.step()) {
    auto it = by_key.find(m.text(0));
    if (it != by_key.end()) out[it->second].metrics[m.text(1)] = m.real(2);
  }
  return out;
}

void ResultsDb::rebuild_views() {
  std::vector<std::string> params, metrics;
  {
    Stmt s(db_, path_, "SELECT DISTINCT name FROM params ORDER BY name");
    while (s.step()) params.push_back(s.text(0));
  }
  {
    Stmt s(db_, path_, "SELECT DISTINCT name FROM metrics ORDER BY name");
    while (s.step()) metrics.push_back(s.text(0));
  }
  std::set<std::string> taken = {"run_key", "run_index", "policy", "placement", "fingerprint"};
  std::string cols = "r.run_key, r.run_index, r.policy, r.placement, r.fingerprint";
  for (const auto& p : params) {
    const std::string col = taken.count(p) ? "param:" + p : p;
    taken.insert(col);
    cols += ", (SELECT coalesce(num, value) FROM params WHERE run_key = r.run_key AND name = " +
            quote_literal(p) + ") AS " + quote_ident(col);
  }
  for (const auto& m : metrics) {
    const std::string col = taken.count(m) ? "metric:" + m : m;
    taken.insert(col);
    cols +=
        ", (SELECT value FROM metrics WHERE run_key = r.run_key AND name = " + quote_literal(m) +
        ") AS " + quote_ident(col);
  }
  exec("BEGIN IMMEDIATE");
  try {
    exec("DROP VIEW IF EXISTS runs_wide");
    exec("CREATE VIEW runs_wide AS SELECT " + cols + " FROM runs r");
    exec("COMMIT");
  } catch (...) {
    rollback_quietly();
    throw;
  }
}

MergeStats ResultsDb::merge_from(const std::string& other_path) {
  std::error_code ec;
  if (fs::exists(other_path) && fs::exists(path_) && fs::equivalent(other_path, path_, ec))
    throw sim::InputError(other_path, "is the output database itself");
  SweepMeta theirs;
  {
    ResultsDb other(other_path, Mode::kReadOnly);
    auto m = other.meta();
    if (!m) throw sim::InputError(other_path, "holds no sweep (empty meta table)");
    theirs = *m;
  }
  MergeStats stats;
  const auto mine = meta();
  if (mine && mine->fingerprint != theirs.fingerprint) {
    throw sim::InputError(other_path, "is a shard of a different sweep (spec fingerprint " +
                                          theirs.fingerprint + ", \"" + theirs.name +
                                          "\"; the output holds " + mine->fingerprint + ", \"" +
                                          mine->name + "\"): refusing to merge");
  }
  if (!mine) {
    SweepMeta m = theirs;
    m.shard = "merged";
    bind_spec(m);
  } else if (mine->shard != "merged") {
    exec("UPDATE meta SET value = 'merged' WHERE key = 'shard'");
  }
  Stmt attach(db_, path_, "ATTACH DATABASE ? AS src");
  attach.bind(1, other_path);
  attach.run();
  try {
    exec("BEGIN IMMEDIATE");
    try {
      {
        Stmt c(db_, path_,
               "SELECT count(*), coalesce(sum(s.summary <> m.summary), 0) FROM src.runs s "
               "JOIN main.runs m ON m.run_key = s.run_key");
        c.step();
        const auto both = static_cast<std::size_t>(c.integer(0));
        stats.conflicts = static_cast<std::size_t>(c.integer(1));
        stats.duplicates = both - stats.conflicts;
      }
      exec(
          "CREATE TEMP TABLE new_keys AS SELECT run_key FROM src.runs WHERE run_key NOT IN "
          "(SELECT run_key FROM main.runs)");
      exec(
          "INSERT INTO main.runs SELECT * FROM src.runs WHERE run_key IN (SELECT run_key FROM "
          "temp.new_keys)");
      stats.added = static_cast<std::size_t>(sqlite3_changes(db_));
      for (const char* t : {"params", "metrics", "jobs"}) {
        exec(std::string("INSERT OR IGNORE INTO main.") + t + " SELECT * FROM src." + t +
             " WHERE run_key IN (SELECT run_key FROM temp.new_keys)");
      }
      // Failures the other database recorded for runs nobody finished.
      exec(
          "INSERT OR IGNORE INTO main.failures SELECT * FROM src.failures WHERE run_key NOT IN "
          "(SELECT run_key FROM main.runs)");
      exec("DELETE FROM main.failures WHERE run_key IN (SELECT run_key FROM main.runs)");
      exec("DROP TABLE temp.new_keys");
      exec("COMMIT");
    } catch (...) {
      rollback_quietly();
      throw;
    }
  } catch (...) {
    exec("DETACH DATABASE src");
    throw;
  }
  exec("DETACH DATABASE src");
  return stats;
}

}  // namespace orrery::plan
