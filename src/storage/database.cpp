// Database and Cursor: opening with workerd's settings, exec() with its statement cache, the
// lazily-begun write batch, savepoints, databaseSize and deleteAll(). The key-value table and
// the alarm are in kv.cpp.
#include <cstring>
#include <system_error>
#include <utility>

#include "dohost/assert.h"
#include "dohost/log.h"
#include "dohost/storage.h"

#include "database_impl.h"
#include "sqlite_error.h"

namespace dohost::storage {
namespace {

constexpr char kNoStatement[] = "SQL code did not contain a statement.";
constexpr char kOnlyLastHasParameters[] =
    "When executing multiple SQL statements in a single call, only the last statement can have "
    "parameters.";
constexpr char kWrongBindingCount[] = "Wrong number of parameter bindings for SQL query.";
constexpr char kStatementBusy[] = "A SQL prepared statement can only be executed once at a time.";
constexpr char kCanceled[] = "SQLite query was canceled because the database was deleted.";
constexpr char kNoResults[] = "Expected exactly one result from SQL query, but got no results.";
constexpr char kManyResults[] =
    "Expected exactly one result from SQL query, but got multiple results.";
constexpr char kCriticalError[] = "Cannot commit transaction due to an earlier SQL critical error";

// workerd drops least recently used statements once their SQL adds up to more than this.
constexpr size_t kMaxCachedSqlBytes = 1024 * 1024;

// The limits workerd puts on a Durable Object's SQL (workerd setupSecurity(), after
// sqlite.org/security.html). The value size is what workerd 2026-11-23 accepts: TEXT and BLOB
// values of up to 8388642 bytes; one byte more is "string or blob too big: SQLITE_TOOBIG".
constexpr int kMaxValueBytes = 8388642;
constexpr std::pair<int, int> kLimits[] = {
    {SQLITE_LIMIT_LENGTH, kMaxValueBytes},
    {SQLITE_LIMIT_SQL_LENGTH, 100000},
    {SQLITE_LIMIT_COLUMN, 100},
    {SQLITE_LIMIT_EXPR_DEPTH, 100},
    {SQLITE_LIMIT_COMPOUND_SELECT, 5},
    {SQLITE_LIMIT_VDBE_OP, 25000},
    {SQLITE_LIMIT_FUNCTION_ARG, 127},
    {SQLITE_LIMIT_ATTACHED, 0},
    {SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50},
    {SQLITE_LIMIT_VARIABLE_NUMBER, 100},
    {SQLITE_LIMIT_TRIGGER_DEPTH, 10},
    {SQLITE_LIMIT_WORKER_THREADS, 0},
};

// An empty BLOB still needs a non-null pointer, or SQLite binds NULL instead.
const uint8_t kEmptyBytes[1] = {0};

bool isSqlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Finalizes a statement unless released; for the error paths of prepare().
class StatementGuard {
 public:
  explicit StatementGuard(sqlite3_stmt* statement) : statement_(statement) {}
  ~StatementGuard() {
    sqlite3_finalize(statement_);
  }
  sqlite3_stmt* release() {
    return std::exchange(statement_, nullptr);
  }

 private:
  sqlite3_stmt* statement_;
};

int bindValue(sqlite3_stmt* statement, int index, const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return sqlite3_bind_null(statement, index);
  if (auto* integer = std::get_if<int64_t>(&value)) {
    return sqlite3_bind_int64(statement, index, *integer);
  }
  if (auto* real = std::get_if<double>(&value)) return sqlite3_bind_double(statement, index, *real);
  if (auto* text = std::get_if<std::string>(&value)) {
    // The cursor keeps its bindings alive until the statement is reset, so no copy is needed.
    return sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_STATIC,
                               SQLITE_UTF8);
  }
  const auto& bytes = std::get<Blob>(value).bytes;
  const void* data = bytes.empty() ? kEmptyBytes : bytes.data();
  return sqlite3_bind_blob64(statement, index, data, bytes.size(), SQLITE_STATIC);
}

Value columnValue(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(statement, column);
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement, column);
    case SQLITE_TEXT: {
      auto text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return std::string(text ? text : "", sqlite3_column_bytes(statement, column));
    }
    case SQLITE_BLOB: {
      auto data = static_cast<const uint8_t*>(sqlite3_column_blob(statement, column));
      int size = sqlite3_column_bytes(statement, column);
      return Blob{std::vector<uint8_t>(data, data + (data ? size : 0))};
    }
    default:
      return std::monostate{};
  }
}

}  // namespace

