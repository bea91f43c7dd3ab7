// The SQLite authorizer: what a Durable Object's own SQL may do (workerd's rules in
// src/workerd/util/sqlite.c++, isAuthorized()), plus the facts about each statement that the
// rows-read/written estimate needs.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace dohost::storage {

// The message workerd throws for BEGIN, COMMIT, ROLLBACK, END, SAVEPOINT and RELEASE.
extern const char kTransactionMessage[];

enum class AuthMode {
  kDeny,     // no statement of ours is being prepared or stepped: refuse everything
  kUser,     // the Worker's own SQL, through Database::exec()
  kTrusted,  // host SQL: everything is allowed
};

// What the authorizer saw while one statement was prepared. Only top-level actions on the main
// database count (not those of trigger bodies). Table names are lower-cased.
struct StatementFacts {
  // Tables the statement reads or updates, so each is scanned or searched at least once.
  std::set<std::string> tablesScanned;

  // The first INSERT, UPDATE or DELETE target that is not an sqlite_* table.
  enum class Dml { kNone, kInsert, kUpdate, kDelete } dml = Dml::kNone;
  std::string dmlTable;
  std::set<std::string> updatedColumns;  // lower-cased; for kUpdate

  // A CREATE TABLE/VIEW/INDEX/TRIGGER (its SQLite action code) and the table it is on.
  int create = 0;
  std::string createdOn;

  bool changesSchema = false;  // any CREATE, DROP or ALTER
  bool altersTable = false;
  bool callsCount = false;  // count() appears, so the count(*) shortcut may be in use

  // A DROP TABLE (the table, lower-cased) or DROP INDEX: the b-trees it destroys are read.
  std::string droppedTable;
  bool dropsIndex = false;
};

// The authorizer's state, owned by the database; sqlite3_set_authorizer() gets a pointer to it.
struct AuthContext {
  AuthMode mode = AuthMode::kDeny;
  StatementFacts* facts = nullptr;        // set while a statement is being prepared
  std::optional<std::string> deniedWith;  // a message better than "not authorized"
};

// The sqlite3_set_authorizer() callback; `userData` is an AuthContext.
int authorize(void* userData,
              int action,
              const char* param1,
              const char* param2,
              const char* dbName,
              const char* triggerName);

// False for names a Worker may not touch: those starting with _cf_, in any case.
bool isAllowedName(std::string_view name);

// True if `statementSql` is an ALTER TABLE ... RENAME TO whose new name is reserved. The system
// SQLite does not pass the new name to the authorizer (workerd patches it to), so the statement
// text is checked instead.
bool renamesToReservedName(std::string_view statementSql);

}  // namespace dohost::storage
