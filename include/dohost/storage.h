// One SQLite database per Durable Object: the `ctx.storage.sql` cursors, the key-value table
// (_cf_KV), the alarm slot (_cf_METADATA) and the implicit write batch. No V8 here: src/js binds
// this to JavaScript. Behaviour and messages follow workerd; docs/storage.md has the details.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dohost::storage {

// A BLOB value. A distinct type so that Value can tell bytes from TEXT.
struct Blob {
  std::vector<uint8_t> bytes;

  friend bool operator==(const Blob&, const Blob&) = default;
};

// One SQL value: NULL, INTEGER, REAL, TEXT (UTF-8, may hold NUL bytes) or BLOB.
//
// Reading: INTEGER columns come back as int64_t, exactly as stored. workerd hands every INTEGER
// to JavaScript as a Number (static_cast<double>), so 2^53 + 1 reads as 9007199254740992 and
// INT64_MAX as 9223372036854775808; it never throws and never makes a BigInt. The JS binding must
// do the same cast. REAL may be +-Infinity; NaN never comes back (SQLite stores it as NULL).
//
// Binding, as workerd converts a JavaScript argument (the binding's job, listed so it can be
// checked): every Number binds as double (42 is REAL, so typeof(?) is 'real'; NaN binds as NULL,
// -0 and +-Infinity as themselves); string as TEXT; ArrayBuffer and every view as BLOB of the
// viewed bytes; null and undefined as NULL; anything else through String(), so true binds as
// TEXT 'true', {a: 1} as '[object Object]' and [1, 2] as '1,2'. BigInt throws TypeError
// "Cannot convert a BigInt value to a number", Symbol throws TypeError "Cannot convert a Symbol
// value to a string". int64_t bindings are for host code; JavaScript never produces them.
using Value = std::variant<std::monostate, int64_t, double, std::string, Blob>;

// A failure a Worker sees as a plain `Error` whose message is what().
//
// what() is character for character the message workerd gives, e.g.
// `table notes already exists at offset 13: SQLITE_ERROR`,
// `UNIQUE constraint failed: t.code: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)` or
// `Wrong number of parameter bindings for SQL query.`. code() is the primary SQLite result code
// (SQLITE_ERROR, SQLITE_AUTH...) or 0 when the message comes from this layer, not from SQLite.
class SqlError : public std::runtime_error {
 public:
  explicit SqlError(const std::string& message, int code = 0, int extendedCode = 0);

  int code() const {
    return code_;
  }
  int extendedCode() const {
    return extendedCode_;
  }

 private:
  int code_;
  int extendedCode_;
};

// One row of the key-value API.
struct KvEntry {
  std::string key;
  std::vector<uint8_t> value;

  friend bool operator==(const KvEntry&, const KvEntry&) = default;
};

// A key range for Database::kvList(): keys in [begin, end), compared as UTF-8 bytes (memcmp),
// which is the order workerd's list() returns (not UTF-16 order).
struct KvRange {
  std::string begin;               // inclusive
  std::optional<std::string> end;  // exclusive; none means no upper bound
  std::optional<uint32_t> limit;   // none means no limit
  bool reverse = false;            // descending key order; `limit` then counts from the end
};

// storage.list() options as a Worker passes them.
struct KvListOptions {
  std::optional<std::string> start;
  std::optional<std::string> startAfter;
  std::optional<std::string> end;
  std::optional<std::string> prefix;
  std::optional<uint32_t> limit;
  bool reverse = false;
};

// Turns list() options into a range exactly as workerd does: startAfter becomes start + "\0",
// prefix clamps start and end, and a range that cannot hold a key gives std::nullopt (list()
// then returns an empty Map without touching the database).
//
// The TypeErrors are the caller's to raise first, as workerd checks them before anything else:
// both start and startAfter given → "list() cannot be called with both start and startAfter
// values."; a limit of 0 or less → "List limit must be positive.". Passing either here is a
// caller bug (DOHOST_REQUIRE).
std::optional<KvRange> compileListOptions(const KvListOptions& options);

class Database;