// ==============================================================================================
// SqlError

SqlError::SqlError(const std::string& message, int code, int extendedCode)
    : std::runtime_error(message), code_(code), extendedCode_(extendedCode) {}

// ==============================================================================================
// CachedStatement

CachedStatement::~CachedStatement() {
  finalize();
}

void CachedStatement::finalize() {
  for (sqlite3_stmt* statement : prelude) sqlite3_finalize(statement);
  prelude.clear();
  sqlite3_finalize(main.handle);
  main.handle = nullptr;
  parsed = false;
}

// ==============================================================================================
// Cursor::State

Cursor::State::State(Database::Impl* owner, AuthMode mode) : owner(owner), mode(mode) {
  // Linked in front of the owner's live cursors.
  next = owner->liveCursors;
  if (next) next->previous = this;
  owner->liveCursors = this;
}

Cursor::State::~State() {
  release();
  if (owner) unlink();
}

void Cursor::State::step() {
  sqlite3* db = owner->db;
  auto query = [this](const std::string& sql, const std::string& argument) {
    return owner->queryInt(sql, argument);
  };

  counter.beforeStep(db);
  int result;
  {
    AuthScope scope(owner->auth, mode);
    result = sqlite3_step(statement);
  }
  counter.afterStep(db, statement, result);

  if (result == SQLITE_ROW) return;
  if (result == SQLITE_DONE) {
    done = true;
    counter.finish(query);
    return;
  }
  throw databaseError(result, db);
}

void Cursor::State::release() {
  if (statement == nullptr) return;
  if (cached) {
    // Back into the cache, ready for the next exec() of the same SQL.
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    cached.reset();
  } else {
    sqlite3_finalize(statement);
  }
  statement = nullptr;
}

void Cursor::State::unlink() {
  if (previous) {
    previous->next = next;
  } else if (owner->liveCursors == this) {
    owner->liveCursors = next;
  }
  if (next) next->previous = previous;
  previous = next = nullptr;
}

void Cursor::State::cancel() {
  release();
  unlink();
  if (!done) canceled = true;
  owner = nullptr;
}

// ==============================================================================================
// Cursor

Cursor::Cursor(std::unique_ptr<State> state) : state_(std::move(state)) {}
Cursor::Cursor(Cursor&& other) noexcept = default;
Cursor& Cursor::operator=(Cursor&& other) noexcept = default;
Cursor::~Cursor() = default;

const std::vector<std::string>& Cursor::columnNames() const {
  static const std::vector<std::string> kNone;
  return state_ && state_->columns ? *state_->columns : kNone;
}

bool Cursor::next(std::vector<Value>& row) {
  if (!state_) return false;
  State& state = *state_;
  if (state.buffered) {
    if (state.nextRow >= state.rows.size()) return false;
    row = std::move(state.rows[state.nextRow++]);
    if (state.heldBack > 0) --state.heldBack;
    return true;
  }
  if (state.done) {
    state.release();
    return false;
  }
  if (state.canceled) throw SqlError(kCanceled);

  // Hand out the row in hand, then step ahead so the end is seen as soon as the last row is
  // taken and the statement goes back to the cache early (workerd does the same).
  int columns = sqlite3_column_count(state.statement);
  row.clear();
  row.reserve(columns);
  for (int i = 0; i < columns; ++i) row.push_back(columnValue(state.statement, i));

  state.step();
  if (state.done) state.release();
  return true;
}

std::vector<Value> Cursor::one() {
  std::vector<Value> row;
  if (!next(row)) throw SqlError(kNoResults);
  if (!done()) {
    close();
    throw SqlError(kManyResults);
  }
  return row;
}

bool Cursor::done() const {
  if (state_ && state_->buffered) return state_->nextRow >= state_->rows.size();
  return !state_ || state_->done || state_->statement == nullptr;
}

void Cursor::close() {
  if (!state_) return;
  state_->release();
  state_->done = true;
  state_->rows.clear();
  state_->heldBack = 0;
}

int64_t Cursor::rowsRead() const {
  return state_ ? state_->counter.rowsRead() - state_->heldBack : 0;
}
int64_t Cursor::rowsWritten() const {
  return state_ ? state_->counter.rowsWritten() : 0;
}

// ==============================================================================================
// Database::Impl: connection

Database::Impl::~Impl() {
  disconnect();
}

