#include "icu_decoder.h"

#include <gtest/gtest.h>

namespace dohost::api {
namespace {

TEST(IcuDecoder, DecodesTheLegacyMultiByteEncodings) {
  struct Case {
    const char* encoding;
    std::string bytes;
    std::u16string text;
  };
  for (const auto& c : std::initializer_list<Case>{
           {"shift_jis", "\x82\xa0\x41", u"\u3042A"},
           {"euc-jp", "\xa4\xa2", u"\u3042"},
           {"iso-2022-jp", "\x1b$B$\"\x1b(B", u"\u3042"},
           {"gbk", "\xc4\xe3", u"\u4f60"},
           {"gb18030", std::string("\x81\x30\x81\x30", 4), u"\u0080"},
           {"big5", "\xa4\x40", u"\u4e00"},
           {"euc-kr", "\xb0\xa1", u"\uac00"},
       }) {
    auto decoder = IcuDecoder::open(c.encoding, false);
    ASSERT_TRUE(decoder) << c.encoding;
    EXPECT_EQ(decoder->decode(c.bytes, true), c.text) << c.encoding;
  }
}

TEST(IcuDecoder, KeepsAnIncompleteSequenceForTheNextChunk) {
  auto decoder = IcuDecoder::open("shift_jis", false);
  EXPECT_EQ(decoder->decode("\x82", false), u"");
  EXPECT_EQ(decoder->decode("\xa0", true), u"\u3042");
}

TEST(IcuDecoder, MalformedInputIsReplacedOrFatal) {
  auto lenient = IcuDecoder::open("euc-kr", false);
  EXPECT_EQ(lenient->decode("\xb0", true), u"\ufffd");
  auto fatal = IcuDecoder::open("euc-kr", true);
  EXPECT_EQ(fatal->decode("\xb0", true), std::nullopt);
  // The decoder is usable again after a failure.
  EXPECT_EQ(fatal->decode("\xb0\xa1", true), u"\uac00");
}

TEST(IcuDecoder, UnknownEncodingsAreRefused) {
  EXPECT_EQ(IcuDecoder::open("klingon", false), nullptr);
}

}  // namespace
}  // namespace dohost::api
