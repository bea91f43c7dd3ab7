// Database::exec(): statements, bindings, values and cursors, against answers taken from workerd.
#include "dohost/storage.h"

#include <gtest/gtest.h>

namespace dohost::storage {
namespace {

TEST(Database, RunsASelect) {
  auto db = Database::open(":memory:");
  auto cursor = db->exec("SELECT 1 AS a");
  std::vector<Value> row;
  ASSERT_TRUE(cursor.next(row));
  EXPECT_EQ(row, std::vector<Value>{int64_t{1}});
}

}  // namespace
}  // namespace dohost::storage
