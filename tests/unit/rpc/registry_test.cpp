#include "dohost/registry.h"

#include <chrono>
#include <fstream>
#include <future>
#include <mutex>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace dohost::rpc {
namespace {

namespace fs = std::filesystem;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/dohost-registry-test-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override {
    for (int fd : sockets_) ::close(fd);
    fs::remove_all(dir_);
  }

  // A bound Unix socket at `path`, as a live process leaves it.
  fs::path makeSocket(const fs::path& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    sockets_.push_back(fd);
    return path;
  }

  // The pid of a process that has exited and been reaped.
  static pid_t deadPid() {
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    return child;
  }

  RegistryEntry entry(const std::string& worker, pid_t pid, const fs::path& socket) {
    return {worker, socket, pid, {"default", "Api"}, {"Counter"}};
  }

  fs::path dir_;
  std::vector<int> sockets_;
};

TEST(DefaultRegistryDir, PrefersTheRuntimeDirThenHome) {
  EXPECT_EQ(defaultRegistryDir("/run/user/7", "/home/a"), fs::path("/run/user/7/dohost/registry"));
  EXPECT_EQ(defaultRegistryDir(nullptr, "/home/a"), fs::path("/home/a/.dohost/registry"));
  EXPECT_EQ(defaultRegistryDir("", "/home/a"), fs::path("/home/a/.dohost/registry"));
}

TEST_F(RegistryTest, WritesOneFilePerWorkerAndReadsItBack) {
  Registry registry(dir_ / "reg");
  auto socket = makeSocket(registry.socketPathFor(::getpid()));
  EXPECT_EQ(socket, dir_ / "reg" / "sockets" / (std::to_string(::getpid()) + ".sock"));
  registry.add(entry("alpha", ::getpid(), socket));
  registry.add(entry("beta", ::getpid(), socket));

  EXPECT_TRUE(fs::exists(dir_ / "reg" / "alpha.json"));
  auto found = registry.find("alpha");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, entry("alpha", ::getpid(), socket));
  auto all = registry.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at("beta").classes, std::vector<std::string>{"Counter"});
  EXPECT_FALSE(registry.find("gamma").has_value());
  // No temporary file is left beside the entries.
  int files = 0;
  for (const auto& item : fs::directory_iterator(dir_ / "reg")) files += item.is_regular_file();
  EXPECT_EQ(files, 2);
}

TEST_F(RegistryTest, RemovesOnlyItsOwnEntry) {
  Registry registry(dir_);
  auto socket = makeSocket(dir_ / "s.sock");
  registry.add(entry("alpha", ::getpid(), socket));
  registry.remove("alpha", ::getpid() + 1);
  EXPECT_TRUE(registry.find("alpha").has_value());
  registry.remove("alpha", ::getpid());
  EXPECT_FALSE(registry.find("alpha").has_value());
  EXPECT_FALSE(fs::exists(registry.fileFor("alpha")));
}

TEST_F(RegistryTest, IgnoresAndDeletesEntriesOfDeadProcesses) {
  Registry registry(dir_);
  pid_t dead = deadPid();
  auto socket = makeSocket(registry.socketPathFor(dead));
  registry.add(entry("gone", dead, socket));
  auto tempOfDead = dir_ / (".x.json." + std::to_string(dead) + ".tmp");
  std::ofstream(tempOfDead) << "{";

  EXPECT_TRUE(registry.list().empty());
  EXPECT_FALSE(fs::exists(registry.fileFor("gone")));
  EXPECT_FALSE(fs::exists(socket));
  EXPECT_FALSE(fs::exists(tempOfDead));
}

TEST_F(RegistryTest, IgnoresAndDeletesEntriesWhoseSocketIsMissing) {
  Registry registry(dir_);
  registry.add(entry("nosocket", ::getpid(), dir_ / "missing.sock"));
  EXPECT_FALSE(registry.find("nosocket").has_value());
  EXPECT_FALSE(fs::exists(registry.fileFor("nosocket")));
}

TEST_F(RegistryTest, LeavesFilesItCannotReadAlone) {
  Registry registry(dir_);
  std::ofstream(dir_ / "future.json") << R"({"format": 9, "something": "else"})";
  EXPECT_TRUE(registry.list().empty());
  EXPECT_TRUE(fs::exists(dir_ / "future.json"));
}

TEST_F(RegistryTest, KeepsEveryWorkerNameInsideTheFolder) {
  Registry registry(dir_ / "reg");
  EXPECT_EQ(registry.fileFor("../evil/x"), dir_ / "reg" / "%2E.%2Fevil%2Fx.json");
  EXPECT_EQ(registry.fileFor("my-worker_2.v"), dir_ / "reg" / "my-worker_2.v.json");
  auto socket = makeSocket(dir_ / "s.sock");
  registry.add(entry("../evil/x", ::getpid(), socket));
  EXPECT_EQ(registry.list().count("../evil/x"), 1u);
}

TEST_F(RegistryTest, SaysWhichFolderItCannotCreate) {
  std::ofstream(dir_ / "file") << "x";
  try {
    Registry registry(dir_ / "file" / "reg");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    std::string expected = "cannot create the dev registry folder ";
    expected += (dir_ / "file" / "reg").string();
    expected += ": Not a directory; pass another with --registry DIR";
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

TEST_F(RegistryTest, PutsTheSocketElsewhereWhenThePathWouldBeTooLong) {
  Registry registry(dir_ / std::string(120, 'r'));
  auto path = registry.socketPathFor(42);
  EXPECT_LT(path.string().size(), sizeof(sockaddr_un::sun_path));
  EXPECT_EQ(path.filename(), "42.sock");
}

TEST_F(RegistryTest, WatcherSeesEntriesComeAndGo) {
  Registry registry(dir_);
  auto socket = makeSocket(dir_ / "s.sock");
  EventLoop loop("watch");
  loop.start();
  std::mutex mutex;
  std::promise<void>* waiting = nullptr;
  RegistryWatcher watcher(registry, loop, [&] {
    std::lock_guard<std::mutex> lock(mutex);
    if (waiting) waiting->set_value();
    waiting = nullptr;
  });
  // Waits for the next change the watcher reports after `act`.
  auto change = [&](const std::function<void()>& act) {
    std::promise<void> changed;
    {
      std::lock_guard<std::mutex> lock(mutex);
      waiting = &changed;
    }
    act();
    EXPECT_EQ(changed.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  };

  registry.add(entry("early", ::getpid(), socket));
  watcher.start();
  // The first scan is done when start() returns.
  EXPECT_TRUE(watcher.find("early").has_value());

  change([&] { registry.add(entry("late", ::getpid(), socket)); });
  EXPECT_EQ(watcher.find("late"), entry("late", ::getpid(), socket));
  change([&] { registry.remove("early", ::getpid()); });
  EXPECT_FALSE(watcher.find("early").has_value());
  EXPECT_EQ(watcher.entries().size(), 1u);

  // A process killed without cleaning up: its entry goes at a later poll,
  // with nothing written to the folder.
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  change([&] { registry.add(entry("killed", child, socket)); });
  EXPECT_TRUE(watcher.find("killed").has_value());
  change([&] {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
  });
  EXPECT_FALSE(watcher.find("killed").has_value());
  EXPECT_FALSE(fs::exists(registry.fileFor("killed")));

  watcher.stop();
  loop.stop();
  loop.join();
}

}  // namespace
}  // namespace dohost::rpc