// The result of one exec(): the rows of the last statement, read lazily.
//
// Like workerd, exec() already steps the statement once (so a statement's errors, and the writes
// of an INSERT/UPDATE/DELETE, happen inside exec()), and each next() hands out the row in hand
// and steps ahead to the following one, so a cursor knows it is done as soon as its last row is
// taken. A cursor stays valid while the Database runs other statements, including the same SQL
// again (that one is compiled afresh), and across commits. It becomes unusable when the Database
// is reset by deleteAll() or destroyed: next() then throws "SQLite query was canceled because the
// database was deleted.".
//
// Not thread-safe; use it on the thread that owns its Database. Move-only.
class Cursor {
 public:
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&& other) noexcept;
  ~Cursor();

  // The result columns in order; duplicates kept (`SELECT *` over a join), empty for statements
  // without a result. Still available after the cursor is exhausted.
  const std::vector<std::string>& columnNames() const;

  // Fills `row` (one Value per column) and returns true, or returns false when no rows are left.
  // Throws SqlError on a failure while stepping; as in workerd the cursor is then not done, and a
  // further next() returns a row of NULLs and restarts the statement (SQLite's auto-reset).
  bool next(std::vector<Value>& row);

  // workerd's cursor.one(): the only remaining row. Throws SqlError "Expected exactly one result
  // from SQL query, but got no results." or "... but got multiple results." (and then closes).
  std::vector<Value> one();

  // True when next() would return false without touching SQLite.
  bool done() const;

  // Ends the cursor early and releases its statement; next() then returns false.
  void close();

  // The rows the last statement has read and written so far, as workerd reports them in
  // cursor.rowsRead / rowsWritten (each index entry written counts as a row). workerd counts with
  // a patched SQLite; this layer estimates the same numbers from the stock library: exact for
  // table scans, rowid/primary-key/index lookups, ORDER BY, GROUP BY, count(*), INSERT, UPDATE,
  // DELETE and CREATE TABLE/INDEX; approximate for joins, IN lists, RETURNING, recursive CTEs
  // and other DDL. docs/storage.md lists the rules.
  int64_t rowsRead() const;
  int64_t rowsWritten() const;

 private:
  friend class Database;
  struct State;
  explicit Cursor(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

// One Durable Object's database.
//
// Not thread-safe: each Database belongs to the thread of its object's home isolate. Cursors and
// the Database may be destroyed in any order.
class Database {
 public:
  // Opens (creating if needed, with its parent folders) the database at `path`, in WAL mode, with
  // workerd's settings: foreign keys enforced, recursive triggers off, defensive mode, workerd's
  // limits and its authorizer for exec(). A path of ":memory:" gives a private in-memory
  // database for tests. Throws SqlError if SQLite cannot open the file, std::filesystem_error if
  // the folders cannot be made.
  static std::unique_ptr<Database> open(const std::filesystem::path& path);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const;

  // ---- ctx.storage.sql --------------------------------------------------------------------

  // `sql.exec(query, ...bindings)`. Runs every statement in `sql` in order; statements before the
  // last run to completion here and their rows are discarded; the cursor yields the last one's
  // rows. All bindings go to the last statement; an earlier statement with parameters throws
  // "When executing multiple SQL statements in a single call, only the last statement can have
  // parameters." (statements before it stay applied), and a count other than the last
  // statement's highest parameter number throws "Wrong number of parameter bindings for SQL
  // query.". Empty, blank or comment-only SQL (also after a `;`) throws "SQL code did not contain
  // a statement.". Statements a Durable Object may not run (transactions, ATTACH, most PRAGMAs,
  // tables named _cf_*, functions outside workerd's list) throw workerd's messages.
  //
  // Inside a batch (beginBatch) the first statement that writes opens the batch's transaction.
  // Statements are cached by their text, like workerd's statement cache, including its quirk:
  // running the same multi-statement text twice, where a statement before the last returned
  // rows, fails the second time with "A SQL prepared statement can only be executed once at a
  // time." (the third time works again).
  Cursor exec(std::string_view sql, std::vector<Value> bindings = {});

  // Like exec() but for host code: no authorizer (so _cf_* tables and every PRAGMA are allowed),
  // no statement cache. Transactions are still best left to the batch and savepoint calls below.
  Cursor execTrusted(std::string_view sql, std::vector<Value> bindings = {});

  // `sql.databaseSize`: bytes in use, (page_count - freelist_count) * page_size, as workerd
  // computes it. A new file database is 4096 (its first page); freed pages do not count.
  int64_t size();

  // ---- The implicit write batch (output gate) ----------------------------------------------

  // Opens a batch if none is open; a nested call joins the open one. Nothing is sent to SQLite
  // until a statement writes: that opens one transaction (BEGIN), which gathers every write until
  // commitBatch(). Outside a batch each statement commits on its own, as SQLite does.
  void beginBatch();

  // Commits the batch's writes (COMMIT), if any, and closes the batch. Call it before the
  // event's reply leaves the object. Throws SqlError if SQLite fails to commit; the batch is
  // rolled back and closed then. Calling it with a savepoint open is a caller bug.
  void commitBatch();

  // Discards the batch's writes and closes the batch. Safe to call with no batch open.
  void rollbackBatch();

  bool inBatch() const;

  // True when the open batch holds writes not yet committed.
  bool batchHasWrites() const;

  // Calls `listener` each time an open batch begins its transaction (its first write), so that
  // the owner can schedule the commit. Replaces any earlier listener; an empty one removes it.
  // The listener must not run SQL on this database.
  void setWriteListener(std::function<void()> listener);

  // ---- transactionSync() / transaction() ----------------------------------------------------

  // Opens a nested savepoint (`SAVEPOINT _cf_savepoint_<depth>`) and returns its depth (0 for
  // the outermost). Inside a batch it first opens the batch's transaction, as workerd's
  // transactionSync() does, so a released savepoint still commits with the batch. Outside a
  // batch the outermost savepoint is a transaction of its own, committed by its release.
  int beginSavepoint();

  // Releases the innermost savepoint, keeping its writes. Throws SqlError on failure.
  void releaseSavepoint();

  // Undoes the innermost savepoint's writes and releases it. As in SQLite, a cursor reading a
  // table may then fail with "abort due to ROLLBACK: SQLITE_ABORT (extended:
  // SQLITE_ABORT_ROLLBACK)".
  void rollbackSavepoint();

  int savepointDepth() const;

  // ---- The key-value API (table _cf_KV, created on first write) ---------------------------

  // Layout, shared with workerd so a database can move between the two:
  //   CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID
  // Values are the caller's bytes (the JS binding stores V8-serialized values). These calls skip
  // the authorizer and join the batch like any write.
  std::optional<std::vector<uint8_t>> kvGet(std::string_view key);
  void kvPut(std::string_view key, std::span<const uint8_t> value);

  // Returns whether the key existed.
  bool kvDelete(std::string_view key);

  // Entries in `range`, in key order (descending if range.reverse).
  std::vector<KvEntry> kvList(const KvRange& range);

  // ---- The alarm (table _cf_METADATA, row key 1, as workerd keeps it) ----------------------

  // Nanoseconds since the Unix epoch, or none when no alarm is set.
  std::optional<int64_t> getAlarm();
  void setAlarm(std::optional<int64_t> unixNanos);

  // ---- storage.getCurrentBookmark() --------------------------------------------------------

  // The next of an increasing series of bookmarks kept in _cf_METADATA (row key 2, as workerd's
  // local stand-in for point-in-time recovery), formatted as production's:
  // "00000000-00000001-00000000-00000000000000000000000000000000". A write.
  std::string nextBookmark();

  // ---- storage.deleteAll() -------------------------------------------------------------------

  // Deletes the whole database, user tables, KV and alarm included, and starts an empty one, as
  // workerd resets the file. Open cursors are canceled; an open batch loses its writes but stays
  // open. Returns the number of KV keys there were. To keep the alarm, as workerd does unless
  // delete_all_deletes_alarm is on (default from compatibility date 2026-02-24), read it first
  // and set it again afterwards.
  // Calling it with a savepoint open is a caller bug.
  int64_t deleteAll();

 private:
  friend class Cursor;
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace dohost::storage

namespace dohost::storage {

// One scheduled alarm in an AlarmIndex.
struct AlarmRecord {
  std::string className;
  std::string hex;                  // the object's ID
  std::optional<std::string> name;  // the name the ID was made from, when known
  int64_t time = 0;                 // nanoseconds since the Unix epoch

  friend bool operator==(const AlarmRecord&, const AlarmRecord&) = default;
};

// The alarms of one Worker's objects, kept beside their databases so that they can be scheduled
// at startup without opening every object. An object's own database (Database::getAlarm()) is
// the truth; the index may name an alarm that a crash or a rollback kept from being committed
// there, and whoever fires it checks the object first.
//
// Not thread-safe; each index belongs to one loop thread.
class AlarmIndex {
 public:
  // Opens (creating if needed, with its parent folders) the index at `path`; ":memory:" keeps it
  // in memory. Throws SqlError when SQLite cannot open it.
  static std::unique_ptr<AlarmIndex> open(const std::filesystem::path& path);

  ~AlarmIndex();
  AlarmIndex(const AlarmIndex&) = delete;
  AlarmIndex& operator=(const AlarmIndex&) = delete;

  // Adds or replaces the alarm of (record.className, record.hex). Throws SqlError.
  void set(const AlarmRecord& record);

  // Forgets the alarm of an object, if any. Throws SqlError.
  void remove(std::string_view className, std::string_view hex);

  // Every alarm, earliest first.
  std::vector<AlarmRecord> all();

  // For migrations: a class's alarms follow its new name, or go with the class.
  void renameClass(std::string_view from, std::string_view to);
  void removeClass(std::string_view className);

 private:
  struct Impl;
  explicit AlarmIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dohost::storage