void Database::Impl::connect() {
  if (!inMemory && path.has_parent_path()) std::filesystem::create_directories(path.parent_path());

  int result =
      // NOMUTEX: a connection is only ever used by its object's thread, so SQLite's own
      // locking of each call would be pure cost.
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (result != SQLITE_OK) {
    std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(result);
    sqlite3_close_v2(db);
    db = nullptr;
    throw SqlError("storage: cannot open " + path.string() + ": " + reason, result);
  }

  // sqlite.org/security.html, as workerd applies it.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  for (auto [limit, value] : kLimits) sqlite3_limit(db, limit, value);
  sqlite3_set_authorizer(db, authorize, &auth);

  // workerd's SQLite is built with foreign keys on; Debian's with recursive triggers on.
  runHost("PRAGMA foreign_keys = ON");
  runHost("PRAGMA recursive_triggers = OFF");
  // Writing the WAL header also gives a new file its first page: databaseSize 4096.
  if (!inMemory) runHost("PRAGMA journal_mode = WAL");
  // In WAL mode NORMAL keeps every committed transaction across a crash of the process (the WAL
  // is written before COMMIT returns); only a crash of the machine may lose the last ones. It
  // spares an fsync per commit.
  runHost("PRAGMA synchronous = NORMAL");
}

void Database::Impl::disconnect() {
  for (Cursor::State* cursor : [this] {
         std::vector<Cursor::State*> all;
         for (auto* cursor = liveCursors; cursor; cursor = cursor->next) all.push_back(cursor);
         return all;
       }()) {
    cursor->cancel();
  }
  liveCursors = nullptr;

  for (auto& [sql, entry] : cache) entry->finalize();
  cache.clear();
  lru.clear();
  cacheBytes = 0;

  for (auto& [sql, statement] : hostStatements) sqlite3_finalize(statement);
  hostStatements.clear();
  shapes.clear();
  forgetTables();

  // close_v2 so that a statement finalized late (an evicted cache entry) is still safe.
  sqlite3_close_v2(db);
  db = nullptr;
  batchTransaction = false;
  savepoints = 0;
}

// ==============================================================================================
// Database::Impl: running SQL

Statement Database::Impl::prepare(const std::string& sql,
                                  AuthMode mode,
                                  std::vector<sqlite3_stmt*>* prelude) {
  const char* rest = sql.c_str();
  const char* end = rest + sql.size();
  size_t preludeStart = prelude ? prelude->size() : 0;

  try {
    for (;;) {
      // Compile the next statement, with the authorizer noting what it does.
      StatementFacts facts;
      sqlite3_stmt* handle = nullptr;
      const char* tail = nullptr;
      int result;
      {
        AuthScope scope(auth, mode, &facts);
        auth.deniedWith.reset();
        result = sqlite3_prepare_v3(db, rest, static_cast<int>(end - rest),
                                    prelude ? SQLITE_PREPARE_PERSISTENT : 0, &handle, &tail);
      }
      StatementGuard guard(handle);
      if (result == SQLITE_AUTH && auth.deniedWith) throw SqlError(*auth.deniedWith, result);
      if (result != SQLITE_OK) throw databaseError(result, db);
      if (handle == nullptr) throw SqlError(kNoStatement);
      if (mode == AuthMode::kUser && facts.altersTable &&
          renamesToReservedName(sqlite3_sql(handle))) {
        throw SqlError("not authorized: SQLITE_AUTH", SQLITE_AUTH);
      }

      // The last statement is returned unstarted; only whitespace may follow it.
      while (tail < end && isSqlSpace(*tail)) ++tail;
      if (tail == end) {
        Statement statement;
        {
          AuthScope scope(auth, AuthMode::kTrusted);
          statement.plan = planCounts(
              db, handle, facts,
              [this](const std::string& table) -> const TableShape& { return shapeOf(table); });
        }
        if (facts.changesSchema) shapes.clear();
        statement.handle = guard.release();
        return statement;
      }

      // An earlier statement runs now, before the next one can even be compiled (it may use a
      // table this one creates). Its rows are dropped.
      if (sqlite3_bind_parameter_count(handle) != 0) throw SqlError(kOnlyLastHasParameters);
      if (!sqlite3_stmt_readonly(handle)) noteWrite();
      {
        AuthScope scope(auth, mode);
        result = sqlite3_step(handle);
      }
      if (result != SQLITE_ROW && result != SQLITE_DONE) throw databaseError(result, db);
      if (facts.changesSchema) shapes.clear();

      // Kept as it is: one that returned a row is still mid-statement, as in workerd, whose
      // next run of this SQL then fails with kStatementBusy.
      if (prelude) prelude->push_back(guard.release());
      rest = tail;
    }
  } catch (...) {
    // The statements run so far will run again when this SQL is parsed next time.
    if (prelude) {
      for (size_t i = preludeStart; i < prelude->size(); ++i) sqlite3_finalize((*prelude)[i]);
      prelude->resize(preludeStart);
    }
    throw;
  }
}

