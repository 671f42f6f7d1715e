#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "core/error.h"
#include "server/wal_push_server.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/full_backlog_listener.h"
#include "test_support/temp_dir.h"

namespace wale::server {
namespace {

namespace fs = std::filesystem;

int connect_to(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` and returns everything the server answers before closing.
std::string ask(const std::string& socket, const std::string& request) {
  int fd = connect_to(socket);
  if (fd < 0) return "<no connection>";
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// A server on its own thread, stopped and joined at the end of the scope.
class Running {
 public:
  Running(std::string socket, PushHandler handler)
      : server_(std::make_unique<WalPushServer>(socket, std::move(handler))), thread_([this] { server_->serve(); }) {}
  ~Running() { stop_and_destroy(); }
  void stop_and_destroy() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
  }

 private:
  std::unique_ptr<WalPushServer> server_;
  std::thread thread_;
};

TEST(WalPushServer, AnswersOkOnlyForWhatTheHandlerStored) {
  test::TempDir dir;
  std::string sock = dir.path() + "/s/archive.sock";
  Running r(sock, [](const std::string& path) -> std::string {
    if (path == "/wal/ok") return "stored";
    throw Error(ErrorCode::Conflict, "different content", "the detail");
  });
  EXPECT_EQ(ask(sock, "push /wal/ok\n"), "OK stored\n");
  EXPECT_EQ(ask(sock, "push /wal/bad\n"), "ERR different content -- the detail\n");
  EXPECT_EQ(ask(sock, "fetch /wal/ok\n").rfind("ERR ", 0), 0u);
  EXPECT_EQ(ask(sock, "push \n").rfind("ERR ", 0), 0u);
  // Only the owner may connect: no group/other bits on the socket, a 0700 directory.
  struct stat st {};
  ASSERT_EQ(::stat(sock.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  ASSERT_EQ(::stat((dir.path() + "/s").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(WalPushServer, AHandlerExceptionBecomesErrAndTheServerKeepsServing) {
  test::TempDir dir;
  std::string sock = dir.path() + "/a.sock";
  Running r(sock, [](const std::string& path) -> std::string {
    if (path == "x") throw std::runtime_error("boom\nsecond line");
    return "stored";
  });
  EXPECT_EQ(ask(sock, "push x\n"), "ERR boom second line\n");
  EXPECT_EQ(ask(sock, "push y\n"), "OK stored\n");
}

TEST(WalPushServer, ServesRequestsConcurrently) {
  test::TempDir dir;
  std::string sock = dir.path() + "/a.sock";
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Running r(sock, [released](const std::string& path) -> std::string {
    if (path == "slow") released.wait();
    return path;
  });
  auto slow = std::async(std::launch::async, [&] { return ask(sock, "push slow\n"); });
  // A request behind a stuck one is answered (a client that timed out retries).
  EXPECT_EQ(ask(sock, "push fast\n"), "OK fast\n");
  release.set_value();
  EXPECT_EQ(slow.get(), "OK slow\n");
}

TEST(WalPushServer, RefusesASecondServerAndReplacesAStaleSocket) {
  test::TempDir dir;
  std::string sock = dir.path() + "/a.sock";
  {
    Running r(sock, [](const std::string&) { return std::string("one"); });
    try {
      WalPushServer second(sock, [](const std::string&) { return std::string("two"); });
      FAIL() << "a second server bound a live socket";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Conflict);
    }
    EXPECT_EQ(ask(sock, "push p\n"), "OK one\n");  // the first one is untouched
    r.stop_and_destroy();
    EXPECT_FALSE(fs::exists(sock)) << "the server left its socket behind";
  }
  // A socket file nobody listens on (a SIGKILLed server's) is replaced.
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
  }
  ASSERT_TRUE(fs::exists(sock));
  Running again(sock, [](const std::string&) { return std::string("again"); });
  EXPECT_EQ(ask(sock, "push p\n"), "OK again\n");
}

// A server that stopped accepting (frozen) with its backlog full still holds
// its socket: a new server refuses at once instead of waiting in connect()
// for as long as the old one stays frozen.
TEST(WalPushServer, RefusesASocketWhoseServerAcceptsNothingWithoutWaiting) {
  test::TempDir dir;
  std::string sock = dir.path() + "/a.sock";
  test::FullBacklogListener frozen(sock);

  auto second = std::async(std::launch::async, [&]() -> std::optional<ErrorCode> {
    try {
      WalPushServer server(sock, [](const std::string&) { return std::string("stored"); });
      return std::nullopt;
    } catch (const Error& e) {
      return e.code();
    }
  });
  bool returned_in_time = second.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  frozen.close_listener();  // wakes a connect() still waiting, so that the test ends either way
  EXPECT_TRUE(returned_in_time) << "the constructor waited in connect() for a server that accepts nothing";
  EXPECT_EQ(second.get(), std::optional<ErrorCode>(ErrorCode::Conflict));
}

TEST(WalPushServer, RefusesAPathThatIsNotASocket) {
  test::TempDir dir;
  std::string path = dir.path() + "/file";
  std::ofstream(path) << "data";
  EXPECT_THROW(WalPushServer(path, [](const std::string&) { return std::string(); }), Error);
  EXPECT_TRUE(fs::exists(path));
}

TEST(WalPushService, PushesLikeWalPush) {
  test::TempDir dir;
  std::string wal = dir.path() + "/pg_wal";
  fs::create_directories(wal + "/archive_status");
  std::string seg = wal + "/000000010000000000000003";
  std::ofstream(seg, std::ios::binary) << std::string(70000, 'w');
  store::MemoryStore store;
  {
    WalPushService service(store, archive::PushAheadOptions{codec::Codec::Zstd, 2});
    EXPECT_EQ(service.push(seg), "stored");
    EXPECT_TRUE(store.stat("wal_005/000000010000000000000003.zst"));
    EXPECT_EQ(service.push(seg), "already archived");
    // Different content under an archived name: refused, as wal-push does.
    std::ofstream(seg, std::ios::binary | std::ios::trunc) << std::string(70000, 'x');
    try {
      service.push(seg);
      FAIL() << "a second content was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Conflict);
    }
    EXPECT_THROW(service.push(wal + "/not-a-wal-file"), Error);
  }
}

// The first request of a backlog hands the other ready segments to the background worker before
// it pushes its own, so that both compress at once (on 2 cores the row's first segment no longer
// runs alone). Its own upload waits here until the worker has begun another segment's -- or
// 10 s: a worker started only after the request's push never begins while the request waits.
TEST(WalPushService, TheWorkerStartsBeforeTheRequestedSegmentIsPushed) {
  test::TempDir dir;
  std::string wal = dir.path() + "/pg_wal";
  fs::create_directories(wal + "/archive_status");
  auto add = [&](const std::string& name) {
    std::ofstream(wal + "/" + name, std::ios::binary) << std::string(70000, 'w') << name;
    std::ofstream(wal + "/archive_status/" + name + ".ready");
  };
  add("000000010000000000000003");
  add("000000010000000000000004");
  store::MemoryStore base;
  test::FaultInjectingStore store(base);
  std::mutex mu;
  std::condition_variable cv;
  bool worker_began = false;
  bool overlapped = false;
  store.on_put = [&](const std::string& key) {
    std::unique_lock lock(mu);
    if (key == "wal_005/000000010000000000000004.zst") {
      worker_began = true;
      cv.notify_all();
    } else if (key == "wal_005/000000010000000000000003.zst") {
      overlapped = cv.wait_for(lock, std::chrono::seconds(10), [&] { return worker_began; });
    }
  };
  {
    WalPushService service(store, archive::PushAheadOptions{codec::Codec::Zstd, 2});
    EXPECT_EQ(service.push(wal + "/000000010000000000000003"), "stored");
  }  // waits for the background push
  EXPECT_TRUE(overlapped) << "the other ready segment was not begun before the requested one was pushed";
  EXPECT_TRUE(base.stat("wal_005/000000010000000000000003.zst"));
  EXPECT_TRUE(base.stat("wal_005/000000010000000000000004.zst"));
}

}  // namespace
}  // namespace wale::server

namespace wale::server {
namespace {

TEST(WalPushServer, ARestartCheckAnswersErrRemovesTheSocketAndEndsServing) {
  test::TempDir dir;
  std::string sock = dir.path() + "/a.sock";
  std::atomic<bool> stale{false};
  WalPushServer server(sock, [](const std::string&) { return std::string("stored"); });
  server.set_restart_check([&]() -> std::optional<std::string> {
    if (stale) return std::string("settings changed");
    return std::nullopt;
  });
  std::thread t([&] { server.serve(); });
  EXPECT_EQ(ask(sock, "push a\n"), "OK stored\n");
  stale = true;
  EXPECT_EQ(ask(sock, "push b\n"), "ERR settings changed\n");
  t.join();  // serve() returned by itself
  EXPECT_FALSE(fs::exists(sock)) << "clients must see no server at once";
  EXPECT_EQ(ask(sock, "push c\n"), "<no connection>");
}

}  // namespace
}  // namespace wale::server
