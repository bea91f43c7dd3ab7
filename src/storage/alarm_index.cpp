// AlarmIndex: one small SQLite table per Worker, (class, id) -> the time of its alarm.
#include <utility>

#include <sqlite3.h>

#include "dohost/storage.h"

#include "sqlite_error.h"

namespace dohost::storage {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS alarms (class TEXT NOT NULL, id TEXT NOT NULL, name TEXT, "
    "time INTEGER NOT NULL, PRIMARY KEY (class, id)) WITHOUT ROWID";

void bindText(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

std::string textColumn(sqlite3_stmt* statement, int column) {
  auto text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return std::string(text ? text : "", sqlite3_column_bytes(statement, column));
}

}  // namespace

struct AlarmIndex::Impl {
  ~Impl() {
    sqlite3_close_v2(db);
  }

  // Runs `sql`, binding with `bind` and calling `onRow` for each row. Throws SqlError.
  template <typename Bind, typename OnRow>
  void run(const char* sql, Bind bind, OnRow onRow) {
    sqlite3_stmt* statement = nullptr;
    int result = sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
    if (result != SQLITE_OK) {
      sqlite3_finalize(statement);
      throw databaseError(result, db);
    }
    bind(statement);
    while ((result = sqlite3_step(statement)) == SQLITE_ROW) onRow(statement);
    sqlite3_finalize(statement);
    if (result != SQLITE_DONE) throw databaseError(result, db);
  }

  void run(const char* sql) {
    run(
        sql, [](sqlite3_stmt*) {}, [](sqlite3_stmt*) {});
  }

  sqlite3* db = nullptr;
};

AlarmIndex::AlarmIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AlarmIndex::~AlarmIndex() = default;

std::unique_ptr<AlarmIndex> AlarmIndex::open(const std::filesystem::path& path) {
  setUpSqlite();
  bool inMemory = path == ":memory:";
  if (!inMemory && path.has_parent_path()) std::filesystem::create_directories(path.parent_path());

  auto impl = std::make_unique<Impl>();
  int result =
      sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (result != SQLITE_OK) {
    std::string reason = impl->db ? sqlite3_errmsg(impl->db) : sqlite3_errstr(result);
    throw SqlError("storage: cannot open " + path.string() + ": " + reason, result);
  }
  if (!inMemory) impl->run("PRAGMA journal_mode = WAL");
  impl->run("PRAGMA synchronous = NORMAL");
  impl->run(kSchema);
  return std::unique_ptr<AlarmIndex>(new AlarmIndex(std::move(impl)));
}

void AlarmIndex::set(const AlarmRecord& record) {
  impl_->run(
      "INSERT INTO alarms VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET "
      "name = excluded.name, time = excluded.time",
      [&](sqlite3_stmt* statement) {
        bindText(statement, 1, record.className);
        bindText(statement, 2, record.hex);
        if (record.name) bindText(statement, 3, *record.name);
        sqlite3_bind_int64(statement, 4, record.time);
      },
      [](sqlite3_stmt*) {});
}

void AlarmIndex::remove(std::string_view className, std::string_view hex) {
  impl_->run(
      "DELETE FROM alarms WHERE class = ?1 AND id = ?2",
      [&](sqlite3_stmt* statement) {
        bindText(statement, 1, className);
        bindText(statement, 2, hex);
      },
      [](sqlite3_stmt*) {});
}

std::vector<AlarmRecord> AlarmIndex::all() {
  std::vector<AlarmRecord> records;
  impl_->run(
      "SELECT class, id, name, time FROM alarms ORDER BY time", [](sqlite3_stmt*) {},
      [&](sqlite3_stmt* statement) {
        AlarmRecord record;
        record.className = textColumn(statement, 0);
        record.hex = textColumn(statement, 1);
        if (sqlite3_column_type(statement, 2) != SQLITE_NULL)
          record.name = textColumn(statement, 2);
        record.time = sqlite3_column_int64(statement, 3);
        records.push_back(std::move(record));
      });
  return records;
}

void AlarmIndex::renameClass(std::string_view from, std::string_view to) {
  impl_->run(
      "UPDATE alarms SET class = ?2 WHERE class = ?1",
      [&](sqlite3_stmt* statement) {
        bindText(statement, 1, from);
        bindText(statement, 2, to);
      },
      [](sqlite3_stmt*) {});
}

void AlarmIndex::removeClass(std::string_view className) {
  impl_->run(
      "DELETE FROM alarms WHERE class = ?1",
      [&](sqlite3_stmt* statement) { bindText(statement, 1, className); }, [](sqlite3_stmt*) {});
}

}  // namespace dohost::storage
