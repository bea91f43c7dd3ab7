#include "zlib_stream.h"

#include <gtest/gtest.h>

namespace dohost::api {
namespace {

using Format = ZlibStream::Format;

std::string run(Format format, bool compress, const std::string& input) {
  ZlibStream stream(format, compress);
  auto head = stream.push(input, false);
  auto tail = stream.push("", true);
  EXPECT_TRUE(head && tail);
  return head.value_or("") + tail.value_or("");
}

TEST(ZlibStream, DeflateRawOfHelloIsTheKnownBytes) {
  // The bytes workerd's CompressionStream("deflate-raw") gives for "hello".
  EXPECT_EQ(run(Format::kDeflateRaw, true, "hello"),
            std::string("\xcb\x48\xcd\xc9\xc9\x07\x00", 7));
}

TEST(ZlibStream, EveryFormatRoundTripsInSmallChunks) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + "\n";
  for (auto format : {Format::kGzip, Format::kDeflate, Format::kDeflateRaw, Format::kBrotli}) {
    auto packed = run(format, true, text);
    ZlibStream inflater(format, false);
    std::string out;
    for (size_t i = 0; i < packed.size(); i += 7) {
      auto piece = inflater.push(std::string_view(packed).substr(i, 7), false);
      ASSERT_TRUE(piece);
      out += *piece;
    }
    auto end = inflater.push("", true);
    ASSERT_TRUE(end);
    EXPECT_EQ(out + *end, text);
  }
}

TEST(ZlibStream, GzipHeaderIsWorkerds) {
  auto packed = run(Format::kGzip, true, "x");
  EXPECT_EQ(packed.substr(0, 10), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10));
}

TEST(ZlibStream, CorruptTruncatedAndTrailingDataFailEachTheirWay) {
  using Failure = ZlibStream::Failure;
  ZlibStream corrupt(Format::kGzip, false);
  EXPECT_FALSE(corrupt.push(std::string("\x01\x02\x03\x04\x05", 5), false));
  EXPECT_EQ(corrupt.failure(), Failure::kCorrupt);
  EXPECT_FALSE(corrupt.push("", true));  // a failed stream stays failed

  for (auto format : {Format::kGzip, Format::kBrotli}) {
    auto packed = run(format, true, "some text that compresses, some text that compresses");
    ZlibStream truncated(format, false);
    EXPECT_TRUE(truncated.push(packed.substr(0, packed.size() / 2), false));
    EXPECT_FALSE(truncated.push("", true));
    EXPECT_EQ(truncated.failure(), Failure::kTruncated);

    ZlibStream trailing(format, false);
    EXPECT_FALSE(trailing.push(packed + "xx", false));
    EXPECT_EQ(trailing.failure(), Failure::kTrailing);
  }
}

TEST(ZlibStream, BrotliOfHelloIsTheKnownBytes) {
  // The bytes workerd's CompressionStream("brotli") gives for "hello".
  EXPECT_EQ(run(Format::kBrotli, true, "hello"), std::string("\x05\x02\x80hello\x03", 9));
}

TEST(ZlibStream, ParsesTheFormatNames) {
  EXPECT_EQ(ZlibStream::parseFormat("gzip"), Format::kGzip);
  EXPECT_EQ(ZlibStream::parseFormat("deflate"), Format::kDeflate);
  EXPECT_EQ(ZlibStream::parseFormat("deflate-raw"), Format::kDeflateRaw);
  EXPECT_EQ(ZlibStream::parseFormat("brotli"), Format::kBrotli);
  EXPECT_EQ(ZlibStream::parseFormat("zip"), std::nullopt);
}

}  // namespace
}  // namespace dohost::api
