// Database: statements, values, cursors, the write batch, the key-value table and the alarm,
// against answers taken from workerd.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "dohost/storage.h"

namespace dohost::storage {
namespace {

using Rows = std::vector<std::vector<Value>>;

std::vector<Value> row(std::initializer_list<Value> values) {
  return values;
}

Rows all(Cursor cursor) {
  Rows rows;
  std::vector<Value> next;
  while (cursor.next(next)) rows.push_back(next);
  return rows;
}

std::string errorOf(const std::function<void()>& body) {
  try {
    body();
  } catch (const SqlError& e) {
    return e.what();
  }
  return "no error";
}

std::span<const uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string text(const std::vector<uint8_t>& data) {
  return std::string(data.begin(), data.end());
}

// [rowsRead, rowsWritten], as the storage-api test prints them.
std::vector<int64_t> counts(const Cursor& cursor) {
  return {cursor.rowsRead(), cursor.rowsWritten()};
}

// A folder of its own under the system's temporary folder, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("dohost-storage-test-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::filesystem::remove_all(path_);
  }
  const std::filesystem::path& path() const {
    return path_;
  }

 private:
  std::filesystem::path path_;
};

// ---- exec() ---------------------------------------------------------------------------------

TEST(Database, RunsASelect) {
  auto db = Database::open(":memory:");
  EXPECT_EQ(all(db->exec("SELECT 1 AS a")), Rows{row({int64_t{1}})});
}

TEST(Database, KeepsIntegersWholeAndBlobsAsBytes) {
  auto db = Database::open(":memory:");
  auto rows = all(db->exec("SELECT 9007199254740993, x'00ff', 'a' || char(0) || 'b', NULL, 1.5"));
  EXPECT_EQ(rows, Rows{row({int64_t{9007199254740993}, Blob{{0, 255}}, std::string("a\0b", 3),
                            std::monostate{}, 1.5})});
}

TEST(Database, RunsEveryStatementAndReturnsTheLastOnesRows) {
  auto db = Database::open(":memory:");
  auto cursor = db->exec("CREATE TABLE m (a); INSERT INTO m VALUES (1), (2); SELECT a FROM m");
  EXPECT_EQ(cursor.columnNames(), std::vector<std::string>{"a"});
  EXPECT_EQ(all(std::move(cursor)), (Rows{row({int64_t{1}}), row({int64_t{2}})}));
}

TEST(Database, RefusesWhatWorkerdRefuses) {
  auto db = Database::open(":memory:");
  EXPECT_EQ(errorOf([&] { db->exec("SELECT 1; -- trailing"); }),
            "SQL code did not contain a statement.");
  EXPECT_EQ(errorOf([&] { db->exec("SELECT ?; SELECT 2", {1.0}); }),
            "When executing multiple SQL statements in a single call, only the last statement "
            "can have parameters.");
  EXPECT_EQ(errorOf([&] {
              db->exec("SELECT ?", {1.0, 2.0});
            }),
            "Wrong number of parameter bindings for SQL query.");
  EXPECT_EQ(errorOf([&] { db->exec("SELEC 1"); }),
            "near \"SELEC\": syntax error at offset 0: SQLITE_ERROR");
  EXPECT_EQ(errorOf([&] { db->exec("ATTACH DATABASE 'x' AS y"); }), "not authorized: SQLITE_AUTH");
  EXPECT_EQ(errorOf([&] { db->exec("PRAGMA journal_mode"); }), "not authorized: SQLITE_AUTH");
  EXPECT_EQ(errorOf([&] { db->exec("SELECT sqlite_version()"); }),
            "not authorized to use function: sqlite_version at offset 7: SQLITE_ERROR");
  EXPECT_EQ(errorOf([&] { db->exec("BEGIN"); }).substr(0, 60),
            "To execute a transaction, please use the state.storage.trans");
}

TEST(Cursor, OneWantsExactlyOneRow) {
  auto db = Database::open(":memory:");
  db->exec("CREATE TABLE o (n); INSERT INTO o VALUES (1), (2)");
  EXPECT_EQ(errorOf([&] { db->exec("SELECT n FROM o WHERE n > 5").one(); }),
            "Expected exactly one result from SQL query, but got no results.");
  auto many = db->exec("SELECT n FROM o");
  EXPECT_EQ(errorOf([&] { many.one(); }),
            "Expected exactly one result from SQL query, but got multiple results.");
  std::vector<Value> next;
  EXPECT_FALSE(many.next(next));
  EXPECT_EQ(db->exec("SELECT n FROM o WHERE n = 2").one(), row({int64_t{2}}));
}

