// The inside of Database and Cursor, shared by database.cpp (SQL, batches, savepoints) and
// kv.cpp (the key-value table and the alarm).
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <sqlite3.h>

#include "dohost/storage.h"

#include "authorizer.h"
#include "row_counts.h"

namespace dohost::storage {

// A compiled statement and what the estimate needs to know about it.
struct Statement {
  sqlite3_stmt* handle = nullptr;
  CountPlan plan;
  // The result columns, read once per compiled statement and shared by its cursors.
  std::shared_ptr<const std::vector<std::string>> columns;
  int columnsRecompiled = -1;  // SQLITE_STMTSTATUS_REPREPARE when `columns` was read
};

// A Worker's SQL text in the statement cache. As in workerd, the statements before the last one
// are kept after their first run (`prelude`) and run again, in order, before each later run.
struct CachedStatement {
  explicit CachedStatement(std::string text) : sql(std::move(text)) {}
  ~CachedStatement();
  void finalize();

  std::string sql;
  bool parsed = false;
  std::vector<sqlite3_stmt*> prelude;
  Statement main;
  std::list<CachedStatement*>::iterator lruPosition;
};

// Sets the authorizer's mode for a scope and puts the previous one back.
class AuthScope {
 public:
  AuthScope(AuthContext& context, AuthMode mode, StatementFacts* facts = nullptr)
      : context_(context), mode_(context.mode), facts_(context.facts) {
    context_.mode = mode;
    context_.facts = facts;
  }
  ~AuthScope() {
    context_.mode = mode_;
    context_.facts = facts_;
  }
  AuthScope(const AuthScope&) = delete;
  AuthScope& operator=(const AuthScope&) = delete;

 private:
  AuthContext& context_;
  AuthMode mode_;
  StatementFacts* facts_;
};

struct Database::Impl {
  ~Impl();

  // Opens the connection at `path` with workerd's settings. Throws SqlError.
  void connect();
  // Cancels cursors, drops cached statements and closes the connection.
  void disconnect();

  // ---- Running SQL ----
  Cursor execUser(std::string_view sql, std::vector<Value> bindings);
  Cursor execOneOff(const std::string& sql, std::vector<Value> bindings, AuthMode mode);
  // Compiles `sql`; statements before the last run at once (kept in `prelude` if given).
  Statement prepare(const std::string& sql, AuthMode mode, std::vector<sqlite3_stmt*>* prelude);
  void runPrelude(CachedStatement& entry);
  Cursor start(Statement statement,
               std::shared_ptr<CachedStatement> cached,
               std::vector<Value> bindings,
               AuthMode mode);
  void evictStatements();

  // Before a statement that writes: opens the batch's transaction if one is due.
  void noteWrite();

  // Host SQL, prepared once and kept (BEGIN, COMMIT, KV statements...). Runs with the
  // authorizer in trusted mode; throws SqlError.
  sqlite3_stmt* hostStatement(const std::string& sql);
  void runHost(const std::string& sql);
  // Runs a kept host statement: `bind` fills its parameters, `onRow` sees each row. Statements
  // that write join the batch. Throws SqlError.
  void runKept(const std::string& sql,
               const std::function<void(sqlite3_stmt*)>& bind,
               const std::function<void(sqlite3_stmt*)>& onRow = nullptr);
  int64_t queryInt(const std::string& sql, const std::string& argument);
  bool tableExists(const char* name);
  bool hasKvTable();
  bool hasMetadataTable();

  const TableShape& shapeOf(const std::string& table);

  std::filesystem::path path;
  bool inMemory = false;
  sqlite3* db = nullptr;
  AuthContext auth;

  std::unordered_map<std::string, std::shared_ptr<CachedStatement>> cache;
  std::list<CachedStatement*> lru;  // least recently used first
  size_t cacheBytes = 0;

  std::unordered_map<std::string, sqlite3_stmt*> hostStatements;
  std::map<std::string, TableShape> shapes;
  Cursor::State* liveCursors = nullptr;  // the first of a list linked through State::next

  // Whether _cf_KV and _cf_METADATA exist, once known; forgotten when a rollback may have
  // undone their creation and when the database is reset.
  std::optional<bool> kvTable;
  std::optional<bool> metadataTable;
  void forgetTables();

  std::function<void()> writeListener;
  bool batchOpen = false;
  bool batchTransaction = false;  // BEGIN has run for the open batch
  int savepoints = 0;
};

struct Cursor::State {
  State(Database::Impl* owner, AuthMode mode);
  ~State();

  // Steps once; on SQLITE_DONE marks the cursor done. Throws SqlError on failure.
  void step();
  // Gives the statement back (reset into the cache, or finalized).
  void release();
  // The database is going away or being reset.
  void cancel();
  // Takes it off the owner's list of live cursors.
  void unlink();

  Database::Impl* owner;
  AuthMode mode;
  std::shared_ptr<CachedStatement> cached;
  sqlite3_stmt* statement = nullptr;
  CountPlan plan;
  RowCounter counter;
  std::vector<Value> bindings;
  std::shared_ptr<const std::vector<std::string>> columns;
  bool done = false;
  bool canceled = false;

  // A write with RETURNING has done all its work at the first step (SQLite buffers the rows):
  // its rows are taken then, so that the counts are whole from the start, as workerd's are.
  // Each row read from SQLite's buffer counts when handed out, hence `heldBack`.
  bool buffered = false;
  std::vector<std::vector<Value>> rows;
  size_t nextRow = 0;
  int64_t heldBack = 0;

  State* previous = nullptr;  // the owner's live cursors, linked without allocating
  State* next = nullptr;
};

}  // namespace dohost::storage
