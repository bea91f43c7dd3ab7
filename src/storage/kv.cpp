// The key-value API and the alarm, stored in the object's own database in workerd's tables
// (workerd src/workerd/util/sqlite-kv.h, sqlite-metadata.c++), so the same file works in both.
#include <cstdio>
#include <cstring>

#include "dohost/assert.h"
#include "dohost/storage.h"
#include "sqlite_error.h"

#include "database_impl.h"

namespace dohost::storage {
namespace {

constexpr char kCreateKv[] =
    "CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID";
constexpr char kCreateMetadata[] =
    "CREATE TABLE IF NOT EXISTS _cf_METADATA (key INTEGER PRIMARY KEY, value BLOB)";

// The rows of _cf_METADATA: the alarm, in nanoseconds since the epoch, and the last bookmark
// handed out by getCurrentBookmark().
constexpr int kAlarmKey = 1;
constexpr int kBookmarkKey = 2;

const uint8_t kEmptyBytes[1] = {0};

// A value past SQLite's length limit fails here, with workerd's
// "string or blob too big: SQLITE_TOOBIG".
void check(int result, sqlite3_stmt* statement) {
  if (result != SQLITE_OK) throw databaseError(result, sqlite3_db_handle(statement));
}

void bindKey(sqlite3_stmt* statement, int index, std::string_view key) {
  check(sqlite3_bind_text64(statement, index, key.data(), key.size(), SQLITE_STATIC, SQLITE_UTF8),
        statement);
}

std::vector<uint8_t> blobColumn(sqlite3_stmt* statement, int column) {
  auto data = static_cast<const uint8_t*>(sqlite3_column_blob(statement, column));
  int size = sqlite3_column_bytes(statement, column);
  return data ? std::vector<uint8_t>(data, data + size) : std::vector<uint8_t>();
}

// One statement per shape of range, so that SQLite can seek to both ends of it.
std::string listSql(bool hasEnd, bool reverse) {
  std::string sql = "SELECT key, value FROM _cf_KV WHERE key >= ?1";
  if (hasEnd) sql += " AND key < ?2";
  sql += reverse ? " ORDER BY key DESC" : " ORDER BY key";
  return sql + " LIMIT ?3";
}

}  // namespace

std::optional<KvRange> compileListOptions(const KvListOptions& options) {
  DOHOST_REQUIRE(!(options.start && options.startAfter), "list() with start and startAfter");
  DOHOST_REQUIRE(!options.limit || *options.limit > 0, "list() with a limit of 0");

  // startAfter is exclusive; the key right after it is startAfter + "\0".
  KvRange range{options.start.value_or(""), options.end, options.limit, options.reverse};
  if (options.startAfter) range.begin = *options.startAfter + '\0';

  // Clamp the range to the keys that start with the prefix.
  if (options.prefix && !options.prefix->empty()) {
    const std::string& prefix = *options.prefix;
    if (range.begin < prefix) {
      range.begin = prefix;
    } else if (!range.begin.starts_with(prefix)) {
      return std::nullopt;
    }

    // The first key after every key with the prefix: drop trailing 0xff bytes, bump the last.
    std::string afterPrefix = prefix;
    while (!afterPrefix.empty() && static_cast<uint8_t>(afterPrefix.back()) == 0xff) {
      afterPrefix.pop_back();
    }
    if (!afterPrefix.empty()) {
      afterPrefix.back() = static_cast<char>(static_cast<uint8_t>(afterPrefix.back()) + 1);
      if (!range.end) {
        range.end = afterPrefix;
      } else if (*range.end <= prefix) {
        return std::nullopt;
      } else if (!range.end->starts_with(prefix)) {
        range.end = afterPrefix;
      }
    }
  }

  if (range.end && *range.end <= range.begin) return std::nullopt;
  return range;
}

bool Database::Impl::hasKvTable() {
  if (!kvTable) kvTable = tableExists("_cf_KV");
  return *kvTable;
}

bool Database::Impl::hasMetadataTable() {
  if (!metadataTable) metadataTable = tableExists("_cf_METADATA");
  return *metadataTable;
}

std::optional<std::vector<uint8_t>> Database::kvGet(std::string_view key) {
  if (!impl_->hasKvTable()) return std::nullopt;
  std::optional<std::vector<uint8_t>> value;
  impl_->runKept(
      "SELECT value FROM _cf_KV WHERE key = ?1",
      [&](sqlite3_stmt* statement) { bindKey(statement, 1, key); },
      [&](sqlite3_stmt* statement) { value = blobColumn(statement, 0); });
  return value;
}

void Database::kvPut(std::string_view key, std::span<const uint8_t> value) {
  // The table appears with the first write, as in workerd: a new object's size stays 4096.
  if (!impl_->hasKvTable()) {
    impl_->runHost(kCreateKv);
    impl_->kvTable = true;
  }
  impl_->runKept(
      "INSERT INTO _cf_KV VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = excluded.value",
      [&](sqlite3_stmt* statement) {
        bindKey(statement, 1, key);
        const void* data = value.empty() ? kEmptyBytes : value.data();
        check(sqlite3_bind_blob64(statement, 2, data, value.size(), SQLITE_STATIC), statement);
      });
}

bool Database::kvDelete(std::string_view key) {
  if (!impl_->hasKvTable()) return false;
  impl_->runKept("DELETE FROM _cf_KV WHERE key = ?1",
                 [&](sqlite3_stmt* statement) { bindKey(statement, 1, key); });
  return sqlite3_changes(impl_->db) > 0;
}

std::vector<KvEntry> Database::kvList(const KvRange& range) {
  std::vector<KvEntry> entries;
  if (!impl_->hasKvTable()) return entries;
  impl_->runKept(
      listSql(range.end.has_value(), range.reverse),
      [&](sqlite3_stmt* statement) {
        bindKey(statement, 1, range.begin);
        if (range.end) bindKey(statement, 2, *range.end);
        sqlite3_bind_int64(statement, 3, range.limit ? int64_t{*range.limit} : -1);
      },
      [&](sqlite3_stmt* statement) {
        auto key = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        entries.push_back(KvEntry{std::string(key ? key : "", sqlite3_column_bytes(statement, 0)),
                                  blobColumn(statement, 1)});
      });
  return entries;
}

std::optional<int64_t> Database::getAlarm() {
  if (!impl_->hasMetadataTable()) return std::nullopt;
  std::optional<int64_t> alarm;
  impl_->runKept(
      "SELECT value FROM _cf_METADATA WHERE key = ?1",
      [](sqlite3_stmt* statement) { sqlite3_bind_int(statement, 1, kAlarmKey); },
      [&](sqlite3_stmt* statement) {
        if (sqlite3_column_type(statement, 0) != SQLITE_NULL) {
          alarm = sqlite3_column_int64(statement, 0);
        }
      });
  return alarm;
}

void Database::setAlarm(std::optional<int64_t> unixNanos) {
  // Clearing an alarm that was never set writes nothing (workerd compares with its cache first).
  if (!unixNanos && !getAlarm()) return;
  if (!impl_->hasMetadataTable()) {
    impl_->runHost(kCreateMetadata);
    impl_->metadataTable = true;
  }

  // An unset alarm is a NULL value, as workerd writes it.
  impl_->runKept(
      "INSERT INTO _cf_METADATA VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = excluded.value",
      [&](sqlite3_stmt* statement) {
        sqlite3_bind_int(statement, 1, kAlarmKey);
        if (unixNanos) {
          sqlite3_bind_int64(statement, 2, *unixNanos);
        } else {
          sqlite3_bind_null(statement, 2);
        }
      });
}

std::string Database::nextBookmark() {
  int64_t bookmark = 0;
  if (impl_->hasMetadataTable()) {
    impl_->runKept(
        "SELECT value FROM _cf_METADATA WHERE key = ?1",
        [](sqlite3_stmt* statement) { sqlite3_bind_int(statement, 1, kBookmarkKey); },
        [&](sqlite3_stmt* statement) { bookmark = sqlite3_column_int64(statement, 0) + 1; });
  } else {
    impl_->runHost(kCreateMetadata);
    impl_->metadataTable = true;
  }
  impl_->runKept(
      "INSERT INTO _cf_METADATA VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = excluded.value",
      [&](sqlite3_stmt* statement) {
        sqlite3_bind_int(statement, 1, kBookmarkKey);
        sqlite3_bind_int64(statement, 2, bookmark);
      });

  // Production's layout: four hex groups; the counter fills the first two.
  constexpr uint64_t kGroup = 0xffffffff;
  char text[80];
  std::snprintf(text, sizeof(text), "%08llx-%08llx-%08x-%032d",
                static_cast<unsigned long long>(bookmark / kGroup),
                static_cast<unsigned long long>(bookmark % kGroup), 0u, 0);
  return text;
}

}  // namespace dohost::storage