void Database::Impl::runPrelude(CachedStatement& entry) {
  for (sqlite3_stmt* statement : entry.prelude) {
    if (sqlite3_stmt_busy(statement)) {
      sqlite3_reset(statement);
      throw SqlError(kStatementBusy);
    }
    if (!sqlite3_stmt_readonly(statement)) noteWrite();

    int result;
    {
      AuthScope scope(auth, AuthMode::kUser);
      result = sqlite3_step(statement);
    }
    if (result != SQLITE_ROW && result != SQLITE_DONE) {
      SqlError error = databaseError(result, db);
      sqlite3_reset(statement);
      throw error;
    }
    sqlite3_reset(statement);
  }
  // A prelude statement may have changed the schema.
  if (!entry.prelude.empty()) shapes.clear();
}

Cursor Database::Impl::start(Statement statement,
                             std::shared_ptr<CachedStatement> cached,
                             std::vector<Value> bindings,
                             AuthMode mode) {
  // From here on the cursor state owns the statement: any throw below releases it.
  auto state = std::make_unique<Cursor::State>(this, mode);
  state->cached = std::move(cached);
  state->statement = statement.handle;
  state->plan = statement.plan;
  state->bindings = std::move(bindings);
  sqlite3_stmt* handle = statement.handle;

  if (sqlite3_stmt_busy(handle)) throw SqlError(kStatementBusy);
  if (static_cast<int>(state->bindings.size()) != sqlite3_bind_parameter_count(handle)) {
    throw SqlError(kWrongBindingCount);
  }
  if (!sqlite3_stmt_readonly(handle)) noteWrite();

  for (size_t i = 0; i < state->bindings.size(); ++i) {
    int result = bindValue(handle, static_cast<int>(i) + 1, state->bindings[i]);
    if (result != SQLITE_OK) throw databaseError(result, db);
  }
  state->counter.begin(db, handle, state->plan,
                       [this](const std::string& sql, const std::string& argument) {
                         return queryInt(sql, argument);
                       });
  state->step();

  // The column names, read after the first step (a statement recompiled for a schema change
  // may have new ones) and kept with the cached statement until it is recompiled again.
  int recompiled = sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0);
  Statement* kept = state->cached ? &state->cached->main : nullptr;
  if (kept && kept->columns && kept->columnsRecompiled == recompiled) {
    state->columns = kept->columns;
  } else {
    auto names = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < sqlite3_column_count(handle); ++i) {
      names->emplace_back(sqlite3_column_name(handle, i));
    }
    state->columns = names;
    if (kept) {
      kept->columns = names;
      kept->columnsRecompiled = recompiled;
    }
  }

  if (!state->done && !sqlite3_stmt_readonly(handle)) {
    int columns = sqlite3_column_count(handle);
    while (!state->done) {
      std::vector<Value> row;
      row.reserve(columns);
      for (int i = 0; i < columns; ++i) row.push_back(columnValue(handle, i));
      state->rows.push_back(std::move(row));
      state->step();
    }
    state->release();
    state->buffered = true;
    state->heldBack = static_cast<int64_t>(state->rows.size()) - 1;
  }
  return Cursor(std::move(state));
}

Cursor Database::Impl::execUser(std::string_view sql, std::vector<Value> bindings) {
  std::string text(sql);

  // Find or add the cache entry and mark it most recently used.
  auto found = cache.find(text);
  if (found == cache.end()) {
    auto entry = std::make_shared<CachedStatement>(text);
    entry->lruPosition = lru.insert(lru.end(), entry.get());
    cacheBytes += text.size();
    found = cache.emplace(text, std::move(entry)).first;
  } else {
    lru.splice(lru.end(), lru, found->second->lruPosition);
  }

  // SQLite runs one instance of a statement at a time: while a cursor still holds this one,
  // compile the SQL again for this call alone.
  if (found->second.use_count() > 1) return execOneOff(text, std::move(bindings), AuthMode::kUser);

  std::shared_ptr<CachedStatement> entry = found->second;
  if (!entry->parsed) {
    entry->main = prepare(text, AuthMode::kUser, &entry->prelude);
    entry->parsed = true;
  } else {
    runPrelude(*entry);
  }
  Cursor cursor = start(entry->main, entry, std::move(bindings), AuthMode::kUser);
  evictStatements();
  return cursor;
}

