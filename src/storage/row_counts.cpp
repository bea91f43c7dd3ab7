// The rows-read/written estimate. The rules, and the workerd numbers they were checked against,
// are in docs/storage.md; tests/unit/storage/row_counts_test.cpp pins them.
#include "row_counts.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <strings.h>

namespace dohost::storage {
namespace {

bool startsWithNoCase(const std::string& text, const char* prefix) {
  return strncasecmp(text.c_str(), prefix, std::strlen(prefix)) == 0;
}

std::string lower(const unsigned char* text) {
  std::string out = text ? reinterpret_cast<const char*>(text) : "";
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Steps a one-parameter query to its end, calling `onRow` for each row.
template <typename OnRow>
void forEachRow(sqlite3* db, const char* sql, const std::string& argument, OnRow onRow) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
    sqlite3_finalize(statement);
    return;
  }
  sqlite3_bind_text(statement, 1, argument.data(), static_cast<int>(argument.size()),
                    SQLITE_TRANSIENT);
  while (sqlite3_step(statement) == SQLITE_ROW) onRow(statement);
  sqlite3_finalize(statement);
}

// The statement counters that match workerd's row reads one for one: each successful step of a
// loop (OP_Next/OP_Prev/OP_SorterNext), each sort (OP_SorterSort, counted as its first row) and
// each row fed to an automatic index. Index 0 of the counter array is where SQLite counts the
// steps of loops that are not full table scans (index ranges, sorters); sqlite3_stmt_status()
// accepts it although it is not a documented counter.
int64_t loopReads(sqlite3_stmt* statement) {
  return sqlite3_stmt_status(statement, 0, 0) +
         sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0) +
         sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_SORT, 0) +
         sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_AUTOINDEX, 0);
}

void resetLoopReads(sqlite3_stmt* statement) {
  for (int counter :
       {0, SQLITE_STMTSTATUS_FULLSCAN_STEP, SQLITE_STMTSTATUS_SORT, SQLITE_STMTSTATUS_AUTOINDEX}) {
    sqlite3_stmt_status(statement, counter, 1);
  }
}

// True if the compiled program uses OP_Count, SQLite's shortcut for `SELECT count(*) FROM t`,
// which reads the b-tree's row count; workerd counts that as one read per row.
bool usesCountShortcut(sqlite3* db, sqlite3_stmt* statement) {
  if (sqlite3_column_count(statement) != 1) return false;
  std::string explain = std::string("EXPLAIN ") + sqlite3_sql(statement);
  bool found = false;
  sqlite3_stmt* program = nullptr;
  if (sqlite3_prepare_v2(db, explain.c_str(), -1, &program, nullptr) == SQLITE_OK) {
    while (!found && sqlite3_step(program) == SQLITE_ROW) {
      auto opcode = reinterpret_cast<const char*>(sqlite3_column_text(program, 1));
      found = opcode && std::string_view(opcode) == "Count";
    }
  }
  sqlite3_finalize(program);
  return found;
}

bool intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& x) { return b.count(x) > 0; });
}

// How many index entries SQLite rewrites for each row an UPDATE changes: those of the indexes
// holding a changed column (all of them when the rowid or key changes).
int64_t indexesRewritten(const TableShape& shape, const std::set<std::string>& columns) {
  bool rowidChanges = intersects(shape.rowidNames, columns);
  int64_t count = 0;
  for (const auto& index : shape.indexes) {
    bool touched = intersects(index.columns, columns) || (index.holdsRowid && rowidChanges) ||
                   (index.hasExpression && !columns.empty());
    if (touched) ++count;
  }
  return count;
}

}  // namespace

TableShape readTableShape(sqlite3* db, const std::string& table) {
  TableShape shape;
  forEachRow(db, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1", table,
             [&](sqlite3_stmt* row) { shape.withoutRowid = sqlite3_column_int(row, 0) != 0; });

  // The rowid's names, and the column that aliases it (a lone INTEGER PRIMARY KEY).
  std::vector<std::string> keyColumns;
  std::string keyType;
  forEachRow(db, "SELECT name, type, pk FROM pragma_table_info(?1)", table, [&](sqlite3_stmt* row) {
    if (sqlite3_column_int(row, 2) == 0) return;
    keyColumns.push_back(lower(sqlite3_column_text(row, 0)));
    keyType = lower(sqlite3_column_text(row, 1));
  });
  if (!shape.withoutRowid) {
    shape.rowidNames = {"rowid", "oid", "_rowid_"};
    if (keyColumns.size() == 1 && keyType == "integer") shape.rowidNames.insert(keyColumns[0]);
  } else {
    shape.rowidNames.insert(keyColumns.begin(), keyColumns.end());
  }

  forEachRow(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1", table,
             [&](sqlite3_stmt* row) {
               std::string sql = lower(sqlite3_column_text(row, 0));
               shape.autoincrement = sql.find("autoincrement") != std::string::npos;
             });

  std::vector<std::string> indexNames;
  forEachRow(db, "SELECT name, origin FROM pragma_index_list(?1)", table, [&](sqlite3_stmt* row) {
    // A WITHOUT ROWID table's primary key index is the table itself.
    bool isTable = shape.withoutRowid && lower(sqlite3_column_text(row, 1)) == "pk";
    if (!isTable) indexNames.push_back(reinterpret_cast<const char*>(sqlite3_column_text(row, 0)));
  });
  for (const auto& name : indexNames) {
    TableShape::Index index;
    forEachRow(db, "SELECT cid, name FROM pragma_index_xinfo(?1)", name, [&](sqlite3_stmt* row) {
      int cid = sqlite3_column_int(row, 0);
      if (cid == -1) index.holdsRowid = true;
      if (cid == -2) index.hasExpression = true;
      if (cid >= 0) index.columns.insert(lower(sqlite3_column_text(row, 1)));
    });
    shape.indexes.push_back(std::move(index));
  }
  return shape;
}

