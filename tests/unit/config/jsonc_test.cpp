// Tests of the loader's private helpers: the trailing-comma pass, positions and typo distance.
#include "jsonc.h"

#include <string>

#include <gtest/gtest.h>

#include "names.h"

namespace dohost::config {
namespace {

TEST(Jsonc, ReplacesTrailingCommasBySpaces) {
  EXPECT_EQ(stripTrailingCommas("[1, 2,]"), "[1, 2 ]");
  EXPECT_EQ(stripTrailingCommas("{\"a\": 1,\n}"), "{\"a\": 1 \n}");
  EXPECT_EQ(stripTrailingCommas("{\"a\": [1,], }"), "{\"a\": [1 ]  }");
}

TEST(Jsonc, LooksThroughCommentsForTheClosingBracket) {
  EXPECT_EQ(stripTrailingCommas("[1, // one\n]"), "[1  // one\n]");
  EXPECT_EQ(stripTrailingCommas("[1, /* ] */ ]"), "[1  /* ] */ ]");
  EXPECT_EQ(stripTrailingCommas("[1, /* x */ 2]"), "[1, /* x */ 2]");
}

TEST(Jsonc, LeavesCommasInStringsAndComments) {
  EXPECT_EQ(stripTrailingCommas(R"(["a,]", "b\",]"])"), R"(["a,]", "b\",]"])");
  EXPECT_EQ(stripTrailingCommas("// ,]\n[1]"), "// ,]\n[1]");
  EXPECT_EQ(stripTrailingCommas("/* ,} */{}"), "/* ,} */{}");
}

// wrangler's parser rejects these too: a comma has to follow a value.
TEST(Jsonc, KeepsCommasThatFollowNoValue) {
  EXPECT_EQ(stripTrailingCommas("[,]"), "[,]");
  EXPECT_EQ(stripTrailingCommas("{,}"), "{,}");
  EXPECT_EQ(stripTrailingCommas("[1,,]"), "[1,,]");
  EXPECT_EQ(stripTrailingCommas(","), ",");
}

TEST(Jsonc, PassesUnterminatedInputThrough) {
  EXPECT_EQ(stripTrailingCommas("[\"abc,]"), "[\"abc,]");
  EXPECT_EQ(stripTrailingCommas("[1, /* ]"), "[1, /* ]");
  EXPECT_EQ(stripTrailingCommas("\"\\"), "\"\\");
}

TEST(Jsonc, MapsOffsetsToLinesAndCharacterColumns) {
  std::string text = "ab\n\xC3\xA9x\n\nz";
  LineMap lines(text);
  auto at = [&](std::size_t offset) {
    TextPosition position = lines.at(offset);
    return std::to_string(position.line) + ":" + std::to_string(position.column);
  };
  EXPECT_EQ(at(0), "1:1");
  EXPECT_EQ(at(2), "1:3");
  EXPECT_EQ(at(3), "2:1");
  EXPECT_EQ(at(5), "2:2");  // after the two bytes of é
  EXPECT_EQ(at(7), "3:1");
  EXPECT_EQ(at(8), "4:1");
  EXPECT_EQ(at(99), "4:2");
}

TEST(Jsonc, DoesNotCountAByteOrderMarkAsAColumn) {
  std::string text = "\xEF\xBB\xBF{}";
  EXPECT_EQ(LineMap(text).at(3).column, 1);
}

TEST(Jsonc, IndexesKeysAndElementsByPath) {
  std::string text = "{ \"a\": { \"b\": [ 1, { \"c\": 2 } ] },\n  \"d\\u0041\": \"x\" }";
  PositionIndex index = PositionIndex::scan(text);
  EXPECT_EQ(index.keyOffset(""), 0u);
  EXPECT_EQ(index.keyOffset("a"), 2u);
  EXPECT_EQ(index.valueOffset("a"), 7u);
  EXPECT_EQ(index.keyOffset("a.b"), 9u);
  EXPECT_EQ(index.keyOffset("a.b[0]"), 16u);
  EXPECT_EQ(index.keyOffset("a.b[1]"), 19u);
  EXPECT_EQ(index.keyOffset("a.b[1].c"), 21u);
  EXPECT_EQ(index.keyOffset("dA"), 37u);  // escapes are decoded, as nlohmann/json does
  EXPECT_EQ(index.keyOffset("a.b[2]"), std::nullopt);
  EXPECT_EQ(index.keyOffset("nope"), std::nullopt);
}

TEST(Jsonc, SkipsCommentsWhileIndexing) {
  std::string text = "/* { \"x\": 1 } */ { // \"y\"\n \"z\": [ /* 0 */ 5 ] }";
  PositionIndex index = PositionIndex::scan(text);
  EXPECT_EQ(index.keyOffset("x"), std::nullopt);
  EXPECT_EQ(index.keyOffset("y"), std::nullopt);
  EXPECT_EQ(index.keyOffset("z"), 27u);
  EXPECT_EQ(index.valueOffset("z[0]"), 42u);
}

TEST(Jsonc, RecordsRepeatedKeysAndKeepsTheLast) {
  std::string text = R"({ "a": 1, "b": { "c": 1, "c": 2 }, "a": 3 })";
  PositionIndex index = PositionIndex::scan(text);
  ASSERT_EQ(index.duplicateKeys().size(), 2u);
  EXPECT_EQ(index.duplicateKeys()[0].parent, "b");
  EXPECT_EQ(index.duplicateKeys()[0].key, "c");
  EXPECT_EQ(index.duplicateKeys()[0].offset, 25u);
  EXPECT_EQ(index.duplicateKeys()[1].parent, "");
  EXPECT_EQ(index.duplicateKeys()[1].offset, 35u);
  EXPECT_EQ(index.keyOffset("a"), 35u);
}

TEST(Jsonc, SurvivesDeepNesting) {
  std::string text = std::string(100000, '[') + std::string(100000, ']');
  PositionIndex index = PositionIndex::scan(text);
  EXPECT_EQ(index.valueOffset("[0]"), 1u);
}

TEST(Jsonc, FindsNestingDeeperThanALimit) {
  EXPECT_EQ(findDeepNesting("[[[]]]", 3), std::nullopt);
  EXPECT_EQ(findDeepNesting("[[[[]]]]", 3), 3u);
  EXPECT_EQ(findDeepNesting(R"({"a": "[[[[", "b": [{}]} /* [[[[ */)", 3), std::nullopt);
}

TEST(Jsonc, FindsTheStartOfTheTokenAtAnOffset) {
  std::string text = R"({"a": 1 "bc": 2})";
  EXPECT_EQ(tokenStartAt(text, 11), 8u);  // the closing quote of "bc"
  EXPECT_EQ(tokenStartAt(text, 6), 6u);
  EXPECT_EQ(tokenStartAt(text, 7), 7u);  // whitespace
}

TEST(Jsonc, FindsAnUnclosedComment) {
  EXPECT_EQ(findUnclosedComment("{ \"/*\": 1 } /* x"), 12u);
  EXPECT_EQ(findUnclosedComment("{ /* x */ }"), std::nullopt);
  EXPECT_TRUE(isBlank(" // x\n /* y */ "));
  EXPECT_FALSE(isBlank(" /* y "));
  EXPECT_FALSE(isBlank("{}"));
}

TEST(Names, MeasuresEditDistanceWithSwaps) {
  EXPECT_EQ(editDistance("main", "main"), 0u);
  EXPECT_EQ(editDistance("mian", "main"), 1u);
  EXPECT_EQ(editDistance("Main", "main"), 0u);
  EXPECT_EQ(editDistance("migration", "migrations"), 1u);
  EXPECT_EQ(editDistance("compatability_date", "compatibility_date"), 1u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
}

TEST(Names, SuggestsOnlyCloseCandidates) {
  std::vector<std::string_view> keys = {"name", "main", "migrations"};
  EXPECT_EQ(closestMatch("mainn", keys), "main");
  EXPECT_EQ(closestMatch("migratoins", keys), "migrations");
  EXPECT_EQ(closestMatch("frobnicate", keys), std::nullopt);
  EXPECT_EQ(closestMatch("ab", keys), std::nullopt);  // too short to be a typo of anything
  EXPECT_EQ(closestMatch("main", keys), std::nullopt);
}

TEST(Names, ChecksAndSuggestsBindingNames) {
  EXPECT_TRUE(isJsIdentifier("MY_DURABLE_OBJECT"));
  EXPECT_TRUE(isJsIdentifier("$x1"));
  EXPECT_TRUE(isJsIdentifier("_"));
  EXPECT_FALSE(isJsIdentifier(""));
  EXPECT_FALSE(isJsIdentifier("1x"));
  EXPECT_FALSE(isJsIdentifier("my-object"));
  EXPECT_EQ(toJsIdentifier("my-object"), "my_object");
  EXPECT_EQ(toJsIdentifier("2FA"), "_2FA");
  EXPECT_EQ(toConstantCase("MyDurableObject"), "MY_DURABLE_OBJECT");
  EXPECT_EQ(toConstantCase("auth-worker"), "AUTH_WORKER");
  EXPECT_EQ(toConstantCase("Room2Go"), "ROOM2_GO");
}

}  // namespace
}  // namespace dohost::config