Cursor Database::Impl::execOneOff(const std::string& sql,
                                  std::vector<Value> bindings,
                                  AuthMode mode) {
  Statement statement = prepare(sql, mode, nullptr);
  return start(statement, nullptr, std::move(bindings), mode);
}

void Database::Impl::evictStatements() {
  while (cacheBytes > kMaxCachedSqlBytes && !lru.empty()) {
    // A cursor may still hold the entry; it is finalized when that cursor lets go.
    std::string sql = lru.front()->sql;
    lru.pop_front();
    cacheBytes -= sql.size();
    cache.erase(sql);
  }
}

void Database::Impl::noteWrite() {
  // Only a batch's first write begins its transaction, so a read-only event commits nothing.
  // An outer savepoint opened outside the batch is already a transaction.
  if (!batchOpen || batchTransaction || !sqlite3_get_autocommit(db)) return;
  runHost("BEGIN");
  batchTransaction = true;
  if (writeListener) writeListener();
}

void Database::Impl::forgetTables() {
  kvTable.reset();
  metadataTable.reset();
}

// ==============================================================================================
// Database::Impl: host SQL

sqlite3_stmt* Database::Impl::hostStatement(const std::string& sql) {
  auto found = hostStatements.find(sql);
  if (found != hostStatements.end()) return found->second;

  sqlite3_stmt* statement = nullptr;
  int result;
  {
    AuthScope scope(auth, AuthMode::kTrusted);
    result = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  }
  if (result != SQLITE_OK) {
    sqlite3_finalize(statement);
    throw databaseError(result, db);
  }
  hostStatements.emplace(sql, statement);
  return statement;
}

void Database::Impl::runHost(const std::string& sql) {
  runKept(sql, [](sqlite3_stmt*) {});
}

void Database::Impl::runKept(const std::string& sql,
                             const std::function<void(sqlite3_stmt*)>& bind,
                             const std::function<void(sqlite3_stmt*)>& onRow) {
  sqlite3_stmt* statement = hostStatement(sql);
  if (!sqlite3_stmt_readonly(statement)) noteWrite();

  // Leave the kept statement reset and unbound whatever happens.
  struct Reset {
    sqlite3_stmt* statement;
    ~Reset() {
      sqlite3_reset(statement);
      sqlite3_clear_bindings(statement);
    }
  } reset{statement};

  bind(statement);
  int result;
  {
    AuthScope scope(auth, AuthMode::kTrusted);
    while ((result = sqlite3_step(statement)) == SQLITE_ROW) {
      if (onRow) onRow(statement);
    }
  }
  if (result != SQLITE_DONE) throw databaseError(result, db);
}

int64_t Database::Impl::queryInt(const std::string& sql, const std::string& argument) {
  AuthScope scope(auth, AuthMode::kTrusted);
  sqlite3_stmt* statement = nullptr;
  int result =
      sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &statement, nullptr);
  StatementGuard guard(statement);
  if (result != SQLITE_OK) throw databaseError(result, db);
  if (sqlite3_bind_parameter_count(statement) > 0) {
    sqlite3_bind_text(statement, 1, argument.data(), static_cast<int>(argument.size()),
                      SQLITE_STATIC);
  }
  result = sqlite3_step(statement);
  if (result == SQLITE_ROW) return sqlite3_column_int64(statement, 0);
  if (result == SQLITE_DONE) return 0;
  throw databaseError(result, db);
}

