#include <cctype>
#include <set>

#include <gtest/gtest.h>

#include "dohost/actor_id.h"

namespace dohost::actor {
namespace {

constexpr const char* kInvalid = "Invalid Durable Object ID: must be 64 hex digits";
constexpr const char* kOtherNamespace = "Durable Object ID is not valid for this namespace.";

TEST(IdFactory, MakesTheIdsWorkerdMakesForUniqueKeyWorkerDashClass) {
  // workerd 2026-11-23, uniqueKey "probe-Thing": idFromName("x").
  IdFactory ids("probe", "Thing");
  EXPECT_EQ(ids.fromName("x"), "99cdacf44fefbf99f2b7b8cc92a6d4fc3c50e16d5553deaf8c9a13118ffa4a51");
  EXPECT_EQ(ids.fromName("x"), IdFactory("probe", "Thing").fromName("x"));
  EXPECT_NE(ids.fromName("x"), IdFactory("probe", "Other").fromName("x"));
}

TEST(IdFactory, ParsesItsOwnIdsInEitherCase) {
  IdFactory ids("w", "C");
  auto hex = ids.fromName("a");
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  auto parsed = ids.parse(upper);
  ASSERT_TRUE(parsed.id);
  EXPECT_EQ(parsed.id->hex, hex);
  EXPECT_EQ(parsed.id->jurisdiction, Jurisdiction::kNone);
}

TEST(IdFactory, RefusesMalformedAndForeignIds) {
  IdFactory ids("w", "C");
  auto hex = ids.fromName("a");
  EXPECT_EQ(ids.parse("").error, kInvalid);
  EXPECT_EQ(ids.parse(hex.substr(1)).error, kInvalid);
  EXPECT_EQ(ids.parse(hex + "0").error, kInvalid);
  EXPECT_EQ(ids.parse(std::string(64, 'g')).error, kInvalid);
  EXPECT_EQ(ids.parse(std::string(64, '0')).error, kOtherNamespace);
  EXPECT_EQ(ids.parse(IdFactory("w", "D").fromName("a")).error, kOtherNamespace);
  hex[63] = hex[63] == '0' ? '1' : '0';
  EXPECT_EQ(ids.parse(hex).error, kOtherNamespace);
}

TEST(IdFactory, UniqueIdsNeverRepeat) {
  IdFactory ids("w", "C");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(ids.unique());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdFactory, JurisdictionIsReadBackFromTheIdAlone) {
  IdFactory ids("w", "C");
  for (auto jurisdiction :
       {Jurisdiction::kEu, Jurisdiction::kFedramp, Jurisdiction::kFedrampHigh, Jurisdiction::kUs}) {
    for (const auto& hex : {ids.fromName("room", jurisdiction), ids.unique(jurisdiction)}) {
      auto parsed = IdFactory("w", "C").parse(hex);
      ASSERT_TRUE(parsed.id) << parsed.error;
      EXPECT_EQ(parsed.id->jurisdiction, jurisdiction);
      EXPECT_EQ(IdFactory("w", "D").parse(hex).error, kOtherNamespace);
    }
  }
  EXPECT_NE(ids.fromName("room", Jurisdiction::kEu), ids.fromName("room"));
  EXPECT_NE(ids.fromName("room", Jurisdiction::kEu), ids.fromName("room", Jurisdiction::kUs));
}

TEST(IdFactory, ChangingTheJurisdictionTagBreaksTheMac) {
  IdFactory ids("w", "C");
  auto hex = ids.fromName("room", Jurisdiction::kEu);
  EXPECT_EQ(hex.substr(30, 2), "01");
  hex.replace(30, 2, "02");
  EXPECT_EQ(ids.parse(hex).error, kOtherNamespace);
}

TEST(Jurisdictions, NamesAndTheMessageForUnknownOnes) {
  EXPECT_EQ(parseJurisdiction("fedramp-high"), Jurisdiction::kFedrampHigh);
  EXPECT_EQ(jurisdictionName(Jurisdiction::kEu), "eu");
  EXPECT_EQ(jurisdictionName(Jurisdiction::kNone), "");
  EXPECT_FALSE(parseJurisdiction(""));
  EXPECT_FALSE(parseJurisdiction("EU"));
  EXPECT_EQ(unknownJurisdictionMessage("mars"),
            "Unknown Durable Object jurisdiction \"mars\"; the valid jurisdictions are \"eu\", "
            "\"fedramp\", \"fedramp-high\" and \"us\".");
}

}  // namespace
}  // namespace dohost::actor
