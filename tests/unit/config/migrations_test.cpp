// What the migrations make of each class: whether it is SQLite-backed, and the identity its
// object IDs derive from, which renamed_classes keep.
#include <gtest/gtest.h>

#include "dohost/config.h"

namespace dohost::config {
namespace {

WorkerConfig configWith(const std::string& migrations) {
  auto result = parseWorkerConfig(
      R"({ "name": "w", "main": "src/index.js", "migrations": )" + migrations + " }",
      "/app/wrangler.jsonc");
  EXPECT_TRUE(result.ok());
  return result.config;
}

TEST(ClassIdentity, IsTheNameAClassWasFirstCreatedUnder) {
  auto config = configWith(R"([
    { "tag": "v1", "new_sqlite_classes": ["Room"], "new_classes": ["Lobby"] },
    { "tag": "v2", "renamed_classes": [{ "from": "Room", "to": "Chamber" }] },
    { "tag": "v3", "renamed_classes": [{ "from": "Chamber", "to": "Hall" }] }
  ])");
  EXPECT_EQ(classIdentity(config, "Hall"), "Room");
  EXPECT_EQ(classIdentity(config, "Lobby"), "Lobby");
  EXPECT_TRUE(isSqliteClass(config, "Hall"));
  EXPECT_FALSE(isSqliteClass(config, "Lobby"));
}

TEST(ClassIdentity, IsNewForANameUsedAgain) {
  auto config = configWith(R"([
    { "tag": "v1", "new_sqlite_classes": ["Room", "Old"] },
    { "tag": "v2", "renamed_classes": [{ "from": "Room", "to": "Hall" }], "deleted_classes": ["Old"] },
    { "tag": "v3", "new_sqlite_classes": ["Room", "Old"] }
  ])");
  EXPECT_EQ(classIdentity(config, "Hall"), "Room");
  EXPECT_EQ(classIdentity(config, "Room"), "Room@v3");
  EXPECT_EQ(classIdentity(config, "Old"), "Old@v3");
}

TEST(ClassIdentity, IsTheClassNameWhenNoMigrationCreatesIt) {
  auto config = configWith("[]");
  EXPECT_EQ(classIdentity(config, "Elsewhere"), "Elsewhere");
}

TEST(Locations, NameWhereEachMigratedClassIs) {
  auto result = parseWorkerConfig(
      "{\n  \"main\": \"src/index.js\",\n  \"migrations\": [\n"
      "    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\", \"B\"] },\n"
      "    { \"tag\": \"v2\", \"renamed_classes\": [{ \"from\": \"A\", \"to\": \"C\" }] }\n"
      "  ]\n}\n",
      "wrangler.jsonc");
  EXPECT_EQ(result.config.locations["migrations[0].new_sqlite_classes[1]"], "wrangler.jsonc:4:48");
  EXPECT_EQ(result.config.locations["migrations[1].renamed_classes[0]"], "wrangler.jsonc:5:61");
}

}  // namespace
}  // namespace dohost::config
