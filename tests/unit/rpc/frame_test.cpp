#include "frame.h"

#include <gtest/gtest.h>

#include "dohost/assert.h"

namespace dohost::rpc::frame {
namespace {

Message callMessage(uint64_t callId, const std::string& args) {
  Call call;
  call.callId = callId;
  call.target.worker = std::string(1, 'w');
  call.method = std::string(1, 'm');
  call.args = args;
  return encode(call);
}

std::string wire(Kind kind, uint64_t id, const std::string& worker, const Message& payload) {
  return encodeHeader(kind, id, worker, payload->size()) + *payload;
}

std::string magic() {
  return std::string(kMagic, kMagicSize);
}

TEST(FrameDecoder, CutsAStreamFedByteByByteIntoItsFrames) {
  auto first = callMessage(1, "abc");
  auto second = encode(Return{1, false, "reply"});
  std::string stream =
      magic() + wire(Kind::kCall, 7, "worker-a", first) + wire(Kind::kReply, 8, "", second);
  Decoder decoder;
  std::vector<Frame> frames;
  for (char c : stream) decoder.feed(&c, 1, frames);

  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].kind, Kind::kCall);
  EXPECT_EQ(frames[0].id, 7u);
  EXPECT_EQ(frames[0].worker, "worker-a");
  EXPECT_EQ(decodeCall(frames[0].payload).args, "abc");
  EXPECT_EQ(frames[1].kind, Kind::kReply);
  EXPECT_EQ(frames[1].id, 8u);
  EXPECT_EQ(frames[1].worker, "");
  EXPECT_EQ(decodeReturn(frames[1].payload).payload, "reply");
}

TEST(FrameDecoder, TakesManyFramesAndLargePayloadsInOneFeed) {
  auto big = callMessage(2, std::string(3 * 1024 * 1024, 'x'));
  std::string stream = magic();
  for (uint64_t id = 1; id <= 3; ++id) stream += wire(Kind::kCall, id, "w", big);
  Decoder decoder;
  std::vector<Frame> frames;
  decoder.feed(stream.data(), stream.size(), frames);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[2].id, 3u);
  EXPECT_EQ(decodeCall(frames[2].payload).args.size(), 3u * 1024 * 1024);
}

TEST(FrameDecoder, RefusesAPeerThatIsNotDohost) {
  Decoder decoder;
  std::vector<Frame> frames;
  std::string junk = "GET / HTTP/1.1\r\n";
  try {
    decoder.feed(junk.data(), junk.size(), frames);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "the peer is not a dohost process of this version (it sent \"GET / HT\")");
  }
}

TEST(FrameDecoder, RefusesAnUnknownKindAndAPayloadThatIsNotAMessage) {
  auto payload = callMessage(1, "");
  auto bad = wire(Kind::kCall, 1, "w", payload);
  bad[4] = 9;
  Decoder decoder;
  std::vector<Frame> frames;
  auto stream = magic() + bad;
  EXPECT_THROW(decoder.feed(stream.data(), stream.size(), frames), Error);

  Decoder second;
  auto shortPayload = magic() + encodeHeader(Kind::kCall, 1, "w", 5) + "12345";
  try {
    second.feed(shortPayload.data(), shortPayload.size(), frames);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "malformed frame: payload of 5 bytes");
  }
  EXPECT_TRUE(frames.empty());
}

TEST(FrameSize, KeepsEveryFrameWithinTheLimit) {
  EXPECT_TRUE(fits(3, kMaxFrameBytes - (kHeaderSize - 4) - 3));
  EXPECT_FALSE(fits(3, kMaxFrameBytes - (kHeaderSize - 4) - 2));
  EXPECT_FALSE(fits(0x10000, 16));
  EXPECT_EQ(encodeHeader(Kind::kCall, 1, "abc", kMaxFrameBytes - (kHeaderSize - 4) - 3).size(),
            kHeaderSize + 3);
}

}  // namespace
}  // namespace dohost::rpc::frame