bool Database::Impl::tableExists(const char* name) {
  sqlite3_stmt* statement =
      hostStatement("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
  sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
  bool exists;
  {
    AuthScope scope(auth, AuthMode::kTrusted);
    exists = sqlite3_step(statement) == SQLITE_ROW;
  }
  sqlite3_reset(statement);
  return exists;
}

const TableShape& Database::Impl::shapeOf(const std::string& table) {
  auto found = shapes.find(table);
  if (found == shapes.end()) found = shapes.emplace(table, readTableShape(db, table)).first;
  return found->second;
}

// ==============================================================================================
// Database

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

std::unique_ptr<Database> Database::open(const std::filesystem::path& path) {
  setUpSqlite();
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->inMemory = path == ":memory:";
  impl->connect();
  log::debug("storage", "open path=" + path.string());
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

const std::filesystem::path& Database::path() const {
  return impl_->path;
}

Cursor Database::exec(std::string_view sql, std::vector<Value> bindings) {
  return impl_->execUser(sql, std::move(bindings));
}

Cursor Database::execTrusted(std::string_view sql, std::vector<Value> bindings) {
  return impl_->execOneOff(std::string(sql), std::move(bindings), AuthMode::kTrusted);
}

int64_t Database::size() {
  // As workerd's getDatabaseSize(): pages in use, freed pages left out.
  int64_t pages = impl_->queryInt(
      "SELECT (SELECT * FROM pragma_page_count) - (SELECT * FROM pragma_freelist_count)", "");
  return pages * impl_->queryInt("PRAGMA page_size", "");
}

void Database::beginBatch() {
  impl_->batchOpen = true;
}

void Database::commitBatch() {
  DOHOST_REQUIRE(impl_->savepoints == 0, "commitBatch() with a savepoint open");
  bool hasTransaction = impl_->batchTransaction;
  impl_->batchOpen = false;
  impl_->batchTransaction = false;
  if (!hasTransaction) return;

  // SQLite rolls a transaction back by itself after a disk-full or I/O error; there is then
  // nothing to commit and the batch's writes are gone.
  if (sqlite3_get_autocommit(impl_->db)) throw SqlError(kCriticalError);
  try {
    impl_->runHost("COMMIT");
  } catch (const SqlError&) {
    if (!sqlite3_get_autocommit(impl_->db)) {
      sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    impl_->forgetTables();
    impl_->shapes.clear();
    throw;
  }
}

void Database::rollbackBatch() {
  bool hasTransaction = impl_->batchTransaction;
  impl_->batchOpen = false;
  impl_->batchTransaction = false;
  if (hasTransaction && !sqlite3_get_autocommit(impl_->db)) {
    impl_->savepoints = 0;
    impl_->runHost("ROLLBACK");
    impl_->forgetTables();
    impl_->shapes.clear();
  }
}

void Database::setWriteListener(std::function<void()> listener) {
  impl_->writeListener = std::move(listener);
}

bool Database::inBatch() const {
  return impl_->batchOpen;
}

bool Database::batchHasWrites() const {
  return impl_->batchTransaction;
}

int Database::beginSavepoint() {
  impl_->noteWrite();
  int depth = impl_->savepoints;
  impl_->runHost("SAVEPOINT _cf_savepoint_" + std::to_string(depth));
  impl_->savepoints = depth + 1;
  return depth;
}

void Database::releaseSavepoint() {
  DOHOST_REQUIRE(impl_->savepoints > 0, "releaseSavepoint() without a savepoint");
  int depth = impl_->savepoints - 1;
  impl_->runHost("RELEASE _cf_savepoint_" + std::to_string(depth));
  impl_->savepoints = depth;
}

void Database::rollbackSavepoint() {
  DOHOST_REQUIRE(impl_->savepoints > 0, "rollbackSavepoint() without a savepoint");
  std::string name = "_cf_savepoint_" + std::to_string(impl_->savepoints - 1);
  impl_->runHost("ROLLBACK TO " + name);
  impl_->runHost("RELEASE " + name);
  impl_->savepoints -= 1;
  // A rolled-back CREATE or DROP leaves cached table shapes stale.
  impl_->shapes.clear();
  impl_->forgetTables();
}

int Database::savepointDepth() const {
  return impl_->savepoints;
}

int64_t Database::deleteAll() {
  DOHOST_REQUIRE(impl_->savepoints == 0, "deleteAll() with a savepoint open");
  int64_t keys =
      impl_->tableExists("_cf_KV") ? impl_->queryInt("SELECT count(*) FROM _cf_KV", "") : 0;

  // Like workerd, start from an empty file rather than dropping objects one by one.
  bool batchOpen = impl_->batchOpen;
  impl_->disconnect();
  impl_->batchOpen = false;
  if (!impl_->inMemory) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(impl_->path.string() + suffix, ignored);
    }
  }
  impl_->connect();
  impl_->batchOpen = batchOpen;
  return keys;
}

}  // namespace dohost::storage
