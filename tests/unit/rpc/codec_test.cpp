// The encoding of calls and returns: every field survives the round trip,
// so the in-process and socket paths carry the same calls.
#include <gtest/gtest.h>

#include "dohost/rpc.h"

namespace dohost::rpc {
namespace {

TEST(CallCodec, KeepsTheTargetPathOpCallerAndCapabilitiesFlag) {
  Call call;
  call.callId = 42;
  call.target.worker = "owner";
  call.target.className = "Board";
  call.target.objectId = std::string(64, 'a');
  call.target.objectName = "x";
  call.method = "increment";
  call.path = {"counter", "inner"};
  call.op = Op::kGet;
  call.caller = "front";
  call.hasCaps = true;
  call.args = std::string("\xff\x0f\x00\x01", 4);

  auto decoded = decodeCall(encode(call));
  EXPECT_EQ(decoded.callId, 42u);
  EXPECT_EQ(decoded.target.worker, "owner");
  EXPECT_EQ(decoded.target.className, "Board");
  EXPECT_EQ(decoded.target.objectId, std::string(64, 'a'));
  EXPECT_EQ(decoded.target.objectName, std::optional<std::string>("x"));
  EXPECT_EQ(decoded.method, "increment");
  EXPECT_EQ(decoded.path, (std::vector<std::string>{"counter", "inner"}));
  EXPECT_EQ(decoded.op, Op::kGet);
  EXPECT_EQ(decoded.caller, "front");
  EXPECT_TRUE(decoded.hasCaps);
  EXPECT_EQ(decoded.args, call.args);
}

TEST(CallCodec, AddressesAnEntrypointOrAnExportWithoutAClass) {
  Call toEntrypoint;
  toEntrypoint.target.worker = "calc";
  toEntrypoint.target.entrypoint = "Calc";
  toEntrypoint.op = Op::kFetch;
  auto entrypoint = decodeCall(encode(toEntrypoint));
  EXPECT_EQ(entrypoint.target.entrypoint, "Calc");
  EXPECT_TRUE(entrypoint.target.className.empty());
  EXPECT_FALSE(entrypoint.target.objectName.has_value());
  EXPECT_EQ(entrypoint.op, Op::kFetch);
  EXPECT_EQ(entrypoint.target.exportId, 0u);

  Call release;
  release.target.worker = "hub";
  release.target.exportId = 7;
  release.op = Op::kRelease;
  auto decoded = decodeCall(encode(release));
  EXPECT_EQ(decoded.target.exportId, 7u);
  EXPECT_EQ(decoded.op, Op::kRelease);
  EXPECT_TRUE(decoded.path.empty());
  EXPECT_TRUE(decoded.method.empty());
}

TEST(ReturnCodec, KeepsValueErrorAndCapabilitiesFlag) {
  Return value{9, false, "bytes"};
  value.hasCaps = true;
  auto decoded = decodeReturn(encode(value));
  EXPECT_EQ(decoded.callId, 9u);
  EXPECT_FALSE(decoded.isError);
  EXPECT_TRUE(decoded.hasCaps);
  EXPECT_EQ(decoded.payload, "bytes");

  auto error = decodeReturn(encode(Return{10, true, "err"}));
  EXPECT_TRUE(error.isError);
  EXPECT_FALSE(error.hasCaps);
  EXPECT_EQ(error.payload, "err");
}

}  // namespace
}  // namespace dohost::rpc