TEST(Cursor, ReadsLazilyAndSeesLaterWrites) {
  auto db = Database::open(":memory:");
  db->exec("CREATE TABLE l (n); INSERT INTO l VALUES (1), (2), (3)");
  auto cursor = db->exec("SELECT n FROM l ORDER BY n");
  std::vector<Value> first;
  ASSERT_TRUE(cursor.next(first));
  // The sort read every row before the first came out (workerd: 5 here too).
  EXPECT_EQ(cursor.rowsRead(), 5);
  db->exec("INSERT INTO l VALUES (4)");
  EXPECT_EQ(all(std::move(cursor)), (Rows{row({int64_t{2}}), row({int64_t{3}})}));
}

TEST(Cursor, CountsRowsLikeWorkerd) {
  auto db = Database::open(":memory:");
  auto create = db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)");
  EXPECT_EQ(counts(create), (std::vector<int64_t>{1, 2}));
  auto index = db->exec("CREATE INDEX t_b ON t (b)");
  EXPECT_EQ(counts(index), (std::vector<int64_t>{2, 1}));
  auto insert = db->exec("INSERT INTO t (a, b) VALUES ('x', 1), ('y', 2), ('z', 3), ('w', 4)");
  EXPECT_EQ(counts(insert), (std::vector<int64_t>{0, 8}));
  auto sequence = db->exec("CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT, v)");
  EXPECT_EQ(counts(sequence), (std::vector<int64_t>{2, 4}));
  auto bump = db->exec("INSERT INTO s (v) VALUES (2), (3)");
  EXPECT_EQ(counts(bump), (std::vector<int64_t>{1, 3}));
}

TEST(Cursor, AWriteWithReturningHasWrittenEverythingBeforeTheFirstRow) {
  auto db = Database::open(":memory:");
  db->exec("CREATE TABLE r (id INTEGER PRIMARY KEY, v)");
  auto cursor = db->exec("INSERT INTO r (v) VALUES (1), (2), (3) RETURNING id");
  EXPECT_EQ(cursor.rowsWritten(), 3);
  EXPECT_EQ(all(db->exec("SELECT count(*) FROM r")), Rows{row({int64_t{3}})});
  EXPECT_EQ(all(std::move(cursor)),
            (Rows{row({int64_t{1}}), row({int64_t{2}}), row({int64_t{3}})}));
}

// ---- The write batch --------------------------------------------------------------------------

TEST(Batch, BeginsItsTransactionAtTheFirstWriteAndTellsTheListenerOnce) {
  auto db = Database::open(":memory:");
  int calls = 0;
  db->setWriteListener([&] { ++calls; });
  db->beginBatch();
  db->exec("SELECT 1");
  EXPECT_FALSE(db->batchHasWrites());
  db->exec("CREATE TABLE b (n)");
  db->exec("INSERT INTO b VALUES (1)");
  db->kvPut("k", bytes("v"));
  EXPECT_TRUE(db->batchHasWrites());
  EXPECT_EQ(calls, 1);
  db->commitBatch();
  db->beginBatch();
  db->exec("INSERT INTO b VALUES (2)");
  EXPECT_EQ(calls, 2);
  db->rollbackBatch();
  EXPECT_EQ(all(db->exec("SELECT n FROM b")), Rows{row({int64_t{1}})});
}

TEST(Batch, CommittedWritesAreOnDiskForTheNextConnection) {
  TempDir dir;
  auto path = dir.path() / "do" / "w" / "C" / "x.sqlite";
  {
    auto db = Database::open(path);
    db->beginBatch();
    db->exec("CREATE TABLE d (n); INSERT INTO d VALUES (7)");
    db->kvPut("kept", bytes("yes"));
    db->commitBatch();
    db->beginBatch();
    db->kvPut("dropped", bytes("no"));
    // Closed with the batch open: what it held is rolled back.
  }
  auto db = Database::open(path);
  EXPECT_EQ(all(db->exec("SELECT n FROM d")), Rows{row({int64_t{7}})});
  EXPECT_EQ(text(*db->kvGet("kept")), "yes");
  EXPECT_FALSE(db->kvGet("dropped"));
}

TEST(Batch, SavepointsNestInsideIt) {
  auto db = Database::open(":memory:");
  db->beginBatch();
  db->exec("CREATE TABLE s (n)");
  EXPECT_EQ(db->beginSavepoint(), 0);
  db->exec("INSERT INTO s VALUES (1)");
  EXPECT_EQ(db->beginSavepoint(), 1);
  db->exec("INSERT INTO s VALUES (2)");
  db->rollbackSavepoint();
  db->releaseSavepoint();
  EXPECT_EQ(db->savepointDepth(), 0);
  db->commitBatch();
  EXPECT_EQ(all(db->exec("SELECT n FROM s")), Rows{row({int64_t{1}})});
}

// ---- Key-value table, alarm, bookmarks, deleteAll -------------------------------------------

