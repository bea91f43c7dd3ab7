#include "dohost/transport.h"

#include <chrono>
#include <future>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

namespace dohost::rpc {
namespace {

namespace fs = std::filesystem;
constexpr auto kWait = std::chrono::seconds(10);

// A Worker of the "other process": answers `method:args`, or keeps the call
// unanswered when the method is "hang".
class EchoEndpoint final : public Endpoint {
 public:
  explicit EchoEndpoint(EventLoop& loop) : loop_(loop) {}
  EventLoop& loop() override {
    return loop_;
  }
  void deliver(Message message, Reply reply) override {
    auto call = decodeCall(message);
    if (call.method == "hang") {
      hanging_.push_back(reply);
      if (onHang_) onHang_();
      return;
    }
    reply(encode(Return{call.callId, false, call.method + ":" + call.args}));
  }
  std::function<void()> onHang_;

 private:
  EventLoop& loop_;
  std::vector<Reply> hanging_;
};

// One side: loops, a router and a transport, as one dohost process has.
struct Side {
  explicit Side(PeerResolver resolve)
      : loop("test"), transport({&loop}, router, std::move(resolve)) {
    loop.start();
    router.setRemote(&transport);
  }
  ~Side() {
    router.setRemote(nullptr);
    transport.stop();
    loop.stop();
    loop.join();
  }
  EventLoop loop;
  Router router;
  Transport transport;
};

Message callTo(const std::string& worker,
               uint64_t id,
               const std::string& method,
               const std::string& args = "") {
  Call call;
  call.callId = id;
  call.target.worker = worker;
  call.method = method;
  call.args = args;
  return encode(call);
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/dohost-transport-test-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override {
    fs::remove_all(dir_);
  }

  // Sends one call from `side` and waits for its Return.
  Return call(Side& side,
              const std::string& worker,
              const std::string& method,
              const std::string& args = "") {
    std::promise<Message> done;
    side.router.send(worker, callTo(worker, 5, method, args), side.loop,
                     [&done](Message ret) { done.set_value(ret); });
    auto future = done.get_future();
    EXPECT_EQ(future.wait_for(kWait), std::future_status::ready);
    return decodeReturn(future.get());
  }

  fs::path dir_;
};

// The process that runs Worker "svc", listening on `path`.
struct Peer {
  explicit Peer(const fs::path& path)
      : side([](const std::string&, bool) { return std::nullopt; }), endpoint(side.loop) {
    side.router.addEndpoint("svc", &endpoint);
    side.transport.listen(path);
  }
  Side side;
  EchoEndpoint endpoint;
};

TEST_F(TransportTest, CarriesACallToAnotherProcessAndItsReplyBack) {
  Peer peer(dir_ / "peer.sock");
  Side caller([&](const std::string& worker, bool) -> std::optional<fs::path> {
    if (worker == "svc") return dir_ / "peer.sock";
    return std::nullopt;
  });
  auto ret = call(caller, "svc", "greet", "hello");
  EXPECT_EQ(ret.callId, 5u);
  EXPECT_FALSE(ret.isError);
  EXPECT_EQ(ret.payload, "greet:hello");
  // Large messages too.
  EXPECT_EQ(call(caller, "svc", "big", std::string(5 << 20, 'z')).payload.size(), 4 + (5u << 20));
}

TEST_F(TransportTest, MatchesRepliesToTheirCallsWithManyInFlight) {
  Peer peer(dir_ / "peer.sock");
  Side caller(
      [&](const std::string&, bool) { return std::optional<fs::path>(dir_ / "peer.sock"); });
  constexpr int kCalls = 500;
  std::promise<void> done;
  std::vector<std::string> replies(kCalls);
  int remaining = kCalls;
  caller.loop.post([&] {
    for (int i = 0; i < kCalls; ++i) {
      caller.router.send("svc", callTo("svc", i, "n", std::to_string(i)), caller.loop,
                         [&, i](Message message) {
                           auto ret = decodeReturn(message);
                           replies[i] = std::to_string(ret.callId) + "=" + ret.payload;
                           if (--remaining == 0) done.set_value();
                         });
    }
  });
  ASSERT_EQ(done.get_future().wait_for(kWait), std::future_status::ready);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(replies[i], std::to_string(i) + "=n:" + std::to_string(i));
  }
}

TEST_F(TransportTest, FailsAtOnceWhenNoProcessRunsTheWorker) {
  Side caller([](const std::string&, bool) { return std::nullopt; });
  auto ret = call(caller, "missing", "m");
  EXPECT_TRUE(ret.isError);
  EXPECT_TRUE(ret.isFailure);
  EXPECT_EQ(ret.callId, 5u);
  EXPECT_EQ(ret.payload, "Worker \"missing\" not found. Make sure it is running locally.");
}

TEST_F(TransportTest, FailsWhenTheRegisteredSocketRefuses) {
  Side caller(
      [&](const std::string&, bool) { return std::optional<fs::path>(dir_ / "dead.sock"); });
  auto ret = call(caller, "svc", "m");
  EXPECT_TRUE(ret.isFailure);
  EXPECT_EQ(ret.payload, "Worker \"svc\" not found. Make sure it is running locally.");
}

TEST_F(TransportTest, CallsInFlightFailWhenThePeerGoesAway) {
  auto peer = std::make_unique<Peer>(dir_ / "peer.sock");
  std::promise<void> arrived;
  int hung = 0;
  peer->endpoint.onHang_ = [&] {
    if (++hung == 2) arrived.set_value();
  };
  Side caller(
      [&](const std::string&, bool) { return std::optional<fs::path>(dir_ / "peer.sock"); });
  std::promise<Message> first, second;
  caller.router.send("svc", callTo("svc", 1, "hang"), caller.loop,
                     [&](Message m) { first.set_value(m); });
  caller.router.send("svc", callTo("svc", 2, "hang"), caller.loop,
                     [&](Message m) { second.set_value(m); });
  ASSERT_EQ(arrived.get_future().wait_for(kWait), std::future_status::ready);
  peer.reset();

  const std::string lost =
      "Network connection lost: the dohost process running Worker \"svc\" went away before it "
      "answered.";
  for (auto* promise : {&first, &second}) {
    auto future = promise->get_future();
    ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
    auto ret = decodeReturn(future.get());
    EXPECT_TRUE(ret.isFailure);
    EXPECT_EQ(ret.payload, lost);
  }
}

TEST_F(TransportTest, ReachesAPeerThatCameBackElsewhere) {
  // The cached answer still names the old socket; a fresh look names the new one.
  fs::path current = dir_ / "first.sock";
  auto peer = std::make_unique<Peer>(current);
  Side caller([&](const std::string&, bool fresh) {
    return std::optional<fs::path>(fresh ? current : dir_ / "first.sock");
  });
  EXPECT_EQ(call(caller, "svc", "a").payload, "a:");

  peer.reset();
  EXPECT_EQ(call(caller, "svc", "b").payload,
            "Worker \"svc\" not found. Make sure it is running locally.");

  current = dir_ / "second.sock";
  peer = std::make_unique<Peer>(current);
  EXPECT_EQ(call(caller, "svc", "c").payload, "c:");
  EXPECT_EQ(call(caller, "svc", "d").payload, "d:");
}

TEST_F(TransportTest, RefusesAPeerThatSpeaksAnotherProtocol) {
  auto path = dir_ / "http.sock";
  int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  std::thread server([listener] {
    int client = ::accept(listener, nullptr, nullptr);
    const char reply[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    EXPECT_GT(::write(client, reply, sizeof(reply) - 1), 0);
    char sink[256];
    while (::read(client, sink, sizeof(sink)) > 0) {
    }
    ::close(client);
  });

  {
    Side caller([&](const std::string&, bool) { return std::optional<fs::path>(path); });
    auto ret = call(caller, "svc", "m");
    EXPECT_TRUE(ret.isFailure);
    EXPECT_EQ(ret.payload,
              "Cannot reach Worker \"svc\": the peer is not a dohost process of this version (it "
              "sent \"HTTP/1.1\")");
  }
  server.join();
  ::close(listener);
}

TEST_F(TransportTest, StoppedTransportFailsCallsAndRemovesItsSocket) {
  auto path = dir_ / "peer.sock";
  auto peer = std::make_unique<Peer>(path);
  EXPECT_TRUE(fs::exists(path));
  peer->side.transport.stop();
  EXPECT_FALSE(fs::exists(path));
  auto ret = call(peer->side, "elsewhere", "m");
  EXPECT_EQ(ret.payload, "Network connection lost: this dohost process is shutting down.");
}

TEST(RouterTest, PrefersTheWorkerInThisProcess) {
  EventLoop loop("test");
  loop.start();
  Router router;
  EchoEndpoint endpoint(loop);
  router.addEndpoint("svc", &endpoint);
  struct NeverRemote final : RemoteRoute {
    void send(const std::string&, Message, EventLoop&, std::function<void(Message)>) override {
      ADD_FAILURE() << "went remote";
    }
  } remote;
  router.setRemote(&remote);
  std::promise<Message> done;
  router.send("svc", callTo("svc", 3, "local"), loop, [&](Message m) { done.set_value(m); });
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(decodeReturn(future.get()).payload, "local:");

  // Without an endpoint and without a remote route: a failure naming the Worker.
  router.setRemote(nullptr);
  std::promise<Message> failed;
  router.send("other", callTo("other", 4, "m"), loop, [&](Message m) { failed.set_value(m); });
  auto failure = failed.get_future();
  ASSERT_EQ(failure.wait_for(kWait), std::future_status::ready);
  auto ret = decodeReturn(failure.get());
  EXPECT_TRUE(ret.isFailure);
  EXPECT_EQ(ret.callId, 4u);
  EXPECT_EQ(ret.payload, "Worker \"other\" not found. Make sure it is running locally.");
  loop.stop();
  loop.join();
}

}  // namespace
}  // namespace dohost::rpc
