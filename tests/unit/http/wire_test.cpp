// Byte-for-byte tests of response framing: what the front door adds, keeps and drops.
#include "wire.h"

#include <gtest/gtest.h>

namespace dohost::http {
namespace {

Response make(int status, std::vector<Header> headers, std::string body) {
  Response response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

TEST(FrameResponse, AddsOnlyContentLengthToAPlainResponse) {
  WireResponse wire = frameResponse(make(200, {{"X-A", "1"}}, "hello"), {});
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(wire.body, "hello");
  EXPECT_FALSE(wire.closeAfter);
  EXPECT_TRUE(wire.problems.empty());
}

TEST(FrameResponse, KeepsTheHandlersStatusTextAndHeaderNamesAsGiven) {
  Response response =
      make(404, {{"x-lower", "v"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}, "");
  response.statusText = "Nope";
  WireResponse wire = frameResponse(response, {});
  EXPECT_EQ(wire.head,
            "HTTP/1.1 404 Nope\r\nx-lower: v\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
            "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(wire.reason, "Nope");
}

TEST(FrameResponse, LeavesTheReasonEmptyForAnUnknownStatus) {
  WireResponse wire = frameResponse(make(299, {}, ""), {});
  EXPECT_EQ(wire.head, "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n");
}

TEST(FrameResponse, SendsHeadersButNoBodyForHead) {
  FrameOptions options;
  options.headRequest = true;
  WireResponse wire = frameResponse(make(200, {}, "twelve bytes"), options);
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(wire.body, "");
}

TEST(FrameResponse, KeepsTheHandlersContentLengthForHead) {
  FrameOptions options;
  options.headRequest = true;
  WireResponse wire = frameResponse(make(200, {{"Content-Length", "1234"}}, ""), options);
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
  EXPECT_TRUE(wire.problems.empty());
}

TEST(FrameResponse, ChunkEncodesWhenTheHandlerAsksForChunked) {
  WireResponse wire = frameResponse(make(200, {{"Transfer-Encoding", "chunked"}}, "hello"), {});
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(wire.body, "5\r\nhello\r\n0\r\n\r\n");
  EXPECT_FALSE(wire.closeAfter);
}

TEST(FrameResponse, SendsNoBodyAndNoLengthWith204) {
  WireResponse wire = frameResponse(make(204, {}, "oops"), {});
  EXPECT_EQ(wire.head, "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(wire.body, "");
  EXPECT_EQ(wire.problems.size(), 1u);
}

TEST(FrameResponse, AnnouncesCloseWhenNotKeepingAlive) {
  FrameOptions options;
  options.keepAlive = false;
  WireResponse wire = frameResponse(make(200, {}, "x"), options);
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(wire.closeAfter);
}

TEST(FrameResponse, AnnouncesKeepAliveToAnHttp10Client) {
  FrameOptions options;
  options.http10 = true;
  WireResponse wire = frameResponse(make(200, {}, "x"), options);
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n");
}

TEST(FrameResponse, ClosesWhenTheHandlerSaysConnectionClose) {
  WireResponse wire = frameResponse(make(200, {{"Connection", "close"}}, ""), {});
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(wire.closeAfter);
}

TEST(FrameResponse, DropsHeadersThatWouldSplitTheResponse) {
  WireResponse wire = frameResponse(
      make(200, {{"X-Bad", "a\r\nInjected: yes"}, {"Bad Name", "v"}, {"X-Good", "ok"}}, ""), {});
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nX-Good: ok\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(wire.problems.size(), 2u);
}

TEST(FrameResponse, CorrectsAContentLengthThatDoesNotMatchTheBody) {
  WireResponse wire = frameResponse(make(200, {{"Content-Length", "99"}}, "abc"), {});
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(wire.problems.size(), 1u);
}

TEST(ReasonPhrase, GivesTheStandardPhrases) {
  EXPECT_EQ(reasonPhrase(200), "OK");
  EXPECT_EQ(reasonPhrase(404), "Not Found");
  EXPECT_EQ(reasonPhrase(413), "Payload Too Large");
  EXPECT_EQ(reasonPhrase(599), "");
}

}  // namespace
}  // namespace dohost::http
