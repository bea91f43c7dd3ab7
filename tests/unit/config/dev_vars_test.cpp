// .dev.vars parsing: dotenv's rules, which wrangler dev uses.
#include "dev_vars.h"

#include <gtest/gtest.h>

namespace dohost::config {
namespace {

using Vars = std::map<std::string, std::string>;

TEST(DevVars, ReadsKeyValueLinesTrimmedWithCommentsAndBlankLines) {
  EXPECT_EQ(parseDevVars("# secrets\nAPI_KEY=abc123\n\n  TOKEN = x y  \nNOVALUE=\n"),
            (Vars{{"API_KEY", "abc123"}, {"TOKEN", "x y"}, {"NOVALUE", ""}}));
}

TEST(DevVars, StripsQuotesAndExpandsNewlinesOnlyInDoubleQuotes) {
  EXPECT_EQ(parseDevVars("A=\"line1\\nline2\"\nB='raw\\n'\nC=`tick`\nD=\"has # hash\"\n"),
            (Vars{{"A", "line1\nline2"}, {"B", "raw\\n"}, {"C", "tick"}, {"D", "has # hash"}}));
}

TEST(DevVars, AllowsExportInlineCommentsCrlfAndMultilineQuotes) {
  EXPECT_EQ(parseDevVars("export A=1 # one\r\nB=\"first\nsecond\"\r\nC=x=y\n"),
            (Vars{{"A", "1"}, {"B", "first\nsecond"}, {"C", "x=y"}}));
}

TEST(DevVars, SkipsLinesWithoutAKeyAndLetsALaterKeyWin) {
  EXPECT_EQ(parseDevVars("just text\n=nokey\nK=1\nK=2\n"), (Vars{{"K", "2"}}));
}

}  // namespace
}  // namespace dohost::config
