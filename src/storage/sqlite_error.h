// Turns SQLite failures into the SqlError messages workerd gives: SQLite's text, the byte offset
// of a parse error, the primary code's name and, when it adds something, the extended code's.
#pragma once

#include <optional>
#include <string>

#include <sqlite3.h>

#include "dohost/storage.h"

namespace dohost::storage {

// "SQLITE_ERROR" for SQLITE_ERROR, "SQLITE_UNKNOWN_ERROR_CODE(n)" for a code SQLite lacks.
std::string errorCodeName(int code);

// "SQLITE_CONSTRAINT_UNIQUE" and the like, or nullopt for a code workerd does not name.
std::optional<std::string> extendedErrorCodeName(int extendedCode);

// Process-wide SQLite settings, made once before the first connection: no memory statistics
// (they take a global mutex on every allocation). Thread-safe.
void setUpSqlite();

// The error for `code`, just returned by a call on `db`:
// `<sqlite3_errmsg>[ at offset N]: <name>[ (extended: <extended name>)]`.
SqlError databaseError(int code, sqlite3* db);

}  // namespace dohost::storage
