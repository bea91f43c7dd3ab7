// WebSocket framing byte for byte: the accept key, frames as sent, and the parser's checks.
#include "ws_frame.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dohost::http::ws {
namespace {

using Kind = Received::Kind;

// A client frame as a browser sends it: masked with `mask`.
std::string clientFrame(std::uint8_t first, std::string_view payload, MaskKey mask = {1, 2, 3, 4}) {
  std::string frame = encodeFrame(Opcode::kText, payload, mask);
  frame[0] = char(first);
  return frame;
}

std::vector<Received> parseAll(Parser& parser, std::string_view bytes) {
  std::vector<Received> out;
  parser.feed(bytes, out);
  return out;
}

TEST(WsAcceptKey, MatchesTheExampleOfRfc6455) {
  EXPECT_EQ(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsNewKey, IsSixteenRandomBytesInBase64) {
  std::string a = newKey();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_NE(a, newKey());
}

TEST(WsEncode, WritesShortMediumAndLongLengths) {
  EXPECT_EQ(encodeFrame(Opcode::kText, "hi", std::nullopt), std::string("\x81\x02hi", 4));
  std::string medium(300, 'm');
  EXPECT_EQ(encodeFrame(Opcode::kBinary, medium, std::nullopt).substr(0, 4),
            std::string("\x82\x7e\x01\x2c", 4));
  std::string big(70000, 'b');
  EXPECT_EQ(encodeFrame(Opcode::kBinary, big, std::nullopt).substr(0, 10),
            std::string("\x82\x7f\0\0\0\0\0\x01\x11\x70", 10));
}

TEST(WsEncode, MasksClientFrames) {
  std::string frame = encodeFrame(Opcode::kText, "abc", MaskKey{1, 2, 3, 4});
  EXPECT_EQ(frame, std::string("\x81\x83\x01\x02\x03\x04") + char('a' ^ 1) + char('b' ^ 2) +
                       char('c' ^ 3));
}

TEST(WsEncode, WritesACloseWithCodeAndReasonOrEmptyFor1005) {
  EXPECT_EQ(encodeClose(4001, "bye", std::nullopt), std::string("\x88\x05\x0f\xa1"
                                                                "bye",
                                                                7));
  EXPECT_EQ(encodeClose(1005, "", std::nullopt), std::string("\x88\x00", 2));
}

TEST(WsParser, ReassemblesFragmentsAroundAPing) {
  Parser parser(/*fromClient=*/true, 1 << 20);
  std::string bytes = clientFrame(0x01, "hel") + clientFrame(0x89, "p") + clientFrame(0x80, "lo");
  auto out = parseAll(parser, bytes);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, Kind::kPing);
  EXPECT_EQ(out[0].data, "p");
  EXPECT_EQ(out[1].kind, Kind::kText);
  EXPECT_EQ(out[1].data, "hello");
}

TEST(WsParser, WaitsForTheRestOfAFrameFedByteByByte) {
  Parser parser(true, 1 << 20);
  std::string frame = clientFrame(0x82, std::string(200, 'x'));
  std::vector<Received> out;
  for (char c : frame) parser.feed(std::string_view(&c, 1), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::kBinary);
  EXPECT_EQ(out[0].data, std::string(200, 'x'));
}

TEST(WsParser, ReadsCloseCodesAndReasons) {
  Parser parser(true, 1 << 20);
  auto out = parseAll(parser, clientFrame(0x88, std::string("\x03\xe8"
                                                            "done",
                                                            6)));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::kClose);
  EXPECT_EQ(out[0].code, 1000);
  EXPECT_EQ(out[0].data, "done");
  Parser empty(true, 1 << 20);
  out = parseAll(empty, clientFrame(0x88, ""));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].code, 1005);
}

struct BadInput {
  std::string name;
  std::string bytes;
  int code;
  std::string description;
};

class WsParserErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(WsParserErrors, ReportTheCloseCodeAndWhy) {
  Parser parser(true, 16);
  auto out = parseAll(parser, GetParam().bytes);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().kind, Kind::kError);
  EXPECT_EQ(out.back().code, GetParam().code);
  EXPECT_EQ(out.back().data, GetParam().description);
  EXPECT_TRUE(parser.failed());
  EXPECT_TRUE(parseAll(parser, clientFrame(0x81, "ignored")).empty());
}

INSTANTIATE_TEST_SUITE_P(
    WsParser,
    WsParserErrors,
    ::testing::Values(
        BadInput{"Unmasked", encodeFrame(Opcode::kText, "x", std::nullopt), 1002,
                 "Received unmasked frame from client"},
        BadInput{"ReservedBits", clientFrame(0xC1, "x"), 1002,
                 "Received frame with non-zero reserved bits"},
        BadInput{"UnknownOpcode", clientFrame(0x83, "x"), 1002, "Unknown opcode 3"},
        BadInput{"FragmentedPing", clientFrame(0x09, "x"), 1002,
                 "Received fragmented control frame"},
        BadInput{"LoneContinuation", clientFrame(0x80, "x"), 1002, "Unexpected continuation frame"},
        BadInput{"InterleavedMessage", clientFrame(0x01, "a") + clientFrame(0x81, "b"), 1002,
                 "Missing continuation frame"},
        BadInput{"BadUtf8", clientFrame(0x81, "\xff"), 1007, "Invalid UTF-8 in text frame"},
        BadInput{"TooBig", clientFrame(0x82, std::string(17, 'x')), 1009,
                 "Message is too large: 17 > 16"},
        BadInput{"BadCloseCode", clientFrame(0x88, std::string("\x03\xed", 2)), 1002,
                 "Invalid close code 1005"}),
    [](const auto& info) { return info.param.name; });

TEST(WsUtf8, AcceptsWellFormedTextAndRefusesSurrogatesAndOverlongs) {
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));  // a surrogate
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));      // an overlong '/'
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));      // cut short
}

}  // namespace
}  // namespace dohost::http::ws