TEST(KeyValue, GetsPutsDeletesAndListsInByteOrder) {
  auto db = Database::open(":memory:");
  EXPECT_FALSE(db->kvGet("missing"));
  EXPECT_FALSE(db->kvDelete("missing"));
  for (const char* key : {"b", "a", "ab", "\xc3\xa9", "z"}) db->kvPut(key, bytes(key));
  EXPECT_TRUE(db->kvDelete("z"));
  std::vector<std::string> keys;
  for (const auto& entry : db->kvList(KvRange{})) keys.push_back(entry.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "ab", "b", "\xc3\xa9"}));

  auto range = compileListOptions(
      KvListOptions{std::nullopt, std::nullopt, std::nullopt, std::string("a"), 1u, true});
  ASSERT_TRUE(range);
  auto reversed = db->kvList(*range);
  ASSERT_EQ(reversed.size(), 1u);
  EXPECT_EQ(reversed[0].key, "ab");
}

TEST(KeyValue, RefusesAValuePastSqlitesLimitAsWorkerd) {
  auto db = Database::open(":memory:");
  std::string huge(9 * 1024 * 1024, 'x');
  EXPECT_EQ(errorOf([&] { db->kvPut("huge", bytes(huge)); }),
            "string or blob too big: SQLITE_TOOBIG");
  EXPECT_FALSE(db->kvGet("huge"));
  std::string large(3 * 1024 * 1024, 'x');
  db->kvPut("large", bytes(large));
  EXPECT_EQ(db->kvGet("large")->size(), large.size());
}

TEST(KeyValue, CompilesListOptionsAsWorkerd) {
  KvListOptions options;
  options.startAfter = "b";
  options.prefix = "b";
  auto range = compileListOptions(options);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->begin, std::string("b\0", 2));
  EXPECT_EQ(range->end, "c");

  KvListOptions outside;
  outside.prefix = "a";
  outside.start = "b";
  EXPECT_FALSE(compileListOptions(outside));

  KvListOptions empty;
  empty.start = "c";
  empty.end = "a";
  EXPECT_FALSE(compileListOptions(empty));
}

TEST(Alarm, IsSetReadAndCleared) {
  auto db = Database::open(":memory:");
  EXPECT_FALSE(db->getAlarm());
  db->setAlarm(1'700'000'000'123'000'000);
  EXPECT_EQ(db->getAlarm(), 1'700'000'000'123'000'000);
  db->setAlarm(std::nullopt);
  EXPECT_FALSE(db->getAlarm());
}

TEST(Bookmark, CountsUpInProductionsFormat) {
  auto db = Database::open(":memory:");
  EXPECT_EQ(db->nextBookmark(), "00000000-00000000-00000000-00000000000000000000000000000000");
  EXPECT_EQ(db->nextBookmark(), "00000000-00000001-00000000-00000000000000000000000000000000");
}

TEST(DeleteAll, EmptiesTheFileAndCountsTheKeys) {
  TempDir dir;
  auto db = Database::open(dir.path() / "x.sqlite");
  db->beginBatch();
  db->exec("CREATE TABLE gone (n)");
  db->kvPut("a", bytes("1"));
  db->kvPut("b", bytes("2"));
  db->setAlarm(5);
  db->commitBatch();
  db->beginBatch();
  auto cursor = db->exec("SELECT 1 UNION ALL SELECT 2");

  EXPECT_EQ(db->deleteAll(), 2);
  EXPECT_TRUE(db->inBatch());
  EXPECT_EQ(db->size(), 4096);
  EXPECT_FALSE(db->getAlarm());
  EXPECT_EQ(errorOf([&] {
              std::vector<Value> next;
              cursor.next(next);
            }),
            "SQLite query was canceled because the database was deleted.");
  EXPECT_EQ(all(db->exec("SELECT count(*) FROM sqlite_master")), Rows{row({int64_t{0}})});
}

// ---- AlarmIndex ---------------------------------------------------------------------------------

TEST(AlarmIndex, KeepsOneAlarmPerObjectEarliestFirst) {
  TempDir dir;
  auto path = dir.path() / "do" / "w" / "alarms.sqlite";
  {
    auto index = AlarmIndex::open(path);
    index->set(AlarmRecord{"Clock", "aa", std::string("a"), 30});
    index->set(AlarmRecord{"Clock", "bb", std::nullopt, 10});
    index->set(AlarmRecord{"Clock", "aa", std::string("a"), 20});
    index->set(AlarmRecord{"Other", "cc", std::nullopt, 40});
  }
  auto index = AlarmIndex::open(path);
  EXPECT_EQ(index->all(), (std::vector<AlarmRecord>{{"Clock", "bb", std::nullopt, 10},
                                                    {"Clock", "aa", std::string("a"), 20},
                                                    {"Other", "cc", std::nullopt, 40}}));
  index->remove("Clock", "bb");
  index->renameClass("Clock", "Timer");
  index->removeClass("Other");
  EXPECT_EQ(index->all(), (std::vector<AlarmRecord>{{"Timer", "aa", std::string("a"), 20}}));
}

}  // namespace
}  // namespace dohost::storage
