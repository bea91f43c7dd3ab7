// Estimates cursor.rowsRead and cursor.rowsWritten as workerd reports them. workerd counts with
// a patch to SQLite's bytecode engine (patches/sqlite/0001-row-counts-plain.patch: each cursor
// positioning on a b-tree row is a read, each b-tree entry inserted or deleted a write, so index
// entries count too). The stock library has no such counters, so this rebuilds the numbers from
// what it does offer: its statement counters, sqlite3_total_changes64(), the authorizer's view
// of the statement and the schema. docs/storage.md lists where the estimate is exact.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "authorizer.h"

namespace dohost::storage {

// The parts of a table's schema that decide how many index entries a write touches.
struct TableShape {
  struct Index {
    std::set<std::string> columns;  // every column the entry holds, lower-cased
    bool holdsRowid = false;        // rowid tables keep the rowid in each index entry
    bool hasExpression = false;
  };
  bool withoutRowid = false;
  std::set<std::string> rowidNames;  // rowid, oid, _rowid_ and an INTEGER PRIMARY KEY column
  std::vector<Index> indexes;  // secondary indexes (a WITHOUT ROWID table's own b-tree excluded)
  bool autoincrement = false;  // keeps its counter in sqlite_sequence
};

// Runs a host query returning one integer (0 when it returns no row); the database supplies it
// so that the queries run with the authorizer in trusted mode.
using IntQuery = std::function<int64_t(const std::string& sql, const std::string& argument)>;

// Reads a table's shape from the schema.
TableShape readTableShape(sqlite3* db, const std::string& table);

// What is known about a statement before it runs; worked out once per prepared statement.
struct CountPlan {
  int64_t tablesScanned = 0;      // each scanned table is started once: one read
  int64_t btreesDropped = 0;      // DROP TABLE / INDEX: one read per b-tree destroyed
  int64_t indexWritesPerRow = 0;  // index entries written with each changed row
  bool countShortcut = false;     // `SELECT count(*) FROM t`: reads are the count itself
  int create = 0;                 // SQLITE_CREATE_TABLE / _VIEW / _INDEX / _TRIGGER, or 0
  std::string createdOn;
  bool bumpsSequence = false;  // an INSERT into an AUTOINCREMENT table: its sqlite_sequence
                               // row is read once and written once
};

// `shapeOf` gives the (cached) shape of a table by lower-cased name.
CountPlan planCounts(sqlite3* db,
                     sqlite3_stmt* statement,
                     const StatementFacts& facts,
                     const std::function<const TableShape&(const std::string&)>& shapeOf);

// The running counts of one execution of a statement.
class RowCounter {
 public:
  // Call before the first step: zeroes the statement's counters and notes the schema state.
  void begin(sqlite3* db, sqlite3_stmt* statement, const CountPlan& plan, const IntQuery& query);

  // Call around every sqlite3_step() of the statement.
  void beforeStep(sqlite3* db);
  void afterStep(sqlite3* db, sqlite3_stmt* statement, int result);

  // Call once the statement is done: adds what a schema change wrote.
  void finish(const IntQuery& query);

  int64_t rowsRead() const {
    return read_ + extraRead_;
  }
  int64_t rowsWritten() const {
    return written_ + extraWritten_;
  }

 private:
  CountPlan plan_;
  bool stepped_ = false;
  bool finished_ = false;
  int64_t changesBefore_ = 0;
  int64_t changes_ = 0;
  int64_t read_ = 0;
  int64_t written_ = 0;
  int64_t extraRead_ = 0;
  int64_t extraWritten_ = 0;
  int64_t schemaVersion_ = 0;
  bool hadSequenceTable_ = false;
};

}  // namespace dohost::storage
