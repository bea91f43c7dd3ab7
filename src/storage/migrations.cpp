// applyMigrations(): the record of applied migrations (DIR/migrations.sqlite) and what renames
// and deletions do to the objects' folders (DIR/do/<worker>/<Class>/) and alarm index.
#include <sqlite3.h>

#include <optional>
#include <system_error>

#include "dohost/log.h"
#include "dohost/storage.h"
#include "dohost/storage_migrations.h"
#include "sqlite_error.h"

namespace dohost::storage {
namespace {

namespace fs = std::filesystem;

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS applied (worker TEXT NOT NULL, position INTEGER NOT NULL, "
    "tag TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now')), "
    "PRIMARY KEY (worker, position)) WITHOUT ROWID";

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// One connection to DIR/migrations.sqlite. Throws SqlError.
class Record {
 public:
  explicit Record(const fs::path& path) {
    fs::create_directories(path.parent_path());
    int result = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 nullptr);
    if (result != SQLITE_OK) {
      std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(result);
      throw SqlError("cannot open " + path.string() + ": " + reason, result);
    }
    // Another dohost starting on the same folder waits its turn.
    sqlite3_busy_timeout(db_, 10000);
    run("PRAGMA journal_mode = WAL");
    run(kSchema);
  }
  ~Record() { sqlite3_close_v2(db_); }
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;

  void run(const char* sql) {
    char* message = nullptr;
    int result = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (result != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(result);
      sqlite3_free(message);
      throw SqlError(text, result);
    }
  }

  std::vector<std::string> tags(const std::string& worker) {
    std::vector<std::string> tags;
    Statement statement(db_, "SELECT tag FROM applied WHERE worker = ?1 ORDER BY position");
    sqlite3_bind_text(statement.handle, 1, worker.c_str(), -1, SQLITE_TRANSIENT);
    int result;
    while ((result = sqlite3_step(statement.handle)) == SQLITE_ROW) {
      tags.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement.handle, 0)));
    }
    if (result != SQLITE_DONE) throw databaseError(result, db_);
    return tags;
  }

  void add(const std::string& worker, size_t position, const std::string& tag) {
    Statement statement(db_, "INSERT INTO applied (worker, position, tag) VALUES (?1, ?2, ?3)");
    sqlite3_bind_text(statement.handle, 1, worker.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement.handle, 2, static_cast<int64_t>(position));
    sqlite3_bind_text(statement.handle, 3, tag.c_str(), -1, SQLITE_TRANSIENT);
    int result = sqlite3_step(statement.handle);
    if (result != SQLITE_DONE) throw databaseError(result, db_);
  }

 private:
  struct Statement {
    Statement(sqlite3* db, const char* sql) {
      int result = sqlite3_prepare_v2(db, sql, -1, &handle, nullptr);
      if (result != SQLITE_OK) {
        sqlite3_finalize(handle);
        throw databaseError(result, db);
      }
    }
    ~Statement() { sqlite3_finalize(handle); }
    sqlite3_stmt* handle = nullptr;
  };

  sqlite3* db_ = nullptr;
};

std::string locationOf(const config::WorkerConfig& config, const std::string& path) {
  auto found = config.locations.find(path);
  if (found != config.locations.end()) return found->second + ": " + path;
  return config.displayPath + ": " + path;
}

// The recorded tags must be the config's first ones, in order. Returns the problems.
std::vector<std::string> checkHistory(const config::WorkerConfig& config,
                                      const std::vector<std::string>& applied,
                                      const fs::path& persistDir) {
  const auto& migrations = config.migrations;
  for (size_t i = 0; i < applied.size(); ++i) {
    if (i >= migrations.size()) {
      return {config.displayPath + ": \"migrations\": the data in " + persistDir.string() +
              " was migrated by tag " + quoted(applied[i]) + " (migration " +
              std::to_string(i + 1) + "), which this config does not have; migrations that "
              "ran cannot be taken back: put it back, or serve another folder with --persist-to"};
    }
    if (migrations[i].tag != applied[i]) {
      std::string path = "migrations[" + std::to_string(i) + "].tag";
      return {locationOf(config, path) + ": tag " + quoted(migrations[i].tag) + " is not " +
              quoted(applied[i]) + ", the migration the data in " + persistDir.string() +
              " went through at this place; migrations that ran cannot be changed or reordered: "
              "put " + quoted(applied[i]) + " back here and add new migrations after the "
              "others"};
    }
  }
  return {};
}

// What one migration does to the data: renames move folders, deletions remove them; the
// alarm index follows.
void applyToData(const config::Migration& migration,
                 const fs::path& workerDir,
                 std::optional<std::unique_ptr<AlarmIndex>>& alarms) {
  auto index = [&]() -> AlarmIndex* {
    if (!alarms) {
      fs::path path = workerDir / "alarms.sqlite";
      alarms = fs::exists(path) ? AlarmIndex::open(path) : nullptr;
    }
    return alarms->get();
  };

  for (const auto& [from, to] : migration.renamedClasses) {
    if (from.empty() || to.empty()) continue;
    fs::path source = workerDir / from;
    fs::path target = workerDir / to;
    // Gone already: this step ran before a crash, or the class never stored anything.
    if (fs::exists(source)) {
      if (fs::exists(target)) {
        if (!fs::is_empty(target)) {
          throw std::runtime_error("cannot rename class " + quoted(from) + " to " + quoted(to) +
                                   ": " + target.string() +
                                   " already holds data; move it away first");
        }
        fs::remove(target);
      }
      fs::rename(source, target);
    }
    if (auto* alarmIndex = index()) alarmIndex->renameClass(from, to);
    log::info("storage", "migration: class " + from + " renamed to " + to);
  }
  for (const auto& name : migration.deletedClasses) {
    if (name.empty()) continue;
    fs::remove_all(workerDir / name);
    if (auto* alarmIndex = index()) alarmIndex->removeClass(name);
    log::info("storage", "migration: class " + name + " deleted with its objects");
  }
}

}  // namespace

std::vector<std::string> applyMigrations(const fs::path& persistDir,
                                         const config::WorkerConfig& config) {
  fs::path recordPath = persistDir / "migrations.sqlite";
  try {
    Record record(recordPath);
    // One process at a time from reading the history to recording the new steps.
    record.run("BEGIN IMMEDIATE");
    std::vector<std::string> applied = record.tags(config.name);
    auto problems = checkHistory(config, applied, persistDir);
    if (!problems.empty()) {
      record.run("ROLLBACK");
      return problems;
    }

    fs::path workerDir = persistDir / "do" / config.name;
    std::optional<std::unique_ptr<AlarmIndex>> alarms;
    for (size_t i = applied.size(); i < config.migrations.size(); ++i) {
      const auto& migration = config.migrations[i];
      applyToData(migration, workerDir, alarms);
      record.add(config.name, i, migration.tag);
      log::info("storage", "migration " + migration.tag + " applied to Worker " + config.name);
    }
    record.run("COMMIT");
  } catch (const std::exception& e) {
    return {config.displayPath + ": \"migrations\": cannot apply them to " + persistDir.string() +
            ": " + e.what()};
  }
  return {};
}

std::vector<std::string> appliedMigrations(const fs::path& persistDir, const std::string& worker) {
  Record record(persistDir / "migrations.sqlite");
  return record.tags(worker);
}

}  // namespace dohost::storage