CountPlan planCounts(sqlite3* db,
                     sqlite3_stmt* statement,
                     const StatementFacts& facts,
                     const std::function<const TableShape&(const std::string&)>& shapeOf) {
  CountPlan plan;
  plan.tablesScanned = static_cast<int64_t>(facts.tablesScanned.size());
  plan.create = facts.create;
  plan.createdOn = facts.createdOn;

  // A CREATE reads the schema and, for a key or UNIQUE column, its own new table; neither is a
  // scan workerd counts (finish() adds what it does count).
  if (plan.create != 0) {
    plan.tablesScanned = 0;
    for (const auto& table : facts.tablesScanned) {
      bool own = table == plan.createdOn || startsWithNoCase(table, "sqlite_");
      if (!own) ++plan.tablesScanned;
    }
  }
  if (!facts.droppedTable.empty()) {
    plan.btreesDropped = 1 + static_cast<int64_t>(shapeOf(facts.droppedTable).indexes.size());
  } else if (facts.dropsIndex) {
    plan.btreesDropped = 1;
  }

  if (facts.callsCount && usesCountShortcut(db, statement)) {
    plan.countShortcut = true;
    plan.tablesScanned = 0;
  }

  switch (facts.dml) {
    case StatementFacts::Dml::kInsert:
      plan.indexWritesPerRow = static_cast<int64_t>(shapeOf(facts.dmlTable).indexes.size());
      plan.bumpsSequence = shapeOf(facts.dmlTable).autoincrement;
      break;
    case StatementFacts::Dml::kUpdate:
      plan.indexWritesPerRow = indexesRewritten(shapeOf(facts.dmlTable), facts.updatedColumns);
      break;
    // SQLite does not count index entries it deletes.
    case StatementFacts::Dml::kDelete:
    case StatementFacts::Dml::kNone:
      break;
  }
  return plan;
}

void RowCounter::begin(sqlite3* db,
                       sqlite3_stmt* statement,
                       const CountPlan& plan,
                       const IntQuery& query) {
  plan_ = plan;
  resetLoopReads(statement);
  if (plan_.create == SQLITE_CREATE_TABLE) {
    hadSequenceTable_ =
        query("SELECT count(*) FROM sqlite_schema WHERE name = ?1", "sqlite_sequence") > 0;
  }
  if (plan_.create != 0) schemaVersion_ = query("PRAGMA schema_version", "");
}

void RowCounter::beforeStep(sqlite3* db) {
  changesBefore_ = sqlite3_total_changes64(db);
}

// TODO(compat): a write with RETURNING reads its rows back from SQLite's buffer, and workerd's
// patched SQLite counts reads there this estimate does not know of; its rowsRead come out low
// (rowsWritten is exact).
void RowCounter::afterStep(sqlite3* db, sqlite3_stmt* statement, int result) {
  // Each changed row writes its table entry and, for inserts and updates, index entries.
  changes_ += sqlite3_total_changes64(db) - changesBefore_;
  written_ = changes_ * (1 + plan_.indexWritesPerRow);
  if (plan_.bumpsSequence && changes_ > 0) written_ += 1;

  read_ = loopReads(statement) + plan_.btreesDropped;
  if (plan_.bumpsSequence) read_ += 1;
  if (plan_.countShortcut && !stepped_ && result == SQLITE_ROW) {
    extraRead_ += sqlite3_column_int64(statement, 0);
  }
  stepped_ = true;
  read_ += plan_.tablesScanned;
}

void RowCounter::finish(const IntQuery& query) {
  if (finished_ || plan_.create == 0) return;
  finished_ = true;

  // CREATE ... IF NOT EXISTS on an existing object writes nothing.
  if (query("PRAGMA schema_version", "") == schemaVersion_) return;

  // The schema row is written twice (a placeholder, then the final text), each new automatic
  // index adds a row, and building an index reads the table twice (scan, then sort) and writes
  // one entry per row.
  switch (plan_.create) {
    case SQLITE_CREATE_TABLE: {
      extraRead_ += 1;
      extraWritten_ +=
          2 + query(
                  "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NULL AND "
                  "tbl_name = ?1 COLLATE NOCASE",
                  plan_.createdOn);
      bool hasSequenceTable =
          query("SELECT count(*) FROM sqlite_schema WHERE name = ?1", "sqlite_sequence") > 0;
      if (hasSequenceTable && !hadSequenceTable_) {
        extraRead_ += 1;
        extraWritten_ += 2;
      }
      break;
    }
    case SQLITE_CREATE_VIEW:
      extraRead_ += 1;
      extraWritten_ += 2;
      break;
    case SQLITE_CREATE_TRIGGER:
      extraWritten_ += 1;
      break;
    case SQLITE_CREATE_INDEX: {
      std::string quoted = "\"";
      for (char c : plan_.createdOn) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += "\"";
      int64_t rows = query("SELECT count(*) FROM " + quoted, "");
      // The scan and the sort are already in the loop counters; replace them by the exact sum.
      extraRead_ += 2 + 2 * rows - read_;
      extraWritten_ += 1 + rows;
      break;
    }
    default:
      break;
  }
}

}  // namespace dohost::storage
