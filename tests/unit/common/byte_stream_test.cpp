// ByteStream between two real loops: order, end, errors, backpressure and cancellation.
#include "dohost/byte_stream.h"

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dohost/event_loop.h"

namespace dohost {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

class ByteStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reader_.start();
    writer_.start();
  }

  // Reads one chunk on the reader loop and waits for it.
  ByteStream::Chunk readOne(ByteStream& stream) {
    std::promise<ByteStream::Chunk> got;
    auto future = got.get_future();
    stream.read(reader_, [&got](ByteStream::Chunk chunk) { got.set_value(std::move(chunk)); });
    EXPECT_EQ(future.wait_for(kTimeout), std::future_status::ready);
    return future.get();
  }

  EventLoop reader_{"reader"};
  EventLoop writer_{"writer"};
};

TEST_F(ByteStreamTest, DeliversChunksInOrderThenDone) {
  auto stream = ByteStream::create(7);
  EXPECT_EQ(stream->length(), 7u);
  EXPECT_TRUE(stream->write("abc"));
  EXPECT_TRUE(stream->write(""));
  EXPECT_TRUE(stream->write("defg"));
  stream->end();
  EXPECT_FALSE(stream->write("late"));
  EXPECT_EQ(readOne(*stream).bytes, "abc");
  EXPECT_EQ(readOne(*stream).bytes, "defg");
  auto last = readOne(*stream);
  EXPECT_TRUE(last.done);
  EXPECT_FALSE(last.error.has_value());
}

TEST_F(ByteStreamTest, AReadWaitsForTheNextWrite) {
  auto stream = ByteStream::create();
  std::promise<std::string> got;
  auto future = got.get_future();
  stream->read(reader_, [&got](ByteStream::Chunk chunk) { got.set_value(chunk.bytes); });
  EXPECT_EQ(future.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  writer_.post([stream] { stream->write("late bytes"); });
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_EQ(future.get(), "late bytes");
}

TEST_F(ByteStreamTest, FailDropsBufferedBytesAndReportsTheMessage) {
  auto stream = ByteStream::create();
  stream->write("never read");
  stream->fail("upstream broke");
  auto chunk = readOne(*stream);
  EXPECT_EQ(chunk.error, "upstream broke");
  EXPECT_TRUE(chunk.bytes.empty());
}

TEST_F(ByteStreamTest, AWriterWaitsUntilTheReaderTakesBytesBelowTheMark) {
  auto stream = ByteStream::create(std::nullopt, 4);
  stream->write("12345");
  std::promise<bool> ready;
  auto future = ready.get_future();
  stream->whenWritable(writer_, [&ready](bool ok) { ready.set_value(ok); });
  EXPECT_EQ(future.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  EXPECT_EQ(readOne(*stream).bytes, "12345");
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_TRUE(future.get());
}

TEST_F(ByteStreamTest, AWriterWithRoomIsToldAtOnce) {
  auto stream = ByteStream::create(std::nullopt, 4);
  stream->write("12");
  std::promise<bool> ready;
  auto future = ready.get_future();
  stream->whenWritable(writer_, [&ready](bool ok) { ready.set_value(ok); });
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_TRUE(future.get());
}

TEST_F(ByteStreamTest, CancelWakesTheWriterWithFalseAndRefusesWrites) {
  auto stream = ByteStream::create(std::nullopt, 1);
  stream->write("full");
  std::promise<bool> ready;
  auto future = ready.get_future();
  stream->whenWritable(writer_, [&ready](bool ok) { ready.set_value(ok); });
  stream->cancel("client went away");
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_FALSE(future.get());
  EXPECT_FALSE(stream->write("more"));
  EXPECT_TRUE(stream->cancelled());
  EXPECT_EQ(stream->cancelReason(), "client went away");
}

TEST_F(ByteStreamTest, CarriesAMegabyteAcrossLoopsWithBackpressure) {
  auto stream = ByteStream::create(std::nullopt, 1024);
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += std::string(1000, char('a' + i % 26));

  // The writer writes 1000-byte chunks whenever there is room; the reader collects them.
  std::promise<std::string> all;
  auto future = all.get_future();
  auto received = std::make_shared<std::string>();
  std::function<void()> readNext = [&, received] {
    stream->read(reader_, [&, received](ByteStream::Chunk chunk) {
      if (chunk.done) return all.set_value(*received);
      *received += chunk.bytes;
      readNext();
    });
  };
  readNext();
  auto offset = std::make_shared<size_t>(0);
  std::function<void(bool)> writeNext = [&, offset](bool ok) {
    if (!ok) return;
    if (*offset == expected.size()) return stream->end();
    stream->write(expected.substr(*offset, 1000));
    *offset += 1000;
    stream->whenWritable(writer_, writeNext);
  };
  writer_.post([&] { writeNext(true); });
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_EQ(future.get(), expected);
  writer_.stop();
  reader_.stop();
  writer_.join();
  reader_.join();
}

}  // namespace
}  // namespace dohost
